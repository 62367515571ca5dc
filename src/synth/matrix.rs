//! 4×4 complex matrices of two-qubit gates, and the eigenvectors of real symmetric 4×4 matrices.
//!
//! Convention: a two-qubit matrix acts on an ordered pair of qubits (first, second) with basis
//! index `2·bit(first) + bit(second)`, so `kron(a, b)` is `a` on the first qubit and `b` on the
//! second.

use crate::ir::Matrix2;
use num_complex::Complex64;

/// A 4×4 complex matrix, row-major.
pub type Matrix4 = [[Complex64; 4]; 4];

const ZERO: Complex64 = Complex64::new(0.0, 0.0);
const ONE: Complex64 = Complex64::new(1.0, 0.0);

/// The 4×4 identity.
pub fn identity4() -> Matrix4 {
    let mut m = [[ZERO; 4]; 4];
    (0..4).for_each(|i| m[i][i] = ONE);
    m
}

/// The 2×2 identity.
pub fn identity2() -> Matrix2 {
    [[ONE, ZERO], [ZERO, ONE]]
}

/// `a·b` (b applied first).
pub fn mul4(a: &Matrix4, b: &Matrix4) -> Matrix4 {
    let mut out = [[ZERO; 4]; 4];
    for (i, row) in out.iter_mut().enumerate() {
        for (j, entry) in row.iter_mut().enumerate() {
            *entry = (0..4).map(|k| a[i][k] * b[k][j]).sum();
        }
    }
    out
}

/// `a·b` of 2×2 matrices (b applied first).
pub fn mul2(a: &Matrix2, b: &Matrix2) -> Matrix2 {
    let mut out = [[ZERO; 2]; 2];
    for (i, row) in out.iter_mut().enumerate() {
        for (j, entry) in row.iter_mut().enumerate() {
            *entry = a[i][0] * b[0][j] + a[i][1] * b[1][j];
        }
    }
    out
}

/// The conjugate transpose.
pub fn adjoint4(a: &Matrix4) -> Matrix4 {
    let mut out = [[ZERO; 4]; 4];
    for (i, row) in a.iter().enumerate() {
        for (j, entry) in row.iter().enumerate() {
            out[j][i] = entry.conj();
        }
    }
    out
}

/// The conjugate transpose of a 2×2 matrix.
pub fn adjoint2(a: &Matrix2) -> Matrix2 {
    [
        [a[0][0].conj(), a[1][0].conj()],
        [a[0][1].conj(), a[1][1].conj()],
    ]
}

/// The transpose.
pub fn transpose4(a: &Matrix4) -> Matrix4 {
    let mut out = [[ZERO; 4]; 4];
    for (i, row) in a.iter().enumerate() {
        for (j, entry) in row.iter().enumerate() {
            out[j][i] = *entry;
        }
    }
    out
}

/// `a ⊗ b`: `a` on the first qubit, `b` on the second.
pub fn kron(a: &Matrix2, b: &Matrix2) -> Matrix4 {
    let mut out = [[ZERO; 4]; 4];
    for i in 0..2 {
        for j in 0..2 {
            for k in 0..2 {
                for l in 0..2 {
                    out[2 * i + k][2 * j + l] = a[i][j] * b[k][l];
                }
            }
        }
    }
    out
}

/// The determinant (cofactor expansion along the first row).
pub fn det4(a: &Matrix4) -> Complex64 {
    let minor = |skip: usize| {
        let cols: Vec<usize> = (0..4).filter(|&c| c != skip).collect();
        let m = |r: usize, c: usize| a[r][cols[c]];
        m(1, 0) * (m(2, 1) * m(3, 2) - m(2, 2) * m(3, 1))
            - m(1, 1) * (m(2, 0) * m(3, 2) - m(2, 2) * m(3, 0))
            + m(1, 2) * (m(2, 0) * m(3, 1) - m(2, 1) * m(3, 0))
    };
    (0..4)
        .map(|c| {
            let sign = if c % 2 == 0 { 1.0 } else { -1.0 };
            a[0][c] * minor(c) * sign
        })
        .sum()
}

/// |tr(a†b)|/4: 1 exactly when `a` and `b` are equal up to a global phase (for unitaries).
pub fn phase_fidelity4(a: &Matrix4, b: &Matrix4) -> f64 {
    let trace: Complex64 = (0..4)
        .flat_map(|i| (0..4).map(move |j| (i, j)))
        .map(|(i, j)| a[i][j].conj() * b[i][j])
        .sum();
    trace.norm() / 4.0
}

/// Largest entrywise distance between `a` and `e^{iφ}·b` for the best φ.
pub fn distance_up_to_phase4(a: &Matrix4, b: &Matrix4) -> f64 {
    let trace: Complex64 = (0..4)
        .flat_map(|i| (0..4).map(move |j| (i, j)))
        .map(|(i, j)| b[i][j].conj() * a[i][j])
        .sum();
    let phase = if trace.norm() > 0.0 {
        trace / trace.norm()
    } else {
        ONE
    };
    (0..4)
        .flat_map(|i| (0..4).map(move |j| (i, j)))
        .map(|(i, j)| (a[i][j] - phase * b[i][j]).norm())
        .fold(0.0, f64::max)
}

/// Eigenvectors of a real symmetric 4×4 matrix by cyclic Jacobi rotations: the columns of the
/// returned orthogonal matrix, in the order the sweeps leave them (deterministic).
pub fn symmetric_eigenvectors(mut a: [[f64; 4]; 4]) -> [[f64; 4]; 4] {
    let mut v = [[0.0; 4]; 4];
    (0..4).for_each(|i| v[i][i] = 1.0);
    let scale = a
        .iter()
        .flatten()
        .map(|x| x * x)
        .sum::<f64>()
        .sqrt()
        .max(1e-300);
    for _ in 0..64 {
        let off: f64 = (0..4)
            .flat_map(|i| (0..4).map(move |j| (i, j)))
            .filter(|(i, j)| i != j)
            .map(|(i, j)| a[i][j] * a[i][j])
            .sum::<f64>()
            .sqrt();
        if off <= 1e-17 * scale {
            break;
        }
        for p in 0..3 {
            for q in p + 1..4 {
                if a[p][q].abs() <= 1e-300 {
                    continue;
                }
                // The rotation that zeroes a[p][q] (Golub & Van Loan, Algorithm 8.4.1).
                let tau = (a[q][q] - a[p][p]) / (2.0 * a[p][q]);
                let t = tau.signum() / (tau.abs() + (1.0 + tau * tau).sqrt());
                let t = if tau == 0.0 { 1.0 } else { t };
                let c = 1.0 / (1.0 + t * t).sqrt();
                let s = t * c;
                for row in a.iter_mut() {
                    let (akp, akq) = (row[p], row[q]);
                    row[p] = c * akp - s * akq;
                    row[q] = s * akp + c * akq;
                }
                let (rp, rq) = (a[p], a[q]);
                for k in 0..4 {
                    a[p][k] = c * rp[k] - s * rq[k];
                    a[q][k] = s * rp[k] + c * rq[k];
                }
                for row in v.iter_mut() {
                    let (vkp, vkq) = (row[p], row[q]);
                    row[p] = c * vkp - s * vkq;
                    row[q] = s * vkp + c * vkq;
                }
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn jacobi_diagonalises_random_and_degenerate_matrices() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut cases = vec![[[0.0; 4]; 4], [[1.0; 4]; 4]];
        for _ in 0..20 {
            let mut a = [[0.0; 4]; 4];
            for (i, j) in (0..4).flat_map(|i| (i..4).map(move |j| (i, j))) {
                let x = rng.random_range(-2.0..2.0);
                a[i][j] = x;
                a[j][i] = x;
            }
            cases.push(a);
        }
        // Degenerate: diag(1, 1, 2, 2) rotated.
        let mut d = [[0.0; 4]; 4];
        d[0][0] = 1.0;
        d[1][1] = 1.0;
        d[2][2] = 2.0;
        d[3][3] = 2.0;
        d[0][2] = 0.5;
        d[2][0] = 0.5;
        cases.push(d);
        for a in cases {
            let v = symmetric_eigenvectors(a);
            // vᵀ a v is diagonal and vᵀ v = I.
            for i in 0..4 {
                for j in 0..4 {
                    let vav: f64 = (0..4)
                        .flat_map(|k| (0..4).map(move |l| (k, l)))
                        .map(|(k, l)| v[k][i] * a[k][l] * v[l][j])
                        .sum();
                    let vv: f64 = (0..4).map(|k| v[k][i] * v[k][j]).sum();
                    if i != j {
                        assert!(vav.abs() < 1e-12, "{a:?}");
                    }
                    assert!((vv - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
                }
            }
        }
    }

    #[test]
    fn determinant_of_kron_is_product_of_squares() {
        let h = crate::ir::Gate::H.matrix(0.0).unwrap();
        let s = crate::ir::Gate::S.matrix(0.0).unwrap();
        // det(A ⊗ B) = det(A)²·det(B)²: (−1)²·i² = −1 and i²·i² = 1.
        let d = det4(&kron(&h, &s));
        assert!((d - Complex64::new(-1.0, 0.0)).norm() < 1e-12, "{d}");
        let d = det4(&kron(&s, &s));
        assert!((d - Complex64::new(1.0, 0.0)).norm() < 1e-12, "{d}");
    }
}
