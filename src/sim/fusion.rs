//! Gate fusion for the large-state engine: a circuit's gates, with angles bound, become 2×2
//! matrices on one target with any controls; every run of uncontrolled one-qubit gates on the
//! same qubit (with nothing on that qubit in between) is multiplied into one matrix, and
//! each matrix is classified (exchange, diagonal, real, general) so that the kernel does only
//! the arithmetic it needs.
//!
//! Fusing larger blocks (k-qubit dense matrices) was not needed: the engine applies runs of
//! gates to cache-sized blocks of the state (see [`super::parallel`]), so memory passes are
//! already shared between gates, and a dense k-qubit matrix costs 2^k complex products per
//! amplitude where the gates it replaces cost a few each.

use crate::ir::{Control, Gate, GateOp, Matrix2};
use num_complex::Complex64;
use num_traits::Float;

/// A 2×2 gate on `target`, acting where every control holds its value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct FusedGate {
    /// The target qubit.
    pub(crate) target: usize,
    /// The controls.
    pub(crate) controls: Vec<Control>,
    /// The matrix, row-major.
    pub(crate) matrix: Matrix2,
}

/// `a · b`.
fn multiply(a: &Matrix2, b: &Matrix2) -> Matrix2 {
    let mut out = [[Complex64::new(0.0, 0.0); 2]; 2];
    for (i, row) in out.iter_mut().enumerate() {
        for (j, entry) in row.iter_mut().enumerate() {
            *entry = a[i][0] * b[0][j] + a[i][1] * b[1][j];
        }
    }
    out
}

/// The gates of a circuit with their angles as values: `(gate op, angle)`, in time order.
/// Swaps become three controlled X gates; with `fuse`, runs of uncontrolled one-qubit gates on
/// a qubit become one gate.
pub(crate) fn fuse_gates<'a>(
    num_qubits: usize,
    gates: impl IntoIterator<Item = (&'a GateOp, f64)>,
    fuse: bool,
) -> Vec<FusedGate> {
    let mut out = Vec::new();
    let mut pending: Vec<Option<Matrix2>> = vec![None; num_qubits];
    let flush = |q: usize, pending: &mut Vec<Option<Matrix2>>, out: &mut Vec<FusedGate>| {
        if let Some(matrix) = pending[q].take() {
            out.push(FusedGate {
                target: q,
                controls: Vec::new(),
                matrix,
            });
        }
    };
    for (op, angle) in gates {
        if op.gate == Gate::Swap {
            op.qubits().for_each(|q| flush(q, &mut pending, &mut out));
            let (a, b) = (op.targets[0], op.targets[1]);
            let x = Gate::X.matrix(0.0).expect("X has a matrix");
            for (control, target) in [(a, b), (b, a), (a, b)] {
                let mut controls = op.controls.clone();
                controls.push(Control::on(control));
                out.push(FusedGate {
                    target,
                    controls,
                    matrix: x,
                });
            }
            continue;
        }
        let matrix = op
            .gate
            .matrix(angle)
            .expect("one-qubit gates have a matrix");
        let target = op.targets[0];
        if fuse && op.controls.is_empty() {
            pending[target] = Some(match &pending[target] {
                Some(before) => multiply(&matrix, before),
                None => matrix,
            });
            continue;
        }
        op.qubits().for_each(|q| flush(q, &mut pending, &mut out));
        out.push(FusedGate {
            target,
            controls: op.controls.clone(),
            matrix,
        });
    }
    (0..num_qubits).for_each(|q| flush(q, &mut pending, &mut out));
    out
}

/// What a gate's kernel computes, in the state's precision.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Kind<T> {
    /// Exchange of the pair (X).
    Exchange,
    /// diag(1, d1): only the |1⟩ amplitude changes (Z, S, T, P, cz, cp).
    Phase([T; 2]),
    /// diag(d0, d1) (Rz).
    Diagonal([T; 4]),
    /// A real matrix (H, Ry): m00, m01, m10, m11.
    Real([T; 4]),
    /// A complex matrix: (re, im) of m00, m01, m10, m11.
    General([T; 8]),
}

impl<T: Float> Kind<T> {
    /// The cheapest kernel for `m`, with entries rounded to `T`.
    pub(crate) fn of(m: &Matrix2) -> Kind<T> {
        let t = |x: f64| T::from(x).expect("finite matrix entries convert");
        let zero = Complex64::new(0.0, 0.0);
        let one = Complex64::new(1.0, 0.0);
        if m[0][0] == zero && m[1][1] == zero && m[0][1] == one && m[1][0] == one {
            return Kind::Exchange;
        }
        if m[0][1] == zero && m[1][0] == zero {
            return if m[0][0] == one {
                Kind::Phase([t(m[1][1].re), t(m[1][1].im)])
            } else {
                Kind::Diagonal([t(m[0][0].re), t(m[0][0].im), t(m[1][1].re), t(m[1][1].im)])
            };
        }
        let entries = [m[0][0], m[0][1], m[1][0], m[1][1]];
        if entries.iter().all(|z| z.im == 0.0) {
            return Kind::Real(entries.map(|z| t(z.re)));
        }
        let mut general = [T::zero(); 8];
        for (k, z) in entries.iter().enumerate() {
            general[2 * k] = t(z.re);
            general[2 * k + 1] = t(z.im);
        }
        Kind::General(general)
    }
}
