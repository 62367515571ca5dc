//! Generation scored by RDKit: the training split a checkpoint was trained on (its property
//! rows for conditions and imputation, its canonical SMILES for novelty), and sampling followed
//! by validity checking. `qattnc sample`, `qattnc eval-noise` and `qattnc protocol` share it.

use super::ModelError;
use super::attention::ScoreProvider;
use super::sample::{Loaded, SampleOptions, generate_with};
use super::transformer::NUM_PROPERTIES;
use crate::chem::DEFAULT_MAX_SMILES_LEN;
use crate::chem::PropertyValues;
use crate::chem::dataset::{Entry, LoadOptions, check_all, load, progress_bar};
use crate::chem::metrics::Checked;
use crate::chem::reference::{FILE_NAME as REFERENCE_FILE, Reference};
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
    /// Where they came from (a data file or the checkpoint's reference).
    pub source: String,
}

/// The training-split molecules of a data file, in the file's order: what a checkpoint's
/// `reference.csv.gz` holds.
pub fn reference_of_data(path: &Path) -> Result<Reference, ModelError> {
    let dataset = load(path, &LoadOptions::default()).map_err(|e| {
        ModelError::Data(format!(
            "{e} (the training data; pass --data where the checkpoint's path does not exist)"
        ))
    })?;
    Ok(Reference {
        molecules: training_molecules(dataset.entries),
    })
}

/// The training-split molecules of a loaded dataset, in the data's order.
pub fn training_molecules(entries: Vec<Entry>) -> Vec<(String, PropertyValues)> {
    entries
        .into_iter()
        .filter(|e| !is_validation(&e.smiles))
        .map(|e| (e.smiles, e.properties))
        .collect()
}

impl TrainingSplit {
    fn new(reference: Reference, source: String) -> TrainingSplit {
        TrainingSplit {
            rows: reference.molecules.iter().map(|(_, p)| p.0).collect(),
            smiles: reference.molecules.into_iter().map(|(s, _)| s).collect(),
            source,
        }
    }
}

/// Loads the training split: from `data` when given, else from the checkpoint's own
/// `reference.csv.gz`, else from the data path recorded in the checkpoint. Fails, saying what
/// was looked for, only when none of them can be read.
pub fn training_split(loaded: &Loaded, data: Option<&Path>) -> Result<TrainingSplit, ModelError> {
    if let Some(path) = data {
        return Ok(TrainingSplit::new(
            reference_of_data(path)?,
            path.display().to_string(),
        ));
    }
    let reference = loaded.dir.join(REFERENCE_FILE);
    if reference.exists() {
        let molecules = Reference::read(&reference).map_err(|e| ModelError::Data(e.to_string()))?;
        let info = &loaded.meta.data;
        if info.too_long == 0 && molecules.molecules.len() != info.train {
            return Err(ModelError::Data(format!(
                "{}: {} molecules, but the checkpoint was trained on {} (a reference of other data?)",
                reference.display(),
                molecules.molecules.len(),
                info.train
            )));
        }
        return Ok(TrainingSplit::new(
            molecules,
            reference.display().to_string(),
        ));
    }
    let recorded = Path::new(&loaded.meta.data.path);
    if recorded.exists() {
        return Ok(TrainingSplit::new(
            reference_of_data(recorded)?,
            recorded.display().to_string(),
        ));
    }
    Err(ModelError::Data(format!(
        "no training molecules for novelty and imputation: `{}` has no {REFERENCE_FILE} and the data \
         it was trained on (`{}`) is not here; pass --data PATH (QM9: `qattnc data qm9 -o qm9.csv`; it has 130,831 of QM9's molecules, so novelty is then measured against those)",
        loaded.dir.display(),
        loaded.meta.data.path
    )))
}

/// Generated strings with their RDKit checks.
pub struct Generated {
    /// The decoded strings, one per query (possibly empty).
    pub smiles: Vec<String>,
    /// Canonical SMILES and properties of the valid ones; the empty string counts as invalid.
    pub checked: Vec<Checked>,
    /// Wall seconds of generation (checking excluded).
    pub seconds: f64,
    /// Strings decoded in all (more than the queries when rejection control drew some again).
    pub attempts: usize,
}

impl Generated {
    /// Strings decoded per query: 1 unless rejection control drew some again.
    pub fn passes_per_query(&self) -> f64 {
        self.attempts as f64 / self.smiles.len().max(1) as f64
    }
}

/// Samples `options.n` sequences (see [`generate_with`]), decodes and checks them.
pub fn generate_checked(
    loaded: &Loaded,
    properties: Option<&[[f64; NUM_PROPERTIES]]>,
    options: &SampleOptions,
    provider: Option<&dyn ScoreProvider>,
) -> Result<Generated, ModelError> {
    let started = Instant::now();
    let generation = generate_with(loaded, properties, options, provider)?;
    let seconds = started.elapsed().as_secs_f64();
    let smiles: Vec<String> = generation
        .sequences
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
        attempts: generation.attempts,
    })
}
