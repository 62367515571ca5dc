//! Two-qubit block consolidation: every maximal run of gates on the same two qubits (with the
//! one-qubit gates on those wires around and between them) is multiplied into its 4×4 unitary
//! and replaced by its KAK synthesis ([`crate::synth::two_qubit`]) when that needs fewer CNOTs
//! than the gates it replaces (a SWAP next to a CNOT on the same pair becomes 2 CNOTs, a
//! controlled phase next to a SWAP 3, two CNOTs around one-qubit gates often 1 or 0).
//!
//! Blocks are collected in one walk over the instructions in time order (a topological order
//! of the circuit's DAG): a block stays open while gates act only on its pair; any other
//! instruction on one of its qubits closes it. Only gates with constant angles join a block;
//! measurements, resets, barriers, input-dependent rotations and gates on three or more qubits
//! end the blocks on their qubits. Every instruction between a block's first and last gate that
//! is not in the block acts on other qubits, so the synthesis is placed where the block's last
//! gate was. The result equals the input up to a global phase.

use crate::ir::{Circuit, GateOp, Instruction};
use crate::synth::matrix::{identity4, mul4};
use crate::synth::{pair_matrix, two_qubit};

/// Most rounds of [`resynthesise`]: each round's clean-up can expose new blocks, but the CNOT
/// savings shrink fast.
const MAX_ROUNDS: usize = 3;

/// Block consolidation followed by the -O2 gate-level clean-up, repeated while consolidation
/// saves CNOTs (at most [`MAX_ROUNDS`] rounds).
pub fn resynthesise(mut circuit: Circuit) -> Circuit {
    for _ in 0..MAX_ROUNDS {
        let (consolidated, saved) = run_consolidate_blocks(&circuit);
        if saved == 0 {
            break;
        }
        circuit = super::clean_gate_level(consolidated, super::Reach::Commuting);
    }
    circuit
}

/// A run of gates on one pair of qubits.
struct Block {
    pair: (usize, usize),
    /// Instruction indices, in time order once sorted.
    members: Vec<usize>,
}

/// Replaces two-qubit blocks by their synthesis where it saves CNOTs; returns the circuit and
/// the CNOTs saved.
pub fn run_consolidate_blocks(circuit: &Circuit) -> (Circuit, usize) {
    let instructions = circuit.instructions();
    let n = circuit.num_qubits();
    let mut open: Vec<Option<usize>> = vec![None; n];
    let mut pending: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut blocks: Vec<Block> = Vec::new();
    let close = |open: &mut Vec<Option<usize>>, blocks: &[Block], q: usize| {
        if let Some(b) = open[q] {
            let (x, y) = blocks[b].pair;
            open[x] = None;
            open[y] = None;
        }
    };
    for (k, instruction) in instructions.iter().enumerate() {
        let joinable = match instruction {
            Instruction::Gate(op) if op.num_qubits() <= 2 => {
                let qubits: Vec<usize> = op.qubits().collect();
                let pair = (qubits[0], *qubits.last().expect("a gate has qubits"));
                pair_matrix(op, pair).is_some().then_some(qubits)
            }
            _ => None,
        };
        match joinable.as_deref() {
            Some(&[q]) => match open[q] {
                Some(b) => blocks[b].members.push(k),
                None => pending[q].push(k),
            },
            Some(&[p, q]) => {
                if open[p].is_some() && open[p] == open[q] {
                    blocks[open[p].expect("checked")].members.push(k);
                } else {
                    close(&mut open, &blocks, p);
                    close(&mut open, &blocks, q);
                    let mut members = std::mem::take(&mut pending[p]);
                    members.append(&mut pending[q]);
                    members.push(k);
                    open[p] = Some(blocks.len());
                    open[q] = Some(blocks.len());
                    blocks.push(Block {
                        pair: (p, q),
                        members,
                    });
                }
            }
            _ => {
                for q in instruction.qubits() {
                    close(&mut open, &blocks, q);
                    pending[q].clear();
                }
            }
        }
    }
    // Block index → its synthesis, for the blocks worth replacing.
    let mut replaced: Vec<Option<Vec<GateOp>>> = Vec::with_capacity(blocks.len());
    let mut owner: Vec<Option<usize>> = vec![None; instructions.len()];
    let mut saved = 0;
    for (b, block) in blocks.iter_mut().enumerate() {
        block.members.sort_unstable();
        let gate = |k: usize| match &instructions[k] {
            Instruction::Gate(op) => op,
            _ => unreachable!("blocks hold gates"),
        };
        let cost: usize = block.members.iter().map(|&k| gate(k).cx_cost()).sum();
        let synthesis = (cost >= 2)
            .then(|| {
                let u = block.members.iter().fold(identity4(), |u, &k| {
                    mul4(&pair_matrix(gate(k), block.pair).expect("joinable"), &u)
                });
                two_qubit::synthesize(&u, block.pair.0, block.pair.1)
            })
            .filter(|gates| {
                let cx: usize = gates.iter().map(GateOp::cx_cost).sum();
                cx < cost
            });
        if let Some(gates) = &synthesis {
            saved += cost - gates.iter().map(GateOp::cx_cost).sum::<usize>();
            block.members.iter().for_each(|&k| owner[k] = Some(b));
        }
        replaced.push(synthesis);
    }
    if saved == 0 {
        return (circuit.clone(), 0);
    }
    let mut out = Vec::with_capacity(instructions.len());
    for (k, instruction) in instructions.iter().enumerate() {
        match owner[k] {
            None => out.push(instruction.clone()),
            Some(b) if blocks[b].members.last() == Some(&k) => out.extend(
                replaced[b]
                    .take()
                    .expect("replaced once")
                    .into_iter()
                    .map(Instruction::Gate),
            ),
            Some(_) => {}
        }
    }
    (circuit.with_instructions(out), saved)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Angle, Control, Gate};
    use crate::opt::{MAX_UNITARY_QUBITS, VerifyMode, verify};

    fn cx_count(c: &Circuit) -> usize {
        c.gates().map(GateOp::cx_cost).sum()
    }

    fn assert_equivalent(a: &Circuit, b: &Circuit) {
        assert!(a.num_qubits() <= MAX_UNITARY_QUBITS);
        let report = verify(a, b, VerifyMode::Unitary, 1, 0, 1e-9).expect("verifiable");
        assert!(report.equivalent, "{report:?}");
    }

    #[test]
    fn swap_next_to_a_cnot_becomes_two_cnots() {
        let mut c = Circuit::new(3, 0);
        c.push_gate(GateOp::fixed(Gate::H, &[0])).unwrap();
        c.push_gate(GateOp::cx(0, 1)).unwrap();
        c.push_gate(GateOp::fixed(Gate::T, &[2])).unwrap();
        c.push_gate(GateOp::fixed(Gate::Swap, &[0, 1])).unwrap();
        c.push_gate(GateOp::cx(1, 2)).unwrap();
        let (out, saved) = run_consolidate_blocks(&c);
        assert_eq!((saved, cx_count(&out)), (2, 3));
        assert_equivalent(&c, &out);
    }

    #[test]
    fn controlled_phase_then_swap_needs_three() {
        let mut c = Circuit::new(2, 0);
        let cp = GateOp::rotation(Gate::P, Angle::constant(0.4), 1).controlled_by(Control::on(0));
        c.push_gate(cp).unwrap();
        c.push_gate(GateOp::fixed(Gate::Swap, &[1, 0])).unwrap();
        let (out, saved) = run_consolidate_blocks(&c);
        assert_eq!((saved, cx_count(&out)), (2, 3));
        assert_equivalent(&c, &out);
    }

    #[test]
    fn blocks_end_at_measurements_and_symbolic_gates() {
        let mut c = Circuit::new(2, 1);
        c.declare_input("a");
        c.push_gate(GateOp::cx(0, 1)).unwrap();
        c.push_gate(GateOp::rotation(Gate::Rz, Angle::input("a"), 1))
            .unwrap();
        c.push_gate(GateOp::cx(0, 1)).unwrap();
        c.push_measure(0, 0).unwrap();
        c.push_gate(GateOp::cx(0, 1)).unwrap();
        let (out, saved) = run_consolidate_blocks(&c);
        assert_eq!(saved, 0);
        assert_eq!(out, c);
        // Without the input-dependent rotation the first two CNOTs cancel.
        let mut d = Circuit::new(2, 0);
        d.push_gate(GateOp::cx(0, 1)).unwrap();
        d.push_gate(GateOp::fixed(Gate::Z, &[0])).unwrap();
        d.push_gate(GateOp::cx(0, 1)).unwrap();
        let (out, saved) = run_consolidate_blocks(&d);
        assert_eq!((saved, cx_count(&out)), (2, 0));
        assert_equivalent(&d, &out);
    }

    #[test]
    fn interleaved_pairs_are_separate_blocks() {
        // cx(0,1) cx(1,2) cx(0,1): the middle gate splits the first pair's run.
        let mut c = Circuit::new(3, 0);
        for (a, b) in [(0, 1), (1, 2), (0, 1), (0, 1), (2, 1)] {
            c.push_gate(GateOp::cx(a, b)).unwrap();
            c.push_gate(GateOp::fixed(Gate::H, &[b])).unwrap();
        }
        let (out, _) = run_consolidate_blocks(&c);
        assert_equivalent(&c, &out);
        assert!(cx_count(&out) <= cx_count(&c));
    }
}
