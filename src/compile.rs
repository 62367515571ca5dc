//! The compile driver: layer spec → reference circuit → optimisation level → statistics.
//!
//! Back ends are applied by the caller ([`crate::emit`]); this module owns the choice of
//! optimisation level and the timing, so that the CLI, the examples and later the trainer compile
//! layers the same way.

use crate::ir::{Circuit, CircuitStats};
use crate::layer::{LayerSpec, score_circuit};
use serde::Serialize;
use std::time::Instant;

/// The highest optimisation level the CLI accepts.
pub const MAX_LEVEL: u8 = 3;

/// The highest level this build implements; higher requests are compiled at this level and
/// the statistics say so.
pub const IMPLEMENTED_LEVEL: u8 = 0;

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
    /// The requested optimisation level.
    pub level: u8,
    /// The level whose passes actually ran.
    pub effective_level: u8,
    /// Why the two differ, when they do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Wall time of building and optimising, in milliseconds.
    pub compile_ms: f64,
    /// Counts of the final circuit.
    #[serde(flatten)]
    pub circuit: CircuitStats,
}

/// Builds the score circuit of `spec` and optimises it at `level` (clamped to
/// [`IMPLEMENTED_LEVEL`], which the statistics report).
pub fn compile_layer(spec: &LayerSpec, level: u8) -> Compiled {
    let start = Instant::now();
    let circuit = score_circuit(spec);
    let effective_level = if level > IMPLEMENTED_LEVEL {
        IMPLEMENTED_LEVEL
    } else {
        level
    };
    let compile_ms = start.elapsed().as_secs_f64() * 1e3;
    let note = (effective_level != level).then(|| {
        format!(
            "the optimiser is not implemented yet: -O{level} emitted the -O{effective_level} \
             reference form"
        )
    });
    let stats = CompileStats {
        layer: spec.name.clone(),
        level,
        effective_level,
        note,
        compile_ms,
        circuit: CircuitStats::of(&circuit),
    };
    Compiled { circuit, stats }
}
