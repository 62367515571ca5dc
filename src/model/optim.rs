//! AdamW (decoupled weight decay, as PyTorch's) whose moments can be saved and restored, so
//! that a resumed run continues exactly; and global-norm gradient clipping.

use super::config::TrainConfig;
use candle_core::backprop::GradStore;
use candle_core::{DType, Result, Tensor, Var};
use candle_nn::VarMap;
use std::collections::HashMap;
use std::path::Path;

struct Slot {
    name: String,
    var: Var,
    decay: bool,
    first: Tensor,
    second: Tensor,
}

/// AdamW over the variables of a [`VarMap`], in name order.
pub struct AdamW {
    slots: Vec<Slot>,
    step: usize,
    lr: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
    weight_decay: f64,
    grad_clip: f64,
}

/// Whether weight decay applies to a variable: weight matrices and embeddings, not biases,
/// LayerNorm parameters or circuit angles (angles are periodic; pulling them to 0 means
/// nothing).
pub fn decays(name: &str, rank: usize) -> bool {
    rank >= 2 && !name.contains("angles")
}

impl AdamW {
    /// An optimiser with zero moments for every variable of `varmap`.
    pub fn new(varmap: &VarMap, cfg: &TrainConfig) -> Result<AdamW> {
        let data = varmap
            .data()
            .lock()
            .expect("the VarMap lock is not poisoned");
        let mut names: Vec<&String> = data.keys().collect();
        names.sort();
        let slots = names
            .into_iter()
            .map(|name| {
                let var = data[name].clone();
                Ok(Slot {
                    name: name.clone(),
                    decay: decays(name, var.rank()),
                    first: var.zeros_like()?,
                    second: var.zeros_like()?,
                    var,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(AdamW {
            slots,
            step: 0,
            lr: cfg.lr,
            beta1: cfg.beta1,
            beta2: cfg.beta2,
            eps: cfg.eps,
            weight_decay: cfg.weight_decay,
            grad_clip: cfg.grad_clip,
        })
    }

    /// Sets the learning rate of the next updates (a schedule calls this before each step).
    pub fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    /// Steps taken.
    pub fn steps(&self) -> usize {
        self.step
    }

    /// Backpropagates `loss`, clips the global gradient norm and updates every variable.
    /// Returns the gradient norm before clipping.
    pub fn backward_step(&mut self, loss: &Tensor) -> Result<f64> {
        let grads = loss.backward()?;
        self.apply(&grads)
    }

    /// The global L2 norm of the gradients of the optimised variables.
    pub fn grad_norm(&self, grads: &GradStore) -> Result<f64> {
        let mut total = 0.0;
        for slot in &self.slots {
            if let Some(g) = grads.get(slot.var.as_tensor()) {
                total += g
                    .sqr()?
                    .sum_all()?
                    .to_dtype(DType::F64)?
                    .to_scalar::<f64>()?;
            }
        }
        Ok(total.sqrt())
    }

    /// One update from `grads`; returns the gradient norm before clipping.
    pub fn apply(&mut self, grads: &GradStore) -> Result<f64> {
        let norm = self.grad_norm(grads)?;
        let clip = if self.grad_clip > 0.0 && norm > self.grad_clip {
            self.grad_clip / (norm + 1e-6)
        } else {
            1.0
        };
        self.step += 1;
        let t = self.step as i32;
        let correction1 = 1.0 - self.beta1.powi(t);
        let correction2 = 1.0 - self.beta2.powi(t);
        for slot in &mut self.slots {
            let Some(g) = grads.get(slot.var.as_tensor()) else {
                continue;
            };
            let g = (g * clip)?;
            slot.first = ((&slot.first * self.beta1)? + (&g * (1.0 - self.beta1))?)?;
            slot.second = ((&slot.second * self.beta2)? + (g.sqr()? * (1.0 - self.beta2))?)?;
            let m_hat = (&slot.first / correction1)?;
            let v_hat = (&slot.second / correction2)?;
            let theta = slot.var.as_tensor();
            let theta = if slot.decay {
                (theta * (1.0 - self.lr * self.weight_decay))?
            } else {
                theta.clone()
            };
            let update = (m_hat / (v_hat.sqrt()? + self.eps)?)?;
            slot.var.set(&(theta - (update * self.lr)?)?)?;
        }
        Ok(norm)
    }

    /// Writes the moments (`first.NAME`, `second.NAME`) to a safetensors file.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut tensors = HashMap::new();
        for slot in &self.slots {
            tensors.insert(format!("first.{}", slot.name), slot.first.clone());
            tensors.insert(format!("second.{}", slot.name), slot.second.clone());
        }
        candle_core::safetensors::save(&tensors, path)
    }

    /// Restores moments written by [`AdamW::save`] after `step` steps.
    pub fn load(&mut self, path: &Path, step: usize) -> Result<()> {
        let device = self
            .slots
            .first()
            .map(|s| s.var.device().clone())
            .unwrap_or(candle_core::Device::Cpu);
        let mut tensors = candle_core::safetensors::load(path, &device)?;
        for slot in &mut self.slots {
            let mut take = |kind: &str| {
                tensors
                    .remove(&format!("{kind}.{}", slot.name))
                    .ok_or_else(|| {
                        candle_core::Error::Msg(format!(
                            "optimizer state lacks {kind}.{}",
                            slot.name
                        ))
                    })
            };
            slot.first = take("first")?;
            slot.second = take("second")?;
        }
        self.step = step;
        Ok(())
    }
}
