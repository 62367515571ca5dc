//! Unitary synthesis: constant one- and two-qubit unitaries written as short gate sequences.
//!
//! - [`one_qubit`]: Euler angles (ZYZ, and the ZXZ form of [`one_qubit::zxz`]) and the shortest
//!   `rz`/`ry` or IBM `rz`/`sx`/`x` sequence of a 2×2 unitary;
//! - [`weyl`]: the KAK (Cartan) decomposition of a 4×4 unitary and its Weyl-chamber point;
//! - [`two_qubit`]: any 4×4 unitary in the fewest CNOTs (0–3) that its Weyl point allows, with
//!   one-qubit gates around them.
//!
//! Matrices of gates on an ordered pair of qubits follow [`matrix`]'s convention (the first
//! qubit is the high bit of the basis index). The optimiser's block consolidation
//! ([`crate::opt::run_consolidate_blocks`]) and one-qubit run merging use these.

pub mod matrix;
pub mod one_qubit;
pub mod two_qubit;
pub mod weyl;

use crate::ir::{Gate, GateOp, Matrix2};
use matrix::{Matrix4, identity2, kron};
use num_complex::Complex64;

/// The 2×2 matrix of an uncontrolled one-qubit gate whose angle (if any) is a constant.
pub fn one_qubit_matrix(op: &GateOp) -> Option<Matrix2> {
    if !op.controls.is_empty() || op.targets.len() != 1 {
        return None;
    }
    let theta = match &op.angle {
        Some(angle) if angle.is_constant() => angle.constant_part(),
        Some(_) => return None,
        None => 0.0,
    };
    op.gate.matrix(theta)
}

/// The 4×4 matrix of a gate on at most the qubits `(first, second)` with constant angles (a
/// one-qubit gate on either, a singly controlled one-qubit gate, or `swap`); `None` otherwise.
pub fn pair_matrix(op: &GateOp, (first, second): (usize, usize)) -> Option<Matrix4> {
    let z = Complex64::new(0.0, 0.0);
    let one = Complex64::new(1.0, 0.0);
    match (op.controls.as_slice(), op.targets.as_slice(), op.gate) {
        ([], [t], _) => {
            let m = one_qubit_matrix(op)?;
            if *t == first {
                Some(kron(&m, &identity2()))
            } else if *t == second {
                Some(kron(&identity2(), &m))
            } else {
                None
            }
        }
        ([], [x, y], Gate::Swap) if (*x, *y) == (first, second) || (*y, *x) == (first, second) => {
            let mut m = [[z; 4]; 4];
            m[0][0] = one;
            m[1][2] = one;
            m[2][1] = one;
            m[3][3] = one;
            Some(m)
        }
        ([control], [t], _) => {
            let base = GateOp {
                controls: Vec::new(),
                ..op.clone()
            };
            let u = one_qubit_matrix(&base)?;
            let active = usize::from(control.on_one);
            // Basis index 2·bit(first) + bit(second).
            let index = |c: usize, tb: usize| {
                if control.qubit == first && *t == second {
                    Some(2 * c + tb)
                } else if control.qubit == second && *t == first {
                    Some(2 * tb + c)
                } else {
                    None
                }
            };
            let mut m = [[z; 4]; 4];
            for c in 0..2 {
                for (i, row) in u.iter().enumerate() {
                    for (j, entry) in row.iter().enumerate() {
                        let value = if c == active {
                            *entry
                        } else if i == j {
                            one
                        } else {
                            z
                        };
                        m[index(c, i)?][index(c, j)?] = value;
                    }
                }
            }
            Some(m)
        }
        _ => None,
    }
}

/// A Haar-random 4×4 unitary (QR of a complex Gaussian matrix with the phases of R's diagonal
/// removed, Mezzadri 2007), for tests.
#[cfg(test)]
pub(crate) fn random_unitary4(rng: &mut impl rand::Rng) -> Matrix4 {
    let gaussian = |rng: &mut dyn rand::RngCore| {
        // Box–Muller.
        let (u1, u2): (f64, f64) = (
            rand::Rng::random_range(rng, 1e-12..1.0),
            rand::Rng::random(rng),
        );
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    };
    let mut columns: Vec<[Complex64; 4]> = (0..4)
        .map(|_| std::array::from_fn(|_| Complex64::new(gaussian(rng), gaussian(rng))))
        .collect();
    // Gram–Schmidt on the columns is the Q of a QR with a positive real R diagonal.
    for k in 0..4 {
        for j in 0..k {
            let dot: Complex64 = (0..4).map(|i| columns[j][i].conj() * columns[k][i]).sum();
            let previous = columns[j];
            for (x, v) in columns[k].iter_mut().zip(previous) {
                *x -= dot * v;
            }
        }
        let norm = columns[k].iter().map(|x| x.norm_sqr()).sum::<f64>().sqrt();
        columns[k].iter_mut().for_each(|x| *x /= norm);
    }
    std::array::from_fn(|i| std::array::from_fn(|j| columns[j][i]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Angle, Control};

    #[test]
    fn pair_matrices_follow_the_high_bit_convention() {
        // cx with control `first`: |10⟩ ↔ |11⟩ (indices 2 and 3).
        let cx = pair_matrix(&GateOp::cx(4, 7), (4, 7)).unwrap();
        assert_eq!(cx[3][2], Complex64::new(1.0, 0.0));
        assert_eq!(cx[1][1], Complex64::new(1.0, 0.0));
        // Control `second`: |01⟩ ↔ |11⟩ (indices 1 and 3).
        let reversed = pair_matrix(&GateOp::cx(7, 4), (4, 7)).unwrap();
        assert_eq!(reversed[3][1], Complex64::new(1.0, 0.0));
        assert_eq!(reversed[2][2], Complex64::new(1.0, 0.0));
        // negctrl: acts when the control is |0⟩.
        let neg = GateOp::fixed(Gate::X, &[7]).controlled_by(Control::on_zero(4));
        assert_eq!(
            pair_matrix(&neg, (4, 7)).unwrap()[1][0],
            Complex64::new(1.0, 0.0)
        );
        let symbolic = GateOp::rotation(Gate::Rz, Angle::input("a"), 4);
        assert!(pair_matrix(&symbolic, (4, 7)).is_none());
        assert!(pair_matrix(&GateOp::cx(4, 5), (4, 7)).is_none());
    }
}
