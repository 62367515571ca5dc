//! `qattnc props`: the nine RDKit properties of every SMILES in a file.

use super::{Failure, write_output};
use crate::chem::dataset::{check_all, progress_bar, read_smiles};
use crate::chem::{DEFAULT_MAX_SMILES_LEN, Property};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `qattnc props`.
#[derive(Debug, Args)]
pub struct PropsArgs {
    /// Input: a CSV file with a `smiles` column, or a SMI file (one SMILES per line).
    input: PathBuf,
    /// Output CSV (columns smiles,valid,canonical and the nine properties); standard output
    /// when absent.
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
    /// SMILES longer than this many bytes are invalid without being parsed (RDKit's parse
    /// time grows superlinearly with length).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_SMILES_LEN)]
    max_smiles_len: usize,
}

pub(super) fn run(args: PropsArgs) -> Result<(), Failure> {
    let smiles = read_smiles(&args.input).map_err(|e| Failure::BadInput(e.to_string()))?;
    let progress = progress_bar(smiles.len(), "computing properties");
    let checked = check_all(&smiles, args.max_smiles_len, &progress);
    progress.finish_and_clear();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header = vec!["smiles", "valid", "canonical"];
    header.extend(Property::ALL.iter().map(|p| p.name()));
    let csv_error = |e: csv::Error| Failure::Runtime(format!("cannot format the output: {e}"));
    writer.write_record(&header).map_err(csv_error)?;
    let mut valid = 0;
    for (input, result) in smiles.iter().zip(&checked) {
        let mut row = vec![input.clone()];
        match result {
            Ok((canonical, values)) => {
                valid += 1;
                row.push("true".into());
                row.push(canonical.clone());
                row.extend(values.0.iter().map(f64::to_string));
            }
            Err(_) => {
                row.push("false".into());
                row.extend(std::iter::repeat_n(String::new(), 1 + Property::ALL.len()));
            }
        }
        writer.write_record(&row).map_err(csv_error)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| Failure::Runtime(e.to_string()))?;
    let text = String::from_utf8_lossy(&bytes);
    match &args.output {
        Some(path) => write_output(path, &text)?,
        None => super::print_stdout(&text),
    }
    eprintln!(
        "{} rows: {valid} valid, {} invalid",
        smiles.len(),
        smiles.len() - valid
    );
    Ok(())
}
