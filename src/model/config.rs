//! Model and training configuration: serde structs, the paper's named presets, and TOML files
//! that override a preset.
//!
//! A config file names its base preset and overrides any field:
//!
//! ```toml
//! preset = "paper-quantum-conditional"
//!
//! [model]
//! dropout = 0.0
//!
//! [train]
//! epochs = 2
//! batch_size = 64
//! ```

use super::ModelError;
use super::transformer::NUM_PROPERTIES;
use crate::layer::{Ansatz, Entangler, LayerSpec, Registers, ScoreKind, parameter_count};
use serde::{Deserialize, Serialize};

/// The attention mechanism of every block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AttentionKind {
    /// Scores of the quantum layer's score kind (Re⟨ψ_q(i)|ψ_k(j)⟩ for the paper layer) from
    /// its simulated states, × `quantum_scale` (× 2 for scores in [0, 1]).
    Quantum,
    /// Linear queries and keys of width `embed`, scaled by 1/√d.
    Classical,
    /// Linear queries and keys cut to the quantum layer's per-side angle count (`qk_dim`).
    ClassicalEq,
}

/// The quantum layer's registers and ansatz (design.md §3): qubits per register, ansatz layers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QubitConfig {
    /// Token qubits.
    pub token: usize,
    /// Position qubits.
    pub position: usize,
    /// Property qubits (0 for a sequence-only model).
    pub property: usize,
    /// Repetitions of the Ry + CNOT-ring ansatz.
    pub ansatz_layers: usize,
}

/// The decoder's shape.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Attention mechanism.
    pub attention: AttentionKind,
    /// Whether the model is conditioned on the nine molecular properties.
    pub conditional: bool,
    /// Embedding width d.
    pub embed: usize,
    /// Number of decoder blocks.
    pub blocks: usize,
    /// Hidden width of the MLP.
    pub mlp_hidden: usize,
    /// Longest token sequence, `[CLS]` and `[EOS]` included; the model sees `block_size − 1`.
    pub block_size: usize,
    /// Dropout probability (embeddings, attention weights, residual branches).
    pub dropout: f64,
    /// Width of classical queries and keys (`embed` for classical attention).
    pub qk_dim: usize,
    /// The quantum layer (used by quantum attention; classical-eq derives `qk_dim` from it).
    pub qubits: QubitConfig,
    /// Factor on the quantum scores Re⟨ψ_q|ψ_k⟩ before the softmax (the paper: √d).
    pub quantum_scale: f64,
    /// Attention heads per block (design.md §5): classical layers split `qk_dim` and `embed`
    /// evenly; quantum layers have one query and one key angle set per head and split `embed`
    /// for the values. Checkpoints written before heads existed have 1.
    #[serde(default = "one_head")]
    pub heads: usize,
    /// The quantum layer as layer-spec TOML text (design.md §10), read from `[quantum] layer =
    /// "FILE"` or the inline `[quantum]` tables of a config file; `None`: the paper layer of
    /// `qubits`. Stored in checkpoints so that they reload with their layer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layer: Option<String>,
    /// Conditioning on any subset of the properties (conditional models only): the model reads,
    /// beside each z-scored property, whether it is given, and training hides a random subset
    /// of every molecule's properties (`train::given_properties`). Such a model samples with no
    /// imputation (`--impute none`). Omitted from checkpoints when false.
    #[serde(default, skip_serializing_if = "is_false")]
    pub partial_conditions: bool,
}

fn one_head() -> usize {
    1
}

fn is_false(value: &bool) -> bool {
    !value
}

/// Optimisation settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// AdamW learning rate.
    pub lr: f64,
    /// AdamW decoupled weight decay (applied to weight matrices, not to biases, LayerNorms or
    /// circuit angles).
    pub weight_decay: f64,
    /// AdamW β₁.
    pub beta1: f64,
    /// AdamW β₂.
    pub beta2: f64,
    /// AdamW ε.
    pub eps: f64,
    /// Sequences per optimiser step.
    pub batch_size: usize,
    /// Passes over the training split.
    pub epochs: usize,
    /// Largest global gradient norm (0 disables clipping).
    pub grad_clip: f64,
    /// Seed of initialisation, data order and dropout.
    pub seed: u64,
    /// How the learning rate moves over the run (`constant`, the paper's, by default).
    #[serde(default)]
    pub schedule: LrSchedule,
    /// Steps of linear warm-up from 0 to `lr` (cosine schedule only).
    #[serde(default)]
    pub warmup_steps: usize,
    /// The cosine schedule's last learning rate as a fraction of `lr`.
    #[serde(default = "default_final_lr_fraction")]
    pub final_lr_fraction: f64,
    /// How training molecules are spelled (`canonical`, as before, by default; omitted from
    /// checkpoints then, so older checkpoints read and write alike).
    #[serde(default, skip_serializing_if = "SmilesForm::is_canonical")]
    pub smiles: SmilesForm,
}

/// How the training split's molecules are written as SMILES.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmilesForm {
    /// RDKit's canonical SMILES, the same string every epoch (the paper).
    #[default]
    Canonical,
    /// A fresh random RDKit SMILES of each molecule every epoch (Arús-Pous et al. 2019),
    /// seeded by the run's seed, the epoch and the molecule; strings that do not fit the block
    /// or the vocabulary fall back to the canonical one. Validation stays canonical.
    Randomized,
}

impl SmilesForm {
    /// Whether this is the default, canonical form.
    pub fn is_canonical(&self) -> bool {
        *self == SmilesForm::Canonical
    }
}

/// The learning-rate schedule of a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LrSchedule {
    /// `lr` at every step (the paper).
    #[default]
    Constant,
    /// Linear warm-up over `warmup_steps`, then a half cosine from `lr` down to
    /// `lr × final_lr_fraction` at the run's last step (`epochs × batches per epoch`).
    Cosine,
}

fn default_final_lr_fraction() -> f64 {
    0.1
}

impl TrainConfig {
    /// The learning rate of optimiser step `step` (0-based) of a run of `total_steps`.
    pub fn lr_at(&self, step: usize, total_steps: usize) -> f64 {
        match self.schedule {
            LrSchedule::Constant => self.lr,
            LrSchedule::Cosine if step < self.warmup_steps => {
                self.lr * (step + 1) as f64 / self.warmup_steps as f64
            }
            LrSchedule::Cosine => {
                let span = total_steps.saturating_sub(self.warmup_steps).max(1);
                let progress = ((step - self.warmup_steps) as f64 / span as f64).min(1.0);
                let cosine = 0.5 * (1.0 + (std::f64::consts::PI * progress).cos());
                self.lr * (self.final_lr_fraction + (1.0 - self.final_lr_fraction) * cosine)
            }
        }
    }
}

/// A complete configuration: which preset it came from, the model and the training settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The preset this configuration starts from.
    pub preset: String,
    /// The decoder.
    pub model: ModelConfig,
    /// Optimisation.
    pub train: TrainConfig,
}

/// Names of the built-in presets.
pub const PRESET_NAMES: [&str; 6] = [
    "paper-quantum-sequence",
    "paper-quantum-conditional",
    "paper-classical-sequence",
    "paper-classical-conditional",
    "paper-classical-eq-sequence",
    "paper-classical-eq-conditional",
];

impl ModelConfig {
    /// Width of the property input: the nine z-scores, and with `partial_conditions` nine
    /// given-flags after them.
    pub fn property_inputs(&self) -> usize {
        NUM_PROPERTIES * if self.partial_conditions { 2 } else { 1 }
    }

    /// The quantum layer: the spec of [`ModelConfig::layer`], or the paper layer of `qubits`.
    pub fn layer_spec(&self) -> Result<LayerSpec, ModelError> {
        match &self.layer {
            Some(text) => LayerSpec::from_toml(text, "the model's [quantum] layer")
                .map_err(|e| ModelError::Config(e.to_string())),
            None => Ok(self.qubits.layer_spec()),
        }
    }
}

impl QubitConfig {
    /// Working-register size (token + position + property qubits).
    pub fn working(&self) -> usize {
        self.token + self.position + self.property
    }

    /// Angles of one side's whole-register unitary (U_q or U_k): `ansatz_layers · working`.
    pub fn side_angles(&self) -> usize {
        self.ansatz_layers * self.working()
    }

    /// The layer spec these registers define (Ry rotations, CNOT ring, Hadamard-test score).
    pub fn layer_spec(&self) -> LayerSpec {
        LayerSpec {
            name: "model".to_string(),
            description: "attention layer of a qattnc model".to_string(),
            registers: Registers {
                token: self.token,
                position: self.position,
                property: self.property,
            },
            ansatz: Ansatz::paper(self.ansatz_layers, Entangler::Ring),
            encoding: None,
            score: ScoreKind::HadamardReal,
            heads: 1,
        }
    }
}

impl Config {
    /// The preset called `name` (see [`PRESET_NAMES`]): embed 64, 1 block, 1 head, block 24,
    /// MLP 256, dropout 0.1, 6 working qubits (3+3, or 2+2+2 with conditions), 1 ansatz layer,
    /// AdamW 5e-3 / wd 0.1, batch 256, 20 epochs, clip 1.0.
    pub fn preset(name: &str) -> Result<Config, ModelError> {
        let (attention, rest) = if let Some(rest) = name.strip_prefix("paper-quantum-") {
            (AttentionKind::Quantum, rest)
        } else if let Some(rest) = name.strip_prefix("paper-classical-eq-") {
            (AttentionKind::ClassicalEq, rest)
        } else if let Some(rest) = name.strip_prefix("paper-classical-") {
            (AttentionKind::Classical, rest)
        } else {
            return Err(unknown_preset(name));
        };
        let conditional = match rest {
            "sequence" => false,
            "conditional" => true,
            _ => return Err(unknown_preset(name)),
        };
        let qubits = if conditional {
            QubitConfig {
                token: 2,
                position: 2,
                property: 2,
                ansatz_layers: 1,
            }
        } else {
            QubitConfig {
                token: 3,
                position: 3,
                property: 0,
                ansatz_layers: 1,
            }
        };
        let embed = 64;
        Ok(Config {
            preset: name.to_string(),
            model: ModelConfig {
                attention,
                conditional,
                embed,
                blocks: 1,
                mlp_hidden: 256,
                block_size: 24,
                dropout: 0.1,
                qk_dim: match attention {
                    AttentionKind::ClassicalEq => qubits.side_angles(),
                    _ => embed,
                },
                qubits,
                quantum_scale: (embed as f64).sqrt(),
                heads: 1,
                layer: None,
                partial_conditions: false,
            },
            train: TrainConfig {
                lr: 5e-3,
                weight_decay: 0.1,
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
                batch_size: 256,
                epochs: 20,
                grad_clip: 1.0,
                seed: 0,
                schedule: LrSchedule::Constant,
                warmup_steps: 0,
                final_lr_fraction: default_final_lr_fraction(),
                smiles: SmilesForm::Canonical,
            },
        })
    }

    /// Reads a TOML config: a `preset` key names the base (required), every other key
    /// overrides it. `origin` names the file in error messages.
    pub fn from_toml(text: &str, origin: &str) -> Result<Config, ModelError> {
        let bad = |message: String| ModelError::Config(format!("{origin}: {message}"));
        let overrides: toml::Table = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let base = overrides
            .get("preset")
            .and_then(toml::Value::as_str)
            .ok_or_else(|| bad("missing `preset = \"NAME\"` (the base configuration)".into()))?;
        let base = Config::preset(base)?;
        let mut overrides = overrides;
        let layer = match overrides.remove("quantum") {
            Some(quantum) => Some(layer_text(quantum, origin)?),
            None => None,
        };
        let model_overrides = overrides.get("model").and_then(toml::Value::as_table);
        let qk_dim_given = model_overrides.is_some_and(|m| m.contains_key("qk_dim"));
        let mut table = toml::Table::try_from(&base).map_err(|e| bad(e.to_string()))?;
        merge(&mut table, overrides);
        let mut config: Config = table
            .try_into()
            .map_err(|e: toml::de::Error| bad(e.to_string()))?;
        let m = &mut config.model;
        let mut side_angles = m.qubits.side_angles();
        if let Some((text, spec)) = layer {
            let r = &spec.registers;
            (m.qubits.token, m.qubits.position, m.qubits.property) =
                (r.token, r.position, r.property);
            side_angles = parameter_count(&spec.ansatz, r.working());
            m.layer = Some(text);
        }
        if m.attention == AttentionKind::ClassicalEq && !qk_dim_given {
            // One per-head query/key width per quantum head's angle set (design.md §5): the
            // named layer's own angle count, else the paper layer's.
            m.qk_dim = m.heads.max(1) * side_angles;
        }
        config.validate().map_err(|e| bad(e.to_string()))?;
        Ok(config)
    }

    /// Checks sizes that the model cannot be built with.
    pub fn validate(&self) -> Result<(), ModelError> {
        let m = &self.model;
        let fail = |message: &str| Err(ModelError::Config(message.to_string()));
        if m.embed == 0 || m.blocks == 0 || m.mlp_hidden == 0 || m.qk_dim == 0 {
            return fail("`embed`, `blocks`, `mlp_hidden` and `qk_dim` must be positive");
        }
        if m.heads == 0 || !m.embed.is_multiple_of(m.heads) || !m.qk_dim.is_multiple_of(m.heads) {
            return fail("`heads` must be positive and divide `embed` and `qk_dim`");
        }
        if m.partial_conditions && !m.conditional {
            return fail("`partial_conditions` needs a conditional model");
        }
        if m.block_size < 3 {
            return fail("`block_size` must be at least 3 ([CLS], one token, [EOS])");
        }
        if !(0.0..1.0).contains(&m.dropout) {
            return fail("`dropout` must lie in [0, 1)");
        }
        if let (AttentionKind::Quantum, Some(_)) = (m.attention, &m.layer) {
            let spec = m.layer_spec()?;
            let r = &spec.registers;
            if spec.heads != m.heads {
                return Err(ModelError::Config(format!(
                    "the layer `{}` has {} head(s) (`[score] heads`), the model {} (`[model] heads`)",
                    spec.name, spec.heads, m.heads
                )));
            }
            if r.working() > MAX_LAYER_QUBITS {
                return Err(ModelError::Config(format!(
                    "the layer `{}` has {} working qubits; a trainable layer has at most \
                     {MAX_LAYER_QUBITS}",
                    spec.name,
                    r.working()
                )));
            }
            if m.conditional != (r.property > 0) {
                return fail("a conditional quantum model needs property qubits, and only it");
            }
        }
        if m.attention == AttentionKind::Quantum
            && !(m.quantum_scale.is_finite() && m.quantum_scale > 0.0)
        {
            return Err(ModelError::Config(format!(
                "`[model] quantum_scale` must be positive and finite (the factor on the quantum \
                 scores before the softmax), not {}",
                m.quantum_scale
            )));
        }
        if m.attention == AttentionKind::Quantum && m.layer.is_none() {
            let q = m.qubits;
            if q.token == 0 || q.ansatz_layers == 0 || q.working() > MAX_LAYER_QUBITS {
                return fail(
                    "the quantum layer needs ≥ 1 token qubit, ≥ 1 ansatz layer and ≤ 16 qubits",
                );
            }
            if m.conditional != (q.property > 0) {
                return fail("a conditional quantum model needs property qubits, and only it");
            }
        }
        let t = &self.train;
        if t.batch_size == 0 || t.lr <= 0.0 || t.grad_clip < 0.0 || t.weight_decay < 0.0 {
            return fail(
                "`batch_size` and `lr` must be positive, `grad_clip` and `weight_decay` ≥ 0",
            );
        }
        if !(0.0..=1.0).contains(&t.final_lr_fraction) {
            return fail("`final_lr_fraction` must lie in [0, 1]");
        }
        Ok(())
    }
}

fn unknown_preset(name: &str) -> ModelError {
    ModelError::Config(format!(
        "unknown preset `{name}`; expected one of {}",
        PRESET_NAMES.join(", ")
    ))
}

/// The most working qubits (token + position + property) of a trainable quantum layer.
pub const MAX_LAYER_QUBITS: usize = 16;

/// The layer-spec TOML of a config's `[quantum]` table and the spec it parses to: the file named
/// by `layer = "PATH"` (relative to the config file `origin`) or the table itself (the layer
/// spec's tables under `[quantum]`: `[quantum.registers]`, `[quantum.ansatz]`, …).
fn layer_text(quantum: toml::Value, origin: &str) -> Result<(String, LayerSpec), ModelError> {
    let bad = |message: String| ModelError::Config(format!("{origin}: {message}"));
    let toml::Value::Table(table) = quantum else {
        return Err(bad("`quantum` must be a table".into()));
    };
    let (text, name) = match table.get("layer") {
        Some(toml::Value::String(path)) if table.len() == 1 => {
            let path = std::path::Path::new(origin)
                .parent()
                .unwrap_or(std::path::Path::new(""))
                .join(path);
            let text = std::fs::read_to_string(&path).map_err(|e| {
                bad(format!(
                    "[quantum] layer: cannot read {}: {e}",
                    path.display()
                ))
            })?;
            (text, path.display().to_string())
        }
        Some(_) => {
            return Err(bad(
                "[quantum] `layer` must be a file name (a string) and the table's only key".into(),
            ));
        }
        None => (
            toml::to_string(&table).map_err(|e| bad(e.to_string()))?,
            format!("{origin} [quantum]"),
        ),
    };
    let spec = LayerSpec::from_toml(&text, &name).map_err(|e| ModelError::Config(e.to_string()))?;
    Ok((text, spec))
}

/// Overwrites `base` with `overrides`, recursing into tables.
fn merge(base: &mut toml::Table, overrides: toml::Table) {
    for (key, value) in overrides {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(inner)), toml::Value::Table(over)) => merge(inner, over),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}
