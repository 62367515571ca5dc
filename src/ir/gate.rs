//! The base gates of the IR.
//!
//! Every gate is a one-qubit gate or `swap`; two- and three-qubit gates of OpenQASM's standard
//! library (`cx`, `cz`, `cry`, `ccx`, …) are a base gate with controls (see
//! [`GateOp`](super::GateOp)). Every base gate has its inverse in the set, so the `inv @`
//! modifier never needs to be stored.

use num_complex::Complex64;
use std::f64::consts::FRAC_1_SQRT_2;

/// A 2×2 complex matrix, row-major: `m[row][column]`.
pub type Matrix2 = [[Complex64; 2]; 2];

/// A base gate: a one-qubit gate, with or without an angle, or `swap`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Gate {
    /// Hadamard.
    H,
    /// Pauli X.
    X,
    /// Pauli Y.
    Y,
    /// Pauli Z.
    Z,
    /// √Z.
    S,
    /// S†.
    Sdg,
    /// ⁴√Z.
    T,
    /// T†.
    Tdg,
    /// √X.
    Sx,
    /// √X† (written `inv @ sx` in OpenQASM 3).
    Sxdg,
    /// exp(−iθX/2).
    Rx,
    /// exp(−iθY/2).
    Ry,
    /// exp(−iθZ/2).
    Rz,
    /// diag(1, e^{iθ}).
    P,
    /// Exchange of two qubits.
    Swap,
}

impl Gate {
    /// Every base gate, for tests and parsers.
    pub const ALL: [Gate; 15] = [
        Gate::H,
        Gate::X,
        Gate::Y,
        Gate::Z,
        Gate::S,
        Gate::Sdg,
        Gate::T,
        Gate::Tdg,
        Gate::Sx,
        Gate::Sxdg,
        Gate::Rx,
        Gate::Ry,
        Gate::Rz,
        Gate::P,
        Gate::Swap,
    ];

    /// The OpenQASM 3 standard-library name of the uncontrolled gate (`sxdg` has none and is
    /// written `inv @ sx` by the emitter).
    pub fn name(self) -> &'static str {
        match self {
            Gate::H => "h",
            Gate::X => "x",
            Gate::Y => "y",
            Gate::Z => "z",
            Gate::S => "s",
            Gate::Sdg => "sdg",
            Gate::T => "t",
            Gate::Tdg => "tdg",
            Gate::Sx => "sx",
            Gate::Sxdg => "sxdg",
            Gate::Rx => "rx",
            Gate::Ry => "ry",
            Gate::Rz => "rz",
            Gate::P => "p",
            Gate::Swap => "swap",
        }
    }

    /// Number of target qubits (controls not counted).
    pub fn num_targets(self) -> usize {
        match self {
            Gate::Swap => 2,
            _ => 1,
        }
    }

    /// Number of angle parameters.
    pub fn num_params(self) -> usize {
        match self {
            Gate::Rx | Gate::Ry | Gate::Rz | Gate::P => 1,
            _ => 0,
        }
    }

    /// True for the gates whose inverse is the same gate with the angle negated.
    pub fn is_rotation(self) -> bool {
        self.num_params() == 1
    }

    /// The inverse gate; for rotations the caller negates the angle as well.
    pub fn inverse(self) -> Gate {
        match self {
            Gate::S => Gate::Sdg,
            Gate::Sdg => Gate::S,
            Gate::T => Gate::Tdg,
            Gate::Tdg => Gate::T,
            Gate::Sx => Gate::Sxdg,
            Gate::Sxdg => Gate::Sx,
            other => other,
        }
    }

    /// The matrix of a one-qubit gate at angle `theta` (ignored by fixed gates); `None` for
    /// `swap`, which has no 2×2 matrix.
    pub fn matrix(self, theta: f64) -> Option<Matrix2> {
        let c = |re: f64, im: f64| Complex64::new(re, im);
        let zero = c(0.0, 0.0);
        let one = c(1.0, 0.0);
        let (half_cos, half_sin) = ((theta / 2.0).cos(), (theta / 2.0).sin());
        let phase = |angle: f64| Complex64::from_polar(1.0, angle);
        let m = match self {
            Gate::H => {
                let r = c(FRAC_1_SQRT_2, 0.0);
                [[r, r], [r, -r]]
            }
            Gate::X => [[zero, one], [one, zero]],
            Gate::Y => [[zero, c(0.0, -1.0)], [c(0.0, 1.0), zero]],
            Gate::Z => [[one, zero], [zero, -one]],
            Gate::S => [[one, zero], [zero, c(0.0, 1.0)]],
            Gate::Sdg => [[one, zero], [zero, c(0.0, -1.0)]],
            Gate::T => [[one, zero], [zero, phase(std::f64::consts::FRAC_PI_4)]],
            Gate::Tdg => [[one, zero], [zero, phase(-std::f64::consts::FRAC_PI_4)]],
            Gate::Sx => [[c(0.5, 0.5), c(0.5, -0.5)], [c(0.5, -0.5), c(0.5, 0.5)]],
            Gate::Sxdg => [[c(0.5, -0.5), c(0.5, 0.5)], [c(0.5, 0.5), c(0.5, -0.5)]],
            Gate::Rx => [
                [c(half_cos, 0.0), c(0.0, -half_sin)],
                [c(0.0, -half_sin), c(half_cos, 0.0)],
            ],
            Gate::Ry => [
                [c(half_cos, 0.0), c(-half_sin, 0.0)],
                [c(half_sin, 0.0), c(half_cos, 0.0)],
            ],
            Gate::Rz => [[phase(-theta / 2.0), zero], [zero, phase(theta / 2.0)]],
            Gate::P => [[one, zero], [zero, phase(theta)]],
            Gate::Swap => return None,
        };
        Some(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn multiply(a: &Matrix2, b: &Matrix2) -> Matrix2 {
        let mut out = [[Complex64::new(0.0, 0.0); 2]; 2];
        for (i, row) in out.iter_mut().enumerate() {
            for (j, entry) in row.iter_mut().enumerate() {
                *entry = a[i][0] * b[0][j] + a[i][1] * b[1][j];
            }
        }
        out
    }

    #[test]
    fn every_gate_times_its_inverse_is_identity() {
        for gate in Gate::ALL.into_iter().filter(|g| *g != Gate::Swap) {
            let theta = 0.731;
            let inverse_angle = if gate.is_rotation() { -theta } else { theta };
            let product = multiply(
                &gate.matrix(theta).unwrap(),
                &gate.inverse().matrix(inverse_angle).unwrap(),
            );
            for (i, row) in product.iter().enumerate() {
                for (j, entry) in row.iter().enumerate() {
                    let expected = if i == j { 1.0 } else { 0.0 };
                    assert!(
                        (entry - Complex64::new(expected, 0.0)).norm() < 1e-14,
                        "{gate:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn sx_squared_is_x() {
        let sx = Gate::Sx.matrix(0.0).unwrap();
        let x = Gate::X.matrix(0.0).unwrap();
        let sx2 = multiply(&sx, &sx);
        for i in 0..2 {
            for j in 0..2 {
                assert!((sx2[i][j] - x[i][j]).norm() < 1e-15);
            }
        }
    }
}
