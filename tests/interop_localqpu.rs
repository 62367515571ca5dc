//! Interoperability with a real third-party emulator: the PyPI package `localqpu[braket]`, whose
//! Braket REST API runs Amazon's own OpenQASM 3 simulator. The test starts
//! `localqpu start --port P` from the virtual environment at `$QATTNC_INTEROP_VENV` (default
//! `$HOME/.cache/qattnc/interop-venv`) on 127.0.0.1 and skips, saying so, when it is absent.
//!
//! IBM is not tested here: localqpu's IBM sampler decodes pubs only as QPY and rejects OpenQASM
//! strings (design.md §7); tests/backend_providers.rs covers IBM against a stub instead.

mod common;

use common::{assert_within_5_sigma, exact_scores, job, paper_circuit, quick_settings};
use qattnc::backend::{Backend, BraketBackend, BraketConfig, Cancel, SV1_ARN, Secret};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn localqpu() -> Option<PathBuf> {
    let bin = common::interop_venv().ok()?.join("bin/localqpu");
    bin.is_file().then_some(bin)
}

/// Kills the emulator this test started when the test ends, however it ends.
struct Emulator(Child);

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn braket_provider_against_localqpu_within_5_sigma() {
    let Some(bin) = localqpu() else {
        eprintln!(
            "skipped: localqpu is not installed (pip install 'localqpu[braket]' into \
             $QATTNC_INTEROP_VENV or ~/.cache/qattnc/interop-venv)"
        );
        return;
    };
    let port = free_port();
    let child = Command::new(&bin)
        .args(["start", "--host", "127.0.0.1", "--port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("localqpu starts");
    let mut emulator = Emulator(child);
    // Python's imports alone take tens of seconds on a loaded 2-core machine (20 s was seen to
    // run out beside two trainings), so allow two minutes and report an early exit at once.
    let start = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        if let Ok(Some(status)) = emulator.0.try_wait() {
            panic!("localqpu exited with {status} before listening on {port}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "localqpu did not listen on {port} within 120 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let config = BraketConfig {
        endpoint: Some(format!("http://127.0.0.1:{port}")),
        region: "us-east-1".into(),
        device_arn: SV1_ARN.into(),
        bucket: "amazon-braket-qattnc-interop".into(),
        prefix: "tasks".into(),
        access_key_id: Secret::new("AKIDLOCALQPU"),
        secret_access_key: Secret::new("not-a-real-secret"),
        session_token: None,
        settings: quick_settings(),
    };
    let backend = BraketBackend::new(config, None).unwrap();
    let job = job(paper_circuit(), 4, Some(4000), 31);
    let exact = exact_scores(&job);
    let estimates = backend.run(&job, &Cancel::never()).await.unwrap();
    assert_within_5_sigma(&estimates, &exact, 4000);
}
