//! IR → a CUDA-Q C++ source file with one `__qpu__` kernel.

use super::cudaq_python::lower_gate;
use super::{EmitOptions, write_header};
use crate::ir::{Circuit, Instruction};
use std::fmt::Write;

/// Writes `circuit` as C++ defining `__qpu__ void <kernel_name>(double …)` with one `double`
/// argument per circuit input; controlled calls use `gate<cudaq::ctrl>(…)`.
pub fn emit_cudaq_cpp(circuit: &Circuit, options: &EmitOptions) -> String {
    let mut out = String::new();
    write_header(&mut out, "//", &options.header);
    out.push_str("#include <cmath>\n#include <cudaq.h>\n\n");
    let arguments: Vec<String> = circuit
        .inputs()
        .iter()
        .map(|name| format!("double {name}"))
        .collect();
    writeln!(
        out,
        "__qpu__ void {}({}) {{",
        options.kernel_name,
        arguments.join(", ")
    )
    .unwrap();
    writeln!(out, "  cudaq::qvector q({});", circuit.num_qubits()).unwrap();
    for instruction in circuit.instructions() {
        match instruction {
            Instruction::Gate(op) => {
                for call in lower_gate(op) {
                    let mut arguments = Vec::new();
                    if let Some(angle) = &call.angle {
                        arguments.push(angle.text("M_PI").to_string());
                    }
                    arguments.extend(
                        call.controls
                            .iter()
                            .chain(&call.targets)
                            .map(|q| format!("q[{q}]")),
                    );
                    let modifier = if call.controls.is_empty() {
                        ""
                    } else {
                        "<cudaq::ctrl>"
                    };
                    writeln!(
                        out,
                        "  {}{modifier}({});",
                        call.function,
                        arguments.join(", ")
                    )
                    .unwrap();
                }
            }
            Instruction::Measure { qubit, .. } => writeln!(out, "  mz(q[{qubit}]);").unwrap(),
            Instruction::Reset(qubit) => writeln!(out, "  reset(q[{qubit}]);").unwrap(),
            Instruction::Barrier(_) => {}
        }
    }
    out.push_str("}\n");
    out
}
