//! qattnc: a toolchain for the quantum self-attention layer of hybrid quantum–classical
//! transformers (Smaldone et al., arXiv 2502.19214, JCTC 2025).
//!
//! The pipeline, one module per stage:
//! - front ends: [`layer`] (TOML layer specs → circuits), [`qasm`] (OpenQASM 3 → circuits);
//! - [`ir`]: circuits, gates, affine angle expressions, the petgraph DAG view, statistics;
//! - [`opt`]: optimisation passes and levels; [`compile`]: the driver that builds and optimises
//!   a layer's score circuit;
//! - back ends: [`emit`] (OpenQASM 3, CUDA-Q Python and C++);
//! - [`sim`]: the statevector simulator and the batched state-preparation kernel with adjoint
//!   gradients;
//! - [`backend`]: running circuits locally or on hosted services over REST, and `qattnc serve`;
//! - [`cli`]: the `qattnc` command line.
//!
//! ```
//! use qattnc::layer::{LayerSpec, score_circuit};
//! use qattnc::ir::CircuitStats;
//!
//! let text = std::fs::read_to_string("circuits/paper_sequence.toml").unwrap();
//! let spec = LayerSpec::from_toml(&text, "paper_sequence.toml").unwrap();
//! let stats = CircuitStats::of(&score_circuit(&spec));
//! assert_eq!((stats.qubits, stats.two_qubit_gates), (7, 204));
//! ```

pub mod backend;
pub mod chem;
pub mod cli;
pub mod compile;
pub mod diagnostic;
pub mod emit;
pub mod ir;
pub mod layer;
pub mod model;
pub mod opt;
pub mod plot;
pub mod qasm;
pub mod sim;
pub mod synth;
pub mod target;
