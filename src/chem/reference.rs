//! A checkpoint's training reference: the canonical SMILES and nine property values of every
//! training-split molecule, as a gzip-compressed CSV (`reference.csv.gz`) kept beside the model,
//! so that sampling (novelty, imputation) needs no copy of the training data.
//!
//! Rows keep the training data's order (so imputation's random choices pick the same molecules
//! as when the data file is read) and the gzip stream has no timestamp, so two checkpoints
//! trained on the same split carry byte-identical files (git stores the blob once). Values are written with
//! the fewest decimals that give them back within 1e-9 (MW 3, TPSA 2, LogP 4, counts 0 for
//! RDKit's QM9 values; the shortest round-trip form otherwise).

use super::property::{Property, PropertyValues};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};

/// The file name inside a checkpoint directory.
pub const FILE_NAME: &str = "reference.csv.gz";

/// Largest decompressed reference read (bytes): bounds a hostile or corrupt file.
pub const MAX_BYTES: u64 = 1 << 30;

/// The training molecules of a checkpoint.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Reference {
    /// Canonical SMILES and property values, in the training data's order.
    pub molecules: Vec<(String, PropertyValues)>,
}

/// Why a reference could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReferenceError {
    /// The file could not be read or decompressed.
    #[error("cannot read `{path}`: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause (a truncated or corrupt gzip stream reads as an I/O error).
        source: std::io::Error,
    },
    /// A line is not `smiles` and nine numbers.
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line of the decompressed CSV.
        line: usize,
        /// 1-based column (byte) of the offending field.
        column: usize,
        /// What was expected.
        message: String,
    },
}

/// The fewest decimals tried for each property: RDKit's QM9 values of MW have 3, TPSA 2,
/// LogP 4 or 5, the counts none.
fn min_decimals(p: Property) -> usize {
    match p {
        Property::MW => 3,
        Property::TPSA => 2,
        Property::LogP => 4,
        _ => 0,
    }
}

/// Most decimals tried before writing a value in full.
const MAX_DECIMALS: usize = 8;

/// `v` with the fewest decimals (from the property's minimum) that read back within 1e-9, else
/// in full (shortest round-trip form). Sums such as RDKit's Crippen logP carry floating-point
/// noise in their last bits (−0.4977200000000001); the short form drops it, so the same
/// molecule gives the same text however its value was computed or cached.
fn format_value(p: Property, v: f64) -> String {
    (min_decimals(p)..=MAX_DECIMALS)
        .map(|d| format!("{v:.d$}"))
        .find(|s| s.parse::<f64>().is_ok_and(|back| (back - v).abs() <= 1e-9))
        .unwrap_or_else(|| format!("{v}"))
}

fn header() -> String {
    let mut h = String::from("smiles");
    for p in Property::ALL {
        h.push(',');
        h.push_str(p.name());
    }
    h
}

impl Reference {
    /// The gzip-compressed CSV (deterministic: no file name or time in the header).
    pub fn to_gzip(&self) -> Vec<u8> {
        let mut text = header();
        text.push('\n');
        for (smiles, values) in &self.molecules {
            text.push_str(smiles);
            for (p, v) in Property::ALL.iter().zip(values.0) {
                text.push(',');
                text.push_str(&format_value(*p, v));
            }
            text.push('\n');
        }
        let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
        encoder
            .write_all(text.as_bytes())
            .expect("writing to memory cannot fail");
        encoder.finish().expect("writing to memory cannot fail")
    }

    /// Reads a reference written by [`Reference::to_gzip`] from `path`.
    pub fn read(path: &Path) -> Result<Reference, ReferenceError> {
        let io = |source| ReferenceError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let reader = BufReader::new(GzDecoder::new(file).take(MAX_BYTES));
        let parse = |line, column, message: String| ReferenceError::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message,
        };
        let mut molecules = Vec::new();
        let mut seen_header = false;
        for (index, line) in reader.lines().enumerate() {
            let line = line.map_err(io)?;
            let number = index + 1;
            if !seen_header {
                if line != header() {
                    return Err(parse(1, 1, format!("expected the header `{}`", header())));
                }
                seen_header = true;
                continue;
            }
            let mut fields = line.split(',');
            let smiles = fields.next().unwrap_or_default();
            if smiles.is_empty() {
                return Err(parse(number, 1, "expected a SMILES string".into()));
            }
            let mut values = PropertyValues([0.0; 9]);
            let mut column = smiles.len() + 2;
            for (k, p) in Property::ALL.iter().enumerate() {
                let field = fields.next().ok_or_else(|| {
                    parse(number, column, format!("expected a value of {}", p.name()))
                })?;
                values.0[k] = field
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| {
                        parse(
                            number,
                            column,
                            format!("expected a finite number for {}, found `{field}`", p.name()),
                        )
                    })?;
                column += field.len() + 1;
            }
            if fields.next().is_some() {
                return Err(parse(number, column, "expected the end of the line".into()));
            }
            molecules.push((smiles.to_string(), values));
        }
        if !seen_header {
            return Err(parse(1, 1, "the reference is empty".into()));
        }
        Ok(Reference { molecules })
    }

    /// Writes the reference to `path` atomically (temporary file, then rename).
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        std::fs::write(&tmp, self.to_gzip())?;
        std::fs::rename(&tmp, path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Reference {
        Reference {
            molecules: vec![
                (
                    "OCC".into(),
                    PropertyValues([46.069, 1.0, 1.0, 0.0, 0.0, 1.0, 20.23, -0.0014, 0.0]),
                ),
                (
                    "C".into(),
                    // Full-precision noise (as RDKit's sums give) and a value with more decimals.
                    PropertyValues([
                        16.043000000000003,
                        0.0,
                        0.0,
                        0.0,
                        0.0,
                        0.0,
                        0.0,
                        -0.4977200000000001,
                        0.5,
                    ]),
                ),
            ],
        }
    }

    #[test]
    fn round_trips_in_order_and_compact() {
        let dir = std::env::temp_dir().join(format!("qattnc-ref-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(FILE_NAME);
        let reference = sample();
        reference.write(&path).unwrap();
        let back = Reference::read(&path).unwrap();
        assert_eq!(back.molecules[0].0, "OCC");
        assert_eq!(back.molecules[1].0, "C");
        for ((s1, v1), (s2, v2)) in reference.molecules.iter().zip(&back.molecules) {
            assert_eq!(s1, s2);
            for (a, b) in v1.0.iter().zip(v2.0) {
                assert!((a - b).abs() <= 1e-9, "{a} vs {b}");
            }
        }
        // The short forms were used (LogP with the 5 decimals it needs), the non-integer count
        // kept as it is.
        let mut text = String::new();
        GzDecoder::new(&reference.to_gzip()[..])
            .read_to_string(&mut text)
            .unwrap();
        assert!(
            text.contains("\nC,16.043,0,0,0,0,0,0.00,-0.49772,0.5\n"),
            "{text}"
        );
        // Deterministic bytes.
        assert_eq!(reference.to_gzip(), sample().to_gzip());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn corrupt_truncated_and_malformed_files_are_located_errors() {
        let dir = std::env::temp_dir().join(format!("qattnc-ref-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(FILE_NAME);
        let bytes = sample().to_gzip();
        std::fs::write(&path, &bytes[..bytes.len() - 6]).unwrap();
        assert!(matches!(
            Reference::read(&path),
            Err(ReferenceError::Io { .. })
        ));
        std::fs::write(&path, b"not gzip at all").unwrap();
        assert!(matches!(
            Reference::read(&path),
            Err(ReferenceError::Io { .. })
        ));
        let gz = |text: &str| {
            let mut e = GzEncoder::new(Vec::new(), Compression::fast());
            e.write_all(text.as_bytes()).unwrap();
            e.finish().unwrap()
        };
        let bad = format!("{}\nC,16.043,0,x,0,0,0,0,0.6,0\n", header());
        std::fs::write(&path, gz(&bad)).unwrap();
        let error = Reference::read(&path).unwrap_err().to_string();
        assert!(
            error.ends_with(":2:12: expected a finite number for HBD, found `x`"),
            "{error}"
        );
        std::fs::write(&path, gz("smiles,MW\n")).unwrap();
        let error = Reference::read(&path).unwrap_err().to_string();
        assert!(error.contains(":1:1: expected the header"), "{error}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
