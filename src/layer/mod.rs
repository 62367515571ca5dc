//! Attention-layer front end: the TOML spec and the circuits it defines.
//!
//! A [`LayerSpec`] names the registers (token, position, property qubits), the ansatz families
//! and the score kind. From it [`score_circuit`] builds the score circuit in reference form,
//! [`state_prep_circuit`] the circuits that prepare ψ_q(i) and ψ_k(j) for the exact fast path,
//! and [`part_circuit`] every program part `qattnc compile --part` emits. All of them use
//! [`ansatz_gates`], the one definition of each ansatz family (`family/`).

mod build;
mod family;
mod presets;
mod score;
mod spec;

pub use build::{
    ParameterGroup, Side, ansatz_circuit, score_groups, score_groups_for_head, side_groups,
    side_groups_for_head, state_prep_circuit, state_prep_circuit_for_head,
};
pub use family::{
    Ansatz, BasicEntangler, ENTANGLING_NAMES, Entanglement, Entangler, EntanglingGate,
    FAMILY_NAMES, NLocal, NLocalKind, PATTERN_NAMES, Paper, ROTATION_NAMES, Rotation,
    StronglyEntangling, ansatz_gates, ansatz_stages, entangler_pairs, inverse, parameter_count,
    parameter_index,
};
pub use presets::{PRESETS, preset};
pub use score::{PART_NAMES, Part, part_circuit, readout, score_circuit, score_circuit_for_head};
pub use spec::{
    LayerSpec, MAX_ANSATZ_LAYERS, MAX_HEADS, MAX_SCORE_QUBITS, Registers, SCORE_NAMES, ScoreKind,
};
