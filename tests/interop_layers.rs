//! Interop checks of the layer language (`tests/interop/check_families.py`, in the venv that
//! `make interop` creates):
//! - every family × sizes × reps × patterns × rotations × entangling gates: the `--part ansatz`
//!   program with random θ has the unitary of Qiskit 2.x's `n_local` / `real_amplitudes` /
//!   `efficient_su2` or PennyLane's `BasicEntanglerLayers` / `StronglyEntanglingLayers` (the
//!   paper family against BasicEntanglerLayers with RY, n ≥ 3), 1e-9 up to a global phase;
//! - every gallery spec (circuits/layers/*.toml) at -O0 and -O3, every head: the score program
//!   read as its header says equals the score of the statevectors of its `query-state` and
//!   `key-state` programs, all simulated by Qiskit (1e-9).
//!
//! Without the venv (env `QATTNC_INTEROP_VENV`, default `$HOME/.cache/qattnc/interop-venv`) or
//! without PennyLane in it, the test prints `skipped: …` to stderr and passes. The emitted files
//! are kept under `target/tmp/interop_layers/`.

mod common;

use common::interop_python;
use qattnc::compile::compile_part;
use qattnc::emit::{EmitOptions, Format, emit};
use qattnc::layer::{LayerSpec, Part};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

const TOLERANCE: f64 = 1e-9;

/// One ansatz case: the `[ansatz]` body, the register size, and the manifest fields.
struct AnsatzCase {
    body: String,
    n: usize,
    fields: Value,
}

fn ansatz_cases() -> Vec<AnsatzCase> {
    let gates = [
        "cx", "cz", "cy", "ch", "crx", "cry", "crz", "cp", "rzz", "rxx", "ryy", "swap",
    ];
    let patterns = [
        "full",
        "linear",
        "reverse_linear",
        "circular",
        "pairwise",
        "sca",
        "ring",
        "explicit",
    ];
    let rotation_sets: [&[&str]; 5] = [&["ry"], &["rx", "rz"], &["p"], &["rot"], &["ry", "rz"]];
    let mut cases = Vec::new();
    for (i, gate) in gates.iter().enumerate() {
        for (j, pattern) in patterns.iter().enumerate() {
            let n = 2 + (i + j) % 3;
            let reps = 1 + (i + j) % 2;
            let rotations = rotation_sets[(i + 2 * j) % rotation_sets.len()];
            let last = (i + j) % 3 != 0;
            let (toml_pattern, json_pattern) = if *pattern == "explicit" {
                let pairs = if n == 2 {
                    json!([[1, 0]])
                } else {
                    json!([[0, 2], [1, 0], [2, 1]])
                };
                (pairs.to_string(), pairs)
            } else {
                (format!("\"{pattern}\""), json!(pattern))
            };
            let quoted: Vec<String> = rotations.iter().map(|r| format!("\"{r}\"")).collect();
            cases.push(AnsatzCase {
                body: format!(
                    "family = \"n_local\"\nreps = {reps}\nrotations = [{}]\nentangling_gate = \
                     \"{gate}\"\nentanglement = {toml_pattern}\nfinal_rotations = {last}",
                    quoted.join(", ")
                ),
                n,
                fields: json!({"family": "n_local", "rotations": rotations, "entangling_gate": gate,
                    "entanglement": json_pattern, "reps": reps, "final_rotations": last}),
            });
        }
    }
    for n in 2..=4 {
        for (pattern, reps, last) in [
            ("reverse_linear", 1, true),
            ("full", 2, true),
            ("sca", 2, false),
        ] {
            cases.push(AnsatzCase {
                body: format!(
                    "family = \"real_amplitudes\"\nreps = {reps}\nentanglement = \"{pattern}\"\n\
                     final_rotations = {last}"
                ),
                n,
                fields: json!({"family": "real_amplitudes", "entanglement": pattern, "reps": reps,
                    "final_rotations": last}),
            });
            cases.push(AnsatzCase {
                body: format!(
                    "family = \"efficient_su2\"\nreps = {reps}\nentanglement = \"{pattern}\"\n\
                     final_rotations = {last}"
                ),
                n,
                fields: json!({"family": "efficient_su2", "rotations": ["ry", "rz"],
                    "entanglement": pattern, "reps": reps, "final_rotations": last}),
            });
        }
    }
    for n in 1..=4 {
        for (k, rotation) in ["rx", "ry", "rz"].iter().enumerate() {
            let layers = 1 + (n + k) % 2;
            cases.push(AnsatzCase {
                body: format!(
                    "family = \"basic_entangler\"\nlayers = {layers}\nrotation = \"{rotation}\""
                ),
                n,
                fields: json!({"family": "basic_entangler", "layers": layers, "rotation": rotation}),
            });
        }
        for layers in 1..=3 {
            cases.push(AnsatzCase {
                body: format!("family = \"strongly_entangling\"\nlayers = {layers}"),
                n,
                fields: json!({"family": "strongly_entangling", "layers": layers}),
            });
        }
        if n >= 3 {
            let ranges: Vec<usize> = (0..2).map(|l| if l % 2 == 0 { n - 1 } else { 1 }).collect();
            cases.push(AnsatzCase {
                body: format!("family = \"strongly_entangling\"\nlayers = 2\nranges = {ranges:?}"),
                n,
                fields: json!({"family": "strongly_entangling", "layers": 2, "ranges": ranges}),
            });
            // The paper's ansatz is BasicEntanglerLayers with RY for n ≥ 3.
            cases.push(AnsatzCase {
                body: "family = \"paper\"\nlayers = 2".to_string(),
                n,
                fields: json!({"family": "basic_entangler", "layers": 2, "rotation": "ry"}),
            });
        }
    }
    cases
}

fn write_program(
    dir: &Path,
    name: &str,
    spec: &LayerSpec,
    part: Part,
    head: usize,
    level: u8,
) -> String {
    let compiled = compile_part(spec, part, head, level, None);
    let path = dir.join(format!("{name}.qasm"));
    std::fs::write(
        &path,
        emit(&compiled.circuit, Format::Qasm3, &EmitOptions::default()),
    )
    .unwrap();
    path.display().to_string()
}

#[test]
fn families_match_qiskit_and_pennylane_and_scores_match_their_states() {
    let python = match interop_python(&["numpy", "qiskit", "qiskit_qasm3_import", "pennylane"]) {
        Ok(p) => p,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tmp/interop_layers");
    std::fs::create_dir_all(&dir).unwrap();
    let mut manifest = Vec::new();
    for (k, case) in ansatz_cases().into_iter().enumerate() {
        let text = format!(
            "name = \"case{k}\"\n[registers]\ntoken = {}\nposition = 0\n[ansatz]\n{}\n[score]\n\
             kind = \"hadamard-real\"\n",
            case.n, case.body
        );
        let spec = LayerSpec::from_toml(&text, &format!("case{k}"))
            .unwrap_or_else(|e| panic!("{e}\n{text}"));
        let qasm = write_program(&dir, &format!("ansatz{k}"), &spec, Part::Ansatz, 0, 0);
        let mut entry = case.fields;
        entry["kind"] = json!("ansatz");
        entry["name"] = json!(format!(
            "ansatz{k}: n = {}, {}",
            case.n,
            case.body.replace('\n', "; ")
        ));
        entry["qasm"] = json!(qasm);
        manifest.push(entry);
    }
    let gallery = Path::new(env!("CARGO_MANIFEST_DIR")).join("circuits/layers");
    let mut paths: Vec<_> = std::fs::read_dir(&gallery)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for path in paths
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
    {
        let spec =
            LayerSpec::from_toml(&std::fs::read_to_string(path).unwrap(), "gallery").unwrap();
        for head in 0..spec.heads {
            let tag = format!("{}_h{head}", spec.name);
            let query = write_program(
                &dir,
                &format!("{tag}_query"),
                &spec,
                Part::QueryState,
                head,
                0,
            );
            let key = write_program(&dir, &format!("{tag}_key"), &spec, Part::KeyState, head, 0);
            for level in [0, 3] {
                let qasm = write_program(
                    &dir,
                    &format!("{tag}_O{level}"),
                    &spec,
                    Part::Score,
                    head,
                    level,
                );
                manifest.push(json!({"kind": "score", "name": format!("{tag} -O{level}"),
                    "score": spec.score.name(), "n": spec.registers.working(), "qasm": qasm,
                    "query": query, "key": key, "bindings": 3}));
            }
        }
    }
    let manifest_path = dir.join("manifest.json");
    std::fs::write(
        &manifest_path,
        serde_json::to_string_pretty(&manifest).unwrap(),
    )
    .unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/check_families.py");
    let output = Command::new(&python)
        .arg(&script)
        .arg(&manifest_path)
        .arg("--tolerance")
        .arg(TOLERANCE.to_string())
        .output()
        .expect("run check_families.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "check_families.py failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_str(stdout.lines().last().unwrap_or("")).unwrap();
    eprintln!(
        "checked {} cases; worst ansatz difference {:.2e}, worst score difference {:.2e}",
        report["checked"],
        report["worst_ansatz"].as_f64().unwrap_or(f64::NAN),
        report["worst_score"].as_f64().unwrap_or(f64::NAN)
    );
    assert_eq!(report["checked"].as_u64().unwrap() as usize, manifest.len());
    let failures = report["failures"].as_array().unwrap();
    assert!(
        failures.is_empty(),
        "{} failures: {failures:#?}",
        failures.len()
    );
}
