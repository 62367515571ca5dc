//! `qattnc attention --circuits OUT`: a quantum checkpoint's score programs and, for one
//! molecule, their bindings. For every block b and head h: `OUT/block{b}_head{h}.qasm`, the
//! layer's score program for head h exactly as `qattnc compile OUT/layer.toml --head h -O N`
//! emits it, and `OUT/block{b}_head{h}.csv`, one row per causal pair i ≥ j with the model's raw
//! score and the program's inputs by name ([`crate::model::circuits`]); then `OUT/layer.toml`
//! and a summary, `OUT/README`.

use super::super::Failure;
use super::super::compile::program_header;
use super::Sequence;
use crate::compile::compile_part;
use crate::emit::{EmitOptions, Format, emit};
use crate::layer::{LayerSpec, Part, ScoreKind, readout};
use crate::model::AttentionKind;
use crate::model::checkpoint::CheckpointMeta;
use crate::model::circuits::{HeadScores, head_scores, layer_toml, load_checkpoint_f64};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

/// What `--circuits` wrote (the `circuits` object of `--json`).
#[derive(Debug, Serialize)]
pub(super) struct Summary {
    /// The output folder.
    pub folder: String,
    /// Decoder blocks.
    pub blocks: usize,
    /// Heads per block.
    pub heads: usize,
    /// Tokens of the molecule, `[CLS]` first (T).
    pub tokens: usize,
    /// Causal pairs (rows) per CSV: T(T + 1)/2.
    pub pairs: usize,
    /// The layer's name.
    pub layer: String,
    /// `[score] kind`.
    pub score_kind: &'static str,
    /// How a program's measurements give the score (its header's sentence).
    pub readout: String,
    /// The factor on the raw score before the softmax.
    pub score_factor: f64,
    /// Optimisation level of the programs.
    pub level: u8,
    /// One entry per block and head.
    pub files: Vec<FileSummary>,
}

/// One block's and head's files.
#[derive(Debug, Serialize)]
pub(super) struct FileSummary {
    block: usize,
    head: usize,
    qasm: String,
    csv: String,
    qubits: usize,
    inputs: usize,
    two_qubit_gates: usize,
}

/// Refuses a checkpoint without quantum attention (exit 2).
pub(super) fn check(meta: &CheckpointMeta) -> Result<(), Failure> {
    let kind = match meta.config.model.attention {
        AttentionKind::Quantum => return Ok(()),
        AttentionKind::Classical => "classical",
        AttentionKind::ClassicalEq => "classical-eq",
    };
    Err(Failure::BadInput(format!(
        "--circuits: the checkpoint (preset `{}`) has {kind} attention; only a quantum \
         attention layer has score circuits",
        meta.config.preset
    )))
}

/// Writes the programs, bindings, `layer.toml` and `README` of `checkpoint` for `sequence` into
/// `out` (created if needed).
pub(super) fn export(
    checkpoint: &Path,
    sequence: &Sequence,
    out: &Path,
    level: u8,
    smiles: &str,
) -> Result<Summary, Failure> {
    let bad = |e: String| Failure::BadInput(e);
    let loaded = load_checkpoint_f64(checkpoint).map_err(|e| bad(e.to_string()))?;
    let cfg = loaded.model.config();
    let spec = cfg.layer_spec().map_err(|e| bad(e.to_string()))?;
    let properties = sequence.properties_tensor(candle_core::DType::F64)?;
    let scores = head_scores(&loaded.model, &sequence.ids_tensor()?, properties.as_ref())
        .map_err(|e| bad(e.to_string()))?;
    let programs: Vec<_> = (0..spec.heads)
        .map(|head| {
            let compiled = compile_part(&spec, Part::Score, head, level, None);
            let options = EmitOptions {
                header: program_header(&spec, Part::Score, head, &compiled),
                ..EmitOptions::default()
            };
            let text = emit(&compiled.circuit, Format::Qasm3, &options);
            (compiled, text)
        })
        .collect();
    std::fs::create_dir_all(out)
        .map_err(|e| Failure::Runtime(format!("cannot create `{}`: {e}", out.display())))?;
    let write = |name: &str, text: &str| super::super::write_output(&out.join(name), text);
    let mut files = Vec::new();
    for head_scores in &scores {
        let (compiled, program) = &programs[head_scores.head];
        let stem = format!("block{}_head{}", head_scores.block, head_scores.head);
        write(&format!("{stem}.qasm"), program)?;
        write(
            &format!("{stem}.csv"),
            &bindings_csv(head_scores, compiled.circuit.inputs())?,
        )?;
        let stats = &compiled.stats.circuit;
        files.push(FileSummary {
            block: head_scores.block,
            head: head_scores.head,
            qasm: format!("{stem}.qasm"),
            csv: format!("{stem}.csv"),
            qubits: stats.qubits,
            inputs: stats.inputs,
            two_qubit_gates: stats.two_qubit_gates,
        });
    }
    let t = sequence.ids.len();
    let summary = Summary {
        folder: out.display().to_string(),
        blocks: cfg.blocks,
        heads: spec.heads,
        tokens: t,
        pairs: t * (t + 1) / 2,
        layer: spec.name.clone(),
        score_kind: spec.score.name(),
        readout: readout(&spec, Part::Score),
        score_factor: scores.first().map_or(0.0, |s| s.scale),
        level,
        files,
    };
    write("layer.toml", &layer_toml(cfg))?;
    write(
        "README",
        &readme(&summary, &spec, &sequence.tokens, checkpoint, smiles),
    )?;
    Ok(summary)
}

/// `i,j,score,<inputs>` and one row per causal pair; values in Rust's shortest round-trip form.
fn bindings_csv(scores: &HeadScores, inputs: &[String]) -> Result<String, Failure> {
    let pairs = scores.bindings(inputs).map_err(Failure::Runtime)?;
    let mut text = String::from("i,j,score");
    for name in inputs {
        text.push(',');
        text.push_str(name);
    }
    text.push('\n');
    for pair in pairs {
        let _ = write!(text, "{},{},{:?}", pair.i, pair.j, pair.score);
        for value in pair.values {
            let _ = write!(text, ",{value:?}");
        }
        text.push('\n');
    }
    Ok(text)
}

/// How the score is formed from a program's measurements, in words for the README.
fn score_note(spec: &LayerSpec) -> String {
    let n = spec.registers.working();
    match spec.score {
        ScoreKind::HadamardReal | ScoreKind::HadamardImag | ScoreKind::SwapTest => {
            "score = <Z> of qubit 0 (measured into c[0]) = P(c[0] = 0) - P(c[0] = 1); \
             `qattnc simulate` prints it as expectation_z0."
                .into()
        }
        ScoreKind::Fidelity => format!(
            "score = the probability that all {n} measured bits c[0..{}] are 0; `qattnc simulate \
             --probabilities` lists it as outcome {}.",
            n - 1,
            "0".repeat(n)
        ),
        ScoreKind::GaussianZ => format!(
            "score = exp(-(z_q - z_k)^2) with z_q = <Z> of qubit 0 (c[0], psi_q(i) on q[0..{}]) \
             and z_k = <Z> of qubit {n} (c[1], psi_k(j) on q[{n}..{}]): the program prepares \
             both states side by side, and the score is formed from the two expectation values \
             classically (`qattnc simulate --observable Z0 --observable Z{n}`).",
            n - 1,
            2 * n - 1
        ),
    }
}

fn readme(
    summary: &Summary,
    spec: &LayerSpec,
    tokens: &[String],
    checkpoint: &Path,
    smiles: &str,
) -> String {
    let mut text = format!(
        "Circuits of the quantum attention of checkpoint `{}` for `{smiles}`\n\
         (written by qattnc {} `attention --circuits`).\n\n\
         Layer `{}` (layer.toml), score kind {}, {} block(s) x {} head(s); programs at -O{}.\n\
         Tokens (T = {}), position = row index i or j:\n",
        checkpoint.display(),
        env!("CARGO_PKG_VERSION"),
        summary.layer,
        summary.score_kind,
        summary.blocks,
        summary.heads,
        summary.level,
        summary.tokens,
    );
    for (k, token) in tokens.iter().enumerate() {
        let _ = writeln!(text, "  {k:>3}  {token}");
    }
    let _ = write!(
        text,
        "\nFiles, for block b and head h:\n\
         - block{{b}}_head{{h}}.qasm: the layer's score program for head h (the same for every \
         block), as `qattnc compile layer.toml --head h -O{level}` emits it.\n\
         - block{{b}}_head{{h}}.csv: one row per causal pair (query token i, key token j <= i), \
         {pairs} rows: i, j, score, then the value of each program input, by name (the \
         query-side inputs tok_i_*, pos_i_*, prop_*, query_* from token i, the key-side ones \
         tok_j_*, pos_j_*, key_* from token j). `score` is the raw score of the trained model's \
         attention before it is scaled (x {factor:?}) and softmaxed, computed by the model's \
         own forward pass in f64 from the checkpoint's f32 weights (the f32 model of `train` \
         and `sample` computes the same score rounded to f32).\n\n\
         Reading a program: {readout}.\n{note}\n\n\
         Running one row with the built-in simulator:\n\
         \x20 cut -d, -f4- block0_head0.csv > bindings.csv   # the inputs only\n\
         \x20 qattnc simulate block0_head0.qasm --bind bindings.csv\n\
         Row r of its output belongs to row r of the CSV. The programs are OpenQASM 3 with \
         `input float[64]` parameters: any tool that binds inputs by name (Qiskit, CUDA-Q, a \
         provider) runs them; `qattnc compile layer.toml --head h --target DEVICE.json` compiles \
         the same score program for a device, and the CSV's bindings still apply by name.\n",
        level = summary.level,
        pairs = summary.pairs,
        factor = summary.score_factor,
        readout = summary.readout,
        note = score_note(spec),
    );
    text
}
