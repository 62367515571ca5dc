//! The training loop: deterministic data order and dropout (ChaCha streams keyed by seed, epoch
//! and step), AdamW with clipping, validation and an atomic checkpoint after every epoch (and
//! when `max_steps` stops a run), so that resuming reproduces the uninterrupted run. With
//! `[train] smiles = "randomized"` each batch's molecules are re-spelled as random RDKit SMILES
//! keyed by seed, epoch and molecule (so resuming stays exact too); validation stays canonical.

use super::ModelError;
use super::checkpoint::{
    CheckpointMeta, DataInfo, FORMAT, Progress, PropertyNorm, loss_plot_path, losses_path,
    metrics_path, model_path, optimizer_path, property_input, write_atomic, write_text_atomic,
};
use super::config::{Config, ModelConfig, SmilesForm};
use super::nn::SeededInit;
use super::optim::AdamW;
use super::transformer::{Model, NUM_PROPERTIES, cross_entropy};
use crate::chem::DEFAULT_MAX_SMILES_LEN;
use crate::chem::dataset::Entry;
use crate::chem::random_smiles::random_smiles;
use crate::chem::split::{VALIDATION_MODULUS, is_validation};
use crate::chem::tokenizer::{PAD_ID, TokenError, Vocabulary, tokenize};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarMap;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Key mixed into the seed for the data order.
const ORDER_KEY: u64 = 0x6f72_6465_7200_0001;
/// Key mixed into the seed for dropout.
const DROPOUT_KEY: u64 = 0x6472_6f70_0000_0002;
/// Key mixed into the seed for randomized SMILES.
const SPELLING_KEY: u64 = 0x7370_656c_6c00_0003;
/// Key mixed into the seed for the properties a partial-conditions model is shown.
const GIVEN_KEY: u64 = 0x6769_7665_6e00_0004;
/// Sequences per validation batch.
const EVAL_BATCH: usize = 1024;
/// Steps excluded from `mean_step_ms`.
pub const WARMUP_STEPS: usize = 3;

/// One tokenised molecule.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    /// `[CLS]`, tokens, `[EOS]`, pads: `block_size` ids.
    pub ids: Vec<u32>,
    /// z-scored properties.
    pub properties: [f32; 9],
}

/// Tokenised training and validation splits with their vocabulary and statistics.
#[derive(Clone, Debug)]
pub struct TrainData {
    /// The vocabulary.
    pub vocabulary: Vocabulary,
    /// Training split.
    pub train: Vec<Example>,
    /// The canonical SMILES of each training example, in the same order.
    pub train_smiles: Vec<String>,
    /// Validation split.
    pub validation: Vec<Example>,
    /// Training-set property statistics.
    pub properties: PropertyNorm,
    /// Provenance.
    pub info: DataInfo,
}

/// The extra tokens a vocabulary for randomized SMILES holds beyond the canonical corpus's:
/// the ring-closure labels `1` … `k` (RDKit reuses the lowest free label, and a spelling of a
/// molecule has as many ring closures as its canonical SMILES, so no spelling needs more than the
/// corpus's largest count `k`), and each chiral bracket atom's mirror (`@` ↔ `@@`; a new
/// neighbour order can flip the tag).
fn randomized_tokens(entries: &[Entry]) -> Result<Vec<String>, ModelError> {
    let mut extra = std::collections::BTreeSet::new();
    let mut closures = 0;
    for entry in entries {
        let tokens = tokenize(&entry.smiles).map_err(|e| ModelError::Data(e.to_string()))?;
        let labels = tokens.iter().filter(|t| is_ring_label(t)).count();
        closures = closures.max(labels / 2);
        for t in tokens.iter().filter(|t| t.starts_with('[')) {
            if t.contains("@@") {
                extra.insert(t.replacen("@@", "@", 1));
            } else if t.contains('@') {
                extra.insert(t.replacen('@', "@@", 1));
            }
        }
    }
    extra.extend((1..=closures.min(99)).map(|k| {
        if k < 10 {
            k.to_string()
        } else {
            format!("%{k}")
        }
    }));
    Ok(extra.into_iter().collect())
}

/// Whether `token` is a ring-closure label (`1`, `%12`).
fn is_ring_label(token: &str) -> bool {
    token.starts_with('%') || token.bytes().all(|b| b.is_ascii_digit())
}

impl TrainData {
    /// Splits canonical molecules (design.md §5: FNV-1a of the canonical SMILES), tokenises them
    /// into blocks and computes the training-set statistics. With `vocabulary` given (resume,
    /// sampling) it is reused; otherwise it is built from all molecules.
    pub fn new(
        entries: &[Entry],
        block_size: usize,
        path: &str,
        vocabulary: Option<Vocabulary>,
    ) -> Result<TrainData, ModelError> {
        TrainData::with_form(entries, block_size, path, vocabulary, SmilesForm::Canonical)
    }

    /// [`TrainData::new`] for training molecules spelled as `form`: a vocabulary built here for
    /// randomized SMILES also holds the tokens of [`randomized_tokens`] (none beyond the
    /// canonical corpus's for QM9, so both forms give QM9 the same vocabulary).
    pub fn with_form(
        entries: &[Entry],
        block_size: usize,
        path: &str,
        vocabulary: Option<Vocabulary>,
        form: SmilesForm,
    ) -> Result<TrainData, ModelError> {
        let extra = match (form, &vocabulary) {
            (SmilesForm::Randomized, None) => randomized_tokens(entries)?,
            _ => Vec::new(),
        };
        let vocabulary = match vocabulary {
            Some(v) => v,
            None => Vocabulary::from_corpus(
                entries
                    .iter()
                    .map(|e| e.smiles.as_str())
                    .chain(extra.iter().map(String::as_str)),
            )
            .map_err(|e| ModelError::Data(e.to_string()))?,
        };
        let (mut train_entries, mut validation_entries, mut too_long) = (Vec::new(), Vec::new(), 0);
        let (mut blocks, mut kept) = (Vec::new(), Vec::new());
        for entry in entries {
            match vocabulary.encode_block(&entry.smiles, block_size) {
                Ok(ids) => {
                    blocks.push(ids);
                    kept.push(entry);
                    if is_validation(&entry.smiles) {
                        validation_entries.push(blocks.len() - 1);
                    } else {
                        train_entries.push(blocks.len() - 1);
                    }
                }
                Err(crate::chem::tokenizer::TokenError::TooLong { .. }) => too_long += 1,
                Err(e) => return Err(ModelError::Data(e.to_string())),
            }
        }
        if train_entries.is_empty() || validation_entries.is_empty() {
            return Err(ModelError::Data(format!(
                "{path}: the training and validation splits must both be non-empty ({} and {} molecules)",
                train_entries.len(),
                validation_entries.len()
            )));
        }
        let n = train_entries.len() as f64;
        let mut mean = [0.0; NUM_PROPERTIES];
        let mut std = [0.0; NUM_PROPERTIES];
        for &i in &train_entries {
            for (k, m) in mean.iter_mut().enumerate() {
                *m += kept[i].properties.0[k] / n;
            }
        }
        for &i in &train_entries {
            for (k, s) in std.iter_mut().enumerate() {
                *s += (kept[i].properties.0[k] - mean[k]).powi(2) / n;
            }
        }
        let std = std.map(|v| if v > 0.0 { v.sqrt() } else { 1.0 });
        let properties = PropertyNorm { mean, std };
        let example = |i: &usize| Example {
            ids: blocks[*i].clone(),
            properties: properties.normalise(&kept[*i].properties.0),
        };
        Ok(TrainData {
            info: DataInfo {
                path: path.to_string(),
                molecules: blocks.len(),
                train: train_entries.len(),
                validation: validation_entries.len(),
                too_long,
                split: format!(
                    "validation when FNV-1a-64(canonical SMILES) % {VALIDATION_MODULUS} == 0"
                ),
            },
            train: train_entries.iter().map(example).collect(),
            train_smiles: train_entries
                .iter()
                .map(|&i| kept[i].smiles.clone())
                .collect(),
            validation: validation_entries.iter().map(example).collect(),
            vocabulary,
            properties,
        })
    }
}

/// One line of `metrics.jsonl`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    /// Epochs completed (a partial epoch when `complete` is false).
    pub epoch: usize,
    /// Optimiser steps so far.
    pub step: usize,
    /// Mean training loss over the epoch's batches so far.
    pub train_loss: f64,
    /// Validation loss (token-weighted mean, pads ignored).
    pub val_loss: f64,
    /// Training wall time so far.
    pub seconds: f64,
    /// Whether the epoch was finished.
    pub complete: bool,
}

/// What `train` reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TrainReport {
    /// The configuration's preset.
    pub preset: String,
    /// Optimiser steps taken in this run.
    pub steps: usize,
    /// Optimiser steps in all (with resumed ones).
    pub total_steps: usize,
    /// Epochs completed.
    pub epochs: usize,
    /// Mean wall milliseconds per step after the first three steps of this run.
    pub mean_step_ms: f64,
    /// Mean training loss of the last epoch (or partial epoch).
    pub train_loss: f64,
    /// Validation loss at the end.
    pub val_loss: f64,
    /// Trainable parameters.
    pub parameters: usize,
    /// The checkpoint directory.
    pub checkpoint: String,
    /// How this run's training molecules were spelled (randomized SMILES only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spelling: Option<SpellingCounts>,
}

/// What became of the molecules of a randomized-SMILES run's batches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SpellingCounts {
    /// Molecules fed as a random SMILES.
    pub randomized: usize,
    /// Fed canonical: the random SMILES had more tokens than the block holds.
    pub too_long: usize,
    /// Fed canonical: the random SMILES held a token outside the vocabulary.
    pub unknown_token: usize,
    /// Fed canonical: RDKit could not write a random SMILES.
    pub failed: usize,
}

/// The seed of the spelling of training molecule `index` (its place in the training split) in
/// `epoch` of a run seeded `seed`.
pub fn spelling_seed(seed: u64, epoch: usize, index: usize) -> u64 {
    (seed ^ SPELLING_KEY).rotate_left(23) ^ ((epoch as u64) << 32) ^ index as u64
}

/// Training molecule `index` of `data` in the spelling of `epoch` (randomized SMILES): a random
/// SMILES when it fits `block_size` and the vocabulary, else the canonical example; `counts`
/// records which.
fn respell(
    data: &TrainData,
    index: usize,
    seed: u64,
    block_size: usize,
    counts: &mut SpellingCounts,
) -> Example {
    let canonical = &data.train[index];
    let written = random_smiles(&data.train_smiles[index], seed, DEFAULT_MAX_SMILES_LEN);
    let ids = match written {
        Err(_) => {
            counts.failed += 1;
            return canonical.clone();
        }
        Ok(smiles) => data.vocabulary.encode_block(&smiles, block_size),
    };
    match ids {
        Ok(ids) => {
            counts.randomized += 1;
            Example {
                ids,
                properties: canonical.properties,
            }
        }
        Err(TokenError::TooLong { .. }) => {
            counts.too_long += 1;
            canonical.clone()
        }
        Err(_) => {
            counts.unknown_token += 1;
            canonical.clone()
        }
    }
}

/// One optimiser step, for progress displays.
#[derive(Clone, Copy, Debug)]
pub struct StepEvent {
    /// Steps taken in all.
    pub step: usize,
    /// Epoch being trained (0-based).
    pub epoch: usize,
    /// Batches per epoch.
    pub batches_per_epoch: usize,
    /// This batch's loss.
    pub loss: f64,
}

/// A model being trained, with its optimiser and progress.
pub struct Trainer {
    meta: CheckpointMeta,
    data: TrainData,
    model: Model,
    varmap: VarMap,
    optimizer: AdamW,
    history: Vec<EpochMetrics>,
    /// (step, loss) of every optimiser step so far, resumed ones included.
    losses: Vec<(usize, f64)>,
    device: Device,
}

/// The properties a model with `partial_conditions` is shown of training molecule `index` (its
/// place in the training split) in `epoch` of a run seeded `seed`: how many is uniform in 0..=9,
/// which ones uniform given that, so every subset size is trained alike. A resumed run draws the
/// same.
pub fn given_properties(seed: u64, epoch: usize, index: usize) -> [bool; NUM_PROPERTIES] {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ GIVEN_KEY);
    rng.set_stream(((epoch as u64) << 32) ^ index as u64);
    let count = rng.random_range(0..=NUM_PROPERTIES);
    let mut order: [usize; NUM_PROPERTIES] = std::array::from_fn(|k| k);
    order.shuffle(&mut rng);
    let mut given = [false; NUM_PROPERTIES];
    for &k in &order[..count] {
        given[k] = true;
    }
    given
}

/// Input ids, target ids and (for a conditional model) the property input of a batch. `given`
/// says which properties each example shows a partial-conditions model (all when `None`, as in
/// validation).
fn batch_tensors(
    examples: &[&Example],
    device: &Device,
    model: &ModelConfig,
    given: Option<&[[bool; NUM_PROPERTIES]]>,
) -> Result<(Tensor, Tensor, Option<Tensor>), ModelError> {
    let block = examples[0].ids.len();
    let ids: Vec<u32> = examples
        .iter()
        .flat_map(|e| e.ids.iter().copied())
        .collect();
    let ids = Tensor::from_vec(ids, (examples.len(), block), device)?;
    let inputs = ids.narrow(1, 0, block - 1)?.contiguous()?;
    let targets = ids.narrow(1, 1, block - 1)?.contiguous()?;
    let properties = if model.conditional {
        let p: Vec<f32> = examples
            .iter()
            .enumerate()
            .flat_map(|(row, e)| {
                let all = [true; NUM_PROPERTIES];
                let shown = given.map_or(&all, |g| &g[row]);
                property_input(&e.properties, shown, model.partial_conditions)
            })
            .collect();
        Some(Tensor::from_vec(
            p,
            (examples.len(), model.property_inputs()),
            device,
        )?)
    } else {
        None
    };
    Ok((inputs, targets, properties))
}

impl Trainer {
    /// A fresh model for `config` on `data`.
    pub fn new(config: Config, data: TrainData, command: String) -> Result<Trainer, ModelError> {
        config.validate()?;
        let device = Device::Cpu;
        let mut varmap = VarMap::new();
        let vb = SeededInit::new(&varmap, config.train.seed).var_builder(DType::F32, &device);
        let model = Model::new(&config.model, data.vocabulary.len(), vb)?;
        model.finish_init(&mut varmap)?;
        let optimizer = AdamW::new(&varmap, &config.train)?;
        let meta = CheckpointMeta {
            format: FORMAT,
            config,
            vocabulary: data.vocabulary.clone(),
            data: data.info.clone(),
            properties: data.properties.clone(),
            progress: Progress::default(),
            commands: vec![command],
        };
        Ok(Trainer {
            meta,
            data,
            model,
            varmap,
            optimizer,
            history: Vec::new(),
            losses: Vec::new(),
            device,
        })
    }

    /// Continues from the checkpoint in `dir`; `data` must be the checkpoint's data.
    pub fn resume(dir: &Path, data: TrainData, command: String) -> Result<Trainer, ModelError> {
        let mut meta = CheckpointMeta::read(dir)?;
        if data.info.molecules != meta.data.molecules || data.info.train != meta.data.train {
            return Err(ModelError::Data(format!(
                "the data ({} molecules, {} for training) is not the checkpoint's ({} and {})",
                data.info.molecules, data.info.train, meta.data.molecules, meta.data.train
            )));
        }
        let device = Device::Cpu;
        let mut varmap = VarMap::new();
        let vb = SeededInit::new(&varmap, meta.config.train.seed).var_builder(DType::F32, &device);
        let model = Model::new(&meta.config.model, meta.vocabulary.len(), vb)?;
        varmap.load(model_path(dir))?;
        let mut optimizer = AdamW::new(&varmap, &meta.config.train)?;
        optimizer.load(&optimizer_path(dir), meta.progress.step)?;
        let history = read_metrics(&metrics_path(dir))?;
        let mut losses = read_losses(&losses_path(dir))?;
        losses.retain(|&(step, _)| step <= meta.progress.step);
        meta.commands.push(command);
        Ok(Trainer {
            meta,
            data,
            model,
            varmap,
            optimizer,
            history,
            losses,
            device,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.meta.config
    }

    /// Sets the number of epochs to train to (e.g. to extend a finished run).
    pub fn set_epochs(&mut self, epochs: usize) {
        self.meta.config.train.epochs = epochs;
    }

    /// The model.
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The trained variables.
    pub fn varmap(&self) -> &VarMap {
        &self.varmap
    }

    /// Batches per epoch.
    pub fn batches_per_epoch(&self) -> usize {
        self.data
            .train
            .len()
            .div_ceil(self.meta.config.train.batch_size)
    }

    /// Token-weighted validation loss (evaluation mode).
    pub fn validation_loss(&self) -> Result<f64, ModelError> {
        let (mut total, mut count) = (0.0, 0.0);
        let model = &self.meta.config.model;
        for chunk in self.data.validation.chunks(EVAL_BATCH) {
            let examples: Vec<&Example> = chunk.iter().collect();
            let (inputs, targets, props) = batch_tensors(&examples, &self.device, model, None)?;
            let logits = self.model.forward(&inputs, props.as_ref(), None)?;
            let loss = cross_entropy(&logits, &targets, PAD_ID)?.to_scalar::<f32>()? as f64;
            let tokens = examples
                .iter()
                .map(|e| e.ids[1..].iter().filter(|&&id| id != PAD_ID).count())
                .sum::<usize>() as f64;
            total += loss * tokens;
            count += tokens;
        }
        Ok(total / count)
    }

    /// Trains until the configured epochs are done or `max_steps` steps of this run are taken,
    /// checkpointing into `out` after every epoch and at the stop.
    pub fn run(
        &mut self,
        out: &Path,
        max_steps: Option<usize>,
        on_step: &mut dyn FnMut(StepEvent),
    ) -> Result<TrainReport, ModelError> {
        std::fs::create_dir_all(out).map_err(|source| ModelError::Io {
            path: out.display().to_string(),
            source,
        })?;
        let cfg = self.meta.config.train.clone();
        let partial = self.meta.config.model.partial_conditions;
        let per_epoch = self.batches_per_epoch();
        let block_size = self.meta.config.model.block_size;
        let randomized = cfg.smiles == SmilesForm::Randomized;
        let mut spelling = SpellingCounts::default();
        let (mut steps, mut timed_ms, mut timed) = (0usize, 0.0, 0usize);
        let mut last: Option<EpochMetrics> = None;
        let run_start = Instant::now();
        let seconds_before = self.meta.progress.seconds;
        while self.meta.progress.epoch < cfg.epochs {
            let epoch = self.meta.progress.epoch;
            let mut order: Vec<usize> = (0..self.data.train.len()).collect();
            let mut order_rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ ORDER_KEY);
            order_rng.set_stream(epoch as u64);
            order.shuffle(&mut order_rng);
            let mut stopped = false;
            while self.meta.progress.batch < per_epoch {
                if max_steps.is_some_and(|m| steps >= m) {
                    stopped = true;
                    break;
                }
                let started = Instant::now();
                let b = self.meta.progress.batch;
                let end = ((b + 1) * cfg.batch_size).min(order.len());
                let batch = &order[b * cfg.batch_size..end];
                let respelled: Vec<Example> = if randomized {
                    batch
                        .iter()
                        .map(|&i| {
                            let seed = spelling_seed(cfg.seed, epoch, i);
                            respell(&self.data, i, seed, block_size, &mut spelling)
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                let examples: Vec<&Example> = if randomized {
                    respelled.iter().collect()
                } else {
                    batch.iter().map(|&i| &self.data.train[i]).collect()
                };
                let given: Option<Vec<_>> = partial.then(|| {
                    batch
                        .iter()
                        .map(|&i| given_properties(cfg.seed, epoch, i))
                        .collect()
                });
                let (inputs, targets, props) = batch_tensors(
                    &examples,
                    &self.device,
                    &self.meta.config.model,
                    given.as_deref(),
                )?;
                let mut dropout_rng = ChaCha8Rng::seed_from_u64(cfg.seed ^ DROPOUT_KEY);
                dropout_rng.set_stream(self.meta.progress.step as u64);
                let logits = self
                    .model
                    .forward(&inputs, props.as_ref(), Some(&mut dropout_rng))?;
                let loss = cross_entropy(&logits, &targets, PAD_ID)?;
                self.optimizer
                    .set_lr(cfg.lr_at(self.meta.progress.step, cfg.epochs * per_epoch));
                self.optimizer.backward_step(&loss)?;
                let loss = loss.to_scalar::<f32>()? as f64;
                self.meta.progress.batch += 1;
                self.meta.progress.step += 1;
                self.meta.progress.epoch_loss_sum += loss;
                self.losses.push((self.meta.progress.step, loss));
                steps += 1;
                if steps > WARMUP_STEPS {
                    timed_ms += started.elapsed().as_secs_f64() * 1e3;
                    timed += 1;
                }
                on_step(StepEvent {
                    step: self.meta.progress.step,
                    epoch,
                    batches_per_epoch: per_epoch,
                    loss,
                });
            }
            let done = self.meta.progress.batch;
            if done == 0 {
                break;
            }
            let complete = done == per_epoch;
            self.meta.progress.seconds = seconds_before + run_start.elapsed().as_secs_f64();
            let metrics = EpochMetrics {
                epoch: epoch + usize::from(complete),
                step: self.meta.progress.step,
                train_loss: self.meta.progress.epoch_loss_sum / done as f64,
                val_loss: self.validation_loss()?,
                seconds: self.meta.progress.seconds,
                complete,
            };
            if complete {
                self.meta.progress.epoch += 1;
                self.meta.progress.batch = 0;
                self.meta.progress.epoch_loss_sum = 0.0;
            }
            self.history.push(metrics.clone());
            last = Some(metrics);
            self.save(out)?;
            if stopped || !complete {
                break;
            }
        }
        let last = match last {
            Some(m) => m,
            None => self.history.last().cloned().ok_or_else(|| {
                ModelError::Data("nothing to train: the run is already complete".to_string())
            })?,
        };
        Ok(TrainReport {
            preset: self.meta.config.preset.clone(),
            steps,
            total_steps: self.meta.progress.step,
            epochs: self.meta.progress.epoch,
            mean_step_ms: if timed > 0 {
                timed_ms / timed as f64
            } else {
                f64::NAN
            },
            train_loss: last.train_loss,
            val_loss: last.val_loss,
            parameters: self.varmap.all_vars().iter().map(|v| v.elem_count()).sum(),
            checkpoint: out.display().to_string(),
            spelling: randomized.then_some(spelling),
        })
    }

    /// Writes the checkpoint (weights, optimiser, metrics, then `config.json`) into `dir`.
    pub fn save(&self, dir: &Path) -> Result<(), ModelError> {
        write_atomic(&model_path(dir), |tmp| Ok(self.varmap.save(tmp)?))?;
        write_atomic(&optimizer_path(dir), |tmp| Ok(self.optimizer.save(tmp)?))?;
        let lines: String = self
            .history
            .iter()
            .map(|m| serde_json::to_string(m).expect("metrics serialise") + "\n")
            .collect();
        write_text_atomic(&metrics_path(dir), &lines)?;
        let mut csv = String::from("step,loss\n");
        for (step, loss) in &self.losses {
            csv.push_str(&format!("{step},{loss}\n"));
        }
        write_text_atomic(&losses_path(dir), &csv)?;
        self.plot_losses(&loss_plot_path(dir))?;
        self.meta.write(dir)
    }

    /// Draws the loss curve: the training loss per step (a running mean over a window of
    /// about 1 % of the steps) and the validation loss at each checkpoint.
    pub fn plot_losses(&self, path: &Path) -> Result<(), ModelError> {
        if self.losses.is_empty() {
            return Ok(());
        }
        let window = (self.losses.len() / 100).clamp(1, 50);
        let mut sum = 0.0;
        let train: Vec<(f64, f64)> = self
            .losses
            .iter()
            .enumerate()
            .map(|(i, &(step, loss))| {
                sum += loss;
                if i >= window {
                    sum -= self.losses[i - window].1;
                }
                (step as f64, sum / (i + 1).min(window) as f64)
            })
            .collect();
        let validation: Vec<(f64, f64)> = self
            .history
            .iter()
            .map(|m| (m.step as f64, m.val_loss))
            .collect();
        let train_label = if window > 1 {
            format!("training (running mean of {window} steps)")
        } else {
            "training".to_string()
        };
        let title = format!("{} · loss", self.meta.config.preset);
        // plotters picks the image format from the extension: keep `.png` last.
        let tmp = path.with_extension("tmp.png");
        crate::plot::loss_curve(
            &tmp,
            &title,
            &[
                crate::plot::Series {
                    label: &train_label,
                    points: &train,
                    markers: false,
                },
                crate::plot::Series {
                    label: "validation",
                    points: &validation,
                    markers: true,
                },
            ],
        )?;
        std::fs::rename(&tmp, path).map_err(|source| ModelError::Io {
            path: path.display().to_string(),
            source,
        })
    }
}

/// Reads `losses.csv` (missing file: no losses).
fn read_losses(path: &Path) -> Result<Vec<(usize, f64)>, ModelError> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(Vec::new());
    };
    text.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let bad = || ModelError::Data(format!("{}: bad line `{l}`", path.display()));
            let (step, loss) = l.split_once(',').ok_or_else(bad)?;
            Ok((
                step.trim().parse().map_err(|_| bad())?,
                loss.trim().parse().map_err(|_| bad())?,
            ))
        })
        .collect()
}

/// Reads `metrics.jsonl` (missing file: no history).
fn read_metrics(path: &PathBuf) -> Result<Vec<EpochMetrics>, ModelError> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Ok(Vec::new());
    };
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str(l)
                .map_err(|e| ModelError::Data(format!("{}: {e}", path.display())))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chem::PropertyValues;

    fn entry(smiles: &str) -> Entry {
        Entry {
            smiles: smiles.to_string(),
            properties: PropertyValues::default(),
        }
    }

    #[test]
    fn given_properties_cover_every_subset_size_and_repeat_per_molecule_and_epoch() {
        let mut sizes = [0usize; NUM_PROPERTIES + 1];
        let mut shown = [0usize; NUM_PROPERTIES];
        for index in 0..10_000 {
            let given = given_properties(3, 1, index);
            assert_eq!(given, given_properties(3, 1, index));
            sizes[given.iter().filter(|&&g| g).count()] += 1;
            for (count, g) in shown.iter_mut().zip(given) {
                *count += usize::from(g);
            }
        }
        // Sizes uniform over 0..=9 (1,000 each), properties alike (half the time each).
        assert!(sizes.iter().all(|&n| (850..1150).contains(&n)), "{sizes:?}");
        assert!(
            shown.iter().all(|&n| (4700..5300).contains(&n)),
            "{shown:?}"
        );
        let differ = (0..200)
            .filter(|&i| given_properties(3, 1, i) != given_properties(3, 2, i))
            .count();
        assert!(
            differ > 150,
            "{differ} of 200 molecules change subset between epochs"
        );
    }

    #[test]
    fn randomized_vocabularies_add_ring_labels_and_chiral_mirrors() {
        // Cubane has five ring closures; its canonical SMILES reuses labels 1–3.
        let entries = [entry("C12C3C4C1C5C2C3C45"), entry("C[C@H](N)O")];
        let extra = randomized_tokens(&entries).unwrap();
        assert_eq!(extra, ["1", "2", "3", "4", "5", "[C@@H]"]);
        assert!(is_ring_label("%12") && is_ring_label("7") && !is_ring_label("[nH]"));
    }

    #[test]
    fn spellings_that_do_not_fit_fall_back_to_the_canonical_example() {
        // Chains of three to five C, N and O atoms (enough for both splits) and a branched one.
        let mut chains = vec!["OCC(O)CO".to_string()];
        for len in 3..=5u32 {
            for code in 0..3usize.pow(len) {
                let atom = |k: u32| ["C", "N", "O"][code / 3usize.pow(k) % 3];
                chains.push((0..len).map(atom).collect());
            }
        }
        let entries: Vec<Entry> = chains
            .iter()
            .map(|s| entry(&crate::chem::canonicalize(s, 256).unwrap()))
            .collect();
        // A block that holds the longest canonical string, `OCC(O)CO` (8 tokens), and no longer one.
        let data = TrainData::new(&entries, 10, "test", None).unwrap();
        let mut counts = SpellingCounts::default();
        for (i, smiles) in data.train_smiles.iter().enumerate() {
            for epoch in 0..8 {
                let seed = spelling_seed(1, epoch, i);
                let example = respell(&data, i, seed, 10, &mut counts);
                let written = data.vocabulary.decode(&example.ids).unwrap();
                assert_eq!(
                    crate::chem::canonicalize(&written, 256).unwrap(),
                    *smiles,
                    "{written}"
                );
            }
        }
        // `OCC(O)CO` can be spelled `C(C(CO)O)O` (10 tokens): some spellings are too long.
        assert!(counts.too_long > 0, "{counts:?}");
        assert!(counts.randomized > 0, "{counts:?}");
        assert_eq!((counts.unknown_token, counts.failed), (0, 0));
    }
}
