//! One-qubit unitaries as Euler angles and as short gate sequences.

use crate::ir::{Angle, Gate, GateOp, Matrix2};
use std::f64::consts::{FRAC_PI_2, PI};

/// Below this, a matrix entry counts as zero when choosing angles.
const TINY: f64 = 1e-12;

/// Angles within this of a special value (0, ±π/2, π modulo 2π) count as equal to it.
pub const ANGLE_EPS: f64 = 1e-10;

/// `(φ, θ, λ)` with U ∝ Rz(φ)·Ry(θ)·Rz(λ), θ in [0, π].
pub fn zyz(u: &Matrix2) -> (f64, f64, f64) {
    // V = U/√det U is in SU(2): V = [[a, −b*], [b, a*]] = Rz(φ)·Ry(θ)·Rz(λ) with
    // a = e^{−i(φ+λ)/2}·cos(θ/2), b = e^{i(φ−λ)/2}·sin(θ/2).
    let det = u[0][0] * u[1][1] - u[0][1] * u[1][0];
    let root = det.sqrt();
    let (a, b) = (u[0][0] / root, u[1][0] / root);
    let theta = 2.0 * b.norm().atan2(a.norm());
    let sum = if a.norm() > TINY { -2.0 * a.arg() } else { 0.0 };
    let difference = if b.norm() > TINY { 2.0 * b.arg() } else { 0.0 };
    ((sum + difference) / 2.0, theta, (sum - difference) / 2.0)
}

/// `(α, θ, β)` with U ∝ Rz(α)·Rx(θ)·Rz(β), θ in [0, π] (Ry(θ) = Rz(π/2)·Rx(θ)·Rz(−π/2)).
pub fn zxz(u: &Matrix2) -> (f64, f64, f64) {
    let (phi, theta, lambda) = zyz(u);
    (phi + FRAC_PI_2, theta, lambda - FRAC_PI_2)
}

/// `x` wrapped into [−π, π).
pub fn wrap(x: f64) -> f64 {
    (x + PI).rem_euclid(2.0 * PI) - PI
}

/// Whether `x` is 0 modulo 2π.
fn is_zero(x: f64) -> bool {
    wrap(x).abs() < ANGLE_EPS
}

fn rz(theta: f64, q: usize) -> GateOp {
    GateOp::rotation(Gate::Rz, Angle::constant(wrap(theta)), q)
}

/// U (up to a global phase) as at most three gates `rz(λ), ry(θ), rz(φ)` in time order;
/// identity rotations are left out (none at all for the identity).
pub fn zyz_gates(u: &Matrix2, q: usize) -> Vec<GateOp> {
    let (phi, theta, lambda) = zyz(u);
    if is_zero(theta) {
        return [phi + lambda]
            .into_iter()
            .filter(|&z| !is_zero(z))
            .map(|z| rz(z, q))
            .collect();
    }
    let mut gates = Vec::with_capacity(3);
    if !is_zero(lambda) {
        gates.push(rz(lambda, q));
    }
    gates.push(GateOp::rotation(Gate::Ry, Angle::constant(theta), q));
    if !is_zero(phi) {
        gates.push(rz(phi, q));
    }
    gates
}

/// U (up to a global phase) in IBM's {rz, sx, x}, shortest first: nothing, one `rz`;
/// `rz·sx·rz` when U is a quarter turn about an axis in the XY plane; `x·rz` for a half turn;
/// `rz·sx·rz·sx·rz` otherwise (time order, identity `rz` left out).
pub fn ibm_gates(u: &Matrix2, q: usize) -> Vec<GateOp> {
    // U ∝ Rz(α)·Rx(θ)·Rz(β); Rx(π/2) ∝ sx, Rx(π) ∝ x, x·Rz(β) ∝ Rz(−β)·x.
    let (alpha, theta, beta) = zxz(u);
    let push_rz = |gates: &mut Vec<GateOp>, z: f64| {
        if !is_zero(z) {
            gates.push(rz(z, q));
        }
    };
    let mut gates = Vec::with_capacity(5);
    if is_zero(theta) {
        push_rz(&mut gates, alpha + beta);
    } else if (theta - FRAC_PI_2).abs() < ANGLE_EPS {
        push_rz(&mut gates, beta);
        gates.push(GateOp::fixed(Gate::Sx, &[q]));
        push_rz(&mut gates, alpha);
    } else if (theta - PI).abs() < ANGLE_EPS {
        gates.push(GateOp::fixed(Gate::X, &[q]));
        push_rz(&mut gates, alpha - beta);
    } else {
        // Rz(α)·Rx(θ)·Rz(β) ∝ Rz(α + π/2)·sx·Rz(θ + π)·sx·Rz(β + π/2).
        push_rz(&mut gates, beta + FRAC_PI_2);
        gates.push(GateOp::fixed(Gate::Sx, &[q]));
        push_rz(&mut gates, theta + PI);
        gates.push(GateOp::fixed(Gate::Sx, &[q]));
        push_rz(&mut gates, alpha + FRAC_PI_2);
    }
    gates
}

#[cfg(test)]
mod tests {
    use super::super::matrix::mul2;
    use super::*;
    use num_complex::Complex64;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn product(gates: &[GateOp]) -> Matrix2 {
        gates.iter().fold(Gate::Rz.matrix(0.0).unwrap(), |m, g| {
            let theta = g.angle.as_ref().map_or(0.0, Angle::constant_part);
            mul2(&g.gate.matrix(theta).unwrap(), &m)
        })
    }

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

    fn cases() -> Vec<Matrix2> {
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let m = |g: Gate, t: f64| g.matrix(t).unwrap();
        let mut cases: Vec<Matrix2> = [Gate::H, Gate::X, Gate::Y, Gate::Z, Gate::S, Gate::Sx]
            .iter()
            .map(|&g| m(g, 0.0))
            .collect();
        cases.extend([m(Gate::Rz, 0.0), m(Gate::Rx, -FRAC_PI_2), m(Gate::Ry, PI)]);
        for _ in 0..50 {
            let u = mul2(
                &m(Gate::Rz, rng.random_range(-4.0..4.0)),
                &mul2(
                    &m(Gate::Ry, rng.random_range(-4.0..4.0)),
                    &m(Gate::Rz, rng.random_range(-4.0..4.0)),
                ),
            );
            cases.push(mul2(&u, &m(Gate::P, rng.random_range(-4.0..4.0))));
        }
        cases
    }

    #[test]
    fn euler_sequences_rebuild_random_and_special_unitaries() {
        for u in cases() {
            let zyz = zyz_gates(&u, 0);
            assert!(
                zyz.len() <= 3 && same_up_to_phase(&u, &product(&zyz)),
                "{u:?}"
            );
            let ibm = ibm_gates(&u, 0);
            assert!(
                ibm.len() <= 5 && same_up_to_phase(&u, &product(&ibm)),
                "{u:?}"
            );
            assert!(
                ibm.iter()
                    .all(|g| matches!(g.gate, Gate::Rz | Gate::Sx | Gate::X))
            );
        }
    }

    #[test]
    fn special_unitaries_get_their_shortest_forms() {
        let m = |g: Gate| g.matrix(0.0).unwrap();
        assert_eq!(ibm_gates(&m(Gate::H), 0).len(), 3, "rz·sx·rz");
        assert_eq!(ibm_gates(&m(Gate::X), 0).len(), 1);
        assert_eq!(ibm_gates(&m(Gate::Y), 0).len(), 2, "x·rz");
        assert_eq!(ibm_gates(&m(Gate::Sx), 0).len(), 1);
        assert_eq!(ibm_gates(&m(Gate::T), 0).len(), 1);
        assert!(ibm_gates(&Gate::Rz.matrix(2.0 * PI).unwrap(), 0).is_empty());
        assert_eq!(zyz_gates(&m(Gate::S), 0).len(), 1);
        assert_eq!(zyz_gates(&m(Gate::H), 0).len(), 2, "ry(π/2)·rz(π)");
    }
}
