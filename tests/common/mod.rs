//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// The shared data folder (`$QATTNC_SHARED`, else `../shared/data` beside the crate), or `None`
/// after printing why the test using it is skipped.
pub fn shared_data(test: &str) -> Option<PathBuf> {
    let dir = match std::env::var_os("QATTNC_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"),
    };
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipping {test}: shared data folder {} is absent (set QATTNC_SHARED)",
            dir.display()
        );
        None
    }
}

/// A file in `tests/fixtures/`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}
