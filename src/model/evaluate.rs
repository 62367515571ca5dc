//! Generation scored by RDKit: the training split a checkpoint was trained on (its property
//! rows for conditions and imputation, its canonical SMILES for novelty), and sampling followed
//! by validity checking. `qattnc sample`, `qattnc eval-noise` and `qattnc protocol` share it.

use super::ModelError;
use super::attention::ScoreProvider;
use super::sample::{Loaded, SampleOptions, generate_with};
use super::transformer::NUM_PROPERTIES;
use crate::chem::DEFAULT_MAX_SMILES_LEN;
use crate::chem::dataset::{LoadOptions, check_all, load, progress_bar};
use crate::chem::metrics::Checked;
use crate::chem::split::is_validation;
use std::collections::HashSet;
use std::path::Path;
use std::time::Instant;

/// The training split of a checkpoint's data (the validation rule is the checkpoint's).
pub struct TrainingSplit {
    /// Raw property values of every training molecule, in `Property::ALL` order.
    pub rows: Vec<[f64; NUM_PROPERTIES]>,
    /// Canonical SMILES of every training molecule.
    pub smiles: HashSet<String>,
}

/// Loads the training split from `data`, or from the path recorded in the checkpoint.
pub fn training_split(loaded: &Loaded, data: Option<&Path>) -> Result<TrainingSplit, ModelError> {
    let path = data.unwrap_or_else(|| Path::new(&loaded.meta.data.path));
    let dataset = load(path, &LoadOptions::default()).map_err(|e| {
        ModelError::Data(format!(
            "{e} (the training data; pass --data where the checkpoint's path does not exist)"
        ))
    })?;
    let training: Vec<_> = dataset
        .entries
        .into_iter()
        .filter(|e| !is_validation(&e.smiles))
        .collect();
    Ok(TrainingSplit {
        rows: training.iter().map(|e| e.properties.0).collect(),
        smiles: training.into_iter().map(|e| e.smiles).collect(),
    })
}

/// Generated strings with their RDKit checks.
pub struct Generated {
    /// The decoded strings, one per query (possibly empty).
    pub smiles: Vec<String>,
    /// Canonical SMILES and properties of the valid ones; the empty string counts as invalid.
    pub checked: Vec<Checked>,
    /// Wall seconds of generation (checking excluded).
    pub seconds: f64,
}

/// Samples `options.n` sequences (see [`generate_with`]), decodes and checks them.
pub fn generate_checked(
    loaded: &Loaded,
    properties: Option<&[[f64; NUM_PROPERTIES]]>,
    options: &SampleOptions,
    provider: Option<&dyn ScoreProvider>,
) -> Result<Generated, ModelError> {
    let started = Instant::now();
    let sequences = generate_with(loaded, properties, options, provider)?;
    let seconds = started.elapsed().as_secs_f64();
    let smiles: Vec<String> = sequences
        .iter()
        .map(|ids| loaded.meta.vocabulary.decode(ids).unwrap_or_default())
        .collect();
    let checked = check_all(
        &smiles,
        DEFAULT_MAX_SMILES_LEN,
        &progress_bar(0, "checking"),
    )
    .into_iter()
    .zip(&smiles)
    .map(|(result, s)| Checked {
        // RDKit reads the empty string as an empty molecule: count it invalid.
        valid: result.ok().filter(|_| !s.is_empty()),
    })
    .collect();
    Ok(Generated {
        smiles,
        checked,
        seconds,
    })
}
