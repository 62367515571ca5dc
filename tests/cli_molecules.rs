//! Shipped models out of the box and bad checkpoints: `qattnc sample` run from a temporary copy
//! of the repository's model directory, with no training data anywhere near, must read the
//! checkpoint's own `reference.csv.gz`; corrupt, truncated or mismatched checkpoints and
//! impossible targets are bad input (exit 2), never a panic.

mod common;

use common::{last_json, text};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A shipped checkpoint: the smallest sequence and conditional paper models.
fn shipped(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("models")
        .join(name)
}

/// Copies a shipped checkpoint's sampling files into `root/models/NAME` (a fresh "clone" with
/// no `../shared` beside it) and returns the copy.
fn copy_model(root: &Path, name: &str) -> PathBuf {
    let to = root.join("models").join(name);
    std::fs::create_dir_all(&to).unwrap();
    for file in ["config.json", "model.safetensors", "reference.csv.gz"] {
        std::fs::copy(shipped(name).join(file), to.join(file)).unwrap();
    }
    to
}

/// Runs `qattnc` in `cwd` with a private, empty dataset cache.
fn qattnc_in(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_qattnc"))
        .args(args)
        .current_dir(cwd)
        .env("QATTNC_CACHE_DIR", cwd.join("cache"))
        .output()
        .unwrap()
}

#[test]
fn shipped_models_sample_with_novelty_and_imputation_from_a_bare_copy() {
    let root = tempfile::tempdir().unwrap();
    let sequence = copy_model(root.path(), "paper-quantum-sequence");
    let conditional = copy_model(root.path(), "paper-quantum-conditional");
    // The recorded data path (../shared/data/qm9/qm9.csv) does not exist from here.
    assert!(!root.path().join("../shared/data/qm9/qm9.csv").exists());
    let run = qattnc_in(
        root.path(),
        &[
            "sample",
            "--checkpoint",
            sequence.to_str().unwrap(),
            "--n",
            "40",
            "--json",
        ],
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    let summary = last_json(&run);
    let metrics = &summary["metrics"];
    assert_eq!(metrics["queries"], 40);
    // A trained paper model: some valid molecules, and novelty measured against the 127,049
    // training molecules (not against an empty set, which would make every molecule novel).
    let (valid, unique, novel) = (
        metrics["valid"].as_u64().unwrap(),
        metrics["unique"].as_u64().unwrap(),
        metrics["novel"].as_u64().unwrap(),
    );
    assert!(valid >= 8, "{summary}");
    assert!(novel < unique, "{summary}");

    // Imputation by draw (the default) from the reference's property rows.
    let run = qattnc_in(
        root.path(),
        &[
            "sample",
            "--checkpoint",
            conditional.to_str().unwrap(),
            "--n",
            "40",
            "--nRing",
            "1",
            "--json",
        ],
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
    let rings = &last_json(&run)["metrics"]["properties"][0];
    assert_eq!(rings["property"], "nRing");
    assert!(rings["exact_match"].as_f64().unwrap() > 0.0, "{rings}");
}

/// Every checkpoint directory under `models/` (the paper presets, the larger models and the
/// recommended models, finished or part-way).
fn every_shipped_model() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(shipped(""))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|dir| dir.join("config.json").is_file())
        .map(|dir| dir.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_shipped_model_samples_from_a_bare_copy() {
    let names = every_shipped_model();
    assert!(names.len() >= 9, "{names:?}");
    let root = tempfile::tempdir().unwrap();
    for name in &names {
        let model = copy_model(root.path(), name);
        let meta: serde_json::Value =
            serde_json::from_slice(&std::fs::read(model.join("config.json")).unwrap()).unwrap();
        let conditional = meta["config"]["model"]["conditional"].as_bool().unwrap();
        let mut args = vec!["sample", "--checkpoint", model.to_str().unwrap()];
        args.extend(["--n", "16", "--json"]);
        if conditional {
            // A condition, so that the default imputation (draw) reads the reference's rows.
            args.extend(["--nRing", "1"]);
        }
        let run = qattnc_in(root.path(), &args);
        assert!(run.status.success(), "{name}: {}", text(&run.stderr));
        let metrics = &last_json(&run)["metrics"];
        assert_eq!(metrics["queries"], 16, "{name}: {metrics}");
        // Novelty is measured against the reference, never against an empty set.
        let (unique, novel) = (
            metrics["unique"].as_u64().unwrap(),
            metrics["novel"].as_u64().unwrap(),
        );
        assert!(novel <= unique, "{name}: {metrics}");
        if conditional {
            assert_eq!(
                metrics["properties"][0]["property"], "nRing",
                "{name}: {metrics}"
            );
        }
    }
}

#[test]
fn every_shipped_training_config_loads() {
    let dir = shipped("configs");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path).unwrap();
            let config =
                qattnc::model::config::Config::from_toml(&text, &path.display().to_string());
            assert!(config.is_ok(), "{}: {:?}", path.display(), config.err());
            count += 1;
        }
    }
    assert!(count >= 8, "{count} configs in {}", dir.display());
}

#[test]
fn without_reference_or_data_sample_says_what_it_looked_for() {
    let root = tempfile::tempdir().unwrap();
    let model = copy_model(root.path(), "paper-quantum-sequence");
    std::fs::remove_file(model.join("reference.csv.gz")).unwrap();
    let run = qattnc_in(
        root.path(),
        &[
            "sample",
            "--checkpoint",
            model.to_str().unwrap(),
            "--n",
            "5",
        ],
    );
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    let stderr = text(&run.stderr);
    assert!(stderr.contains("reference.csv.gz"), "{stderr}");
    assert!(stderr.contains("../shared/data/qm9/qm9.csv"), "{stderr}");
    assert!(stderr.contains("--data"), "{stderr}");
}

/// Runs `sample` on a damaged copy and expects exit 2 with `needle` in the message.
fn expect_bad(root: &Path, model: &Path, extra: &[&str], needle: &str) {
    let mut args = vec![
        "sample",
        "--checkpoint",
        model.to_str().unwrap(),
        "--n",
        "5",
    ];
    args.extend_from_slice(extra);
    let run = qattnc_in(root, &args);
    let stderr = text(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{extra:?}: {stderr}");
    assert!(
        stderr.contains(needle),
        "{extra:?}: expected `{needle}` in {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn damaged_checkpoints_are_bad_input() {
    let root = tempfile::tempdir().unwrap();
    let model = copy_model(root.path(), "paper-quantum-sequence");
    let original =
        |file: &str| std::fs::read(shipped("paper-quantum-sequence").join(file)).unwrap();
    let restore = |file: &str| std::fs::write(model.join(file), original(file)).unwrap();

    // Truncated weights.
    let weights = original("model.safetensors");
    std::fs::write(
        model.join("model.safetensors"),
        &weights[..weights.len() / 2],
    )
    .unwrap();
    expect_bad(root.path(), &model, &[], "model.safetensors");
    // Garbage weights.
    std::fs::write(
        model.join("model.safetensors"),
        b"\xff\xff\xff\xff\xff\xff\xff\x7fjunk",
    )
    .unwrap();
    expect_bad(root.path(), &model, &[], "model.safetensors");
    restore("model.safetensors");

    // Truncated config.json: a located JSON error.
    let config = original("config.json");
    std::fs::write(model.join("config.json"), &config[..config.len() / 3]).unwrap();
    expect_bad(root.path(), &model, &[], "config.json");
    // Another vocabulary: one token fewer than the weights were trained with.
    let mut meta: serde_json::Value = serde_json::from_slice(&config).unwrap();
    meta["vocabulary"].as_array_mut().unwrap().pop();
    std::fs::write(model.join("config.json"), meta.to_string()).unwrap();
    expect_bad(root.path(), &model, &[], "model.safetensors");
    // Partial conditions claimed for a sequence model.
    let mut meta: serde_json::Value = serde_json::from_slice(&config).unwrap();
    meta["config"]["model"]["partial_conditions"] = true.into();
    std::fs::write(model.join("config.json"), meta.to_string()).unwrap();
    expect_bad(root.path(), &model, &[], "partial_conditions");
    restore("config.json");

    // A truncated reference, and one of other data (fewer molecules than trained on).
    let reference = original("reference.csv.gz");
    std::fs::write(
        model.join("reference.csv.gz"),
        &reference[..reference.len() / 2],
    )
    .unwrap();
    expect_bad(root.path(), &model, &[], "reference.csv.gz");
    let mut other = flate_head(&reference, 1000);
    other.push(b'\n');
    std::fs::write(model.join("reference.csv.gz"), gzip(&other)).unwrap();
    expect_bad(
        root.path(),
        &model,
        &[],
        "but the checkpoint was trained on 127049",
    );
    restore("reference.csv.gz");
}

#[test]
fn impossible_targets_are_bad_input() {
    let root = tempfile::tempdir().unwrap();
    let model = copy_model(root.path(), "paper-quantum-conditional");
    expect_bad(
        root.path(),
        &model,
        &["--HBD", "-1"],
        "--HBD: expected a value ≥ 0",
    );
    expect_bad(
        root.path(),
        &model,
        &["--MW", "NaN"],
        "--MW: expected a finite number",
    );
    expect_bad(
        root.path(),
        &model,
        &["--TPSA", "inf"],
        "--TPSA: expected a finite number",
    );
    // Properties left unset, for a model that reads all nine.
    expect_bad(
        root.path(),
        &model,
        &["--MW", "120", "--impute", "none"],
        "partial_conditions",
    );
    // LogP may be negative.
    let run = qattnc_in(
        root.path(),
        &[
            "sample",
            "--checkpoint",
            model.to_str().unwrap(),
            "--n",
            "5",
            "--LogP",
            "-1.5",
        ],
    );
    assert!(run.status.success(), "{}", text(&run.stderr));
}

/// The first `lines` lines of a gzip-compressed text.
fn flate_head(gz: &[u8], lines: usize) -> Vec<u8> {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::GzDecoder::new(gz)
        .read_to_string(&mut text)
        .unwrap();
    text.lines()
        .take(lines)
        .collect::<Vec<_>>()
        .join("\n")
        .into_bytes()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}
