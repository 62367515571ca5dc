//! `qattnc attention`: the attention map of one molecule under a trained checkpoint, as a
//! labelled token × token heatmap PNG (causal: each query token sees itself and earlier tokens).

use super::Failure;
use crate::chem::DEFAULT_MAX_SMILES_LEN;
use crate::chem::molecule::{Molecule, PropertyCalculator};
use crate::chem::tokenizer::{CLS, CLS_ID, tokenize};
use crate::model::sample::load_checkpoint;
use candle_core::{Device, Tensor};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `qattnc attention`.
#[derive(Debug, Args)]
pub struct AttentionArgs {
    /// Checkpoint directory written by `qattnc train`.
    #[arg(long, value_name = "DIR")]
    checkpoint: PathBuf,
    /// The molecule. A conditional model reads the molecule's own nine properties (RDKit).
    #[arg(long, value_name = "S")]
    smiles: String,
    /// Output PNG.
    #[arg(short, long, value_name = "map.png")]
    output: PathBuf,
    /// Which decoder block's attention (0-based).
    #[arg(long, default_value_t = 0)]
    block: usize,
    /// Also print the tokens and weights as one JSON object on standard output.
    #[arg(long)]
    json: bool,
}

pub(super) fn run(args: AttentionArgs) -> Result<(), Failure> {
    let bad = |e: String| Failure::BadInput(e);
    let loaded = load_checkpoint(&args.checkpoint).map_err(|e| bad(e.to_string()))?;
    let meta = &loaded.meta;
    let ids: Vec<u32> = std::iter::once(CLS_ID)
        .chain(
            meta.vocabulary
                .encode(&args.smiles)
                .map_err(|e| bad(e.to_string()))?,
        )
        .collect();
    let block_size = meta.config.model.block_size;
    if ids.len() > block_size {
        return Err(bad(format!(
            "`{}` has {} tokens; with [CLS] they exceed the model's block size {block_size}",
            args.smiles,
            ids.len() - 1
        )));
    }
    let properties = if meta.config.model.conditional {
        let molecule = Molecule::parse(&args.smiles, DEFAULT_MAX_SMILES_LEN)
            .map_err(|e| bad(format!("`{}`: {e}", args.smiles)))?;
        let raw = PropertyCalculator::new().compute(&molecule);
        let z = meta.properties.normalise(&raw.0);
        Some(Tensor::from_vec(z.to_vec(), (1, z.len()), &Device::Cpu).map_err(runtime)?)
    } else {
        None
    };
    let t = ids.len();
    let input = Tensor::from_vec(ids, (1, t), &Device::Cpu).map_err(runtime)?;
    let weights = loaded
        .model
        .attention_weights(&input, properties.as_ref(), args.block)
        .map_err(|e| bad(e.to_string()))?
        .squeeze(0)
        .and_then(|w| w.to_vec2::<f32>())
        .map_err(runtime)?;
    let tokens: Vec<String> = std::iter::once(CLS.to_string())
        .chain(
            tokenize(&args.smiles)
                .map_err(|e| bad(e.to_string()))?
                .into_iter()
                .map(String::from),
        )
        .collect();
    let title = format!(
        "{} · block {} · {}",
        meta.config.preset, args.block, args.smiles
    );
    crate::plot::attention_map(&args.output, &tokens, &weights, &title)
        .map_err(|e| Failure::Runtime(e.to_string()))?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "smiles": args.smiles,
                "tokens": tokens,
                "weights": weights,
                "output": args.output.display().to_string(),
            })
        );
    } else {
        println!(
            "attention of block {} over {} tokens → {}",
            args.block,
            tokens.len(),
            args.output.display()
        );
    }
    Ok(())
}

fn runtime(e: candle_core::Error) -> Failure {
    Failure::Runtime(e.to_string())
}
