//! Amazon Braket: quantum tasks on the REST API, signed with SigV4.
//!
//! One task per binding row, all sharing one program in Braket's OpenQASM 3 dialect (decomposed
//! into cx and one-qubit gates, emitted by [`emit_braket`]) with the row in `inputs`:
//! `POST /quantum-task` with action `braket.ir.openqasm.program`; `GET /quantum-task/{arn}` until
//! `COMPLETED` (`FAILED` and `CANCELLED` end it); then `results.json` from the task's S3 output
//! directory (`measurements` per shot, `measuredQubits`). With a target
//! ([`BraketBackend::with_target`], `--target` on the command line) the program is first placed
//! and routed onto the device's coupling map ([`compile_for_target`]); Braket's compiler then
//! maps its `cnot` and one-qubit gates to the device's native gates. With `--endpoint` every request,
//! S3 reads included (path-style), goes to that URL. Credentials come from
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` and `AWS_REGION`.

use super::http::{
    Http, HttpSettings, JobPhase, Logger, cancellable, for_each_row, join, percent_encode as encode,
};
use super::{Backend, BackendError, BoxFuture, Cancel, Estimate, Job, Secret, readout_qubits};
use crate::emit::{EmitOptions, emit_braket};
use crate::opt::{Basis, run_decompose};
use crate::target::{Target, compile_for_target};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Braket's state-vector simulator, the default device.
pub const SV1_ARN: &str = "arn:aws:braket:::device/quantum-simulator/amazon/sv1";

/// Settings of the Braket backend.
#[derive(Clone, Debug)]
pub struct BraketConfig {
    /// Base URL for the Braket API and (path-style) S3; `None` for AWS's own endpoints.
    pub endpoint: Option<String>,
    /// The AWS region.
    pub region: String,
    /// The device ARN.
    pub device_arn: String,
    /// The output bucket (its name starts with `amazon-braket-`).
    pub bucket: String,
    /// Key prefix of task outputs in the bucket.
    pub prefix: String,
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: Secret,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: Secret,
    /// `AWS_SESSION_TOKEN`, when the credentials are temporary.
    pub session_token: Option<Secret>,
    /// Timeouts and retries.
    pub settings: HttpSettings,
}

impl BraketConfig {
    /// Settings from the environment; the bucket from `bucket` or `QATTNC_BRAKET_BUCKET`.
    pub fn from_env(
        endpoint: Option<String>,
        bucket: Option<String>,
    ) -> Result<BraketConfig, BackendError> {
        let bucket = bucket
            .or_else(|| std::env::var("QATTNC_BRAKET_BUCKET").ok())
            .filter(|b| !b.is_empty())
            .ok_or_else(|| {
                BackendError::Config(
                    "Braket needs an output bucket: --s3-bucket or QATTNC_BRAKET_BUCKET".into(),
                )
            })?;
        if !bucket.starts_with("amazon-braket-") {
            return Err(BackendError::Config(format!(
                "Braket output bucket names must start with `amazon-braket-`; got `{bucket}`"
            )));
        }
        let region = std::env::var("AWS_REGION")
            .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
            .ok()
            .filter(|r| !r.is_empty())
            .ok_or_else(|| BackendError::Config("AWS_REGION is not set".into()))?;
        Ok(BraketConfig {
            endpoint,
            region,
            device_arn: SV1_ARN.to_string(),
            bucket,
            prefix: "qattnc".to_string(),
            access_key_id: Secret::from_env("AWS_ACCESS_KEY_ID")?,
            secret_access_key: Secret::from_env("AWS_SECRET_ACCESS_KEY")?,
            session_token: Secret::from_env("AWS_SESSION_TOKEN").ok(),
            settings: HttpSettings::default(),
        })
    }
}

/// The Braket backend.
#[derive(Clone, Debug)]
pub struct BraketBackend {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: Http,
    config: BraketConfig,
    api: String,
    /// The device's target, when one was given: programs are routed onto its coupling map.
    target: Option<Target>,
}

impl BraketBackend {
    /// A backend with `config`, logging to `log`.
    pub fn new(config: BraketConfig, log: Option<Logger>) -> Result<BraketBackend, BackendError> {
        let mut secrets = vec![
            config.access_key_id.clone(),
            config.secret_access_key.clone(),
        ];
        secrets.extend(config.session_token.clone());
        let http = Http::new(
            "Braket",
            "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN",
            config.settings.clone(),
            secrets,
            log,
        )?;
        let api = config
            .endpoint
            .clone()
            .unwrap_or_else(|| format!("https://braket.{}.amazonaws.com", config.region));
        Ok(BraketBackend {
            inner: Arc::new(Inner {
                http,
                config,
                api,
                target: None,
            }),
        })
    }

    /// A backend that compiles for `target` (the device's coupling map, e.g.
    /// circuits/devices/ionq_aria_25.json): each program is placed and routed onto it, so
    /// qubit k of the program is the device's physical qubit k, before Braket's own compiler
    /// maps the gates to the device's native ones.
    pub fn with_target(
        config: BraketConfig,
        target: Target,
        log: Option<Logger>,
    ) -> Result<BraketBackend, BackendError> {
        let backend = BraketBackend::new(config, log)?;
        let Inner {
            http, config, api, ..
        } = Arc::into_inner(backend.inner).expect("a new backend is not shared");
        Ok(BraketBackend {
            inner: Arc::new(Inner {
                http,
                config,
                api,
                target: Some(target),
            }),
        })
    }
}

impl Inner {
    /// A request signed with SigV4 for `service` (`braket` or `s3`).
    fn signed(
        &self,
        client: &reqwest::Client,
        method: reqwest::Method,
        url: &str,
        service: &str,
        body: &[u8],
    ) -> Result<reqwest::RequestBuilder, BackendError> {
        let failed = |e: &dyn std::fmt::Display| {
            BackendError::Config(format!(
                "cannot sign the request: {}",
                self.http.scrub(&e.to_string())
            ))
        };
        let config = &self.config;
        let identity: Identity = Credentials::new(
            config.access_key_id.expose(),
            config.secret_access_key.expose(),
            config
                .session_token
                .as_ref()
                .map(|t| t.expose().to_string()),
            None,
            "environment",
        )
        .into();
        let mut settings = SigningSettings::default();
        if service == "s3" {
            settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        }
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&config.region)
            .name(service)
            .time(SystemTime::now())
            .settings(settings)
            .build()
            .map_err(|e| failed(&e))?
            .into();
        let content_type = [("content-type", "application/json")];
        let headers = if body.is_empty() {
            &[][..]
        } else {
            &content_type[..]
        };
        let signable = SignableRequest::new(
            method.as_str(),
            url,
            headers.iter().copied(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| failed(&e))?;
        let (instructions, _signature) = sign(signable, &params)
            .map_err(|e| failed(&e))?
            .into_parts();
        let mut request = client.request(method, url);
        for (name, value) in headers.iter().copied().chain(instructions.headers()) {
            request = request.header(name, value);
        }
        Ok(request.body(body.to_vec()))
    }

    async fn create(
        &self,
        source: &str,
        inputs: Value,
        shots: u64,
        row: usize,
    ) -> Result<String, BackendError> {
        let action = json!({
            "braketSchemaHeader": { "name": "braket.ir.openqasm.program", "version": "1" },
            "source": source,
            "inputs": inputs,
        });
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let body = json!({
            "action": action.to_string(),
            "deviceArn": self.config.device_arn,
            "shots": shots,
            "outputS3Bucket": self.config.bucket,
            "outputS3KeyPrefix": self.config.prefix,
            "clientToken": format!("qattnc-{nanos:x}-{row}"),
        });
        let bytes = serde_json::to_vec(&body).expect("JSON values serialise");
        let url = join(&self.api, "quantum-task");
        // The client token makes a repeated creation idempotent, so timeouts may be retried.
        let reply = self
            .http
            .send("quantum task creation", true, |c| {
                self.signed(c, reqwest::Method::POST, &url, "braket", &bytes)
            })
            .await?;
        let json = reply.json(&self.http, "quantum task creation")?;
        json["quantumTaskArn"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| {
                self.http
                    .protocol("quantum task creation", "no `quantumTaskArn`".to_string())
            })
    }

    /// The task's output directory (bucket, key prefix) once it completed.
    async fn wait(&self, arn: &str) -> Result<(String, String), BackendError> {
        let url = join(&self.api, &format!("quantum-task/{}", encode(arn)));
        let what = format!("quantum task {arn}");
        self.http
            .poll(&what, || async {
                let reply = self
                    .http
                    .send(&what, true, |c| {
                        self.signed(c, reqwest::Method::GET, &url, "braket", &[])
                    })
                    .await?;
                let json = reply.json(&self.http, &what)?;
                let phase = match json["status"].as_str().unwrap_or_default() {
                    "COMPLETED" => {
                        let bucket = json["outputS3Bucket"].as_str();
                        let directory = json["outputS3Directory"].as_str();
                        match (bucket, directory) {
                            (Some(b), Some(d)) => {
                                JobPhase::Completed((b.to_string(), d.to_string()))
                            }
                            _ => {
                                return Err(self.http.protocol(
                                    &what,
                                    "a completed task without outputS3Bucket/outputS3Directory"
                                        .into(),
                                ));
                            }
                        }
                    }
                    "FAILED" => JobPhase::Failed(
                        json["failureReason"]
                            .as_str()
                            .unwrap_or("no reason given")
                            .to_string(),
                    ),
                    "CANCELLED" | "CANCELLING" => JobPhase::Cancelled,
                    status @ ("CREATED" | "QUEUED" | "RUNNING") => {
                        JobPhase::Pending(status.to_string())
                    }
                    other => JobPhase::Unknown(other.to_string()),
                };
                self.http.settle(arn, phase)
            })
            .await
    }

    async fn results(&self, bucket: &str, directory: &str) -> Result<Value, BackendError> {
        let key = format!("{}/results.json", directory.trim_end_matches('/'));
        let key_path: Vec<String> = key.split('/').map(encode).collect();
        let url = match &self.config.endpoint {
            Some(endpoint) => join(endpoint, &format!("{bucket}/{}", key_path.join("/"))),
            None => format!(
                "https://{bucket}.s3.{}.amazonaws.com/{}",
                self.config.region,
                key_path.join("/")
            ),
        };
        let what = format!("s3://{bucket}/{key}");
        let reply = self
            .http
            .send(&what, true, |c| {
                self.signed(c, reqwest::Method::GET, &url, "s3", &[])
            })
            .await?;
        reply.json(&self.http, &what)
    }

    async fn cancel(&self, arns: Vec<String>) -> String {
        for arn in &arns {
            let url = join(&self.api, &format!("quantum-task/{}/cancel", encode(arn)));
            let body = serde_json::to_vec(&json!({ "clientToken": format!("cancel-{arn}") }))
                .expect("JSON values serialise");
            let outcome = self
                .http
                .send("task cancellation", true, |c| {
                    self.signed(c, reqwest::Method::PUT, &url, "braket", &body)
                })
                .await;
            if let Err(e) = outcome {
                self.http.log(&format!("cancelling task {arn}: {e}"));
            }
        }
        format!("asked Braket to cancel {} submitted task(s)", arns.len())
    }
}

/// Counts over the readout bits from a `results.json`: `measurements` (lists of 0/1 numbers
/// or '0'/'1' strings) with `measuredQubits`.
pub(crate) fn braket_counts(
    results: &Value,
    readout: &[usize],
) -> Result<BTreeMap<u64, u64>, String> {
    let measured: Vec<usize> = results["measuredQubits"]
        .as_array()
        .ok_or("no `measuredQubits`")?
        .iter()
        .map(|q| {
            q.as_u64()
                .map(|q| q as usize)
                .ok_or("`measuredQubits` holds a non-integer")
        })
        .collect::<Result<_, _>>()?;
    let positions: Vec<usize> = readout
        .iter()
        .map(|q| {
            measured
                .iter()
                .position(|m| m == q)
                .ok_or_else(|| format!("qubit {q} was not measured (measuredQubits {measured:?})"))
        })
        .collect::<Result<_, _>>()?;
    let shots = results["measurements"]
        .as_array()
        .ok_or("no `measurements`")?;
    let mut counts = BTreeMap::new();
    for shot in shots {
        let bits = shot.as_array().ok_or("a measurement is not a list")?;
        if bits.len() != measured.len() {
            return Err(format!(
                "a measurement has {} bits for {} measured qubits",
                bits.len(),
                measured.len()
            ));
        }
        let bit = |v: &Value| match (v.as_u64(), v.as_str()) {
            (Some(b @ (0 | 1)), _) => Ok(b),
            (_, Some("0")) => Ok(0),
            (_, Some("1")) => Ok(1),
            _ => Err(format!("measurement value {v} is not 0 or 1")),
        };
        let mut outcome = 0u64;
        for (j, &p) in positions.iter().enumerate() {
            outcome |= bit(&bits[p])? << j;
        }
        *counts.entry(outcome).or_insert(0) += 1;
    }
    Ok(counts)
}

impl Backend for BraketBackend {
    fn name(&self) -> &'static str {
        "braket"
    }

    fn run<'a>(
        &'a self,
        job: &'a Job,
        cancel: &'a Cancel,
    ) -> BoxFuture<'a, Result<Vec<Estimate>, BackendError>> {
        Box::pin(async move {
            let shots = job
                .shots
                .filter(|&s| s > 0)
                .ok_or_else(|| BackendError::BadJob("Braket needs --shots (at least 1)".into()))?;
            // Without measurements every logical qubit is read, from its final physical place.
            let mut final_layout = None;
            let lowered = match &self.inner.target {
                None => run_decompose(&job.circuit, Basis::CxAndSingleQubit),
                Some(target) => {
                    let compiled = compile_for_target(&job.circuit, target).map_err(|e| {
                        BackendError::BadJob(format!("cannot compile for {}: {e}", target.name))
                    })?;
                    let r = &compiled.report;
                    self.inner.http.log(&format!(
                        "routed onto {}: physical qubits {:?}, {} SWAPs",
                        target.name, r.initial_layout, r.swaps
                    ));
                    final_layout = Some(r.final_layout.clone());
                    compiled.routed
                }
            };
            let source: Arc<str> = emit_braket(&lowered, &EmitOptions::default())
                .map_err(|e| BackendError::BadJob(e.to_string()))?
                .into();
            let measured = job
                .circuit
                .instructions()
                .iter()
                .any(|i| matches!(i, crate::ir::Instruction::Measure { .. }));
            let readout = Arc::new(match final_layout {
                Some(layout) if !measured => layout,
                _ => readout_qubits(&lowered),
            });
            let inputs: Vec<Value> = (0..job.bindings.rows)
                .map(|row| {
                    let map: serde_json::Map<String, Value> = job
                        .circuit
                        .inputs()
                        .iter()
                        .zip(job.row(row))
                        .map(|(name, &v)| (name.clone(), json!(v)))
                        .collect();
                    Value::Object(map)
                })
                .collect();
            let inputs = Arc::new(inputs);
            let submitted = Arc::new(Mutex::new(Vec::<String>::new()));
            let work = for_each_row(
                job.bindings.rows,
                self.inner.http.settings().concurrency,
                |row| {
                    let (inner, source, inputs) =
                        (self.inner.clone(), source.clone(), inputs.clone());
                    let (readout, submitted) = (readout.clone(), submitted.clone());
                    async move {
                        let arn = inner
                            .create(&source, inputs[row].clone(), shots, row)
                            .await?;
                        inner.http.log(&format!("row {row}: task {arn} created"));
                        submitted.lock().expect("not poisoned").push(arn.clone());
                        let (bucket, directory) = inner.wait(&arn).await?;
                        submitted
                            .lock()
                            .expect("not poisoned")
                            .retain(|a| a != &arn);
                        let results = inner.results(&bucket, &directory).await?;
                        let counts = braket_counts(&results, &readout)
                            .map_err(|m| inner.http.protocol("results.json", m))?;
                        Ok(Estimate::from_counts(counts))
                    }
                },
            );
            cancellable(cancel, work, || {
                let arns = submitted.lock().expect("not poisoned").clone();
                self.inner.cancel(arns)
            })
            .await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_measured_qubits_in_either_encoding() {
        let results = json!({
            "measuredQubits": [2, 0],
            "measurements": [[0, 1], ["1", "1"], [1, 0]],
        });
        // Readout bit 0 is qubit 0 (position 1), bit 1 is qubit 2 (position 0).
        let counts = braket_counts(&results, &[0, 2]).unwrap();
        assert_eq!(counts, BTreeMap::from([(1, 1), (3, 1), (2, 1)]));
        assert!(
            braket_counts(&results, &[1])
                .unwrap_err()
                .contains("qubit 1")
        );
        assert_eq!(encode("arn:aws:braket:x/y"), "arn%3Aaws%3Abraket%3Ax%2Fy");
    }
}
