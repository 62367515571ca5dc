//! IonQ's v0.4 job API (also what `qattnc serve` implements).
//!
//! One job per binding row (IonQ programs take no inputs, so each row's circuit is bound and
//! decomposed into cx and one-qubit gates first): `POST /v0.4/jobs` with
//! `{"type": "ionq.qasm3.v1", "input": {"data": QASM}}` or `{"type": "ionq.circuit.v1",
//! "input": {"gateset": "qis", …}}`, `shots` and `backend`; `GET /v0.4/jobs/{id}` until the
//! status is `completed` (`submitted`, `ready`, `started` and `running` mean wait; `failed` and
//! `canceled` end it); then the probabilities at `results.probabilities.url`: keys are integers
//! over all qubits, qubit 0 the least significant bit. Authorization is
//! `apiKey $IONQ_API_KEY`. Cancellation is `PUT /v0.4/jobs/{id}/status/cancel`.
//!
//! With an IonQ target ([`IonqBackend::with_target`], `--target circuits/devices/ionq_aria_25.json`
//! on the command line) the circuit is compiled for it once ([`compile_for_target`]: placed on
//! the device's qubits and translated into gpi, gpi2 and ms) and each row is submitted as
//! `{"type": "ionq.circuit.v1", "input": {"gateset": "native", "qubits", "circuit"}}`
//! ([`emit_ionq_native`], phases in turns), so IonQ runs exactly those native gates.

use super::http::{Http, HttpSettings, JobPhase, Logger, cancellable, for_each_row, join};
use super::{
    Backend, BackendError, BoxFuture, Cancel, Estimate, Job, Secret, marginalise, readout_qubits,
};
use crate::emit::{EmitOptions, emit_ionq_circuit, emit_qasm3};
use crate::opt::{Basis, bind_inputs, run_decompose};
use crate::target::emit::emit_ionq_native;
use crate::target::{NativeSet, Target, compile_for_target};
use reqwest::Url;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Each row's job type and input, and the qubits read out (in classical-bit order).
type JobBodies = (Vec<(&'static str, Value)>, Vec<usize>);

/// The default endpoint.
pub const IONQ_ENDPOINT: &str = "https://api.ionq.co";

/// Which program format jobs carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IonqFormat {
    /// `ionq.qasm3.v1`: OpenQASM 3 text in `input.data`.
    Qasm3,
    /// `ionq.circuit.v1`: the JSON gate list, gateset `qis`.
    Circuit,
}

/// Settings of the IonQ backend.
#[derive(Clone, Debug)]
pub struct IonqConfig {
    /// Base URL (`https://api.ionq.co`, or `http://127.0.0.1:PORT` for `qattnc serve`).
    pub endpoint: String,
    /// The target (`simulator`, `qpu.forte-1`, …).
    pub backend: String,
    /// Program format.
    pub format: IonqFormat,
    /// The API key; `None` only for a self-hosted endpoint that needs none.
    pub api_key: Option<Secret>,
    /// Timeouts and retries.
    pub settings: HttpSettings,
}

impl IonqConfig {
    /// Settings from the environment: `IONQ_API_KEY` (required for IonQ's own endpoint,
    /// optional when `endpoint` points elsewhere).
    pub fn from_env(endpoint: Option<String>) -> Result<IonqConfig, BackendError> {
        let api_key = match &endpoint {
            None => Some(Secret::from_env("IONQ_API_KEY")?),
            Some(_) => Secret::from_env("IONQ_API_KEY").ok(),
        };
        Ok(IonqConfig {
            endpoint: endpoint.unwrap_or_else(|| IONQ_ENDPOINT.to_string()),
            backend: "simulator".to_string(),
            format: IonqFormat::Qasm3,
            api_key,
            settings: HttpSettings::default(),
        })
    }
}

/// The IonQ backend.
#[derive(Clone, Debug)]
pub struct IonqBackend {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    http: Http,
    config: IonqConfig,
    base: Url,
    /// The device's IonQ target, when one was given: programs go in native gates.
    target: Option<Target>,
}

impl IonqBackend {
    /// A backend with `config`, logging to `log`.
    pub fn new(config: IonqConfig, log: Option<Logger>) -> Result<IonqBackend, BackendError> {
        let base = Url::parse(&config.endpoint).map_err(|e| {
            BackendError::Config(format!("invalid endpoint `{}`: {e}", config.endpoint))
        })?;
        let secrets = config.api_key.iter().cloned().collect();
        let http = Http::new(
            "IonQ",
            "IONQ_API_KEY",
            config.settings.clone(),
            secrets,
            log,
        )?;
        Ok(IonqBackend {
            inner: Arc::new(Inner {
                http,
                config,
                base,
                target: None,
            }),
        })
    }

    /// A backend that compiles for `target` (IonQ's native set, e.g.
    /// circuits/devices/ionq_aria_25.json) and submits native-gate programs.
    pub fn with_target(
        config: IonqConfig,
        target: Target,
        log: Option<Logger>,
    ) -> Result<IonqBackend, BackendError> {
        if target.native != Some(NativeSet::Ionq) {
            return Err(BackendError::Config(format!(
                "target `{}` does not have IonQ's native gates (gpi, gpi2, ms)",
                target.name
            )));
        }
        let backend = IonqBackend::new(config, log)?;
        let Inner {
            http, config, base, ..
        } = Arc::into_inner(backend.inner).expect("a new backend is not shared");
        Ok(IonqBackend {
            inner: Arc::new(Inner {
                http,
                config,
                base,
                target: Some(target),
            }),
        })
    }
}

impl Inner {
    fn request(
        &self,
        client: &reqwest::Client,
        method: reqwest::Method,
        url: &str,
    ) -> reqwest::RequestBuilder {
        let request = client.request(method, url);
        match &self.config.api_key {
            Some(key) => request.header("Authorization", format!("apiKey {}", key.expose())),
            None => request,
        }
    }

    fn input(&self, circuit: &crate::ir::Circuit) -> Result<(&'static str, Value), BackendError> {
        let bad = |e: crate::emit::DialectError| BackendError::BadJob(e.to_string());
        Ok(match self.config.format {
            IonqFormat::Qasm3 => (
                "ionq.qasm3.v1",
                json!({ "data": emit_qasm3(circuit, &EmitOptions::default()) }),
            ),
            IonqFormat::Circuit => ("ionq.circuit.v1", emit_ionq_circuit(circuit).map_err(bad)?),
        })
    }

    /// Each row's program type and input in the configured portable format, and the qubits
    /// read out.
    fn portable_bodies(&self, job: &Job) -> Result<JobBodies, BackendError> {
        let lowered = run_decompose(&job.circuit, Basis::CxAndSingleQubit);
        let bodies = (0..job.bindings.rows)
            .map(|row| {
                let bound = bind_inputs(&lowered, job.row(row))
                    .map_err(|e| BackendError::BadJob(e.to_string()))?;
                self.input(&bound)
            })
            .collect::<Result<_, _>>()?;
        Ok((bodies, readout_qubits(&job.circuit)))
    }

    /// Each row's native-gate program for `target` (compiled once, its inputs bound per row),
    /// and the physical qubits read out.
    fn native_bodies(&self, job: &Job, target: &Target) -> Result<JobBodies, BackendError> {
        let compiled = compile_for_target(&job.circuit, target).map_err(|e| {
            BackendError::BadJob(format!("cannot compile for {}: {e}", target.name))
        })?;
        let report = &compiled.report;
        self.http.log(&format!(
            "compiled for {}: {} ms gates, physical qubits {:?}, {} SWAPs",
            target.name, report.two_qubit_gates, report.initial_layout, report.swaps
        ));
        let native = compiled
            .native
            .as_ref()
            .expect("an IonQ target has a native set");
        let bodies = (0..job.bindings.rows)
            .map(|row| {
                let values = job
                    .circuit
                    .inputs()
                    .iter()
                    .cloned()
                    .zip(job.row(row).iter().copied())
                    .collect();
                emit_ionq_native(native, &values)
                    .map(|input| ("ionq.circuit.v1", input))
                    .map_err(BackendError::BadJob)
            })
            .collect::<Result<_, _>>()?;
        // Without measurements every logical qubit is read, from its final physical place.
        let measured = job
            .circuit
            .instructions()
            .iter()
            .any(|i| matches!(i, crate::ir::Instruction::Measure { .. }));
        let readout = if measured {
            readout_qubits(&compiled.routed)
        } else {
            report.final_layout.clone()
        };
        Ok((bodies, readout))
    }

    async fn submit(&self, body: Value) -> Result<String, BackendError> {
        let url = join(&self.config.endpoint, "v0.4/jobs");
        let bytes = serde_json::to_vec(&body).expect("JSON values serialise");
        let reply = self
            .http
            .send("job submission", false, |c| {
                Ok(self
                    .request(c, reqwest::Method::POST, &url)
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

    /// The job's probabilities URL once it completed.
    async fn wait(&self, id: &str) -> Result<Url, BackendError> {
        let url = join(&self.config.endpoint, &format!("v0.4/jobs/{id}"));
        let what = format!("job {id}");
        self.http
            .poll(&what, || async {
                let reply = self
                    .http
                    .send(&what, true, |c| {
                        Ok(self.request(c, reqwest::Method::GET, &url))
                    })
                    .await?;
                let json = reply.json(&self.http, &what)?;
                let status = json["status"].as_str().unwrap_or_default();
                let phase = match status {
                    "completed" => {
                        let link = json["results"]["probabilities"]["url"]
                            .as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| format!("/v0.4/jobs/{id}/results/probabilities"));
                        JobPhase::Completed(self.same_origin(&link)?)
                    }
                    "failed" => JobPhase::Failed(failure_message(&json)),
                    "canceled" => JobPhase::Cancelled,
                    "submitted" | "ready" | "started" | "running" => {
                        JobPhase::Pending(status.to_string())
                    }
                    other => JobPhase::Unknown(other.to_string()),
                };
                self.http.settle(id, phase)
            })
            .await
    }

    /// Resolves a results link against the endpoint; the API key is only ever sent to the
    /// endpoint's own origin.
    fn same_origin(&self, link: &str) -> Result<Url, BackendError> {
        let url = self.base.join(link).map_err(|e| {
            self.http
                .protocol("job status", format!("bad results URL: {e}"))
        })?;
        if url.origin() != self.base.origin() {
            return Err(self.http.protocol(
                "job status",
                format!("results URL {url} is not on the endpoint's host; refusing to send the key there"),
            ));
        }
        Ok(url)
    }

    async fn probabilities(&self, url: Url) -> Result<BTreeMap<u64, f64>, BackendError> {
        let what = "job results";
        let reply = self
            .http
            .send(what, true, |c| {
                Ok(self.request(c, reqwest::Method::GET, url.as_str()))
            })
            .await?;
        let json = reply.json(&self.http, what)?;
        let map = json.as_object().ok_or_else(|| {
            self.http
                .protocol(what, "probabilities must be an object".to_string())
        })?;
        map.iter()
            .map(|(key, p)| {
                let index = key.parse::<u64>().map_err(|_| {
                    self.http
                        .protocol(what, format!("outcome key `{key}` is not an integer"))
                })?;
                let p = p
                    .as_f64()
                    .filter(|p| (0.0..=1.0 + 1e-9).contains(p))
                    .ok_or_else(|| {
                        self.http
                            .protocol(what, format!("probability of {key} is not in [0, 1]"))
                    })?;
                Ok((index, p))
            })
            .collect()
    }

    async fn cancel(&self, ids: Vec<String>) -> String {
        for id in &ids {
            let url = join(
                &self.config.endpoint,
                &format!("v0.4/jobs/{id}/status/cancel"),
            );
            let outcome = self
                .http
                .send("job cancellation", true, |c| {
                    Ok(self.request(c, reqwest::Method::PUT, &url))
                })
                .await;
            if let Err(e) = outcome {
                self.http.log(&format!("cancelling job {id}: {e}"));
            }
        }
        format!("asked IonQ to cancel {} submitted job(s)", ids.len())
    }
}

fn failure_message(json: &Value) -> String {
    let failure = &json["failure"];
    let pick = |v: &Value| v.as_str().map(str::to_string);
    pick(&failure["error"])
        .or_else(|| pick(&failure["message"]))
        .or_else(|| pick(&json["error"]))
        .unwrap_or_else(|| "no reason given".to_string())
}

impl Backend for IonqBackend {
    fn name(&self) -> &'static str {
        "ionq"
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
                .ok_or_else(|| BackendError::BadJob("IonQ needs --shots (at least 1)".into()))?;
            let (bodies, readout) = match &self.inner.target {
                None => self.inner.portable_bodies(job)?,
                Some(target) => self.inner.native_bodies(job, target)?,
            };
            let readout = Arc::new(readout);
            let submitted = Arc::new(Mutex::new(Vec::<String>::new()));
            let bodies = Arc::new(
                bodies
                    .into_iter()
                    .enumerate()
                    .map(|(row, (kind, input))| {
                        json!({
                            "type": kind,
                            "name": format!("qattnc row {row}"),
                            "backend": self.inner.config.backend,
                            "shots": shots,
                            "input": input,
                        })
                    })
                    .collect::<Vec<_>>(),
            );
            let work = for_each_row(
                job.bindings.rows,
                self.inner.http.settings().concurrency,
                |row| {
                    let (inner, bodies) = (self.inner.clone(), bodies.clone());
                    let (readout, submitted) = (readout.clone(), submitted.clone());
                    async move {
                        let id = inner.submit(bodies[row].clone()).await?;
                        inner.http.log(&format!("row {row}: job {id} submitted"));
                        submitted.lock().expect("not poisoned").push(id.clone());
                        let url = inner.wait(&id).await?;
                        let full = inner.probabilities(url).await?;
                        submitted.lock().expect("not poisoned").retain(|j| j != &id);
                        Ok(Estimate::from_sampled_probabilities(
                            marginalise(full, &readout),
                            shots,
                        ))
                    }
                },
            );
            cancellable(cancel, work, || {
                let ids = submitted.lock().expect("not poisoned").clone();
                self.inner.cancel(ids)
            })
            .await
        })
    }
}
