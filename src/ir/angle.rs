//! Rotation angles that are affine in named circuit inputs.
//!
//! Every angle in a qattnc circuit has the form `c₀ + Σ cₖ·xₖ`, where the `xₖ` are scalar
//! inputs (`tok_i_0`, `query_3`, …). The set is closed under negation, addition and scaling,
//! which is all the builders and optimiser need (`(tok_i_0 + tok_j_0)/2` is representable), and
//! it keeps symbolic and numeric code apart: [`Angle::value`] only returns a number once every
//! input is bound.

use std::collections::HashMap;
use std::f64::consts::PI;
use std::fmt;

/// An affine expression `constant + Σ coefficient·input` over named inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct Angle {
    constant: f64,
    /// Input names with their coefficients, in first-use order, without zero coefficients.
    terms: Vec<(String, f64)>,
}

/// Coefficients smaller than this are dropped when expressions are combined.
const ZERO_COEFFICIENT: f64 = 1e-15;

impl Angle {
    /// A constant angle.
    pub fn constant(value: f64) -> Self {
        Angle {
            constant: value,
            terms: Vec::new(),
        }
    }

    /// The angle equal to one named input.
    pub fn input(name: impl Into<String>) -> Self {
        Angle {
            constant: 0.0,
            terms: vec![(name.into(), 1.0)],
        }
    }

    /// The constant part.
    pub fn constant_part(&self) -> f64 {
        self.constant
    }

    /// The input terms `(name, coefficient)` in first-use order.
    pub fn terms(&self) -> &[(String, f64)] {
        &self.terms
    }

    /// True when the angle depends on no input.
    pub fn is_constant(&self) -> bool {
        self.terms.is_empty()
    }

    /// `self + other`.
    pub fn add(&self, other: &Angle) -> Angle {
        let mut sum = self.clone();
        sum.constant += other.constant;
        for (name, coefficient) in &other.terms {
            match sum.terms.iter_mut().find(|(n, _)| n == name) {
                Some((_, c)) => *c += coefficient,
                None => sum.terms.push((name.clone(), *coefficient)),
            }
        }
        sum.terms.retain(|(_, c)| c.abs() > ZERO_COEFFICIENT);
        sum
    }

    /// Whether `self + other` is a constant of magnitude below `tolerance`: the same answer as
    /// `self.add(other)` followed by [`Angle::is_constant`] and a look at its constant, without
    /// building the sum.
    pub fn sum_is_zero(&self, other: &Angle, tolerance: f64) -> bool {
        let coefficient = |angle: &Angle, name: &str| {
            angle.terms.iter().find(|(n, _)| n == name).map(|(_, c)| *c)
        };
        (self.constant + other.constant).abs() < tolerance
            && self.terms.iter().all(|(name, c)| {
                (c + coefficient(other, name).unwrap_or(0.0)).abs() <= ZERO_COEFFICIENT
            })
            && other
                .terms
                .iter()
                .all(|(name, c)| coefficient(self, name).is_some() || c.abs() <= ZERO_COEFFICIENT)
    }

    /// `factor · self`.
    pub fn scale(&self, factor: f64) -> Angle {
        let mut scaled = Angle {
            constant: self.constant * factor,
            terms: self
                .terms
                .iter()
                .map(|(n, c)| (n.clone(), c * factor))
                .collect(),
        };
        scaled.terms.retain(|(_, c)| c.abs() > ZERO_COEFFICIENT);
        scaled
    }

    /// `−self`.
    pub fn neg(&self) -> Angle {
        self.scale(-1.0)
    }

    /// The numeric value under `bindings`, or `None` when an input is unbound.
    pub fn value(&self, bindings: &HashMap<String, f64>) -> Option<f64> {
        self.terms.iter().try_fold(self.constant, |acc, (name, c)| {
            bindings.get(name).map(|x| acc + c * x)
        })
    }

    /// The value when every input is looked up by `lookup` (used by hot loops that bind
    /// inputs through an index rather than a map).
    pub fn value_with(&self, mut lookup: impl FnMut(&str) -> Option<f64>) -> Option<f64> {
        self.terms.iter().try_fold(self.constant, |acc, (name, c)| {
            lookup(name).map(|x| acc + c * x)
        })
    }
}

impl From<f64> for Angle {
    fn from(value: f64) -> Self {
        Angle::constant(value)
    }
}

/// Writes a constant as a multiple of π when it is one with a small denominator, else as the
/// shortest decimal that reads back to the same `f64`.
fn write_constant(f: &mut fmt::Formatter<'_>, value: f64, pi: &str) -> fmt::Result {
    if value == 0.0 {
        return write!(f, "0");
    }
    for denominator in [1_i64, 2, 3, 4, 6, 8, 12, 16] {
        let numerator = value * denominator as f64 / PI;
        let rounded = numerator.round();
        if rounded != 0.0 && (numerator - rounded).abs() < 1e-12 && rounded.abs() <= 64.0 {
            let n = rounded as i64;
            let sign = if n < 0 { "-" } else { "" };
            let times = match n.abs() {
                1 => String::new(),
                k => format!("{k}*"),
            };
            return match denominator {
                1 => write!(f, "{sign}{times}{pi}"),
                d => write!(f, "{sign}{times}{pi}/{d}"),
            };
        }
    }
    write!(f, "{value:?}")
}

/// Infix text of an angle with π spelled as a target language wants it (`pi`, `np.pi`, `M_PI`).
pub struct AngleText<'a> {
    angle: &'a Angle,
    pi: &'static str,
}

impl Angle {
    /// The angle as infix text with π written as `pi` (OpenQASM 3 spells it so; C++ wants
    /// `M_PI`, a CUDA-Q Python kernel `np.pi`).
    pub fn text(&self, pi: &'static str) -> AngleText<'_> {
        AngleText { angle: self, pi }
    }
}

/// OpenQASM-3 compatible infix text: `tok_i_0`, `-query_2`, `0.5*a + 0.5*b + pi/2`.
impl fmt::Display for Angle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.text("pi").fmt(f)
    }
}

impl fmt::Display for AngleText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (angle, pi) = (self.angle, self.pi);
        if angle.terms.is_empty() {
            return write_constant(f, angle.constant, pi);
        }
        for (k, (name, coefficient)) in angle.terms.iter().enumerate() {
            let magnitude = coefficient.abs();
            match (k, *coefficient < 0.0) {
                (0, true) => write!(f, "-")?,
                (0, false) => {}
                (_, true) => write!(f, " - ")?,
                (_, false) => write!(f, " + ")?,
            }
            if magnitude == 1.0 {
                write!(f, "{name}")?;
            } else {
                write!(f, "{magnitude:?}*{name}")?;
            }
        }
        if angle.constant != 0.0 {
            let sign = if angle.constant < 0.0 { " - " } else { " + " };
            write!(f, "{sign}")?;
            write_constant(f, angle.constant.abs(), pi)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn affine_arithmetic_merges_terms() {
        let a = Angle::input("tok_i_0");
        let b = Angle::input("tok_j_0");
        let mean = a.add(&b).scale(0.5);
        assert_eq!(mean.to_string(), "0.5*tok_i_0 + 0.5*tok_j_0");
        let difference = a.add(&a.neg());
        assert!(difference.is_constant());
        assert_eq!(difference.to_string(), "0");
        assert!(a.sum_is_zero(&a.neg(), 1e-12));
        assert!(!a.sum_is_zero(&b.neg(), 1e-12));
        assert!(!a.sum_is_zero(&a.neg().add(&Angle::constant(0.1)), 1e-12));
        assert!(!mean.sum_is_zero(&a.scale(-0.5), 1e-12), "tok_j_0 is left");
        assert!(mean.sum_is_zero(&b.scale(-0.5).add(&a.scale(-0.5)), 1e-12));
    }

    #[test]
    fn display_recognises_multiples_of_pi() {
        assert_eq!(Angle::constant(PI / 2.0).to_string(), "pi/2");
        assert_eq!(Angle::constant(-3.0 * PI / 4.0).to_string(), "-3*pi/4");
        assert_eq!(Angle::constant(0.3).to_string(), "0.3");
        let shifted = Angle::input("x").neg().add(&Angle::constant(PI));
        assert_eq!(shifted.to_string(), "-x + pi");
        assert_eq!(shifted.text("np.pi").to_string(), "-x + np.pi");
    }

    #[test]
    fn value_needs_every_input() {
        let angle = Angle::input("a").scale(2.0).add(&Angle::constant(1.0));
        let mut bindings = HashMap::new();
        assert_eq!(angle.value(&bindings), None);
        bindings.insert("a".to_string(), 0.25);
        assert_eq!(angle.value(&bindings), Some(1.5));
    }
}
