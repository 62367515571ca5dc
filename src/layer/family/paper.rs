//! The paper's ansatz (Smaldone et al.): per layer Ry(θ[l·m + q]) on every qubit q, then a CNOT
//! ring (q→q+1, then m−1→0 last; two CNOTs on two qubits), a linear chain, or nothing.

use super::{Builder, Rotation};

/// CNOT pattern of the paper's ansatz on an m-qubit register.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entangler {
    /// q→q+1 for q < m−1, then m−1→0 (none for m = 1; the paper's choice).
    Ring,
    /// q→q+1 for q < m−1.
    Linear,
    /// No entangling gates.
    None,
}

/// The paper family's settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paper {
    /// Number of repetitions.
    pub layers: usize,
    /// The rotation (always Ry: the paper's states are real).
    pub rotation: Rotation,
    /// The CNOT pattern after each rotation layer.
    pub entangler: Entangler,
}

/// Index of the angle of qubit `q` in layer `l` of an `m`-qubit register: `l·m + q`.
pub fn parameter_index(layer: usize, qubit: usize, register_size: usize) -> usize {
    layer * register_size + qubit
}

/// The CNOTs `(control, target)` of one entangling layer on register-local qubits `0..m`.
pub fn entangler_pairs(entangler: Entangler, m: usize) -> Vec<(usize, usize)> {
    let chain = (0..m.saturating_sub(1)).map(|q| (q, q + 1));
    match entangler {
        Entangler::None => Vec::new(),
        Entangler::Linear => chain.collect(),
        Entangler::Ring if m >= 2 => chain.chain(std::iter::once((m - 1, 0))).collect(),
        Entangler::Ring => Vec::new(),
    }
}

impl Paper {
    pub(super) fn build(&self, b: &mut Builder) {
        let m = b.size();
        for _ in 0..self.layers {
            for q in 0..m {
                b.rotation(self.rotation, q);
            }
            b.end_stage();
            for (control, target) in entangler_pairs(self.entangler, m) {
                b.cx(control, target);
            }
            b.end_stage();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Ansatz, ansatz_gates};
    use super::*;
    use crate::ir::Angle;

    #[test]
    fn ring_on_three_and_two_qubits() {
        assert_eq!(
            entangler_pairs(Entangler::Ring, 3),
            vec![(0, 1), (1, 2), (2, 0)]
        );
        assert_eq!(entangler_pairs(Entangler::Ring, 2), vec![(0, 1), (1, 0)]);
        assert!(entangler_pairs(Entangler::Ring, 1).is_empty());
        assert_eq!(entangler_pairs(Entangler::Linear, 3), vec![(0, 1), (1, 2)]);
    }

    #[test]
    fn two_layers_index_angles_by_layer_then_qubit() {
        let ansatz = Ansatz::paper(2, Entangler::None);
        let gates = ansatz_gates(&ansatz, &[4, 5], |k| Angle::input(format!("t_{k}")));
        let names: Vec<String> = gates.iter().map(|g| g.to_string()).collect();
        assert_eq!(
            names,
            [
                "ry(t_0) q[4]",
                "ry(t_1) q[5]",
                "ry(t_2) q[4]",
                "ry(t_3) q[5]"
            ]
        );
        assert_eq!(parameter_index(1, 1, 2), 3);
    }
}
