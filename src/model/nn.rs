//! Building blocks with reproducible behaviour: a seeded [`VarBuilder`] backend (candle's CPU
//! random generator cannot be seeded), a LayerNorm with gradients (candle-nn's fused CPU
//! LayerNorm and `softmax_last_dim` record no backward pass), and dropout driven by a ChaCha
//! stream owned by the caller.

use candle_core::{DType, Device, Module, Result, Shape, Tensor, Var};
use candle_nn::var_builder::SimpleBackend;
use candle_nn::{Embedding, Init, Linear, VarBuilder, VarMap};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Standard deviation of weight matrices and embeddings at initialisation (GPT-2's 0.02).
pub const INIT_STD: f64 = 0.02;

/// A [`VarBuilder`] backend that creates missing variables in a [`VarMap`] from a seed: each
/// variable draws from its own ChaCha stream keyed by its name, so values do not depend on the
/// order in which layers are built.
pub struct SeededInit {
    varmap: VarMap,
    seed: u64,
}

impl SeededInit {
    /// A backend filling `varmap` (shared: clones of a `VarMap` share their variables).
    pub fn new(varmap: &VarMap, seed: u64) -> SeededInit {
        SeededInit {
            varmap: varmap.clone(),
            seed,
        }
    }

    /// A `VarBuilder` over this backend.
    pub fn var_builder(self, dtype: DType, device: &Device) -> VarBuilder<'static> {
        VarBuilder::from_backend(Box::new(self), dtype, device.clone())
    }

    fn values(&self, shape: &Shape, name: &str, init: Init) -> Result<Vec<f64>> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed ^ name_hash(name));
        let n = shape.elem_count();
        Ok(match init {
            Init::Const(c) => vec![c; n],
            Init::Uniform { lo, up } => (0..n)
                .map(|_| lo + (up - lo) * rng.random::<f64>())
                .collect(),
            Init::Randn { mean, stdev } => {
                (0..n).map(|_| mean + stdev * normal(&mut rng)).collect()
            }
            Init::Kaiming { .. } => {
                candle_core::bail!(
                    "`{name}`: Kaiming initialisation is not supported by SeededInit"
                )
            }
        })
    }
}

/// FNV-1a of a variable name: the stream key of its initial values.
fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// One standard normal draw (Box–Muller).
pub fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>();
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

impl SimpleBackend for SeededInit {
    fn get(&self, s: Shape, name: &str, h: Init, dtype: DType, dev: &Device) -> Result<Tensor> {
        let mut data = self
            .varmap
            .data()
            .lock()
            .expect("the VarMap lock is not poisoned");
        if let Some(var) = data.get(name) {
            if var.shape() != &s {
                candle_core::bail!("`{name}`: shape {:?}, expected {s:?}", var.shape());
            }
            return var.as_tensor().to_dtype(dtype);
        }
        let values = self.values(&s, name, h)?;
        let tensor = Tensor::from_vec(values, s, dev)?.to_dtype(dtype)?;
        let var = Var::from_tensor(&tensor)?;
        let tensor = var.as_tensor().clone();
        data.insert(name.to_string(), var);
        Ok(tensor)
    }

    fn get_unchecked(&self, name: &str, dtype: DType, _dev: &Device) -> Result<Tensor> {
        let data = self
            .varmap
            .data()
            .lock()
            .expect("the VarMap lock is not poisoned");
        match data.get(name) {
            Some(var) => var.as_tensor().to_dtype(dtype),
            None => candle_core::bail!("no variable `{name}`"),
        }
    }

    fn contains_tensor(&self, name: &str) -> bool {
        let data = self
            .varmap
            .data()
            .lock()
            .expect("the VarMap lock is not poisoned");
        data.contains_key(name)
    }
}

/// A linear layer `x Wᵀ + b` with W ~ N(0, 0.02²) and b = 0.
pub fn linear(inputs: usize, outputs: usize, vb: VarBuilder) -> Result<Linear> {
    let weight = vb.get_with_hints(
        (outputs, inputs),
        "weight",
        Init::Randn {
            mean: 0.0,
            stdev: INIT_STD,
        },
    )?;
    let bias = vb.get_with_hints(outputs, "bias", Init::Const(0.0))?;
    Ok(Linear::new(weight, Some(bias)))
}

/// An embedding table of `count` rows of width `width`, N(0, 0.02²).
pub fn embedding(count: usize, width: usize, vb: VarBuilder) -> Result<Embedding> {
    let table = vb.get_with_hints(
        (count, width),
        "weight",
        Init::Randn {
            mean: 0.0,
            stdev: INIT_STD,
        },
    )?;
    Ok(Embedding::new(table, width))
}

/// LayerNorm over the last dimension (ε = 1e-5), built from differentiable tensor ops.
#[derive(Clone, Debug)]
pub struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
}

impl LayerNorm {
    /// Weight 1, bias 0.
    pub fn new(width: usize, vb: VarBuilder) -> Result<LayerNorm> {
        Ok(LayerNorm {
            weight: vb.get_with_hints(width, "weight", Init::Const(1.0))?,
            bias: vb.get_with_hints(width, "bias", Init::Const(0.0))?,
        })
    }
}

impl Module for LayerNorm {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        let centred = x.broadcast_sub(&x.mean_keepdim(candle_core::D::Minus1)?)?;
        let variance = centred.sqr()?.mean_keepdim(candle_core::D::Minus1)?;
        let normed = centred.broadcast_div(&(variance + 1e-5)?.sqrt()?)?;
        normed
            .broadcast_mul(&self.weight)?
            .broadcast_add(&self.bias)
    }
}

/// Inverted dropout with probability `p`: in training (`rng` given) each element is zeroed with
/// probability p and the rest scaled by 1/(1−p); in evaluation (`None`) the identity.
pub fn dropout(x: &Tensor, p: f64, rng: Option<&mut ChaCha8Rng>) -> Result<Tensor> {
    let Some(rng) = rng else {
        return Ok(x.clone());
    };
    if p == 0.0 {
        return Ok(x.clone());
    }
    let keep = (1.0 / (1.0 - p)) as f32;
    let p = p as f32;
    let mask: Vec<f32> = (0..x.elem_count())
        .map(|_| if rng.random::<f32>() < p { 0.0 } else { keep })
        .collect();
    let mask = Tensor::from_vec(mask, x.shape(), x.device())?.to_dtype(x.dtype())?;
    x.mul(&mask)
}

/// Softmax over the last dimension from differentiable ops (max-subtracted).
pub fn softmax_last(x: &Tensor) -> Result<Tensor> {
    candle_nn::ops::softmax(x, candle_core::D::Minus1)
}
