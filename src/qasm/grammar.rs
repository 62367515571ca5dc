//! The parser that pest generates from `grammar/openqasm3.pest`.

/// The OpenQASM 3 parser; its `Rule` enum names the grammar's rules.
#[derive(pest_derive::Parser)]
#[grammar = "../grammar/openqasm3.pest"]
pub(super) struct QasmParser;
