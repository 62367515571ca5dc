//! The reference (-O0) score circuits of the paper's layers: gate counts, input names, order.

use qattnc::ir::{CircuitStats, Instruction};
use qattnc::layer::{Side, preset, score_circuit, state_prep_circuit};

fn stats(name: &str) -> CircuitStats {
    CircuitStats::of(&score_circuit(&preset(name).unwrap().unwrap()))
}

#[test]
fn sequence_layer_has_the_reference_counts() {
    let s = stats("paper_sequence");
    assert_eq!(s.qubits, 7);
    // 12 uncontrolled CNOTs + 24 cry (2 each) + 24 ccx (6 each).
    assert_eq!(s.two_qubit_gates, 204);
    assert_eq!(s.gates_by_kind["cry"], 24);
    assert_eq!(s.gates_by_kind["ccx"], 24);
    assert_eq!(s.gates_by_kind["cx"], 12);
    assert_eq!(s.gates_by_kind["ry"], 12);
    assert_eq!(s.gates_by_kind["h"], 2);
    assert_eq!(s.inputs, 24);
    assert_eq!(s.measurements, 1);
}

#[test]
fn conditional_layer_has_the_reference_counts() {
    let s = stats("paper_conditional");
    assert_eq!(s.qubits, 7);
    assert_eq!(s.two_qubit_gates, 172);
    assert_eq!(s.gates_by_kind["cry"], 20);
    assert_eq!(s.gates_by_kind["ccx"], 20);
    assert_eq!(s.inputs, 22);
}

#[test]
fn inputs_are_declared_in_the_design_order() {
    let spec = preset("paper_conditional").unwrap().unwrap();
    let circuit = score_circuit(&spec);
    let prefixes: Vec<&str> = circuit
        .inputs()
        .iter()
        .map(|n| n.rsplit_once('_').unwrap().0)
        .fold(Vec::new(), |mut acc, p| {
            if acc.last() != Some(&p) {
                acc.push(p);
            }
            acc
        });
    assert_eq!(
        prefixes,
        ["tok_i", "pos_i", "prop", "query", "tok_j", "pos_j", "key"]
    );
    assert_eq!(circuit.inputs().last().unwrap(), "key_5");
}

#[test]
fn score_circuit_starts_and_ends_with_the_hadamard_test() {
    let circuit = score_circuit(&preset("paper_sequence").unwrap().unwrap());
    let text: Vec<String> = circuit
        .instructions()
        .iter()
        .map(|i| match i {
            Instruction::Gate(op) => op.to_string(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(text[0], "h q[0]");
    assert_eq!(text[1], "ry(tok_i_0) q[1]");
    // The first controlled gate undoes the end of U_q: its CNOT ring closes with 6→1.
    let first_controlled = text.iter().position(|t| t.starts_with("ccx")).unwrap();
    assert_eq!(text[first_controlled], "ccx q[0], q[6], q[1]");
    assert_eq!(text[first_controlled + 6], "cry(-query_5) q[0], q[6]");
    assert_eq!(text[text.len() - 2], "h q[0]");
    assert!(text[text.len() - 1].contains("Measure"));
}

#[test]
fn state_prep_circuits_act_on_the_working_register() {
    let spec = preset("paper_conditional").unwrap().unwrap();
    let query = state_prep_circuit(&spec, Side::Query);
    let key = state_prep_circuit(&spec, Side::Key);
    assert_eq!(query.num_qubits(), 6);
    assert_eq!(query.inputs().len(), 2 + 2 + 2 + 6);
    assert!(key.inputs().iter().any(|n| n == "key_5"));
    assert!(key.inputs().iter().any(|n| n == "prop_1"));
    assert!(!key.inputs().iter().any(|n| n.starts_with("query")));
    // 6 Ry + 6 CNOTs for the three 2-qubit registers, then 6 Ry + 6 CNOTs for U_q.
    assert_eq!(CircuitStats::of(&query).two_qubit_gates, 12);
}
