//! The score circuits of every score kind in their reference form (`-O0`), the program parts
//! `qattnc compile --part` emits, and the sentence each program's header uses to say how its
//! measurements give the score.

use super::build::{
    ParameterGroup, Side, ansatz_circuit, prep_gates, score_groups_for_head, side_groups_for_head,
    state_prep_circuit_for_head,
};
use super::family::inverse;
use super::spec::{LayerSpec, ScoreKind};
use crate::ir::{Circuit, Control, Gate, GateOp};

/// What `qattnc compile --part` emits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// U(θ) of `[ansatz]` alone, inputs `theta_k`.
    Ansatz,
    /// ψ_q(i), every qubit measured.
    QueryState,
    /// ψ_k(j), every qubit measured.
    KeyState,
    /// The score circuit of `[score] kind`.
    Score,
}

/// Part names accepted by the CLI.
pub const PART_NAMES: [&str; 4] = ["ansatz", "query-state", "key-state", "score"];

impl Part {
    /// The part called `name`, or `None`.
    pub fn from_name(name: &str) -> Option<Part> {
        Some(match name {
            "ansatz" => Part::Ansatz,
            "query-state" => Part::QueryState,
            "key-state" => Part::KeyState,
            "score" => Part::Score,
            _ => return None,
        })
    }
}

const ANCILLA: usize = 0;

fn controlled(gates: Vec<GateOp>, control: usize) -> Vec<GateOp> {
    gates
        .into_iter()
        .map(|g| g.controlled_by(Control::on(control)))
        .collect()
}

fn declare(circuit: &mut Circuit, groups: &[ParameterGroup]) {
    for name in groups.iter().flat_map(ParameterGroup::input_names) {
        circuit.declare_input(name);
    }
}

/// Head 0's score circuit of `spec` (see [`score_circuit_for_head`]).
pub fn score_circuit(spec: &LayerSpec) -> Circuit {
    score_circuit_for_head(spec, 0)
}

/// The score circuit of `spec`'s kind for `head`, in reference form. Inputs are declared in
/// the order `tok_i`, `pos_i`, `prop`, `query`, `tok_j`, `pos_j`, `key`.
pub fn score_circuit_for_head(spec: &LayerSpec, head: usize) -> Circuit {
    match spec.score {
        ScoreKind::HadamardReal | ScoreKind::HadamardImag => hadamard_test(spec, head),
        ScoreKind::SwapTest => swap_test(spec, head),
        ScoreKind::Fidelity => fidelity(spec, head),
        ScoreKind::GaussianZ => side_by_side(spec, head),
    }
}

/// The Hadamard test of design.md §3: H(anc); U_tok(i), U_pos(i), [U_prop], U_q; ctrl U_q†,
/// ctrl U_pos(i)†, ctrl U_tok(i)†; ctrl U_tok(j), ctrl U_pos(j), ctrl U_k; [S† for the
/// imaginary part]; H(anc); measure the ancilla. ⟨Z_anc⟩ = Re (Im) ⟨ψ_q(i)|ψ_k(j)⟩.
fn hadamard_test(spec: &LayerSpec, head: usize) -> Circuit {
    const OFFSET: usize = 1;
    let query = side_groups_for_head(spec, Side::Query, head);
    let key = side_groups_for_head(spec, Side::Key, head);
    let mut circuit = Circuit::new(spec.registers.working() + 1, 1);
    declare(&mut circuit, &score_groups_for_head(spec, head));
    let unitary = |group: &ParameterGroup| group.gates(spec, OFFSET);
    let query_unitaries: Vec<Vec<GateOp>> = query.iter().map(unitary).collect();
    let mut gates = vec![GateOp::fixed(Gate::H, &[ANCILLA])];
    gates.extend(query_unitaries.iter().flatten().cloned());
    // Controlled inverses of U_q, U_pos(i), U_tok(i) (U_prop is shared and never undone).
    for (group, gates_of_group) in query.iter().zip(&query_unitaries).rev() {
        if group.prefix != "prop" {
            gates.extend(controlled(inverse(gates_of_group), ANCILLA));
        }
    }
    for group in key.iter().filter(|g| g.prefix != "prop") {
        gates.extend(controlled(unitary(group), ANCILLA));
    }
    if spec.score == ScoreKind::HadamardImag {
        gates.push(GateOp::fixed(Gate::Sdg, &[ANCILLA]));
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

/// SWAP test: ψ_q on q[1..=n], ψ_k on q[n+1..=2n]; H(anc), cswap(anc; q[1+i], q[1+n+i]) for
/// every i, H(anc); ⟨Z_anc⟩ = |⟨ψ_q|ψ_k⟩|².
fn swap_test(spec: &LayerSpec, head: usize) -> Circuit {
    let n = spec.registers.working();
    let query = side_groups_for_head(spec, Side::Query, head);
    let key = side_groups_for_head(spec, Side::Key, head);
    let mut circuit = Circuit::new(2 * n + 1, 1);
    declare(&mut circuit, &score_groups_for_head(spec, head));
    let mut gates = prep_gates(&query, spec, 1);
    gates.extend(prep_gates(&key, spec, 1 + n));
    gates.push(GateOp::fixed(Gate::H, &[ANCILLA]));
    for q in 1..=n {
        gates.push(GateOp::fixed(Gate::Swap, &[q, q + n]).controlled_by(Control::on(ANCILLA)));
    }
    gates.push(GateOp::fixed(Gate::H, &[ANCILLA]));
    circuit
        .extend_gates(gates)
        .expect("swap-test gates fit the circuit");
    circuit
        .push_measure(ANCILLA, 0)
        .expect("the ancilla and bit 0 exist");
    circuit
}

/// Compute–uncompute: prepare ψ_q, then undo the preparation of ψ_k, on one register; every
/// qubit is measured and P(all zeros) = |⟨ψ_k|ψ_q⟩|².
fn fidelity(spec: &LayerSpec, head: usize) -> Circuit {
    let n = spec.registers.working();
    let query = side_groups_for_head(spec, Side::Query, head);
    let key = side_groups_for_head(spec, Side::Key, head);
    let mut circuit = Circuit::new(n, n);
    declare(&mut circuit, &score_groups_for_head(spec, head));
    let mut gates = prep_gates(&query, spec, 0);
    gates.extend(inverse(&prep_gates(&key, spec, 0)));
    circuit
        .extend_gates(gates)
        .expect("fidelity gates fit the circuit");
    for q in 0..n {
        circuit.push_measure(q, q).expect("every qubit has a bit");
    }
    circuit
}

/// QSANN's Gaussian score from one program: ψ_q on q[0..n], ψ_k on q[n..2n] (independent
/// registers, so this equals two separate circuits); q[0] → c[0], q[n] → c[1].
fn side_by_side(spec: &LayerSpec, head: usize) -> Circuit {
    let n = spec.registers.working();
    let query = side_groups_for_head(spec, Side::Query, head);
    let key = side_groups_for_head(spec, Side::Key, head);
    let mut circuit = Circuit::new(2 * n, 2);
    declare(&mut circuit, &score_groups_for_head(spec, head));
    let mut gates = prep_gates(&query, spec, 0);
    gates.extend(prep_gates(&key, spec, n));
    circuit
        .extend_gates(gates)
        .expect("gaussian-score gates fit the circuit");
    circuit.push_measure(0, 0).expect("q[0] and c[0] exist");
    circuit.push_measure(n, 1).expect("q[n] and c[1] exist");
    circuit
}

/// The reference-form circuit of `part` for `head`.
pub fn part_circuit(spec: &LayerSpec, part: Part, head: usize) -> Circuit {
    let measured = |side| {
        let prep = state_prep_circuit_for_head(spec, side, head);
        let n = prep.num_qubits();
        let mut circuit = Circuit::new(n, n);
        for input in prep.inputs() {
            circuit.declare_input(input.clone());
        }
        circuit
            .extend_gates(prep.gates().cloned())
            .expect("the preparation fits");
        for q in 0..n {
            circuit.push_measure(q, q).expect("every qubit has a bit");
        }
        circuit
    };
    match part {
        Part::Ansatz => ansatz_circuit(spec),
        Part::QueryState => measured(Side::Query),
        Part::KeyState => measured(Side::Key),
        Part::Score => score_circuit_for_head(spec, head),
    }
}

/// How the program of `part` is read, for its header (one sentence, no trailing period).
pub fn readout(spec: &LayerSpec, part: Part) -> String {
    let n = spec.registers.working();
    match part {
        Part::Ansatz => format!(
            "U(theta) of family `{}` on q[0..{}]; inputs theta_k in the family's own parameter \
             order (q[i] is Qiskit's qubit i and PennyLane's wire i)",
            spec.ansatz.family_name(),
            n - 1
        ),
        Part::QueryState | Part::KeyState => {
            let (state, zk) = if part == Part::QueryState {
                ("psi_q(i)", "z_q")
            } else {
                ("psi_k(j)", "z_k")
            };
            let mut text = format!("State {state} on q[0..{}], q[k] measured into c[k]", n - 1);
            if spec.score == ScoreKind::GaussianZ {
                text.push_str(&format!(
                    "; gaussian-z: {zk} = <Z> of c[0], score = exp(-(z_q - z_k)^2) with the other \
                     state's program"
                ));
            }
            text
        }
        Part::Score => match spec.score {
            ScoreKind::HadamardReal => {
                "Attention score: <Z> of qubit 0 = Re<psi_q(i)|psi_k(j)>".into()
            }
            ScoreKind::HadamardImag => {
                "Attention score: <Z> of qubit 0 = Im<psi_q(i)|psi_k(j)>".into()
            }
            ScoreKind::SwapTest => format!(
                "Attention score: <Z> of qubit 0 = |<psi_q(i)|psi_k(j)>|^2 (SWAP test of psi_q on \
                 q[1..{n}] and psi_k on q[{}..{}])",
                n + 1,
                2 * n
            ),
            ScoreKind::Fidelity => format!(
                "Attention score: P(c[0..{}] all 0) = |<psi_q(i)|psi_k(j)>|^2 (psi_q prepared, \
                 psi_k's preparation undone)",
                n - 1
            ),
            ScoreKind::GaussianZ => format!(
                "Attention score: exp(-(<Z>_c[0] - <Z>_c[1])^2) (QSANN), c[0] = q[0] of psi_q(i) \
                 on q[0..{}], c[1] = q[{n}] of psi_k(j) on q[{n}..{}]",
                n - 1,
                2 * n - 1
            ),
        },
    }
}
