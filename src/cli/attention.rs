//! `qattnc attention`: the attention map of one molecule under a trained checkpoint, as a
//! labelled token × token heatmap PNG (causal: each query token sees itself and earlier tokens),
//! and with `--circuits` the score programs of a quantum model with their bindings for every
//! causal pair (see [`circuits`]).

mod circuits;

use super::Failure;
use crate::chem::DEFAULT_MAX_SMILES_LEN;
use crate::chem::molecule::{Molecule, PropertyCalculator};
use crate::chem::tokenizer::{CLS, CLS_ID, tokenize};
use crate::compile::MAX_LEVEL;
use crate::model::checkpoint::CheckpointMeta;
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
    /// Output PNG (optional with --circuits).
    #[arg(
        short,
        long,
        value_name = "map.png",
        required_unless_present = "circuits"
    )]
    output: Option<PathBuf>,
    /// Which decoder block's attention the PNG shows (0-based).
    #[arg(long, default_value_t = 0)]
    block: usize,
    /// Write, for every block b and head h of a quantum model, the score program
    /// `OUT/block{b}_head{h}.qasm` (as `qattnc compile` emits it) and its bindings
    /// `OUT/block{b}_head{h}.csv` (`i,j,score`, then the program's inputs by name, one row per
    /// causal pair i ≥ j; `score` is the model's raw score before scaling and softmax), the
    /// layer as `OUT/layer.toml` and a summary in `OUT/README`.
    #[arg(long, value_name = "OUT")]
    circuits: Option<PathBuf>,
    /// Optimisation level 0–3 of the programs written by --circuits.
    #[arg(short = 'O', default_value_t = MAX_LEVEL, value_parser = clap::value_parser!(u8).range(0..=MAX_LEVEL as i64))]
    level: u8,
    /// Also print the tokens (and weights, and with --circuits the summary) as one JSON object on
    /// standard output.
    #[arg(long)]
    json: bool,
}

/// A molecule as the model reads it.
struct Sequence {
    /// `[CLS]` and the molecule's token ids.
    ids: Vec<u32>,
    /// The tokens of `ids` as text.
    tokens: Vec<String>,
    /// Encoded properties of a conditional model (all given).
    properties: Option<Vec<f32>>,
}

impl Sequence {
    /// `ids` as a 1 × T tensor.
    fn ids_tensor(&self) -> Result<Tensor, Failure> {
        Tensor::from_vec(self.ids.clone(), (1, self.ids.len()), &Device::Cpu).map_err(runtime)
    }

    /// The properties as a 1 × `property_inputs` tensor of `dtype`.
    fn properties_tensor(&self, dtype: candle_core::DType) -> Result<Option<Tensor>, Failure> {
        self.properties
            .as_ref()
            .map(|z| {
                Tensor::from_vec(z.clone(), (1, z.len()), &Device::Cpu)
                    .and_then(|t| t.to_dtype(dtype))
                    .map_err(runtime)
            })
            .transpose()
    }
}

/// Tokenises `smiles` with the checkpoint's vocabulary (after `[CLS]`) and, for a conditional
/// model, computes its normalised properties; bad input is exit 2.
fn read_sequence(meta: &CheckpointMeta, smiles: &str) -> Result<Sequence, Failure> {
    let bad = |e: String| Failure::BadInput(e);
    let ids: Vec<u32> = std::iter::once(CLS_ID)
        .chain(
            meta.vocabulary
                .encode(smiles)
                .map_err(|e| bad(e.to_string()))?,
        )
        .collect();
    let block_size = meta.config.model.block_size;
    if ids.len() > block_size {
        return Err(bad(format!(
            "`{smiles}` has {} tokens; with [CLS] they exceed the model's block size {block_size}",
            ids.len() - 1
        )));
    }
    let properties = if meta.config.model.conditional {
        let molecule = Molecule::parse(smiles, DEFAULT_MAX_SMILES_LEN)
            .map_err(|e| bad(format!("`{smiles}`: {e}")))?;
        let raw = PropertyCalculator::new().compute(&molecule);
        Some(
            meta.properties
                .encode(&raw.0, meta.config.model.partial_conditions),
        )
    } else {
        None
    };
    let tokens: Vec<String> = std::iter::once(CLS.to_string())
        .chain(
            tokenize(smiles)
                .map_err(|e| bad(e.to_string()))?
                .into_iter()
                .map(String::from),
        )
        .collect();
    Ok(Sequence {
        ids,
        tokens,
        properties,
    })
}

pub(super) fn run(args: AttentionArgs) -> Result<(), Failure> {
    let meta =
        CheckpointMeta::read(&args.checkpoint).map_err(|e| Failure::BadInput(e.to_string()))?;
    let sequence = read_sequence(&meta, &args.smiles)?;
    let mut json = serde_json::json!({
        "smiles": args.smiles,
        "tokens": sequence.tokens,
    });
    // Refuse a classical model before anything is written.
    let summary = match &args.circuits {
        Some(out) => Some(circuits::check(&meta).and_then(|()| {
            circuits::export(&args.checkpoint, &sequence, out, args.level, &args.smiles)
        })?),
        None => None,
    };
    if let Some(output) = &args.output {
        let weights = draw_map(&args, &sequence, output)?;
        json["weights"] = serde_json::json!(weights);
        json["output"] = serde_json::json!(output.display().to_string());
        if !args.json {
            println!(
                "attention of block {} over {} tokens → {}",
                args.block,
                sequence.tokens.len(),
                output.display()
            );
        }
    }
    if let (Some(summary), Some(out)) = (&summary, &args.circuits) {
        if !args.json {
            println!(
                "{} score programs and bindings ({} block(s) × {} head(s), {} causal pairs each) → {}",
                summary.files.len(),
                summary.blocks,
                summary.heads,
                summary.pairs,
                out.display()
            );
        }
        json["circuits"] = serde_json::to_value(summary).expect("the summary serialises");
    }
    if args.json {
        println!("{json}");
    }
    Ok(())
}

/// Draws the PNG of `args.block`'s weights; returns the weights.
fn draw_map(
    args: &AttentionArgs,
    sequence: &Sequence,
    output: &std::path::Path,
) -> Result<Vec<Vec<f32>>, Failure> {
    let bad = |e: String| Failure::BadInput(e);
    let loaded = load_checkpoint(&args.checkpoint).map_err(|e| bad(e.to_string()))?;
    let properties = sequence.properties_tensor(candle_core::DType::F32)?;
    let weights = loaded
        .model
        .attention_weights(&sequence.ids_tensor()?, properties.as_ref(), args.block)
        .map_err(|e| bad(e.to_string()))?
        .squeeze(0)
        .and_then(|w| w.to_vec2::<f32>())
        .map_err(runtime)?;
    let title = format!(
        "{} · block {} · {}",
        loaded.meta.config.preset, args.block, args.smiles
    );
    crate::plot::attention_map(output, &sequence.tokens, &weights, &title)
        .map_err(|e| Failure::Runtime(e.to_string()))?;
    Ok(weights)
}

fn runtime(e: candle_core::Error) -> Failure {
    Failure::Runtime(e.to_string())
}
