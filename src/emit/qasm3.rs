//! IR → OpenQASM 3 text (`stdgates.inc` names where they exist, `ctrl @`/`negctrl @`/`inv @`
//! modifiers otherwise).

use super::{EmitOptions, write_header};
use crate::ir::{Circuit, Gate, GateOp, Instruction};
use std::fmt::Write;

/// The modifier prefix and gate name of an operation, e.g. `("", "cry")`,
/// `("negctrl @ ", "ry")`, `("ctrl(2) @ inv @ ", "sx")`.
fn qasm_name(op: &GateOp) -> (String, &'static str) {
    let kind = op.kind_name();
    if let Some(name) = STANDARD_NAMES.iter().copied().find(|n| *n == kind) {
        return (String::new(), name);
    }
    let mut prefix = String::new();
    let mut k = 0;
    while k < op.controls.len() {
        let on_one = op.controls[k].on_one;
        let run = op.controls[k..]
            .iter()
            .take_while(|c| c.on_one == on_one)
            .count();
        let word = if on_one { "ctrl" } else { "negctrl" };
        match run {
            1 => write!(prefix, "{word} @ ").unwrap(),
            n => write!(prefix, "{word}({n}) @ ").unwrap(),
        }
        k += run;
    }
    if op.gate == Gate::Sxdg {
        prefix.push_str("inv @ ");
        return (prefix, "sx");
    }
    (prefix, op.gate.name())
}

/// `name(angle) q[a], q[b];` for a gate called `name` (modifiers included) in an OpenQASM
/// dialect; shared by the standard and Braket back ends.
pub(super) fn gate_statement(name: &str, op: &GateOp) -> String {
    let angle = op
        .angle
        .as_ref()
        .map(|a| format!("({a})"))
        .unwrap_or_default();
    let qubits: Vec<String> = op.qubits().map(|q| format!("q[{q}]")).collect();
    format!("{name}{angle} {};", qubits.join(", "))
}

/// Gate names of `stdgates.inc` that an IR operation can have.
const STANDARD_NAMES: [&str; 24] = [
    "h", "x", "y", "z", "s", "sdg", "t", "tdg", "sx", "rx", "ry", "rz", "p", "swap", "cx", "cy",
    "cz", "ch", "crx", "cry", "crz", "cp", "cswap", "ccx",
];

/// Writes `circuit` as an OpenQASM 3 program: header comments, `include "stdgates.inc"`, one
/// `input float[64]` per circuit input, `qubit[n] q;`, `bit[m] c;`, the instructions.
pub fn emit_qasm3(circuit: &Circuit, options: &EmitOptions) -> String {
    let mut out = String::from("OPENQASM 3.0;\ninclude \"stdgates.inc\";\n");
    write_header(&mut out, "//", &options.header);
    out.push('\n');
    for input in circuit.inputs() {
        writeln!(out, "input float[64] {input};").unwrap();
    }
    if !circuit.inputs().is_empty() {
        out.push('\n');
    }
    writeln!(out, "qubit[{}] q;", circuit.num_qubits()).unwrap();
    if circuit.num_clbits() > 0 {
        writeln!(out, "bit[{}] c;", circuit.num_clbits()).unwrap();
    }
    out.push('\n');
    for instruction in circuit.instructions() {
        match instruction {
            Instruction::Gate(op) => {
                let (prefix, name) = qasm_name(op);
                writeln!(out, "{}", gate_statement(&format!("{prefix}{name}"), op)).unwrap();
            }
            Instruction::Measure { qubit, clbit } => {
                writeln!(out, "c[{clbit}] = measure q[{qubit}];").unwrap()
            }
            Instruction::Reset(qubit) => writeln!(out, "reset q[{qubit}];").unwrap(),
            Instruction::Barrier(qubits) => {
                let qubits: Vec<String> = qubits.iter().map(|q| format!("q[{q}]")).collect();
                writeln!(out, "barrier {};", qubits.join(", ")).unwrap();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Angle, Control};

    fn line(op: GateOp) -> String {
        let mut c = Circuit::new(4, 0);
        c.declare_input("a");
        c.push_gate(op).unwrap();
        emit_qasm3(&c, &EmitOptions::default())
            .lines()
            .last()
            .unwrap()
            .to_string()
    }

    #[test]
    fn standard_and_modifier_forms() {
        let ry = || GateOp::rotation(Gate::Ry, Angle::input("a"), 3);
        assert_eq!(
            line(ry().controlled_by(Control::on(0))),
            "cry(a) q[0], q[3];"
        );
        assert_eq!(
            line(ry().controlled_by(Control::on_zero(0))),
            "negctrl @ ry(a) q[0], q[3];"
        );
        assert_eq!(
            line(GateOp::cx(1, 2).controlled_by(Control::on(0))),
            "ccx q[0], q[1], q[2];"
        );
        assert_eq!(
            line(
                GateOp::fixed(Gate::Sxdg, &[3])
                    .controlled_by(Control::on(1))
                    .controlled_by(Control::on(0))
            ),
            "ctrl(2) @ inv @ sx q[0], q[1], q[3];"
        );
        assert_eq!(
            line(GateOp::fixed(Gate::S, &[3]).controlled_by(Control::on(0))),
            "ctrl @ s q[0], q[3];"
        );
    }
}
