//! The KAK (Cartan) decomposition of a two-qubit unitary and its Weyl-chamber coordinates.
//!
//! Every U ∈ U(4) is U = e^{iγ}·(A₁⊗B₁)·N(a, b, c)·(A₂⊗B₂) with one-qubit unitaries Aᵢ, Bᵢ and
//! the canonical gate N(a, b, c) = exp(i(a·XX + b·YY + c·ZZ)); the point (a, b, c) is unique in
//! the Weyl chamber π/4 ≥ a ≥ b ≥ |c| and says how many CNOTs U needs (Vatan & Williams,
//! PRA 69, 032315; Kraus & Cirac, PRA 63, 062309): 0 at the origin, 1 at (π/4, 0, 0), 2 when
//! c = 0, else 3.
//!
//! The computation works in the magic basis B, where one-qubit products are the real orthogonal
//! matrices SO(4) and N is diagonal. With Up = B†·U·B (scaled into SU(4)), M = Upᵀ·Up is
//! symmetric and unitary, so its real and imaginary parts are commuting real symmetric matrices
//! with common eigenvectors P ∈ SO(4): M = P·D·Pᵀ, D = diag(e^{2iθₖ}). Then O = Up·P·e^{−iθ} is
//! real orthogonal and U ∝ (B·O·B†)·(B·e^{iθ}·B†)·(B·Pᵀ·B†). The eigenvectors come from Jacobi
//! rotations of Re M + κ·Im M for a fixed list of κ (the first that diagonalises M wins), and
//! the Weyl group (orders of the θₖ, their branches θₖ + π) is searched in a fixed order for the
//! point inside the chamber, so the result is deterministic.

use super::matrix::{
    Matrix4, adjoint2, adjoint4, det4, kron, mul2, mul4, symmetric_eigenvectors, transpose4,
};
use crate::ir::Matrix2;
use num_complex::Complex64;
use std::f64::consts::{FRAC_1_SQRT_2, FRAC_PI_4, PI};

/// U = e^{iγ}·(A₁⊗B₁)·N(a, b, c)·(A₂⊗B₂), with (a, b, c) in the Weyl chamber.
#[derive(Clone, Debug)]
pub struct Kak {
    /// γ.
    pub global_phase: f64,
    /// The Weyl coordinates (a, b, c): π/4 ≥ a ≥ b ≥ |c|.
    pub a: f64,
    /// See `a`.
    pub b: f64,
    /// See `a`.
    pub c: f64,
    /// (A₁, B₁): applied after N, on the first and second qubit.
    pub after: (Matrix2, Matrix2),
    /// (A₂, B₂): applied before N.
    pub before: (Matrix2, Matrix2),
}

/// Diagonals of B†·XX·B, B†·YY·B and B†·ZZ·B in the magic basis below.
const XX: [f64; 4] = [1.0, 1.0, -1.0, -1.0];
const YY: [f64; 4] = [-1.0, 1.0, -1.0, 1.0];
const ZZ: [f64; 4] = [1.0, -1.0, -1.0, 1.0];

/// The magic basis: its columns are (|00⟩+|11⟩)/√2, i(|01⟩+|10⟩)/√2, (|01⟩−|10⟩)/√2,
/// i(|00⟩−|11⟩)/√2.
fn magic() -> Matrix4 {
    let r = Complex64::new(FRAC_1_SQRT_2, 0.0);
    let i = Complex64::new(0.0, FRAC_1_SQRT_2);
    let z = Complex64::new(0.0, 0.0);
    [[r, z, z, i], [z, i, r, z], [z, i, -r, z], [r, z, z, -i]]
}

/// N(a, b, c) = exp(i(a·XX + b·YY + c·ZZ)), written through its magic-basis diagonal.
pub fn canonical(a: f64, b: f64, c: f64) -> Matrix4 {
    let mut d = [[Complex64::new(0.0, 0.0); 4]; 4];
    for k in 0..4 {
        d[k][k] = Complex64::from_polar(1.0, a * XX[k] + b * YY[k] + c * ZZ[k]);
    }
    let m = magic();
    mul4(&mul4(&m, &d), &adjoint4(&m))
}

/// Coefficients κ of Re M + κ·Im M tried in turn (unrelated to each other, so that distinct
/// eigenvalues of M stay distinct for one of them).
const KAPPAS: [f64; 6] = [1.0, 0.618_034, 2.37, 0.291, 5.414_372_3, 1.73];

/// The KAK decomposition of a 4×4 unitary (see the module documentation).
pub fn kak(u: &Matrix4) -> Kak {
    let det = det4(u);
    let phase0 = det.arg() / 4.0;
    let scale = Complex64::from_polar(1.0, -phase0);
    let m = magic();
    let mut up = mul4(&mul4(&adjoint4(&m), u), &m);
    up.iter_mut().flatten().for_each(|x| *x *= scale);
    let mm = mul4(&transpose4(&up), &up);
    let (p, d) = diagonalise(&mm);
    let base: Vec<f64> = d.iter().map(|x| x.arg() / 2.0).collect();
    let (perm, theta, (a, b, c)) = weyl_point(&base);
    // P' = P with its columns in `perm` order, one column negated when that leaves det −1.
    let mut pp = [[0.0; 4]; 4];
    for (k, &src) in perm.iter().enumerate() {
        for row in 0..4 {
            pp[row][k] = p[row][src];
        }
    }
    if real_det(&pp) < 0.0 {
        pp.iter_mut().for_each(|row| row[3] = -row[3]);
    }
    let pc = pp.map(|row| row.map(|x| Complex64::new(x, 0.0)));
    let mut o = mul4(&up, &pc);
    for row in o.iter_mut() {
        for (k, x) in row.iter_mut().enumerate() {
            *x *= Complex64::from_polar(1.0, -theta[k]);
        }
    }
    let k1 = mul4(&mul4(&m, &o), &adjoint4(&m));
    let k2 = mul4(&mul4(&m, &transpose4(&pc)), &adjoint4(&m));
    let (a1, b1) = factor_product(&k1);
    let (a2, b2) = factor_product(&k2);
    Kak {
        global_phase: phase0 + theta.iter().sum::<f64>() / 4.0,
        a,
        b,
        c,
        after: (a1, b1),
        before: (a2, b2),
    }
}

impl Kak {
    /// The unitary the decomposition describes (for tests and checks).
    pub fn unitary(&self) -> Matrix4 {
        let n = canonical(self.a, self.b, self.c);
        let mut u = mul4(
            &mul4(&kron(&self.after.0, &self.after.1), &n),
            &kron(&self.before.0, &self.before.1),
        );
        let g = Complex64::from_polar(1.0, self.global_phase);
        u.iter_mut().flatten().for_each(|x| *x *= g);
        u
    }
}

/// Common real eigenvectors P (columns, det ±1) of the real and imaginary parts of the
/// symmetric unitary `mm`, and the diagonal of Pᵀ·mm·P.
fn diagonalise(mm: &Matrix4) -> ([[f64; 4]; 4], [Complex64; 4]) {
    let mut best: Option<(f64, [[f64; 4]; 4], [Complex64; 4])> = None;
    for kappa in KAPPAS {
        let r = mm.map(|row| row.map(|x| x.re + kappa * x.im));
        let p = symmetric_eigenvectors(r);
        let pc = p.map(|row| row.map(|x| Complex64::new(x, 0.0)));
        let dd = mul4(&mul4(&transpose4(&pc), mm), &pc);
        let off = (0..4)
            .flat_map(|i| (0..4).map(move |j| (i, j)))
            .filter(|(i, j)| i != j)
            .map(|(i, j)| dd[i][j].norm())
            .fold(0.0, f64::max);
        let diagonal = [dd[0][0], dd[1][1], dd[2][2], dd[3][3]];
        if best.as_ref().is_none_or(|(o, _, _)| off < *o) {
            best = Some((off, p, diagonal));
        }
        if off < 1e-13 {
            break;
        }
    }
    let (_, p, d) = best.expect("at least one κ is tried");
    (p, d)
}

/// Every permutation of 0..4, in lexicographic order.
fn permutations() -> Vec<[usize; 4]> {
    let mut out = Vec::with_capacity(24);
    for a in 0..4 {
        for b in (0..4).filter(|&b| b != a) {
            for c in (0..4).filter(|&c| c != a && c != b) {
                let d = 6 - a - b - c;
                out.push([a, b, c, d]);
            }
        }
    }
    out
}

/// The order and branches of the half-phases `base` that put (a, b, c) in the Weyl chamber:
/// the permutation, the chosen θₖ and the coordinates. Among the Weyl group's images (orders
/// of the θₖ and shifts by π with Σθ ≡ 0 mod 2π, so that the outer factors are in SO(4)), the
/// first in a fixed order with the least distance outside the chamber wins.
fn weyl_point(base: &[f64]) -> WeylChoice {
    let mut best: Option<(f64, WeylChoice)> = None;
    for perm in permutations() {
        for mask in 0..16u32 {
            let mut theta = [0.0; 4];
            for k in 0..4 {
                theta[k] = base[perm[k]] + if mask >> k & 1 == 1 { PI } else { 0.0 };
            }
            let turns = theta.iter().sum::<f64>() / (2.0 * PI);
            if (turns - turns.round()).abs() > 0.25 {
                continue;
            }
            let coordinate = |w: &[f64; 4]| (0..4).map(|k| w[k] * theta[k]).sum::<f64>() / 4.0;
            let (a, b, c) = (coordinate(&XX), coordinate(&YY), coordinate(&ZZ));
            let outside = (a - FRAC_PI_4).max(0.0) + (b - a).max(0.0) + (c.abs() - b).max(0.0);
            if best.as_ref().is_none_or(|(o, _)| outside < *o - 1e-12) {
                best = Some((outside, (perm, theta, (a, b, c))));
            }
        }
    }
    best.expect("some branch has Σθ ≡ 0 mod 2π").1
}

/// The permutation of the eigenvalues, the chosen half-phases θₖ and the point (a, b, c).
type WeylChoice = ([usize; 4], [f64; 4], (f64, f64, f64));

fn real_det(p: &[[f64; 4]; 4]) -> f64 {
    det4(&p.map(|row| row.map(|x| Complex64::new(x, 0.0)))).re
}

/// (A, B) with A ⊗ B = `k` for a 4×4 `k` that is a product of one-qubit unitaries (B in SU(2)).
pub fn factor_product(k: &Matrix4) -> (Matrix2, Matrix2) {
    let block = |i: usize, j: usize| -> Matrix2 {
        [
            [k[2 * i][2 * j], k[2 * i][2 * j + 1]],
            [k[2 * i + 1][2 * j], k[2 * i + 1][2 * j + 1]],
        ]
    };
    let norm = |m: &Matrix2| m.iter().flatten().map(|x| x.norm_sqr()).sum::<f64>();
    let (bi, bj) = [(0, 0), (0, 1), (1, 0), (1, 1)]
        .into_iter()
        .max_by(|x, y| norm(&block(x.0, x.1)).total_cmp(&norm(&block(y.0, y.1))))
        .expect("four blocks");
    let big = block(bi, bj);
    let det = big[0][0] * big[1][1] - big[0][1] * big[1][0];
    let root = det.sqrt();
    let b = big.map(|row| row.map(|x| x / root));
    let b_dagger = adjoint2(&b);
    let mut a = [[Complex64::new(0.0, 0.0); 2]; 2];
    for (i, row) in a.iter_mut().enumerate() {
        for (j, entry) in row.iter_mut().enumerate() {
            let m = mul2(&b_dagger, &block(i, j));
            *entry = (m[0][0] + m[1][1]) / 2.0;
        }
    }
    (a, b)
}

#[cfg(test)]
mod tests {
    use super::super::matrix::{distance_up_to_phase4, identity2};
    use super::super::random_unitary4;
    use super::*;
    use crate::ir::Gate;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn close(u: &Matrix4, v: &Matrix4) -> f64 {
        (0..4)
            .flat_map(|i| (0..4).map(move |j| (i, j)))
            .map(|(i, j)| (u[i][j] - v[i][j]).norm())
            .fold(0.0, f64::max)
    }

    #[test]
    fn magic_basis_diagonalises_the_pauli_products() {
        let m = magic();
        let (x, y, z) = (
            Gate::X.matrix(0.0).unwrap(),
            Gate::Y.matrix(0.0).unwrap(),
            Gate::Z.matrix(0.0).unwrap(),
        );
        for (p, diag) in [(x, XX), (y, YY), (z, ZZ)] {
            let d = mul4(&mul4(&adjoint4(&m), &kron(&p, &p)), &m);
            for (i, row) in d.iter().enumerate() {
                for (j, entry) in row.iter().enumerate() {
                    let want = if i == j { diag[i] } else { 0.0 };
                    assert!((entry - Complex64::new(want, 0.0)).norm() < 1e-14);
                }
            }
        }
    }

    #[test]
    fn random_unitaries_recompose_exactly_in_the_chamber() {
        let mut rng = ChaCha8Rng::seed_from_u64(11);
        for _ in 0..200 {
            let u = random_unitary4(&mut rng);
            let k = kak(&u);
            assert!(close(&k.unitary(), &u) < 1e-10, "{k:?}");
            assert!(FRAC_PI_4 + 1e-12 >= k.a && k.a + 1e-12 >= k.b && k.b + 1e-12 >= k.c.abs());
        }
    }

    #[test]
    fn products_and_canonical_gates_land_on_their_points() {
        let h = Gate::H.matrix(0.0).unwrap();
        let t = Gate::T.matrix(0.0).unwrap();
        let k = kak(&kron(&h, &t));
        assert!(k.a.abs() + k.b.abs() + k.c.abs() < 1e-12, "{k:?}");
        for (a, b, c) in [(0.3, 0.2, -0.1), (FRAC_PI_4, 0.0, 0.0), (0.7, 0.1, 0.05)] {
            let k = kak(&canonical(a, b, c));
            assert!(
                (k.a - a).abs() + (k.b - b).abs() + (k.c - c).abs() < 1e-12,
                "{k:?}"
            );
            assert!(distance_up_to_phase4(&k.unitary(), &canonical(a, b, c)) < 1e-12);
        }
        let id = kak(&kron(&identity2(), &identity2()));
        assert!(close(&id.unitary(), &kron(&identity2(), &identity2())) < 1e-12);
    }
}
