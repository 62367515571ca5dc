//! `qattnc verify`: are two OpenQASM 3 programs equivalent? Exit 0 when they are, 1 when not
//! (printing the worst binding), 2 on bad input.

use super::{Failure, print_stdout, read_input};
use crate::opt::{VerifyMode, VerifyReport, verify};
use crate::qasm::{DEFAULT_MAX_QUBITS, ParseOptions, parse};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `qattnc verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The reference program.
    first: PathBuf,
    /// The program to check against it.
    second: PathBuf,
    /// `unitary`: full unitaries up to global phase (≤ 12 qubits); `score`: the readout
    /// qubit's ⟨Z⟩ (the attention score).
    #[arg(long, default_value = "score", value_parser = ["unitary", "score"])]
    mode: String,
    /// Number of random bindings (uniform in [−π, π]).
    #[arg(long, value_name = "N", default_value_t = 16)]
    samples: usize,
    /// Seed of the bindings.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Largest difference accepted.
    #[arg(long, default_value_t = 1e-9)]
    tolerance: f64,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
    /// Most qubits a program may declare.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_QUBITS)]
    max_qubits: usize,
}

pub(super) fn run(args: VerifyArgs) -> Result<(), Failure> {
    let options = ParseOptions {
        max_qubits: args.max_qubits,
        ..ParseOptions::default()
    };
    let load = |path: &PathBuf| {
        let text = read_input(path, "program")?;
        parse(&text, &path.display().to_string(), &options)
            .map_err(|e| Failure::BadInput(e.to_string()))
    };
    let (a, b) = (load(&args.first)?, load(&args.second)?);
    let mode: VerifyMode = args.mode.parse().map_err(Failure::BadInput)?;
    let report = verify(&a, &b, mode, args.samples, args.seed, args.tolerance)
        .map_err(|e| Failure::BadInput(e.to_string()))?;
    if args.json {
        print_stdout(&format!(
            "{}\n",
            serde_json::to_string(&report).expect("reports serialise")
        ));
    } else {
        print_stdout(&render(&report));
    }
    if report.equivalent {
        Ok(())
    } else {
        Err(Failure::Runtime(format!(
            "not equivalent: difference {:.3e} > {:.1e}",
            report.worst_difference, report.tolerance
        )))
    }
}

fn render(report: &VerifyReport) -> String {
    let verdict = if report.equivalent {
        "equivalent"
    } else {
        "NOT equivalent"
    };
    let mut text = format!(
        "{verdict} ({:?} mode, {} bindings): largest difference {:.3e}, tolerance {:.1e}\n",
        report.mode, report.samples, report.worst_difference, report.tolerance
    );
    if !report.equivalent {
        text.push_str("worst binding:\n");
        for (name, value) in &report.worst_binding {
            text.push_str(&format!("  {name} = {value}\n"));
        }
    }
    text
}
