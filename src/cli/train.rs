//! `qattnc train`: train a model from a preset or config file on a SMILES dataset.

use super::{Failure, read_input};
use crate::chem::dataset::{Entry, LoadOptions, load};
use crate::chem::reference::{FILE_NAME as REFERENCE_FILE, Reference};
use crate::model::checkpoint::CheckpointMeta;
use crate::model::evaluate::training_molecules;
use crate::model::train::{TrainData, Trainer};
use crate::model::{Config, ModelError};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `qattnc train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// A built-in configuration: paper-{quantum,classical,classical-eq}-{sequence,conditional}.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["config", "resume"])]
    preset: Option<String>,
    /// A TOML configuration (`preset = "…"` plus overrides).
    #[arg(long, value_name = "FILE", conflicts_with = "resume")]
    config: Option<PathBuf>,
    /// Continue from a checkpoint directory.
    #[arg(long, value_name = "DIR")]
    resume: Option<PathBuf>,
    /// Molecules: a CSV with a SMILES column or a .smi file.
    #[arg(long, value_name = "PATH")]
    data: PathBuf,
    /// Checkpoint directory (default with --resume: the resumed directory).
    #[arg(long, value_name = "DIR", required_unless_present = "resume")]
    out: Option<PathBuf>,
    /// Train to this many epochs (overrides the configuration).
    #[arg(long)]
    epochs: Option<usize>,
    /// Stop after this many optimiser steps of this run (a checkpoint is written at the stop).
    #[arg(long)]
    max_steps: Option<usize>,
    /// Seed of initialisation, data order and dropout (overrides the configuration).
    #[arg(long, conflicts_with = "resume")]
    seed: Option<u64>,
    /// Print the report as one JSON object on the last line of standard output.
    #[arg(long)]
    json: bool,
}

fn model_failure(e: ModelError) -> Failure {
    match e {
        ModelError::Config(_) | ModelError::Data(_) => Failure::BadInput(e.to_string()),
        _ => Failure::Runtime(e.to_string()),
    }
}

/// Writes the training split's molecules into the checkpoint directory (`reference.csv.gz`,
/// what sampling reads for novelty and imputation) unless it is there already.
fn write_reference(out: &Path, entries: Vec<Entry>) -> Result<(), Failure> {
    let path = out.join(REFERENCE_FILE);
    if path.exists() {
        return Ok(());
    }
    let reference = Reference {
        molecules: training_molecules(entries),
    };
    std::fs::create_dir_all(out)
        .and_then(|()| reference.write(&path))
        .map_err(|e| Failure::Runtime(format!("cannot write `{}`: {e}", path.display())))
}

pub(super) fn run(args: TrainArgs) -> Result<(), Failure> {
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let (mut config, vocabulary) = match (&args.resume, &args.preset, &args.config) {
        (Some(dir), _, _) => {
            let meta = CheckpointMeta::read(dir).map_err(model_failure)?;
            (meta.config, Some(meta.vocabulary))
        }
        (None, Some(name), _) => (Config::preset(name).map_err(model_failure)?, None),
        (None, None, Some(path)) => {
            let text = read_input(path, "config")?;
            (
                Config::from_toml(&text, &path.display().to_string()).map_err(model_failure)?,
                None,
            )
        }
        (None, None, None) => {
            return Err(Failure::BadInput(
                "give --preset NAME, --config FILE or --resume DIR".into(),
            ));
        }
    };
    if let Some(seed) = args.seed {
        config.train.seed = seed;
    }
    if let Some(epochs) = args.epochs {
        config.train.epochs = epochs;
    }
    let dataset =
        load(&args.data, &LoadOptions::default()).map_err(|e| Failure::BadInput(e.to_string()))?;
    let data = TrainData::with_form(
        &dataset.entries,
        config.model.block_size,
        &args.data.display().to_string(),
        vocabulary,
        config.train.smiles,
    )
    .map_err(model_failure)?;
    let mut trainer = match &args.resume {
        Some(dir) => {
            let mut t = Trainer::resume(dir, data, command).map_err(model_failure)?;
            t.set_epochs(config.train.epochs);
            t
        }
        None => Trainer::new(config, data, command).map_err(model_failure)?,
    };
    let out = args
        .out
        .clone()
        .or_else(|| args.resume.clone())
        .expect("clap requires --out without --resume");
    write_reference(&out, dataset.entries)?;
    let per_epoch = trainer.batches_per_epoch() as u64;
    let total = args
        .max_steps
        .map(|m| m as u64)
        .unwrap_or(per_epoch * trainer.config().train.epochs as u64);
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {pos}/{len} steps · epoch {msg} · {per_sec} · eta {eta}",
        )
        .expect("a valid template"),
    );
    let started = Instant::now();
    let report = trainer
        .run(&out, args.max_steps, &mut |event| {
            bar.inc(1);
            bar.set_message(format!(
                "{} · loss {:.4} · {:.2} steps/s",
                event.epoch + 1,
                event.loss,
                bar.position() as f64 / started.elapsed().as_secs_f64().max(1e-9)
            ));
        })
        .map_err(model_failure)?;
    bar.finish_and_clear();
    if args.json {
        println!(
            "{}",
            serde_json::to_string(&report).expect("the report serialises")
        );
    } else {
        println!(
            "{}: {} steps ({} in all, {} epochs), {:.1} ms/step, train loss {:.4}, validation loss {:.4}, checkpoint {}",
            report.preset,
            report.steps,
            report.total_steps,
            report.epochs,
            report.mean_step_ms,
            report.train_loss,
            report.val_loss,
            report.checkpoint
        );
        if let Some(s) = report.spelling {
            println!(
                "randomized SMILES: {} molecules fed as random SMILES, {} canonical instead ({} too long for the block, {} with a token outside the vocabulary, {} not written by RDKit)",
                s.randomized,
                s.too_long + s.unknown_token + s.failed,
                s.too_long,
                s.unknown_token,
                s.failed
            );
        }
    }
    Ok(())
}
