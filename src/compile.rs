//! The compile driver: layer spec → reference circuit → optimisation level → statistics.
//!
//! Back ends are applied by the caller ([`crate::emit`]); this module owns the choice of
//! optimisation level and the timing, so that the CLI, the examples and later the trainer compile
//! layers the same way.

use crate::ir::{Circuit, CircuitStats};
use crate::layer::{LayerSpec, Part};
use crate::opt::{
    Basis, CouplingMap, PassStats, RouteError, lower_to_basis, optimise_part, route_in_basis,
};
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
    /// Placement on a device, when a coupling map was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing: Option<RoutingStats>,
    /// Wall time of building and optimising, in milliseconds.
    pub compile_ms: f64,
    /// Counts of the final circuit.
    #[serde(flatten)]
    pub circuit: CircuitStats,
}

/// Builds head 0's score circuit of `spec` and optimises it at `level` (0–3).
///
/// With a `basis`, the result is decomposed into it.
pub fn compile_layer(spec: &LayerSpec, level: u8, basis: Option<Basis>) -> Compiled {
    compile_part(spec, Part::Score, 0, level, basis)
}

/// Builds the program `part` of `spec` for `head` (0-based, below `spec.heads`) and optimises
/// it at `level` (0–3); with a `basis`, the result is decomposed into it.
pub fn compile_part(
    spec: &LayerSpec,
    part: Part,
    head: usize,
    level: u8,
    basis: Option<Basis>,
) -> Compiled {
    let start = Instant::now();
    let mut optimised = optimise_part(spec, part, head, level);
    if let Some(basis) = basis {
        optimised = lower_to_basis(optimised, basis, level);
    }
    let compile_ms = start.elapsed().as_secs_f64() * 1e3;
    let stats = CompileStats {
        layer: spec.name.clone(),
        level,
        basis: basis.map(|b| b.to_string()),
        passes: optimised.passes,
        routing: None,
        compile_ms,
        circuit: CircuitStats::of(&optimised.circuit),
    };
    Compiled {
        circuit: optimised.circuit,
        stats,
    }
}

/// Where a routed circuit sits on its device.
#[derive(Clone, Debug, Serialize)]
pub struct RoutingStats {
    /// Physical qubits of the device.
    pub device_qubits: usize,
    /// Physical qubit of each logical qubit at the start (the ancilla is logical qubit 0).
    pub initial_layout: Vec<usize>,
    /// Physical qubit of each logical qubit at the end.
    pub final_layout: Vec<usize>,
    /// SWAP gates inserted.
    pub swaps: usize,
}

/// Places `compiled` on the device `map` ([`crate::opt::route`]): gates are first decomposed
/// into `basis` (CNOT and one-qubit gates when none was chosen, since routing needs two-qubit
/// gates), SWAPs are inserted, and with a `basis` the SWAPs are decomposed into it too.
pub fn route_compiled(
    compiled: Compiled,
    map: &CouplingMap,
    basis: Option<Basis>,
) -> Result<Compiled, RouteError> {
    let start = Instant::now();
    let routed = route_in_basis(&compiled.circuit, map, basis)?;
    let circuit = routed.circuit;
    let mut stats = compiled.stats;
    stats.compile_ms += start.elapsed().as_secs_f64() * 1e3;
    stats.circuit = CircuitStats::of(&circuit);
    stats.routing = Some(RoutingStats {
        device_qubits: map.num_qubits(),
        initial_layout: routed.initial_layout,
        final_layout: routed.final_layout,
        swaps: routed.swaps,
    });
    Ok(Compiled { circuit, stats })
}
