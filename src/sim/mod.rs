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
//! - [`Simulation`]: one readout request end to end — [`Observable`]s (Pauli sums), the
//!   distribution of the measured bits, shots — on the readout's causal cone ([`light_cone`]),
//!   with batched small states or, for large ones, the [`LargeProgram`] engine (fused gates
//!   applied to cache-sized blocks of a split `f64`/`f32` [`SplitState`] on every core), after a
//!   memory check.
//! - [`StatePrep`]: the batched real state-preparation kernel with adjoint gradients that the
//!   exact training fast path uses (design.md §4), over `f32` or `f64` row-major buffers;
//!   [`ComplexStatePrep`] the same for templates of any IR gates (complex amplitudes), and
//!   [`StatePrepKernel`] the choice between them (real where it applies).

mod bindings;
mod cone;
mod fusion;
mod kernel;
mod noise;
mod observable;
mod parallel;
mod program;
mod simulation;
mod split;
mod state;
mod stateprep;
mod stateprep_complex;
mod stateprep_kernel;
mod view;

pub use bindings::{Bindings, MAX_BINDING_VALUES};
pub use cone::{Cone, light_cone};
pub use noise::{NoiseModel, apply_readout_error, sample_distribution};
pub use observable::{Observable, PauliTerm};
pub use parallel::{EngineConfig, LargeProgram, engine_bytes};
pub use program::{Amplitude, MAX_SIMULATED_QUBITS, Program, Readout, Sampling};
pub use simulation::{Precision, ReadoutSpec, RowReadout, Simulation, SimulationOptions};
pub use split::SplitState;
pub use state::{Amplitudes, State};
pub use stateprep::{MAX_PREP_QUBITS, Real, StatePrep};
pub use stateprep_complex::ComplexStatePrep;
pub use stateprep_kernel::StatePrepKernel;
pub use view::{StateView, marginal, sample_counts};

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
    /// A readout qubit past the circuit's qubits.
    #[error("the readout names qubit {qubit}, but the circuit has {qubits} qubits")]
    QubitOutOfRange {
        /// The qubit named.
        qubit: usize,
        /// The circuit's qubits.
        qubits: usize,
    },
    /// The state would not fit in the memory allowed.
    #[error(
        "simulating {qubits} qubits needs {} of memory; the limit is {} (raise it with \
         --max-memory, or read out fewer qubits so that the causal cone is smaller)",
        format_bytes(*needed),
        format_bytes(*limit)
    )]
    Memory {
        /// Qubits that would get amplitudes.
        qubits: usize,
        /// Bytes needed.
        needed: u128,
        /// Bytes allowed.
        limit: u128,
    },
    /// A combination of readouts the simulator does not offer.
    #[error("{0}")]
    Unsupported(String),
    /// The sampler could not be built from the probabilities.
    #[error("cannot sample: {0}")]
    Sampling(String),
}

/// `bytes` in binary units with three significant digits (`1.50 GiB`).
pub fn format_bytes(bytes: u128) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.2} {}", units[unit])
    }
}

#[cfg(test)]
mod tests;
