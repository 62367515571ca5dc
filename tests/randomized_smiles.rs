//! Randomized-SMILES training (issue 17): RDKit's random spellings of the QM9 fixture
//! canonicalise back to the molecule, training on them is seeded so that a resumed run equals
//! the uninterrupted one, and the `[train] smiles` setting round-trips through configs and
//! checkpoints without changing canonical runs.

mod common;

use qattnc::chem::DEFAULT_MAX_SMILES_LEN as MAX;
use qattnc::chem::canonicalize;
use qattnc::chem::dataset::{LoadOptions, load};
use qattnc::chem::random_smiles::random_smiles;
use qattnc::chem::tokenizer::tokenize;
use qattnc::model::checkpoint::CheckpointMeta;
use qattnc::model::train::{TrainData, Trainer, spelling_seed};
use qattnc::model::{Config, SmilesForm};
use std::collections::BTreeSet;
use std::path::Path;

const FIXTURE: &str = "tests/fixtures/model_qm9_80.csv";

fn entries() -> Vec<qattnc::chem::dataset::Entry> {
    let options = LoadOptions {
        cache_dir: None,
        ..LoadOptions::default()
    };
    load(Path::new(FIXTURE), &options).unwrap().entries
}

fn tiny(form: SmilesForm) -> Config {
    let mut cfg = Config::preset("paper-quantum-sequence").unwrap();
    cfg.model.embed = 16;
    cfg.model.mlp_hidden = 32;
    cfg.train.batch_size = 16;
    cfg.train.epochs = 2;
    cfg.train.lr = 1e-2;
    cfg.train.seed = 3;
    cfg.train.smiles = form;
    cfg
}

fn data(cfg: &Config) -> TrainData {
    TrainData::with_form(
        &entries(),
        cfg.model.block_size,
        FIXTURE,
        None,
        cfg.train.smiles,
    )
    .unwrap()
}

#[test]
fn random_spellings_of_the_fixture_are_the_same_molecules() {
    let (mut spellings, mut differing) = (0, 0);
    for entry in entries() {
        for seed in 0..25 {
            let s = random_smiles(&entry.smiles, seed, MAX).unwrap();
            assert_eq!(canonicalize(&s, MAX).unwrap(), entry.smiles, "{s}");
            assert_eq!(random_smiles(&entry.smiles, seed, MAX).unwrap(), s);
            spellings += 1;
            differing += usize::from(s != entry.smiles);
        }
    }
    // Most random spellings differ from the canonical one (single-atom molecules cannot).
    assert!(differing * 2 > spellings, "{differing} of {spellings}");
}

#[test]
fn the_randomized_vocabulary_covers_every_ring_closure_label() {
    let canonical = data(&tiny(SmilesForm::Canonical)).vocabulary;
    let randomized = data(&tiny(SmilesForm::Randomized)).vocabulary;
    for token in canonical.tokens() {
        assert!(randomized.id(token).is_some(), "{token}");
    }
    // A spelling has as many ring closures as the canonical SMILES, and RDKit takes the lowest
    // free label, so labels up to the largest closure count must be present.
    let most = entries()
        .iter()
        .map(|e| {
            let tokens = tokenize(&e.smiles).unwrap();
            let labels = tokens
                .iter()
                .filter(|t| t.starts_with('%') || t.parse::<u8>().is_ok());
            labels.count() / 2
        })
        .max()
        .unwrap();
    assert!(most >= 2, "{most}");
    for label in 1..=most {
        assert!(
            randomized.id(&label.to_string()).is_some(),
            "ring label {label}"
        );
    }
    // Every random spelling of the fixture encodes with it.
    for (i, entry) in entries().iter().enumerate() {
        for epoch in 0..5 {
            let s = random_smiles(&entry.smiles, spelling_seed(3, epoch, i), MAX).unwrap();
            randomized.encode(&s).unwrap();
        }
    }
}

#[test]
fn randomized_training_resumes_bit_identically_and_differs_from_canonical() {
    let cfg = tiny(SmilesForm::Randomized);
    let runs = common::assert_resume_is_bit_identical(&cfg, &|| data(&cfg), 3);
    let counts = runs
        .report
        .spelling
        .expect("a randomized run reports its spellings");
    let fed = counts.randomized + counts.too_long + counts.unknown_token + counts.failed;
    assert_eq!(fed, 2 * data(&cfg).train.len());
    assert!(counts.randomized * 10 >= fed * 9, "{counts:?}");
    assert_eq!((counts.unknown_token, counts.failed), (0, 0), "{counts:?}");
    let meta = CheckpointMeta::read(runs.split.path()).unwrap();
    assert_eq!(meta.config.train.smiles, SmilesForm::Randomized);

    let canonical_cfg = tiny(SmilesForm::Canonical);
    let plain = tempfile::tempdir().unwrap();
    let mut c = Trainer::new(canonical_cfg.clone(), data(&canonical_cfg), "c".into()).unwrap();
    let report_c = c.run(plain.path(), None, &mut |_| {}).unwrap();
    assert_eq!(report_c.spelling, None);
    let weights = |dir: &Path| std::fs::read(dir.join("model.safetensors")).unwrap();
    assert!(weights(runs.straight.path()) != weights(plain.path()));
    // Canonical checkpoints do not mention the setting, as before it existed.
    let text = std::fs::read_to_string(plain.path().join("config.json")).unwrap();
    assert!(!text.contains("\"smiles\":"), "{text}");
}

#[test]
fn the_smiles_setting_in_config_files() {
    let text = "preset = \"paper-quantum-sequence\"\n[train]\nsmiles = \"randomized\"\n";
    let cfg = Config::from_toml(text, "c.toml").unwrap();
    assert_eq!(cfg.train.smiles, SmilesForm::Randomized);
    let plain = Config::from_toml("preset = \"paper-quantum-sequence\"\n", "c.toml").unwrap();
    assert_eq!(plain.train.smiles, SmilesForm::Canonical);
    let err = Config::from_toml(
        "preset = \"paper-quantum-sequence\"\n[train]\nsmiles = \"random\"\n",
        "c.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("c.toml") && err.contains("randomized"),
        "{err}"
    );
}

#[test]
fn spelling_seeds_differ_by_epoch_and_molecule() {
    let seeds: BTreeSet<u64> = (0..4)
        .flat_map(|epoch| (0..1000).map(move |i| spelling_seed(0, epoch, i)))
        .collect();
    assert_eq!(seeds.len(), 4000);
    assert_ne!(spelling_seed(0, 1, 2), spelling_seed(1, 1, 2));
}
