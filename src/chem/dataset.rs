//! Molecule datasets: reading SMILES from CSV (a `smiles`/`SMILES` column) or `.smi` files,
//! checking every string with RDKit in parallel, dropping invalid strings and duplicates
//! (counted), and caching the result keyed by the SHA-256 of the file so the next load of the
//! same file skips RDKit entirely.

use super::molecule::{Molecule, PropertyCalculator, SmilesError};
use super::property::PropertyValues;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Bumped whenever the cache layout or the meaning of its contents changes.
const CACHE_FORMAT: u32 = 1;

/// Why a dataset could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    /// The file could not be read.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The CSV file is malformed.
    #[error("{path}: malformed CSV: {message}")]
    Csv {
        /// The file.
        path: PathBuf,
        /// What the CSV reader reported.
        message: String,
    },
    /// The CSV file has no `smiles` column.
    #[error("{path}:1: no `smiles` column (found: {found})")]
    NoSmilesColumn {
        /// The file.
        path: PathBuf,
        /// The header fields that were found.
        found: String,
    },
}

/// Reads the SMILES strings of a file, one per row, in file order. A `.csv` file (by
/// extension, any case) needs a `smiles` column (any case); rows without it give the empty
/// string, which is invalid. Any other file is read as SMI: the first whitespace-separated
/// field of each non-blank line, skipping a first line that reads `smiles`. Bytes that are not
/// UTF-8 are replaced (the string is then invalid) rather than rejected.
pub fn read_smiles(path: &Path) -> Result<Vec<String>, DatasetError> {
    let bytes = std::fs::read(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    if is_csv {
        read_csv(path, &bytes)
    } else {
        Ok(read_smi(&bytes))
    }
}

fn read_csv(path: &Path, bytes: &[u8]) -> Result<Vec<String>, DatasetError> {
    let csv_error = |e: csv::Error| DatasetError::Csv {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = reader.byte_headers().map_err(csv_error)?.clone();
    let column = headers
        .iter()
        .position(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .eq_ignore_ascii_case("smiles")
        })
        .ok_or_else(|| DatasetError::NoSmilesColumn {
            path: path.to_path_buf(),
            found: headers
                .iter()
                .map(|h| format!("`{}`", String::from_utf8_lossy(h)))
                .collect::<Vec<_>>()
                .join(", "),
        })?;
    let mut smiles = Vec::new();
    for record in reader.byte_records() {
        let record = record.map_err(csv_error)?;
        let field = record.get(column).unwrap_or_default();
        smiles.push(String::from_utf8_lossy(field).trim().to_string());
    }
    Ok(smiles)
}

fn read_smi(bytes: &[u8]) -> Vec<String> {
    let mut smiles: Vec<String> = bytes
        .split(|&b| b == b'\n')
        .filter_map(|line| {
            let line = String::from_utf8_lossy(line);
            line.split_whitespace().next().map(String::from)
        })
        .collect();
    if smiles
        .first()
        .is_some_and(|s| s.eq_ignore_ascii_case("smiles"))
    {
        smiles.remove(0);
    }
    smiles
}

/// A progress bar on standard error; hidden when standard error is not a terminal.
pub fn progress_bar(len: usize, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")
            .expect("the progress template is valid")
            .progress_chars("=> "),
    );
    bar.set_message(message);
    bar
}

/// Canonical SMILES and properties of every string, in input order, computed in parallel
/// (each worker thread owns its RDKit objects). Advances `progress` by one per string.
pub fn check_all(
    smiles: &[String],
    max_len: usize,
    progress: &ProgressBar,
) -> Vec<Result<(String, PropertyValues), SmilesError>> {
    // Build the descriptor registry once on this thread before the workers need it.
    drop(PropertyCalculator::new());
    smiles
        .par_iter()
        .map_init(PropertyCalculator::new, |calculator, s| {
            let result =
                Molecule::parse(s, max_len).map(|m| (m.canonical_smiles(), calculator.compute(&m)));
            progress.inc(1);
            result
        })
        .collect()
}

/// One molecule of a dataset.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// RDKit canonical SMILES.
    pub smiles: String,
    /// The nine properties.
    pub properties: PropertyValues,
}

/// What loading a dataset did.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LoadReport {
    /// Rows (SMILES strings) in the file.
    pub rows: usize,
    /// Rows that RDKit rejected (or that were empty or too long).
    pub invalid: usize,
    /// Valid rows whose canonical SMILES appeared earlier in the file.
    pub duplicates: usize,
    /// True when the molecules came from the cache.
    pub from_cache: bool,
    /// Seconds the load took.
    pub seconds: f64,
}

/// A deduplicated set of valid molecules, in order of first appearance.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    /// The molecules.
    pub entries: Vec<Entry>,
    /// Counts from the load.
    pub report: LoadReport,
}

/// How to load a dataset.
#[derive(Clone, Debug)]
pub struct LoadOptions {
    /// SMILES longer than this (bytes) are invalid without asking RDKit.
    pub max_smiles_len: usize,
    /// Where cached datasets live; `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            max_smiles_len: super::molecule::DEFAULT_MAX_SMILES_LEN,
            cache_dir: default_cache_dir(),
        }
    }
}

/// `$QATTNC_CACHE_DIR`, else `$XDG_CACHE_HOME/qattnc`, else `$HOME/.cache/qattnc`.
pub fn default_cache_dir() -> Option<PathBuf> {
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    var("QATTNC_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| var("XDG_CACHE_HOME").map(|d| PathBuf::from(d).join("qattnc")))
        .or_else(|| var("HOME").map(|d| PathBuf::from(d).join(".cache/qattnc")))
}

/// Loads a dataset: reads the SMILES, canonicalises them, drops invalid strings and
/// duplicates, and computes the nine properties — or takes all of that from the cache when the
/// same file (by SHA-256) was loaded before with the same length cap. A cache that cannot be
/// read or written is ignored.
pub fn load(path: &Path, options: &LoadOptions) -> Result<Dataset, DatasetError> {
    let start = Instant::now();
    let bytes = std::fs::read(path).map_err(|source| DatasetError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let cache_file = options.cache_dir.as_ref().map(|dir| {
        let digest = Sha256::digest(&bytes);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        dir.join(format!(
            "dataset-v{CACHE_FORMAT}-{}-{hex}-max{}.json",
            env!("CARGO_PKG_VERSION"),
            options.max_smiles_len
        ))
    });
    if let Some(cached) = cache_file.as_deref().and_then(read_cache) {
        let mut dataset = cached;
        dataset.report.from_cache = true;
        dataset.report.seconds = start.elapsed().as_secs_f64();
        return Ok(dataset);
    }
    let smiles = read_smiles(path)?;
    let progress = progress_bar(smiles.len(), "checking molecules");
    let checked = check_all(&smiles, options.max_smiles_len, &progress);
    progress.finish_and_clear();
    let mut seen = HashSet::with_capacity(checked.len());
    let mut entries = Vec::with_capacity(checked.len());
    let (mut invalid, mut duplicates) = (0, 0);
    for result in checked {
        match result {
            Err(_) => invalid += 1,
            Ok((canonical, properties)) => {
                if seen.insert(canonical.clone()) {
                    entries.push(Entry {
                        smiles: canonical,
                        properties,
                    });
                } else {
                    duplicates += 1;
                }
            }
        }
    }
    let mut dataset = Dataset {
        entries,
        report: LoadReport {
            rows: smiles.len(),
            invalid,
            duplicates,
            from_cache: false,
            seconds: 0.0,
        },
    };
    if let Some(file) = &cache_file {
        write_cache(file, &dataset);
    }
    dataset.report.seconds = start.elapsed().as_secs_f64();
    Ok(dataset)
}

fn read_cache(file: &Path) -> Option<Dataset> {
    let bytes = std::fs::read(file).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Writes the cache atomically (temporary file, then rename); failures only cost speed.
fn write_cache(file: &Path, dataset: &Dataset) {
    let Some(dir) = file.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let temporary = file.with_extension(format!("tmp{}", std::process::id()));
    let written = serde_json::to_vec(dataset)
        .ok()
        .is_some_and(|json| std::fs::write(&temporary, json).is_ok());
    if !written || std::fs::rename(&temporary, file).is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smi_reading_skips_blank_lines_header_and_names() {
        let text = b"SMILES\nCCO ethanol\n\n  \nc1ccccc1\t benzene\r\n\xff\xfe\n";
        assert_eq!(read_smi(text), ["CCO", "c1ccccc1", "\u{fffd}\u{fffd}"]);
    }

    #[test]
    fn csv_reading_finds_the_column_in_any_case() {
        let text = b"index,SMILES,x\n1,CCO,0\n2,,0\n3\n4,\"C#N\",1\n";
        let smiles = read_csv(Path::new("t.csv"), text).unwrap();
        assert_eq!(smiles, ["CCO", "", "", "C#N"]);
        let error = read_csv(Path::new("t.csv"), b"a,b\n1,2\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "t.csv:1: no `smiles` column (found: `a`, `b`)"
        );
    }
}
