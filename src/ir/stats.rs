//! Gate statistics of a circuit.

use super::circuit::{Circuit, Instruction};
use super::dag::CircuitDag;
use serde::Serialize;
use std::collections::BTreeMap;

/// Counts that describe a circuit's size and cost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CircuitStats {
    /// Number of qubits.
    pub qubits: usize,
    /// Number of declared inputs.
    pub inputs: usize,
    /// Number of gates (measurements, resets and barriers excluded).
    pub gates: usize,
    /// CNOTs after decomposing every gate into `cx` and one-qubit gates
    /// (see [`GateOp::cx_cost`](super::GateOp::cx_cost)).
    pub two_qubit_gates: usize,
    /// Gates that touch two or more qubits, as written (a `ccx` counts once).
    pub multi_qubit_gates: usize,
    /// Depth of the circuit as written (every gate one time step).
    pub depth: usize,
    /// Number of measurements.
    pub measurements: usize,
    /// Gates by name (`h`, `ry`, `cx`, `cry`, `ccx`, …).
    pub gates_by_kind: BTreeMap<String, usize>,
}

impl CircuitStats {
    /// Statistics of `circuit`.
    pub fn of(circuit: &Circuit) -> Self {
        let mut gates_by_kind = BTreeMap::new();
        let (mut gates, mut two_qubit_gates, mut multi_qubit_gates) = (0, 0, 0);
        for op in circuit.gates() {
            gates += 1;
            two_qubit_gates += op.cx_cost();
            multi_qubit_gates += usize::from(op.num_qubits() >= 2);
            *gates_by_kind.entry(op.kind_name()).or_insert(0) += 1;
        }
        let measurements = circuit
            .instructions()
            .iter()
            .filter(|i| matches!(i, Instruction::Measure { .. }))
            .count();
        CircuitStats {
            qubits: circuit.num_qubits(),
            inputs: circuit.inputs().len(),
            gates,
            two_qubit_gates,
            multi_qubit_gates,
            depth: CircuitDag::from_circuit(circuit).depth(),
            measurements,
            gates_by_kind,
        }
    }
}
