//! `qattnc simulate --observable/--probabilities` against Qiskit's `Statevector` on random
//! circuits of 2–8 qubits with every standard gate and random terminal measurements
//! (tests/interop/check_simulate.py writes the programs and Qiskit's values). Without the interop
//! venv (`make interop`) the test prints `skipped: …` and passes.

mod common;

use common::{interop_python, qattnc};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn stdout(run: &std::process::Output) -> String {
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8(run.stdout.clone()).unwrap()
}

#[test]
fn observables_and_probabilities_equal_qiskit_statevector() {
    let python = match interop_python(&["qiskit"]) {
        Ok(p) => p,
        Err(reason) => {
            eprintln!("skipped: simulator readouts against Qiskit: {reason}");
            return;
        }
    };
    let dir = tempfile::tempdir().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/check_simulate.py");
    let made = Command::new(&python)
        .arg(&script)
        .arg(dir.path())
        .args(["--cases", "60", "--seed", "5"])
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let expected: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("expected.json")).unwrap())
            .unwrap();
    let mut worst = 0.0f64;
    for case in expected.as_array().unwrap() {
        let program = case["program"].as_str().unwrap();
        let observables = case["observables"].as_array().unwrap();
        let mut args = vec!["simulate", program, "--bind-random", "1"];
        for o in observables {
            args.extend(["--observable", o["text"].as_str().unwrap()]);
        }
        let text = stdout(&qattnc(&args));
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let values: Vec<f64> = lines
            .next()
            .unwrap()
            .split(',')
            .map(|v| v.parse().unwrap())
            .collect();
        for ((o, name), value) in observables.iter().zip(&header).zip(&values) {
            assert_eq!(*name, o["text"].as_str().unwrap());
            let want = o["value"].as_f64().unwrap();
            worst = worst.max((value - want).abs());
            assert!(
                (value - want).abs() < 1e-9,
                "{program}: {name}: {value} vs {want}"
            );
        }
        let text = stdout(&qattnc(&[
            "simulate",
            program,
            "--bind-random",
            "1",
            "--probabilities",
        ]));
        let bits = case["measured_bits"].as_u64().unwrap() as usize;
        let rows: Vec<Vec<&str>> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        assert_eq!(rows.len(), 1 << bits, "{program}");
        let qiskit = &case["probabilities"];
        for row in rows {
            assert_eq!(row[1].len(), bits);
            let got: f64 = row[2].parse().unwrap();
            let want = qiskit[row[1]].as_f64().unwrap_or(0.0);
            worst = worst.max((got - want).abs());
            assert!(
                (got - want).abs() < 1e-9,
                "{program}: {}: {got} vs {want}",
                row[1]
            );
        }
    }
    eprintln!(
        "{} random circuits: worst difference from Qiskit {worst:.1e}",
        expected.as_array().unwrap().len()
    );
}
