//! Simulator throughput: the full -O0 paper score circuit (circuits/s, exact ⟨Z_anc⟩) and the
//! exact fast path (scores/s: state preparation of every token's ψ_q and ψ_k, then the Gram
//! matrix Ψ_Q Ψ_Kᵀ of each sequence), and state preparation alone (states/s) on the real kernel
//! beside the complex one, for the paper's template and a complex n-local template.
//!
//! `cargo bench --bench simulate`; docs/performance.md records results.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use qattnc::ir::{Angle, Circuit, Control, Gate, GateOp};
use qattnc::layer::{Side, preset, score_circuit, state_prep_circuit};
use qattnc::sim::{Amplitude, Bindings, Program, Real, StatePrep, StatePrepKernel};
use std::hint::black_box;

const CIRCUITS: usize = 2_000;

fn score_circuits(c: &mut Criterion) {
    let mut group = c.benchmark_group("score_circuit_O0");
    group.throughput(Throughput::Elements(CIRCUITS as u64));
    for name in ["paper_sequence", "paper_conditional"] {
        let circuit = score_circuit(&preset(name).unwrap().unwrap());
        let bindings = Bindings::random(circuit.inputs().len(), CIRCUITS, 1).unwrap();
        for (label, amplitude) in [("real", Amplitude::Auto), ("complex", Amplitude::Complex)] {
            let program = Program::compile(&circuit, amplitude).unwrap();
            group.bench_with_input(BenchmarkId::new(name, label), &program, |b, program| {
                b.iter(|| black_box(program.readouts(&bindings.values, CIRCUITS, None).unwrap()))
            });
        }
    }
    group.finish();
}

/// Sequences × tokens of one batch; each sequence needs T² scores (the full Gram matrix).
const SEQUENCES: usize = 16;
const TOKENS: usize = 24;

fn fast_path<T: Real>(
    query: &StatePrep,
    key: &StatePrep,
    q_params: &[T],
    k_params: &[T],
) -> Vec<T> {
    let dim = query.dim();
    let states = SEQUENCES * TOKENS;
    let mut psi_q = vec![T::zero(); states * dim];
    let mut psi_k = vec![T::zero(); states * dim];
    query.states(q_params, &mut psi_q).unwrap();
    key.states(k_params, &mut psi_k).unwrap();
    let mut scores = vec![T::zero(); SEQUENCES * TOKENS * TOKENS];
    for s in 0..SEQUENCES {
        for i in 0..TOKENS {
            let q = &psi_q[(s * TOKENS + i) * dim..][..dim];
            for j in 0..TOKENS {
                let k = &psi_k[(s * TOKENS + j) * dim..][..dim];
                scores[(s * TOKENS + i) * TOKENS + j] =
                    q.iter().zip(k).fold(T::zero(), |acc, (a, b)| acc + *a * *b);
            }
        }
    }
    scores
}

fn fast_path_scores(c: &mut Criterion) {
    let mut group = c.benchmark_group("fast_path_scores");
    group.throughput(Throughput::Elements((SEQUENCES * TOKENS * TOKENS) as u64));
    for name in ["paper_sequence", "paper_conditional"] {
        let spec = preset(name).unwrap().unwrap();
        let query = StatePrep::for_layer(&spec, Side::Query).unwrap();
        let key = StatePrep::for_layer(&spec, Side::Key).unwrap();
        let rows = SEQUENCES * TOKENS;
        let q64 = Bindings::random(query.num_params(), rows, 2)
            .unwrap()
            .values;
        let k64 = Bindings::random(key.num_params(), rows, 3).unwrap().values;
        let q32: Vec<f32> = q64.iter().map(|&x| x as f32).collect();
        let k32: Vec<f32> = k64.iter().map(|&x| x as f32).collect();
        group.bench_function(BenchmarkId::new(name, "f64"), |b| {
            b.iter(|| black_box(fast_path(&query, &key, &q64, &k64)))
        });
        group.bench_function(BenchmarkId::new(name, "f32"), |b| {
            b.iter(|| black_box(fast_path(&query, &key, &q32, &k32)))
        });
    }
    group.finish();
}

fn adjoint_gradients(c: &mut Criterion) {
    let mut group = c.benchmark_group("adjoint_gradients");
    let spec = preset("paper_sequence").unwrap().unwrap();
    let prep = StatePrep::for_layer(&spec, Side::Query).unwrap();
    let rows = SEQUENCES * TOKENS;
    group.throughput(Throughput::Elements(rows as u64));
    let params: Vec<f32> = Bindings::random(prep.num_params(), rows, 4)
        .unwrap()
        .values
        .iter()
        .map(|&x| x as f32)
        .collect();
    let upstream = vec![0.1f32; rows * prep.dim()];
    let mut grad = vec![0f32; rows * prep.num_params()];
    group.bench_function("paper_sequence_query_f32", |b| {
        b.iter(|| {
            prep.gradients(&params, &upstream, &mut grad).unwrap();
            black_box(&grad);
        })
    });
    group.finish();
}

/// An n-local-like template on 6 qubits: 2 × [rx, rz on every qubit; cz ring; crx chain].
fn n_local_template() -> Circuit {
    let n = 6;
    let mut circuit = Circuit::new(n, 0);
    let mut next = 0;
    let mut param = |circuit: &mut Circuit| {
        let name = format!("theta_{next}");
        next += 1;
        circuit.declare_input(name.clone());
        Angle::input(name)
    };
    for _ in 0..2 {
        for gate in [Gate::Rx, Gate::Rz] {
            for q in 0..n {
                let angle = param(&mut circuit);
                circuit.push_gate(GateOp::rotation(gate, angle, q)).unwrap();
            }
        }
        for q in 0..n {
            let cz = GateOp::fixed(Gate::Z, &[(q + 1) % n]).controlled_by(Control::on(q));
            circuit.push_gate(cz).unwrap();
        }
        for q in 0..n - 1 {
            let angle = param(&mut circuit);
            let crx = GateOp::rotation(Gate::Rx, angle, q + 1).controlled_by(Control::on(q));
            circuit.push_gate(crx).unwrap();
        }
    }
    circuit
}

/// States/s of the real and complex kernels (forward, and forward + adjoint gradients).
fn state_preparation(c: &mut Criterion) {
    let mut group = c.benchmark_group("state_prep");
    let rows = SEQUENCES * TOKENS;
    group.throughput(Throughput::Elements(rows as u64));
    let paper = state_prep_circuit(&preset("paper_sequence").unwrap().unwrap(), Side::Query);
    let kernels = [
        (
            "paper_query/real",
            StatePrepKernel::from_circuit(&paper).unwrap(),
        ),
        (
            "paper_query/complex",
            StatePrepKernel::complex(&paper).unwrap(),
        ),
        (
            "n_local_rx_rz_cz_crx/complex",
            StatePrepKernel::from_circuit(&n_local_template()).unwrap(),
        ),
    ];
    for (label, kernel) in &kernels {
        let params: Vec<f32> = Bindings::random(kernel.num_params(), rows, 5)
            .unwrap()
            .values
            .iter()
            .map(|&x| x as f32)
            .collect();
        let mut states = vec![0f32; rows * kernel.width()];
        group.bench_function(BenchmarkId::new("states_f32", label), |b| {
            b.iter(|| {
                kernel.states(&params, &mut states).unwrap();
                black_box(&states);
            })
        });
        let upstream = vec![0.1f32; rows * kernel.width()];
        let mut grad = vec![0f32; rows * kernel.num_params()];
        group.bench_function(BenchmarkId::new("adjoint_f32", label), |b| {
            b.iter(|| {
                kernel.gradients(&params, &upstream, &mut grad).unwrap();
                black_box(&grad);
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    score_circuits,
    fast_path_scores,
    adjoint_gradients,
    state_preparation
);
criterion_main!(benches);
