//! The transformer: the quantum op against finite differences and the simulated score circuit,
//! incremental decoding against the full forward pass, presets and config overrides.

mod common;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarMap;
use qattnc::layer::{Side, score_circuit};
use qattnc::model::attention::{AttentionInput, Scores};
use qattnc::model::{Attention, Config, DecodeCache, Model, SeededInit};
use qattnc::sim::{Amplitude, Program, StatePrep};

fn quantum_config(conditional: bool) -> qattnc::model::ModelConfig {
    let name = if conditional {
        "paper-quantum-conditional"
    } else {
        "paper-quantum-sequence"
    };
    let mut cfg = Config::preset(name).unwrap().model;
    cfg.embed = 8;
    cfg.mlp_hidden = 16;
    cfg.block_size = 8;
    cfg.dropout = 0.0;
    cfg
}

struct Fixture {
    x: Tensor,
    ids: Tensor,
    props: Option<Tensor>,
}

fn fixture(
    cfg: &qattnc::model::ModelConfig,
    vocab: usize,
    dtype: DType,
    b: usize,
    t: usize,
) -> Fixture {
    let dev = Device::Cpu;
    let x: Vec<f64> = (0..b * t * cfg.embed)
        .map(|i| ((i * 37 % 101) as f64 / 50.0) - 1.0)
        .collect();
    let ids: Vec<u32> = (0..b * t).map(|i| ((i * 7 + 3) % vocab) as u32).collect();
    let props: Vec<f64> = (0..b * 9)
        .map(|i| ((i * 13 % 17) as f64 / 8.0) - 1.0)
        .collect();
    Fixture {
        x: Tensor::from_vec(x, (b, t, cfg.embed), &dev)
            .unwrap()
            .to_dtype(dtype)
            .unwrap(),
        ids: Tensor::from_vec(ids, (b, t), &dev).unwrap(),
        props: cfg.conditional.then(|| {
            Tensor::from_vec(props, (b, 9), &dev)
                .unwrap()
                .to_dtype(dtype)
                .unwrap()
        }),
    }
}

fn build_attention(
    cfg: &qattnc::model::ModelConfig,
    vocab: usize,
    dtype: DType,
) -> (Attention, VarMap) {
    let mut varmap = VarMap::new();
    let vb = SeededInit::new(&varmap, 7).var_builder(dtype, &Device::Cpu);
    let attention = Attention::new(cfg, vocab, vb.pp("attention")).unwrap();
    attention.finish_init(&mut varmap).unwrap();
    (attention, varmap)
}

fn scalar(t: &Tensor) -> f64 {
    t.to_dtype(DType::F64).unwrap().to_scalar::<f64>().unwrap()
}

#[test]
fn quantum_attention_gradients_equal_finite_differences() {
    for (conditional, heads) in [(false, 1), (true, 1), (false, 4), (true, 2)] {
        let mut cfg = quantum_config(conditional);
        cfg.heads = heads;
        let vocab = 11;
        let (attention, varmap) = build_attention(&cfg, vocab, DType::F64);
        let f = fixture(&cfg, vocab, DType::F64, 2, 5);
        let weights = Tensor::from_vec(
            (0..2 * 5 * cfg.embed)
                .map(|i| ((i * 29 % 23) as f64 / 11.0) - 1.0)
                .collect::<Vec<_>>(),
            (2, 5, cfg.embed),
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
        let grads = loss(&attention).backward().unwrap();
        let data = varmap.data().lock().unwrap();
        let mut checked = 0;
        for (name, var) in data.iter().filter(|(n, _)| n.contains("angles")) {
            let grad = grads
                .get(var.as_tensor())
                .expect("every angle has a gradient");
            let grad: Vec<f64> = grad.flatten_all().unwrap().to_vec1().unwrap();
            let values: Vec<f64> = var.as_tensor().flatten_all().unwrap().to_vec1().unwrap();
            for k in (0..values.len()).step_by(values.len().div_ceil(6)) {
                let h = 1e-5;
                let set = |v: f64| {
                    let mut w = values.clone();
                    w[k] = v;
                    var.set(&Tensor::from_vec(w, var.shape(), &Device::Cpu).unwrap())
                        .unwrap();
                };
                set(values[k] + h);
                let plus = scalar(&loss(&attention));
                set(values[k] - h);
                let minus = scalar(&loss(&attention));
                set(values[k]);
                let fd = (plus - minus) / (2.0 * h);
                assert!(
                    (fd - grad[k]).abs() <= 1e-6 * (1.0 + fd.abs()),
                    "{name}[{k}] (conditional {conditional}, {heads} heads): adjoint {} vs FD {fd}",
                    grad[k]
                );
                checked += 1;
            }
        }
        assert!(checked >= 20, "checked {checked} entries");
    }
}

/// Re⟨ψ_q(i)|ψ_k(j)⟩ from the fast path equals ⟨Z_anc⟩ of the simulated -O0 score circuit.
fn check_scores_against_circuit(dtype: DType, tolerance: f64) {
    for (conditional, heads) in [(false, 1), (true, 1), (false, 4), (true, 2)] {
        let mut cfg = quantum_config(conditional);
        cfg.heads = heads;
        let vocab = 13;
        let (attention, _) = build_attention(&cfg, vocab, dtype);
        let (b, t) = (2, 6);
        let f = fixture(&cfg, vocab, dtype, b, t);
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
            .to_dtype(DType::F64)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let (query_rows, key_rows) = q.side_rows(&input).unwrap();
        let rows =
            |t: Tensor| -> Vec<Vec<f64>> { t.to_dtype(DType::F64).unwrap().to_vec2().unwrap() };
        let (query_rows, key_rows) = (rows(query_rows), rows(key_rows));
        let spec = cfg.qubits.layer_spec();
        let query_names = StatePrep::for_layer(&spec, Side::Query)
            .unwrap()
            .params()
            .to_vec();
        let key_names = StatePrep::for_layer(&spec, Side::Key)
            .unwrap()
            .params()
            .to_vec();
        let program = Program::compile(&score_circuit(&spec), Amplitude::Auto).unwrap();
        // Scores are (sequence, head, i, j); angle rows (sequence, token, head).
        for (batch, head) in (0..b).flat_map(|batch| (0..heads).map(move |h| (batch, h))) {
            for i in 0..t {
                for j in 0..t {
                    let binding = common::pair_binding(
                        program.inputs(),
                        &query_names,
                        &key_names,
                        &query_rows[(batch * t + i) * heads + head],
                        &key_rows[(batch * t + j) * heads + head],
                    );
                    let z = program.run(&binding).unwrap().expectation_z(0);
                    let fast = scores[((batch * heads + head) * t + i) * t + j];
                    assert!(
                        (z - fast).abs() <= tolerance,
                        "{dtype:?} conditional {conditional} head {head}/{heads} ({batch},{i},{j}): circuit {z} vs fast path {fast}"
                    );
                }
            }
        }
    }
}

#[test]
fn quantum_scores_equal_the_simulated_score_circuit_f64() {
    check_scores_against_circuit(DType::F64, 1e-12);
}

#[test]
fn quantum_scores_equal_the_simulated_score_circuit_f32() {
    check_scores_against_circuit(DType::F32, 1e-5);
}

#[test]
fn incremental_decoding_equals_the_full_forward_pass() {
    for (preset, heads) in [
        ("paper-quantum-conditional", 1),
        ("paper-classical-sequence", 1),
        ("paper-classical-eq-conditional", 1),
        ("paper-quantum-sequence", 4),
        ("paper-classical-sequence", 4),
        ("paper-classical-eq-conditional", 2),
    ] {
        let mut cfg = Config::preset(preset).unwrap().model;
        cfg.heads = heads;
        cfg.embed = 16;
        cfg.mlp_hidden = 32;
        cfg.block_size = 10;
        let vocab = 9;
        let mut varmap = VarMap::new();
        let vb = SeededInit::new(&varmap, 3).var_builder(DType::F64, &Device::Cpu);
        let model = Model::new(&cfg, vocab, vb).unwrap();
        model.finish_init(&mut varmap).unwrap();
        let f = fixture(&cfg, vocab, DType::F64, 3, 7);
        let full = model.forward(&f.ids, f.props.as_ref(), None).unwrap();
        let mut cache = DecodeCache::default();
        for step in 0..7 {
            let ids = f.ids.narrow(1, step, 1).unwrap();
            let logits = model
                .decode_step(&ids, f.props.as_ref(), &mut cache)
                .unwrap();
            let expected = full.narrow(1, step, 1).unwrap().squeeze(1).unwrap();
            let diff = scalar(
                &(logits - expected)
                    .unwrap()
                    .abs()
                    .unwrap()
                    .max_keepdim(1)
                    .unwrap()
                    .max(0)
                    .unwrap()
                    .squeeze(0)
                    .unwrap(),
            );
            assert!(diff < 1e-10, "{preset} step {step}: max difference {diff}");
        }
        assert_eq!(cache.len(), 7);
    }
}

#[test]
fn presets_and_config_overrides() {
    for name in qattnc::model::PRESET_NAMES {
        let cfg = Config::preset(name).unwrap();
        cfg.validate().unwrap();
        assert_eq!(
            (cfg.model.embed, cfg.model.block_size, cfg.train.batch_size),
            (64, 24, 256)
        );
    }
    for (model, layer) in [
        ("paper-quantum-sequence", "paper_sequence"),
        ("paper-quantum-conditional", "paper_conditional"),
    ] {
        let ours = Config::preset(model).unwrap().model.qubits.layer_spec();
        let paper = qattnc::layer::preset(layer).unwrap().unwrap();
        assert_eq!(
            (ours.registers, ours.ansatz),
            (paper.registers, paper.ansatz)
        );
    }
    let eq = Config::preset("paper-classical-eq-conditional").unwrap();
    assert_eq!(eq.model.qk_dim, 6);
    let text = "preset = \"paper-quantum-sequence\"\n[model]\ndropout = 0.0\n[train]\nepochs = 2\n";
    let cfg = Config::from_toml(text, "test.toml").unwrap();
    assert_eq!(
        (cfg.model.dropout, cfg.train.epochs, cfg.train.lr),
        (0.0, 2, 5e-3)
    );
    let err = Config::from_toml(
        "preset = \"paper-quantum-sequence\"\n[model]\nembd = 3\n",
        "bad.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("bad.toml") && err.contains("embd"), "{err}");
    assert!(Config::preset("paper-nothing").is_err());
}

#[test]
fn the_cosine_schedule_warms_up_then_decays_to_its_final_fraction() {
    let text = "preset = \"paper-quantum-sequence\"\n[train]\nschedule = \"cosine\"\nwarmup_steps = 10\nfinal_lr_fraction = 0.2\n";
    let t = Config::from_toml(text, "cosine.toml").unwrap().train;
    let total = 110;
    let close = |a: f64, b: f64| assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    close(t.lr_at(0, total), 5e-4);
    close(t.lr_at(9, total), 5e-3);
    close(t.lr_at(10, total), 5e-3);
    close(t.lr_at(60, total), 5e-3 * 0.6);
    close(t.lr_at(110, total), 1e-3);
    close(t.lr_at(500, total), 1e-3);
    let constant = Config::preset("paper-quantum-sequence").unwrap().train;
    close(constant.lr_at(0, total), 5e-3);
    close(constant.lr_at(109, total), 5e-3);
    let err = Config::from_toml(
        "preset = \"paper-quantum-sequence\"\n[train]\nfinal_lr_fraction = 2.0\n",
        "bad.toml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("final_lr_fraction"), "{err}");
}

#[test]
fn multi_head_attention_shapes_and_causal_mask() {
    for preset in ["paper-quantum-conditional", "paper-classical-sequence"] {
        let mut cfg = Config::preset(preset).unwrap().model;
        cfg.embed = 8;
        cfg.qk_dim = 8;
        cfg.block_size = 8;
        cfg.dropout = 0.0;
        cfg.heads = 4;
        let vocab = 11;
        let (attention, _varmap) = build_attention(&cfg, vocab, DType::F64);
        let (b, t) = (2, 5);
        let f = fixture(&cfg, vocab, DType::F64, b, t);
        let input = AttentionInput {
            x: &f.x,
            ids: &f.ids,
            start: 0,
            properties: f.props.as_ref(),
        };
        let weights = attention.weights(&input, None).unwrap();
        assert_eq!(weights.dims(), &[b * 4, t, t], "{preset}");
        let w: Vec<Vec<Vec<f64>>> = weights.to_vec3().unwrap();
        for head in &w {
            for (i, row) in head.iter().enumerate() {
                assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
                assert!(row[i + 1..].iter().all(|&x| x == 0.0), "{preset}: {row:?}");
            }
        }
        // The heads differ: each has its own queries and keys.
        assert!(w[0] != w[1], "{preset}");
        let out = attention.forward(&input, None, None).unwrap();
        assert_eq!(out.dims(), &[b, t, cfg.embed]);
        // Changing the last token changes no earlier output.
        let (x2, ids2) = (
            f.x.slice_assign(
                &[0..b, t - 1..t, 0..cfg.embed],
                &Tensor::ones((b, 1, cfg.embed), DType::F64, &Device::Cpu).unwrap(),
            )
            .unwrap(),
            f.ids
                .slice_assign(
                    &[0..b, t - 1..t],
                    &Tensor::zeros((b, 1), DType::U32, &Device::Cpu).unwrap(),
                )
                .unwrap(),
        );
        let changed = AttentionInput {
            x: &x2,
            ids: &ids2,
            ..input
        };
        let out2 = attention.forward(&changed, None, None).unwrap();
        let early = |o: &Tensor| o.narrow(1, 0, t - 1).unwrap();
        let diff = scalar(
            &(early(&out) - early(&out2))
                .unwrap()
                .abs()
                .unwrap()
                .flatten_all()
                .unwrap()
                .max(0)
                .unwrap(),
        );
        assert_eq!(diff, 0.0, "{preset}");
        let last = scalar(
            &(out.narrow(1, t - 1, 1).unwrap() - out2.narrow(1, t - 1, 1).unwrap())
                .unwrap()
                .abs()
                .unwrap()
                .flatten_all()
                .unwrap()
                .max(0)
                .unwrap(),
        );
        assert!(last > 0.0, "{preset}");
    }
}

#[test]
fn heads_in_config_files() {
    let cfg = |text: &str| Config::from_toml(text, "heads.toml");
    let four = cfg("preset = \"paper-classical-eq-conditional\"\n[model]\nheads = 4\n").unwrap();
    // classical-eq: one quantum head's query/key angle count (6) per head.
    assert_eq!((four.model.heads, four.model.qk_dim), (4, 24));
    let given = cfg("preset = \"paper-classical-eq-sequence\"\n[model]\nheads = 2\nqk_dim = 8\n");
    assert_eq!(given.unwrap().model.qk_dim, 8);
    assert_eq!(
        Config::preset("paper-quantum-sequence")
            .unwrap()
            .model
            .heads,
        1
    );
    for bad in ["heads = 0", "heads = 3"] {
        let text = format!("preset = \"paper-classical-sequence\"\n[model]\n{bad}\n");
        let error = cfg(&text).unwrap_err().to_string();
        assert!(
            error.contains("heads.toml") && error.contains("`heads`"),
            "{error}"
        );
    }
}

mod training {
    use qattnc::chem::dataset::{LoadOptions, load};
    use qattnc::model::Config;
    use qattnc::model::sample::{SampleOptions, generate, load_checkpoint};
    use qattnc::model::train::{TrainData, Trainer};
    use std::path::Path;

    const FIXTURE: &str = "tests/fixtures/model_qm9_80.csv";

    fn tiny(preset: &str, epochs: usize) -> Config {
        let mut cfg = Config::preset(preset).unwrap();
        cfg.model.embed = 16;
        cfg.model.mlp_hidden = 32;
        cfg.train.batch_size = 16;
        cfg.train.epochs = epochs;
        cfg.train.lr = 1e-2;
        cfg.train.seed = 11;
        cfg
    }

    fn data(cfg: &Config) -> TrainData {
        let options = LoadOptions {
            cache_dir: None,
            ..LoadOptions::default()
        };
        let dataset = load(Path::new(FIXTURE), &options).unwrap();
        TrainData::new(&dataset.entries, cfg.model.block_size, FIXTURE, None).unwrap()
    }

    #[test]
    fn a_tiny_quantum_model_overfits_the_fixture() {
        let mut cfg = tiny("paper-quantum-conditional", 40);
        cfg.model.dropout = 0.0;
        let data = data(&cfg);
        assert!(
            data.train.len() >= 64,
            "{} training molecules",
            data.train.len()
        );
        let dir = tempfile::tempdir().unwrap();
        let mut trainer = Trainer::new(cfg, data, "test".into()).unwrap();
        let report = trainer.run(dir.path(), None, &mut |_| {}).unwrap();
        assert_eq!(report.epochs, 40);
        assert!(report.train_loss < 0.9, "train loss {}", report.train_loss);
    }

    #[test]
    fn resuming_reproduces_the_uninterrupted_run_and_sampling_is_seeded() {
        let mut cfg = tiny("paper-quantum-conditional", 3);
        cfg.train.schedule = qattnc::model::config::LrSchedule::Cosine;
        cfg.train.warmup_steps = 4;
        let runs = super::common::assert_resume_is_bit_identical(&cfg, &|| data(&cfg), 7);

        let loaded = load_checkpoint(runs.straight.path()).unwrap();
        let props = vec![[100.0, 2.0, 1.0, 1.0, 1.0, 2.0, 30.0, 0.5, 0.0]; 12];
        let options = |batch| SampleOptions {
            n: 12,
            seed: 5,
            temperature: 1.0,
            top_k: None,
            batch,
            constrain: false,
            rejection: None,
        };
        let first = generate(&loaded, Some(&props), &options(12)).unwrap();
        assert_eq!(
            first,
            generate(&loaded, Some(&props), &options(12)).unwrap()
        );
        assert_eq!(first, generate(&loaded, Some(&props), &options(5)).unwrap());
        assert_ne!(
            first,
            generate(
                &loaded,
                Some(&props),
                &SampleOptions {
                    seed: 6,
                    ..options(12)
                }
            )
            .unwrap()
        );
    }

    #[test]
    fn partial_conditions_train_resume_and_sample_with_properties_unset() {
        let mut cfg = tiny("paper-quantum-conditional", 3);
        cfg.model.partial_conditions = true;
        cfg.model.dropout = 0.0;
        let runs = super::common::assert_resume_is_bit_identical(&cfg, &|| data(&cfg), 5);
        let mut loaded = load_checkpoint(runs.split.path()).unwrap();
        assert!(loaded.meta.config.model.partial_conditions);
        let config = std::fs::read_to_string(runs.split.path().join("config.json")).unwrap();
        assert!(config.contains("\"partial_conditions\": true"), "{config}");
        let nan = f64::NAN;
        let props = vec![[nan, nan, nan, nan, 1.0, nan, nan, nan, nan]; 6];
        let options = SampleOptions {
            n: 6,
            seed: 5,
            temperature: 1.0,
            top_k: None,
            batch: 6,
            constrain: false,
            rejection: None,
        };
        assert_eq!(generate(&loaded, Some(&props), &options).unwrap().len(), 6);
        let unconditioned = vec![[nan; 9]; 6];
        assert_eq!(
            generate(&loaded, Some(&unconditioned), &options)
                .unwrap()
                .len(),
            6
        );
        // A model that reads all nine properties refuses unset ones.
        loaded.meta.config.model.partial_conditions = false;
        let refused = generate(&loaded, Some(&props), &options).unwrap_err();
        assert!(
            refused.to_string().contains("partial_conditions"),
            "{refused}"
        );
    }

    #[test]
    fn four_heads_train_and_resume_bit_identically() {
        let mut cfg = tiny("paper-quantum-conditional", 3);
        cfg.model.heads = 4;
        cfg.model.dropout = 0.0;
        let runs = super::common::assert_resume_is_bit_identical(&cfg, &|| data(&cfg), 5);
        let losses = &runs.losses;
        let third = losses.len() / 3;
        let mean = |x: &[f64]| x.iter().sum::<f64>() / x.len() as f64;
        assert!(
            mean(&losses[losses.len() - third..]) < mean(&losses[..third]),
            "losses {losses:?}"
        );
        let loaded = load_checkpoint(runs.split.path()).unwrap();
        assert_eq!(loaded.meta.config.model.heads, 4);
        let props = vec![[100.0, 2.0, 1.0, 1.0, 1.0, 2.0, 30.0, 0.5, 0.0]; 3];
        let options = SampleOptions {
            n: 3,
            seed: 5,
            temperature: 1.0,
            top_k: None,
            batch: 3,
            constrain: false,
            rejection: None,
        };
        assert_eq!(generate(&loaded, Some(&props), &options).unwrap().len(), 3);
        // The heat-map weights are the heads' mean: one causal T × T matrix per sequence.
        let dev = candle_core::Device::Cpu;
        let ids = candle_core::Tensor::from_vec(vec![1u32, 13, 13, 7], (1, 4), &dev).unwrap();
        let z = candle_core::Tensor::zeros((1, 9), candle_core::DType::F32, &dev).unwrap();
        let w: Vec<Vec<Vec<f32>>> = loaded
            .model
            .attention_weights(&ids, Some(&z), 0)
            .unwrap()
            .to_vec3()
            .unwrap();
        assert_eq!((w.len(), w[0].len()), (1, 4));
        for (i, row) in w[0].iter().enumerate() {
            assert!((row.iter().sum::<f32>() - 1.0).abs() < 1e-5);
            assert!(row[i + 1..].iter().all(|&x| x == 0.0));
        }
    }
}
