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
//!
//! IBM's bases ({cx or cz, rz, sx, x}) start from the cx decomposition and then write each
//! one-qubit gate as rz/sx/x (up to a global phase, which is unobservable once no gate is
//! controlled): U3(θ, φ, λ) = Rz(φ+π)·SX·Rz(θ+π)·SX·Rz(λ); cz targets get cx = H·cz·H.

use crate::ir::{Angle, Circuit, Control, Gate, GateOp, Instruction};
use std::f64::consts::{FRAC_PI_2, FRAC_PI_4};

/// The target gate set of a decomposition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// `cx` and any one-qubit gate.
    CxAndSingleQubit,
    /// IBM's {cx, rz, sx, x}.
    IbmCx,
    /// IBM's {cz, rz, sx, x} (Heron-class devices).
    IbmCz,
}

impl Basis {
    /// Every basis, in the order the CLI lists them.
    pub const ALL: [Basis; 3] = [Basis::CxAndSingleQubit, Basis::IbmCx, Basis::IbmCz];

    /// The basis's CLI name.
    pub fn name(self) -> &'static str {
        match self {
            Basis::CxAndSingleQubit => "cx",
            Basis::IbmCx => "ibm-cx",
            Basis::IbmCz => "ibm-cz",
        }
    }
}

impl std::fmt::Display for Basis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Basis {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cx+1q" => Ok(Basis::CxAndSingleQubit),
            _ => Basis::ALL
                .into_iter()
                .find(|b| b.name() == s)
                .ok_or_else(|| format!("unknown basis `{s}`; expected `cx`, `ibm-cx` or `ibm-cz`")),
        }
    }
}

/// A gate the decomposition does not handle.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("cannot decompose `{0}` into cx and one-qubit gates (more than two controls)")]
pub struct UnsupportedGate(pub String);

/// An uncontrolled one-qubit gate as rz/sx/x, in time order (equal up to a global phase).
fn rz_sx_x(op: &GateOp) -> Vec<GateOp> {
    use std::f64::consts::PI;
    let q = op.targets[0];
    let rz = |theta: Angle| rot(Gate::Rz, theta, q);
    let c = Angle::constant;
    let sx = || one(Gate::Sx, q);
    // U3(θ, φ, λ) in time order: rz(λ), sx, rz(θ+π), sx, rz(φ+π).
    let u3 = |theta: Angle, phi: f64, lambda: f64| {
        let mut gates = Vec::new();
        if lambda != 0.0 {
            gates.push(rz(c(lambda)));
        }
        gates.extend([sx(), rz(theta.add(&c(PI))), sx(), rz(c(phi + PI))]);
        gates
    };
    let angle = || op.angle.clone().expect("rotations have an angle");
    match op.gate {
        Gate::X | Gate::Sx | Gate::Rz => vec![op.clone()],
        Gate::Z => vec![rz(c(PI))],
        Gate::S => vec![rz(c(FRAC_PI_2))],
        Gate::Sdg => vec![rz(c(-FRAC_PI_2))],
        Gate::T => vec![rz(c(FRAC_PI_4))],
        Gate::Tdg => vec![rz(c(-FRAC_PI_4))],
        Gate::P => vec![rz(angle())],
        Gate::Y => vec![rz(c(PI)), one(Gate::X, q)],
        Gate::H => vec![rz(c(FRAC_PI_2)), sx(), rz(c(FRAC_PI_2))],
        Gate::Sxdg => vec![rz(c(PI)), sx(), rz(c(PI))],
        Gate::Ry => u3(angle(), 0.0, 0.0),
        Gate::Rx => u3(angle(), -FRAC_PI_2, FRAC_PI_2),
        Gate::Swap => unreachable!("swap is decomposed into cx first"),
    }
}

/// A gate of the cx basis in one of IBM's bases.
fn to_ibm(op: GateOp, entangler: Basis) -> Vec<GateOp> {
    if op.controls.is_empty() {
        return rz_sx_x(&op);
    }
    // Only cx remains with controls after the cx decomposition.
    if entangler == Basis::IbmCx {
        return vec![op];
    }
    let t = op.targets[0];
    let h = rz_sx_x(&one(Gate::H, t));
    let cz = one(Gate::Z, t).controlled_by(op.controls[0]);
    let mut gates = h.clone();
    gates.push(cz);
    gates.extend(h);
    gates
}

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
pub fn decompose_gate(op: &GateOp, basis: Basis) -> Result<Vec<GateOp>, UnsupportedGate> {
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
    if basis == Basis::CxAndSingleQubit {
        return Ok(gates);
    }
    Ok(gates.into_iter().flat_map(|g| to_ibm(g, basis)).collect())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Matrix2;
    use num_complex::Complex64;

    fn multiply(a: &Matrix2, b: &Matrix2) -> Matrix2 {
        let mut out = [[Complex64::new(0.0, 0.0); 2]; 2];
        for (i, row) in out.iter_mut().enumerate() {
            for (j, entry) in row.iter_mut().enumerate() {
                *entry = a[i][0] * b[0][j] + a[i][1] * b[1][j];
            }
        }
        out
    }

    fn matrix(op: &GateOp) -> Matrix2 {
        let theta = op.angle.as_ref().map_or(0.0, |a| a.constant_part());
        op.gate.matrix(theta).unwrap()
    }

    /// True when `a = e^{iφ}·b` for some φ.
    fn equal_up_to_phase(a: &Matrix2, b: &Matrix2) -> bool {
        let (i, j) = if b[0][0].norm() > 0.5 { (0, 0) } else { (0, 1) };
        let phase = a[i][j] / b[i][j];
        (0..2).all(|r| (0..2).all(|c| (a[r][c] - phase * b[r][c]).norm() < 1e-12))
    }

    #[test]
    fn ibm_one_qubit_gates_are_rz_sx_x_and_equal_up_to_phase() {
        for gate in Gate::ALL.into_iter().filter(|g| *g != Gate::Swap) {
            for theta in [0.0, 0.37, -2.1, std::f64::consts::PI] {
                let op = if gate.is_rotation() {
                    GateOp::rotation(gate, Angle::constant(theta), 0)
                } else {
                    GateOp::fixed(gate, &[0])
                };
                let gates = decompose_gate(&op, Basis::IbmCz).unwrap();
                assert!(
                    gates
                        .iter()
                        .all(|g| matches!(g.gate, Gate::Rz | Gate::Sx | Gate::X)),
                    "{gate:?}"
                );
                let identity = Gate::Rz.matrix(0.0).unwrap();
                let product = gates.iter().fold(identity, |m, g| multiply(&matrix(g), &m));
                assert!(
                    equal_up_to_phase(&product, &matrix(&op)),
                    "{gate:?} at {theta}"
                );
            }
        }
    }

    #[test]
    fn ibm_bases_use_only_their_entangler() {
        let cry = GateOp::rotation(Gate::Ry, Angle::input("a"), 1).controlled_by(Control::on(0));
        let ccx = GateOp::cx(1, 2).controlled_by(Control::on_zero(0));
        for (basis, entangler) in [(Basis::IbmCx, Gate::X), (Basis::IbmCz, Gate::Z)] {
            for op in [&cry, &ccx] {
                for g in decompose_gate(op, basis).unwrap() {
                    if g.controls.is_empty() {
                        assert!(matches!(g.gate, Gate::Rz | Gate::Sx | Gate::X), "{g}");
                    } else {
                        assert_eq!((g.gate, g.controls.len()), (entangler, 1), "{g}");
                    }
                }
            }
        }
        assert_eq!("ibm-cz".parse::<Basis>(), Ok(Basis::IbmCz));
        assert!("ecr".parse::<Basis>().is_err());
    }
}
