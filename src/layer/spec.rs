//! The attention-layer spec: a TOML file that names the registers, the ansatz families and the
//! score (design.md §10).
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
//! [ansatz]              # U_q and U_k; without `family` it is the paper's
//! layers = 1
//! rotation = "ry"
//! entangler = "ring"
//!
//! [encoding]            # optional: U_tok, U_pos, U_prop; same keys; default = [ansatz]
//! family = "real_amplitudes"
//! reps = 1
//!
//! [score]
//! kind = "hadamard-real"
//! heads = 1
//! ```
//!
//! Unknown keys, names and values are errors; every error carries `file:line:column` and, for a
//! name, the allowed values.

use super::family::{
    Ansatz, BasicEntangler, ENTANGLING_NAMES, Entanglement, Entangler, EntanglingGate,
    FAMILY_NAMES, NLocal, NLocalKind, PATTERN_NAMES, Paper, ROTATION_NAMES, Rotation,
    StronglyEntangling,
};
use crate::diagnostic::SourceError;
use serde::Deserialize;
use std::ops::Range;
use toml::Spanned;

/// The most qubits a layer's score circuit may have (every register plus ancilla).
pub const MAX_SCORE_QUBITS: usize = 28;

/// The most ansatz layers (or repetitions) a spec may ask for.
pub const MAX_ANSATZ_LAYERS: usize = 64;

/// The most attention heads a spec may ask for.
pub const MAX_HEADS: usize = 64;

/// A validated attention-layer spec.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerSpec {
    /// Short identifier, used in file headers and kernel comments.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Register sizes.
    pub registers: Registers,
    /// The ansatz of the whole-register unitaries U_q and U_k.
    pub ansatz: Ansatz,
    /// The ansatz of U_tok, U_pos and U_prop; `None` means [`LayerSpec::ansatz`].
    pub encoding: Option<Ansatz>,
    /// How the attention score is read out.
    pub score: ScoreKind,
    /// Independent query/key parameter sets, one score circuit each.
    pub heads: usize,
}

impl LayerSpec {
    /// The ansatz of the token, position and property unitaries.
    pub fn encoding_ansatz(&self) -> &Ansatz {
        self.encoding.as_ref().unwrap_or(&self.ansatz)
    }

    /// Qubits of the score circuit.
    pub fn score_qubits(&self) -> usize {
        self.score.qubits(self.registers.working())
    }
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

/// The score read out by the circuit (design.md §10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScoreKind {
    /// Hadamard test: ⟨Z_anc⟩ = Re⟨ψ_q(i)|ψ_k(j)⟩.
    HadamardReal,
    /// Hadamard test with S† on the ancilla: ⟨Z_anc⟩ = Im⟨ψ_q(i)|ψ_k(j)⟩.
    HadamardImag,
    /// SWAP test on two working registers: ⟨Z_anc⟩ = |⟨ψ_q|ψ_k⟩|².
    SwapTest,
    /// Compute–uncompute on one register: P(all zeros) = |⟨ψ_q|ψ_k⟩|².
    Fidelity,
    /// QSANN's Gaussian score exp(−(⟨Z_0⟩_q − ⟨Z_0⟩_k)²) from the two states side by side.
    GaussianZ,
}

/// Score-kind names accepted in a spec, in the order error messages list them.
pub const SCORE_NAMES: [&str; 5] = [
    "hadamard-real",
    "hadamard-imag",
    "swap-test",
    "fidelity",
    "gaussian-z",
];

impl ScoreKind {
    /// The score kind called `name` in a spec, or `None`.
    pub fn from_name(name: &str) -> Option<ScoreKind> {
        const ALL: [ScoreKind; 5] = [
            ScoreKind::HadamardReal,
            ScoreKind::HadamardImag,
            ScoreKind::SwapTest,
            ScoreKind::Fidelity,
            ScoreKind::GaussianZ,
        ];
        SCORE_NAMES.iter().position(|n| *n == name).map(|i| ALL[i])
    }

    /// The spec name.
    pub fn name(self) -> &'static str {
        SCORE_NAMES[self as usize]
    }

    /// Qubits of the score circuit for a working register of `n` qubits.
    pub fn qubits(self, n: usize) -> usize {
        match self {
            ScoreKind::HadamardReal | ScoreKind::HadamardImag => n + 1,
            ScoreKind::SwapTest => 2 * n + 1,
            ScoreKind::Fidelity => n,
            ScoreKind::GaussianZ => 2 * n,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSpec {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    registers: RawRegisters,
    ansatz: Spanned<RawAnsatz>,
    #[serde(default)]
    encoding: Option<Spanned<RawAnsatz>>,
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
    family: Option<Spanned<String>>,
    layers: Option<Spanned<i64>>,
    reps: Option<Spanned<i64>>,
    rotation: Option<Spanned<String>>,
    rotations: Option<Spanned<Vec<Spanned<String>>>>,
    entangler: Option<Spanned<String>>,
    entangling_gate: Option<Spanned<String>>,
    entanglement: Option<Spanned<toml::Value>>,
    final_rotations: Option<Spanned<bool>>,
    ranges: Option<Spanned<Vec<Spanned<i64>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScore {
    kind: Spanned<String>,
    heads: Option<Spanned<i64>>,
}

/// Builds located errors for one spec text.
struct Located<'a> {
    origin: &'a str,
    text: &'a str,
}

impl Located<'_> {
    fn error(&self, span: Range<usize>, message: String) -> SourceError {
        SourceError::new(self.origin, self.text, span, message)
    }

    fn count(
        &self,
        field: &Spanned<i64>,
        key: &str,
        min: i64,
        max: usize,
    ) -> Result<usize, SourceError> {
        let value = *field.get_ref();
        if value < min {
            Err(self.error(
                field.span(),
                format!("`{key} = {value}` must be at least {min}"),
            ))
        } else if value as u64 > max as u64 {
            Err(self.error(
                field.span(),
                format!("`{key} = {value}` exceeds the limit of {max}"),
            ))
        } else {
            Ok(value as usize)
        }
    }

    /// A name from `allowed`, or an error listing them.
    fn name<T>(
        &self,
        field: &Spanned<String>,
        what: &str,
        allowed: &[&str],
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<T, SourceError> {
        parse(field.get_ref()).ok_or_else(|| {
            self.error(
                field.span(),
                format!(
                    "unknown {what} `{}`; expected one of {}",
                    field.get_ref(),
                    allowed.join(", ")
                ),
            )
        })
    }

    /// Parses one `[ansatz]` or `[encoding]` table.
    fn ansatz(&self, raw: &Spanned<RawAnsatz>, table: &str) -> Result<Ansatz, SourceError> {
        let a = raw.get_ref();
        let family = match &a.family {
            Some(f) => {
                self.name(f, "ansatz family", &FAMILY_NAMES, |n| {
                    FAMILY_NAMES.iter().position(|x| *x == n)
                })?;
                f.get_ref().as_str()
            }
            None => "paper",
        };
        // Keys each family reads; any other key given is an error.
        let allowed: &[&str] = match family {
            "paper" => &["layers", "rotation", "entangler"],
            "n_local" => &[
                "reps",
                "rotations",
                "entangling_gate",
                "entanglement",
                "final_rotations",
            ],
            "efficient_su2" => &["reps", "rotations", "entanglement", "final_rotations"],
            "real_amplitudes" => &["reps", "entanglement", "final_rotations"],
            "basic_entangler" => &["layers", "rotation"],
            _ => &["layers", "ranges"],
        };
        let given: [(&str, Option<Range<usize>>); 9] = [
            ("layers", a.layers.as_ref().map(Spanned::span)),
            ("reps", a.reps.as_ref().map(Spanned::span)),
            ("rotation", a.rotation.as_ref().map(Spanned::span)),
            ("rotations", a.rotations.as_ref().map(Spanned::span)),
            ("entangler", a.entangler.as_ref().map(Spanned::span)),
            (
                "entangling_gate",
                a.entangling_gate.as_ref().map(Spanned::span),
            ),
            ("entanglement", a.entanglement.as_ref().map(Spanned::span)),
            (
                "final_rotations",
                a.final_rotations.as_ref().map(Spanned::span),
            ),
            ("ranges", a.ranges.as_ref().map(Spanned::span)),
        ];
        for (key, span) in given {
            if let Some(span) = span
                && !allowed.contains(&key)
            {
                return Err(self.error(
                    span,
                    format!(
                        "`{table}.{key}` does not apply to family `{family}`; its keys are {}",
                        allowed.join(", ")
                    ),
                ));
            }
        }
        let layers = match &a.layers {
            Some(l) => self.count(l, &format!("{table}.layers"), 1, MAX_ANSATZ_LAYERS)?,
            None => 1,
        };
        let rotation = |default: Rotation, allowed: &[&str]| match &a.rotation {
            Some(r) => self.name(r, "rotation", allowed, |n| {
                allowed
                    .contains(&n)
                    .then(|| Rotation::from_name(n))
                    .flatten()
            }),
            None => Ok(default),
        };
        Ok(match family {
            "paper" => {
                let entangler = match &a.entangler {
                    Some(e) => self.name(e, "entangler", &["ring", "linear", "none"], |n| {
                        Some(match n {
                            "ring" => Entangler::Ring,
                            "linear" => Entangler::Linear,
                            "none" => Entangler::None,
                            _ => return None,
                        })
                    })?,
                    None => Entangler::Ring,
                };
                Ansatz::Paper(Paper {
                    layers,
                    rotation: rotation(Rotation::Ry, &["ry"])?,
                    entangler,
                })
            }
            "basic_entangler" => Ansatz::BasicEntangler(BasicEntangler {
                layers,
                rotation: rotation(Rotation::Rx, &["rx", "ry", "rz"])?,
            }),
            "strongly_entangling" => {
                let ranges = match &a.ranges {
                    Some(r) => {
                        if r.get_ref().len() != layers {
                            return Err(self.error(
                                r.span(),
                                format!(
                                    "`{table}.ranges` has {} entries; it needs one per layer ({layers})",
                                    r.get_ref().len()
                                ),
                            ));
                        }
                        let values: Result<Vec<usize>, SourceError> = r
                            .get_ref()
                            .iter()
                            .map(|v| {
                                self.count(v, &format!("{table}.ranges[]"), 1, MAX_SCORE_QUBITS)
                            })
                            .collect();
                        Some(values?)
                    }
                    None => None,
                };
                Ansatz::StronglyEntangling(StronglyEntangling { layers, ranges })
            }
            _ => {
                let kind = match family {
                    "n_local" => NLocalKind::NLocal,
                    "real_amplitudes" => NLocalKind::RealAmplitudes,
                    _ => NLocalKind::EfficientSu2,
                };
                let mut n = NLocal::defaults(kind);
                if let Some(r) = &a.reps {
                    n.reps = self.count(r, &format!("{table}.reps"), 1, MAX_ANSATZ_LAYERS)?;
                }
                if let Some(list) = &a.rotations {
                    if list.get_ref().is_empty() {
                        return Err(self.error(
                            list.span(),
                            format!(
                                "`{table}.rotations` is empty; give one or more of {}",
                                ROTATION_NAMES.join(", ")
                            ),
                        ));
                    }
                    n.rotations = list
                        .get_ref()
                        .iter()
                        .map(|r| self.name(r, "rotation", &ROTATION_NAMES, Rotation::from_name))
                        .collect::<Result<_, _>>()?;
                }
                if let Some(g) = &a.entangling_gate {
                    n.entangling_gate = self.name(
                        g,
                        "entangling gate",
                        &ENTANGLING_NAMES,
                        EntanglingGate::from_name,
                    )?;
                }
                if let Some(e) = &a.entanglement {
                    n.entanglement = self.entanglement(e, table)?;
                }
                if let Some(f) = &a.final_rotations {
                    n.final_rotations = *f.get_ref();
                }
                Ansatz::NLocal(n)
            }
        })
    }

    /// A pattern name or an explicit list of distinct-qubit pairs.
    fn entanglement(
        &self,
        e: &Spanned<toml::Value>,
        table: &str,
    ) -> Result<Entanglement, SourceError> {
        let bad = |message: String| self.error(e.span(), message);
        match e.get_ref() {
            toml::Value::String(name) => Entanglement::from_name(name).ok_or_else(|| {
                bad(format!(
                    "unknown entanglement `{name}`; expected one of {} or a list of pairs [[0, 1], …]",
                    PATTERN_NAMES.join(", ")
                ))
            }),
            toml::Value::Array(items) => {
                let mut pairs = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    let pair: Option<Vec<i64>> = item
                        .as_array()
                        .and_then(|p| p.iter().map(toml::Value::as_integer).collect());
                    let (a, b) = match pair.as_deref() {
                        Some(&[a, b]) => (a, b),
                        _ => {
                            return Err(bad(format!(
                                "`{table}.entanglement` entry {i} is not a pair of qubit indices [a, b]"
                            )));
                        }
                    };
                    let limit = MAX_SCORE_QUBITS as i64;
                    if !(0..limit).contains(&a) || !(0..limit).contains(&b) {
                        return Err(bad(format!(
                            "`{table}.entanglement` pair {i} [{a}, {b}] names a qubit outside 0..{limit}"
                        )));
                    }
                    if a == b {
                        return Err(bad(format!(
                            "`{table}.entanglement` pair {i} [{a}, {b}] repeats qubit {a}"
                        )));
                    }
                    pairs.push((a as usize, b as usize));
                }
                Ok(Entanglement::Explicit(pairs))
            }
            other => Err(bad(format!(
                "`{table}.entanglement` must be one of {} or a list of pairs, not {}",
                PATTERN_NAMES.join(", "),
                other.type_str()
            ))),
        }
    }

    /// Checks that `ansatz` fits every register `(name, size)` it is applied to.
    fn fits(
        &self,
        ansatz: &Ansatz,
        raw: &Spanned<RawAnsatz>,
        table: &str,
        registers: &[(&str, usize)],
    ) -> Result<(), SourceError> {
        let a = raw.get_ref();
        let span = a
            .entanglement
            .as_ref()
            .map(Spanned::span)
            .or(a.family.as_ref().map(Spanned::span))
            .unwrap_or(raw.span());
        for &(register, size) in registers.iter().filter(|(_, size)| *size > 0) {
            let needed = ansatz.min_qubits();
            if size < needed {
                return Err(self.error(
                    span.clone(),
                    format!(
                        "`[{table}]` (family `{}`) needs at least {needed} qubits, but the {register} \
                         register has {size}{}",
                        ansatz.family_name(),
                        if table == "ansatz" && register != "working" {
                            "; give the token/position/property unitaries their own [encoding]"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            if let (Ansatz::StronglyEntangling(s), Some(ranges)) = (ansatz, &a.ranges)
                && size > 1
                && let Some(r) = s.ranges.iter().flatten().find(|r| *r % size == 0)
            {
                return Err(self.error(
                    ranges.span(),
                    format!(
                        "`{table}.ranges` contains {r}, a multiple of the {register} register's \
                         {size} qubits (each range must not be divisible by the register size)"
                    ),
                ));
            }
        }
        Ok(())
    }
}

impl LayerSpec {
    /// Parses and validates a spec; `origin` names the file in error messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<LayerSpec, SourceError> {
        let raw: RawSpec = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            // serde names Rust types; users wrote TOML.
            let message = e
                .message()
                .trim_end()
                .replace("expected i64", "expected an integer");
            SourceError::new(origin, text, span, message)
        })?;
        let at = Located { origin, text };
        let name = raw.name.get_ref().trim();
        if name.is_empty() {
            return Err(at.error(raw.name.span(), "`name` must not be empty".to_string()));
        }
        let big = usize::MAX;
        let token = at.count(&raw.registers.token, "registers.token", 1, big)?;
        let position = at.count(&raw.registers.position, "registers.position", 0, big)?;
        let property = match &raw.registers.property {
            Some(p) => at.count(p, "registers.property", 0, big)?,
            None => 0,
        };
        let registers = Registers {
            token,
            position,
            property,
        };
        let score = at.name(
            &raw.score.kind,
            "score kind",
            &SCORE_NAMES,
            ScoreKind::from_name,
        )?;
        let heads = match &raw.score.heads {
            Some(h) => at.count(h, "score.heads", 1, MAX_HEADS)?,
            None => 1,
        };
        // Compare in u128 so that absurd sizes cannot overflow.
        let working = token as u128 + position as u128 + property as u128;
        let total = match score {
            ScoreKind::HadamardReal | ScoreKind::HadamardImag => working + 1,
            ScoreKind::SwapTest => 2 * working + 1,
            ScoreKind::Fidelity => working,
            ScoreKind::GaussianZ => 2 * working,
        };
        if total > MAX_SCORE_QUBITS as u128 {
            return Err(at.error(
                raw.registers.token.span(),
                format!(
                    "the {} score circuit would need {total} qubits; the limit is {MAX_SCORE_QUBITS}",
                    score.name()
                ),
            ));
        }
        let ansatz = at.ansatz(&raw.ansatz, "ansatz")?;
        let encoding = raw
            .encoding
            .as_ref()
            .map(|e| at.ansatz(e, "encoding"))
            .transpose()?;
        let parts = [
            ("token", token),
            ("position", position),
            ("property", property),
        ];
        at.fits(
            &ansatz,
            &raw.ansatz,
            "ansatz",
            &[("working", token + position + property)],
        )?;
        match (&encoding, &raw.encoding) {
            (Some(e), Some(raw_e)) => at.fits(e, raw_e, "encoding", &parts)?,
            _ => at.fits(&ansatz, &raw.ansatz, "ansatz", &parts)?,
        }
        Ok(LayerSpec {
            name: name.to_string(),
            description: raw.description,
            registers,
            ansatz,
            encoding,
            score,
            heads,
        })
    }
}
