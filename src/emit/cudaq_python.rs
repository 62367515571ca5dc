//! IR → a CUDA-Q Python module with one `@cudaq.kernel`.
//!
//! CUDA-Q's Python kernels spell controls as `gate.ctrl(angle?, control…, target)` and have no
//! negated controls or controlled adjoints, so: negative controls are wrapped in `x`, S/T and
//! their adjoints become `r1` (exactly, phase included), and √X becomes `rx(π/2)` with the phase
//! e^{iπ/4} restored on the controls (a global phase only when uncontrolled).
//!
//! Kernels end without `mz`: `cudaq.observe` refuses kernels that measure, and `cudaq.sample`
//! measures every qubit of a kernel that measures none. A terminal measurement does not change
//! the state before it, so dropping it keeps every readout; a measurement followed by an
//! operation on its qubit stays `mz`. The kernel's header says how to read the score.

use super::{EmitOptions, write_header};
use crate::ir::{Angle, Circuit, Gate, GateOp, Instruction};
use std::f64::consts::{FRAC_PI_2, FRAC_PI_4};
use std::fmt::Write;

/// A CUDA-Q call: the gate function, its angle (if any) and its qubits, controls first.
pub(super) struct KernelCall {
    /// CUDA-Q gate function (`h`, `x`, `ry`, `r1`, `swap`, …).
    pub function: &'static str,
    /// Angle argument, if the function takes one.
    pub angle: Option<Angle>,
    /// Control qubits (all active on |1⟩).
    pub controls: Vec<usize>,
    /// Target qubits.
    pub targets: Vec<usize>,
}

/// Lowers one IR gate to CUDA-Q calls with positive controls only (shared by both CUDA-Q back
/// ends).
pub(super) fn lower_gate(op: &GateOp) -> Vec<KernelCall> {
    let controls: Vec<usize> = op.controls.iter().map(|c| c.qubit).collect();
    let negated: Vec<usize> = op
        .controls
        .iter()
        .filter(|c| !c.on_one)
        .map(|c| c.qubit)
        .collect();
    let flip = |calls: &mut Vec<KernelCall>| {
        for &q in &negated {
            calls.push(KernelCall {
                function: "x",
                angle: None,
                controls: Vec::new(),
                targets: vec![q],
            });
        }
    };
    let call =
        |function, angle: Option<Angle>, controls: Vec<usize>, targets: Vec<usize>| KernelCall {
            function,
            angle,
            controls,
            targets,
        };
    let mut calls = Vec::new();
    flip(&mut calls);
    let targets = op.targets.clone();
    let phase_gate = |theta: f64| Some(Angle::constant(theta));
    match op.gate {
        Gate::S => calls.push(call("r1", phase_gate(FRAC_PI_2), controls, targets)),
        Gate::Sdg => calls.push(call("r1", phase_gate(-FRAC_PI_2), controls, targets)),
        Gate::T => calls.push(call("r1", phase_gate(FRAC_PI_4), controls, targets)),
        Gate::Tdg => calls.push(call("r1", phase_gate(-FRAC_PI_4), controls, targets)),
        Gate::Sx | Gate::Sxdg => {
            let sign = if op.gate == Gate::Sx { 1.0 } else { -1.0 };
            calls.push(call(
                "rx",
                phase_gate(sign * FRAC_PI_2),
                controls.clone(),
                targets,
            ));
            // √X = e^{iπ/4}·Rx(π/2): under control the phase is a phase gate on the controls.
            if let Some((&last, rest)) = controls.split_last() {
                calls.push(call(
                    "r1",
                    phase_gate(sign * FRAC_PI_4),
                    rest.to_vec(),
                    vec![last],
                ));
            }
        }
        gate => {
            let function = match gate {
                Gate::H => "h",
                Gate::X => "x",
                Gate::Y => "y",
                Gate::Z => "z",
                Gate::Rx => "rx",
                Gate::Ry => "ry",
                Gate::Rz => "rz",
                Gate::P => "r1",
                Gate::Swap => "swap",
                _ => unreachable!("phase and √X gates are handled above"),
            };
            calls.push(call(function, op.angle.clone(), controls, targets));
        }
    }
    flip(&mut calls);
    calls
}

/// One statement of a CUDA-Q kernel body, language-neutral.
pub(super) enum Statement {
    /// A gate call: the function, whether it takes `.ctrl`/`<cudaq::ctrl>`, and its
    /// arguments (angle first, then `q[k]` controls and targets).
    Call {
        /// CUDA-Q gate function.
        function: &'static str,
        /// True when the call has controls.
        controlled: bool,
        /// Rendered arguments.
        arguments: Vec<String>,
    },
    /// `mz` of a qubit that is measured before other operations act on it.
    Measure(usize),
    /// `reset` of a qubit.
    Reset(usize),
}

/// For each instruction, true when it is a measurement that no later instruction touches the
/// qubit of (a terminal measurement, which the kernels leave out).
fn terminal_measurements(circuit: &Circuit) -> Vec<bool> {
    let mut touched_later = vec![false; circuit.num_qubits()];
    let mut terminal = vec![false; circuit.instructions().len()];
    for (k, instruction) in circuit.instructions().iter().enumerate().rev() {
        match instruction {
            Instruction::Measure { qubit, .. } => {
                terminal[k] = !touched_later[*qubit];
                touched_later[*qubit] = true;
            }
            Instruction::Gate(op) => op.qubits().for_each(|q| touched_later[q] = true),
            Instruction::Reset(qubit) => touched_later[*qubit] = true,
            Instruction::Barrier(_) => {}
        }
    }
    terminal
}

/// The comment lines that say how to read a kernel's score: `observe` spells the call for a
/// qubit index, the score is ⟨Z⟩ of the qubit measured into
/// bit 0 (the readout qubit of the OpenQASM form), and `sample` measures every qubit.
pub(super) fn readout_note(
    circuit: &Circuit,
    observe: impl Fn(&str) -> String,
    sample: &str,
) -> Vec<String> {
    let readout = circuit.instructions().iter().find_map(|i| match i {
        Instruction::Measure { qubit, clbit: 0 } => Some(*qubit),
        _ => None,
    });
    let mut note = match readout {
        Some(qubit) => vec![
            format!("Score: {}", observe(&qubit.to_string())),
            format!("(<Z> of q[{qubit}], which the OpenQASM form measures into c[0])."),
        ],
        None => vec![format!(
            "The circuit measures nothing; read <Z> of q[k] with {}.",
            observe("k")
        )],
    };
    note.push(format!(
        "No mz at the end: {sample} measures every qubit (bit strings list q[0] first)."
    ));
    let terminal = terminal_measurements(circuit);
    let mid_circuit = circuit
        .instructions()
        .iter()
        .zip(&terminal)
        .any(|(i, &t)| matches!(i, Instruction::Measure { .. }) && !t);
    if mid_circuit {
        note.push("Mid-circuit measurements stay mz; observe refuses such kernels.".to_string());
    }
    note
}

/// The kernel body of `circuit` as statements, with π spelled `pi` (shared by both CUDA-Q
/// back ends). Terminal measurements are left out.
pub(super) fn kernel_statements(circuit: &Circuit, pi: &'static str) -> Vec<Statement> {
    let mut statements = Vec::new();
    let terminal = terminal_measurements(circuit);
    for (instruction, terminal) in circuit.instructions().iter().zip(terminal) {
        match instruction {
            Instruction::Gate(op) => {
                for call in lower_gate(op) {
                    let angle = call.angle.as_ref().map(|a| a.text(pi).to_string());
                    let qubits = call.controls.iter().chain(&call.targets);
                    statements.push(Statement::Call {
                        function: call.function,
                        controlled: !call.controls.is_empty(),
                        arguments: angle
                            .into_iter()
                            .chain(qubits.map(|q| format!("q[{q}]")))
                            .collect(),
                    });
                }
            }
            Instruction::Measure { .. } if terminal => {}
            Instruction::Measure { qubit, .. } => statements.push(Statement::Measure(*qubit)),
            Instruction::Reset(qubit) => statements.push(Statement::Reset(*qubit)),
            Instruction::Barrier(_) => {}
        }
    }
    statements
}

/// Writes `circuit` as a Python module defining `@cudaq.kernel def <kernel_name>(…)` with one
/// `float` argument per circuit input. Terminal measurements are left out (see the module's
/// doc); the header says how to read the score with `cudaq.observe`.
pub fn emit_cudaq_python(circuit: &Circuit, options: &EmitOptions) -> String {
    let mut out = String::new();
    write_header(&mut out, "#", &options.header);
    let kernel = &options.kernel_name;
    let note = readout_note(
        circuit,
        |q| format!("cudaq.observe({kernel}, cudaq.spin.z({q}), *args).expectation()"),
        &format!("cudaq.sample({kernel}, *args)"),
    );
    write_header(&mut out, "#", &note);
    out.push_str("import cudaq\nimport numpy as np\n\n\n@cudaq.kernel\n");
    let arguments: Vec<String> = circuit
        .inputs()
        .iter()
        .map(|name| format!("{name}: float"))
        .collect();
    writeln!(
        out,
        "def {}({}):",
        options.kernel_name,
        arguments.join(", ")
    )
    .unwrap();
    writeln!(out, "    q = cudaq.qvector({})", circuit.num_qubits()).unwrap();
    for statement in kernel_statements(circuit, "np.pi") {
        let line = match statement {
            Statement::Call {
                function,
                controlled,
                arguments,
            } => {
                let suffix = if controlled { ".ctrl" } else { "" };
                format!("{function}{suffix}({})", arguments.join(", "))
            }
            Statement::Measure(qubit) => format!("mz(q[{qubit}])"),
            Statement::Reset(qubit) => format!("reset(q[{qubit}])"),
        };
        writeln!(out, "    {line}").unwrap();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Control;

    #[test]
    fn negative_controls_are_wrapped_in_x() {
        let op =
            GateOp::rotation(Gate::Ry, Angle::input("a"), 2).controlled_by(Control::on_zero(0));
        let calls = lower_gate(&op);
        let functions: Vec<&str> = calls.iter().map(|c| c.function).collect();
        assert_eq!(functions, ["x", "ry", "x"]);
        assert_eq!(calls[1].controls, [0]);
    }

    #[test]
    fn terminal_measurements_are_left_out_and_the_header_names_the_readout() {
        let mut circuit = Circuit::new(3, 2);
        circuit.push_gate(GateOp::fixed(Gate::H, &[2])).unwrap();
        circuit.push_measure(1, 1).unwrap();
        circuit.push_gate(GateOp::fixed(Gate::X, &[1])).unwrap();
        circuit.push_measure(2, 0).unwrap();
        circuit.push_measure(1, 1).unwrap();
        let text = emit_cudaq_python(&circuit, &EmitOptions::default());
        // The first measurement of q[1] is followed by x: it stays; the final two go.
        assert_eq!(text.matches("mz(").count(), 1, "{text}");
        assert!(text.contains("    mz(q[1])\n    x(q[1])\n"), "{text}");
        assert!(
            text.contains(
                "# Score: cudaq.observe(attention_score, cudaq.spin.z(2), *args).expectation()"
            ),
            "{text}"
        );
        assert!(text.contains("Mid-circuit measurements stay mz"), "{text}");
        let cpp = super::super::emit_cudaq_cpp(&circuit, &EmitOptions::default());
        assert!(
            cpp.contains("cudaq::observe(attention_score, cudaq::spin::z(2)"),
            "{cpp}"
        );
        assert_eq!(cpp.matches("mz(").count(), 1, "{cpp}");
    }

    #[test]
    fn controlled_sx_restores_its_phase() {
        let op = GateOp::fixed(Gate::Sx, &[2]).controlled_by(Control::on(0));
        let calls = lower_gate(&op);
        assert_eq!(calls.len(), 2);
        assert_eq!(
            (calls[1].function, calls[1].targets.as_slice()),
            ("r1", &[0][..])
        );
    }
}
