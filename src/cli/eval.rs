//! `qattnc eval`: validity, uniqueness, novelty and property statistics of generated SMILES.

use super::Failure;
use crate::chem::dataset::{self, LoadOptions, check_all, progress_bar, read_smiles};
use crate::chem::metrics::{Checked, GenerationMetrics, generation_metrics};
use crate::chem::split::is_validation;
use crate::chem::{DEFAULT_MAX_SMILES_LEN, Property};
use clap::Args;
use std::collections::HashSet;
use std::path::PathBuf;

/// Arguments of `qattnc eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Generated molecules: a CSV file with a `smiles` column (every row is a query, empty
    /// ones included) or a SMI file.
    generated: PathBuf,
    /// Training molecules (CSV or SMI) for novelty.
    #[arg(long, value_name = "TRAIN")]
    train: PathBuf,
    /// Use only the training split (95 %, by hash of the canonical SMILES) of TRAIN.
    #[arg(long)]
    train_split: bool,
    /// A conditioned property and its target, e.g. `--target MW=120 --target LogP=0.5`.
    #[arg(long = "target", value_name = "PROP=VALUE", value_parser = parse_target)]
    targets: Vec<(Property, f64)>,
    /// Print the metrics as one JSON object.
    #[arg(long)]
    json: bool,
    /// SMILES longer than this many bytes are invalid without being parsed.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_SMILES_LEN)]
    max_smiles_len: usize,
}

fn parse_target(text: &str) -> Result<(Property, f64), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("expected PROP=VALUE, found `{text}`"))?;
    let property = name.trim().parse::<Property>()?;
    let value = value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("`{value}` is not a finite number"))?;
    Ok((property, value))
}

pub(super) fn run(args: EvalArgs) -> Result<(), Failure> {
    let options = LoadOptions {
        max_smiles_len: args.max_smiles_len,
        ..LoadOptions::default()
    };
    let training =
        dataset::load(&args.train, &options).map_err(|e| Failure::BadInput(e.to_string()))?;
    let r = &training.report;
    eprintln!(
        "training set {}: {} rows, {} invalid, {} duplicates, {} molecules ({:.2} s{})",
        args.train.display(),
        r.rows,
        r.invalid,
        r.duplicates,
        training.entries.len(),
        r.seconds,
        if r.from_cache { ", cached" } else { "" }
    );
    let training: HashSet<String> = training
        .entries
        .into_iter()
        .map(|e| e.smiles)
        .filter(|s| !args.train_split || !is_validation(s))
        .collect();
    let smiles = read_smiles(&args.generated).map_err(|e| Failure::BadInput(e.to_string()))?;
    let progress = progress_bar(smiles.len(), "checking generated molecules");
    let checked: Vec<Checked> = check_all(&smiles, args.max_smiles_len, &progress)
        .into_iter()
        .map(|r| Checked { valid: r.ok() })
        .collect();
    progress.finish_and_clear();
    let metrics = generation_metrics(&checked, &training, &args.targets);
    let text = if args.json {
        format!(
            "{}\n",
            serde_json::to_string(&metrics).expect("metrics serialise")
        )
    } else {
        render(&metrics, training.len())
    };
    super::print_stdout(&text);
    Ok(())
}

fn render(m: &GenerationMetrics, training: usize) -> String {
    let mut text = format!(
        "queries        {}\nvalid          {} (validity {:.4})\nunique         {} (uniqueness {:.4})\n\
         novel          {} (novelty {:.4}; training set {training})\nunique@10k     {:.4} (on {} valid)\n",
        m.queries,
        m.valid,
        m.validity,
        m.unique,
        m.uniqueness,
        m.novel,
        m.novelty,
        m.unique_at_10k,
        m.unique_at_10k_sample
    );
    if !m.properties.is_empty() {
        text.push_str("property        target       mean        std        MAE\n");
        for p in &m.properties {
            text.push_str(&format!(
                "{:<13} {:>8.3} {:>10.3} {:>10.3} {:>10.3}\n",
                p.property.name(),
                p.target,
                p.mean,
                p.std,
                p.mae
            ));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_or_explain() {
        assert_eq!(parse_target("mw=120.5"), Ok((Property::MW, 120.5)));
        assert_eq!(parse_target(" LogP = -1 "), Ok((Property::LogP, -1.0)));
        assert!(parse_target("MW").unwrap_err().contains("PROP=VALUE"));
        assert!(
            parse_target("QED=1")
                .unwrap_err()
                .contains("unknown property")
        );
        assert!(parse_target("MW=nan").unwrap_err().contains("finite"));
    }
}
