//! `--target DEVICE.json` for `compile` and `opt`: loading the device, compiling for it,
//! writing the program and its report.

use super::{Failure, read_input};
use crate::emit::{EmitOptions, Format, emit};
use crate::ir::Circuit;
use crate::target::{ForTarget, Target, TargetReport, compile_for_target, emit::emit_native_qasm3};
use std::path::Path;

/// Reads and checks a target file; every problem is bad input naming the file.
pub(super) fn load_target(path: &Path) -> Result<Target, Failure> {
    let text = read_input(path, "target")?;
    Target::from_json_text(&text, &path.display().to_string())
        .map_err(|e| Failure::BadInput(e.to_string()))
}

/// `circuit` routed and translated for `target` (read from `path`), written in `format`.
pub(super) fn compile_for(
    circuit: &Circuit,
    target: &Target,
    path: &Path,
    format: Format,
) -> Result<ForTarget, Failure> {
    if target.native.is_some() && format != Format::Qasm3 {
        return Err(Failure::BadInput(format!(
            "`{}` has native gates, which only the qasm3 format writes",
            path.display()
        )));
    }
    compile_for_target(circuit, target)
        .map_err(|e| Failure::BadInput(format!("cannot compile for `{}`: {e}", path.display())))
}

/// The program text: native OpenQASM 3 when the target has a native set, else `format`.
pub(super) fn program_text(for_target: &ForTarget, format: Format, header: Vec<String>) -> String {
    match &for_target.native {
        Some(native) => emit_native_qasm3(native, &header),
        None => emit(
            &for_target.routed,
            format,
            &EmitOptions {
                header,
                ..EmitOptions::default()
            },
        ),
    }
}

/// Human-readable lines of a target report.
pub(super) fn render_report(r: &TargetReport) -> String {
    let mut text = format!(
        "target {} ({} qubits{})\n  swaps             {}\n  initial layout    {:?}\n  \
         final layout      {:?}\n  native gates      {}\n  two-qubit gates   {}\n  depth             {}\n",
        r.target,
        r.device_qubits,
        r.native_set
            .map(|s| format!(", native {}", s.gate_names().join("/")))
            .unwrap_or_default(),
        r.swaps,
        r.initial_layout,
        r.final_layout,
        r.gates,
        r.two_qubit_gates,
        r.depth
    );
    if let Some(p) = r.success_probability {
        text.push_str(&format!("  est. success      {p:.4}\n"));
    }
    text
}
