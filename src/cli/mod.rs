//! The `qattnc` command line: argument parsing and one module per subcommand. Each subcommand
//! parses its arguments, calls library code and prints; nothing here computes results.

mod attention;
mod compile;
mod data;
mod eval;
mod eval_noise;
mod hardware;
mod opt;
mod props;
mod protocol;
mod reference;
mod remote;
mod sample;
mod serve;
mod simulate;
mod submit;
mod target;
mod train;
mod verify;

use clap::{Parser, Subcommand};
use std::fmt;
use std::process::ExitCode;

/// qattnc — compiler, simulator and trainer for quantum self-attention layers.
#[derive(Debug, Parser)]
#[command(name = "qattnc", version, about, long_about = None)]
pub struct Cli {
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compile an attention-layer spec (TOML) into OpenQASM 3 or a CUDA-Q kernel.
    Compile(compile::CompileArgs),
    /// Optimise an OpenQASM 3 program (-O1, -O2: unitary-preserving).
    Opt(opt::OptArgs),
    /// Check two OpenQASM 3 programs for equivalence (unitary or score) on random bindings.
    Verify(verify::VerifyArgs),
    /// Simulate an OpenQASM 3 program for parameter bindings: ⟨Z_0⟩, P(0), P(1) per binding.
    Simulate(simulate::SimulateArgs),
    /// Compute the nine RDKit properties of every SMILES in a CSV or SMI file.
    Props(props::PropsArgs),
    /// Validity, uniqueness, novelty and property statistics of generated molecules.
    Eval(eval::EvalArgs),
    /// Obtain datasets (QM9).
    Data(data::DataArgs),
    /// Run an OpenQASM 3 program for parameter bindings on a backend (local, IonQ, Braket, IBM)
    /// and write ⟨Z_0⟩, its standard error and the counts per binding.
    Submit(submit::SubmitArgs),
    /// Serve the built-in simulator over IonQ's v0.4 job API.
    Serve(serve::ServeArgs),
    /// Sample molecules from a trained checkpoint, optionally for property targets.
    Sample(sample::SampleArgs),
    /// Validity, uniqueness and property error of molecules sampled with attention scores
    /// estimated from shots (and noise): how many shots the hybrid model needs on hardware.
    EvalNoise(eval_noise::EvalNoiseArgs),
    /// The paper's sampling protocol on a checkpoint (no condition, then mean ± 2σ targets for
    /// each property; 100,000 queries per run), beside the paper's released numbers.
    Protocol(protocol::ProtocolArgs),
    /// Train a hybrid transformer (quantum or classical attention) on SMILES with properties.
    Train(train::TrainArgs),
    /// Store a checkpoint's training molecules in it (`reference.csv.gz`) so that sampling needs
    /// no copy of the training data.
    Reference(reference::ReferenceArgs),
    /// Draw a trained model's attention map for one molecule as a labelled heatmap PNG.
    Attention(attention::AttentionArgs),
}

/// Why a command failed; decides the exit code.
#[derive(Debug)]
pub enum Failure {
    /// Bad input (unreadable file, malformed spec, bad option value): exit code 2.
    BadInput(String),
    /// The command ran but could not finish (an output file could not be written): exit code 1.
    Runtime(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::BadInput(message) | Failure::Runtime(message) => f.write_str(message),
        }
    }
}

impl Failure {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Failure::BadInput(_) => ExitCode::from(2),
            Failure::Runtime(_) => ExitCode::from(1),
        }
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Compile(args) => compile::run(args),
        Command::Simulate(args) => simulate::run(args),
        Command::Opt(args) => opt::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Props(args) => props::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Data(args) => data::run(args),
        Command::Submit(args) => submit::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Train(args) => train::run(args),
        Command::Sample(args) => sample::run(args),
        Command::Attention(args) => attention::run(args),
        Command::EvalNoise(args) => eval_noise::run(args),
        Command::Protocol(args) => protocol::run(args),
        Command::Reference(args) => reference::run(args),
    }
}

/// Reads a text file given on the command line; a missing or unreadable file is bad input.
fn read_input(path: &std::path::Path, what: &str) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|e| Failure::BadInput(format!("cannot read {what} `{}`: {e}", path.display())))
}

/// Writes an output file, creating nothing on failure but the error.
fn write_output(path: &std::path::Path, text: &str) -> Result<(), Failure> {
    std::fs::write(path, text)
        .map_err(|e| Failure::Runtime(format!("cannot write `{}`: {e}", path.display())))
}

/// Prints to standard output; a closed pipe (`| head`) is not an error.
fn print_stdout(text: &str) {
    use std::io::Write;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
