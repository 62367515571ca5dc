//! The large-state engine: one state, every core.
//!
//! The gates (fused by [`super::fusion`]) are cut into *sweeps*. A sweep is a set of gates that
//! act only on the `low` lowest qubits and at most `high` other qubits, taken greedily in time
//! order (a gate may move ahead of gates it shares no qubit with). For each sweep, the state
//! splits into independent *blocks* of 2^(low + high) amplitudes — every amplitude whose other
//! qubits hold one value — which are copied into a cache-sized buffer, run through all of the
//! sweep's gates, and copied back, block after block in parallel (rayon). Memory is then read
//! and written once per sweep instead of once per gate.

use super::SimError;
use super::fusion::{FusedGate, Kind, fuse_gates};
use super::program::{Amplitude, Program};
use super::split::{LocalGate, SplitState, apply_gates};
use crate::ir::{Circuit, GateOp};
use num_traits::Float;
use rayon::prelude::*;

/// How the engine cuts the work (the defaults were chosen by measurement, docs/performance.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EngineConfig {
    /// Qubits of one block (a block holds 2^block_qubits amplitudes).
    pub block_qubits: usize,
    /// Of those, how many may be qubits other than the lowest ones.
    pub high_qubits: usize,
    /// Merge runs of one-qubit gates on a qubit into one gate.
    pub fuse: bool,
    /// Run the blocks of a sweep on every core (else on the calling thread).
    pub parallel: bool,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            block_qubits: 14,
            high_qubits: 4,
            fuse: true,
            parallel: true,
        }
    }
}

/// A circuit compiled for the large-state engine: its unitary part, for bindings of its
/// inputs. Measurements only mark what is read; resets of fresh qubits do nothing.
#[derive(Clone, Debug, PartialEq)]
pub struct LargeProgram {
    num_qubits: usize,
    inputs: Vec<String>,
    gates: Vec<GateOp>,
    config: EngineConfig,
}

impl LargeProgram {
    /// Compiles `circuit` under the same rules as [`Program::compile`] (terminal
    /// measurements, resets of fresh qubits only, at most [`super::MAX_SIMULATED_QUBITS`]).
    pub fn compile(circuit: &Circuit, config: EngineConfig) -> Result<LargeProgram, SimError> {
        Program::compile(circuit, Amplitude::Complex)?;
        if config.block_qubits == 0 || config.high_qubits >= config.block_qubits {
            return Err(SimError::Shape {
                what: "engine configuration",
                expected: "0 ≤ high_qubits < block_qubits".into(),
                got: config.high_qubits,
            });
        }
        Ok(LargeProgram {
            num_qubits: circuit.num_qubits(),
            inputs: circuit.inputs().to_vec(),
            gates: circuit.gates().cloned().collect(),
            config,
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

    /// The gates after fusion for `binding`.
    fn fused(&self, binding: &[f64]) -> Vec<FusedGate> {
        let angle = |op: &GateOp| {
            op.angle.as_ref().map_or(0.0, |a| {
                a.value_with(|name| {
                    self.inputs
                        .iter()
                        .position(|i| i == name)
                        .map(|k| binding[k])
                })
                .expect("the IR checks that every angle input is declared")
            })
        };
        fuse_gates(
            self.num_qubits,
            self.gates.iter().map(|op| (op, angle(op))),
            self.config.fuse,
        )
    }

    /// The final state for one binding, in precision `T` (`f64` or `f32`).
    pub fn run<T: Float + Send + Sync>(&self, binding: &[f64]) -> Result<SplitState<T>, SimError> {
        if binding.len() != self.inputs.len() {
            return Err(SimError::Shape {
                what: "bindings",
                expected: format!("1 row × {} inputs", self.inputs.len()),
                got: binding.len(),
            });
        }
        let fused = self.fused(binding);
        let mut state = SplitState::zero(self.num_qubits);
        let n = self.num_qubits;
        let config = self.config;
        if n <= config.block_qubits {
            let identity: Vec<usize> = (0..n).collect();
            let gates: Vec<LocalGate<T>> = fused.iter().map(|g| local_gate(g, &identity)).collect();
            apply_gates(&mut state.re, &mut state.im, &gates);
            return Ok(state);
        }
        let low = config.block_qubits - config.high_qubits;
        for sweep in plan_sweeps(&fused, low, config.high_qubits) {
            let mut local = vec![usize::MAX; n];
            (0..low).for_each(|q| local[q] = q);
            sweep
                .high
                .iter()
                .enumerate()
                .for_each(|(j, &q)| local[q] = low + j);
            let gates: Vec<LocalGate<T>> = sweep
                .gates
                .iter()
                .map(|&g| local_gate(&fused[g], &local))
                .collect();
            apply_sweep(&mut state, low, &sweep.high, &gates, config.parallel);
        }
        Ok(state)
    }
}

/// `gate` with its qubits renumbered by `local`.
fn local_gate<T: Float>(gate: &FusedGate, local: &[usize]) -> LocalGate<T> {
    let target = local[gate.target];
    let mut sorted: Vec<usize> = gate
        .controls
        .iter()
        .map(|c| local[c.qubit])
        .chain([target])
        .collect();
    sorted.sort_unstable();
    LocalGate {
        target,
        sorted,
        control_value: gate
            .controls
            .iter()
            .filter(|c| c.on_one)
            .map(|c| 1 << local[c.qubit])
            .sum(),
        kind: Kind::of(&gate.matrix),
    }
}

/// Gates applied together: `gates` (indices, in order) touch only the low qubits and `high`.
#[derive(Clone, Debug, PartialEq)]
struct Sweep {
    high: Vec<usize>,
    gates: Vec<usize>,
}

fn qubit_mask(gate: &FusedGate) -> u64 {
    gate.controls
        .iter()
        .fold(1u64 << gate.target, |m, c| m | 1 << c.qubit)
}

/// Cuts `gates` into sweeps greedily: each sweep scans the remaining gates in order and takes
/// every gate that fits (its qubits ≥ `low` join the sweep's high set, at most `max_high`) and
/// shares no qubit with a gate it skipped, so taken gates commute with the skipped ones.
/// Every sweep takes at least one gate, so planning ends.
fn plan_sweeps(gates: &[FusedGate], low: usize, max_high: usize) -> Vec<Sweep> {
    let low_mask = if low >= 64 {
        u64::MAX
    } else {
        (1u64 << low) - 1
    };
    let mut remaining: Vec<usize> = (0..gates.len()).collect();
    let mut sweeps = Vec::new();
    while !remaining.is_empty() {
        let (mut high, mut blocked) = (0u64, 0u64);
        let mut taken = Vec::new();
        let mut rest = Vec::new();
        for &g in &remaining {
            let mask = qubit_mask(&gates[g]);
            let with = high | (mask & !low_mask);
            // A sweep always takes its first gate, even one with more than `max_high` high
            // qubits (a gate with many controls): its block is then larger.
            let fits = taken.is_empty() || with.count_ones() as usize <= max_high;
            if mask & blocked == 0 && fits {
                high = with;
                taken.push(g);
            } else {
                blocked |= mask;
                rest.push(g);
            }
        }
        sweeps.push(Sweep {
            high: (0..64).filter(|q| high >> q & 1 == 1).collect(),
            gates: taken,
        });
        remaining = rest;
    }
    sweeps
}

/// Bit j of `value` moved to position `positions[j]`.
fn deposit(mut value: usize, positions: &[usize]) -> usize {
    let mut out = 0;
    for &p in positions {
        out |= (value & 1) << p;
        value >>= 1;
    }
    out
}

/// A raw pointer shared by the threads of one sweep, each of which touches its own block.
#[derive(Clone, Copy)]
struct Shared<T>(*mut T);

// SAFETY: threads write through the pointer only at indices of their own block, and blocks are
// disjoint (see `apply_sweep`).
unsafe impl<T: Send> Send for Shared<T> {}
// SAFETY: as above.
unsafe impl<T: Send> Sync for Shared<T> {}

impl<T> Shared<T> {
    fn get(self) -> *mut T {
        self.0
    }
}

/// Runs `gates` (on local positions: low qubits, then `high` in order) over every block.
fn apply_sweep<T: Float + Send + Sync>(
    state: &mut SplitState<T>,
    low: usize,
    high: &[usize],
    gates: &[LocalGate<T>],
    parallel: bool,
) {
    let segment = 1usize << low;
    if high.is_empty() {
        if parallel {
            state
                .re
                .par_chunks_mut(segment)
                .zip(state.im.par_chunks_mut(segment))
                .for_each(|(re, im)| apply_gates(re, im, gates));
        } else {
            state
                .re
                .chunks_mut(segment)
                .zip(state.im.chunks_mut(segment))
                .for_each(|(re, im)| apply_gates(re, im, gates));
        }
        return;
    }
    let n = state.num_qubits();
    let outer: Vec<usize> = (low..n).filter(|q| !high.contains(q)).collect();
    let block_len = segment << high.len();
    let (re, im) = (Shared(state.re.as_mut_ptr()), Shared(state.im.as_mut_ptr()));
    let work = |buffer: &mut (Vec<T>, Vec<T>), block: usize| {
        let base = deposit(block, &outer);
        let offsets = (0..1usize << high.len()).map(|s| (s * segment, base | deposit(s, high)));
        // SAFETY: a block is the set of indices whose `outer` bits equal `block`; different
        // blocks are disjoint, every index is below 2^n (the state's length), and the buffer
        // holds 2^(low + high) values, so each copy stays in bounds and no two threads touch
        // the same amplitude.
        unsafe {
            for (at, offset) in offsets.clone() {
                std::ptr::copy_nonoverlapping(
                    re.get().add(offset),
                    buffer.0.as_mut_ptr().add(at),
                    segment,
                );
                std::ptr::copy_nonoverlapping(
                    im.get().add(offset),
                    buffer.1.as_mut_ptr().add(at),
                    segment,
                );
            }
            apply_gates(&mut buffer.0, &mut buffer.1, gates);
            for (at, offset) in offsets {
                std::ptr::copy_nonoverlapping(
                    buffer.0.as_ptr().add(at),
                    re.get().add(offset),
                    segment,
                );
                std::ptr::copy_nonoverlapping(
                    buffer.1.as_ptr().add(at),
                    im.get().add(offset),
                    segment,
                );
            }
        }
    };
    let new_buffer = || (vec![T::zero(); block_len], vec![T::zero(); block_len]);
    let blocks = 1usize << outer.len();
    if parallel {
        (0..blocks)
            .into_par_iter()
            .for_each_init(new_buffer, |buffer, block| work(buffer, block));
    } else {
        let mut buffer = new_buffer();
        (0..blocks).for_each(|block| work(&mut buffer, block));
    }
}

/// Bytes the engine needs for an n-qubit state of `T` and a block buffer per thread.
pub fn engine_bytes<T>(num_qubits: usize, config: &EngineConfig) -> u128 {
    let size = std::mem::size_of::<T>() as u128;
    let state = (2 * size) << num_qubits;
    let buffers = (rayon::current_num_threads() as u128 * 2 * size) << config.block_qubits;
    state + buffers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deposit_places_bits() {
        assert_eq!(deposit(0b101, &[1, 3, 6]), (1 << 1) | (1 << 6));
    }
}
