//! `qattnc train`, `sample` and `attention` end to end on a tiny model (one epoch on the
//! 80-molecule fixture), and their handling of bad checkpoints.

mod common;

use common::{last_json, qattnc, text};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/model_qm9_80.csv"
);

/// A tiny conditional quantum model trained once for all tests of this file.
fn checkpoint() -> &'static Path {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("tiny.toml");
        std::fs::write(
            &config,
            "preset = \"paper-quantum-conditional\"\n[model]\nembed = 16\nmlp_hidden = 32\n\
             [train]\nbatch_size = 16\nepochs = 2\nseed = 3\n",
        )
        .unwrap();
        let out = dir.path().join("model");
        let run = qattnc(&[
            "train",
            "--config",
            config.to_str().unwrap(),
            "--data",
            FIXTURE,
            "--out",
            out.to_str().unwrap(),
            "--json",
        ]);
        assert!(run.status.success(), "{}", text(&run.stderr));
        let report = last_json(&run);
        assert_eq!(report["epochs"], 2);
        assert!(report["mean_step_ms"].as_f64().unwrap() > 0.0);
        (dir, out)
    })
    .1
}

fn is_png(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n")
}

#[test]
fn train_writes_losses_and_a_loss_curve() {
    let dir = checkpoint();
    let losses = std::fs::read_to_string(dir.join("losses.csv")).unwrap();
    let lines: Vec<&str> = losses.lines().collect();
    assert_eq!(lines[0], "step,loss");
    assert!(lines.len() > 2, "{losses}");
    assert!(lines[1].starts_with("1,"), "{}", lines[1]);
    let png = std::fs::read(dir.join("loss.png")).unwrap();
    assert!(is_png(&png));
    assert!(
        png.len() > 5_000 && png.len() < 1_000_000,
        "{} bytes",
        png.len()
    );
}

#[test]
fn sample_writes_the_documented_csv_columns() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("samples.csv");
    let run = qattnc(&[
        "sample",
        "--checkpoint",
        checkpoint().to_str().unwrap(),
        "--n",
        "20",
        "--MW",
        "100",
        "--seed",
        "4",
        "-o",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let csv = std::fs::read_to_string(&out).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "smiles,valid,canonical,MW,HBA,HBD,nRot,nRing,nHet,TPSA,LogP,StereoCenters"
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 20);
    for row in rows {
        let cells: Vec<&str> = row.split(',').collect();
        assert_eq!(cells.len(), 12, "{row}");
        assert!(cells[1] == "true" || cells[1] == "false", "{row}");
    }
    let summary = last_json(&run);
    assert_eq!(summary["queries"], 20);
    assert!(summary["validity"].as_f64().unwrap() <= 1.0);
}

#[test]
fn attention_writes_a_heatmap_png() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("map.png");
    let run = qattnc(&[
        "attention",
        "--checkpoint",
        checkpoint().to_str().unwrap(),
        "--smiles",
        "CC(=O)NC",
        "-o",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let png = std::fs::read(&out).unwrap();
    assert!(is_png(&png));
    assert!(
        png.len() > 5_000 && png.len() < 1_000_000,
        "{} bytes",
        png.len()
    );
    let report = last_json(&run);
    let tokens = report["tokens"].as_array().unwrap();
    assert_eq!(tokens.len(), 9, "[CLS] and 8 tokens");
    let weights = report["weights"].as_array().unwrap();
    for (i, row) in weights.iter().enumerate() {
        let row: Vec<f64> = row
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        let visible: f64 = row[..=i].iter().sum();
        assert!((visible - 1.0).abs() < 1e-4, "row {i}: {row:?}");
        assert!(
            row[i + 1..].iter().all(|&v| v.abs() < 1e-6),
            "row {i}: {row:?}"
        );
    }
}

#[test]
fn attention_rejects_unknown_tokens_and_overlong_molecules() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("map.png");
    for smiles in ["C[Se]C", &"C".repeat(40)] {
        let run = qattnc(&[
            "attention",
            "--checkpoint",
            checkpoint().to_str().unwrap(),
            "--smiles",
            smiles,
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
        assert!(!out.exists());
    }
}

#[test]
fn a_missing_checkpoint_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-checkpoint");
    let out = dir.path().join("x");
    for args in [
        vec![
            "sample",
            "--checkpoint",
            missing.to_str().unwrap(),
            "--n",
            "5",
        ],
        vec![
            "attention",
            "--checkpoint",
            missing.to_str().unwrap(),
            "--smiles",
            "CCO",
            "-o",
            out.to_str().unwrap(),
        ],
    ] {
        let run = qattnc(&args);
        assert_eq!(
            run.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&run.stderr)
        );
        assert!(text(&run.stderr).contains("no-such-checkpoint"));
    }
}

#[test]
fn protocol_runs_the_papers_nineteen_conditions_and_matches_sample() {
    let dir = tempfile::tempdir().unwrap();
    let paper = dir.path().join("paper.csv");
    std::fs::write(
        &paper,
        "save_filenames,validity,uniqueness,novelty,sampled_averages,targets,,property_names,no_conditions_mean\n\
         ./results/q/no_conditions.csv,50.5,38.8,69.6,,,,MW,125.1\n\
         ./results/q/upper_MW.csv,15.556,65.0,97.2,135.73,137.88,,HBA,2.31\n",
    )
    .unwrap();
    let table = dir.path().join("protocol.csv");
    let run = qattnc(&[
        "protocol",
        "--checkpoint",
        checkpoint().to_str().unwrap(),
        "--n",
        "30",
        "--paper",
        paper.to_str().unwrap(),
        "--csv",
        table.to_str().unwrap(),
        "--json",
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let report = last_json(&run);
    let runs = report["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 19);
    assert_eq!(runs[0]["name"], "no_conditions");
    assert_eq!(runs[0]["paper"]["validity"], 0.505);
    assert!(runs[3]["paper"].is_null());
    assert_eq!(report["summary"]["conditioned_runs"], 18);
    let lower_hbd = runs.iter().find(|r| r["name"] == "lower_HBD").unwrap();
    let hbd = &lower_hbd["properties"][0];
    assert_eq!(hbd["property"], "HBD");
    assert_eq!(hbd["target"], 0.0);
    // MolGPT-style numbers: for a count target of 0, MAD is the mean count, the exact-match
    // rate the share of valid molecules with no donor (1 − rate of the others), and MW has none.
    if lower_hbd["valid"].as_u64().unwrap() > 0 {
        let mean = hbd["mean"].as_f64().unwrap();
        assert!((hbd["mae"].as_f64().unwrap() - mean).abs() < 1e-12);
        let exact = hbd["exact_match"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&exact));
        assert!(hbd["mae_std"].as_f64().unwrap() >= 0.0);
    }
    assert!(runs[1]["properties"][0]["exact_match"].is_null());
    assert_eq!(runs[0]["properties"].as_array().unwrap().len(), 0);
    assert!(report["summary"]["median_conditioned_uniqueness"].is_number());
    assert_eq!(std::fs::read_to_string(&table).unwrap().lines().count(), 20);

    // The upper_MW run is `qattnc sample --MW <target>` with the same seed and queries.
    let upper = &runs[1];
    assert_eq!(upper["name"], "upper_MW");
    let target = upper["properties"][0]["target"].as_f64().unwrap();
    let sample = qattnc(&[
        "sample",
        "--checkpoint",
        checkpoint().to_str().unwrap(),
        "--n",
        "30",
        "--MW",
        &target.to_string(),
        "--impute",
        "knn",
        "--json",
    ]);
    assert!(sample.status.success(), "{}", text(&sample.stderr));
    let summary = last_json(&sample);
    assert_eq!(summary["validity"], upper["validity"]);
    assert_eq!(summary["uniqueness"], upper["uniqueness"]);
    assert_eq!(summary["metrics"]["properties"][0], upper["properties"][0]);
}

#[test]
fn protocol_grids_condition_on_several_properties_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let table = dir.path().join("grid.csv");
    let ck = checkpoint().to_str().unwrap();
    let run = qattnc(&[
        "protocol",
        "--checkpoint",
        ck,
        "--n",
        "20",
        "--runs",
        "no_conditions",
        "--grid",
        "LogP,TPSA=20/60",
        "--csv",
        table.to_str().unwrap(),
        "--json",
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let report = last_json(&run);
    let runs = report["runs"].as_array().unwrap();
    let names: Vec<&str> = runs.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "no_conditions",
            "lower_LogP+TPSA=20",
            "lower_LogP+TPSA=60",
            "upper_LogP+TPSA=20",
            "upper_LogP+TPSA=60",
        ]
    );
    assert_eq!(report["summary"]["conditioned_runs"], 4);
    // One CSV row per conditioned property: the header, no_conditions, 4 runs × 2 properties.
    assert_eq!(std::fs::read_to_string(&table).unwrap().lines().count(), 10);

    // A grid run is `qattnc sample` with both targets, the paper's imputation and the same seed.
    let corner = &runs[4];
    let properties = corner["properties"].as_array().unwrap();
    assert_eq!(properties.len(), 2);
    assert_eq!(properties[0]["property"], "LogP");
    assert_eq!(properties[1]["property"], "TPSA");
    assert_eq!(properties[1]["target"], 60.0);
    let logp = properties[0]["target"].as_f64().unwrap();
    let sample = qattnc(&[
        "sample",
        "--checkpoint",
        ck,
        "--n",
        "20",
        "--LogP",
        &logp.to_string(),
        "--TPSA",
        "60",
        "--impute",
        "knn",
        "--json",
    ]);
    assert!(sample.status.success(), "{}", text(&sample.stderr));
    let summary = last_json(&sample);
    assert_eq!(summary["validity"], corner["validity"]);
    // The same statistics (sample lists the properties in the nine's order, the grid in its own).
    let sampled = summary["metrics"]["properties"].as_array().unwrap();
    assert_eq!(sampled.len(), 2);
    for stats in properties {
        assert!(sampled.contains(stats), "{stats} not in {sampled:?}");
    }

    for (spec, needle) in [
        ("LogP,TPSA=-5", "--grid: TPSA: expected a value ≥ 0"),
        ("LogP,Weight=3", "--grid: unknown property `Weight`"),
        (
            "MW=1/2/3/4/5/6/7/8/9,HBA=1/2/3/4/5/6/7/8",
            "more than 64 runs",
        ),
    ] {
        let run = qattnc(&["protocol", "--checkpoint", ck, "--grid", spec]);
        assert_eq!(run.status.code(), Some(2), "{spec}");
        assert!(text(&run.stderr).contains(needle), "{}", text(&run.stderr));
    }
}

#[test]
fn protocol_rejects_unknown_runs_and_bad_paper_files() {
    let dir = tempfile::tempdir().unwrap();
    let run = qattnc(&[
        "protocol",
        "--checkpoint",
        checkpoint().to_str().unwrap(),
        "--runs",
        "upper_XYZ",
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("no run `upper_XYZ`"),
        "{}",
        text(&run.stderr)
    );
    let paper = dir.path().join("bad.csv");
    std::fs::write(&paper, "validity\n1\n").unwrap();
    let run = qattnc(&[
        "protocol",
        "--checkpoint",
        checkpoint().to_str().unwrap(),
        "--paper",
        paper.to_str().unwrap(),
    ]);
    assert_eq!(run.status.code(), Some(2));
    assert!(
        text(&run.stderr).contains("save_filenames"),
        "{}",
        text(&run.stderr)
    );
}

#[test]
fn sample_draws_imputed_conditions_per_query() {
    let ck = checkpoint().to_str().unwrap();
    let draw = qattnc(&[
        "sample",
        "--checkpoint",
        ck,
        "--n",
        "20",
        "--MW",
        "100",
        "--impute",
        "draw",
        "--neighbours",
        "3",
        "--json",
    ]);
    assert!(draw.status.success(), "{}", text(&draw.stderr));
    let bad = qattnc(&[
        "sample",
        "--checkpoint",
        ck,
        "--n",
        "20",
        "--MW",
        "100",
        "--impute",
        "mean",
        "--neighbours",
        "3",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("no number of neighbours"),
        "{}",
        text(&bad.stderr)
    );
}

#[test]
fn train_rejects_a_layer_that_does_not_fit_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let layers = concat!(env!("CARGO_MANIFEST_DIR"), "/circuits/layers");
    for (quantum, expected) in [
        (format!("layer = \"{layers}/two_heads.toml\""), "2 head(s)"),
        ("layer = \"missing.toml\"".to_string(), "missing.toml"),
    ] {
        let config = dir.path().join("layer.toml");
        std::fs::write(
            &config,
            format!("preset = \"paper-quantum-sequence\"\n[quantum]\n{quantum}\n"),
        )
        .unwrap();
        let out = dir.path().join("model");
        let run = qattnc(&[
            "train",
            "--config",
            config.to_str().unwrap(),
            "--data",
            FIXTURE,
            "--out",
            out.to_str().unwrap(),
        ]);
        let stderr = text(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(expected) && stderr.contains("layer.toml"),
            "{stderr}"
        );
        assert!(!out.exists());
    }
}
