//! `qattnc opt` and `qattnc verify` from the command line: outputs, exit codes, snapshots of
//! the optimised example programs in circuits/.

mod common;

use common::qattnc;
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli_opt_verify");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn compiled_levels_verify_against_the_reference() {
    let o0 = scratch("seq_o0.qasm");
    let o3 = scratch("seq_o3.qasm");
    for (level, out) in [("-O0", &o0), ("-O3", &o3)] {
        let status = qattnc(&[
            "compile",
            "--preset",
            "paper_sequence",
            level,
            "-o",
            path(out),
        ]);
        assert!(status.status.success());
    }
    let score = qattnc(&["verify", path(&o0), path(&o3), "--json"]);
    assert_eq!(score.status.code(), Some(0));
    let report: serde_json::Value =
        serde_json::from_slice(score.stdout.split(|&b| b == b'\n').next().unwrap()).unwrap();
    assert_eq!(report["equivalent"], true);
    assert!(report["worst_difference"].as_f64().unwrap() < 1e-12);
    // -O3 preserves the score, not the unitary: unitary mode must say so, with exit code 1.
    let unitary = qattnc(&[
        "verify",
        path(&o0),
        path(&o3),
        "--mode",
        "unitary",
        "--samples",
        "1",
    ]);
    assert_eq!(unitary.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&unitary.stdout);
    assert!(stdout.starts_with("NOT equivalent"), "{stdout}");
    assert!(stdout.contains("worst binding:\n  tok_i_0 = "), "{stdout}");
}

#[test]
fn opt_output_is_unitary_equivalent_and_smaller() {
    let o0 = scratch("cond_o0.qasm");
    let o2 = scratch("cond_o2.qasm");
    qattnc(&[
        "compile",
        "--preset",
        "paper_conditional",
        "-O0",
        "-o",
        path(&o0),
    ]);
    let out = qattnc(&["opt", path(&o0), "-O2", "-o", path(&o2), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(stats["before"]["two_qubit_gates"], 172);
    assert!(stats["after"]["two_qubit_gates"].as_u64().unwrap() < 172);
    let check = qattnc(&[
        "verify",
        path(&o0),
        path(&o2),
        "--mode",
        "unitary",
        "--samples",
        "2",
    ]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

#[test]
fn bad_input_exits_2() {
    let o0 = scratch("bad_o0.qasm");
    qattnc(&[
        "compile",
        "--preset",
        "paper_sequence",
        "-O0",
        "-o",
        path(&o0),
    ]);
    let other = scratch("bad_other.qasm");
    qattnc(&[
        "compile",
        "--preset",
        "paper_conditional",
        "-O0",
        "-o",
        path(&other),
    ]);
    let inputs = qattnc(&["verify", path(&o0), path(&other)]);
    assert_eq!(inputs.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&inputs.stderr);
    assert!(stderr.contains("inputs differ"), "{stderr}");
    let garbage = scratch("garbage.qasm");
    std::fs::write(&garbage, "OPENQASM 3.0;\nqubit[2] q;\nfoo q[0];\n").unwrap();
    let parse = qattnc(&["opt", path(&garbage)]);
    assert_eq!(parse.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&parse.stderr).contains("garbage.qasm:3:1"));
    let level = qattnc(&["opt", path(&o0), "-O3"]);
    assert_eq!(level.status.code(), Some(2));
}

#[test]
fn optimised_example_programs_match_their_snapshots() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("circuits");
    let mut programs: Vec<PathBuf> = std::fs::read_dir(&examples)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "qasm"))
        .collect();
    programs.sort();
    assert!(!programs.is_empty());
    for program in programs {
        let name = program.file_stem().unwrap().to_str().unwrap().to_string();
        for level in ["-O1", "-O2"] {
            let out = qattnc(&["opt", path(&program), level]);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            // The header names the input path, which depends on the checkout.
            let text = String::from_utf8(out.stdout).unwrap();
            let text: String = text
                .lines()
                .filter(|l| !l.starts_with("// Optimised by"))
                .map(|l| format!("{l}\n"))
                .collect();
            insta::assert_snapshot!(format!("opt_{name}{level}"), text);
            let optimised = scratch(&format!("{name}{level}.qasm"));
            std::fs::write(&optimised, &text).unwrap();
            let check = qattnc(&[
                "verify",
                path(&program),
                path(&optimised),
                "--mode",
                "unitary",
                "--samples",
                "3",
            ]);
            assert_eq!(check.status.code(), Some(0), "{name}{level}");
        }
    }
}

#[test]
fn routing_onto_heavy_hex_keeps_the_score_and_uses_coupled_pairs_only() {
    let device = "circuits/devices/heavy_hex_27.json";
    let reference = scratch("cond_ref.qasm");
    let routed = scratch("cond_heavy_hex.qasm");
    assert!(
        qattnc(&[
            "compile",
            "--preset",
            "paper_conditional",
            "-O0",
            "-o",
            path(&reference)
        ])
        .status
        .success()
    );
    let out = qattnc(&[
        "compile",
        "--preset",
        "paper_conditional",
        "--basis",
        "ibm-cz",
        "--coupling-map",
        device,
        "-o",
        path(&routed),
        "--json",
    ]);
    assert!(out.status.success(), "{}", common::text(&out.stderr));
    let stats = common::last_json(&out);
    let routing = &stats["routing"];
    assert_eq!(routing["device_qubits"], 27);
    // The ancilla has six partners; heavy-hex qubits have at most three neighbours.
    assert!(routing["swaps"].as_u64().unwrap() >= 3, "{routing}");

    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(device).unwrap()).unwrap();
    let map = qattnc::opt::CouplingMap::from_json(&json).unwrap().unwrap();
    let text = std::fs::read_to_string(&routed).unwrap();
    let circuit = qattnc::qasm::parse(&text, "routed", &Default::default()).unwrap();
    for gate in circuit.gates() {
        let name = gate.kind_name();
        assert!(["cz", "rz", "sx", "x"].contains(&name.as_str()), "{name}");
    }
    let off_map = map.uncoupled_pairs(&circuit);
    assert!(
        off_map.is_empty(),
        "two-qubit gates on uncoupled pairs: {off_map:?}"
    );

    // Same readout distribution (P(c[0] = 0)) as the -O0 reference for random bindings.
    let p0 = |program: &Path| -> Vec<f64> {
        let out = qattnc(&[
            "simulate",
            path(program),
            "--bind-random",
            "16",
            "--seed",
            "4",
        ]);
        assert!(out.status.success(), "{}", common::text(&out.stderr));
        common::text(&out.stdout)
            .lines()
            .skip(1)
            .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
            .collect()
    };
    let (want, got) = (p0(&reference), p0(&routed));
    assert_eq!(want.len(), 16);
    for (w, g) in want.iter().zip(&got) {
        assert!((w - g).abs() < 1e-9, "{w} vs {g}");
    }

    let small = scratch("line3.json");
    std::fs::write(&small, "[[0, 1], [1, 2]]").unwrap();
    let refused = qattnc(&[
        "compile",
        "--preset",
        "paper_conditional",
        "--coupling-map",
        path(&small),
    ]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(common::text(&refused.stderr).contains("the device has 3"));
}
