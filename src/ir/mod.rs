//! The circuit intermediate representation.
//!
//! A [`Circuit`] is a number of qubits (qubit k is bit k of a basis-state index, as in Qiskit and
//! CUDA-Q), classical bits, declared scalar `inputs` and a list of [`Instruction`]s in time order.
//! Gates are a base [`Gate`] (one-qubit gates and `swap`) with an optional [`Angle`] and a list of
//! [`Control`]s: `cx` is X with one control, `ccx` X with two, `cry` Ry with one. Angles are
//! affine expressions in the inputs, so a circuit is a template that is bound to numbers only
//! where it is simulated.
//!
//! Two views exist: the instruction list (what front ends build and back ends emit) and the
//! [`CircuitDag`] on petgraph (what depth, scheduling and optimisation passes work on).
//! [`CircuitStats`] summarises either.

mod angle;
mod circuit;
mod dag;
mod gate;
mod stats;

pub use angle::{Angle, AngleText};
pub use circuit::{Circuit, CircuitError, Control, GateOp, Instruction};
pub use dag::{CircuitDag, DagNode};
pub use gate::{Gate, Matrix2};
pub use stats::CircuitStats;
