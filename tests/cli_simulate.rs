//! `qattnc simulate` end to end: outputs, the JSON summary, and bad input (exit code 2 with
//! `file:line:column`).

mod common;

use common::{last_json, qattnc};
use std::path::{Path, PathBuf};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("qattnc-cli-sim-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const PROGRAM: &str = "OPENQASM 3;\ninclude \"stdgates.inc\";\ninput float[64] a;\n\
                       input float[64] b;\nqubit[2] q;\nbit[1] c;\nry(a) q[0];\ncry(b) q[0], q[1];\n\
                       c[0] = measure q[0];\n";

#[test]
fn csv_bindings_give_exact_readouts() {
    let dir = temp_dir("csv");
    let program = write(&dir, "p.qasm", PROGRAM);
    let bind = write(&dir, "b.csv", "b,a\n0.5,0\n0,3.141592653589793\n0,1\n");
    let out = dir.join("out.csv");
    let run = qattnc(&[
        "simulate",
        &program,
        "--bind",
        &bind,
        "-o",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let csv = std::fs::read_to_string(&out).unwrap();
    let rows: Vec<Vec<f64>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|v| v.parse().unwrap()).collect())
        .collect();
    assert_eq!(csv.lines().next(), Some("expectation_z0,p0,p1"));
    assert_eq!(rows.len(), 3);
    assert!((rows[0][0] - 1.0).abs() < 1e-12 && (rows[0][1] - 1.0).abs() < 1e-12);
    assert!((rows[1][0] + 1.0).abs() < 1e-12 && (rows[1][2] - 1.0).abs() < 1e-12);
    assert!((rows[2][0] - 1f64.cos()).abs() < 1e-12);
    let summary = last_json(&run);
    assert_eq!(summary["rows"], 3);
    assert_eq!(summary["qubits"], 2);
    assert!(summary["circuits_per_second"].as_f64().unwrap() > 0.0);
}

#[test]
fn random_bindings_and_shots_are_seeded() {
    let dir = temp_dir("random");
    let program = write(&dir, "p.qasm", PROGRAM);
    let run = |seed: &str| {
        let out = qattnc(&[
            "simulate",
            &program,
            "--bind-random",
            "20",
            "--seed",
            seed,
            "--shots",
            "100",
        ]);
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(run("4"), run("4"));
    assert_ne!(run("4"), run("5"));
    assert_eq!(run("4").lines().count(), 21);
}

#[test]
fn bad_program_is_exit_code_2_with_location() {
    let dir = temp_dir("bad");
    let program = write(
        &dir,
        "bad.qasm",
        "OPENQASM 3;\nqubit[2] q;\nh q[0]\ncx q[0], q[1];\n",
    );
    let bind = write(&dir, "b.csv", "x\n1\n");
    let run = qattnc(&["simulate", &program, "--bind", &bind]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert!(
        stderr.contains(&format!("{program}:4:1: expected ")),
        "{stderr}"
    );
    assert!(
        stderr.contains("`;`") && stderr.contains("found `cx`"),
        "{stderr}"
    );
    let program = write(
        &dir,
        "loop.qasm",
        "OPENQASM 3;\nqubit q;\nfor int i in [0:3] { x q; }\n",
    );
    let run = qattnc(&["simulate", &program, "--bind-random", "1"]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert!(
        stderr.contains("loop.qasm:3:1:") && stderr.contains("control flow"),
        "{stderr}"
    );
}

#[test]
fn unknown_and_missing_inputs_are_named() {
    let dir = temp_dir("names");
    let program = write(&dir, "p.qasm", PROGRAM);
    let bind = write(&dir, "b.csv", "a,zeta\n1,2\n");
    let run = qattnc(&["simulate", &program, "--bind", &bind]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert!(
        stderr.contains(&format!("{bind}:1:3: unknown input(s) `zeta`")),
        "{stderr}"
    );
    let bind = write(&dir, "b.json", "[{\"a\": 1}]");
    let run = qattnc(&["simulate", &program, "--bind", &bind]);
    assert_eq!(run.status.code(), Some(2));
    let stderr = String::from_utf8(run.stderr).unwrap();
    assert!(stderr.contains("missing input(s) `b`"), "{stderr}");
}

#[test]
fn the_qubit_limit_is_configurable() {
    let dir = temp_dir("limit");
    let program = write(&dir, "wide.qasm", "OPENQASM 3;\nqubit[5] q;\nh q;\n");
    let run = qattnc(&[
        "simulate",
        &program,
        "--bind-random",
        "1",
        "--max-qubits",
        "4",
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&run.stderr)
            .contains("wide.qasm:2:1: the program would have 5 qubits")
    );
    let run = qattnc(&["simulate", &program, "--bind-random", "1"]);
    assert!(run.status.success());
}
