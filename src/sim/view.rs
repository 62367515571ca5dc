//! Read-only access to a state's amplitudes whatever their storage (real or complex `f64`
//! [`State`], split `f64`/`f32` [`SplitState`]), and the readouts computed through it:
//! marginal distributions and deterministic parallel sums.

use super::SimError;
use super::split::SplitState;
use super::state::{Amplitudes, State};
use num_traits::Float;
use rand::Rng;
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rayon::prelude::*;
use std::ops::Range;

/// Amplitudes indexed by basis state (bit k of the index is qubit k).
pub trait StateView: Sync {
    /// Number of amplitudes (2^qubits).
    fn len(&self) -> usize;
    /// Amplitude `index` as (real, imaginary), widened to `f64`.
    fn amplitude(&self, index: usize) -> (f64, f64);
    /// True for a state without amplitudes (never for a simulated one).
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl StateView for State {
    fn len(&self) -> usize {
        1 << self.num_qubits()
    }

    #[inline]
    fn amplitude(&self, index: usize) -> (f64, f64) {
        match self.amplitudes() {
            Amplitudes::Real(a) => (a[index], 0.0),
            Amplitudes::Complex(a) => (a[index].re, a[index].im),
        }
    }
}

impl<T: Float + Send + Sync> StateView for SplitState<T> {
    fn len(&self) -> usize {
        self.re.len()
    }

    #[inline]
    fn amplitude(&self, index: usize) -> (f64, f64) {
        (
            self.re[index].to_f64().unwrap_or(f64::NAN),
            self.im[index].to_f64().unwrap_or(f64::NAN),
        )
    }
}

/// Amplitudes per chunk of a parallel sum: chunks are fixed, so sums do not depend on the
/// number of threads.
const CHUNK: usize = 1 << 14;

/// Σ over `0..len` of the `N` sums that `f` returns for each chunk of indices, chunk by chunk in
/// parallel, then added in chunk order (reproducible to the bit).
pub(crate) fn chunked_sum<const N: usize>(
    len: usize,
    f: impl Fn(Range<usize>) -> [f64; N] + Sync,
) -> [f64; N] {
    let parts: Vec<[f64; N]> = (0..len.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| f(c * CHUNK..((c + 1) * CHUNK).min(len)))
        .collect();
    parts.iter().fold([0.0; N], |mut acc, part| {
        acc.iter_mut().zip(part).for_each(|(a, b)| *a += b);
        acc
    })
}

/// The distribution of `qubits` (outcome bit j is `qubits[j]`; a qubit may appear twice),
/// summed over the other qubits.
pub fn marginal(state: &(impl StateView + ?Sized), qubits: &[usize]) -> Vec<f64> {
    let outcomes = 1usize << qubits.len();
    let outcome_of = |i: usize| {
        qubits
            .iter()
            .enumerate()
            .map(|(j, &q)| ((i >> q) & 1) << j)
            .sum::<usize>()
    };
    if outcomes > CHUNK / 16 {
        // Many outcomes: one pass, one table (a table per chunk would cost more than the sum).
        let mut out = vec![0.0; outcomes];
        for i in 0..state.len() {
            let (re, im) = state.amplitude(i);
            out[outcome_of(i)] += re * re + im * im;
        }
        return out;
    }
    let parts: Vec<Vec<f64>> = (0..state.len().div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut out = vec![0.0; outcomes];
            for i in c * CHUNK..((c + 1) * CHUNK).min(state.len()) {
                let (re, im) = state.amplitude(i);
                out[outcome_of(i)] += re * re + im * im;
            }
            out
        })
        .collect();
    let mut out = vec![0.0; outcomes];
    for part in &parts {
        out.iter_mut().zip(part).for_each(|(a, b)| *a += b);
    }
    out
}

/// Counts of `shots` draws from `distribution` with `rng` (the same draws as
/// [`State::sample_counts`] makes from the same distribution).
pub fn sample_counts(
    distribution: &[f64],
    shots: u64,
    rng: &mut impl Rng,
) -> Result<Vec<u64>, SimError> {
    let mut counts = vec![0u64; distribution.len()];
    if shots == 0 {
        return Ok(counts);
    }
    let sampler =
        WeightedIndex::new(distribution).map_err(|e| SimError::Sampling(e.to_string()))?;
    for _ in 0..shots {
        counts[sampler.sample(rng)] += 1;
    }
    Ok(counts)
}
