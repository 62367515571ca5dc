//! PennyLane's layer templates (0.45): `BasicEntanglerLayers` and `StronglyEntanglingLayers`.
//! Parameters are the weights flattened row-major, which is their gate order.

use super::{Builder, Rotation};

/// `BasicEntanglerLayers(weights (L, n), rotation)`: per layer rotation(w[l, i]) on wire i, then
/// CNOT(i, i+1 mod n) for i = 0…n−1 (one CNOT for n = 2, none for n = 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BasicEntangler {
    /// L.
    pub layers: usize,
    /// The rotation (PennyLane's default is RX).
    pub rotation: Rotation,
}

impl BasicEntangler {
    pub(super) fn build(&self, b: &mut Builder) {
        let n = b.size();
        for _ in 0..self.layers {
            for q in 0..n {
                b.rotation(self.rotation, q);
            }
            b.end_stage();
            match n {
                1 => {}
                2 => b.cx(0, 1),
                _ => (0..n).for_each(|i| b.cx(i, (i + 1) % n)),
            }
            b.end_stage();
        }
    }
}

/// `StronglyEntanglingLayers(weights (L, n, 3), ranges)`: per layer Rot(w[l,i,0], w[l,i,1],
/// w[l,i,2]) (RZ, RY, RZ in time order) on wire i, then CNOT(i, (i + r_l) mod n) for i = 0…n−1;
/// r_l = (l mod (n−1)) + 1 by default; no CNOTs for n = 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StronglyEntangling {
    /// L.
    pub layers: usize,
    /// r_l per layer; `None` for PennyLane's default.
    pub ranges: Option<Vec<usize>>,
}

impl StronglyEntangling {
    /// The range of layer `l` on `n > 1` wires.
    pub fn range(&self, layer: usize, n: usize) -> usize {
        match &self.ranges {
            Some(ranges) => ranges[layer],
            None => layer % (n - 1) + 1,
        }
    }

    pub(super) fn build(&self, b: &mut Builder) {
        let n = b.size();
        for layer in 0..self.layers {
            for q in 0..n {
                b.rotation(Rotation::Rot, q);
            }
            b.end_stage();
            if n > 1 {
                let r = self.range(layer, n);
                (0..n).for_each(|i| b.cx(i, (i + r) % n));
            }
            b.end_stage();
        }
    }
}
