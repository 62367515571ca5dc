//! Obtaining QM9 for users: the PyPI package `qm9pack` 1.0.3 (MIT, by the QM9 author) ships the
//! 130,831 characterised QM9 molecules in `qm9pack/data/qm9_part{1,2,3}.csv` (column `SMILES`).
//! We download the wheel with `python3 -m pip download --no-deps` and convert those files into
//! a CSV with one `smiles` column.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The pinned package.
pub const QM9PACK: &str = "qm9pack==1.0.3";
/// The CSV files inside the wheel, in order.
pub const QM9PACK_PARTS: [&str; 3] = [
    "qm9pack/data/qm9_part1.csv",
    "qm9pack/data/qm9_part2.csv",
    "qm9pack/data/qm9_part3.csv",
];

/// Why QM9 could not be obtained.
#[derive(Debug, thiserror::Error)]
pub enum Qm9Error {
    /// A file could not be read or written.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
    /// pip failed or is missing.
    #[error("`python3 -m pip download --no-deps {QM9PACK}` failed: {0}")]
    Pip(String),
    /// The wheel is not what we expect.
    #[error("{path}: {message}")]
    Wheel {
        /// The wheel.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Qm9Error {
    let what = what.into();
    move |source| Qm9Error::Io { what, source }
}

/// Converts a downloaded `qm9pack` wheel into `output` (a CSV with a `smiles` column, written
/// atomically) and returns the number of molecules written.
pub fn convert_wheel(wheel: &Path, output: &Path) -> Result<usize, Qm9Error> {
    let wheel_error = |message: String| Qm9Error::Wheel {
        path: wheel.to_path_buf(),
        message,
    };
    let file =
        std::fs::File::open(wheel).map_err(io(format!("cannot open `{}`", wheel.display())))?;
    let mut archive =
        zip::ZipArchive::new(file).map_err(|e| wheel_error(format!("not a zip archive: {e}")))?;
    let mut text = String::from("smiles\n");
    let mut count = 0;
    for part in QM9PACK_PARTS {
        let mut bytes = Vec::new();
        archive
            .by_name(part)
            .map_err(|e| wheel_error(format!("no `{part}`: {e}")))?
            .read_to_end(&mut bytes)
            .map_err(io(format!("cannot read `{part}` in `{}`", wheel.display())))?;
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let headers = reader
            .headers()
            .map_err(|e| wheel_error(format!("{part}: {e}")))?
            .clone();
        let column = headers
            .iter()
            .position(|h| h == "SMILES")
            .ok_or_else(|| wheel_error(format!("{part} has no `SMILES` column")))?;
        for record in reader.records() {
            let record = record.map_err(|e| wheel_error(format!("{part}: {e}")))?;
            let smiles = record.get(column).unwrap_or_default().trim();
            if !smiles.is_empty() {
                text.push_str(smiles);
                text.push('\n');
                count += 1;
            }
        }
    }
    write_atomically(output, &text)?;
    Ok(count)
}

fn write_atomically(output: &Path, text: &str) -> Result<(), Qm9Error> {
    if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(format!("cannot create `{}`", dir.display())))?;
    }
    let temporary = output.with_extension(format!("tmp{}", std::process::id()));
    std::fs::write(&temporary, text)
        .and_then(|()| std::fs::rename(&temporary, output))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temporary);
            Qm9Error::Io {
                what: format!("cannot write `{}`", output.display()),
                source: e,
            }
        })
}

/// Downloads the `qm9pack` wheel with `python` (`python3` by default) into a fresh temporary
/// folder, converts it into `output` and removes the folder. Returns the number of molecules.
pub fn fetch(python: &str, output: &Path) -> Result<usize, Qm9Error> {
    let dir = std::env::temp_dir().join(format!("qattnc-qm9-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(io(format!("cannot create `{}`", dir.display())))?;
    let result = download_and_convert(python, &dir, output);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn download_and_convert(python: &str, dir: &Path, output: &Path) -> Result<usize, Qm9Error> {
    let out = Command::new(python)
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--disable-pip-version-check",
        ])
        .args(["--only-binary", ":all:", "-d"])
        .arg(dir)
        .arg(QM9PACK)
        .output()
        .map_err(|e| Qm9Error::Pip(format!("cannot run `{python}`: {e}")))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Err(Qm9Error::Pip(format!("{} ({})", out.status, last.trim())));
    }
    let wheel = std::fs::read_dir(dir)
        .map_err(io(format!("cannot list `{}`", dir.display())))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .ok_or_else(|| Qm9Error::Pip("no wheel was downloaded".to_string()))?;
    convert_wheel(&wheel, output)
}
