//! The circuits of a trained model (`qattnc attention --circuits`): for one sequence, every
//! quantum block's and head's causal pairs (i ≥ j) with the raw score the model computed
//! (before the scale and the softmax) and the values of the score program's inputs, bound by
//! name from the model's own angle rows ([`super::attention::QuantumScores::side_rows`]).
//!
//! The model is rebuilt in f64 from the checkpoint's (f32) weights ([`load_checkpoint_f64`]), so
//! that the scores are those of the bound angles to f64 precision: the f32 model of `train` and
//! `sample` computes the same scores rounded to f32 (≈ 1e-7).

use super::ModelError;
use super::attention::{AttentionInput, Scores};
use super::checkpoint::{CheckpointMeta, model_path};
use super::config::{AttentionKind, ModelConfig};
use super::nn::SeededInit;
use super::sample::Loaded;
use super::transformer::Model;
use crate::layer::{Side, state_prep_circuit_for_head};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarMap;
use std::path::Path;

/// Loads a checkpoint like [`super::sample::load_checkpoint`], with every weight widened
/// (exactly) to f64.
pub fn load_checkpoint_f64(dir: &Path) -> Result<Loaded, ModelError> {
    let meta = CheckpointMeta::read(dir)?;
    let varmap = VarMap::new();
    let vb = SeededInit::new(&varmap, 0).var_builder(DType::F64, &Device::Cpu);
    let model = Model::new(&meta.config.model, meta.vocabulary.len(), vb)?;
    let path = model_path(dir);
    let damaged = |e: String| {
        ModelError::Data(format!(
            "{}: {e} (a damaged file, or weights of another configuration or vocabulary than \
             config.json's)",
            path.display()
        ))
    };
    let weights =
        candle_core::safetensors::load(&path, &Device::Cpu).map_err(|e| damaged(e.to_string()))?;
    for (name, var) in varmap.data().lock().expect("no other user").iter() {
        let value = weights
            .get(name)
            .ok_or_else(|| damaged(format!("no tensor `{name}`")))?;
        value
            .to_dtype(DType::F64)
            .and_then(|v| var.set(&v))
            .map_err(|e| damaged(format!("`{name}`: {e}")))?;
    }
    Ok(Loaded {
        meta,
        model,
        dir: dir.to_path_buf(),
    })
}

/// The layer-spec TOML (design.md §10) of a quantum model's layer: the stored `[quantum]` text,
/// or the paper layer of `qubits` written out, so that `qattnc compile` reproduces its programs.
pub fn layer_toml(cfg: &ModelConfig) -> String {
    if let Some(text) = &cfg.layer {
        return text.clone();
    }
    let spec = cfg.qubits.layer_spec();
    let r = &spec.registers;
    format!(
        "name = \"{}\"\ndescription = \"{}\"\n\n[registers]\ntoken = {}\nposition = {}\n\
         property = {}\n\n[ansatz]\nfamily = \"paper\"\nlayers = {}\nrotation = \"ry\"\n\
         entangler = \"ring\"\n\n[score]\nkind = \"{}\"\n",
        spec.name,
        spec.description,
        r.token,
        r.position,
        r.property,
        cfg.qubits.ansatz_layers,
        spec.score.name()
    )
}

/// One block's and head's angle rows and raw scores for one sequence of T tokens.
#[derive(Clone, Debug)]
pub struct HeadScores {
    /// The decoder block (0-based).
    pub block: usize,
    /// The attention head (0-based).
    pub head: usize,
    /// Input names of ψ_q's columns for this head (`tok_i_*`, `pos_i_*`, `prop_*`,
    /// `query_*` or `query_H_*`).
    pub query_names: Vec<String>,
    /// Input names of ψ_k's columns (`tok_j_*`, `pos_j_*`, `prop_*`, `key_*` or `key_H_*`).
    pub key_names: Vec<String>,
    /// Token t's query-side angles (T rows in `query_names` order).
    pub query_rows: Vec<Vec<f64>>,
    /// Token t's key-side angles (T rows in `key_names` order).
    pub key_rows: Vec<Vec<f64>>,
    /// raw[i][j]: the raw score of query token i and key token j ≤ i, before the scale and the
    /// softmax (entries j > i are the unmasked values the causal mask discards).
    pub raw: Vec<Vec<f64>>,
    /// The factor on a raw score before the softmax (`quantum_scale`, × 2 for scores in
    /// [0, 1]).
    pub scale: f64,
}

/// A causal pair's score and the values of a program's inputs.
#[derive(Clone, Debug, PartialEq)]
pub struct PairBinding {
    /// Query token.
    pub i: usize,
    /// Key token (j ≤ i).
    pub j: usize,
    /// The model's raw score.
    pub score: f64,
    /// One value per program input, in the program's order.
    pub values: Vec<f64>,
}

impl HeadScores {
    /// Every causal pair (i ≥ j, row-major) bound to `inputs` (a score program's input names,
    /// in its order): a name of the query side takes token i's value, any other token j's key
    /// value. Fails on a name that neither side has (a program of another layer or head).
    pub fn bindings(&self, inputs: &[String]) -> Result<Vec<PairBinding>, String> {
        let columns = inputs
            .iter()
            .map(|name| {
                if let Some(k) = self.query_names.iter().position(|n| n == name) {
                    Ok((Side::Query, k))
                } else if let Some(k) = self.key_names.iter().position(|n| n == name) {
                    Ok((Side::Key, k))
                } else {
                    Err(format!(
                        "input `{name}` is not an angle of block {} head {}",
                        self.block, self.head
                    ))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        let t = self.raw.len();
        Ok((0..t)
            .flat_map(|i| (0..=i).map(move |j| (i, j)))
            .map(|(i, j)| PairBinding {
                i,
                j,
                score: self.raw[i][j],
                values: columns
                    .iter()
                    .map(|&(side, k)| match side {
                        Side::Query => self.query_rows[i][k],
                        Side::Key => self.key_rows[j][k],
                    })
                    .collect(),
            })
            .collect())
    }
}

/// Every block's and head's [`HeadScores`] of one sequence: `ids` (1 × T, u32) and, for a
/// conditional model, its encoded properties (1 × `property_inputs`), in the model's dtype. The
/// raw scores are the model's own (`Attention::raw_scores` divided by the layer's scale). Fails
/// for a classical model or a zero `quantum_scale`.
pub fn head_scores(
    model: &Model,
    ids: &Tensor,
    properties: Option<&Tensor>,
) -> Result<Vec<HeadScores>, ModelError> {
    let cfg = model.config();
    if cfg.attention != AttentionKind::Quantum {
        return Err(ModelError::Config(format!(
            "the model has {} attention: only quantum attention has circuits",
            match cfg.attention {
                AttentionKind::ClassicalEq => "classical-eq",
                _ => "classical",
            }
        )));
    }
    let spec = cfg.layer_spec()?;
    let t = ids.dim(1)?;
    let mut out = Vec::new();
    for block in 0..cfg.blocks {
        let (attention, normed) = model.block_attention(ids, properties, block)?;
        let Scores::Quantum(q) = attention.scores() else {
            return Err(ModelError::Config(format!(
                "block {block} has no quantum scores"
            )));
        };
        let scale = q.scale();
        if scale == 0.0 || !scale.is_finite() {
            return Err(ModelError::Config(format!(
                "the layer's score factor is {scale} (`quantum_scale`): the model's scores do \
                 not depend on its circuits"
            )));
        }
        let input = AttentionInput {
            x: &normed,
            ids,
            start: 0,
            properties,
        };
        let to_f64 = |x: Tensor| x.to_dtype(DType::F64);
        let (scores, _) = attention.raw_scores(&input, None)?;
        let raw: Vec<Vec<Vec<f64>>> = (to_f64(scores)? / scale)?.to_vec3()?;
        let (query_rows, key_rows) = q.side_rows(&input)?;
        let (query_rows, key_rows): (Vec<Vec<f64>>, Vec<Vec<f64>>) =
            (to_f64(query_rows)?.to_vec2()?, to_f64(key_rows)?.to_vec2()?);
        let heads = q.heads();
        for (head, raw) in raw.into_iter().enumerate().take(heads) {
            let names = |side| {
                state_prep_circuit_for_head(&spec, side, head)
                    .inputs()
                    .to_vec()
            };
            // Rows are ordered by token, then head (one sequence).
            let rows = |all: &[Vec<f64>]| (0..t).map(|i| all[i * heads + head].clone()).collect();
            out.push(HeadScores {
                block,
                head,
                query_names: names(Side::Query),
                key_names: names(Side::Key),
                query_rows: rows(&query_rows),
                key_rows: rows(&key_rows),
                raw,
                scale,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::LayerSpec;
    use crate::model::Config;

    #[test]
    fn the_paper_layer_toml_parses_to_the_models_layer() {
        for preset in ["paper-quantum-sequence", "paper-quantum-conditional"] {
            let mut cfg = Config::preset(preset).unwrap().model;
            cfg.qubits.ansatz_layers = 2;
            let text = layer_toml(&cfg);
            let spec = LayerSpec::from_toml(&text, "layer.toml").unwrap();
            assert_eq!(spec, cfg.layer_spec().unwrap(), "{preset}:\n{text}");
        }
    }

    #[test]
    fn bindings_take_query_names_from_token_i_and_the_rest_from_token_j() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let scores = HeadScores {
            block: 1,
            head: 0,
            query_names: names(&["tok_i_0", "prop_0", "query_0"]),
            key_names: names(&["tok_j_0", "prop_0", "key_0"]),
            query_rows: vec![vec![1.0, 2.0, 3.0], vec![4.0, 2.0, 6.0]],
            key_rows: vec![vec![7.0, 2.0, 9.0], vec![10.0, 2.0, 12.0]],
            raw: vec![vec![0.5, 9.9], vec![0.25, 0.125]],
            scale: 8.0,
        };
        let inputs = names(&["key_0", "tok_i_0", "prop_0", "tok_j_0", "query_0"]);
        let pairs = scores.bindings(&inputs).unwrap();
        let expected = [
            (0, 0, 0.5, [9.0, 1.0, 2.0, 7.0, 3.0]),
            (1, 0, 0.25, [9.0, 4.0, 2.0, 7.0, 6.0]),
            (1, 1, 0.125, [12.0, 4.0, 2.0, 10.0, 6.0]),
        ];
        assert_eq!(pairs.len(), expected.len());
        for (pair, (i, j, score, values)) in pairs.iter().zip(expected) {
            assert_eq!((pair.i, pair.j, pair.score), (i, j, score));
            assert_eq!(pair.values, values);
        }
        let err = scores.bindings(&names(&["query_1_0"])).unwrap_err();
        assert!(
            err.contains("query_1_0") && err.contains("block 1"),
            "{err}"
        );
    }
}
