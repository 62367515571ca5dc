//! `qattnc sample`: generate molecules from a checkpoint, optionally for property targets.

use super::hardware::HardwareArgs;
use super::{Failure, write_output};
use crate::chem::Property;
use crate::chem::metrics::generation_metrics;
use crate::model::ScoreProvider;
use crate::model::conditions::{Impute, query_conditions};
use crate::model::evaluate::{Generated, generate_checked, training_split};
use crate::model::sample::{RejectionControl, SampleOptions, load_checkpoint};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `qattnc sample`.
#[derive(Debug, Args)]
#[allow(non_snake_case)]
pub struct SampleArgs {
    /// Checkpoint directory written by `qattnc train`.
    #[arg(long, value_name = "DIR")]
    checkpoint: PathBuf,
    /// Number of queries.
    #[arg(long)]
    n: usize,
    /// Seed (query r samples from ChaCha8 stream r).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Softmax temperature.
    #[arg(long, default_value_t = 1.0)]
    temperature: f64,
    /// Sample only from the k most likely tokens.
    #[arg(long)]
    top_k: Option<usize>,
    /// The training data (default: the path recorded in the checkpoint).
    #[arg(long, value_name = "PATH")]
    data: Option<PathBuf>,
    /// Target molecular weight.
    #[arg(long = "MW", allow_negative_numbers = true)]
    MW: Option<f64>,
    /// Target H-bond acceptors.
    #[arg(long = "HBA", allow_negative_numbers = true)]
    HBA: Option<f64>,
    /// Target H-bond donors.
    #[arg(long = "HBD", allow_negative_numbers = true)]
    HBD: Option<f64>,
    /// Target rotatable bonds.
    #[arg(long = "nRot", allow_negative_numbers = true)]
    nRot: Option<f64>,
    /// Target rings.
    #[arg(long = "nRing", allow_negative_numbers = true)]
    nRing: Option<f64>,
    /// Target heteroatoms.
    #[arg(long = "nHet", allow_negative_numbers = true)]
    nHet: Option<f64>,
    /// Target topological polar surface area.
    #[arg(long = "TPSA", allow_negative_numbers = true)]
    TPSA: Option<f64>,
    /// Target Crippen logP.
    #[arg(long = "LogP", allow_negative_numbers = true)]
    LogP: Option<f64>,
    /// Target stereocentres.
    #[arg(long = "StereoCenters", allow_negative_numbers = true)]
    StereoCenters: Option<f64>,
    /// How unspecified properties are filled in: draw (the default: per query, the properties
    /// of one of the k training molecules nearest on the given ones, so queries vary like real
    /// molecules), knn (the paper's, and `protocol`'s default: the mean of the k nearest, one
    /// condition for all queries), mean (the training mean) or none (left unset: only for a
    /// model trained with `partial_conditions`, which reads the given properties alone).
    #[arg(long, default_value = "draw", value_parser = ["knn", "draw", "mean", "none"])]
    impute: String,
    /// k for --impute knn (default 5, the paper's) or draw (default 100).
    #[arg(long, value_name = "K")]
    neighbours: Option<usize>,
    /// Draw only tokens that keep the SMILES well formed, every atom within its valence and the
    /// aromatic atoms kekulisable (constrained decoding; RDKit still judges every string). Off
    /// by default, so that validity measures the model alone.
    #[arg(long)]
    constrain: bool,
    /// Rejection control for --constrain.
    #[command(flatten)]
    rejection: RejectionArgs,
    /// Write every query as CSV: smiles, valid, canonical, the nine properties.
    #[arg(short, long, value_name = "OUT.csv")]
    output: Option<PathBuf>,
    /// Print the summary as one JSON object on the last line of standard output.
    #[arg(long)]
    json: bool,
    /// Shots per score circuit with --backend (exact on `local` without it).
    #[arg(long, value_name = "N")]
    shots: Option<u64>,
    /// Attention scores from a backend (hardware-faithful inference) and the cost model.
    #[command(flatten)]
    hardware: HardwareArgs,
}

/// Rejection control for constrained decoding (`--rejection-level`, `--max-attempts`; see
/// [`RejectionControl`]).
#[derive(Debug, Args)]
pub struct RejectionArgs {
    /// With --constrain: a string whose weight w (the product of the probabilities the model
    /// gave the tokens the constraint allowed on its path; 0 at a dead end) is below LEVEL is
    /// kept with probability w / LEVEL, else decoded again. LEVEL 1 samples the model's own
    /// distribution over the strings the constraint accepts, at 1 / P(accepted) passes per
    /// query; levels near 0 approach plain --constrain, which finishes strings the model went
    /// astray on (heavy targets then come out light). Off by default.
    #[arg(long, value_name = "LEVEL", requires = "constrain")]
    pub rejection_level: Option<f64>,
    /// With --rejection-level: passes per query at most; the last one is kept.
    #[arg(
        long,
        value_name = "N",
        default_value_t = 8,
        requires = "rejection_level"
    )]
    pub max_attempts: usize,
}

impl RejectionArgs {
    /// The checked rejection control, when a level is given.
    pub fn control(&self) -> Result<Option<RejectionControl>, Failure> {
        self.rejection_level
            .map(|level| {
                RejectionControl::new(level, self.max_attempts)
                    .map_err(|e| Failure::BadInput(format!("--rejection-level: {e}")))
            })
            .transpose()
    }
}

/// Rejects targets no molecule can have (see [`Property::check_target`]).
fn check_targets(given: &[Option<f64>; 9]) -> Result<(), Failure> {
    for (p, v) in Property::ALL.iter().zip(given) {
        if let Some(v) = *v {
            p.check_target(v)
                .map_err(|e| Failure::BadInput(format!("--{}: {e}", p.name())))?;
        }
    }
    Ok(())
}

pub(super) fn run(args: SampleArgs) -> Result<(), Failure> {
    let loaded = load_checkpoint(&args.checkpoint).map_err(|e| Failure::BadInput(e.to_string()))?;
    let provider = args
        .hardware
        .provider(&loaded, args.shots, args.hardware.noise, args.seed)?;
    let given = [
        args.MW,
        args.HBA,
        args.HBD,
        args.nRot,
        args.nRing,
        args.nHet,
        args.TPSA,
        args.LogP,
        args.StereoCenters,
    ];
    check_targets(&given)?;
    let conditional = loaded.meta.config.model.conditional;
    if !conditional && given.iter().any(Option::is_some) {
        return Err(Failure::BadInput(
            "this checkpoint's model is not conditional: it takes no property targets".into(),
        ));
    }
    let split = training_split(&loaded, args.data.as_deref())
        .map_err(|e| Failure::BadInput(e.to_string()))?;
    let method = Impute::parse(&args.impute, args.neighbours).map_err(Failure::BadInput)?;
    method
        .check_model(&loaded.meta.config.model)
        .map_err(Failure::BadInput)?;
    let properties = conditional.then(|| {
        query_conditions(
            &given,
            &split.rows,
            &loaded.meta.properties,
            method,
            args.n,
            args.seed,
        )
    });
    let options = SampleOptions {
        n: args.n,
        seed: args.seed,
        temperature: args.temperature,
        top_k: args.top_k,
        batch: 1000,
        constrain: args.constrain,
        rejection: args.rejection.control()?,
    };
    let generated = generate_checked(
        &loaded,
        properties.as_deref(),
        &options,
        provider.as_ref().map(|p| p as &dyn ScoreProvider),
    )
    .map_err(|e| Failure::BadInput(e.to_string()))?;
    let passes_per_query = generated.passes_per_query();
    let Generated {
        smiles,
        checked,
        seconds,
        attempts,
    } = generated;
    let targets: Vec<(Property, f64)> = Property::ALL
        .iter()
        .zip(given)
        .filter_map(|(&p, v)| v.map(|v| (p, v)))
        .collect();
    let metrics = generation_metrics(&checked, &split.smiles, &targets);
    if let Some(path) = &args.output {
        let mut text = String::from("smiles,valid,canonical");
        for p in Property::ALL {
            text.push(',');
            text.push_str(p.name());
        }
        text.push('\n');
        for (s, c) in smiles.iter().zip(&checked) {
            match &c.valid {
                Some((canonical, values)) => {
                    text.push_str(&format!("{s},true,{canonical}"));
                    for v in values.0 {
                        text.push_str(&format!(",{v}"));
                    }
                }
                None => text.push_str(&format!("{s},false,{}", ",".repeat(9))),
            }
            text.push('\n');
        }
        write_output(path, &text)?;
    }
    let mut summary = serde_json::json!({
        "checkpoint": args.checkpoint.display().to_string(),
        "queries": metrics.queries,
        "validity": metrics.validity,
        "uniqueness": metrics.uniqueness,
        "novelty": metrics.novelty,
        "metrics": metrics,
        "molecules_per_s": args.n as f64 / seconds.max(1e-9),
        "constrained": args.constrain,
        "rejection_control": options.rejection,
        "passes_per_query": passes_per_query,
    });
    if let Some(provider) = &provider {
        summary["hardware"] = args
            .hardware
            .cost_report(provider, args.shots, metrics.queries);
        summary["hardware"]["noise"] =
            serde_json::json!(args.hardware.noise.map(|n| n.to_string()));
    }
    if args.json {
        println!("{summary}");
    } else {
        println!(
            "{} queries: validity {:.1} %, uniqueness {:.1} %, novelty {:.1} %, {:.0} molecules/s",
            metrics.queries,
            100.0 * metrics.validity,
            100.0 * metrics.uniqueness,
            100.0 * metrics.novelty,
            args.n as f64 / seconds.max(1e-9)
        );
        if attempts > args.n {
            println!(
                "  rejection control decoded {attempts} strings, {passes_per_query:.2} per query"
            );
        }
        if let Some(report) = summary.get("hardware") {
            println!(
                "  scores from {}: {} circuits ({:.1}/molecule), {} shots ({:.0}/molecule), {} provider jobs; estimated {:.1} s = {}",
                report["backend"].as_str().unwrap_or(""),
                report["circuits"],
                report["circuits_per_molecule"].as_f64().unwrap_or(0.0),
                report["shots"],
                report["shots_per_molecule"].as_f64().unwrap_or(0.0),
                report["provider_jobs"],
                report["estimated_seconds"].as_f64().unwrap_or(0.0),
                report["time_formula"].as_str().unwrap_or(""),
            );
        }
        for p in &metrics.properties {
            println!(
                "  {}: target {:.3}, mean {:.3} ± {:.3}, MAE {:.3}",
                p.property.name(),
                p.target,
                p.mean,
                p.std,
                p.mae
            );
        }
    }
    Ok(())
}
