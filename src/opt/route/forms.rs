//! Equivalent forms of a circuit for the router: each exposes different commutations to its
//! dependency graph, and trials over several forms keep the best (see
//! [`super::route_in_basis_with`]).
//!
//! - the circuit in CNOTs and one-qubit gates: CNOTs sharing a control or a target commute;
//! - in `cz` with the one-qubit gates between merged: the `cz` of a graph state commute;
//! - with every `cx(a, b) · rz_b(φ) · cx(a, b)` (a controlled phase or a ZZ rotation as
//!   Qiskit decomposes them) written as the diagonal `rz_a(φ) · rz_b(φ) · cp(−2φ)`: the
//!   controlled phases of a QFT or QPE and the ZZ terms of QAOA commute.

use crate::ir::{Circuit, Control, Gate, GateOp, Instruction};
use crate::opt::{Basis, Reach, clean_gate_level, run_decompose};

/// The forms of `lowered` (a circuit in CNOTs and one-qubit gates, or in `cz` and IBM's
/// one-qubit gates when `cz_only`) the router tries: `lowered` first, then those that differ
/// from it.
pub(super) fn forms(lowered: Circuit, cz_only: bool) -> Vec<Circuit> {
    if cz_only {
        return vec![lowered];
    }
    let cz = clean_gate_level(run_decompose(&lowered, Basis::IbmCz), Reach::Commuting);
    let diagonal = diagonal_pairs(&lowered);
    let mut forms = vec![lowered, cz];
    if let Some(diagonal) = diagonal {
        forms.push(diagonal);
    }
    forms
}

/// The CNOT's (control, target) when `op` is a plain CNOT.
fn cnot(op: &GateOp) -> Option<(usize, usize)> {
    (op.gate == Gate::X && op.controls.len() == 1 && op.controls[0].on_one)
        .then(|| (op.controls[0].qubit, op.targets[0]))
}

/// `circuit` with each `cx(a, b) · rz_b(φ) · cx(a, b)` (nothing else on a or b in between)
/// replaced by `rz_a(φ) · rz_b(φ) · cp(−2φ)` on (a, b), equal up to a global phase:
/// cx·rz_b(φ)·cx = exp(−iφ/2 Z⊗Z). `None` when there is no such triple.
fn diagonal_pairs(circuit: &Circuit) -> Option<Circuit> {
    let instructions = circuit.instructions();
    // The index of the next instruction on the same qubit, per (instruction, qubit).
    let mut next_on: Vec<Vec<(usize, usize)>> = vec![Vec::new(); instructions.len()];
    let mut last: Vec<Option<usize>> = vec![None; circuit.num_qubits()];
    for (k, instruction) in instructions.iter().enumerate() {
        for q in instruction.qubits() {
            if let Some(before) = last[q] {
                next_on[before].push((q, k));
            }
            last[q] = Some(k);
        }
    }
    let next = |k: usize, q: usize| next_on[k].iter().find(|&&(p, _)| p == q).map(|&(_, j)| j);
    let gate = |k: usize| match &instructions[k] {
        Instruction::Gate(op) => Some(op),
        _ => None,
    };
    let mut replaced: Vec<Option<Vec<GateOp>>> = vec![None; instructions.len()];
    let mut dropped = vec![false; instructions.len()];
    let mut found = false;
    for k in 0..instructions.len() {
        if dropped[k] || replaced[k].is_some() {
            continue;
        }
        let Some((a, b)) = gate(k).and_then(cnot) else {
            continue;
        };
        let Some(middle) = next(k, b) else { continue };
        let Some(closing) = next(middle, b) else {
            continue;
        };
        let Some(rz) = gate(middle).filter(|op| op.gate == Gate::Rz && op.controls.is_empty())
        else {
            continue;
        };
        if next(k, a) != Some(closing) || gate(closing).and_then(cnot) != Some((a, b)) {
            continue;
        }
        let phi = rz.angle.clone().expect("rz has an angle");
        replaced[k] = Some(vec![
            GateOp::rotation(Gate::Rz, phi.clone(), a),
            GateOp::rotation(Gate::Rz, phi.clone(), b),
            GateOp::rotation(Gate::P, phi.scale(-2.0), b).controlled_by(Control::on(a)),
        ]);
        dropped[middle] = true;
        dropped[closing] = true;
        found = true;
    }
    if !found {
        return None;
    }
    let out = instructions
        .iter()
        .enumerate()
        .filter(|&(k, _)| !dropped[k])
        .flat_map(|(k, instruction)| match &replaced[k] {
            Some(ops) => ops.iter().cloned().map(Instruction::Gate).collect(),
            None => vec![instruction.clone()],
        })
        .collect();
    Some(circuit.with_instructions(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Angle;
    use crate::sim::{Amplitude, Program};

    fn probabilities(c: &Circuit, binding: &[f64]) -> Vec<f64> {
        let qubits: Vec<usize> = (0..c.num_qubits()).collect();
        Program::compile(c, Amplitude::Complex)
            .unwrap()
            .run(binding)
            .unwrap()
            .marginal(&qubits)
    }

    #[test]
    fn controlled_phases_become_diagonal_pairs_with_the_same_state() {
        let mut c = Circuit::new(3, 0);
        c.declare_input("x");
        for q in 0..3 {
            c.push_gate(GateOp::fixed(Gate::H, &[q])).unwrap();
        }
        // cp(0.8) on (0, 1) as Qiskit writes it, an input-dependent ZZ on (1, 2), and a
        // triple broken by a gate on the control, which stays.
        c.push_gate(GateOp::rotation(Gate::Rz, Angle::constant(0.4), 0))
            .unwrap();
        c.push_gate(GateOp::cx(0, 1)).unwrap();
        c.push_gate(GateOp::rotation(Gate::Rz, Angle::constant(-0.4), 1))
            .unwrap();
        c.push_gate(GateOp::cx(0, 1)).unwrap();
        c.push_gate(GateOp::rotation(Gate::Rz, Angle::constant(0.4), 1))
            .unwrap();
        c.push_gate(GateOp::cx(1, 2)).unwrap();
        c.push_gate(GateOp::rotation(Gate::Rz, Angle::input("x").scale(0.7), 2))
            .unwrap();
        c.push_gate(GateOp::cx(1, 2)).unwrap();
        c.push_gate(GateOp::cx(2, 0)).unwrap();
        c.push_gate(GateOp::rotation(Gate::Rz, Angle::constant(0.3), 0))
            .unwrap();
        c.push_gate(GateOp::fixed(Gate::H, &[2])).unwrap();
        c.push_gate(GateOp::cx(2, 0)).unwrap();
        for q in 0..3 {
            c.push_gate(GateOp::fixed(Gate::H, &[q])).unwrap();
        }
        let d = diagonal_pairs(&c).unwrap();
        let cnots = |c: &Circuit| c.gates().filter(|op| cnot(op).is_some()).count();
        assert_eq!(cnots(&c), 6);
        assert_eq!(cnots(&d), 2);
        assert_eq!(d.gates().filter(|op| op.gate == Gate::P).count(), 2);
        for x in [0.0, 0.9, -2.3] {
            let (want, got) = (probabilities(&c, &[x]), probabilities(&d, &[x]));
            for (w, g) in want.iter().zip(&got) {
                assert!((w - g).abs() < 1e-12, "x = {x}: {w} vs {g}");
            }
        }
        let mut plain = Circuit::new(2, 0);
        plain.push_gate(GateOp::cx(0, 1)).unwrap();
        assert!(diagonal_pairs(&plain).is_none());
    }
}
