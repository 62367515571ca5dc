//! Malformed layer specs: every one is refused with `file:line:column`, a message naming the
//! offending key or value, exit code 2 from the CLI, and never a panic.

use qattnc::layer::LayerSpec;
use std::process::Command;

const GOOD: &str = r#"name = "t"
[registers]
token = 2
position = 2
[ansatz]
layers = 1
rotation = "ry"
entangler = "ring"
[score]
kind = "hadamard-real"
"#;

/// (spec text, expected `line:column`, a fragment the message must contain).
fn cases() -> Vec<(String, &'static str, &'static str)> {
    let replace = |from: &str, to: &str| GOOD.replacen(from, to, 1);
    vec![
        (
            replace("token = 2", "token = 2\ncolour = 1"),
            "4:1",
            "unknown field `colour`",
        ),
        (
            replace("layers = 1", "layers = 1\ndepth = 3"),
            "7:1",
            "unknown field `depth`",
        ),
        (
            replace("kind = \"hadamard-real\"", "kind = \"swap-test\""),
            "10:8",
            "swap-test",
        ),
        (
            replace("rotation = \"ry\"", "rotation = \"rz\""),
            "7:12",
            "rz",
        ),
        (
            replace("entangler = \"ring\"", "entangler = \"star\""),
            "8:13",
            "star",
        ),
        (
            replace("token = 2", "token = 0"),
            "3:9",
            "`registers.token = 0` must be at least 1",
        ),
        (
            replace("token = 2", "token = -3"),
            "3:9",
            "must be at least 1",
        ),
        (
            replace("position = 2", "position = -1"),
            "4:12",
            "registers.position",
        ),
        (
            replace("layers = 1", "layers = 0"),
            "6:10",
            "`ansatz.layers = 0`",
        ),
        (
            replace("layers = 1", "layers = 1000"),
            "6:10",
            "exceeds the limit",
        ),
        (replace("token = 2", "token = 30"), "3:9", "limit is 28"),
        (
            replace("token = 2", "token = 9223372036854775807"),
            "3:9",
            "qubits",
        ),
        (
            replace("token = 2", "token = \"two\""),
            "3:9",
            "string \"two\", expected an integer",
        ),
        (
            replace("token = 2", "token = 2.5"),
            "3:9",
            "expected an integer",
        ),
        (
            replace("name = \"t\"", "name = \"  \""),
            "1:8",
            "`name` must not be empty",
        ),
        (replace("name = \"t\"\n", ""), "1:1", "missing field `name`"),
        (
            replace("[score]\nkind = \"hadamard-real\"\n", ""),
            "1:1",
            "missing field `score`",
        ),
        (
            replace("rotation = \"ry\"\n", ""),
            "5:1",
            "missing field `rotation`",
        ),
        (
            replace("token = 2", "token = 2\ntoken = 3"),
            "4:1",
            "duplicate key",
        ),
        (replace("[ansatz]", "[ansatz"), "5:8", "unclosed table"),
        (
            replace("layers = 1", "layers = "),
            "6:10",
            "string values must be quoted",
        ),
        (
            replace("name = \"t\"", "name = \"t"),
            "1:10",
            "invalid basic string",
        ),
        (
            replace("[registers]\ntoken = 2\nposition = 2\n", "registers = 3\n"),
            "2:13",
            "invalid type: integer `3`",
        ),
        (
            replace("[score]", "[score]\n[score]"),
            "10:2",
            "duplicate key",
        ),
        ("\u{0}\u{1}garbage".to_string(), "1:10", "key with no value"),
        (String::new(), "1:1", "missing field"),
    ]
}

#[test]
fn the_good_spec_parses() {
    let spec = LayerSpec::from_toml(GOOD, "good.toml").unwrap();
    assert_eq!(spec.registers.working(), 4);
}

#[test]
fn every_malformed_spec_is_refused_with_its_location() {
    let cases = cases();
    assert!(cases.len() >= 20);
    for (text, location, fragment) in cases {
        let error = LayerSpec::from_toml(&text, "bad.toml")
            .expect_err(&format!("accepted a malformed spec:\n{text}"));
        let rendered = error.to_string();
        assert!(
            rendered.starts_with(&format!("bad.toml:{location}: ")),
            "wrong location for\n{text}\n---\n{rendered}"
        );
        assert!(
            rendered.contains(fragment),
            "message lacks `{fragment}`:\n{rendered}"
        );
    }
}

#[test]
fn the_cli_exits_2_with_the_location_for_every_malformed_spec() {
    let dir = std::env::temp_dir().join(format!("qattnc-spec-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for (k, (text, location, _)) in cases().into_iter().enumerate() {
        let path = dir.join(format!("bad{k}.toml"));
        std::fs::write(&path, &text).unwrap();
        let output = Command::new(env!("CARGO_BIN_EXE_qattnc"))
            .args(["compile", path.to_str().unwrap(), "-o"])
            .arg(dir.join("out.qasm"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "case {k}: {stderr}");
        assert!(
            stderr.contains(&format!("bad{k}.toml:{location}: ")),
            "case {k}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "case {k}: {stderr}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn missing_files_and_unknown_presets_are_bad_input() {
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_qattnc"))
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, stderr) = run(&["compile", "/nonexistent/layer.toml"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("cannot read layer spec `/nonexistent/layer.toml`"));
    let (code, stderr) = run(&["compile", "--preset", "nope"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("unknown preset `nope`; expected one of paper_sequence"));
    let (code, _) = run(&["compile", "--preset", "paper_sequence", "-O7"]);
    assert_eq!(code, Some(2));
}
