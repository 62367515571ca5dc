//! IR → Amazon Braket's OpenQASM 3 dialect.
//!
//! Braket reads OpenQASM 3 without `include "stdgates.inc"`: its built-in gates are named `h`,
//! `x`, `y`, `z`, `s`, `si`, `t`, `ti`, `v`, `vi`, `rx`, `ry`, `rz`, `phaseshift`, `cnot`,
//! `cy`, `cz`, `cphaseshift`, `swap`, `ccnot`, `cswap`. Inputs are declared `input float name;`
//! and bound by the task's `inputs`. Gates outside that set (negative controls, controlled
//! rotations, more controls) are refused: decompose into the cx basis first
//! ([`run_decompose`](crate::opt::run_decompose)).

use super::qasm3::gate_statement;
use super::{DialectError, EmitOptions, write_header};
use crate::ir::{Circuit, Gate, GateOp, Instruction};
use std::fmt::Write;

/// Braket's name for an operation, if it has one.
fn braket_name(op: &GateOp) -> Option<&'static str> {
    if op.controls.iter().any(|c| !c.on_one) {
        return None;
    }
    Some(match (op.controls.len(), op.gate) {
        (0, Gate::H) => "h",
        (0, Gate::X) => "x",
        (0, Gate::Y) => "y",
        (0, Gate::Z) => "z",
        (0, Gate::S) => "s",
        (0, Gate::Sdg) => "si",
        (0, Gate::T) => "t",
        (0, Gate::Tdg) => "ti",
        (0, Gate::Sx) => "v",
        (0, Gate::Sxdg) => "vi",
        (0, Gate::Rx) => "rx",
        (0, Gate::Ry) => "ry",
        (0, Gate::Rz) => "rz",
        (0, Gate::P) => "phaseshift",
        (0, Gate::Swap) => "swap",
        (1, Gate::X) => "cnot",
        (1, Gate::Y) => "cy",
        (1, Gate::Z) => "cz",
        (1, Gate::P) => "cphaseshift",
        (1, Gate::Swap) => "cswap",
        (2, Gate::X) => "ccnot",
        _ => return None,
    })
}

/// Writes `circuit` in Braket's OpenQASM 3 dialect.
pub fn emit_braket(circuit: &Circuit, options: &EmitOptions) -> Result<String, DialectError> {
    let mut out = String::from("OPENQASM 3.0;\n");
    write_header(&mut out, "//", &options.header);
    for input in circuit.inputs() {
        writeln!(out, "input float {input};").unwrap();
    }
    writeln!(out, "qubit[{}] q;", circuit.num_qubits()).unwrap();
    if circuit.num_clbits() > 0 {
        writeln!(out, "bit[{}] c;", circuit.num_clbits()).unwrap();
    }
    for instruction in circuit.instructions() {
        match instruction {
            Instruction::Gate(op) => {
                let name = braket_name(op).ok_or_else(|| DialectError {
                    dialect: "Braket OpenQASM",
                    gate: op.to_string(),
                })?;
                writeln!(out, "{}", gate_statement(name, op)).unwrap();
            }
            Instruction::Measure { qubit, clbit } => {
                writeln!(out, "c[{clbit}] = measure q[{qubit}];").unwrap()
            }
            Instruction::Reset(qubit) => {
                return Err(DialectError {
                    dialect: "Braket OpenQASM",
                    gate: format!("reset q[{qubit}]"),
                });
            }
            Instruction::Barrier(_) => {}
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Angle, Control};

    #[test]
    fn braket_names_and_inputs() {
        let mut c = Circuit::new(3, 1);
        c.declare_input("a");
        c.push_gate(GateOp::fixed(Gate::H, &[0])).unwrap();
        c.push_gate(GateOp::cx(0, 1)).unwrap();
        c.push_gate(GateOp::cx(1, 2).controlled_by(Control::on(0)))
            .unwrap();
        c.push_gate(GateOp::fixed(Gate::Sdg, &[2])).unwrap();
        c.push_gate(GateOp::rotation(Gate::Ry, Angle::input("a").scale(0.5), 1))
            .unwrap();
        c.push_measure(0, 0).unwrap();
        let text = emit_braket(&c, &EmitOptions::default()).unwrap();
        assert_eq!(
            text,
            "OPENQASM 3.0;\ninput float a;\nqubit[3] q;\nbit[1] c;\nh q[0];\ncnot q[0], q[1];\n\
             ccnot q[0], q[1], q[2];\nsi q[2];\nry(0.5*a) q[1];\nc[0] = measure q[0];\n"
        );
        assert!(!text.contains("stdgates"));
    }

    #[test]
    fn gates_outside_the_dialect_are_refused() {
        let mut c = Circuit::new(2, 0);
        c.push_gate(GateOp::fixed(Gate::X, &[1]).controlled_by(Control::on_zero(0)))
            .unwrap();
        let error = emit_braket(&c, &EmitOptions::default()).unwrap_err();
        assert!(error.to_string().contains("Braket"), "{error}");
    }
}
