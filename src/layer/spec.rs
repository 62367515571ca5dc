//! The attention-layer spec: a TOML file that names the registers, the ansatz and the score.
//!
//! ```toml
//! name = "paper_sequence"
//! description = "Sequence-only layer of Smaldone et al. (3 token + 3 position qubits)"
//!
//! [registers]
//! token = 3
//! position = 3
//! property = 0
//!
//! [ansatz]
//! layers = 1
//! rotation = "ry"
//! entangler = "ring"
//!
//! [score]
//! kind = "hadamard-real"
//! ```
//!
//! Unknown keys are errors; every error carries `file:line:column`.

use crate::diagnostic::SourceError;
use serde::Deserialize;
use std::ops::Range;
use toml::Spanned;

/// The most qubits a layer's score circuit may have (working register plus the ancilla).
pub const MAX_SCORE_QUBITS: usize = 28;

/// The most ansatz layers a spec may ask for.
pub const MAX_ANSATZ_LAYERS: usize = 64;

/// A validated attention-layer spec.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerSpec {
    /// Short identifier, used in file headers and kernel comments.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Register sizes.
    pub registers: Registers,
    /// The variational ansatz used by every unitary of the layer.
    pub ansatz: Ansatz,
    /// How the attention score is read out.
    pub score: ScoreKind,
}

/// Qubits per register of the working register (the ancilla is extra).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Registers {
    /// Token qubits.
    pub token: usize,
    /// Position qubits.
    pub position: usize,
    /// Property (condition) qubits; 0 for a sequence-only layer.
    pub property: usize,
}

impl Registers {
    /// Size of the working register.
    pub fn working(&self) -> usize {
        self.token + self.position + self.property
    }
}

/// The hardware-efficient ansatz: per layer a rotation on every qubit, then an entangler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ansatz {
    /// Number of repetitions.
    pub layers: usize,
    /// The rotation axis.
    pub rotation: Rotation,
    /// The CNOT pattern after each rotation layer.
    pub entangler: Entangler,
}

/// Rotation gate of the ansatz.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rotation {
    /// Ry rotations: every prepared state has real amplitudes.
    Ry,
}

/// CNOT pattern of the ansatz on an m-qubit register.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Entangler {
    /// q→q+1 for q < m−1, then m−1→0 (none for m = 1; the paper's choice).
    Ring,
    /// q→q+1 for q < m−1.
    Linear,
    /// No entangling gates.
    None,
}

/// The score read out by the circuit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub enum ScoreKind {
    /// Hadamard test: ⟨Z_anc⟩ = Re⟨ψ_q(i)|ψ_k(j)⟩.
    #[serde(rename = "hadamard-real")]
    HadamardReal,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    registers: RawRegisters,
    ansatz: RawAnsatz,
    score: RawScore,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegisters {
    token: Spanned<i64>,
    position: Spanned<i64>,
    #[serde(default)]
    property: Option<Spanned<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnsatz {
    #[serde(default)]
    layers: Option<Spanned<i64>>,
    rotation: Rotation,
    entangler: Entangler,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScore {
    kind: ScoreKind,
}

impl LayerSpec {
    /// Parses and validates a spec; `origin` names the file in error messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<LayerSpec, SourceError> {
        let raw: RawSpec = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            SourceError::new(origin, text, span, e.message().trim_end().to_string())
        })?;
        let error = |span: Range<usize>, message: String| -> Result<LayerSpec, SourceError> {
            Err(SourceError::new(origin, text, span, message))
        };
        let count = |field: &Spanned<i64>, key: &str, min: i64| {
            let value = *field.get_ref();
            if value < min {
                Err(SourceError::new(
                    origin,
                    text,
                    field.span(),
                    format!("`{key} = {value}` must be at least {min}"),
                ))
            } else {
                Ok(value as usize)
            }
        };
        let name = raw.name.get_ref().trim();
        if name.is_empty() {
            return error(raw.name.span(), "`name` must not be empty".to_string());
        }
        let token = count(&raw.registers.token, "registers.token", 1)?;
        let position = count(&raw.registers.position, "registers.position", 0)?;
        let property = match &raw.registers.property {
            Some(p) => count(p, "registers.property", 0)?,
            None => 0,
        };
        let layers = match &raw.ansatz.layers {
            Some(l) => count(l, "ansatz.layers", 1)?,
            None => 1,
        };
        if layers > MAX_ANSATZ_LAYERS {
            let span = raw
                .ansatz
                .layers
                .as_ref()
                .map(Spanned::span)
                .unwrap_or(0..0);
            return error(
                span,
                format!("`ansatz.layers = {layers}` exceeds the limit of {MAX_ANSATZ_LAYERS}"),
            );
        }
        let registers = Registers {
            token,
            position,
            property,
        };
        // Compare in u128 so that absurd sizes cannot overflow.
        let total = token as u128 + position as u128 + property as u128 + 1;
        if total > MAX_SCORE_QUBITS as u128 {
            return error(
                raw.registers.token.span().start..raw.registers.token.span().end,
                format!(
                    "the score circuit would need {total} qubits (registers + ancilla); the \
                     limit is {MAX_SCORE_QUBITS}"
                ),
            );
        }
        Ok(LayerSpec {
            name: name.to_string(),
            description: raw.description,
            registers,
            ansatz: Ansatz {
                layers,
                rotation: raw.ansatz.rotation,
                entangler: raw.ansatz.entangler,
            },
            score: raw.score.kind,
        })
    }
}
