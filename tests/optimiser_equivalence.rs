//! The optimiser preserves what each level promises, checked by simulation:
//! - random circuits over the whole gate set (with controls, negative controls, inverse pairs and
//!   controlled blocks that invite every rewrite): -O1, -O2 and the cx-basis decomposition
//!   preserve the unitary up to global phase;
//! - random layer specs (registers of 1–4 qubits, 1–3 layers, ring/linear/none entanglers):
//!   -O3 preserves the score and -O2 the unitary.

use proptest::prelude::*;
use qattnc::compile::compile_layer;
use qattnc::ir::{Angle, Circuit, CircuitStats, Control, Gate, GateOp};
use qattnc::layer::{LayerSpec, score_circuit};
use qattnc::opt::{Basis, VerifyMode, lower_to_basis, optimise, run_decompose, verify};

const QUBITS: usize = 4;
const INPUTS: [&str; 3] = ["a", "b", "c"];

fn angle() -> impl Strategy<Value = Angle> {
    prop_oneof![
        (-7.0..7.0f64).prop_map(Angle::constant),
        (0..INPUTS.len()).prop_map(|k| Angle::input(INPUTS[k])),
        (0..INPUTS.len(), -2.0..2.0f64, -3.0..3.0f64)
            .prop_map(|(k, c, d)| Angle::input(INPUTS[k]).scale(c).add(&Angle::constant(d))),
        // Multiples of π/2, including the 2π and 4π identities under control.
        (-8i32..=8).prop_map(|k| Angle::constant(f64::from(k) * std::f64::consts::FRAC_PI_2)),
    ]
}

fn gate_op() -> impl Strategy<Value = GateOp> {
    (
        proptest::sample::select(Gate::ALL.to_vec()),
        angle(),
        proptest::sample::subsequence((0..QUBITS).collect::<Vec<_>>(), 1..=QUBITS.min(4)),
        proptest::collection::vec(any::<bool>(), 4),
    )
        .prop_filter_map("enough qubits", |(gate, angle, qubits, polarity)| {
            let targets = gate.num_targets();
            if qubits.len() < targets {
                return None;
            }
            let (controls, targets) = qubits.split_at(qubits.len() - targets);
            let controls = controls.iter().take(2);
            Some(GateOp {
                gate,
                angle: gate.is_rotation().then_some(angle),
                controls: controls
                    .zip(&polarity)
                    .map(|(&q, &on)| Control {
                        qubit: q,
                        on_one: on,
                    })
                    .collect(),
                targets: targets.to_vec(),
            })
        })
}

/// A circuit A · B · A† with A† partly under one shared control, so that cancellation,
/// merging and controlled-block conjugation all have work to do.
fn circuit() -> impl Strategy<Value = Circuit> {
    (
        proptest::collection::vec(gate_op(), 1..8),
        proptest::collection::vec(gate_op(), 0..5),
        any::<bool>(),
    )
        .prop_map(|(a, b, controlled)| {
            let mut c = Circuit::new(QUBITS, 0);
            for name in INPUTS {
                c.declare_input(name);
            }
            let inverse: Vec<GateOp> = a.iter().rev().map(GateOp::inverse).collect();
            let shared = Control::on(QUBITS - 1);
            let uses_shared = |g: &GateOp| g.qubits().any(|q| q == QUBITS - 1);
            let wrap = |g: GateOp| {
                if controlled && !uses_shared(&g) {
                    g.controlled_by(shared)
                } else {
                    g
                }
            };
            let mut ops: Vec<GateOp> = a.into_iter().map(wrap).collect();
            ops.extend(b.into_iter().map(wrap));
            ops.extend(inverse.into_iter().map(wrap));
            c.extend_gates(ops).expect("generated gates fit");
            c
        })
}

fn assert_same_unitary(reference: &Circuit, candidate: &Circuit, what: &str) {
    let report = verify(reference, candidate, VerifyMode::Unitary, 2, 7, 1e-9).unwrap();
    assert!(
        report.equivalent,
        "{what}: difference {:.3e}",
        report.worst_difference
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn decomposition_is_exact_and_costs_what_the_statistics_say(c in circuit()) {
        let lowered = run_decompose(&c, Basis::CxAndSingleQubit);
        assert_same_unitary(&c, &lowered, "--basis cx");
        let cnots = CircuitStats::of(&lowered).gates_by_kind.get("cx").copied().unwrap_or(0);
        prop_assert_eq!(cnots, CircuitStats::of(&c).two_qubit_gates);
    }

    #[test]
    fn unitary_levels_preserve_the_unitary(c in circuit()) {
        for level in 1..=2 {
            let optimised = optimise(&c, level);
            assert_same_unitary(&c, &optimised.circuit, &format!("-O{level}"));
            let lowered = lower_to_basis(optimised, Basis::CxAndSingleQubit, level);
            assert!(lowered.circuit.gates().all(|g| {
                g.controls.is_empty() || (g.gate == Gate::X && g.controls.len() == 1 && g.controls[0].on_one)
            }));
            assert_same_unitary(&c, &lowered.circuit, &format!("-O{level} --basis cx"));
        }
    }

    #[test]
    fn o3_preserves_the_score_of_random_layers(
        token in 1usize..=4,
        position in 0usize..=3,
        property in 0usize..=2,
        layers in 1usize..=3,
        entangler in proptest::sample::select(vec!["ring", "linear", "none"]),
    ) {
        prop_assume!(token + position + property <= 6);
        let text = format!(
            "name = \"random\"\n[registers]\ntoken = {token}\nposition = {position}\n\
             property = {property}\n[ansatz]\nlayers = {layers}\nrotation = \"ry\"\n\
             entangler = \"{entangler}\"\n[score]\nkind = \"hadamard-real\"\n"
        );
        let spec = LayerSpec::from_toml(&text, "random.toml").unwrap();
        let reference = score_circuit(&spec);
        let o3 = compile_layer(&spec, 3, None).circuit;
        let report = verify(&reference, &o3, VerifyMode::Score, 8, 3, 1e-9).unwrap();
        prop_assert!(report.equivalent, "-O3 score differs by {:.3e}", report.worst_difference);
        let o2 = compile_layer(&spec, 2, None).circuit;
        let report = verify(&reference, &o2, VerifyMode::Unitary, 1, 5, 1e-9).unwrap();
        prop_assert!(report.equivalent, "-O2 unitary differs by {:.3e}", report.worst_difference);
        prop_assert!(
            CircuitStats::of(&o3).two_qubit_gates
                <= CircuitStats::of(&reference).two_qubit_gates
        );
    }
}

#[test]
fn both_paper_layers_are_score_identical_at_every_level() {
    for name in ["paper_sequence", "paper_conditional"] {
        let spec = qattnc::layer::preset(name).unwrap().unwrap();
        let reference = score_circuit(&spec);
        for level in 1..=3 {
            for basis in [None, Some(Basis::CxAndSingleQubit)] {
                let candidate = compile_layer(&spec, level, basis).circuit;
                let report =
                    verify(&reference, &candidate, VerifyMode::Score, 32, 11, 1e-9).unwrap();
                assert!(report.equivalent, "{name} -O{level} {basis:?}: {report:?}");
            }
        }
        let o2 = compile_layer(&spec, 2, None).circuit;
        let report = verify(&reference, &o2, VerifyMode::Unitary, 2, 13, 1e-9).unwrap();
        assert!(report.equivalent, "{name} -O2 unitary: {report:?}");
    }
}
