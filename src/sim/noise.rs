//! A noise model for the simulator: depolarizing noise after every gate and readout error.
//!
//! **Method: seeded Monte-Carlo trajectories**, not a density matrix. After each gate, every
//! qubit it touches (controls and targets) independently suffers X, Y or Z with probability p/3
//! each (the depolarizing channel ρ → (1 − p)ρ + p/3 (XρX + YρY + ZρZ), which shrinks every
//! Bloch component of a lone qubit by 1 − 4p/3). [`Program::noisy_marginal`] draws
//! [`NoiseModel::trajectories`] error patterns, simulates each (a pattern without errors reuses
//! the ideal state, so weak noise is cheap) and averages their readout distributions: the mean
//! is unbiased, its spread shrinks as 1/√trajectories. Readout error then flips each read bit
//! with probability q; it is applied to the distribution exactly ([`apply_readout_error`]), so a
//! one-bit ⟨Z⟩ becomes (1 − 2q)⟨Z⟩. Shots are drawn from the resulting distribution.
//!
//! [`Program::noisy_marginal`]: super::Program::noisy_marginal

use super::SimError;
use super::view::sample_counts;
use rand::Rng;
use std::str::FromStr;

/// Default number of trajectories averaged per binding.
pub const DEFAULT_TRAJECTORIES: usize = 64;

/// Depolarizing and readout noise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NoiseModel {
    /// Per-qubit depolarizing probability p after each gate (on every qubit the gate touches).
    pub depolarizing: f64,
    /// Probability q that a read bit is flipped.
    pub readout: f64,
    /// Monte-Carlo trajectories averaged per binding.
    pub trajectories: usize,
}

impl Default for NoiseModel {
    fn default() -> Self {
        NoiseModel {
            depolarizing: 0.0,
            readout: 0.0,
            trajectories: DEFAULT_TRAJECTORIES,
        }
    }
}

impl NoiseModel {
    /// True when neither depolarizing nor readout noise is set.
    pub fn is_noiseless(&self) -> bool {
        self.depolarizing == 0.0 && self.readout == 0.0
    }

    /// Checks the probabilities (p in [0, 3/4], q in [0, 1/2]) and the trajectory count.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=0.75).contains(&self.depolarizing) {
            return Err(format!(
                "depolarizing probability {} is outside [0, 0.75]",
                self.depolarizing
            ));
        }
        if !(0.0..=0.5).contains(&self.readout) {
            return Err(format!(
                "readout flip probability {} is outside [0, 0.5]",
                self.readout
            ));
        }
        if self.trajectories == 0 {
            return Err("at least one trajectory is needed".into());
        }
        Ok(())
    }
}

impl std::fmt::Display for NoiseModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "depolarizing={},readout={},trajectories={}",
            self.depolarizing, self.readout, self.trajectories
        )
    }
}

/// Parses `depolarizing=p[,readout=q][,trajectories=k]` (any order; `none` for no noise).
impl FromStr for NoiseModel {
    type Err = String;

    fn from_str(text: &str) -> Result<NoiseModel, String> {
        let mut model = NoiseModel::default();
        if text.trim() == "none" {
            return Ok(model);
        }
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| format!("`{part}`: expected KEY=VALUE"))?;
            let number = || {
                value
                    .trim()
                    .parse::<f64>()
                    .map_err(|e| format!("`{part}`: {e}"))
            };
            match key.trim() {
                "depolarizing" | "p" => model.depolarizing = number()?,
                "readout" | "q" => model.readout = number()?,
                "trajectories" => {
                    model.trajectories =
                        value.trim().parse().map_err(|e| format!("`{part}`: {e}"))?
                }
                other => {
                    return Err(format!(
                        "unknown noise setting `{other}` (depolarizing, readout, trajectories)"
                    ));
                }
            }
        }
        model.validate()?;
        Ok(model)
    }
}

/// Flips each of the `bits` read bits of `distribution` (outcome index bit j = read bit j)
/// independently with probability `q`, exactly.
pub fn apply_readout_error(distribution: &mut [f64], q: f64) {
    if q == 0.0 {
        return;
    }
    let bits = distribution.len().trailing_zeros();
    for j in 0..bits {
        let bit = 1usize << j;
        for i in 0..distribution.len() {
            if i & bit == 0 {
                let (a, b) = (distribution[i], distribution[i | bit]);
                distribution[i] = (1.0 - q) * a + q * b;
                distribution[i | bit] = q * a + (1.0 - q) * b;
            }
        }
    }
}

/// Counts of `shots` draws from `distribution` (which need not be normalised; negative
/// entries count as 0), the same draws as [`sample_counts`] makes.
pub fn sample_distribution(
    distribution: &[f64],
    shots: u64,
    rng: &mut impl Rng,
) -> Result<Vec<u64>, SimError> {
    if shots == 0 {
        return Ok(vec![0u64; distribution.len()]);
    }
    let weights: Vec<f64> = distribution.iter().map(|p| p.max(0.0)).collect();
    sample_counts(&weights, shots, rng)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_settings_and_rejects_bad_ones() {
        let m: NoiseModel = "depolarizing=0.01,readout=0.02".parse().unwrap();
        assert_eq!((m.depolarizing, m.readout), (0.01, 0.02));
        assert_eq!(m.trajectories, DEFAULT_TRAJECTORIES);
        let m: NoiseModel = "readout=0.1, trajectories=7".parse().unwrap();
        assert_eq!((m.depolarizing, m.readout, m.trajectories), (0.0, 0.1, 7));
        assert!("none".parse::<NoiseModel>().unwrap().is_noiseless());
        assert!("depolarizing=2".parse::<NoiseModel>().is_err());
        assert!("readout=0.6".parse::<NoiseModel>().is_err());
        assert!("amplitude_damping=0.1".parse::<NoiseModel>().is_err());
        assert!("depolarizing".parse::<NoiseModel>().is_err());
    }

    #[test]
    fn readout_error_maps_z_to_one_minus_2q_times_z() {
        for (p0, q) in [(0.9, 0.1), (0.3, 0.25), (1.0, 0.05)] {
            let mut d = vec![p0, 1.0 - p0];
            apply_readout_error(&mut d, q);
            let z = p0 - (1.0 - p0);
            assert!((d[0] - d[1] - (1.0 - 2.0 * q) * z).abs() < 1e-15);
        }
        // Two bits flip independently: P(11) from |00⟩ is q².
        let mut d = vec![1.0, 0.0, 0.0, 0.0];
        apply_readout_error(&mut d, 0.1);
        assert!((d[3] - 0.01).abs() < 1e-15 && (d[0] - 0.81).abs() < 1e-15);
    }
}
