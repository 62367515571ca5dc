//! `qattnc protocol`: the paper's sampling protocol on a checkpoint — 100,000 queries per run,
//! temperature 1 (`--temperature` changes it, and the tables say so), no top-k, an empty
//! string counts as invalid; no condition, then the training mean ± 2σ as upper and lower
//! target for each of the nine properties (the rest imputed as the mean of the k = 5 nearest
//! neighbours, or with `--impute draw` from one of the k nearest per query) — with the paper's
//! released numbers beside ours when `--paper` names its `*_conditions_overall.csv`. Each
//! conditioned run also reports MolGPT's numbers: the SD of the property, its mean absolute
//! deviation from the target (MAD) and that deviation's SD, and for counts the exact-match
//! rate. `--grid` runs MolGPT-style multi-target grids instead (every combination of a few
//! targets for two or more properties at once). `--constrain` samples with constrained
//! decoding (`chem::constraint`).

use super::sample::RejectionArgs;
use super::{Failure, read_input, write_output};
use crate::chem::dataset::progress_bar;
use crate::chem::metrics::{GenerationMetrics, PropertyStats, generation_metrics};
use crate::model::checkpoint::PropertyNorm;
use crate::model::conditions::{Impute, query_conditions};
use crate::model::evaluate::{generate_checked, training_split};
use crate::model::protocol::{PaperRun, ProtocolRun, grid_runs, protocol_runs, read_paper_runs};
use crate::model::sample::{SampleOptions, load_checkpoint};
use clap::Args;
use serde::Serialize;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Arguments of `qattnc protocol`.
#[derive(Debug, Args)]
pub struct ProtocolArgs {
    /// Checkpoint directory written by `qattnc train`.
    #[arg(long, value_name = "DIR")]
    checkpoint: PathBuf,
    /// Queries per run (the paper: 100,000).
    #[arg(long, default_value_t = 100_000)]
    n: usize,
    /// Seed of every run (query r samples from ChaCha8 stream r).
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Only these runs, comma-separated (e.g. `no_conditions,upper_MW`).
    #[arg(long, value_name = "LIST")]
    runs: Option<String>,
    /// A multi-target grid instead of the paper's runs (after those named by --runs): every
    /// combination of the targets, e.g. `LogP,TPSA=40/80` (a bare property: training mean ∓ 1σ).
    #[arg(long, value_name = "SPEC")]
    grid: Option<String>,
    /// How the eight unconditioned properties are imputed: knn (the paper's: the mean of the
    /// k = 5 nearest training molecules), draw (per query, one of the k nearest) or none (left
    /// unset, and the unconditioned run has no condition at all: only for a model trained with
    /// `partial_conditions`).
    #[arg(long, default_value = "knn", value_parser = ["knn", "draw", "none"])]
    impute: String,
    /// k for --impute (default 5 for knn, 100 for draw).
    #[arg(long, value_name = "K")]
    neighbours: Option<usize>,
    /// The training data (default: the path recorded in the checkpoint).
    #[arg(long, value_name = "PATH")]
    data: Option<PathBuf>,
    /// The paper's released results for this model (`../shared/data/paper/*_conditions_overall.csv`).
    #[arg(long, value_name = "CSV")]
    paper: Option<PathBuf>,
    /// Softmax temperature (the paper's protocol: 1). Another value is named under the tables.
    #[arg(long, default_value_t = 1.0)]
    temperature: f64,
    /// Constrained decoding (as `qattnc sample --constrain`): only tokens that keep the SMILES
    /// well formed, within valence and kekulisable. Not the paper's protocol; the tables say so.
    #[arg(long)]
    constrain: bool,
    /// Rejection control for --constrain (as `qattnc sample`); the tables say so.
    #[command(flatten)]
    rejection: RejectionArgs,
    /// Runs measured at once, each on its own thread (1: one after the other). The tables do
    /// not depend on it.
    #[arg(long, value_name = "N", default_value_t = 1)]
    jobs: usize,
    /// Write the table as CSV.
    #[arg(long, value_name = "OUT.csv")]
    csv: Option<PathBuf>,
    /// Write the table as Markdown (for docs/results.md).
    #[arg(long, value_name = "OUT.md")]
    markdown: Option<PathBuf>,
    /// Print the results as one JSON object on the last line of standard output.
    #[arg(long)]
    json: bool,
}

/// One run's results, ours and (when given) the paper's.
#[derive(Debug, Serialize)]
struct RunResult {
    name: String,
    /// Valid molecules, distinct valid ones, distinct valid ones not in the training split.
    valid: usize,
    unique: usize,
    novel: usize,
    validity: f64,
    uniqueness: f64,
    novelty: f64,
    unique_at_10k: f64,
    /// Per conditioned property (none for the unconditioned run), over valid molecules: the
    /// target, mean, SD, MAD from the target and its SD, and for counts the exact-match rate.
    properties: Vec<PropertyStats>,
    molecules_per_s: f64,
    /// Strings decoded per query (1 unless rejection control drew some again).
    passes_per_query: f64,
    paper: Option<PaperNumbers>,
}

/// The paper's numbers for the same run.
#[derive(Debug, Serialize)]
struct PaperNumbers {
    validity: f64,
    uniqueness: f64,
    novelty: f64,
    mean: Option<f64>,
    target: Option<f64>,
}

impl From<&PaperRun> for PaperNumbers {
    fn from(run: &PaperRun) -> Self {
        PaperNumbers {
            validity: run.validity,
            uniqueness: run.uniqueness,
            novelty: run.novelty,
            mean: run.sampled_average,
            target: run.target,
        }
    }
}

/// Averages over the runs (validity over the conditioned ones is the paper's summary number).
#[derive(Debug, Serialize)]
struct Summary {
    unconditioned_validity: Option<f64>,
    conditioned_runs: usize,
    mean_conditioned_validity: Option<f64>,
    /// Median uniqueness over the conditioned runs.
    median_conditioned_uniqueness: Option<f64>,
    paper_unconditioned_validity: Option<f64>,
    paper_mean_conditioned_validity: Option<f64>,
}

fn mean(values: &[f64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
}

/// The median (mean of the middle two for an even count).
fn median(mut values: Vec<f64>) -> Option<f64> {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

/// The paper's runs named by `--runs` (all of them when neither `--runs` nor `--grid` is given),
/// then the grid's.
fn selected_runs(
    all: Vec<ProtocolRun>,
    filter: Option<&str>,
    grid: Option<&str>,
    norm: &PropertyNorm,
    conditional: bool,
) -> Result<Vec<ProtocolRun>, Failure> {
    let grid = match grid {
        None => Vec::new(),
        Some(_) if !conditional => {
            return Err(Failure::BadInput(
                "--grid: this checkpoint's model is not conditional: it takes no property targets"
                    .into(),
            ));
        }
        Some(spec) => {
            grid_runs(spec, norm).map_err(|e| Failure::BadInput(format!("--grid: {e}")))?
        }
    };
    let Some(filter) = filter else {
        return Ok(if grid.is_empty() { all } else { grid });
    };
    let names: Vec<&str> = filter
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    for name in &names {
        if !all.iter().any(|r| r.name == *name) {
            let known: Vec<&str> = all.iter().map(|r| r.name.as_str()).collect();
            return Err(Failure::BadInput(format!(
                "--runs: no run `{name}` for this checkpoint; it has {}",
                known.join(", ")
            )));
        }
    }
    Ok(all
        .into_iter()
        .filter(|r| names.contains(&r.name.as_str()))
        .chain(grid)
        .collect())
}

pub(super) fn run(args: ProtocolArgs) -> Result<(), Failure> {
    let loaded = load_checkpoint(&args.checkpoint).map_err(|e| Failure::BadInput(e.to_string()))?;
    if args.n == 0 {
        return Err(Failure::BadInput("--n must be at least 1".into()));
    }
    if args.jobs == 0 {
        return Err(Failure::BadInput("--jobs must be at least 1".into()));
    }
    if !(args.temperature.is_finite() && args.temperature > 0.0) {
        return Err(Failure::BadInput(format!(
            "--temperature must be a positive number, not {}",
            args.temperature
        )));
    }
    let paper = match &args.paper {
        Some(path) => read_paper_runs(&read_input(path, "paper results")?)
            .map_err(|e| Failure::BadInput(format!("{}: {e}", path.display())))?,
        None => Vec::new(),
    };
    let method = Impute::parse(&args.impute, args.neighbours).map_err(Failure::BadInput)?;
    let conditional = loaded.meta.config.model.conditional;
    method
        .check_model(&loaded.meta.config.model)
        .map_err(Failure::BadInput)?;
    let runs = selected_runs(
        protocol_runs(&loaded.meta.properties, conditional),
        args.runs.as_deref(),
        args.grid.as_deref(),
        &loaded.meta.properties,
        conditional,
    )?;
    let split = training_split(&loaded, args.data.as_deref())
        .map_err(|e| Failure::BadInput(e.to_string()))?;
    let options = SampleOptions {
        n: args.n,
        seed: args.seed,
        temperature: args.temperature,
        top_k: None,
        batch: 1000,
        constrain: args.constrain,
        rejection: args.rejection.control()?,
    };
    let measure = |run: &ProtocolRun| -> Result<RunResult, Failure> {
        let properties = conditional.then(|| {
            let mut given = [None; 9];
            for &(property, target) in &run.conditions {
                given[property.index()] = Some(target);
            }
            query_conditions(
                &given,
                &split.rows,
                &loaded.meta.properties,
                method,
                args.n,
                args.seed,
            )
        });
        let generated = generate_checked(&loaded, properties.as_deref(), &options, None)
            .map_err(|e| Failure::Runtime(e.to_string()))?;
        let m: GenerationMetrics =
            generation_metrics(&generated.checked, &split.smiles, &run.conditions);
        Ok(RunResult {
            name: run.name.clone(),
            valid: m.valid,
            unique: m.unique,
            novel: m.novel,
            validity: m.validity,
            uniqueness: m.uniqueness,
            novelty: m.novelty,
            unique_at_10k: m.unique_at_10k,
            properties: m.properties,
            molecules_per_s: args.n as f64 / generated.seconds.max(1e-9),
            passes_per_query: generated.passes_per_query(),
            paper: paper
                .iter()
                .find(|p| p.name == run.name)
                .map(PaperNumbers::from),
        })
    };
    let results = run_all(&runs, args.jobs, measure)?;
    let conditioned: Vec<&RunResult> = results
        .iter()
        .filter(|r| !r.properties.is_empty())
        .collect();
    let unconditioned = results.iter().find(|r| r.properties.is_empty());
    let paper_conditioned: Vec<f64> = conditioned
        .iter()
        .filter_map(|r| r.paper.as_ref().map(|p| p.validity))
        .collect();
    let summary = Summary {
        unconditioned_validity: unconditioned.map(|r| r.validity),
        conditioned_runs: conditioned.len(),
        mean_conditioned_validity: mean(
            &conditioned.iter().map(|r| r.validity).collect::<Vec<_>>(),
        ),
        median_conditioned_uniqueness: median(conditioned.iter().map(|r| r.uniqueness).collect()),
        paper_unconditioned_validity: unconditioned
            .and_then(|r| r.paper.as_ref())
            .map(|p| p.validity),
        paper_mean_conditioned_validity: (paper_conditioned.len() == conditioned.len())
            .then(|| mean(&paper_conditioned))
            .flatten(),
    };
    if let Some(path) = &args.csv {
        write_output(path, &csv_table(&results))?;
    }
    if let Some(path) = &args.markdown {
        write_output(path, &markdown_table(&results, &summary, &options))?;
    }
    if args.json {
        let report = serde_json::json!({
            "checkpoint": args.checkpoint.display().to_string(),
            "preset": loaded.meta.config.preset,
            "queries_per_run": args.n,
            "seed": args.seed,
            "imputation": method.describe(),
            "constrained": args.constrain,
            "rejection_control": options.rejection,
            "temperature": args.temperature,
            "runs": results,
            "summary": summary,
        });
        println!("{report}");
    } else {
        print!("{}", markdown_table(&results, &summary, &options));
    }
    Ok(())
}

/// Measures every run with `measure`, `jobs` runs at a time (each on its own thread), and
/// returns the results in the order of `runs`. The progress bar draws only on a terminal; a
/// background run logs a line per finished run instead.
fn run_all(
    runs: &[ProtocolRun],
    jobs: usize,
    measure: impl Fn(&ProtocolRun) -> Result<RunResult, Failure> + Sync,
) -> Result<Vec<RunResult>, Failure> {
    let log_runs = !std::io::stderr().is_terminal();
    let progress = progress_bar(runs.len(), "protocol runs");
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<Result<RunResult, Failure>>>> =
        runs.iter().map(|_| Mutex::new(None)).collect();
    let failed = AtomicBool::new(false);
    let worker = || {
        while !failed.load(Ordering::Relaxed) {
            let slot = next.fetch_add(1, Ordering::Relaxed);
            let Some(run) = runs.get(slot) else { break };
            progress.set_message(run.name.clone());
            let result = measure(run);
            let done = finished.fetch_add(1, Ordering::Relaxed) + 1;
            match &result {
                Ok(r) if log_runs => eprintln!(
                    "protocol: {done} of {} runs, {}: validity {} %, uniqueness {} %, novelty {} %, \
                     {:.2} passes per query",
                    runs.len(),
                    r.name,
                    percent(r.validity),
                    percent(r.uniqueness),
                    percent(r.novelty),
                    r.passes_per_query
                ),
                Ok(_) => {}
                Err(_) => failed.store(true, Ordering::Relaxed),
            }
            progress.inc(1);
            *results[slot].lock().expect("no worker panicked") = Some(result);
        }
    };
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(runs.len()) {
            scope.spawn(worker);
        }
    });
    progress.finish_and_clear();
    // Runs not started after a failure are None; the first failure in run order is returned.
    results
        .into_iter()
        .filter_map(|slot| slot.into_inner().expect("no worker panicked"))
        .collect()
}

fn percent(value: f64) -> String {
    format!("{:.1}", 100.0 * value)
}

fn number(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.3}")).unwrap_or_default()
}

/// The table's rows: one per conditioned property of each run (a grid run has several), one for
/// the unconditioned run.
fn rows(results: &[RunResult]) -> impl Iterator<Item = (&RunResult, Option<&PropertyStats>)> {
    results.iter().flat_map(|r| {
        let stats: Vec<Option<&PropertyStats>> = match r.properties.as_slice() {
            [] => vec![None],
            all => all.iter().map(Some).collect(),
        };
        stats.into_iter().map(move |s| (r, s))
    })
}

/// The table as CSV: our columns, then the paper's prefixed `paper_`; a run conditioned on
/// several properties (a grid run) takes one row per property.
fn csv_table(results: &[RunResult]) -> String {
    let mut text = String::from(
        "run,property,target,validity,uniqueness,novelty,unique_at_10k,mean,std,mae,mae_std,\
         exact_match,paper_validity,paper_uniqueness,paper_novelty,paper_mean,passes_per_query\n",
    );
    for (r, stats) in rows(results) {
        let paper = r.paper.as_ref();
        let field = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        text.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            r.name,
            stats.map(|s| s.property.name()).unwrap_or(""),
            field(stats.map(|s| s.target)),
            r.validity,
            r.uniqueness,
            r.novelty,
            r.unique_at_10k,
            field(stats.map(|s| s.mean)),
            field(stats.map(|s| s.std)),
            field(stats.map(|s| s.mae)),
            field(stats.map(|s| s.mae_std)),
            field(stats.and_then(|s| s.exact_match)),
            field(paper.map(|p| p.validity)),
            field(paper.map(|p| p.uniqueness)),
            field(paper.map(|p| p.novelty)),
            field(paper.and_then(|p| p.mean)),
            r.passes_per_query,
        ));
    }
    text
}

/// The table as Markdown, percentages with one decimal, then the averages; a grid run takes one
/// row per conditioned property, the property named beside its target.
fn markdown_table(results: &[RunResult], summary: &Summary, options: &SampleOptions) -> String {
    let with_paper = results.iter().any(|r| r.paper.is_some());
    let several = results.iter().any(|r| r.properties.len() > 1);
    let mut text = String::from(
        "| run | target | validity % | uniqueness % | novelty % | unique@10k % | mean | SD | MAD | MAD SD | exact % |",
    );
    if with_paper {
        text.push_str(" paper validity % | paper uniqueness % | paper novelty % | paper mean |");
    }
    text.push('\n');
    let columns = if with_paper { 15 } else { 11 };
    text.push_str(&format!("|{}\n", "---|".repeat(columns)));
    for (r, stats) in rows(results) {
        let target = match stats {
            Some(s) if several => format!("{} {}", s.property.name(), number(Some(s.target))),
            _ => number(stats.map(|s| s.target)),
        };
        text.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r.name,
            target,
            percent(r.validity),
            percent(r.uniqueness),
            percent(r.novelty),
            percent(r.unique_at_10k),
            number(stats.map(|s| s.mean)),
            number(stats.map(|s| s.std)),
            number(stats.map(|s| s.mae)),
            number(stats.map(|s| s.mae_std)),
            stats
                .and_then(|s| s.exact_match)
                .map(percent)
                .unwrap_or_default(),
        ));
        if with_paper {
            match &r.paper {
                Some(p) => text.push_str(&format!(
                    " {} | {} | {} | {} |",
                    percent(p.validity),
                    percent(p.uniqueness),
                    percent(p.novelty),
                    number(p.mean)
                )),
                None => text.push_str(" | | | |"),
            }
        }
        text.push('\n');
    }
    if let Some(v) = summary.mean_conditioned_validity {
        text.push_str(&format!(
            "\nMean validity over the {} conditioned runs: {} %",
            summary.conditioned_runs,
            percent(v)
        ));
        if let Some(p) = summary.paper_mean_conditioned_validity {
            text.push_str(&format!(" (paper {} %)", percent(p)));
        }
        text.push_str(".\n");
    }
    if let Some(u) = summary.median_conditioned_uniqueness {
        text.push_str(&format!(
            "Median uniqueness over the conditioned runs: {} %.\n",
            percent(u)
        ));
    }
    if options.constrain {
        text.push_str(
            "Sampled with constrained decoding (`--constrain`: well-formed, kekulisable SMILES \
             within valence), not the paper's unconstrained protocol.\n",
        );
    }
    if let Some(control) = options.rejection {
        let (low, high) = results.iter().fold((f64::INFINITY, 0.0_f64), |(l, h), r| {
            (l.min(r.passes_per_query), h.max(r.passes_per_query))
        });
        let range = if format!("{low:.2}") == format!("{high:.2}") {
            format!("{low:.2}")
        } else {
            format!("{low:.2} to {high:.2}")
        };
        text.push_str(&format!(
            "With rejection control at level {} (`--rejection-level`, at most {} passes per \
             query): {range} strings decoded per query.\n",
            control.level, control.max_attempts
        ));
    }
    if options.temperature != 1.0 {
        text.push_str(&format!(
            "Sampled at temperature {}, not the paper's 1.\n",
            options.temperature
        ));
    }
    text
}
