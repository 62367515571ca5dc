//! Compiling an optimised circuit for a target: consolidate and resynthesise its two-qubit
//! blocks ([`crate::opt::resynthesise`]), place and route it ([`crate::opt::route_in_basis`]),
//! clean up what routing exposed (the `-O2` passes, then block resynthesis again: SWAPs merge
//! into the blocks next to them), merge one-qubit runs, translate into the native gates, and
//! report what it costs.

use super::{NativeCircuit, NativeSet, Target, translate};
use crate::ir::Circuit;
use crate::opt::{
    Basis, optimise, resynthesise, route_in_basis_with, run_decompose, run_elide_swaps,
    run_merge_one_qubit_runs,
};
use serde::Serialize;

/// What compiling for a target produced and cost, serialised as the `"target"` object of
/// `--json`.
#[derive(Clone, Debug, Serialize)]
pub struct TargetReport {
    /// The device's name.
    pub target: String,
    /// Its native gate set (absent: the program keeps `cx` and one-qubit gates).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub native_set: Option<NativeSet>,
    /// Physical qubits of the device.
    pub device_qubits: usize,
    /// SWAPs the router inserted.
    pub swaps: usize,
    /// Physical qubit of each logical qubit at the start.
    pub initial_layout: Vec<usize>,
    /// Physical qubit of each logical qubit at the end (where its measurement happens).
    pub final_layout: Vec<usize>,
    /// Gates of the final program (native gates when the target has a set).
    pub gates: usize,
    /// Two-qubit gates of the final program.
    pub two_qubit_gates: usize,
    /// Depth of the final program.
    pub depth: usize,
    /// Π(1 − e_gate) × Π(1 − e_readout) over the program, when the target gives error rates.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub success_probability: Option<f64>,
}

/// A circuit compiled for a target.
#[derive(Clone, Debug)]
pub struct ForTarget {
    /// The routed circuit in `cx` and one-qubit gates (qubit k is physical qubit k).
    pub routed: Circuit,
    /// The routed circuit in native gates, when the target has a native set.
    pub native: Option<NativeCircuit>,
    /// What it cost.
    pub report: TargetReport,
}

impl ForTarget {
    /// Header comment lines describing the placement, for emitted programs.
    pub fn header(&self) -> Vec<String> {
        let r = &self.report;
        let mut lines = vec![format!(
            "Target `{}`{}: {} SWAPs; logical qubit k starts on physical qubit initial[k] = {:?} \
             and ends (is measured) on final[k] = {:?}.",
            r.target,
            r.native_set
                .map(|s| format!(" (native gates {})", s.gate_names().join(", ")))
                .unwrap_or_default(),
            r.swaps,
            r.initial_layout,
            r.final_layout
        )];
        if let Some(p) = r.success_probability {
            lines.push(format!(
                "Estimated success probability (product of gate and readout fidelities): {p:.4}."
            ));
        }
        lines
    }
}

/// Routes `circuit` onto `target` and translates it into the target's native gates.
pub fn compile_for_target(circuit: &Circuit, target: &Target) -> Result<ForTarget, String> {
    target.check_fits(circuit)?;
    // Before routing, as Qiskit's level 3 does: fewer CNOTs to route, and one-qubit runs merged
    // (a run that multiplies to the identity, such as the Hadamards of cx = H·cz·H between two
    // gates, vanishes, so that the router sees the CNOTs on either side commute).
    // SWAPs of the program are elided (relabelling what follows; the final layout says where
    // each qubit ends), as Qiskit's level 2 and 3 and pytket's implicit permutations do.
    let merge = |c: &Circuit| run_merge_one_qubit_runs(c, Basis::CxAndSingleQubit).0;
    let (elided, wire) = run_elide_swaps(&merge(&run_decompose(circuit, Basis::CxAndSingleQubit)));
    let program = merge(&resynthesise(elided));
    let routed = route_in_basis_with(&program, &target.map, None, &target.route_options())
        .map_err(|e| e.to_string())?;
    // Swaps next to the gates they route often cancel against them once decomposed, or merge
    // with them into one resynthesised block.
    let cleaned =
        resynthesise(optimise(&run_decompose(&routed.circuit, Basis::CxAndSingleQubit), 2).circuit);
    let cleaned = merge(&cleaned);
    let native = match target.native {
        Some(_) => Some(translate(&cleaned, target)?),
        None => None,
    };
    let (gates, two_qubit_gates, depth) = match &native {
        Some(n) => {
            let s = n.stats();
            (s.gates, s.two_qubit_gates, s.depth)
        }
        None => {
            let s = crate::ir::CircuitStats::of(&cleaned);
            (s.gates, s.two_qubit_gates, s.depth)
        }
    };
    let report = TargetReport {
        target: target.name.clone(),
        native_set: target.native,
        device_qubits: target.num_qubits(),
        swaps: routed.swaps,
        initial_layout: routed.initial_layout,
        final_layout: wire.iter().map(|&w| routed.final_layout[w]).collect(),
        gates,
        two_qubit_gates,
        depth,
        success_probability: native.as_ref().and_then(|n| target.success_probability(n)),
    };
    Ok(ForTarget {
        routed: cleaned,
        native,
        report,
    })
}
