//! Cancellation of inverse pairs: `g … g†` → nothing, where `…` is empty (-O1) or commutes
//! with `g` (-O2). Exact: the unitary is unchanged, global phase included.

use super::pair::{Reach, find_partner};
use crate::ir::{CircuitDag, GateOp};

/// True when `b` undoes `a` exactly (same qubits are checked by the caller).
fn is_inverse(a: &GateOp, b: &GateOp) -> bool {
    if b.gate != a.gate.inverse() {
        return false;
    }
    match (&a.angle, &b.angle) {
        (None, None) => true,
        (Some(x), Some(y)) => x.sum_is_zero(y, 1e-12),
        _ => false,
    }
}

/// Removes inverse pairs; returns the number of gates removed.
pub fn run_cancel_inverses(dag: &mut CircuitDag, reach: Reach) -> usize {
    let mut removed = 0;
    for node in dag.op_nodes() {
        if !dag.contains(node) {
            continue;
        }
        let Some(op) = dag.gate(node) else {
            continue;
        };
        if let Some(partner) = find_partner(dag, node, reach, |other| is_inverse(op, other)) {
            dag.remove_op(node);
            dag.remove_op(partner);
            removed += 2;
        }
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Angle, Circuit, Gate};

    fn circuit(ops: Vec<GateOp>) -> CircuitDag {
        let mut c = Circuit::new(3, 0);
        c.declare_input("a");
        c.extend_gates(ops).unwrap();
        CircuitDag::from_circuit(&c)
    }

    #[test]
    fn adjacent_pairs_cancel_and_nested_pairs_follow_in_later_sweeps() {
        let mut dag = circuit(vec![
            GateOp::cx(0, 1),
            GateOp::fixed(Gate::S, &[1]),
            GateOp::fixed(Gate::Sdg, &[1]),
            GateOp::cx(0, 1),
            GateOp::fixed(Gate::H, &[2]),
        ]);
        let mut total = 0;
        loop {
            let removed = run_cancel_inverses(&mut dag, Reach::Adjacent);
            if removed == 0 {
                break;
            }
            total += removed;
        }
        assert_eq!(total, 4);
        assert_eq!(dag.to_circuit().instructions().len(), 1);
    }

    #[test]
    fn commuting_gates_in_between_only_with_commuting_reach() {
        let ops = vec![
            GateOp::cx(0, 1),
            GateOp::rotation(Gate::Rz, Angle::input("a"), 0),
            GateOp::cx(0, 2),
            GateOp::cx(0, 1),
        ];
        let mut dag = circuit(ops.clone());
        assert_eq!(run_cancel_inverses(&mut dag, Reach::Adjacent), 0);
        let mut dag = circuit(ops);
        assert_eq!(run_cancel_inverses(&mut dag, Reach::Commuting), 2);
        assert_eq!(dag.to_circuit().instructions().len(), 2);
    }

    #[test]
    fn rotations_cancel_only_when_angles_sum_to_zero() {
        let ry = |angle: Angle| GateOp::rotation(Gate::Ry, angle, 0);
        let mut dag = circuit(vec![ry(Angle::input("a")), ry(Angle::input("a").neg())]);
        assert_eq!(run_cancel_inverses(&mut dag, Reach::Adjacent), 2);
        let mut dag = circuit(vec![ry(Angle::input("a")), ry(Angle::input("a"))]);
        assert_eq!(run_cancel_inverses(&mut dag, Reach::Adjacent), 0);
    }
}
