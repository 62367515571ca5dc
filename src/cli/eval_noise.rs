//! `qattnc eval-noise`: sample the same queries with exact attention scores and with scores
//! estimated from N shots (and a noise model) per score circuit, and report validity,
//! uniqueness, property error and agreement with the exact molecules per setting, as a table,
//! JSON and CSV.
//!
//! Property error: for a conditional model, the mean over valid molecules and the nine
//! properties of |value − the query's conditioning value| / training std; for an unconditional
//! model, the mean over the nine properties of |mean over valid molecules − training mean| /
//! training std (how far the generated distribution drifts).

use super::hardware::HardwareArgs;
use super::{Failure, write_output};
use crate::chem::metrics::{Checked, generation_metrics};
use crate::model::ScoreProvider;
use crate::model::conditions::{Impute, query_conditions};
use crate::model::evaluate::{generate_checked, training_split};
use crate::model::sample::{SampleOptions, load_checkpoint};
use crate::plot::{Series, shot_curve};
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `qattnc eval-noise`.
#[derive(Debug, Args)]
pub struct EvalNoiseArgs {
    /// Checkpoint directory of a quantum-attention model.
    #[arg(long, value_name = "DIR")]
    checkpoint: PathBuf,
    /// Shots per score circuit, comma-separated (e.g. 100,1000,10000); `exact` for no shot noise.
    #[arg(long, value_name = "LIST", default_value = "100,1000,10000")]
    shots: String,
    /// Molecules per setting.
    #[arg(long, default_value_t = 100)]
    n: usize,
    /// Seed of token sampling and of the shots.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Softmax temperature.
    #[arg(long, default_value_t = 1.0)]
    temperature: f64,
    /// The training data (default: the path recorded in the checkpoint).
    #[arg(long, value_name = "PATH")]
    data: Option<PathBuf>,
    /// Write the table as CSV.
    #[arg(long, value_name = "OUT.csv")]
    csv: Option<PathBuf>,
    /// Plot validity, uniqueness and agreement with the exact molecules against shots (PNG).
    #[arg(short, long, value_name = "OUT.png")]
    output: Option<PathBuf>,
    /// Print the results as one JSON object on the last line of standard output.
    #[arg(long)]
    json: bool,
    /// The backend (default `local`), noise model and cost model.
    #[command(flatten)]
    hardware: HardwareArgs,
}

/// Draws the shot-based rows (exact rows have no shot count) as fractions against shots.
fn plot_curve(path: &std::path::Path, table: &[Row], queries: usize) -> Result<(), Failure> {
    let points = |value: fn(&Row) -> f64| -> Vec<(f64, f64)> {
        table
            .iter()
            .filter_map(|r| r.shots.map(|s| (s as f64, value(r))))
            .collect()
    };
    let (validity, uniqueness, agreement) = (
        points(|r| r.validity),
        points(|r| r.uniqueness),
        points(|r| r.agreement_with_exact),
    );
    if validity.is_empty() {
        return Err(Failure::BadInput(
            "--output needs at least one shot count in --shots".into(),
        ));
    }
    let series = [
        Series {
            label: "validity",
            points: &validity,
            markers: true,
        },
        Series {
            label: "uniqueness",
            points: &uniqueness,
            markers: true,
        },
        Series {
            label: "same molecule as exact scores",
            points: &agreement,
            markers: true,
        },
    ];
    let title = format!("{queries} queries per setting");
    shot_curve(path, &title, &series).map_err(|e| Failure::Runtime(e.to_string()))
}

/// One setting's results.
#[derive(Debug, Serialize)]
struct Row {
    /// Shots per circuit; `None` for exact expectation values.
    shots: Option<u64>,
    /// Whether scores came from the fast path (no backend).
    fast_path: bool,
    validity: f64,
    uniqueness: f64,
    novelty: f64,
    property_error: f64,
    /// Fraction of queries whose molecule equals the exact-score run's.
    agreement_with_exact: f64,
    seconds: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    cost: Option<serde_json::Value>,
}

fn parse_shots(text: &str) -> Result<Vec<Option<u64>>, Failure> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| match s {
            "exact" | "inf" => Ok(None),
            n => n
                .parse::<u64>()
                .ok()
                .filter(|&n| n > 0)
                .map(Some)
                .ok_or_else(|| Failure::BadInput(format!("--shots: `{s}` is not a shot count"))),
        })
        .collect()
}

pub(super) fn run(mut args: EvalNoiseArgs) -> Result<(), Failure> {
    let loaded = load_checkpoint(&args.checkpoint).map_err(|e| Failure::BadInput(e.to_string()))?;
    let settings = parse_shots(&args.shots)?;
    if settings.is_empty() {
        return Err(Failure::BadInput("--shots lists no setting".into()));
    }
    if args.hardware.backend.is_none() {
        args.hardware.backend = Some("local".into());
    }
    let split = training_split(&loaded, args.data.as_deref())
        .map_err(|e| Failure::BadInput(e.to_string()))?;
    let rows = &split.rows;
    let norm = &loaded.meta.properties;
    let conditional = loaded.meta.config.model.conditional;
    let properties = conditional
        .then(|| query_conditions(&[None; 9], rows, norm, Impute::Mean, args.n, args.seed));
    let options = SampleOptions {
        n: args.n,
        seed: args.seed,
        temperature: args.temperature,
        top_k: None,
        batch: 1000,
        constrain: false,
        rejection: None,
    };
    let sample =
        |provider: Option<&dyn ScoreProvider>| -> Result<(Vec<String>, Vec<Checked>), Failure> {
            let generated = generate_checked(&loaded, properties.as_deref(), &options, provider)
                .map_err(|e| Failure::Runtime(e.to_string()))?;
            Ok((generated.smiles, generated.checked))
        };
    let property_error = |checked: &[Checked]| -> f64 {
        let valid: Vec<(usize, &[f64; 9])> = checked
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.valid.as_ref().map(|(_, v)| (i, &v.0)))
            .collect();
        if valid.is_empty() {
            return f64::NAN;
        }
        match &properties {
            Some(targets) => {
                let total: f64 = valid
                    .iter()
                    .map(|(i, v)| {
                        (0..9)
                            .map(|k| (v[k] - targets[*i][k]).abs() / norm.std[k])
                            .sum::<f64>()
                            / 9.0
                    })
                    .sum();
                total / valid.len() as f64
            }
            None => {
                (0..9)
                    .map(|k| {
                        let mean =
                            valid.iter().map(|(_, v)| v[k]).sum::<f64>() / valid.len() as f64;
                        (mean - norm.mean[k]).abs() / norm.std[k]
                    })
                    .sum::<f64>()
                    / 9.0
            }
        }
    };
    let started = Instant::now();
    let (exact_smiles, exact_checked) = sample(None)?;
    let exact_seconds = started.elapsed().as_secs_f64();
    let metrics = |checked: &[Checked]| generation_metrics(checked, &split.smiles, &[]);
    let m = metrics(&exact_checked);
    let mut table = vec![Row {
        shots: None,
        fast_path: true,
        validity: m.validity,
        uniqueness: m.uniqueness,
        novelty: m.novelty,
        property_error: property_error(&exact_checked),
        agreement_with_exact: 1.0,
        seconds: exact_seconds,
        cost: None,
    }];
    for &shots in &settings {
        let noise = args.hardware.noise;
        if shots.is_none() && noise.is_none_or(|n| n.is_noiseless()) {
            continue; // identical to the fast path
        }
        let provider = args
            .hardware
            .provider(&loaded, shots, noise, args.seed)?
            .expect("a backend is set");
        let started = Instant::now();
        let (smiles, checked) = sample(Some(&provider))?;
        let seconds = started.elapsed().as_secs_f64();
        let m = metrics(&checked);
        let same = smiles
            .iter()
            .zip(&exact_smiles)
            .filter(|(a, b)| a == b)
            .count();
        table.push(Row {
            shots,
            fast_path: false,
            validity: m.validity,
            uniqueness: m.uniqueness,
            novelty: m.novelty,
            property_error: property_error(&checked),
            agreement_with_exact: same as f64 / args.n.max(1) as f64,
            seconds,
            cost: Some(args.hardware.cost_report(&provider, shots, args.n)),
        });
    }
    let label = |r: &Row| match (r.fast_path, r.shots) {
        (true, _) => "exact (fast path)".to_string(),
        (false, None) => "exact + noise".to_string(),
        (false, Some(s)) => s.to_string(),
    };
    let mut csv = String::from(
        "shots,validity,uniqueness,novelty,property_error,agreement_with_exact,circuits_per_molecule,shots_per_molecule,estimated_seconds_per_molecule,seconds\n",
    );
    for r in &table {
        let cost = |key: &str| {
            r.cost
                .as_ref()
                .and_then(|c| c[key].as_f64())
                .map_or(String::new(), |v| v.to_string())
        };
        csv.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{}\n",
            r.shots.map_or("exact".to_string(), |s| s.to_string()),
            r.validity,
            r.uniqueness,
            r.novelty,
            r.property_error,
            r.agreement_with_exact,
            cost("circuits_per_molecule"),
            cost("shots_per_molecule"),
            cost("estimated_seconds_per_molecule"),
            r.seconds
        ));
    }
    if let Some(path) = &args.csv {
        write_output(path, &csv)?;
    }
    if let Some(path) = &args.output {
        plot_curve(path, &table, args.n)?;
    }
    let noise = args.hardware.noise.map(|n| n.to_string());
    if args.json {
        let summary = serde_json::json!({
            "checkpoint": args.checkpoint.display().to_string(),
            "queries": args.n,
            "seed": args.seed,
            "backend": args.hardware.backend,
            "noise": noise,
            "rows": table,
        });
        println!("{summary}");
    } else {
        println!(
            "{} queries per setting, seed {}, backend {}, noise {}",
            args.n,
            args.seed,
            args.hardware.backend.as_deref().unwrap_or("local"),
            noise.as_deref().unwrap_or("none")
        );
        println!(
            "{:>18} {:>9} {:>11} {:>9} {:>10} {:>10} {:>14} {:>8}",
            "shots",
            "validity",
            "uniqueness",
            "novelty",
            "prop.err",
            "agreement",
            "circuits/mol",
            "s"
        );
        for r in &table {
            let circuits = r
                .cost
                .as_ref()
                .and_then(|c| c["circuits_per_molecule"].as_f64())
                .map_or("-".to_string(), |v| format!("{v:.1}"));
            println!(
                "{:>18} {:>8.1}% {:>10.1}% {:>8.1}% {:>10.3} {:>9.1}% {:>14} {:>8.1}",
                label(r),
                100.0 * r.validity,
                100.0 * r.uniqueness,
                100.0 * r.novelty,
                r.property_error,
                100.0 * r.agreement_with_exact,
                circuits,
                r.seconds
            );
        }
    }
    Ok(())
}
