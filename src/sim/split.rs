//! States with split storage (real parts and imaginary parts in two arrays, `f64` or `f32`) and
//! the gate kernels on them. Split storage lets the compiler vectorise a gate over a run of
//! amplitudes: every gate is a loop over contiguous slices of equal length.

use super::fusion::Kind;
use num_traits::Float;

/// An n-qubit pure state, amplitude i = `re[i]` + i·`im[i]` (bit k of i is qubit k).
#[derive(Clone, Debug, PartialEq)]
pub struct SplitState<T> {
    /// Real parts.
    pub re: Vec<T>,
    /// Imaginary parts.
    pub im: Vec<T>,
}

impl<T: Float> SplitState<T> {
    /// |0…0⟩ on `num_qubits` qubits.
    pub fn zero(num_qubits: usize) -> SplitState<T> {
        let mut re = vec![T::zero(); 1 << num_qubits];
        re[0] = T::one();
        SplitState {
            re,
            im: vec![T::zero(); 1 << num_qubits],
        }
    }

    /// Number of qubits.
    pub fn num_qubits(&self) -> usize {
        self.re.len().trailing_zeros() as usize
    }
}

/// A gate placed on the qubits of a block of amplitudes (positions are bits of the index).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct LocalGate<T> {
    /// The target's bit position.
    pub(crate) target: usize,
    /// Control and target positions, ascending.
    pub(crate) sorted: Vec<usize>,
    /// The index bits the controls require.
    pub(crate) control_value: usize,
    /// The arithmetic.
    pub(crate) kind: Kind<T>,
}

/// Applies `gates` in order to the amplitudes `re`, `im` (equal lengths, a power of two).
pub(crate) fn apply_gates<T: Float>(re: &mut [T], im: &mut [T], gates: &[LocalGate<T>]) {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            unsafe { apply_gates_avx2(re, im, gates) };
            return;
        }
    }
    apply_gates_portable(re, im, gates);
}

/// [`apply_gates`] compiled for AVX2 (the same code; wider vectors).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn apply_gates_avx2<T: Float>(re: &mut [T], im: &mut [T], gates: &[LocalGate<T>]) {
    apply_gates_portable(re, im, gates);
}

#[inline(always)]
fn apply_gates_portable<T: Float>(re: &mut [T], im: &mut [T], gates: &[LocalGate<T>]) {
    for gate in gates {
        apply_gate(re, im, gate);
    }
}

#[inline(always)]
fn apply_gate<T: Float>(re: &mut [T], im: &mut [T], gate: &LocalGate<T>) {
    let len = re.len();
    let lowest = gate.sorted[0];
    let run = 1usize << lowest;
    let half = 1usize << gate.target;
    let groups = len >> gate.sorted.len() >> lowest;
    for group in 0..groups {
        // Insert a zero bit at every control and target position; positions are at or above
        // `lowest`, so the `run` indices from `base` are consecutive.
        let mut base = group << lowest;
        for &bit in &gate.sorted {
            let low = base & ((1 << bit) - 1);
            base = ((base >> bit) << (bit + 1)) | low;
        }
        base |= gate.control_value;
        let (r0, r1) = re[base..].split_at_mut(half);
        let (i0, i1) = im[base..].split_at_mut(half);
        apply_run(
            &mut r0[..run],
            &mut i0[..run],
            &mut r1[..run],
            &mut i1[..run],
            &gate.kind,
        );
    }
}

/// The gate on `run` pairs: (r0 + i·i0)[j] is the |0⟩ amplitude and (r1 + i·i1)[j] the |1⟩
/// amplitude of pair j.
#[inline(always)]
fn apply_run<T: Float>(r0: &mut [T], i0: &mut [T], r1: &mut [T], i1: &mut [T], kind: &Kind<T>) {
    let n = r0.len();
    let (i0, r1, i1) = (&mut i0[..n], &mut r1[..n], &mut i1[..n]);
    match *kind {
        Kind::Exchange => {
            r0.swap_with_slice(r1);
            i0.swap_with_slice(i1);
        }
        Kind::Phase([dr, di]) => {
            for j in 0..n {
                let (u, v) = (r1[j], i1[j]);
                r1[j] = dr * u - di * v;
                i1[j] = dr * v + di * u;
            }
        }
        Kind::Diagonal([ar, ai, dr, di]) => {
            for j in 0..n {
                let (u, v) = (r0[j], i0[j]);
                r0[j] = ar * u - ai * v;
                i0[j] = ar * v + ai * u;
                let (u, v) = (r1[j], i1[j]);
                r1[j] = dr * u - di * v;
                i1[j] = dr * v + di * u;
            }
        }
        Kind::Real([a, b, c, d]) => {
            for j in 0..n {
                let (u0, v0, u1, v1) = (r0[j], i0[j], r1[j], i1[j]);
                r0[j] = a * u0 + b * u1;
                i0[j] = a * v0 + b * v1;
                r1[j] = c * u0 + d * u1;
                i1[j] = c * v0 + d * v1;
            }
        }
        Kind::General([ar, ai, br, bi, cr, ci, dr, di]) => {
            for j in 0..n {
                let (u0, v0, u1, v1) = (r0[j], i0[j], r1[j], i1[j]);
                r0[j] = ar * u0 - ai * v0 + br * u1 - bi * v1;
                i0[j] = ar * v0 + ai * u0 + br * v1 + bi * u1;
                r1[j] = cr * u0 - ci * v0 + dr * u1 - di * v1;
                i1[j] = cr * v0 + ci * u0 + dr * v1 + di * u1;
            }
        }
    }
}
