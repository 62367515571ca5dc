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
    let expected = [
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
    assert!(err("OPENQASM 4.0;\n").message.contains("not supported"));
    let e = err("OPENQASM 3;\nqubit q;\npow(0.5) @ x q;\n");
    assert_eq!((e.line, e.column), (3, 5), "{e}");
    assert!(e.message.contains("integer powers"), "{e}");
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
    // A guard against a hang, not a speed goal: ≈ 0.5 s of CPU, but wall time on a shared
    // machine (load 25 on 2 cores) has exceeded 10 s.
    assert!(start.elapsed().as_secs() < 60);
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

fn names(c: &Circuit) -> Vec<String> {
    c.gates().map(|g| g.to_string()).collect()
}

#[test]
fn only_stdgates_names_are_reserved() {
    // Qiskit's qasm3.dumps defines `sxdg`, `rzz`, `cu3`, … after including stdgates.inc.
    let c = ok("OPENQASM 3.0;\ninclude \"stdgates.inc\";\n\
                gate sxdg _q { s _q; h _q; s _q; }\ngate rzz(p0) a, b { cx a, b; rz(p0) b; cx a, b; }\n\
                qubit[2] q;\nsxdg q[0];\nrzz(0.5) q[0], q[1];\n");
    assert_eq!(
        names(&c),
        [
            "s q[0]",
            "h q[0]",
            "s q[0]",
            "cx q[0], q[1]",
            "rz(0.5) q[1]",
            "cx q[0], q[1]"
        ]
    );
    // Where it is not defined, `sxdg` is still the built-in √X†, and Braket's `cnot` is `cx`.
    let c =
        ok("OPENQASM 3.0;\nqubit[3] q;\nsxdg q[0];\ncnot q[0], q[1];\nccnot q[0], q[1], q[2];\n");
    assert_eq!(
        names(&c),
        ["sxdg q[0]", "cx q[0], q[1]", "ccx q[0], q[1], q[2]"]
    );
    for name in ["h", "cu", "u1", "CX", "cphase", "id"] {
        let e = err(&format!(
            "OPENQASM 3;\ninclude \"stdgates.inc\";\ngate {name} a {{ x a; }}\n"
        ));
        assert_eq!((e.line, e.column), (3, 6), "{e}");
        assert!(e.message.contains("cannot be redefined"), "{e}");
    }
    let e = err("OPENQASM 3;\ngate gphase a { x a; }\n");
    assert!(e.message.contains("cannot be redefined"), "{e}");
    // Defining a stdgates name and then including stdgates.inc is refused at the include.
    let e = err("OPENQASM 3;\ngate h a { x a; }\ninclude \"stdgates.inc\";\n");
    assert_eq!(e.line, 3, "{e}");
    // Without the include a program may define stdgates names (and then means its definition).
    let c = ok("OPENQASM 3;\ngate h a { x a; }\nqubit q;\nh q;\n");
    assert_eq!(names(&c), ["x q[0]"]);
}

#[test]
fn zero_qubit_gates_and_integer_powers() {
    // Qiskit writes the global phase as a gate on no qubits.
    let c = ok("OPENQASM 3.0;\ngate global_phase(p0) {\n}\nqubit q;\nglobal_phase(0.3) ;\nx q;\n");
    assert_eq!(names(&c), ["x q[0]"]);
    let c = ok(
        "OPENQASM 3;\nqubit[2] q;\npow(2) @ s q[0];\ninv @ pow(3) @ t q[1];\npow(0) @ x q[0];\n",
    );
    assert_eq!(
        names(&c),
        ["s q[0]", "s q[0]", "tdg q[1]", "tdg q[1]", "tdg q[1]"]
    );
    let c = ok("OPENQASM 3;\nqubit[2] q;\nctrl @ pow(-2) @ s q[0], q[1];\n");
    assert_eq!(names(&c), ["ctrl@sdg q[0], q[1]", "ctrl@sdg q[0], q[1]"]);
    let e = err("OPENQASM 3;\ninput float a;\nqubit q;\npow(a) @ x q;\n");
    assert!(e.message.contains("constant integer"), "{e}");
    let e = err("OPENQASM 3;\nqubit q;\npow(1048576) @ pow(4) @ x q;\n");
    assert!(e.message.contains("exceed"), "{e}");
    let e = err(
        "OPENQASM 3;\nqubit q;\npow(1000000) @ x q;\npow(1000000) @ x q;\npow(1000000) @ x q;\npow(1000000) @ x q;\npow(1000000) @ x q;\n",
    );
    assert!(e.message.contains("expands to more than"), "{e}");
}

#[test]
fn openqasm2_programs_read_through_the_same_ir() {
    let c = ok(
        "// written by another tool\nOPENQASM 2.0;\ninclude \"qelib1.inc\";\n\
                gate my(theta) a, b { cx a, b; u1(theta) b; barrier a, b; }\n\
                qreg q[3];\nqreg r[1];\ncreg c[3];\ncreg d[1];\n\
                u3(0.1, 0.2, 0.3) q[0];\nu2(0, pi) q[1];\nU(1, 2, 3) r[0];\nCX q[0], r[0];\n\
                cu1(0.5) q[0], q[1];\ncu3(0.1, 0.2, 0.3) q[1], q[2];\nrzz(0.7) q[0], q[2];\n\
                c3x q[0], q[1], q[2], r[0];\nmy(pi/2) q[1], q[2];\nid q[0];\n\
                barrier q;\nmeasure q -> c;\nmeasure r[0] -> d[0];\nreset q[0];\n",
    );
    assert_eq!((c.num_qubits(), c.num_clbits()), (4, 4));
    let gates = names(&c);
    assert_eq!(gates[..3], ["rz(0.3) q[0]", "ry(0.1) q[0]", "rz(0.2) q[0]"]);
    assert!(
        gates.contains(&"cp(0.5) q[0], q[1]".to_string()),
        "{gates:?}"
    );
    assert!(gates.contains(&"rz(0.7) q[2]".to_string()), "{gates:?}");
    assert!(
        gates.contains(&"ctrl(3)@x q[0], q[1], q[2], q[3]".to_string()),
        "{gates:?}"
    );
    assert!(gates.contains(&"p(pi/2) q[2]".to_string()), "{gates:?}");
    let measures = c
        .instructions()
        .iter()
        .filter(|i| matches!(i, Instruction::Measure { .. }))
        .count();
    assert_eq!(measures, 4);
    // U and CX need no include; the other gates do.
    assert_eq!(
        ok("OPENQASM 2.0;\nqreg q[2];\nU(0, 0, 1) q[0];\nCX q[0], q[1];\n")
            .gates()
            .count(),
        4
    );
}

#[test]
fn openqasm2_errors_are_located() {
    let cases = [
        (
            "OPENQASM 2.0;\nqreg q[1];\nh q[0];\n",
            (3, 1),
            "\"qelib1.inc\", which the program does not include",
        ),
        (
            "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\ncreg c[1];\nif (c == 1) x q[0];\n",
            (5, 1),
            "classical control flow",
        ),
        (
            "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nopaque g a;\n",
            (3, 1),
            "opaque",
        ),
        ("OPENQASM 2.0;\nqubit[2] q;\n", (2, 1), "write `qreg q[n];`"),
        (
            "OPENQASM 2.0;\nqreg q[1];\nbit c;\n",
            (3, 1),
            "write `creg c[n];`",
        ),
        (
            "OPENQASM 2.0;\nqreg q[1];\ncreg c[1];\nc[0] = measure q[0];\n",
            (4, 1),
            "measure q -> c;",
        ),
        ("OPENQASM 2.0;\ninput float a;\n", (2, 1), "OpenQASM 3"),
        (
            "OPENQASM 2.0;\nqreg q[2];\nctrl @ U(0, 0, 0) q[0], q[1];\n",
            (3, 1),
            "no gate modifiers",
        ),
        (
            "OPENQASM 2.0;\ninclude \"stdgates.inc\";\n",
            (2, 1),
            "only \"qelib1.inc\"",
        ),
        (
            "include \"qelib1.inc\";\n",
            (1, 1),
            "start the program with `OPENQASM 2.0;`",
        ),
        (
            "OPENQASM 2.0;\ninclude \"qelib1.inc\";\ngate h a { x a; }\n",
            (3, 6),
            "cannot be redefined",
        ),
        (
            "OPENQASM 2.0;\ngate CX a, b { U(0, 0, 0) a; }\n",
            (2, 6),
            "cannot be redefined",
        ),
        (
            "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[1];\ngphase(1);\n",
            (4, 1),
            "unknown gate `gphase`",
        ),
        (
            "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncreg c[1];\nmeasure q -> c;\n",
            (5, 1),
            "sizes must match",
        ),
        (
            "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\ncu3(1, 2) q[0], q[1];\n",
            (4, 1),
            "takes 3 angle",
        ),
        (
            "OPENQASM 2.0;\ninclude \"qelib1.inc\";\nqreg q[2];\nrx(2^3) q[0];\n",
            (4, 5),
            "expected",
        ),
        ("OPENQASM 2.0;\nqreg q[29];\n", (2, 1), "limit is 28"),
    ];
    for (text, (line, column), message) in cases {
        let e = err(text);
        assert_eq!((e.line, e.column), (line, column), "{text}: {e}");
        assert!(e.message.contains(message), "{text}: {e}");
        assert!(
            e.to_string()
                .starts_with(&format!("t.qasm:{line}:{column}")),
            "{e}"
        );
    }
    // A program may define the gates Qiskit added to qelib1.inc after the original paper.
    let c = ok(
        "OPENQASM 2.0;\ninclude \"qelib1.inc\";\ngate rzz(t) a, b { cx a, b; }\nqreg q[2];\nrzz(1) q[0], q[1];\n",
    );
    assert_eq!(names(&c), ["cx q[0], q[1]"]);
}
