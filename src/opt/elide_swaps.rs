//! SWAP elision: a `swap` gate, or three CNOTs cx(a, b)·cx(b, a)·cx(a, b) that follow each other
//! on both wires, is removed and every later instruction relabelled instead (Qiskit's
//! `ElidePermutations`). The program then ends with its qubits permuted: the returned map says
//! on which wire each qubit of the input ends. Measurements are relabelled like gates, so every
//! classical bit keeps its distribution; a compiler reports the permutation in its final layout.

use crate::ir::{Circuit, Gate, Instruction};

/// Whether `instruction` is a plain `cx`; its (control, target).
fn cnot(instruction: &Instruction) -> Option<(usize, usize)> {
    match instruction {
        Instruction::Gate(op)
            if op.gate == Gate::X && op.controls.len() == 1 && op.controls[0].on_one =>
        {
            Some((op.controls[0].qubit, op.targets[0]))
        }
        _ => None,
    }
}

/// The circuit without its SWAPs, and `wire[q]`: the wire of the result that holds, at the end,
/// what wire `q` of the input holds at the end.
pub fn run_elide_swaps(circuit: &Circuit) -> (Circuit, Vec<usize>) {
    let instructions = circuit.instructions();
    // next[k][i]: the next instruction on the i-th qubit of instruction k.
    let mut last: Vec<Option<usize>> = vec![None; circuit.num_qubits()];
    let mut next_on = vec![Vec::new(); instructions.len()];
    for (k, instruction) in instructions.iter().enumerate().rev() {
        let qubits = instruction.qubits();
        next_on[k] = qubits.iter().map(|&q| last[q]).collect();
        qubits.iter().for_each(|&q| last[q] = Some(k));
    }
    // The next instruction on both qubits of the two-qubit instruction k, when it is the same.
    let shared_next = |k: usize| match next_on[k][..] {
        [Some(x), Some(y)] if x == y => Some(x),
        _ => None,
    };
    let mut elided = vec![false; instructions.len()];
    // Instruction index → the swapped pair, for the instruction that completes a SWAP.
    let mut swap_at: Vec<Option<(usize, usize)>> = vec![None; instructions.len()];
    for (k, instruction) in instructions.iter().enumerate() {
        if elided[k] {
            continue;
        }
        if let Instruction::Gate(op) = instruction
            && op.gate == Gate::Swap
            && op.controls.is_empty()
        {
            elided[k] = true;
            swap_at[k] = Some((op.targets[0], op.targets[1]));
            continue;
        }
        let Some((a, b)) = cnot(instruction) else {
            continue;
        };
        let Some(j) = shared_next(k).filter(|&j| cnot(&instructions[j]) == Some((b, a))) else {
            continue;
        };
        let Some(l) = shared_next(j).filter(|&l| cnot(&instructions[l]) == Some((a, b))) else {
            continue;
        };
        for x in [k, j, l] {
            elided[x] = true;
        }
        swap_at[l] = Some((a, b));
    }
    let mut wire: Vec<usize> = (0..circuit.num_qubits()).collect();
    let mut out = Vec::with_capacity(instructions.len());
    for (k, instruction) in instructions.iter().enumerate() {
        if let Some((a, b)) = swap_at[k] {
            wire.swap(a, b);
        }
        if elided[k] {
            continue;
        }
        out.push(relabel(instruction, &wire));
    }
    (circuit.with_instructions(out), wire)
}

fn relabel(instruction: &Instruction, wire: &[usize]) -> Instruction {
    match instruction {
        Instruction::Gate(op) => {
            let mut op = op.clone();
            op.targets.iter_mut().for_each(|q| *q = wire[*q]);
            op.controls.iter_mut().for_each(|c| c.qubit = wire[c.qubit]);
            Instruction::Gate(op)
        }
        Instruction::Measure { qubit, clbit } => Instruction::Measure {
            qubit: wire[*qubit],
            clbit: *clbit,
        },
        Instruction::Reset(q) => Instruction::Reset(wire[*q]),
        Instruction::Barrier(qs) => Instruction::Barrier(qs.iter().map(|&q| wire[q]).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::GateOp;
    use crate::target::tests::bit_distribution;

    #[test]
    fn swaps_and_cnot_triples_vanish_and_measurements_follow() {
        let mut c = Circuit::new(3, 3);
        c.push_gate(GateOp::fixed(Gate::H, &[0])).unwrap();
        c.push_gate(GateOp::rotation(
            Gate::Ry,
            crate::ir::Angle::constant(0.3),
            2,
        ))
        .unwrap();
        c.push_gate(GateOp::fixed(Gate::Swap, &[0, 1])).unwrap();
        c.push_gate(GateOp::cx(1, 2)).unwrap();
        for (a, b) in [(2, 0), (0, 2), (2, 0)] {
            c.push_gate(GateOp::cx(a, b)).unwrap();
        }
        c.push_gate(GateOp::fixed(Gate::T, &[0])).unwrap();
        c.push_gate(GateOp::cx(0, 1)).unwrap();
        for q in 0..3 {
            c.push_measure(q, q).unwrap();
        }
        let (out, wire) = run_elide_swaps(&c);
        assert_eq!(out.gates().filter(|g| !g.controls.is_empty()).count(), 2);
        assert!(out.gates().all(|g| g.gate != Gate::Swap));
        // Label 0 names wire 1 after the swap and wire 2 after the triple on (2, 0); label 1
        // names wire 0; label 2 names wire 1 after the triple.
        assert_eq!(wire, vec![2, 0, 1]);
        let (want, got) = (bit_distribution(&c, &[]), bit_distribution(&out, &[]));
        for (w, g) in want.iter().zip(&got) {
            assert!((w - g).abs() < 1e-12, "{want:?} vs {got:?}");
        }
    }

    #[test]
    fn cnots_with_gates_between_are_kept() {
        let mut c = Circuit::new(2, 0);
        c.push_gate(GateOp::cx(0, 1)).unwrap();
        c.push_gate(GateOp::fixed(Gate::T, &[1])).unwrap();
        c.push_gate(GateOp::cx(1, 0)).unwrap();
        c.push_gate(GateOp::cx(0, 1)).unwrap();
        let (out, wire) = run_elide_swaps(&c);
        assert_eq!(out, c);
        assert_eq!(wire, vec![0, 1]);
    }
}
