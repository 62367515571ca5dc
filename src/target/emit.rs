//! Native programs as text: OpenQASM 3 and IonQ's native JSON (`"gateset": "native"`).
//!
//! OpenQASM 3: `rz`, `rx`, `sx`, `x`, `cx` and `cz` are `stdgates.inc` gates; `ecr`, `gpi`,
//! `gpi2`, `ms` and `prx` are not, so the program defines each one it uses with a `gate`
//! definition in standard gates, exactly as in [`super::native`] (so any OpenQASM 3 reader,
//! qattnc's included, reads the program back with its meaning, and providers that know the
//! gate natively see its usual name). `gpi`, `gpi2` and `ms` take IonQ's units (turns; `ms`'s
//! third argument 0.25 is fully entangling); `prx(θ, φ)` takes radians.

use super::native::{NativeCircuit, NativeGate, NativeInstruction};
use crate::ir::Angle;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::f64::consts::PI;
use std::fmt::Write;

/// Whether a gate's angles are written in turns.
fn in_turns(gate: NativeGate) -> bool {
    matches!(gate, NativeGate::Gpi | NativeGate::Gpi2 | NativeGate::Ms)
}

/// The `gate` definition of a gate outside `stdgates.inc`.
fn definition(gate: NativeGate) -> Option<&'static str> {
    Some(match gate {
        NativeGate::Ecr => {
            "// ecr a, b = (X_a - Y_a X_b)/sqrt(2) (IBM's echoed cross-resonance gate)\n\
             gate ecr a, b { h b; cx a, b; rz(pi/4) b; cx a, b; h b; x a; \
             h b; cx a, b; rz(-pi/4) b; cx a, b; h b; }"
        }
        NativeGate::Gpi => {
            "// gpi(phi) = [[0, e^(-2 pi i phi)], [e^(2 pi i phi), 0]], phi in turns (IonQ)\n\
             gate gpi(phi) q { x q; rz(4*pi*phi) q; }"
        }
        NativeGate::Gpi2 => {
            "// gpi2(phi) = (I - i(cos(2 pi phi) X + sin(2 pi phi) Y))/sqrt(2), phi in turns (IonQ)\n\
             gate gpi2(phi) q { rz(-2*pi*phi) q; rx(pi/2) q; rz(2*pi*phi) q; }"
        }
        NativeGate::Ms => {
            "// ms(phi0, phi1, theta) = exp(-i pi theta s(phi0) s(phi1)), s(p) = cos(2 pi p) X + \
             sin(2 pi p) Y, all in turns (IonQ's Molmer-Sorensen gate; theta = 0.25 fully entangles)\n\
             gate ms(phi0, phi1, theta) a, b { rz(-2*pi*phi0) a; rz(-2*pi*phi1) b; h a; h b; \
             cx a, b; rz(2*pi*theta) b; cx a, b; h a; h b; rz(2*pi*phi0) a; rz(2*pi*phi1) b; }"
        }
        NativeGate::Prx => {
            "// prx(theta, phi) = exp(-i theta/2 (cos(phi) X + sin(phi) Y)), radians (IQM)\n\
             gate prx(theta, phi) q { rz(-phi) q; rx(theta) q; rz(phi) q; }"
        }
        _ => return None,
    })
}

/// An angle as written: constant part wrapped into [−π, π), in turns for IonQ's gates
/// (except `ms`'s interaction angle, which is kept in (0, 0.5]).
fn written(angle: &Angle, gate: NativeGate, index: usize) -> Angle {
    let constant = angle.constant_part();
    let keep = gate == NativeGate::Ms && index == 2;
    let wrapped = if keep {
        angle.clone()
    } else {
        angle.add(&Angle::constant(
            (constant + PI).rem_euclid(2.0 * PI) - PI - constant,
        ))
    };
    if in_turns(gate) {
        wrapped.scale(1.0 / (2.0 * PI))
    } else {
        wrapped
    }
}

/// The program as OpenQASM 3, with `header` comment lines.
pub fn emit_native_qasm3(program: &NativeCircuit, header: &[String]) -> String {
    let mut out = String::from("OPENQASM 3.0;\ninclude \"stdgates.inc\";\n");
    for line in header {
        writeln!(out, "// {line}").unwrap();
    }
    let used: BTreeSet<NativeGate> = program.gates().map(|op| op.gate).collect();
    for gate in used {
        if let Some(text) = definition(gate) {
            writeln!(out, "{text}").unwrap();
        }
    }
    out.push('\n');
    for input in &program.inputs {
        writeln!(out, "input float[64] {input};").unwrap();
    }
    if !program.inputs.is_empty() {
        out.push('\n');
    }
    writeln!(out, "qubit[{}] q;", program.num_qubits).unwrap();
    if program.num_clbits > 0 {
        writeln!(out, "bit[{}] c;", program.num_clbits).unwrap();
    }
    out.push('\n');
    for instruction in &program.instructions {
        match instruction {
            NativeInstruction::Gate(op) => {
                let params: Vec<String> = op
                    .params
                    .iter()
                    .enumerate()
                    .map(|(k, a)| written(a, op.gate, k).to_string())
                    .collect();
                let qubits: Vec<String> = op.qubits.iter().map(|q| format!("q[{q}]")).collect();
                let params = if params.is_empty() {
                    String::new()
                } else {
                    format!("({})", params.join(", "))
                };
                writeln!(out, "{}{params} {};", op.gate.name(), qubits.join(", ")).unwrap();
            }
            NativeInstruction::Measure { qubit, clbit } => {
                writeln!(out, "c[{clbit}] = measure q[{qubit}];").unwrap()
            }
            NativeInstruction::Reset(q) => writeln!(out, "reset q[{q}];").unwrap(),
            NativeInstruction::Barrier(qs) => {
                let qubits: Vec<String> = qs.iter().map(|q| format!("q[{q}]")).collect();
                writeln!(out, "barrier {};", qubits.join(", ")).unwrap()
            }
        }
    }
    out
}

/// The `input` object of an IonQ job in native gates (`"gateset": "native"`), with the
/// program's inputs bound to `values`: `gpi`/`gpi2` with `phase`, `ms` with `phases` and
/// `angle`, all in turns. IonQ measures every qubit at the end, so measurements are not
/// written; a program with resets or a gate outside IonQ's set is refused.
pub fn emit_ionq_native(
    program: &NativeCircuit,
    values: &HashMap<String, f64>,
) -> Result<Value, String> {
    let number = |angle: &Angle, gate: NativeGate, k: usize| {
        let turns = written(angle, gate, k);
        turns
            .value(values)
            .ok_or_else(|| format!("an angle of `{}` depends on an unbound input", gate.name()))
    };
    let mut gates = Vec::new();
    for instruction in &program.instructions {
        match instruction {
            NativeInstruction::Gate(op) => gates.push(match op.gate {
                NativeGate::Gpi | NativeGate::Gpi2 => json!({
                    "gate": op.gate.name(),
                    "target": op.qubits[0],
                    "phase": number(&op.params[0], op.gate, 0)?,
                }),
                NativeGate::Ms => json!({
                    "gate": "ms",
                    "targets": op.qubits,
                    "phases": [number(&op.params[0], op.gate, 0)?, number(&op.params[1], op.gate, 1)?],
                    "angle": number(&op.params[2], op.gate, 2)?,
                }),
                other => return Err(format!("`{}` is not an IonQ native gate", other.name())),
            }),
            NativeInstruction::Reset(_) => {
                return Err("IonQ's native format has no reset".into());
            }
            NativeInstruction::Measure { .. } | NativeInstruction::Barrier(_) => {}
        }
    }
    Ok(json!({
        "gateset": "native",
        "qubits": program.num_qubits,
        "circuit": gates,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Circuit, Gate, GateOp};
    use crate::qasm::{ParseOptions, parse};
    use crate::target::Target;
    use crate::target::tests::bit_distribution;

    /// A small entangling circuit with an input-dependent rotation.
    fn circuit() -> Circuit {
        let mut c = Circuit::new(3, 3);
        c.declare_input("x");
        c.push_gate(GateOp::fixed(Gate::H, &[0])).unwrap();
        c.push_gate(GateOp::cx(0, 1)).unwrap();
        c.push_gate(GateOp::rotation(Gate::Ry, Angle::input("x").scale(0.5), 2))
            .unwrap();
        c.push_gate(GateOp::cx(2, 1)).unwrap();
        c.push_gate(GateOp::rotation(Gate::Rz, Angle::constant(0.4), 1))
            .unwrap();
        c.push_gate(GateOp::fixed(Gate::Sx, &[1])).unwrap();
        for q in 0..3 {
            c.push_measure(q, (q + 1) % 3).unwrap();
        }
        c
    }

    #[test]
    fn native_programs_read_back_with_their_meaning() {
        for basis in [
            r#""ecr", "rz", "sx", "x""#,
            r#""gpi", "gpi2", "ms""#,
            r#""prx", "cz""#,
            r#""rx", "rz", "cz""#,
        ] {
            let json = format!(
                r#"{{"num_qubits": 3, "coupling_map": [[0, 1], [1, 2]], "basis": [{basis}]}}"#
            );
            let target = Target::from_json_text(&json, "t.json").unwrap();
            let native = crate::target::translate(&circuit(), &target).unwrap();
            let text = emit_native_qasm3(&native, &["test".into()]);
            let read = parse(&text, "native.qasm", &ParseOptions::default()).unwrap();
            for binding in [[0.3], [-2.2]] {
                let (want, got) = (
                    bit_distribution(&circuit(), &binding),
                    bit_distribution(&read, &binding),
                );
                for (w, g) in want.iter().zip(&got) {
                    assert!((w - g).abs() < 1e-9, "{basis}: {w} vs {g}\n{text}");
                }
            }
        }
    }

    #[test]
    fn ionq_native_json_has_turns_and_bound_phases() {
        let json = r#"{"num_qubits": 3, "coupling_map": [[0, 1], [0, 2], [1, 2]],
            "basis": ["gpi", "gpi2", "ms"]}"#;
        let target = Target::from_json_text(json, "aria.json").unwrap();
        let native = crate::target::translate(&circuit(), &target).unwrap();
        let values = HashMap::from([("x".to_string(), 0.7)]);
        let job = emit_ionq_native(&native, &values).unwrap();
        assert_eq!(job["gateset"], "native");
        assert_eq!(job["qubits"], 3);
        let gates = job["circuit"].as_array().unwrap();
        let ms: Vec<&Value> = gates.iter().filter(|g| g["gate"] == "ms").collect();
        assert_eq!(ms.len(), 2);
        for gate in gates {
            let phases = match gate["gate"].as_str().unwrap() {
                "ms" => {
                    assert!((gate["angle"].as_f64().unwrap() - 0.25).abs() < 1e-12);
                    gate["phases"].as_array().unwrap().clone()
                }
                _ => vec![gate["phase"].clone()],
            };
            for phase in phases {
                assert!((-1.0..=1.0).contains(&phase.as_f64().unwrap()), "{gate}");
            }
        }
        assert!(emit_ionq_native(&native, &HashMap::new()).is_err());
    }
}
