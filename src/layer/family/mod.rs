//! The one definition of the variational ansatz, shared by the score circuits, the
//! state-preparation circuits, the simulator's fast path and the emitters.
//!
//! A family is data: each module lists its gates, stage by stage, through a [`Builder`] that
//! numbers the parameters in gate order (which is the family's own parameter order: Qiskit's
//! θ[k], PennyLane's weights flattened row-major). A stage is a rotation layer or an
//! entangling layer; -O3 interleaves the stages of disjoint registers.

mod entanglement;
mod n_local;
mod paper;
mod pennylane;

pub use entanglement::{Entanglement, PATTERN_NAMES};
pub use n_local::{ENTANGLING_NAMES, EntanglingGate, NLocal, NLocalKind};
pub use paper::{Entangler, Paper, entangler_pairs, parameter_index};
pub use pennylane::{BasicEntangler, StronglyEntangling};

use crate::ir::{Angle, Control, Gate, GateOp};

/// A one-qubit rotation of a rotation layer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rotation {
    /// exp(−iθX/2).
    Rx,
    /// exp(−iθY/2): with CNOT-type entanglers every prepared state has real amplitudes.
    Ry,
    /// exp(−iθZ/2).
    Rz,
    /// diag(1, e^{iθ}).
    P,
    /// PennyLane's Rot(φ, θ, ω) = RZ(ω)·RY(θ)·RZ(φ): three parameters, RZ applied first.
    Rot,
}

/// Rotation names accepted in a spec, in the order error messages list them.
pub const ROTATION_NAMES: [&str; 5] = ["rx", "ry", "rz", "p", "rot"];

impl Rotation {
    /// The rotation called `name` in a spec, or `None`.
    pub fn from_name(name: &str) -> Option<Rotation> {
        Some(match name {
            "rx" => Rotation::Rx,
            "ry" => Rotation::Ry,
            "rz" => Rotation::Rz,
            "p" => Rotation::P,
            "rot" => Rotation::Rot,
            _ => return None,
        })
    }

    /// The spec name.
    pub fn name(self) -> &'static str {
        ROTATION_NAMES[self as usize]
    }
}

/// One ansatz family with its settings.
#[derive(Clone, Debug, PartialEq)]
pub enum Ansatz {
    /// The paper's Ry layers with a CNOT ring, linear chain or no entangler.
    Paper(Paper),
    /// Qiskit's `n_local` (and its `real_amplitudes`, `efficient_su2` presets).
    NLocal(NLocal),
    /// PennyLane's `BasicEntanglerLayers`.
    BasicEntangler(BasicEntangler),
    /// PennyLane's `StronglyEntanglingLayers`.
    StronglyEntangling(StronglyEntangling),
}

/// Family names accepted in a spec, in the order error messages list them.
pub const FAMILY_NAMES: [&str; 6] = [
    "paper",
    "n_local",
    "real_amplitudes",
    "efficient_su2",
    "basic_entangler",
    "strongly_entangling",
];

impl Ansatz {
    /// The paper's ansatz: `layers` × (Ry on every qubit, then `entangler`).
    pub fn paper(layers: usize, entangler: Entangler) -> Ansatz {
        Ansatz::Paper(Paper {
            layers,
            rotation: Rotation::Ry,
            entangler,
        })
    }

    /// The family's spec name.
    pub fn family_name(&self) -> &'static str {
        match self {
            Ansatz::Paper(_) => "paper",
            Ansatz::NLocal(n) => n.kind.name(),
            Ansatz::BasicEntangler(_) => "basic_entangler",
            Ansatz::StronglyEntangling(_) => "strongly_entangling",
        }
    }

    /// The fewest qubits a register needs for this ansatz.
    pub fn min_qubits(&self) -> usize {
        match self {
            Ansatz::NLocal(n) => n.min_qubits(),
            _ => 1,
        }
    }

    /// Whether every state it prepares from |0…0⟩ has real amplitudes for every binding.
    pub fn is_real(&self) -> bool {
        match self {
            Ansatz::Paper(_) => true,
            Ansatz::NLocal(n) => n.is_real(),
            Ansatz::BasicEntangler(b) => b.rotation == Rotation::Ry,
            Ansatz::StronglyEntangling(_) => false,
        }
    }

    fn build(&self, b: &mut Builder) {
        match self {
            Ansatz::Paper(p) => p.build(b),
            Ansatz::NLocal(n) => n.build(b),
            Ansatz::BasicEntangler(e) => e.build(b),
            Ansatz::StronglyEntangling(s) => s.build(b),
        }
    }
}

/// Collects one family's gates stage by stage, numbering parameters in gate order.
pub(crate) struct Builder<'a> {
    register: &'a [usize],
    angle: &'a dyn Fn(usize) -> Angle,
    /// Whether gates are collected (`false` when only parameters are counted).
    collect: bool,
    next: usize,
    stages: Vec<Vec<GateOp>>,
    current: Vec<GateOp>,
}

impl Builder<'_> {
    /// Number of register qubits.
    pub(crate) fn size(&self) -> usize {
        self.register.len()
    }

    fn parameter(&mut self) -> Angle {
        let angle = (self.angle)(self.next);
        self.next += 1;
        angle
    }

    fn push(&mut self, gate: Gate, angle: Option<Angle>, controls: &[usize], targets: &[usize]) {
        if !self.collect {
            return;
        }
        self.current.push(GateOp {
            gate,
            angle,
            controls: controls
                .iter()
                .map(|&q| Control::on(self.register[q]))
                .collect(),
            targets: targets.iter().map(|&q| self.register[q]).collect(),
        });
    }

    /// A fixed one-qubit gate on local qubit `q`.
    pub(crate) fn fixed(&mut self, gate: Gate, q: usize) {
        self.push(gate, None, &[], &[q]);
    }

    /// A parameterised rotation on local qubit `q` (three parameters for `rot`).
    pub(crate) fn rotation(&mut self, rotation: Rotation, q: usize) {
        let gate = match rotation {
            Rotation::Rx => Gate::Rx,
            Rotation::Ry => Gate::Ry,
            Rotation::Rz => Gate::Rz,
            Rotation::P => Gate::P,
            Rotation::Rot => {
                for gate in [Gate::Rz, Gate::Ry, Gate::Rz] {
                    let angle = self.parameter();
                    self.push(gate, Some(angle), &[], &[q]);
                }
                return;
            }
        };
        let angle = self.parameter();
        self.push(gate, Some(angle), &[], &[q]);
    }

    /// `cx a, b` on local qubits.
    pub(crate) fn cx(&mut self, a: usize, b: usize) {
        self.push(Gate::X, None, &[a], &[b]);
    }

    /// An entangling gate on local qubits `(a, b)` (`a` is the control of controlled gates).
    /// `rzz`, `rxx`, `ryy` are written as Qiskit defines them: `cx · rz(θ) · cx` conjugated by
    /// `h` (`rxx`) or `sx†`…`sx` (`ryy`) on both qubits.
    pub(crate) fn entangle(&mut self, gate: EntanglingGate, a: usize, b: usize) {
        use EntanglingGate as E;
        let controlled = |g: Gate| (g, false);
        let (base, parameterised) = match gate {
            E::Cx => controlled(Gate::X),
            E::Cz => controlled(Gate::Z),
            E::Cy => controlled(Gate::Y),
            E::Ch => controlled(Gate::H),
            E::Crx => (Gate::Rx, true),
            E::Cry => (Gate::Ry, true),
            E::Crz => (Gate::Rz, true),
            E::Cp => (Gate::P, true),
            E::Swap => {
                self.push(Gate::Swap, None, &[], &[a, b]);
                return;
            }
            E::Rzz | E::Rxx | E::Ryy => {
                self.pauli_pair(gate, a, b);
                return;
            }
        };
        let angle = parameterised.then(|| self.parameter());
        self.push(base, angle, &[a], &[b]);
    }

    /// `exp(−iθ/2 P⊗P)` for P = Z, X, Y on local qubits `(a, b)`.
    fn pauli_pair(&mut self, gate: EntanglingGate, a: usize, b: usize) {
        let change = |builder: &mut Self, into: bool| {
            for q in [a, b] {
                match gate {
                    EntanglingGate::Rxx => builder.fixed(Gate::H, q),
                    EntanglingGate::Ryy => {
                        builder.fixed(if into { Gate::Sxdg } else { Gate::Sx }, q)
                    }
                    _ => {}
                }
            }
        };
        change(self, true);
        self.cx(a, b);
        let angle = self.parameter();
        self.push(Gate::Rz, Some(angle), &[], &[b]);
        self.cx(a, b);
        change(self, false);
    }

    /// Closes the current stage (an empty stage is kept, so that every register of a family
    /// has the same number of stages).
    pub(crate) fn end_stage(&mut self) {
        self.stages.push(std::mem::take(&mut self.current));
    }
}

/// The ansatz's stages on `register` (empty unless `collect`) and its number of parameters.
fn run(
    ansatz: &Ansatz,
    register: &[usize],
    angle: &dyn Fn(usize) -> Angle,
    collect: bool,
) -> (Vec<Vec<GateOp>>, usize) {
    let mut builder = Builder {
        register,
        angle,
        collect,
        next: 0,
        stages: Vec::new(),
        current: Vec::new(),
    };
    ansatz.build(&mut builder);
    if !builder.current.is_empty() {
        builder.end_stage();
    }
    (builder.stages, builder.next)
}

/// The gates of U(θ) on the qubits `register` (local qubit q is `register[q]`) stage by stage,
/// in time order, with the angle of parameter k given by `angle(k)`.
pub fn ansatz_stages(
    ansatz: &Ansatz,
    register: &[usize],
    angle: impl Fn(usize) -> Angle,
) -> Vec<Vec<GateOp>> {
    run(ansatz, register, &angle, true).0
}

/// The gates of U(θ) on the qubits `register`, in time order.
pub fn ansatz_gates(
    ansatz: &Ansatz,
    register: &[usize],
    angle: impl Fn(usize) -> Angle,
) -> Vec<GateOp> {
    ansatz_stages(ansatz, register, angle)
        .into_iter()
        .flatten()
        .collect()
}

/// Number of angles of the ansatz on an `m`-qubit register.
pub fn parameter_count(ansatz: &Ansatz, register_size: usize) -> usize {
    let register: Vec<usize> = (0..register_size).collect();
    run(ansatz, &register, &|_| Angle::constant(0.0), false).1
}

/// U† for a gate sequence U: reversed order, each gate inverted.
pub fn inverse(gates: &[GateOp]) -> Vec<GateOp> {
    gates.iter().rev().map(GateOp::inverse).collect()
}
