//! Causal-cone pruning: the part of a circuit that can influence a readout on some qubits.
//!
//! Walking the circuit backwards from the readout's qubits, a gate joins the cone when it
//! touches a cone qubit, and then all its qubits join the cone. A gate left out acts only on
//! qubits outside the cone at that point of the walk, so it commutes with everything kept
//! after it and with the readout, and cancels in ⟨ψ|O|ψ⟩ (and in the distribution of the
//! measured cone qubits). Qubits outside the cone stay |0⟩ for every kept gate, so they are
//! dropped and never get amplitudes.

use super::SimError;
use crate::ir::{Circuit, Control, GateOp, Instruction};

/// A circuit cut down to the causal cone of some qubits.
#[derive(Clone, Debug, PartialEq)]
pub struct Cone {
    /// The kept instructions on the cone's qubits, renumbered 0.. in their original order; the
    /// same inputs and classical bits as the original.
    pub circuit: Circuit,
    /// `map[q]`: the index of original qubit q in `circuit`, `None` outside the cone.
    pub map: Vec<Option<usize>>,
}

/// The causal cone of `qubits` (at least one, each below the circuit's qubit count).
pub fn light_cone(circuit: &Circuit, qubits: &[usize]) -> Result<Cone, SimError> {
    let n = circuit.num_qubits();
    if let Some(&q) = qubits.iter().find(|&&q| q >= n) {
        return Err(SimError::QubitOutOfRange {
            qubit: q,
            qubits: n,
        });
    }
    let mut in_cone = vec![false; n];
    qubits.iter().for_each(|&q| in_cone[q] = true);
    let instructions = circuit.instructions();
    let mut keep = vec![false; instructions.len()];
    for (k, instruction) in instructions.iter().enumerate().rev() {
        keep[k] = match instruction {
            Instruction::Gate(op) => {
                let touches = op.qubits().any(|q| in_cone[q]);
                if touches {
                    op.qubits().for_each(|q| in_cone[q] = true);
                }
                touches
            }
            Instruction::Measure { qubit, .. } | Instruction::Reset(qubit) => in_cone[*qubit],
            Instruction::Barrier(_) => false,
        };
    }
    let mut map = vec![None; n];
    let mut next = 0;
    for (q, slot) in map.iter_mut().enumerate() {
        if in_cone[q] {
            *slot = Some(next);
            next += 1;
        }
    }
    let at = |q: usize| map[q].expect("kept instructions act on cone qubits");
    let mut pruned = Circuit::new(next, circuit.num_clbits());
    circuit
        .inputs()
        .iter()
        .for_each(|name| pruned.declare_input(name.clone()));
    let built: Result<(), crate::ir::CircuitError> = instructions
        .iter()
        .zip(&keep)
        .filter(|(_, kept)| **kept)
        .try_for_each(|(instruction, _)| match instruction {
            Instruction::Gate(op) => pruned.push_gate(GateOp {
                gate: op.gate,
                angle: op.angle.clone(),
                controls: op
                    .controls
                    .iter()
                    .map(|c| Control {
                        qubit: at(c.qubit),
                        on_one: c.on_one,
                    })
                    .collect(),
                targets: op.targets.iter().map(|&q| at(q)).collect(),
            }),
            Instruction::Measure { qubit, clbit } => pruned.push_measure(at(*qubit), *clbit),
            Instruction::Reset(qubit) => pruned.push_reset(at(*qubit)),
            Instruction::Barrier(_) => Ok(()),
        });
    built.expect("a renumbered subset of a valid circuit is valid");
    Ok(Cone {
        circuit: pruned,
        map,
    })
}
