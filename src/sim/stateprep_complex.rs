//! Batched complex-amplitude state preparation with adjoint gradients (design.md §4, §10).
//!
//! A [`ComplexStatePrep`] is compiled from any state-preparation template made of IR gates: every
//! base gate of [`Gate`] with any (positive or negative) controls, rotation angles affine in the
//! inputs. It returns the N prepared states ψ = U(θ)|0⟩ of an N × P parameter matrix as real rows
//! `[Re ψ | Im ψ]` (2 · 2^n values each): the dot product of two such rows is Re⟨ψ_a|ψ_b⟩, so the
//! score matrix of the Hadamard test is still one matmul.
//!
//! # Gradient convention
//! For a real loss L of the complex state, the upstream gradient is the row
//! `[∂L/∂Re ψ | ∂L/∂Im ψ]`, read as the complex vector g = ∂L/∂Re ψ + i·∂L/∂Im ψ (what autograd
//! produces for the real rows above). Then, by the chain rule over real and imaginary parts,
//!
//! dL/dθ = Σ_j ∂L/∂Re ψ_j · Re ∂ψ_j/∂θ + ∂L/∂Im ψ_j · Im ∂ψ_j/∂θ = Re⟨g|∂ψ/∂θ⟩.
//!
//! With ψ = U_G⋯U_1|0⟩ and φ_j = U_j⋯U_1|0⟩, the term of gate j is Re⟨λ_j|∂U_j/∂θ|φ_{j−1}⟩ with
//! λ_j = U_{j+1}†⋯U_G† g. The backward sweep (Jones & Gacon, arXiv 2009.02823) un-computes φ and
//! carries λ gate by gate with U_j†, so all P derivatives of a state cost O(gates · 2^n). Jones &
//! Gacon's factor 2 in dL/dθ = 2·Re⟨λ|∂U|φ⟩ for L = ⟨ψ|H|ψ⟩ is here part of g: that loss has
//! g = 2Hψ.
//!
//! # Gate forms
//! A fixed gate is its matrix (2 × 2, or 4 × 4 for two-target gates). A rotation must have the
//! form U(θ) = e^{iαθ}(cos(θ/2)·I + sin(θ/2)·M) with α ∈ {0, ½} — true of rx, ry, rz (α = 0),
//! p (α = ½) and the two-qubit Pauli rotations rxx, ryy, rzz — and then
//! ∂U/∂θ = iα·U(θ) + e^{iαθ}(−½ sin(θ/2)·I + ½ cos(θ/2)·M). α and M are read from the gate's
//! matrices at θ = 2π and θ = π when the template is compiled, and the form is checked at two
//! more angles, so a gate added to the IR later works as soon as its matrix is known (one-target
//! gates from [`Gate::matrix`], two-target gates from the simulator's [`Program`]).

use super::kernel::{Placement, apply_diagonal, apply_matrix, apply_swap};
use super::stateprep::{Real, angle_terms, rows, sum_columns, template_shape};
use super::{Amplitude, Program, SimError};
use crate::ir::{Angle, Circuit, Gate, GateOp};
use num_complex::{Complex, Complex64};
use rayon::prelude::*;

/// A d × d matrix (d = 2 or 4), row-major in the first d² entries.
#[derive(Clone, Copy, Debug)]
struct Dense<T> {
    dim: usize,
    m: [Complex<T>; 16],
}

impl<T: Real> Dense<T> {
    fn zeros(dim: usize) -> Dense<T> {
        Dense {
            dim,
            m: [Complex::new(T::zero(), T::zero()); 16],
        }
    }

    fn at(&self, r: usize, c: usize) -> Complex<T> {
        self.m[r * self.dim + c]
    }

    fn adjoint(&self) -> Dense<T> {
        let mut out = Dense::zeros(self.dim);
        for r in 0..self.dim {
            for c in 0..self.dim {
                out.m[r * self.dim + c] = self.at(c, r).conj();
            }
        }
        out
    }
}

fn cast<T: Real>(z: Complex64) -> Complex<T> {
    Complex::new(T::from_f64(z.re), T::from_f64(z.im))
}

/// A gate's matrix as a function of its angle.
#[derive(Clone, Debug, PartialEq)]
enum Form {
    /// A constant d × d matrix (row-major).
    Fixed(Vec<Complex64>),
    /// U(θ) = e^{iαθ}(cos(θ/2)·I + sin(θ/2)·M).
    Rotation { alpha: f64, m: Vec<Complex64> },
}

#[derive(Clone, Debug, PartialEq)]
struct ComplexGate {
    place: Placement,
    /// 2 for one-target gates, 4 for two-target gates.
    dim: usize,
    /// Exchange of the two targets (applied without a matrix).
    swap: bool,
    /// Whether every matrix of the gate is diagonal.
    diagonal: bool,
    form: Form,
    /// The angle `constant + Σ coefficient·θ[index]` of a rotation.
    constant: f64,
    terms: Vec<(usize, f64)>,
}

/// A compiled complex state-preparation template.
#[derive(Clone, Debug, PartialEq)]
pub struct ComplexStatePrep {
    num_qubits: usize,
    params: Vec<String>,
    gates: Vec<ComplexGate>,
}

/// Tolerance of the compile-time checks of a gate's rotation form.
const FORM_TOLERANCE: f64 = 1e-12;

fn is_identity(m: &[Complex64], dim: usize, sign: f64) -> bool {
    (0..dim * dim).all(|k| {
        let expected = if k / dim == k % dim { sign } else { 0.0 };
        (m[k] - Complex64::new(expected, 0.0)).norm() < FORM_TOLERANCE
    })
}

/// The d × d matrix (row-major) of `gate` at angle `theta` on targets 0 (and 1), local index bit
/// 0 = first target, bit 1 = second target.
fn gate_matrix(gate: Gate, theta: f64) -> Result<Vec<Complex64>, SimError> {
    if let Some(m) = gate.matrix(theta) {
        return Ok(vec![m[0][0], m[0][1], m[1][0], m[1][1]]);
    }
    if gate.num_targets() != 2 {
        return Err(SimError::NotATemplate(format!(
            "gate `{}` has no matrix",
            gate.name()
        )));
    }
    // Column j is the gate applied to the basis state |j⟩ of two qubits.
    let mut m = vec![Complex64::new(0.0, 0.0); 16];
    for j in 0..4 {
        let mut circuit = Circuit::new(2, 0);
        let mut push = |op| {
            circuit
                .push_gate(op)
                .map_err(|e| SimError::NotATemplate(e.to_string()))
        };
        for q in 0..2 {
            if j >> q & 1 == 1 {
                push(GateOp::fixed(Gate::X, &[q]))?;
            }
        }
        push(GateOp {
            gate,
            angle: (gate.num_params() == 1).then(|| Angle::constant(theta)),
            controls: Vec::new(),
            targets: vec![0, 1],
        })?;
        let column = Program::compile(&circuit, Amplitude::Complex)?
            .run(&[])?
            .to_complex();
        for (r, z) in column.into_iter().enumerate() {
            m[r * 4 + j] = z;
        }
    }
    Ok(m)
}

/// The form of `gate`: fixed, or a rotation e^{iαθ}(cos(θ/2)·I + sin(θ/2)·M) (checked).
fn gate_form(gate: Gate) -> Result<(usize, Form), SimError> {
    let fixed = gate_matrix(gate, 0.0)?;
    let dim = if fixed.len() == 4 { 2 } else { 4 };
    match gate.num_params() {
        0 => return Ok((dim, Form::Fixed(fixed))),
        1 => {}
        k => {
            return Err(SimError::NotATemplate(format!(
                "gate `{}` has {k} angles; templates take rotations of one angle",
                gate.name()
            )));
        }
    }
    let not_a_rotation = || {
        SimError::NotATemplate(format!(
            "gate `{}` is not of the form e^{{iαθ}}(cos(θ/2)·I + sin(θ/2)·M)",
            gate.name()
        ))
    };
    let full_turn = gate_matrix(gate, 2.0 * std::f64::consts::PI)?;
    let alpha = if is_identity(&fixed, dim, 1.0) && is_identity(&full_turn, dim, -1.0) {
        0.0
    } else if is_identity(&fixed, dim, 1.0) && is_identity(&full_turn, dim, 1.0) {
        0.5
    } else {
        return Err(not_a_rotation());
    };
    let unphase = Complex64::from_polar(1.0, -alpha * std::f64::consts::PI);
    let m: Vec<Complex64> = gate_matrix(gate, std::f64::consts::PI)?
        .into_iter()
        .map(|z| z * unphase)
        .collect();
    let form = Form::Rotation { alpha, m };
    for theta in [0.9, -2.3] {
        let expected = gate_matrix(gate, theta)?;
        let got = form_matrix::<f64>(&form, dim, theta);
        if (0..dim * dim).any(|k| (expected[k] - got.m[k]).norm() > FORM_TOLERANCE) {
            return Err(not_a_rotation());
        }
    }
    Ok((dim, form))
}

/// The matrix of a gate of `form` at angle `theta`.
fn form_matrix<T: Real>(form: &Form, dim: usize, theta: T) -> Dense<T> {
    let mut out = Dense::zeros(dim);
    match form {
        Form::Fixed(m) => {
            for (o, z) in out.m.iter_mut().zip(m) {
                *o = cast(*z);
            }
        }
        Form::Rotation { alpha, m } => {
            let half = theta * T::from_f64(0.5);
            let (s, c) = half.sin_cos();
            let phase = Complex::from_polar(T::one(), T::from_f64(*alpha) * theta);
            for (k, (o, z)) in out.m.iter_mut().zip(m).enumerate() {
                let diagonal = if k / dim == k % dim { c } else { T::zero() };
                *o = phase * (cast::<T>(*z) * s + Complex::new(diagonal, T::zero()));
            }
        }
    }
    out
}

/// ∂U/∂θ of a rotation of `form` at angle `theta`.
fn form_derivative<T: Real>(form: &Form, dim: usize, theta: T) -> Dense<T> {
    let Form::Rotation { alpha, m } = form else {
        return Dense::zeros(dim);
    };
    let half = T::from_f64(0.5);
    let (s, c) = (theta * half).sin_cos();
    let phase = Complex::from_polar(T::one(), T::from_f64(*alpha) * theta);
    let u = form_matrix(form, dim, theta);
    let i_alpha = Complex::new(T::zero(), T::from_f64(*alpha));
    let mut out = Dense::zeros(dim);
    for (k, (o, z)) in out.m.iter_mut().zip(m).enumerate() {
        let diagonal = if k / dim == k % dim {
            -s * half
        } else {
            T::zero()
        };
        *o = i_alpha * u.m[k]
            + phase * (cast::<T>(*z) * (c * half) + Complex::new(diagonal, T::zero()));
    }
    out
}

/// The amplitude indices of one affected group of a gate: `base` with the local index's bits
/// on the first (bit 0) and second (bit 1) target.
#[inline]
fn group(place: &Placement, dim: usize, base: usize) -> [usize; 4] {
    if dim == 2 {
        [base, base | place.target, 0, 0]
    } else {
        [
            base,
            base | place.target,
            base | place.second,
            base | place.target | place.second,
        ]
    }
}

/// Applies a 4 × 4 matrix on the two targets of `place`.
fn apply_matrix4<T: Real>(state: &mut [Complex<T>], place: &Placement, u: &Dense<T>) {
    for base in place.bases(state.len()) {
        let idx = group(place, 4, base);
        let a = idx.map(|i| state[i]);
        for (r, &i) in idx.iter().enumerate() {
            state[i] = (0..4).fold(Complex::new(T::zero(), T::zero()), |acc, c| {
                acc + u.at(r, c) * a[c]
            });
        }
    }
}

impl ComplexGate {
    fn compile(op: &GateOp, params: &[String]) -> Result<ComplexGate, SimError> {
        let (dim, form) = if op.gate == Gate::Swap {
            (4, Form::Fixed(Vec::new()))
        } else {
            gate_form(op.gate)?
        };
        let diagonal = match &form {
            Form::Fixed(m) | Form::Rotation { m, .. } => {
                (0..m.len()).all(|k| k / dim == k % dim || m[k].norm() == 0.0)
            }
        };
        let (constant, terms) = match &op.angle {
            Some(angle) => (angle.constant_part(), angle_terms(angle, params)),
            None => (0.0, Vec::new()),
        };
        Ok(ComplexGate {
            place: Placement::of(op),
            dim,
            swap: op.gate == Gate::Swap,
            diagonal,
            form,
            constant,
            terms,
        })
    }

    fn angle<T: Real>(&self, theta: &[T]) -> T {
        self.terms
            .iter()
            .fold(T::from_f64(self.constant), |acc, &(k, c)| {
                acc + T::from_f64(c) * theta[k]
            })
    }

    /// Applies the matrix `u` of this gate (or its adjoint, as the caller passes).
    fn apply<T: Real>(&self, state: &mut [Complex<T>], u: &Dense<T>) {
        let place = &self.place;
        if self.swap {
            apply_swap(state, place);
        } else if self.dim == 4 {
            apply_matrix4(state, place, u);
        } else if self.diagonal {
            apply_diagonal(state, place, u.m[0], u.m[3]);
        } else {
            apply_matrix(state, place, [[u.m[0], u.m[1]], [u.m[2], u.m[3]]]);
        }
    }

    /// Re⟨λ|∂U/∂θ|φ⟩ on the gate's controlled subspace (the identity elsewhere has derivative 0).
    fn derivative<T: Real>(&self, lambda: &[Complex<T>], phi: &[Complex<T>], d: &Dense<T>) -> T {
        let mut sum = Complex::new(T::zero(), T::zero());
        for base in self.place.bases(phi.len()) {
            let idx = group(&self.place, self.dim, base);
            for r in 0..self.dim {
                let row = if self.diagonal {
                    d.at(r, r) * phi[idx[r]]
                } else {
                    (0..self.dim).fold(Complex::new(T::zero(), T::zero()), |acc, c| {
                        acc + d.at(r, c) * phi[idx[c]]
                    })
                };
                sum = sum + lambda[idx[r]].conj() * row;
            }
        }
        sum.re
    }
}

impl ComplexStatePrep {
    /// Compiles a template; its inputs, in declaration order, are the parameter columns.
    pub fn from_circuit(circuit: &Circuit) -> Result<ComplexStatePrep, SimError> {
        let (n, params) = template_shape(circuit)?;
        let gates = circuit
            .gates()
            .map(|op| ComplexGate::compile(op, &params))
            .collect::<Result<_, _>>()?;
        Ok(ComplexStatePrep {
            num_qubits: n,
            params,
            gates,
        })
    }

    /// Number of qubits n.
    pub fn num_qubits(&self) -> usize {
        self.num_qubits
    }

    /// Amplitudes per state, 2^n.
    pub fn dim(&self) -> usize {
        1 << self.num_qubits
    }

    /// Values per state row, 2 · 2^n: the real parts, then the imaginary parts.
    pub fn width(&self) -> usize {
        2 << self.num_qubits
    }

    /// Parameter names, in column order.
    pub fn params(&self) -> &[String] {
        &self.params
    }

    /// Number of parameters P.
    pub fn num_params(&self) -> usize {
        self.params.len()
    }

    /// Writes the N states for the N × P matrix `params` into `states` (N × 2·2^n, each row
    /// `[Re ψ | Im ψ]`).
    pub fn states<T: Real>(&self, params: &[T], states: &mut [T]) -> Result<(), SimError> {
        let (p, dim) = (self.num_params(), self.dim());
        rows(p, params, states, "states", 2 * dim)?;
        states
            .par_chunks_mut(2 * dim)
            .zip(params.par_chunks(p))
            .for_each_init(
                || vec![Complex::new(T::zero(), T::zero()); dim],
                |psi, (out, theta)| {
                    self.prepare(theta, psi);
                    let (re, im) = out.split_at_mut(dim);
                    for ((r, i), z) in re.iter_mut().zip(im).zip(psi.iter()) {
                        (*r, *i) = (z.re, z.im);
                    }
                },
            );
        Ok(())
    }

    /// Writes dL/dθ (N × P) for the N × P matrix `params`, given the upstream rows
    /// `[∂L/∂Re ψ | ∂L/∂Im ψ]` (N × 2·2^n); see the module docs for the convention.
    pub fn gradients<T: Real>(
        &self,
        params: &[T],
        upstream: &[T],
        grad: &mut [T],
    ) -> Result<(), SimError> {
        let (p, dim) = (self.num_params(), self.dim());
        rows(p, params, upstream, "dL/dψ", 2 * dim)?;
        rows(p, params, grad, "gradient", p)?;
        let zero = Complex::new(T::zero(), T::zero());
        grad.par_chunks_mut(p)
            .zip(params.par_chunks(p))
            .zip(upstream.par_chunks(2 * dim))
            .for_each_init(
                || (vec![zero; dim], vec![zero; dim]),
                |(psi, lambda), ((g, theta), up)| {
                    self.prepare(theta, psi);
                    let (re, im) = up.split_at(dim);
                    for ((l, &r), &i) in lambda.iter_mut().zip(re).zip(im) {
                        *l = Complex::new(r, i);
                    }
                    self.adjoint(theta, psi, lambda, g);
                },
            );
        Ok(())
    }

    /// ψ = U(θ)|0⟩ into `psi` (2^n complex amplitudes).
    pub fn prepare<T: Real>(&self, theta: &[T], psi: &mut [Complex<T>]) {
        psi.fill(Complex::new(T::zero(), T::zero()));
        psi[0] = Complex::new(T::one(), T::zero());
        self.apply(theta, psi);
    }

    /// ψ ← U(θ)ψ.
    fn apply<T: Real>(&self, theta: &[T], psi: &mut [Complex<T>]) {
        for gate in &self.gates {
            let u = form_matrix(&gate.form, gate.dim, gate.angle(theta));
            gate.apply(psi, &u);
        }
    }

    /// Writes, for each of the G rows θ_g of `sets` (G × P), the 2^n columns U(θ_g)|c⟩ of the
    /// unitary as rows `[Re | Im]` (`columns`: G × 2^n × 2·2^n).
    pub fn columns<T: Real>(&self, sets: &[T], columns: &mut [T]) -> Result<(), SimError> {
        let (p, dim) = (self.num_params(), self.dim());
        rows(p, sets, columns, "columns", dim * 2 * dim)?;
        let zero = Complex::new(T::zero(), T::zero());
        columns.par_chunks_mut(2 * dim).enumerate().for_each_init(
            || vec![zero; dim],
            |psi, (row, out)| {
                psi.fill(zero);
                psi[row % dim] = Complex::new(T::one(), T::zero());
                self.apply(&sets[row / dim * p..][..p], psi);
                let (re, im) = out.split_at_mut(dim);
                for ((r, i), z) in re.iter_mut().zip(im).zip(psi.iter()) {
                    (*r, *i) = (z.re, z.im);
                }
            },
        );
        Ok(())
    }

    /// dL/dθ_g (G × P) for the G angle sets `sets` given their [`columns`](Self::columns) and
    /// the upstream rows `[∂L/∂Re | ∂L/∂Im]` of every column (both G × 2^n × 2·2^n): the sum
    /// over the columns of each column's adjoint sweep, started from the column itself.
    pub fn column_gradients<T: Real>(
        &self,
        sets: &[T],
        columns: &[T],
        upstream: &[T],
        grad: &mut [T],
    ) -> Result<(), SimError> {
        let (p, dim) = (self.num_params(), self.dim());
        rows(p, sets, columns, "columns", dim * 2 * dim)?;
        rows(p, sets, upstream, "dL/d(columns)", dim * 2 * dim)?;
        rows(p, sets, grad, "gradient", p)?;
        let zero = Complex::new(T::zero(), T::zero());
        let mut per_column = vec![T::zero(); columns.len() / (2 * dim) * p];
        per_column
            .par_chunks_mut(p)
            .zip(columns.par_chunks(2 * dim))
            .zip(upstream.par_chunks(2 * dim))
            .enumerate()
            .for_each_init(
                || (vec![zero; dim], vec![zero; dim]),
                |(psi, lambda), (row, ((g, column), up))| {
                    let (re, im) = column.split_at(dim);
                    for ((z, &r), &i) in psi.iter_mut().zip(re).zip(im) {
                        *z = Complex::new(r, i);
                    }
                    let (re, im) = up.split_at(dim);
                    for ((l, &r), &i) in lambda.iter_mut().zip(re).zip(im) {
                        *l = Complex::new(r, i);
                    }
                    self.adjoint(&sets[row / dim * p..][..p], psi, lambda, g);
                },
            );
        sum_columns(&per_column, dim, p, grad);
        Ok(())
    }

    /// The backward sweep: `psi` holds U|0⟩ and `lambda` g on entry; `grad` receives dL/dθ.
    fn adjoint<T: Real>(
        &self,
        theta: &[T],
        psi: &mut [Complex<T>],
        lambda: &mut [Complex<T>],
        grad: &mut [T],
    ) {
        grad.fill(T::zero());
        for gate in self.gates.iter().rev() {
            let angle = gate.angle(theta);
            let u_dagger = form_matrix(&gate.form, gate.dim, angle).adjoint();
            // φ ← U_j† φ: the state before gate j.
            gate.apply(psi, &u_dagger);
            if !gate.terms.is_empty() {
                let d = form_derivative(&gate.form, gate.dim, angle);
                let derivative = gate.derivative(lambda, psi, &d);
                for &(k, coefficient) in &gate.terms {
                    grad[k] = grad[k] + T::from_f64(coefficient) * derivative;
                }
            }
            // λ ← U_j† λ.
            gate.apply(lambda, &u_dagger);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Control;

    #[test]
    fn rotation_forms_of_the_base_gates() {
        for (gate, alpha) in [
            (Gate::Rx, 0.0),
            (Gate::Ry, 0.0),
            (Gate::Rz, 0.0),
            (Gate::P, 0.5),
        ] {
            let (dim, form) = gate_form(gate).unwrap();
            assert_eq!(dim, 2);
            let Form::Rotation { alpha: a, .. } = &form else {
                panic!("{gate:?} is a rotation")
            };
            assert_eq!(*a, alpha, "{gate:?}");
            // ∂U/∂θ against a central difference of the matrices.
            let (theta, h) = (0.83, 1e-6);
            let d = form_derivative::<f64>(&form, dim, theta);
            let (plus, minus) = (gate_matrix(gate, theta + h), gate_matrix(gate, theta - h));
            for k in 0..4 {
                let numeric = (plus.as_ref().unwrap()[k] - minus.as_ref().unwrap()[k]) / (2.0 * h);
                assert!((numeric - d.m[k]).norm() < 1e-8, "{gate:?}[{k}]");
            }
        }
        assert!(matches!(gate_form(Gate::Sx).unwrap().1, Form::Fixed(_)));
    }

    #[test]
    fn the_probed_swap_matrix_through_the_two_target_kernel_equals_the_swap() {
        // The 4 × 4 path (for two-target gates) on the one two-target gate the IR has today.
        let m = gate_matrix(Gate::Swap, 0.0).unwrap();
        assert_eq!(m.len(), 16);
        let dense = form_matrix::<f64>(&Form::Fixed(m), 4, 0.0);
        let place = Placement::new(&[Control::on_zero(1)], &[3, 0]);
        let mut a: Vec<Complex<f64>> = (0..16)
            .map(|k| Complex::new(k as f64, (k * k) as f64 * 0.1))
            .collect();
        let mut b = a.clone();
        apply_matrix4(&mut a, &place, &dense);
        apply_swap(&mut b, &place);
        assert_eq!(a, b);
    }
}
