//! `qattnc serve` end to end, on 127.0.0.1 only: the IonQ client against it, malformed
//! requests, a load test, authentication and the bounded queue.

mod common;

use common::{
    SENTINEL, assert_within_5_sigma, capture_log, exact_scores, job, paper_circuit, quick_settings,
};
use qattnc::backend::server::{ServeOptions, serve};
use qattnc::backend::{Backend, BackendError, Cancel, IonqBackend, IonqConfig, IonqFormat, Secret};
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::sync::oneshot;

async fn start(options: ServeOptions) -> (SocketAddr, oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(serve(listener, options, async {
        let _ = rx.await;
    }));
    (address, tx)
}

fn ionq(address: SocketAddr, format: IonqFormat, key: Option<&str>) -> IonqBackend {
    let config = IonqConfig {
        endpoint: format!("http://{address}"),
        backend: "simulator".into(),
        format,
        api_key: key.map(Secret::new),
        settings: quick_settings(),
    };
    IonqBackend::new(config, None).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ionq_client_against_serve_matches_exact_scores_within_5_sigma() {
    let (address, _stop) = start(ServeOptions::default()).await;
    for (format, seed) in [(IonqFormat::Qasm3, 11), (IonqFormat::Circuit, 12)] {
        let job = job(paper_circuit(), 6, Some(4000), seed);
        let exact = exact_scores(&job);
        let estimates = ionq(address, format, None)
            .run(&job, &Cancel::never())
            .await
            .unwrap();
        assert_within_5_sigma(&estimates, &exact, 4000);
    }
}

async fn read_json(response: reqwest::Response) -> Value {
    serde_json::from_slice(&response.bytes().await.unwrap()).unwrap_or(Value::Null)
}

async fn post(address: SocketAddr, body: Vec<u8>) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("http://{address}/v0.4/jobs"))
        .header("Content-Type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = read_json(response).await;
    (status, body)
}

fn small_job(shots: i64) -> Vec<u8> {
    json!({
        "type": "ionq.circuit.v1",
        "shots": shots,
        "backend": "simulator",
        "input": {"qubits": 2, "gateset": "qis", "circuit": [
            {"gate": "h", "target": 0}, {"gate": "cnot", "control": 0, "target": 1}
        ]}
    })
    .to_string()
    .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_4xx_in_ionq_shape_and_the_server_keeps_serving() {
    let (address, _stop) = start(ServeOptions::default()).await;
    let forty_qubits = json!({"type": "ionq.circuit.v1", "shots": 10,
        "input": {"qubits": 40, "gateset": "qis", "circuit": []}});
    let forty_qasm = json!({"type": "ionq.qasm3.v1", "shots": 10,
        "input": {"data": "OPENQASM 3.0;\nqubit[40] q;\nh q[0];\n"}});
    let bad_qasm = json!({"type": "ionq.qasm3.v1", "shots": 10,
        "input": {"data": "OPENQASM 3.0;\nqubit[2] q;\nfoo q[0];\n"}});
    let big = {
        let padding = "x".repeat(3 << 20);
        json!({"type": "ionq.circuit.v1", "shots": 10, "name": padding,
            "input": {"qubits": 1, "circuit": []}})
    };
    let cases: Vec<(&str, Vec<u8>, u16)> = vec![
        (
            "bad JSON",
            b"{\"type\": \"ionq.circuit.v1\", ".to_vec(),
            400,
        ),
        ("not an object", b"[1, 2]".to_vec(), 400),
        (
            "40 qubits (JSON circuit)",
            forty_qubits.to_string().into_bytes(),
            400,
        ),
        ("40 qubits (QASM)", forty_qasm.to_string().into_bytes(), 400),
        ("bad QASM", bad_qasm.to_string().into_bytes(), 400),
        ("negative shots", small_job(-5), 400),
        ("zero shots", small_job(0), 400),
        ("too many shots", small_job(1_000_001), 400),
        ("3 MB body", big.to_string().into_bytes(), 413),
    ];
    for (name, body, expected) in cases {
        let (status, reply) = post(address, body).await;
        assert_eq!(status, expected, "{name}: {reply}");
        assert_eq!(reply["statusCode"], json!(expected), "{name}: {reply}");
        assert!(
            reply["error"].is_string() && reply["message"].is_string(),
            "{name}: {reply}"
        );
    }
    // Still serving.
    let (status, reply) = post(address, small_job(100)).await;
    assert_eq!(status, 200, "{reply}");
    let missing = reqwest::get(format!("http://{address}/v0.4/jobs/nope"))
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_jobs_complete_without_loss() {
    let (address, _stop) = start(ServeOptions::default()).await;
    let client = reqwest::Client::new();
    let jobs = 240;
    let run = async {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..jobs {
            let client = client.clone();
            set.spawn(async move {
                let reply: Value = client
                    .post(format!("http://{address}/v0.4/jobs"))
                    .body(small_job(50))
                    .send()
                    .await
                    .map(read_json)
                    .unwrap()
                    .await;
                let id = reply["id"].as_str().unwrap().to_string();
                for _ in 0..400 {
                    let status: Value = client
                        .get(format!("http://{address}/v0.4/jobs/{id}"))
                        .send()
                        .await
                        .map(read_json)
                        .unwrap()
                        .await;
                    if status["status"] == "completed" {
                        let url = status["results"]["probabilities"]["url"].as_str().unwrap();
                        let p: Value = client
                            .get(format!("http://{address}{url}"))
                            .send()
                            .await
                            .map(read_json)
                            .unwrap()
                            .await;
                        let total: f64 = p
                            .as_object()
                            .unwrap()
                            .values()
                            .map(|v| v.as_f64().unwrap())
                            .sum();
                        assert!((total - 1.0).abs() < 1e-9);
                        // A Bell pair: only 00 and 11.
                        assert!(p.as_object().unwrap().keys().all(|k| k == "0" || k == "3"));
                        return id;
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                panic!("job {id} did not complete");
            });
        }
        let mut ids = Vec::new();
        while let Some(id) = set.join_next().await {
            ids.push(id.unwrap());
        }
        ids
    };
    let mut ids = tokio::time::timeout(Duration::from_secs(25), run)
        .await
        .expect("the load test finishes in time");
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), jobs);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_key_is_required_and_never_shown() {
    let options = ServeOptions {
        api_key: Some(Secret::new(SENTINEL)),
        ..ServeOptions::default()
    };
    let (address, _stop) = start(options).await;
    let (status, reply) = post(address, small_job(10)).await;
    assert_eq!(status, 401, "{reply}");
    let job = job(paper_circuit(), 2, Some(200), 3);
    let (log, lines) = capture_log();
    let wrong = IonqConfig {
        endpoint: format!("http://{address}"),
        backend: "simulator".into(),
        format: IonqFormat::Qasm3,
        api_key: Some(Secret::new("not-the-key")),
        settings: quick_settings(),
    };
    let error = IonqBackend::new(wrong, Some(log.clone()))
        .unwrap()
        .run(&job, &Cancel::never())
        .await
        .unwrap_err();
    assert!(
        matches!(error, BackendError::Unauthorized { status: 401, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("IONQ_API_KEY"), "{error}");
    let backend = ionq(address, IonqFormat::Qasm3, Some(SENTINEL));
    let estimates = backend.run(&job, &Cancel::never()).await.unwrap();
    assert_eq!(estimates.len(), 2);
    let shown = format!("{error} {error:?} {backend:?} {:?}", lines.lock().unwrap());
    assert!(!shown.contains(SENTINEL), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_queue_answers_429_with_retry_after_and_shutdown_is_graceful() {
    let options = ServeOptions {
        max_pending: 0,
        ..ServeOptions::default()
    };
    let (address, stop) = start(options).await;
    let response = reqwest::Client::new()
        .post(format!("http://{address}/v0.4/jobs"))
        .body(small_job(10))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 429);
    assert_eq!(response.headers()["retry-after"], "1");
    stop.send(()).unwrap();
    // After shutdown the port refuses connections (bounded wait).
    let mut refused = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(address).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        refused,
        "the server still accepts connections after shutdown"
    );
}
