//! Qiskit 2.x's `n_local` and its presets `real_amplitudes` and `efficient_su2`: `reps` ×
//! [rotation layer, entanglement layer], then a final rotation layer unless skipped. A rotation
//! layer applies each rotation in turn to qubits 0…n−1 (block-major); parameterised entangling
//! gates take their parameters in pair order.

use super::{Builder, Entanglement, Rotation};

/// Which spec family produced the settings (they differ only in defaults).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NLocalKind {
    /// `family = "n_local"`.
    NLocal,
    /// `family = "real_amplitudes"`: ["ry"] + cx, reverse_linear.
    RealAmplitudes,
    /// `family = "efficient_su2"`: ["ry", "rz"] + cx, reverse_linear.
    EfficientSu2,
}

impl NLocalKind {
    /// The spec name.
    pub fn name(self) -> &'static str {
        match self {
            NLocalKind::NLocal => "n_local",
            NLocalKind::RealAmplitudes => "real_amplitudes",
            NLocalKind::EfficientSu2 => "efficient_su2",
        }
    }
}

/// A two-qubit entangling block of `n_local`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntanglingGate {
    /// Controlled X.
    Cx,
    /// Controlled Z.
    Cz,
    /// Controlled Y.
    Cy,
    /// Controlled Hadamard.
    Ch,
    /// Controlled Rx(θ).
    Crx,
    /// Controlled Ry(θ).
    Cry,
    /// Controlled Rz(θ).
    Crz,
    /// Controlled phase(θ).
    Cp,
    /// exp(−iθ Z⊗Z/2).
    Rzz,
    /// exp(−iθ X⊗X/2).
    Rxx,
    /// exp(−iθ Y⊗Y/2).
    Ryy,
    /// Exchange.
    Swap,
}

/// Entangling-gate names accepted in a spec, in the order error messages list them.
pub const ENTANGLING_NAMES: [&str; 12] = [
    "cx", "cz", "cy", "ch", "crx", "cry", "crz", "cp", "rzz", "rxx", "ryy", "swap",
];

impl EntanglingGate {
    /// The gate called `name` in a spec, or `None`.
    pub fn from_name(name: &str) -> Option<EntanglingGate> {
        use EntanglingGate as E;
        const ALL: [EntanglingGate; 12] = [
            E::Cx,
            E::Cz,
            E::Cy,
            E::Ch,
            E::Crx,
            E::Cry,
            E::Crz,
            E::Cp,
            E::Rzz,
            E::Rxx,
            E::Ryy,
            E::Swap,
        ];
        ENTANGLING_NAMES
            .iter()
            .position(|n| *n == name)
            .map(|i| ALL[i])
    }

    /// The spec name.
    pub fn name(self) -> &'static str {
        ENTANGLING_NAMES[self as usize]
    }

    /// Whether the gate maps real states to real states for every angle.
    fn is_real(self) -> bool {
        use EntanglingGate as E;
        matches!(self, E::Cx | E::Cz | E::Ch | E::Cry | E::Swap)
    }
}

/// The settings of an n-local circuit.
#[derive(Clone, Debug, PartialEq)]
pub struct NLocal {
    /// The spec family these settings came from.
    pub kind: NLocalKind,
    /// Rotation layer: each rotation in turn on every qubit.
    pub rotations: Vec<Rotation>,
    /// The two-qubit block of the entanglement layer.
    pub entangling_gate: EntanglingGate,
    /// Its pairs.
    pub entanglement: Entanglement,
    /// Repetitions of [rotation layer, entanglement layer].
    pub reps: usize,
    /// Whether the final rotation layer is applied (Qiskit: `not skip_final_rotation_layer`).
    pub final_rotations: bool,
}

impl NLocal {
    /// Qiskit's defaults for `kind` (reps = 3, final rotations, reverse_linear for the presets,
    /// full for plain `n_local` with ["ry"] + cx).
    pub fn defaults(kind: NLocalKind) -> NLocal {
        let (rotations, entanglement) = match kind {
            NLocalKind::NLocal => (vec![Rotation::Ry], Entanglement::Full),
            NLocalKind::RealAmplitudes => (vec![Rotation::Ry], Entanglement::ReverseLinear),
            NLocalKind::EfficientSu2 => (
                vec![Rotation::Ry, Rotation::Rz],
                Entanglement::ReverseLinear,
            ),
        };
        NLocal {
            kind,
            rotations,
            entangling_gate: EntanglingGate::Cx,
            entanglement,
            reps: 3,
            final_rotations: true,
        }
    }

    /// The fewest qubits a register needs: two for any entangling block (as Qiskit), more for an
    /// explicit pair list naming higher qubits.
    pub fn min_qubits(&self) -> usize {
        self.entanglement.qubits_needed().max(2)
    }

    /// Whether every prepared state is real.
    pub fn is_real(&self) -> bool {
        self.rotations.iter().all(|r| *r == Rotation::Ry) && self.entangling_gate.is_real()
    }

    fn rotation_layer(&self, b: &mut Builder) {
        for &rotation in &self.rotations {
            for q in 0..b.size() {
                b.rotation(rotation, q);
            }
        }
        b.end_stage();
    }

    pub(super) fn build(&self, b: &mut Builder) {
        for rep in 0..self.reps {
            self.rotation_layer(b);
            for (a, c) in self.entanglement.pairs(b.size(), rep) {
                b.entangle(self.entangling_gate, a, c);
            }
            b.end_stage();
        }
        if self.final_rotations {
            self.rotation_layer(b);
        }
    }
}
