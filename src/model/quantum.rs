//! The batched state-preparation kernel ([`StatePrep`]) as a candle custom op: an N × P angle
//! matrix in, the N prepared states (N × 2^n real amplitudes) out; the backward pass returns
//! dL/dθ by adjoint differentiation (design.md §4). CPU only, `f32` or `f64`, contiguous input.

use crate::sim::{Real, StatePrep};
use candle_core::{CpuStorage, CustomOp1, CustomOp2, Layout, Result, Shape, Tensor, WithDType};
use std::sync::Arc;

/// ψ = U(θ)|0⟩ for every row θ of an N × P tensor.
#[derive(Clone, Debug)]
pub struct StatePrepOp {
    prep: Arc<StatePrep>,
}

impl StatePrepOp {
    /// The op for a compiled template.
    pub fn new(prep: Arc<StatePrep>) -> StatePrepOp {
        StatePrepOp { prep }
    }

    /// The states for `angles` (N × P), recording the adjoint backward pass.
    pub fn states(&self, angles: &Tensor) -> Result<Tensor> {
        angles.apply_op1(self.clone())
    }
}

/// The rows of a contiguous 2-D input, checked against the template's parameter count.
fn rows(prep: &StatePrep, layout: &Layout, what: &str) -> Result<(usize, usize)> {
    let Some((start, end)) = layout.contiguous_offsets() else {
        candle_core::bail!("state-prep: {what} must be contiguous");
    };
    let (n, p) = layout.shape().dims2()?;
    if p != prep.num_params() {
        candle_core::bail!(
            "state-prep: {what} has {p} columns, the template {} parameters",
            prep.num_params()
        );
    }
    debug_assert_eq!(end - start, n * p);
    Ok((start, n))
}

fn sim_error(e: crate::sim::SimError) -> candle_core::Error {
    candle_core::Error::Msg(format!("state-prep: {e}"))
}

/// The `n` states for the angle rows `theta`, as candle storage of the angles' type.
fn prepared<T: Real + WithDType>(prep: &StatePrep, theta: &[T], n: usize) -> Result<CpuStorage> {
    let mut out = vec![T::zero(); n * prep.dim()];
    prep.states(theta, &mut out).map_err(sim_error)?;
    Ok(T::to_cpu_storage_owned(out))
}

/// dL/dθ for the angle rows `theta` and upstream gradients `dl_dpsi`, as candle storage.
fn adjoint<T: Real + WithDType>(
    prep: &StatePrep,
    theta: &[T],
    dl_dpsi: &[T],
    n: usize,
) -> Result<CpuStorage> {
    let mut grad = vec![T::zero(); n * prep.num_params()];
    prep.gradients(theta, dl_dpsi, &mut grad)
        .map_err(sim_error)?;
    Ok(T::to_cpu_storage_owned(grad))
}

impl CustomOp1 for StatePrepOp {
    fn name(&self) -> &'static str {
        "state-prep"
    }

    fn cpu_fwd(&self, storage: &CpuStorage, layout: &Layout) -> Result<(CpuStorage, Shape)> {
        let (start, n) = rows(&self.prep, layout, "the angle matrix")?;
        let (p, dim) = (self.prep.num_params(), self.prep.dim());
        let shape = Shape::from((n, dim));
        let storage = match storage {
            CpuStorage::F32(values) => prepared(&self.prep, &values[start..start + n * p], n)?,
            CpuStorage::F64(values) => prepared(&self.prep, &values[start..start + n * p], n)?,
            _ => candle_core::bail!("state-prep: angles must be f32 or f64"),
        };
        Ok((storage, shape))
    }

    fn bwd(&self, arg: &Tensor, _res: &Tensor, grad_res: &Tensor) -> Result<Option<Tensor>> {
        let grad = arg.apply_op2_no_bwd(
            &grad_res.contiguous()?,
            &StatePrepGradient {
                prep: self.prep.clone(),
            },
        )?;
        Ok(Some(grad))
    }
}

/// dL/dθ (N × P) from θ (N × P) and dL/dψ (N × 2^n): the adjoint sweep of [`StatePrep`].
struct StatePrepGradient {
    prep: Arc<StatePrep>,
}

impl CustomOp2 for StatePrepGradient {
    fn name(&self) -> &'static str {
        "state-prep-gradient"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> Result<(CpuStorage, Shape)> {
        let (start, n) = rows(&self.prep, l1, "the angle matrix")?;
        let Some((g_start, _)) = l2.contiguous_offsets() else {
            candle_core::bail!("state-prep: dL/dψ must be contiguous");
        };
        let (p, dim) = (self.prep.num_params(), self.prep.dim());
        if l2.shape().dims2()? != (n, dim) {
            candle_core::bail!(
                "state-prep: dL/dψ has shape {:?}, expected ({n}, {dim})",
                l2.shape()
            );
        }
        let shape = Shape::from((n, p));
        let (rows, upstream) = (start..start + n * p, g_start..g_start + n * dim);
        let storage = match (s1, s2) {
            (CpuStorage::F32(theta), CpuStorage::F32(dl_dpsi)) => {
                adjoint(&self.prep, &theta[rows], &dl_dpsi[upstream], n)?
            }
            (CpuStorage::F64(theta), CpuStorage::F64(dl_dpsi)) => {
                adjoint(&self.prep, &theta[rows], &dl_dpsi[upstream], n)?
            }
            _ => candle_core::bail!("state-prep: angles and dL/dψ must both be f32 or both f64"),
        };
        Ok((storage, shape))
    }
}
