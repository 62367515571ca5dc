//! Merging of same-axis rotations on the same qubits under identical controls:
//! `R(a) … R(b)` → `R(a + b)`, exact for rx, ry, rz and p (controlled or not).

use super::pair::{Reach, find_partner};
use crate::ir::{CircuitDag, GateOp};

/// Merges rotation pairs; returns the number of gates removed.
pub fn run_merge_rotations(dag: &mut CircuitDag, reach: Reach) -> usize {
    let mut removed = 0;
    for node in dag.op_nodes() {
        if !dag.contains(node) {
            continue;
        }
        let Some(op) = dag.gate(node) else {
            continue;
        };
        let Some(angle) = &op.angle else {
            continue;
        };
        let Some(partner) = find_partner(dag, node, reach, |other| other.gate == op.gate) else {
            continue;
        };
        let partner_op = dag.gate(partner).expect("partners are gates");
        let partner_angle = partner_op.angle.as_ref().expect("same gate, same arity");
        let merged = GateOp {
            gate: partner_op.gate,
            angle: Some(partner_angle.add(angle)),
            controls: partner_op.controls.clone(),
            targets: partner_op.targets.clone(),
        };
        dag.replace_gate(partner, merged);
        dag.remove_op(node);
        removed += 1;
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Angle, Circuit, Control, Gate};

    #[test]
    fn controlled_rotations_merge_past_commuting_gates() {
        let cry = |name: &str, sign: f64| {
            GateOp::rotation(Gate::Ry, Angle::input(name).scale(sign), 1)
                .controlled_by(Control::on(0))
        };
        let mut c = Circuit::new(3, 0);
        c.declare_input("a");
        c.declare_input("b");
        c.extend_gates([cry("a", -1.0), GateOp::cx(0, 2), cry("b", 1.0)])
            .unwrap();
        let mut dag = CircuitDag::from_circuit(&c);
        assert_eq!(run_merge_rotations(&mut dag, Reach::Adjacent), 0);
        assert_eq!(run_merge_rotations(&mut dag, Reach::Commuting), 1);
        let merged = dag.to_circuit();
        let angles: Vec<String> = merged
            .gates()
            .filter_map(|g| g.angle.as_ref().map(|a| a.to_string()))
            .collect();
        assert_eq!(angles, ["b - a"]);
    }
}
