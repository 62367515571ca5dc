//! Removal of gates that no measurement can see: a gate none of whose qubits is measured later
//! and which is the last operation on each of its wires does not change the distribution of
//! the measured bits. Score-preserving (-O3), not unitary-preserving.

use crate::ir::{CircuitDag, DagNode, Instruction};

/// Removes such gates repeatedly; returns the number removed.
pub fn run_drop_unmeasured_tail(dag: &mut CircuitDag) -> usize {
    let measured: Vec<usize> = dag
        .op_nodes()
        .into_iter()
        .filter_map(|n| match dag.instruction(n) {
            Some(Instruction::Measure { qubit, .. }) => Some(*qubit),
            _ => None,
        })
        .collect();
    if measured.is_empty() {
        // Without measurements the whole state is the result: nothing is invisible.
        return 0;
    }
    let mut removed = 0;
    loop {
        let tail: Vec<_> = dag
            .op_nodes()
            .into_iter()
            .filter(|&node| {
                let Some(op) = dag.gate(node) else {
                    return false;
                };
                op.qubits().all(|q| {
                    !measured.contains(&q)
                        && dag
                            .next_on_wire(node, q)
                            .is_some_and(|next| matches!(dag.graph()[next], DagNode::Out(_)))
                })
            })
            .collect();
        if tail.is_empty() {
            return removed;
        }
        removed += tail.len();
        for node in tail {
            dag.remove_op(node);
        }
    }
}
