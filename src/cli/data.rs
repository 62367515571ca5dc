//! `qattnc data`: obtaining datasets.

use super::Failure;
use crate::chem::qm9::{self, QM9PACK};
use clap::{Args, Subcommand};
use std::path::PathBuf;

/// Arguments of `qattnc data`.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// The dataset.
    #[command(subcommand)]
    dataset: Dataset,
}

#[derive(Debug, Subcommand)]
enum Dataset {
    /// QM9 (130,831 characterised molecules) from the PyPI package qm9pack 1.0.3, downloaded
    /// with `python3 -m pip download --no-deps` and converted to a CSV with a `smiles` column.
    Qm9 {
        /// Output CSV.
        #[arg(short, long, value_name = "OUT", default_value = "data/qm9.csv")]
        output: PathBuf,
        /// Convert this already downloaded qm9pack wheel instead of downloading one.
        #[arg(long, value_name = "WHEEL")]
        wheel: Option<PathBuf>,
        /// The Python interpreter whose pip downloads the wheel.
        #[arg(long, default_value = "python3")]
        python: String,
    },
}

pub(super) fn run(args: DataArgs) -> Result<(), Failure> {
    match args.dataset {
        Dataset::Qm9 {
            output,
            wheel,
            python,
        } => {
            let count = match wheel {
                Some(wheel) => qm9::convert_wheel(&wheel, &output)
                    .map_err(|e| Failure::BadInput(e.to_string()))?,
                None => {
                    eprintln!("downloading {QM9PACK} with {python} -m pip …");
                    qm9::fetch(&python, &output).map_err(|e| Failure::Runtime(e.to_string()))?
                }
            };
            eprintln!("wrote {count} molecules to {}", output.display());
            Ok(())
        }
    }
}
