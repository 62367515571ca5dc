//! The built-in simulator.
//!
//! - [`Program`]: a circuit compiled for statevector simulation (`Complex64` amplitudes,
//!   little-endian: qubit k is bit k of a basis index), every IR gate with positive and negative
//!   controls, run for one binding or batched over many with rayon. Circuits made only of real
//!   gates (H, X, Z, Ry, swap, with any controls — the paper's score circuits) run on real
//!   amplitudes, with the same results at half the memory traffic.
//! - [`State`]: probabilities, marginals, exact ⟨Z_k⟩, seeded shot sampling.
//! - [`Bindings`]: binding rows from CSV, JSON or a seeded generator, matched to inputs by name.
//! - [`NoiseModel`]: depolarizing noise after every gate and readout error, by seeded Monte-Carlo
//!   trajectories ([`Program::noisy_marginal`]).
//! - [`StatePrep`]: the batched real state-preparation kernel with adjoint gradients that the
//!   exact training fast path uses (design.md §4), over `f32` or `f64` row-major buffers;
//!   [`ComplexStatePrep`] the same for templates of any IR gates (complex amplitudes), and
//!   [`StatePrepKernel`] the choice between them (real where it applies).

mod bindings;
mod kernel;
mod noise;
mod program;
mod state;
mod stateprep;
mod stateprep_complex;
mod stateprep_kernel;

pub use bindings::{Bindings, MAX_BINDING_VALUES};
pub use noise::{NoiseModel, apply_readout_error, sample_distribution};
pub use program::{Amplitude, MAX_SIMULATED_QUBITS, Program, Readout, Sampling};
pub use state::{Amplitudes, State};
pub use stateprep::{MAX_PREP_QUBITS, Real, StatePrep};
pub use stateprep_complex::ComplexStatePrep;
pub use stateprep_kernel::StatePrepKernel;

/// Why a circuit cannot be simulated, or a buffer has the wrong shape.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum SimError {
    /// A circuit without qubits.
    #[error("the circuit has no qubits")]
    NoQubits,
    /// More qubits than the simulator holds.
    #[error("the circuit has {qubits} qubits; the simulator's limit is {limit}")]
    TooManyQubits {
        /// The circuit's qubits.
        qubits: usize,
        /// The limit.
        limit: usize,
    },
    /// A gate acts on a qubit after its measurement.
    #[error(
        "qubit {qubit} is used after it is measured; the statevector simulator needs terminal \
         measurements"
    )]
    MidCircuitMeasurement {
        /// The qubit.
        qubit: usize,
    },
    /// A reset of a qubit that is no longer |0⟩.
    #[error(
        "qubit {qubit} is reset after gates act on it; only resets of fresh qubits are supported"
    )]
    MidCircuitReset {
        /// The qubit.
        qubit: usize,
    },
    /// A circuit that is not a state-preparation template (for the kernel asked for).
    #[error("not a state-preparation template: {0}")]
    NotATemplate(String),
    /// A buffer of the wrong length.
    #[error("{what}: expected {expected}, got {got} values")]
    Shape {
        /// Which buffer.
        what: &'static str,
        /// The expected shape.
        expected: String,
        /// The length given.
        got: usize,
    },
    /// The sampler could not be built from the probabilities.
    #[error("cannot sample: {0}")]
    Sampling(String),
}

#[cfg(test)]
mod tests;
