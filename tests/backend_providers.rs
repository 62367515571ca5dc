//! The REST providers against small stub servers on 127.0.0.1, built from each service's
//! documented REST shapes: every failure mode (401, 404, 429 with Retry-After, 500, request
//! timeout, job failed, job timeout, Ctrl-C cancellation) with a clear message and no credential
//! in any output, and Braket and IBM end to end with the local simulator behind the stub.
//!
//! IBM note: the `localqpu` emulator's IBM sampler decodes pubs only as QPY and rejects OpenQASM
//! strings (design.md §7), so the IBM provider is tested only against the stub here, written from
//! IBM's documented REST API (`POST /identity/token`, `POST /api/v1/jobs`,
//! `GET /api/v1/jobs/{id}`, `GET /api/v1/jobs/{id}/results`).

mod common;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use common::{
    SENTINEL, assert_within_5_sigma, capture_log, exact_scores, job, paper_circuit, quick_settings,
    spawn_router,
};
use qattnc::backend::http::{HttpSettings, Logger};
use qattnc::backend::{
    Backend, BackendError, BraketBackend, BraketConfig, Cancel, IbmBackend, IbmConfig, IonqBackend,
    IonqConfig, IonqFormat, Job, LocalBackend, Secret,
};
use qattnc::opt::Basis;
use qattnc::qasm::{ParseOptions, parse};
use qattnc::sim::Bindings;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TOKEN: &str = "iam-TOKEN-SENTINEL-5521";

#[derive(Clone, Copy, Debug, PartialEq)]
enum Provider {
    Ionq,
    Braket,
    Ibm,
}

const PROVIDERS: [Provider; 3] = [Provider::Ionq, Provider::Braket, Provider::Ibm];

fn backend(
    provider: Provider,
    address: SocketAddr,
    settings: HttpSettings,
    log: Logger,
) -> Box<dyn Backend> {
    let endpoint = format!("http://{address}");
    match provider {
        Provider::Ionq => Box::new(
            IonqBackend::new(
                IonqConfig {
                    endpoint,
                    backend: "simulator".into(),
                    format: IonqFormat::Qasm3,
                    api_key: Some(Secret::new(SENTINEL)),
                    settings,
                },
                Some(log),
            )
            .unwrap(),
        ),
        Provider::Braket => Box::new(
            BraketBackend::new(
                BraketConfig {
                    endpoint: Some(endpoint),
                    region: "us-east-1".into(),
                    device_arn: qattnc::backend::SV1_ARN.into(),
                    bucket: "amazon-braket-qattnc-test".into(),
                    prefix: "tasks".into(),
                    access_key_id: Secret::new("AKIDQATTNCTEST"),
                    secret_access_key: Secret::new(SENTINEL),
                    session_token: Some(Secret::new("session-SENTINEL-31")),
                    settings,
                },
                Some(log),
            )
            .unwrap(),
        ),
        Provider::Ibm => Box::new(
            IbmBackend::new(
                IbmConfig {
                    endpoint: endpoint.clone(),
                    iam_endpoint: endpoint,
                    device: "ibm_stub".into(),
                    basis: Basis::IbmCz,
                    api_key: Secret::new(SENTINEL),
                    service_crn: "crn:v1:bluemix:public:quantum-computing:us-east:a/1::".into(),
                    settings,
                },
                Some(log),
            )
            .unwrap(),
        ),
    }
}

/// What a stub does.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    /// Every request answers this status with a JSON error body.
    Status(u16),
    /// Two 429s with `Retry-After: 1`, then 503 forever.
    RetryAfter,
    /// Every request sleeps 3 s.
    Slow,
    /// Jobs are accepted and fail.
    JobFails,
    /// Jobs are accepted and run forever.
    RunsForever,
    /// Jobs are simulated.
    Simulates,
}

#[derive(Default)]
struct Stub {
    requests: AtomicUsize,
    /// Braket task ids handed out (each creation its own, also when creations overlap).
    tasks: AtomicUsize,
    /// Status requests for a job or task: the client holds its id.
    polls: AtomicUsize,
    cancels: AtomicUsize,
    results: Mutex<HashMap<String, Value>>,
    leaked: Mutex<Vec<String>>,
}

type Shared = (Mode, Arc<Stub>);

fn error(status: u16, message: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap();
    (
        status,
        axum::Json(json!({"message": message, "error": status.as_str()})),
    )
        .into_response()
}

/// The generic failure behaviours; `None` when the provider-specific routes should answer.
async fn generic((mode, stub): &Shared) -> Option<Response> {
    let n = stub.requests.fetch_add(1, Ordering::SeqCst);
    match *mode {
        Mode::Status(code) => Some(error(code, &format!("stub says {code}"))),
        Mode::RetryAfter if n < 2 => {
            let mut r = error(429, "slow down");
            r.headers_mut().insert("retry-after", "1".parse().unwrap());
            Some(r)
        }
        Mode::RetryAfter => Some(error(503, "still overloaded")),
        Mode::Slow => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            Some(error(500, "too late"))
        }
        _ => None,
    }
}

fn status_for(mode: Mode, done: Value, failed: Value, running: Value) -> Value {
    match mode {
        Mode::JobFails => failed,
        Mode::RunsForever => running,
        _ => done,
    }
}

/// Keeps any header that carries a credential in clear text where it should not be.
fn check_headers(stub: &Stub, headers: &HeaderMap) {
    for (name, value) in headers {
        let value = value.to_str().unwrap_or_default();
        if name != "authorization" && value.contains(SENTINEL) {
            stub.leaked.lock().unwrap().push(name.to_string());
        }
    }
}

// ---- IonQ ----

async fn ionq_any(
    State(s): State<Shared>,
    headers: HeaderMap,
    path: axum::http::Uri,
    body: Bytes,
) -> Response {
    if let Some(r) = generic(&s).await {
        return r;
    }
    check_headers(&s.1, &headers);
    assert_eq!(
        headers["authorization"],
        format!("apiKey {SENTINEL}").as_str()
    );
    let path = path.path().to_string();
    if path == "/v0.4/jobs" {
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["type"], "ionq.qasm3.v1");
        return axum::Json(json!({"id": "job-1", "status": "submitted"})).into_response();
    }
    if path.ends_with("/status/cancel") {
        s.1.cancels.fetch_add(1, Ordering::SeqCst);
        return axum::Json(json!({"id": "job-1", "status": "canceled"})).into_response();
    }
    s.1.polls.fetch_add(1, Ordering::SeqCst);
    let status = status_for(
        s.0,
        json!({"id": "job-1", "status": "completed"}),
        json!({"id": "job-1", "status": "failed", "failure": {"error": "the trap lost an ion", "code": "QPUError"}}),
        json!({"id": "job-1", "status": "running"}),
    );
    axum::Json(status).into_response()
}

// ---- Braket ----

fn simulate_counts(
    circuit: qattnc::ir::Circuit,
    values: Vec<f64>,
    shots: u64,
    seed: u64,
) -> Vec<(u64, u64)> {
    let job = Job {
        circuit,
        bindings: Bindings { rows: 1, values },
        shots: Some(shots),
        seed,
    };
    let estimate = &LocalBackend::run_blocking(&job).unwrap()[0];
    estimate.counts.iter().map(|(&k, &c)| (k, c)).collect()
}

async fn braket_create(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = generic(&s).await {
        return r;
    }
    check_headers(&s.1, &headers);
    let auth = headers["authorization"].to_str().unwrap();
    assert!(
        auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDQATTNCTEST/")
            && auth.contains("/us-east-1/braket/aws4_request"),
        "{auth}"
    );
    assert!(headers.contains_key("x-amz-date") && headers.contains_key("x-amz-security-token"));
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        body["outputS3Bucket"]
            .as_str()
            .unwrap()
            .starts_with("amazon-braket-")
    );
    let action: Value = serde_json::from_str(body["action"].as_str().unwrap()).unwrap();
    assert_eq!(
        action["braketSchemaHeader"]["name"],
        "braket.ir.openqasm.program"
    );
    let source = action["source"].as_str().unwrap();
    assert!(
        !source.contains("stdgates") && !source.contains("cx "),
        "{source}"
    );
    let id = format!("task-{}", s.1.tasks.fetch_add(1, Ordering::SeqCst));
    if s.0 == Mode::Simulates {
        let circuit = parse(source, "task.qasm", &ParseOptions::default()).unwrap();
        let values: Vec<f64> = circuit
            .inputs()
            .iter()
            .map(|n| action["inputs"][n].as_f64().unwrap())
            .collect();
        let shots = body["shots"].as_u64().unwrap();
        // The physical qubit measured into c[0] (qubit 0 unless the program was routed).
        let readout = qattnc::backend::readout_qubits(&circuit)[0];
        let mut measurements = Vec::new();
        for (outcome, count) in simulate_counts(circuit, values, shots, 7) {
            for _ in 0..count {
                // localqpu's form: '0'/'1' strings, one measured qubit.
                measurements.push(json!([if outcome & 1 == 1 { "1" } else { "0" }]));
            }
        }
        s.1.results.lock().unwrap().insert(
            format!("tasks/{id}/results.json"),
            json!({"measuredQubits": [readout], "measurements": measurements}),
        );
    }
    axum::Json(json!({"quantumTaskArn": format!("arn:aws:braket:us-east-1:123456789012:quantum-task/{id}")})).into_response()
}

async fn braket_task(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path(arn): Path<String>,
) -> Response {
    check_headers(&s.1, &headers);
    s.1.polls.fetch_add(1, Ordering::SeqCst);
    let id = arn.rsplit('/').next().unwrap().to_string();
    axum::Json(status_for(
        s.0,
        json!({"quantumTaskArn": arn, "status": "COMPLETED", "outputS3Bucket": "amazon-braket-qattnc-test", "outputS3Directory": format!("tasks/{id}")}),
        json!({"quantumTaskArn": arn, "status": "FAILED", "failureReason": "the device is offline"}),
        json!({"quantumTaskArn": arn, "status": "RUNNING"}),
    ))
    .into_response()
}

async fn braket_cancel(State(s): State<Shared>) -> Response {
    s.1.cancels.fetch_add(1, Ordering::SeqCst);
    axum::Json(json!({"cancellationStatus": "CANCELLING"})).into_response()
}

async fn s3_get(
    State(s): State<Shared>,
    headers: HeaderMap,
    Path((bucket, key)): Path<(String, String)>,
) -> Response {
    check_headers(&s.1, &headers);
    let auth = headers["authorization"].to_str().unwrap();
    assert!(
        auth.contains("/us-east-1/s3/aws4_request") && headers.contains_key("x-amz-content-sha256"),
        "{auth}"
    );
    assert_eq!(bucket, "amazon-braket-qattnc-test");
    match s.1.results.lock().unwrap().get(&key) {
        Some(v) => axum::Json(v.clone()).into_response(),
        None => error(404, "NoSuchKey"),
    }
}

// ---- IBM ----

async fn ibm_token(State(s): State<Shared>, headers: HeaderMap, body: String) -> Response {
    if let Some(r) = generic(&s).await {
        return r;
    }
    check_headers(&s.1, &headers);
    assert!(body.contains(&format!("apikey={SENTINEL}")), "{body}");
    assert!(body.contains("grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey"));
    axum::Json(json!({"access_token": TOKEN, "token_type": "Bearer", "expires_in": 3600}))
        .into_response()
}

/// The stub device: the 27-qubit heavy-hex graph shipped in circuits/devices (the routed
/// paper circuit touches 8 of its qubits, so the stub still simulates it quickly).
const IBM_DEVICE: &str = include_str!("../circuits/devices/heavy_hex_27.json");

/// The stub's device name whose configuration lists IBM Eagle's basis (`ecr`, `rz`, `sx`, `x`).
const IBM_ECR_DEVICE: &str = "ibm_stub_ecr";

fn ibm_device() -> qattnc::opt::CouplingMap {
    let json: Value = serde_json::from_str(IBM_DEVICE).unwrap();
    qattnc::opt::CouplingMap::from_json(&json).unwrap().unwrap()
}

async fn ibm_configuration(headers: HeaderMap, Path(name): Path<String>) -> Response {
    ibm_auth(&headers);
    assert!(name == "ibm_stub" || name == IBM_ECR_DEVICE, "{name}");
    let mut config: Value = serde_json::from_str(IBM_DEVICE).unwrap();
    config["backend_name"] = json!(name);
    if name == IBM_ECR_DEVICE {
        // An Eagle-style configuration: `ecr` only in the listed direction of each pair.
        config["basis_gates"] = json!(["ecr", "id", "rz", "sx", "x", "measure", "delay"]);
    }
    axum::Json(config).into_response()
}

fn ibm_auth(headers: &HeaderMap) {
    assert_eq!(headers["authorization"], format!("Bearer {TOKEN}").as_str());
    assert!(headers["service-crn"].to_str().unwrap().starts_with("crn:"));
}

async fn ibm_submit(State(s): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    ibm_auth(&headers);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["program_id"], "sampler");
    let mut results = Vec::new();
    for (k, pub_) in body["params"]["pubs"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let source = pub_[0].as_str().unwrap();
        let circuit = parse(source, "pub.qasm", &ParseOptions::default()).unwrap();
        // The program's own statements (`ecr` arrives with its `gate` definition, which the
        // parser expands): IBM's native names only, `ecr` in a listed direction.
        let listed: Value = serde_json::from_str(IBM_DEVICE).unwrap();
        let listed = &listed["coupling_map"];
        let statements = source
            .lines()
            .skip_while(|l| !l.starts_with("qubit["))
            .skip(1)
            .filter(|l| !l.is_empty() && !l.starts_with("bit[") && !l.contains("measure"));
        for line in statements {
            let name: String = line
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            assert!(
                ["rz", "sx", "x", "cz", "ecr"].contains(&name.as_str()),
                "{name} is not in IBM's basis"
            );
            if name == "ecr" {
                let qubits: Vec<u64> = line
                    .split("q[")
                    .skip(1)
                    .map(|s| s.split(']').next().unwrap().parse().unwrap())
                    .collect();
                assert!(
                    listed.as_array().unwrap().contains(&json!(qubits)),
                    "ecr on {qubits:?}, not a listed direction"
                );
            }
        }
        // An ISA circuit: two-qubit gates only on coupled qubits.
        let off_map = ibm_device().uncoupled_pairs(&circuit);
        assert!(off_map.is_empty(), "cz on uncoupled qubits: {off_map:?}");
        // Parameter values come sorted by name, as Qiskit orders circuit parameters.
        let mut names: Vec<&String> = circuit.inputs().iter().collect();
        names.sort();
        let given = pub_[1].as_array().unwrap();
        let values: Vec<f64> = circuit
            .inputs()
            .iter()
            .map(|n| {
                given[names.iter().position(|m| *m == n).unwrap()]
                    .as_f64()
                    .unwrap()
            })
            .collect();
        let shots = pub_[2].as_u64().unwrap();
        let mut samples = Vec::new();
        for (outcome, count) in simulate_counts(circuit, values, shots, 100 + k as u64) {
            samples.extend((0..count).map(|_| json!(format!("0x{outcome:x}"))));
        }
        results.push(json!({"data": {"c": {"samples": samples, "num_bits": 1}}, "metadata": {}}));
    }
    s.1.results.lock().unwrap().insert(
        "job".into(),
        json!({"results": results, "metadata": {"version": 2}}),
    );
    axum::Json(json!({"id": "ibm-job-1", "backend": "ibm_stub"})).into_response()
}

async fn ibm_status(State(s): State<Shared>, headers: HeaderMap) -> Response {
    ibm_auth(&headers);
    s.1.polls.fetch_add(1, Ordering::SeqCst);
    axum::Json(status_for(
        s.0,
        json!({"id": "ibm-job-1", "status": "Completed", "state": {"status": "Completed"}}),
        json!({"id": "ibm-job-1", "status": "Failed", "state": {"status": "Failed", "reason": "the circuit is too deep for the device"}}),
        json!({"id": "ibm-job-1", "status": "Running", "state": {"status": "Running"}}),
    ))
    .into_response()
}

async fn ibm_results(State(s): State<Shared>, headers: HeaderMap) -> Response {
    ibm_auth(&headers);
    axum::Json(s.1.results.lock().unwrap()["job"].clone()).into_response()
}

async fn ibm_cancel(State(s): State<Shared>) -> Response {
    s.1.cancels.fetch_add(1, Ordering::SeqCst);
    StatusCode::NO_CONTENT.into_response()
}

fn stub_router(provider: Provider, mode: Mode, stub: Arc<Stub>) -> Router {
    let state: Shared = (mode, stub);
    match provider {
        Provider::Ionq => Router::new().fallback(any(ionq_any)).with_state(state),
        Provider::Braket => Router::new()
            .route("/quantum-task", post(braket_create))
            .route("/quantum-task/{arn}", get(braket_task))
            .route(
                "/quantum-task/{arn}/cancel",
                axum::routing::put(braket_cancel),
            )
            .route("/{bucket}/{*key}", get(s3_get))
            .with_state(state),
        Provider::Ibm => Router::new()
            .route("/identity/token", post(ibm_token))
            .route(
                "/api/v1/backends/{name}/configuration",
                get(ibm_configuration),
            )
            .route("/api/v1/jobs", post(ibm_submit))
            .route("/api/v1/jobs/{id}", get(ibm_status))
            .route("/api/v1/jobs/{id}/results", get(ibm_results))
            .route("/api/v1/jobs/{id}/cancel", post(ibm_cancel))
            .with_state(state),
    }
}

type Outcome = Result<Vec<qattnc::backend::Estimate>, BackendError>;

/// Runs a 2-binding job against a stub in `mode`; returns the outcome, the log (with the
/// backend's Debug text appended), the stub and the elapsed time.
async fn against_stub(
    provider: Provider,
    mode: Mode,
    settings: HttpSettings,
    cancel_after: Option<Duration>,
) -> (Outcome, Vec<String>, Arc<Stub>, Duration) {
    // `cancel_after` counts from the first status request, so that slow work before it (IBM
    // compiles for the device, the stub simulates the submitted pubs) cannot make the
    // cancellation come before the client holds a job id.
    let stub = Arc::new(Stub::default());
    let (address, _stop) = spawn_router(stub_router(provider, mode, stub.clone())).await;
    let (log, lines) = capture_log();
    let backend = backend(provider, address, settings, log);
    let job = job(paper_circuit(), 2, Some(500), 5);
    let (handle, cancel) = Cancel::new();
    if let Some(delay) = cancel_after {
        let watched = stub.clone();
        tokio::spawn(async move {
            let patience = Instant::now();
            while watched.polls.load(Ordering::SeqCst) == 0
                && patience.elapsed() < Duration::from_secs(30)
            {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            tokio::time::sleep(delay).await;
            handle.raise();
        });
    } else {
        std::mem::forget(handle);
    }
    let start = Instant::now();
    let outcome = backend.run(&job, &cancel).await;
    let elapsed = start.elapsed();
    let mut lines = lines.lock().unwrap().clone();
    lines.push(format!("{backend:?}"));
    (outcome, lines, stub, elapsed)
}

fn assert_no_secret(provider: Provider, error: &BackendError, lines: &[String], stub: &Stub) {
    let shown = format!("{error}\n{error:?}\n{}", lines.join("\n"));
    for secret in [SENTINEL, TOKEN, "session-SENTINEL-31"] {
        assert!(
            !shown.contains(secret),
            "{provider:?}: a credential leaked:\n{shown}"
        );
    }
    assert!(
        stub.leaked.lock().unwrap().is_empty(),
        "{provider:?}: credential in a header"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_status_failures_have_clear_messages() {
    for provider in PROVIDERS {
        for (code, expect) in [
            (401, "refused the credentials"),
            (403, "refused the credentials"),
            (404, "not found"),
            (400, "rejected"),
            (500, "after 3 attempts"),
        ] {
            // IonQ's first request is the job submission, which carries no idempotency
            // token: a 500 may mean the job exists, so it is sent once. Braket's creation
            // has a client token and IBM's first request is the token exchange.
            let expect = match (provider, code) {
                (Provider::Ionq, 500) => "not retried",
                _ => expect,
            };
            let (outcome, lines, stub, _) =
                against_stub(provider, Mode::Status(code), quick_settings(), None).await;
            if (provider, code) == (Provider::Ionq, 500) {
                // One submission per binding (two), each sent once.
                assert!(stub.requests.load(Ordering::SeqCst) <= 2, "{lines:?}");
                assert!(!lines.iter().any(|l| l.contains("retrying")), "{lines:?}");
            }
            let error = outcome.unwrap_err();
            let text = error.to_string();
            assert!(
                text.contains(expect) && text.contains(&format!("HTTP {code}")),
                "{provider:?} {code}: {text}"
            );
            assert!(
                text.contains(&format!("stub says {code}")),
                "{provider:?} {code}: {text}"
            );
            if code == 401 {
                let hint = match provider {
                    Provider::Ionq => "IONQ_API_KEY",
                    Provider::Braket => "AWS_ACCESS_KEY_ID",
                    Provider::Ibm => "IBM_API_KEY",
                };
                assert!(text.contains(hint), "{text}");
            }
            assert_no_secret(provider, &error, &lines, &stub);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_honoured_on_429() {
    for provider in PROVIDERS {
        let (outcome, lines, stub, elapsed) =
            against_stub(provider, Mode::RetryAfter, quick_settings(), None).await;
        let error = outcome.unwrap_err();
        assert!(
            matches!(
                error,
                BackendError::Unavailable {
                    attempts: 3,
                    status: 503,
                    ..
                }
            ),
            "{provider:?}: {error}"
        );
        // At least one `Retry-After: 1` wait before the 503s.
        assert!(
            elapsed >= Duration::from_millis(950),
            "{provider:?}: only {elapsed:?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("HTTP 429") && l.contains("Retry-After")),
            "{lines:?}"
        );
        assert!(stub.requests.load(Ordering::SeqCst) >= 3);
        assert_no_secret(provider, &error, &lines, &stub);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_timeouts_are_reported() {
    for provider in PROVIDERS {
        let settings = HttpSettings {
            request_timeout: Duration::from_millis(300),
            max_attempts: 2,
            ..quick_settings()
        };
        let (outcome, lines, stub, elapsed) =
            against_stub(provider, Mode::Slow, settings, None).await;
        let error = outcome.unwrap_err();
        assert!(
            matches!(error, BackendError::Timeout { .. }),
            "{provider:?}: {error}"
        );
        assert!(
            error.to_string().contains("timed out after 0.3 s"),
            "{error}"
        );
        assert!(
            elapsed < Duration::from_secs(3),
            "{provider:?}: {elapsed:?}"
        );
        assert_no_secret(provider, &error, &lines, &stub);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_jobs_report_the_service_reason() {
    for (provider, reason) in [
        (Provider::Ionq, "the trap lost an ion"),
        (Provider::Braket, "the device is offline"),
        (Provider::Ibm, "the circuit is too deep"),
    ] {
        let (outcome, lines, stub, _) =
            against_stub(provider, Mode::JobFails, quick_settings(), None).await;
        let error = outcome.unwrap_err();
        assert!(
            matches!(error, BackendError::JobFailed { .. }),
            "{provider:?}: {error}"
        );
        assert!(
            error.to_string().contains(reason) && error.to_string().contains("failed"),
            "{error}"
        );
        assert_no_secret(provider, &error, &lines, &stub);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_that_never_finish_time_out() {
    for provider in PROVIDERS {
        let settings = HttpSettings {
            job_timeout: Duration::from_millis(600),
            ..quick_settings()
        };
        let (outcome, lines, stub, elapsed) =
            against_stub(provider, Mode::RunsForever, settings, None).await;
        let error = outcome.unwrap_err();
        assert!(
            error.to_string().contains("timed out") && error.to_string().contains("waiting for"),
            "{provider:?}: {error}"
        );
        assert!(elapsed < Duration::from_secs(5));
        assert_no_secret(provider, &error, &lines, &stub);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancellation_asks_the_service_to_cancel() {
    for provider in PROVIDERS {
        let (outcome, lines, stub, elapsed) = against_stub(
            provider,
            Mode::RunsForever,
            quick_settings(),
            Some(Duration::from_millis(400)),
        )
        .await;
        let error = outcome.unwrap_err();
        assert!(
            matches!(error, BackendError::Cancelled(_)),
            "{provider:?}: {error}"
        );
        // The job never finishes by itself: a bound shows the cancellation ended the run (it
        // leaves room for compiling on a loaded machine before the job is submitted).
        assert!(
            elapsed < Duration::from_secs(20),
            "{provider:?}: {elapsed:?}"
        );
        assert!(
            stub.cancels.load(Ordering::SeqCst) >= 1,
            "{provider:?}: no cancel request"
        );
        assert_no_secret(provider, &error, &lines, &stub);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn braket_and_ibm_end_to_end_through_stubs_within_5_sigma() {
    for provider in [Provider::Braket, Provider::Ibm] {
        let stub = Arc::new(Stub::default());
        let (address, _stop) =
            spawn_router(stub_router(provider, Mode::Simulates, stub.clone())).await;
        let (log, lines) = capture_log();
        let job = job(paper_circuit(), 4, Some(4000), 21);
        let exact = exact_scores(&job);
        let estimates = backend(provider, address, quick_settings(), log)
            .run(&job, &Cancel::never())
            .await
            .unwrap();
        assert_within_5_sigma(&estimates, &exact, 4000);
        let lines = lines.lock().unwrap().join("\n");
        if provider == Provider::Ibm {
            // The ancilla talks to every working qubit; on heavy-hex that takes SWAPs.
            assert!(
                lines.contains("routed onto ibm_stub") && !lines.contains(" 0 SWAPs"),
                "{lines}"
            );
        }
        assert!(
            !lines.contains(SENTINEL) && !lines.contains(TOKEN),
            "{lines}"
        );
        assert!(stub.leaked.lock().unwrap().is_empty());
    }
}

#[test]
fn debug_output_of_backends_hides_credentials() {
    let (log, _) = capture_log();
    let address: SocketAddr = "127.0.0.1:9".parse().unwrap();
    let ionq = IonqBackend::new(
        IonqConfig {
            endpoint: format!("http://{address}"),
            backend: "simulator".into(),
            format: IonqFormat::Circuit,
            api_key: Some(Secret::new(SENTINEL)),
            settings: quick_settings(),
        },
        Some(log),
    )
    .unwrap();
    let text = format!("{ionq:?}");
    assert!(
        !text.contains(SENTINEL) && text.contains("redacted"),
        "{text}"
    );
    for provider in PROVIDERS {
        let text = format!(
            "{:?}",
            backend(provider, address, quick_settings(), capture_log().0)
        );
        assert!(
            !text.contains(SENTINEL) && text.contains("redacted"),
            "{text}"
        );
    }
}

/// An IBM device whose configuration lists `ecr`: the provider compiles for that target (native
/// `ecr` on listed directions, checked by the stub) and the scores stay within 5σ.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ibm_compiles_for_the_configured_ecr_target() {
    let stub = Arc::new(Stub::default());
    let (address, _stop) =
        spawn_router(stub_router(Provider::Ibm, Mode::Simulates, stub.clone())).await;
    let (log, lines) = capture_log();
    let endpoint = format!("http://{address}");
    let backend = IbmBackend::new(
        IbmConfig {
            endpoint: endpoint.clone(),
            iam_endpoint: endpoint,
            device: IBM_ECR_DEVICE.into(),
            basis: Basis::IbmCz,
            api_key: Secret::new(SENTINEL),
            service_crn: "crn:v1:bluemix:public:quantum-computing:us-east:a/1::".into(),
            settings: quick_settings(),
        },
        Some(log),
    )
    .unwrap();
    let job = job(paper_circuit(), 3, Some(4000), 22);
    let exact = exact_scores(&job);
    let estimates = backend.run(&job, &Cancel::never()).await.unwrap();
    assert_within_5_sigma(&estimates, &exact, 4000);
    let lines = lines.lock().unwrap().join("\n");
    assert!(lines.contains("routed onto ibm_stub_ecr"), "{lines}");
}

/// Braket with a target: the program is routed onto the device's coupling map (a 4×5 square
/// lattice here, where the paper circuit's ancilla needs SWAPs), the readout follows the
/// measured qubits to their physical places, and the scores stay within 5σ.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn braket_routes_onto_a_given_target() {
    let stub = Arc::new(Stub::default());
    let (address, _stop) =
        spawn_router(stub_router(Provider::Braket, Mode::Simulates, stub.clone())).await;
    let (log, lines) = capture_log();
    let device = "circuits/devices/iqm_square_20.json";
    let target =
        qattnc::target::Target::from_json_text(&std::fs::read_to_string(device).unwrap(), device)
            .unwrap();
    let backend = BraketBackend::with_target(
        BraketConfig {
            endpoint: Some(format!("http://{address}")),
            region: "us-east-1".into(),
            device_arn: qattnc::backend::SV1_ARN.into(),
            bucket: "amazon-braket-qattnc-test".into(),
            prefix: "tasks".into(),
            access_key_id: Secret::new("AKIDQATTNCTEST"),
            secret_access_key: Secret::new(SENTINEL),
            session_token: Some(Secret::new("session-SENTINEL-31")),
            settings: quick_settings(),
        },
        target,
        Some(log),
    )
    .unwrap();
    let job = job(paper_circuit(), 3, Some(4000), 23);
    let exact = exact_scores(&job);
    let estimates = backend.run(&job, &Cancel::never()).await.unwrap();
    assert_within_5_sigma(&estimates, &exact, 4000);
    let lines = lines.lock().unwrap().join("\n");
    assert!(
        lines.contains("routed onto iqm-square-20") && !lines.contains(" 0 SWAPs"),
        "{lines}"
    );
}

// ---- IonQ with a native target ----

/// A circuit of IonQ's published native-gate definitions (phases and angles in turns):
/// gpi(φ) = Rz(4πφ)·X, gpi2(φ) = Rz(2πφ)·Rx(π/2)·Rz(−2πφ), ms(φ₀, φ₁, θ) =
/// exp(−iπθ σ(φ₀)⊗σ(φ₁)) with σ(φ) = Rz(2πφ)·X·Rz(−2πφ), built from qattnc's own gates
/// independently of the translator.
fn ionq_native_circuit(input: &Value) -> qattnc::ir::Circuit {
    use qattnc::ir::{Angle, Circuit, Gate, GateOp};
    use std::f64::consts::PI;
    assert_eq!(input["gateset"], "native");
    let qubits = input["qubits"].as_u64().unwrap() as usize;
    assert!(qubits <= 25, "{qubits} qubits on a 25-qubit device");
    let mut c = Circuit::new(qubits, 0);
    let rz = |c: &mut Circuit, angle: f64, q: usize| {
        c.push_gate(GateOp::rotation(Gate::Rz, Angle::constant(angle), q))
            .unwrap()
    };
    for gate in input["circuit"].as_array().unwrap() {
        match gate["gate"].as_str().unwrap() {
            "gpi" => {
                let (q, phi) = (
                    gate["target"].as_u64().unwrap() as usize,
                    gate["phase"].as_f64().unwrap(),
                );
                c.push_gate(GateOp::fixed(Gate::X, &[q])).unwrap();
                rz(&mut c, 4.0 * PI * phi, q);
            }
            "gpi2" => {
                let (q, phi) = (
                    gate["target"].as_u64().unwrap() as usize,
                    gate["phase"].as_f64().unwrap(),
                );
                rz(&mut c, -2.0 * PI * phi, q);
                c.push_gate(GateOp::rotation(Gate::Rx, Angle::constant(PI / 2.0), q))
                    .unwrap();
                rz(&mut c, 2.0 * PI * phi, q);
            }
            "ms" => {
                let t: Vec<usize> = gate["targets"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|q| q.as_u64().unwrap() as usize)
                    .collect();
                let phases: Vec<f64> = gate["phases"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| p.as_f64().unwrap())
                    .collect();
                let theta = gate["angle"].as_f64().unwrap();
                let (a, b) = (t[0], t[1]);
                for (q, phi) in [(a, phases[0]), (b, phases[1])] {
                    rz(&mut c, -2.0 * PI * phi, q);
                    c.push_gate(GateOp::fixed(Gate::H, &[q])).unwrap();
                }
                // exp(−iπθ Z⊗Z) = cx · Rz_b(2πθ) · cx
                c.push_gate(GateOp::cx(a, b)).unwrap();
                rz(&mut c, 2.0 * PI * theta, b);
                c.push_gate(GateOp::cx(a, b)).unwrap();
                for (q, phi) in [(a, phases[0]), (b, phases[1])] {
                    c.push_gate(GateOp::fixed(Gate::H, &[q])).unwrap();
                    rz(&mut c, 2.0 * PI * phi, q);
                }
            }
            other => panic!("`{other}` is not an IonQ native gate"),
        }
    }
    c
}

/// The IonQ stub for native programs: each job's exact probabilities over all its qubits
/// (qubit 0 the least significant bit), from the native gates' published definitions.
#[derive(Default)]
struct NativeStub {
    jobs: Mutex<Vec<std::collections::BTreeMap<String, f64>>>,
    ms_gates: AtomicUsize,
}

async fn ionq_native(
    State(stub): State<Arc<NativeStub>>,
    headers: HeaderMap,
    path: axum::http::Uri,
    body: Bytes,
) -> Response {
    assert_eq!(
        headers["authorization"],
        format!("apiKey {SENTINEL}").as_str()
    );
    let path = path.path().to_string();
    if path == "/v0.4/jobs" {
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["type"], "ionq.circuit.v1");
        let input = &body["input"];
        let ms = input["circuit"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["gate"] == "ms")
            .count();
        stub.ms_gates.fetch_add(ms, Ordering::SeqCst);
        let circuit = ionq_native_circuit(input);
        let qubits: Vec<usize> = (0..circuit.num_qubits()).collect();
        let program =
            qattnc::sim::Program::compile(&circuit, qattnc::sim::Amplitude::Complex).unwrap();
        let probabilities = program.run(&[]).unwrap().marginal(&qubits);
        let map = probabilities
            .iter()
            .enumerate()
            .filter(|(_, p)| **p > 1e-12)
            .map(|(k, p)| (k.to_string(), *p))
            .collect();
        let mut jobs = stub.jobs.lock().unwrap();
        jobs.push(map);
        return axum::Json(json!({"id": format!("job-{}", jobs.len() - 1), "status": "submitted"}))
            .into_response();
    }
    let id: usize = path
        .trim_start_matches("/v0.4/jobs/job-")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    if path.ends_with("/results/probabilities") {
        return axum::Json(stub.jobs.lock().unwrap()[id].clone()).into_response();
    }
    axum::Json(json!({"id": format!("job-{id}"), "status": "completed",
        "results": {"probabilities": {"url": format!("/v0.4/jobs/job-{id}/results/probabilities")}}}))
    .into_response()
}

/// IonQ with its target: the paper circuit goes out as native gpi/gpi2/ms JSON, which the
/// stub runs by the gates' published definitions; the scores match the exact ones (the stub
/// returns exact probabilities, so the estimates equal the exact scores).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ionq_submits_native_gates_for_its_target() {
    let stub = Arc::new(NativeStub::default());
    let router = Router::new()
        .fallback(any(ionq_native))
        .with_state(stub.clone());
    let (address, _stop) = spawn_router(router).await;
    let (log, lines) = capture_log();
    let device = "circuits/devices/ionq_aria_25.json";
    let target =
        qattnc::target::Target::from_json_text(&std::fs::read_to_string(device).unwrap(), device)
            .unwrap();
    let config = IonqConfig {
        endpoint: format!("http://{address}"),
        backend: "qpu.aria-1".into(),
        format: IonqFormat::Qasm3,
        api_key: Some(Secret::new(SENTINEL)),
        settings: quick_settings(),
    };
    let backend = IonqBackend::with_target(config.clone(), target, Some(log)).unwrap();
    let job = job(paper_circuit(), 3, Some(4000), 24);
    let exact = exact_scores(&job);
    let estimates = backend.run(&job, &Cancel::never()).await.unwrap();
    assert_within_5_sigma(&estimates, &exact, 4000);
    // The stub returns exact probabilities: ⟨Z⟩ of the ancilla's readout is the exact score.
    for (e, x) in estimates.iter().zip(&exact) {
        assert!(
            (e.expectation_z0 - x).abs() < 1e-9,
            "{} vs {x}",
            e.expectation_z0
        );
    }
    assert_eq!(stub.jobs.lock().unwrap().len(), 3);
    assert!(stub.ms_gates.load(Ordering::SeqCst) > 0);
    let lines = lines.lock().unwrap().join("\n");
    assert!(lines.contains("compiled for ionq-aria-25"), "{lines}");
    // A target without IonQ's gates is refused.
    let other = "circuits/devices/line_16.json";
    let line =
        qattnc::target::Target::from_json_text(&std::fs::read_to_string(other).unwrap(), other)
            .unwrap();
    let refused = IonqBackend::with_target(config, line, None).unwrap_err();
    assert!(refused.to_string().contains("line-16"), "{refused}");
}
