//! `qattnc props`, `eval` and `data` end to end.

mod common;

use common::{qattnc, text};

#[test]
fn props_keeps_invalid_rows() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("props.csv");
    let input = common::fixture("eval_generated.csv");
    let run = qattnc(&[
        "props",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let csv = std::fs::read_to_string(&output).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "smiles,valid,canonical,MW,HBA,HBD,nRot,nRing,nHet,TPSA,LogP,StereoCenters"
    );
    assert_eq!(lines.len(), 8);
    assert!(
        lines[1].starts_with("CCO,true,CCO,46.069,1,1,0,0,1,20.23,"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[3], "C1CC,false,,,,,,,,,,");
    assert_eq!(lines[4], ",false,,,,,,,,,,");
    assert!(text(&run.stderr).contains("7 rows: 4 valid, 3 invalid"));
}

#[test]
fn eval_matches_the_hand_computed_fixture() {
    let generated = common::fixture("eval_generated.csv");
    let train = common::fixture("eval_train.smi");
    let run = qattnc(&[
        "eval",
        generated.to_str().unwrap(),
        "--train",
        train.to_str().unwrap(),
        "--target",
        "HBD=1",
        "--json",
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    // 7 queries; valid: CCO, OCC (= CCO), c1ccccc1, C#N → 4; distinct 3; novel: CCO, C#N → 2.
    assert_eq!(json["queries"], 7);
    assert_eq!(json["valid"], 4);
    assert_eq!(json["unique"], 3);
    assert_eq!(json["novel"], 2);
    assert_eq!(json["validity"], 4.0 / 7.0);
    assert_eq!(json["uniqueness"], 0.75);
    assert_eq!(json["novelty"], 2.0 / 3.0);
    // HBD: ethanol 1, ethanol 1, benzene 0, HCN 0 → mean 0.5, std 0.5, MAE 0.5.
    let hbd = &json["properties"][0];
    assert_eq!(hbd["property"], "HBD");
    assert_eq!(
        (hbd["mean"].as_f64(), hbd["std"].as_f64()),
        (Some(0.5), Some(0.5))
    );
    assert_eq!(hbd["mae"].as_f64(), Some(0.5));
    // The training file has 3 rows (blank line skipped): 1 invalid, 2 molecules.
    assert!(text(&run.stderr).contains("3 rows, 1 invalid, 0 duplicates, 2 molecules"));

    let plain = qattnc(&[
        "eval",
        generated.to_str().unwrap(),
        "--train",
        train.to_str().unwrap(),
    ]);
    assert!(text(&plain.stdout).contains("valid          4 (validity 0.5714)"));
}

#[test]
fn garbage_input_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("garbage.smi");
    let mut bytes = b"\xff\xfe\x00\x01binary\n\n\n".to_vec();
    bytes.extend(std::iter::repeat_n(b'C', 10_000));
    bytes.extend(b"\n((((\n[Xx]\nc1ccc\nCCO\n");
    std::fs::write(&input, &bytes).unwrap();
    let run = qattnc(&["props", input.to_str().unwrap()]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let stdout = text(&run.stdout);
    assert_eq!(stdout.lines().filter(|l| l.contains(",false,")).count(), 5);
    assert!(stdout.contains("CCO,true,CCO,"));
    assert!(text(&run.stderr).contains("6 rows: 1 valid, 5 invalid"));
}

#[test]
fn bad_arguments_exit_with_code_2() {
    let missing = qattnc(&["props", "/nonexistent/in.csv"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("cannot read `/nonexistent/in.csv`"));
    let dir = tempfile::tempdir().unwrap();
    let no_column = dir.path().join("x.csv");
    std::fs::write(&no_column, "a,b\n1,2\n").unwrap();
    let run = qattnc(&["props", no_column.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(2));
    assert!(text(&run.stderr).contains("no `smiles` column"));
    let bad_target = qattnc(&["eval", "a.csv", "--train", "b.smi", "--target", "QED=1"]);
    assert_eq!(bad_target.status.code(), Some(2));
    assert!(text(&bad_target.stderr).contains("unknown property `QED`"));
}

#[test]
fn data_qm9_converts_a_given_wheel() {
    let dir = tempfile::tempdir().unwrap();
    let wheel = dir.path().join("qm9pack.whl");
    let file = std::fs::File::create(&wheel).unwrap();
    let mut zip = zip::ZipWriter::new(file);
    for (i, name) in qattnc::chem::qm9::QM9PACK_PARTS.iter().enumerate() {
        zip.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut zip, format!("SMILES\nC{}\n", "C".repeat(i)).as_bytes())
            .unwrap();
    }
    zip.finish().unwrap();
    let output = dir.path().join("qm9.csv");
    let run = qattnc(&[
        "data",
        "qm9",
        "--wheel",
        wheel.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(
        std::fs::read_to_string(&output).unwrap(),
        "smiles\nC\nCC\nCCC\n"
    );
    assert!(text(&run.stderr).contains("wrote 3 molecules"));
    let not_a_wheel = qattnc(&["data", "qm9", "--wheel", output.to_str().unwrap()]);
    assert_eq!(not_a_wheel.status.code(), Some(2));
}
