//! Score-preserving synthesis of a layer's Hadamard test (-O3).
//!
//! The score is Re⟨a|b⟩ for a = U_q U_prop U_pos(i) U_tok(i)|0⟩ and b = U_k U_prop U_pos(j)
//! U_tok(j)|0⟩. Any circuit that prepares (|0⟩|a⟩ + |1⟩|b⟩)/√2 between the two Hadamards on
//! the ancilla measures the same ⟨Z⟩. Both branches have the same gate skeleton, so they are
//! prepared gate by gate as one multiplexed circuit:
//! - a gate equal in both branches (every CNOT, U_prop's rotations) is applied once,
//!   uncontrolled;
//! - Ry(θa) on branch 0 and Ry(θb) on branch 1 becomes CX(anc→t)·Ry(β)·CX(anc→t)·Ry(α) with
//!   α = (θa + θb)/2, β = (θa − θb)/2 (2 CNOTs), since X·Ry(β)·X = Ry(−β).
//!
//! Rotations are batched per layer (all CNOTs from the ancilla commute) to keep the depth low.
//! Gates that end both branches identically (the last CNOT ring, the last α rotations) are
//! then invisible to the ancilla and removed by the unmeasured-tail pass.

use crate::ir::{Angle, Circuit, Gate, GateOp};
use crate::layer::{LayerSpec, Side, ansatz_gates, side_groups};

const ANCILLA: usize = 0;

/// One branch's gates on absolute qubits (working register from qubit 1), with the disjoint
/// token/position/property unitaries interleaved layer by layer so that their rotations share
/// one multiplexed batch.
fn branch(spec: &LayerSpec, side: Side) -> Vec<GateOp> {
    let groups = side_groups(spec, side);
    let per_layer = |group: &crate::layer::ParameterGroup| -> Vec<Vec<GateOp>> {
        let register: Vec<usize> = group.qubits.clone().map(|q| q + 1).collect();
        let gates = ansatz_gates(&spec.ansatz, &register, |k| {
            Angle::input(group.input_name(k))
        });
        let layer_len = gates.len() / spec.ansatz.layers;
        gates.chunks(layer_len).map(<[GateOp]>::to_vec).collect()
    };
    let (whole, parts): (Vec<_>, Vec<_>) = groups
        .iter()
        .partition(|g| g.prefix == "query" || g.prefix == "key");
    let mut gates = Vec::new();
    let part_layers: Vec<Vec<Vec<GateOp>>> = parts.iter().map(|g| per_layer(g)).collect();
    for layer in 0..spec.ansatz.layers {
        // Rotations of every register first, then every register's entangler.
        for layers in &part_layers {
            gates.extend(layers[layer].iter().filter(|g| g.gate == Gate::Ry).cloned());
        }
        for layers in &part_layers {
            gates.extend(layers[layer].iter().filter(|g| g.gate != Gate::Ry).cloned());
        }
    }
    for group in whole {
        gates.extend(per_layer(group).into_iter().flatten());
    }
    gates
}

/// Multiplexed rotations waiting to be written: `(target, α, β)`.
#[derive(Default)]
struct Batch(Vec<(usize, Angle, Angle)>);

impl Batch {
    fn touches(&self, op: &GateOp) -> bool {
        op.qubits().any(|q| self.0.iter().any(|(t, _, _)| *t == q))
    }

    fn flush(&mut self, out: &mut Vec<GateOp>) {
        let fans = self.0.iter().map(|(t, _, _)| GateOp::cx(ANCILLA, *t));
        let fans: Vec<GateOp> = fans.collect();
        out.extend(fans.iter().cloned());
        out.extend(
            self.0
                .iter()
                .map(|(t, _, beta)| GateOp::rotation(Gate::Ry, beta.clone(), *t)),
        );
        out.extend(fans);
        out.extend(
            self.0
                .iter()
                .filter(|(_, alpha, _)| !(alpha.is_constant() && alpha.constant_part() == 0.0))
                .map(|(t, alpha, _)| GateOp::rotation(Gate::Ry, alpha.clone(), *t)),
        );
        self.0.clear();
    }
}

/// The multiplexed Hadamard-test circuit of `spec`, before clean-up passes.
pub fn synthesize_overlap(spec: &LayerSpec) -> Circuit {
    let reference = crate::layer::score_circuit(spec);
    let mut circuit = Circuit::new(reference.num_qubits(), 1);
    for input in reference.inputs() {
        circuit.declare_input(input.clone());
    }
    let a = branch(spec, Side::Query);
    let b = branch(spec, Side::Key);
    assert_eq!(a.len(), b.len(), "both branches share one skeleton");
    let mut gates = vec![GateOp::fixed(Gate::H, &[ANCILLA])];
    let mut batch = Batch::default();
    for (ga, gb) in a.iter().zip(&b) {
        if ga == gb {
            if batch.touches(ga) {
                batch.flush(&mut gates);
            }
            gates.push(ga.clone());
            continue;
        }
        let (Some(theta_a), Some(theta_b)) = (&ga.angle, &gb.angle) else {
            unreachable!("branches differ only in rotation angles")
        };
        if batch.touches(ga) {
            batch.flush(&mut gates);
        }
        let alpha = theta_a.add(theta_b).scale(0.5);
        let beta = theta_a.add(&theta_b.neg()).scale(0.5);
        batch.0.push((ga.targets[0], alpha, beta));
    }
    batch.flush(&mut gates);
    gates.push(GateOp::fixed(Gate::H, &[ANCILLA]));
    circuit
        .extend_gates(gates)
        .expect("multiplexed gates fit the score circuit");
    circuit
        .push_measure(ANCILLA, 0)
        .expect("the ancilla and bit 0 exist");
    circuit
}
