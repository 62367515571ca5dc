//! The gates every program may call without defining them: OpenQASM 3's built-ins `U` and
//! `gphase`, the `stdgates.inc` library (with its OpenQASM 2 compatibility names) and the
//! Braket spellings `cnot` and `ccnot`. Each maps to IR gates exactly, global phase included,
//! because a global phase becomes a relative one under `ctrl @`.

use super::lower::Op;
use crate::ir::{Angle, Control, Gate, GateOp};
use std::f64::consts::FRAC_PI_2;

/// How a standard gate lowers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Standard {
    /// An IR base gate with `controls` leading control qubits (`cx` = X with one control).
    Base {
        /// The base gate.
        gate: Gate,
        /// Leading control operands.
        controls: usize,
    },
    /// `id`: no operation.
    Id,
    /// `U(θ, φ, λ)`, `u3`, `u`: the OpenQASM 3 `U` matrix.
    U3,
    /// `u2(φ, λ)` = `U(π/2, φ, λ)`.
    U2,
    /// `cu(θ, φ, λ, γ)`: `p(γ)` on the control, then `ctrl @ U(θ, φ, λ)`.
    Cu,
    /// `gphase(θ)`: a global phase e^{iθ}.
    GPhase,
}

/// The standard gate called `name`, if there is one.
pub(super) fn lookup(name: &str) -> Option<Standard> {
    let base = |gate, controls| Some(Standard::Base { gate, controls });
    match name {
        "U" | "u3" | "u" => Some(Standard::U3),
        "u2" => Some(Standard::U2),
        "cu" => Some(Standard::Cu),
        "gphase" => Some(Standard::GPhase),
        "id" => Some(Standard::Id),
        "u1" | "phase" => base(Gate::P, 0),
        "cphase" => base(Gate::P, 1),
        "CX" | "cnot" => base(Gate::X, 1),
        "ccnot" => base(Gate::X, 2),
        _ => {
            if let Some(gate) = Gate::ALL.into_iter().find(|g| g.name() == name) {
                return base(gate, 0);
            }
            let controlled = [
                ("cx", Gate::X, 1),
                ("cy", Gate::Y, 1),
                ("cz", Gate::Z, 1),
                ("ch", Gate::H, 1),
                ("crx", Gate::Rx, 1),
                ("cry", Gate::Ry, 1),
                ("crz", Gate::Rz, 1),
                ("cp", Gate::P, 1),
                ("cswap", Gate::Swap, 1),
                ("ccx", Gate::X, 2),
            ];
            controlled
                .into_iter()
                .find(|(n, _, _)| *n == name)
                .and_then(|(_, gate, controls)| base(gate, controls))
        }
    }
}

/// True for the built-ins that no program may redefine.
pub(super) fn is_builtin(name: &str) -> bool {
    matches!(name, "U" | "gphase")
}

/// The gates that `stdgates.inc` defines: the only names, besides the built-ins, that a program
/// including it may not redefine. Every other name qattnc knows (`sxdg`, `cnot`, …) may be
/// defined by the program and then means its definition.
const STDGATES: [&str; 34] = [
    "p", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "sx", "rx", "ry", "rz", "cx", "cy", "cz",
    "cp", "crx", "cry", "crz", "ch", "swap", "ccx", "cswap", "cu", "CX", "phase", "cphase", "id",
    "u1", "u2", "u3", "U", "gphase",
];

/// True for the names of `stdgates.inc` and the built-ins `U` and `gphase`.
pub(super) fn is_stdgates(name: &str) -> bool {
    STDGATES.contains(&name)
}

impl Standard {
    /// `(angle parameters, qubit operands)`.
    pub(super) fn arity(self) -> (usize, usize) {
        match self {
            Standard::Base { gate, controls } => (gate.num_params(), controls + gate.num_targets()),
            Standard::Id => (0, 1),
            Standard::U3 => (3, 1),
            Standard::U2 => (2, 1),
            Standard::Cu => (4, 2),
            Standard::GPhase => (1, 0),
        }
    }

    /// The operations of the gate on `qubits` with angles `args` (arity already checked).
    pub(super) fn expand(self, args: &[Angle], qubits: &[usize]) -> Vec<Op> {
        match self {
            Standard::Base { gate, controls } => {
                let mut op = GateOp {
                    gate,
                    angle: args.first().cloned(),
                    controls: Vec::new(),
                    targets: qubits[controls..].to_vec(),
                };
                for &control in qubits[..controls].iter().rev() {
                    op = op.controlled_by(Control::on(control));
                }
                vec![Op::Gate(op)]
            }
            Standard::Id => Vec::new(),
            Standard::U3 => u3(&args[0], &args[1], &args[2], qubits[0]),
            Standard::U2 => u3(&Angle::constant(FRAC_PI_2), &args[0], &args[1], qubits[0]),
            Standard::Cu => {
                let (control, target) = (qubits[0], qubits[1]);
                let mut ops = vec![Op::Gate(GateOp::rotation(
                    Gate::P,
                    args[3].clone(),
                    control,
                ))];
                ops.extend(super::lower::attach_controls(
                    u3(&args[0], &args[1], &args[2], target),
                    &[Control::on(control)],
                ));
                ops
            }
            Standard::GPhase => vec![Op::Phase(args[0].clone())],
        }
    }
}

/// U(θ, φ, λ) = e^{i(φ+λ)/2} Rz(φ) Ry(θ) Rz(λ), in time order.
fn u3(theta: &Angle, phi: &Angle, lambda: &Angle, qubit: usize) -> Vec<Op> {
    vec![
        Op::Gate(GateOp::rotation(Gate::Rz, lambda.clone(), qubit)),
        Op::Gate(GateOp::rotation(Gate::Ry, theta.clone(), qubit)),
        Op::Gate(GateOp::rotation(Gate::Rz, phi.clone(), qubit)),
        Op::Phase(phi.add(lambda).scale(0.5)),
    ]
}
