//! No input makes a parser panic or hang, and every parse error is located: seeded,
//! deterministic mutations of OpenQASM 3 programs (the paper circuits' emitted programs,
//! `circuits/*.qasm`, Qiskit's `qasm3.dumps` output in `tests/fixtures/qiskit/`), OpenQASM 2.0
//! programs (Qiskit's `qasm2.dumps` output and a hand-written one), layer specs (TOML) and
//! binding files (CSV and JSON). Programs that parse, have at most 12 qubits and at most
//! [`MAX_SIMULATED_INSTRUCTIONS`] instructions are simulated.
//!
//! Each input runs on its own thread under a time bound ([`PER_INPUT`]): a hang fails the test
//! with the input instead of stalling it. An error is located when it renders as
//! `origin:line:column: message` with a line and column inside the text.
//!
//! `cargo test --test qasm_mutations` runs a small sample (part of `make test`); the campaign of
//! docs/circuits.md ("Fuzzing") is
//! `QATTNC_FUZZ_CASES=10000 cargo test --release --test qasm_mutations -- --ignored --nocapture`
//! (the count is per run, split over the five kinds of input; `QATTNC_FUZZ_SEED` varies it).

use qattnc::diagnostic::SourceError;
use qattnc::emit::{EmitOptions, emit_qasm3};
use qattnc::layer::{LayerSpec, PRESETS, preset, score_circuit};
use qattnc::qasm::{ParseOptions, parse};
use qattnc::sim::{Amplitude, Bindings, Program};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The most wall time one input may take (parse, and simulate when it parses), on a shared
/// machine: a program may expand to `ParseOptions::max_operations` (4 million) operations, which
/// takes about 0.5 s of CPU to parse.
const PER_INPUT: Duration = Duration::from_secs(10);

/// Parsed programs with more instructions than this are not simulated (`pow(1048576) @` alone
/// reaches the parser's budget; simulating that is the simulator's benchmark, not a fuzz case).
const MAX_SIMULATED_INSTRUCTIONS: usize = 100_000;

/// Fragments spliced into OpenQASM programs: syntax, limits, recursion, and odd characters.
const QASM_FRAGMENTS: &[&str] = &[
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
    "^",
    "\"",
    "/*",
    "//",
    "ctrl @ ",
    "negctrl(2) @ ",
    "inv @ ",
    "pow(2) @ ",
    "pow(-3) @ ",
    "pow(1048576) @ ",
    "ctrl(99999999999999999999) @ ",
    "gate g(a) x { g(a) x; }\n",
    "gate h2 x, y { h x; cx x, y; h2 x, y; }\n",
    "gate e { }\n",
    "gate sxdg a { s a; h a; s a; }\n",
    "qubit[27] big;\n",
    "qreg big[27];\n",
    "creg c2[4];\n",
    "qubit[18446744073709551616] r;\n",
    "q[4294967296]",
    "1e999",
    "0/0",
    "π",
    "\u{0}",
    "\u{feff}",
    "if (c) { x q[0]; }\n",
    "if(c==1) x q[0];\n",
    "opaque o a;\n",
    "U(1, 2, 3) q[0];\n",
    "CX q[0], q[1];\n",
    "gphase(pi);\n",
    "measure q -> c;\n",
    "OPENQASM 2.0;\n",
    "OPENQASM 3.0;\n",
    "include \"qelib1.inc\";\n",
    "include \"stdgates.inc\";\n",
    "rc3x q[0], q[1], q[2], q[3];\n",
    "c4x q[0], q[1], q[2], q[3], q[4];\n",
];

/// Fragments spliced into layer specs.
const TOML_FRAGMENTS: &[&str] = &[
    "[",
    "]",
    "[[",
    "]]",
    "=",
    "\"",
    "'''",
    "\"\"\"",
    "#",
    ",",
    "{",
    "}",
    ".",
    "\n",
    "-1",
    "0",
    "1e999",
    "nan",
    "inf",
    "-inf",
    "9223372036854775807",
    "99999999999999999999",
    "true",
    "[registers]\n",
    "[ansatz]\n",
    "[score]\n",
    "layers = 1000000\n",
    "token = 1000\n",
    "position = 64\n",
    "property = 28\n",
    "entangler = \"ring\"\n",
    "kind = \"swap-test\"\n",
    "\u{0}",
    "é",
    "x.y.z = 1\n",
];

/// Fragments spliced into binding files (CSV and JSON).
const BINDING_FRAGMENTS: &[&str] = &[
    ",",
    "\n",
    "\r\n",
    "\"",
    "#",
    "[",
    "]",
    "{",
    "}",
    ":",
    "-",
    "1e999",
    "-1e999",
    "NaN",
    "nan",
    "inf",
    "0x10",
    "1e-400",
    "null",
    "true",
    "\"a\"",
    "{\"tok_i_0\": 1}",
    "[[]]",
    "\u{0}",
    "é",
    "99999999999999999999999999999999999999",
];

/// One kind of input: its seeds, the fragments spliced into it and how it is read.
struct Kind {
    name: &'static str,
    seeds: Vec<String>,
    fragments: &'static [&'static str],
    read: fn(String, &'static str) -> Result<(), SourceError>,
}

fn read_qasm(text: String, origin: &'static str) -> Result<(), SourceError> {
    let circuit = parse(&text, origin, &ParseOptions::default())?;
    if circuit.num_qubits() <= 12
        && circuit.instructions().len() <= MAX_SIMULATED_INSTRUCTIONS
        && let Ok(program) = Program::compile(&circuit, Amplitude::Auto)
    {
        let bindings = vec![0.3; program.inputs().len()];
        program.readouts(&bindings, 1, None).unwrap();
    }
    Ok(())
}

fn read_spec(text: String, origin: &'static str) -> Result<(), SourceError> {
    let spec = LayerSpec::from_toml(&text, origin)?;
    let circuit = score_circuit(&spec);
    assert!(circuit.num_qubits() > 0);
    Ok(())
}

/// The inputs of the paper's sequence layer, which the binding files name.
fn paper_inputs() -> Vec<String> {
    score_circuit(&preset("paper_sequence").unwrap().unwrap())
        .inputs()
        .to_vec()
}

fn read_csv(text: String, origin: &'static str) -> Result<(), SourceError> {
    Bindings::from_csv(&text, origin, &paper_inputs()).map(|_| ())
}

fn read_json(text: String, origin: &'static str) -> Result<(), SourceError> {
    Bindings::from_json(&text, origin, &paper_inputs()).map(|_| ())
}

fn fixture(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// A hand-written OpenQASM 2.0 program with every statement the front end reads.
const QASM2_SEED: &str = "OPENQASM 2.0;\ninclude \"qelib1.inc\";\n\
    // a comment\ngate my(theta, phi) a, b { cx a, b; u3(theta, phi, pi/2) b; barrier a, b; }\n\
    qreg q[5];\nqreg r[1];\ncreg c[5];\ncreg d[1];\n\
    u2(0, pi) q[0];\ncu1(0.5) q[0], q[1];\ncu3(0.1, -0.2, 0.3) q[1], q[2];\nrzz(0.7) q;\n\
    rccx q[0], q[1], q[2];\nc3sqrtx q[0], q[1], q[2], q[3];\nmy(pi/4, -pi) q[3], r[0];\n\
    U(1, 2, 3) r[0];\nCX q[4], r[0];\nbarrier q, r;\nreset r[0];\nmeasure q -> c;\n\
    measure r[0] -> d[0];\n";

fn kinds() -> Vec<Kind> {
    let mut qasm3: Vec<String> = PRESETS
        .iter()
        .map(|(name, _)| {
            let circuit = score_circuit(&preset(name).unwrap().unwrap());
            emit_qasm3(&circuit, &EmitOptions::default())
        })
        .collect();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("circuits");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "qasm") {
            qasm3.push(std::fs::read_to_string(path).unwrap());
        }
    }
    qasm3.push(fixture("tests/fixtures/qiskit/every_gate_7.qasm3"));
    qasm3.push(fixture("tests/fixtures/qiskit/random_251.qasm3"));
    let qasm2 = vec![
        QASM2_SEED.to_string(),
        fixture("tests/fixtures/qiskit/every_gate_7.qasm2"),
        fixture("tests/fixtures/qiskit/random_251.qasm2"),
    ];
    let specs: Vec<String> = PRESETS.iter().map(|(_, text)| text.to_string()).collect();
    let inputs = paper_inputs();
    let values = Bindings::random(inputs.len(), 3, 7).unwrap().values;
    let rows: Vec<&[f64]> = values.chunks(inputs.len()).collect();
    let mut csv = format!("# bindings\n{}\n", inputs.join(","));
    for row in &rows {
        let cells: Vec<String> = row.iter().map(f64::to_string).collect();
        csv.push_str(&cells.join(","));
        csv.push('\n');
    }
    let objects: Vec<String> = rows
        .iter()
        .map(|row| {
            let pairs: Vec<String> = inputs
                .iter()
                .zip(row.iter())
                .map(|(name, v)| format!("\"{name}\": {v}"))
                .collect();
            format!("{{{}}}", pairs.join(", "))
        })
        .collect();
    let json = format!("[\n{}\n]\n", objects.join(",\n"));
    vec![
        Kind {
            name: "OpenQASM 3",
            seeds: qasm3,
            fragments: QASM_FRAGMENTS,
            read: read_qasm,
        },
        Kind {
            name: "OpenQASM 2",
            seeds: qasm2,
            fragments: QASM_FRAGMENTS,
            read: read_qasm,
        },
        Kind {
            name: "layer spec (TOML)",
            seeds: specs,
            fragments: TOML_FRAGMENTS,
            read: read_spec,
        },
        Kind {
            name: "bindings (CSV)",
            seeds: vec![csv],
            fragments: BINDING_FRAGMENTS,
            read: read_csv,
        },
        Kind {
            name: "bindings (JSON)",
            seeds: vec![json],
            fragments: BINDING_FRAGMENTS,
            read: read_json,
        },
    ]
}

fn boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Words that replace a word of the input: gate names of both libraries (with other arities),
/// keywords and names that are declared elsewhere in the seeds.
const WORDS: &[&str] = &[
    "h",
    "cx",
    "CX",
    "U",
    "u3",
    "cu3",
    "cu",
    "sxdg",
    "rzz",
    "rc3x",
    "c4x",
    "c3sqrtx",
    "gphase",
    "global_phase",
    "cnot",
    "ccnot",
    "id",
    "u0",
    "measure",
    "reset",
    "barrier",
    "gate",
    "qreg",
    "creg",
    "qubit",
    "bit",
    "input",
    "q",
    "c",
    "pi",
    "token",
    "layers",
    "ry",
    "ring",
];

/// One to four random edits: delete, duplicate, insert a fragment, copy a piece elsewhere,
/// replace a digit run with a boundary number, replace a word, or truncate.
fn mutate(text: &str, fragments: &[&str], rng: &mut ChaCha8Rng) -> String {
    let mut text = text.to_string();
    for _ in 0..rng.random_range(1..=4) {
        let len = text.len().max(1);
        let a = boundary(&text, rng.random_range(0..len));
        let b = boundary(&text, (a + rng.random_range(0..64)).min(text.len()));
        match rng.random_range(0..7) {
            6 => {
                let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
                if let Some(offset) = text[a..].find(word) {
                    let at = a + offset;
                    let end = text[at..]
                        .find(|c: char| !word(c))
                        .map_or(text.len(), |e| at + e);
                    text.replace_range(at..end, WORDS[rng.random_range(0..WORDS.len())]);
                }
            }
            0 => text.replace_range(a..b, ""),
            1 => {
                let piece = text[a..b].repeat(rng.random_range(1..8));
                text.insert_str(a, &piece);
            }
            2 => text.insert_str(a, fragments[rng.random_range(0..fragments.len())]),
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

/// Asserts that `error` is located inside `text` and renders as `origin:line:column: …`.
fn assert_located(error: &SourceError, text: &str, origin: &str) {
    let lines = text.split('\n').count();
    let prefix = format!("{origin}:{}:{}: ", error.line, error.column);
    assert!(
        error.line >= 1
            && error.line <= lines
            && error.column >= 1
            && !error.message.is_empty()
            && error.to_string().starts_with(&prefix),
        "an error is not located ({} lines):\n{error}\ninput:\n{text}",
        lines
    );
}

/// What one campaign saw of one kind of input.
#[derive(Default)]
struct Tally {
    total: usize,
    accepted: usize,
    slowest: Duration,
    slowest_input: String,
}

/// Mutates and reads `cases` inputs of `kind`, each on its own thread under [`PER_INPUT`].
fn campaign(kind: &Kind, cases: usize, seed: u64) -> Tally {
    const ORIGIN: &str = "mutant";
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut tally = Tally::default();
    for k in 0..cases {
        let text = mutate(&kind.seeds[k % kind.seeds.len()], kind.fragments, &mut rng);
        let (send, receive) = mpsc::channel();
        let (input, read) = (text.clone(), kind.read);
        let start = Instant::now();
        std::thread::spawn(move || {
            let _ = send.send(read(input, ORIGIN));
        });
        let result = match receive.recv_timeout(PER_INPUT) {
            Ok(result) => result,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                panic!("{}: an input ran over {PER_INPUT:?}:\n{text}", kind.name)
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                panic!("{}: reading this input panicked:\n{text}", kind.name)
            }
        };
        let elapsed = start.elapsed();
        match result {
            Ok(()) => tally.accepted += 1,
            Err(error) => assert_located(&error, &text, ORIGIN),
        }
        if elapsed > tally.slowest {
            tally.slowest = elapsed;
            tally.slowest_input = text;
        }
        tally.total += 1;
    }
    tally
}

/// Runs every kind with `cases` inputs in all, printing what each saw.
fn run(cases: usize, seed: u64) {
    let kinds = kinds();
    let start = Instant::now();
    let mut slowest = (Duration::ZERO, "", String::new());
    let mut total = 0;
    for (k, kind) in kinds.iter().enumerate() {
        // OpenQASM gets half of the cases (its grammar is the largest), the others a share each;
        // the last kind takes what rounding left.
        let share = match k {
            0 | 1 => cases / 4,
            _ if k + 1 == kinds.len() => cases.saturating_sub(total),
            _ => cases / 6,
        };
        let tally = campaign(kind, share.max(1), seed.wrapping_add(k as u64));
        total += tally.total;
        println!(
            "{}: {} mutants, {} accepted, slowest {:?}",
            kind.name, tally.total, tally.accepted, tally.slowest
        );
        assert!(
            tally.accepted < tally.total,
            "{}: no mutant was refused",
            kind.name
        );
        if tally.slowest > slowest.0 {
            slowest = (tally.slowest, kind.name, tally.slowest_input);
        }
    }
    let shown: String = slowest.2.chars().take(300).collect();
    println!(
        "all kinds: {total} mutants in {:?}; slowest {:?} ({}), starting:\n{shown}",
        start.elapsed(),
        slowest.0,
        slowest.1
    );
}

#[test]
fn mutated_inputs_never_panic_or_hang_and_every_error_is_located() {
    run(1200, 2025);
}

/// The fuzzing campaign (docs/circuits.md): `QATTNC_FUZZ_CASES` inputs (default 10,000).
#[test]
#[ignore = "long: run with --ignored (see docs/circuits.md)"]
fn mutation_campaign() {
    let cases = std::env::var("QATTNC_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let seed = std::env::var("QATTNC_FUZZ_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(16);
    run(cases, seed);
}
