//! Hardware-faithful inference (design.md §7): a [`ScoreProvider`] that estimates the quantum
//! attention scores by running the layer's compiled (-O3) score circuit on a [`Backend`], one
//! circuit per (new token, visible token) pair bound with that pair's angles. All pairs of one
//! decoding step of one layer (every active sequence, every visible position) go to the backend
//! as one [`Job`]; the backend splits it as its provider requires (IonQ and Braket: one task per
//! binding, IBM: one sampler job of many pubs, local: one batch).

use super::attention::ScoreProvider;
use super::config::QubitConfig;
use crate::backend::{Backend, Cancel, Job};
use crate::compile::compile_layer;
use crate::ir::Circuit;
use crate::layer::Side;
use crate::sim::{Bindings, StatePrep};
use serde::Serialize;
use std::sync::Mutex;

/// What the provider has submitted so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ScoreCost {
    /// Score circuits run (one per pair).
    pub circuits: u64,
    /// Shots over all circuits (0 when exact).
    pub shots: u64,
    /// [`Job`]s handed to the backend (one per decoding step and quantum layer).
    pub submissions: u64,
    /// Jobs as the provider counts them (IonQ, Braket: one per circuit; IBM, local: one per
    /// submission).
    pub provider_jobs: u64,
}

/// Scores from a backend.
pub struct BackendScores {
    backend: Box<dyn Backend>,
    circuit: Circuit,
    /// For each circuit input: the side whose angle row holds it and the column.
    columns: Vec<(Side, usize)>,
    shots: Option<u64>,
    seed: u64,
    runtime: tokio::runtime::Runtime,
    cost: Mutex<ScoreCost>,
}

impl std::fmt::Debug for BackendScores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackendScores")
            .field("backend", &self.backend.name())
            .field("shots", &self.shots)
            .field("seed", &self.seed)
            .finish()
    }
}

impl BackendScores {
    /// A provider for the quantum layers of a model with qubit configuration `qubits`: the
    /// layer's score circuit compiled at -O3, run on `backend` with `shots` per circuit (`None`:
    /// exact, the local simulator only). Submission n uses seed `seed + n`.
    pub fn new(
        qubits: &QubitConfig,
        backend: Box<dyn Backend>,
        shots: Option<u64>,
        seed: u64,
    ) -> Result<BackendScores, String> {
        let spec = qubits.layer_spec();
        let circuit = compile_layer(&spec, 3, None).circuit;
        let query = StatePrep::for_layer(&spec, Side::Query).map_err(|e| e.to_string())?;
        let key = StatePrep::for_layer(&spec, Side::Key).map_err(|e| e.to_string())?;
        let columns = circuit
            .inputs()
            .iter()
            .map(|name| {
                let find = |prep: &StatePrep, side| {
                    prep.params()
                        .iter()
                        .position(|p| p == name)
                        .map(|k| (side, k))
                };
                find(&query, Side::Query)
                    .or_else(|| find(&key, Side::Key))
                    .ok_or_else(|| format!("score-circuit input `{name}` is in neither state"))
            })
            .collect::<Result<Vec<_>, String>>()?;
        if query.num_params() != key.num_params() {
            return Err("the query and key states have different parameter counts".into());
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the async runtime: {e}"))?;
        Ok(BackendScores {
            backend,
            circuit,
            columns,
            shots,
            seed,
            runtime,
            cost: Mutex::default(),
        })
    }

    /// The compiled score circuit.
    pub fn circuit(&self) -> &Circuit {
        &self.circuit
    }

    /// What has been submitted so far.
    pub fn cost(&self) -> ScoreCost {
        *self.cost.lock().expect("not poisoned")
    }

    /// The backend's name.
    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }
}

impl ScoreProvider for BackendScores {
    fn overlaps(
        &self,
        query: &[f64],
        key: &[f64],
        columns: usize,
        pairs: &[(usize, usize)],
    ) -> Result<Vec<f64>, String> {
        let mut values = Vec::with_capacity(pairs.len() * self.columns.len());
        for &(i, j) in pairs {
            for &(side, k) in &self.columns {
                values.push(match side {
                    Side::Query => query[i * columns + k],
                    Side::Key => key[j * columns + k],
                });
            }
        }
        let submission = {
            let cost = self.cost.lock().expect("not poisoned");
            cost.submissions
        };
        let job = Job {
            circuit: self.circuit.clone(),
            bindings: Bindings {
                rows: pairs.len(),
                values,
            },
            shots: self.shots,
            seed: self.seed.wrapping_add(submission),
        };
        let estimates = self
            .runtime
            .block_on(self.backend.run(&job, &Cancel::never()))
            .map_err(|e| e.to_string())?;
        let mut cost = self.cost.lock().expect("not poisoned");
        let n = pairs.len() as u64;
        cost.circuits += n;
        cost.shots += self.shots.unwrap_or(0) * n;
        cost.submissions += 1;
        cost.provider_jobs += match self.backend.name() {
            "ionq" | "braket" => n,
            _ => 1,
        };
        Ok(estimates.iter().map(|e| e.expectation_z0).collect())
    }
}
