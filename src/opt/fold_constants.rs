//! Constant angles: reduction to their period and removal of identity rotations.
//!
//! rx, ry, rz have period 4π (R(2π) = −I); p has period 2π. An uncontrolled rotation by 2π is
//! a global phase and is removed; under a control it is not the identity (ctrl(−I) is a Z on the
//! control), so a controlled 2π rotation is kept (reduced to exactly 2π).

use crate::ir::{Angle, CircuitDag, Gate};
use std::f64::consts::{PI, TAU};

const TOLERANCE: f64 = 1e-12;

/// What to do with a constant angle.
enum Folded {
    Identity,
    Angle(f64),
}

fn fold(gate: Gate, theta: f64, controlled: bool) -> Folded {
    let period = if gate == Gate::P || !controlled {
        TAU
    } else {
        2.0 * TAU
    };
    // Reduce into (−period/2, period/2].
    let mut reduced = theta.rem_euclid(period);
    if reduced > period / 2.0 + TOLERANCE {
        reduced -= period;
    }
    if reduced.abs() < TOLERANCE || (reduced - period).abs() < TOLERANCE {
        Folded::Identity
    } else if (reduced - PI).abs() < TOLERANCE && period == TAU {
        Folded::Angle(PI)
    } else {
        Folded::Angle(reduced)
    }
}

/// Folds constant angles; returns the number of gates removed or given a reduced angle.
pub fn run_fold_constants(dag: &mut CircuitDag) -> usize {
    let mut changed = 0;
    for node in dag.op_nodes() {
        let Some(op) = dag.gate(node) else { continue };
        let Some(angle) = op.angle.as_ref().filter(|a| a.is_constant()) else {
            continue;
        };
        let theta = angle.constant_part();
        match fold(op.gate, theta, !op.controls.is_empty()) {
            Folded::Identity => {
                dag.remove_op(node);
                changed += 1;
            }
            Folded::Angle(reduced) if (reduced - theta).abs() > TOLERANCE => {
                let mut folded = op.clone();
                folded.angle = Some(Angle::constant(reduced));
                dag.replace_gate(node, folded);
                changed += 1;
            }
            Folded::Angle(_) => {}
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Circuit, Control, GateOp};

    fn run(ops: Vec<GateOp>) -> (usize, Vec<String>) {
        let mut c = Circuit::new(2, 0);
        c.extend_gates(ops).unwrap();
        let mut dag = CircuitDag::from_circuit(&c);
        let changed = run_fold_constants(&mut dag);
        let left = dag.to_circuit().gates().map(|g| g.to_string()).collect();
        (changed, left)
    }

    #[test]
    fn two_pi_is_identity_only_without_controls() {
        let rx = |theta: f64| GateOp::rotation(Gate::Rx, Angle::constant(theta), 1);
        let (changed, left) = run(vec![
            rx(TAU),
            rx(TAU).controlled_by(Control::on(0)),
            rx(2.0 * TAU).controlled_by(Control::on(0)),
            GateOp::rotation(Gate::P, Angle::constant(TAU), 1).controlled_by(Control::on(0)),
            rx(0.0),
        ]);
        assert_eq!(changed, 4);
        assert_eq!(left, ["crx(2*pi) q[0], q[1]"]);
    }

    #[test]
    fn angles_are_reduced_to_their_period() {
        let (changed, left) = run(vec![GateOp::rotation(
            Gate::Rz,
            Angle::constant(2.5 * PI),
            0,
        )]);
        assert_eq!((changed, left), (1, vec!["rz(pi/2) q[0]".to_string()]));
        let (_, left) = run(vec![
            GateOp::rotation(Gate::Ry, Angle::constant(5.0 * PI), 1).controlled_by(Control::on(0)),
        ]);
        assert_eq!(left, ["cry(pi) q[0], q[1]"]);
    }
}
