//! Helpers shared by the integration tests: running the `qattnc` binary, shared-data lookup
//! and fixtures; for the backend
//! tests the compiled paper circuit, random bindings, exact
//! scores, a log sink and servers on 127.0.0.1 (loopback only).

#![allow(dead_code)] // each test crate uses a different subset

use qattnc::backend::http::{HttpSettings, Logger};
use qattnc::backend::{Estimate, Job, LocalBackend};
use qattnc::compile::compile_layer;
use qattnc::emit::{EmitOptions, emit_qasm3};
use qattnc::ir::Circuit;
use qattnc::layer::preset;
use qattnc::qasm::{ParseOptions, parse};
use qattnc::sim::Bindings;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Runs the `qattnc` binary with `args`, its dataset cache in the test target directory.
pub fn qattnc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qattnc"))
        .args(args)
        .env("QATTNC_CACHE_DIR", env!("CARGO_TARGET_TMPDIR"))
        .output()
        .unwrap()
}

/// Output bytes as text (lossy).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The JSON object on the last line of a `--json` run's standard output.
pub fn last_json(run: &Output) -> serde_json::Value {
    let stdout = text(&run.stdout);
    serde_json::from_str(stdout.lines().last().expect("some output")).unwrap()
}

/// A credential that must never appear in any output.
pub const SENTINEL: &str = "sk-SENTINEL-9c41e7d2b";

/// The paper's sequence layer compiled at -O3, emitted and parsed back, as `qattnc submit`
/// reads it.
pub fn paper_circuit() -> Circuit {
    let spec = preset("paper_sequence").unwrap().unwrap();
    let compiled = compile_layer(&spec, 3, None);
    let text = emit_qasm3(&compiled.circuit, &EmitOptions::default());
    parse(&text, "paper_sequence.qasm", &ParseOptions::default()).unwrap()
}

/// A job of `rows` random bindings of `circuit`.
pub fn job(circuit: Circuit, rows: usize, shots: Option<u64>, seed: u64) -> Job {
    let bindings = Bindings::random(circuit.inputs().len(), rows, seed).unwrap();
    Job {
        circuit,
        bindings,
        shots,
        seed,
    }
}

/// Exact ⟨Z_0⟩ per binding of `job`.
pub fn exact_scores(job: &Job) -> Vec<f64> {
    let exact = Job {
        shots: None,
        ..job.clone()
    };
    LocalBackend::run_blocking(&exact)
        .unwrap()
        .iter()
        .map(|e| e.expectation_z0)
        .collect()
}

/// Asserts every estimate is within 5σ of the exact score (σ from the exact score).
pub fn assert_within_5_sigma(estimates: &[Estimate], exact: &[f64], shots: u64) {
    assert_eq!(estimates.len(), exact.len());
    for (k, (e, &z)) in estimates.iter().zip(exact).enumerate() {
        let sigma = ((1.0 - z * z).max(1e-4) / shots as f64).sqrt();
        assert!(
            (e.expectation_z0 - z).abs() <= 5.0 * sigma,
            "binding {k}: estimate {} vs exact {z} (σ = {sigma})",
            e.expectation_z0
        );
        assert_eq!(e.shots, Some(shots));
        let total: u64 = e.counts.values().sum();
        assert!(total.abs_diff(shots) <= 2, "binding {k}: {total} counts");
        assert!(e.std_error > 0.0 && e.std_error < 0.02);
    }
}

/// Fast retries and short timeouts for tests.
pub fn quick_settings() -> HttpSettings {
    HttpSettings {
        request_timeout: Duration::from_secs(5),
        job_timeout: Duration::from_secs(20),
        max_attempts: 3,
        backoff: Duration::from_millis(10),
        max_backoff: Duration::from_millis(200),
        max_retry_after: Duration::from_secs(5),
        concurrency: 8,
    }
}

/// A logger that keeps every line.
pub fn capture_log() -> (Logger, Arc<Mutex<Vec<String>>>) {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let logger: Logger = Arc::new(move |line: &str| sink.lock().unwrap().push(line.to_string()));
    (logger, lines)
}

/// Serves `router` on 127.0.0.1 (a free port) until the returned sender is dropped or fired.
pub async fn spawn_router(router: axum::Router) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
            .unwrap();
    });
    (address, tx)
}

/// The shared data folder (`$QATTNC_SHARED`, else `../shared/data` beside the crate), or `None`
/// after printing why the test using it is skipped.
pub fn shared_data(test: &str) -> Option<PathBuf> {
    let dir = match std::env::var_os("QATTNC_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
    };
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipping {test}: shared data folder {} is absent (set QATTNC_SHARED)",
            dir.display()
        );
        None
    }
}

/// A file in `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The interop venv's folder (made by `make interop`): `$QATTNC_INTEROP_VENV`, else
/// `$HOME/.cache/qattnc/interop-venv`; it need not exist.
pub fn interop_venv() -> Result<PathBuf, String> {
    match std::env::var_os("QATTNC_INTEROP_VENV") {
        Some(dir) if !dir.is_empty() => Ok(PathBuf::from(dir)),
        _ => {
            let home = std::env::var_os("HOME").ok_or("HOME is not set")?;
            Ok(PathBuf::from(home).join(".cache/qattnc/interop-venv"))
        }
    }
}

/// The Python of the [interop venv](interop_venv) once it imports every one of `modules`, or
/// the reason the interop check using it is skipped.
pub fn interop_python(modules: &[&str]) -> Result<PathBuf, String> {
    let venv = interop_venv()?;
    let python = venv.join("bin/python");
    if !python.exists() {
        return Err(format!(
            "no interop venv at {} (run `make interop` to create it)",
            venv.display()
        ));
    }
    let probe = Command::new(&python)
        .args(["-c", &format!("import {}", modules.join(", "))])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", python.display()))?;
    if !probe.status.success() {
        return Err(format!(
            "the venv at {} lacks {} (run `make interop`): {}",
            venv.display(),
            modules.join("/"),
            text(&probe.stderr).lines().last().unwrap_or("").trim()
        ));
    }
    Ok(python)
}

/// The binding of a score program's inputs for the causal pair (i, j): each input named in
/// `query_names` takes its value from `query_row` (token i's query-side angles), every other
/// from `key_row` by its position in `key_names` (token j's key-side angles).
pub fn pair_binding(
    inputs: &[String],
    query_names: &[String],
    key_names: &[String],
    query_row: &[f64],
    key_row: &[f64],
) -> Vec<f64> {
    inputs
        .iter()
        .map(|name| match query_names.iter().position(|n| n == name) {
            Some(k) => query_row[k],
            None => {
                let k = key_names
                    .iter()
                    .position(|n| n == name)
                    .expect("a key input");
                key_row[k]
            }
        })
        .collect()
}

/// `circuit` on its used qubits only, renumbered in order (routed programs name physical qubits
/// up to the device's size), measurements kept.
pub fn compact(circuit: &Circuit) -> Circuit {
    let mut used: Vec<usize> = circuit
        .instructions()
        .iter()
        .flat_map(qattnc::ir::Instruction::qubits)
        .collect();
    used.sort_unstable();
    used.dedup();
    let index = |q: usize| used.binary_search(&q).unwrap();
    let instructions = circuit
        .instructions()
        .iter()
        .map(|i| match i {
            qattnc::ir::Instruction::Gate(op) => {
                let mut op = op.clone();
                op.targets.iter_mut().for_each(|t| *t = index(*t));
                op.controls
                    .iter_mut()
                    .for_each(|c| c.qubit = index(c.qubit));
                qattnc::ir::Instruction::Gate(op)
            }
            qattnc::ir::Instruction::Measure { qubit, clbit } => qattnc::ir::Instruction::Measure {
                qubit: index(*qubit),
                clbit: *clbit,
            },
            qattnc::ir::Instruction::Reset(q) => qattnc::ir::Instruction::Reset(index(*q)),
            qattnc::ir::Instruction::Barrier(qs) => {
                qattnc::ir::Instruction::Barrier(qs.iter().map(|&q| index(q)).collect())
            }
        })
        .collect();
    let mut out = Circuit::new(used.len(), circuit.num_clbits());
    for input in circuit.inputs() {
        out.declare_input(input.clone());
    }
    out.with_instructions(instructions)
}

/// Two trainings of `cfg` on `data()`: one straight through, one stopped after `stop` steps and
/// resumed from its checkpoint.
pub struct ResumedRuns {
    /// The straight run's checkpoint directory.
    pub straight: tempfile::TempDir,
    /// The stopped-and-resumed run's checkpoint directory.
    pub split: tempfile::TempDir,
    /// The straight run's report.
    pub report: qattnc::model::train::TrainReport,
    /// The straight run's training loss at every step.
    pub losses: Vec<f64>,
}

/// Trains `cfg` straight through and again stopped after `stop` steps and resumed, and asserts
/// that both runs end with the same losses and bit-identical weights.
pub fn assert_resume_is_bit_identical(
    cfg: &qattnc::model::Config,
    data: &dyn Fn() -> qattnc::model::train::TrainData,
    stop: usize,
) -> ResumedRuns {
    use qattnc::model::train::Trainer;
    let straight = tempfile::tempdir().unwrap();
    let mut losses = Vec::new();
    let mut a = Trainer::new(cfg.clone(), data(), "a".into()).unwrap();
    let report = a
        .run(straight.path(), None, &mut |e| losses.push(e.loss))
        .unwrap();
    let split = tempfile::tempdir().unwrap();
    let mut b = Trainer::new(cfg.clone(), data(), "b".into()).unwrap();
    b.run(split.path(), Some(stop), &mut |_| {}).unwrap();
    drop(b);
    let mut b = Trainer::resume(split.path(), data(), "b resumed".into()).unwrap();
    let resumed = b.run(split.path(), None, &mut |_| {}).unwrap();
    assert_eq!(report.total_steps, resumed.total_steps);
    assert_eq!(report.train_loss, resumed.train_loss);
    assert_eq!(report.val_loss, resumed.val_loss);
    let weights = |dir: &std::path::Path| std::fs::read(dir.join("model.safetensors")).unwrap();
    assert!(
        weights(straight.path()) == weights(split.path()),
        "weights differ after resume"
    );
    ResumedRuns {
        straight,
        split,
        report,
        losses,
    }
}
