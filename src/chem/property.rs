//! The paper's nine molecular properties, in the paper's order, with their RDKit definitions.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Index, IndexMut};
use std::str::FromStr;

/// One of the nine conditioning properties.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Property {
    /// Average molecular weight (RDKit `MolWt`, descriptor `amw`).
    MW,
    /// Hydrogen-bond acceptors (`NumHBA`).
    HBA,
    /// Hydrogen-bond donors (`NumHBD`).
    HBD,
    /// Rotatable bonds (`NumRotatableBonds`, RDKit's default strict definition).
    #[serde(rename = "nRot")]
    NRot,
    /// Rings (`NumRings`, SSSR size).
    #[serde(rename = "nRing")]
    NRing,
    /// Heteroatoms (`NumHeteroatoms`: atoms other than C and H).
    #[serde(rename = "nHet")]
    NHet,
    /// Topological polar surface area (`tpsa`, N and O contributions).
    TPSA,
    /// Wildman–Crippen logP (`CrippenClogP`).
    LogP,
    /// Chiral centres including unassigned ones (Python's
    /// `len(FindMolChiralCenters(m, includeUnassigned=True))`).
    StereoCenters,
}

impl Property {
    /// All nine, in the paper's (and our CSV columns') order.
    pub const ALL: [Property; 9] = [
        Property::MW,
        Property::HBA,
        Property::HBD,
        Property::NRot,
        Property::NRing,
        Property::NHet,
        Property::TPSA,
        Property::LogP,
        Property::StereoCenters,
    ];

    /// The column name used in CSV files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Property::MW => "MW",
            Property::HBA => "HBA",
            Property::HBD => "HBD",
            Property::NRot => "nRot",
            Property::NRing => "nRing",
            Property::NHet => "nHet",
            Property::TPSA => "TPSA",
            Property::LogP => "LogP",
            Property::StereoCenters => "StereoCenters",
        }
    }

    /// The name of the descriptor in RDKit's registry (`RDKit::Descriptors::Properties`).
    pub(crate) fn rdkit_descriptor(self) -> &'static str {
        match self {
            Property::MW => "amw",
            Property::HBA => "NumHBA",
            Property::HBD => "NumHBD",
            Property::NRot => "NumRotatableBonds",
            Property::NRing => "NumRings",
            Property::NHet => "NumHeteroatoms",
            Property::TPSA => "tpsa",
            Property::LogP => "CrippenClogP",
            Property::StereoCenters => "NumAtomStereoCenters",
        }
    }

    /// Whether the property counts something (every value an integer): all but MW, TPSA and
    /// LogP.
    pub fn is_count(self) -> bool {
        !matches!(self, Property::MW | Property::TPSA | Property::LogP)
    }

    /// Position in [`Property::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Rejects a target no molecule can have: not finite, or negative for anything but LogP.
    pub fn check_target(self, value: f64) -> Result<(), String> {
        if !value.is_finite() {
            return Err(format!("expected a finite number, found {value}"));
        }
        if value < 0.0 && self != Property::LogP {
            let what = if self.is_count() { "a count" } else { "it" };
            return Err(format!(
                "expected a value ≥ 0 ({what} cannot be negative), found {value}"
            ));
        }
        Ok(())
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Property {
    type Err = String;

    /// Parses a property name, ignoring ASCII case (`mw`, `nRot`, `logp` …).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Property::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                let names: Vec<&str> = Property::ALL.iter().map(|p| p.name()).collect();
                format!(
                    "unknown property `{s}`; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// Values of the nine properties, indexed by [`Property`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PropertyValues(pub [f64; 9]);

impl Index<Property> for PropertyValues {
    type Output = f64;
    fn index(&self, property: Property) -> &f64 {
        &self.0[property.index()]
    }
}

impl IndexMut<Property> for PropertyValues {
    fn index_mut(&mut self, property: Property) -> &mut f64 {
        &mut self.0[property.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_ignore_case() {
        for (i, p) in Property::ALL.into_iter().enumerate() {
            assert_eq!(p.index(), i);
            assert_eq!(p.name().parse::<Property>(), Ok(p));
            assert_eq!(p.name().to_lowercase().parse::<Property>(), Ok(p));
        }
        let error = "QED".parse::<Property>().unwrap_err();
        assert!(error.contains("QED") && error.contains("StereoCenters"));
    }
}
