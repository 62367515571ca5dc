//! Any two-qubit unitary in the fewest CNOTs its Weyl point allows.
//!
//! With U = e^{iγ}·(A₁⊗B₁)·N(a, b, c)·(A₂⊗B₂) ([`super::weyl`]), N is written exactly (up to a
//! global phase) as:
//! - 0 CNOTs at the origin: U is the product (A₁A₂)⊗(B₁B₂);
//! - 1 CNOT at (π/4, 0, 0): N ∝ (H⊗I)·(Rz(−π/2)⊗Rx(−π/2))·CX₀₁·(H⊗I), from
//!   CX = e^{iπ/4}·exp(−iπ/4·Z⊗I)·exp(−iπ/4·I⊗X)·exp(iπ/4·Z⊗X);
//! - 2 CNOTs when c = 0: N(a, b, 0) = V†·CX₀₁·(Rx(−2a)⊗Rz(−2b))·CX₀₁·V with
//!   V = Rx(π/2)⊗Rx(π/2) (CX conjugates X⊗I into XX and I⊗Z into ZZ; V turns YY into ZZ);
//! - 3 CNOTs otherwise (Vatan & Williams, PRA 69, 032315, Fig. 6):
//!   N ∝ (Rz(π/2)⊗I)·CX₁₀·(I⊗Ry(π/2 − 2b))·CX₀₁·(Rz(π/2 − 2c)⊗Ry(2a − π/2))·CX₁₀·(I⊗Rz(−π/2)).
//!
//! Each one-qubit factor is then written as at most three `rz`/`ry` gates.

use super::matrix::{Matrix4, mul2};
use super::one_qubit::zyz_gates;
use super::weyl::{Kak, kak};
use crate::ir::{Gate, GateOp, Matrix2};
use std::f64::consts::{FRAC_PI_2, FRAC_PI_4};

/// Weyl coordinates within this of a boundary value count as on it (the gates then differ from
/// the unitary by about this much).
pub const COORDINATE_EPS: f64 = 1e-10;

/// The fewest CNOTs that implement a unitary with this decomposition.
pub fn cx_count(k: &Kak) -> usize {
    let zero = |x: f64| x.abs() < COORDINATE_EPS;
    if zero(k.a) && zero(k.b) && zero(k.c) {
        0
    } else if zero(k.a - FRAC_PI_4) && zero(k.b) && zero(k.c) {
        1
    } else if zero(k.c) {
        2
    } else {
        3
    }
}

/// The fewest CNOTs that implement `u`.
pub fn min_cx(u: &Matrix4) -> usize {
    cx_count(&kak(u))
}

fn m(gate: Gate, theta: f64) -> Matrix2 {
    gate.matrix(theta).expect("one-qubit gate")
}

/// `u` (on `first`, `second`, in [`super::matrix`]'s convention) as CNOTs and `rz`/`ry` gates
/// in time order, equal to `u` up to a global phase, with [`min_cx`] CNOTs.
pub fn synthesize(u: &Matrix4, first: usize, second: usize) -> Vec<GateOp> {
    let k = kak(u);
    let (a1, b1) = k.after;
    let (a2, b2) = k.before;
    let mut gates = Vec::new();
    let local = |gates: &mut Vec<GateOp>, p: &Matrix2, q: &Matrix2| {
        gates.extend(zyz_gates(p, first));
        gates.extend(zyz_gates(q, second));
    };
    let cx01 = GateOp::cx(first, second);
    let cx10 = GateOp::cx(second, first);
    match cx_count(&k) {
        0 => local(&mut gates, &mul2(&a1, &a2), &mul2(&b1, &b2)),
        1 => {
            let h = m(Gate::H, 0.0);
            local(&mut gates, &mul2(&h, &a2), &b2);
            gates.push(cx01);
            let after_a = mul2(&a1, &mul2(&h, &m(Gate::Rz, -FRAC_PI_2)));
            local(&mut gates, &after_a, &mul2(&b1, &m(Gate::Rx, -FRAC_PI_2)));
        }
        2 => {
            let v = m(Gate::Rx, FRAC_PI_2);
            let v_dagger = m(Gate::Rx, -FRAC_PI_2);
            local(&mut gates, &mul2(&v, &a2), &mul2(&v, &b2));
            gates.push(cx01.clone());
            local(
                &mut gates,
                &m(Gate::Rx, -2.0 * k.a),
                &m(Gate::Rz, -2.0 * k.b),
            );
            gates.push(cx01);
            local(&mut gates, &mul2(&a1, &v_dagger), &mul2(&b1, &v_dagger));
        }
        _ => {
            local(&mut gates, &a2, &mul2(&m(Gate::Rz, -FRAC_PI_2), &b2));
            gates.push(cx10.clone());
            local(
                &mut gates,
                &m(Gate::Rz, FRAC_PI_2 - 2.0 * k.c),
                &m(Gate::Ry, 2.0 * k.a - FRAC_PI_2),
            );
            gates.push(cx01);
            gates.extend(zyz_gates(&m(Gate::Ry, FRAC_PI_2 - 2.0 * k.b), second));
            gates.push(cx10);
            local(&mut gates, &mul2(&a1, &m(Gate::Rz, FRAC_PI_2)), &b1);
        }
    }
    gates
}

#[cfg(test)]
mod tests {
    use super::super::matrix::{distance_up_to_phase4, identity4, kron, mul4};
    use super::super::{pair_matrix, random_unitary4};
    use super::*;
    use crate::ir::{Angle, Control};
    use proptest::prelude::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use std::f64::consts::PI;

    /// The unitary of gates on qubits (0, 1).
    fn unitary(gates: &[GateOp]) -> Matrix4 {
        gates.iter().fold(identity4(), |u, g| {
            mul4(&pair_matrix(g, (0, 1)).expect("a pair gate"), &u)
        })
    }

    fn check(u: &Matrix4, want_cx: usize, what: &str) {
        let gates = synthesize(u, 0, 1);
        let cx = gates.iter().filter(|g| !g.controls.is_empty()).count();
        assert_eq!(cx, want_cx, "{what}");
        assert_eq!(min_cx(u), want_cx, "{what}");
        let d = distance_up_to_phase4(&unitary(&gates), u);
        assert!(d < 1e-9, "{what}: distance {d}");
    }

    fn gate(op: GateOp) -> Matrix4 {
        pair_matrix(&op, (0, 1)).unwrap()
    }

    #[test]
    fn known_gates_get_their_minimum_cnot_counts() {
        let controlled = |g: Gate, theta: Option<f64>| {
            let base = match theta {
                Some(t) => GateOp::rotation(g, Angle::constant(t), 1),
                None => GateOp::fixed(g, &[1]),
            };
            gate(base.controlled_by(Control::on(0)))
        };
        let h = Gate::H.matrix(0.0).unwrap();
        let t = Gate::T.matrix(0.0).unwrap();
        check(&identity4(), 0, "identity");
        check(&kron(&h, &t), 0, "H ⊗ T");
        check(&gate(GateOp::cx(0, 1)), 1, "cx");
        check(&gate(GateOp::cx(1, 0)), 1, "reversed cx");
        check(&controlled(Gate::Z, None), 1, "cz");
        check(&controlled(Gate::Y, None), 1, "cy");
        check(&controlled(Gate::H, None), 1, "ch");
        check(&controlled(Gate::P, Some(PI)), 1, "cp(π) = cz");
        check(&controlled(Gate::P, Some(0.7)), 2, "cp(0.7)");
        check(&controlled(Gate::Rz, Some(-1.3)), 2, "crz");
        check(&controlled(Gate::Ry, Some(2.1)), 2, "cry");
        check(&controlled(Gate::S, None), 2, "cs");
        check(&gate(GateOp::fixed(Gate::Swap, &[0, 1])), 3, "swap");
        // iSWAP = N(π/4, π/4, 0): 2 CNOTs; √SWAP = N(π/8, π/8, π/8): 3.
        check(
            &super::super::weyl::canonical(FRAC_PI_4, FRAC_PI_4, 0.0),
            2,
            "iswap",
        );
        check(
            &super::super::weyl::canonical(PI / 8.0, PI / 8.0, PI / 8.0),
            3,
            "sqrt(swap)",
        );
        // cx·swap (one CNOT then a SWAP) needs 2.
        let cx_swap = mul4(
            &gate(GateOp::fixed(Gate::Swap, &[0, 1])),
            &gate(GateOp::cx(0, 1)),
        );
        check(&cx_swap, 2, "cx then swap");
        // Two CNOTs in a row cancel.
        let cxcx = mul4(&gate(GateOp::cx(0, 1)), &gate(GateOp::cx(0, 1)));
        check(&cxcx, 0, "cx·cx");
    }

    #[test]
    fn random_unitaries_need_three_cnots_and_recompose() {
        let mut rng = ChaCha8Rng::seed_from_u64(17);
        for _ in 0..100 {
            check(&random_unitary4(&mut rng), 3, "random");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// Haar-random unitaries times random products of cx and local gates recompose.
        #[test]
        fn seeded_unitaries_recompose(seed in any::<u64>(), mix in 0usize..4) {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let mut u = random_unitary4(&mut rng);
            if mix > 0 {
                // A product of locals (0 CNOTs), or locals times 1 or 2 CNOTs.
                let a = kak(&u);
                let locals = kron(&a.after.0, &a.after.1);
                u = match mix {
                    1 => locals,
                    2 => mul4(&locals, &gate(GateOp::cx(0, 1))),
                    _ => mul4(&super::super::weyl::canonical(0.4, 0.2, 0.0), &locals),
                };
            }
            let gates = synthesize(&u, 0, 1);
            let d = distance_up_to_phase4(&unitary(&gates), &u);
            prop_assert!(d < 1e-9, "distance {}", d);
            let cx = gates.iter().filter(|g| !g.controls.is_empty()).count();
            prop_assert_eq!(cx, [3, 0, 1, 2][mix]);
        }
    }
}
