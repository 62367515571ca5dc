//! Batched real-amplitude state preparation with adjoint gradients (design.md §4).
//!
//! A [`StatePrep`] is compiled from a state-preparation template: a circuit of Ry rotations
//! (angles affine in the inputs) and real fixed gates (X, Z, H, swap, any controls), such as
//! [`layer::state_prep_circuit`](crate::layer::state_prep_circuit). For an N × P parameter
//! matrix it returns the N prepared states ψ = U(θ)|0⟩ (2^n real amplitudes each) and, given
//! dL/dψ, the N × P gradient dL/dθ by the adjoint method (Jones & Gacon, arXiv 2009.02823):
//! one backward sweep that un-computes ψ gate by gate while carrying λ = (dL/dψ)ᵀ·U_G⋯U_{j+1},
//! so every parameter's derivative costs O(2^n) and a state O(gates · 2^n) in all.
//!
//! Buffers are plain row-major slices in `f32` or `f64` ([`Real`]); rows run in parallel.

use super::SimError;
use super::kernel::{Placement, apply_diagonal, apply_matrix, apply_swap, apply_x};
use crate::ir::{Angle, Circuit, Gate, GateOp};
use crate::layer::{LayerSpec, Side, state_prep_circuit};
use rayon::prelude::*;
use std::fmt::Debug;

/// The floating-point types the kernel runs in.
pub trait Real: num_traits::Float + Send + Sync + Debug + 'static {
    /// The nearest value to `x`.
    fn from_f64(x: f64) -> Self;
}

impl Real for f32 {
    fn from_f64(x: f64) -> f32 {
        x as f32
    }
}

impl Real for f64 {
    fn from_f64(x: f64) -> f64 {
        x
    }
}

#[derive(Clone, Debug, PartialEq)]
enum PrepAction {
    /// Ry(constant + Σ coefficient·θ[index]).
    Ry {
        constant: f64,
        terms: Vec<(usize, f64)>,
    },
    X,
    Z,
    H,
    Swap,
}

#[derive(Clone, Debug, PartialEq)]
struct PrepGate {
    place: Placement,
    action: PrepAction,
}

/// A compiled state-preparation template.
#[derive(Clone, Debug, PartialEq)]
pub struct StatePrep {
    num_qubits: usize,
    params: Vec<String>,
    gates: Vec<PrepGate>,
}

/// The most qubits a template may have (states of 2^20 amplitudes).
pub const MAX_PREP_QUBITS: usize = 20;

/// The qubit count and parameter names (its inputs, in declaration order) of a template, once
/// it has 1 to [`MAX_PREP_QUBITS`] qubits and at least one input.
pub(crate) fn template_shape(circuit: &Circuit) -> Result<(usize, Vec<String>), SimError> {
    let n = circuit.num_qubits();
    if n == 0 {
        return Err(SimError::NoQubits);
    }
    if n > MAX_PREP_QUBITS {
        return Err(SimError::TooManyQubits {
            qubits: n,
            limit: MAX_PREP_QUBITS,
        });
    }
    if circuit.inputs().is_empty() {
        return Err(SimError::NotATemplate(
            "the template has no parameters".to_string(),
        ));
    }
    Ok((n, circuit.inputs().to_vec()))
}

impl StatePrep {
    /// Compiles a template; its inputs, in declaration order, are the parameter columns.
    pub fn from_circuit(circuit: &Circuit) -> Result<StatePrep, SimError> {
        let (n, params) = template_shape(circuit)?;
        let mut gates = Vec::new();
        for op in circuit.gates() {
            gates.push(PrepGate {
                place: Placement::of(op),
                action: prep_action(op, &params)?,
            });
        }
        Ok(StatePrep {
            num_qubits: n,
            params,
            gates,
        })
    }

    /// The template of one side of a layer: ψ_q(i) or ψ_k(j) on the working register, with
    /// parameters `tok_*`, `pos_*`, `prop_*`, then `query_*` or `key_*` (design.md §3).
    pub fn for_layer(spec: &LayerSpec, side: Side) -> Result<StatePrep, SimError> {
        StatePrep::from_circuit(&state_prep_circuit(spec, side))
    }

    /// Number of qubits n.
    pub fn num_qubits(&self) -> usize {
        self.num_qubits
    }

    /// Amplitudes per state, 2^n.
    pub fn dim(&self) -> usize {
        1 << self.num_qubits
    }

    /// Parameter names, in column order.
    pub fn params(&self) -> &[String] {
        &self.params
    }

    /// Number of parameters P.
    pub fn num_params(&self) -> usize {
        self.params.len()
    }

    /// Writes the N states for the N × P matrix `params` into `states` (N × 2^n).
    pub fn states<T: Real>(&self, params: &[T], states: &mut [T]) -> Result<(), SimError> {
        let (p, dim) = (self.num_params(), self.dim());
        rows(p, params, states, "states", dim)?;
        states
            .par_chunks_mut(dim)
            .zip(params.par_chunks(p))
            .for_each(|(psi, theta)| self.prepare(theta, psi));
        Ok(())
    }

    /// Writes dL/dθ (N × P) for the N × P matrix `params`, given `dl_dpsi` = dL/dψ (N × 2^n).
    pub fn gradients<T: Real>(
        &self,
        params: &[T],
        dl_dpsi: &[T],
        grad: &mut [T],
    ) -> Result<(), SimError> {
        let (p, dim) = (self.num_params(), self.dim());
        rows(p, params, dl_dpsi, "dL/dψ", dim)?;
        rows(p, params, grad, "gradient", p)?;
        grad.par_chunks_mut(p)
            .zip(params.par_chunks(p))
            .zip(dl_dpsi.par_chunks(dim))
            .for_each_init(
                || (vec![T::zero(); dim], vec![T::zero(); dim]),
                |(psi, lambda), ((g, theta), upstream)| {
                    self.prepare(theta, psi);
                    lambda.copy_from_slice(upstream);
                    self.adjoint(theta, psi, lambda, g);
                },
            );
        Ok(())
    }

    fn angle<T: Real>(constant: f64, terms: &[(usize, f64)], theta: &[T]) -> T {
        terms.iter().fold(T::from_f64(constant), |acc, &(k, c)| {
            acc + T::from_f64(c) * theta[k]
        })
    }

    fn prepare<T: Real>(&self, theta: &[T], psi: &mut [T]) {
        psi.fill(T::zero());
        psi[0] = T::one();
        self.apply(theta, psi);
    }

    /// ψ ← U(θ)ψ.
    fn apply<T: Real>(&self, theta: &[T], psi: &mut [T]) {
        for gate in &self.gates {
            gate.apply(psi, theta, false);
        }
    }

    /// Writes, for each of the G rows θ_g of `sets` (G × P), the 2^n columns of U(θ_g) as rows:
    /// row c of block g is U(θ_g)|c⟩ (`columns`: G × 2^n × 2^n), so that for any state φ,
    /// U(θ_g)φ = φᵀ · block g (as a row vector).
    pub fn columns<T: Real>(&self, sets: &[T], columns: &mut [T]) -> Result<(), SimError> {
        let (p, dim) = (self.num_params(), self.dim());
        rows(p, sets, columns, "columns", dim * dim)?;
        columns
            .par_chunks_mut(dim)
            .enumerate()
            .for_each(|(row, psi)| {
                let theta = &sets[row / dim * p..][..p];
                psi.fill(T::zero());
                psi[row % dim] = T::one();
                self.apply(theta, psi);
            });
        Ok(())
    }

    /// dL/dθ_g (G × P) for the G angle sets `sets` given their [`columns`](Self::columns) and
    /// dL/d(columns) (`upstream`, both G × 2^n × 2^n): the sum over the 2^n columns of each
    /// column's adjoint sweep, which starts from the column itself (no re-preparation).
    pub fn column_gradients<T: Real>(
        &self,
        sets: &[T],
        columns: &[T],
        upstream: &[T],
        grad: &mut [T],
    ) -> Result<(), SimError> {
        let (p, dim) = (self.num_params(), self.dim());
        rows(p, sets, columns, "columns", dim * dim)?;
        rows(p, sets, upstream, "dL/d(columns)", dim * dim)?;
        rows(p, sets, grad, "gradient", p)?;
        let mut per_column = vec![T::zero(); columns.len() / dim * p];
        per_column
            .par_chunks_mut(p)
            .zip(columns.par_chunks(dim))
            .zip(upstream.par_chunks(dim))
            .enumerate()
            .for_each_init(
                || (vec![T::zero(); dim], vec![T::zero(); dim]),
                |(psi, lambda), (row, ((g, column), up))| {
                    psi.copy_from_slice(column);
                    lambda.copy_from_slice(up);
                    self.adjoint(&sets[row / dim * p..][..p], psi, lambda, g);
                },
            );
        sum_columns(&per_column, dim, p, grad);
        Ok(())
    }

    /// The backward sweep: `psi` holds U|0⟩ and `lambda` dL/dψ on entry; `grad` receives dL/dθ.
    fn adjoint<T: Real>(&self, theta: &[T], psi: &mut [T], lambda: &mut [T], grad: &mut [T]) {
        grad.fill(T::zero());
        let half = T::from_f64(0.5);
        for gate in self.gates.iter().rev() {
            // ψ ← U_j† ψ: the state before gate j.
            gate.apply(psi, theta, true);
            if let PrepAction::Ry { constant, terms } = &gate.action {
                // λ · (dU_j/dθ) ψ with dRy/dθ = ½·[[−s, −c], [c, −s]].
                let (s, c) = (Self::angle(*constant, terms, theta) * half).sin_cos();
                let mut derivative = T::zero();
                for i0 in gate.place.bases(psi.len()) {
                    let i1 = i0 | gate.place.target;
                    let (a0, a1) = (psi[i0], psi[i1]);
                    derivative = derivative
                        + lambda[i0] * (-s * a0 - c * a1)
                        + lambda[i1] * (c * a0 - s * a1);
                }
                let derivative = derivative * half;
                for &(k, coefficient) in terms {
                    grad[k] = grad[k] + T::from_f64(coefficient) * derivative;
                }
            }
            // λ ← U_jᵀ λ.
            gate.apply(lambda, theta, true);
        }
    }
}

/// The (parameter column, coefficient) terms of an affine angle over the template's inputs.
pub(super) fn angle_terms(angle: &Angle, params: &[String]) -> Vec<(usize, f64)> {
    angle
        .terms()
        .iter()
        .map(|(name, c)| {
            let k = params
                .iter()
                .position(|p| p == name)
                .expect("the IR checks that every angle input is declared");
            (k, *c)
        })
        .collect()
}

/// `grad` (G × P) ← the sums of each block of `dim` consecutive P-wide rows of `per_column`
/// ((G · dim) × P), added in row order (deterministic whatever the thread count).
pub(super) fn sum_columns<T: Real>(per_column: &[T], dim: usize, p: usize, grad: &mut [T]) {
    for (g, block) in grad.chunks_mut(p).zip(per_column.chunks(dim * p)) {
        g.fill(T::zero());
        for row in block.chunks(p) {
            for (a, &b) in g.iter_mut().zip(row) {
                *a = *a + b;
            }
        }
    }
}

/// Checks an N × P parameter buffer (P = `p`) against a second N × `other_width` buffer and
/// returns N.
pub(super) fn rows<T>(
    p: usize,
    params: &[T],
    other: &[T],
    other_what: &'static str,
    other_width: usize,
) -> Result<usize, SimError> {
    if !params.len().is_multiple_of(p) {
        return Err(SimError::Shape {
            what: "parameters",
            expected: format!("a multiple of {p} values (N × P)"),
            got: params.len(),
        });
    }
    let rows = params.len() / p;
    if other.len() != rows * other_width {
        return Err(SimError::Shape {
            what: other_what,
            expected: format!("{rows} × {other_width} values"),
            got: other.len(),
        });
    }
    Ok(rows)
}

fn prep_action(op: &GateOp, params: &[String]) -> Result<PrepAction, SimError> {
    Ok(match (op.gate, &op.angle) {
        (Gate::Ry, Some(angle)) => PrepAction::Ry {
            constant: angle.constant_part(),
            terms: angle_terms(angle, params),
        },
        (Gate::X, None) => PrepAction::X,
        (Gate::Z, None) => PrepAction::Z,
        (Gate::H, None) => PrepAction::H,
        (Gate::Swap, None) => PrepAction::Swap,
        _ => {
            return Err(SimError::NotATemplate(format!(
                "`{op}` is not a real gate (templates use ry, x, z, h and swap, with controls)"
            )));
        }
    })
}

impl PrepGate {
    /// Applies the gate, or its transpose (= inverse: every gate here is real orthogonal).
    fn apply<T: Real>(&self, state: &mut [T], theta: &[T], transpose: bool) {
        let place = &self.place;
        match &self.action {
            PrepAction::Ry { constant, terms } => {
                let angle = StatePrep::angle(*constant, terms, theta) * T::from_f64(0.5);
                let (s, c) = angle.sin_cos();
                let s = if transpose { -s } else { s };
                apply_matrix(state, place, [[c, -s], [s, c]]);
            }
            PrepAction::X => apply_x(state, place),
            PrepAction::Swap => apply_swap(state, place),
            PrepAction::Z => apply_diagonal(state, place, T::one(), -T::one()),
            PrepAction::H => {
                let r = T::from_f64(std::f64::consts::FRAC_1_SQRT_2);
                apply_matrix(state, place, [[r, r], [r, -r]]);
            }
        }
    }
}
