//! Gate kernels on amplitude slices, generic over the amplitude type (`Complex64` for the
//! general simulator, `f64`/`f32` for real-amplitude circuits).
//!
//! A gate with controls touches only the basis states whose control bits hold the control
//! values. [`Placement`] enumerates exactly those: the `j`-th affected group is `j` with a zero
//! bit inserted at every control and target position, OR-ed with the control values.

use crate::ir::{Control, GateOp};
use std::ops::{Add, Mul};

/// What a kernel needs of an amplitude: a copyable ring element (`f32`, `f64`, `Complex64`).
pub(crate) trait Amplitude:
    Copy + Add<Output = Self> + Mul<Output = Self> + Send + Sync
{
}

impl<T: Copy + Add<Output = T> + Mul<Output = T> + Send + Sync> Amplitude for T {}

/// Where a gate acts: its control and target bits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Placement {
    /// Control and target positions, ascending.
    sorted: Vec<usize>,
    /// The index bits the controls require (targets' bits are zero).
    control_value: usize,
    /// Bit of the first target.
    pub(crate) target: usize,
    /// Bit of the second target (`swap`), else 0.
    pub(crate) second: usize,
}

impl Placement {
    /// The placement of `op`'s controls and targets.
    pub(crate) fn of(op: &GateOp) -> Placement {
        Self::new(&op.controls, &op.targets)
    }

    /// The placement of a gate with `controls` on `targets` (one or two).
    pub(crate) fn new(controls: &[Control], targets: &[usize]) -> Placement {
        let mut sorted: Vec<usize> = controls
            .iter()
            .map(|c| c.qubit)
            .chain(targets.iter().copied())
            .collect();
        sorted.sort_unstable();
        let control_value = controls
            .iter()
            .filter(|c| c.on_one)
            .map(|c| 1usize << c.qubit)
            .sum();
        Placement {
            sorted,
            control_value,
            target: 1 << targets[0],
            second: targets.get(1).map_or(0, |&q| 1 << q),
        }
    }

    /// Every qubit the gate touches (controls and targets), ascending.
    pub(crate) fn qubits(&self) -> &[usize] {
        &self.sorted
    }

    /// The base index (target bits zero) of every affected group in a state of `len` amplitudes.
    #[inline]
    pub(crate) fn bases(&self, len: usize) -> impl Iterator<Item = usize> + '_ {
        (0..len >> self.sorted.len()).map(move |mut i| {
            for &bit in &self.sorted {
                let low = i & ((1 << bit) - 1);
                i = ((i >> bit) << (bit + 1)) | low;
            }
            i | self.control_value
        })
    }
}

/// Applies the 2×2 matrix `m` (row-major) on the target.
#[inline]
pub(crate) fn apply_matrix<A: Amplitude>(state: &mut [A], place: &Placement, m: [[A; 2]; 2]) {
    for i0 in place.bases(state.len()) {
        let i1 = i0 | place.target;
        let (a0, a1) = (state[i0], state[i1]);
        state[i0] = m[0][0] * a0 + m[0][1] * a1;
        state[i1] = m[1][0] * a0 + m[1][1] * a1;
    }
}

/// Applies diag(d0, d1) on the target.
#[inline]
pub(crate) fn apply_diagonal<A: Amplitude>(state: &mut [A], place: &Placement, d0: A, d1: A) {
    for i0 in place.bases(state.len()) {
        let i1 = i0 | place.target;
        state[i0] = d0 * state[i0];
        state[i1] = d1 * state[i1];
    }
}

/// Applies X on the target (exchanges amplitudes).
#[inline]
pub(crate) fn apply_x<A: Amplitude>(state: &mut [A], place: &Placement) {
    for i0 in place.bases(state.len()) {
        state.swap(i0, i0 | place.target);
    }
}

/// Exchanges the two targets.
#[inline]
pub(crate) fn apply_swap<A: Amplitude>(state: &mut [A], place: &Placement) {
    for base in place.bases(state.len()) {
        state.swap(base | place.target, base | place.second);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bases_enumerate_exactly_the_controlled_subspace() {
        // Control on qubit 2 (|1>), negative control on qubit 0, target qubit 1, 4 qubits.
        let place = Placement::new(&[Control::on(2), Control::on_zero(0)], &[1]);
        let bases: Vec<usize> = place.bases(16).collect();
        let expected: Vec<usize> = (0..16)
            .filter(|i| i & 0b100 != 0 && i & 0b001 == 0 && i & 0b010 == 0)
            .collect();
        assert_eq!(bases, expected);
    }
}
