//! Attention-layer front end: the TOML spec and the circuits it defines.
//!
//! A [`LayerSpec`] names the registers (token, position, property qubits) and the ansatz. From it
//! [`score_circuit`] builds the paper's Hadamard-test circuit in reference form, and
//! [`state_prep_circuit`] the circuits that prepare ψ_q(i) and ψ_k(j) for the exact fast path.
//! Both use [`ansatz_gates`], the one definition of the ansatz.

mod ansatz;
mod build;
mod presets;
mod spec;

pub use ansatz::{ansatz_gates, entangler_pairs, parameter_count, parameter_index};
pub use build::{
    ParameterGroup, Side, score_circuit, score_groups, side_groups, state_prep_circuit,
};
pub use presets::{PRESETS, preset};
pub use spec::{
    Ansatz, Entangler, LayerSpec, MAX_ANSATZ_LAYERS, MAX_SCORE_QUBITS, Registers, Rotation,
    ScoreKind,
};
