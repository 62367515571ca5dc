//! Finding the partner of a gate further along its wires: the next gate with which it cancels
//! or merges, past gates that commute with it.

use super::commute::commute;
use crate::ir::{CircuitDag, GateOp};
use petgraph::stable_graph::NodeIndex;

/// How far a search may look past other gates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Only the gate that directly follows on every wire (gate-level, -O1).
    Adjacent,
    /// Past gates that commute with the first one (-O2).
    Commuting,
}

/// The first gate after `node` that acts on exactly the same qubits and satisfies `matches`,
/// such that every gate between them on those wires commutes with `node`'s gate (with
/// [`Reach::Adjacent`] there may be none). Moving `node`'s gate forward to the partner is then
/// exact.
pub fn find_partner(
    dag: &CircuitDag,
    node: NodeIndex,
    reach: Reach,
    matches: impl Fn(&GateOp) -> bool,
) -> Option<NodeIndex> {
    let op = dag.gate(node)?;
    let first_wire = op.targets[0];
    let mut candidate = dag.next_on_wire(node, first_wire)?;
    loop {
        let other = dag.gate(candidate)?;
        if same_qubits(op, other) && matches(other) && path_commutes(dag, node, candidate, reach) {
            return Some(candidate);
        }
        if reach == Reach::Adjacent || !commute(op, other) {
            return None;
        }
        candidate = dag.next_on_wire(candidate, first_wire)?;
    }
}

/// True when every gate strictly between `from` and `to` on each wire of `from` commutes with
/// `from`'s gate (and there is none, for [`Reach::Adjacent`]).
fn path_commutes(dag: &CircuitDag, from: NodeIndex, to: NodeIndex, reach: Reach) -> bool {
    let Some(op) = dag.gate(from) else {
        return false;
    };
    op.qubits().all(|qubit| {
        let mut node = from;
        loop {
            let Some(next) = dag.next_on_wire(node, qubit) else {
                return false;
            };
            if next == to {
                return true;
            }
            match dag.gate(next) {
                Some(between) if reach == Reach::Commuting && commute(op, between) => node = next,
                _ => return false,
            }
        }
    })
}

/// True when both gates touch the same qubits in the same roles: equal control sets (with
/// polarity) and equal targets (`swap` targets as a set).
pub fn same_qubits(a: &GateOp, b: &GateOp) -> bool {
    let same_targets = match (a.gate, a.targets.as_slice(), b.targets.as_slice()) {
        (crate::ir::Gate::Swap, [a0, a1], [b0, b1]) => (a0, a1) == (b0, b1) || (a0, a1) == (b1, b0),
        _ => a.targets == b.targets,
    };
    same_targets
        && a.controls.len() == b.controls.len()
        && a.controls.iter().all(|c| b.controls.contains(c))
}
