//! Decomposition of controlled gates into CNOTs and one-qubit gates, with the cheapest standard
//! constructions (exact, global phase included):
//! - cz: H·CX·H; cy: Sdg·CX·S; ch: S·H·T·CX·Tdg·H·Sdg (1 CNOT each);
//! - crz, cry: R(θ/2)·CX·R(−θ/2)·CX; crx: H·crz·H; cp: P(θ/2) on the control and
//!   P(θ/2)·CX·P(−θ/2)·CX on the target (2 CNOTs each);
//! - controlled s/sdg/t/tdg as cp; swap: 3 CNOTs; ccx: the 6-CNOT Clifford+T circuit;
//!   cswap: CX·ccx·CX;
//! - negative controls: X before and after.
//!
//! Gates with more controls than these are refused with a message naming them.

use crate::ir::{Angle, Circuit, Control, Gate, GateOp, Instruction};
use std::f64::consts::{FRAC_PI_2, FRAC_PI_4};

/// The target gate set of a decomposition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// `cx` and any one-qubit gate.
    CxAndSingleQubit,
}

impl std::fmt::Display for Basis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Basis::CxAndSingleQubit => f.write_str("cx"),
        }
    }
}

impl std::str::FromStr for Basis {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cx" | "cx+1q" => Ok(Basis::CxAndSingleQubit),
            other => Err(format!("unknown basis `{other}`; expected `cx`")),
        }
    }
}

/// A gate the decomposition does not handle.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("cannot decompose `{0}` into cx and one-qubit gates (more than two controls)")]
pub struct UnsupportedGate(pub String);

fn one(gate: Gate, q: usize) -> GateOp {
    GateOp::fixed(gate, &[q])
}

fn rot(gate: Gate, angle: Angle, q: usize) -> GateOp {
    GateOp::rotation(gate, angle, q)
}

/// cx-basis gates of a gate whose controls are all positive.
fn decompose_positive(op: &GateOp) -> Result<Vec<GateOp>, UnsupportedGate> {
    let controls: Vec<usize> = op.controls.iter().map(|c| c.qubit).collect();
    let half = |a: &Angle| a.scale(0.5);
    let phase = |theta: f64| Angle::constant(theta);
    Ok(match (controls.as_slice(), op.gate) {
        ([], Gate::Swap) => {
            let (a, b) = (op.targets[0], op.targets[1]);
            vec![GateOp::cx(a, b), GateOp::cx(b, a), GateOp::cx(a, b)]
        }
        ([], _) => vec![op.clone()],
        ([c], Gate::X) => vec![GateOp::cx(*c, op.targets[0])],
        ([c], gate) => {
            let (c, t) = (*c, op.targets[0]);
            match gate {
                Gate::Z => vec![one(Gate::H, t), GateOp::cx(c, t), one(Gate::H, t)],
                Gate::Y => vec![one(Gate::Sdg, t), GateOp::cx(c, t), one(Gate::S, t)],
                Gate::H => vec![
                    one(Gate::S, t),
                    one(Gate::H, t),
                    one(Gate::T, t),
                    GateOp::cx(c, t),
                    one(Gate::Tdg, t),
                    one(Gate::H, t),
                    one(Gate::Sdg, t),
                ],
                Gate::Ry | Gate::Rz => {
                    let theta = op.angle.as_ref().expect("rotations have an angle");
                    vec![
                        rot(gate, half(theta), t),
                        GateOp::cx(c, t),
                        rot(gate, half(theta).neg(), t),
                        GateOp::cx(c, t),
                    ]
                }
                Gate::Rx => {
                    let crz = GateOp::rotation(Gate::Rz, op.angle.clone().expect("angle"), t)
                        .controlled_by(Control::on(c));
                    let mut gates = vec![one(Gate::H, t)];
                    gates.extend(decompose_positive(&crz)?);
                    gates.push(one(Gate::H, t));
                    gates
                }
                Gate::P | Gate::S | Gate::Sdg | Gate::T | Gate::Tdg => {
                    let theta = match gate {
                        Gate::S => phase(FRAC_PI_2),
                        Gate::Sdg => phase(-FRAC_PI_2),
                        Gate::T => phase(FRAC_PI_4),
                        Gate::Tdg => phase(-FRAC_PI_4),
                        _ => op.angle.clone().expect("p has an angle"),
                    };
                    vec![
                        rot(Gate::P, half(&theta), c),
                        rot(Gate::P, half(&theta), t),
                        GateOp::cx(c, t),
                        rot(Gate::P, half(&theta).neg(), t),
                        GateOp::cx(c, t),
                    ]
                }
                Gate::Sx | Gate::Sxdg => {
                    // √X = H·S·H, so ctrl(√X) = H·ctrl(S)·H (and likewise for the adjoint).
                    let s = if gate == Gate::Sx { Gate::S } else { Gate::Sdg };
                    let mut gates = vec![one(Gate::H, t)];
                    gates.extend(decompose_positive(
                        &one(s, t).controlled_by(Control::on(c)),
                    )?);
                    gates.push(one(Gate::H, t));
                    gates
                }
                Gate::Swap => {
                    let (a, b) = (op.targets[0], op.targets[1]);
                    let ccx = GateOp::cx(a, b).controlled_by(Control::on(c));
                    let mut gates = vec![GateOp::cx(b, a)];
                    gates.extend(decompose_positive(&ccx)?);
                    gates.push(GateOp::cx(b, a));
                    gates
                }
                Gate::X => unreachable!("handled above"),
            }
        }
        ([a, b], Gate::X) => {
            let (a, b, c) = (*a, *b, op.targets[0]);
            vec![
                one(Gate::H, c),
                GateOp::cx(b, c),
                one(Gate::Tdg, c),
                GateOp::cx(a, c),
                one(Gate::T, c),
                GateOp::cx(b, c),
                one(Gate::Tdg, c),
                GateOp::cx(a, c),
                one(Gate::T, b),
                one(Gate::T, c),
                one(Gate::H, c),
                GateOp::cx(a, b),
                one(Gate::T, a),
                one(Gate::Tdg, b),
                GateOp::cx(a, b),
            ]
        }
        _ => return Err(UnsupportedGate(op.to_string())),
    })
}

/// Decomposes one gate.
pub fn decompose_gate(op: &GateOp, _basis: Basis) -> Result<Vec<GateOp>, UnsupportedGate> {
    let negative: Vec<usize> = op
        .controls
        .iter()
        .filter(|c| !c.on_one)
        .map(|c| c.qubit)
        .collect();
    let positive = GateOp {
        controls: op.controls.iter().map(|c| Control::on(c.qubit)).collect(),
        ..op.clone()
    };
    let mut gates: Vec<GateOp> = negative.iter().map(|&q| one(Gate::X, q)).collect();
    gates.extend(decompose_positive(&positive)?);
    gates.extend(negative.iter().map(|&q| one(Gate::X, q)));
    Ok(gates)
}

/// Decomposes every gate of `circuit` into `basis`.
pub fn run_decompose(circuit: &Circuit, basis: Basis) -> Result<Circuit, UnsupportedGate> {
    let mut instructions = Vec::with_capacity(circuit.instructions().len());
    for instruction in circuit.instructions() {
        match instruction {
            Instruction::Gate(op) => instructions.extend(
                decompose_gate(op, basis)?
                    .into_iter()
                    .map(Instruction::Gate),
            ),
            other => instructions.push(other.clone()),
        }
    }
    Ok(circuit.with_instructions(instructions))
}
