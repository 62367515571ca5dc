//! `qattnc submit`: run an OpenQASM 3 program for many bindings on a backend (the local
//! simulator, IonQ, Amazon Braket, IBM Quantum or a `qattnc serve`), writing ⟨Z⟩ of the ancilla,
//! its standard error and the counts per binding.

use super::remote::{Remote, RemoteOptions, failure, remote_backend};
use super::simulate::load_bindings;
use super::{Failure, read_input};
use crate::backend::http::{HttpSettings, Logger};
use crate::backend::{Backend, Cancel, Estimate, IonqFormat, Job, LocalBackend};
use crate::qasm::{ParseOptions, parse};
use crate::sim::Bindings;
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// Where to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Provider {
    /// The built-in simulator (exact without --shots).
    Local,
    /// IonQ's v0.4 job API (or `qattnc serve`); key in IONQ_API_KEY.
    Ionq,
    /// Amazon Braket; AWS credentials and region from the standard variables.
    Braket,
    /// IBM Quantum Platform (Qiskit Runtime sampler); IBM_API_KEY and IBM_SERVICE_CRN.
    Ibm,
}

/// IonQ program formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum IonqFormatArg {
    /// `ionq.qasm3.v1`.
    Qasm3,
    /// `ionq.circuit.v1` (JSON gates, gateset qis).
    Circuit,
}

/// Arguments of `qattnc submit`.
#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// OpenQASM 3 program (e.g. the output of `qattnc compile`).
    program: PathBuf,
    /// The backend.
    #[arg(long, value_enum, default_value = "local")]
    provider: Provider,
    /// Base URL of the service (a local emulator or `qattnc serve`); each provider has its own
    /// default.
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
    /// Parameter bindings: CSV (header = input names) or JSON, by extension. Optional for
    /// programs without inputs.
    #[arg(long, value_name = "FILE")]
    bind: Option<PathBuf>,
    /// Shots per binding (required by the hosted providers; exact results without it locally).
    #[arg(long, value_name = "N")]
    shots: Option<u64>,
    /// Seed of the local simulator's sampling.
    #[arg(long, value_name = "S", default_value_t = 0)]
    seed: u64,
    /// Output CSV; standard output when absent.
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
    /// Print the results as JSON (counts and probabilities per binding) on standard output.
    #[arg(long)]
    json: bool,
    /// Device: IonQ backend (default `simulator`), Braket device ARN (default SV1), IBM backend
    /// name (required for --provider ibm).
    #[arg(long, value_name = "NAME")]
    device: Option<String>,
    /// Braket output bucket (else QATTNC_BRAKET_BUCKET); must start with `amazon-braket-`.
    #[arg(long, value_name = "BUCKET")]
    s3_bucket: Option<String>,
    /// Braket and IonQ: compile for this device (a target file, e.g.
    /// circuits/devices/ionq_aria_25.json): Braket gets the program routed onto its coupling map
    /// (Braket then maps it to native gates); IonQ, given an IonQ target, gets it in native
    /// gpi/gpi2/ms gates.
    #[arg(long, value_name = "DEVICE.json")]
    target: Option<PathBuf>,
    /// IonQ program format.
    #[arg(long, value_enum, default_value = "qasm3")]
    ionq_format: IonqFormatArg,
    /// IBM device basis: `ibm-cz` ({cz, rz, sx, x}) or `ibm-cx` ({cx, rz, sx, x}).
    #[arg(long, value_name = "BASIS", default_value = "ibm-cz")]
    ibm_basis: String,
    /// Limit on each HTTP request, in seconds.
    #[arg(long, value_name = "S", default_value_t = 30.0)]
    request_timeout: f64,
    /// Limit on waiting for each job, in seconds.
    #[arg(long, value_name = "S", default_value_t = 3600.0)]
    job_timeout: f64,
    /// Log requests, retries and job states on standard error (credentials are never shown).
    #[arg(short, long)]
    verbose: bool,
}

/// One row of the `--json` output.
#[derive(Debug, Serialize)]
struct Row<'a> {
    row: usize,
    #[serde(flatten)]
    estimate: &'a Estimate,
}

fn seconds(value: f64, what: &str) -> Result<Duration, Failure> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| Failure::BadInput(format!("--{what} must be a positive number of seconds")))
}

fn backend(args: &SubmitArgs, log: Option<Logger>) -> Result<Box<dyn Backend>, Failure> {
    let settings = HttpSettings {
        request_timeout: seconds(args.request_timeout, "request-timeout")?,
        job_timeout: seconds(args.job_timeout, "job-timeout")?,
        ..HttpSettings::default()
    };
    let endpoint = args.endpoint.clone();
    let remote = match args.provider {
        Provider::Local => return Ok(Box::new(LocalBackend::default())),
        Provider::Ionq => Remote::Ionq,
        Provider::Braket => Remote::Braket,
        Provider::Ibm => Remote::Ibm,
    };
    let options = RemoteOptions {
        endpoint,
        device: args.device.clone(),
        s3_bucket: args.s3_bucket.clone(),
        target: args.target.as_deref(),
        ibm_basis: &args.ibm_basis,
        ionq_format: match args.ionq_format {
            IonqFormatArg::Qasm3 => IonqFormat::Qasm3,
            IonqFormatArg::Circuit => IonqFormat::Circuit,
        },
        settings,
        flag: "--provider",
    };
    remote_backend(remote, options, log)
}

pub(super) fn run(args: SubmitArgs) -> Result<(), Failure> {
    let origin = args.program.display().to_string();
    let text = read_input(&args.program, "program")?;
    let circuit = parse(&text, &origin, &ParseOptions::default())
        .map_err(|e| Failure::BadInput(e.to_string()))?;
    let bindings = match &args.bind {
        Some(path) => load_bindings(path, circuit.inputs())?,
        None if circuit.inputs().is_empty() => Bindings {
            rows: 1,
            values: Vec::new(),
        },
        None => {
            return Err(Failure::BadInput(format!(
                "{origin} declares inputs ({}); give --bind FILE",
                circuit.inputs().join(", ")
            )));
        }
    };
    if args.shots == Some(0) {
        return Err(Failure::BadInput("--shots must be at least 1".into()));
    }
    let log: Option<Logger> = args
        .verbose
        .then(|| Arc::new(|line: &str| eprintln!("{line}")) as Logger);
    let backend = backend(&args, log)?;
    let job = Job {
        circuit,
        bindings,
        shots: args.shots,
        seed: args.seed,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Runtime(format!("cannot start the async runtime: {e}")))?;
    let estimates = runtime
        .block_on(async {
            let (handle, cancel) = Cancel::new();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    eprintln!("interrupted; cancelling submitted jobs");
                    handle.raise();
                }
            });
            backend.run(&job, &cancel).await
        })
        .map_err(failure)?;
    let csv = render_csv(job.circuit.inputs(), &job, &estimates);
    let mut stdout = std::io::stdout().lock();
    if let Some(path) = &args.output {
        super::write_output(path, &csv)?;
    }
    if args.json {
        let rows: Vec<Row> = estimates
            .iter()
            .enumerate()
            .map(|(row, estimate)| Row { row, estimate })
            .collect();
        let json = serde_json::to_string(&rows).expect("results serialise");
        let _ = writeln!(stdout, "{json}");
    } else if args.output.is_none() {
        let _ = stdout.write_all(csv.as_bytes());
    }
    Ok(())
}

/// One row per binding: the inputs, `expectation_z0`, `std_error`, `shots`, `count_0`,
/// `count_1` (readout bit 0) and `counts` (`outcome:count` pairs over all readout bits); the
/// shot and count columns are empty for exact results.
fn render_csv(inputs: &[String], job: &Job, estimates: &[Estimate]) -> String {
    let mut out = String::new();
    for name in inputs {
        write!(out, "{name},").expect("writing to a String");
    }
    out.push_str("expectation_z0,std_error,shots,count_0,count_1,counts\n");
    for (row, e) in estimates.iter().enumerate() {
        for value in job.row(row) {
            write!(out, "{value},").expect("writing to a String");
        }
        // Exact results have no counts: the count columns stay empty.
        let (shots, zeros, ones) = match e.shots {
            Some(shots) => {
                let (zeros, ones) = e.bit0_counts();
                (shots.to_string(), zeros.to_string(), ones.to_string())
            }
            None => Default::default(),
        };
        let counts: Vec<String> = e.counts.iter().map(|(k, c)| format!("{k}:{c}")).collect();
        writeln!(
            out,
            "{},{},{shots},{zeros},{ones},{}",
            e.expectation_z0,
            e.std_error,
            counts.join(";")
        )
        .expect("writing to a String");
    }
    out
}
