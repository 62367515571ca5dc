//! The built-in statevector simulator as a backend: exact probabilities, or seeded shots (row r
//! samples from ChaCha8 stream r of the seed, so results do not depend on scheduling).

use super::{Backend, BackendError, BoxFuture, Cancel, Estimate, Job, readout_qubits};
use crate::sim::{Amplitude, Program};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

/// The local simulator.
#[derive(Clone, Copy, Debug, Default)]
pub struct LocalBackend;

impl LocalBackend {
    /// Runs `job` on the calling thread (rows in parallel with rayon).
    pub fn run_blocking(job: &Job) -> Result<Vec<Estimate>, BackendError> {
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
            let work = tokio::task::spawn_blocking(move || LocalBackend::run_blocking(&owned));
            tokio::select! {
                joined = work => joined.map_err(|e| BackendError::BadJob(format!("the simulation panicked: {e}")))?,
                () = cancel.raised() => Err(BackendError::Cancelled("the local simulation was abandoned".to_string())),
            }
        })
    }
}
