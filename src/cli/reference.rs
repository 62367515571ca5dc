//! `qattnc reference`: store a checkpoint's training molecules (canonical SMILES and the nine
//! properties of its training split) in the checkpoint as `reference.csv.gz`, so that `sample`,
//! `protocol` and `eval-noise` work without the training data. `train` writes it itself; this
//! adds it to checkpoints written before.

use super::Failure;
use crate::chem::reference::FILE_NAME;
use crate::model::checkpoint::CheckpointMeta;
use crate::model::evaluate::reference_of_data;
use clap::Args;
use std::path::PathBuf;

/// Arguments of `qattnc reference`.
#[derive(Debug, Args)]
pub struct ReferenceArgs {
    /// Checkpoint directory written by `qattnc train`.
    #[arg(long, value_name = "DIR")]
    checkpoint: PathBuf,
    /// The training data (default: the path recorded in the checkpoint).
    #[arg(long, value_name = "PATH")]
    data: Option<PathBuf>,
}

pub(super) fn run(args: ReferenceArgs) -> Result<(), Failure> {
    let meta =
        CheckpointMeta::read(&args.checkpoint).map_err(|e| Failure::BadInput(e.to_string()))?;
    let data = args.data.unwrap_or_else(|| PathBuf::from(&meta.data.path));
    let reference = reference_of_data(&data).map_err(|e| Failure::BadInput(e.to_string()))?;
    if meta.data.too_long == 0 && reference.molecules.len() != meta.data.train {
        return Err(Failure::BadInput(format!(
            "{}: {} training molecules, but the checkpoint was trained on {} (other data?)",
            data.display(),
            reference.molecules.len(),
            meta.data.train
        )));
    }
    let path = args.checkpoint.join(FILE_NAME);
    reference
        .write(&path)
        .map_err(|e| Failure::Runtime(format!("cannot write `{}`: {e}", path.display())))?;
    eprintln!(
        "wrote {} training molecules from {} to {}",
        reference.molecules.len(),
        data.display(),
        path.display()
    );
    Ok(())
}
