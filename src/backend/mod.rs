//! Backends: run one compiled circuit for many parameter bindings and read out counts,
//! probabilities and the ancilla's ⟨Z⟩ with its standard error.
//!
//! - [`LocalBackend`]: the built-in statevector simulator, exact or with seeded shots;
//! - [`IonqBackend`], [`BraketBackend`], [`IbmBackend`]: hosted services over REST
//!   ([`http`] does the transport: timeouts, retries on 429/5xx honouring `Retry-After`, polling
//!   with backoff, cancellation); each translates the circuit with [`crate::opt`] and
//!   [`crate::emit`] and only moves bytes itself;
//! - [`server`]: `qattnc serve`, the simulator behind the IonQ v0.4 job API.
//!
//! Outcomes are integers over the circuit's *readout bits*: bit j is the qubit measured into
//! classical bit j (every qubit, in order, when the circuit measures nothing). The score is
//! ⟨Z⟩ of readout bit 0, the ancilla of the paper's circuits. Credentials are read from
//! environment variables into [`Secret`]s, which never print.

mod braket;
pub mod http;
mod ibm;
mod ionq;
mod local;
mod secret;
pub mod server;

pub use braket::{BraketBackend, BraketConfig, SV1_ARN};
pub use ibm::{IbmBackend, IbmConfig};
pub use ionq::{IonqBackend, IonqConfig, IonqFormat};
pub use local::LocalBackend;
pub use secret::Secret;

use crate::ir::{Circuit, Instruction};
use crate::sim::Bindings;
use serde::Serialize;
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use tokio::sync::watch;

/// A boxed future, so that backends can be used as `dyn Backend`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Something that runs circuits: the local simulator or a hosted service.
pub trait Backend: Send + Sync + std::fmt::Debug {
    /// The provider's name (`local`, `ionq`, `braket`, `ibm`).
    fn name(&self) -> &'static str;

    /// Runs `job`, one [`Estimate`] per binding row in row order. When `cancel` is raised the
    /// backend stops waiting, asks the service to cancel what it submitted and returns
    /// [`BackendError::Cancelled`].
    fn run<'a>(
        &'a self,
        job: &'a Job,
        cancel: &'a Cancel,
    ) -> BoxFuture<'a, Result<Vec<Estimate>, BackendError>>;
}

/// One circuit and the bindings to run it for.
#[derive(Clone, Debug)]
pub struct Job {
    /// The circuit; its inputs are bound row by row from `bindings`.
    pub circuit: Circuit,
    /// Binding rows, columns in the order of `circuit.inputs()`.
    pub bindings: Bindings,
    /// Shots per binding; `None` asks for exact probabilities (the local simulator only).
    pub shots: Option<u64>,
    /// Seed of the local simulator's sampling (row r uses stream r).
    pub seed: u64,
}

impl Job {
    /// The values of binding row `row`.
    pub fn row(&self, row: usize) -> &[f64] {
        let k = self.circuit.inputs().len();
        &self.bindings.values[row * k..(row + 1) * k]
    }
}

/// What a backend reports for one binding.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Estimate {
    /// ⟨Z⟩ of readout bit 0 (the ancilla): P(0) − P(1).
    pub expectation_z0: f64,
    /// Its standard error: √((1 − ⟨Z⟩²)/shots), 0 when exact.
    pub std_error: f64,
    /// Shots taken, `None` when exact.
    pub shots: Option<u64>,
    /// Counts per outcome over the readout bits (empty when exact).
    pub counts: BTreeMap<u64, u64>,
    /// Probability per outcome over the readout bits (estimated from counts when shots were
    /// taken); outcomes of probability 0 are left out.
    pub probabilities: BTreeMap<u64, f64>,
}

impl Estimate {
    /// An estimate from exact probabilities.
    pub fn exact(probabilities: BTreeMap<u64, f64>) -> Estimate {
        let z = z0_of(&probabilities);
        Estimate {
            expectation_z0: z,
            std_error: 0.0,
            shots: None,
            counts: BTreeMap::new(),
            probabilities,
        }
    }

    /// An estimate from shot counts.
    pub fn from_counts(counts: BTreeMap<u64, u64>) -> Estimate {
        let shots: u64 = counts.values().sum();
        let total = shots.max(1) as f64;
        let probabilities: BTreeMap<u64, f64> = counts
            .iter()
            .map(|(&k, &c)| (k, c as f64 / total))
            .collect();
        let z = z0_of(&probabilities);
        Estimate {
            expectation_z0: z,
            std_error: ((1.0 - z * z).max(0.0) / total).sqrt(),
            shots: Some(shots),
            counts,
            probabilities,
        }
    }

    /// An estimate from probabilities that a service measured with `shots` shots (IonQ reports
    /// probabilities; the counts are recovered as the nearest integers).
    pub fn from_sampled_probabilities(probabilities: BTreeMap<u64, f64>, shots: u64) -> Estimate {
        let counts = probabilities
            .iter()
            .map(|(&k, &p)| (k, (p * shots as f64).round() as u64))
            .filter(|&(_, c)| c > 0)
            .collect();
        let z = z0_of(&probabilities);
        Estimate {
            expectation_z0: z,
            std_error: ((1.0 - z * z).max(0.0) / shots.max(1) as f64).sqrt(),
            shots: Some(shots),
            counts,
            probabilities,
        }
    }

    /// Counts of readout bit 0 being 0 and 1 (both 0 for exact results, which have no counts).
    pub fn bit0_counts(&self) -> (u64, u64) {
        let zero = self.counts.iter().filter(|(k, _)| *k & 1 == 0);
        let zeros: u64 = zero.map(|(_, c)| c).sum();
        let total: u64 = self.counts.values().sum();
        (zeros, total - zeros)
    }
}

fn z0_of(probabilities: &BTreeMap<u64, f64>) -> f64 {
    probabilities
        .iter()
        .map(|(&k, &p)| if k & 1 == 0 { p } else { -p })
        .sum()
}

/// The qubits read out, in classical-bit order: qubit `readout_qubits(c)[j]` is readout bit j.
/// A circuit without measurements reads out every qubit.
pub fn readout_qubits(circuit: &Circuit) -> Vec<usize> {
    let mut measured: BTreeMap<usize, usize> = BTreeMap::new();
    for instruction in circuit.instructions() {
        if let Instruction::Measure { qubit, clbit } = instruction {
            measured.insert(*clbit, *qubit);
        }
    }
    if measured.is_empty() {
        (0..circuit.num_qubits()).collect()
    } else {
        measured.into_values().collect()
    }
}

/// Sums a distribution over basis states of all qubits (qubit k is bit k) onto readout bits.
pub fn marginalise<T: Copy + std::ops::AddAssign + Default>(
    full: impl IntoIterator<Item = (u64, T)>,
    readout: &[usize],
) -> BTreeMap<u64, T> {
    let mut out: BTreeMap<u64, T> = BTreeMap::new();
    for (index, value) in full {
        let outcome = readout
            .iter()
            .enumerate()
            .map(|(j, &q)| ((index >> q) & 1) << j)
            .sum::<u64>();
        *out.entry(outcome).or_default() += value;
    }
    out
}

/// A cancellation signal: set once (by Ctrl-C in the CLI, or by a caller), seen by every clone.
#[derive(Clone, Debug)]
pub struct Cancel(watch::Receiver<bool>);

/// The sending half of a [`Cancel`].
#[derive(Debug)]
pub struct CancelHandle(watch::Sender<bool>);

impl Cancel {
    /// A signal and the handle that raises it.
    pub fn new() -> (CancelHandle, Cancel) {
        let (tx, rx) = watch::channel(false);
        (CancelHandle(tx), Cancel(rx))
    }

    /// A signal that is never raised.
    pub fn never() -> Cancel {
        Cancel::new().1
    }

    /// Resolves when the signal is raised (never, when its handle was dropped unraised).
    pub async fn raised(&self) {
        let mut rx = self.0.clone();
        if rx.wait_for(|raised| *raised).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

impl CancelHandle {
    /// Raises the signal.
    pub fn raise(&self) {
        self.0.send_replace(true);
    }
}

/// Why a backend could not deliver results. Messages never contain credentials.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum BackendError {
    /// A missing or invalid setting (environment variable, option).
    #[error("{0}")]
    Config(String),
    /// The job cannot be run here as given (circuit, bindings, shots).
    #[error("{0}")]
    BadJob(String),
    /// The service refused the credentials (HTTP 401/403).
    #[error("{provider} refused the credentials (HTTP {status}): {message}; check {hint}")]
    Unauthorized {
        /// The provider.
        provider: &'static str,
        /// 401 or 403.
        status: u16,
        /// What the service said.
        message: String,
        /// Where the credentials come from.
        hint: &'static str,
    },
    /// The resource does not exist (HTTP 404): a wrong endpoint, device or job id.
    #[error("{provider}: {what} not found (HTTP 404): {message}")]
    NotFound {
        /// The provider.
        provider: &'static str,
        /// What was asked for.
        what: String,
        /// What the service said.
        message: String,
    },
    /// Any other client error (4xx) the service answered with.
    #[error("{provider} rejected {what} (HTTP {status}): {message}")]
    Rejected {
        /// The provider.
        provider: &'static str,
        /// The request.
        what: String,
        /// The status.
        status: u16,
        /// What the service said.
        message: String,
    },
    /// A 5xx answer (other than 503) to a request that is not safe to repeat: the service may
    /// have acted on it (created a job), so it was sent once.
    #[error(
        "{provider}: {what} failed with HTTP {status}: {message}; not retried, since the service \
         may have created the job anyway (check its job list before submitting again)"
    )]
    NotRetried {
        /// The provider.
        provider: &'static str,
        /// The request.
        what: String,
        /// The status.
        status: u16,
        /// What the service said.
        message: String,
    },
    /// 429 or 5xx on every attempt.
    #[error(
        "{provider}: {what} failed after {attempts} attempts, last with HTTP {status}: {message}"
    )]
    Unavailable {
        /// The provider.
        provider: &'static str,
        /// The request.
        what: String,
        /// Attempts made.
        attempts: u32,
        /// The last status.
        status: u16,
        /// What the service said last.
        message: String,
    },
    /// No answer in time.
    #[error("{provider}: {what} timed out after {seconds:.1} s")]
    Timeout {
        /// The provider.
        provider: &'static str,
        /// What timed out (a request, or waiting for a job).
        what: String,
        /// The limit.
        seconds: f64,
    },
    /// The connection failed.
    #[error("{provider}: cannot reach {url}: {message}")]
    Transport {
        /// The provider.
        provider: &'static str,
        /// The URL (without credentials).
        url: String,
        /// The cause.
        message: String,
    },
    /// The service answered with something this client cannot read.
    #[error("{provider}: unexpected answer to {what}: {message}")]
    Protocol {
        /// The provider.
        provider: &'static str,
        /// The request.
        what: String,
        /// What was wrong.
        message: String,
    },
    /// The job ended in a failed state.
    #[error("{provider}: job {id} failed: {message}")]
    JobFailed {
        /// The provider.
        provider: &'static str,
        /// The job id.
        id: String,
        /// The service's reason.
        message: String,
    },
    /// The job was canceled on the service's side.
    #[error("{provider}: job {id} was canceled by the service")]
    JobCanceled {
        /// The provider.
        provider: &'static str,
        /// The job id.
        id: String,
    },
    /// Cancelled here (Ctrl-C); submitted jobs were asked to cancel.
    #[error("cancelled; {0}")]
    Cancelled(String),
}
