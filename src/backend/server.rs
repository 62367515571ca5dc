//! `qattnc serve`: the built-in simulator behind the subset of IonQ's v0.4 job API that
//! [`IonqBackend`](super::IonqBackend) uses, so that a lab can host its own simulator.
//!
//! - `POST /v0.4/jobs`: `{"type": "ionq.qasm3.v1", "input": {"data": QASM}}` or
//!   `{"type": "ionq.circuit.v1", "input": {"qubits", "gateset": "qis", "circuit"}}`, with
//!   `shots` (1 to [`ServeOptions::max_shots`]); answers `{"id", "status": "submitted"}`;
//! - `GET /v0.4/jobs/{id}`: `status` (`submitted`, `running`, `completed`, `failed`,
//!   `canceled`), and when completed `results.probabilities.url`;
//! - `GET /v0.4/jobs/{id}/results/probabilities`: `{"k": p}` over all qubits (qubit 0 is the
//!   least significant bit), estimated from `shots` seeded samples like a device would;
//! - `PUT /v0.4/jobs/{id}/status/cancel`.
//!
//! Limits: request bodies up to [`ServeOptions::max_body`] (413 beyond), programs up to
//! [`ServeOptions::max_qubits`], at most [`ServeOptions::max_pending`] unfinished jobs (429
//! with `Retry-After` beyond; 503 while shutting down). Errors use IonQ's shape
//! `{"error", "message", "statusCode"}`. With an API key set, requests need
//! `Authorization: apiKey KEY` or `Bearer KEY`. Simulations run on the blocking pool, at most
//! [`ServeOptions::workers`] at once. [`ServeOptions::noise`] makes the simulated device noisy
//! (depolarizing and readout error, see [`NoiseModel`]).

use super::Secret;
use crate::emit::parse_ionq_circuit;
use crate::ir::Circuit;
use crate::qasm::{ParseOptions, parse};
use crate::sim::{Amplitude, NoiseModel, Program, sample_distribution};
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// Limits and settings of the server.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// Largest request body in bytes.
    pub max_body: usize,
    /// Most qubits a program may use.
    pub max_qubits: usize,
    /// Most shots per job.
    pub max_shots: u64,
    /// Most jobs submitted but not finished.
    pub max_pending: usize,
    /// Most finished jobs kept for reading (the oldest are forgotten first).
    pub max_retained: usize,
    /// Simulations at once.
    pub workers: usize,
    /// The key clients must present; `None` for an open server.
    pub api_key: Option<Secret>,
    /// Seed of the shot sampling; job n samples from stream n.
    pub seed: u64,
    /// Depolarizing and readout noise of the simulated device (trajectories and shots of job n
    /// both draw from stream n); `None` for an ideal device.
    pub noise: Option<NoiseModel>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            max_body: 1 << 20,
            max_qubits: 28,
            max_shots: 1_000_000,
            max_pending: 1024,
            max_retained: 100_000,
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            api_key: None,
            seed: 0,
            noise: None,
        }
    }
}

#[derive(Clone, Debug)]
enum Status {
    Submitted,
    Running,
    Completed(Arc<BTreeMap<u64, f64>>),
    Failed(String),
    Canceled,
}

impl Status {
    fn name(&self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Running => "running",
            Status::Completed(_) => "completed",
            Status::Failed(_) => "failed",
            Status::Canceled => "canceled",
        }
    }

    fn finished(&self) -> bool {
        matches!(
            self,
            Status::Completed(_) | Status::Failed(_) | Status::Canceled
        )
    }
}

#[derive(Debug)]
struct Record {
    status: Status,
    kind: &'static str,
    qubits: usize,
    shots: u64,
}

#[derive(Debug, Default)]
struct Jobs {
    records: HashMap<String, Record>,
    finished: VecDeque<String>,
    pending: usize,
}

struct Shared {
    options: ServeOptions,
    jobs: Mutex<Jobs>,
    workers: Semaphore,
    next: AtomicU64,
    draining: AtomicBool,
}

/// An error in IonQ's shape.
struct ApiError {
    status: StatusCode,
    message: String,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            retry_after: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({
            "error": self.status.canonical_reason().unwrap_or("Error"),
            "message": self.message,
            "statusCode": self.status.as_u16(),
        });
        let mut response = (self.status, axum::Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

type Reply = Result<Response, ApiError>;

/// The server's routes and their shared state.
fn router(options: ServeOptions) -> (Router, Arc<Shared>) {
    let max_body = options.max_body;
    let shared = Arc::new(Shared {
        workers: Semaphore::new(options.workers.max(1)),
        options,
        jobs: Mutex::default(),
        next: AtomicU64::new(0),
        draining: AtomicBool::new(false),
    });
    let router = Router::new()
        .route("/v0.4/jobs", post(create))
        .route("/v0.4/jobs/{id}", get(status))
        .route("/v0.4/jobs/{id}/results/probabilities", get(probabilities))
        .route("/v0.4/jobs/{id}/status/cancel", put(cancel))
        .fallback(|| async { ApiError::new(StatusCode::NOT_FOUND, "no such route") })
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(shared.clone());
    (router, shared)
}

/// Serves on `listener` until `shutdown` resolves; then refuses new jobs, finishes the requests
/// in flight and returns.
pub async fn serve(
    listener: tokio::net::TcpListener,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (router, shared) = router(options);
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            shutdown.await;
            shared.draining.store(true, Ordering::SeqCst);
        })
        .await
}

fn authorize(shared: &Shared, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(key) = &shared.options.api_key else {
        return Ok(());
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("apiKey ")
                .or_else(|| v.strip_prefix("Bearer "))
        });
    match given {
        Some(k) if k.trim() == key.expose() => Ok(()),
        Some(_) => Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid API key")),
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing `Authorization: apiKey KEY` header",
        )),
    }
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, message)
}

/// The circuit of a job body, checked against the limits.
fn parse_job(shared: &Shared, body: &Value) -> Result<(&'static str, Circuit, u64), ApiError> {
    let options = &shared.options;
    let shots = match &body["shots"] {
        Value::Null => 100,
        v => v
            .as_u64()
            .filter(|s| (1..=options.max_shots).contains(s))
            .ok_or_else(|| {
                bad(format!(
                    "`shots` must be an integer from 1 to {}",
                    options.max_shots
                ))
            })?,
    };
    match body["backend"].as_str() {
        None | Some("simulator") => {}
        Some(other) => {
            return Err(bad(format!(
                "unknown backend `{other}`; this server is `simulator`"
            )));
        }
    }
    let (kind, circuit) = match body["type"].as_str() {
        Some("ionq.qasm3.v1") => {
            let text = body["input"]["data"]
                .as_str()
                .ok_or_else(|| bad("`input.data` must hold the OpenQASM 3 program"))?;
            let parse_options = ParseOptions {
                max_qubits: options.max_qubits,
                max_source_bytes: options.max_body,
                ..ParseOptions::default()
            };
            let circuit = parse(text, "input.data", &parse_options)
                .map_err(|e| bad(format!("invalid OpenQASM 3: {e}")))?;
            if !circuit.inputs().is_empty() {
                return Err(bad(format!(
                    "the program declares inputs ({}); bind them before submitting",
                    circuit.inputs().join(", ")
                )));
            }
            ("ionq.qasm3.v1", circuit)
        }
        Some("ionq.circuit.v1") => {
            let circuit = parse_ionq_circuit(&body["input"], options.max_qubits).map_err(bad)?;
            ("ionq.circuit.v1", circuit)
        }
        Some(other) => {
            return Err(bad(format!(
                "job type `{other}` is not supported; use ionq.qasm3.v1 or ionq.circuit.v1"
            )));
        }
        None => return Err(bad("`type` is required")),
    };
    Ok((kind, circuit, shots))
}

async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Reply {
    authorize(&shared, &headers)?;
    let body =
        body.map_err(|rejection| ApiError::new(rejection.status(), rejection.body_text()))?;
    let json: Value =
        serde_json::from_slice(&body).map_err(|e| bad(format!("invalid JSON: {e}")))?;
    if !json.is_object() {
        return Err(bad("the job must be a JSON object"));
    }
    let (kind, circuit, shots) = parse_job(&shared, &json)?;
    let program = Program::compile(&circuit, Amplitude::Auto).map_err(|e| bad(e.to_string()))?;
    if shared.draining.load(Ordering::SeqCst) {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the server is shutting down",
        ));
    }
    let number = shared.next.fetch_add(1, Ordering::SeqCst);
    let id = format!("qattnc-{number:016x}");
    {
        let mut jobs = shared.jobs.lock().expect("not poisoned");
        if jobs.pending >= shared.options.max_pending {
            return Err(ApiError {
                retry_after: Some(1),
                ..ApiError::new(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("{} jobs are waiting; try again later", jobs.pending),
                )
            });
        }
        jobs.pending += 1;
        jobs.records.insert(
            id.clone(),
            Record {
                status: Status::Submitted,
                kind,
                qubits: circuit.num_qubits(),
                shots,
            },
        );
    }
    tokio::spawn(execute(shared.clone(), id.clone(), program, shots, number));
    Ok(axum::Json(json!({ "id": id, "status": "submitted" })).into_response())
}

/// Runs one job on the blocking pool and records the outcome (unless it was canceled).
async fn execute(shared: Arc<Shared>, id: String, program: Program, shots: u64, number: u64) {
    let permit = shared.workers.acquire().await.expect("never closed");
    let started = {
        let mut jobs = shared.jobs.lock().expect("not poisoned");
        match jobs.records.get_mut(&id) {
            Some(record) if !record.status.finished() => {
                record.status = Status::Running;
                true
            }
            _ => false,
        }
    };
    let outcome = if started {
        let (seed, noise) = (shared.options.seed, shared.options.noise);
        tokio::task::spawn_blocking(move || simulate(&program, shots, seed, number, noise))
            .await
            .unwrap_or_else(|e| Err(format!("the simulation panicked: {e}")))
    } else {
        Err(String::new())
    };
    drop(permit);
    let mut jobs = shared.jobs.lock().expect("not poisoned");
    jobs.pending -= 1;
    if let Some(record) = jobs.records.get_mut(&id)
        && !record.status.finished()
    {
        record.status = match outcome {
            Ok(p) => Status::Completed(Arc::new(p)),
            Err(message) => Status::Failed(message),
        };
    }
    jobs.finished.push_back(id);
    while jobs.finished.len() > shared.options.max_retained {
        if let Some(old) = jobs.finished.pop_front() {
            jobs.records.remove(&old);
        }
    }
}

/// Probabilities over all qubits from `shots` samples (of the noisy distribution under `noise`).
fn simulate(
    program: &Program,
    shots: u64,
    seed: u64,
    stream: u64,
    noise: Option<NoiseModel>,
) -> Result<BTreeMap<u64, f64>, String> {
    let qubits: Vec<usize> = (0..program.num_qubits()).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    let counts = match noise.filter(|n| !n.is_noiseless()) {
        None => program
            .run(&[])
            .and_then(|state| state.sample_counts(&qubits, shots, &mut rng)),
        Some(noise) => program
            .noisy_marginal(&[], &qubits, &noise, &mut rng)
            .and_then(|d| sample_distribution(&d, shots, &mut rng)),
    }
    .map_err(|e| e.to_string())?;
    Ok(counts
        .into_iter()
        .enumerate()
        .filter(|&(_, c)| c > 0)
        .map(|(k, c)| (k as u64, c as f64 / shots as f64))
        .collect())
}

fn not_found(id: &str) -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, format!("job {id} not found"))
}

async fn status(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Reply {
    authorize(&shared, &headers)?;
    let jobs = shared.jobs.lock().expect("not poisoned");
    let record = jobs.records.get(&id).ok_or_else(|| not_found(&id))?;
    let mut body = json!({
        "id": id,
        "status": record.status.name(),
        "type": record.kind,
        "backend": "simulator",
        "qubits": record.qubits,
        "shots": record.shots,
    });
    match &record.status {
        Status::Completed(_) => {
            body["results"] = json!({
                "probabilities": { "url": format!("/v0.4/jobs/{id}/results/probabilities") }
            });
        }
        Status::Failed(message) => {
            body["failure"] = json!({ "error": message, "code": "SimulationError" });
        }
        _ => {}
    }
    Ok(axum::Json(body).into_response())
}

async fn probabilities(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Reply {
    authorize(&shared, &headers)?;
    let result = {
        let jobs = shared.jobs.lock().expect("not poisoned");
        let record = jobs.records.get(&id).ok_or_else(|| not_found(&id))?;
        match &record.status {
            Status::Completed(p) => p.clone(),
            other => {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    format!("job {id} is {}; it has no results", other.name()),
                ));
            }
        }
    };
    let map: serde_json::Map<String, Value> = result
        .iter()
        .map(|(k, p)| (k.to_string(), json!(p)))
        .collect();
    Ok(axum::Json(Value::Object(map)).into_response())
}

async fn cancel(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Reply {
    authorize(&shared, &headers)?;
    let mut jobs = shared.jobs.lock().expect("not poisoned");
    let record = jobs.records.get_mut(&id).ok_or_else(|| not_found(&id))?;
    if !record.status.finished() {
        record.status = Status::Canceled;
    }
    let status = record.status.name();
    Ok(axum::Json(json!({ "id": id, "status": status })).into_response())
}
