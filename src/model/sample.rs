//! Generation: start at `[CLS]`, sample with temperature and top-k from per-row ChaCha streams
//! (so results do not depend on batching), stop at `[EOS]` or the block size; the decoder runs
//! incrementally with its key/state caches. With `constrain`, each draw is restricted to the
//! tokens [`SmilesConstraint`] allows (well-formed, kekulisable SMILES within every atom's
//! valence). A conditional model reads each query's nine raw property values (see
//! [`super::conditions`]).

use super::ModelError;
use super::attention::{ScoreProvider, ScoreRequest};
use super::checkpoint::{CheckpointMeta, model_path};
use super::config::AttentionKind;
use super::nn::SeededInit;
use super::transformer::{DecodeCache, Model, NUM_PROPERTIES};
use crate::chem::constraint::SmilesConstraint;
use crate::chem::tokenizer::{CLS_ID, EOS_ID};
use candle_core::{DType, Device, Tensor};
use candle_nn::VarMap;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;

/// Sampling settings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SampleOptions {
    /// Sequences to generate.
    pub n: usize,
    /// Seed; row r draws from ChaCha8 stream r.
    pub seed: u64,
    /// Softmax temperature (> 0).
    pub temperature: f64,
    /// Keep only the k most likely tokens.
    pub top_k: Option<usize>,
    /// Sequences decoded together.
    pub batch: usize,
    /// Draw only tokens that keep the SMILES well formed, within valence and kekulisable
    /// ([`SmilesConstraint`]).
    pub constrain: bool,
}

/// A trained model loaded from a checkpoint.
pub struct Loaded {
    /// Metadata (configuration, vocabulary, statistics).
    pub meta: CheckpointMeta,
    /// The model.
    pub model: Model,
    /// The checkpoint directory it was read from.
    pub dir: std::path::PathBuf,
}

/// Loads `DIR/config.json` and `DIR/model.safetensors`.
pub fn load_checkpoint(dir: &Path) -> Result<Loaded, ModelError> {
    let meta = CheckpointMeta::read(dir)?;
    let mut varmap = VarMap::new();
    let vb = SeededInit::new(&varmap, 0).var_builder(DType::F32, &Device::Cpu);
    let model = Model::new(&meta.config.model, meta.vocabulary.len(), vb)?;
    let weights = model_path(dir);
    varmap.load(&weights).map_err(|e| {
        ModelError::Data(format!(
            "{}: {e} (a damaged file, or weights of another configuration or vocabulary than config.json's)",
            weights.display()
        ))
    })?;
    Ok(Loaded {
        meta,
        model,
        dir: dir.to_path_buf(),
    })
}

/// Draws one token from `logits` with temperature and top-k, among the tokens `allowed` marks
/// (all when `None`; at least one must be marked).
fn draw(
    logits: &[f32],
    allowed: Option<&[bool]>,
    temperature: f64,
    top_k: Option<usize>,
    rng: &mut ChaCha8Rng,
) -> u32 {
    let mut scaled: Vec<(f64, usize)> = logits
        .iter()
        .enumerate()
        .filter(|&(i, _)| allowed.is_none_or(|allowed| allowed[i]))
        .map(|(i, &l)| (l as f64 / temperature, i))
        .collect();
    if let Some(k) = top_k.filter(|&k| k > 0 && k < scaled.len()) {
        scaled.sort_by(|a, b| {
            b.0.partial_cmp(&a.0)
                .expect("finite logits")
                .then(a.1.cmp(&b.1))
        });
        scaled.truncate(k);
    }
    let max = scaled.iter().map(|s| s.0).fold(f64::NEG_INFINITY, f64::max);
    let weights: Vec<f64> = scaled.iter().map(|s| (s.0 - max).exp()).collect();
    let mut u = rng.random::<f64>() * weights.iter().sum::<f64>();
    for (w, s) in weights.iter().zip(&scaled) {
        if u < *w {
            return s.1 as u32;
        }
        u -= w;
    }
    scaled.last().expect("a non-empty vocabulary").1 as u32
}

/// Generates `options.n` token sequences (without `[CLS]`, up to and excluding `[EOS]`).
/// `properties` gives each row's raw property values for a conditional model.
pub fn generate(
    loaded: &Loaded,
    properties: Option<&[[f64; NUM_PROPERTIES]]>,
    options: &SampleOptions,
) -> Result<Vec<Vec<u32>>, ModelError> {
    generate_with(loaded, properties, options, None)
}

/// [`generate`] with the quantum layers' attention scores from `provider` (e.g. a backend, see
/// [`super::hardware::BackendScores`]) instead of the exact fast path. Sequences that have
/// emitted `[EOS]` ask for no more scores. With a classical model the provider is refused.
pub fn generate_with(
    loaded: &Loaded,
    properties: Option<&[[f64; NUM_PROPERTIES]]>,
    options: &SampleOptions,
    provider: Option<&dyn ScoreProvider>,
) -> Result<Vec<Vec<u32>>, ModelError> {
    if provider.is_some() && loaded.meta.config.model.attention != AttentionKind::Quantum {
        return Err(ModelError::Config(
            "scores from a backend need a quantum-attention checkpoint".into(),
        ));
    }
    if !(options.temperature.is_finite() && options.temperature > 0.0) {
        return Err(ModelError::Config(format!(
            "the temperature must be a positive number, not {}",
            options.temperature
        )));
    }
    let model = &loaded.model;
    let block = model.config().block_size;
    let constraint = options
        .constrain
        .then(|| SmilesConstraint::new(&loaded.meta.vocabulary, block.saturating_sub(2)));
    let mut allowed = vec![true; loaded.meta.vocabulary.len()];
    let mut out = Vec::with_capacity(options.n);
    let batch = options.batch.max(1);
    for first in (0..options.n).step_by(batch) {
        let rows = batch.min(options.n - first);
        let mut rngs: Vec<ChaCha8Rng> = (first..first + rows)
            .map(|r| {
                let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
                rng.set_stream(r as u64);
                rng
            })
            .collect();
        let props = match properties {
            Some(p) => {
                let z: Vec<f32> = p[first..first + rows]
                    .iter()
                    .flat_map(|raw| loaded.meta.properties.normalise(raw))
                    .collect();
                Some(Tensor::from_vec(z, (rows, NUM_PROPERTIES), &Device::Cpu)?)
            }
            None => None,
        };
        let mut sequences = vec![Vec::new(); rows];
        let mut finished = vec![false; rows];
        let mut cache = DecodeCache::default();
        let mut next = vec![CLS_ID; rows];
        // Each row's partial SMILES, when constrained.
        let mut partial: Vec<_> = constraint
            .iter()
            .flat_map(|c| (0..rows).map(|_| c.start()))
            .collect();
        for _ in 0..block - 1 {
            let ids = Tensor::from_vec(next.clone(), (rows, 1), &Device::Cpu)?;
            let active: Vec<bool> = finished.iter().map(|f| !f).collect();
            let request = provider.map(|provider| ScoreRequest {
                provider,
                active: Some(&active),
            });
            let logits: Vec<Vec<f32>> = model
                .decode_step_with(&ids, props.as_ref(), &mut cache, request)?
                .to_vec2()?;
            for r in 0..rows {
                let mask = match &constraint {
                    Some(c) if !finished[r] => {
                        // Nothing allowed (a dead end the budget bound did not foresee): the
                        // sequence ends here, unfinished, and RDKit will reject it.
                        if c.allowed(&partial[r], &mut allowed) == 0 {
                            allowed.fill(false);
                            allowed[EOS_ID as usize] = true;
                        }
                        Some(allowed.as_slice())
                    }
                    _ => None,
                };
                let token = draw(
                    &logits[r],
                    mask,
                    options.temperature,
                    options.top_k,
                    &mut rngs[r],
                );
                next[r] = token;
                if let Some(c) = &constraint
                    && !finished[r]
                {
                    c.push(&mut partial[r], token);
                }
                if !finished[r] {
                    if token == EOS_ID {
                        finished[r] = true;
                    } else {
                        sequences[r].push(token);
                    }
                }
            }
            if finished.iter().all(|&f| f) {
                break;
            }
        }
        out.extend(sequences);
    }
    Ok(out)
}
