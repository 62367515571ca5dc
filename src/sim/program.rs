//! A circuit compiled for simulation: gates with precomputed placements and angles as affine
//! functions of a binding row, run for one binding or for many in parallel.

use super::SimError;
use super::kernel::{Placement, apply_diagonal, apply_matrix, apply_swap, apply_x};
use super::noise::{NoiseModel, apply_readout_error};
use super::state::{Amplitudes, State};
use crate::ir::{Circuit, Gate, GateOp, Instruction, Matrix2};
use num_complex::Complex64;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// The most qubits the simulator accepts whatever the front end allows (2^34 amplitudes).
pub const MAX_SIMULATED_QUBITS: usize = 34;

/// Which amplitude type to simulate with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Amplitude {
    /// Real amplitudes when every gate is real (H, X, Z, Ry, swap, with any controls), else
    /// complex.
    #[default]
    Auto,
    /// Always complex amplitudes.
    Complex,
}

/// An angle `constant + Σ coefficient·binding[index]`.
#[derive(Clone, Debug, PartialEq)]
struct BoundAngle {
    constant: f64,
    terms: Vec<(usize, f64)>,
}

impl BoundAngle {
    fn value(&self, binding: &[f64]) -> f64 {
        self.terms
            .iter()
            .fold(self.constant, |acc, &(k, c)| acc + c * binding[k])
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Action {
    /// Exchange of the target's amplitudes.
    X,
    /// Exchange of two targets.
    Swap,
    /// A constant diagonal gate.
    Diagonal(Complex64, Complex64),
    /// A constant gate.
    Matrix(Matrix2),
    /// A rotation whose angle depends on the binding.
    Rotation(Gate, BoundAngle),
}

#[derive(Clone, Debug, PartialEq)]
struct Step {
    place: Placement,
    action: Action,
}

/// A compiled circuit, ready to run for parameter bindings (one `f64` per input, in the order
/// of [`Circuit::inputs`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Program {
    num_qubits: usize,
    inputs: Vec<String>,
    steps: Vec<Step>,
    real: bool,
    readout_qubit: usize,
}

/// Ways of reading a state out: exact, or estimated from seeded shots.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sampling {
    /// Shots per binding.
    pub shots: u64,
    /// Seed; row r samples from ChaCha8 stream r of this seed, whatever the thread schedule.
    pub seed: u64,
}

/// What `qattnc simulate` reports per binding.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Readout {
    /// ⟨Z⟩ of qubit 0 (the score circuit's ancilla).
    pub expectation_z0: f64,
    /// P(0) of the readout qubit.
    pub p0: f64,
    /// P(1) of the readout qubit.
    pub p1: f64,
}

fn is_real_gate(op: &GateOp) -> bool {
    matches!(op.gate, Gate::H | Gate::X | Gate::Z | Gate::Ry | Gate::Swap)
}

impl Program {
    /// Compiles `circuit`. Measurements must be terminal (no gate on a measured qubit after it
    /// is measured) and a reset may only act on a qubit no gate has touched yet, since a pure
    /// state cannot represent the mixture that either would otherwise produce.
    pub fn compile(circuit: &Circuit, amplitude: Amplitude) -> Result<Program, SimError> {
        let n = circuit.num_qubits();
        if n == 0 {
            return Err(SimError::NoQubits);
        }
        if n > MAX_SIMULATED_QUBITS {
            return Err(SimError::TooManyQubits {
                qubits: n,
                limit: MAX_SIMULATED_QUBITS,
            });
        }
        let inputs = circuit.inputs().to_vec();
        let mut touched = vec![false; n];
        let mut measured = vec![false; n];
        let mut readout_qubit = None;
        let mut steps = Vec::new();
        for instruction in circuit.instructions() {
            match instruction {
                Instruction::Gate(op) => {
                    if let Some(q) = op.qubits().find(|&q| measured[q]) {
                        return Err(SimError::MidCircuitMeasurement { qubit: q });
                    }
                    op.qubits().for_each(|q| touched[q] = true);
                    steps.push(Step {
                        place: Placement::of(op),
                        action: action(op, &inputs),
                    });
                }
                Instruction::Measure { qubit, clbit } => {
                    measured[*qubit] = true;
                    if *clbit == 0 {
                        readout_qubit = Some(*qubit);
                    }
                }
                Instruction::Reset(qubit) => {
                    if touched[*qubit] {
                        return Err(SimError::MidCircuitReset { qubit: *qubit });
                    }
                }
                Instruction::Barrier(_) => {}
            }
        }
        let real = amplitude == Amplitude::Auto && circuit.gates().all(is_real_gate);
        Ok(Program {
            num_qubits: n,
            inputs,
            steps,
            real,
            readout_qubit: readout_qubit.unwrap_or(0),
        })
    }

    /// Number of qubits.
    pub fn num_qubits(&self) -> usize {
        self.num_qubits
    }

    /// The inputs a binding row holds, in order.
    pub fn inputs(&self) -> &[String] {
        &self.inputs
    }

    /// True when the program runs on real amplitudes.
    pub fn is_real(&self) -> bool {
        self.real
    }

    /// The qubit whose measurement writes bit 0 (qubit 0 when none does): the one `p0`/`p1`
    /// describe.
    pub fn readout_qubit(&self) -> usize {
        self.readout_qubit
    }

    fn check_binding(&self, len: usize, rows: usize) -> Result<(), SimError> {
        let expected = rows.checked_mul(self.inputs.len());
        if expected != Some(len) {
            return Err(SimError::Shape {
                what: "bindings",
                expected: format!("{rows} rows × {} inputs", self.inputs.len()),
                got: len,
            });
        }
        Ok(())
    }

    /// The final state for one binding.
    pub fn run(&self, binding: &[f64]) -> Result<State, SimError> {
        self.check_binding(binding.len(), 1)?;
        let mut state = State::zero(self.num_qubits, self.real);
        self.run_into(binding, &mut state);
        Ok(state)
    }

    /// Runs from |0⟩ into `state`, which has this program's size and amplitude type.
    fn run_into(&self, binding: &[f64], state: &mut State) {
        state.reset();
        match state.amplitudes_mut() {
            Amplitudes::Real(a) => self.steps.iter().for_each(|s| s.apply_real(a, binding)),
            Amplitudes::Complex(a) => self.steps.iter().for_each(|s| s.apply_complex(a, binding)),
        }
    }

    /// The readout distribution of `qubits` (outcome bit j = `qubits[j]`) under `noise`:
    /// the average over `noise.trajectories` seeded Monte-Carlo trajectories of depolarizing
    /// errors (see [`NoiseModel`]), then exact readout error. Without noise this is the exact
    /// marginal and `rng` is not used.
    pub fn noisy_marginal(
        &self,
        binding: &[f64],
        qubits: &[usize],
        noise: &NoiseModel,
        rng: &mut impl Rng,
    ) -> Result<Vec<f64>, SimError> {
        self.check_binding(binding.len(), 1)?;
        let mut state = State::zero(self.num_qubits, self.real);
        self.run_into(binding, &mut state);
        let ideal = state.marginal(qubits);
        let p = noise.depolarizing;
        let mut out = if p == 0.0 {
            ideal
        } else {
            let k = noise.trajectories.max(1);
            let mut sum = vec![0.0; ideal.len()];
            let mut errors: Vec<(usize, usize, u8)> = Vec::new();
            for _ in 0..k {
                errors.clear();
                for (s, step) in self.steps.iter().enumerate() {
                    for &q in step.place.qubits() {
                        if rng.random::<f64>() < p {
                            errors.push((s, q, rng.random_range(1..=3u8)));
                        }
                    }
                }
                if errors.is_empty() {
                    sum.iter_mut().zip(&ideal).for_each(|(a, b)| *a += b);
                    continue;
                }
                self.run_with_errors(binding, &errors, &mut state);
                sum.iter_mut()
                    .zip(state.marginal(qubits))
                    .for_each(|(a, b)| *a += b);
            }
            sum.iter_mut().for_each(|a| *a /= k as f64);
            sum
        };
        apply_readout_error(&mut out, noise.readout);
        Ok(out)
    }

    /// Runs from |0⟩ with Pauli errors `(step, qubit, 1 = X | 2 = Y | 3 = Z)` after their steps
    /// (sorted by step). Y is applied as XZ: the global phase i does not change probabilities.
    fn run_with_errors(&self, binding: &[f64], errors: &[(usize, usize, u8)], state: &mut State) {
        state.reset();
        let mut next = 0;
        for (s, step) in self.steps.iter().enumerate() {
            match state.amplitudes_mut() {
                Amplitudes::Real(a) => step.apply_real(a, binding),
                Amplitudes::Complex(a) => step.apply_complex(a, binding),
            }
            while next < errors.len() && errors[next].0 == s {
                let (_, q, pauli) = errors[next];
                let place = Placement::new(&[], &[q]);
                match state.amplitudes_mut() {
                    Amplitudes::Real(a) => {
                        if pauli >= 2 {
                            apply_diagonal(a, &place, 1.0, -1.0);
                        }
                        if pauli <= 2 {
                            apply_x(a, &place);
                        }
                    }
                    Amplitudes::Complex(a) => {
                        let (one, minus) = (Complex64::new(1.0, 0.0), Complex64::new(-1.0, 0.0));
                        if pauli >= 2 {
                            apply_diagonal(a, &place, one, minus);
                        }
                        if pauli <= 2 {
                            apply_x(a, &place);
                        }
                    }
                }
                next += 1;
            }
        }
    }

    /// Runs every row of `bindings` (`rows` × `inputs().len()`, row-major) in parallel and maps
    /// each final state with `f(row, state)`.
    pub fn run_batch<R, F>(&self, bindings: &[f64], rows: usize, f: F) -> Result<Vec<R>, SimError>
    where
        R: Send,
        F: Fn(usize, &State) -> R + Sync,
    {
        self.check_binding(bindings.len(), rows)?;
        let k = self.inputs.len();
        Ok((0..rows)
            .into_par_iter()
            .map_init(
                || State::zero(self.num_qubits, self.real),
                |state, row| {
                    self.run_into(&bindings[row * k..(row + 1) * k], state);
                    f(row, state)
                },
            )
            .collect())
    }

    /// ⟨Z_0⟩ and the readout qubit's P(0), P(1) for every row, exact or from shots.
    pub fn readouts(
        &self,
        bindings: &[f64],
        rows: usize,
        sampling: Option<Sampling>,
    ) -> Result<Vec<Readout>, SimError> {
        let readout = self.readout_qubit;
        let results = self.run_batch(bindings, rows, |row, state| match sampling {
            None => {
                let marginal = state.marginal(&[readout]);
                Ok(Readout {
                    expectation_z0: state.expectation_z(0),
                    p0: marginal[0],
                    p1: marginal[1],
                })
            }
            Some(Sampling { shots, seed }) => {
                let mut rng = ChaCha8Rng::seed_from_u64(seed);
                rng.set_stream(row as u64);
                let qubits: &[usize] = if readout == 0 { &[0] } else { &[0, readout] };
                let counts = state.sample_counts(qubits, shots, &mut rng)?;
                let total = shots.max(1) as f64;
                let (mut zero_on_0, mut one_on_readout) = (0u64, 0u64);
                for (outcome, &count) in counts.iter().enumerate() {
                    if outcome & 1 == 0 {
                        zero_on_0 += count;
                    }
                    let readout_bit = if readout == 0 {
                        outcome & 1
                    } else {
                        outcome >> 1
                    };
                    if readout_bit == 1 {
                        one_on_readout += count;
                    }
                }
                let p1 = one_on_readout as f64 / total;
                Ok(Readout {
                    expectation_z0: (2.0 * zero_on_0 as f64 - shots as f64) / total,
                    p0: if shots == 0 { 0.0 } else { 1.0 - p1 },
                    p1,
                })
            }
        })?;
        results.into_iter().collect()
    }
}

fn action(op: &GateOp, inputs: &[String]) -> Action {
    if let Some(angle) = &op.angle {
        let terms = angle
            .terms()
            .iter()
            .map(|(name, c)| {
                let k = inputs
                    .iter()
                    .position(|i| i == name)
                    .expect("the IR checks that every angle input is declared");
                (k, *c)
            })
            .collect();
        return Action::Rotation(
            op.gate,
            BoundAngle {
                constant: angle.constant_part(),
                terms,
            },
        );
    }
    match op.gate {
        Gate::X => Action::X,
        Gate::Swap => Action::Swap,
        gate => {
            let m = gate.matrix(0.0).expect("one-qubit gates have a matrix");
            let zero = Complex64::new(0.0, 0.0);
            if m[0][1] == zero && m[1][0] == zero {
                Action::Diagonal(m[0][0], m[1][1])
            } else {
                Action::Matrix(m)
            }
        }
    }
}

fn real_part(m: &Matrix2) -> [[f64; 2]; 2] {
    [[m[0][0].re, m[0][1].re], [m[1][0].re, m[1][1].re]]
}

impl Step {
    fn apply_complex(&self, a: &mut [Complex64], binding: &[f64]) {
        let place = &self.place;
        match &self.action {
            Action::X => apply_x(a, place),
            Action::Swap => apply_swap(a, place),
            Action::Diagonal(d0, d1) => apply_diagonal(a, place, *d0, *d1),
            Action::Matrix(m) => apply_matrix(a, place, *m),
            Action::Rotation(gate, angle) => {
                let m = gate
                    .matrix(angle.value(binding))
                    .expect("rotations have a matrix");
                if matches!(gate, Gate::Rz | Gate::P) {
                    apply_diagonal(a, place, m[0][0], m[1][1]);
                } else {
                    apply_matrix(a, place, m);
                }
            }
        }
    }

    /// Applies a real gate (the program checked that every gate is real).
    fn apply_real(&self, a: &mut [f64], binding: &[f64]) {
        let place = &self.place;
        match &self.action {
            Action::X => apply_x(a, place),
            Action::Swap => apply_swap(a, place),
            Action::Diagonal(d0, d1) => apply_diagonal(a, place, d0.re, d1.re),
            Action::Matrix(m) => apply_matrix(a, place, real_part(m)),
            Action::Rotation(gate, angle) => {
                let m = gate
                    .matrix(angle.value(binding))
                    .expect("rotations have a matrix");
                apply_matrix(a, place, real_part(&m));
            }
        }
    }
}
