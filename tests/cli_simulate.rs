//! `qattnc simulate` end to end: outputs, the JSON summary, and bad input (exit code 2 with
//! `file:line:column`).

mod common;

use common::{last_json, qattnc, text};
use std::path::{Path, PathBuf};
use std::process::Output;

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

/// Runs `qattnc simulate program args…`.
fn simulate(program: &str, args: &[&str]) -> Output {
    qattnc(&[&["simulate", program], args].concat())
}

/// Runs `qattnc simulate program args…`, which must fail with exit code 2; its stderr.
fn rejected(program: &str, args: &[&str]) -> String {
    let run = simulate(program, args);
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stdout));
    text(&run.stderr)
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
    let run = simulate(
        &program,
        &["--bind", &bind, "-o", out.to_str().unwrap(), "--json"],
    );
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
        let out = simulate(
            &program,
            &["--bind-random", "20", "--seed", seed, "--shots", "100"],
        );
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
    let stderr = rejected(&program, &["--bind", &bind]);
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
    let stderr = rejected(&program, &["--bind-random", "1"]);
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
    let stderr = rejected(&program, &["--bind", &bind]);
    assert!(
        stderr.contains(&format!("{bind}:1:3: unknown input(s) `zeta`")),
        "{stderr}"
    );
    let bind = write(&dir, "b.json", "[{\"a\": 1}]");
    let stderr = rejected(&program, &["--bind", &bind]);
    assert!(stderr.contains("missing input(s) `b`"), "{stderr}");
}

#[test]
fn the_qubit_limit_is_configurable() {
    let dir = temp_dir("limit");
    let program = write(&dir, "wide.qasm", "OPENQASM 3;\nqubit[5] q;\nh q;\n");
    assert!(
        rejected(&program, &["--bind-random", "1", "--max-qubits", "4"])
            .contains("wide.qasm:2:1: the program would have 5 qubits")
    );
    let run = simulate(&program, &["--bind-random", "1"]);
    assert!(run.status.success());
}

fn stdout_rows(run: &Output) -> (String, Vec<Vec<String>>) {
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let text = String::from_utf8(run.stdout.clone()).unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_string();
    let rows = lines
        .filter(|l| !l.starts_with('{'))
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    (header, rows)
}

#[test]
fn observables_are_columns_headed_by_their_expressions() {
    let dir = temp_dir("observables");
    let program = write(&dir, "p.qasm", PROGRAM);
    let bind = write(&dir, "b.csv", "a,b\n1,0.5\n-0.3,2\n");
    let run = simulate(
        &program,
        &[
            "--bind",
            &bind,
            "--observable",
            "Z0",
            "--observable",
            "0.5*Z0*Z1 - X1",
            "--observable",
            "2",
            "--observable",
            "-Z0",
        ],
    );
    let (header, rows) = stdout_rows(&run);
    assert_eq!(header, "Z0,0.5*Z0*Z1 - X1,2,-Z0");
    for (row, (a, b)) in rows.iter().zip([(1.0f64, 0.5f64), (-0.3, 2.0)]) {
        let values: Vec<f64> = row.iter().map(|v| v.parse().unwrap()).collect();
        let (c2, s2) = ((a / 2.0).cos().powi(2), (a / 2.0).sin().powi(2));
        let zz = c2 - s2 * b.cos();
        let x1 = s2 * b.sin();
        assert!((values[0] - a.cos()).abs() < 1e-12, "{values:?}");
        assert!((values[1] - (0.5 * zz - x1)).abs() < 1e-12, "{values:?}");
        assert!((values[2] - 2.0).abs() < 1e-15);
        assert!((values[3] + a.cos()).abs() < 1e-12, "{values:?}");
    }
    let f32_run = simulate(
        &program,
        &[
            "--bind",
            &bind,
            "--observable",
            "0.5*Z0*Z1 - X1",
            "--precision",
            "f32",
        ],
    );
    let (_, single) = stdout_rows(&f32_run);
    for (r32, r64) in single.iter().zip(&rows) {
        let (x, y): (f64, f64) = (r32[0].parse().unwrap(), r64[1].parse().unwrap());
        assert!((x - y).abs() < 1e-5, "{x} vs {y}");
    }
}

#[test]
fn bad_observables_are_located_exit_code_2() {
    let dir = temp_dir("bad-observable");
    let program = write(&dir, "p.qasm", PROGRAM);
    let stderr = rejected(
        &program,
        &["--bind-random", "1", "--observable", "0.5*X1*Q3"],
    );
    assert!(
        stderr.contains("--observable:1:8: expected a Pauli factor") && stderr.contains("^"),
        "{stderr}"
    );
    let stderr = rejected(&program, &["--bind-random", "1", "--observable", "Z5"]);
    assert!(
        stderr.contains("qubit 5, but the circuit has 2 qubits"),
        "{stderr}"
    );
    assert!(
        rejected(
            &program,
            &["--bind-random", "1", "--observable", "Z0", "--shots", "10",]
        )
        .contains("observables are exact")
    );
}

#[test]
fn probabilities_and_counts_of_the_measured_bits() {
    let dir = temp_dir("probabilities");
    let program = write(
        &dir,
        "p.qasm",
        "OPENQASM 3;\ninclude \"stdgates.inc\";\ninput float[64] a;\ninput float[64] b;\n\
         qubit[3] q;\nbit[3] c;\nry(a) q[0];\ncry(b) q[0], q[1];\nh q[2];\n\
         c[0] = measure q[0];\nc[2] = measure q[1];\n",
    );
    let bind = write(&dir, "b.csv", "a,b\n1,0.5\n");
    let run = simulate(&program, &["--bind", &bind, "--probabilities"]);
    let (header, rows) = stdout_rows(&run);
    assert_eq!(header, "row,outcome,probability");
    // Outcome "c2 c0": c0 = q0, c2 = q1.
    let (c2, s2) = (0.5f64.cos().powi(2), 0.5f64.sin().powi(2));
    let (cb, sb) = (0.25f64.cos().powi(2), 0.25f64.sin().powi(2));
    let expected = [("00", c2), ("01", s2 * cb), ("10", 0.0), ("11", s2 * sb)];
    assert_eq!(rows.len(), 4);
    for (row, (outcome, p)) in rows.iter().zip(expected) {
        assert_eq!((row[0].as_str(), row[1].as_str()), ("0", outcome));
        assert!(
            (row[2].parse::<f64>().unwrap() - p).abs() < 1e-12,
            "{row:?}"
        );
    }
    let counts = |seed: &str| {
        let run = simulate(
            &program,
            &[
                "--bind",
                &bind,
                "--probabilities",
                "--shots",
                "2000",
                "--seed",
                seed,
            ],
        );
        let (header, rows) = stdout_rows(&run);
        assert_eq!(header, "row,outcome,count");
        rows
    };
    let first = counts("7");
    assert_eq!(first, counts("7"));
    let total: u64 = first.iter().map(|r| r[2].parse::<u64>().unwrap()).sum();
    assert_eq!(total, 2000);
    assert!(first.iter().all(|r| r[1] != "10"), "{first:?}");
    let zeros: f64 = first
        .iter()
        .filter(|r| r[1] == "00")
        .map(|r| r[2].parse::<f64>().unwrap())
        .sum();
    assert!((zeros / 2000.0 - c2).abs() < 0.05, "{zeros}");
}

#[test]
fn unmeasured_programs_give_the_distribution_of_every_qubit() {
    let dir = temp_dir("unmeasured");
    let program = write(
        &dir,
        "p.qasm",
        "OPENQASM 3;\ninclude \"stdgates.inc\";\nqubit[2] q;\nx q[1];\n",
    );
    let run = simulate(&program, &["--bind-random", "1", "--probabilities"]);
    let (_, rows) = stdout_rows(&run);
    let ones: Vec<&str> = rows
        .iter()
        .filter(|r| r[2].parse::<f64>().unwrap() > 0.5)
        .map(|r| r[1].as_str())
        .collect();
    assert_eq!(ones, ["10"]);
}

#[test]
fn the_memory_guard_names_the_need_and_the_limit() {
    let dir = temp_dir("memory");
    let cx: String = (0..19)
        .map(|i| format!("cx q[{i}], q[{}];\n", i + 1))
        .collect();
    let program = write(
        &dir,
        "p.qasm",
        &format!("OPENQASM 3;\ninclude \"stdgates.inc\";\nqubit[20] q;\nh q;\n{cx}"),
    );
    let stderr = rejected(
        &program,
        &[
            "--bind-random",
            "1",
            "--observable",
            "Z19",
            "--max-memory",
            "4M",
        ],
    );
    assert!(
        stderr.contains("simulating 20 qubits needs") && stderr.contains("the limit is 4.00 MiB"),
        "{stderr}"
    );
    // ⟨Z0⟩'s cone is two qubits: it fits.
    let run = simulate(
        &program,
        &["--bind-random", "1", "--max-memory", "4M", "--json"],
    );
    let summary = last_json(&run);
    assert_eq!(summary["simulated_qubits"], 2);
    rejected(&program, &["--bind-random", "1", "--max-memory", "lots"]);
}
