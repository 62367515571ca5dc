//! The compile driver: layer spec → reference circuit → optimisation level → statistics.
//!
//! Back ends are applied by the caller ([`crate::emit`]); this module owns the choice of
//! optimisation level and the timing, so that the CLI, the examples and later the trainer compile
//! layers the same way.

use crate::ir::{Circuit, CircuitStats};
use crate::layer::LayerSpec;
use crate::opt::{Basis, PassStats, lower_to_basis, optimise_layer};
use serde::Serialize;
use std::time::Instant;

/// The highest optimisation level the CLI accepts.
pub const MAX_LEVEL: u8 = 3;

/// A compiled score circuit with what was done to it.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// The circuit to emit.
    pub circuit: Circuit,
    /// Statistics of `circuit`.
    pub stats: CompileStats,
}

/// Statistics of one compilation, serialised as the `--stats --json` object.
#[derive(Clone, Debug, Serialize)]
pub struct CompileStats {
    /// Layer name.
    pub layer: String,
    /// The optimisation level.
    pub level: u8,
    /// The gate basis the circuit was decomposed into, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
    /// What each pass did.
    pub passes: Vec<PassStats>,
    /// Wall time of building and optimising, in milliseconds.
    pub compile_ms: f64,
    /// Counts of the final circuit.
    #[serde(flatten)]
    pub circuit: CircuitStats,
}

/// Builds the score circuit of `spec` and optimises it at `level` (0–3).
///
/// With a `basis`, the result is decomposed into it.
pub fn compile_layer(spec: &LayerSpec, level: u8, basis: Option<Basis>) -> Compiled {
    let start = Instant::now();
    let mut optimised = optimise_layer(spec, level);
    if let Some(basis) = basis {
        optimised = lower_to_basis(optimised, basis, level);
    }
    let compile_ms = start.elapsed().as_secs_f64() * 1e3;
    let stats = CompileStats {
        layer: spec.name.clone(),
        level,
        basis: basis.map(|b| b.to_string()),
        passes: optimised.passes,
        compile_ms,
        circuit: CircuitStats::of(&optimised.circuit),
    };
    Compiled {
        circuit: optimised.circuit,
        stats,
    }
}
