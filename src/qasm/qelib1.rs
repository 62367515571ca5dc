//! OpenQASM 2.0's gates: the built-ins `U` and `CX`, and, after `include "qelib1.inc";`, the
//! gates of `qelib1.inc` as Qiskit ships it (the original paper's library plus `p`, `sx`, `sxdg`,
//! `swap`, `cswap`, `crx`, `cry`, `cp`, `csx`, `cu`, `u`, `u0`, `rxx`, `rzz`, `rccx`, `rc3x`,
//! `c3x`, `c3sqrtx`, `c4x`).
//!
//! OpenQASM 2.0 has no control modifiers, so a call's global phase is never observable and each
//! gate lowers to IR gates equal to its `qelib1.inc` definition up to a global phase (`rz(λ)` is
//! `u1(λ)` there, `U` has determinant 1, `sx` is `e^{-iπ/4}·√X`). The relative phases of the
//! controlled gates are exact: `cu1` = `cp`, `cu3(θ,φ,λ)` = `cu(θ,φ,λ,0)`, `crz(λ)` = controlled
//! `Rz(λ)`, `csx`/`c3sqrtx` = controlled `√X`. The relative-phase Toffolis `rccx` and `rc3x`
//! and the two-qubit rotations `rzz`, `rxx` expand to the sequences below.

use super::lower::Op;
use super::standard::Standard;
use crate::ir::{Angle, Gate};

/// One gate of a fixed sequence: the base gate, its controls, whether it takes the call's
/// angle, and which of the call's qubits it acts on (controls first).
#[derive(Clone, Copy, Debug)]
pub(super) struct Step {
    gate: Gate,
    controls: usize,
    angle: bool,
    qubits: &'static [usize],
}

const fn step(gate: Gate, controls: usize, qubits: &'static [usize]) -> Step {
    Step {
        gate,
        controls,
        angle: false,
        qubits,
    }
}

const fn rotation(gate: Gate, qubits: &'static [usize]) -> Step {
    Step {
        gate,
        controls: 0,
        angle: true,
        qubits,
    }
}

/// `rzz(θ) a, b`: exp(−iθ Z⊗Z/2) up to a global phase.
const RZZ: [Step; 3] = [
    step(Gate::X, 1, &[0, 1]),
    rotation(Gate::Rz, &[1]),
    step(Gate::X, 1, &[0, 1]),
];

/// `rxx(θ) a, b`: exp(−iθ X⊗X/2).
const RXX: [Step; 7] = [
    step(Gate::H, 0, &[0]),
    step(Gate::H, 0, &[1]),
    step(Gate::X, 1, &[0, 1]),
    rotation(Gate::Rz, &[1]),
    step(Gate::X, 1, &[0, 1]),
    step(Gate::H, 0, &[1]),
    step(Gate::H, 0, &[0]),
];

/// `rccx a, b, c`: the Margolus (relative-phase) Toffoli.
const RCCX: [Step; 9] = [
    step(Gate::H, 0, &[2]),
    step(Gate::T, 0, &[2]),
    step(Gate::X, 1, &[1, 2]),
    step(Gate::Tdg, 0, &[2]),
    step(Gate::X, 1, &[0, 2]),
    step(Gate::T, 0, &[2]),
    step(Gate::X, 1, &[1, 2]),
    step(Gate::Tdg, 0, &[2]),
    step(Gate::H, 0, &[2]),
];

/// `rc3x a, b, c, d`: the relative-phase three-controlled X.
const RC3X: [Step; 18] = [
    step(Gate::H, 0, &[3]),
    step(Gate::T, 0, &[3]),
    step(Gate::X, 1, &[2, 3]),
    step(Gate::Tdg, 0, &[3]),
    step(Gate::H, 0, &[3]),
    step(Gate::X, 1, &[0, 3]),
    step(Gate::T, 0, &[3]),
    step(Gate::X, 1, &[1, 3]),
    step(Gate::Tdg, 0, &[3]),
    step(Gate::X, 1, &[0, 3]),
    step(Gate::T, 0, &[3]),
    step(Gate::X, 1, &[1, 3]),
    step(Gate::Tdg, 0, &[3]),
    step(Gate::H, 0, &[3]),
    step(Gate::T, 0, &[3]),
    step(Gate::X, 1, &[2, 3]),
    step(Gate::Tdg, 0, &[3]),
    step(Gate::H, 0, &[3]),
];

/// How a gate of OpenQASM 2's library lowers.
#[derive(Clone, Copy, Debug)]
pub(super) enum Qelib1 {
    /// Like the OpenQASM 3 standard gate.
    Standard(Standard),
    /// `cu3(θ, φ, λ)`: `cu(θ, φ, λ, 0)`.
    Cu3,
    /// A fixed sequence with `params` angles (0 or 1) on `qubits` qubits; `u0` is empty.
    Sequence {
        /// Angle parameters.
        params: usize,
        /// Qubit operands.
        qubits: usize,
        /// The gates, in time order.
        steps: &'static [Step],
    },
}

/// The names of the original `qelib1.inc` (OpenQASM 2.0 paper), which a program that includes
/// it may not redefine; Qiskit's later additions may be defined by the program.
const ORIGINAL: [&str; 23] = [
    "u3", "u2", "u1", "cx", "id", "x", "y", "z", "h", "s", "sdg", "t", "tdg", "rx", "ry", "rz",
    "cz", "cy", "ch", "ccx", "crz", "cu1", "cu3",
];

/// True for `U` and `CX`, and for the original `qelib1.inc` names once it is included.
pub(super) fn is_reserved(name: &str, included: bool) -> bool {
    matches!(name, "U" | "CX") || (included && ORIGINAL.contains(&name))
}

/// The OpenQASM 2 gate called `name`: `U`, `CX`, and the `qelib1.inc` gates when `included`.
pub(super) fn lookup(name: &str, included: bool) -> Option<Qelib1> {
    let base = |gate, controls| Some(Qelib1::Standard(Standard::Base { gate, controls }));
    let sequence = |params, qubits, steps| {
        Some(Qelib1::Sequence {
            params,
            qubits,
            steps,
        })
    };
    match name {
        "U" => return Some(Qelib1::Standard(Standard::U3)),
        "CX" => return base(Gate::X, 1),
        _ if !included => return None,
        _ => {}
    }
    match name {
        "u3" | "u" => Some(Qelib1::Standard(Standard::U3)),
        "u2" => Some(Qelib1::Standard(Standard::U2)),
        "u1" | "p" => base(Gate::P, 0),
        "u0" => sequence(1, 1, &[]),
        "id" => Some(Qelib1::Standard(Standard::Id)),
        "cu" => Some(Qelib1::Standard(Standard::Cu)),
        "cu3" => Some(Qelib1::Cu3),
        "x" => base(Gate::X, 0),
        "y" => base(Gate::Y, 0),
        "z" => base(Gate::Z, 0),
        "h" => base(Gate::H, 0),
        "s" => base(Gate::S, 0),
        "sdg" => base(Gate::Sdg, 0),
        "t" => base(Gate::T, 0),
        "tdg" => base(Gate::Tdg, 0),
        "sx" => base(Gate::Sx, 0),
        "sxdg" => base(Gate::Sxdg, 0),
        "rx" => base(Gate::Rx, 0),
        "ry" => base(Gate::Ry, 0),
        "rz" => base(Gate::Rz, 0),
        "swap" => base(Gate::Swap, 0),
        "cx" => base(Gate::X, 1),
        "cy" => base(Gate::Y, 1),
        "cz" => base(Gate::Z, 1),
        "ch" => base(Gate::H, 1),
        "crx" => base(Gate::Rx, 1),
        "cry" => base(Gate::Ry, 1),
        "crz" => base(Gate::Rz, 1),
        "cu1" | "cp" => base(Gate::P, 1),
        "csx" => base(Gate::Sx, 1),
        "cswap" => base(Gate::Swap, 1),
        "ccx" => base(Gate::X, 2),
        "c3x" => base(Gate::X, 3),
        "c4x" => base(Gate::X, 4),
        "c3sqrtx" => base(Gate::Sx, 3),
        "rzz" => sequence(1, 2, &RZZ),
        "rxx" => sequence(1, 2, &RXX),
        "rccx" => sequence(0, 3, &RCCX),
        "rc3x" => sequence(0, 4, &RC3X),
        _ => None,
    }
}

impl Qelib1 {
    /// `(angle parameters, qubit operands)`.
    pub(super) fn arity(self) -> (usize, usize) {
        match self {
            Qelib1::Standard(gate) => gate.arity(),
            Qelib1::Cu3 => (3, 2),
            Qelib1::Sequence { params, qubits, .. } => (params, qubits),
        }
    }

    /// The operations of the gate on `qubits` with angles `args` (arity already checked).
    pub(super) fn expand(self, args: &[Angle], qubits: &[usize]) -> Vec<Op> {
        match self {
            Qelib1::Standard(gate) => gate.expand(args, qubits),
            Qelib1::Cu3 => {
                let mut cu = args.to_vec();
                cu.push(Angle::constant(0.0));
                Standard::Cu.expand(&cu, qubits)
            }
            Qelib1::Sequence { steps, .. } => steps
                .iter()
                .flat_map(|s| {
                    let angle: Vec<Angle> =
                        args.iter().take(usize::from(s.angle)).cloned().collect();
                    let on: Vec<usize> = s.qubits.iter().map(|&k| qubits[k]).collect();
                    Standard::Base {
                        gate: s.gate,
                        controls: s.controls,
                    }
                    .expand(&angle, &on)
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_gate_has_a_consistent_arity() {
        let names = [
            "u3", "u2", "u1", "u0", "u", "p", "id", "cu", "cu3", "x", "y", "z", "h", "s", "sdg",
            "t", "tdg", "sx", "sxdg", "rx", "ry", "rz", "swap", "cx", "cy", "cz", "ch", "crx",
            "cry", "crz", "cu1", "cp", "csx", "cswap", "ccx", "c3x", "c4x", "c3sqrtx", "rzz",
            "rxx", "rccx", "rc3x",
        ];
        for name in names {
            let gate = lookup(name, true).unwrap_or_else(|| panic!("{name}"));
            assert!(lookup(name, false).is_none(), "{name} needs the include");
            let (params, qubits) = gate.arity();
            let args = vec![Angle::constant(0.25); params];
            let on: Vec<usize> = (0..qubits).collect();
            for op in gate.expand(&args, &on) {
                if let Op::Gate(op) = op {
                    assert!(op.qubits().all(|q| q < qubits), "{name}");
                }
            }
        }
        for step in RZZ.iter().chain(&RXX).chain(&RCCX).chain(&RC3X) {
            assert_eq!(step.qubits.len(), step.controls + step.gate.num_targets());
        }
        assert!(lookup("U", false).is_some() && lookup("CX", false).is_some());
        assert!(is_reserved("cu3", true) && !is_reserved("rzz", true) && !is_reserved("h", false));
    }
}
