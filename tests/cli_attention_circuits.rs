//! `qattnc attention --circuits`: tiny models trained for 3 steps on the 80-molecule fixture
//! (one per score kind, a complex family, two heads, a conditional paper preset with two
//! blocks) export their score programs and bindings; every exported program, run by
//! `qattnc simulate` with each CSV row's inputs and read as its header says, gives the row's
//! `score` (f64, 1e-9: the scores come from the model's forward pass in f64). The programs are
//! byte for byte what `qattnc compile OUT/layer.toml --head h -O N` emits, and the scores are the
//! ones behind the attention map's weights. With the interop venv, Qiskit runs the programs too.

mod common;

use common::{interop_python, qattnc, text};
use qattnc::layer::LayerSpec;
use serde_json::Value;
use std::path::{Path, PathBuf};

const DATA: &str = "tests/fixtures/model_qm9_80.csv";
/// The fixture's first molecule: 13 tokens, 14 with `[CLS]` (105 causal pairs).
const SMILES: &str = "CNC(=O)C(C)=O";
const TOLERANCE: f64 = 1e-9;

/// A path as an argument.
fn arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 temporary path")
}

/// Trains a tiny model (`preset` plus `extra` TOML) for 3 steps; returns its checkpoint.
fn train(dir: &Path, preset: &str, extra: &str) -> PathBuf {
    let config = dir.join("model.toml");
    std::fs::write(
        &config,
        format!(
            "preset = \"{preset}\"\n[model]\nembed = 8\nmlp_hidden = 16\nblock_size = 24\n\
             dropout = 0.0\n{extra}\n[train]\nbatch_size = 16\nseed = 3\nlr = 0.01\n"
        ),
    )
    .unwrap();
    let out = dir.join("checkpoint");
    let run = qattnc(&[
        "train",
        "--config",
        arg(&config),
        "--data",
        DATA,
        "--out",
        arg(&out),
        "--max-steps",
        "3",
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    out
}

/// `[model] heads`, and `[quantum] layer` naming `circuits/layers/NAME.toml`.
fn layer(name: &str, heads: usize) -> String {
    format!(
        "heads = {heads}\n[quantum]\nlayer = \"{}/circuits/layers/{name}.toml\"\n",
        env!("CARGO_MANIFEST_DIR")
    )
}

/// Runs `attention --circuits OUT --json` with `extra` arguments; returns the JSON object.
fn export(checkpoint: &Path, out: &Path, extra: &[&str]) -> Value {
    let mut args = vec![
        "attention",
        "--checkpoint",
        arg(checkpoint),
        "--smiles",
        SMILES,
        "--circuits",
        arg(out),
        "--json",
    ];
    args.extend_from_slice(extra);
    let run = qattnc(&args);
    assert!(run.status.success(), "{}", text(&run.stderr));
    common::last_json(&run)
}

/// A CSV's header and rows of numbers.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<f64>>) {
    let content = std::fs::read_to_string(path).unwrap();
    let mut lines = content.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(|v| v.parse::<f64>().unwrap()).collect())
        .collect();
    (header, rows)
}

/// `qattnc simulate PROGRAM --bind BINDINGS` with `extra` arguments: the output CSV's rows.
fn simulate(dir: &Path, program: &Path, bindings: &Path, extra: &[&str]) -> Vec<Vec<String>> {
    let output = dir.join("simulated.csv");
    let mut args = vec![
        "simulate",
        arg(program),
        "--bind",
        arg(bindings),
        "-o",
        arg(&output),
    ];
    args.extend_from_slice(extra);
    let run = qattnc(&args);
    assert!(run.status.success(), "{}", text(&run.stderr));
    std::fs::read_to_string(&output)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(String::from).collect())
        .collect()
}

/// The score of each binding row, as the program header of `kind` says, via `qattnc simulate`
/// (n working qubits).
fn simulated_scores(dir: &Path, program: &Path, bindings: &Path, kind: &str, n: usize) -> Vec<f64> {
    let number = |s: &String| s.parse::<f64>().unwrap();
    match kind {
        "hadamard-real" | "hadamard-imag" | "swap-test" => simulate(dir, program, bindings, &[])
            .iter()
            .map(|r| number(&r[0]))
            .collect(),
        "fidelity" => simulate(dir, program, bindings, &["--probabilities"])
            .iter()
            .filter(|r| r[1] == "0".repeat(n))
            .map(|r| number(&r[2]))
            .collect(),
        "gaussian-z" => {
            let z_k = format!("Z{n}");
            simulate(
                dir,
                program,
                bindings,
                &["--observable", "Z0", "--observable", &z_k],
            )
            .iter()
            .map(|r| (-(number(&r[0]) - number(&r[1])).powi(2)).exp())
            .collect()
        }
        other => panic!("unknown score kind {other}"),
    }
}

/// Checks every exported block and head: the program equals `compile`'s, its inputs are the
/// CSV's input columns, the rows are the causal pairs, and the simulated scores equal `score`.
fn check_export(out: &Path, json: &Value, blocks: usize, heads: usize) {
    let summary = &json["circuits"];
    let tokens = json["tokens"].as_array().unwrap().len();
    assert_eq!(tokens, 14);
    assert_eq!(summary["blocks"], blocks);
    assert_eq!(summary["heads"], heads);
    let files = summary["files"].as_array().unwrap();
    assert_eq!(files.len(), blocks * heads);
    let layer_toml = out.join("layer.toml");
    let spec =
        LayerSpec::from_toml(&std::fs::read_to_string(&layer_toml).unwrap(), "layer").unwrap();
    let n = spec.registers.working();
    let kind = summary["score_kind"].as_str().unwrap();
    assert_eq!(kind, spec.score.name());
    let level = summary["level"].to_string();
    let readme = std::fs::read_to_string(out.join("README")).unwrap();
    assert!(readme.contains(summary["readout"].as_str().unwrap()));
    let scratch = tempfile::tempdir().unwrap();
    for file in files {
        let head = file["head"].to_string();
        let program = out.join(file["qasm"].as_str().unwrap());
        let qasm = std::fs::read_to_string(&program).unwrap();
        let compiled = qattnc(&["compile", arg(&layer_toml), "--head", &head, "-O", &level]);
        assert!(compiled.status.success(), "{}", text(&compiled.stderr));
        assert_eq!(
            qasm,
            text(&compiled.stdout),
            "{program:?} differs from compile's"
        );
        let (header, rows) = read_csv(&out.join(file["csv"].as_str().unwrap()));
        assert_eq!(header[..3], ["i", "j", "score"]);
        let declared: Vec<&str> = qasm
            .lines()
            .filter_map(|l| l.strip_prefix("input float[64] ")?.strip_suffix(';'))
            .collect();
        assert_eq!(header[3..], declared, "{program:?}: inputs");
        let pairs: Vec<(f64, f64)> = rows.iter().map(|r| (r[0], r[1])).collect();
        let causal: Vec<(f64, f64)> = (0..tokens)
            .flat_map(|i| (0..=i).map(move |j| (i as f64, j as f64)))
            .collect();
        assert_eq!(pairs, causal);
        // The inputs only, as the README tells a user to cut them.
        let bindings = scratch.path().join("bindings.csv");
        let mut csv = header[3..].join(",") + "\n";
        for row in &rows {
            let values: Vec<String> = row[3..].iter().map(|v| format!("{v:?}")).collect();
            csv += &(values.join(",") + "\n");
        }
        std::fs::write(&bindings, csv).unwrap();
        let simulated = simulated_scores(scratch.path(), &program, &bindings, kind, n);
        assert_eq!(simulated.len(), rows.len());
        let mut spread = 0f64;
        for (row, s) in rows.iter().zip(&simulated) {
            assert!(
                (row[2] - s).abs() <= TOLERANCE,
                "{program:?} pair ({}, {}): model {} vs circuit {s}",
                row[0],
                row[1],
                row[2]
            );
            spread = spread.max((row[2] - rows[0][2]).abs());
        }
        assert!(
            spread > 1e-3,
            "{program:?}: the scores barely vary ({spread})"
        );
    }
}

/// Trains `layer`'s model with `heads` heads and checks its export at `-O level`.
fn check_layer(name: &str, heads: usize, level: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = train(dir.path(), "paper-quantum-sequence", &layer(name, heads));
    let out = dir.path().join("circuits");
    let extra: Vec<&str> = level.map_or(vec![], |l| vec!["-O", l]);
    let json = export(&checkpoint, &out, &extra);
    assert_eq!(json["circuits"]["layer"], name);
    assert_eq!(json["circuits"]["level"].to_string(), level.unwrap_or("3"));
    check_export(&out, &json, 1, heads);
    (dir, out)
}

#[test]
fn a_complex_family_exports_circuits_that_give_its_scores() {
    check_layer("efficient_su2", 1, None);
}

#[test]
fn hadamard_imag_exports_circuits_that_give_its_scores() {
    check_layer("hadamard_imag", 1, None);
}

#[test]
fn swap_test_exports_circuits_that_give_its_scores() {
    let (_dir, out) = check_layer("swap_test", 1, None);
    qiskit_check(&out, "swap-test", 6);
}

#[test]
fn fidelity_exports_circuits_that_give_its_scores() {
    check_layer("fidelity", 1, Some("2"));
}

#[test]
fn gaussian_z_exports_circuits_that_give_its_scores() {
    let (_dir, out) = check_layer("gaussian_z", 1, None);
    qiskit_check(&out, "gaussian-z", 6);
}

#[test]
fn two_heads_export_one_program_per_head() {
    check_layer("two_heads", 2, Some("1"));
}

/// The paper preset (no `[quantum]`), conditional, two blocks: the programs are those of its
/// layer written out as `layer.toml`, and block 0's scores, scaled and softmaxed over the causal
/// pairs, are the weights the attention map draws.
#[test]
fn a_conditional_paper_model_with_two_blocks_exports_every_block() {
    let dir = tempfile::tempdir().unwrap();
    let checkpoint = train(dir.path(), "paper-quantum-conditional", "blocks = 2\n");
    let out = dir.path().join("circuits");
    let map = dir.path().join("map.png");
    let json = export(&checkpoint, &out, &["-o", arg(&map)]);
    check_export(&out, &json, 2, 1);
    assert!(std::fs::metadata(&map).unwrap().len() > 1000);
    let spec = LayerSpec::from_toml(
        &std::fs::read_to_string(out.join("layer.toml")).unwrap(),
        "layer",
    )
    .unwrap();
    assert_eq!(
        (spec.registers.token, spec.registers.property, spec.heads),
        (2, 2, 1)
    );
    let factor = json["circuits"]["score_factor"].as_f64().unwrap();
    let weights: Vec<Vec<f64>> = serde_json::from_value(json["weights"].clone()).unwrap();
    let (_, rows) = read_csv(&out.join("block0_head0.csv"));
    let mut k = 0;
    for (i, weights) in weights.iter().enumerate() {
        let logits: Vec<f64> = rows[k..k + i + 1].iter().map(|r| r[2] * factor).collect();
        k += i + 1;
        let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = logits.iter().map(|l| (l - max).exp()).sum();
        for (j, l) in logits.iter().enumerate() {
            let expected = (l - max).exp() / total;
            assert!(
                (weights[j] - expected).abs() <= 1e-5,
                "weight ({i}, {j}): map {} vs softmax of the scores {expected}",
                weights[j]
            );
        }
        assert!(weights[i + 1..].iter().all(|&w| w == 0.0));
    }
}

#[test]
fn bad_input_exits_2_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let classical = train(dir.path(), "paper-classical-sequence", "");
    let out = dir.path().join("circuits");
    let run = |checkpoint: &Path, smiles: &str, extra: &[&str]| {
        let mut args = vec![
            "attention",
            "--checkpoint",
            arg(checkpoint),
            "--smiles",
            smiles,
        ];
        args.extend_from_slice(extra);
        qattnc(&args)
    };
    let refused = run(&classical, SMILES, &["--circuits", arg(&out)]);
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    assert!(text(&refused.stderr).contains("classical attention"));
    assert!(!out.exists(), "nothing is written for a classical model");
    // The map still works for a classical model.
    let map = dir.path().join("map.png");
    assert!(run(&classical, SMILES, &["-o", arg(&map)]).status.success());
    let neither = run(&classical, SMILES, &[]);
    assert_eq!(neither.status.code(), Some(2));
    let level = run(&classical, SMILES, &["--circuits", arg(&out), "-O", "4"]);
    assert_eq!(level.status.code(), Some(2));

    let quantum_dir = tempfile::tempdir().unwrap();
    let quantum = train(quantum_dir.path(), "paper-quantum-conditional", "");
    for smiles in ["C[Xe]C", "Qq", "C1CC", &"C".repeat(40)] {
        let bad = run(&quantum, smiles, &["--circuits", arg(&out)]);
        assert_eq!(
            bad.status.code(),
            Some(2),
            "`{smiles}`: {}",
            text(&bad.stderr)
        );
        assert!(!text(&bad.stderr).contains("panicked"));
    }
    let missing = run(&dir.path().join("none"), SMILES, &["--circuits", arg(&out)]);
    assert_eq!(missing.status.code(), Some(2));
}

/// Qiskit (`tests/interop/check_attention_circuits.py`) runs every exported program with every
/// row's bindings and reads the score as the header says; skipped without the interop venv.
fn qiskit_check(out: &Path, kind: &str, n: usize) {
    let python = match interop_python(&["numpy", "qiskit", "qiskit_qasm3_import"]) {
        Ok(python) => python,
        Err(why) => {
            eprintln!("skipped: Qiskit check of {kind}: {why}");
            return;
        }
    };
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/interop/check_attention_circuits.py"
    );
    let run = std::process::Command::new(python)
        .args([script, arg(out), kind, &n.to_string()])
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", text(&run.stderr));
    let report = common::last_json(&run);
    assert_eq!(report["programs"], 1, "{report}");
    assert_eq!(report["rows"], 105, "{report}");
    let worst = report["max_error"].as_f64().unwrap();
    assert!(
        worst <= TOLERANCE,
        "{kind}: Qiskit vs the score column {worst}"
    );
}
