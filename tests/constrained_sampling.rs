//! Constrained decoding (`--constrain`): the constraint never refuses a real molecule (QM9,
//! canonical and randomly spelled), and a shipped model sampled under it writes only strings
//! the constraint accepts, more of them valid than without it; `sample` and `protocol` name
//! the constraint and a temperature other than 1 in what they report. Rejection control
//! (`--rejection-level`) keeps a heavy target's mean where the model alone puts it.

mod common;

use qattnc::chem::DEFAULT_MAX_SMILES_LEN as MAX;
use qattnc::chem::Property;
use qattnc::chem::constraint::SmilesConstraint;
use qattnc::chem::dataset::{Entry, LoadOptions, load};
use qattnc::chem::metrics::generation_metrics;
use qattnc::chem::random_smiles::random_smiles;
use qattnc::chem::tokenizer::{BLOCK_SIZE, Vocabulary};
use qattnc::model::conditions::{Impute, query_conditions};
use qattnc::model::evaluate::{generate_checked, training_split};
use qattnc::model::sample::{
    RejectionControl, SampleOptions, generate, generate_with, load_checkpoint,
};
use std::path::Path;

/// Every molecule of `entries`, canonical and in `spellings` random spellings each, passes the
/// constraint of a vocabulary built from them; returns how many strings were checked.
fn assert_all_pass(entries: &[Entry], spellings: u64) -> usize {
    let mut strings = Vec::new();
    for entry in entries {
        strings.push(entry.smiles.clone());
        for seed in 0..spellings {
            strings.push(random_smiles(&entry.smiles, seed, MAX).unwrap());
        }
    }
    let vocabulary = Vocabulary::from_corpus(strings.iter().map(String::as_str)).unwrap();
    let constraint = SmilesConstraint::new(&vocabulary, BLOCK_SIZE - 2);
    let mut checked = 0;
    for smiles in &strings {
        let ids = vocabulary.encode(smiles).unwrap();
        if ids.len() > BLOCK_SIZE - 2 {
            continue; // a random spelling longer than the block: training feeds the canonical
        }
        assert!(constraint.accepts(&ids), "the constraint refuses {smiles}");
        checked += 1;
    }
    checked
}

#[test]
fn fixture_molecules_in_every_spelling_pass() {
    let options = LoadOptions {
        cache_dir: None,
        ..LoadOptions::default()
    };
    let entries = load(Path::new("tests/fixtures/qm9_128.csv"), &options)
        .unwrap()
        .entries;
    let checked = assert_all_pass(&entries, 25);
    assert!(checked > 25 * entries.len(), "{checked}");
}

#[test]
fn all_of_qm9_passes_canonical_and_randomly_spelled() {
    let Some(shared) = common::shared_data("all_of_qm9_passes_canonical_and_randomly_spelled")
    else {
        return;
    };
    let options = LoadOptions {
        max_smiles_len: MAX,
        cache_dir: Some(std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("qm9-cache")),
    };
    let entries = load(&shared.join("qm9/qm9.csv"), &options).unwrap().entries;
    let checked = assert_all_pass(&entries, 1);
    eprintln!("the constraint accepts all {checked} QM9 strings");
}

fn options(n: usize, batch: usize, constrain: bool) -> SampleOptions {
    SampleOptions {
        n,
        seed: 0,
        temperature: 1.0,
        top_k: None,
        batch,
        constrain,
        rejection: None,
    }
}

#[test]
fn a_shipped_model_under_the_constraint_writes_what_it_accepts() {
    let loaded = load_checkpoint(Path::new("models/quantum-sequence")).unwrap();
    let constraint = SmilesConstraint::new(&loaded.meta.vocabulary, BLOCK_SIZE - 2);
    let n = 400;
    let constrained = generate(&loaded, None, &options(n, n, true)).unwrap();
    // Rows are independent of batching, as without the constraint.
    assert_eq!(
        constrained,
        generate(&loaded, None, &options(n, 7, true)).unwrap()
    );
    // A row ends unfinished only at a dead end the lookahead did not foresee.
    let accepted = constrained
        .iter()
        .filter(|ids| constraint.accepts(ids))
        .count();
    assert!(accepted >= n * 97 / 100, "{accepted} of {n} accepted");
    let validity = |constrain| {
        let generated = generate_checked(&loaded, None, &options(n, n, constrain), None).unwrap();
        generated
            .checked
            .iter()
            .filter(|c| c.valid.is_some())
            .count() as f64
            / n as f64
    };
    let (free, bound) = (validity(false), validity(true));
    eprintln!("validity of {n} queries: {free} unconstrained, {bound} constrained");
    assert!(bound >= 0.96 && bound > free, "{bound} against {free}");
}

/// The `upper_MW` target (137.891, near QM9's heaviest) with `draw` imputation: masking
/// finishes the strings the model went astray on, and finishes them light; rejection control at
/// level 1 samples the model's own distribution over accepted strings, so its mean MW is the
/// unconstrained model's valid mean, at about 1 / P(accepted) passes per query.
#[test]
fn rejection_control_keeps_a_heavy_target_where_the_model_puts_it() {
    let loaded = load_checkpoint(Path::new("models/quantum-conditional")).unwrap();
    let split = training_split(&loaded, None).unwrap();
    let n = 300;
    let mut given = [None; 9];
    given[Property::MW.index()] = Some(137.891);
    let properties = query_conditions(
        &given,
        &split.rows,
        &loaded.meta.properties,
        Impute::Draw(100),
        n,
        0,
    );
    let measure = |constrain, rejection| {
        let options = SampleOptions {
            rejection,
            ..options(n, 100, constrain)
        };
        let generated = generate_checked(&loaded, Some(&properties), &options, None).unwrap();
        let metrics = generation_metrics(
            &generated.checked,
            &split.smiles,
            &[(Property::MW, 137.891)],
        );
        (
            metrics.validity,
            metrics.properties[0].mean,
            generated.passes_per_query(),
        )
    };
    let (free_validity, free, free_passes) = measure(false, None);
    let (masked_validity, masked, masked_passes) = measure(true, None);
    let level_1 = RejectionControl::new(1.0, 8).unwrap();
    let (controlled_validity, controlled, passes) = measure(true, Some(level_1));
    eprintln!(
        "validity / mean MW / passes: unconstrained {free_validity} / {free:.2} / {free_passes}, \
         masked {masked_validity} / {masked:.2} / {masked_passes}, rejection control \
         {controlled_validity} / {controlled:.2} / {passes:.2}"
    );
    assert_eq!((free_passes, masked_passes), (1.0, 1.0));
    assert!(masked_validity >= 0.85 && controlled_validity >= 0.95);
    assert!(
        (controlled - free).abs() < 1.5 && (controlled - free).abs() < (masked - free).abs(),
        "{controlled} and {masked} against {free}"
    );
    // Every query decoded about 1 / P(accepted) times; the unconstrained model's validity
    // bounds P(accepted) from above up to the strings RDKit accepts and the constraint would not.
    assert!(
        passes > 1.0 / (free_validity + 0.1) && passes < 8.0,
        "{passes} passes at validity {free_validity}"
    );
    // Redrawn queries go on with their own random streams: rows do not depend on batching.
    let small = |batch| {
        let options = SampleOptions {
            rejection: Some(level_1),
            ..options(40, batch, true)
        };
        generate_with(&loaded, Some(&properties[..40]), &options, None).unwrap()
    };
    assert_eq!(small(40), small(3));
}

#[test]
fn sample_and_protocol_name_the_constraint_and_temperature() {
    let run = |args: &[&str]| {
        let out = common::qattnc(args);
        assert!(out.status.success(), "{}", common::text(&out.stderr));
        out
    };
    let checkpoint = ["--checkpoint", "models/quantum-sequence", "--n", "40"];
    let table =
        |args: &[&str]| common::text(&run(&[&["protocol"][..], args, &checkpoint].concat()).stdout);
    let summary = common::last_json(&run(&[
        &["sample", "--constrain", "--json"][..],
        &checkpoint,
    ]
    .concat()));
    assert_eq!(summary["constrained"], true);
    assert!(summary["validity"].as_f64().unwrap() >= 0.9, "{summary}");
    let constrained = table(&["--constrain"]);
    assert!(
        constrained.contains("constrained decoding"),
        "{constrained}"
    );
    let plain = table(&[]);
    assert!(!plain.contains("constrained decoding"), "{plain}");
    assert!(!plain.contains("temperature"), "{plain}");
    let warm = table(&["--temperature", "1.25"]);
    assert!(warm.contains("Sampled at temperature 1.25"), "{warm}");
    for bad in ["0", "NaN", "inf"] {
        for command in ["protocol", "sample"] {
            let out = common::qattnc(&[&[command, "--temperature", bad][..], &checkpoint].concat());
            let stderr = common::text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{command} {bad}: {stderr}");
            assert!(stderr.contains("positive number"), "{stderr}");
        }
    }
    let controlled = common::last_json(&run(&[
        &[
            "sample",
            "--constrain",
            "--rejection-level",
            "0.1",
            "--json",
        ][..],
        &checkpoint,
    ]
    .concat()));
    assert_eq!(controlled["rejection_control"]["level"], 0.1);
    assert!(controlled["passes_per_query"].as_f64().unwrap() >= 1.0);
    let table = table(&["--constrain", "--rejection-level", "0.1", "--jobs", "2"]);
    assert!(
        table.contains("With rejection control at level 0.1"),
        "{table}"
    );
    // A sequence model has one run: one number of strings per query, not a range.
    let passes = table
        .lines()
        .find(|line| line.contains("strings decoded per query"))
        .unwrap_or_else(|| panic!("{table}"));
    assert!(!passes.contains(" to "), "{passes}");
    for bad in [
        &["--rejection-level", "0.5"][..],
        &["--constrain", "--rejection-level", "0"],
        &["--constrain", "--rejection-level", "1.5"],
        &["--constrain", "--rejection-level", "NaN"],
        &[
            "--constrain",
            "--rejection-level",
            "1",
            "--max-attempts",
            "0",
        ],
    ] {
        for command in ["protocol", "sample"] {
            let out = common::qattnc(&[&[command][..], bad, &checkpoint].concat());
            let stderr = common::text(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{command} {bad:?}: {stderr}");
            assert!(
                stderr.contains("--constrain") || stderr.contains("--rejection-level"),
                "{stderr}"
            );
        }
    }
    let out = common::qattnc(&[&["protocol", "--jobs", "0"][..], &checkpoint].concat());
    assert_eq!(out.status.code(), Some(2), "{}", common::text(&out.stderr));
}
