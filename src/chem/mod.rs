//! Chemistry: RDKit molecules and the paper's nine properties, the SMILES tokenizer, datasets
//! (reading, canonicalising, deduplicating, caching, splitting, obtaining QM9) and the
//! generation metrics of design.md §6.

pub mod molecule;
pub mod property;

pub use molecule::{
    DEFAULT_MAX_SMILES_LEN, Molecule, PropertyCalculator, SmilesError, canonicalize,
};
pub use property::{Property, PropertyValues};
