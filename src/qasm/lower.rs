//! Parse tree → IR: declarations, the gate table, inlining of user gate definitions and the
//! `ctrl @` / `negctrl @` / `inv @` / `pow(k) @` modifiers, for OpenQASM 3 and for OpenQASM 2.0
//! (selected by the version line; its statements are a subset of OpenQASM 3's and only the
//! gate library differs, see [`qelib1`](super::qelib1)).
//!
//! A call expands to a list of [`Op`]s: IR gates plus global phases, which must be kept while a
//! call may still be controlled (a phase under `ctrl @` is a `p` gate on the control) and are
//! dropped at top level, where they are unobservable. Expansion is bounded: definitions nest at
//! most [`ParseOptions::max_inline_depth`](super::ParseOptions) deep (a gate can only call
//! gates defined before it, so there is no recursion) and a program expands to at most
//! `max_operations` operations, so exponential definitions stop with an error early.

use super::ParseOptions;
use super::expr::{Expr, ExprError, constant};
use super::grammar::Rule;
use super::qelib1::{self, Qelib1};
use super::standard::{self, Standard};
use crate::diagnostic::SourceError;
use crate::ir::{Angle, Circuit, CircuitError, Control, Gate, GateOp};
use pest::iterators::Pair;
use std::collections::HashMap;
use std::ops::Range;
use std::rc::Rc;

/// One operation of an expanded call.
#[derive(Clone, Debug)]
pub(super) enum Op {
    /// An IR gate.
    Gate(GateOp),
    /// A global phase e^{iθ}.
    Phase(Angle),
}

impl Op {
    fn inverse(&self) -> Op {
        match self {
            Op::Gate(op) => Op::Gate(op.inverse()),
            Op::Phase(angle) => Op::Phase(angle.neg()),
        }
    }
}

/// Adds `controls` (outermost first) to every operation; a controlled global phase becomes a
/// phase gate on the innermost control, conjugated by X when that control is negative.
pub(super) fn attach_controls(ops: Vec<Op>, controls: &[Control]) -> Vec<Op> {
    let Some((last, outer)) = controls.split_last() else {
        return ops;
    };
    let control_all = |mut op: GateOp, controls: &[Control]| {
        for &control in controls.iter().rev() {
            op = op.controlled_by(control);
        }
        op
    };
    let mut out = Vec::with_capacity(ops.len());
    for op in ops {
        match op {
            Op::Gate(gate) => out.push(Op::Gate(control_all(gate, controls))),
            Op::Phase(angle) => {
                let phase = control_all(GateOp::rotation(Gate::P, angle, last.qubit), outer);
                if last.on_one {
                    out.push(Op::Gate(phase));
                } else {
                    let flip = GateOp::fixed(Gate::X, &[last.qubit]);
                    out.push(Op::Gate(flip.clone()));
                    out.push(Op::Gate(phase));
                    out.push(Op::Gate(flip));
                }
            }
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ModifierKind {
    Ctrl {
        count: usize,
        on_one: bool,
    },
    Inv,
    /// `pow(k) @` with a constant integer `k`.
    Pow(i64),
}

/// The language a program is written in: its version line selects the gate library.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dialect {
    /// OpenQASM 3 (also without a version line): `stdgates.inc`, `U`, `gphase`, Braket's names.
    Qasm3,
    /// OpenQASM 2.0: `U`, `CX` and `qelib1.inc`; no modifiers, no OpenQASM 3 declarations.
    Qasm2,
}

/// The largest `|k|` of `pow(k) @`.
const MAX_POWER: i64 = 1 << 20;

/// A gate call as written: modifiers, name, angle arguments, operands.
#[derive(Clone, Debug)]
struct Call {
    modifiers: Vec<ModifierKind>,
    name: String,
    name_span: Range<usize>,
    args: Vec<Expr>,
    operands: Vec<Operand>,
    span: Range<usize>,
}

impl Call {
    fn controls(&self) -> usize {
        self.modifiers
            .iter()
            .map(|m| match m {
                ModifierKind::Ctrl { count, .. } => *count,
                ModifierKind::Inv | ModifierKind::Pow(_) => 0,
            })
            .sum()
    }
}

/// `name` or `name[index]`.
#[derive(Clone, Debug)]
struct Operand {
    name: String,
    index: Option<usize>,
    span: Range<usize>,
}

/// A user gate definition.
#[derive(Clone, Debug)]
struct GateDef {
    params: Vec<String>,
    qubits: Vec<String>,
    body: Vec<Call>,
}

/// What a gate name refers to.
enum Callee {
    Standard(Standard),
    Qelib1(Qelib1),
    User(Rc<GateDef>),
}

impl Callee {
    fn arity(&self) -> (usize, usize) {
        match self {
            Callee::Standard(s) => s.arity(),
            Callee::Qelib1(g) => g.arity(),
            Callee::User(def) => (def.params.len(), def.qubits.len()),
        }
    }
}

/// A named quantum or classical register, flattened into one index space.
#[derive(Clone, Debug)]
struct Register {
    name: String,
    start: usize,
    size: usize,
}

/// An instruction waiting for the circuit, whose size is known only at the end.
enum Pending {
    Gate(GateOp),
    Measure {
        qubit: usize,
        clbit: usize,
    },
    Reset(usize),
    /// `None`: every qubit.
    Barrier(Option<Vec<usize>>),
}

/// The lowering state of one program.
pub(super) struct Lowerer<'a> {
    text: &'a str,
    origin: &'a str,
    options: &'a ParseOptions,
    dialect: Dialect,
    /// `stdgates.inc` (OpenQASM 3) or `qelib1.inc` (OpenQASM 2) was included.
    library_included: bool,
    qregs: Vec<Register>,
    cregs: Vec<Register>,
    num_qubits: usize,
    num_clbits: usize,
    inputs: Vec<String>,
    gates: HashMap<String, Rc<GateDef>>,
    pending: Vec<(Pending, Range<usize>)>,
    operations: usize,
}

/// The most classical bits a program may declare.
const MAX_CLBITS: usize = 1 << 20;

fn span_of(pair: &Pair<'_, Rule>) -> Range<usize> {
    pair.as_span().start()..pair.as_span().end()
}

impl<'a> Lowerer<'a> {
    pub(super) fn new(text: &'a str, origin: &'a str, options: &'a ParseOptions) -> Self {
        Lowerer {
            text,
            origin,
            options,
            dialect: Dialect::Qasm3,
            library_included: false,
            qregs: Vec::new(),
            cregs: Vec::new(),
            num_qubits: 0,
            num_clbits: 0,
            inputs: Vec::new(),
            gates: HashMap::new(),
            pending: Vec::new(),
            operations: 0,
        }
    }

    fn error(&self, span: Range<usize>, message: impl Into<String>) -> SourceError {
        SourceError::new(self.origin, self.text, span, message.into())
    }

    fn expr_error(&self, (span, message): ExprError) -> SourceError {
        self.error(span, message)
    }

    /// Lowers the `program` pair.
    pub(super) fn lower(mut self, program: Pair<'_, Rule>) -> Result<Circuit, SourceError> {
        for statement in program.into_inner() {
            self.statement(statement)?;
        }
        self.finish()
    }

    fn statement(&mut self, pair: Pair<'_, Rule>) -> Result<(), SourceError> {
        let span = span_of(&pair);
        match pair.as_rule() {
            Rule::version => {
                let number = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
                if number == "2.0" || number == "2" {
                    self.dialect = Dialect::Qasm2;
                } else if number != "3" && !number.starts_with("3.") {
                    return Err(self.error(
                        span,
                        format!(
                            "OpenQASM {number} is not supported; expected `OPENQASM 3;` or \
                             `OPENQASM 2.0;`"
                        ),
                    ));
                }
            }
            Rule::unsupported => {
                let keyword = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
                let what = match keyword {
                    "if" | "else" | "while" | "for" | "switch" | "break" | "continue" | "end"
                    | "return" => "classical control flow",
                    "def" | "extern" => "subroutines",
                    "defcal" | "defcalgrammar" | "cal" => "pulse-level calibrations",
                    "delay" | "box" | "duration" | "stretch" => "timing",
                    "opaque" => "opaque gates",
                    "#pragma" | "pragma" => "pragmas",
                    _ => "classical variables",
                };
                let start = span.start;
                let subset = match self.dialect {
                    Dialect::Qasm3 => {
                        "the OpenQASM 3 subset that qattnc reads (gates, modifiers, gate \
                         definitions, inputs, measure, reset, barrier)"
                    }
                    Dialect::Qasm2 => {
                        "what qattnc reads of OpenQASM 2.0 (qreg, creg, gates, gate definitions, \
                         measure, reset, barrier)"
                    }
                };
                return Err(self.error(
                    start..start + keyword.len(),
                    format!("`{keyword}`: {what} are outside {subset}"),
                ));
            }
            Rule::include => {
                let path = pair.into_inner().next().map(|p| p.as_str()).unwrap_or("");
                let path = path.trim_matches('"');
                let (library, reserved): (&str, fn(&str) -> bool) = match self.dialect {
                    Dialect::Qasm3 => ("stdgates.inc", standard::is_stdgates),
                    Dialect::Qasm2 => ("qelib1.inc", |n| qelib1::is_reserved(n, true)),
                };
                if path != library {
                    let hint = match (self.dialect, path) {
                        (Dialect::Qasm3, "qelib1.inc") => {
                            " (\"qelib1.inc\" is OpenQASM 2.0's: start the program with \
                             `OPENQASM 2.0;`)"
                        }
                        _ => "",
                    };
                    return Err(self.error(
                        span,
                        format!("cannot include `{path}`: only \"{library}\" is available{hint}"),
                    ));
                }
                let mut defined: Vec<&String> = self.gates.keys().filter(|n| reserved(n)).collect();
                defined.sort();
                if let Some(name) = defined.first() {
                    return Err(self.error(
                        span,
                        format!("\"{library}\" redefines the earlier gate `{name}`"),
                    ));
                }
                self.library_included = true;
            }
            Rule::qubit_decl | Rule::bit_decl | Rule::input_decl | Rule::measure_assign
                if self.dialect == Dialect::Qasm2 =>
            {
                let instead = match pair.as_rule() {
                    Rule::qubit_decl => "`qreg q[n];`",
                    Rule::bit_decl => "`creg c[n];`",
                    Rule::measure_assign => "`measure q -> c;`",
                    _ => "a constant",
                };
                return Err(self.error(
                    span,
                    format!("this is OpenQASM 3, not OpenQASM 2.0; write {instead}"),
                ));
            }
            Rule::qubit_decl | Rule::qreg_decl => self.declare_register(pair, true)?,
            Rule::bit_decl | Rule::creg_decl => self.declare_register(pair, false)?,
            Rule::input_decl => self.declare_input(pair)?,
            Rule::gate_def => self.define_gate(pair)?,
            Rule::measure_arrow => {
                let mut parts = pair.into_inner().skip(1);
                let source = parts.next().map(|p| self.operand(p)).transpose()?;
                let target = parts.next().map(|p| self.operand(p)).transpose()?;
                self.measure(source, target, span)?;
            }
            Rule::measure_assign => {
                let mut parts = pair.into_inner();
                let target = parts.next().map(|p| self.operand(p)).transpose()?;
                let source = parts.nth(1).map(|p| self.operand(p)).transpose()?;
                self.measure(source, target, span)?;
            }
            Rule::barrier => {
                let qubits = match pair.into_inner().next() {
                    None => None,
                    Some(operands) => {
                        let mut all = Vec::new();
                        for operand in operands.into_inner() {
                            let operand = self.operand(operand)?;
                            all.extend(self.resolve(&self.qregs, &operand, "qubit")?);
                        }
                        Some(all)
                    }
                };
                self.pending.push((Pending::Barrier(qubits), span));
            }
            Rule::reset => {
                if let Some(operands) = pair.into_inner().next() {
                    for operand in operands.into_inner() {
                        let operand = self.operand(operand)?;
                        for qubit in self.resolve(&self.qregs, &operand, "qubit")? {
                            self.pending.push((Pending::Reset(qubit), span.clone()));
                        }
                    }
                }
            }
            Rule::gate_call => {
                let call = self.call(pair)?;
                self.top_level_call(&call)?;
            }
            Rule::EOI => {}
            other => return Err(self.error(span, format!("unexpected {other:?}"))),
        }
        Ok(())
    }

    fn integer(&self, pair: &Pair<'_, Rule>) -> Result<usize, SourceError> {
        pair.as_str()
            .parse::<usize>()
            .map_err(|_| self.error(span_of(pair), format!("`{}` is too large", pair.as_str())))
    }

    fn check_new_name(&self, name: &str, span: &Range<usize>) -> Result<(), SourceError> {
        let taken = self.qregs.iter().any(|r| r.name == name)
            || self.cregs.iter().any(|r| r.name == name)
            || self.inputs.iter().any(|i| i == name)
            || constant(name).is_some();
        if taken {
            Err(self.error(span.clone(), format!("`{name}` is already declared")))
        } else {
            Ok(())
        }
    }

    fn declare_register(&mut self, pair: Pair<'_, Rule>, quantum: bool) -> Result<(), SourceError> {
        let span = span_of(&pair);
        let mut size = 1;
        let mut name = None;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::designator => {
                    let Some(integer) = part.into_inner().next() else {
                        continue;
                    };
                    size = self.integer(&integer)?;
                    if size == 0 {
                        return Err(
                            self.error(span_of(&integer), "a register needs at least one element")
                        );
                    }
                }
                Rule::ident => name = Some((part.as_str().to_string(), span_of(&part))),
                _ => {}
            }
        }
        let Some((name, name_span)) = name else {
            return Err(self.error(span, "expected a register name"));
        };
        self.check_new_name(&name, &name_span)?;
        let (total, limit, what) = if quantum {
            (self.num_qubits, self.options.max_qubits, "qubits")
        } else {
            (self.num_clbits, MAX_CLBITS, "bits")
        };
        if size > limit || total + size > limit {
            return Err(self.error(
                span,
                format!(
                    "the program would have {} {what}; the limit is {limit}{}",
                    total.saturating_add(size),
                    if quantum { " (see --max-qubits)" } else { "" }
                ),
            ));
        }
        let register = Register {
            name,
            start: total,
            size,
        };
        if quantum {
            self.qregs.push(register);
            self.num_qubits += size;
        } else {
            self.cregs.push(register);
            self.num_clbits += size;
        }
        Ok(())
    }

    fn declare_input(&mut self, pair: Pair<'_, Rule>) -> Result<(), SourceError> {
        let Some(ident) = pair.into_inner().find(|p| p.as_rule() == Rule::ident) else {
            return Ok(());
        };
        let span = span_of(&ident);
        let name = ident.as_str().to_string();
        self.check_new_name(&name, &span)?;
        self.inputs.push(name);
        Ok(())
    }

    fn operand(&self, pair: Pair<'_, Rule>) -> Result<Operand, SourceError> {
        let span = span_of(&pair);
        let mut parts = pair.into_inner();
        let name = parts
            .next()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default();
        let index = match parts.next() {
            Some(integer) => Some(self.integer(&integer)?),
            None => None,
        };
        Ok(Operand { name, index, span })
    }

    /// The indices an operand names in `registers`: one element, or the whole register.
    fn resolve(
        &self,
        registers: &[Register],
        operand: &Operand,
        what: &str,
    ) -> Result<Vec<usize>, SourceError> {
        let register = registers
            .iter()
            .find(|r| r.name == operand.name)
            .ok_or_else(|| {
                self.error(
                    operand.span.clone(),
                    format!("`{}` is not a declared {what} register", operand.name),
                )
            })?;
        match operand.index {
            None => Ok((register.start..register.start + register.size).collect()),
            Some(index) if index < register.size => Ok(vec![register.start + index]),
            Some(index) => Err(self.error(
                operand.span.clone(),
                format!(
                    "index {index} is out of range for `{}` of size {}",
                    register.name, register.size
                ),
            )),
        }
    }

    fn measure(
        &mut self,
        source: Option<Operand>,
        target: Option<Operand>,
        span: Range<usize>,
    ) -> Result<(), SourceError> {
        let (Some(source), Some(target)) = (source, target) else {
            return Err(self.error(
                span,
                "a measurement must write a bit: `c[0] = measure q[0];` or `measure q -> c;`",
            ));
        };
        let qubits = self.resolve(&self.qregs, &source, "qubit")?;
        let clbits = self.resolve(&self.cregs, &target, "bit")?;
        if qubits.len() != clbits.len() {
            return Err(self.error(
                span,
                format!(
                    "measuring {} qubit(s) into {} bit(s); the sizes must match",
                    qubits.len(),
                    clbits.len()
                ),
            ));
        }
        for (qubit, clbit) in qubits.into_iter().zip(clbits) {
            self.pending
                .push((Pending::Measure { qubit, clbit }, span.clone()));
        }
        Ok(())
    }

    fn call(&self, pair: Pair<'_, Rule>) -> Result<Call, SourceError> {
        let span = span_of(&pair);
        let mut call = Call {
            modifiers: Vec::new(),
            name: String::new(),
            name_span: span.clone(),
            args: Vec::new(),
            operands: Vec::new(),
            span,
        };
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::modifier => call.modifiers.push(self.modifier(part)?),
                Rule::ident => {
                    call.name_span = span_of(&part);
                    call.name = part.as_str().to_string();
                }
                Rule::call_args => {
                    for expr in part.into_inner() {
                        call.args
                            .push(Expr::from_pair(expr).map_err(|e| self.expr_error(e))?);
                    }
                }
                Rule::operands => {
                    for operand in part.into_inner() {
                        call.operands.push(self.operand(operand)?);
                    }
                }
                _ => {}
            }
        }
        Ok(call)
    }

    fn modifier(&self, pair: Pair<'_, Rule>) -> Result<ModifierKind, SourceError> {
        let span = span_of(&pair);
        if self.dialect == Dialect::Qasm2 {
            return Err(self.error(span, "OpenQASM 2.0 has no gate modifiers (`@`)"));
        }
        let Some(inner) = pair.into_inner().next() else {
            return Err(self.error(span, "expected a modifier"));
        };
        let rule = inner.as_rule();
        if rule == Rule::pow_mod {
            return self.power(inner);
        }
        let count = match inner.into_inner().find(|p| p.as_rule() == Rule::integer) {
            Some(integer) => self.integer(&integer)?,
            None => 1,
        };
        match rule {
            Rule::ctrl_mod | Rule::negctrl_mod => {
                if count == 0 || count > self.options.max_qubits {
                    return Err(self.error(
                        span,
                        format!(
                            "a control count must be between 1 and {}",
                            self.options.max_qubits
                        ),
                    ));
                }
                Ok(ModifierKind::Ctrl {
                    count,
                    on_one: rule == Rule::ctrl_mod,
                })
            }
            Rule::inv_mod => Ok(ModifierKind::Inv),
            _ => Err(self.error(span, "expected a modifier")),
        }
    }

    /// `pow(k) @`: `k` must be a constant integer (a non-integer power of a gate has no
    /// expansion into the IR's gates).
    fn power(&self, pair: Pair<'_, Rule>) -> Result<ModifierKind, SourceError> {
        let span = span_of(&pair);
        let Some(expr) = pair.into_inner().find(|p| p.as_rule() == Rule::expr) else {
            return Err(self.error(span, "expected `pow(k) @`"));
        };
        let expr = Expr::from_pair(expr).map_err(|e| self.expr_error(e))?;
        let value = expr
            .eval(&|_: &str| None)
            .map_err(|(at, message)| {
                self.error(at, format!("{message} (`pow` takes a constant integer)"))
            })?
            .constant_part();
        if value.fract() != 0.0 || value.abs() > MAX_POWER as f64 {
            return Err(self.error(
                expr.span.clone(),
                format!(
                    "`pow({value}) @`: only integer powers up to {MAX_POWER} in magnitude are \
                     supported"
                ),
            ));
        }
        Ok(ModifierKind::Pow(value as i64))
    }

    fn callee(&self, call: &Call) -> Result<Callee, SourceError> {
        if let Some(def) = self.gates.get(&call.name) {
            return Ok(Callee::User(Rc::clone(def)));
        }
        let found = match self.dialect {
            Dialect::Qasm3 => standard::lookup(&call.name).map(Callee::Standard),
            Dialect::Qasm2 => qelib1::lookup(&call.name, self.library_included).map(Callee::Qelib1),
        };
        found.ok_or_else(|| {
            let hint = if self.dialect == Dialect::Qasm2
                && !self.library_included
                && qelib1::lookup(&call.name, true).is_some()
            {
                "; it is in \"qelib1.inc\", which the program does not include"
            } else {
                " (gates must be defined before they are used)"
            };
            self.error(
                call.name_span.clone(),
                format!("unknown gate `{}`{hint}", call.name),
            )
        })
    }

    /// Checks the argument and operand counts of `call` against its callee.
    fn check_arity(&self, call: &Call, callee: &Callee) -> Result<(), SourceError> {
        let (params, qubits) = callee.arity();
        let controls = call.controls();
        if call.args.len() != params {
            return Err(self.error(
                call.span.clone(),
                format!(
                    "gate `{}` takes {params} angle argument(s), got {}",
                    call.name,
                    call.args.len()
                ),
            ));
        }
        if call.operands.len() != qubits + controls {
            let with_controls = if controls > 0 {
                format!(" plus {controls} control(s)")
            } else {
                String::new()
            };
            return Err(self.error(
                call.span.clone(),
                format!(
                    "gate `{}` takes {qubits} qubit(s){with_controls}, got {}",
                    call.name,
                    call.operands.len()
                ),
            ));
        }
        Ok(())
    }

    fn define_gate(&mut self, pair: Pair<'_, Rule>) -> Result<(), SourceError> {
        let mut parts = pair.into_inner().skip(1);
        let Some(name_pair) = parts.next() else {
            return Ok(());
        };
        let name = name_pair.as_str().to_string();
        let name_span = span_of(&name_pair);
        let reserved = match self.dialect {
            Dialect::Qasm3 => {
                standard::is_builtin(&name)
                    || (self.library_included && standard::is_stdgates(&name))
            }
            Dialect::Qasm2 => qelib1::is_reserved(&name, self.library_included),
        };
        if reserved {
            return Err(self.error(
                name_span,
                format!("`{name}` is a standard gate and cannot be redefined"),
            ));
        }
        if self.gates.contains_key(&name) {
            return Err(self.error(name_span, format!("gate `{name}` is already defined")));
        }
        let mut params = Vec::new();
        let mut qubits = Vec::new();
        let mut body = Vec::new();
        for part in parts {
            match part.as_rule() {
                Rule::gate_params | Rule::gate_qubits => {
                    let list = if part.as_rule() == Rule::gate_params {
                        &mut params
                    } else {
                        &mut qubits
                    };
                    for ident in part.into_inner() {
                        let id = ident.as_str().to_string();
                        if list.contains(&id) || constant(&id).is_some() {
                            return Err(self.error(
                                span_of(&ident),
                                format!("`{id}` is declared twice or names a constant"),
                            ));
                        }
                        list.push(id);
                    }
                }
                Rule::gate_body => {
                    for statement in part.into_inner() {
                        if statement.as_rule() == Rule::gate_call {
                            body.push(self.call(statement)?);
                        }
                    }
                }
                _ => {}
            }
        }
        if let Some(q) = qubits.iter().find(|q| params.contains(q)) {
            return Err(self.error(
                name_span,
                format!("`{q}` is both a parameter and a qubit of `{name}`"),
            ));
        }
        for call in &body {
            let callee = self.callee(call)?;
            self.check_arity(call, &callee)?;
            for expr in &call.args {
                expr.check_names(&|n| params.iter().any(|p| p == n))
                    .map_err(|e| self.expr_error(e))?;
            }
            for operand in &call.operands {
                if operand.index.is_some() || !qubits.contains(&operand.name) {
                    return Err(self.error(
                        operand.span.clone(),
                        format!(
                            "inside gate `{name}`, operands must be its qubit names ({})",
                            qubits.join(", ")
                        ),
                    ));
                }
            }
        }
        self.gates.insert(
            name,
            Rc::new(GateDef {
                params,
                qubits,
                body,
            }),
        );
        Ok(())
    }

    /// Expands a call written at top level, broadcasting whole-register operands.
    fn top_level_call(&mut self, call: &Call) -> Result<(), SourceError> {
        let callee = self.callee(call)?;
        self.check_arity(call, &callee)?;
        let inputs = &self.inputs;
        let lookup = |name: &str| inputs.iter().any(|i| i == name).then(|| Angle::input(name));
        let mut args = Vec::with_capacity(call.args.len());
        for expr in &call.args {
            args.push(expr.eval(&lookup).map_err(|e| self.expr_error(e))?);
        }
        let mut resolved = Vec::with_capacity(call.operands.len());
        for operand in &call.operands {
            resolved.push(self.resolve(&self.qregs, operand, "qubit")?);
        }
        let width = resolved.iter().map(Vec::len).max().unwrap_or(1).max(1);
        if let Some(bad) = resolved
            .iter()
            .position(|r| r.len() != 1 && r.len() != width)
        {
            return Err(self.error(
                call.operands[bad].span.clone(),
                format!(
                    "registers of different sizes ({} and {width}) cannot be broadcast together",
                    resolved[bad].len()
                ),
            ));
        }
        for k in 0..width {
            let qubits: Vec<usize> = resolved
                .iter()
                .map(|r| if r.len() == 1 { r[0] } else { r[k] })
                .collect();
            let ops = self.expand(call, &args, &qubits, 0, &call.span)?;
            for op in ops {
                if let Op::Gate(gate) = op {
                    self.pending.push((Pending::Gate(gate), call.span.clone()));
                }
            }
        }
        Ok(())
    }

    /// The operations of `call` with evaluated `args` on `qubits`; `site` is the top-level call
    /// that limits are reported at.
    fn expand(
        &mut self,
        call: &Call,
        args: &[Angle],
        qubits: &[usize],
        depth: usize,
        site: &Range<usize>,
    ) -> Result<Vec<Op>, SourceError> {
        self.charge(1, site)?;
        if let Some(k) = (1..qubits.len()).find(|&k| qubits[..k].contains(&qubits[k])) {
            return Err(self.error(
                call.span.clone(),
                format!(
                    "gate `{}` uses a qubit more than once (operand {})",
                    call.name,
                    k + 1
                ),
            ));
        }
        let mut controls = Vec::new();
        // inv @ and pow(k) @ commute with each other and with ctrl @: together they raise the
        // gate to one integer power.
        let mut power: i64 = 1;
        for modifier in &call.modifiers {
            match *modifier {
                ModifierKind::Ctrl { count, on_one } => {
                    for _ in 0..count {
                        controls.push(Control {
                            qubit: qubits[controls.len()],
                            on_one,
                        });
                    }
                }
                ModifierKind::Inv => power = -power,
                ModifierKind::Pow(k) => {
                    power = power
                        .checked_mul(k)
                        .filter(|p| p.abs() <= MAX_POWER)
                        .ok_or_else(|| {
                            self.error(
                                call.span.clone(),
                                format!("the powers of this call exceed {MAX_POWER}"),
                            )
                        })?;
                }
            }
        }
        let targets = &qubits[controls.len()..];
        let mut ops = match self.callee(call)? {
            Callee::Standard(gate) => {
                let ops = gate.expand(args, targets);
                self.charge(ops.len(), site)?;
                ops
            }
            Callee::Qelib1(gate) => {
                let ops = gate.expand(args, targets);
                self.charge(ops.len(), site)?;
                ops
            }
            Callee::User(def) => {
                if depth >= self.options.max_inline_depth {
                    return Err(self.error(
                        site.clone(),
                        format!(
                            "gate definitions nest more than {} deep here",
                            self.options.max_inline_depth
                        ),
                    ));
                }
                let mut ops = Vec::new();
                for inner in &def.body {
                    let lookup = |name: &str| {
                        def.params
                            .iter()
                            .position(|p| p == name)
                            .map(|k| args[k].clone())
                    };
                    let mut inner_args = Vec::with_capacity(inner.args.len());
                    for expr in &inner.args {
                        inner_args.push(expr.eval(&lookup).map_err(|e| self.expr_error(e))?);
                    }
                    let inner_qubits: Vec<usize> = inner
                        .operands
                        .iter()
                        .filter_map(|o| def.qubits.iter().position(|q| *q == o.name))
                        .map(|k| targets[k])
                        .collect();
                    ops.extend(self.expand(inner, &inner_args, &inner_qubits, depth + 1, site)?);
                }
                ops
            }
        };
        if power < 0 {
            ops = ops.iter().rev().map(Op::inverse).collect();
        }
        let repeats = power.unsigned_abs() as usize;
        if repeats != 1 {
            self.charge(ops.len().saturating_mul(repeats), site)?;
            ops = ops
                .iter()
                .cloned()
                .cycle()
                .take(ops.len() * repeats)
                .collect();
        }
        Ok(attach_controls(ops, &controls))
    }

    /// Counts `work` expansion steps against the program's budget.
    fn charge(&mut self, work: usize, site: &Range<usize>) -> Result<(), SourceError> {
        self.operations += work;
        if self.operations > self.options.max_operations {
            return Err(self.error(
                site.clone(),
                format!(
                    "the program expands to more than {} operations (gate calls included)",
                    self.options.max_operations
                ),
            ));
        }
        Ok(())
    }

    fn finish(self) -> Result<Circuit, SourceError> {
        let mut circuit = Circuit::new(self.num_qubits, self.num_clbits);
        for input in &self.inputs {
            circuit.declare_input(input.clone());
        }
        for (pending, span) in self.pending {
            let result: Result<(), CircuitError> = match pending {
                Pending::Gate(op) => circuit.push_gate(op),
                Pending::Measure { qubit, clbit } => circuit.push_measure(qubit, clbit),
                Pending::Reset(qubit) => circuit.push_reset(qubit),
                Pending::Barrier(qubits) => {
                    circuit.push_barrier(qubits.unwrap_or_else(|| (0..self.num_qubits).collect()))
                }
            };
            result.map_err(|e| SourceError::new(self.origin, self.text, span, e.to_string()))?;
        }
        Ok(circuit)
    }
}
