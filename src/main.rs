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
    keep_freed_memory();
    let cli = qattnc::cli::Cli::parse();
    match qattnc::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {failure}");
            failure.exit_code()
        }
    }
}

/// Makes glibc's allocator keep freed memory for reuse instead of returning it to the kernel.
///
/// A training step allocates and frees hundreds of tensors of 0.1–12 MB. By default glibc
/// serves blocks above its (adaptive) mmap threshold with a fresh mapping and returns the free
/// top of the heap above 128 KiB, so that nearly every tensor's pages fault in anew: a third of
/// a step's CPU time was page faults in the kernel (docs/model.md, "Step time with heads").
/// Blocks up to 32 MiB now come from the heap, and up to 1 GiB of free heap is kept. Skipped
/// when `GLIBC_TUNABLES` is set, so that its malloc settings apply as given.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // glibc's <malloc.h>.
        const M_TRIM_THRESHOLD: i32 = -1;
        const M_MMAP_THRESHOLD: i32 = -3;
        unsafe extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        if std::env::var_os("GLIBC_TUNABLES").is_none() {
            // SAFETY: mallopt only sets allocator parameters; no other thread exists yet.
            unsafe {
                mallopt(M_MMAP_THRESHOLD, 32 << 20);
                mallopt(M_TRIM_THRESHOLD, 1 << 30);
            }
        }
    }
}
