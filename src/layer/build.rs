//! Builders: the paper's Hadamard-test score circuit in its reference form (`-O0`) and the
//! state-preparation circuits ψ_q(i), ψ_k(j) that the fast path simulates.

use super::ansatz::{ansatz_gates, inverse, parameter_count};
use super::spec::LayerSpec;
use crate::ir::{Angle, Circuit, Control, Gate, GateOp};
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
    /// Working-register qubits the group's unitary acts on (0 = first token qubit).
    pub qubits: Range<usize>,
    /// Number of angles (`layers · register size`).
    pub count: usize,
}

impl ParameterGroup {
    /// The input name of angle `k`: `prefix_k`.
    pub fn input_name(&self, k: usize) -> String {
        format!("{}_{k}", self.prefix)
    }

    /// Every input name of the group, in index order.
    pub fn input_names(&self) -> impl Iterator<Item = String> + '_ {
        (0..self.count).map(|k| self.input_name(k))
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

/// The parameter groups of one side, in the order the unitaries are applied
/// (token, position, property, then query or key). Empty registers have no group.
pub fn side_groups(spec: &LayerSpec, side: Side) -> Vec<ParameterGroup> {
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
    .map(|(prefix, qubits)| ParameterGroup {
        prefix,
        count: parameter_count(&spec.ansatz, qubits.len()),
        qubits,
    })
    .collect()
}

/// Every parameter group of the score circuit in input-declaration order:
/// `tok_i`, `pos_i`, `prop`, `query`, `tok_j`, `pos_j`, `key`.
pub fn score_groups(spec: &LayerSpec) -> Vec<ParameterGroup> {
    let mut groups = side_groups(spec, Side::Query);
    groups.extend(
        side_groups(spec, Side::Key)
            .into_iter()
            .filter(|g| g.prefix != "prop"),
    );
    groups
}

/// The unitary of one group on absolute qubits `offset + group.qubits`.
fn group_gates(spec: &LayerSpec, group: &ParameterGroup, offset: usize) -> Vec<GateOp> {
    let register: Vec<usize> = group.qubits.clone().map(|q| q + offset).collect();
    ansatz_gates(&spec.ansatz, &register, |k| {
        Angle::input(group.input_name(k))
    })
}

fn controlled(gates: Vec<GateOp>, control: usize) -> Vec<GateOp> {
    gates
        .into_iter()
        .map(|g| g.controlled_by(Control::on(control)))
        .collect()
}

/// The state-preparation circuit of one side on the working register alone
/// (qubit 0 = first token qubit), without measurement.
pub fn state_prep_circuit(spec: &LayerSpec, side: Side) -> Circuit {
    let groups = side_groups(spec, side);
    let mut circuit = Circuit::new(spec.registers.working(), 0);
    for name in groups.iter().flat_map(ParameterGroup::input_names) {
        circuit.declare_input(name);
    }
    for group in &groups {
        circuit
            .extend_gates(group_gates(spec, group, 0))
            .expect("ansatz gates fit the working register");
    }
    circuit
}

/// The paper's Hadamard-test score circuit in the reference form of design.md §3:
/// H(anc); U_tok(i), U_pos(i), [U_prop], U_q; ctrl U_q†, ctrl U_pos(i)†, ctrl U_tok(i)†;
/// ctrl U_tok(j), ctrl U_pos(j), ctrl U_k; H(anc); measure the ancilla (qubit 0).
/// Its ancilla ⟨Z⟩ is Re⟨ψ_q(i)|ψ_k(j)⟩.
pub fn score_circuit(spec: &LayerSpec) -> Circuit {
    const ANCILLA: usize = 0;
    const OFFSET: usize = 1;
    let query = side_groups(spec, Side::Query);
    let key = side_groups(spec, Side::Key);
    let mut circuit = Circuit::new(spec.registers.working() + 1, 1);
    for group in score_groups(spec) {
        for name in group.input_names() {
            circuit.declare_input(name);
        }
    }
    let unitary = |group: &ParameterGroup| group_gates(spec, group, OFFSET);
    let mut gates = vec![GateOp::fixed(Gate::H, &[ANCILLA])];
    // 2. U_tok(i), U_pos(i), [U_prop], U_q, uncontrolled.
    gates.extend(query.iter().flat_map(unitary));
    // 3. Controlled inverses of U_q, U_pos(i), U_tok(i) (U_prop is shared and never undone).
    for group in query.iter().rev().filter(|g| g.prefix != "prop") {
        gates.extend(controlled(inverse(&unitary(group)), ANCILLA));
    }
    // 4. Controlled U_tok(j), U_pos(j), U_k.
    for group in key.iter().filter(|g| g.prefix != "prop") {
        gates.extend(controlled(unitary(group), ANCILLA));
    }
    gates.push(GateOp::fixed(Gate::H, &[ANCILLA]));
    circuit
        .extend_gates(gates)
        .expect("score-circuit gates fit the circuit");
    circuit
        .push_measure(ANCILLA, 0)
        .expect("the ancilla and bit 0 exist");
    circuit
}
