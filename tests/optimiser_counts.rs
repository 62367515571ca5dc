//! Gate counts of the paper layers at every level (equivalence is checked with the simulator in
//! `tests/optimiser_equivalence.rs` and against Qiskit in the interop tests).

use qattnc::compile::compile_layer;
use qattnc::layer::preset;

fn counts(layer: &str, level: u8) -> (usize, usize) {
    let spec = preset(layer).unwrap().unwrap();
    let stats = compile_layer(&spec, level, None).stats.circuit;
    (stats.two_qubit_gates, stats.depth)
}

#[test]
fn o3_meets_the_two_qubit_and_depth_goals() {
    let (sequence_2q, sequence_depth) = counts("paper_sequence", 3);
    let (conditional_2q, conditional_depth) = counts("paper_conditional", 3);
    assert!(sequence_2q <= 30, "sequence -O3: {sequence_2q} CNOTs");
    assert!(
        conditional_2q <= 26,
        "conditional -O3: {conditional_2q} CNOTs"
    );
    assert!(sequence_depth <= 40, "sequence -O3 depth {sequence_depth}");
    assert!(
        conditional_depth <= 34,
        "conditional -O3 depth {conditional_depth}"
    );
}

#[test]
fn every_level_is_no_larger_than_the_one_below_and_o2_is_strictly_smaller() {
    for layer in ["paper_sequence", "paper_conditional"] {
        let two_qubit: Vec<usize> = (0..=3).map(|level| counts(layer, level).0).collect();
        assert!(
            two_qubit.windows(2).all(|w| w[1] <= w[0]),
            "{layer}: {two_qubit:?}"
        );
        assert!(two_qubit[2] < two_qubit[0], "{layer}: {two_qubit:?}");
    }
}
