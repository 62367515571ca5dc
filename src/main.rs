//! The `qattnc` binary: parse arguments, run, map the outcome to an exit code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // candle runs each CPU tensor op on its own pool of spinning worker threads. The models here
    // are small (a batch is 256 × 23 tokens × 64 features), so its ops gain little from a second
    // thread, and on a busy machine the spinning costs more than the op itself: a paper-preset
    // training step took 2.3× longer with the pool than without (docs/performance.md). candle
    // therefore runs single-threaded unless CANDLE_NUM_THREADS says otherwise; the quantum
    // state-preparation kernel and matrix products still use rayon over every core.
    if std::env::var_os("CANDLE_NUM_THREADS").is_none() {
        // SAFETY: no other thread has been started yet.
        unsafe { std::env::set_var("CANDLE_NUM_THREADS", "1") };
    }
    let cli = qattnc::cli::Cli::parse();
    match qattnc::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {failure}");
            failure.exit_code()
        }
    }
}
