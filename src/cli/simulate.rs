//! `qattnc simulate`: OpenQASM 3 program + parameter bindings → per binding ⟨Z_0⟩, P(0), P(1),
//! or the expectation values of `--observable`s, or the distribution of the measured bits.

use super::{Failure, read_input};
use crate::diagnostic::SourceError;
use crate::qasm::{DEFAULT_MAX_QUBITS, ParseOptions, parse};
use crate::sim::{
    Bindings, Observable, Precision, ReadoutSpec, RowReadout, Sampling, Simulation,
    SimulationOptions,
};
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Arguments of `qattnc simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// OpenQASM 3 program (e.g. the output of `qattnc compile`).
    program: PathBuf,
    /// Parameter bindings: CSV (header = input names, one circuit per row) or JSON (an array of
    /// objects mapping input names to numbers), chosen by the extension.
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "bind_random",
        conflicts_with = "bind_random"
    )]
    bind: Option<PathBuf>,
    /// Simulate N bindings drawn uniformly from [−π, π].
    #[arg(long, value_name = "N")]
    bind_random: Option<usize>,
    /// Seed of --bind-random and of --shots.
    #[arg(long, value_name = "S", default_value_t = 0)]
    seed: u64,
    /// Estimate the outputs from N measurement shots per binding instead of exactly.
    #[arg(long, value_name = "N")]
    shots: Option<u64>,
    /// Output CSV (columns expectation_z0,p0,p1); standard output when absent.
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
    /// Print a JSON summary (rows, qubits, seconds, circuits_per_second) as the last line of
    /// standard output.
    #[arg(long)]
    json: bool,
    /// Most qubits the program may declare (the state needs 16·2^n bytes).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_QUBITS)]
    max_qubits: usize,
    /// Read out the expectation value of EXPR, a real linear combination of Pauli products on
    /// indexed qubits (`Z0`, `Z0*Z1`, `0.5*X2*Y3 - Z1`, `1 - 2*Z3`); repeatable, one output
    /// column each, headed by EXPR as given. Exact (not with --shots).
    #[arg(long, value_name = "EXPR", allow_hyphen_values = true)]
    observable: Vec<String>,
    /// Write the distribution of the measured classical bits instead, one line per binding and
    /// outcome: `row,outcome,probability` (every outcome, exact) or, with --shots,
    /// `row,outcome,count` (outcomes drawn at least once). `outcome` has one character per
    /// measured bit, the highest-numbered bit first (Qiskit's order); bits that no measurement
    /// writes are left out. A program without measurements is read as if every qubit k were
    /// measured into bit k.
    #[arg(long, conflicts_with = "observable")]
    probabilities: bool,
    /// Amplitude precision: f64, or f32 (half the memory, about 1e-6 relative error).
    #[arg(long, value_enum, default_value_t = PrecisionArg::F64)]
    precision: PrecisionArg,
    /// Most memory the states may take, in bytes or with a unit (`512M`, `8G`, `1.5GiB`);
    /// default 80 % of the memory available at start.
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    max_memory: Option<u128>,
    /// Simulate every gate and qubit, not only the causal cone of the readout.
    #[arg(long)]
    no_cone_pruning: bool,
}

/// `--precision`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum PrecisionArg {
    F64,
    F32,
}

/// The most measured bits `--probabilities` reports (2^20 outcomes per binding).
const MAX_DISTRIBUTION_BITS: usize = 20;
/// The most lines `--probabilities` writes without --shots (bindings × outcomes).
const MAX_PROBABILITY_LINES: u128 = 1 << 24;

/// Parses `8G`, `512MiB`, `1.5GB` or a plain number of bytes (units are powers of 1024).
fn parse_size(text: &str) -> Result<u128, String> {
    let trimmed = text.trim();
    let split = trimmed
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let scale: u128 = match unit.trim().to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => 1 << 10,
        "M" | "MB" | "MIB" => 1 << 20,
        "G" | "GB" | "GIB" => 1 << 30,
        "T" | "TB" | "TIB" => 1 << 40,
        other => return Err(format!("unknown unit `{other}` (use K, M, G or T)")),
    };
    match number.parse::<f64>() {
        Ok(value) if value.is_finite() && value >= 0.0 && value * (scale as f64) < 1e30 => {
            Ok((value * scale as f64) as u128)
        }
        _ => Err(format!("`{text}` is not a size such as 8G or 512M")),
    }
}

/// 80 % of the memory available now (Linux `MemAvailable`), else 16 GiB.
fn default_memory_limit() -> u128 {
    let available = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find_map(|l| l.strip_prefix("MemAvailable:"))
                .and_then(|rest| {
                    rest.trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<u128>()
                        .ok()
                })
        });
    available.map_or(16 << 30, |kib| kib * 1024 / 10 * 8)
}

/// The `--json` summary.
#[derive(Debug, Serialize)]
struct Summary {
    rows: usize,
    qubits: usize,
    inputs: usize,
    /// Qubits and gates of the readout's causal cone (what was simulated).
    simulated_qubits: usize,
    simulated_gates: usize,
    amplitudes: &'static str,
    memory_bytes: u128,
    shots: Option<u64>,
    /// Simulation time (reading and writing files excluded).
    seconds: f64,
    circuits_per_second: f64,
}

pub(super) fn run(args: SimulateArgs) -> Result<(), Failure> {
    let origin = args.program.display().to_string();
    let text = read_input(&args.program, "program")?;
    let options = ParseOptions {
        max_qubits: args.max_qubits,
        ..ParseOptions::default()
    };
    let circuit = parse(&text, &origin, &options).map_err(|e| Failure::BadInput(e.to_string()))?;
    let observables = args
        .observable
        .iter()
        .map(|text| Observable::parse(text, "--observable").map_err(located))
        .collect::<Result<Vec<_>, _>>()?;
    let sampling = args.shots.map(|shots| Sampling {
        shots,
        seed: args.seed,
    });
    let spec = ReadoutSpec {
        observables,
        distribution: args.probabilities,
        sampling,
    };
    let options = SimulationOptions {
        precision: match args.precision {
            PrecisionArg::F64 => Precision::F64,
            PrecisionArg::F32 => Precision::F32,
        },
        prune: !args.no_cone_pruning,
        max_memory: args.max_memory.unwrap_or_else(default_memory_limit),
        ..SimulationOptions::default()
    };
    let simulation = Simulation::new(&circuit, spec, &options)
        .map_err(|e| Failure::BadInput(format!("{origin}: {e}")))?;
    let bindings = match (&args.bind, args.bind_random) {
        (Some(path), _) => load_bindings(path, simulation.inputs())?,
        (None, Some(rows)) => Bindings::random(simulation.inputs().len(), rows, args.seed)
            .map_err(Failure::BadInput)?,
        (None, None) => {
            return Err(Failure::BadInput(
                "give --bind FILE or --bind-random N".into(),
            ));
        }
    };
    if args.probabilities {
        check_distribution_size(simulation.measured_bits(), bindings.rows, args.shots)?;
    }
    let start = Instant::now();
    let readouts = simulation
        .run(&bindings.values, bindings.rows)
        .map_err(|e| Failure::Runtime(e.to_string()))?;
    let seconds = start.elapsed().as_secs_f64();
    let csv = if args.probabilities {
        render_distribution(&readouts, simulation.measured_bits())
    } else {
        render_csv(&simulation.columns(), &readouts)
    };
    let mut stdout = std::io::stdout().lock();
    match &args.output {
        Some(path) => super::write_output(path, &csv)?,
        None => {
            let _ = stdout.write_all(csv.as_bytes());
        }
    }
    if args.json {
        let summary = Summary {
            rows: bindings.rows,
            qubits: circuit.num_qubits(),
            inputs: simulation.inputs().len(),
            simulated_qubits: simulation.simulated_qubits(),
            simulated_gates: simulation.simulated_gates(),
            amplitudes: simulation.amplitudes(),
            memory_bytes: simulation.memory_bytes(),
            shots: args.shots,
            seconds,
            circuits_per_second: bindings.rows as f64 / seconds.max(1e-9),
        };
        let json = serde_json::to_string(&summary).expect("the summary serialises");
        let _ = writeln!(stdout, "{json}");
    }
    Ok(())
}

fn located(error: SourceError) -> Failure {
    Failure::BadInput(error.to_string())
}

/// Refuses distributions too large to write before simulating.
fn check_distribution_size(bits: usize, rows: usize, shots: Option<u64>) -> Result<(), Failure> {
    if bits > MAX_DISTRIBUTION_BITS {
        return Err(Failure::BadInput(format!(
            "--probabilities: the program measures {bits} bits ({} outcomes per binding); \
             the limit is {MAX_DISTRIBUTION_BITS} bits — measure fewer qubits, or read \
             --observable values instead",
            format_count(1u128 << bits)
        )));
    }
    let lines = (rows as u128) << bits;
    if shots.is_none() && lines > MAX_PROBABILITY_LINES {
        return Err(Failure::BadInput(format!(
            "--probabilities: {rows} bindings × {} outcomes = {} lines; the limit is {} \
             (use fewer bindings, or --shots N to write only the outcomes drawn)",
            format_count(1u128 << bits),
            format_count(lines),
            format_count(MAX_PROBABILITY_LINES)
        )));
    }
    Ok(())
}

fn format_count(n: u128) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(super) fn load_bindings(path: &Path, inputs: &[String]) -> Result<Bindings, Failure> {
    let text = read_input(path, "bindings")?;
    let origin = path.display().to_string();
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let bindings = if json {
        Bindings::from_json(&text, &origin, inputs)
    } else {
        Bindings::from_csv(&text, &origin, inputs)
    };
    bindings.map_err(|e| Failure::BadInput(e.to_string()))
}

/// One CSV field: quoted when it holds a comma, a quote or a line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn render_csv(columns: &[String], readouts: &[RowReadout]) -> String {
    let mut out = String::with_capacity(24 + readouts.len() * 20 * columns.len());
    let header: Vec<String> = columns.iter().map(|c| csv_field(c)).collect();
    out.push_str(&header.join(","));
    out.push('\n');
    for r in readouts {
        for (k, value) in r.values.iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            write!(out, "{value}").expect("writing to a String");
        }
        out.push('\n');
    }
    out
}

/// `row,outcome,probability` for every outcome, or `row,outcome,count` for drawn outcomes.
fn render_distribution(readouts: &[RowReadout], bits: usize) -> String {
    let counts = readouts.first().is_some_and(|r| r.counts.is_some());
    let mut out = String::from(if counts {
        "row,outcome,count\n"
    } else {
        "row,outcome,probability\n"
    });
    let outcome = |index: usize| -> String {
        (0..bits)
            .rev()
            .map(|j| if index >> j & 1 == 1 { '1' } else { '0' })
            .collect()
    };
    for (row, r) in readouts.iter().enumerate() {
        if let Some(counts) = &r.counts {
            for (index, &count) in counts.iter().enumerate().filter(|(_, c)| **c > 0) {
                writeln!(out, "{row},{},{count}", outcome(index)).expect("writing to a String");
            }
        }
        if let Some(probabilities) = &r.probabilities {
            for (index, p) in probabilities.iter().enumerate() {
                writeln!(out, "{row},{},{p}", outcome(index)).expect("writing to a String");
            }
        }
    }
    out
}
