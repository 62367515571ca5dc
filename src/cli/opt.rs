//! `qattnc opt`: optimise any supported OpenQASM 3 program at a unitary-preserving level.

use super::{Failure, print_stdout, read_input, write_output};
use crate::emit::{EmitOptions, emit_qasm3};
use crate::ir::CircuitStats;
use crate::opt::{Basis, PassStats, lower_to_basis, optimise, route_in_basis};
use crate::qasm::{DEFAULT_MAX_QUBITS, ParseOptions, parse};
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
    /// Route onto a device after optimising (as `qattnc compile --coupling-map`): IBM's backend
    /// configuration JSON or a list of qubit pairs.
    #[arg(long, value_name = "DEVICE.json")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    swaps: Option<usize>,
    compile_ms: f64,
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
    let map = args
        .coupling_map
        .as_deref()
        .map(super::compile::load_coupling_map)
        .transpose()?;
    let start = Instant::now();
    let mut optimised = optimise(&circuit, args.level);
    if let Some(basis) = basis {
        optimised = lower_to_basis(optimised, basis, args.level);
    }
    let mut swaps = None;
    if let Some(map) = &map {
        let routed = route_in_basis(&optimised.circuit, map, basis)
            .map_err(|e| Failure::BadInput(format!("{origin}: {e}")))?;
        swaps = Some(routed.swaps);
        optimised.circuit = routed.circuit;
    }
    let compile_ms = start.elapsed().as_secs_f64() * 1e3;
    let program = emit_qasm3(
        &optimised.circuit,
        &EmitOptions {
            header: vec![format!(
                "Optimised by qattnc {} at -O{} from {origin}.",
                env!("CARGO_PKG_VERSION"),
                args.level
            )],
            ..EmitOptions::default()
        },
    );
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
        swaps,
        compile_ms,
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
    }
    Ok(())
}
