//! Randomized SMILES (Arús-Pous et al. 2019, J. Cheminform. 11:71): one molecule written from
//! a random root atom with random branch order, by RDKit itself (`MolToSmiles` with
//! `canonical = false, doRandom = true`) through a small C++ shim (`shim/random_smiles.cc`,
//! built by `build.rs`), since the `rdkit` crate 0.3.0 binds only the canonical writer.
//!
//! The output depends only on the molecule and the seed: the input is canonicalised first (so
//! `OCC` and `CCO` give the same string for a seed), and RDKit's global random generator is
//! seeded before every call under a process-wide lock (RDKit draws the root atom and the
//! neighbour order from that generator; nothing else in qattnc uses it).

use super::molecule::{Molecule, SmilesError};
use std::sync::Mutex;

#[cxx::bridge(namespace = "qattnc")]
mod ffi {
    unsafe extern "C++" {
        include!("qattnc/src/chem/shim/random_smiles.h");

        /// RDKit's random SMILES of `smiles` after seeding its generator with `seed` (≥ 1).
        fn random_smiles(smiles: &str, seed: i32) -> Result<String>;
    }
}

/// Serialises the calls that seed and draw from RDKit's global generator.
static RDKIT_RANDOM: Mutex<()> = Mutex::new(());

/// Why no random SMILES could be written.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RandomSmilesError {
    /// The input is not a valid molecule.
    #[error(transparent)]
    Invalid(#[from] SmilesError),
    /// RDKit's writer raised an exception.
    #[error("RDKit could not write a random SMILES: {0}")]
    Rdkit(String),
}

/// The seed RDKit's generator (a 31-bit `minstd_rand` seeded by an `int`) receives for `seed`:
/// a SplitMix64 mix of it reduced into 1..=i32::MAX.
fn rdkit_seed(seed: u64) -> i32 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z % i32::MAX as u64) as i32 + 1
}

/// A random SMILES of `smiles` (any valid spelling of at most `max_len` bytes), deterministic
/// in the molecule and `seed`. Every result parses back to the same canonical SMILES.
pub fn random_smiles(smiles: &str, seed: u64, max_len: usize) -> Result<String, RandomSmilesError> {
    let canonical = Molecule::parse(smiles, max_len)?.canonical_smiles();
    let _guard = RDKIT_RANDOM.lock().unwrap_or_else(|e| e.into_inner());
    ffi::random_smiles(&canonical, rdkit_seed(seed))
        .map_err(|e| RandomSmilesError::Rdkit(e.what().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chem::molecule::{DEFAULT_MAX_SMILES_LEN, canonicalize};
    use std::collections::BTreeSet;

    const MAX: usize = DEFAULT_MAX_SMILES_LEN;

    #[test]
    fn writes_other_spellings_of_the_same_molecule() {
        // Aromatic ring, charge, stereo centre, triple bond, fused rings.
        for smiles in [
            "Cc1ccccc1O",
            "C[NH3+]",
            "C[C@H](N)C(=O)O",
            "CC#N",
            "C1CC2CC1C2",
        ] {
            let canonical = canonicalize(smiles, MAX).unwrap();
            let spellings: BTreeSet<String> = (0..40)
                .map(|seed| random_smiles(smiles, seed, MAX).unwrap())
                .collect();
            for s in &spellings {
                assert_eq!(canonicalize(s, MAX).unwrap(), canonical, "{s} of {smiles}");
            }
            assert!(spellings.len() >= 2, "{smiles}: {spellings:?}");
        }
    }

    #[test]
    fn the_seed_and_the_molecule_fix_the_string() {
        let a: Vec<String> = (0..20)
            .map(|s| random_smiles("OCC(=O)N", s, MAX).unwrap())
            .collect();
        let b: Vec<String> = (0..20)
            .map(|s| random_smiles("NC(=O)CO", s, MAX).unwrap())
            .collect();
        assert_eq!(a, b);
        // Interleaving other molecules does not change a seed's string.
        let c: Vec<String> = (0..20)
            .map(|s| {
                random_smiles("c1ccncc1", s + 7, MAX).unwrap();
                random_smiles("OCC(=O)N", s, MAX).unwrap()
            })
            .collect();
        assert_eq!(a, c);
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        for bad in [
            "",
            "C1CC",
            "[Xx]",
            "c1cccc1",
            "C(C)(C)(C)(C)C",
            "CC CC",
            "\0",
            "((((",
        ] {
            assert!(random_smiles(bad, 3, MAX).is_err(), "{bad:?}");
        }
        assert!(matches!(
            random_smiles(&"C".repeat(300), 3, MAX),
            Err(RandomSmilesError::Invalid(SmilesError::TooLong { .. }))
        ));
        for seed in [0, 1, u64::MAX, i32::MAX as u64, 1 << 31] {
            let s = random_smiles("CCO", seed, MAX).unwrap();
            assert_eq!(canonicalize(&s, MAX).unwrap(), "CCO");
        }
    }
}
