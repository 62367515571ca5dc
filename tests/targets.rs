//! `--target DEVICE.json` from the command line: both paper layers on every shipped device keep
//! the reference's readout distribution, use only the device's native gates on coupled pairs,
//! report layouts and SWAPs; `opt --target` compiles any OpenQASM 3 program; bad targets exit 2.

mod common;

use common::qattnc;
use qattnc::ir::{Circuit, Instruction};
use qattnc::sim::{Amplitude, Program};
use qattnc::target::Target;
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("targets");
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

const DEVICES: [&str; 8] = [
    "heavy_hex_27",
    "ibm_eagle_127_ecr",
    "ibm_eagle_127_cz",
    "ionq_aria_25",
    "rigetti_square_36",
    "iqm_star_5",
    "iqm_square_20",
    "line_16",
];

/// The program's circuit on its used qubits only, measurements kept. A routed program names
/// physical qubits up to the device's size (127 on Eagle), past the parser's default limit.
fn compact(text: &str) -> Circuit {
    let options = qattnc::qasm::ParseOptions {
        max_qubits: qattnc::opt::MAX_DEVICE_QUBITS,
        ..Default::default()
    };
    common::compact(&qattnc::qasm::parse(text, "program", &options).unwrap())
}

/// P(c[0] = 0) of a program for 8 fixed bindings.
fn p0(program: &Path) -> Vec<f64> {
    let circuit = compact(&std::fs::read_to_string(program).unwrap());
    let qubit = circuit
        .instructions()
        .iter()
        .find_map(|i| match i {
            Instruction::Measure { qubit, clbit: 0 } => Some(*qubit),
            _ => None,
        })
        .unwrap();
    let simulator = Program::compile(&circuit, Amplitude::Complex).unwrap();
    (0..8u64)
        .map(|r| {
            // Values by input name, so programs that declare inputs in another order agree.
            let binding: Vec<f64> = circuit
                .inputs()
                .iter()
                .map(|name| {
                    let seed: u64 = name.bytes().map(|b| b as u64 * 31).sum::<u64>() + r * 5;
                    (seed % 13) as f64 * 0.5 - 3.0
                })
                .collect();
            simulator.run(&binding).unwrap().marginal(&[qubit])[0]
        })
        .collect()
}

/// The gate statements of a program's body: (name, qubits).
fn statements(text: &str) -> Vec<(String, Vec<usize>)> {
    text.lines()
        .skip_while(|l| !l.starts_with("qubit["))
        .filter(|l| !l.is_empty() && !l.starts_with("qubit[") && !l.starts_with("bit["))
        .filter(|l| !l.contains("measure") && !l.starts_with("barrier") && !l.starts_with("reset"))
        .map(|l| {
            let name: String = l
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect();
            let qubits = l
                .split("q[")
                .skip(1)
                .map(|s| s.split(']').next().unwrap().parse().unwrap())
                .collect();
            (name, qubits)
        })
        .collect()
}

#[test]
fn paper_layers_compiled_for_every_shipped_device_keep_the_score() {
    for preset in ["paper_sequence", "paper_conditional"] {
        let reference = scratch(&format!("{preset}_ref.qasm"));
        let out = qattnc(&["compile", "--preset", preset, "-O0", "-o", path(&reference)]);
        assert!(out.status.success());
        let want = p0(&reference);
        for device in DEVICES {
            let file = format!("circuits/devices/{device}.json");
            let target =
                Target::from_json_text(&std::fs::read_to_string(&file).unwrap(), &file).unwrap();
            let program = scratch(&format!("{preset}_{device}.qasm"));
            let out = qattnc(&[
                "compile",
                "--preset",
                preset,
                "--target",
                &file,
                "-o",
                path(&program),
                "--json",
            ]);
            if device == "iqm_star_5" {
                // Seven qubits do not fit five.
                assert_eq!(out.status.code(), Some(2));
                assert!(common::text(&out.stderr).contains("the device `iqm-star-5` has 5"));
                continue;
            }
            assert!(
                out.status.success(),
                "{device}: {}",
                common::text(&out.stderr)
            );
            let report = &common::last_json(&out)["target"];
            assert_eq!(report["device_qubits"], target.num_qubits(), "{device}");
            assert_eq!(report["initial_layout"].as_array().unwrap().len(), 7);
            let text = std::fs::read_to_string(&program).unwrap();
            assert!(text.contains("ends (is measured) on final[k]"), "{device}");
            let body = statements(&text);
            let two_qubit = body.iter().filter(|(_, q)| q.len() == 2).count();
            assert_eq!(report["two_qubit_gates"], two_qubit, "{device}");
            let allowed = target
                .native
                .map(|s| s.gate_names().to_vec())
                .unwrap_or_else(|| vec!["cx", "h", "rz", "ry", "rx", "x", "s", "sdg", "p", "sx"]);
            for (name, qubits) in &body {
                assert!(allowed.contains(&name.as_str()), "{device}: {name}");
                if let [a, b] = qubits[..] {
                    let ok = if name == "ecr" {
                        target.allows(a, b)
                    } else {
                        target.map.coupled(a, b)
                    };
                    assert!(ok, "{device}: {name} on ({a}, {b})");
                }
            }
            assert_eq!(
                report["success_probability"].is_number(),
                target.has_errors(),
                "{device}"
            );
            let got = p0(&program);
            for (w, g) in want.iter().zip(&got) {
                assert!((w - g).abs() < 1e-9, "{preset} on {device}: {w} vs {g}");
            }
        }
    }
}

#[test]
fn opt_compiles_any_program_for_a_target_keeping_its_measurements() {
    let program = scratch("demo_iqm.qasm");
    let out = qattnc(&[
        "opt",
        "circuits/modifiers_demo.qasm",
        "--target",
        "circuits/devices/iqm_star_5.json",
        "-o",
        path(&program),
        "--json",
    ]);
    assert!(out.status.success(), "{}", common::text(&out.stderr));
    let stats = common::last_json(&out);
    assert_eq!(stats["target"]["native_set"], "iqm");
    let text = std::fs::read_to_string(&program).unwrap();
    for (name, _) in statements(&text) {
        assert!(["prx", "cz"].contains(&name.as_str()), "{name}");
    }
    // Every classical bit has the same distribution as in the input program.
    let parse = |text: &str| qattnc::qasm::parse(text, "p", &Default::default()).unwrap();
    let input = parse(&std::fs::read_to_string("circuits/modifiers_demo.qasm").unwrap());
    let output = parse(&text);
    let distribution = |c: &qattnc::ir::Circuit| {
        let mut measured = vec![0; c.num_clbits()];
        for i in c.instructions() {
            if let Instruction::Measure { qubit, clbit } = i {
                measured[*clbit] = *qubit;
            }
        }
        let program = Program::compile(c, Amplitude::Complex).unwrap();
        let binding: Vec<f64> = (0..c.inputs().len()).map(|k| 0.3 + k as f64).collect();
        program.run(&binding).unwrap().marginal(&measured)
    };
    let (want, got) = (distribution(&input), distribution(&output));
    assert_eq!(want.len(), got.len());
    for (w, g) in want.iter().zip(&got) {
        assert!((w - g).abs() < 1e-9, "{w} vs {g}");
    }
}

#[test]
fn bad_targets_exit_2_naming_the_file() {
    let cases = [
        (
            "broken.json",
            "{\"num_qubits\": 3,\n \"coupling_map\": [[0, 1]",
            "broken.json:2:",
        ),
        (
            "gate.json",
            r#"{"num_qubits": 8, "coupling_map": [[0, 1]], "basis": ["cz", "magic"]}"#,
            "unknown gate `magic`",
        ),
        (
            "rate.json",
            r#"{"num_qubits": 8, "coupling_map": [[0, 1]], "basis": ["prx", "cz"], "errors": {"cz": 2}}"#,
            "between 0 and 1",
        ),
        (
            "dup.json",
            r#"{"num_qubits": 8, "coupling_map": [[0, 1], [0, 1]]}"#,
            "listed twice",
        ),
        (
            "huge.json",
            r#"{"num_qubits": 100000, "coupling_map": []}"#,
            "2048",
        ),
        (
            "split.json",
            r#"{"num_qubits": 8, "coupling_map": [[0, 1], [1, 2], [2, 3], [4, 5], [5, 6], [6, 7]], "basis": ["prx", "cz"]}"#,
            "disconnected",
        ),
    ];
    for (name, json, expected) in cases {
        let file = scratch(name);
        std::fs::write(&file, json).unwrap();
        for command in ["compile", "opt"] {
            let args: Vec<&str> = match command {
                "compile" => vec![
                    "compile",
                    "--preset",
                    "paper_conditional",
                    "--target",
                    path(&file),
                ],
                _ => vec![
                    "opt",
                    "circuits/modifiers_demo.qasm",
                    "--target",
                    path(&file),
                ],
            };
            let out = qattnc(&args);
            let stderr = common::text(&out.stderr);
            if name == "split.json" && command == "opt" {
                // Three qubits fit one part of the split device.
                assert!(out.status.success(), "{stderr}");
                continue;
            }
            assert_eq!(out.status.code(), Some(2), "{name} {command}: {stderr}");
            assert!(
                stderr.contains(name) && stderr.contains(expected),
                "{name}: {stderr}"
            );
        }
    }
}

/// A program compiled for a target says in its header how its measurements give the score of
/// its own score kind (not the Hadamard test's for every kind).
#[test]
fn target_programs_state_their_own_score_readout() {
    for (spec, says) in [
        (
            "circuits/layers/swap_test.toml",
            "|<psi_q(i)|psi_k(j)>|^2 (SWAP test",
        ),
        (
            "circuits/layers/hadamard_imag.toml",
            "= Im<psi_q(i)|psi_k(j)>",
        ),
        ("circuits/paper_sequence.toml", "= Re<psi_q(i)|psi_k(j)>"),
    ] {
        let out = qattnc(&[
            "compile",
            spec,
            "--target",
            "circuits/devices/ionq_aria_25.json",
        ]);
        assert!(
            out.status.success(),
            "{spec}: {}",
            common::text(&out.stderr)
        );
        let text = common::text(&out.stdout);
        let header: String = text.lines().filter(|l| l.starts_with("//")).collect();
        assert!(header.contains(says), "{spec}: {header}");
        assert!(header.contains("final["), "{spec}: {header}");
    }
}

/// Noise-aware placement (issue 15): on a ring of 8 whose pair (0, 1) is bad, a chain of three
/// qubits is placed away from it when the target gives its error rates, and the estimated
/// success probability beats that of the noise-blind placement (the same device without error
/// rates, which starts on qubits 0, 1 and 7), scored on the noisy device.
#[test]
fn error_rates_move_the_layout_off_a_bad_pair_and_raise_the_success_estimate() {
    let ring: Vec<[usize; 2]> = (0..8).map(|q| [q, (q + 1) % 8]).collect();
    let device = |errors: bool| {
        let mut json = serde_json::json!({
            "name": "ring-8", "num_qubits": 8, "coupling_map": ring,
            "basis": ["cz", "rz", "sx", "x"],
        });
        if errors {
            json["errors"] = serde_json::json!({"cz": {"0,1": 0.3, "1,2": 0.004, "2,3": 0.004,
                "3,4": 0.004, "4,5": 0.004, "5,6": 0.004, "6,7": 0.004, "0,7": 0.004},
                "readout": 0.01});
        }
        Target::from_json_text(&json.to_string(), "ring-8.json").unwrap()
    };
    let (noisy, blind) = (device(true), device(false));
    let mut chain = Circuit::new(3, 3);
    chain
        .push_gate(qattnc::ir::GateOp::rotation(
            qattnc::ir::Gate::Ry,
            qattnc::ir::Angle::constant(0.7),
            1,
        ))
        .unwrap();
    for _ in 0..3 {
        chain.push_gate(qattnc::ir::GateOp::cx(1, 0)).unwrap();
        chain.push_gate(qattnc::ir::GateOp::cx(1, 2)).unwrap();
        chain
            .push_gate(qattnc::ir::GateOp::rotation(
                qattnc::ir::Gate::Rx,
                qattnc::ir::Angle::constant(0.4),
                0,
            ))
            .unwrap();
    }
    for q in 0..3 {
        chain.push_measure(q, q).unwrap();
    }
    let aware = qattnc::target::compile_for_target(&chain, &noisy).unwrap();
    let unaware = qattnc::target::compile_for_target(&chain, &blind).unwrap();
    let pairs = |native: &qattnc::target::NativeCircuit| -> Vec<Vec<usize>> {
        native
            .gates()
            .filter(|op| op.qubits.len() == 2)
            .map(|op| {
                let mut q = op.qubits.clone();
                q.sort_unstable();
                q
            })
            .collect()
    };
    let aware_native = aware.native.as_ref().unwrap();
    let blind_native = unaware.native.as_ref().unwrap();
    assert!(!pairs(aware_native).contains(&vec![0, 1]), "{aware:?}");
    assert!(pairs(blind_native).contains(&vec![0, 1]), "{unaware:?}");
    assert_eq!(aware.report.swaps, 0);
    let esp_aware = aware.report.success_probability.unwrap();
    let esp_blind = noisy.success_probability(blind_native).unwrap();
    assert_eq!(noisy.success_probability(aware_native), Some(esp_aware));
    assert!(esp_aware > esp_blind + 0.1, "{esp_aware} vs {esp_blind}");
    // Both keep the input's distribution.
    for program in [&aware.routed, &unaware.routed] {
        let measured = |c: &Circuit| -> Vec<usize> {
            let mut m = vec![0; c.num_clbits()];
            for i in c.instructions() {
                if let Instruction::Measure { qubit, clbit } = i {
                    m[*clbit] = *qubit;
                }
            }
            m
        };
        let run = |c: &Circuit| {
            Program::compile(c, Amplitude::Complex)
                .unwrap()
                .run(&[])
                .unwrap()
                .marginal(&measured(c))
        };
        for (w, g) in run(&chain).iter().zip(run(program)) {
            assert!((w - g).abs() < 1e-10);
        }
    }
}

/// Layout over the whole device (issue 15): the graph state of a 12-qubit ring, with rotations
/// so that its distribution is not flat, embeds in a 12-qubit ring of Eagle's heavy-hex lattice
/// away from the lowest-numbered qubits (a line with stubs there): both Eagle targets route it
/// with no SWAP, 12 two-qubit gates on coupled pairs, and the input's exact distribution.
#[test]
fn a_graph_state_on_eagle_routes_without_swaps_and_keeps_its_distribution() {
    let mut text = String::from("OPENQASM 3.0;\ninclude \"stdgates.inc\";\n");
    text += "qubit[12] q;\nbit[12] c;\n";
    for q in 0..12 {
        text += &format!("h q[{q}];\n");
    }
    for q in [3, 7, 0, 10, 5, 1, 8, 11, 2, 6, 9, 4] {
        text += &format!("cz q[{q}], q[{}];\n", (q + 1) % 12);
    }
    for q in 0..12 {
        text += &format!(
            "ry({}) q[{q}];\nrz({}) q[{q}];\n",
            0.3 + 0.1 * q as f64,
            0.2 * q as f64
        );
    }
    text += "h q[0];\nc = measure q;\n";
    let input = scratch("graph_state_12.qasm");
    std::fs::write(&input, &text).unwrap();
    let distribution = |c: &Circuit| {
        let mut measured = vec![0; c.num_clbits()];
        for i in c.instructions() {
            if let Instruction::Measure { qubit, clbit } = i {
                measured[*clbit] = *qubit;
            }
        }
        let program = Program::compile(c, Amplitude::Complex).unwrap();
        program.run(&[]).unwrap().marginal(&measured)
    };
    let want = distribution(&qattnc::qasm::parse(&text, "p", &Default::default()).unwrap());
    for device in ["ibm_eagle_127_cz", "ibm_eagle_127_ecr"] {
        let file = format!("circuits/devices/{device}.json");
        let target =
            Target::from_json_text(&std::fs::read_to_string(&file).unwrap(), &file).unwrap();
        let program = scratch(&format!("graph_state_12_{device}.qasm"));
        let out = qattnc(&[
            "opt",
            path(&input),
            "-O2",
            "--target",
            &file,
            "-o",
            path(&program),
            "--json",
        ]);
        assert!(out.status.success(), "{}", common::text(&out.stderr));
        let report = &common::last_json(&out)["target"];
        assert_eq!(report["swaps"], 0, "{device}");
        assert_eq!(report["two_qubit_gates"], 12, "{device}");
        let routed = std::fs::read_to_string(&program).unwrap();
        let pairs: Vec<Vec<usize>> = statements(&routed)
            .into_iter()
            .filter(|(_, qubits)| qubits.len() == 2)
            .map(|(_, qubits)| qubits)
            .collect();
        assert_eq!(pairs.len(), 12, "{device}");
        for pair in &pairs {
            assert!(target.allows(pair[0], pair[1]), "{device}: {pair:?}");
        }
        let got = distribution(&compact(&routed));
        assert_eq!(want.len(), got.len());
        for (w, g) in want.iter().zip(&got) {
            assert!((w - g).abs() < 1e-9, "{device}: {w} vs {g}");
        }
    }
}
