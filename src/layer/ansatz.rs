//! The one definition of the variational ansatz, shared by the score circuit, the
//! state-preparation circuits, the simulator's fast path and the emitters.

use super::spec::{Ansatz, Entangler, Rotation};
use crate::ir::{Angle, Gate, GateOp};

/// Index of the angle of qubit `q` in layer `l` of an `m`-qubit register: `l·m + q`.
pub fn parameter_index(layer: usize, qubit: usize, register_size: usize) -> usize {
    layer * register_size + qubit
}

/// Number of angles of the ansatz on an `m`-qubit register.
pub fn parameter_count(ansatz: &Ansatz, register_size: usize) -> usize {
    ansatz.layers * register_size
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

/// The gates of U(θ) on the qubits `register` (local qubit q is `register[q]`), in time order,
/// with the angle of parameter k given by `angle(k)`.
pub fn ansatz_gates(
    ansatz: &Ansatz,
    register: &[usize],
    angle: impl Fn(usize) -> Angle,
) -> Vec<GateOp> {
    let m = register.len();
    let rotation = match ansatz.rotation {
        Rotation::Ry => Gate::Ry,
    };
    let mut gates = Vec::new();
    for layer in 0..ansatz.layers {
        for (q, &qubit) in register.iter().enumerate() {
            let k = parameter_index(layer, q, m);
            gates.push(GateOp::rotation(rotation, angle(k), qubit));
        }
        for (control, target) in entangler_pairs(ansatz.entangler, m) {
            gates.push(GateOp::cx(register[control], register[target]));
        }
    }
    gates
}

/// U† for a gate sequence U: reversed order, each gate inverted.
pub fn inverse(gates: &[GateOp]) -> Vec<GateOp> {
    gates.iter().rev().map(GateOp::inverse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let ansatz = Ansatz {
            layers: 2,
            rotation: Rotation::Ry,
            entangler: Entangler::None,
        };
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
    }
}
