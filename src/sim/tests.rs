use super::*;
use crate::ir::{Angle, Circuit, Control, Gate, GateOp};
use crate::layer::{Entangler, LayerSpec, Side, preset};
use num_complex::Complex64;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashMap;

/// A slow, independent simulator: every basis state, every gate, no placement tricks.
fn reference(circuit: &Circuit, binding: &[f64]) -> Vec<Complex64> {
    let values: HashMap<String, f64> = circuit
        .inputs()
        .iter()
        .cloned()
        .zip(binding.iter().copied())
        .collect();
    let len = 1 << circuit.num_qubits();
    let zero = Complex64::new(0.0, 0.0);
    let mut a = vec![zero; len];
    a[0] = Complex64::new(1.0, 0.0);
    for op in circuit.gates() {
        let theta = op.angle.as_ref().map_or(0.0, |x| x.value(&values).unwrap());
        let mut b = vec![zero; len];
        for (i, &amplitude) in a.iter().enumerate() {
            let active = op
                .controls
                .iter()
                .all(|c| ((i >> c.qubit) & 1 == 1) == c.on_one);
            if !active {
                b[i] += amplitude;
            } else if op.gate == Gate::Swap {
                let (p, q) = (op.targets[0], op.targets[1]);
                let (bp, bq) = ((i >> p) & 1, (i >> q) & 1);
                let j = (i & !(1 << p) & !(1 << q)) | (bq << p) | (bp << q);
                b[j] += amplitude;
            } else {
                let m = op.gate.matrix(theta).unwrap();
                let t = op.targets[0];
                let bit = (i >> t) & 1;
                for out in 0..2 {
                    b[(i & !(1 << t)) | (out << t)] += m[out][bit] * amplitude;
                }
            }
        }
        a = b;
    }
    a
}

/// A random circuit over `gates` on `n` qubits with up to two (possibly negative) controls.
fn random_circuit(rng: &mut ChaCha8Rng, n: usize, gates: &[Gate], count: usize) -> Circuit {
    let mut circuit = Circuit::new(n, 0);
    circuit.declare_input("a");
    circuit.declare_input("b");
    while circuit.gates().count() < count {
        let gate = gates[rng.random_range(0..gates.len())];
        let mut qubits: Vec<usize> = (0..n).collect();
        for k in (1..n).rev() {
            qubits.swap(k, rng.random_range(0..=k));
        }
        let targets = gate.num_targets();
        let controls = rng.random_range(0..=2.min(n - targets));
        let mut op = if gate.is_rotation() {
            let angle = Angle::input("a")
                .scale(rng.random_range(-2.0..2.0))
                .add(&Angle::input("b").scale(rng.random_range(-1.0..1.0)))
                .add(&Angle::constant(rng.random_range(-3.0..3.0)));
            GateOp::rotation(gate, angle, qubits[0])
        } else {
            GateOp::fixed(gate, &qubits[..targets])
        };
        for &q in &qubits[targets..targets + controls] {
            op = op.controlled_by(Control {
                qubit: q,
                on_one: rng.random_bool(0.5),
            });
        }
        circuit.push_gate(op).unwrap();
    }
    circuit
}

fn assert_close(a: &[Complex64], b: &[Complex64], tolerance: f64) {
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).norm() < tolerance, "{x} vs {y}");
    }
}

#[test]
fn every_gate_with_controls_matches_the_reference() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for _ in 0..40 {
        let circuit = random_circuit(&mut rng, 4, &Gate::ALL, 30);
        let program = Program::compile(&circuit, Amplitude::Auto).unwrap();
        assert!(!program.is_real() || circuit.gates().all(|g| g.gate != Gate::Y));
        let binding = [rng.random_range(-3.0..3.0), rng.random_range(-3.0..3.0)];
        let state = program.run(&binding).unwrap();
        assert_close(&state.to_complex(), &reference(&circuit, &binding), 1e-12);
    }
}

#[test]
fn the_real_path_agrees_with_the_complex_path() {
    let mut rng = ChaCha8Rng::seed_from_u64(8);
    let real_gates = [Gate::H, Gate::X, Gate::Z, Gate::Ry, Gate::Swap];
    for _ in 0..20 {
        let circuit = random_circuit(&mut rng, 5, &real_gates, 40);
        let fast = Program::compile(&circuit, Amplitude::Auto).unwrap();
        let slow = Program::compile(&circuit, Amplitude::Complex).unwrap();
        assert!(fast.is_real() && !slow.is_real());
        let bindings: Vec<f64> = (0..10).map(|_| rng.random_range(-3.0..3.0)).collect();
        let a = fast.run_batch(&bindings, 5, |_, s| s.to_complex()).unwrap();
        let b = slow.run_batch(&bindings, 5, |_, s| s.to_complex()).unwrap();
        for (x, y) in a.iter().zip(&b) {
            assert_close(x, y, 1e-13);
        }
    }
}

#[test]
fn expectations_marginals_and_terminal_measurements() {
    let mut circuit = Circuit::new(2, 1);
    circuit.push_gate(GateOp::fixed(Gate::H, &[1])).unwrap();
    circuit
        .push_gate(GateOp::rotation(Gate::Ry, Angle::constant(1.0), 0))
        .unwrap();
    circuit.push_measure(1, 0).unwrap();
    let program = Program::compile(&circuit, Amplitude::Auto).unwrap();
    assert_eq!(program.readout_qubit(), 1);
    let state = program.run(&[]).unwrap();
    assert!((state.expectation_z(0) - 1f64.cos()).abs() < 1e-15);
    assert!(state.expectation_z(1).abs() < 1e-15);
    let readout = program.readouts(&[], 1, None).unwrap()[0];
    assert!((readout.p0 - 0.5).abs() < 1e-15 && (readout.p1 - 0.5).abs() < 1e-15);
    assert!((readout.expectation_z0 - 1f64.cos()).abs() < 1e-15);
    circuit.push_gate(GateOp::fixed(Gate::X, &[1])).unwrap();
    assert_eq!(
        Program::compile(&circuit, Amplitude::Auto),
        Err(SimError::MidCircuitMeasurement { qubit: 1 })
    );
    let mut reset = Circuit::new(1, 0);
    reset.push_reset(0).unwrap();
    reset.push_gate(GateOp::fixed(Gate::X, &[0])).unwrap();
    assert!(Program::compile(&reset, Amplitude::Auto).is_ok());
    reset.push_reset(0).unwrap();
    assert!(Program::compile(&reset, Amplitude::Auto).is_err());
    assert!(matches!(program.run(&[1.0]), Err(SimError::Shape { .. })));
}

#[test]
fn shots_are_reproducible_and_within_five_sigma() {
    let mut circuit = Circuit::new(3, 1);
    circuit.declare_input("t");
    circuit.push_gate(GateOp::fixed(Gate::H, &[2])).unwrap();
    circuit
        .push_gate(GateOp::rotation(Gate::Ry, Angle::input("t"), 0).controlled_by(Control::on(2)))
        .unwrap();
    circuit.push_measure(0, 0).unwrap();
    let program = Program::compile(&circuit, Amplitude::Auto).unwrap();
    let bindings: Vec<f64> = (0..50).map(|k| k as f64 * 0.13).collect();
    let exact = program.readouts(&bindings, 50, None).unwrap();
    let sampling = Sampling {
        shots: 4000,
        seed: 11,
    };
    let first = program.readouts(&bindings, 50, Some(sampling)).unwrap();
    let second = program.readouts(&bindings, 50, Some(sampling)).unwrap();
    assert_eq!(first, second);
    let other = program
        .readouts(
            &bindings,
            50,
            Some(Sampling {
                seed: 12,
                ..sampling
            }),
        )
        .unwrap();
    assert_ne!(first, other);
    for (e, s) in exact.iter().zip(&first) {
        let z = e.expectation_z0;
        let sigma = ((1.0 - z * z) / 4000.0).sqrt().max(1e-12);
        assert!(
            (s.expectation_z0 - z).abs() <= 5.0 * sigma,
            "{s:?} vs {e:?}"
        );
        assert!((s.p0 + s.p1 - 1.0).abs() < 1e-12);
        assert!((s.p1 - (1.0 - s.expectation_z0) / 2.0).abs() < 1e-12);
    }
}

fn sequence_spec() -> LayerSpec {
    preset("paper_sequence").unwrap().unwrap()
}

/// Random templates of the family: Ry layers with ring, linear or no entanglers, plus
/// controlled rotations and fixed real gates.
fn random_template(rng: &mut ChaCha8Rng) -> Circuit {
    let n = rng.random_range(1..=5);
    let mut circuit = Circuit::new(n, 0);
    let params = rng.random_range(1..=8);
    for k in 0..params {
        circuit.declare_input(format!("t{k}"));
    }
    let entangler = [Entangler::Ring, Entangler::Linear, Entangler::None][rng.random_range(0..3)];
    for _ in 0..rng.random_range(1..=3) {
        for q in 0..n {
            let k = rng.random_range(0..params);
            let angle = Angle::input(format!("t{k}"))
                .scale(rng.random_range(-2.0..2.0))
                .add(&Angle::constant(rng.random_range(-1.0..1.0)));
            let mut op = GateOp::rotation(Gate::Ry, angle, q);
            if n > 1 && rng.random_bool(0.3) {
                op = op.controlled_by(Control {
                    qubit: (q + 1) % n,
                    on_one: rng.random_bool(0.5),
                });
            }
            circuit.push_gate(op).unwrap();
        }
        for (c, t) in crate::layer::entangler_pairs(entangler, n) {
            circuit.push_gate(GateOp::cx(c, t)).unwrap();
        }
        if n > 1 && rng.random_bool(0.5) {
            circuit
                .push_gate(GateOp::fixed(Gate::Swap, &[0, n - 1]))
                .unwrap();
        }
        circuit
            .push_gate(GateOp::fixed(
                [Gate::H, Gate::Z, Gate::X][rng.random_range(0..3)],
                &[0],
            ))
            .unwrap();
    }
    circuit
}

/// L = Σ w_i ψ_i with fixed random weights, so dL/dψ = w.
fn check_gradients(template: &Circuit, rng: &mut ChaCha8Rng) {
    let prep = StatePrep::from_circuit(template).unwrap();
    let (p, dim, rows) = (prep.num_params(), prep.dim(), 3);
    let params: Vec<f64> = (0..rows * p).map(|_| rng.random_range(-3.0..3.0)).collect();
    let weights: Vec<f64> = (0..rows * dim)
        .map(|_| rng.random_range(-1.0..1.0))
        .collect();
    let mut states = vec![0.0; rows * dim];
    prep.states(&params, &mut states).unwrap();
    // The states are the simulator's.
    let program = Program::compile(template, Amplitude::Complex).unwrap();
    for r in 0..rows {
        let exact = program
            .run(&params[r * p..(r + 1) * p])
            .unwrap()
            .to_complex();
        for (x, y) in states[r * dim..(r + 1) * dim].iter().zip(&exact) {
            assert!((x - y.re).abs() < 1e-13 && y.im.abs() < 1e-13);
        }
    }
    let mut grad = vec![0.0; rows * p];
    prep.gradients(&params, &weights, &mut grad).unwrap();
    let loss = |theta: &[f64], r: usize| {
        let mut psi = vec![0.0; dim];
        prep.states(theta, &mut psi).unwrap();
        psi.iter()
            .zip(&weights[r * dim..(r + 1) * dim])
            .map(|(a, w)| a * w)
            .sum::<f64>()
    };
    let h = 1e-5;
    for r in 0..rows {
        for k in 0..p {
            let mut plus = params[r * p..(r + 1) * p].to_vec();
            let mut minus = plus.clone();
            plus[k] += h;
            minus[k] -= h;
            let numeric = (loss(&plus, r) - loss(&minus, r)) / (2.0 * h);
            let adjoint = grad[r * p + k];
            let scale = numeric.abs().max(adjoint.abs()).max(1e-3);
            assert!(
                (numeric - adjoint).abs() <= 1e-7 * scale,
                "param {k}: adjoint {adjoint}, finite difference {numeric}"
            );
        }
    }
}

#[test]
fn adjoint_gradients_equal_finite_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for _ in 0..30 {
        let template = random_template(&mut rng);
        check_gradients(&template, &mut rng);
    }
    for name in ["paper_sequence", "paper_conditional"] {
        let spec = preset(name).unwrap().unwrap();
        for side in [Side::Query, Side::Key] {
            check_gradients(&crate::layer::state_prep_circuit(&spec, side), &mut rng);
        }
    }
}

#[test]
fn f32_states_and_gradients_follow_f64() {
    let prep = StatePrep::for_layer(&sequence_spec(), Side::Query).unwrap();
    let (p, dim) = (prep.num_params(), prep.dim());
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let params: Vec<f64> = (0..4 * p).map(|_| rng.random_range(-3.0..3.0)).collect();
    let upstream: Vec<f64> = (0..4 * dim).map(|_| rng.random_range(-1.0..1.0)).collect();
    let (mut s64, mut g64) = (vec![0.0; 4 * dim], vec![0.0; 4 * p]);
    prep.states(&params, &mut s64).unwrap();
    prep.gradients(&params, &upstream, &mut g64).unwrap();
    let params32: Vec<f32> = params.iter().map(|&x| x as f32).collect();
    let upstream32: Vec<f32> = upstream.iter().map(|&x| x as f32).collect();
    let (mut s32, mut g32) = (vec![0f32; 4 * dim], vec![0f32; 4 * p]);
    prep.states(&params32, &mut s32).unwrap();
    prep.gradients(&params32, &upstream32, &mut g32).unwrap();
    for (a, b) in s64.iter().zip(&s32) {
        assert!((a - *b as f64).abs() < 1e-5);
    }
    for (a, b) in g64.iter().zip(&g32) {
        assert!((a - *b as f64).abs() < 1e-4 * a.abs().max(1.0));
    }
}

#[test]
fn state_prep_checks_shapes_and_gates() {
    let prep = StatePrep::for_layer(&sequence_spec(), Side::Key).unwrap();
    assert_eq!(prep.num_params(), 12);
    assert_eq!(prep.params()[0], "tok_j_0");
    let mut out = vec![0.0; 64];
    assert!(matches!(
        prep.states(&[0.0; 11], &mut out),
        Err(SimError::Shape { .. })
    ));
    assert!(matches!(
        prep.states(&[0.0; 24], &mut out),
        Err(SimError::Shape { .. })
    ));
    let mut complex = Circuit::new(1, 0);
    complex.declare_input("a");
    complex
        .push_gate(GateOp::rotation(Gate::Rx, Angle::input("a"), 0))
        .unwrap();
    assert!(matches!(
        StatePrep::from_circuit(&complex),
        Err(SimError::NotATemplate(_))
    ));
}
