//! Back ends: IR → program text for OpenQASM 3 and CUDA-Q (Python and C++), and the dialects
//! hosted providers read: Braket's OpenQASM 3 ([`emit_braket`]) and IonQ's JSON circuits
//! ([`emit_ionq_circuit`]).
//!
//! Each back end takes a checked [`Circuit`] (the IR validates every gate
//! when it is added) and writes it with one input per circuit input, in declaration order, under
//! the same names, so a binding file works with every format.

mod braket;
mod cudaq_cpp;
mod cudaq_python;
mod ionq;
mod qasm3;

pub use braket::emit_braket;
pub use cudaq_cpp::emit_cudaq_cpp;
pub use cudaq_python::emit_cudaq_python;
pub use ionq::{emit_ionq_circuit, parse_ionq_circuit};
pub use qasm3::emit_qasm3;

use crate::ir::Circuit;
use std::fmt;
use std::str::FromStr;

/// A gate or instruction that a provider's dialect cannot express.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("`{gate}` has no form in {dialect}; decompose the circuit into the provider's basis first")]
pub struct DialectError {
    /// The dialect.
    pub dialect: &'static str,
    /// The operation, as IR text.
    pub gate: String,
}

/// An output language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// OpenQASM 3 with `stdgates.inc`.
    Qasm3,
    /// A CUDA-Q Python module with one `@cudaq.kernel`.
    CudaqPython,
    /// A CUDA-Q C++ source file with one `__qpu__` kernel.
    CudaqCpp,
}

impl Format {
    /// Every format, in the order the CLI lists them.
    pub const ALL: [Format; 3] = [Format::Qasm3, Format::CudaqPython, Format::CudaqCpp];

    /// The format's CLI name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Qasm3 => "qasm3",
            Format::CudaqPython => "cudaq-python",
            Format::CudaqCpp => "cudaq-cpp",
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Qasm3 => "qasm",
            Format::CudaqPython => "py",
            Format::CudaqCpp => "cpp",
        }
    }

    /// The format a file name's extension implies, if any.
    pub fn from_extension(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()? {
            "qasm" | "qasm3" => Some(Format::Qasm3),
            "py" => Some(Format::CudaqPython),
            "cpp" | "cc" | "cxx" => Some(Format::CudaqCpp),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
                format!("unknown format `{s}`; expected one of {}", names.join(", "))
            })
    }
}

/// What a back end needs besides the circuit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmitOptions {
    /// Kernel (function) name for the CUDA-Q formats.
    pub kernel_name: String,
    /// Comment lines written at the top of the file.
    pub header: Vec<String>,
}

impl Default for EmitOptions {
    fn default() -> Self {
        EmitOptions {
            kernel_name: "attention_score".to_string(),
            header: Vec::new(),
        }
    }
}

/// Emits `circuit` in `format`.
pub fn emit(circuit: &Circuit, format: Format, options: &EmitOptions) -> String {
    match format {
        Format::Qasm3 => emit_qasm3(circuit, options),
        Format::CudaqPython => emit_cudaq_python(circuit, options),
        Format::CudaqCpp => emit_cudaq_cpp(circuit, options),
    }
}

/// Writes `header` as comment lines with `prefix` (`//` or `#`).
fn write_header(out: &mut String, prefix: &str, header: &[String]) {
    for line in header {
        out.push_str(prefix);
        if !line.is_empty() {
            out.push(' ');
            out.push_str(line);
        }
        out.push('\n');
    }
}
