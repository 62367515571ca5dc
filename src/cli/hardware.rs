//! Options shared by `qattnc sample --backend …` and `qattnc eval-noise`: where the attention
//! scores are estimated (a backend, shots, a noise model) and the cost report.

use super::Failure;
use super::remote::{Remote, RemoteOptions, remote_backend};
use crate::backend::http::{HttpSettings, Logger};
use crate::backend::{Backend, IonqFormat, LocalBackend};
use crate::model::hardware::{BackendScores, ScoreCost};
use crate::model::sample::Loaded;
use crate::sim::NoiseModel;
use clap::Args;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

/// Where attention scores come from during generation.
#[derive(Clone, Debug, Args)]
pub struct HardwareArgs {
    /// Estimate the quantum attention scores by running the -O3 score circuit on a backend:
    /// `local`, `ionq[+URL]`, `braket[+URL]` or `ibm[+URL]` (URL: a self-hosted endpoint such as
    /// `qattnc serve`'s). Without it, the exact fast path.
    #[arg(long, value_name = "BACKEND")]
    pub backend: Option<String>,
    /// Noise of the local simulator: `depolarizing=p[,readout=q][,trajectories=k]`
    /// (Monte-Carlo trajectories; for a noisy `qattnc serve` use its own --noise).
    #[arg(long, value_name = "MODEL")]
    pub noise: Option<NoiseModel>,
    /// Device: IonQ backend (default `simulator`), Braket device ARN, IBM backend name.
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,
    /// Braket output bucket (else QATTNC_BRAKET_BUCKET).
    #[arg(long, value_name = "BUCKET")]
    pub s3_bucket: Option<String>,
    /// Braket and IonQ: compile for this device (a target file, e.g.
    /// circuits/devices/ionq_aria_25.json): Braket gets the program routed onto its coupling map
    /// (Braket then maps it to native gates); IonQ, given an IonQ target, gets it in native
    /// gpi/gpi2/ms gates.
    #[arg(long, value_name = "DEVICE.json")]
    pub target: Option<std::path::PathBuf>,
    /// IBM device basis: `ibm-cz` or `ibm-cx`.
    #[arg(long, value_name = "BASIS", default_value = "ibm-cz")]
    pub ibm_basis: String,
    /// Limit on waiting for each job, in seconds.
    #[arg(long, value_name = "S", default_value_t = 3600.0)]
    pub job_timeout: f64,
    /// Cost model: the provider's seconds per shot (your own number, e.g. from its price list).
    #[arg(long, value_name = "S", default_value_t = 0.0)]
    pub seconds_per_shot: f64,
    /// Cost model: the provider's overhead per job in seconds (queueing, compilation, set-up).
    #[arg(long, value_name = "S", default_value_t = 0.0)]
    pub seconds_per_job: f64,
    /// Log requests and job states on standard error (credentials are never shown).
    #[arg(long)]
    pub verbose_backend: bool,
}

impl HardwareArgs {
    /// The backend named by `--backend` with `noise` for the local simulator, to be run with
    /// `shots` (`None` without `--backend`).
    pub fn backend(
        &self,
        shots: Option<u64>,
        noise: Option<NoiseModel>,
    ) -> Result<Option<Box<dyn Backend>>, Failure> {
        let Some(spec) = &self.backend else {
            if shots.is_some() || noise.is_some() {
                return Err(Failure::BadInput(
                    "--shots and --noise need --backend (e.g. --backend local)".into(),
                ));
            }
            return Ok(None);
        };
        if shots == Some(0) {
            return Err(Failure::BadInput("--shots must be at least 1".into()));
        }
        let (name, endpoint) = match spec.split_once('+') {
            Some((name, url)) => (name, Some(url.to_string())),
            None => (spec.as_str(), None),
        };
        if name != "local" && noise.is_some() {
            return Err(Failure::BadInput(
                "--noise applies to the local simulator; a remote device has its own noise \
                 (start `qattnc serve --noise …` for a noisy self-hosted one)"
                    .into(),
            ));
        }
        if name != "local" && shots.is_none() {
            return Err(Failure::BadInput(format!("--backend {name} needs --shots")));
        }
        let settings = HttpSettings {
            job_timeout: Duration::try_from_secs_f64(self.job_timeout)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| Failure::BadInput("--job-timeout must be positive".into()))?,
            ..HttpSettings::default()
        };
        let log: Option<Logger> = self
            .verbose_backend
            .then(|| Arc::new(|line: &str| eprintln!("{line}")) as Logger);
        let remote = match name {
            "local" => {
                if endpoint.is_some() {
                    return Err(Failure::BadInput("`local` takes no URL".into()));
                }
                return Ok(Some(Box::new(LocalBackend { noise })));
            }
            "ionq" => Remote::Ionq,
            "braket" => Remote::Braket,
            "ibm" => Remote::Ibm,
            other => {
                return Err(Failure::BadInput(format!(
                    "unknown backend `{other}`: local, ionq[+URL], braket[+URL] or ibm[+URL]"
                )));
            }
        };
        let options = RemoteOptions {
            endpoint,
            device: self.device.clone(),
            s3_bucket: self.s3_bucket.clone(),
            target: self.target.as_deref(),
            ibm_basis: &self.ibm_basis,
            ionq_format: IonqFormat::Qasm3,
            settings,
            flag: "--backend",
        };
        Ok(Some(remote_backend(remote, options, log)?))
    }

    /// The score provider for `loaded` with `shots` and `noise` (`None` without `--backend`).
    pub fn provider(
        &self,
        loaded: &Loaded,
        shots: Option<u64>,
        noise: Option<NoiseModel>,
        seed: u64,
    ) -> Result<Option<BackendScores>, Failure> {
        match self.backend(shots, noise)? {
            None => Ok(None),
            Some(backend) => {
                BackendScores::new(&loaded.meta.config.model.qubits, backend, shots, seed)
                    .map(Some)
                    .map_err(Failure::BadInput)
            }
        }
    }

    /// The cost report of `queries` generated molecules: what was run, per molecule, and the
    /// estimated provider time `provider_jobs × seconds_per_job + shots × seconds_per_shot`.
    pub fn cost_report(
        &self,
        provider: &BackendScores,
        shots: Option<u64>,
        queries: usize,
    ) -> Value {
        let cost: ScoreCost = provider.cost();
        let per = |x: u64| x as f64 / queries.max(1) as f64;
        let seconds = cost.provider_jobs as f64 * self.seconds_per_job
            + cost.shots as f64 * self.seconds_per_shot;
        json!({
            "backend": provider.backend_name(),
            "shots_per_circuit": shots,
            "circuit_two_qubit_gates": provider.circuit().gates().filter(|g| g.qubits().count() == 2).count(),
            "circuits": cost.circuits,
            "shots": cost.shots,
            "submissions": cost.submissions,
            "provider_jobs": cost.provider_jobs,
            "circuits_per_molecule": per(cost.circuits),
            "shots_per_molecule": per(cost.shots),
            "provider_jobs_per_molecule": per(cost.provider_jobs),
            "seconds_per_job": self.seconds_per_job,
            "seconds_per_shot": self.seconds_per_shot,
            "time_formula": "provider_jobs × seconds_per_job + shots × seconds_per_shot",
            "estimated_seconds": seconds,
            "estimated_seconds_per_molecule": seconds / queries.max(1) as f64,
        })
    }
}
