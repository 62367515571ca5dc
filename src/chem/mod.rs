//! Chemistry: RDKit molecules and the paper's nine properties, the SMILES tokenizer and the
//! constraint that keeps sampled SMILES well formed (constrained decoding), datasets
//! (reading, canonicalising, deduplicating, caching), the deterministic train/validation
//! split, obtaining QM9, the training reference a checkpoint carries, and the generation metrics of design.md §6.

pub mod constraint;
pub mod dataset;
pub mod metrics;
pub mod molecule;
pub mod property;
pub mod qm9;
pub mod random_smiles;
pub mod reference;
pub mod split;
pub mod tokenizer;

pub use molecule::{
    DEFAULT_MAX_SMILES_LEN, Molecule, PropertyCalculator, SmilesError, canonicalize,
};
pub use property::{Property, PropertyValues};
