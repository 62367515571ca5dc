//! Equivalence checking by simulation: two circuits compared on random bindings of their
//! inputs, either as full unitaries up to a global phase or by the readout qubit's ⟨Z⟩ (the
//! attention score).

use crate::ir::{Circuit, Gate, GateOp, Instruction};
use crate::sim::{Amplitude, Bindings, Program, SimError};
use num_complex::Complex64;
use serde::Serialize;

/// The most qubits unitary mode handles (it simulates 2^n basis states per binding).
pub const MAX_UNITARY_QUBITS: usize = 12;

/// What is compared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VerifyMode {
    /// The unitaries of the gate parts, up to a global phase.
    Unitary,
    /// The readout qubit's ⟨Z⟩ after the whole circuit.
    Score,
}

impl std::str::FromStr for VerifyMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "unitary" => Ok(VerifyMode::Unitary),
            "score" => Ok(VerifyMode::Score),
            other => Err(format!("unknown mode `{other}`; expected unitary or score")),
        }
    }
}

/// Why two circuits could not be compared.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    /// Different register sizes.
    #[error("the circuits have {0} and {1} qubits")]
    QubitCount(usize, usize),
    /// Input names that only one circuit declares.
    #[error("inputs differ: only in the first: [{only_a}]; only in the second: [{only_b}]")]
    Inputs {
        /// Names only the first declares.
        only_a: String,
        /// Names only the second declares.
        only_b: String,
    },
    /// Too many qubits for unitary mode.
    #[error("unitary mode handles at most {MAX_UNITARY_QUBITS} qubits, the circuits have {0}")]
    TooLarge(usize),
    /// The simulator refused a circuit.
    #[error(transparent)]
    Simulation(#[from] SimError),
    /// A binding matrix could not be drawn.
    #[error("{0}")]
    Bindings(String),
}

/// The outcome of a comparison.
#[derive(Clone, Debug, Serialize)]
pub struct VerifyReport {
    /// What was compared.
    pub mode: VerifyMode,
    /// True when every binding agreed within `tolerance`.
    pub equivalent: bool,
    /// Number of bindings tried.
    pub samples: usize,
    /// The largest difference seen: |Δ⟨Z⟩| (score) or max‖U_b e_k − e^{iφ} U_a e_k‖ (unitary).
    pub worst_difference: f64,
    /// The tolerance applied.
    pub tolerance: f64,
    /// The binding with the largest difference, as (input, value) pairs.
    pub worst_binding: Vec<(String, f64)>,
}

/// Compares `a` and `b` on `samples` bindings drawn uniformly from [−π, π] with `seed`.
pub fn verify(
    a: &Circuit,
    b: &Circuit,
    mode: VerifyMode,
    samples: usize,
    seed: u64,
    tolerance: f64,
) -> Result<VerifyReport, VerifyError> {
    if a.num_qubits() != b.num_qubits() {
        return Err(VerifyError::QubitCount(a.num_qubits(), b.num_qubits()));
    }
    let only = |x: &Circuit, y: &Circuit| -> Vec<String> {
        let names = x.inputs().iter().filter(|n| !y.inputs().contains(n));
        names.cloned().collect()
    };
    let (only_a, only_b) = (only(a, b), only(b, a));
    if !only_a.is_empty() || !only_b.is_empty() {
        return Err(VerifyError::Inputs {
            only_a: only_a.join(", "),
            only_b: only_b.join(", "),
        });
    }
    if mode == VerifyMode::Unitary && a.num_qubits() > MAX_UNITARY_QUBITS {
        return Err(VerifyError::TooLarge(a.num_qubits()));
    }
    let inputs = a.inputs();
    let bindings = Bindings::random(inputs.len(), samples, seed).map_err(VerifyError::Bindings)?;
    // b's inputs in a's order.
    let b_order: Vec<usize> = b
        .inputs()
        .iter()
        .map(|n| inputs.iter().position(|m| m == n).expect("same input set"))
        .collect();
    let (mut worst_difference, mut worst_row) = (0.0_f64, 0);
    for row in 0..samples {
        let values = &bindings.values[row * inputs.len()..(row + 1) * inputs.len()];
        let b_values: Vec<f64> = b_order.iter().map(|&k| values[k]).collect();
        let difference = match mode {
            VerifyMode::Score => score_difference(a, values, b, &b_values)?,
            VerifyMode::Unitary => unitary_difference(a, values, b, &b_values)?,
        };
        if difference > worst_difference || difference.is_nan() {
            worst_difference = difference;
            worst_row = row;
        }
    }
    let worst_binding = if samples == 0 {
        Vec::new()
    } else {
        let values = &bindings.values[worst_row * inputs.len()..(worst_row + 1) * inputs.len()];
        inputs.iter().cloned().zip(values.iter().copied()).collect()
    };
    Ok(VerifyReport {
        mode,
        equivalent: worst_difference <= tolerance,
        samples,
        worst_difference,
        tolerance,
        worst_binding,
    })
}

fn score_difference(a: &Circuit, va: &[f64], b: &Circuit, vb: &[f64]) -> Result<f64, SimError> {
    let score = |circuit: &Circuit, values: &[f64]| -> Result<f64, SimError> {
        let program = Program::compile(circuit, Amplitude::Auto)?;
        Ok(program.run(values)?.expectation_z(program.readout_qubit()))
    };
    Ok((score(a, va)? - score(b, vb)?).abs())
}

/// The gate part of `circuit` applied to basis state `k`: X gates prepare |k⟩ first.
fn on_basis_state(circuit: &Circuit, k: usize) -> Circuit {
    let preparation = (0..circuit.num_qubits())
        .filter(|q| k >> q & 1 == 1)
        .map(|q| Instruction::Gate(GateOp::fixed(Gate::X, &[q])));
    let gates = circuit
        .instructions()
        .iter()
        .filter(|i| matches!(i, Instruction::Gate(_)))
        .cloned();
    circuit.with_instructions(preparation.chain(gates).collect())
}

fn unitary_difference(a: &Circuit, va: &[f64], b: &Circuit, vb: &[f64]) -> Result<f64, SimError> {
    let dim = 1usize << a.num_qubits();
    let column =
        |circuit: &Circuit, values: &[f64], k: usize| -> Result<Vec<Complex64>, SimError> {
            let program = Program::compile(&on_basis_state(circuit, k), Amplitude::Complex)?;
            Ok(program.run(values)?.to_complex())
        };
    let mut columns = Vec::with_capacity(dim);
    let mut trace = Complex64::new(0.0, 0.0);
    for k in 0..dim {
        let (ca, cb) = (column(a, va, k)?, column(b, vb, k)?);
        trace += ca
            .iter()
            .zip(&cb)
            .map(|(x, y)| x.conj() * y)
            .sum::<Complex64>();
        columns.push((ca, cb));
    }
    // U_b = e^{iφ} U_a exactly when |tr(U_a† U_b)| = dim; φ = arg tr.
    let phase = if trace.norm() > 0.0 {
        trace / trace.norm()
    } else {
        Complex64::new(1.0, 0.0)
    };
    Ok(columns
        .iter()
        .map(|(ca, cb)| {
            ca.iter()
                .zip(cb)
                .map(|(x, y)| (y - phase * x).norm_sqr())
                .sum::<f64>()
                .sqrt()
        })
        .fold(0.0, f64::max))
}
