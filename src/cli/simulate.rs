//! `qattnc simulate`: OpenQASM 3 program + parameter bindings → ⟨Z_0⟩, P(0), P(1) per binding.

use super::{Failure, read_input};
use crate::qasm::{DEFAULT_MAX_QUBITS, ParseOptions, parse};
use crate::sim::{Amplitude, Bindings, Program, Readout, Sampling};
use clap::Args;
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
}

/// The `--json` summary.
#[derive(Debug, Serialize)]
struct Summary {
    rows: usize,
    qubits: usize,
    inputs: usize,
    amplitudes: &'static str,
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
    let program = Program::compile(&circuit, Amplitude::Auto)
        .map_err(|e| Failure::BadInput(format!("{origin}: {e}")))?;
    let bindings = match (&args.bind, args.bind_random) {
        (Some(path), _) => load_bindings(path, program.inputs())?,
        (None, Some(rows)) => {
            Bindings::random(program.inputs().len(), rows, args.seed).map_err(Failure::BadInput)?
        }
        (None, None) => {
            return Err(Failure::BadInput(
                "give --bind FILE or --bind-random N".into(),
            ));
        }
    };
    let sampling = args.shots.map(|shots| Sampling {
        shots,
        seed: args.seed,
    });
    let start = Instant::now();
    let readouts = program
        .readouts(&bindings.values, bindings.rows, sampling)
        .map_err(|e| Failure::Runtime(e.to_string()))?;
    let seconds = start.elapsed().as_secs_f64();
    let csv = render_csv(&readouts);
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
            qubits: program.num_qubits(),
            inputs: program.inputs().len(),
            amplitudes: if program.is_real() { "real" } else { "complex" },
            shots: args.shots,
            seconds,
            circuits_per_second: bindings.rows as f64 / seconds.max(1e-9),
        };
        let json = serde_json::to_string(&summary).expect("the summary serialises");
        let _ = writeln!(stdout, "{json}");
    }
    Ok(())
}

fn load_bindings(path: &Path, inputs: &[String]) -> Result<Bindings, Failure> {
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

fn render_csv(readouts: &[Readout]) -> String {
    let mut out = String::with_capacity(24 + readouts.len() * 60);
    out.push_str("expectation_z0,p0,p1\n");
    for r in readouts {
        writeln!(out, "{},{},{}", r.expectation_z0, r.p0, r.p1).expect("writing to a String");
    }
    out
}
