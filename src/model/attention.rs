//! Causal self-attention with h heads: classical (linear queries and keys, split into h heads of
//! width d_head = `qk_dim`/h, scores scaled by 1/√d_head), classical-eq (the same with narrower
//! queries and keys) and quantum (per head, the layer's score kind — Re⟨ψ_q,h(i)|ψ_k,h(j)⟩ for
//! the paper layer — from the simulated states with that head's query and key angles, scaled by
//! `quantum_scale`, ×2 for scores in [0, 1]; docs/model.md). Values and the output
//! projection are classical in all three: the values are split into h heads of `embed`/h, each
//! head's weighted values are concatenated, then projected. An [`AttentionCache`] keeps the
//! keys (or key states, all heads side by side; for the overlap score kinds the encoded states φ,
//! or χ without the property register of a conditional layer) and values of earlier positions, so that decoding step t costs O(t).
//!
//! Quantum scores come from the exact fast path (state preparation and a matmul) unless a
//! [`ScoreRequest`] names a [`ScoreProvider`]: then each new token's scores against the visible
//! positions are estimated by the provider (e.g. the score circuit run on a backend, see
//! [`super::hardware`]) from the pair's angle rows, and the cache keeps the key *angle rows* of
//! earlier tokens so that step t asks for t scores per sequence.

use super::config::{AttentionKind, ModelConfig};
use super::nn::{dropout, linear, softmax_last};
use super::quantum::{SharedPrefix, StatePrepOp, times_i};
use crate::layer::{ScoreKind, Side, side_groups};
use crate::sim::StatePrepKernel;
use candle_core::{DType, Module, Result, Tensor};
use candle_nn::{Init, Linear, VarBuilder, VarMap};
use rand_chacha::ChaCha8Rng;
use std::sync::Arc;

/// The extra factor on `quantum_scale` for a score kind (docs/model.md): 1 for scores in
/// [−1, 1], 2 for scores in [0, 1] — (2s − 1)·√d maps [0, 1] onto the signed range, and the
/// softmax ignores the shift.
fn score_range_factor(kind: ScoreKind) -> f64 {
    match kind {
        ScoreKind::HadamardReal | ScoreKind::HadamardImag => 1.0,
        ScoreKind::SwapTest | ScoreKind::Fidelity | ScoreKind::GaussianZ => 2.0,
    }
}

/// exp(−(⟨Z_0⟩_q − ⟨Z_0⟩_k)²) from state rows (real 2^n, or `[Re ψ | Im ψ]`); qubit 0 is bit 0
/// of the amplitude index.
fn gaussian_z(q: &Tensor, k: &Tensor, complex: bool) -> Result<Tensor> {
    let w = q.dim(2)?;
    let dim = if complex { w / 2 } else { w };
    let signs: Vec<f64> = (0..w)
        .map(|x| if (x % dim) & 1 == 0 { 1.0 } else { -1.0 })
        .collect();
    let signs = Tensor::from_vec(signs, w, q.device())?.to_dtype(q.dtype())?;
    let z = |s: &Tensor| s.sqr()?.broadcast_mul(&signs)?.sum(2);
    let (zq, zk) = (z(q)?, z(k)?);
    let diff = zq.unsqueeze(2)?.broadcast_sub(&zk.unsqueeze(1)?)?;
    diff.sqr()?.neg()?.exp()
}

/// Keys and values of the positions decoded so far (`None` before the first step).
#[derive(Clone, Debug, Default)]
pub struct AttentionCache {
    keys: Option<Tensor>,
    /// Key-side angle rows (B × S × P) when scores come from a [`ScoreProvider`].
    key_rows: Option<Tensor>,
    values: Option<Tensor>,
}

/// Appends `new` (B × T × …) to a cache slot along the time axis; returns everything cached.
fn append(slot: &mut Option<Tensor>, new: Tensor) -> Result<Tensor> {
    let all = match slot {
        Some(old) => Tensor::cat(&[&*old, &new], 1)?,
        None => new,
    };
    *slot = Some(all.clone());
    Ok(all)
}

impl AttentionCache {
    /// Cached positions.
    pub fn len(&self) -> usize {
        self.values.as_ref().map_or(0, |v| v.dim(1).unwrap_or(0))
    }

    /// True before the first step.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// What an attention layer reads besides the normalised hidden states.
pub struct AttentionInput<'a> {
    /// LayerNorm-ed hidden states (B × T × d).
    pub x: &'a Tensor,
    /// Token ids (B × T, u32): the quantum layer's token angles are indexed by them.
    pub ids: &'a Tensor,
    /// Position of the first of the T tokens.
    pub start: usize,
    /// Encoded properties (B × `property_inputs`) of a conditional model.
    pub properties: Option<&'a Tensor>,
}

/// A source of quantum attention scores other than the exact fast path.
pub trait ScoreProvider {
    /// Estimates of Re⟨ψ_q|ψ_k⟩, one per pair `(query row, key row)`. `query` holds row-major
    /// angle rows in the columns of [`StatePrepKernel::for_layer`]`(spec, Side::Query)` (`tok_i_*`,
    /// `pos_i_*`, `prop_*`, `query_*`), `key` those of the key side (`tok_j_*`, `pos_j_*`,
    /// `prop_*`, `key_*`); both have `columns` values per row.
    fn overlaps(
        &self,
        query: &[f64],
        key: &[f64],
        columns: usize,
        pairs: &[(usize, usize)],
    ) -> std::result::Result<Vec<f64>, String>;
}

/// Scores from a provider for one decoding step.
#[derive(Clone, Copy)]
pub struct ScoreRequest<'a> {
    /// Where the scores come from.
    pub provider: &'a dyn ScoreProvider,
    /// Rows (sequences) that still need scores; the others (finished sequences) get score 0 and
    /// cost nothing. `None`: every row.
    pub active: Option<&'a [bool]>,
}

/// Linear queries and keys (classical and classical-eq).
#[derive(Clone, Debug)]
pub struct ClassicalScores {
    query: Linear,
    key: Linear,
    scale: f64,
}

/// The quantum layer's angle parameters and its state-preparation ops: the heads' shared
/// prefix ([`SharedPrefix`]) for layers of up to [`SharedPrefix::MAX_QUBITS`] working qubits,
/// else the whole query and key templates per head. `query_angles` and `key_angles` hold h angle
/// sets of the side's size one after the other (head-major). With a shared prefix, the kinds that
/// are functions of ⟨ψ_q,h|ψ_k,h⟩ (hadamard-real, hadamard-imag of complex layers, swap-test,
/// fidelity) score ⟨V_h φ(i)|φ(j)⟩ with V_h = U_k,h†U_q,h instead of preparing ψ_q and ψ_k
/// ([`SharedPrefix::overlap_queries`]); gaussian-z needs the states themselves.
#[derive(Clone, Debug)]
pub struct QuantumScores {
    token_angles: Tensor,
    token_angles_name: String,
    position_angles: Tensor,
    property_angles: Option<Linear>,
    query_angles: Tensor,
    key_angles: Tensor,
    query_op: StatePrepOp,
    key_op: StatePrepOp,
    shared: Option<SharedPrefix>,
    /// Scores come from the heads' overlap queries ([`SharedPrefix::overlap_queries`]): a
    /// shared prefix and a score kind that is a function of ⟨ψ_q|ψ_k⟩ alone.
    overlap: bool,
    scale: f64,
    heads: usize,
    kind: ScoreKind,
    complex: bool,
    paper: bool,
}

/// How a layer turns tokens into attention scores.
#[derive(Clone, Debug)]
pub enum Scores {
    /// Classical queries and keys.
    Classical(ClassicalScores),
    /// Quantum states.
    Quantum(Box<QuantumScores>),
}

/// One causal self-attention layer.
#[derive(Clone, Debug)]
pub struct Attention {
    scores: Scores,
    heads: usize,
    value: Linear,
    projection: Linear,
    dropout: f64,
}

impl QuantumScores {
    fn new(cfg: &ModelConfig, vocab: usize, vb: VarBuilder) -> Result<QuantumScores> {
        let spec = cfg
            .layer_spec()
            .map_err(|e| candle_core::Error::Msg(e.to_string()))?;
        let prep = |side| -> Result<Arc<StatePrepKernel>> {
            StatePrepKernel::for_layer(&spec, side)
                .map(Arc::new)
                .map_err(|e| candle_core::Error::Msg(e.to_string()))
        };
        let (query_prep, key_prep) = (prep(Side::Query)?, prep(Side::Key)?);
        let groups = side_groups(&spec, Side::Query);
        let count = |prefix: &str| {
            groups
                .iter()
                .find(|g| g.prefix == prefix)
                .map_or(0, |g| g.count)
        };
        let (r_tok, r_pos, r_prop, r_side) = (
            count("tok_i"),
            count("pos_i"),
            count("prop"),
            count("query"),
        );
        if query_prep.num_params() != r_tok + r_pos + r_prop + r_side {
            candle_core::bail!("the layer's parameter count does not match its registers");
        }
        let shared =
            SharedPrefix::for_layer(&spec).map_err(|e| candle_core::Error::Msg(e.to_string()))?;
        if shared
            .as_ref()
            .is_some_and(|s| s.is_complex() != query_prep.is_complex())
        {
            candle_core::bail!("the layer's split templates disagree on complex amplitudes");
        }
        let angles =
            |shape: (usize, usize), name: &str, init: Init| vb.get_with_hints(shape, name, init);
        let uniform = Init::Uniform {
            lo: 0.0,
            up: std::f64::consts::PI,
        };
        let token_angles = angles(
            (vocab, r_tok),
            "token_angles",
            Init::Randn {
                mean: 0.0,
                stdev: 1.0,
            },
        )?;
        let position_angles = angles((cfg.block_size, r_pos), "position_angles", Init::Const(0.0))?;
        let property_angles = if spec.registers.property > 0 {
            Some(linear(
                cfg.property_inputs(),
                r_prop,
                vb.pp("property_angles"),
            )?)
        } else {
            None
        };
        let complex = query_prep.is_complex();
        // Im⟨ψ_q|ψ_k⟩ of real states is 0: that layer keeps the states path.
        let overlap = shared.is_some()
            && match spec.score {
                ScoreKind::HadamardReal | ScoreKind::SwapTest | ScoreKind::Fidelity => true,
                ScoreKind::HadamardImag => complex,
                ScoreKind::GaussianZ => false,
            };
        Ok(QuantumScores {
            token_angles,
            token_angles_name: format!("{}.token_angles", vb.prefix()),
            position_angles,
            property_angles,
            query_angles: vb.get_with_hints(cfg.heads * r_side, "query_angles", uniform)?,
            key_angles: vb.get_with_hints(cfg.heads * r_side, "key_angles", uniform)?,
            scale: cfg.quantum_scale * score_range_factor(spec.score),
            heads: cfg.heads,
            kind: spec.score,
            complex,
            overlap,
            paper: cfg.layer.is_none(),
            query_op: StatePrepOp::new(query_prep),
            key_op: StatePrepOp::new(key_prep),
            shared,
        })
    }

    /// Min–max scales the token-angle table into [0, π] (design.md §5; once, at initialisation).
    fn rescale_token_angles(&self, varmap: &mut VarMap) -> Result<()> {
        let t = &self.token_angles;
        let (lo, hi) = (
            t.flatten_all()?
                .min(0)?
                .to_dtype(DType::F64)?
                .to_scalar::<f64>()?,
            t.flatten_all()?
                .max(0)?
                .to_dtype(DType::F64)?
                .to_scalar::<f64>()?,
        );
        let span = (hi - lo).max(f64::EPSILON);
        let scaled = ((t - lo)? * (std::f64::consts::PI / span))?;
        varmap.set_one(&self.token_angles_name, scaled)
    }

    /// Property angles π·sigmoid(W z + b) per molecule (B × r), or `None`.
    fn property_angles(&self, properties: Option<&Tensor>) -> Result<Option<Tensor>> {
        match (&self.property_angles, properties) {
            (Some(layer), Some(z)) => Ok(Some(
                (candle_nn::ops::sigmoid(&layer.forward(z)?)? * std::f64::consts::PI)?,
            )),
            (Some(_), None) => candle_core::bail!("a conditional model needs properties"),
            (None, _) => Ok(None),
        }
    }

    /// The (B·T·h) × P angle rows of ψ_q and ψ_k (token, position, property, then one head's
    /// query or key angles: the columns of [`StatePrepKernel::for_layer`] for each side), ordered
    /// by sequence, then token, then head.
    pub fn side_rows(&self, input: &AttentionInput) -> Result<(Tensor, Tensor)> {
        let property = self.property_angles(input.properties)?;
        Ok((
            self.head_rows(input, property.as_ref(), &self.query_angles)?,
            self.head_rows(input, property.as_ref(), &self.key_angles)?,
        ))
    }

    /// Attention heads.
    pub fn heads(&self) -> usize {
        self.heads
    }

    /// [`Self::rows`] for every head's angle set of `side` (h · r values), interleaved so that
    /// row (b·T + t)·h + head belongs to token t of sequence b and head `head`.
    fn head_rows(
        &self,
        input: &AttentionInput,
        property: Option<&Tensor>,
        side: &Tensor,
    ) -> Result<Tensor> {
        if self.heads == 1 {
            return self.rows(input, property, side);
        }
        let r = side.dim(0)? / self.heads;
        let per_head = (0..self.heads)
            .map(|head| self.rows(input, property, &side.narrow(0, head * r, r)?))
            .collect::<Result<Vec<_>>>()?;
        let p = per_head[0].dim(1)?;
        Tensor::stack(&per_head, 1)?.reshape(((), p))?.contiguous()
    }

    /// The factor on the raw score before the softmax: `quantum_scale` for the signed kinds
    /// (hadamard-real, hadamard-imag), 2 · `quantum_scale` for those in [0, 1] (swap-test,
    /// fidelity, gaussian-z).
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// The layer's score kind.
    pub fn kind(&self) -> ScoreKind {
        self.kind
    }

    /// Raw scores ((B·h) × T × S) of the kind from query and key state rows ((B·h) × T × w and
    /// (B·h) × S × w), as tensor ops so that gradients reach the state-prep op.
    pub fn raw_from_states(&self, q: &Tensor, k: &Tensor) -> Result<Tensor> {
        let q = q.contiguous()?;
        let k = k.contiguous()?;
        let dot = |a: &Tensor, b: &Tensor| a.contiguous()?.matmul(&b.t()?.contiguous()?);
        if self.kind == ScoreKind::GaussianZ {
            return gaussian_z(&q, &k, self.complex);
        }
        if self.kind == ScoreKind::HadamardReal {
            return dot(&q, &k);
        }
        // ⟨ψ_q|ψ_k⟩ = Σ (q_r − i q_i)(k_r + i k_i).
        let (re, im) = if self.complex {
            let half = q.dim(2)? / 2;
            let (qr, qi) = (q.narrow(2, 0, half)?, q.narrow(2, half, half)?);
            let (kr, ki) = (k.narrow(2, 0, half)?, k.narrow(2, half, half)?);
            (
                (dot(&qr, &kr)? + dot(&qi, &ki)?)?,
                (dot(&qr, &ki)? - dot(&qi, &kr)?)?,
            )
        } else {
            let re = dot(&q, &k)?;
            let im = re.zeros_like()?;
            (re, im)
        };
        match self.kind {
            ScoreKind::HadamardImag => Ok(im),
            _ => re.sqr()? + im.sqr()?,
        }
    }

    fn rows(
        &self,
        input: &AttentionInput,
        property: Option<&Tensor>,
        side: &Tensor,
    ) -> Result<Tensor> {
        let (b, t) = input.ids.dims2()?;
        let tok = self
            .token_angles
            .index_select(&input.ids.flatten_all()?, 0)?;
        let mut parts = vec![tok];
        let r_pos = self.position_angles.dim(1)?;
        if r_pos > 0 {
            let pos = self.position_angles.narrow(0, input.start, t)?;
            parts.push(
                pos.unsqueeze(0)?
                    .broadcast_as((b, t, r_pos))?
                    .reshape((b * t, r_pos))?,
            );
        }
        if let Some(prop) = property {
            let r = prop.dim(1)?;
            parts.push(
                prop.unsqueeze(1)?
                    .broadcast_as((b, t, r))?
                    .reshape((b * t, r))?,
            );
        }
        parts.push(side.unsqueeze(0)?.broadcast_as((b * t, side.dim(0)?))?);
        Tensor::cat(&parts, 1)?.contiguous()
    }

    /// Provider-estimated scores (B × T × S, scaled) of the T new tokens against the cached and
    /// new positions; the cache's key rows grow by T. Masked pairs (j > start + i) and inactive
    /// rows are 0 and are not asked for.
    fn provided_scores(
        &self,
        input: &AttentionInput,
        request: ScoreRequest,
        cache: Option<&mut AttentionCache>,
    ) -> Result<Tensor> {
        if self.heads != 1 || !self.paper {
            candle_core::bail!(
                "scores from a provider need the paper layer with one head (this one has {})",
                self.heads
            );
        }
        let (b, t) = input.ids.dims2()?;
        let (query_rows, key_rows) = self.side_rows(input)?;
        let p = query_rows.dim(1)?;
        let key_rows = key_rows.reshape((b, t, p))?;
        let key_rows = match cache {
            Some(cache) => append(&mut cache.key_rows, key_rows)?,
            None => key_rows,
        };
        let s = key_rows.dim(1)?;
        let offset = s - t;
        let to_f64 = |x: &Tensor| -> Result<Vec<f64>> {
            x.to_dtype(DType::F64)?.flatten_all()?.to_vec1::<f64>()
        };
        let (query, key) = (to_f64(&query_rows)?, to_f64(&key_rows)?);
        let mut pairs = Vec::new();
        let mut slots = Vec::new();
        for row in 0..b {
            if request
                .active
                .is_some_and(|a| !a.get(row).copied().unwrap_or(true))
            {
                continue;
            }
            for i in 0..t {
                for j in 0..=offset + i {
                    pairs.push((row * t + i, row * s + j));
                    slots.push((row * t + i) * s + j);
                }
            }
        }
        let mut scores = vec![0f64; b * t * s];
        if !pairs.is_empty() {
            let estimates = request
                .provider
                .overlaps(&query, &key, p, &pairs)
                .map_err(candle_core::Error::Msg)?;
            if estimates.len() != pairs.len() {
                candle_core::bail!(
                    "the score provider answered {} of {} pairs",
                    estimates.len(),
                    pairs.len()
                );
            }
            for (slot, e) in slots.into_iter().zip(estimates) {
                scores[slot] = e * self.scale;
            }
        }
        Tensor::from_vec(scores, (b, t, s), input.x.device())?.to_dtype(input.x.dtype())
    }

    /// What the scores of the T new tokens are made of: with [`Self::overlap`], every head's
    /// overlap query rows (B × T × h·w) and the key rows φ (B × T × w) that all heads share
    /// ([`Self::overlap_scores`]); otherwise ψ_q and ψ_k as kernel rows, the h heads' side by
    /// side (B × T × h·w with w = 2^n, or w = 2·2^n `[Re ψ | Im ψ]` for a complex template:
    /// either way a row product is Re⟨ψ_q|ψ_k⟩; [`Self::raw_from_states`]).
    fn states(&self, input: &AttentionInput) -> Result<(Tensor, Tensor)> {
        match &self.shared {
            Some(shared) if self.overlap => self.overlap_states(shared, input),
            Some(shared) => self.shared_states(shared, input),
            None => self.whole_states(input),
        }
    }

    /// The encoding angles of the shared prefix ([`SharedPrefix::states`]): token angles per
    /// token, position angles per position, property angles per sequence.
    fn registers(&self, input: &AttentionInput) -> Result<Vec<Tensor>> {
        let (b, t) = input.ids.dims2()?;
        let mut registers = vec![
            self.token_angles
                .index_select(&input.ids.flatten_all()?, 0)?
                .reshape((b, t, ()))?,
        ];
        if self.position_angles.dim(1)? > 0 {
            registers.push(
                self.position_angles
                    .narrow(0, input.start, t)?
                    .unsqueeze(0)?,
            );
        }
        if let Some(property) = self.property_angles(input.properties)? {
            registers.push(property.unsqueeze(1)?);
        }
        Ok(registers)
    }

    /// The h query and the h key angle sets (each h × P_ansatz).
    fn angle_sets(&self) -> Result<(Tensor, Tensor)> {
        let h = self.heads;
        let r = self.query_angles.dim(0)? / h;
        Ok((
            self.query_angles.reshape((h, r))?,
            self.key_angles.reshape((h, r))?,
        ))
    }

    /// [`Self::states`] from the heads' shared prefix: one encoded product state per token, then
    /// one matrix product for the 2h query and key unitaries.
    fn shared_states(
        &self,
        shared: &SharedPrefix,
        input: &AttentionInput,
    ) -> Result<(Tensor, Tensor)> {
        let (b, t) = input.ids.dims2()?;
        let (query_sets, key_sets) = self.angle_sets()?;
        let sets = Tensor::cat(&[query_sets, key_sets], 0)?;
        let states = shared.states(&self.registers(input)?, &sets)?;
        let width = states.dim(1)? / 2;
        Ok((
            states.narrow(1, 0, width)?.reshape((b, t, width))?,
            states.narrow(1, width, width)?.reshape((b, t, width))?,
        ))
    }

    /// [`Self::states`] for the overlap kinds: every head's query rows and the shared key rows of
    /// [`SharedPrefix::overlap_queries`] (V_h φ(i) and φ(i), or A_h χ(i) and χ(i) with the
    /// property register contracted per sequence; times i for hadamard-imag).
    fn overlap_states(
        &self,
        shared: &SharedPrefix,
        input: &AttentionInput,
    ) -> Result<(Tensor, Tensor)> {
        let (b, t) = input.ids.dims2()?;
        let (query_sets, key_sets) = self.angle_sets()?;
        let imaginary = self.kind == ScoreKind::HadamardImag;
        let (queries, phi) =
            shared.overlap_queries(&self.registers(input)?, &query_sets, &key_sets, imaginary)?;
        Ok((queries.reshape((b, t, ()))?, phi.reshape((b, t, ()))?))
    }

    /// Scaled scores ((B·h) × T × S, head-major within each sequence) from the overlap query
    /// rows of the T new tokens (B × T × h·w) and the key rows φ of the S visible positions
    /// (B × S × w): the row product a·φ is Re⟨ψ_q|ψ_k⟩ (Im for hadamard-imag, whose query rows
    /// carry the factor i); swap-test and fidelity take |⟨ψ_q|ψ_k⟩|², whose imaginary part is
    /// the row product with −i·φ. One batched product per sequence scores all h heads (rows
    /// token-major, then head), and the head-major order is one transposed copy of the scores.
    fn overlap_scores(&self, queries: &Tensor, keys: &Tensor) -> Result<Tensor> {
        let (b, t, hw) = queries.dims3()?;
        let (h, s) = (self.heads, keys.dim(1)?);
        let queries = queries.reshape((b, t * h, hw / h))?;
        let squared = matches!(self.kind, ScoreKind::SwapTest | ScoreKind::Fidelity);
        let keys = if squared && self.complex {
            // r(−i·φ) = −r(i·φ).
            Tensor::cat(&[keys, &times_i(keys, 2)?.neg()?], 1)?
        } else {
            keys.clone()
        };
        let dot = queries.matmul(&keys.t()?)?.reshape((b, t, h, ()))?;
        let raw = match (squared, self.complex) {
            (false, _) => dot,
            (true, false) => dot.sqr()?,
            (true, true) => (dot.narrow(3, 0, s)?.sqr()? + dot.narrow(3, s, s)?.sqr()?)?,
        };
        (raw.transpose(1, 2)? * self.scale)?.reshape((b * h, t, s))
    }

    /// [`Self::states`] from the whole query and key templates, h rows per token and side.
    fn whole_states(&self, input: &AttentionInput) -> Result<(Tensor, Tensor)> {
        let (b, t) = input.ids.dims2()?;
        let (query_rows, key_rows) = self.side_rows(input)?;
        let q = self.query_op.states(&query_rows)?;
        let k = self.key_op.states(&key_rows)?;
        // Rows are (sequence, token, head): each token's h states are adjacent.
        Ok((q.reshape((b, t, ()))?, k.reshape((b, t, ()))?))
    }
}

impl Attention {
    /// Builds the layer of kind `cfg.attention` for a vocabulary of `vocab` tokens.
    pub fn new(cfg: &ModelConfig, vocab: usize, vb: VarBuilder) -> Result<Attention> {
        let d = cfg.embed;
        let scores = match cfg.attention {
            AttentionKind::Quantum => {
                Scores::Quantum(Box::new(QuantumScores::new(cfg, vocab, vb.clone())?))
            }
            AttentionKind::Classical | AttentionKind::ClassicalEq => {
                Scores::Classical(ClassicalScores {
                    query: linear(d, cfg.qk_dim, vb.pp("query"))?,
                    key: linear(d, cfg.qk_dim, vb.pp("key"))?,
                    scale: 1.0 / ((cfg.qk_dim / cfg.heads) as f64).sqrt(),
                })
            }
        };
        if cfg.heads == 0 || !d.is_multiple_of(cfg.heads) || !cfg.qk_dim.is_multiple_of(cfg.heads) {
            candle_core::bail!("{} heads do not divide the layer's widths", cfg.heads);
        }
        Ok(Attention {
            scores,
            heads: cfg.heads,
            value: linear(d, d, vb.pp("value"))?,
            projection: linear(d, d, vb.pp("projection"))?,
            dropout: cfg.dropout,
        })
    }

    /// The score source.
    pub fn scores(&self) -> &Scores {
        &self.scores
    }

    /// Finishes initialisation that needs the values of other parameters (the quantum token
    /// angles' min–max scaling).
    pub fn finish_init(&self, varmap: &mut VarMap) -> Result<()> {
        match &self.scores {
            Scores::Quantum(q) => q.rescale_token_angles(varmap),
            Scores::Classical(_) => Ok(()),
        }
    }

    /// Queries and keys of the new tokens, and the factor on their inner products.
    fn queries_keys(&self, input: &AttentionInput) -> Result<(Tensor, Tensor, f64)> {
        match &self.scores {
            Scores::Classical(c) => {
                Ok((c.query.forward(input.x)?, c.key.forward(input.x)?, c.scale))
            }
            Scores::Quantum(q) => {
                let (psi_q, psi_k) = q.states(input)?;
                Ok((psi_q, psi_k, q.scale))
            }
        }
    }

    /// Raw scores ((B·h) × T × S, head-major within each sequence) of the new tokens against
    /// all S visible positions, before the mask, and the values split into heads ((B·h) × S ×
    /// d/h); with a cache, S = cached + T and the cache grows by T.
    pub fn raw_scores(
        &self,
        input: &AttentionInput,
        cache: Option<&mut AttentionCache>,
    ) -> Result<(Tensor, Tensor)> {
        self.raw_scores_with(input, cache, None)
    }

    /// [`Attention::raw_scores`], with the quantum scores from `request`'s provider when given
    /// (classical layers ignore it).
    pub fn raw_scores_with(
        &self,
        input: &AttentionInput,
        mut cache: Option<&mut AttentionCache>,
        request: Option<ScoreRequest>,
    ) -> Result<(Tensor, Tensor)> {
        if let (Scores::Quantum(q), Some(request)) = (&self.scores, request) {
            let scores = q.provided_scores(input, request, cache.as_deref_mut())?;
            let values = self.value.forward(input.x)?;
            let values = match cache {
                Some(cache) => append(&mut cache.values, values)?,
                None => values,
            };
            return Ok((scores, self.split_heads(&values)?));
        }
        let (queries, keys, scale) = self.queries_keys(input)?;
        let values = self.value.forward(input.x)?;
        let (keys, values) = match cache {
            Some(cache) => (
                append(&mut cache.keys, keys)?,
                append(&mut cache.values, values)?,
            ),
            None => (keys, values),
        };
        let scores = match &self.scores {
            Scores::Quantum(q) if q.overlap => q.overlap_scores(&queries, &keys)?,
            Scores::Quantum(q) => {
                let (queries, keys) = (self.split_heads(&queries)?, self.split_heads(&keys)?);
                (q.raw_from_states(&queries, &keys)? * scale)?
            }
            Scores::Classical(_) => {
                let (queries, keys) = (self.split_heads(&queries)?, self.split_heads(&keys)?);
                (queries.contiguous()?.matmul(&keys.t()?.contiguous()?)? * scale)?
            }
        };
        Ok((scores, self.split_heads(&values)?))
    }

    /// B × S × (h·e) → (B·h) × S × e (unchanged for one head).
    fn split_heads(&self, x: &Tensor) -> Result<Tensor> {
        if self.heads == 1 {
            return Ok(x.clone());
        }
        let (b, s, width) = x.dims3()?;
        x.reshape((b, s, self.heads, width / self.heads))?
            .transpose(1, 2)?
            .reshape((b * self.heads, s, width / self.heads))
    }

    /// (B·h) × T × e → B × T × (h·e) (unchanged for one head).
    fn merge_heads(&self, x: &Tensor) -> Result<Tensor> {
        if self.heads == 1 {
            return Ok(x.clone());
        }
        let (bh, t, e) = x.dims3()?;
        x.reshape((bh / self.heads, self.heads, t, e))?
            .transpose(1, 2)?
            .reshape((bh / self.heads, t, self.heads * e))
    }

    /// Attention weights ((B·h) × T × S) after the causal mask and softmax; no dropout.
    pub fn weights(
        &self,
        input: &AttentionInput,
        cache: Option<&mut AttentionCache>,
    ) -> Result<Tensor> {
        let (scores, _) = self.raw_scores(input, cache)?;
        softmax_last(&causal_mask(&scores)?)
    }

    /// The layer's output (B × T × d) for the new tokens.
    pub fn forward(
        &self,
        input: &AttentionInput,
        cache: Option<&mut AttentionCache>,
        rng: Option<&mut ChaCha8Rng>,
    ) -> Result<Tensor> {
        self.forward_with(input, cache, rng, None)
    }

    /// [`Attention::forward`] with quantum scores from `request`'s provider when given.
    pub fn forward_with(
        &self,
        input: &AttentionInput,
        cache: Option<&mut AttentionCache>,
        mut rng: Option<&mut ChaCha8Rng>,
        request: Option<ScoreRequest>,
    ) -> Result<Tensor> {
        let (scores, values) = self.raw_scores_with(input, cache, request)?;
        let weights = softmax_last(&causal_mask(&scores)?)?;
        let weights = dropout(&weights, self.dropout, rng.as_deref_mut())?;
        let heads = self.merge_heads(&weights.matmul(&values)?)?;
        let out = self.projection.forward(&heads)?;
        dropout(&out, self.dropout, rng)
    }
}

/// Adds −10⁹ where key position j exceeds query position S − T + i (B × T × S scores whose
/// keys are positions 0..S and whose queries are the last T of them).
fn causal_mask(scores: &Tensor) -> Result<Tensor> {
    let (_, t, s) = scores.dims3()?;
    if t == 1 {
        return Ok(scores.clone());
    }
    let offset = s - t;
    let mask: Vec<f32> = (0..t)
        .flat_map(|i| (0..s).map(move |j| if j > offset + i { -1e9 } else { 0.0 }))
        .collect();
    let mask = Tensor::from_vec(mask, (t, s), scores.device())?.to_dtype(scores.dtype())?;
    scores.broadcast_add(&mask)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Config, SeededInit};
    use candle_core::Device;

    /// A tiny model config with `heads` heads and the given `[quantum]` tables ("" = the paper's).
    fn config(preset: &str, heads: usize, quantum: &str) -> ModelConfig {
        let text = format!(
            "preset = \"{preset}\"\n[model]\nembed = 12\nqk_dim = 12\nheads = {heads}\nblock_size = 6\n{quantum}"
        );
        Config::from_toml(&text, "test.toml").unwrap().model
    }

    fn layer(family: &str, kind: &str, heads: usize, registers: &str) -> String {
        format!(
            "[quantum]\nname = \"t\"\n[quantum.registers]\n{registers}\n[quantum.ansatz]\n\
             {family}\n[quantum.encoding]\nfamily = \"n_local\"\nrotations = [\"rx\", \"ry\"]\n\
             entangling_gate = \"cz\"\n[quantum.score]\nkind = \"{kind}\"\nheads = {heads}\n"
        )
    }

    /// Every case's scores from the overlap queries equal those from the prepared states, with
    /// and without a cache of earlier positions.
    #[test]
    fn overlap_scores_equal_the_scores_of_the_states() {
        let conditional = "token = 2\nposition = 2\nproperty = 2";
        let sequence = "token = 3\nposition = 2";
        let su2 = "family = \"efficient_su2\"\nreps = 2";
        let real = "family = \"real_amplitudes\"\nreps = 1";
        let cases = [
            config("paper-quantum-sequence", 3, ""),
            config("paper-quantum-conditional", 1, ""),
            config(
                "paper-quantum-conditional",
                2,
                &layer(su2, "hadamard-imag", 2, conditional),
            ),
            config(
                "paper-quantum-conditional",
                4,
                &layer(su2, "hadamard-real", 4, conditional),
            ),
            config(
                "paper-quantum-conditional",
                2,
                &layer(su2, "swap-test", 2, conditional),
            ),
            config(
                "paper-quantum-sequence",
                3,
                &layer(su2, "fidelity", 3, sequence),
            ),
            config(
                "paper-quantum-sequence",
                4,
                &layer(real, "swap-test", 4, sequence),
            ),
            config(
                "paper-quantum-sequence",
                2,
                &layer(real, "fidelity", 2, sequence),
            ),
        ];
        for (case, cfg) in cases.iter().enumerate() {
            let varmap = VarMap::new();
            let vb = SeededInit::new(&varmap, 7).var_builder(DType::F64, &Device::Cpu);
            let attention = Attention::new(cfg, 9, vb).unwrap();
            let Scores::Quantum(q) = attention.scores() else {
                panic!("a quantum layer")
            };
            assert!(q.overlap, "case {case} scores by overlap");
            let shared = q.shared.as_ref().unwrap();
            let (b, t) = (3, 5);
            let ids: Vec<u32> = (0..b * t).map(|i| (i * 4 % 9) as u32).collect();
            let ids = Tensor::from_vec(ids, (b, t), &Device::Cpu).unwrap();
            let props: Vec<f64> = (0..b * 9).map(|i| (i as f64 * 0.61).cos()).collect();
            let props = Tensor::from_vec(props, (b, 9), &Device::Cpu).unwrap();
            let x = Tensor::zeros((b, t, cfg.embed), DType::F64, &Device::Cpu).unwrap();
            let props = cfg.conditional.then_some(&props);
            fn input<'a>(
                x: &'a Tensor,
                start: usize,
                ids: &'a Tensor,
                properties: Option<&'a Tensor>,
            ) -> AttentionInput<'a> {
                AttentionInput {
                    x,
                    ids,
                    start,
                    properties,
                }
            }
            let (psi_q, psi_k) = q.shared_states(shared, &input(&x, 0, &ids, props)).unwrap();
            let expected = (q
                .raw_from_states(
                    &attention.split_heads(&psi_q).unwrap(),
                    &attention.split_heads(&psi_k).unwrap(),
                )
                .unwrap()
                * q.scale)
                .unwrap();
            assert_eq!(expected.dims(), &[b * cfg.heads, t, t]);
            // A conditional layer's key rows leave out the property register (2 qubits here).
            let (_, keys) = q.states(&input(&x, 0, &ids, props)).unwrap();
            let narrowing = if cfg.conditional { 4 } else { 1 };
            assert_eq!(
                keys.dim(2).unwrap() * narrowing * cfg.heads,
                psi_k.dim(2).unwrap(),
                "case {case}"
            );
            let max_diff = |a: &Tensor, b: &Tensor| {
                (a - b)
                    .unwrap()
                    .abs()
                    .unwrap()
                    .max_all()
                    .unwrap()
                    .to_scalar::<f64>()
                    .unwrap()
            };
            let (whole, _) = attention
                .raw_scores(&input(&x, 0, &ids, props), None)
                .unwrap();
            assert_eq!(whole.dims(), expected.dims(), "case {case}");
            let diff = max_diff(&whole, &expected);
            assert!(diff < 1e-12, "case {case}: {diff}");
            // Two tokens, then three more against the cached φ of the first two.
            let mut cache = AttentionCache::default();
            let (first, rest) = (ids.narrow(1, 0, 2).unwrap(), ids.narrow(1, 2, 3).unwrap());
            let (early, _) = attention
                .raw_scores(
                    &input(&x.narrow(1, 0, 2).unwrap(), 0, &first, props),
                    Some(&mut cache),
                )
                .unwrap();
            let (late, _) = attention
                .raw_scores(
                    &input(&x.narrow(1, 2, 3).unwrap(), 2, &rest, props),
                    Some(&mut cache),
                )
                .unwrap();
            let diff = max_diff(
                &early,
                &expected.narrow(1, 0, 2).unwrap().narrow(2, 0, 2).unwrap(),
            )
            .max(max_diff(&late, &expected.narrow(1, 2, 3).unwrap()));
            assert!(diff < 1e-12, "case {case} with a cache: {diff}");
        }
    }

    #[test]
    fn the_shared_prefix_equals_the_whole_templates() {
        let conditional = "token = 2\nposition = 2\nproperty = 2";
        let cases = [
            config("paper-quantum-conditional", 1, ""),
            config("paper-quantum-sequence", 3, ""),
            config(
                "paper-quantum-conditional",
                2,
                &layer(
                    "family = \"efficient_su2\"\nreps = 2",
                    "hadamard-imag",
                    2,
                    conditional,
                ),
            ),
            config(
                "paper-quantum-sequence",
                4,
                &layer(
                    "family = \"real_amplitudes\"\nreps = 1",
                    "swap-test",
                    4,
                    "token = 3\nposition = 2",
                ),
            ),
        ];
        for (case, cfg) in cases.iter().enumerate() {
            let varmap = VarMap::new();
            let vb = SeededInit::new(&varmap, 5).var_builder(DType::F64, &Device::Cpu);
            let attention = Attention::new(cfg, 9, vb).unwrap();
            let Scores::Quantum(q) = attention.scores() else {
                panic!("a quantum layer")
            };
            let shared = q.shared.as_ref().expect("small layers share the prefix");
            let (b, t) = (3, 5);
            let ids: Vec<u32> = (0..b * t).map(|i| (i * 5 % 9) as u32).collect();
            let ids = Tensor::from_vec(ids, (b, t), &Device::Cpu).unwrap();
            let props: Vec<f64> = (0..b * 9).map(|i| (i as f64 * 0.37).sin()).collect();
            let props = Tensor::from_vec(props, (b, 9), &Device::Cpu).unwrap();
            let x = Tensor::zeros((b, t, cfg.embed), DType::F64, &Device::Cpu).unwrap();
            let input = AttentionInput {
                x: &x,
                ids: &ids,
                start: 1,
                properties: cfg.conditional.then_some(&props),
            };
            let split = q.shared_states(shared, &input).unwrap();
            let whole = q.whole_states(&input).unwrap();
            for (a, b) in [(&split.0, &whole.0), (&split.1, &whole.1)] {
                assert_eq!(a.dims(), b.dims(), "case {case}");
                let diff = (a - b)
                    .unwrap()
                    .abs()
                    .unwrap()
                    .max_all()
                    .unwrap()
                    .to_scalar::<f64>()
                    .unwrap();
                assert!(diff < 1e-12, "case {case}: {diff}");
            }
        }
    }
}
