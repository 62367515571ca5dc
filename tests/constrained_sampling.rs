//! Constrained decoding (`--constrain`): the constraint never refuses a real molecule (QM9,
//! canonical and randomly spelled), and a shipped model sampled under it writes only strings
//! the constraint accepts, more of them valid than without it; `sample` and `protocol` name
//! the constraint and a temperature other than 1 in what they report.

mod common;

use qattnc::chem::DEFAULT_MAX_SMILES_LEN as MAX;
use qattnc::chem::constraint::SmilesConstraint;
use qattnc::chem::dataset::{Entry, LoadOptions, load};
use qattnc::chem::random_smiles::random_smiles;
use qattnc::chem::tokenizer::{BLOCK_SIZE, Vocabulary};
use qattnc::model::evaluate::generate_checked;
use qattnc::model::sample::{SampleOptions, generate, load_checkpoint};
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
}
