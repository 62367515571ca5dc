//! When two gates commute, decided from the role each plays on the qubits they share.
//!
//! On each of its qubits a gate is *Z-type* (a control, or the target of a diagonal gate:
//! z, s, sdg, t, tdg, rz, p), *X-type* (the target of x, rx, sx, sxdg) or *general*. A gate whose
//! qubits all have a definite type is block-diagonal in that basis, so two gates commute when
//! every qubit they share has the same definite type in both. Gates on disjoint qubits always
//! commute. The rule is sound, not complete: some commuting pairs are not recognised.

use crate::ir::{Gate, GateOp};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Z,
    X,
    General,
}

fn role(op: &GateOp, qubit: usize) -> Option<Role> {
    if op.controls.iter().any(|c| c.qubit == qubit) {
        return Some(Role::Z);
    }
    if !op.targets.contains(&qubit) {
        return None;
    }
    Some(match op.gate {
        Gate::Z | Gate::S | Gate::Sdg | Gate::T | Gate::Tdg | Gate::Rz | Gate::P => Role::Z,
        Gate::X | Gate::Rx | Gate::Sx | Gate::Sxdg => Role::X,
        Gate::H | Gate::Y | Gate::Ry | Gate::Swap => Role::General,
    })
}

/// True when `a` and `b` are known to commute.
pub fn commute(a: &GateOp, b: &GateOp) -> bool {
    a.qubits().all(|q| {
        matches!(
            (role(a, q), role(b, q)),
            (_, None) | (Some(Role::Z), Some(Role::Z)) | (Some(Role::X), Some(Role::X))
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Angle, Control};

    #[test]
    fn recognised_pairs() {
        let rz = GateOp::rotation(Gate::Rz, Angle::input("a"), 0);
        let rx1 = GateOp::rotation(Gate::Rx, Angle::input("a"), 1);
        let ry1 = GateOp::rotation(Gate::Ry, Angle::input("a"), 1);
        assert!(
            commute(&GateOp::cx(0, 1), &GateOp::cx(0, 2)),
            "shared control"
        );
        assert!(
            commute(&GateOp::cx(0, 2), &GateOp::cx(1, 2)),
            "shared target"
        );
        assert!(commute(&GateOp::cx(0, 1), &rz), "rz on the control");
        assert!(commute(&GateOp::cx(0, 1), &rx1), "rx on the target");
        assert!(!commute(&GateOp::cx(0, 1), &ry1));
        assert!(!commute(&GateOp::cx(0, 1), &GateOp::cx(1, 0)));
        let cry = ry1.clone().controlled_by(Control::on(0));
        assert!(commute(&cry, &GateOp::cx(0, 2)), "shared control only");
        assert!(commute(&GateOp::fixed(Gate::H, &[3]), &cry), "disjoint");
    }
}
