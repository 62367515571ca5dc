//! Controlled-block algebra: ctrl(g · X · g†) = g · ctrl(X) · g† for a gate g that does not
//! touch the control.
//!
//! A run of consecutive gates that share their outermost control K is a controlled block
//! ctrl_K(b₁ … bₙ). Pairs bᵢ, bⱼ with bⱼ = bᵢ† are matched outermost-first (the last partner of
//! the first gate, then recursively inside and after), and each matched pair loses the control.
//! Matched pairs are properly nested by construction, so the rewrite is exact, global phase
//! included. On the paper's score circuit this strips the control from every CNOT ring of the
//! controlled inverse and controlled key unitaries.

use crate::ir::{Circuit, Control, GateOp, Instruction};

/// The gate without its outermost control.
fn base(op: &GateOp) -> GateOp {
    GateOp {
        controls: op.controls[1..].to_vec(),
        ..op.clone()
    }
}

fn is_inverse(a: &GateOp, b: &GateOp) -> bool {
    a.gate.inverse() == b.gate
        && a.targets == b.targets
        && a.controls == b.controls
        && match (&a.angle, &b.angle) {
            (None, None) => true,
            (Some(x), Some(y)) => x.sum_is_zero(y, 1e-12),
            _ => false,
        }
}

/// Rewrites one controlled block (bases `block`, control `control`) into `out`; returns the
/// number of gates that lost the control.
fn peel(block: &[GateOp], control: Control, out: &mut Vec<GateOp>) -> usize {
    let mut uncontrolled = 0;
    let mut start = 0;
    while start < block.len() {
        let first = &block[start];
        let partner = (start + 1..block.len())
            .rev()
            .find(|&j| is_inverse(first, &block[j]));
        match partner {
            Some(end) => {
                out.push(first.clone());
                uncontrolled += 2 + peel(&block[start + 1..end], control, out);
                out.push(block[end].clone());
                start = end + 1;
            }
            None => {
                out.push(first.clone().controlled_by(control));
                start += 1;
            }
        }
    }
    uncontrolled
}

/// Applies the rewrite to every run of gates sharing their outermost control; returns the new
/// circuit and the number of gates that lost a control.
pub fn run_uncontrol_conjugations(circuit: &Circuit) -> (Circuit, usize) {
    let mut gates: Vec<Instruction> = Vec::new();
    let mut block: Vec<GateOp> = Vec::new();
    let mut block_control: Option<Control> = None;
    let mut uncontrolled = 0;
    let mut flush =
        |block: &mut Vec<GateOp>, control: Option<Control>, gates: &mut Vec<Instruction>| {
            if let Some(control) = control {
                let mut peeled = Vec::new();
                uncontrolled += peel(block, control, &mut peeled);
                gates.extend(peeled.into_iter().map(Instruction::Gate));
            }
            block.clear();
        };
    for instruction in circuit.instructions() {
        let outer = match instruction {
            Instruction::Gate(op) => op.controls.first().copied(),
            _ => None,
        };
        if outer != block_control || outer.is_none() {
            flush(&mut block, block_control, &mut gates);
            block_control = outer;
        }
        match (instruction, outer) {
            (Instruction::Gate(op), Some(_)) => block.push(base(op)),
            (other, _) => gates.push(other.clone()),
        }
    }
    flush(&mut block, block_control, &mut gates);
    (circuit.with_instructions(gates), uncontrolled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Angle, CircuitStats, Gate};

    #[test]
    fn strips_controls_from_conjugating_pairs() {
        let mut c = Circuit::new(3, 0);
        c.declare_input("a");
        let ctrl = |op: GateOp| op.controlled_by(Control::on(0));
        c.extend_gates([
            ctrl(GateOp::cx(1, 2)),
            ctrl(GateOp::rotation(Gate::Ry, Angle::input("a"), 2)),
            ctrl(GateOp::cx(1, 2)),
        ])
        .unwrap();
        let (out, uncontrolled) = run_uncontrol_conjugations(&c);
        assert_eq!(uncontrolled, 2);
        let text: Vec<String> = out.gates().map(|g| g.to_string()).collect();
        assert_eq!(
            text,
            ["cx q[1], q[2]", "cry(a) q[0], q[2]", "cx q[1], q[2]"]
        );
        assert_eq!(CircuitStats::of(&out).two_qubit_gates, 4);
    }
}
