//! Two-qubit block resynthesis and one-qubit run merging keep programs exact: random circuits
//! compiled for every shipped device (routing, block consolidation before and after it, native
//! translation) and random circuits lowered to IBM's bases with merged runs keep the output
//! distribution of every measured bit, and resynthesis never adds CNOTs.

mod common;

use qattnc::ir::{Angle, Circuit, Control, Gate, GateOp, Instruction};
use qattnc::opt::{Basis, decompose_merged, resynthesise, run_decompose};
use qattnc::sim::{Amplitude, Program};
use qattnc::target::{Target, compile_for_target};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

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

/// A random program on `n` qubits: one- and two-qubit gates with constant angles (and one
/// input-dependent rotation), long runs on the same pairs so that blocks form, then every qubit
/// measured into its own bit.
fn random_program(n: usize, gates: usize, rng: &mut ChaCha8Rng) -> Circuit {
    let mut c = Circuit::new(n, n);
    c.declare_input("x");
    let mut pair = (0, 1);
    for k in 0..gates {
        if rng.random_bool(0.3) {
            let a = rng.random_range(0..n);
            let b = (a + rng.random_range(1..n)) % n;
            pair = (a, b);
        }
        let (a, b) = if rng.random_bool(0.5) {
            pair
        } else {
            (pair.1, pair.0)
        };
        let angle = Angle::constant(rng.random_range(-3.2..3.2));
        let op = match rng.random_range(0..11) {
            0 => GateOp::fixed(Gate::H, &[a]),
            1 => GateOp::fixed(Gate::T, &[b]),
            2 => GateOp::rotation(Gate::Ry, angle, a),
            3 => GateOp::rotation(Gate::Rz, angle, b),
            4 => GateOp::fixed(Gate::Sx, &[a]),
            5 | 6 => GateOp::cx(a, b),
            7 => GateOp::fixed(Gate::Z, &[b]).controlled_by(Control::on(a)),
            8 => GateOp::rotation(Gate::P, angle, b).controlled_by(Control::on(a)),
            9 => GateOp::fixed(Gate::Swap, &[a, b]),
            _ => GateOp::rotation(Gate::Ry, angle, b).controlled_by(Control::on(a)),
        };
        c.push_gate(op).unwrap();
        if k == gates / 2 {
            c.push_gate(GateOp::rotation(Gate::Rx, Angle::input("x"), a))
                .unwrap();
        }
    }
    for q in 0..n {
        c.push_measure(q, q).unwrap();
    }
    c
}

/// The distribution of the measured bits (bit c is bit c of the outcome) at x = 0.7, on the
/// qubits the program uses.
fn distribution(c: &Circuit) -> Vec<f64> {
    let compact = common::compact(c);
    let mut measured = vec![0; c.num_clbits()];
    for instruction in compact.instructions() {
        if let Instruction::Measure { qubit, clbit } = instruction {
            measured[*clbit] = *qubit;
        }
    }
    let binding = vec![0.7; compact.inputs().len()];
    Program::compile(&compact, Amplitude::Complex)
        .unwrap()
        .run(&binding)
        .unwrap()
        .marginal(&measured)
}

fn assert_same(want: &[f64], got: &[f64], what: &str) {
    assert_eq!(want.len(), got.len(), "{what}");
    for (k, (w, g)) in want.iter().zip(got).enumerate() {
        assert!((w - g).abs() < 1e-9, "{what}: outcome {k}: {w} vs {g}");
    }
}

fn cx_cost(c: &Circuit) -> usize {
    c.gates().map(GateOp::cx_cost).sum()
}

#[test]
fn random_programs_compiled_for_every_shipped_device_keep_their_distribution() {
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    for device in DEVICES {
        let file = format!("circuits/devices/{device}.json");
        let target =
            Target::from_json_text(&std::fs::read_to_string(&file).unwrap(), &file).unwrap();
        for trial in 0..3 {
            let program = random_program(5, 40, &mut rng);
            let want = distribution(&program);
            let compiled = compile_for_target(&program, &target).unwrap();
            let what = format!("{device}, trial {trial}");
            assert_same(&want, &distribution(&compiled.routed), &what);
            if let Some(native) = &compiled.native {
                assert_same(&want, &distribution(&native.to_ir()), &what);
            }
        }
    }
}

#[test]
fn resynthesis_keeps_the_distribution_and_never_adds_cnots() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut saved = 0;
    for _ in 0..20 {
        let program = random_program(4, 60, &mut rng);
        let lowered = run_decompose(&program, Basis::CxAndSingleQubit);
        let out = resynthesise(lowered.clone());
        assert_same(&distribution(&program), &distribution(&out), "resynthesis");
        assert!(cx_cost(&out) <= cx_cost(&lowered));
        saved += cx_cost(&lowered) - cx_cost(&out);
        for basis in [Basis::IbmCx, Basis::IbmCz] {
            let merged = decompose_merged(&out, basis);
            assert_same(&distribution(&program), &distribution(&merged), "merged");
            assert!(merged.gates().count() <= run_decompose(&out, basis).gates().count());
        }
    }
    assert!(saved > 0, "runs on the same pair were consolidated");
}
