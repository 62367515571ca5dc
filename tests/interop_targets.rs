//! Qiskit reads programs translated for IBM targets (`compile --target`, `ecr`'s `gate`
//! definition included) and finds the same readout distribution as qattnc's -O0 reference.
//!
//! Without the interop venv (env `QATTNC_INTEROP_VENV`, default
//! `$HOME/.cache/qattnc/interop-venv`, made by `make interop`) the test prints `skipped: …`
//! and passes.

mod common;

use common::{interop_python, qattnc};
use qattnc::ir::{Circuit, Instruction};
use qattnc::sim::{Amplitude, Program};
use serde_json::json;
use std::path::PathBuf;
use std::process::Command;

/// Loads each program with Qiskit's OpenQASM 3 importer, binds the parameters, drops idle
/// qubits, and prints P(c[0] = 0) per binding as JSON.
const SCRIPT: &str = r#"
import json, sys
import qiskit.qasm3
from qiskit.converters import circuit_to_dag, dag_to_circuit
from qiskit.quantum_info import Statevector
job = json.load(open(sys.argv[1]))
out = []
for path in job["programs"]:
    circuit = qiskit.qasm3.loads(open(path).read())
    measured = {}
    for instruction in circuit.data:
        if instruction.operation.name == "measure":
            clbit = circuit.find_bit(instruction.clbits[0]).index
            measured[clbit] = instruction.qubits[0]
    # Two-qubit gates on the program's physical qubits, as Qiskit sees them.
    names = sorted({i.operation.name for i in circuit.data})
    dag = circuit_to_dag(circuit.remove_final_measurements(inplace=False))
    idle = [w for w in dag.idle_wires() if w in dag.qubits and w is not measured[0]]
    dag.remove_qubits(*idle)
    compact = dag_to_circuit(dag)
    target = compact.find_bit(measured[0]).index
    p0 = []
    for binding in job["bindings"]:
        values = {p: binding[p.name] for p in compact.parameters}
        state = Statevector(compact.assign_parameters(values))
        p0.append(float(state.probabilities([target])[0]))
    out.append({"names": names, "p0": p0})
print(json.dumps(out))
"#;

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("interop_targets");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// P(c[0] = 0) of `circuit` at `binding` (values in the circuit's input order).
fn p0(circuit: &Circuit, binding: &[f64]) -> f64 {
    let qubit = circuit
        .instructions()
        .iter()
        .find_map(|i| match i {
            Instruction::Measure { qubit, clbit: 0 } => Some(*qubit),
            _ => None,
        })
        .unwrap();
    let program = Program::compile(circuit, Amplitude::Complex).unwrap();
    program.run(binding).unwrap().marginal(&[qubit])[0]
}

#[test]
fn qiskit_reads_ibm_translated_paper_layers_with_the_same_distribution() {
    let python = match interop_python(&["numpy", "qiskit", "qiskit_qasm3_import"]) {
        Ok(p) => p,
        Err(reason) => {
            eprintln!("skipped: Qiskit target interop: {reason}");
            return;
        }
    };
    let devices = ["ibm_eagle_127_ecr", "ibm_eagle_127_cz", "line_16"];
    for preset in ["paper_sequence", "paper_conditional"] {
        let reference = scratch(&format!("{preset}_ref.qasm"));
        assert!(
            qattnc(&[
                "compile",
                "--preset",
                preset,
                "-O0",
                "-o",
                reference.to_str().unwrap()
            ])
            .status
            .success()
        );
        let text = std::fs::read_to_string(&reference).unwrap();
        let circuit = qattnc::qasm::parse(&text, "ref", &Default::default()).unwrap();
        let inputs = circuit.inputs().to_vec();
        let rows: Vec<Vec<f64>> = (0..4)
            .map(|r| {
                (0..inputs.len())
                    .map(|k| ((r * 7 + k * 3) % 11) as f64 * 0.55 - 2.7)
                    .collect()
            })
            .collect();
        let want: Vec<f64> = rows.iter().map(|row| p0(&circuit, row)).collect();
        let mut programs = Vec::new();
        for device in devices {
            let program = scratch(&format!("{preset}_{device}.qasm"));
            let out = qattnc(&[
                "compile",
                "--preset",
                preset,
                "--target",
                &format!("circuits/devices/{device}.json"),
                "-o",
                program.to_str().unwrap(),
            ]);
            assert!(out.status.success(), "{}", common::text(&out.stderr));
            programs.push(program.to_str().unwrap().to_string());
        }
        let bindings: Vec<serde_json::Value> = rows
            .iter()
            .map(|row| {
                json!(
                    inputs
                        .iter()
                        .cloned()
                        .zip(row.iter().map(|&v| json!(v)))
                        .collect::<serde_json::Map<_, _>>()
                )
            })
            .collect();
        let job = scratch(&format!("{preset}_job.json"));
        std::fs::write(
            &job,
            json!({"programs": programs, "bindings": bindings}).to_string(),
        )
        .unwrap();
        let out = Command::new(&python)
            .args(["-c", SCRIPT, job.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", common::text(&out.stderr));
        let results: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        for (device, result) in devices.iter().zip(results.as_array().unwrap()) {
            let names: Vec<&str> = result["names"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap())
                .collect();
            let two_qubit = if device.ends_with("ecr") { "ecr" } else { "cz" };
            assert!(names.contains(&two_qubit), "{device}: {names:?}");
            for (w, g) in want.iter().zip(result["p0"].as_array().unwrap()) {
                let g = g.as_f64().unwrap();
                assert!(
                    (w - g).abs() < 1e-9,
                    "{preset} on {device}: qattnc {w}, Qiskit {g}"
                );
            }
        }
    }
}
