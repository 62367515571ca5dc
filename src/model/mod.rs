//! The hybrid transformer of Smaldone et al. on candle: a GPT-style decoder whose attention
//! scores come either from classical queries and keys or from the quantum layer, computed
//! exactly by the fast path of design.md §4.
//!
//! - [`config`]: serde [`Config`] with the paper's presets and TOML overrides;
//! - [`nn`]: seeded parameter initialisation, differentiable LayerNorm, seeded dropout;
//! - [`quantum`]: the state-preparation kernel as a candle custom op (adjoint backward);
//! - [`attention`]: classical, classical-eq and quantum causal self-attention with caches;
//! - [`transformer`]: embeddings, pre-LN blocks, head, loss, incremental decoding;
//! - [`optim`]: AdamW with saved state and global-norm gradient clipping;
//! - [`checkpoint`], [`train`], [`sample`]: checkpoints, the training loop, generation;
//! - [`conditions`]: per-query property conditions, unspecified ones imputed;
//! - [`evaluate`]: generation checked by RDKit against the training split;
//! - [`protocol`]: the paper's 19 sampling runs and its released results;
//! - [`hardware`]: attention scores estimated by running the score circuit on a backend;
//! - [`circuits`]: a trained model's score-program bindings and raw scores for one molecule.
//!
//! Model code never touches files or devices; the training and sampling drivers do.

pub mod attention;
pub mod checkpoint;
pub mod circuits;
pub mod conditions;
pub mod config;
pub mod evaluate;
pub mod hardware;
pub mod nn;
pub mod optim;
pub mod protocol;
pub mod quantum;
pub mod sample;
pub mod train;
pub mod transformer;

pub use attention::{Attention, AttentionCache, ScoreProvider, ScoreRequest};
pub use config::{
    AttentionKind, Config, LrSchedule, ModelConfig, PRESET_NAMES, QubitConfig, SmilesForm,
    TrainConfig,
};
pub use nn::SeededInit;
pub use optim::AdamW;
pub use quantum::StatePrepOp;
pub use transformer::{DecodeCache, Model, NUM_PROPERTIES};

/// Why a model could not be configured, built, trained, saved or loaded.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A bad configuration (unknown preset, malformed TOML, impossible sizes).
    #[error("{0}")]
    Config(String),
    /// A tensor operation failed.
    #[error(transparent)]
    Candle(#[from] candle_core::Error),
    /// The simulator rejected a layer or buffer.
    #[error(transparent)]
    Sim(#[from] crate::sim::SimError),
    /// Bad training or sampling data.
    #[error("{0}")]
    Data(String),
    /// The loss curve could not be drawn.
    #[error(transparent)]
    Plot(#[from] crate::plot::PlotError),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
}
