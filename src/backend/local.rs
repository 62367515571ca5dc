//! The built-in statevector simulator as a backend: exact probabilities, or seeded shots (row r
//! samples from ChaCha8 stream r of the seed, so results do not depend on scheduling), optionally
//! under a [`NoiseModel`] (depolarizing and readout error by seeded Monte-Carlo trajectories; the
//! trajectories of row r also draw from stream r).

use super::{Backend, BackendError, BoxFuture, Cancel, Estimate, Job, readout_qubits};
use crate::sim::{Amplitude, NoiseModel, Program, sample_distribution};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// The local simulator, noiseless unless `noise` is set.
#[derive(Clone, Copy, Debug, Default)]
pub struct LocalBackend {
    /// Depolarizing and readout noise; `None` (or a noiseless model) for the ideal simulator.
    pub noise: Option<NoiseModel>,
}

impl LocalBackend {
    /// The simulator with `noise`.
    pub fn noisy(noise: NoiseModel) -> LocalBackend {
        LocalBackend { noise: Some(noise) }
    }

    /// Runs `job` without noise on the calling thread (rows in parallel with rayon).
    pub fn run_blocking(job: &Job) -> Result<Vec<Estimate>, BackendError> {
        LocalBackend::default().run_here(job)
    }

    /// Runs `job` on the calling thread (rows in parallel with rayon).
    pub fn run_here(&self, job: &Job) -> Result<Vec<Estimate>, BackendError> {
        if let Some(noise) = self.noise.filter(|n| !n.is_noiseless()) {
            return run_noisy(job, &noise);
        }
        let program = Program::compile(&job.circuit, Amplitude::Auto)
            .map_err(|e| BackendError::BadJob(e.to_string()))?;
        let readout = readout_qubits(&job.circuit);
        let rows = program
            .run_batch(
                &job.bindings.values,
                job.bindings.rows,
                |row, state| match job.shots {
                    None => {
                        let probabilities = state
                            .marginal(&readout)
                            .into_iter()
                            .enumerate()
                            .filter(|&(_, p)| p > 0.0)
                            .map(|(k, p)| (k as u64, p))
                            .collect();
                        Ok(Estimate::exact(probabilities))
                    }
                    Some(shots) => {
                        let mut rng = ChaCha8Rng::seed_from_u64(job.seed);
                        rng.set_stream(row as u64);
                        let counts: BTreeMap<u64, u64> = state
                            .sample_counts(&readout, shots, &mut rng)?
                            .into_iter()
                            .enumerate()
                            .filter(|&(_, c)| c > 0)
                            .map(|(k, c)| (k as u64, c))
                            .collect();
                        Ok(Estimate::from_counts(counts))
                    }
                },
            )
            .map_err(|e| BackendError::BadJob(e.to_string()))?;
        rows.into_iter()
            .map(|r| r.map_err(|e: crate::sim::SimError| BackendError::BadJob(e.to_string())))
            .collect()
    }
}

impl Backend for LocalBackend {
    fn name(&self) -> &'static str {
        "local"
    }

    fn run<'a>(
        &'a self,
        job: &'a Job,
        cancel: &'a Cancel,
    ) -> BoxFuture<'a, Result<Vec<Estimate>, BackendError>> {
        Box::pin(async move {
            if job.shots == Some(0) {
                return Err(BackendError::BadJob("shots must be at least 1".to_string()));
            }
            let owned = job.clone();
            let this = *self;
            let work = tokio::task::spawn_blocking(move || this.run_here(&owned));
            tokio::select! {
                joined = work => joined.map_err(|e| BackendError::BadJob(format!("the simulation panicked: {e}")))?,
                () = cancel.raised() => Err(BackendError::Cancelled("the local simulation was abandoned".to_string())),
            }
        })
    }
}

/// Rows under noise: the trajectory-averaged distribution (row r's trajectories and shots both
/// draw from stream r of the seed), exact or sampled.
fn run_noisy(job: &Job, noise: &NoiseModel) -> Result<Vec<Estimate>, BackendError> {
    use rayon::prelude::*;
    noise.validate().map_err(BackendError::BadJob)?;
    let bad = |e: crate::sim::SimError| BackendError::BadJob(e.to_string());
    let program = Program::compile(&job.circuit, Amplitude::Auto).map_err(bad)?;
    let readout = readout_qubits(&job.circuit);
    let k = job.circuit.inputs().len();
    if job.bindings.values.len() != job.bindings.rows * k {
        return Err(BackendError::BadJob(format!(
            "{} binding values for {} rows of {k} inputs",
            job.bindings.values.len(),
            job.bindings.rows
        )));
    }
    (0..job.bindings.rows)
        .into_par_iter()
        .map(|row| {
            let mut rng = ChaCha8Rng::seed_from_u64(job.seed);
            rng.set_stream(row as u64);
            let distribution = program
                .noisy_marginal(job.row(row), &readout, noise, &mut rng)
                .map_err(bad)?;
            Ok(match job.shots {
                None => Estimate::exact(
                    distribution
                        .into_iter()
                        .enumerate()
                        .filter(|&(_, p)| p > 0.0)
                        .map(|(k, p)| (k as u64, p))
                        .collect(),
                ),
                Some(shots) => {
                    let counts: BTreeMap<u64, u64> =
                        sample_distribution(&distribution, shots, &mut rng)
                            .map_err(bad)?
                            .into_iter()
                            .enumerate()
                            .filter(|&(_, c)| c > 0)
                            .map(|(k, c)| (k as u64, c))
                            .collect();
                    Estimate::from_counts(counts)
                }
            })
        })
        .collect()
}
