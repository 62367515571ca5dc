//! Hardware-faithful inference (issue 8): attention scores estimated by running the -O3 score
//! circuit on a backend, fed back into the decoder; the simulator's noise model against closed
//! forms; seeded reproducibility. Servers listen on 127.0.0.1 only.

mod common;

use qattnc::backend::http::HttpSettings;
use qattnc::backend::server::{ServeOptions, serve};
use qattnc::backend::{Backend, Cancel, IonqBackend, IonqConfig, IonqFormat, Job, LocalBackend};
use qattnc::chem::dataset::{LoadOptions, load};
use qattnc::ir::{Angle, Circuit, Gate, GateOp};
use qattnc::model::Config;
use qattnc::model::hardware::BackendScores;
use qattnc::model::sample::{Loaded, SampleOptions, generate, generate_with, load_checkpoint};
use qattnc::model::train::{TrainData, Trainer};
use qattnc::sim::{Amplitude, Bindings, NoiseModel, Program};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

const FIXTURE: &str = "tests/fixtures/model_qm9_80.csv";

/// A tiny quantum model trained for two epochs on the fixture (once per test binary).
fn checkpoint(conditional: bool) -> &'static Path {
    static DIRS: OnceLock<[tempfile::TempDir; 2]> = OnceLock::new();
    let dirs = DIRS.get_or_init(|| {
        let train = |preset: &str| {
            let mut cfg = Config::preset(preset).unwrap();
            cfg.model.embed = 16;
            cfg.model.mlp_hidden = 32;
            cfg.train.batch_size = 16;
            cfg.train.epochs = 2;
            cfg.train.lr = 1e-2;
            cfg.train.seed = 3;
            let options = LoadOptions {
                cache_dir: None,
                ..LoadOptions::default()
            };
            let dataset = load(Path::new(FIXTURE), &options).unwrap();
            let data =
                TrainData::new(&dataset.entries, cfg.model.block_size, FIXTURE, None).unwrap();
            let dir = tempfile::tempdir().unwrap();
            let mut trainer = Trainer::new(cfg, data, "hw".into()).unwrap();
            trainer.run(dir.path(), None, &mut |_| {}).unwrap();
            dir
        };
        [
            train("paper-quantum-sequence"),
            train("paper-quantum-conditional"),
        ]
    });
    dirs[usize::from(conditional)].path()
}

/// Short timeouts and fast polling for loopback servers (bounded waits).
fn quick() -> HttpSettings {
    HttpSettings {
        request_timeout: Duration::from_secs(5),
        job_timeout: Duration::from_secs(20),
        max_attempts: 3,
        backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(2),
        concurrency: 16,
    }
}

fn options(n: usize, seed: u64) -> SampleOptions {
    SampleOptions {
        n,
        seed,
        temperature: 1.0,
        top_k: None,
        batch: 6,
        constrain: false,
        rejection: None,
    }
}

fn props(n: usize) -> Vec<[f64; 9]> {
    vec![[100.0, 2.0, 1.0, 1.0, 1.0, 2.0, 30.0, 0.5, 0.0]; n]
}

fn provider(loaded: &Loaded, backend: Box<dyn Backend>, shots: Option<u64>) -> BackendScores {
    BackendScores::new(&loaded.meta.config.model.qubits, backend, shots, 7).unwrap()
}

#[test]
fn exact_local_backend_sampling_equals_the_fast_path() {
    for conditional in [false, true] {
        let loaded = load_checkpoint(checkpoint(conditional)).unwrap();
        let p = conditional.then(|| props(10));
        let fast = generate(&loaded, p.as_deref(), &options(10, 1)).unwrap();
        let scores = provider(&loaded, Box::new(LocalBackend::default()), None);
        let through = generate_with(&loaded, p.as_deref(), &options(10, 1), Some(&scores))
            .unwrap()
            .sequences;
        assert_eq!(fast, through, "conditional {conditional}");
        // Step t asks for t scores per active sequence and quantum layer, in one job each.
        let cost = scores.cost();
        let blocks = loaded.meta.config.model.blocks as u64;
        let tokens: u64 = fast.iter().map(|s| s.len() as u64 + 1).sum();
        assert!(cost.circuits > 0 && cost.shots == 0);
        // One submission per decoding step and block, in each of the two batches of 6 and 4.
        assert!(cost.submissions <= 2 * blocks * (loaded.meta.config.model.block_size as u64));
        // Σ over sequences of 1 + 2 + … + (its decoded steps), per block.
        let expected: u64 = fast
            .iter()
            .map(|s| {
                let steps =
                    (s.len() as u64 + 1).min(loaded.meta.config.model.block_size as u64 - 1);
                steps * (steps + 1) / 2
            })
            .sum::<u64>()
            * blocks;
        assert_eq!(cost.circuits, expected, "{tokens} tokens");
    }
}

#[test]
fn shot_sampling_is_seeded_and_changes_molecules() {
    let loaded = load_checkpoint(checkpoint(false)).unwrap();
    let run = |seed| {
        let scores = BackendScores::new(
            &loaded.meta.config.model.qubits,
            Box::new(LocalBackend::default()),
            Some(50),
            seed,
        )
        .unwrap();
        generate_with(&loaded, None, &options(8, 2), Some(&scores))
            .unwrap()
            .sequences
    };
    assert_eq!(run(4), run(4));
    let fast = generate(&loaded, None, &options(8, 2)).unwrap();
    // 50 shots per score perturb the attention: some molecule changes (seeds 4 and 5 alike).
    assert!(run(4) != fast || run(5) != fast);
}

#[test]
fn shot_based_sampling_through_qattnc_serve_end_to_end() {
    let loaded = load_checkpoint(checkpoint(false)).unwrap();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (address, stop) = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve(listener, ServeOptions::default(), async {
            let _ = rx.await;
        }));
        (address, tx)
    });
    assert!(address.ip().is_loopback());
    let mut config = IonqConfig::from_env(Some(format!("http://{address}"))).unwrap();
    config.api_key = None;
    config.format = IonqFormat::Qasm3;
    config.settings = quick();
    let backend = IonqBackend::new(config, None).unwrap();
    let scores = provider(&loaded, Box::new(backend), Some(2000));
    let n = 2;
    let sequences = generate_with(&loaded, None, &options(n, 3), Some(&scores))
        .unwrap()
        .sequences;
    assert_eq!(sequences.len(), n);
    let cost = scores.cost();
    assert!(cost.circuits > 0);
    assert_eq!(cost.shots, 2000 * cost.circuits);
    assert_eq!(
        cost.provider_jobs, cost.circuits,
        "IonQ: one job per circuit"
    );
    let _ = stop.send(());
}

fn x_chain(gates: usize) -> Circuit {
    let mut c = Circuit::new(1, 1);
    c.extend_gates((0..gates).map(|_| GateOp::fixed(Gate::X, &[0])))
        .unwrap();
    c.push_measure(0, 0).unwrap();
    c
}

#[test]
fn depolarizing_noise_shrinks_z_by_one_minus_4p_over_3_per_gate() {
    let (p, gates, k) = (0.05, 5, 40_000);
    let program = Program::compile(&x_chain(gates), Amplitude::Auto).unwrap();
    let noise = NoiseModel {
        depolarizing: p,
        readout: 0.0,
        trajectories: k,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let d = program.noisy_marginal(&[], &[0], &noise, &mut rng).unwrap();
    let z = d[0] - d[1];
    let expected = -(1.0 - 4.0 * p / 3.0_f64).powi(gates as i32);
    // Standard error of a mean of ±1 trajectory values: ≤ 1/√k.
    let sigma = (1.0 - expected * expected).sqrt() / (k as f64).sqrt();
    assert!(
        (z - expected).abs() < 5.0 * sigma,
        "⟨Z⟩ {z}, closed form {expected} (σ {sigma})"
    );
}

#[test]
fn readout_error_maps_z_to_one_minus_2q_z_and_combines_with_depolarizing() {
    // Readout only: exact, for any circuit.
    let mut c = Circuit::new(2, 1);
    c.extend_gates([
        GateOp::fixed(Gate::H, &[0]),
        GateOp::rotation(Gate::Ry, Angle::constant(0.7), 1),
        GateOp::cx(0, 1),
        GateOp::rotation(Gate::Ry, Angle::constant(0.4), 0),
    ])
    .unwrap();
    c.push_measure(0, 0).unwrap();
    let program = Program::compile(&c, Amplitude::Auto).unwrap();
    let ideal = program.run(&[]).unwrap().expectation_z(0);
    let q = 0.1;
    let noise = NoiseModel {
        depolarizing: 0.0,
        readout: q,
        trajectories: 1,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let d = program.noisy_marginal(&[], &[0], &noise, &mut rng).unwrap();
    assert!((d[0] - d[1] - (1.0 - 2.0 * q) * ideal).abs() < 1e-12);

    // Both on the X chain through the local backend with shots: (1−2q)(1−4p/3)^n.
    let (p, gates) = (0.02, 4);
    let job = Job {
        circuit: x_chain(gates),
        bindings: Bindings {
            rows: 1,
            values: vec![],
        },
        shots: Some(200_000),
        seed: 9,
    };
    let noisy = LocalBackend::noisy(NoiseModel {
        depolarizing: p,
        readout: q,
        trajectories: 20_000,
    });
    let z = noisy.run_here(&job).unwrap()[0].expectation_z0;
    let expected = (1.0 - 2.0 * q) * (1.0 - 4.0 * p / 3.0_f64).powi(gates as i32);
    assert!(
        (z - expected).abs() < 0.02,
        "⟨Z⟩ {z}, closed form {expected}"
    );
}

#[test]
fn noisy_local_backend_is_reproducible_with_a_seed() {
    let job = |seed| Job {
        circuit: x_chain(6),
        bindings: Bindings {
            rows: 3,
            values: vec![],
        },
        shots: Some(500),
        seed,
    };
    let backend = LocalBackend::noisy("depolarizing=0.03,readout=0.02".parse().unwrap());
    let run = |seed| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(backend.run(&job(seed), &Cancel::never()))
            .unwrap()
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));
}

#[test]
fn noisy_serve_reports_a_shrunken_z() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let options = ServeOptions {
            noise: Some("readout=0.25".parse().unwrap()),
            ..ServeOptions::default()
        };
        tokio::spawn(serve(listener, options, async {
            let _ = rx.await;
        }));
        let mut config = IonqConfig::from_env(Some(format!("http://{address}"))).unwrap();
        config.api_key = None;
        config.settings = quick();
        let job = Job {
            circuit: x_chain(0),
            bindings: Bindings {
                rows: 1,
                values: vec![],
            },
            shots: Some(20_000),
            seed: 0,
        };
        let z = IonqBackend::new(config, None)
            .unwrap()
            .run(&job, &Cancel::never())
            .await
            .unwrap()[0]
            .expectation_z0;
        // ⟨Z⟩ = 1 − 2q = 0.5; σ = √(0.75/20000) ≈ 0.006.
        assert!((z - 0.5).abs() < 0.04, "⟨Z⟩ {z}");
        let _ = tx.send(());
    });
}

#[test]
fn eval_noise_writes_its_table_and_curve() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("curve.png");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_qattnc"))
        .args(["eval-noise", "--checkpoint"])
        .arg(checkpoint(false))
        .args([
            "--data", FIXTURE, "--shots", "50,500", "--n", "6", "--json", "-o",
        ])
        .arg(&png)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary = common::last_json(&output);
    // The exact fast path, then one row per shot count.
    assert_eq!(summary["rows"].as_array().unwrap().len(), 3);
    assert!(std::fs::metadata(&png).unwrap().len() > 10_000);
}
