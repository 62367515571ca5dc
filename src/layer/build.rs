//! Parameter groups and the state-preparation circuits ψ_q(i), ψ_k(j) that the fast path
//! simulates and every score circuit is built from.

use super::family::{ansatz_gates, ansatz_stages, parameter_count};
use super::spec::LayerSpec;
use crate::ir::{Angle, Circuit, GateOp};
use std::ops::Range;

/// Which prepared state of the overlap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// ψ_q(i) = U_q U_prop U_pos(i) U_tok(i)|0⟩.
    Query,
    /// ψ_k(j) = U_k U_prop U_pos(j) U_tok(j)|0⟩.
    Key,
}

/// A named group of ansatz angles acting on one register.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterGroup {
    /// Input-name prefix: `tok_i`, `pos_i`, `prop`, `query`, `tok_j`, `pos_j` or `key`.
    pub prefix: &'static str,
    /// The head of a `query`/`key` group when the layer has several (names `query_h_k`).
    pub head: Option<usize>,
    /// Working-register qubits the group's unitary acts on (0 = first token qubit).
    pub qubits: Range<usize>,
    /// Number of angles (the family's parameter count on the register).
    pub count: usize,
}

impl ParameterGroup {
    /// The input name of angle `k`: `prefix_k`, or `prefix_h_k` for head h of several.
    pub fn input_name(&self, k: usize) -> String {
        // Built by hand: this runs for every angle of every circuit a layer compiles to.
        let mut name = String::with_capacity(self.prefix.len() + 8);
        name.push_str(self.prefix);
        if let Some(h) = self.head {
            push_index(&mut name, h);
        }
        push_index(&mut name, k);
        name
    }

    /// Every input name of the group, in index order.
    pub fn input_names(&self) -> impl Iterator<Item = String> + '_ {
        (0..self.count).map(|k| self.input_name(k))
    }

    /// Whether this is U_q or U_k (the whole working register), not an encoding unitary.
    pub fn is_whole(&self) -> bool {
        matches!(self.prefix, "query" | "key")
    }

    /// The gates of the group's unitary on absolute qubits `offset + qubits`, stage by stage.
    pub fn stages(&self, spec: &LayerSpec, offset: usize) -> Vec<Vec<GateOp>> {
        let register: Vec<usize> = self.qubits.clone().map(|q| q + offset).collect();
        let ansatz = if self.is_whole() {
            &spec.ansatz
        } else {
            spec.encoding_ansatz()
        };
        ansatz_stages(ansatz, &register, |k| Angle::input(self.input_name(k)))
    }

    /// The gates of the group's unitary on absolute qubits `offset + qubits`, in time order.
    pub fn gates(&self, spec: &LayerSpec, offset: usize) -> Vec<GateOp> {
        self.stages(spec, offset).into_iter().flatten().collect()
    }
}

/// Appends `_` and the decimal digits of `k`.
fn push_index(name: &mut String, k: usize) {
    name.push('_');
    let start = name.len();
    let mut rest = k;
    loop {
        name.insert(start, char::from(b'0' + (rest % 10) as u8));
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
}

/// Working-register ranges of the token, position and property registers.
fn register_ranges(spec: &LayerSpec) -> [Range<usize>; 3] {
    let r = spec.registers;
    [
        0..r.token,
        r.token..r.token + r.position,
        r.token + r.position..r.working(),
    ]
}

/// The parameter groups of one side for head 0, in the order the unitaries are applied
/// (token, position, property, then query or key). Empty registers have no group.
pub fn side_groups(spec: &LayerSpec, side: Side) -> Vec<ParameterGroup> {
    side_groups_for_head(spec, side, 0)
}

/// The parameter groups of one side for `head` (0-based, below `spec.heads`): the encoding
/// groups are shared by every head; `query`/`key` are the head's own (`query_h_k` when the
/// layer has several heads).
pub fn side_groups_for_head(spec: &LayerSpec, side: Side, head: usize) -> Vec<ParameterGroup> {
    let [token, position, property] = register_ranges(spec);
    let (tok, pos, whole) = match side {
        Side::Query => ("tok_i", "pos_i", "query"),
        Side::Key => ("tok_j", "pos_j", "key"),
    };
    let n = spec.registers.working();
    [
        (tok, token),
        (pos, position),
        ("prop", property),
        (whole, 0..n),
    ]
    .into_iter()
    .filter(|(_, range)| !range.is_empty())
    .map(|(prefix, qubits)| {
        let whole = matches!(prefix, "query" | "key");
        let ansatz = if whole {
            &spec.ansatz
        } else {
            spec.encoding_ansatz()
        };
        ParameterGroup {
            prefix,
            head: (whole && spec.heads > 1).then_some(head),
            count: parameter_count(ansatz, qubits.len()),
            qubits,
        }
    })
    .collect()
}

/// Every parameter group of head 0's score circuit in input-declaration order:
/// `tok_i`, `pos_i`, `prop`, `query`, `tok_j`, `pos_j`, `key`.
pub fn score_groups(spec: &LayerSpec) -> Vec<ParameterGroup> {
    score_groups_for_head(spec, 0)
}

/// [`score_groups`] for `head`.
pub fn score_groups_for_head(spec: &LayerSpec, head: usize) -> Vec<ParameterGroup> {
    let mut groups = side_groups_for_head(spec, Side::Query, head);
    groups.extend(
        side_groups_for_head(spec, Side::Key, head)
            .into_iter()
            .filter(|g| g.prefix != "prop"),
    );
    groups
}

/// The gates preparing one side's state on absolute qubits `offset..offset + n`.
pub(super) fn prep_gates(
    groups: &[ParameterGroup],
    spec: &LayerSpec,
    offset: usize,
) -> Vec<GateOp> {
    groups.iter().flat_map(|g| g.gates(spec, offset)).collect()
}

/// The state-preparation circuit of one side (head 0) on the working register alone
/// (qubit 0 = first token qubit), without measurement.
pub fn state_prep_circuit(spec: &LayerSpec, side: Side) -> Circuit {
    state_prep_circuit_for_head(spec, side, 0)
}

/// The state-preparation circuit of one side for `head` (its inputs are the head's
/// `query_h_*`/`key_h_*` when the layer has several heads).
pub fn state_prep_circuit_for_head(spec: &LayerSpec, side: Side, head: usize) -> Circuit {
    let groups = side_groups_for_head(spec, side, head);
    let mut circuit = Circuit::new(spec.registers.working(), 0);
    for name in groups.iter().flat_map(ParameterGroup::input_names) {
        circuit.declare_input(name);
    }
    circuit
        .extend_gates(prep_gates(&groups, spec, 0))
        .expect("ansatz gates fit the working register");
    circuit
}

/// U(θ) of `[ansatz]` alone on `qubit[m] q` (m = working register), inputs `theta_0…` in the
/// family's own parameter order, without measurement.
pub fn ansatz_circuit(spec: &LayerSpec) -> Circuit {
    let m = spec.registers.working();
    let register: Vec<usize> = (0..m).collect();
    let mut circuit = Circuit::new(m, 0);
    for k in 0..parameter_count(&spec.ansatz, m) {
        circuit.declare_input(format!("theta_{k}"));
    }
    circuit
        .extend_gates(ansatz_gates(&spec.ansatz, &register, |k| {
            Angle::input(format!("theta_{k}"))
        }))
        .expect("ansatz gates fit the register");
    circuit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn input_names_are_prefix_head_and_index() {
        let group = |prefix, head| ParameterGroup {
            prefix,
            head,
            qubits: 0..3,
            count: 120,
        };
        assert_eq!(group("tok_i", None).input_name(0), "tok_i_0");
        assert_eq!(group("key", None).input_name(105), "key_105");
        assert_eq!(group("query", Some(1)).input_name(12), "query_1_12");
        assert_eq!(group("query", Some(10)).input_name(90), "query_10_90");
        let names: Vec<String> = group("prop", None).input_names().collect();
        assert_eq!(names.len(), 120);
        assert!(
            names
                .iter()
                .enumerate()
                .all(|(k, n)| *n == format!("prop_{k}"))
        );
    }
}
