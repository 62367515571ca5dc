//! Datasets, tokenizer coverage of QM9, and the qm9pack wheel conversion.

mod common;

use qattnc::chem::dataset::{LoadOptions, load, read_smiles};
use qattnc::chem::qm9::{QM9PACK_PARTS, convert_wheel};
use qattnc::chem::tokenizer::{BLOCK_SIZE, Vocabulary, tokenize};
use qattnc::chem::{DEFAULT_MAX_SMILES_LEN, canonicalize};
use std::io::Write;

#[test]
fn fixture_loads_dedups_and_caches() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("mols.smi");
    // 5 rows: one duplicate spelling of ethanol, one invalid, one empty-ish garbage.
    std::fs::write(&input, "CCO\nOCC\nC1CC\nc1ccccc1\n\u{1}\u{2}\n").unwrap();
    let options = LoadOptions {
        max_smiles_len: DEFAULT_MAX_SMILES_LEN,
        cache_dir: Some(dir.path().join("cache")),
    };
    let first = load(&input, &options).unwrap();
    let smiles: Vec<&str> = first.entries.iter().map(|e| e.smiles.as_str()).collect();
    assert_eq!(smiles, ["CCO", "c1ccccc1"]);
    assert_eq!(
        (
            first.report.rows,
            first.report.invalid,
            first.report.duplicates
        ),
        (5, 2, 1)
    );
    assert!(!first.report.from_cache);
    let second = load(&input, &options).unwrap();
    assert!(second.report.from_cache);
    assert_eq!(second.entries, first.entries);
}

#[test]
fn tokenizer_round_trips_the_fixture() {
    let smiles = read_smiles(&common::fixture("qm9_128.csv")).unwrap();
    assert_eq!(smiles.len(), 129);
    let canonical: Vec<String> = smiles
        .iter()
        .map(|s| canonicalize(s, DEFAULT_MAX_SMILES_LEN).unwrap())
        .collect();
    let vocabulary = Vocabulary::from_corpus(canonical.iter().map(String::as_str)).unwrap();
    for s in canonical.iter().chain(&smiles) {
        let Ok(block) = vocabulary.encode_block(s, BLOCK_SIZE) else {
            // Raw QM9 spellings may use tokens the canonical corpus lacks; canonical must not.
            assert!(!canonical.contains(s), "{s}");
            continue;
        };
        assert_eq!(block.len(), BLOCK_SIZE);
        assert_eq!(&vocabulary.decode(&block).unwrap(), s);
    }
}

#[test]
fn all_of_qm9_fits_the_block_size() {
    let Some(shared) = common::shared_data("all_of_qm9_fits_the_block_size") else {
        return;
    };
    // Cached under target/, so only the first run pays for RDKit.
    let options = LoadOptions {
        max_smiles_len: DEFAULT_MAX_SMILES_LEN,
        cache_dir: Some(std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("qm9-cache")),
    };
    let dataset = load(&shared.join("qm9/qm9.csv"), &options).unwrap();
    assert_eq!(dataset.entries.len(), 133_798);
    assert_eq!(dataset.report.invalid, 0);
    let max = dataset
        .entries
        .iter()
        .map(|e| tokenize(&e.smiles).unwrap().len())
        .max()
        .unwrap();
    eprintln!(
        "QM9: {} molecules, longest canonical SMILES {max} tokens",
        dataset.entries.len()
    );
    assert!(max + 2 <= BLOCK_SIZE, "{max} tokens");
    let vocabulary =
        Vocabulary::from_corpus(dataset.entries.iter().map(|e| e.smiles.as_str())).unwrap();
    eprintln!("QM9 vocabulary: {} tokens", vocabulary.len());
    for entry in &dataset.entries {
        let block = vocabulary.encode_block(&entry.smiles, BLOCK_SIZE).unwrap();
        assert_eq!(vocabulary.decode(&block).unwrap(), entry.smiles);
    }
}

/// Writes a zip laid out like the qm9pack wheel, with `rows[i]` in part i+1.
fn synthetic_wheel(path: &std::path::Path, parts: &[&str]) {
    let file = std::fs::File::create(path).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("qm9pack/__init__.py", options).unwrap();
    for (name, text) in QM9PACK_PARTS.iter().zip(parts) {
        zip.start_file(*name, options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn qm9pack_wheel_converts_to_a_smiles_csv() {
    let dir = tempfile::tempdir().unwrap();
    let wheel = dir.path().join("qm9pack-1.0.3-py3-none-any.whl");
    synthetic_wheel(
        &wheel,
        &[
            "index,SMILES,gap\n1,C,0.5\n2,N,0.4\n",
            "index,SMILES,gap\n3,O,0.3\n",
            "index,SMILES,gap\n4,\"C#N\",0.2\n5,,0.1\n",
        ],
    );
    let output = dir.path().join("out/qm9.csv");
    assert_eq!(convert_wheel(&wheel, &output).unwrap(), 4);
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "smiles\nC\nN\nO\nC#N\n"
    );

    let broken = dir.path().join("broken.whl");
    synthetic_wheel(&broken, &["index,SMILES\n1,C\n"]);
    let error = convert_wheel(&broken, &output).unwrap_err().to_string();
    assert!(error.contains("qm9_part2.csv"), "{error}");
    std::fs::write(&broken, b"not a zip").unwrap();
    assert!(
        convert_wheel(&broken, &output)
            .unwrap_err()
            .to_string()
            .contains("not a zip")
    );
}
