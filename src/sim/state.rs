//! Simulated states and what is read from them: probabilities, ⟨Z_k⟩, marginals, shot samples.

use super::SimError;
use super::view::sample_counts;
use num_complex::Complex64;
use rand::Rng;

/// The amplitudes of a state: real when every gate of the circuit is real, else complex.
#[derive(Clone, Debug, PartialEq)]
pub enum Amplitudes {
    /// Real amplitudes (the fast path for Ry/CNOT/H/X/Z/swap circuits).
    Real(Vec<f64>),
    /// Complex amplitudes.
    Complex(Vec<Complex64>),
}

/// An n-qubit pure state; basis index bit k is qubit k.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    num_qubits: usize,
    amplitudes: Amplitudes,
}

impl State {
    /// |0…0⟩ on `num_qubits` qubits, stored as real or complex amplitudes.
    pub fn zero(num_qubits: usize, real: bool) -> State {
        let len = 1usize << num_qubits;
        let amplitudes = if real {
            let mut a = vec![0.0; len];
            a[0] = 1.0;
            Amplitudes::Real(a)
        } else {
            let mut a = vec![Complex64::new(0.0, 0.0); len];
            a[0] = Complex64::new(1.0, 0.0);
            Amplitudes::Complex(a)
        };
        State {
            num_qubits,
            amplitudes,
        }
    }

    /// Sets the state back to |0…0⟩ without reallocating.
    pub(crate) fn reset(&mut self) {
        match &mut self.amplitudes {
            Amplitudes::Real(a) => {
                a.fill(0.0);
                a[0] = 1.0;
            }
            Amplitudes::Complex(a) => {
                a.fill(Complex64::new(0.0, 0.0));
                a[0] = Complex64::new(1.0, 0.0);
            }
        }
    }

    /// Number of qubits.
    pub fn num_qubits(&self) -> usize {
        self.num_qubits
    }

    /// The stored amplitudes.
    pub fn amplitudes(&self) -> &Amplitudes {
        &self.amplitudes
    }

    pub(crate) fn amplitudes_mut(&mut self) -> &mut Amplitudes {
        &mut self.amplitudes
    }

    /// The amplitudes as complex numbers.
    pub fn to_complex(&self) -> Vec<Complex64> {
        match &self.amplitudes {
            Amplitudes::Real(a) => a.iter().map(|&x| Complex64::new(x, 0.0)).collect(),
            Amplitudes::Complex(a) => a.clone(),
        }
    }

    /// |amplitude|² of every basis state.
    pub fn probabilities(&self) -> Vec<f64> {
        match &self.amplitudes {
            Amplitudes::Real(a) => a.iter().map(|x| x * x).collect(),
            Amplitudes::Complex(a) => a.iter().map(|x| x.norm_sqr()).collect(),
        }
    }

    /// The distribution of `qubits` (outcome bit j is `qubits[j]`), summed over the others.
    pub fn marginal(&self, qubits: &[usize]) -> Vec<f64> {
        let mut out = vec![0.0; 1 << qubits.len()];
        let mut add = |index: usize, p: f64| {
            let outcome = qubits
                .iter()
                .enumerate()
                .map(|(j, &q)| ((index >> q) & 1) << j)
                .sum::<usize>();
            out[outcome] += p;
        };
        match &self.amplitudes {
            Amplitudes::Real(a) => a.iter().enumerate().for_each(|(i, x)| add(i, x * x)),
            Amplitudes::Complex(a) => a.iter().enumerate().for_each(|(i, x)| add(i, x.norm_sqr())),
        }
        out
    }

    /// ⟨Z⟩ of `qubit`: P(0) − P(1).
    pub fn expectation_z(&self, qubit: usize) -> f64 {
        let bit = 1usize << qubit;
        let sign = |i: usize| if i & bit == 0 { 1.0 } else { -1.0 };
        match &self.amplitudes {
            Amplitudes::Real(a) => a.iter().enumerate().map(|(i, x)| sign(i) * x * x).sum(),
            Amplitudes::Complex(a) => a
                .iter()
                .enumerate()
                .map(|(i, x)| sign(i) * x.norm_sqr())
                .sum(),
        }
    }

    /// Counts of `shots` measurements of `qubits` (outcome bit j is `qubits[j]`), drawn from the
    /// exact marginal with `rng`.
    pub fn sample_counts(
        &self,
        qubits: &[usize],
        shots: u64,
        rng: &mut impl Rng,
    ) -> Result<Vec<u64>, SimError> {
        sample_counts(&self.marginal(qubits), shots, rng)
    }
}
