use super::*;
use crate::ir::{Angle, Circuit, Control, Gate, GateOp};
use crate::layer::{Entangler, LayerSpec, Side, preset};
use crate::sim::{
    EngineConfig, LargeProgram, Observable, ReadoutSpec, Simulation, SimulationOptions, SplitState,
};
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

/// Terms `(coefficient, [(Pauli, qubit)])` of an observable.
type Terms = Vec<(f64, Vec<(char, usize)>)>;

/// ψ†Oψ with O built entry by entry from 2×2 Pauli matrices (no bit masks).
fn dense_expectation(state: &[Complex64], factors: &Terms) -> f64 {
    let c = |re: f64, im: f64| Complex64::new(re, im);
    let pauli = |p: char| match p {
        'X' => [[c(0.0, 0.0), c(1.0, 0.0)], [c(1.0, 0.0), c(0.0, 0.0)]],
        'Y' => [[c(0.0, 0.0), c(0.0, -1.0)], [c(0.0, 1.0), c(0.0, 0.0)]],
        'Z' => [[c(1.0, 0.0), c(0.0, 0.0)], [c(0.0, 0.0), c(-1.0, 0.0)]],
        _ => [[c(1.0, 0.0), c(0.0, 0.0)], [c(0.0, 0.0), c(1.0, 0.0)]],
    };
    let len = state.len();
    let n = len.trailing_zeros() as usize;
    let mut total = Complex64::new(0.0, 0.0);
    for (coefficient, term) in factors {
        for r in 0..len {
            for col in 0..len {
                let mut entry = c(*coefficient, 0.0);
                for q in 0..n {
                    let p = term.iter().find(|(_, k)| *k == q).map_or('I', |(p, _)| *p);
                    entry *= pauli(p)[(r >> q) & 1][(col >> q) & 1];
                }
                total += state[r].conj() * entry * state[col];
            }
        }
    }
    assert!(total.im.abs() < 1e-12);
    total.re
}

fn random_observable(rng: &mut ChaCha8Rng, n: usize) -> (String, Terms) {
    let mut text = String::new();
    let mut terms = Vec::new();
    for t in 0..rng.random_range(1..4) {
        let coefficient: f64 = (rng.random_range(-20..20) as f64) / 8.0;
        let mut qubits: Vec<usize> = (0..n).collect();
        for k in (1..n).rev() {
            qubits.swap(k, rng.random_range(0..=k));
        }
        let factors: Vec<(char, usize)> = qubits[..rng.random_range(0..=n.min(3))]
            .iter()
            .map(|&q| (['X', 'Y', 'Z', 'I'][rng.random_range(0..4)], q))
            .collect();
        let sign = if coefficient < 0.0 { " - " } else { " + " };
        if t > 0 || coefficient < 0.0 {
            text.push_str(sign);
        }
        text.push_str(&format!("{}", coefficient.abs()));
        for (p, q) in &factors {
            text.push_str(&format!("*{p}{q}"));
        }
        terms.push((coefficient, factors));
    }
    (text, terms)
}

#[test]
fn observables_equal_dense_matrix_products() {
    let mut rng = ChaCha8Rng::seed_from_u64(21);
    for _ in 0..30 {
        let circuit = random_circuit(&mut rng, 4, &Gate::ALL, 25);
        let binding = [rng.random_range(-3.0..3.0), rng.random_range(-3.0..3.0)];
        let state = Program::compile(&circuit, Amplitude::Complex)
            .unwrap()
            .run(&binding)
            .unwrap();
        let reference_state = reference(&circuit, &binding);
        for _ in 0..5 {
            let (text, terms) = random_observable(&mut rng, 4);
            let observable = Observable::parse(&text, "test").unwrap();
            let got = observable.expectation(&state);
            let expected = dense_expectation(&reference_state, &terms);
            assert!(
                (got - expected).abs() < 1e-12,
                "{text}: {got} vs {expected}"
            );
        }
    }
}

#[test]
fn observable_errors_are_located() {
    let cases = [
        ("0.5*X2*Q3", 8, "expected a Pauli factor"),
        ("Z0 Z1", 4, "expected `+`, `-`, `*`"),
        ("Z", 2, "expected a qubit index after `Z`"),
        ("Z0*Z0", 4, "qubit 0 appears twice"),
        ("", 1, "empty observable"),
        ("Z0 +", 5, "expected a Pauli factor"),
        ("X99", 2, "too large"),
    ];
    for (text, column, message) in cases {
        let error = Observable::parse(text, "--observable").unwrap_err();
        assert_eq!(error.column, column, "{text}: {error}");
        assert!(error.message.contains(message), "{text}: {error}");
    }
    let parsed = Observable::parse(" -Z1 + 2.5e-1*x0*y3 - 1", "o").unwrap();
    assert_eq!(parsed.qubits(), vec![0, 1, 3]);
    assert_eq!(parsed.terms.len(), 3);
    assert_eq!(parsed.terms[2].coefficient, -1.0);
}

fn to_complex<T: num_traits::Float>(state: &SplitState<T>) -> Vec<Complex64> {
    state
        .re
        .iter()
        .zip(&state.im)
        .map(|(r, i)| Complex64::new(r.to_f64().unwrap(), i.to_f64().unwrap()))
        .collect()
}

/// Small blocks so that 9-qubit circuits need several sweeps with high qubits.
fn small_blocks(fuse: bool, parallel: bool) -> EngineConfig {
    EngineConfig {
        block_qubits: 5,
        high_qubits: 2,
        fuse,
        parallel,
    }
}

#[test]
fn large_engine_fused_parallel_and_f32_match_the_reference() {
    let mut rng = ChaCha8Rng::seed_from_u64(33);
    for round in 0..12 {
        let n = if round % 2 == 0 { 9 } else { 4 };
        let circuit = random_circuit(&mut rng, n, &Gate::ALL, 60);
        let binding = [rng.random_range(-3.0..3.0), rng.random_range(-3.0..3.0)];
        let expected = reference(&circuit, &binding);
        let run = |config| {
            LargeProgram::compile(&circuit, config)
                .unwrap()
                .run::<f64>(&binding)
                .unwrap()
        };
        let unfused = run(small_blocks(false, false));
        let fused = run(small_blocks(true, false));
        let parallel = run(small_blocks(true, true));
        assert_close(&to_complex(&unfused), &expected, 1e-12);
        assert_close(&to_complex(&fused), &to_complex(&unfused), 1e-12);
        assert_eq!(parallel, fused, "parallel and serial blocks differ");
        assert_close(&to_complex(&run(EngineConfig::default())), &expected, 1e-12);
        let single = LargeProgram::compile(&circuit, small_blocks(true, true))
            .unwrap()
            .run::<f32>(&binding)
            .unwrap();
        assert_close(&to_complex(&single), &expected, 1e-5);
    }
}

fn measured_random_circuit(rng: &mut ChaCha8Rng, n: usize, count: usize) -> Circuit {
    let gates = random_circuit(rng, n, &Gate::ALL, count);
    let mut circuit = Circuit::new(n, 3);
    circuit.declare_input("a");
    circuit.declare_input("b");
    circuit.extend_gates(gates.gates().cloned()).unwrap();
    circuit.push_measure(n - 1, 0).unwrap();
    circuit.push_measure(1, 2).unwrap();
    circuit
}

#[test]
fn cone_pruned_readouts_equal_full_simulation() {
    let mut rng = ChaCha8Rng::seed_from_u64(45);
    let mut pruned_some = false;
    for round in 0..16 {
        let n = 8;
        // Few gates, so that cones are often smaller than the circuit.
        let circuit = measured_random_circuit(&mut rng, n, if round % 2 == 0 { 6 } else { 30 });
        let (text, _) = random_observable(&mut rng, n);
        let rows = 3;
        let bindings: Vec<f64> = (0..2 * rows).map(|_| rng.random_range(-3.0..3.0)).collect();
        for large_from in [0, 100] {
            let run = |spec: ReadoutSpec, prune| {
                let options = SimulationOptions {
                    prune,
                    large_from,
                    engine: small_blocks(true, true),
                    ..SimulationOptions::default()
                };
                let simulation = Simulation::new(&circuit, spec, &options).unwrap();
                let cone = simulation.simulated_qubits();
                (simulation.run(&bindings, rows).unwrap(), cone)
            };
            let specs = [
                ReadoutSpec::default(),
                ReadoutSpec {
                    observables: vec![Observable::parse(&text, "o").unwrap(), Observable::z(0)],
                    distribution: true,
                    sampling: None,
                },
            ];
            for spec in specs {
                let (pruned, cone) = run(spec.clone(), true);
                let (full, qubits) = run(spec, false);
                assert_eq!(qubits, n);
                pruned_some |= cone < n;
                for (a, b) in pruned.iter().zip(&full) {
                    for (x, y) in a.values.iter().zip(&b.values) {
                        assert!((x - y).abs() < 1e-12, "{text}: {x} vs {y}");
                    }
                    let (pa, pb) = (a.probabilities.as_ref(), b.probabilities.as_ref());
                    assert_eq!(pa.is_some(), pb.is_some());
                    if let (Some(pa), Some(pb)) = (pa, pb) {
                        assert_eq!(pa.len(), 4);
                        for (x, y) in pa.iter().zip(pb) {
                            assert!((x - y).abs() < 1e-12);
                        }
                    }
                }
            }
        }
    }
    assert!(pruned_some, "no random circuit had a smaller cone");
}

#[test]
fn default_readouts_equal_the_batched_program() {
    let mut rng = ChaCha8Rng::seed_from_u64(52);
    let circuit = measured_random_circuit(&mut rng, 6, 40);
    let rows = 5;
    let bindings: Vec<f64> = (0..2 * rows).map(|_| rng.random_range(-3.0..3.0)).collect();
    let sampling = Some(Sampling {
        shots: 500,
        seed: 3,
    });
    for sampling in [None, sampling] {
        let expected = Program::compile(&circuit, Amplitude::Auto)
            .unwrap()
            .readouts(&bindings, rows, sampling)
            .unwrap();
        let spec = ReadoutSpec {
            sampling,
            ..ReadoutSpec::default()
        };
        let got = Simulation::new(&circuit, spec, &SimulationOptions::default())
            .unwrap()
            .run(&bindings, rows)
            .unwrap();
        for (e, g) in expected.iter().zip(&got) {
            let want = [e.expectation_z0, e.p0, e.p1];
            for (x, y) in want.iter().zip(&g.values) {
                assert!((x - y).abs() < 1e-12, "{x} vs {y}");
            }
        }
    }
}

#[test]
fn the_memory_guard_refuses_before_allocating() {
    let mut circuit = Circuit::new(30, 0);
    for q in 0..30 {
        circuit.push_gate(GateOp::fixed(Gate::H, &[q])).unwrap();
    }
    for q in 0..29 {
        circuit.push_gate(GateOp::cx(q, q + 1)).unwrap();
    }
    let options = SimulationOptions {
        max_memory: 1 << 30,
        ..SimulationOptions::default()
    };
    let spec = ReadoutSpec {
        observables: vec![Observable::parse("Z29", "o").unwrap()],
        ..ReadoutSpec::default()
    };
    let error = Simulation::new(&circuit, spec.clone(), &options)
        .err()
        .expect("30 qubits do not fit in 1 GiB");
    let message = error.to_string();
    assert!(
        message.contains("simulating 30 qubits needs 16.") && message.contains("--max-memory"),
        "{message}"
    );
    // The cone of Z0 is qubits 0 and 1 (the chain's first CNOT): it fits.
    let spec = ReadoutSpec {
        observables: vec![Observable::z(0)],
        ..ReadoutSpec::default()
    };
    let simulation = Simulation::new(&circuit, spec, &options).unwrap();
    assert_eq!(simulation.simulated_qubits(), 2);
    let value = simulation.run(&[], 1).unwrap()[0].values[0];
    assert!(value.abs() < 1e-12);
}

/// `template` applied to |c⟩: X on the set bits of c, then the template's gates.
fn from_basis(template: &Circuit, c: usize) -> Circuit {
    let mut circuit = Circuit::new(template.num_qubits(), 0);
    for name in template.inputs() {
        circuit.declare_input(name.clone());
    }
    for q in (0..template.num_qubits()).filter(|q| c >> q & 1 == 1) {
        circuit.push_gate(GateOp::fixed(Gate::X, &[q])).unwrap();
    }
    circuit.extend_gates(template.gates().cloned()).unwrap();
    circuit
}

/// The kernel's columns equal the simulated template run from each basis state, and their
/// gradients (L = Σ V ⊙ columns) equal central differences.
fn check_columns(template: &Circuit, rng: &mut ChaCha8Rng) {
    let kernel = StatePrepKernel::from_circuit(template).unwrap();
    let (p, dim, width, sets) = (kernel.num_params(), kernel.dim(), kernel.width(), 2);
    let params: Vec<f64> = (0..sets * p).map(|_| rng.random_range(-3.0..3.0)).collect();
    let size = dim * width;
    let mut columns = vec![0.0; sets * size];
    kernel.columns(&params, &mut columns).unwrap();
    for g in 0..sets {
        for c in 0..dim {
            let program = Program::compile(&from_basis(template, c), Amplitude::Complex).unwrap();
            let exact = program
                .run(&params[g * p..(g + 1) * p])
                .unwrap()
                .to_complex();
            let row = &columns[g * size + c * width..][..width];
            for (x, z) in exact.iter().enumerate() {
                let im = if kernel.is_complex() {
                    row[dim + x]
                } else {
                    0.0
                };
                assert!((row[x] - z.re).abs() < 1e-12 && (im - z.im).abs() < 1e-12);
            }
        }
    }
    let upstream: Vec<f64> = (0..sets * size)
        .map(|_| rng.random_range(-1.0..1.0))
        .collect();
    let mut grad = vec![0.0; sets * p];
    kernel
        .column_gradients(&params, &columns, &upstream, &mut grad)
        .unwrap();
    let loss = |theta: &[f64]| {
        let mut out = vec![0.0; sets * size];
        kernel.columns(theta, &mut out).unwrap();
        out.iter().zip(&upstream).map(|(a, b)| a * b).sum::<f64>()
    };
    let h = 1e-5;
    for k in 0..sets * p {
        let (mut plus, mut minus) = (params.clone(), params.clone());
        plus[k] += h;
        minus[k] -= h;
        let numeric = (loss(&plus) - loss(&minus)) / (2.0 * h);
        let scale = numeric.abs().max(grad[k].abs()).max(1e-3);
        assert!(
            (numeric - grad[k]).abs() <= 1e-7 * scale,
            "θ[{k}]: adjoint {}, central difference {numeric}",
            grad[k]
        );
    }
}

#[test]
fn unitary_columns_equal_the_simulator_and_their_gradients_central_differences() {
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    for _ in 0..8 {
        check_columns(&random_template(&mut rng), &mut rng);
    }
    let complex = [
        Gate::Rx,
        Gate::Rz,
        Gate::P,
        Gate::Ry,
        Gate::S,
        Gate::Sx,
        Gate::H,
    ];
    for _ in 0..8 {
        let n = rng.random_range(1..=4);
        let template = random_circuit(&mut rng, n, &complex, 12);
        assert!(
            StatePrepKernel::from_circuit(&template)
                .unwrap()
                .is_complex()
        );
        check_columns(&template, &mut rng);
    }
}
