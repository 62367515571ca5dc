//! The batched state-preparation kernel ([`StatePrepKernel`]) as a candle custom op: an N × P
//! angle matrix in, the N prepared states out as real rows — 2^n amplitudes for the real kernel,
//! `[Re ψ | Im ψ]` (2 · 2^n values) for the complex one, so that in both cases the dot product of
//! two rows is Re⟨ψ_a|ψ_b⟩. The backward pass returns dL/dθ by adjoint differentiation
//! (design.md §4; the complex convention is in [`ComplexStatePrep`](crate::sim::ComplexStatePrep)).
//! CPU only, `f32` or `f64`, contiguous input.

use crate::sim::{Real, StatePrepKernel};
use candle_core::{CpuStorage, CustomOp1, CustomOp2, Layout, Result, Shape, Tensor, WithDType};
use std::sync::Arc;

/// ψ = U(θ)|0⟩ for every row θ of an N × P tensor.
#[derive(Clone, Debug)]
pub struct StatePrepOp {
    prep: Arc<StatePrepKernel>,
}

impl StatePrepOp {
    /// The op for a compiled template (real or complex kernel).
    pub fn new(prep: Arc<StatePrepKernel>) -> StatePrepOp {
        StatePrepOp { prep }
    }

    /// The states for `angles` (N × P), recording the adjoint backward pass.
    pub fn states(&self, angles: &Tensor) -> Result<Tensor> {
        angles.apply_op1(self.clone())
    }
}

/// The rows of a contiguous 2-D input, checked against the template's parameter count.
fn rows(prep: &StatePrepKernel, layout: &Layout, what: &str) -> Result<(usize, usize)> {
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
fn prepared<T: Real + WithDType>(
    prep: &StatePrepKernel,
    theta: &[T],
    n: usize,
) -> Result<CpuStorage> {
    let mut out = vec![T::zero(); n * prep.width()];
    prep.states(theta, &mut out).map_err(sim_error)?;
    Ok(T::to_cpu_storage_owned(out))
}

/// dL/dθ for the angle rows `theta` and upstream gradients `dl_dpsi`, as candle storage.
fn adjoint<T: Real + WithDType>(
    prep: &StatePrepKernel,
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
        let (p, dim) = (self.prep.num_params(), self.prep.width());
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

/// dL/dθ (N × P) from θ (N × P) and dL/d(state rows): the adjoint sweep of the kernel.
struct StatePrepGradient {
    prep: Arc<StatePrepKernel>,
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
        let (p, dim) = (self.prep.num_params(), self.prep.width());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Angle, Circuit, Control, Gate, GateOp};
    use crate::sim::{Amplitude, Program};
    use candle_core::{DType, Device, Var};

    /// A complex template on 3 qubits: rx, rz, p, crx, cz, s and sx with affine angles.
    fn template() -> Circuit {
        let mut c = Circuit::new(3, 0);
        for name in ["a", "b", "c", "d"] {
            c.declare_input(name);
        }
        let x = |name: &str, k: f64| Angle::input(name).scale(k);
        let ops = [
            GateOp::rotation(Gate::Rx, x("a", 1.0), 0),
            GateOp::fixed(Gate::H, &[1]),
            GateOp::rotation(Gate::Rz, x("b", 0.5).add(&Angle::constant(0.3)), 1),
            GateOp::fixed(Gate::Z, &[2]).controlled_by(Control::on(0)),
            GateOp::rotation(Gate::Rx, x("c", -1.0), 2).controlled_by(Control::on(1)),
            GateOp::fixed(Gate::S, &[0]),
            GateOp::rotation(Gate::P, x("d", 1.0).add(&x("a", 0.25)), 1),
            GateOp::fixed(Gate::Sx, &[2]),
            GateOp::rotation(Gate::Ry, x("b", 1.0), 0).controlled_by(Control::on_zero(2)),
        ];
        for op in ops {
            c.push_gate(op).unwrap();
        }
        c
    }

    /// L = Σ_ij W_ij Re⟨ψ_i|ψ_j⟩ + Σ V·[Re ψ | Im ψ] from simulated states.
    fn slow_loss(program: &Program, angles: &[f64], w: &[f64], v: &[f64]) -> f64 {
        let rows: Vec<Vec<f64>> = angles
            .chunks(4)
            .map(|row| {
                let s = program.run(row).unwrap().to_complex();
                s.iter()
                    .map(|z| z.re)
                    .chain(s.iter().map(|z| z.im))
                    .collect()
            })
            .collect();
        let n = rows.len();
        let mut loss = 0.0;
        for i in 0..n {
            for j in 0..n {
                let dot: f64 = rows[i].iter().zip(&rows[j]).map(|(a, b)| a * b).sum();
                loss += w[i * n + j] * dot;
            }
            loss += rows[i]
                .iter()
                .zip(&v[i * 16..])
                .map(|(a, b)| a * b)
                .sum::<f64>();
        }
        loss
    }

    #[test]
    fn the_complex_op_backward_equals_finite_differences_of_the_simulator() -> Result<()> {
        let circuit = template();
        let kernel = StatePrepKernel::from_circuit(&circuit).unwrap();
        assert!(kernel.is_complex());
        let op = StatePrepOp::new(Arc::new(kernel));
        let program = Program::compile(&circuit, Amplitude::Complex).unwrap();
        let n = 3;
        let angles: Vec<f64> = (0..n * 4).map(|k| (k as f64 * 0.77).sin() * 2.0).collect();
        let w: Vec<f64> = (0..n * n).map(|k| (k as f64 * 1.3).cos()).collect();
        let v: Vec<f64> = (0..n * 16).map(|k| (k as f64 * 0.41).sin()).collect();
        let device = Device::Cpu;
        let theta = Var::from_vec(angles.clone(), (n, 4), &device)?;
        let states = op.states(theta.as_tensor())?;
        assert_eq!(states.dims(), &[n, 16]);
        let gram = states.matmul(&states.t()?)?;
        let loss = ((gram * Tensor::from_vec(w.clone(), (n, n), &device)?)?.sum_all()?
            + (&states * Tensor::from_vec(v.clone(), (n, 16), &device)?)?.sum_all()?)?;
        let value = loss.to_scalar::<f64>()?;
        assert!((value - slow_loss(&program, &angles, &w, &v)).abs() < 1e-12);
        let grads = loss.backward()?;
        let grad = grads.get(&theta).unwrap().flatten_all()?.to_vec1::<f64>()?;
        let h = 1e-6;
        for k in 0..n * 4 {
            let (mut plus, mut minus) = (angles.clone(), angles.clone());
            plus[k] += h;
            minus[k] -= h;
            let numeric = (slow_loss(&program, &plus, &w, &v)
                - slow_loss(&program, &minus, &w, &v))
                / (2.0 * h);
            assert!(
                (numeric - grad[k]).abs() < 1e-6 * (1.0 + numeric.abs()),
                "θ[{k}]: backward {} vs central difference {numeric}",
                grad[k]
            );
        }
        // f32 forward agrees with f64.
        let states32 = op.states(&theta.as_tensor().to_dtype(DType::F32)?)?;
        let diff = (states32.to_dtype(DType::F64)? - &states)?
            .abs()?
            .max_all()?
            .to_scalar::<f64>()?;
        assert!(diff < 1e-5, "{diff}");
        Ok(())
    }
}
