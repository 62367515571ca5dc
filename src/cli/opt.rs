//! `qattnc opt`: optimise any supported OpenQASM 3 program at a unitary-preserving level.

use super::{Failure, print_stdout, read_input, write_output};
use crate::emit::{EmitOptions, Format, emit_qasm3};
use crate::ir::CircuitStats;
use crate::opt::{Basis, PassStats, lower_to_basis, optimise};
use crate::qasm::{DEFAULT_MAX_QUBITS, ParseOptions, parse};
use crate::target::{Target, TargetReport};
use clap::Args;
use serde::Serialize;
use std::path::PathBuf;
use std::time::Instant;

/// Arguments of `qattnc opt`.
#[derive(Debug, Args)]
pub struct OptArgs {
    /// OpenQASM 3 program.
    input: PathBuf,
    /// Output program; standard output when absent.
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
    /// Optimisation level: 1 gate-level, 2 with commutation and controlled-block algebra. Both
    /// preserve the unitary up to global phase; measurements and inputs are kept. (-O3 needs a
    /// layer spec: use `qattnc compile`.)
    #[arg(short = 'O', default_value_t = 2, value_parser = clap::value_parser!(u8).range(0..=2))]
    level: u8,
    /// Decompose the result into a gate basis: `cx` (CNOT and one-qubit gates).
    #[arg(long, value_name = "BASIS")]
    basis: Option<String>,
    /// Compile for a device (design.md §11): after optimising, route onto its coupling map and
    /// translate into its native gates; the header and `--json` give layouts, SWAPs and, with
    /// error rates, the estimated success probability.
    #[arg(long, value_name = "DEVICE.json")]
    target: Option<PathBuf>,
    /// Route onto a coupling map only (a shorthand for a target without native gates): IBM's
    /// backend configuration or a list of qubit pairs.
    #[arg(long, value_name = "JSON", conflicts_with = "target")]
    coupling_map: Option<PathBuf>,
    /// Print statistics before and after, and per pass.
    #[arg(long)]
    stats: bool,
    /// Print the statistics as one JSON object on the last line of standard output.
    #[arg(long)]
    json: bool,
    /// Most qubits the program may declare.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_QUBITS)]
    max_qubits: usize,
}

/// The `--stats --json` object.
#[derive(Debug, Serialize)]
struct OptStats {
    level: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    basis: Option<String>,
    before: CircuitStats,
    after: CircuitStats,
    passes: Vec<PassStats>,
    compile_ms: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<TargetReport>,
}

pub(super) fn run(args: OptArgs) -> Result<(), Failure> {
    let origin = args.input.display().to_string();
    let text = read_input(&args.input, "program")?;
    let options = ParseOptions {
        max_qubits: args.max_qubits,
        ..ParseOptions::default()
    };
    let circuit = parse(&text, &origin, &options).map_err(|e| Failure::BadInput(e.to_string()))?;
    let basis = args
        .basis
        .as_deref()
        .map(str::parse::<Basis>)
        .transpose()
        .map_err(Failure::BadInput)?;
    let start = Instant::now();
    let mut optimised = optimise(&circuit, args.level);
    let device = match (&args.target, &args.coupling_map) {
        (Some(path), _) => Some((super::target::load_target(path)?, path)),
        (None, Some(path)) => Some((coupling_map_target(path)?, path)),
        (None, None) => None,
    };
    // With a device the basis is applied after routing: lowering first would hide from the
    // router which gates commute (a CNOT's target is no longer an X-diagonal wire once cz).
    if let Some(basis) = basis.filter(|_| device.is_none()) {
        optimised = lower_to_basis(optimised, basis, args.level);
    }
    let for_target = device
        .as_ref()
        .map(|(target, path)| {
            super::target::compile_for(&optimised.circuit, target, path, Format::Qasm3)
        })
        .transpose()?;
    if let Some(t) = &for_target {
        optimised.circuit = t.routed.clone();
        if let Some(basis) = basis.filter(|_| t.native.is_none()) {
            optimised = lower_to_basis(optimised, basis, args.level);
            optimised.circuit = crate::opt::run_merge_one_qubit_runs(&optimised.circuit, basis).0;
        }
    }
    let compile_ms = start.elapsed().as_secs_f64() * 1e3;
    let mut header = vec![format!(
        "Optimised by qattnc {} at -O{} from {origin}.",
        env!("CARGO_PKG_VERSION"),
        args.level
    )];
    let program = match &for_target {
        Some(t) => {
            header.extend(t.header());
            let text = super::target::program_text(t, Format::Qasm3, header);
            if basis.is_some() && t.native.is_none() {
                emit_qasm3(
                    &optimised.circuit,
                    &EmitOptions {
                        header: t.header(),
                        ..EmitOptions::default()
                    },
                )
            } else {
                text
            }
        }
        None => emit_qasm3(
            &optimised.circuit,
            &EmitOptions {
                header,
                ..EmitOptions::default()
            },
        ),
    };
    match &args.output {
        Some(path) => write_output(path, &program)?,
        None => print_stdout(&program),
    }
    let stats = OptStats {
        level: args.level,
        basis: basis.map(|b| b.to_string()),
        before: CircuitStats::of(&circuit),
        after: CircuitStats::of(&optimised.circuit),
        passes: optimised.passes,
        compile_ms,
        target: for_target.as_ref().map(|t| t.report.clone()),
    };
    if args.json {
        let json = serde_json::to_string(&stats).expect("statistics serialise");
        print_stdout(&format!("{json}\n"));
    } else if args.stats {
        print_stdout(&format!(
            "-O{}: gates {} → {}, two-qubit gates {} → {}, depth {} → {}, {:.3} ms\n",
            stats.level,
            stats.before.gates,
            stats.after.gates,
            stats.before.two_qubit_gates,
            stats.after.two_qubit_gates,
            stats.before.depth,
            stats.after.depth,
            stats.compile_ms
        ));
        if let Some(report) = &stats.target {
            print_stdout(&super::target::render_report(report));
        }
    }
    Ok(())
}

/// A `--coupling-map` file as a target without native gates.
fn coupling_map_target(path: &std::path::Path) -> Result<Target, Failure> {
    let text = read_input(path, "coupling map")?;
    let origin = path.display().to_string();
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Failure::BadInput(format!("{origin}:{}:{}: {e}", e.line(), e.column())))?;
    let map = crate::opt::CouplingMap::from_json(&json)
        .map_err(|e| Failure::BadInput(format!("{origin}: {e}")))?
        .ok_or_else(|| {
            Failure::BadInput(format!(
                "{origin}: the configuration lists no `coupling_map`"
            ))
        })?;
    Ok(Target::from_coupling_map(&origin, map))
}
