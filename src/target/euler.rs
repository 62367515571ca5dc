//! Euler angles of a one-qubit unitary: U = e^{iγ}·Rz(α)·Rx(θ)·Rz(β) (the ZXZ form, from the
//! ZYZ form U = e^{iγ}·Rz(φ)·Ry(θ)·Rz(λ) with Ry(θ) = Rz(π/2)·Rx(θ)·Rz(−π/2)).

use crate::ir::Matrix2;
use num_complex::Complex64;

/// `(α, θ, β)` with U ∝ Rz(α)·Rx(θ)·Rz(β), θ in [0, π]: the one-qubit synthesis's own ZXZ
/// angles, so that translation and resynthesis write the same rotations.
pub use crate::synth::one_qubit::zxz;

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
