//! IBM Quantum Platform: the Qiskit Runtime REST API with the sampler primitive and OpenQASM 3
//! pubs.
//!
//! The API key is exchanged for an access token at `POST {iam}/identity/token`; then one job
//! carries one pub per binding row, `[program, parameter values, shots]`, with the program
//! decomposed into the backend's basis ({cz or cx, rz, sx, x}, [`Basis::IbmCz`] by default)
//! and emitted as OpenQASM 3 with `input float[64]` parameters, whose values go in the order
//! Qiskit gives circuit parameters: sorted by name. `POST /api/v1/jobs`, `GET /api/v1/jobs/{id}`
//! until `Completed` (`Failed` and `Cancelled` end it), then `GET /api/v1/jobs/{id}/results`:
//! `results[k].data.<register>.samples`, one hexadecimal outcome per shot, classical bit j as
//! bit j. Settings: `IBM_API_KEY`, `IBM_SERVICE_CRN`. The sampler runs ISA circuits as given,
//! so the program is compiled for the device first: its configuration
//! (`GET /api/v1/backends/{device}/configuration`, once per backend object) is read as a
//! [`Target`] (`n_qubits`, the directed `coupling_map`, `basis_gates`), the circuit is routed
//! onto it and translated into its native gates ([`compile_for_target`]: `ecr` on the listed
//! direction for Eagle devices, `cz` for Heron; a configuration without `basis_gates` takes
//! the configured basis), and written as native OpenQASM 3 (`ecr` comes with its `gate`
//! definition). A device without a coupling map (a simulator) takes the circuit unrouted.

use super::http::{Http, HttpSettings, JobPhase, Logger, cancellable, join, percent_encode};
use super::{Backend, BackendError, BoxFuture, Cancel, Estimate, Job, Secret};
use crate::emit::{EmitOptions, emit_qasm3};
use crate::ir::{Circuit, Instruction};
use crate::opt::{Basis, run_decompose};
use crate::target::{NativeSet, Target, compile_for_target, emit::emit_native_qasm3};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// The default API endpoint.
pub const IBM_ENDPOINT: &str = "https://quantum.cloud.ibm.com";
/// The default IAM endpoint.
pub const IBM_IAM_ENDPOINT: &str = "https://iam.cloud.ibm.com";
/// The REST API version sent in `IBM-API-Version`.
pub const IBM_API_VERSION: &str = "2025-05-01";

/// Settings of the IBM backend.
#[derive(Clone, Debug)]
pub struct IbmConfig {
    /// API base URL.
    pub endpoint: String,
    /// IAM base URL (the token exchange).
    pub iam_endpoint: String,
    /// The device (`ibm_torino`, …).
    pub device: String,
    /// The device's basis.
    pub basis: Basis,
    /// `IBM_API_KEY`.
    pub api_key: Secret,
    /// `IBM_SERVICE_CRN`: the instance.
    pub service_crn: String,
    /// Timeouts and retries.
    pub settings: HttpSettings,
}

impl IbmConfig {
    /// Settings from the environment. With `endpoint`, the token exchange goes there too.
    pub fn from_env(endpoint: Option<String>, device: String) -> Result<IbmConfig, BackendError> {
        let service_crn = std::env::var("IBM_SERVICE_CRN")
            .ok()
            .filter(|c| !c.trim().is_empty())
            .ok_or_else(|| BackendError::Config("IBM_SERVICE_CRN is not set".into()))?;
        Ok(IbmConfig {
            iam_endpoint: endpoint.clone().unwrap_or_else(|| IBM_IAM_ENDPOINT.into()),
            endpoint: endpoint.unwrap_or_else(|| IBM_ENDPOINT.into()),
            device,
            basis: Basis::IbmCz,
            api_key: Secret::from_env("IBM_API_KEY")?,
            service_crn,
            settings: HttpSettings::default(),
        })
    }
}

/// The IBM backend.
#[derive(Clone, Debug)]
pub struct IbmBackend {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: Http,
    config: IbmConfig,
    /// The device's target, fetched once (`None`: a simulator, all-to-all).
    device: tokio::sync::OnceCell<Option<Target>>,
}

impl IbmBackend {
    /// A backend with `config`, logging to `log`.
    pub fn new(config: IbmConfig, log: Option<Logger>) -> Result<IbmBackend, BackendError> {
        if !matches!(config.basis, Basis::IbmCx | Basis::IbmCz) {
            return Err(BackendError::Config(format!(
                "IBM devices take `ibm-cx` or `ibm-cz`, not `{}`",
                config.basis
            )));
        }
        let http = Http::new(
            "IBM Quantum",
            "IBM_API_KEY and IBM_SERVICE_CRN",
            config.settings.clone(),
            vec![config.api_key.clone()],
            log,
        )?;
        Ok(IbmBackend {
            inner: Arc::new(Inner {
                http,
                config,
                device: tokio::sync::OnceCell::new(),
            }),
        })
    }
}

/// The measured classical bits in order: readout bit j is classical bit `clbits[j]`.
fn measured_clbits(circuit: &Circuit) -> Vec<usize> {
    let mut clbits: Vec<usize> = circuit
        .instructions()
        .iter()
        .filter_map(|i| match i {
            Instruction::Measure { clbit, .. } => Some(*clbit),
            _ => None,
        })
        .collect();
    clbits.sort_unstable();
    clbits.dedup();
    clbits
}

/// Counts over readout bits from one pub result: the samples of `c` (or of the only register).
pub(crate) fn ibm_counts(result: &Value, clbits: &[usize]) -> Result<BTreeMap<u64, u64>, String> {
    let data = result["data"]
        .as_object()
        .ok_or("a pub result without `data`")?;
    let register = data
        .get("c")
        .or_else(|| (data.len() == 1).then(|| data.values().next()).flatten())
        .ok_or("no classical register `c` in the pub result")?;
    let samples = register["samples"].as_array().ok_or("no `samples`")?;
    let mut counts = BTreeMap::new();
    for sample in samples {
        let text = sample.as_str().ok_or("a sample is not a string")?;
        let hex = text
            .strip_prefix("0x")
            .ok_or_else(|| format!("sample `{text}` is not hexadecimal"))?;
        let value = u64::from_str_radix(hex, 16)
            .map_err(|_| format!("sample `{text}` is not hexadecimal"))?;
        let outcome = clbits
            .iter()
            .enumerate()
            .map(|(j, &c)| ((value >> c) & 1) << j)
            .sum::<u64>();
        *counts.entry(outcome).or_insert(0) += 1;
    }
    Ok(counts)
}

impl Inner {
    async fn token(&self) -> Result<Secret, BackendError> {
        let url = join(&self.config.iam_endpoint, "identity/token");
        let form = format!(
            "grant_type={}&apikey={}",
            percent_encode("urn:ibm:params:oauth:grant-type:apikey"),
            percent_encode(self.config.api_key.expose())
        );
        let reply = self
            .http
            .send("IAM token exchange", true, |c| {
                Ok(c.post(&url)
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Accept", "application/json")
                    .body(form.clone()))
            })
            .await?;
        let json = reply.json(&self.http, "IAM token exchange")?;
        let token = json["access_token"].as_str().ok_or_else(|| {
            self.http
                .protocol("IAM token exchange", "no `access_token`".to_string())
        })?;
        let token = Secret::new(token);
        self.http.add_secret(token.clone());
        Ok(token)
    }

    fn request(
        &self,
        client: &reqwest::Client,
        method: reqwest::Method,
        url: &str,
        token: &Secret,
    ) -> reqwest::RequestBuilder {
        client
            .request(method, url)
            .header("Authorization", format!("Bearer {}", token.expose()))
            .header("Service-CRN", &self.config.service_crn)
            .header("IBM-API-Version", IBM_API_VERSION)
            .header("Accept", "application/json")
    }

    /// The device's target from its configuration (`None` when it lists no coupling map).
    async fn target(&self, token: &Secret) -> Result<Option<Target>, BackendError> {
        let device = percent_encode(&self.config.device);
        let url = join(
            &self.config.endpoint,
            &format!("api/v1/backends/{device}/configuration"),
        );
        let what = format!("configuration of {}", self.config.device);
        let json = self.get_json(&url, &what, token).await?;
        if json.get("coupling_map").is_none_or(Value::is_null) {
            return Ok(None);
        }
        let mut target =
            Target::from_json(&json, &what).map_err(|e| self.http.protocol(&what, e.message))?;
        match target.native {
            None => {
                target.native = Some(match self.config.basis {
                    Basis::IbmCx => NativeSet::IbmCx,
                    _ => NativeSet::IbmCz,
                })
            }
            Some(NativeSet::IbmCx | NativeSet::IbmCz | NativeSet::IbmEcr) => {}
            Some(other) => {
                return Err(self.http.protocol(
                    &what,
                    format!("native gate set {other:?} is not an IBM basis"),
                ));
            }
        }
        Ok(Some(target))
    }

    /// `circuit` compiled for the device: an OpenQASM 3 program in its native gates, routed
    /// onto its coupling map when it has one.
    async fn device_program(
        &self,
        circuit: &Circuit,
        token: &Secret,
    ) -> Result<String, BackendError> {
        let target = self.device.get_or_try_init(|| self.target(token)).await?;
        let Some(target) = target else {
            let lowered = run_decompose(circuit, self.config.basis);
            return Ok(emit_qasm3(&lowered, &EmitOptions::default()));
        };
        let compiled = compile_for_target(circuit, target).map_err(|e| {
            BackendError::BadJob(format!("cannot compile for {}: {e}", self.config.device))
        })?;
        let r = &compiled.report;
        self.http.log(&format!(
            "routed onto {}: physical qubits {:?}, {} SWAPs, {} two-qubit gates",
            self.config.device, r.initial_layout, r.swaps, r.two_qubit_gates
        ));
        let native = compiled.native.expect("IBM targets have a native set");
        Ok(emit_native_qasm3(&native, &[]))
    }

    async fn submit(&self, body: &Value, token: &Secret) -> Result<String, BackendError> {
        let url = join(&self.config.endpoint, "api/v1/jobs");
        let bytes = serde_json::to_vec(body).expect("JSON values serialise");
        let reply = self
            .http
            .send("job submission", false, |c| {
                Ok(self
                    .request(c, reqwest::Method::POST, &url, token)
                    .header("Content-Type", "application/json")
                    .body(bytes.clone()))
            })
            .await?;
        let json = reply.json(&self.http, "job submission")?;
        json["id"].as_str().map(str::to_string).ok_or_else(|| {
            self.http
                .protocol("job submission", "no job `id`".to_string())
        })
    }

    async fn wait(&self, id: &str, token: &Secret) -> Result<(), BackendError> {
        let url = join(&self.config.endpoint, &format!("api/v1/jobs/{id}"));
        let what = format!("job {id}");
        self.http
            .poll(&what, || async {
                let json = self.get_json(&url, &what, token).await?;
                let status = json["state"]["status"]
                    .as_str()
                    .or_else(|| json["status"].as_str())
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                let phase = match status.as_str() {
                    "completed" => JobPhase::Completed(()),
                    "failed" => JobPhase::Failed(
                        json["state"]["reason"]
                            .as_str()
                            .unwrap_or("no reason given")
                            .to_string(),
                    ),
                    s if s.starts_with("cancelled") => JobPhase::Cancelled,
                    "queued" | "running" | "initializing" | "validating" => {
                        JobPhase::Pending(status.clone())
                    }
                    _ => JobPhase::Unknown(status.clone()),
                };
                self.http.settle(id, phase)
            })
            .await
    }

    async fn results(&self, id: &str, token: &Secret) -> Result<Value, BackendError> {
        let url = join(&self.config.endpoint, &format!("api/v1/jobs/{id}/results"));
        let what = format!("results of job {id}");
        self.get_json(&url, &what, token).await
    }

    /// `GET url` (idempotent, so retried) and its JSON body.
    async fn get_json(&self, url: &str, what: &str, token: &Secret) -> Result<Value, BackendError> {
        let reply = self
            .http
            .send(what, true, |c| {
                Ok(self.request(c, reqwest::Method::GET, url, token))
            })
            .await?;
        reply.json(&self.http, what)
    }

    async fn cancel(&self, id: Option<String>, token: Option<Secret>) -> String {
        let (Some(id), Some(token)) = (id, token) else {
            return "no IBM job had been submitted".to_string();
        };
        let url = join(&self.config.endpoint, &format!("api/v1/jobs/{id}/cancel"));
        let outcome = self
            .http
            .send("job cancellation", true, |c| {
                Ok(self.request(c, reqwest::Method::POST, &url, &token))
            })
            .await;
        if let Err(e) = outcome {
            self.http.log(&format!("cancelling job {id}: {e}"));
        }
        format!("asked IBM Quantum to cancel job {id}")
    }
}

impl Backend for IbmBackend {
    fn name(&self) -> &'static str {
        "ibm"
    }

    fn run<'a>(
        &'a self,
        job: &'a Job,
        cancel: &'a Cancel,
    ) -> BoxFuture<'a, Result<Vec<Estimate>, BackendError>> {
        Box::pin(async move {
            let inner = &self.inner;
            let shots = job
                .shots
                .filter(|&s| s > 0)
                .ok_or_else(|| BackendError::BadJob("IBM needs --shots (at least 1)".into()))?;
            let clbits = measured_clbits(&job.circuit);
            if clbits.is_empty() {
                return Err(BackendError::BadJob(
                    "the sampler reads classical bits; the circuit measures nothing".into(),
                ));
            }
            // Qiskit orders a circuit's parameters by name.
            let inputs = job.circuit.inputs();
            let mut order: Vec<usize> = (0..inputs.len()).collect();
            order.sort_by(|&a, &b| inputs[a].cmp(&inputs[b]));
            let state: Arc<Mutex<(Option<String>, Option<Secret>)>> = Arc::default();
            let work = async {
                let token = inner.token().await?;
                state.lock().expect("not poisoned").1 = Some(token.clone());
                let program = inner.device_program(&job.circuit, &token).await?;
                let pubs: Vec<Value> = (0..job.bindings.rows)
                    .map(|row| {
                        let values = job.row(row);
                        let sorted: Vec<f64> = order.iter().map(|&k| values[k]).collect();
                        let parameters = if sorted.is_empty() {
                            Value::Null
                        } else {
                            json!(sorted)
                        };
                        json!([program, parameters, shots])
                    })
                    .collect();
                let body = json!({
                    "program_id": "sampler",
                    "backend": inner.config.device,
                    "params": { "pubs": pubs, "version": 2 },
                });
                let id = inner.submit(&body, &token).await?;
                inner.http.log(&format!(
                    "job {id} submitted with {} pubs",
                    job.bindings.rows
                ));
                state.lock().expect("not poisoned").0 = Some(id.clone());
                inner.wait(&id, &token).await?;
                state.lock().expect("not poisoned").0 = None;
                let results = inner.results(&id, &token).await?;
                let list = results["results"].as_array().ok_or_else(|| {
                    inner
                        .http
                        .protocol("job results", "no `results` list".into())
                })?;
                if list.len() != job.bindings.rows {
                    return Err(inner.http.protocol(
                        "job results",
                        format!("{} pub results for {} pubs", list.len(), job.bindings.rows),
                    ));
                }
                list.iter()
                    .map(|r| {
                        ibm_counts(r, &clbits)
                            .map(Estimate::from_counts)
                            .map_err(|m| inner.http.protocol("job results", m))
                    })
                    .collect()
            };
            cancellable(cancel, work, || {
                let (id, token) = state.lock().expect("not poisoned").clone();
                inner.cancel(id, token)
            })
            .await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_are_read_as_hexadecimal_classical_bits() {
        let result =
            json!({"data": {"c": {"samples": ["0x0", "0x1", "0x3", "0x1"], "num_bits": 2}}});
        let counts = ibm_counts(&result, &[0, 1]).unwrap();
        assert_eq!(counts, BTreeMap::from([(0, 1), (1, 2), (3, 1)]));
        let only_bit_1 = ibm_counts(&result, &[1]).unwrap();
        assert_eq!(only_bit_1, BTreeMap::from([(0, 3), (1, 1)]));
        assert!(ibm_counts(&json!({"data": {}}), &[0]).is_err());
    }
}
