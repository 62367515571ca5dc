//! Score-preserving synthesis of a layer's Hadamard test (-O3), for any ansatz family.
//!
//! The score is Re⟨a|b⟩ (or Im⟨a|b⟩) for a = ψ_q(i) and b = ψ_k(j). Any circuit that prepares
//! (|0⟩|a⟩ + |1⟩|b⟩)/√2 between the two Hadamards on the ancilla measures the same ⟨Z⟩. Both
//! branches come from the same families on the same registers, so they have the same gate
//! skeleton and are prepared gate by gate as one multiplexed circuit. Rules (counted for
//! `--stats`):
//! - `shared_gate`: a gate equal in both branches (every fixed gate, U_prop's rotations) is
//!   applied once, uncontrolled;
//! - `multiplexed_rotation`: R(θa) on branch 0 and R(θb) on branch 1, for R = Rx, Ry, Rz (with
//!   any controls of its own) or an uncontrolled P, becomes F·R(β)·F·R(α) with α = (θa + θb)/2,
//!   β = (θa − θb)/2 and F = CX(anc→t) (CZ for Rx), since F·R(β)·F = R(−β) on branch 1 (2 CNOTs;
//!   P also puts the relative phase P(−β) on the ancilla);
//! - `controlled_pair`: anything else that differs is applied as the query gate anti-controlled
//!   and the key gate controlled by the ancilla (always exact, never cheaper than -O2).
//!
//! Rotations are batched across disjoint registers, stage by stage (every fan from the ancilla
//! commutes), to keep the depth low. Gates that end both branches identically (the last
//! entangling layer, the last α rotations) are invisible to the ancilla and removed afterwards
//! by the unmeasured-tail pass.

use crate::ir::{Angle, Circuit, Control, Gate, GateOp};
use crate::layer::{LayerSpec, ScoreKind, Side, score_circuit_for_head, side_groups_for_head};
use std::collections::BTreeMap;

const ANCILLA: usize = 0;

/// The synthesised circuit and how often each rule fired.
pub struct Synthesis {
    /// The multiplexed Hadamard test, before clean-up passes.
    pub circuit: Circuit,
    /// Rule name → times it fired.
    pub rules: BTreeMap<&'static str, usize>,
}

/// One branch's gates on absolute qubits (working register from qubit 1), with the disjoint
/// token/position/property unitaries interleaved stage by stage so that their rotations share
/// one multiplexed batch.
fn branch(spec: &LayerSpec, side: Side, head: usize) -> Vec<GateOp> {
    let groups = side_groups_for_head(spec, side, head);
    let (whole, parts): (Vec<_>, Vec<_>) = groups.iter().partition(|g| g.is_whole());
    let part_stages: Vec<Vec<Vec<GateOp>>> = parts.iter().map(|g| g.stages(spec, 1)).collect();
    let depth = part_stages.iter().map(Vec::len).max().unwrap_or(0);
    let mut gates = Vec::new();
    for stage in 0..depth {
        for stages in &part_stages {
            gates.extend(stages.get(stage).into_iter().flatten().cloned());
        }
    }
    for group in whole {
        gates.extend(group.gates(spec, 1));
    }
    gates
}

/// A multiplexed rotation waiting to be written: the gate (angle to be replaced), α and β.
struct Entry {
    op: GateOp,
    alpha: Angle,
    beta: Angle,
}

/// Multiplexed rotations waiting to be written.
#[derive(Default)]
struct Batch(Vec<Entry>);

impl Batch {
    fn touches(&self, op: &GateOp) -> bool {
        op.qubits()
            .any(|q| self.0.iter().any(|e| e.op.qubits().any(|p| p == q)))
    }

    fn flush(&mut self, out: &mut Vec<GateOp>) {
        let fan = |e: &Entry| {
            let target = e.op.targets[0];
            match e.op.gate {
                Gate::Rx => GateOp::fixed(Gate::Z, &[target]).controlled_by(Control::on(ANCILLA)),
                _ => GateOp::cx(ANCILLA, target),
            }
        };
        let rotation = |e: &Entry, angle: &Angle| GateOp {
            gate: if e.op.gate == Gate::P {
                Gate::Rz
            } else {
                e.op.gate
            },
            angle: Some(angle.clone()),
            ..e.op.clone()
        };
        let fans: Vec<GateOp> = self.0.iter().map(fan).collect();
        out.extend(fans.iter().cloned());
        out.extend(self.0.iter().map(|e| rotation(e, &e.beta)));
        out.extend(fans);
        out.extend(
            self.0
                .iter()
                .filter(|e| !(e.alpha.is_constant() && e.alpha.constant_part() == 0.0))
                .map(|e| rotation(e, &e.alpha)),
        );
        out.extend(
            self.0
                .iter()
                .filter(|e| e.op.gate == Gate::P)
                .map(|e| GateOp::rotation(Gate::P, e.beta.neg(), ANCILLA)),
        );
        self.0.clear();
    }
}

/// Whether two differing gates of the branches can be multiplexed as rotations.
fn multiplexable(a: &GateOp, b: &GateOp) -> bool {
    let rotation = matches!(a.gate, Gate::Rx | Gate::Ry | Gate::Rz)
        || (a.gate == Gate::P && a.controls.is_empty());
    rotation
        && a.gate == b.gate
        && a.targets == b.targets
        && a.controls == b.controls
        && a.angle.is_some()
        && b.angle.is_some()
}

/// The multiplexed Hadamard-test circuit of `spec`'s `head`, before clean-up passes; `None`
/// when the score kind is not a Hadamard test (then -O3 is -O2 plus the unmeasured tail).
pub fn synthesize_overlap(spec: &LayerSpec, head: usize) -> Option<Synthesis> {
    if !matches!(
        spec.score,
        ScoreKind::HadamardReal | ScoreKind::HadamardImag
    ) {
        return None;
    }
    let reference = score_circuit_for_head(spec, head);
    let mut circuit = Circuit::new(reference.num_qubits(), 1);
    for input in reference.inputs() {
        circuit.declare_input(input.clone());
    }
    let a = branch(spec, Side::Query, head);
    let b = branch(spec, Side::Key, head);
    if a.len() != b.len() {
        return None;
    }
    let mut rules = BTreeMap::new();
    let mut fired = |rule: &'static str| *rules.entry(rule).or_insert(0) += 1;
    let mut gates = vec![GateOp::fixed(Gate::H, &[ANCILLA])];
    let mut batch = Batch::default();
    for (ga, gb) in a.iter().zip(&b) {
        if batch.touches(ga) || batch.touches(gb) {
            batch.flush(&mut gates);
        }
        if ga == gb {
            fired("shared_gate");
            gates.push(ga.clone());
        } else if multiplexable(ga, gb) {
            fired("multiplexed_rotation");
            let (theta_a, theta_b) = (ga.angle.as_ref().unwrap(), gb.angle.as_ref().unwrap());
            batch.0.push(Entry {
                op: ga.clone(),
                alpha: theta_a.add(theta_b).scale(0.5),
                beta: theta_a.add(&theta_b.neg()).scale(0.5),
            });
        } else {
            fired("controlled_pair");
            gates.push(ga.clone().controlled_by(Control::on_zero(ANCILLA)));
            gates.push(gb.clone().controlled_by(Control::on(ANCILLA)));
        }
    }
    batch.flush(&mut gates);
    if spec.score == ScoreKind::HadamardImag {
        gates.push(GateOp::fixed(Gate::Sdg, &[ANCILLA]));
    }
    gates.push(GateOp::fixed(Gate::H, &[ANCILLA]));
    circuit
        .extend_gates(gates)
        .expect("multiplexed gates fit the score circuit");
    circuit
        .push_measure(ANCILLA, 0)
        .expect("the ancilla and bit 0 exist");
    Some(Synthesis { circuit, rules })
}
