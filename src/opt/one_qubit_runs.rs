//! One-qubit run merging: every maximal run of constant one-qubit gates on a wire becomes the
//! shortest Euler sequence of its product ([`crate::synth::one_qubit`]) when that is shorter:
//! `rz`/`ry` in the CNOT basis, `rz`/`sx`/`x` in IBM's bases. Input-dependent rotations split
//! runs and are kept. The result equals the input up to a global phase.

use super::basis::{Basis, run_decompose};
use crate::ir::{Circuit, GateOp, Instruction};
use crate::synth::matrix::{identity2, mul2};
use crate::synth::{one_qubit, one_qubit_matrix};

/// Merges one-qubit runs, writing them in `basis`'s one-qubit gates; returns the circuit and
/// the gates saved.
pub fn run_merge_one_qubit_runs(circuit: &Circuit, basis: Basis) -> (Circuit, usize) {
    let instructions = circuit.instructions();
    let mut runs: Vec<Vec<usize>> = vec![Vec::new(); circuit.num_qubits()];
    let mut finished: Vec<Vec<usize>> = Vec::new();
    for (k, instruction) in instructions.iter().enumerate() {
        match instruction {
            Instruction::Gate(op) if one_qubit_matrix(op).is_some() => {
                runs[op.targets[0]].push(k);
            }
            other => {
                for q in other.qubits() {
                    finished.push(std::mem::take(&mut runs[q]));
                }
            }
        }
    }
    finished.extend(runs);
    // Instruction index → the gates written there (`Some(empty)`: removed).
    let mut written: Vec<Option<Vec<GateOp>>> = vec![None; instructions.len()];
    let mut saved = 0;
    for run in finished.into_iter().filter(|run| run.len() > 1) {
        let gate = |k: usize| match &instructions[k] {
            Instruction::Gate(op) => op,
            _ => unreachable!("runs hold gates"),
        };
        let u = run.iter().fold(identity2(), |u, &k| {
            mul2(&one_qubit_matrix(gate(k)).expect("constant"), &u)
        });
        let q = gate(run[0]).targets[0];
        let merged = match basis {
            Basis::CxAndSingleQubit => one_qubit::zyz_gates(&u, q),
            Basis::IbmCx | Basis::IbmCz => one_qubit::ibm_gates(&u, q),
        };
        if merged.len() < run.len() {
            saved += run.len() - merged.len();
            let (last, rest) = run.split_last().expect("a run of two or more");
            rest.iter().for_each(|&k| written[k] = Some(Vec::new()));
            written[*last] = Some(merged);
        }
    }
    if saved == 0 {
        return (circuit.clone(), 0);
    }
    let mut out = Vec::with_capacity(instructions.len());
    for (instruction, replacement) in instructions.iter().zip(written) {
        match replacement {
            None => out.push(instruction.clone()),
            Some(gates) => out.extend(gates.into_iter().map(Instruction::Gate)),
        }
    }
    (circuit.with_instructions(out), saved)
}

/// `circuit` decomposed into `basis` with its one-qubit runs merged (IBM's bases then write
/// each run as at most `rz·sx·rz·sx·rz` instead of five gates per original gate).
pub fn decompose_merged(circuit: &Circuit, basis: Basis) -> Circuit {
    run_merge_one_qubit_runs(&run_decompose(circuit, basis), basis).0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Angle, Gate};
    use crate::opt::{VerifyMode, verify};

    #[test]
    fn ibm_runs_shrink_to_at_most_five_gates_and_keep_the_unitary() {
        let mut c = Circuit::new(2, 1);
        c.declare_input("a");
        for g in [Gate::H, Gate::T, Gate::H, Gate::S] {
            c.push_gate(GateOp::fixed(g, &[0])).unwrap();
        }
        c.push_gate(GateOp::cx(0, 1)).unwrap();
        c.push_gate(GateOp::fixed(Gate::H, &[1])).unwrap();
        c.push_gate(GateOp::fixed(Gate::H, &[1])).unwrap();
        c.push_gate(GateOp::rotation(Gate::Ry, Angle::input("a"), 0))
            .unwrap();
        c.push_gate(GateOp::fixed(Gate::Sx, &[0])).unwrap();
        c.push_measure(0, 0).unwrap();
        let lowered = run_decompose(&c, Basis::IbmCz);
        let merged = decompose_merged(&c, Basis::IbmCz);
        assert!(merged.gates().count() < lowered.gates().count());
        assert!(
            merged
                .gates()
                .filter(|g| g.controls.is_empty())
                .all(|g| matches!(g.gate, Gate::Rz | Gate::Sx | Gate::X))
        );
        let gate_part = |c: &Circuit| {
            c.with_instructions(
                c.instructions()
                    .iter()
                    .filter(|i| matches!(i, Instruction::Gate(_)))
                    .cloned()
                    .collect(),
            )
        };
        let report = verify(
            &gate_part(&c),
            &gate_part(&merged),
            VerifyMode::Unitary,
            4,
            1,
            1e-9,
        )
        .unwrap();
        assert!(report.equivalent, "{report:?}");
        // H·H on qubit 1 (after the cz's own Hadamards are merged in) leaves one run.
        let (_, saved) = run_merge_one_qubit_runs(&merged, Basis::IbmCz);
        assert_eq!(saved, 0, "merging is idempotent");
    }
}
