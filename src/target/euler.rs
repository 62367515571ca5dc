//! Euler angles of a one-qubit unitary: U = e^{iγ}·Rz(α)·Rx(θ)·Rz(β) (the ZXZ form, from the
//! ZYZ form U = e^{iγ}·Rz(φ)·Ry(θ)·Rz(λ) with Ry(θ) = Rz(π/2)·Rx(θ)·Rz(−π/2)).

use crate::ir::Matrix2;
use num_complex::Complex64;
use std::f64::consts::FRAC_PI_2;

/// Below this, a matrix entry counts as zero when choosing angles.
const TINY: f64 = 1e-12;

/// `(α, θ, β)` with U ∝ Rz(α)·Rx(θ)·Rz(β), θ in [0, π].
pub fn zxz(u: &Matrix2) -> (f64, f64, f64) {
    // Remove the determinant's phase: V = U/√det U is in SU(2), V = [[a, −b*], [b, a*]].
    let det = u[0][0] * u[1][1] - u[0][1] * u[1][0];
    let root = det.sqrt();
    let (a, b) = (u[0][0] / root, u[1][0] / root);
    let theta = 2.0 * b.norm().atan2(a.norm());
    // Rz(φ)·Ry(θ)·Rz(λ) = [[e^{−i(φ+λ)/2}c, …], [e^{i(φ−λ)/2}s, …]].
    let sum = if a.norm() > TINY { -2.0 * a.arg() } else { 0.0 };
    let difference = if b.norm() > TINY { 2.0 * b.arg() } else { 0.0 };
    let (phi, lambda) = ((sum + difference) / 2.0, (sum - difference) / 2.0);
    (phi + FRAC_PI_2, theta, lambda - FRAC_PI_2)
}

/// The product `a·b` (b applied first).
pub fn multiply(a: &Matrix2, b: &Matrix2) -> Matrix2 {
    let mut out = [[Complex64::new(0.0, 0.0); 2]; 2];
    for (i, row) in out.iter_mut().enumerate() {
        for (j, entry) in row.iter_mut().enumerate() {
            *entry = a[i][0] * b[0][j] + a[i][1] * b[1][j];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Gate;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// |tr(A†B)| = 2 when A and B are equal up to a global phase.
    fn same_up_to_phase(a: &Matrix2, b: &Matrix2) -> bool {
        let mut trace = Complex64::new(0.0, 0.0);
        for i in 0..2 {
            for j in 0..2 {
                trace += a[i][j].conj() * b[i][j];
            }
        }
        (trace.norm() - 2.0).abs() < 1e-10
    }

    #[test]
    fn zxz_angles_rebuild_random_and_special_unitaries() {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let m = |g: Gate, t: f64| g.matrix(t).unwrap();
        let mut cases: Vec<Matrix2> = [Gate::H, Gate::X, Gate::Y, Gate::Z, Gate::S, Gate::Sx]
            .iter()
            .map(|&g| m(g, 0.0))
            .collect();
        cases.push(m(Gate::Rz, 0.0));
        for _ in 0..50 {
            let u = multiply(
                &m(Gate::Rz, rng.random_range(-4.0..4.0)),
                &multiply(
                    &m(Gate::Ry, rng.random_range(-4.0..4.0)),
                    &m(Gate::Rz, rng.random_range(-4.0..4.0)),
                ),
            );
            cases.push(multiply(&u, &m(Gate::P, rng.random_range(-4.0..4.0))));
        }
        for u in cases {
            let (alpha, theta, beta) = zxz(&u);
            let rebuilt = multiply(
                &m(Gate::Rz, alpha),
                &multiply(&m(Gate::Rx, theta), &m(Gate::Rz, beta)),
            );
            assert!(same_up_to_phase(&u, &rebuilt), "{u:?}");
        }
    }
}
