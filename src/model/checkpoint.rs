//! Checkpoints: a directory with `model.safetensors`, `optimizer.safetensors`, `config.json`
//! (configuration, vocabulary, data split, property statistics, training progress) and
//! `metrics.jsonl`. Every file is written to a temporary name and renamed into place.

use super::ModelError;
use super::config::Config;
use crate::chem::tokenizer::Vocabulary;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Version of the checkpoint layout.
pub const FORMAT: u32 = 1;

/// Where the training data came from and how it was split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataInfo {
    /// The data file as given to `train`.
    pub path: String,
    /// Valid, distinct molecules that fit the block size.
    pub molecules: usize,
    /// Training-split molecules.
    pub train: usize,
    /// Validation-split molecules.
    pub validation: usize,
    /// Molecules dropped because their token sequence does not fit the block size.
    pub too_long: usize,
    /// The split rule.
    pub split: String,
}

/// Training-set property statistics: conditions are z-scored with them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PropertyNorm {
    /// Per-property means, in `Property::ALL` order.
    pub mean: [f64; 9],
    /// Per-property standard deviations (1 where a property is constant).
    pub std: [f64; 9],
}

impl PropertyNorm {
    /// z-scores of raw property values.
    pub fn normalise(&self, raw: &[f64; 9]) -> [f32; 9] {
        std::array::from_fn(|k| ((raw[k] - self.mean[k]) / self.std[k]) as f32)
    }

    /// A model's property input for raw values (see [`property_input`]), a NaN value meaning
    /// "not given". Only a model with `partial_conditions` (`partial`) accepts NaN values.
    pub fn encode(&self, raw: &[f64; 9], partial: bool) -> Vec<f32> {
        property_input(&self.normalise(raw), &raw.map(|v| !v.is_nan()), partial)
    }
}

/// A model's property input from z-scores: the nine z-scores as they are, or for a model with
/// `partial_conditions` (`partial`) the z-scores of the `given` properties (0 for the others)
/// followed by one flag per property, 1 where given.
pub fn property_input(z: &[f32; 9], given: &[bool; 9], partial: bool) -> Vec<f32> {
    if !partial {
        return z.to_vec();
    }
    let flag = |g: bool| if g { 1.0 } else { 0.0 };
    z.iter()
        .zip(given)
        .map(|(&v, &g)| if g { v } else { 0.0 })
        .chain(given.iter().map(|&g| flag(g)))
        .collect()
}

/// Where training stands: enough to continue exactly.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    /// Epochs completed.
    pub epoch: usize,
    /// Batches done in the current epoch.
    pub batch: usize,
    /// Optimiser steps taken in all.
    pub step: usize,
    /// Sum of the training losses of the current epoch's batches.
    pub epoch_loss_sum: f64,
    /// Wall seconds spent training so far.
    pub seconds: f64,
}

/// `config.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CheckpointMeta {
    /// Layout version.
    pub format: u32,
    /// Model and training configuration.
    pub config: Config,
    /// Token vocabulary (ids are positions).
    pub vocabulary: Vocabulary,
    /// Data and split.
    pub data: DataInfo,
    /// Property statistics of the training split.
    pub properties: PropertyNorm,
    /// Training progress.
    pub progress: Progress,
    /// The command lines that produced this checkpoint, oldest first.
    pub commands: Vec<String>,
}

/// File names inside a checkpoint directory.
pub fn model_path(dir: &Path) -> PathBuf {
    dir.join("model.safetensors")
}

/// The optimiser moments.
pub fn optimizer_path(dir: &Path) -> PathBuf {
    dir.join("optimizer.safetensors")
}

/// `config.json`.
pub fn meta_path(dir: &Path) -> PathBuf {
    dir.join("config.json")
}

/// `metrics.jsonl`.
pub fn metrics_path(dir: &Path) -> PathBuf {
    dir.join("metrics.jsonl")
}

/// `losses.csv`: the training loss of every optimiser step (`step,loss`).
pub fn losses_path(dir: &Path) -> PathBuf {
    dir.join("losses.csv")
}

/// `loss.png`: the loss curve (per-step training loss, validation loss per checkpoint).
pub fn loss_plot_path(dir: &Path) -> PathBuf {
    dir.join("loss.png")
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ModelError + '_ {
    move |source| ModelError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// Writes `path` through `write` into `path.tmp`, then renames it into place.
pub fn write_atomic(
    path: &Path,
    write: impl FnOnce(&Path) -> Result<(), ModelError>,
) -> Result<(), ModelError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    write(&tmp)?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// Writes text atomically.
pub fn write_text_atomic(path: &Path, text: &str) -> Result<(), ModelError> {
    write_atomic(path, |tmp| std::fs::write(tmp, text).map_err(io(tmp)))
}

impl CheckpointMeta {
    /// Reads `DIR/config.json`.
    pub fn read(dir: &Path) -> Result<CheckpointMeta, ModelError> {
        let path = meta_path(dir);
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        let meta: CheckpointMeta = serde_json::from_str(&text)
            .map_err(|e| ModelError::Data(format!("{}: {e}", path.display())))?;
        if meta.format != FORMAT {
            return Err(ModelError::Data(format!(
                "{}: checkpoint format {} (this qattnc reads {FORMAT})",
                path.display(),
                meta.format
            )));
        }
        meta.config.validate()?;
        Ok(meta)
    }

    /// Writes `DIR/config.json` atomically.
    pub fn write(&self, dir: &Path) -> Result<(), ModelError> {
        let text = serde_json::to_string_pretty(self).expect("checkpoint metadata serialises");
        write_text_atomic(&meta_path(dir), &format!("{text}\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_input_zeroes_and_flags_the_unset_properties() {
        let norm = PropertyNorm {
            mean: [1.0; 9],
            std: [2.0; 9],
        };
        let mut raw = [5.0; 9];
        assert_eq!(norm.encode(&raw, false), vec![2.0; 9]);
        raw[3] = f64::NAN;
        let input = norm.encode(&raw, true);
        assert_eq!(input.len(), 18);
        assert_eq!(&input[..3], &[2.0; 3]);
        assert_eq!(input[3], 0.0);
        assert_eq!(input[9 + 3], 0.0);
        assert_eq!(input[9], 1.0);
        assert_eq!(input.iter().skip(9).sum::<f32>(), 8.0);
    }
}
