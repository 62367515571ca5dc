//! IR → a CUDA-Q C++ source file with one `__qpu__` kernel.

use super::cudaq_python::{Statement, kernel_statements, readout_note};
use super::{EmitOptions, write_header};
use crate::ir::Circuit;
use std::fmt::Write;

/// Writes `circuit` as C++ defining `__qpu__ void <kernel_name>(double …)` with one `double`
/// argument per circuit input; controlled calls use `gate<cudaq::ctrl>(…)`. Terminal
/// measurements are left out; the header says how to read the score with `cudaq::observe`.
pub fn emit_cudaq_cpp(circuit: &Circuit, options: &EmitOptions) -> String {
    let mut out = String::new();
    write_header(&mut out, "//", &options.header);
    let kernel = &options.kernel_name;
    let note = readout_note(
        circuit,
        |q| format!("cudaq::observe({kernel}, cudaq::spin::z({q}), args...).expectation()"),
        &format!("cudaq::sample({kernel}, args...)"),
    );
    write_header(&mut out, "//", &note);
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
    for statement in kernel_statements(circuit, "M_PI") {
        let line = match statement {
            Statement::Call {
                function,
                controlled,
                arguments,
            } => {
                let modifier = if controlled { "<cudaq::ctrl>" } else { "" };
                format!("{function}{modifier}({});", arguments.join(", "))
            }
            Statement::Measure(qubit) => format!("mz(q[{qubit}]);"),
            Statement::Reset(qubit) => format!("reset(q[{qubit}]);"),
        };
        writeln!(out, "  {line}").unwrap();
    }
    out.push_str("}\n");
    out
}
