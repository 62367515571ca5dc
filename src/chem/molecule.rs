//! Molecules through RDKit (the `rdkit` crate, RDKit 2022.09): parsing with a length cap,
//! canonical SMILES, and the paper's nine properties. Failures are values: a SMILES that RDKit
//! cannot parse or sanitise, the empty string and over-long strings all give a [`SmilesError`].
//!
//! RDKit objects are not `Send`; create a [`PropertyCalculator`] per thread (cheap) and parse
//! on the thread that uses the molecule.

use super::property::{Property, PropertyValues};
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

/// Default cap on the length of a SMILES handed to RDKit, in bytes. RDKit's parse time grows
/// superlinearly with chain length (0.64 s at 1,000 atoms, minutes at 10,000), so longer
/// strings are rejected before parsing. QM9's longest canonical SMILES has 22 characters.
pub const DEFAULT_MAX_SMILES_LEN: usize = 256;

/// Why a SMILES string is not a valid molecule.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SmilesError {
    /// The empty string (RDKit accepts it as a molecule without atoms; we do not).
    #[error("empty SMILES")]
    Empty,
    /// Longer than the configured cap; not handed to RDKit.
    #[error("SMILES of {len} bytes exceeds the limit of {max}")]
    TooLong {
        /// Length in bytes.
        len: usize,
        /// The cap in force.
        max: usize,
    },
    /// Whitespace or a control character (RDKit would silently read only the text before
    /// whitespace, taking the rest as a name).
    #[error("SMILES contains {0:?}")]
    BadCharacter(char),
    /// RDKit's parser rejected the string (syntax, unknown element, unclosed ring …).
    #[error("RDKit cannot parse the SMILES")]
    Parse,
    /// The string parsed but sanitisation failed (valence, kekulisation …).
    #[error("RDKit sanitisation failed: {0}")]
    Sanitize(String),
    /// RDKit parsed the string into a molecule without atoms.
    #[error("SMILES has no atoms")]
    NoAtoms,
    /// RDKit accepted the string but cannot read back the canonical SMILES it wrote for it.
    /// Debian's RDKit 2022.09.3 accepts a few impossible molecules this way (`Cc1cc(C1F)(F)(F)F`,
    /// a carbon with five bonds, which later RDKit releases reject as they parse).
    #[error("RDKit cannot read back its canonical SMILES {0}")]
    Unreadable(String),
}

/// A sanitised RDKit molecule.
pub struct Molecule {
    mol: rdkit::ROMol,
}

/// Turns RDKit's stderr logging off, once per process. RDKit reports every bad SMILES on
/// stderr; we return the failure as a value instead.
fn silence_rdkit_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // `void boost::logging::disable_logs(const char*)` from libRDKitRDGeneral (linked by
        // rdkit-sys), declared in <RDGeneral/RDLog.h>. The rdkit crate has no binding for it;
        // a function taking one pointer has the C calling convention under the Itanium C++
        // ABI, so we call it by its mangled name.
        unsafe extern "C" {
            #[link_name = "_ZN5boost7logging12disable_logsEPKc"]
            fn rdkit_disable_logs(spec: *const std::ffi::c_char);
        }
        // SAFETY: a NUL-terminated static string; the function copies what it needs.
        unsafe { rdkit_disable_logs(c"rdApp.*".as_ptr()) };
    });
}

impl Molecule {
    /// Parses and sanitises `smiles`, rejecting strings longer than `max_len` bytes and
    /// strings with whitespace or control characters before RDKit sees them.
    pub fn parse(smiles: &str, max_len: usize) -> Result<Molecule, SmilesError> {
        if smiles.is_empty() {
            return Err(SmilesError::Empty);
        }
        if smiles.len() > max_len {
            return Err(SmilesError::TooLong {
                len: smiles.len(),
                max: max_len,
            });
        }
        if let Some(c) = smiles.chars().find(|c| c.is_whitespace() || c.is_control()) {
            return Err(SmilesError::BadCharacter(c));
        }
        silence_rdkit_logs();
        let molecule = Molecule {
            mol: rdkit_parse(smiles)?,
        };
        let canonical = molecule.canonical_smiles();
        if canonical.is_empty() {
            return Err(SmilesError::NoAtoms);
        }
        if rdkit_parse(&canonical).is_err() {
            return Err(SmilesError::Unreadable(canonical));
        }
        Ok(molecule)
    }

    /// RDKit's canonical SMILES.
    pub fn canonical_smiles(&self) -> String {
        self.mol.as_smile()
    }
}

/// RDKit's parse and sanitisation of `smiles`, with its failures (and any panic in the binding)
/// as values.
fn rdkit_parse(smiles: &str) -> Result<rdkit::ROMol, SmilesError> {
    let parsed = catch_unwind(AssertUnwindSafe(|| rdkit::ROMol::from_smile(smiles)))
        .map_err(|_| SmilesError::Parse)?;
    parsed.map_err(|error| match error {
        rdkit::ROMolError::UnknownConversionError => SmilesError::Parse,
        rdkit::ROMolError::ConversionException(message) => SmilesError::Sanitize(message),
    })
}

/// Canonical SMILES of `smiles`, or why it is invalid.
pub fn canonicalize(smiles: &str, max_len: usize) -> Result<String, SmilesError> {
    Molecule::parse(smiles, max_len).map(|m| m.canonical_smiles())
}

/// Computes the nine properties with RDKit's descriptor registry. Holds RDKit objects, so it
/// stays on the thread that created it.
pub struct PropertyCalculator {
    registry: rdkit::Properties,
}

impl Default for PropertyCalculator {
    fn default() -> Self {
        Self::new()
    }
}

impl PropertyCalculator {
    /// A calculator over RDKit's registered descriptors.
    pub fn new() -> Self {
        PropertyCalculator {
            registry: rdkit::Properties::new(),
        }
    }

    /// The nine properties of `molecule`.
    pub fn compute(&self, molecule: &Molecule) -> PropertyValues {
        let all: HashMap<String, f64> = self.registry.compute_properties(&molecule.mol);
        let mut values = PropertyValues::default();
        for property in Property::ALL {
            values[property] = all[property.rdkit_descriptor()];
        }
        values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonicalises_equivalent_spellings_alike() {
        let a = canonicalize("OCC", DEFAULT_MAX_SMILES_LEN).unwrap();
        let b = canonicalize("C(O)C", DEFAULT_MAX_SMILES_LEN).unwrap();
        assert_eq!((a.as_str(), b.as_str()), ("CCO", "CCO"));
        assert_eq!(canonicalize("C1=CC=CC=C1", 256).unwrap(), "c1ccccc1");
    }

    #[test]
    fn bad_smiles_are_values_not_panics() {
        let max = DEFAULT_MAX_SMILES_LEN;
        assert_eq!(canonicalize("", max), Err(SmilesError::Empty));
        assert_eq!(canonicalize("C1CC", max), Err(SmilesError::Parse));
        assert_eq!(canonicalize("[Xx]", max), Err(SmilesError::Parse));
        assert!(canonicalize("c1ccc", max).is_err());
        assert!(matches!(
            canonicalize("c1cccc1", max),
            Err(SmilesError::Sanitize(_))
        ));
        assert!(matches!(
            canonicalize("C(C)(C)(C)(C)C", max),
            Err(SmilesError::Sanitize(_))
        ));
        // Accepted by RDKit 2022.09.3 as written, but its canonical form has a five-bonded
        // carbon and does not parse (Python RDKit 2022.09.5 rejects the input itself).
        assert_eq!(
            canonicalize("Cc1cc(C1F)(F)(F)F", max),
            Err(SmilesError::Unreadable("CC1=CC(F)(F)(F)C1F".into()))
        );
        for garbage in [
            "\0",
            "\u{fffd}\u{fffd}",
            "((((",
            "C)",
            "%",
            "[",
            "]",
            "CC\nCC",
            ".",
        ] {
            assert!(canonicalize(garbage, max).is_err(), "{garbage:?}");
        }
        assert_eq!(
            canonicalize("CC CC", max),
            Err(SmilesError::BadCharacter(' '))
        );
        let long = "C".repeat(10_000);
        assert_eq!(
            canonicalize(&long, max),
            Err(SmilesError::TooLong { len: 10_000, max })
        );
        assert_eq!(canonicalize(&"C".repeat(200), max).unwrap().len(), 200);
    }
}
