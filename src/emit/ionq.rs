//! IonQ's JSON circuit format (`ionq.circuit.v1`, gateset `qis`), both ways.
//!
//! A circuit is `{"qubits": n, "gateset": "qis", "circuit": [gate, …]}` with gates like
//! `{"gate": "h", "target": 0}`, `{"gate": "cnot", "control": 0, "target": 1}`,
//! `{"gate": "x", "controls": [0, 1], "target": 2}` and `{"gate": "ry", "target": 0,
//! "rotation": 0.5}` (radians). The `qis` names are `x`, `y`, `z`, `h`, `s`, `si`, `t`, `ti`,
//! `v`, `vi`, `rx`, `ry`, `rz`, `not`, `cnot`, `swap`. IonQ measures every qubit at the end, so
//! measurements are not written. Angles must be bound ([`bind_inputs`](crate::opt::bind_inputs)).

use super::DialectError;
use crate::ir::{Angle, Circuit, Control, Gate, GateOp};
use serde_json::{Value, json};

const DIALECT: &str = "IonQ qis";

fn qis_name(gate: Gate) -> Option<&'static str> {
    Some(match gate {
        Gate::H => "h",
        Gate::X => "x",
        Gate::Y => "y",
        Gate::Z => "z",
        Gate::S => "s",
        Gate::Sdg => "si",
        Gate::T => "t",
        Gate::Tdg => "ti",
        Gate::Sx => "v",
        Gate::Sxdg => "vi",
        Gate::Rx => "rx",
        Gate::Ry => "ry",
        Gate::Rz => "rz",
        Gate::Swap => "swap",
        Gate::P => return None,
    })
}

/// The `input` object of an `ionq.circuit.v1` job for a bound circuit.
pub fn emit_ionq_circuit(circuit: &Circuit) -> Result<Value, DialectError> {
    let refuse = |op: &GateOp| DialectError {
        dialect: DIALECT,
        gate: op.to_string(),
    };
    let mut gates = Vec::new();
    for op in circuit.gates() {
        if op.controls.iter().any(|c| !c.on_one) {
            return Err(refuse(op));
        }
        // p(θ) is rz(θ) up to a global phase, which is unobservable without a control.
        let (gate, angle) = match (op.gate, op.controls.is_empty()) {
            (Gate::P, true) => (Gate::Rz, op.angle.as_ref()),
            (g, _) => (g, op.angle.as_ref()),
        };
        let name = qis_name(gate).ok_or_else(|| refuse(op))?;
        let mut entry = json!({ "gate": name });
        if gate == Gate::Swap {
            entry["targets"] = json!(op.targets);
        } else {
            entry["target"] = json!(op.targets[0]);
        }
        match op.controls.as_slice() {
            [] => {}
            [c] => entry["control"] = json!(c.qubit),
            many => entry["controls"] = json!(many.iter().map(|c| c.qubit).collect::<Vec<_>>()),
        }
        if let Some(angle) = angle {
            if !angle.is_constant() {
                return Err(DialectError {
                    dialect: DIALECT,
                    gate: format!("{op} (unbound input)"),
                });
            }
            entry["rotation"] = json!(angle.constant_part());
        }
        gates.push(entry);
    }
    Ok(json!({ "qubits": circuit.num_qubits(), "gateset": "qis", "circuit": gates }))
}

/// Reads the `input` object of an `ionq.circuit.v1` job; at most `max_qubits` qubits.
pub fn parse_ionq_circuit(input: &Value, max_qubits: usize) -> Result<Circuit, String> {
    let qubits = input["qubits"]
        .as_u64()
        .ok_or("`input.qubits` must be a positive integer")? as usize;
    if qubits == 0 || qubits > max_qubits {
        return Err(format!(
            "`input.qubits` is {qubits}; this simulator takes 1 to {max_qubits} qubits"
        ));
    }
    match input.get("gateset").and_then(Value::as_str) {
        None | Some("qis") => {}
        Some(other) => return Err(format!("gateset `{other}` is not supported; use `qis`")),
    }
    let gates = input["circuit"]
        .as_array()
        .ok_or("`input.circuit` must be an array of gates")?;
    let mut circuit = Circuit::new(qubits, 0);
    for (k, entry) in gates.iter().enumerate() {
        let op = parse_gate(entry).map_err(|e| format!("gate {k}: {e}"))?;
        circuit
            .push_gate(op)
            .map_err(|e| format!("gate {k}: {e}"))?;
    }
    Ok(circuit)
}

fn qubit(value: &Value, what: &str) -> Result<usize, String> {
    value
        .as_u64()
        .map(|q| q as usize)
        .ok_or_else(|| format!("`{what}` must be a qubit index"))
}

fn parse_gate(entry: &Value) -> Result<GateOp, String> {
    let name = entry["gate"].as_str().ok_or("`gate` must be a string")?;
    let gate = match name {
        "not" | "cnot" => Gate::X,
        _ => Gate::ALL
            .into_iter()
            .find(|g| qis_name(*g) == Some(name))
            .ok_or_else(|| format!("unknown qis gate `{name}`"))?,
    };
    let targets = match (&entry["targets"], &entry["target"]) {
        (Value::Array(list), _) => list
            .iter()
            .map(|t| qubit(t, "targets"))
            .collect::<Result<Vec<_>, _>>()?,
        (_, t) => vec![qubit(t, "target")?],
    };
    if targets.len() != gate.num_targets() {
        return Err(format!("`{name}` takes {} target(s)", gate.num_targets()));
    }
    let mut op = GateOp {
        gate,
        angle: None,
        controls: Vec::new(),
        targets,
    };
    if gate.is_rotation() {
        let theta = entry["rotation"]
            .as_f64()
            .filter(|t| t.is_finite())
            .ok_or_else(|| format!("`{name}` needs a finite `rotation`"))?;
        op.angle = Some(Angle::constant(theta));
    }
    let mut controls = Vec::new();
    if let Some(c) = entry.get("control") {
        controls.push(qubit(c, "control")?);
    }
    if let Some(list) = entry.get("controls") {
        let list = list.as_array().ok_or("`controls` must be an array")?;
        for c in list {
            controls.push(qubit(c, "controls")?);
        }
    }
    if name == "cnot" && controls.is_empty() {
        return Err("`cnot` needs a `control`".to_string());
    }
    op.controls = controls.into_iter().map(Control::on).collect();
    Ok(op)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_through_qis_json() {
        let mut c = Circuit::new(3, 0);
        c.push_gate(GateOp::fixed(Gate::H, &[0])).unwrap();
        c.push_gate(GateOp::cx(0, 1)).unwrap();
        c.push_gate(GateOp::cx(1, 2).controlled_by(Control::on(0)))
            .unwrap();
        c.push_gate(GateOp::rotation(Gate::Ry, Angle::constant(0.25), 2))
            .unwrap();
        c.push_gate(GateOp::fixed(Gate::Swap, &[0, 2])).unwrap();
        let json = emit_ionq_circuit(&c).unwrap();
        assert_eq!(
            json["circuit"][1],
            json!({"gate": "x", "control": 0, "target": 1})
        );
        assert_eq!(json["circuit"][3]["rotation"], json!(0.25));
        assert_eq!(parse_ionq_circuit(&json, 28).unwrap(), c);
    }

    #[test]
    fn unbound_and_oversized_circuits_are_refused() {
        let mut c = Circuit::new(1, 0);
        c.declare_input("a");
        c.push_gate(GateOp::rotation(Gate::Rx, Angle::input("a"), 0))
            .unwrap();
        assert!(emit_ionq_circuit(&c).is_err());
        let big = json!({"qubits": 40, "gateset": "qis", "circuit": []});
        assert!(parse_ionq_circuit(&big, 28).unwrap_err().contains("40"));
        let bad = json!({"qubits": 2, "circuit": [{"gate": "cnot", "target": 1}]});
        assert!(
            parse_ionq_circuit(&bad, 28)
                .unwrap_err()
                .contains("control")
        );
    }
}
