//! The decoder: token + position (+ property) embeddings → pre-LN blocks (attention, MLP
//! d→4d→d with GELU) → LayerNorm → linear head; cross-entropy without pads; incremental
//! decoding with per-layer caches.

use super::attention::{Attention, AttentionCache, AttentionInput, ScoreRequest};
use super::config::ModelConfig;
use super::nn::{LayerNorm, dropout, embedding, linear};
use candle_core::{D, DType, Module, Result, Tensor};
use candle_nn::{Embedding, Linear, VarBuilder, VarMap};
use rand_chacha::ChaCha8Rng;

/// Number of molecular properties a conditional model reads (design.md §6).
pub const NUM_PROPERTIES: usize = 9;

/// One pre-LN decoder block.
#[derive(Clone, Debug)]
struct Block {
    ln_attention: LayerNorm,
    attention: Attention,
    ln_mlp: LayerNorm,
    fc: Linear,
    fc_out: Linear,
    dropout: f64,
}

impl Block {
    fn new(cfg: &ModelConfig, vocab: usize, vb: VarBuilder) -> Result<Block> {
        Ok(Block {
            ln_attention: LayerNorm::new(cfg.embed, vb.pp("ln_attention"))?,
            attention: Attention::new(cfg, vocab, vb.pp("attention"))?,
            ln_mlp: LayerNorm::new(cfg.embed, vb.pp("ln_mlp"))?,
            fc: linear(cfg.embed, cfg.mlp_hidden, vb.pp("fc"))?,
            fc_out: linear(cfg.mlp_hidden, cfg.embed, vb.pp("fc_out"))?,
            dropout: cfg.dropout,
        })
    }

    fn forward(
        &self,
        x: &Tensor,
        input: &AttentionInput,
        cache: Option<&mut AttentionCache>,
        mut rng: Option<&mut ChaCha8Rng>,
        request: Option<ScoreRequest>,
    ) -> Result<Tensor> {
        let normed = self.ln_attention.forward(x)?;
        let input = AttentionInput {
            x: &normed,
            ..*input
        };
        let x = (x + self
            .attention
            .forward_with(&input, cache, rng.as_deref_mut(), request)?)?;
        let h = self.fc.forward(&self.ln_mlp.forward(&x)?)?.gelu_erf()?;
        let h = dropout(&self.fc_out.forward(&h)?, self.dropout, rng)?;
        x + h
    }
}

/// The caches of all blocks during incremental decoding.
#[derive(Clone, Debug, Default)]
pub struct DecodeCache {
    blocks: Vec<AttentionCache>,
}

impl DecodeCache {
    /// Positions decoded so far.
    pub fn len(&self) -> usize {
        self.blocks.first().map_or(0, AttentionCache::len)
    }

    /// True before the first step.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The hybrid transformer.
#[derive(Clone, Debug)]
pub struct Model {
    cfg: ModelConfig,
    vocab: usize,
    token: Embedding,
    position: Embedding,
    property: Option<Linear>,
    blocks: Vec<Block>,
    ln_final: LayerNorm,
    head: Linear,
}

impl Model {
    /// Builds the model for a vocabulary of `vocab` tokens; weights come from `vb`.
    pub fn new(cfg: &ModelConfig, vocab: usize, vb: VarBuilder) -> Result<Model> {
        let blocks = (0..cfg.blocks)
            .map(|i| Block::new(cfg, vocab, vb.pp(format!("blocks.{i}"))))
            .collect::<Result<Vec<_>>>()?;
        Ok(Model {
            cfg: cfg.clone(),
            vocab,
            token: embedding(vocab, cfg.embed, vb.pp("token_embedding"))?,
            position: embedding(cfg.block_size, cfg.embed, vb.pp("position_embedding"))?,
            property: if cfg.conditional {
                Some(linear(
                    cfg.property_inputs(),
                    cfg.embed,
                    vb.pp("property_embedding"),
                )?)
            } else {
                None
            },
            blocks,
            ln_final: LayerNorm::new(cfg.embed, vb.pp("ln_final"))?,
            head: linear(cfg.embed, vocab, vb.pp("head"))?,
        })
    }

    /// Finishes a fresh initialisation (quantum token angles min–max scaled into [0, π]).
    /// Not for loaded weights.
    pub fn finish_init(&self, varmap: &mut VarMap) -> Result<()> {
        self.blocks
            .iter()
            .try_for_each(|b| b.attention.finish_init(varmap))
    }

    /// The configuration.
    pub fn config(&self) -> &ModelConfig {
        &self.cfg
    }

    /// Vocabulary size.
    pub fn vocab(&self) -> usize {
        self.vocab
    }

    fn run(
        &self,
        ids: &Tensor,
        properties: Option<&Tensor>,
        start: usize,
        mut caches: Option<&mut DecodeCache>,
        mut rng: Option<&mut ChaCha8Rng>,
        request: Option<ScoreRequest>,
    ) -> Result<Tensor> {
        let (_, t) = ids.dims2()?;
        if start + t > self.cfg.block_size {
            candle_core::bail!(
                "{} positions exceed the block size {}",
                start + t,
                self.cfg.block_size
            );
        }
        if self.cfg.conditional != properties.is_some() {
            candle_core::bail!("a conditional model needs properties, and only it");
        }
        let positions = Tensor::arange(start as u32, (start + t) as u32, ids.device())?;
        let mut x = self
            .token
            .forward(ids)?
            .broadcast_add(&self.position.forward(&positions)?)?;
        if let (Some(layer), Some(z)) = (&self.property, properties) {
            x = x.broadcast_add(&layer.forward(z)?.unsqueeze(1)?)?;
        }
        x = dropout(&x, self.cfg.dropout, rng.as_deref_mut())?;
        if let Some(caches) = caches.as_deref_mut() {
            caches
                .blocks
                .resize_with(self.blocks.len(), AttentionCache::default);
        }
        for (i, block) in self.blocks.iter().enumerate() {
            let input = AttentionInput {
                x: &x,
                ids,
                start,
                properties,
            };
            let cache = caches.as_deref_mut().map(|c| &mut c.blocks[i]);
            x = block.forward(&x, &input, cache, rng.as_deref_mut(), request)?;
        }
        self.head.forward(&self.ln_final.forward(&x)?)
    }

    /// Logits (B × T × vocab) for token ids (B × T, u32) and, for a conditional model,
    /// encoded properties (B × [`ModelConfig::property_inputs`], see
    /// [`super::checkpoint::PropertyNorm::encode`]). Dropout is active when `rng` is given
    /// (training).
    pub fn forward(
        &self,
        ids: &Tensor,
        properties: Option<&Tensor>,
        rng: Option<&mut ChaCha8Rng>,
    ) -> Result<Tensor> {
        self.run(ids, properties, 0, None, rng, None)
    }

    /// Logits (B × vocab) of the next token after feeding `ids` (B × 1) at the cache's next
    /// position; the cache grows by one. Evaluation mode.
    pub fn decode_step(
        &self,
        ids: &Tensor,
        properties: Option<&Tensor>,
        cache: &mut DecodeCache,
    ) -> Result<Tensor> {
        self.decode_step_with(ids, properties, cache, None)
    }

    /// [`Model::decode_step`] with the quantum layers' scores from `request`'s provider (the
    /// exact fast path when `None`).
    pub fn decode_step_with(
        &self,
        ids: &Tensor,
        properties: Option<&Tensor>,
        cache: &mut DecodeCache,
        request: Option<ScoreRequest>,
    ) -> Result<Tensor> {
        let start = cache.len();
        self.run(ids, properties, start, Some(cache), None, request)?
            .squeeze(1)
    }

    /// Attention weights (B × T × T) of block `block` for a whole sequence (evaluation mode),
    /// the mean over the heads when there are several.
    pub fn attention_weights(
        &self,
        ids: &Tensor,
        properties: Option<&Tensor>,
        block: usize,
    ) -> Result<Tensor> {
        let (attention, normed) = self.block_attention(ids, properties, block)?;
        let input = AttentionInput {
            x: &normed,
            ids,
            start: 0,
            properties,
        };
        let weights = attention.weights(&input, None)?;
        let heads = self.cfg.heads;
        if heads == 1 {
            return Ok(weights);
        }
        let (bh, t, s) = weights.dims3()?;
        weights.reshape((bh / heads, heads, t, s))?.mean(1)
    }

    /// Block `block`'s attention layer and what it reads for a whole sequence (evaluation
    /// mode): the LayerNorm-ed hidden states (B × T × d) of token ids (B × T, u32) and, for a
    /// conditional model, encoded properties (B ×
    /// [`ModelConfig::property_inputs`]).
    pub fn block_attention(
        &self,
        ids: &Tensor,
        properties: Option<&Tensor>,
        block: usize,
    ) -> Result<(&Attention, Tensor)> {
        let Some(target) = self.blocks.get(block) else {
            candle_core::bail!("the model has {} blocks", self.blocks.len());
        };
        let (_, t) = ids.dims2()?;
        let positions = Tensor::arange(0u32, t as u32, ids.device())?;
        let mut x = self
            .token
            .forward(ids)?
            .broadcast_add(&self.position.forward(&positions)?)?;
        if let (Some(layer), Some(z)) = (&self.property, properties) {
            x = x.broadcast_add(&layer.forward(z)?.unsqueeze(1)?)?;
        }
        for b in &self.blocks[..block] {
            let input = AttentionInput {
                x: &x,
                ids,
                start: 0,
                properties,
            };
            x = b.forward(&x, &input, None, None, None)?;
        }
        Ok((&target.attention, target.ln_attention.forward(&x)?))
    }
}

/// Mean cross-entropy of `logits` (B × T × V) against `targets` (B × T, u32), ignoring
/// positions whose target is `pad`.
pub fn cross_entropy(logits: &Tensor, targets: &Tensor, pad: u32) -> Result<Tensor> {
    let v = logits.dim(D::Minus1)?;
    let logits = logits.reshape(((), v))?;
    let targets = targets.flatten_all()?;
    let log_probs = candle_nn::ops::log_softmax(&logits, D::Minus1)?;
    let picked = log_probs.gather(&targets.unsqueeze(1)?, 1)?.squeeze(1)?;
    let pad = Tensor::full(pad, targets.shape(), targets.device())?;
    let mask = targets.ne(&pad)?.to_dtype(logits.dtype())?;
    let count = mask.sum_all()?.to_dtype(DType::F64)?.to_scalar::<f64>()?;
    if count == 0.0 {
        candle_core::bail!("every target is padding");
    }
    (picked * mask)?.sum_all()?.neg()? / count
}
