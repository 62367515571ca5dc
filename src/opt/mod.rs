//! The optimiser: passes over the circuit DAG, a pass manager and the optimisation levels.
//!
//! | level | what runs | what is preserved |
//! |---|---|---|
//! | `-O0` | nothing: the reference form | everything |
//! | `-O1` | constant folding, inverse-pair cancellation and rotation merging between adjacent gates | the unitary, up to global phase |
//! | `-O2` | `-O1` passes past commuting gates, and controlled-block algebra ctrl(g·X·g†) = g·ctrl(X)·g† | the unitary, up to global phase |
//! | `-O3` | score-preserving synthesis of Hadamard-test layer circuits of any family (multiplexed rotations, shared and trailing gates removed) and of the SWAP test (5-CNOT controlled-swap gadgets), then `-O2`; fidelity and gaussian-z: `-O2` and gates no measurement sees removed | the score read from the measured bits, for every binding |
//!
//! Every pass is a `run_*` function in its own module with its own tests. Passes collect what to
//! change and then change it; [`PassStats`] records what each run did.

mod basis;
mod bind_inputs;
mod cancel_inverses;
mod commute;
mod conjugation;
mod consolidate;
mod elide_swaps;
mod fold_constants;
mod merge_rotations;
mod one_qubit_runs;
mod overlap;
mod pair;
mod route;
mod unmeasured_tail;
mod verify;

pub use basis::{Basis, decompose_gate, run_decompose};
pub use bind_inputs::{BindingMismatch, bind_inputs};
pub use cancel_inverses::run_cancel_inverses;
pub use commute::commute;
pub use conjugation::run_uncontrol_conjugations;
pub use consolidate::{resynthesise, run_consolidate_blocks};
pub use elide_swaps::run_elide_swaps;
pub use fold_constants::run_fold_constants;
pub use merge_rotations::run_merge_rotations;
pub use one_qubit_runs::{decompose_merged, run_merge_one_qubit_runs};
pub use overlap::{Synthesis, synthesize_overlap};
pub use pair::Reach;
pub use route::{
    CouplingMap, DEFAULT_TRIALS, MAX_DEVICE_QUBITS, RouteError, RouteOptions, Routed, route,
    route_in_basis, route_in_basis_with, route_with,
};
pub use unmeasured_tail::run_drop_unmeasured_tail;
pub use verify::{MAX_UNITARY_QUBITS, VerifyError, VerifyMode, VerifyReport, verify};

use crate::ir::{Circuit, CircuitDag};
use crate::layer::{LayerSpec, Part, part_circuit};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Instant;

/// What one pass run did.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PassStats {
    /// The pass's name.
    pub pass: &'static str,
    /// Gates before the pass.
    pub gates_before: usize,
    /// Gates after the pass.
    pub gates_after: usize,
    /// CNOTs after decomposition, before the pass.
    pub two_qubit_before: usize,
    /// CNOTs after decomposition, after the pass.
    pub two_qubit_after: usize,
    /// Wall time in microseconds.
    pub micros: f64,
    /// Rewrite rules of a synthesis pass and how often each fired.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub rules: BTreeMap<&'static str, usize>,
}

/// Runs passes and records their statistics.
#[derive(Default)]
pub struct PassManager {
    /// One entry per pass run that changed the circuit (or ran once, for the first sweep).
    pub history: Vec<PassStats>,
}

impl PassManager {
    fn record(&mut self, pass: &'static str, before: &Circuit, after: &Circuit, start: Instant) {
        self.record_counts(pass, gate_counts(before), gate_counts(after), start);
    }

    fn record_counts(
        &mut self,
        pass: &'static str,
        (gates_before, two_qubit_before): (usize, usize),
        (gates_after, two_qubit_after): (usize, usize),
        start: Instant,
    ) {
        self.history.push(PassStats {
            pass,
            gates_before,
            gates_after,
            two_qubit_before,
            two_qubit_after,
            micros: start.elapsed().as_secs_f64() * 1e6,
            rules: BTreeMap::new(),
        });
    }

    /// Runs a DAG pass on `dag`, whose gate counts are `counts`, and records it when it changed
    /// something (then `counts` becomes the new counts); returns whether it did.
    fn dag_pass(
        &mut self,
        name: &'static str,
        dag: &mut CircuitDag,
        counts: &mut (usize, usize),
        pass: impl FnOnce(&mut CircuitDag) -> usize,
    ) -> bool {
        let start = Instant::now();
        if pass(dag) == 0 {
            return false;
        }
        let after = dag.gate_counts();
        self.record_counts(name, *counts, after, start);
        *counts = after;
        true
    }

    /// The gate-level passes at `reach` on `circuit`, repeated until none changes it.
    fn gate_level(&mut self, circuit: Circuit, reach: Reach) -> Circuit {
        let mut dag = CircuitDag::from_owned(circuit);
        self.gate_level_dag(&mut dag, reach);
        dag.into_circuit()
    }

    /// The gate-level passes at `reach` on one DAG, repeated until none changes it.
    fn gate_level_dag(&mut self, dag: &mut CircuitDag, reach: Reach) {
        const MAX_SWEEPS: usize = 64;
        let mut counts = dag.gate_counts();
        for _ in 0..MAX_SWEEPS {
            let folded = self.dag_pass("fold_constants", dag, &mut counts, run_fold_constants);
            let cancelled = self.dag_pass("cancel_inverses", dag, &mut counts, |d| {
                run_cancel_inverses(d, reach)
            });
            let merged = self.dag_pass("merge_rotations", dag, &mut counts, |d| {
                run_merge_rotations(d, reach)
            });
            if !(folded || cancelled || merged) {
                break;
            }
        }
    }

    /// Controlled-block algebra, recorded when it changed something.
    fn conjugations(&mut self, circuit: Circuit) -> Circuit {
        let start = Instant::now();
        let (out, uncontrolled) = run_uncontrol_conjugations(&circuit);
        if uncontrolled == 0 {
            return circuit;
        }
        self.record("uncontrol_conjugations", &circuit, &out, start);
        out
    }
}

/// Gates and their CNOT cost: the two counts a [`PassStats`] records (`gates` and
/// `two_qubit_gates` of [`CircuitStats`](crate::ir::CircuitStats), without its depth and
/// per-kind tallies, which cost a DAG build and a string per gate).
fn gate_counts(circuit: &Circuit) -> (usize, usize) {
    circuit
        .gates()
        .fold((0, 0), |(gates, cx), op| (gates + 1, cx + op.cx_cost()))
}

/// The gate-level passes at `reach`, repeated until none changes `circuit` (the clean-up after
/// routing).
pub(crate) fn clean_gate_level(circuit: Circuit, reach: Reach) -> Circuit {
    PassManager::default().gate_level(circuit, reach)
}

/// An optimised circuit and the passes that produced it.
#[derive(Clone, Debug)]
pub struct Optimised {
    /// The result.
    pub circuit: Circuit,
    /// The pass runs, in order.
    pub passes: Vec<PassStats>,
}

/// Optimises `circuit` at a unitary-preserving level (0, 1 or 2; higher levels are treated as
/// 2 because they need to know the circuit computes an overlap).
pub fn optimise(circuit: &Circuit, level: u8) -> Optimised {
    optimise_owned(circuit.clone(), level)
}

/// [`optimise`] taking the circuit.
fn optimise_owned(circuit: Circuit, level: u8) -> Optimised {
    let mut manager = PassManager::default();
    let mut out = circuit;
    if level >= 2 {
        out = manager.conjugations(out);
    }
    if level >= 1 {
        let reach = if level >= 2 {
            Reach::Commuting
        } else {
            Reach::Adjacent
        };
        out = manager.gate_level(out, reach);
    }
    Optimised {
        circuit: out,
        passes: manager.history,
    }
}

/// Optimises head 0's score circuit of `spec` at `level` (0–3); see [`optimise_part`].
pub fn optimise_layer(spec: &LayerSpec, level: u8) -> Optimised {
    optimise_part(spec, Part::Score, 0, level)
}

/// Optimises the program `part` of `spec` for `head` at `level` (0–3). Levels 0–2 start from
/// the reference form. At level 3 the score of a Hadamard-test kind is synthesised as one
/// multiplexed circuit, and the SWAP test's controlled swaps as score-preserving 5-CNOT gadgets
/// ([`synthesize_overlap`]), then cleaned with the -O2 passes; the other score kinds (fidelity,
/// gaussian-z) get -O2 plus the removal of gates no measurement sees; the ansatz and state
/// parts, which have no score to preserve, get -O2.
pub fn optimise_part(spec: &LayerSpec, part: Part, head: usize, level: u8) -> Optimised {
    let reference = part_circuit(spec, part, head);
    if level < 3 || part != Part::Score {
        return optimise_owned(reference, level.min(2));
    }
    let start = Instant::now();
    let (mut manager, mut dag) = match overlap::synthesize_overlap_of(spec, head, &reference) {
        Some(synthesis) => {
            let mut manager = PassManager::default();
            manager.record("synthesize_overlap", &reference, &synthesis.circuit, start);
            if let Some(last) = manager.history.last_mut() {
                last.rules = synthesis.rules;
            }
            let mut dag = CircuitDag::from_owned(synthesis.circuit);
            manager.gate_level_dag(&mut dag, Reach::Commuting);
            (manager, dag)
        }
        None => {
            let optimised = optimise_owned(reference, 2);
            let manager = PassManager {
                history: optimised.passes,
            };
            (manager, CircuitDag::from_owned(optimised.circuit))
        }
    };
    let mut counts = dag.gate_counts();
    manager.dag_pass(
        "drop_unmeasured_tail",
        &mut dag,
        &mut counts,
        run_drop_unmeasured_tail,
    );
    manager.gate_level_dag(&mut dag, Reach::Commuting);
    Optimised {
        circuit: dag.into_circuit(),
        passes: manager.history,
    }
}

/// Decomposes an optimised circuit into `basis` and, at level 1 and above, cleans up what the
/// decomposition exposed (for instance `h h` between two decomposed gates).
pub fn lower_to_basis(optimised: Optimised, basis: Basis, level: u8) -> Optimised {
    let mut manager = PassManager {
        history: optimised.passes,
    };
    let start = Instant::now();
    let before = gate_counts(&optimised.circuit);
    let lowered = basis::decompose_owned(optimised.circuit, basis);
    manager.record_counts("decompose", before, gate_counts(&lowered), start);
    let circuit = match level {
        0 => lowered,
        1 => manager.gate_level(lowered, Reach::Adjacent),
        _ => manager.gate_level(lowered, Reach::Commuting),
    };
    Optimised {
        circuit,
        passes: manager.history,
    }
}
