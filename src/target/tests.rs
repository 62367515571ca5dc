//! Targets end to end: shipped devices parse, routed and translated programs keep the input's
//! output distribution, bad targets are refused with clear errors.

use super::*;
use crate::ir::{Angle, Gate, GateOp, Instruction};
use crate::opt::route_in_basis;
use crate::sim::{Amplitude, Program};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::f64::consts::{FRAC_PI_2, PI};

/// Every shipped device file, by name.
pub(crate) const SHIPPED: [(&str, &str); 8] = [
    (
        "heavy_hex_27",
        include_str!("../../circuits/devices/heavy_hex_27.json"),
    ),
    (
        "ibm_eagle_127_ecr",
        include_str!("../../circuits/devices/ibm_eagle_127_ecr.json"),
    ),
    (
        "ibm_eagle_127_cz",
        include_str!("../../circuits/devices/ibm_eagle_127_cz.json"),
    ),
    (
        "ionq_aria_25",
        include_str!("../../circuits/devices/ionq_aria_25.json"),
    ),
    (
        "rigetti_square_36",
        include_str!("../../circuits/devices/rigetti_square_36.json"),
    ),
    (
        "iqm_star_5",
        include_str!("../../circuits/devices/iqm_star_5.json"),
    ),
    (
        "iqm_square_20",
        include_str!("../../circuits/devices/iqm_square_20.json"),
    ),
    (
        "line_16",
        include_str!("../../circuits/devices/line_16.json"),
    ),
];

fn shipped(name: &str) -> Target {
    let (_, text) = SHIPPED.iter().find(|(n, _)| *n == name).unwrap();
    Target::from_json_text(text, name).unwrap()
}

/// A random circuit of one- and two-qubit gates, some angles depending on inputs `x0` and `x1`,
/// every qubit measured into a bit (in a shuffled order).
fn random_circuit(qubits: usize, gates: usize, seed: u64) -> Circuit {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut c = Circuit::new(qubits, qubits);
    c.declare_input("x0");
    c.declare_input("x1");
    let fixed = [Gate::H, Gate::X, Gate::S, Gate::T, Gate::Sx, Gate::Y];
    for _ in 0..gates {
        let a = rng.random_range(0..qubits);
        let op = match rng.random_range(0..5) {
            0 | 1 => {
                let mut b = rng.random_range(0..qubits - 1);
                if b >= a {
                    b += 1;
                }
                if rng.random_bool(0.3) {
                    GateOp::fixed(Gate::Z, &[b]).controlled_by(crate::ir::Control::on(a))
                } else {
                    GateOp::cx(a, b)
                }
            }
            2 => GateOp::fixed(fixed[rng.random_range(0..fixed.len())], &[a]),
            3 => {
                let input = Angle::input(["x0", "x1"][rng.random_range(0..2)]);
                let angle = input
                    .scale(rng.random_range(-2.0..2.0))
                    .add(&Angle::constant(rng.random_range(-3.0..3.0)));
                let gate = [Gate::Rx, Gate::Ry, Gate::Rz, Gate::P][rng.random_range(0..4)];
                GateOp::rotation(gate, angle, a)
            }
            _ => {
                let gate = [Gate::Rx, Gate::Ry, Gate::Rz][rng.random_range(0..3)];
                let angle = [0.0, FRAC_PI_2, -FRAC_PI_2, PI][rng.random_range(0..4)]
                    + if rng.random_bool(0.5) {
                        rng.random_range(-3.0..3.0)
                    } else {
                        0.0
                    };
                GateOp::rotation(gate, Angle::constant(angle), a)
            }
        };
        c.push_gate(op).unwrap();
    }
    let mut order: Vec<usize> = (0..qubits).collect();
    order.rotate_left(seed as usize % qubits);
    for (bit, q) in order.into_iter().enumerate() {
        c.push_measure(q, bit).unwrap();
    }
    c
}

/// Probabilities of the classical bits' values.
pub(crate) fn bit_distribution(c: &Circuit, binding: &[f64]) -> Vec<f64> {
    let mut measured = vec![0; c.num_clbits()];
    for i in c.instructions() {
        if let Instruction::Measure { qubit, clbit } = i {
            measured[*clbit] = *qubit;
        }
    }
    let program = Program::compile(c, Amplitude::Complex).unwrap();
    program.run(binding).unwrap().marginal(&measured)
}

/// Routes and translates `circuit` for `target`, checks the native program's gates and
/// pairs, and compares its distribution with the input's at a few bindings.
pub(crate) fn check_on_target(circuit: &Circuit, target: &Target, what: &str) -> NativeCircuit {
    let routed = route_in_basis(circuit, &target.map, None).unwrap();
    let native = translate(&routed.circuit, target).unwrap();
    let names = target.native.unwrap().gate_names();
    for op in native.gates() {
        assert!(names.contains(&op.gate.name()), "{what}: {op:?}");
        if let [a, b] = op.qubits[..] {
            let ok = if matches!(op.gate, NativeGate::Ecr | NativeGate::Cx) {
                target.allows(a, b)
            } else {
                target.map.coupled(a, b)
            };
            assert!(ok, "{what}: {op:?} on an uncoupled pair");
        }
        if op.gate == NativeGate::Rx {
            let t = op.params[0].constant_part().abs();
            assert!(
                op.params[0].is_constant() && (t - std::f64::consts::FRAC_PI_2).abs() < 1e-9,
                "{what}: Rigetti rx must be ±π/2: {op:?}"
            );
        }
    }
    let ir = native.to_ir();
    let inputs = circuit.inputs().len();
    for binding in [
        vec![0.0; inputs],
        vec![0.37; inputs],
        vec![-1.3, 2.9][..inputs].to_vec(),
    ] {
        let (want, got) = (
            bit_distribution(circuit, &binding),
            bit_distribution(&ir, &binding),
        );
        for (k, (w, g)) in want.iter().zip(&got).enumerate() {
            assert!(
                (w - g).abs() < 1e-9,
                "{what} binding {binding:?} outcome {k}: {w} vs {g}"
            );
        }
    }
    native
}

#[test]
fn every_shipped_target_parses_with_its_native_set() {
    let expected = [
        ("heavy_hex_27", 27, None),
        ("ibm_eagle_127_ecr", 127, Some(NativeSet::IbmEcr)),
        ("ibm_eagle_127_cz", 127, Some(NativeSet::IbmCz)),
        ("ionq_aria_25", 25, Some(NativeSet::Ionq)),
        ("rigetti_square_36", 36, Some(NativeSet::Rigetti)),
        ("iqm_star_5", 5, Some(NativeSet::Iqm)),
        ("iqm_square_20", 20, Some(NativeSet::Iqm)),
        ("line_16", 16, Some(NativeSet::IbmCz)),
    ];
    for (name, qubits, set) in expected {
        let target = shipped(name);
        assert_eq!(target.num_qubits(), qubits, "{name}");
        assert_eq!(target.native, set, "{name}");
        assert_eq!(
            largest_component(qubits, &target.edges),
            qubits,
            "{name} is connected"
        );
    }
    assert!(shipped("ibm_eagle_127_ecr").directed);
    assert_eq!(shipped("ionq_aria_25").edges.len(), 25 * 24 / 2);
}

/// IBM's Eagle heavy-hex lattice from its rule: 7 rows (14, 15, 15, 15, 15, 15, 14 qubits; the
/// first row at columns 0–13, the last at 1–14), and between rows r and r + 1 four bridge
/// qubits at columns 0, 4, 8, 12 (r even) or 2, 6, 10, 14 (r odd), numbered row by row.
fn heavy_hex_127() -> Vec<(usize, usize)> {
    let mut edges = Vec::new();
    let mut next = 0;
    let mut rows: Vec<Vec<(usize, usize)>> = Vec::new();
    let mut bridges: Vec<Vec<(usize, usize)>> = Vec::new();
    for r in 0..7 {
        let columns = match r {
            0 => 0..14,
            6 => 1..15,
            _ => 0..15,
        };
        rows.push(columns.map(|c| (c, (next, next += 1).0)).collect());
        if r < 6 {
            let at = if r % 2 == 0 {
                [0, 4, 8, 12]
            } else {
                [2, 6, 10, 14]
            };
            bridges.push(at.iter().map(|&c| (c, (next, next += 1).0)).collect());
        }
    }
    for (r, row) in rows.iter().enumerate() {
        edges.extend(row.windows(2).map(|w| (w[0].1, w[1].1)));
        if r < 6 {
            for &(c, bridge) in &bridges[r] {
                let below = rows[r + 1].iter().find(|(col, _)| *col == c).unwrap().1;
                let above = row.iter().find(|(col, _)| *col == c).unwrap().1;
                edges.push((above, bridge));
                edges.push((bridge, below));
            }
        }
    }
    assert_eq!(next, 127);
    edges
}

#[test]
fn shipped_eagle_files_are_the_heavy_hex_lattice() {
    let mut want: Vec<(usize, usize)> = heavy_hex_127()
        .into_iter()
        .map(|(a, b)| (a.min(b), a.max(b)))
        .collect();
    want.sort_unstable();
    assert_eq!(want.len(), 144);
    for name in ["ibm_eagle_127_ecr", "ibm_eagle_127_cz"] {
        let mut got = shipped(name).edges;
        got.sort_unstable();
        assert_eq!(got, want, "{name}");
    }
    // Degrees of a heavy-hex lattice: 2 or 3, never more, and 1 only at the two row ends that
    // have no bridge.
    let target = shipped("ibm_eagle_127_cz");
    for q in 0..127 {
        let degree = (0..127).filter(|&p| target.map.coupled(q, p)).count();
        assert!((1..=3).contains(&degree), "qubit {q} has degree {degree}");
    }
}

#[test]
fn random_circuits_keep_their_distribution_on_every_target() {
    for (name, _) in SHIPPED.iter().filter(|(n, _)| *n != "heavy_hex_27") {
        let target = shipped(name);
        for seed in 0..4 {
            let circuit = random_circuit(5, 30, seed);
            check_on_target(&circuit, &target, &format!("{name} seed {seed}"));
        }
    }
}

#[test]
fn one_qubit_runs_become_the_fewest_native_gates() {
    // A long run of constant one-qubit gates on one qubit, then a measurement.
    let mut c = Circuit::new(1, 1);
    for gate in [Gate::H, Gate::T, Gate::H, Gate::S, Gate::Sx, Gate::T] {
        c.push_gate(GateOp::fixed(gate, &[0])).unwrap();
    }
    for (gate, angle) in [(Gate::Ry, 0.7), (Gate::Rz, 0.3), (Gate::Rx, 1.1)] {
        c.push_gate(GateOp::rotation(gate, Angle::constant(angle), 0))
            .unwrap();
    }
    c.push_measure(0, 0).unwrap();
    let counts = |name: &str, json: &str| {
        let target = Target::from_json_text(json, name).unwrap();
        let native = check_on_target(&c, &target, name);
        native.stats().gates
    };
    let device =
        |basis: &str| format!(r#"{{"num_qubits": 1, "coupling_map": [], "basis": [{basis}]}}"#);
    // A general rotation: two sx with rz between (IBM), one prx (IQM), two gpi2 (IonQ); the
    // trailing Z rotation before the measurement is dropped.
    assert!(counts("ibm", &device(r#""cz", "rz", "sx", "x""#)) <= 4);
    assert_eq!(counts("iqm", &device(r#""prx", "cz""#)), 1);
    assert_eq!(counts("ionq", &device(r#""gpi", "gpi2", "ms""#)), 2);
    // H·Z·H = X: one gate everywhere but Rigetti (two rx(π/2)).
    let mut x = Circuit::new(1, 1);
    for gate in [Gate::H, Gate::Z, Gate::H] {
        x.push_gate(GateOp::fixed(gate, &[0])).unwrap();
    }
    x.push_measure(0, 0).unwrap();
    for (name, basis, want) in [
        ("ibm", r#""cz", "rz", "sx", "x""#, 1),
        ("iqm", r#""prx", "cz""#, 1),
        ("ionq", r#""gpi", "gpi2", "ms""#, 1),
        ("rigetti", r#""rx", "rz", "cz""#, 2),
    ] {
        let target = Target::from_json_text(&device(basis), name).unwrap();
        assert_eq!(
            check_on_target(&x, &target, name).stats().gates,
            want,
            "{name}"
        );
    }
}

#[test]
fn success_probability_multiplies_gate_and_readout_fidelities() {
    let json = r#"{"num_qubits": 2, "coupling_map": [[0, 1]], "basis": ["cz", "rz", "sx", "x"],
        "errors": {"cz": {"0,1": 0.01}, "sx": 0.001, "readout": [0.02, 0.03]}}"#;
    let target = Target::from_json_text(json, "t.json").unwrap();
    let mut c = Circuit::new(2, 2);
    c.push_gate(GateOp::fixed(Gate::Sx, &[0])).unwrap();
    c.push_gate(GateOp::fixed(Gate::Z, &[1]).controlled_by(crate::ir::Control::on(0)))
        .unwrap();
    c.push_measure(0, 0).unwrap();
    c.push_measure(1, 1).unwrap();
    let native = translate(&c, &target).unwrap();
    let stats = native.stats();
    assert_eq!(stats.two_qubit_gates, 1);
    let sx = stats.gates_by_kind.get("sx").copied().unwrap_or(0) as i32;
    let want = 0.99 * 0.999f64.powi(sx) * 0.98 * 0.97;
    let got = target.success_probability(&native).unwrap();
    assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    assert!(shipped("iqm_star_5").success_probability(&native).is_none());
}

#[test]
fn bad_targets_are_refused_with_clear_errors() {
    let cases = [
        ("{", "t.json:1:1"),
        ("[]", "expected a JSON object"),
        (r#"{"coupling_map": []}"#, "missing `num_qubits`"),
        (
            r#"{"num_qubits": 3000, "coupling_map": []}"#,
            "between 1 and 2048",
        ),
        (r#"{"num_qubits": -1, "coupling_map": []}"#, "not a count"),
        (
            r#"{"num_qubits": 2, "coupling_map": [[0, 1], [0, 1]]}"#,
            "listed twice",
        ),
        (
            r#"{"num_qubits": 2, "coupling_map": [[0, 2]]}"#,
            "past the device",
        ),
        (
            r#"{"num_qubits": 2, "coupling_map": [[1, 1]]}"#,
            "to itself",
        ),
        (
            r#"{"num_qubits": 2, "coupling_map": [[0, 1.5]]}"#,
            "not two qubit indices",
        ),
        (
            r#"{"num_qubits": 2, "coupling_map": [[0, 1]], "basis": ["cz", "foo"]}"#,
            "unknown gate `foo`",
        ),
        (
            r#"{"num_qubits": 2, "coupling_map": [[0, 1]], "basis": ["rz", "sx"]}"#,
            "none of the supported",
        ),
        (
            r#"{"num_qubits": 2, "coupling_map": [[0, 1]], "basis": ["prx", "cz"], "errors": {"cz": -0.1}}"#,
            "not a number between 0 and 1",
        ),
        (
            r#"{"num_qubits": 2, "coupling_map": [[0, 1]], "basis": ["prx", "cz"], "errors": {"cz": {"0,1": 1.5}}}"#,
            "not a number between 0 and 1",
        ),
        (
            r#"{"num_qubits": 3, "coupling_map": [[0, 1]], "basis": ["prx", "cz"], "errors": {"cz": {"1,2": 0.1}}}"#,
            "not coupled",
        ),
        (
            r#"{"num_qubits": 2, "coupling_map": [[0, 1]], "basis": ["prx", "cz"], "errors": {"ms": 0.1}}"#,
            "not in the device's basis",
        ),
        (
            r#"{"num_qubits": 2, "coupling_map": [[0, 1]], "basis": ["prx", "cz"], "errors": {"readout": [0.1]}}"#,
            "lists 1 rates",
        ),
        (
            r#"{"num_qubits": 2, "coupling_map": [[0, 1]], "basis": ["prx", "cz"], "durations": {"cz": -1}}"#,
            "non-negative",
        ),
    ];
    for (json, expected) in cases {
        let message = Target::from_json_text(json, "t.json")
            .unwrap_err()
            .to_string();
        assert!(message.starts_with("t.json"), "{message}");
        assert!(message.contains(expected), "{json}: {message}");
    }
    // A disconnected map is fine until a circuit needs more than one part of it.
    let split = Target::from_json_text(
        r#"{"num_qubits": 4, "coupling_map": [[0, 1], [2, 3]], "basis": ["prx", "cz"]}"#,
        "split.json",
    )
    .unwrap();
    assert!(split.check_fits(&Circuit::new(2, 0)).is_ok());
    assert!(
        split
            .check_fits(&Circuit::new(3, 0))
            .unwrap_err()
            .contains("disconnected")
    );
    assert!(
        split
            .check_fits(&Circuit::new(5, 0))
            .unwrap_err()
            .contains("has 4")
    );
}
