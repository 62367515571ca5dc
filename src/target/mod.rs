//! Device targets (design.md §11): a device's qubits, coupling map, native gate set and, when
//! known, its gate and readout error rates and gate durations.
//!
//! A target is read from untrusted JSON in one of two shapes:
//! - qattnc's own: `{"name", "num_qubits", "coupling_map": [[a, b], …], "directed": false,
//!   "basis": ["cz", "rz", "sx", "x"], "errors": {"cz": {"0,1": 0.007} | 0.007, "readout":
//!   [0.01, …] | 0.01}, "durations": {"cz": 6.8e-8, …}}`;
//! - IBM's backend configuration: `n_qubits`, `coupling_map` (directed pairs), `basis_gates`.
//!
//! Every malformed or implausible description (unknown gate names, error rates outside [0, 1],
//! duplicate or out-of-range edges, more than [`MAX_DEVICE_QUBITS`] qubits) is a [`TargetError`]
//! naming the file, never a panic. [`translate`] turns a routed circuit into the target's native
//! gates; [`emit`] writes the result.

pub mod emit;
mod euler;
pub mod native;
mod parse;
mod pipeline;
pub mod translate;

pub use native::{NativeCircuit, NativeGate, NativeInstruction, NativeOp, NativeStats};
pub use parse::TargetError;
pub use pipeline::{ForTarget, TargetReport, compile_for_target};
pub use translate::translate;

use crate::ir::Circuit;
use crate::opt::{CouplingMap, RouteOptions};
use std::collections::BTreeMap;

/// A native gate set a target can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NativeSet {
    /// IBM's {cx, rz, sx, x} (older Falcon processors).
    IbmCx,
    /// IBM's {cz, rz, sx, x} (Heron).
    IbmCz,
    /// IBM's {ecr, rz, sx, x} (Eagle); `ecr` is directed.
    IbmEcr,
    /// IonQ's {gpi, gpi2, ms} (Aria), phases in turns.
    Ionq,
    /// Rigetti's {rx(±π/2), rz, cz}.
    Rigetti,
    /// IQM's {prx, cz}.
    Iqm,
}

impl NativeSet {
    /// The gate names that make up the set (a target's basis must contain all of them).
    pub fn gate_names(self) -> &'static [&'static str] {
        match self {
            NativeSet::IbmCx => &["cx", "rz", "sx", "x"],
            NativeSet::IbmCz => &["cz", "rz", "sx", "x"],
            NativeSet::IbmEcr => &["ecr", "rz", "sx", "x"],
            NativeSet::Ionq => &["gpi", "gpi2", "ms"],
            NativeSet::Rigetti => &["rx", "rz", "cz"],
            NativeSet::Iqm => &["prx", "cz"],
        }
    }

    /// The set's two-qubit gate.
    pub fn entangler(self) -> NativeGate {
        match self {
            NativeSet::IbmCx => NativeGate::Cx,
            NativeSet::IbmCz | NativeSet::Rigetti | NativeSet::Iqm => NativeGate::Cz,
            NativeSet::IbmEcr => NativeGate::Ecr,
            NativeSet::Ionq => NativeGate::Ms,
        }
    }

    /// The set a list of basis gate names describes: the richest two-qubit gate decides
    /// (`ecr` over `cz` over `cx`); `None` when no supported set is contained in it.
    fn from_names(names: &[String]) -> Option<NativeSet> {
        [
            NativeSet::Ionq,
            NativeSet::Iqm,
            NativeSet::IbmEcr,
            NativeSet::IbmCz,
            NativeSet::Rigetti,
            NativeSet::IbmCx,
        ]
        .into_iter()
        .find(|set| {
            set.gate_names()
                .iter()
                .all(|g| names.iter().any(|n| n == g))
        })
    }
}

/// Error rates of one gate: one number for every placement, or one per qubit (`"3"`) or pair
/// (`"0,1"`).
#[derive(Clone, Debug, PartialEq)]
pub enum GateError {
    /// The same rate everywhere.
    Uniform(f64),
    /// Rates by qubits; a placement not listed counts as error-free.
    ByQubits(BTreeMap<Vec<usize>, f64>),
}

/// Readout error rates: one number for every qubit, or one per qubit.
#[derive(Clone, Debug, PartialEq)]
pub enum ReadoutError {
    /// The same rate on every qubit.
    Uniform(f64),
    /// Qubit k's rate at index k.
    PerQubit(Vec<f64>),
}

/// A device: qubits, couplings, native gates and (optionally) error rates and durations.
#[derive(Clone, Debug)]
pub struct Target {
    /// The device's name.
    pub name: String,
    /// The undirected coupling graph the router uses.
    pub map: CouplingMap,
    /// The pairs as listed (with `directed`, the only direction a two-qubit gate may take).
    pub edges: Vec<(usize, usize)>,
    /// Whether a pair is usable only in its listed direction.
    pub directed: bool,
    /// The native gate set; `None` when the file lists no basis (the program then keeps `cx`
    /// and one-qubit gates).
    pub native: Option<NativeSet>,
    /// Gate error rates by native gate name.
    pub gate_errors: BTreeMap<String, GateError>,
    /// Readout error rates.
    pub readout_errors: Option<ReadoutError>,
    /// Gate durations in seconds by native gate name.
    pub durations: BTreeMap<String, f64>,
}

impl Target {
    /// A target with only a coupling map (`--coupling-map`): no native set, no error rates.
    pub fn from_coupling_map(name: &str, map: CouplingMap) -> Target {
        let n = map.num_qubits();
        let edges = (0..n)
            .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
            .filter(|&(a, b)| map.coupled(a, b))
            .collect();
        Target {
            name: name.to_string(),
            map,
            edges,
            directed: false,
            native: None,
            gate_errors: BTreeMap::new(),
            readout_errors: None,
            durations: BTreeMap::new(),
        }
    }

    /// Physical qubits.
    pub fn num_qubits(&self) -> usize {
        self.map.num_qubits()
    }

    /// Whether a two-qubit gate may act from `a` to `b` (with `directed`, only listed pairs).
    pub fn allows(&self, a: usize, b: usize) -> bool {
        if self.directed {
            self.edges.contains(&(a, b))
        } else {
            self.map.coupled(a, b)
        }
    }

    /// Whether any error rate is given.
    pub fn has_errors(&self) -> bool {
        !self.gate_errors.is_empty() || self.readout_errors.is_some()
    }

    /// What the router should know of the device's noise (design.md §11): the two-qubit
    /// gate's error on each coupled pair (the native entangler's rates, else those of any
    /// listed `cx`, `cz`, `ecr` or `ms`) and each qubit's readout error; empty when the target
    /// gives none, so that routing then ranks trials by gate count alone.
    pub fn route_options(&self) -> RouteOptions {
        let mut options = RouteOptions::default();
        let entangler = self
            .native
            .map(|set| set.entangler().name())
            .filter(|name| self.gate_errors.contains_key(*name))
            .or_else(|| {
                ["cz", "cx", "ecr", "ms"]
                    .into_iter()
                    .find(|name| self.gate_errors.contains_key(*name))
            });
        if let Some(rate) = entangler.and_then(|name| self.gate_errors.get(name)) {
            for &(a, b) in &self.edges {
                let e = gate_rate(rate, &[a, b], self.directed);
                let slot = options.edge_errors.entry((a.min(b), a.max(b))).or_insert(e);
                // A directed device lists each pair once per usable direction: the better one
                // is what a gate on the pair costs once oriented.
                *slot = slot.min(e);
            }
        }
        options.readout_errors = match &self.readout_errors {
            None => Vec::new(),
            Some(ReadoutError::Uniform(e)) => vec![*e; self.num_qubits()],
            Some(ReadoutError::PerQubit(rates)) => rates.clone(),
        };
        options
    }

    /// Checks that `circuit` can be placed: it fits the device and some connected part of the
    /// coupling graph holds all its qubits.
    pub fn check_fits(&self, circuit: &Circuit) -> Result<(), String> {
        let (needed, device) = (circuit.num_qubits(), self.num_qubits());
        if needed > device {
            return Err(format!(
                "the circuit has {needed} qubits; the device `{}` has {device}",
                self.name
            ));
        }
        let largest = largest_component(self.num_qubits(), &self.edges);
        if needed > largest {
            return Err(format!(
                "the circuit has {needed} qubits but the coupling map of `{}` is disconnected: \
                 its largest connected part has {largest}",
                self.name
            ));
        }
        Ok(())
    }

    /// The estimated success probability Π(1 − e_gate) × Π(1 − e_readout) of a native program;
    /// `None` when the target gives no error rates.
    pub fn success_probability(&self, program: &NativeCircuit) -> Option<f64> {
        if !self.has_errors() {
            return None;
        }
        let mut p = 1.0;
        for instruction in &program.instructions {
            match instruction {
                NativeInstruction::Gate(op) => {
                    if let Some(rate) = self.gate_errors.get(op.gate.name()) {
                        p *= 1.0 - gate_rate(rate, &op.qubits, self.directed);
                    }
                }
                NativeInstruction::Measure { qubit, .. } => {
                    p *= 1.0
                        - match &self.readout_errors {
                            None => 0.0,
                            Some(ReadoutError::Uniform(e)) => *e,
                            Some(ReadoutError::PerQubit(rates)) => {
                                rates.get(*qubit).copied().unwrap_or(0.0)
                            }
                        };
                }
                NativeInstruction::Reset(_) | NativeInstruction::Barrier(_) => {}
            }
        }
        Some(p)
    }
}

/// The error rate of a gate on `qubits` (a pair listed the other way round counts unless the
/// target is directed).
fn gate_rate(rate: &GateError, qubits: &[usize], directed: bool) -> f64 {
    match rate {
        GateError::Uniform(e) => *e,
        GateError::ByQubits(rates) => rates
            .get(qubits)
            .or_else(|| {
                let reversed: Vec<usize> = qubits.iter().rev().copied().collect();
                (!directed).then(|| rates.get(&reversed)).flatten()
            })
            .copied()
            .unwrap_or(0.0),
    }
}

/// The number of qubits in the largest connected part of the coupling graph.
fn largest_component(num_qubits: usize, edges: &[(usize, usize)]) -> usize {
    let mut parent: Vec<usize> = (0..num_qubits).collect();
    fn root(parent: &mut [usize], mut q: usize) -> usize {
        while parent[q] != q {
            parent[q] = parent[parent[q]];
            q = parent[q];
        }
        q
    }
    for &(a, b) in edges {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        parent[ra] = rb;
    }
    let mut sizes = vec![0; num_qubits];
    for q in 0..num_qubits {
        sizes[root(&mut parent, q)] += 1;
    }
    sizes.into_iter().max().unwrap_or(0)
}

#[cfg(test)]
pub(crate) mod tests;
