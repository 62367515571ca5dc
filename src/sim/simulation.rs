//! One simulation request end to end: what to read out (⟨Z_0⟩ and the readout qubit's
//! distribution, observables, the distribution of the measured bits, shot counts), the causal
//! cone of that readout, the engine that fits the cone (batched small states or the large-state
//! engine), and a memory check before anything is allocated.

use super::SimError;
use super::cone::{Cone, light_cone};
use super::observable::Observable;
use super::parallel::{EngineConfig, LargeProgram, engine_bytes};
use super::program::{Amplitude, Program, Sampling};
use super::view::{StateView, marginal, sample_counts};
use crate::ir::{Circuit, Instruction};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// Amplitude precision of the large-state engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Precision {
    /// `f64` (the default; small states also use real amplitudes when every gate is real).
    #[default]
    F64,
    /// `f32`: half the memory, about 1e-6 relative error.
    F32,
}

/// What to read out per binding.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReadoutSpec {
    /// Expectation values, one column each; none means the default columns
    /// (`expectation_z0`, `p0`, `p1` of the qubit measured into bit 0).
    pub observables: Vec<Observable>,
    /// Also the distribution of the measured classical bits (exact, or counts with shots).
    pub distribution: bool,
    /// Estimate from seeded shots instead of exactly (not for observables).
    pub sampling: Option<Sampling>,
}

/// How to simulate.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimulationOptions {
    /// Amplitude precision.
    pub precision: Precision,
    /// Simulate only the causal cone of the readout.
    pub prune: bool,
    /// Use the large-state engine from this many (simulated) qubits on; `f32` always uses it.
    pub large_from: usize,
    /// The large-state engine's configuration.
    pub engine: EngineConfig,
    /// The most bytes the states may take.
    pub max_memory: u128,
}

impl Default for SimulationOptions {
    fn default() -> Self {
        SimulationOptions {
            precision: Precision::F64,
            prune: true,
            large_from: 16,
            engine: EngineConfig::default(),
            max_memory: 16 << 30,
        }
    }
}

/// One binding's readout.
#[derive(Clone, Debug, PartialEq)]
pub struct RowReadout {
    /// One value per column ([`Simulation::columns`]).
    pub values: Vec<f64>,
    /// The distribution of the measured bits (outcome index bit j = the j-th measured bit),
    /// when asked for without shots.
    pub probabilities: Option<Vec<f64>>,
    /// Counts of the measured bits' outcomes, when asked for with shots.
    pub counts: Option<Vec<u64>>,
}

enum Engine {
    Small(Program),
    Large(LargeProgram, Precision),
}

/// A circuit prepared for a readout: pruned to the readout's cone, compiled for the engine
/// that fits, with the memory it needs checked against the limit.
pub struct Simulation {
    spec: ReadoutSpec,
    engine: Engine,
    /// (⟨Z⟩ qubit, readout qubit) of the default columns, in the simulated circuit (unused
    /// with observables).
    default_qubits: (usize, usize),
    observables: Vec<Observable>,
    /// The measured qubits in the simulated circuit (empty without `spec.distribution`).
    distribution_qubits: Vec<usize>,
    measured_bits: usize,
    simulated_qubits: usize,
    simulated_gates: usize,
    memory_bytes: u128,
    block_qubits: usize,
}

/// The qubits whose values the measured classical bits hold at the end, in ascending bit order
/// (the last measurement into a bit wins); every qubit in order when nothing is measured.
fn measured_qubits(circuit: &Circuit) -> Vec<usize> {
    let mut last = vec![None; circuit.num_clbits()];
    for instruction in circuit.instructions() {
        if let Instruction::Measure { qubit, clbit } = instruction {
            last[*clbit] = Some(*qubit);
        }
    }
    let measured: Vec<usize> = last.into_iter().flatten().collect();
    if measured.is_empty() {
        (0..circuit.num_qubits()).collect()
    } else {
        measured
    }
}

impl Simulation {
    /// Prepares `circuit` for `spec`.
    pub fn new(
        circuit: &Circuit,
        spec: ReadoutSpec,
        options: &SimulationOptions,
    ) -> Result<Simulation, SimError> {
        let full = Program::compile(circuit, Amplitude::Auto)?;
        let n = circuit.num_qubits();
        if spec.sampling.is_some() && !spec.observables.is_empty() {
            return Err(SimError::Unsupported(
                "observables are exact: shots estimate only the default columns and the \
                 distribution of the measured bits"
                    .into(),
            ));
        }
        for observable in &spec.observables {
            if let Some(&q) = observable.qubits().iter().find(|&&q| q >= n) {
                return Err(SimError::QubitOutOfRange {
                    qubit: q,
                    qubits: n,
                });
            }
        }
        let measured = measured_qubits(circuit);
        let readout = full.readout_qubit();
        let mut seeds = Vec::new();
        if spec.observables.is_empty() {
            seeds.extend([0, readout]);
        }
        spec.observables
            .iter()
            .for_each(|o| seeds.extend(o.qubits()));
        if spec.distribution {
            seeds.extend(&measured);
        }
        if seeds.is_empty() {
            seeds.push(0);
        }
        let cone = if options.prune {
            light_cone(circuit, &seeds)?
        } else {
            Cone {
                circuit: circuit.clone(),
                map: (0..n).map(Some).collect(),
            }
        };
        let at = |q: usize| cone.map[q].expect("the cone holds every readout qubit");
        let m = cone.circuit.num_qubits();
        let large = options.precision == Precision::F32 || m >= options.large_from;
        let (engine, memory_bytes) = if large {
            let program = LargeProgram::compile(&cone.circuit, options.engine)?;
            let bytes = match options.precision {
                Precision::F64 => engine_bytes::<f64>(m, &options.engine),
                Precision::F32 => engine_bytes::<f32>(m, &options.engine),
            };
            let parallel_rows = if m <= options.engine.block_qubits {
                rayon::current_num_threads() as u128
            } else {
                1
            };
            (
                Engine::Large(program, options.precision),
                bytes * parallel_rows,
            )
        } else {
            let program = Program::compile(&cone.circuit, Amplitude::Auto)?;
            let size: u128 = if program.is_real() { 8 } else { 16 };
            let bytes = (size << m) * rayon::current_num_threads() as u128;
            (Engine::Small(program), bytes)
        };
        if memory_bytes > options.max_memory {
            return Err(SimError::Memory {
                qubits: m,
                needed: memory_bytes,
                limit: options.max_memory,
            });
        }
        Ok(Simulation {
            default_qubits: if spec.observables.is_empty() {
                (at(0), at(readout))
            } else {
                (0, 0)
            },
            observables: spec
                .observables
                .iter()
                .map(|o| o.remapped(&cone.map))
                .collect(),
            distribution_qubits: if spec.distribution {
                measured.iter().map(|&q| at(q)).collect()
            } else {
                Vec::new()
            },
            measured_bits: measured.len(),
            simulated_qubits: m,
            simulated_gates: cone.circuit.gates().count(),
            memory_bytes,
            block_qubits: options.engine.block_qubits,
            engine,
            spec,
        })
    }

    /// Column names of [`RowReadout::values`]: the observables as written, or
    /// `expectation_z0`, `p0`, `p1`.
    pub fn columns(&self) -> Vec<String> {
        if self.spec.observables.is_empty() {
            ["expectation_z0", "p0", "p1"].map(String::from).to_vec()
        } else {
            self.spec
                .observables
                .iter()
                .map(|o| o.text.clone())
                .collect()
        }
    }

    /// How many classical bits the distribution covers (every qubit when nothing is measured).
    pub fn measured_bits(&self) -> usize {
        self.measured_bits
    }

    /// Qubits that get amplitudes (the causal cone's).
    pub fn simulated_qubits(&self) -> usize {
        self.simulated_qubits
    }

    /// Gates simulated (the causal cone's).
    pub fn simulated_gates(&self) -> usize {
        self.simulated_gates
    }

    /// Bytes of state memory the simulation needs.
    pub fn memory_bytes(&self) -> u128 {
        self.memory_bytes
    }

    /// `"real"`, `"complex"` (batched small states, `f64`) or `"split-f64"`, `"split-f32"`
    /// (the large-state engine).
    pub fn amplitudes(&self) -> &'static str {
        match &self.engine {
            Engine::Small(p) if p.is_real() => "real",
            Engine::Small(_) => "complex",
            Engine::Large(_, Precision::F64) => "split-f64",
            Engine::Large(_, Precision::F32) => "split-f32",
        }
    }

    /// The inputs a binding row holds, in order.
    pub fn inputs(&self) -> &[String] {
        match &self.engine {
            Engine::Small(p) => p.inputs(),
            Engine::Large(p, _) => p.inputs(),
        }
    }

    /// The readout of every row of `bindings` (`rows` × `inputs().len()`, row-major).
    pub fn run(&self, bindings: &[f64], rows: usize) -> Result<Vec<RowReadout>, SimError> {
        let k = self.inputs().len();
        if rows.checked_mul(k) != Some(bindings.len()) {
            return Err(SimError::Shape {
                what: "bindings",
                expected: format!("{rows} rows × {k} inputs"),
                got: bindings.len(),
            });
        }
        let row = |r: usize| &bindings[r * k..(r + 1) * k];
        let results: Vec<Result<RowReadout, SimError>> = match &self.engine {
            Engine::Small(program) => {
                program.run_batch(bindings, rows, |r, state| self.read(r, state))?
            }
            Engine::Large(program, precision) => {
                let one = |r: usize| match precision {
                    Precision::F64 => self.read(r, &program.run::<f64>(row(r))?),
                    Precision::F32 => self.read(r, &program.run::<f32>(row(r))?),
                };
                if program.num_qubits() <= self.block_qubits {
                    (0..rows).into_par_iter().map(one).collect()
                } else {
                    (0..rows).map(one).collect()
                }
            }
        };
        results.into_iter().collect()
    }

    fn read(&self, row: usize, state: &(impl StateView + ?Sized)) -> Result<RowReadout, SimError> {
        let mut rng = self.spec.sampling.map(|s| {
            let mut rng = ChaCha8Rng::seed_from_u64(s.seed);
            rng.set_stream(row as u64);
            rng
        });
        let values = if !self.observables.is_empty() {
            self.observables
                .iter()
                .map(|o| o.expectation(state))
                .collect()
        } else {
            let (z, readout) = self.default_qubits;
            match (self.spec.sampling, rng.as_mut()) {
                (Some(Sampling { shots, .. }), Some(rng)) => {
                    let qubits: &[usize] = if readout == z { &[z] } else { &[z, readout] };
                    let counts = sample_counts(&marginal(state, qubits), shots, rng)?;
                    estimate_default(&counts, shots, readout != z)
                }
                _ => {
                    let pair = marginal(state, &[z, readout]);
                    vec![
                        pair[0] + pair[2] - pair[1] - pair[3],
                        pair[0] + pair[1],
                        pair[2] + pair[3],
                    ]
                }
            }
        };
        let (mut probabilities, mut counts) = (None, None);
        if self.spec.distribution {
            let exact = marginal(state, &self.distribution_qubits);
            match (self.spec.sampling, rng.as_mut()) {
                (Some(Sampling { shots, .. }), Some(rng)) => {
                    counts = Some(sample_counts(&exact, shots, rng)?);
                }
                _ => probabilities = Some(exact),
            }
        }
        Ok(RowReadout {
            values,
            probabilities,
            counts,
        })
    }
}

/// ⟨Z⟩, P(0), P(1) from counts over (Z qubit, readout qubit) — or the Z qubit alone when it is
/// the readout qubit — as the batched simulator has always estimated them.
fn estimate_default(counts: &[u64], shots: u64, two: bool) -> Vec<f64> {
    let total = shots.max(1) as f64;
    let (mut zero_on_z, mut one_on_readout) = (0u64, 0u64);
    for (outcome, &count) in counts.iter().enumerate() {
        if outcome & 1 == 0 {
            zero_on_z += count;
        }
        let readout_bit = if two { outcome >> 1 } else { outcome & 1 };
        if readout_bit == 1 {
            one_on_readout += count;
        }
    }
    let p1 = one_on_readout as f64 / total;
    vec![
        (2.0 * zero_on_z as f64 - shots as f64) / total,
        if shots == 0 { 0.0 } else { 1.0 - p1 },
        p1,
    ]
}
