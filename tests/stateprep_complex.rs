//! The complex state-preparation kernel against the full simulator (states) and central finite
//! differences (adjoint gradients), on random templates of every IR gate with controls.

use num_complex::Complex64;
use proptest::prelude::*;
use qattnc::ir::{Angle, Circuit, Control, Gate, GateOp};
use qattnc::sim::{Amplitude, ComplexStatePrep, Program, SimError, StatePrep, StatePrepKernel};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const INPUTS: [&str; 3] = ["a", "b", "c"];

/// A random template on `n` qubits over `gates`: up to two (possibly negative) controls, rotation
/// angles affine in one or two of the inputs.
fn random_template(rng: &mut ChaCha8Rng, n: usize, gates: &[Gate], count: usize) -> Circuit {
    let mut circuit = Circuit::new(n, 0);
    for name in INPUTS {
        circuit.declare_input(name);
    }
    while circuit.gates().count() < count {
        let gate = gates[rng.random_range(0..gates.len())];
        let targets = gate.num_targets();
        if targets > n {
            continue;
        }
        let mut qubits: Vec<usize> = (0..n).collect();
        for k in (1..n).rev() {
            qubits.swap(k, rng.random_range(0..=k));
        }
        let controls = rng.random_range(0..=2.min(n - targets));
        let angle = gate.is_rotation().then(|| {
            let first = INPUTS[rng.random_range(0..INPUTS.len())];
            let second = INPUTS[rng.random_range(0..INPUTS.len())];
            Angle::input(first)
                .scale(rng.random_range(-2.0..2.0))
                .add(&Angle::input(second).scale(rng.random_range(-1.0..1.0)))
                .add(&Angle::constant(rng.random_range(-3.0..3.0)))
        });
        let op = GateOp {
            gate,
            angle,
            controls: qubits[targets..targets + controls]
                .iter()
                .map(|&qubit| Control {
                    qubit,
                    on_one: rng.random_bool(0.6),
                })
                .collect(),
            targets: qubits[..targets].to_vec(),
        };
        circuit.push_gate(op).unwrap();
    }
    circuit
}

fn random_rows(rng: &mut ChaCha8Rng, len: usize) -> Vec<f64> {
    (0..len).map(|_| rng.random_range(-3.0..3.0)).collect()
}

/// The simulator's state of `circuit` for each row of `params`, as `[Re | Im]` rows.
fn simulated(circuit: &Circuit, params: &[f64]) -> Vec<f64> {
    let program = Program::compile(circuit, Amplitude::Complex).unwrap();
    let mut out = Vec::new();
    for row in params.chunks(circuit.inputs().len()) {
        let state: Vec<Complex64> = program.run(row).unwrap().to_complex();
        out.extend(state.iter().map(|z| z.re));
        out.extend(state.iter().map(|z| z.im));
    }
    out
}

fn assert_close(a: &[f64], b: &[f64], tolerance: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}");
    for (k, (x, y)) in a.iter().zip(b).enumerate() {
        assert!((x - y).abs() < tolerance, "{what}[{k}]: {x} vs {y}");
    }
}

/// Checks states (f64 and f32) against the simulator and adjoint gradients against central
/// differences of L = Σ upstream · state for one template.
fn check_template(circuit: &Circuit, rng: &mut ChaCha8Rng, rows: usize) {
    let prep = ComplexStatePrep::from_circuit(circuit).unwrap();
    let (p, width) = (prep.num_params(), prep.width());
    let params = random_rows(rng, rows * p);
    let mut states = vec![0.0; rows * width];
    prep.states(&params, &mut states).unwrap();
    assert_close(&states, &simulated(circuit, &params), 1e-12, "f64 states");

    let params32: Vec<f32> = params.iter().map(|&x| x as f32).collect();
    let mut states32 = vec![0f32; rows * width];
    prep.states(&params32, &mut states32).unwrap();
    let widened: Vec<f64> = states32.iter().map(|&x| f64::from(x)).collect();
    assert_close(&widened, &states, 1e-5, "f32 states");

    let upstream = random_rows(rng, rows * width);
    let mut grad = vec![0.0; rows * p];
    prep.gradients(&params, &upstream, &mut grad).unwrap();
    let loss = |params: &[f64]| -> Vec<f64> {
        let mut s = vec![0.0; rows * width];
        prep.states(params, &mut s).unwrap();
        s.chunks(width)
            .zip(upstream.chunks(width))
            .map(|(s, g)| s.iter().zip(g).map(|(a, b)| a * b).sum())
            .collect()
    };
    let h = 1e-6;
    for k in 0..p {
        let (mut plus, mut minus) = (params.clone(), params.clone());
        for r in 0..rows {
            plus[r * p + k] += h;
            minus[r * p + k] -= h;
        }
        let (lp, lm) = (loss(&plus), loss(&minus));
        for r in 0..rows {
            let numeric = (lp[r] - lm[r]) / (2.0 * h);
            let adjoint = grad[r * p + k];
            assert!(
                (numeric - adjoint).abs() < 1e-6 * (1.0 + numeric.abs()),
                "row {r} parameter {k}: adjoint {adjoint} vs central difference {numeric}"
            );
        }
    }

    let mut grad32 = vec![0f32; rows * p];
    let upstream32: Vec<f32> = upstream.iter().map(|&x| x as f32).collect();
    prep.gradients(&params32, &upstream32, &mut grad32).unwrap();
    for (a, b) in grad32.iter().zip(&grad) {
        assert!(
            (f64::from(*a) - b).abs() < 1e-3 * (1.0 + b.abs()),
            "f32 {a} vs {b}"
        );
    }
}

#[test]
fn every_gate_with_controls_matches_the_simulator_and_central_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    for n in [1, 2, 4] {
        for _ in 0..12 {
            let circuit = random_template(&mut rng, n, &Gate::ALL, 30);
            check_template(&circuit, &mut rng, 3);
        }
    }
}

#[test]
fn every_gate_kind_appears_and_rotations_alone_are_exact() {
    // One template per gate kind, each controlled, so no gate hides behind another.
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    for gate in Gate::ALL {
        let mut circuit = random_template(&mut rng, 3, &[gate, Gate::H, Gate::Ry], 8);
        circuit
            .push_gate(GateOp {
                gate,
                angle: gate
                    .is_rotation()
                    .then(|| Angle::input("c").scale(0.7).add(&Angle::input("a"))),
                controls: vec![Control::on(2)],
                targets: (0..gate.num_targets()).collect(),
            })
            .unwrap();
        circuit.push_gate(GateOp::fixed(Gate::H, &[1])).unwrap();
        check_template(&circuit, &mut rng, 2);
    }
}

#[test]
fn an_n_local_layer_with_rx_rz_cz_crx_and_swap() {
    // Two repetitions of [rx, rz on every qubit; cz ring; crx chain; swap] on 4 qubits.
    let n = 4;
    let mut circuit = Circuit::new(n, 0);
    let mut next = 0;
    let mut param = |circuit: &mut Circuit| {
        let name = format!("theta_{next}");
        next += 1;
        circuit.declare_input(name.clone());
        Angle::input(name)
    };
    for _ in 0..2 {
        for gate in [Gate::Rx, Gate::Rz] {
            for q in 0..n {
                let angle = param(&mut circuit);
                circuit.push_gate(GateOp::rotation(gate, angle, q)).unwrap();
            }
        }
        for q in 0..n {
            let cz = GateOp::fixed(Gate::Z, &[(q + 1) % n]).controlled_by(Control::on(q));
            circuit.push_gate(cz).unwrap();
        }
        for q in 0..n - 1 {
            let angle = param(&mut circuit);
            let crx = GateOp::rotation(Gate::Rx, angle, q + 1).controlled_by(Control::on(q));
            circuit.push_gate(crx).unwrap();
        }
        circuit
            .push_gate(GateOp::fixed(Gate::Swap, &[0, 3]))
            .unwrap();
    }
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    check_template(&circuit, &mut rng, 4);
    let kernel = StatePrepKernel::from_circuit(&circuit).unwrap();
    assert!(kernel.is_complex());
    assert_eq!(kernel.width(), 2 << n);
}

#[test]
fn real_templates_keep_the_real_kernel_and_agree_with_the_complex_one() {
    let mut rng = ChaCha8Rng::seed_from_u64(16);
    let real_gates = [Gate::H, Gate::X, Gate::Z, Gate::Ry, Gate::Swap];
    for _ in 0..5 {
        let circuit = random_template(&mut rng, 4, &real_gates, 25);
        let kernel = StatePrepKernel::from_circuit(&circuit).unwrap();
        assert!(!kernel.is_complex());
        assert_eq!(kernel.width(), 16);
        let complex = ComplexStatePrep::from_circuit(&circuit).unwrap();
        let real = StatePrep::from_circuit(&circuit).unwrap();
        let params = random_rows(&mut rng, 2 * 3);
        let (mut a, mut b) = (vec![0.0; 2 * 16], vec![0.0; 2 * 32]);
        real.states(&params, &mut a).unwrap();
        complex.states(&params, &mut b).unwrap();
        for r in 0..2 {
            assert_close(&a[r * 16..][..16], &b[r * 32..][..16], 1e-12, "real parts");
            assert_close(
                &[0.0; 16],
                &b[r * 32 + 16..][..16],
                1e-12,
                "imaginary parts",
            );
        }
    }
    let mut circuit = random_template(&mut rng, 2, &real_gates, 4);
    circuit
        .push_gate(GateOp::rotation(Gate::Rz, Angle::input("a"), 0))
        .unwrap();
    assert!(
        StatePrepKernel::from_circuit(&circuit)
            .unwrap()
            .is_complex()
    );
}

#[test]
fn bad_shapes_and_parameterless_templates_are_errors() {
    let mut circuit = Circuit::new(2, 0);
    circuit.push_gate(GateOp::fixed(Gate::S, &[0])).unwrap();
    assert!(matches!(
        ComplexStatePrep::from_circuit(&circuit),
        Err(SimError::NotATemplate(_))
    ));
    circuit.declare_input("a");
    let prep = ComplexStatePrep::from_circuit(&circuit).unwrap();
    let mut states = vec![0.0; 7];
    assert!(matches!(
        prep.states(&[0.1, 0.2], &mut states),
        Err(SimError::Shape { .. })
    ));
    let mut grad = vec![0.0; 2];
    assert!(matches!(
        prep.gradients(&[0.1, 0.2], &[0.0; 3], &mut grad),
        Err(SimError::Shape { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn random_small_templates(seed in any::<u64>(), n in 1usize..=3, count in 1usize..10) {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let circuit = random_template(&mut rng, n, &Gate::ALL, count);
        check_template(&circuit, &mut rng, 2);
    }
}
