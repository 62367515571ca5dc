//! Training any layer of the layer language: a model config names its quantum layer
//! (`[quantum] layer = "FILE"` or inline tables), the fast-path scores of every score kind equal
//! the layer's simulated score circuits, adjoint gradients of a complex family equal central
//! differences, training resumes bit-identically, and layers that do not fit the model are
//! rejected before training.

mod common;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarMap;
use qattnc::layer::{ScoreKind, Side, score_circuit_for_head};
use qattnc::model::attention::{AttentionInput, Scores};
use qattnc::model::{Attention, Config, SeededInit};
use qattnc::sim::{Amplitude, Program, StatePrepKernel};

/// A config file's path in the repository root, so that `circuits/layers/…` resolves.
fn origin() -> String {
    format!("{}/model_layer_test.toml", env!("CARGO_MANIFEST_DIR"))
}

/// A tiny quantum model (sequence-only unless `conditional`) with the layer of `quantum`.
fn config(quantum: &str, heads: usize, conditional: bool) -> Result<Config, String> {
    let preset = if conditional {
        "paper-quantum-conditional"
    } else {
        "paper-quantum-sequence"
    };
    let text = format!(
        "preset = \"{preset}\"\n[model]\nembed = 8\nmlp_hidden = 16\nblock_size = 8\n\
         dropout = 0.0\nheads = {heads}\n[train]\nbatch_size = 16\nepochs = 2\nseed = 3\n\
         lr = 0.01\n\n{quantum}"
    );
    Config::from_toml(&text, &origin()).map_err(|e| e.to_string())
}

fn layer_file(name: &str) -> String {
    format!("[quantum]\nlayer = \"circuits/layers/{name}.toml\"\n")
}

fn build(cfg: &qattnc::model::ModelConfig, vocab: usize) -> (Attention, VarMap) {
    let mut varmap = VarMap::new();
    let vb = SeededInit::new(&varmap, 5).var_builder(DType::F64, &Device::Cpu);
    let attention = Attention::new(cfg, vocab, vb.pp("attention")).unwrap();
    attention.finish_init(&mut varmap).unwrap();
    (attention, varmap)
}

struct Inputs {
    x: Tensor,
    ids: Tensor,
    props: Option<Tensor>,
}

fn inputs(embed: usize, vocab: usize, conditional: bool, b: usize, t: usize) -> Inputs {
    let dev = Device::Cpu;
    let x: Vec<f64> = (0..b * t * embed)
        .map(|i| ((i * 37 % 101) as f64 / 50.0) - 1.0)
        .collect();
    let ids: Vec<u32> = (0..b * t).map(|i| ((i * 7 + 3) % vocab) as u32).collect();
    let props: Vec<f64> = (0..b * 9)
        .map(|i| ((i * 13 % 17) as f64 / 8.0) - 1.0)
        .collect();
    Inputs {
        x: Tensor::from_vec(x, (b, t, embed), &dev).unwrap(),
        ids: Tensor::from_vec(ids, (b, t), &dev).unwrap(),
        props: conditional.then(|| Tensor::from_vec(props, (b, 9), &dev).unwrap()),
    }
}

/// Block 0's attention of `config`'s model after 3 training steps on the 128-molecule fixture,
/// rebuilt in f64 from the checkpoint, and the vocabulary size.
fn trained_attention(config: &Config) -> (Attention, usize) {
    use qattnc::chem::dataset::{LoadOptions, load};
    use qattnc::model::train::{TrainData, Trainer};
    const FIXTURE: &str = "tests/fixtures/qm9_128.csv";
    let mut config = config.clone();
    config.model.block_size = 40;
    let options = LoadOptions {
        cache_dir: None,
        ..LoadOptions::default()
    };
    let dataset = load(std::path::Path::new(FIXTURE), &options).unwrap();
    let data = TrainData::new(&dataset.entries, config.model.block_size, FIXTURE, None).unwrap();
    let vocab = data.vocabulary.len();
    let dir = tempfile::tempdir().unwrap();
    let mut trainer = Trainer::new(config.clone(), data, "test".into()).unwrap();
    trainer.run(dir.path(), Some(3), &mut |_| {}).unwrap();
    let trained =
        candle_core::safetensors::load(dir.path().join("model.safetensors"), &Device::Cpu).unwrap();
    let (attention, varmap) = build(&config.model, vocab);
    let mut set = 0;
    for (name, var) in varmap.data().lock().unwrap().iter() {
        let value = &trained[&format!("blocks.0.{name}")];
        var.set(&value.to_dtype(DType::F64).unwrap()).unwrap();
        set += 1;
    }
    assert!(set >= 4, "{set} tensors restored");
    (attention, vocab)
}

/// The raw score of `kind` read from the simulated score circuit, as its header says.
fn circuit_score(program: &Program, kind: ScoreKind, binding: &[f64], n: usize) -> f64 {
    let state = program.run(binding).unwrap();
    match kind {
        ScoreKind::HadamardReal | ScoreKind::HadamardImag | ScoreKind::SwapTest => {
            state.expectation_z(0)
        }
        ScoreKind::Fidelity => state.probabilities()[0],
        ScoreKind::GaussianZ => {
            let d = state.expectation_z(0) - state.expectation_z(n);
            (-d * d).exp()
        }
    }
}

/// The model's raw scores (before scaling) equal the layer's score circuits simulated with the
/// model's angles bound by input name.
fn check_scores(quantum: &str, heads: usize, conditional: bool, kind: ScoreKind) {
    let config = config(quantum, heads, conditional).unwrap();
    let cfg = config.model.clone();
    let layer = &cfg.layer_spec().unwrap().name;
    let spec = cfg.layer_spec().unwrap();
    assert_eq!(spec.score, kind, "{layer}");
    let (attention, vocab) = trained_attention(&config);
    let (b, t) = (2, 4);
    let f = inputs(cfg.embed, vocab, conditional, b, t);
    let input = AttentionInput {
        x: &f.x,
        ids: &f.ids,
        start: 0,
        properties: f.props.as_ref(),
    };
    let Scores::Quantum(q) = attention.scores() else {
        panic!("a quantum layer");
    };
    let (scores, _) = attention.raw_scores(&input, None).unwrap();
    let scores: Vec<f64> = (scores / q.scale())
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1()
        .unwrap();
    let (query_rows, key_rows) = q.side_rows(&input).unwrap();
    let (query_rows, key_rows): (Vec<Vec<f64>>, Vec<Vec<f64>>) =
        (query_rows.to_vec2().unwrap(), key_rows.to_vec2().unwrap());
    let n = spec.registers.working();
    for head in 0..heads {
        // The kernel's columns are head 0's names; head h's circuit names its own angles.
        let names = |side| -> Vec<String> {
            let head_spec = qattnc::layer::state_prep_circuit_for_head(&spec, side, head);
            head_spec.inputs().to_vec()
        };
        let (query_names, key_names) = (names(Side::Query), names(Side::Key));
        assert_eq!(
            query_names.len(),
            StatePrepKernel::for_layer(&spec, Side::Query)
                .unwrap()
                .num_params()
        );
        let circuit = score_circuit_for_head(&spec, head);
        let program = Program::compile(&circuit, Amplitude::Complex).unwrap();
        for batch in 0..b {
            for i in 0..t {
                for j in 0..t {
                    let binding = common::pair_binding(
                        program.inputs(),
                        &query_names,
                        &key_names,
                        &query_rows[(batch * t + i) * heads + head],
                        &key_rows[(batch * t + j) * heads + head],
                    );
                    let expected = circuit_score(&program, kind, &binding, n);
                    let fast = scores[((batch * heads + head) * t + i) * t + j];
                    assert!(
                        (expected - fast).abs() <= 1e-9,
                        "{layer} head {head} ({batch},{i},{j}): circuit {expected} vs model {fast}"
                    );
                }
            }
        }
    }
}

#[test]
fn every_score_kind_equals_its_simulated_score_circuit() {
    check_scores(
        &layer_file("efficient_su2"),
        1,
        false,
        ScoreKind::HadamardReal,
    );
    check_scores(
        &layer_file("hadamard_imag"),
        1,
        false,
        ScoreKind::HadamardImag,
    );
    check_scores(&layer_file("swap_test"), 1, false, ScoreKind::SwapTest);
    check_scores(&layer_file("fidelity"), 1, false, ScoreKind::Fidelity);
    check_scores(&layer_file("gaussian_z"), 1, false, ScoreKind::GaussianZ);
    check_scores(&layer_file("two_heads"), 2, false, ScoreKind::HadamardReal);
}

#[test]
fn an_inline_layer_with_property_qubits_equals_its_score_circuit() {
    let inline = "[quantum]\nname = \"inline\"\n[quantum.registers]\ntoken = 2\nposition = 2\n\
                  property = 2\n[quantum.ansatz]\nfamily = \"efficient_su2\"\nreps = 1\n\
                  [quantum.score]\nkind = \"swap-test\"\n";
    let cfg = config(inline, 1, true).unwrap();
    assert_eq!(cfg.model.layer_spec().unwrap().registers.working(), 6);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inline.toml");
    std::fs::write(
        &path,
        inline.replace("[quantum]\n", "").replace("quantum.", ""),
    )
    .unwrap();
    let from_file = Config::from_toml(
        "preset = \"paper-quantum-conditional\"\n[model]\nembed = 8\nmlp_hidden = 16\n\
         block_size = 8\ndropout = 0.0\n[train]\nbatch_size = 16\nepochs = 2\nseed = 3\n\
         lr = 0.01\n[quantum]\nlayer = \"inline.toml\"\n",
        &dir.path().join("model.toml").display().to_string(),
    )
    .unwrap();
    assert_eq!(
        from_file.model.layer_spec().unwrap(),
        cfg.model.layer_spec().unwrap()
    );
    check_scores(inline, 1, true, ScoreKind::SwapTest);
}

#[test]
fn complex_family_gradients_equal_central_differences() {
    // Two heads of a complex family on the conditional registers: the heads' cotangents meet at
    // the shared prefix (token, position, property unitaries).
    let two_heads = "[quantum]\nname = \"su2_heads\"\n[quantum.registers]\ntoken = 2\n\
                     position = 2\nproperty = 2\n[quantum.ansatz]\nfamily = \"efficient_su2\"\n\
                     reps = 1\n[quantum.score]\nkind = \"hadamard-real\"\nheads = 2\n";
    // Overlap scores (V_h = U_k,h†U_q,h, query rows V_h φ) of a complex swap-test layer and a
    // real fidelity layer with several heads.
    let swap_heads = two_heads.replace("hadamard-real", "swap-test");
    let fidelity_heads = "[quantum]\nname = \"ra_heads\"\n[quantum.registers]\ntoken = 2\n\
                          position = 2\n[quantum.ansatz]\nfamily = \"real_amplitudes\"\n\
                          reps = 1\n[quantum.score]\nkind = \"fidelity\"\nheads = 2\n";
    let cases = [
        ("hadamard_imag", layer_file("hadamard_imag"), 1, false),
        ("gaussian_z", layer_file("gaussian_z"), 1, false),
        ("su2_heads", two_heads.to_string(), 2, true),
        ("su2_swap_heads", swap_heads, 2, true),
        ("ra_fidelity_heads", fidelity_heads.to_string(), 2, false),
    ];
    for (layer, quantum, heads, conditional) in cases {
        let cfg = config(&quantum, heads, conditional).unwrap().model;
        let vocab = 7;
        let (attention, varmap) = build(&cfg, vocab);
        let Scores::Quantum(_) = attention.scores() else {
            panic!("a quantum layer");
        };
        let f = inputs(cfg.embed, vocab, conditional, 2, 4);
        let weights = Tensor::from_vec(
            (0..2 * 4 * cfg.embed)
                .map(|i| ((i * 29 % 23) as f64 / 11.0) - 1.0)
                .collect::<Vec<_>>(),
            (2, 4, cfg.embed),
            &Device::Cpu,
        )
        .unwrap();
        let loss = |attention: &Attention| {
            let input = AttentionInput {
                x: &f.x,
                ids: &f.ids,
                start: 0,
                properties: f.props.as_ref(),
            };
            (attention.forward(&input, None, None).unwrap() * &weights)
                .unwrap()
                .sum_all()
                .unwrap()
        };
        let scalar = |t: Tensor| t.to_scalar::<f64>().unwrap();
        let grads = loss(&attention).backward().unwrap();
        let data = varmap.data().lock().unwrap();
        let mut checked = 0;
        for (name, var) in data.iter().filter(|(n, _)| n.contains("angles")) {
            let grad: Vec<f64> = grads
                .get(var.as_tensor())
                .expect("every angle has a gradient")
                .flatten_all()
                .unwrap()
                .to_vec1()
                .unwrap();
            let values: Vec<f64> = var.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
            for k in (0..values.len()).step_by(values.len().div_ceil(5)) {
                let h = 1e-5;
                let set = |v: f64| {
                    let mut w = values.clone();
                    w[k] = v;
                    var.set(&Tensor::from_vec(w, var.shape(), &Device::Cpu).unwrap())
                        .unwrap();
                };
                set(values[k] + h);
                let plus = scalar(loss(&attention));
                set(values[k] - h);
                let minus = scalar(loss(&attention));
                set(values[k]);
                let fd = (plus - minus) / (2.0 * h);
                assert!(
                    (fd - grad[k]).abs() <= 1e-6 * (1.0 + fd.abs()),
                    "{layer} {name}[{k}]: adjoint {} vs central difference {fd}",
                    grad[k]
                );
                checked += 1;
            }
        }
        assert!(checked >= 12, "{layer}: checked {checked}");
    }
}

#[test]
fn a_quantum_scale_that_is_not_positive_and_finite_is_rejected() {
    for value in ["0.0", "-2.0", "nan", "inf"] {
        let text =
            format!("preset = \"paper-quantum-sequence\"\n[model]\nquantum_scale = {value}\n");
        let error = Config::from_toml(&text, "scale.toml")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("scale.toml") && error.contains("quantum_scale"),
            "{value}: {error}"
        );
    }
    let text = "preset = \"paper-quantum-sequence\"\n[model]\nquantum_scale = 0.5\n";
    assert_eq!(
        Config::from_toml(text, "scale.toml")
            .unwrap()
            .model
            .quantum_scale,
        0.5
    );
}

#[test]
fn layers_that_do_not_fit_the_model_are_rejected() {
    let heads = config(&layer_file("two_heads"), 1, false).unwrap_err();
    assert!(
        heads.contains("2 head") && heads.contains("model_layer_test.toml"),
        "{heads}"
    );
    let missing = config(&layer_file("no_such_layer"), 1, false).unwrap_err();
    assert!(missing.contains("no_such_layer.toml"), "{missing}");
    let conditional = config(&layer_file("swap_test"), 1, true).unwrap_err();
    assert!(conditional.contains("property qubits"), "{conditional}");
    let big = "[quantum]\nname = \"big\"\n[quantum.registers]\ntoken = 9\nposition = 8\n\
               [quantum.ansatz]\nlayers = 1\n\
               [quantum.score]\nkind = \"hadamard-real\"\n";
    let big = config(big, 1, false).unwrap_err();
    assert!(big.contains("at most 16"), "{big}");
    let bad = "[quantum]\nname = \"bad\"\n[quantum.registers]\ntoken = 2\nposition = 2\n\
               [quantum.ansatz]\nlayers = 1\n[quantum.score]\nkind = \"nope\"\n";
    let bad = config(bad, 1, false).unwrap_err();
    assert!(bad.contains("nope"), "{bad}");
}

mod training {
    use super::*;
    use qattnc::chem::dataset::{LoadOptions, load};
    use qattnc::model::sample::load_checkpoint;
    use qattnc::model::train::TrainData;
    use std::path::Path;

    const FIXTURE: &str = "tests/fixtures/model_qm9_80.csv";

    fn data(cfg: &Config) -> TrainData {
        let options = LoadOptions {
            cache_dir: None,
            ..LoadOptions::default()
        };
        let dataset = load(Path::new(FIXTURE), &options).unwrap();
        TrainData::new(&dataset.entries, cfg.model.block_size, FIXTURE, None).unwrap()
    }

    #[test]
    fn a_swap_test_layer_trains_and_resumes_bit_identically() {
        let mut cfg = config(&layer_file("swap_test"), 1, false).unwrap();
        cfg.model.block_size = 24;
        let runs = common::assert_resume_is_bit_identical(&cfg, &|| data(&cfg), 3);
        assert!(runs.report.train_loss.is_finite());
        let loaded = load_checkpoint(runs.split.path()).unwrap();
        assert_eq!(loaded.meta.config.model.layer, cfg.model.layer);
        let spec = loaded.meta.config.model.layer_spec().unwrap();
        assert_eq!(spec.score, ScoreKind::SwapTest);
    }
}

/// A classical-eq twin of a model with a named layer gets one query/key width per angle of
/// that layer (Qiskit's real_amplitudes on 6 qubits, 2 reps: 6 × 3 = 18 angles per side), not
/// the paper layer's count (6); with two heads, twice that.
#[test]
fn classical_eq_width_follows_the_named_layer() {
    for (heads, expected) in [(1, 18), (2, 36)] {
        let text = format!(
            "preset = \"paper-classical-eq-sequence\"\n[model]\nheads = {heads}\n\n{}",
            layer_file("real_amplitudes")
        );
        let cfg = Config::from_toml(&text, &origin()).unwrap();
        assert_eq!(cfg.model.qk_dim, expected, "heads = {heads}");
    }
    let paper = Config::from_toml("preset = \"paper-classical-eq-sequence\"\n", &origin()).unwrap();
    assert_eq!(paper.model.qk_dim, 6);
}
