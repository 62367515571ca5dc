//! Generation: start at `[CLS]`, sample with temperature and top-k from per-row ChaCha streams
//! (so results do not depend on batching), stop at `[EOS]` or the block size; the decoder runs
//! incrementally with its key/state caches. With `constrain`, each draw is restricted to the
//! tokens [`SmilesConstraint`] allows (well-formed, kekulisable SMILES within every atom's
//! valence); with [`RejectionControl`] as well, strings the constraint bent most are decoded
//! again. A conditional model reads each query's nine raw property values (see
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
use serde::Serialize;
use std::collections::VecDeque;
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
    /// With `constrain`: draw again the strings the constraint bent most ([`RejectionControl`]).
    pub rejection: Option<RejectionControl>,
}

/// Rejection control (Liu, Chen and Wong, JASA 1998) for constrained decoding.
///
/// Masking a draw to the allowed tokens renormalises the model's distribution, so a string the
/// model wanted to continue past what the constraint allows (a fifth bond on a carbon) is
/// finished early, and such rescued strings are weighted up by the inverse of the mass the mask
/// removed. A string's weight `w` is the product over its steps of the probability the model
/// (at the sampling temperature, before top-k) gave the allowed tokens; it is 0 at a dead end.
/// A finished string with `w < level` is kept with probability `w / level` and otherwise
/// decoded again from `[CLS]`, with the same query and the query's random stream going on. The
/// strings come out with probability proportional to `p(x) / max(w, level)`: at level 1,
/// exactly the model's own distribution restricted to the strings the constraint accepts (each
/// query costs `1 / P(accepted)` passes on average); towards 0, plain masking.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct RejectionControl {
    /// The level `c` in (0, 1].
    pub level: f64,
    /// Passes per query at most; the last one is kept whatever its weight.
    pub max_attempts: usize,
}

impl RejectionControl {
    /// Checks that the level lies in (0, 1] and at least one attempt is allowed.
    pub fn new(level: f64, max_attempts: usize) -> Result<Self, String> {
        if !(level > 0.0 && level <= 1.0) {
            return Err(format!(
                "the rejection-control level must lie in (0, 1], not {level}"
            ));
        }
        if max_attempts == 0 {
            return Err("at least one attempt per query is needed".into());
        }
        Ok(Self {
            level,
            max_attempts,
        })
    }

    /// Whether a string of log-weight `log_weight`, decoded at attempt `attempt` (from 1),
    /// is kept; draws from `rng` only when the string is below the level.
    fn keeps(&self, log_weight: f64, attempt: usize, rng: &mut ChaCha8Rng) -> bool {
        let below = log_weight - self.level.ln();
        attempt >= self.max_attempts || below >= 0.0 || rng.random::<f64>() < below.exp()
    }
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

/// The natural log of the probability mass the temperature-scaled softmax of `logits` puts on
/// the `allowed` tokens (minus infinity when none is allowed).
fn log_allowed_mass(logits: &[f32], allowed: &[bool], temperature: f64) -> f64 {
    let max = logits
        .iter()
        .map(|&l| l as f64 / temperature)
        .fold(f64::NEG_INFINITY, f64::max);
    let (mut all, mut kept) = (0.0, 0.0);
    for (&l, &ok) in logits.iter().zip(allowed) {
        let w = (l as f64 / temperature - max).exp();
        all += w;
        if ok {
            kept += w;
        }
    }
    (kept / all).ln()
}

/// Generated token sequences, one per query, and what producing them cost.
#[derive(Clone, Debug, PartialEq)]
pub struct Generation {
    /// One sequence per query (without `[CLS]`, up to and excluding `[EOS]`).
    pub sequences: Vec<Vec<u32>>,
    /// Strings decoded in all: the number of queries, plus the strings rejection control drew
    /// again.
    pub attempts: usize,
}

/// A query waiting to be decoded: its index and its random stream, which goes on across
/// attempts.
struct Query {
    index: usize,
    rng: ChaCha8Rng,
    attempts: usize,
}

/// Generates `options.n` token sequences (without `[CLS]`, up to and excluding `[EOS]`).
/// `properties` gives each row's raw property values for a conditional model.
pub fn generate(
    loaded: &Loaded,
    properties: Option<&[[f64; NUM_PROPERTIES]]>,
    options: &SampleOptions,
) -> Result<Vec<Vec<u32>>, ModelError> {
    Ok(generate_with(loaded, properties, options, None)?.sequences)
}

/// [`generate`] with the quantum layers' attention scores from `provider` (e.g. a backend, see
/// [`super::hardware::BackendScores`]) instead of the exact fast path, and with the number of
/// strings decoded. Sequences that have emitted `[EOS]` ask for no more scores. With a
/// classical model the provider is refused.
pub fn generate_with(
    loaded: &Loaded,
    properties: Option<&[[f64; NUM_PROPERTIES]]>,
    options: &SampleOptions,
    provider: Option<&dyn ScoreProvider>,
) -> Result<Generation, ModelError> {
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
    if !loaded.meta.config.model.partial_conditions
        && properties.is_some_and(|rows| rows.iter().flatten().any(|v| v.is_nan()))
    {
        return Err(ModelError::Config(
            "every property needs a value: only a model trained with `partial_conditions` \
             samples with some left unset"
                .into(),
        ));
    }
    if options.rejection.is_some() && !options.constrain {
        return Err(ModelError::Config(
            "rejection control needs constrained decoding".into(),
        ));
    }
    let constraint = options.constrain.then(|| {
        SmilesConstraint::new(
            &loaded.meta.vocabulary,
            loaded.model.config().block_size.saturating_sub(2),
        )
    });
    let decoder = Decoder {
        loaded,
        properties,
        options,
        provider,
        constraint: constraint.as_ref(),
    };
    let mut pending: VecDeque<Query> = (0..options.n)
        .map(|index| {
            let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
            rng.set_stream(index as u64);
            Query {
                index,
                rng,
                attempts: 0,
            }
        })
        .collect();
    let mut sequences = vec![Vec::new(); options.n];
    let mut attempts = 0;
    let batch = options.batch.max(1);
    while !pending.is_empty() {
        let mut rows: Vec<Query> = pending.drain(..batch.min(pending.len())).collect();
        let decoded = decoder.decode(&mut rows)?;
        for (mut query, (sequence, log_weight)) in rows.into_iter().zip(decoded) {
            query.attempts += 1;
            attempts += 1;
            let kept = options
                .rejection
                .is_none_or(|control| control.keeps(log_weight, query.attempts, &mut query.rng));
            if kept {
                sequences[query.index] = sequence;
            } else {
                pending.push_back(query);
            }
        }
    }
    Ok(Generation {
        sequences,
        attempts,
    })
}

/// What decoding a batch of queries needs.
struct Decoder<'a> {
    loaded: &'a Loaded,
    properties: Option<&'a [[f64; NUM_PROPERTIES]]>,
    options: &'a SampleOptions,
    provider: Option<&'a dyn ScoreProvider>,
    constraint: Option<&'a SmilesConstraint>,
}

impl Decoder<'_> {
    /// Decodes one string per query in `rows`, drawing from each query's stream, and returns
    /// each with its log-weight (the log of the mass the constraint left to the drawn path; 0
    /// when unconstrained).
    fn decode(&self, rows: &mut [Query]) -> Result<Vec<(Vec<u32>, f64)>, ModelError> {
        let model = &self.loaded.model;
        let block = model.config().block_size;
        let n = rows.len();
        let props = match self.properties {
            Some(p) => {
                let config = model.config();
                let z: Vec<f32> = rows
                    .iter()
                    .flat_map(|q| {
                        self.loaded
                            .meta
                            .properties
                            .encode(&p[q.index], config.partial_conditions)
                    })
                    .collect();
                Some(Tensor::from_vec(
                    z,
                    (n, config.property_inputs()),
                    &Device::Cpu,
                )?)
            }
            None => None,
        };
        let mut allowed = vec![true; self.loaded.meta.vocabulary.len()];
        let mut sequences = vec![Vec::new(); n];
        let mut log_weights = vec![0.0; n];
        let mut finished = vec![false; n];
        let mut cache = DecodeCache::default();
        let mut next = vec![CLS_ID; n];
        // Each row's partial SMILES, when constrained.
        let mut partial: Vec<_> = self
            .constraint
            .iter()
            .flat_map(|c| (0..n).map(|_| c.start()))
            .collect();
        for _ in 0..block - 1 {
            let ids = Tensor::from_vec(next.clone(), (n, 1), &Device::Cpu)?;
            let active: Vec<bool> = finished.iter().map(|f| !f).collect();
            let request = self.provider.map(|provider| ScoreRequest {
                provider,
                active: Some(&active),
            });
            let logits: Vec<Vec<f32>> = model
                .decode_step_with(&ids, props.as_ref(), &mut cache, request)?
                .to_vec2()?;
            for r in 0..n {
                // A finished row draws nothing more, so that its stream, which a redrawn query
                // goes on with, does not depend on how long the rest of its batch runs.
                if finished[r] {
                    next[r] = EOS_ID;
                    continue;
                }
                let mask = match self.constraint {
                    Some(c) => {
                        // Nothing allowed (a dead end the budget bound did not foresee): the
                        // sequence ends here, unfinished, and RDKit will reject it.
                        if c.allowed(&partial[r], &mut allowed) == 0 {
                            allowed.fill(false);
                            allowed[EOS_ID as usize] = true;
                            log_weights[r] = f64::NEG_INFINITY;
                        } else if self.options.rejection.is_some() {
                            log_weights[r] +=
                                log_allowed_mass(&logits[r], &allowed, self.options.temperature);
                        }
                        Some(allowed.as_slice())
                    }
                    None => None,
                };
                let token = draw(
                    &logits[r],
                    mask,
                    self.options.temperature,
                    self.options.top_k,
                    &mut rows[r].rng,
                );
                next[r] = token;
                if let Some(c) = self.constraint {
                    c.push(&mut partial[r], token);
                }
                if token == EOS_ID {
                    finished[r] = true;
                } else {
                    sequences[r].push(token);
                }
            }
            if finished.iter().all(|&f| f) {
                break;
            }
        }
        Ok(sequences.into_iter().zip(log_weights).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejection_control_checks_its_level_and_attempts() {
        for level in [0.0, -0.5, 1.5, f64::NAN, f64::INFINITY] {
            assert!(RejectionControl::new(level, 8).is_err(), "{level}");
        }
        assert!(RejectionControl::new(0.5, 0).is_err());
        assert!(RejectionControl::new(1.0, 1).is_ok());
    }

    #[test]
    fn rejection_control_keeps_a_string_with_probability_weight_over_level() {
        let control = RejectionControl::new(0.5, 3).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        // At or above the level, and on the last attempt, a string is kept without a draw.
        let before = rng.clone();
        assert!(control.keeps(0.5_f64.ln(), 1, &mut rng));
        assert!(control.keeps(f64::NEG_INFINITY, 3, &mut rng));
        assert_eq!(rng, before);
        assert!(!control.keeps(f64::NEG_INFINITY, 2, &mut rng));
        // Weight 0.1 against level 0.5: kept one time in five.
        let trials = 20_000;
        let kept = (0..trials)
            .filter(|_| control.keeps(0.1_f64.ln(), 1, &mut rng))
            .count() as f64
            / trials as f64;
        assert!((kept - 0.2).abs() < 0.01, "{kept}");
    }

    #[test]
    fn allowed_mass_is_the_softmax_mass_of_the_allowed_tokens() {
        let logits = [0.0_f32, 1.0, 2.0];
        let allowed = [true, false, true];
        for temperature in [1.0, 0.5] {
            let e: Vec<f64> = logits
                .iter()
                .map(|&l| (l as f64 / temperature).exp())
                .collect();
            let expected = (e[0] + e[2]) / e.iter().sum::<f64>();
            let mass = log_allowed_mass(&logits, &allowed, temperature).exp();
            assert!((mass - expected).abs() < 1e-12, "{mass} against {expected}");
        }
        assert_eq!(
            log_allowed_mass(&logits, &[false; 3], 1.0),
            f64::NEG_INFINITY
        );
    }
}
