//! `qattnc serve` and `qattnc submit` as processes, on 127.0.0.1 only: the IonQ client through
//! the CLI against the served simulator, configuration errors (exit 2) and credentials that never
//! appear in any output.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_qattnc");
const SENTINEL: &str = "sk-CLI-SENTINEL-40d1";

/// A `qattnc serve` this test started; killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(extra: &[&str], env: &[(&str, &str)]) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--listen", &listen])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        command.env(k, v);
    }
    let server = Server {
        child: command.spawn().unwrap(),
        port,
    };
    let start = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "serve did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("qattnc-cli-submit-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The -O3 paper circuit and a CSV of 3 bindings in `dir`.
fn program_and_bindings(dir: &Path) -> (PathBuf, PathBuf) {
    let program = dir.join("score.qasm");
    let status = Command::new(BIN)
        .args(["compile", "--preset", "paper_sequence", "-o"])
        .arg(&program)
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&program).unwrap();
    let names: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("input float[64] ")?.strip_suffix(';'))
        .collect();
    let mut csv = names.join(",") + "\n";
    for row in 0..3 {
        let values: Vec<String> = (0..names.len())
            .map(|k| format!("{:.4}", ((row * 31 + k * 7) % 63) as f64 / 10.0 - 3.1))
            .collect();
        csv += &(values.join(",") + "\n");
    }
    let bindings = dir.join("bindings.csv");
    std::fs::write(&bindings, csv).unwrap();
    (program, bindings)
}

fn submit(args: &[&str], program: &Path, bindings: &Path, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BIN);
    command
        .arg("submit")
        .arg(program)
        .arg("--bind")
        .arg(bindings)
        .args(args);
    command
        .env_remove("IONQ_API_KEY")
        .env_remove("QATTNC_BRAKET_BUCKET");
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().unwrap()
}

fn column(csv: &str, name: &str) -> Vec<String> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let k = header.iter().position(|h| *h == name).unwrap();
    lines
        .map(|l| l.split(',').nth(k).unwrap().to_string())
        .collect()
}

#[test]
fn submit_to_serve_agrees_with_the_exact_local_scores() {
    let dir = temp_dir("e2e");
    let (program, bindings) = program_and_bindings(&dir);
    let server = serve(&[], &[]);
    let out = dir.join("out.csv");
    let endpoint = format!("http://127.0.0.1:{}", server.port);
    let remote = submit(
        &[
            "--provider",
            "ionq",
            "--endpoint",
            &endpoint,
            "--shots",
            "4000",
            "-o",
            out.to_str().unwrap(),
        ],
        &program,
        &bindings,
        &[],
    );
    assert!(
        remote.status.success(),
        "{}",
        String::from_utf8_lossy(&remote.stderr)
    );
    let remote_csv = std::fs::read_to_string(&out).unwrap();
    let exact = submit(&["--provider", "local"], &program, &bindings, &[]);
    assert!(exact.status.success());
    let exact_csv = String::from_utf8(exact.stdout).unwrap();
    let estimates = column(&remote_csv, "expectation_z0");
    let errors = column(&remote_csv, "std_error");
    let scores = column(&exact_csv, "expectation_z0");
    assert_eq!(estimates.len(), 3);
    for ((e, s), z) in estimates.iter().zip(&errors).zip(&scores) {
        let (e, s, z): (f64, f64, f64) =
            (e.parse().unwrap(), s.parse().unwrap(), z.parse().unwrap());
        assert!(
            s > 0.0 && (e - z).abs() <= 5.0 * s.max(1e-3),
            "{e} vs {z} (σ {s})"
        );
    }
    let counts = column(&remote_csv, "count_0");
    let ones = column(&remote_csv, "count_1");
    for (a, b) in counts.iter().zip(&ones) {
        let total: u64 = a.parse::<u64>().unwrap() + b.parse::<u64>().unwrap();
        assert!(total.abs_diff(4000) <= 2);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn configuration_errors_exit_2_and_name_the_variable() {
    let dir = temp_dir("config");
    let (program, bindings) = program_and_bindings(&dir);
    let cases: [(&[&str], &str); 4] = [
        (&["--provider", "ionq", "--shots", "10"], "IONQ_API_KEY"),
        (
            &["--provider", "braket", "--shots", "10"],
            "QATTNC_BRAKET_BUCKET",
        ),
        (
            &[
                "--provider",
                "braket",
                "--shots",
                "10",
                "--s3-bucket",
                "my-bucket",
            ],
            "amazon-braket-",
        ),
        (&["--provider", "ibm", "--shots", "10"], "--device"),
    ];
    for (args, expected) in cases {
        let output = submit(args, &program, &bindings, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_refused_key_is_reported_but_never_printed() {
    let dir = temp_dir("key");
    let (program, bindings) = program_and_bindings(&dir);
    let server = serve(
        &["--key-env", "QATTNC_TEST_SERVE_KEY"],
        &[("QATTNC_TEST_SERVE_KEY", "the-right-key")],
    );
    let endpoint = format!("http://127.0.0.1:{}", server.port);
    let output = submit(
        &[
            "--provider",
            "ionq",
            "--endpoint",
            &endpoint,
            "--shots",
            "100",
            "-v",
        ],
        &program,
        &bindings,
        &[("IONQ_API_KEY", SENTINEL)],
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("refused the credentials (HTTP 401)"),
        "{stderr}"
    );
    assert!(
        !stdout.contains(SENTINEL) && !stderr.contains(SENTINEL),
        "{stderr}"
    );
    let accepted = submit(
        &[
            "--provider",
            "ionq",
            "--endpoint",
            &endpoint,
            "--shots",
            "100",
            "-v",
        ],
        &program,
        &bindings,
        &[("IONQ_API_KEY", "the-right-key")],
    );
    assert!(
        accepted.status.success(),
        "{}",
        String::from_utf8_lossy(&accepted.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
