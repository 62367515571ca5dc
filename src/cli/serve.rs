//! `qattnc serve`: the built-in simulator as a service speaking IonQ's v0.4 job API.

use super::Failure;
use crate::backend::Secret;
use crate::backend::server::{ServeOptions, serve};
use crate::sim::NoiseModel;
use clap::Args;
use std::net::SocketAddr;

/// Arguments of `qattnc serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on, e.g. 127.0.0.1:8080.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Environment variable holding the API key clients must send (`Authorization: apiKey KEY`
    /// or `Bearer KEY`); the server is open when absent.
    #[arg(long, value_name = "VAR")]
    key_env: Option<String>,
    /// Most qubits a program may use.
    #[arg(long, value_name = "N", default_value_t = 28)]
    max_qubits: usize,
    /// Most unfinished jobs; further submissions get 429.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    max_pending: usize,
    /// Simulations run at once (default: the number of CPUs).
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
    /// Seed of the shot sampling.
    #[arg(long, value_name = "S", default_value_t = 0)]
    seed: u64,
    /// Simulate a noisy device: `depolarizing=p[,readout=q][,trajectories=k]` (per-qubit
    /// depolarizing after each gate, readout bit flips; seeded Monte-Carlo trajectories).
    #[arg(long, value_name = "MODEL")]
    noise: Option<NoiseModel>,
}

pub(super) fn run(args: ServeArgs) -> Result<(), Failure> {
    let api_key = match &args.key_env {
        Some(name) => Some(Secret::from_env(name).map_err(|e| Failure::BadInput(e.to_string()))?),
        None => None,
    };
    let defaults = ServeOptions::default();
    let options = ServeOptions {
        max_qubits: args.max_qubits.min(defaults.max_qubits),
        max_pending: args.max_pending.max(1),
        workers: args.workers.unwrap_or(defaults.workers).max(1),
        api_key,
        seed: args.seed,
        noise: args.noise,
        ..defaults
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Runtime(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| Failure::Runtime(format!("cannot listen on {}: {e}", args.listen)))?;
        let address = listener
            .local_addr()
            .map_err(|e| Failure::Runtime(e.to_string()))?;
        eprintln!("qattnc serve: IonQ v0.4 job API on http://{address} (Ctrl-C stops)");
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
            eprintln!("qattnc serve: shutting down");
        };
        serve(listener, options, shutdown)
            .await
            .map_err(|e| Failure::Runtime(format!("the server failed: {e}")))
    })
}
