//! Translation of a routed circuit into a target's native gates.
//!
//! The circuit is first written with `cx` and one-qubit gates. Each `cx` becomes the set's
//! two-qubit gate with one-qubit gates around it:
//! - `cz`: cx = H_b·cz·H_b;
//! - `ecr`: cx ∝ Rz_a(π/2)·Rx_b(π/2)·ecr·X_a;
//! - `ms`: cx ∝ Rz_a(π/2)·Rx_b(π/2)·H_a·ms(π, 0, π/2)·H_a (ms(π, 0, π/2) = exp(iπ/4·X⊗X));
//! - a `cx`/`ecr` on a pair the device only couples the other way round: cx(a, b) =
//!   (H⊗H)·cx(b, a)·(H⊗H).
//!
//! Between two-qubit gates, each qubit's run of one-qubit gates is merged: a run of constant
//! gates into one 2×2 unitary U = Rz(α)·Rx(θ)·Rz(β) ([`super::euler`]), which is one rotation
//! about an axis in the XY plane, prx(θ, −β), followed by Rz(α + β). Z rotations are not
//! applied but carried forward as a *frame* (virtual Z): a later rotation absorbs it into its
//! phase, `cz` commutes with it, `ms` absorbs it into its phases (ms(φ₀, φ₁)·Rz_a(z) =
//! Rz_a(z)·ms(φ₀ − z, φ₁)), `cx`/`ecr` targets flush it as an `rz`, and a measurement or the end
//! of the program drops it (a Z rotation before a Z-basis measurement changes no outcome). The
//! XY-plane rotation is then written in the set's gates: `prx` as it is; `gpi2(φ)` for θ = π/2,
//! `gpi(φ)` for θ = π, two `gpi2` otherwise; `rz·sx·rz` (`rz·rx(π/2)·rz` on Rigetti) for
//! θ = π/2, `x` for θ = π, two `sx` otherwise. Rotations by an input-dependent angle are
//! written the same way with affine phases, so programs keep their `input` parameters.
//!
//! The result has the input's output distribution for every binding (its unitary may differ
//! by Z rotations just before measurements and at the end).

use super::euler::{multiply, zxz};
use super::native::{NativeCircuit, NativeGate, NativeInstruction, NativeOp};
use super::{NativeSet, Target};
use crate::ir::{Angle, Circuit, Gate, GateOp, Instruction, Matrix2};
use crate::opt::{Basis, run_decompose};
use std::f64::consts::{FRAC_PI_2, PI};

/// Angles closer than this to a special value count as equal to it.
const EPS: f64 = 1e-10;

/// `circuit` (on the target's physical qubits, two-qubit gates on coupled pairs) in the
/// target's native gates. Errors when the target has no native set or a two-qubit gate sits on
/// an uncoupled pair.
pub fn translate(circuit: &Circuit, target: &Target) -> Result<NativeCircuit, String> {
    let set = target
        .native
        .ok_or_else(|| format!("the device `{}` lists no native gate set", target.name))?;
    let lowered = run_decompose(circuit, Basis::CxAndSingleQubit);
    let mut t = Translator {
        set,
        runs: vec![Vec::new(); lowered.num_qubits()],
        frame: vec![Angle::constant(0.0); lowered.num_qubits()],
        out: Vec::new(),
    };
    for instruction in lowered.instructions() {
        match instruction {
            Instruction::Gate(op) if op.num_qubits() == 1 => t.runs[op.targets[0]].push(op.clone()),
            Instruction::Gate(op) => {
                let (a, b) = match (&op.controls[..], &op.targets[..]) {
                    ([c], [b]) if op.gate == Gate::X && c.on_one => (c.qubit, *b),
                    _ => return Err(format!("cannot translate `{}`", op.kind_name())),
                };
                if !target.map.coupled(a, b) {
                    return Err(format!(
                        "a two-qubit gate on ({a}, {b}), which `{}` does not couple; route first",
                        target.name
                    ));
                }
                let directed = matches!(set.entangler(), NativeGate::Cx | NativeGate::Ecr);
                if directed && !target.allows(a, b) {
                    t.hadamards(a, b);
                    t.cx(b, a);
                    t.hadamards(a, b);
                } else {
                    t.cx(a, b);
                }
            }
            Instruction::Measure { qubit, clbit } => {
                t.flush(*qubit);
                t.frame[*qubit] = Angle::constant(0.0);
                t.out.push(NativeInstruction::Measure {
                    qubit: *qubit,
                    clbit: *clbit,
                });
            }
            Instruction::Reset(q) => {
                t.flush(*q);
                t.frame[*q] = Angle::constant(0.0);
                t.out.push(NativeInstruction::Reset(*q));
            }
            Instruction::Barrier(qubits) => {
                for &q in qubits {
                    t.flush(q);
                }
                t.out.push(NativeInstruction::Barrier(qubits.clone()));
            }
        }
    }
    for q in 0..lowered.num_qubits() {
        t.flush(q);
    }
    Ok(NativeCircuit {
        num_qubits: lowered.num_qubits(),
        num_clbits: lowered.num_clbits(),
        inputs: lowered.inputs().to_vec(),
        instructions: t.out,
    })
}

struct Translator {
    set: NativeSet,
    /// Pending one-qubit gates per qubit, in time order.
    runs: Vec<Vec<GateOp>>,
    /// Z rotation per qubit that the emitted program still owes (applied after it).
    frame: Vec<Angle>,
    out: Vec<NativeInstruction>,
}

fn c(value: f64) -> Angle {
    Angle::constant(value)
}

impl Translator {
    fn push_1q(&mut self, gate: Gate, angle: Option<f64>, q: usize) {
        self.runs[q].push(match angle {
            Some(theta) => GateOp::rotation(gate, c(theta), q),
            None => GateOp::fixed(gate, &[q]),
        });
    }

    fn hadamards(&mut self, a: usize, b: usize) {
        self.push_1q(Gate::H, None, a);
        self.push_1q(Gate::H, None, b);
    }

    fn emit(&mut self, op: NativeOp) {
        self.out.push(NativeInstruction::Gate(op));
    }

    /// cx(a, b) on a pair the native two-qubit gate may take in this direction.
    fn cx(&mut self, a: usize, b: usize) {
        match self.set.entangler() {
            NativeGate::Cx => {
                self.flush_to_rz(a);
                self.flush_to_rz(b);
                self.emit(NativeOp::fixed(NativeGate::Cx, &[a, b]));
            }
            NativeGate::Cz => {
                self.push_1q(Gate::H, None, b);
                self.flush(a);
                self.flush(b);
                self.emit(NativeOp::fixed(NativeGate::Cz, &[a, b]));
                self.push_1q(Gate::H, None, b);
            }
            NativeGate::Ecr => {
                self.push_1q(Gate::X, None, a);
                self.flush_to_rz(a);
                self.flush_to_rz(b);
                self.emit(NativeOp::fixed(NativeGate::Ecr, &[a, b]));
                self.push_1q(Gate::Rz, Some(FRAC_PI_2), a);
                self.push_1q(Gate::Rx, Some(FRAC_PI_2), b);
            }
            _ => {
                self.push_1q(Gate::H, None, a);
                self.flush(a);
                self.flush(b);
                let phases = vec![
                    c(PI).add(&self.frame[a].neg()),
                    self.frame[b].neg(),
                    c(FRAC_PI_2),
                ];
                self.emit(NativeOp::with(NativeGate::Ms, &[a, b], phases));
                self.push_1q(Gate::H, None, a);
                self.push_1q(Gate::Rz, Some(FRAC_PI_2), a);
                self.push_1q(Gate::Rx, Some(FRAC_PI_2), b);
            }
        }
    }

    /// Flushes `q`'s run and writes its frame as an explicit `rz` (IBM's sets only).
    fn flush_to_rz(&mut self, q: usize) {
        self.flush(q);
        let z = std::mem::replace(&mut self.frame[q], c(0.0));
        if let Some(z) = nonzero(&z) {
            self.emit(NativeOp::with(NativeGate::Rz, &[q], vec![z]));
        }
    }

    /// Writes `q`'s pending one-qubit gates as native gates and a new frame.
    fn flush(&mut self, q: usize) {
        let run = std::mem::take(&mut self.runs[q]);
        let mut constant: Option<Matrix2> = None;
        for op in run {
            match &op.angle {
                Some(angle) if !angle.is_constant() => {
                    if let Some(u) = constant.take() {
                        self.unitary(&u, q);
                    }
                    self.symbolic(op.gate, angle.clone(), q);
                }
                _ => {
                    let theta = op.angle.as_ref().map_or(0.0, Angle::constant_part);
                    let m = op
                        .gate
                        .matrix(theta)
                        .expect("one-qubit gates have a matrix");
                    constant = Some(match constant {
                        None => m,
                        Some(u) => multiply(&m, &u),
                    });
                }
            }
        }
        if let Some(u) = constant {
            self.unitary(&u, q);
        }
    }

    /// A constant unitary `u` applied after what was emitted and the frame.
    fn unitary(&mut self, u: &Matrix2, q: usize) {
        // u·Rz(z) = Rz(α)·Rx(θ)·Rz(β + z) = Rz(α + β + z)·prx(θ, −β − z).
        let (alpha, theta, beta) = zxz(u);
        let z = self.frame[q].clone();
        let phi = c(-beta).add(&z.neg());
        self.frame[q] = z.add(&c(alpha + beta));
        self.rotation(c(theta), phi, q);
    }

    /// A rotation by an input-dependent angle after what was emitted and the frame.
    fn symbolic(&mut self, gate: Gate, angle: Angle, q: usize) {
        let z = self.frame[q].clone();
        match gate {
            // Rx(a)·Rz(z) = Rz(z)·prx(a, −z); Ry(a)·Rz(z) = Rz(z)·prx(a, π/2 − z).
            Gate::Rx => self.rotation(angle, z.neg(), q),
            Gate::Ry => self.rotation(angle, c(FRAC_PI_2).add(&z.neg()), q),
            // Rz and P (equal up to a global phase) join the frame.
            _ => self.frame[q] = z.add(&angle),
        }
    }

    /// prx(θ, φ) = Rz(φ)·Rx(θ)·Rz(−φ) in the set's gates; a trailing Z rotation joins the frame.
    fn rotation(&mut self, theta: Angle, phi: Angle, q: usize) {
        let special = special(&theta);
        if special == Some(Special::Zero) {
            return;
        }
        let one = |s: &mut Self, gate: NativeGate, params: Vec<Angle>| {
            s.emit(NativeOp::with(gate, &[q], params))
        };
        let mut delta = c(0.0);
        match (self.set, special) {
            (NativeSet::Iqm, _) => one(self, NativeGate::Prx, vec![theta, phi]),
            (NativeSet::Ionq, Some(Special::Quarter)) => one(self, NativeGate::Gpi2, vec![phi]),
            (NativeSet::Ionq, Some(Special::MinusQuarter)) => {
                one(self, NativeGate::Gpi2, vec![phi.add(&c(PI))])
            }
            // prx(π, φ) = −i·gpi(φ).
            (NativeSet::Ionq, Some(_)) => one(self, NativeGate::Gpi, vec![phi]),
            (NativeSet::Ionq, None) => {
                // prx(θ, φ) = Rz(θ)·gpi2(π/2 − θ + φ)·gpi2(3π/2 + φ).
                one(self, NativeGate::Gpi2, vec![phi.add(&c(1.5 * PI))]);
                let second = phi.add(&theta.neg()).add(&c(FRAC_PI_2));
                one(self, NativeGate::Gpi2, vec![second]);
                delta = theta;
            }
            (set, special) => {
                // IBM and Rigetti: rz, with sx or rx(±π/2) for the X-axis rotations.
                let rigetti = set == NativeSet::Rigetti;
                let quarter = |s: &mut Self, sign: f64| {
                    if rigetti {
                        one(s, NativeGate::Rx, vec![c(sign * FRAC_PI_2)]);
                    } else {
                        one(s, NativeGate::Sx, Vec::new());
                    }
                };
                let rz = |s: &mut Self, angle: Angle| {
                    if let Some(angle) = nonzero(&angle) {
                        one(s, NativeGate::Rz, vec![angle]);
                    }
                };
                match special {
                    Some(Special::Quarter) => {
                        rz(self, phi.neg());
                        quarter(self, 1.0);
                        delta = phi;
                    }
                    Some(Special::MinusQuarter) if rigetti => {
                        rz(self, phi.neg());
                        quarter(self, -1.0);
                        delta = phi;
                    }
                    Some(Special::MinusQuarter) => {
                        // prx(−π/2, φ) = prx(π/2, φ + π).
                        let phi = phi.add(&c(PI));
                        rz(self, phi.neg());
                        quarter(self, 1.0);
                        delta = phi;
                    }
                    Some(Special::Half) => {
                        // prx(π, φ) = Rz(2φ)·X, X ∝ Rx(π/2)².
                        if rigetti {
                            quarter(self, 1.0);
                            quarter(self, 1.0);
                        } else {
                            one(self, NativeGate::X, Vec::new());
                        }
                        delta = phi.scale(2.0);
                    }
                    _ => {
                        // Rx(θ) ∝ Rz(π/2)·Rx(π/2)·Rz(θ + π)·Rx(π/2)·Rz(π/2).
                        rz(self, c(FRAC_PI_2).add(&phi.neg()));
                        quarter(self, 1.0);
                        rz(self, theta.add(&c(PI)));
                        quarter(self, 1.0);
                        delta = phi.add(&c(FRAC_PI_2));
                    }
                }
            }
        }
        self.frame[q] = self.frame[q].add(&delta);
    }
}

/// Rotation angles with a cheaper native form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Special {
    Zero,
    Quarter,
    MinusQuarter,
    Half,
}

/// Which special angle a constant `theta` is (modulo 2π).
fn special(theta: &Angle) -> Option<Special> {
    if !theta.is_constant() {
        return None;
    }
    let t = wrap(theta.constant_part());
    let near = |x: f64| (t - x).abs() < EPS;
    if near(0.0) {
        Some(Special::Zero)
    } else if near(FRAC_PI_2) {
        Some(Special::Quarter)
    } else if near(-FRAC_PI_2) {
        Some(Special::MinusQuarter)
    } else if near(PI) || near(-PI) {
        Some(Special::Half)
    } else {
        None
    }
}

/// `angle` with its constant part wrapped into (−π, π]; `None` when that leaves zero.
fn nonzero(angle: &Angle) -> Option<Angle> {
    let constant = angle.constant_part();
    let wrapped = angle.add(&c(wrap(constant) - constant));
    (!(wrapped.is_constant() && wrapped.constant_part().abs() < EPS)).then_some(wrapped)
}

/// `x` wrapped into [−π, π).
fn wrap(x: f64) -> f64 {
    (x + PI).rem_euclid(2.0 * PI) - PI
}
