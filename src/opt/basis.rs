//! Decomposition of controlled gates into CNOTs and one-qubit gates, with the cheapest standard
//! constructions (exact, global phase included):
//! - cz: H·CX·H; cy: Sdg·CX·S; ch: S·H·T·CX·Tdg·H·Sdg (1 CNOT each);
//! - crz, cry: R(θ/2)·CX·R(−θ/2)·CX; crx: H·crz·H; cp: P(θ/2) on the control and
//!   P(θ/2)·CX·P(−θ/2)·CX on the target (2 CNOTs each);
//! - controlled s/sdg/t/tdg as cp; swap: 3 CNOTs; ccx: the 6-CNOT Clifford+T circuit;
//!   cswap: CX·ccx·CX with the first CX and the first CNOT of ccx merged into one (7 CNOTs, see
//!   [`cswap`]); more controls on swap: CX·C^k X·CX;
//! - negative controls: X before and after.
//!
//! - more controls: Barenco et al.'s recursion (Lemma 7.5, no ancillas), C^k(G) =
//!   C(V)·C^{k−1}X·C(V†)·C^{k−1}X·C^{k−1}(V) with V² = G.
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

/// The same gate with other controls (all positive).
fn with_controls(op: &GateOp, controls: &[usize]) -> GateOp {
    GateOp {
        controls: controls.iter().map(|&q| Control::on(q)).collect(),
        ..op.clone()
    }
}

/// `gate` (one-qubit, angle `angle`) on `target` under positive `controls`.
fn controlled(gate: Gate, angle: Option<Angle>, controls: &[usize], target: usize) -> GateOp {
    GateOp {
        gate,
        angle,
        controls: controls.iter().map(|&q| Control::on(q)).collect(),
        targets: vec![target],
    }
}

/// Decomposes every gate of `gates` and concatenates the results.
fn decompose_all(gates: Vec<GateOp>) -> Vec<GateOp> {
    gates.iter().flat_map(decompose_positive).collect()
}

/// cx-basis gates of a gate whose controls are all positive. Every gate reduces to a controlled
/// X, Ry, Rz or phase by conjugating its target with uncontrolled one-qubit gates
/// (ctrl(W·G·W†) = W·ctrl(G)·W†); those follow the standard 1- and 2-control circuits, and more
/// controls use Barenco et al.'s Lemma 7.5 recursion with V² = G.
fn decompose_positive(op: &GateOp) -> Vec<GateOp> {
    let controls: Vec<usize> = op.controls.iter().map(|c| c.qubit).collect();
    let t = op.targets[0];
    let half = |a: &Angle| a.scale(0.5);
    let phase = |theta: f64| Some(Angle::constant(theta));
    let conjugate = |before: GateOp, inner: GateOp, after: GateOp| {
        let mut gates = vec![before];
        gates.extend(decompose_positive(&inner));
        gates.push(after);
        gates
    };
    if controls.is_empty() {
        return match op.gate {
            Gate::Swap => {
                let b = op.targets[1];
                vec![GateOp::cx(t, b), GateOp::cx(b, t), GateOp::cx(t, b)]
            }
            _ => vec![op.clone()],
        };
    }
    match op.gate {
        Gate::Swap if controls.len() == 1 => cswap(controls[0], t, op.targets[1]),
        Gate::Swap => {
            // C^k swap = CX(b→a) · C^k(CX(a→b)) · CX(b→a).
            let b = op.targets[1];
            let mut inner = controls.clone();
            inner.push(t);
            let mut gates = vec![GateOp::cx(b, t)];
            gates.extend(decompose_positive(&controlled(Gate::X, None, &inner, b)));
            gates.push(GateOp::cx(b, t));
            gates
        }
        Gate::Y => conjugate(
            one(Gate::Sdg, t),
            controlled(Gate::X, None, &controls, t),
            one(Gate::S, t),
        ),
        Gate::Z if controls.len() <= 2 => conjugate(
            one(Gate::H, t),
            controlled(Gate::X, None, &controls, t),
            one(Gate::H, t),
        ),
        Gate::H if controls.len() == 1 => vec![
            one(Gate::S, t),
            one(Gate::H, t),
            one(Gate::T, t),
            GateOp::cx(controls[0], t),
            one(Gate::Tdg, t),
            one(Gate::H, t),
            one(Gate::Sdg, t),
        ],
        // H = Ry(π/4)·Z·Ry(−π/4).
        Gate::H => conjugate(
            rot(Gate::Ry, Angle::constant(-FRAC_PI_4), t),
            controlled(Gate::Z, None, &controls, t),
            rot(Gate::Ry, Angle::constant(FRAC_PI_4), t),
        ),
        Gate::Rx => conjugate(
            one(Gate::H, t),
            with_controls(
                &rot(Gate::Rz, op.angle.clone().expect("angle"), t),
                &controls,
            ),
            one(Gate::H, t),
        ),
        Gate::Sx | Gate::Sxdg => {
            let s = if op.gate == Gate::Sx {
                Gate::S
            } else {
                Gate::Sdg
            };
            conjugate(
                one(Gate::H, t),
                controlled(s, None, &controls, t),
                one(Gate::H, t),
            )
        }
        Gate::S | Gate::Sdg | Gate::T | Gate::Tdg | Gate::Z => {
            let theta = match op.gate {
                Gate::S => FRAC_PI_2,
                Gate::Sdg => -FRAC_PI_2,
                Gate::T => FRAC_PI_4,
                Gate::Tdg => -FRAC_PI_4,
                _ => std::f64::consts::PI,
            };
            decompose_positive(&controlled(Gate::P, phase(theta), &controls, t))
        }
        Gate::X if controls.len() == 1 => vec![GateOp::cx(controls[0], t)],
        Gate::X if controls.len() == 2 => ccx(controls[0], controls[1], t),
        Gate::Ry | Gate::Rz if controls.len() == 1 => {
            let theta = op.angle.as_ref().expect("rotations have an angle");
            vec![
                rot(op.gate, half(theta), t),
                GateOp::cx(controls[0], t),
                rot(op.gate, half(theta).neg(), t),
                GateOp::cx(controls[0], t),
            ]
        }
        Gate::P if controls.len() == 1 => {
            let theta = op.angle.as_ref().expect("p has an angle");
            let c = controls[0];
            vec![
                rot(Gate::P, half(theta), c),
                rot(Gate::P, half(theta), t),
                GateOp::cx(c, t),
                rot(Gate::P, half(theta).neg(), t),
                GateOp::cx(c, t),
            ]
        }
        // k ≥ 2 controls on X (k ≥ 3), Ry, Rz or P: C^k(G) = C_last(V) · C^{k−1}X(→last) ·
        // C_last(V†) · C^{k−1}X(→last) · C^{k−1}(V), with V² = G.
        gate => {
            let (last, rest) = controls.split_last().expect("at least two controls");
            let (v, v_dagger) = match gate {
                Gate::X => (
                    controlled(Gate::Sx, None, &[*last], t),
                    controlled(Gate::Sxdg, None, &[*last], t),
                ),
                _ => {
                    let theta = half(op.angle.as_ref().expect("rotations have an angle"));
                    (
                        controlled(gate, Some(theta.clone()), &[*last], t),
                        controlled(gate, Some(theta.neg()), &[*last], t),
                    )
                }
            };
            let fan = controlled(Gate::X, None, rest, *last);
            let rest_v = with_controls(&v, rest);
            decompose_all(vec![v, fan.clone(), v_dagger, fan, rest_v])
        }
    }
}

/// cswap(c; a, b) in 7 CNOTs, exact (global phase included).
///
/// cswap = CX(b→a) · ccx(c, a → b) · CX(b→a) in time order, and the 6-CNOT ccx starts with
/// H_b · CX(a→b). The first three gates, CX(b→a) · H_b · CX(a→b), act on (a, b) alone and are
/// one CNOT between local Cliffords: Sdg_a · S_b · CX(b→a) · S_a · H_b. The rest is ccx's own
/// circuit after its first CNOT, then CX(b→a): 1 + 5 + 1 CNOTs instead of 8.
fn cswap(c: usize, a: usize, b: usize) -> Vec<GateOp> {
    // CX(b→a) · H_b · CX(a→b), as one CNOT.
    let opening = [
        one(Gate::Sdg, a),
        one(Gate::S, b),
        GateOp::cx(b, a),
        one(Gate::S, a),
        one(Gate::H, b),
    ];
    // ccx(c, a → b) after its opening H_b · CX(a→b), then the closing CX(b→a).
    let rest = ccx(c, a, b).into_iter().skip(2);
    opening
        .into_iter()
        .chain(rest)
        .chain([GateOp::cx(b, a)])
        .collect()
}

/// ccx(a, b → c) in 6 CNOTs (the standard Clifford+T circuit), exact; it opens with
/// H_c · CX(b→c).
fn ccx(a: usize, b: usize, c: usize) -> Vec<GateOp> {
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

/// Decomposes one gate.
pub fn decompose_gate(op: &GateOp, basis: Basis) -> Vec<GateOp> {
    if basis == Basis::CxAndSingleQubit && op.controls.iter().all(|c| c.on_one) {
        return decompose_positive(op);
    }
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
    gates.extend(decompose_positive(&positive));
    gates.extend(negative.iter().map(|&q| one(Gate::X, q)));
    if basis == Basis::CxAndSingleQubit {
        return gates;
    }
    gates.into_iter().flat_map(|g| to_ibm(g, basis)).collect()
}

/// Decomposes every gate of `circuit` into `basis`.
pub fn run_decompose(circuit: &Circuit, basis: Basis) -> Circuit {
    decompose_owned(circuit.clone(), basis)
}

/// Whether `decompose_gate(op, Basis::CxAndSingleQubit)` is `op` itself: an uncontrolled
/// one-qubit gate or a `cx`.
fn in_cx_basis(op: &GateOp) -> bool {
    match op.controls.as_slice() {
        [] => op.gate != Gate::Swap,
        [control] => control.on_one && op.gate == Gate::X,
        _ => false,
    }
}

/// [`run_decompose`] taking the circuit: gates already in the basis are moved, not rebuilt.
pub(super) fn decompose_owned(circuit: Circuit, basis: Basis) -> Circuit {
    let (template, old) = circuit.into_parts();
    let mut instructions = Vec::with_capacity(old.len());
    for instruction in old {
        match instruction {
            Instruction::Gate(op) if basis == Basis::CxAndSingleQubit && in_cx_basis(&op) => {
                instructions.push(Instruction::Gate(op))
            }
            Instruction::Gate(op) => instructions.extend(
                decompose_gate(&op, basis)
                    .into_iter()
                    .map(Instruction::Gate),
            ),
            other => instructions.push(other),
        }
    }
    template.filled(instructions)
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
                let gates = decompose_gate(&op, Basis::IbmCz);
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

    /// The final state of `gates` on `n` qubits from basis state `index` (bit q = qubit q).
    fn run(gates: &[GateOp], n: usize, index: usize) -> Vec<Complex64> {
        use crate::sim::{Amplitude, Program};
        let mut circuit = Circuit::new(n, 0);
        for q in (0..n).filter(|q| index >> q & 1 == 1) {
            circuit.push_gate(one(Gate::X, q)).unwrap();
        }
        circuit.extend_gates(gates.to_vec()).unwrap();
        let program = Program::compile(&circuit, Amplitude::Complex).unwrap();
        program.run(&[]).unwrap().to_complex()
    }

    #[test]
    fn cswap_is_seven_cnots_and_exactly_the_permutation_on_every_basis_state() {
        // Control, then the swapped pair, on scattered qubits of a 4-qubit register.
        for (c, a, b) in [(0, 1, 2), (2, 3, 0), (3, 0, 1)] {
            let op = GateOp::fixed(Gate::Swap, &[a, b]).controlled_by(Control::on(c));
            let gates = decompose_gate(&op, Basis::CxAndSingleQubit);
            let cnots = gates.iter().filter(|g| !g.controls.is_empty()).count();
            assert_eq!((cnots, op.cx_cost()), (7, 7));
            assert!(
                gates
                    .iter()
                    .all(|g| g.controls.len() <= 1 && g.gate != Gate::Swap)
            );
            for index in 0..16 {
                let bit = |q: usize| index >> q & 1;
                let swapped = if bit(c) == 1 && bit(a) != bit(b) {
                    index ^ (1 << a) ^ (1 << b)
                } else {
                    index
                };
                let state = run(&gates, 4, index);
                for (k, amplitude) in state.iter().enumerate() {
                    let want = if k == swapped { 1.0 } else { 0.0 };
                    assert!(
                        (amplitude - Complex64::new(want, 0.0)).norm() < 1e-12,
                        "cswap({c}; {a}, {b}) on |{index:04b}>: amplitude {amplitude} at {k}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_fast_path_keeps_exactly_the_gates_decomposition_keeps() {
        for gate in Gate::ALL {
            let base = match gate {
                Gate::Swap => GateOp::fixed(gate, &[1, 2]),
                g if g.is_rotation() => GateOp::rotation(g, Angle::input("a"), 1),
                g => GateOp::fixed(g, &[1]),
            };
            let ops = [
                base.clone(),
                base.clone().controlled_by(Control::on(0)),
                base.clone().controlled_by(Control::on_zero(0)),
                base.clone()
                    .controlled_by(Control::on(0))
                    .controlled_by(Control::on(3)),
            ];
            for op in ops {
                let kept = decompose_gate(&op, Basis::CxAndSingleQubit) == [op.clone()];
                assert_eq!(in_cx_basis(&op), kept, "{op}");
            }
        }
    }

    #[test]
    fn ibm_bases_use_only_their_entangler() {
        let cry = GateOp::rotation(Gate::Ry, Angle::input("a"), 1).controlled_by(Control::on(0));
        let ccx = GateOp::cx(1, 2).controlled_by(Control::on_zero(0));
        for (basis, entangler) in [(Basis::IbmCx, Gate::X), (Basis::IbmCz, Gate::Z)] {
            for op in [&cry, &ccx] {
                for g in decompose_gate(op, basis) {
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
