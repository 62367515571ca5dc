use super::*;
use crate::ir::{Control, Gate, GateOp, Instruction};

fn ok(text: &str) -> Circuit {
    parse(text, "t.qasm", &ParseOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn err(text: &str) -> SourceError {
    parse(text, "t.qasm", &ParseOptions::default()).expect_err("should fail")
}

#[test]
fn declarations_and_standard_gates() {
    let c = ok(
        "OPENQASM 3.0;\ninclude \"stdgates.inc\";\ninput float[64] a;\ninput angle b;\n\
                qubit[2] q;\nqreg r[1];\nbit[1] c;\ncreg d[2];\n\
                h q[0];\ncry(a/2 - b) q[0], r[0];\nccx q[0], q[1], r[0];\nCX q[1], q[0];\n\
                c[0] = measure q[0];\nmeasure r -> d[1];\nbarrier;\nreset q[1];\n",
    );
    assert_eq!((c.num_qubits(), c.num_clbits()), (3, 3));
    assert_eq!(c.inputs(), ["a", "b"]);
    let gates: Vec<String> = c.gates().map(|g| g.to_string()).collect();
    assert_eq!(
        gates,
        [
            "h q[0]",
            "cry(0.5*a - b) q[0], q[2]",
            "ccx q[0], q[1], q[2]",
            "cx q[1], q[0]"
        ]
    );
    assert!(matches!(
        c.instructions()[5],
        Instruction::Measure { qubit: 2, clbit: 2 }
    ));
}

#[test]
fn broadcast_over_registers() {
    let c =
        ok("OPENQASM 3;\nqubit[3] q;\nqubit[3] r;\nbit[3] c;\nh q;\ncx q, r;\nc = measure q;\n");
    assert_eq!(c.gates().count(), 6);
    assert_eq!(c.instructions().len(), 9);
}

#[test]
fn definitions_modifiers_and_inverse() {
    let c = ok("OPENQASM 3;\ninput float t;\nqubit[3] q;\n\
                gate g(x) a, b { ry(2*x) a; cx a, b; s b; }\n\
                negctrl @ inv @ g(t + pi) q[0], q[1], q[2];\n");
    let zero = Control::on_zero(0);
    let expected = vec![
        GateOp::fixed(Gate::Sdg, &[2]).controlled_by(zero),
        GateOp::cx(1, 2).controlled_by(zero),
        GateOp::rotation(
            Gate::Ry,
            crate::ir::Angle::input("t")
                .scale(-2.0)
                .add(&(-2.0 * std::f64::consts::PI).into()),
            1,
        )
        .controlled_by(zero),
    ];
    let gates: Vec<GateOp> = c.gates().cloned().collect();
    assert_eq!(gates.len(), 3);
    assert_eq!(gates[0], expected[0]);
    assert_eq!(gates[1], expected[1]);
    assert_eq!(gates[2].to_string(), expected[2].to_string());
}

#[test]
fn controlled_u_keeps_its_phase_on_the_control() {
    let c = ok("OPENQASM 3;\nqubit[2] q;\nctrl @ U(0.1, 0.2, 0.3) q[0], q[1];\n");
    let names: Vec<String> = c.gates().map(|g| g.kind_name()).collect();
    assert_eq!(names, ["crz", "cry", "crz", "p"]);
    let c = ok("OPENQASM 3;\nqubit[2] q;\nnegctrl @ u3(0.1, 0.2, 0.3) q[0], q[1];\n");
    let names: Vec<String> = c.gates().map(|g| g.kind_name()).collect();
    assert_eq!(
        names,
        ["negctrl@rz", "negctrl@ry", "negctrl@rz", "x", "p", "x"]
    );
    // Uncontrolled, the phase is global and dropped.
    assert_eq!(
        ok("OPENQASM 3;\nqubit q;\nu2(0, pi) q;\ngphase(1);\n")
            .gates()
            .count(),
        3
    );
}

#[test]
fn errors_are_located_and_say_what_was_expected() {
    let e = err("OPENQASM 3;\nqubit[2] q\nh q[0];\n");
    assert_eq!((e.line, e.column), (3, 1), "{e}");
    assert!(
        e.message.contains("expected") && e.message.contains("`;`"),
        "{e}"
    );
    assert!(e.message.contains("found `h`"), "{e}");
    let e = err("OPENQASM 3;\nqubit q;\nif (c) { x q; }\n");
    assert_eq!((e.line, e.column), (3, 1));
    assert!(e.message.contains("classical control flow"), "{e}");
    assert!(
        err("OPENQASM 3;\ndef f() {}\n")
            .message
            .contains("subroutines")
    );
    assert!(
        err("OPENQASM 3;\ndefcal x q {}\n")
            .message
            .contains("calibrations")
    );
    let e = err("OPENQASM 3;\nqubit[2] q;\nfoo q[0];\n");
    assert_eq!((e.line, e.column), (3, 1));
    assert!(e.message.contains("unknown gate `foo`"));
    let e = err("OPENQASM 3;\nqubit[2] q;\nh q[2];\n");
    assert!(e.message.contains("out of range"), "{e}");
    let e = err("OPENQASM 3;\ninput float a;\nqubit[2] q;\nrx(a*a) q[0];\n");
    assert!(e.message.contains("not affine"), "{e}");
    let e = err("OPENQASM 3;\nqubit[2] q;\ncx q[0], q[0];\n");
    assert!(e.message.contains("more than once"), "{e}");
    assert!(err("OPENQASM 2.0;\n").message.contains("not supported"));
    assert!(
        err("OPENQASM 3;\nqubit q;\npow(2) @ x q;\n")
            .message
            .contains("pow")
    );
    assert!(
        err("OPENQASM 3;\nqubit q;\nrx(1e999) q;\n")
            .message
            .contains("finite")
    );
}

#[test]
fn limits_stop_large_and_exponential_programs() {
    let e = err("OPENQASM 3;\nqubit[29] q;\n");
    assert!(e.message.contains("limit is 28"), "{e}");
    let mut text = String::from("OPENQASM 3;\nqubit q;\ngate g0 a { id a; x a; }\n");
    for k in 1..60 {
        text.push_str(&format!("gate g{k} a {{ g{} a; g{} a; }}\n", k - 1, k - 1));
    }
    text.push_str("g59 q;\n");
    let start = std::time::Instant::now();
    assert!(err(&text).message.contains("expands to more than"));
    assert!(start.elapsed().as_secs() < 10);
    let mut deep = String::from("OPENQASM 3;\nqubit q;\ngate g0 a { x a; }\n");
    for k in 1..100 {
        deep.push_str(&format!("gate g{k} a {{ g{} a; }}\n", k - 1));
    }
    deep.push_str("g99 q;\n");
    assert!(err(&deep).message.contains("nest more than"));
    let nested = format!(
        "OPENQASM 3;\nqubit q;\nrx({}1{}) q;\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    assert!(err(&nested).message.contains("parentheses nest"));
    assert!(
        err("OPENQASM 3;\nqubit q;\ngate g a { g a; }\n")
            .message
            .contains("unknown gate `g`")
    );
}
