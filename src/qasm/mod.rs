//! OpenQASM front end: program text → [`Circuit`], for OpenQASM 3 and OpenQASM 2.0.
//!
//! The grammar (`grammar/openqasm3.pest`) reads the subset that the project's emitters write
//! and that other tools (Qiskit's `qasm3.dumps` and `qasm2.dumps`, Braket) produce:
//! - `OPENQASM 3;` / `OPENQASM 3.0;`, `include "stdgates.inc";` (optional: the standard gates
//!   are always known, and a program without the include may define gates with their names);
//! - `qubit[n] q;`, `qubit q;`, legacy `qreg q[n];` / `creg c[n];`, `bit[n] c;`, `bit c;`;
//! - `input float[64] x;`, `input float x;`, `input angle x;` (every input is an `f64`);
//! - gate calls with affine angle expressions (`+ − * /`, unary minus, `pi`/`π`, `tau`/`τ`,
//!   `euler`, numbers, input names; `sin`, `cos`, … of constants), whole-register broadcasting;
//! - the standard gates of `stdgates.inc` (`cx`, `cry`, `ccx`, `cswap`, `u1`/`u2`/`u3`, `CX`,
//!   `phase`, `cphase`, `id`, …), the built-ins `U` and `gphase`, and Braket's `cnot`/`ccnot`;
//! - modifiers `ctrl @`, `ctrl(n) @`, `negctrl @`, `negctrl(n) @`, `inv @`, `pow(k) @` (`k` a
//!   constant integer);
//! - `gate` definitions with parameters (and zero or more qubits), inlined at each call;
//! - `c[0] = measure q[0];`, `c = measure q;`, `measure q -> c;`, `reset`, `barrier`, comments.
//!
//! Only the names of `stdgates.inc` and `U`/`gphase` are reserved (once `stdgates.inc` is
//! included); any other name (`sxdg`, `rzz`, `ecr`, `cu3`, …) may be defined by the program and
//! then means its definition, as Qiskit's output relies on. Names qattnc knows beyond
//! `stdgates.inc` (`sxdg`, `cnot`, `ccnot`) work where the program does not define them.
//!
//! `OPENQASM 2.0;` selects OpenQASM 2.0: `qreg`/`creg`, `measure a -> b`, `U`, `CX`,
//! `include "qelib1.inc"` (the gates of Qiskit's `qelib1.inc`, see `qelib1.rs`), `gate`
//! definitions, `barrier`, `reset`. The same grammar and lowering read it; OpenQASM 3-only
//! statements, `opaque` and `if` are refused with a located message.
//!
//! `U(θ, φ, λ)` is the OpenQASM 3 matrix, lowered exactly as e^{i(φ+λ)/2}·Rz(φ)Ry(θ)Rz(λ); the
//! global phase is kept as a phase gate on the control wherever the call is controlled. `u3` is
//! read as `U` and `u2(φ, λ)` as `U(π/2, φ, λ)` (Qiskit's reading).
//!
//! Classical control flow, subroutines, calibrations, classical variables and non-integer
//! `pow @` are refused with a located message. Every error is a [`SourceError`]
//! (`file:line:column`, the line, a caret). The input is bounded ([`ParseOptions`]): source size,
//! parenthesis depth (checked before parsing, so no input can exhaust the stack), qubits,
//! gate-definition depth and the number of operations a program expands to, so that no input
//! panics or hangs.

mod expr;
mod grammar;
mod lower;
mod qelib1;
mod standard;

use crate::diagnostic::SourceError;
use crate::ir::Circuit;
use grammar::{QasmParser, Rule};
use pest::Parser;
use pest::error::{ErrorVariant, InputLocation};
use std::sync::Once;

/// Limits on what a program may ask for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    /// Most qubits in all registers together (the simulator's memory is 16·2^n bytes).
    pub max_qubits: usize,
    /// Largest accepted source text, in bytes.
    pub max_source_bytes: usize,
    /// Deepest parenthesis nesting in expressions.
    pub max_nesting: usize,
    /// Deepest nesting of user gate definitions calling each other.
    pub max_inline_depth: usize,
    /// Most operations (and gate calls) a program may expand to.
    pub max_operations: usize,
}

/// The default qubit limit of the parser and the simulator.
pub const DEFAULT_MAX_QUBITS: usize = 28;

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            max_qubits: DEFAULT_MAX_QUBITS,
            max_source_bytes: 16 << 20,
            max_nesting: 64,
            max_inline_depth: 64,
            max_operations: 4_000_000,
        }
    }
}

/// Parses an OpenQASM 3 or OpenQASM 2.0 program (chosen by its version line; OpenQASM 3
/// without one); `origin` names it in error messages.
pub fn parse(text: &str, origin: &str, options: &ParseOptions) -> Result<Circuit, SourceError> {
    if text.len() > options.max_source_bytes {
        return Err(SourceError::new(
            origin,
            text,
            0..0,
            format!(
                "the program has {} bytes; the limit is {}",
                text.len(),
                options.max_source_bytes
            ),
        ));
    }
    check_nesting(text, origin, options.max_nesting)?;
    // Literal tokens (`;`, `{`, …) appear in "expected …" only with error detail on.
    static DETAIL: Once = Once::new();
    DETAIL.call_once(|| pest::set_error_detail(true));
    let mut pairs = QasmParser::parse(Rule::program, text)
        .map_err(|error| syntax_error(&error, text, origin))?;
    let program = pairs
        .next()
        .ok_or_else(|| SourceError::new(origin, text, 0..0, "expected a program".to_string()))?;
    lower::Lowerer::new(text, origin, options).lower(program)
}

/// Rejects parentheses nested deeper than `limit` (outside comments and strings).
fn check_nesting(text: &str, origin: &str, limit: usize) -> Result<(), SourceError> {
    let bytes = text.as_bytes();
    let (mut depth, mut k) = (0usize, 0usize);
    while k < bytes.len() {
        match bytes[k] {
            b'/' if bytes.get(k + 1) == Some(&b'/') => {
                k = text[k..].find('\n').map_or(bytes.len(), |i| k + i);
            }
            b'/' if bytes.get(k + 1) == Some(&b'*') => {
                k = text[k + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |i| k + 2 + i + 2);
            }
            b'"' => {
                k = text[k + 1..]
                    .find('"')
                    .map_or(bytes.len(), |i| k + 1 + i + 1);
            }
            b'(' => {
                depth += 1;
                if depth > limit {
                    return Err(SourceError::new(
                        origin,
                        text,
                        k..k + 1,
                        format!("parentheses nest more than {limit} deep"),
                    ));
                }
                k += 1;
            }
            b')' => {
                depth = depth.saturating_sub(1);
                k += 1;
            }
            _ => k += 1,
        }
    }
    Ok(())
}

/// What a grammar rule is called in "expected …" messages.
fn rule_name(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of input",
        Rule::version => "`OPENQASM 3;` or `OPENQASM 2.0;`",
        Rule::version_number => "a version number",
        Rule::unsupported
        | Rule::include
        | Rule::qubit_decl
        | Rule::qreg_decl
        | Rule::bit_decl
        | Rule::creg_decl
        | Rule::input_decl
        | Rule::gate_def
        | Rule::measure_arrow
        | Rule::measure_assign
        | Rule::barrier
        | Rule::reset
        | Rule::gate_call => "a statement",
        Rule::string | Rule::string_inner => "a quoted file name",
        Rule::designator => "`[size]`",
        Rule::input_type => "`float[64]`, `float` or `angle`",
        Rule::gate_params => "gate parameters",
        Rule::gate_qubits => "qubit names",
        Rule::gate_body => "a gate call",
        Rule::call_args => "angle arguments",
        Rule::modifier | Rule::ctrl_mod | Rule::negctrl_mod | Rule::inv_mod | Rule::pow_mod => {
            "a modifier"
        }
        Rule::operands | Rule::operand => "an operand",
        Rule::expr | Rule::term | Rule::factor | Rule::paren | Rule::function | Rule::sign => {
            "an expression"
        }
        Rule::add_op | Rule::mul_op => "an operator",
        Rule::number => "a number",
        Rule::integer => "an integer",
        Rule::ident => "an identifier",
        Rule::unsupported_kw => "a keyword",
        Rule::kw_qubit => "`qubit`",
        Rule::kw_qreg => "`qreg`",
        Rule::kw_bit => "`bit`",
        Rule::kw_creg => "`creg`",
        Rule::kw_input => "`input`",
        Rule::kw_float => "`float`",
        Rule::kw_angle => "`angle`",
        Rule::kw_gate => "`gate`",
        Rule::kw_measure => "`measure`",
        Rule::kw_barrier => "`barrier`",
        Rule::kw_reset => "`reset`",
        Rule::kw_ctrl => "`ctrl`",
        Rule::kw_negctrl => "`negctrl`",
        Rule::kw_inv => "`inv`",
        Rule::kw_pow => "`pow`",
        _ => "valid OpenQASM 3",
    }
}

/// Turns a pest error into `expected …, found …` at the furthest position the parser reached.
fn syntax_error(error: &pest::error::Error<Rule>, text: &str, origin: &str) -> SourceError {
    let mut position = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((start, _)) => start,
    };
    let mut expected: Vec<String> = Vec::new();
    let mut push = |item: String| {
        if !expected.contains(&item) {
            expected.push(item);
        }
    };
    match error.parse_attempts() {
        Some(attempts) if attempts.max_position >= position => {
            position = attempts.max_position;
            // Tokens print as their text; ranges as `a..b`.
            for token in attempts.expected_tokens() {
                let token = token.to_string();
                let layout = token.trim().is_empty()
                    || ["//", "/*", "\u{feff}", "BUILTIN_RULE"].contains(&token.as_str());
                if token == "0..9" {
                    push("a digit".into());
                } else if !layout {
                    push(format!("`{}`", token.escape_debug()));
                }
            }
            for stack in attempts.call_stacks() {
                let rule = stack.deepest.get_rule().copied().or(stack.parent);
                if let Some(rule) = rule.filter(|r| !matches!(r, Rule::WHITESPACE | Rule::COMMENT))
                {
                    push(rule_name(rule).to_string());
                }
            }
        }
        _ => {
            if let ErrorVariant::ParsingError { positives, .. } = &error.variant {
                for rule in positives {
                    push(rule_name(*rule).to_string());
                }
            }
        }
    }
    if let ErrorVariant::CustomError { message } = &error.variant {
        expected.push(message.clone());
    }
    let expected = match expected.as_slice() {
        [] => "valid OpenQASM 3".to_string(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    };
    let (found, width) = offending_text(text, position);
    SourceError::new(
        origin,
        text,
        position..position + width,
        format!("expected {expected}, found {found}"),
    )
}

/// A short quotation of the text at `position` and its width in bytes.
fn offending_text(text: &str, position: usize) -> (String, usize) {
    let rest = text.get(position..).unwrap_or("");
    let Some(first) = rest.chars().next() else {
        return ("end of input".to_string(), 0);
    };
    let word: String = if first.is_alphanumeric() || first == '_' {
        rest.chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
            .take(32)
            .collect()
    } else {
        first.to_string()
    };
    let shown: String = word.escape_debug().collect();
    (format!("`{shown}`"), word.len())
}

#[cfg(test)]
mod tests;
