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
//!
//! The SWAP test (`swap-test`) gets its own rule, `swap_test_gadget` (see
//! [`synthesize_swap_test`]): each controlled SWAP costs 5 CNOTs instead of cswap's 8.

use crate::ir::{Angle, Circuit, Control, Gate, GateOp, Instruction};
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
    let mut part_stages: Vec<Vec<Vec<GateOp>>> = parts.iter().map(|g| g.stages(spec, 1)).collect();
    let depth = part_stages.iter().map(Vec::len).max().unwrap_or(0);
    let mut gates = Vec::new();
    for stage in 0..depth {
        for stages in &mut part_stages {
            gates.extend(
                stages
                    .get_mut(stage)
                    .map(std::mem::take)
                    .into_iter()
                    .flatten(),
            );
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
            controls: e.op.controls.clone(),
            targets: e.op.targets.clone(),
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

/// The SWAP test of `spec`'s `head` with every cswap(anc; q, k) replaced by 5 CNOTs.
///
/// cswap = CX(k→q)·ccx(anc, q→k)·CX(k→q) (time order) and ccx = H_k·CCZ·H_k. The pairs are
/// disjoint and after the cswaps only the ancilla is touched (H, measure), so any unitary on
/// (q, k) alone that follows a pair's cswap leaves ⟨Z_anc⟩ unchanged. Dropping it, each cswap
/// becomes CX(k→q), H_k and the part of CCZ that involves the ancilla: with ω = e^{iπ/4},
/// CCZ = ω^{a + q + k − (a⊕q) − (a⊕k) − (q⊕k) + (a⊕q⊕k)}, and the terms without `a` (q, k,
/// q⊕k) are diagonal on (q, k) and commute to the end. The rest is computed on the ancilla's
/// wire: T(a), CX(q→a) Tdg, CX(k→a) T, CX(q→a) Tdg, CX(k→a), which visits a⊕q, a⊕q⊕k, a⊕k
/// and restores a (4 CNOTs). Score-preserving (-O3), not unitary-preserving.
fn synthesize_swap_test(reference: &Circuit) -> Synthesis {
    let mut fired = 0;
    let mut instructions = Vec::with_capacity(reference.instructions().len());
    for instruction in reference.instructions() {
        let cswap = match instruction {
            Instruction::Gate(op)
                if op.gate == Gate::Swap
                    && op.controls == [Control::on(ANCILLA)]
                    && !op.targets.contains(&ANCILLA) =>
            {
                op
            }
            other => {
                instructions.push(other.clone());
                continue;
            }
        };
        fired += 1;
        let gadget = cswap_gadget(cswap.targets[0], cswap.targets[1]);
        instructions.extend(gadget.into_iter().map(Instruction::Gate));
    }
    let rules = BTreeMap::from([("swap_test_gadget", fired)]);
    Synthesis {
        circuit: reference.with_instructions(instructions),
        rules,
    }
}

/// cswap(anc; q, k) without its trailing unitary on (q, k): 5 CNOTs (see
/// [`synthesize_swap_test`]).
fn cswap_gadget(q: usize, k: usize) -> [GateOp; 10] {
    let a = ANCILLA;
    let one = |gate: Gate, qubit: usize| GateOp::fixed(gate, &[qubit]);
    [
        GateOp::cx(k, q),
        one(Gate::H, k),
        one(Gate::T, a),
        GateOp::cx(q, a),
        one(Gate::Tdg, a),
        GateOp::cx(k, a),
        one(Gate::T, a),
        GateOp::cx(q, a),
        one(Gate::Tdg, a),
        GateOp::cx(k, a),
    ]
}

/// The multiplexed Hadamard-test circuit of `spec`'s `head` (for `swap-test`, the gadget
/// circuit of [`synthesize_swap_test`]), before clean-up passes; `None` for the other score
/// kinds (then -O3 is -O2 plus the unmeasured tail).
pub fn synthesize_overlap(spec: &LayerSpec, head: usize) -> Option<Synthesis> {
    synthesize_overlap_of(spec, head, &score_circuit_for_head(spec, head))
}

/// [`synthesize_overlap`] given `reference`, the score circuit of `spec`'s `head` (which the
/// optimiser has already built).
pub(super) fn synthesize_overlap_of(
    spec: &LayerSpec,
    head: usize,
    reference: &Circuit,
) -> Option<Synthesis> {
    if spec.score == ScoreKind::SwapTest {
        return Some(synthesize_swap_test(reference));
    }
    if !matches!(
        spec.score,
        ScoreKind::HadamardReal | ScoreKind::HadamardImag
    ) {
        return None;
    }
    // The reference's qubits, its one bit (the ancilla's) and its inputs, in its order.
    let mut circuit = reference.with_instructions(Vec::new());
    let a = branch(spec, Side::Query, head);
    let b = branch(spec, Side::Key, head);
    if a.len() != b.len() {
        return None;
    }
    let mut rules = BTreeMap::new();
    let mut fired = |rule: &'static str| *rules.entry(rule).or_insert(0) += 1;
    let mut gates = vec![GateOp::fixed(Gate::H, &[ANCILLA])];
    let mut batch = Batch::default();
    for (ga, gb) in a.into_iter().zip(b) {
        if batch.touches(&ga) || batch.touches(&gb) {
            batch.flush(&mut gates);
        }
        if ga == gb {
            fired("shared_gate");
            gates.push(ga);
        } else if multiplexable(&ga, &gb) {
            fired("multiplexed_rotation");
            let (theta_a, theta_b) = (ga.angle.as_ref().unwrap(), gb.angle.as_ref().unwrap());
            let alpha = theta_a.add(theta_b).scale(0.5);
            let beta = theta_a.add(&theta_b.neg()).scale(0.5);
            batch.0.push(Entry {
                op: ga,
                alpha,
                beta,
            });
        } else {
            fired("controlled_pair");
            gates.push(ga.controlled_by(Control::on_zero(ANCILLA)));
            gates.push(gb.controlled_by(Control::on(ANCILLA)));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Amplitude, Program};

    /// The final state of `gates` on 3 qubits from basis state `index` (bit q = qubit q).
    fn run(gates: &[GateOp], index: usize) -> Vec<num_complex::Complex64> {
        let mut circuit = Circuit::new(3, 0);
        for q in (0..3).filter(|q| index >> q & 1 == 1) {
            circuit.push_gate(GateOp::fixed(Gate::X, &[q])).unwrap();
        }
        circuit.extend_gates(gates.to_vec()).unwrap();
        let program = Program::compile(&circuit, Amplitude::Complex).unwrap();
        program.run(&[]).unwrap().to_complex()
    }

    #[test]
    fn the_gadget_and_its_dropped_tail_on_q_k_are_exactly_cswap() {
        let (q, k) = (1, 2);
        let one = |gate: Gate, qubit: usize| GateOp::fixed(gate, &[qubit]);
        let mut gadget = cswap_gadget(q, k).to_vec();
        // The dropped tail: ω^{q + k − (q⊕k)} (the CCZ terms without the ancilla), H_k, CX(k→q).
        gadget.extend([
            one(Gate::T, q),
            one(Gate::T, k),
            GateOp::cx(q, k),
            one(Gate::Tdg, k),
            GateOp::cx(q, k),
            one(Gate::H, k),
            GateOp::cx(k, q),
        ]);
        assert_eq!(gadget.iter().filter(|g| !g.controls.is_empty()).count(), 8);
        let cswap = [GateOp::fixed(Gate::Swap, &[q, k]).controlled_by(Control::on(ANCILLA))];
        for index in 0..8 {
            let (got, want) = (run(&gadget, index), run(&cswap, index));
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g - w).norm() < 1e-12,
                    "basis state {index}: {got:?} vs {want:?}"
                );
            }
        }
    }
}
