//! No input makes the front end or the simulator panic or hang: seeded, deterministic mutations
//! of the paper circuits' emitted programs and of the example programs in `circuits/`.

use qattnc::emit::{EmitOptions, emit_qasm3};
use qattnc::layer::{preset, score_circuit};
use qattnc::qasm::{ParseOptions, parse};
use qattnc::sim::{Amplitude, Program};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::{Duration, Instant};

/// Fragments spliced into programs: syntax, limits, recursion, and odd characters.
const FRAGMENTS: [&str; 34] = [
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ";",
    ",",
    "@",
    "->",
    "=",
    "-",
    "*",
    "/",
    "\"",
    "/*",
    "//",
    "ctrl @ ",
    "negctrl(2) @ ",
    "inv @ ",
    "pow(2) @ ",
    "ctrl(99999999999999999999) @ ",
    "gate g(a) x { g(a) x; }\n",
    "gate h2 x, y { h x; cx x, y; h2 x, y; }\n",
    "qubit[27] big;\n",
    "qubit[18446744073709551616] r;\n",
    "q[4294967296]",
    "1e999",
    "0/0",
    "π",
    "\u{0}",
    "if (c) { x q[0]; }\n",
    "U(1, 2, 3) q[0];\n",
    "gphase(pi);\n",
];

fn seeds() -> Vec<String> {
    let mut programs = Vec::new();
    for name in ["paper_sequence", "paper_conditional"] {
        let circuit = score_circuit(&preset(name).unwrap().unwrap());
        programs.push(emit_qasm3(&circuit, &EmitOptions::default()));
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("circuits");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "qasm") {
            programs.push(std::fs::read_to_string(path).unwrap());
        }
    }
    programs
}

fn boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// One to four random edits: delete, duplicate, insert a fragment, swap with another spot,
/// replace a digit run with a large number, or truncate.
fn mutate(text: &str, rng: &mut ChaCha8Rng) -> String {
    let mut text = text.to_string();
    for _ in 0..rng.random_range(1..=4) {
        let len = text.len().max(1);
        let a = boundary(&text, rng.random_range(0..len));
        let b = boundary(&text, (a + rng.random_range(0..64)).min(text.len()));
        match rng.random_range(0..6) {
            0 => text.replace_range(a..b, ""),
            1 => {
                let piece = text[a..b].repeat(rng.random_range(1..8));
                text.insert_str(a, &piece);
            }
            2 => text.insert_str(a, FRAGMENTS[rng.random_range(0..FRAGMENTS.len())]),
            3 => {
                let c = boundary(&text, rng.random_range(0..len));
                let piece = text[a..b].to_string();
                text.insert_str(c, &piece);
            }
            4 => {
                if let Some(offset) = text[a..].find(|c: char| c.is_ascii_digit()) {
                    let at = a + offset;
                    let end = text[at..]
                        .find(|c: char| !c.is_ascii_digit())
                        .map_or(text.len(), |e| at + e);
                    let big = ["0", "27", "28", "4096", "99999999999"][rng.random_range(0..5)];
                    text.replace_range(at..end, big);
                }
            }
            _ => text.truncate(a),
        }
    }
    text
}

#[test]
fn mutated_programs_never_panic_or_hang() {
    let seeds = seeds();
    assert!(seeds.len() >= 3);
    let mut rng = ChaCha8Rng::seed_from_u64(2025);
    let options = ParseOptions::default();
    let (mut parsed, mut simulated, mut total) = (0, 0, 0);
    let start = Instant::now();
    let mut slowest = Duration::ZERO;
    for k in 0..2400 {
        let program = mutate(&seeds[k % seeds.len()], &mut rng);
        let one = Instant::now();
        if let Ok(circuit) = parse(&program, "mutant.qasm", &options) {
            parsed += 1;
            if circuit.num_qubits() <= 12
                && let Ok(compiled) = Program::compile(&circuit, Amplitude::Auto)
            {
                let bindings = vec![0.3; compiled.inputs().len()];
                compiled.readouts(&bindings, 1, None).unwrap();
                simulated += 1;
            }
        }
        slowest = slowest.max(one.elapsed());
        total += 1;
    }
    println!(
        "{total} mutants: {parsed} parsed, {simulated} simulated, slowest {slowest:?}, total {:?}",
        start.elapsed()
    );
    assert!(
        slowest < Duration::from_secs(2),
        "a mutant took {slowest:?}"
    );
    assert!(parsed > 0 && parsed < total);
}
