//! The simulator against the IR, the emitter, the fast path and independent golden values.

use qattnc::emit::{EmitOptions, emit_qasm3};
use qattnc::ir::Circuit;
use qattnc::layer::{LayerSpec, Side, preset, score_circuit};
use qattnc::qasm::{ParseOptions, parse};
use qattnc::sim::{Amplitude, Program, Real, StatePrep};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::PathBuf;

const PRESETS: [&str; 2] = ["paper_sequence", "paper_conditional"];

fn spec(name: &str) -> LayerSpec {
    preset(name).unwrap().unwrap()
}

fn two_layer_spec() -> LayerSpec {
    let text = "name = \"two_layer_2x2\"\n[registers]\ntoken = 2\nposition = 2\n\
                [ansatz]\nlayers = 2\nrotation = \"ry\"\nentangler = \"ring\"\n\
                [score]\nkind = \"hadamard-real\"\n";
    LayerSpec::from_toml(text, "two_layer_2x2.toml").unwrap()
}

fn random_bindings(inputs: usize, rows: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..inputs * rows)
        .map(|_| rng.random_range(-std::f64::consts::PI..std::f64::consts::PI))
        .collect()
}

fn z0(circuit: &Circuit, bindings: &[f64], rows: usize, amplitude: Amplitude) -> Vec<f64> {
    Program::compile(circuit, amplitude)
        .unwrap()
        .run_batch(bindings, rows, |_, state| state.expectation_z(0))
        .unwrap()
}

#[test]
fn parsing_the_emitted_program_simulates_like_the_circuit() {
    for name in PRESETS {
        let circuit = score_circuit(&spec(name));
        let text = emit_qasm3(&circuit, &EmitOptions::default());
        let parsed = parse(&text, name, &ParseOptions::default()).unwrap();
        assert_eq!(parsed.inputs(), circuit.inputs());
        assert_eq!(parsed.gates().count(), circuit.gates().count());
        let rows = 50;
        let bindings = random_bindings(circuit.inputs().len(), rows, 1);
        let direct = z0(&circuit, &bindings, rows, Amplitude::Complex);
        let round_trip = z0(&parsed, &bindings, rows, Amplitude::Auto);
        for (a, b) in direct.iter().zip(&round_trip) {
            assert!((a - b).abs() < 1e-12, "{name}: {a} vs {b}");
        }
    }
}

/// Scores ψ_q(i)·ψ_k(j) from the state-preparation kernel for the score circuit's bindings.
fn fast_path_scores<T: Real>(spec: &LayerSpec, inputs: &[String], bindings: &[f64]) -> Vec<f64> {
    let rows = bindings.len() / inputs.len();
    let side_states = |side| {
        let prep = StatePrep::for_layer(spec, side).unwrap();
        let columns: Vec<usize> = prep
            .params()
            .iter()
            .map(|p| inputs.iter().position(|i| i == p).unwrap())
            .collect();
        let params: Vec<T> = (0..rows)
            .flat_map(|r| columns.iter().map(move |&c| (r, c)))
            .map(|(r, c)| T::from_f64(bindings[r * inputs.len() + c]))
            .collect();
        let mut states = vec![T::zero(); rows * prep.dim()];
        prep.states(&params, &mut states).unwrap();
        (states, prep.dim())
    };
    let (query, dim) = side_states(Side::Query);
    let (key, _) = side_states(Side::Key);
    (0..rows)
        .map(|r| {
            let q = &query[r * dim..(r + 1) * dim];
            let k = &key[r * dim..(r + 1) * dim];
            q.iter()
                .zip(k)
                .map(|(a, b)| (*a * *b).to_f64().unwrap())
                .sum()
        })
        .collect()
}

#[test]
fn fast_path_scores_equal_the_reference_circuit() {
    for spec in [spec(PRESETS[0]), spec(PRESETS[1]), two_layer_spec()] {
        let circuit = score_circuit(&spec);
        let rows = 100;
        let bindings = random_bindings(circuit.inputs().len(), rows, 2);
        let exact = z0(&circuit, &bindings, rows, Amplitude::Complex);
        let f64_scores = fast_path_scores::<f64>(&spec, circuit.inputs(), &bindings);
        let f32_scores = fast_path_scores::<f32>(&spec, circuit.inputs(), &bindings);
        for ((e, a), b) in exact.iter().zip(&f64_scores).zip(&f32_scores) {
            assert!(
                (e - a).abs() < 1e-12,
                "{}: f64 {a} vs circuit {e}",
                spec.name
            );
            assert!(
                (e - b).abs() < 1e-5,
                "{}: f32 {b} vs circuit {e}",
                spec.name
            );
        }
    }
}

/// Checks the score circuit of `spec` against a golden CSV (inputs by name, then `score`).
fn check_golden(spec: &LayerSpec, path: &std::path::Path) -> usize {
    let circuit = score_circuit(spec);
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().clone();
    let columns: Vec<usize> = circuit
        .inputs()
        .iter()
        .map(|input| header.iter().position(|h| h == input).unwrap())
        .collect();
    let score_column = header.iter().position(|h| h == "score").unwrap();
    let (mut bindings, mut scores) = (Vec::new(), Vec::new());
    for record in reader.records() {
        let record = record.unwrap();
        let value = |k: usize| record[k].parse::<f64>().unwrap();
        bindings.extend(columns.iter().map(|&k| value(k)));
        scores.push(value(score_column));
    }
    let rows = scores.len();
    let fast = fast_path_scores::<f64>(spec, circuit.inputs(), &bindings);
    for amplitude in [Amplitude::Auto, Amplitude::Complex] {
        let simulated = z0(&circuit, &bindings, rows, amplitude);
        for (r, ((s, g), f)) in simulated.iter().zip(&scores).zip(&fast).enumerate() {
            assert!(
                (s - g).abs() < 1e-12,
                "{} row {r}: {s} vs golden {g}",
                path.display()
            );
            assert!(
                (f - g).abs() < 1e-12,
                "{} row {r}: fast {f} vs golden {g}",
                path.display()
            );
        }
    }
    rows
}

fn golden_cases() -> [(LayerSpec, &'static str); 3] {
    [
        (spec(PRESETS[0]), "paper_sequence_scores.csv"),
        (spec(PRESETS[1]), "paper_conditional_scores.csv"),
        (two_layer_spec(), "two_layer_2x2_scores.csv"),
    ]
}

#[test]
fn golden_fixture_scores() {
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/golden");
    for (spec, file) in golden_cases() {
        assert_eq!(check_golden(&spec, &fixtures.join(file)), 10);
    }
}

#[test]
fn golden_shared_scores() {
    let shared = std::env::var_os("QATTNC_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let golden = shared.join("data/golden");
    if !golden.is_dir() {
        println!(
            "skipping: no golden data at {} (set QATTNC_SHARED to the shared folder)",
            golden.display()
        );
        return;
    }
    for (spec, file) in golden_cases() {
        let rows = check_golden(&spec, &golden.join(file));
        println!("{file}: {rows} rows agree to 1e-12");
    }
}

#[test]
fn example_programs_parse_and_simulate() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("circuits");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "qasm") {
            let text = std::fs::read_to_string(&path).unwrap();
            let circuit = parse(&text, &path.display().to_string(), &ParseOptions::default())
                .unwrap_or_else(|e| panic!("{e}"));
            let bindings = random_bindings(circuit.inputs().len(), 4, 3);
            let fast = z0(&circuit, &bindings, 4, Amplitude::Auto);
            let slow = z0(&circuit, &bindings, 4, Amplitude::Complex);
            for (a, b) in fast.iter().zip(&slow) {
                assert!((a - b).abs() < 1e-12);
            }
            seen += 1;
        }
    }
    assert!(seen >= 1);
}
