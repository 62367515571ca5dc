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
            replace("kind = \"hadamard-real\"", "kind = \"swap\""),
            "10:8",
            "unknown score kind `swap`; expected one of hadamard-real, hadamard-imag, swap-test",
        ),
        (
            replace("rotation = \"ry\"", "rotation = \"rz\""),
            "7:12",
            "unknown rotation `rz`; expected one of ry",
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
            replace("rotation = \"ry\"\n", "reps = 2\n"),
            "7:8",
            "`ansatz.reps` does not apply to family `paper`; its keys are layers, rotation, entangler",
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
    .into_iter()
    .chain(language_cases())
    .collect()
}

/// An n_local layer (line 6: family, 8: rotations, 9: entangling_gate, 10: entanglement,
/// 12: kind).
const N_LOCAL: &str = r#"name = "t"
[registers]
token = 2
position = 2
[ansatz]
family = "n_local"
reps = 1
rotations = ["ry", "rz"]
entangling_gate = "cx"
entanglement = "linear"
[score]
kind = "hadamard-real"
"#;

/// Bad input of the layer language (design.md §10): names, pair lists, patterns too big for a
/// register, heads, qubit limits.
fn language_cases() -> Vec<(String, &'static str, &'static str)> {
    let replace = |from: &str, to: &str| N_LOCAL.replacen(from, to, 1);
    vec![
        (
            replace("\"n_local\"", "\"qaoa\""),
            "6:10",
            "unknown ansatz family `qaoa`; expected one of paper, n_local, real_amplitudes, \
             efficient_su2, basic_entangler, strongly_entangling",
        ),
        (
            replace("\"rz\"]", "\"u3\"]"),
            "8:20",
            "unknown rotation `u3`; expected one of rx, ry, rz, p, rot",
        ),
        (
            replace("[\"ry\", \"rz\"]", "[]"),
            "8:13",
            "`ansatz.rotations` is empty",
        ),
        (
            replace("\"cx\"", "\"cnot\""),
            "9:19",
            "unknown entangling gate `cnot`; expected one of cx, cz, cy, ch, crx, cry, crz, cp, \
             rzz, rxx, ryy, swap",
        ),
        (
            replace("\"linear\"", "\"star\""),
            "10:16",
            "unknown entanglement `star`; expected one of full, linear, reverse_linear, \
             circular, pairwise, sca, ring",
        ),
        (
            replace("\"linear\"", "[[0, 1], [1, 1]]"),
            "10:16",
            "pair 1 [1, 1] repeats qubit 1",
        ),
        (
            replace("\"linear\"", "[[0, 99]]"),
            "10:16",
            "names a qubit outside 0..28",
        ),
        (
            replace("\"linear\"", "[[0, 1, 2]]"),
            "10:16",
            "entry 0 is not a pair",
        ),
        (replace("\"linear\"", "3"), "10:16", "must be one of full"),
        (
            replace("\"linear\"", "[[0, 3]]"),
            "10:16",
            "needs at least 4 qubits, but the token register has 2",
        ),
        (
            replace("token = 2", "token = 1"),
            "10:16",
            "needs at least 2 qubits, but the token register has 1; give the \
             token/position/property unitaries their own [encoding]",
        ),
        (
            replace("reps = 1", "reps = 1\nlayers = 2"),
            "8:10",
            "`ansatz.layers` does not apply to family `n_local`",
        ),
        (
            replace("reps = 1", "reps = 0"),
            "7:8",
            "`ansatz.reps = 0` must be at least 1",
        ),
        (
            replace("\"hadamard-real\"", "\"hadamard-real\"\nheads = 0"),
            "13:9",
            "`score.heads = 0` must be at least 1",
        ),
        (
            replace("\"hadamard-real\"", "\"hadamard-real\"\nheads = 1000"),
            "13:9",
            "`score.heads = 1000` exceeds the limit of 64",
        ),
        (
            replace("token = 2\nposition = 2", "token = 7\nposition = 7")
                .replace("hadamard-real", "swap-test"),
            "3:9",
            "the swap-test score circuit would need 29 qubits; the limit is 28",
        ),
        (
            replace(
                "family = \"n_local\"\nreps = 1\nrotations = [\"ry\", \"rz\"]\n\
                 entangling_gate = \"cx\"\nentanglement = \"linear\"",
                "family = \"basic_entangler\"\nrotation = \"rot\"",
            ),
            "7:12",
            "unknown rotation `rot`; expected one of rx, ry, rz",
        ),
        (
            replace(
                "family = \"n_local\"\nreps = 1\nrotations = [\"ry\", \"rz\"]\n\
                 entangling_gate = \"cx\"\nentanglement = \"linear\"",
                "family = \"strongly_entangling\"\nlayers = 2\nranges = [1]",
            ),
            "8:10",
            "`ansatz.ranges` has 1 entries; it needs one per layer (2)",
        ),
        (
            replace(
                "family = \"n_local\"\nreps = 1\nrotations = [\"ry\", \"rz\"]\n\
                 entangling_gate = \"cx\"\nentanglement = \"linear\"",
                "family = \"strongly_entangling\"\nlayers = 1\nranges = [2]",
            ),
            "8:10",
            "contains 2, a multiple of the token register's 2 qubits",
        ),
        (
            replace(
                "[score]",
                "[encoding]\nfamily = \"paper\"\nrotations = [\"rx\"]\n[score]",
            ),
            "13:13",
            "`encoding.rotations` does not apply to family `paper`",
        ),
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
