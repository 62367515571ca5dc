//! The state-preparation kernel chosen for a template: the real-amplitude [`StatePrep`] when every
//! gate is real (Ry rotations and X, Z, H, swap with any controls), else the complex
//! [`ComplexStatePrep`].
//!
//! Both write one row per state whose dot product with another row of the same kernel is
//! Re⟨ψ_a|ψ_b⟩: 2^n real amplitudes, or `[Re ψ | Im ψ]` (2 · 2^n values).

use super::{ComplexStatePrep, Real, SimError, StatePrep};
use crate::ir::Circuit;
use crate::layer::{LayerSpec, Side, state_prep_circuit};

/// A compiled state-preparation template on real or complex amplitudes.
#[derive(Clone, Debug, PartialEq)]
pub enum StatePrepKernel {
    /// Real amplitudes: rows of 2^n values.
    Real(StatePrep),
    /// Complex amplitudes: rows `[Re ψ | Im ψ]` of 2 · 2^n values.
    Complex(ComplexStatePrep),
}

impl StatePrepKernel {
    /// Compiles a template on the real kernel where it applies, else on the complex one.
    pub fn from_circuit(circuit: &Circuit) -> Result<StatePrepKernel, SimError> {
        match StatePrep::from_circuit(circuit) {
            Ok(prep) => Ok(StatePrepKernel::Real(prep)),
            Err(SimError::NotATemplate(_)) => {
                ComplexStatePrep::from_circuit(circuit).map(StatePrepKernel::Complex)
            }
            Err(e) => Err(e),
        }
    }

    /// Compiles a template on the complex kernel, whatever its gates.
    pub fn complex(circuit: &Circuit) -> Result<StatePrepKernel, SimError> {
        ComplexStatePrep::from_circuit(circuit).map(StatePrepKernel::Complex)
    }

    /// The template of one side of a layer (see [`StatePrep::for_layer`]).
    pub fn for_layer(spec: &LayerSpec, side: Side) -> Result<StatePrepKernel, SimError> {
        StatePrepKernel::from_circuit(&state_prep_circuit(spec, side))
    }

    /// Whether states are complex.
    pub fn is_complex(&self) -> bool {
        matches!(self, StatePrepKernel::Complex(_))
    }

    /// Number of qubits n.
    pub fn num_qubits(&self) -> usize {
        match self {
            StatePrepKernel::Real(p) => p.num_qubits(),
            StatePrepKernel::Complex(p) => p.num_qubits(),
        }
    }

    /// Amplitudes per state, 2^n.
    pub fn dim(&self) -> usize {
        1 << self.num_qubits()
    }

    /// Values per state row: 2^n (real) or 2 · 2^n (complex).
    pub fn width(&self) -> usize {
        match self {
            StatePrepKernel::Real(p) => p.dim(),
            StatePrepKernel::Complex(p) => p.width(),
        }
    }

    /// Parameter names, in column order.
    pub fn params(&self) -> &[String] {
        match self {
            StatePrepKernel::Real(p) => p.params(),
            StatePrepKernel::Complex(p) => p.params(),
        }
    }

    /// Number of parameters P.
    pub fn num_params(&self) -> usize {
        self.params().len()
    }

    /// Writes the N state rows (N × [`width`](Self::width)) for the N × P matrix `params`.
    pub fn states<T: Real>(&self, params: &[T], states: &mut [T]) -> Result<(), SimError> {
        match self {
            StatePrepKernel::Real(p) => p.states(params, states),
            StatePrepKernel::Complex(p) => p.states(params, states),
        }
    }

    /// Writes dL/dθ (N × P) given dL/d(state rows) (N × [`width`](Self::width)).
    pub fn gradients<T: Real>(
        &self,
        params: &[T],
        upstream: &[T],
        grad: &mut [T],
    ) -> Result<(), SimError> {
        match self {
            StatePrepKernel::Real(p) => p.gradients(params, upstream, grad),
            StatePrepKernel::Complex(p) => p.gradients(params, upstream, grad),
        }
    }

    /// Writes the 2^n columns U(θ_g)|c⟩ of the unitary of each of the G angle sets `sets`
    /// (G × P) as state rows (G × 2^n × [`width`](Self::width)): for a state row φ, the row of
    /// U(θ_g)φ is φ · M_g with M_g = block g for the real kernel, and for the complex one
    /// M_g = [block g; i · block g], the second half being the rows of U(θ_g)(i|c⟩)
    /// (`[−Im | Re]` of block g's rows).
    pub fn columns<T: Real>(&self, sets: &[T], columns: &mut [T]) -> Result<(), SimError> {
        match self {
            StatePrepKernel::Real(p) => p.columns(sets, columns),
            StatePrepKernel::Complex(p) => p.columns(sets, columns),
        }
    }

    /// dL/dθ_g (G × P) from the angle sets, their [`columns`](Self::columns) and dL/d(columns).
    pub fn column_gradients<T: Real>(
        &self,
        sets: &[T],
        columns: &[T],
        upstream: &[T],
        grad: &mut [T],
    ) -> Result<(), SimError> {
        match self {
            StatePrepKernel::Real(p) => p.column_gradients(sets, columns, upstream, grad),
            StatePrepKernel::Complex(p) => p.column_gradients(sets, columns, upstream, grad),
        }
    }
}
