//! Programs in a device's native gates, with each gate's published definition.
//!
//! Angles are stored in radians (IonQ's phases are converted to turns when written, see
//! [`super::emit`]). Definitions, with σ(φ) = cos φ·X + sin φ·Y:
//! - `rz(θ)` = exp(−iθZ/2), `rx(θ)` = exp(−iθX/2), `sx` = √X, `x`, `cx`, `cz`: as in OpenQASM's
//!   `stdgates.inc`;
//! - `ecr a, b` = (X_a − Y_a·X_b)/√2 (IBM's echoed cross-resonance gate, Qiskit's `ECRGate`);
//! - `gpi(φ)` = σ(φ) = [[0, e^{−iφ}], [e^{iφ}, 0]], `gpi2(φ)` = (I − iσ(φ))/√2,
//!   `ms(φ₀, φ₁, θ)` = exp(−iθ/2·σ(φ₀)⊗σ(φ₁)) (IonQ's GPI, GPI2 and Mølmer–Sørensen gates;
//!   IonQ writes φ in turns and θ in turns with 0.25 fully entangling: θ = 2π·turns here);
//! - `prx(θ, φ)` = exp(−iθ/2·σ(φ)) (IQM's phased X rotation).
//!
//! [`NativeCircuit::to_ir`] writes each gate with the IR's gates, exactly (global phase
//! included), so that the simulator and the verifier check native programs.

use crate::ir::{Angle, Circuit, Control, Gate, GateOp, Instruction};
use serde::Serialize;
use std::collections::BTreeMap;
use std::f64::consts::{FRAC_PI_2, FRAC_PI_4};

/// A native gate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NativeGate {
    /// exp(−iθZ/2).
    Rz,
    /// exp(−iθX/2) (Rigetti uses θ = ±π/2 only).
    Rx,
    /// √X.
    Sx,
    /// Pauli X.
    X,
    /// Controlled X.
    Cx,
    /// Controlled Z.
    Cz,
    /// IBM's echoed cross-resonance gate.
    Ecr,
    /// IonQ's GPI(φ).
    Gpi,
    /// IonQ's GPI2(φ).
    Gpi2,
    /// IonQ's MS(φ₀, φ₁, θ).
    Ms,
    /// IQM's PRX(θ, φ).
    Prx,
}

impl NativeGate {
    /// The gate's name in programs and target files.
    pub fn name(self) -> &'static str {
        match self {
            NativeGate::Rz => "rz",
            NativeGate::Rx => "rx",
            NativeGate::Sx => "sx",
            NativeGate::X => "x",
            NativeGate::Cx => "cx",
            NativeGate::Cz => "cz",
            NativeGate::Ecr => "ecr",
            NativeGate::Gpi => "gpi",
            NativeGate::Gpi2 => "gpi2",
            NativeGate::Ms => "ms",
            NativeGate::Prx => "prx",
        }
    }

    /// Qubits the gate acts on.
    pub fn num_qubits(self) -> usize {
        match self {
            NativeGate::Cx | NativeGate::Cz | NativeGate::Ecr | NativeGate::Ms => 2,
            _ => 1,
        }
    }

    /// Angle parameters.
    pub fn num_params(self) -> usize {
        match self {
            NativeGate::Rz | NativeGate::Rx | NativeGate::Gpi | NativeGate::Gpi2 => 1,
            NativeGate::Prx => 2,
            NativeGate::Ms => 3,
            _ => 0,
        }
    }
}

/// A native gate on qubits with its angles (radians).
#[derive(Clone, Debug, PartialEq)]
pub struct NativeOp {
    /// The gate.
    pub gate: NativeGate,
    /// Its qubits, in the gate's argument order.
    pub qubits: Vec<usize>,
    /// Its angles, in the gate's parameter order.
    pub params: Vec<Angle>,
}

impl NativeOp {
    /// A gate without angles.
    pub fn fixed(gate: NativeGate, qubits: &[usize]) -> NativeOp {
        NativeOp {
            gate,
            qubits: qubits.to_vec(),
            params: Vec::new(),
        }
    }

    /// A gate with angles.
    pub fn with(gate: NativeGate, qubits: &[usize], params: Vec<Angle>) -> NativeOp {
        NativeOp {
            gate,
            qubits: qubits.to_vec(),
            params,
        }
    }
}

/// One step of a native program.
#[derive(Clone, Debug, PartialEq)]
pub enum NativeInstruction {
    /// A native gate.
    Gate(NativeOp),
    /// Measurement of `qubit` into `clbit`.
    Measure {
        /// The measured qubit.
        qubit: usize,
        /// The classical bit written.
        clbit: usize,
    },
    /// Reset of a qubit.
    Reset(usize),
    /// A barrier.
    Barrier(Vec<usize>),
}

/// A program in native gates on a device's physical qubits.
#[derive(Clone, Debug, PartialEq)]
pub struct NativeCircuit {
    /// Qubits (physical qubit k is qubit k).
    pub num_qubits: usize,
    /// Classical bits.
    pub num_clbits: usize,
    /// Declared inputs.
    pub inputs: Vec<String>,
    /// The instructions in time order.
    pub instructions: Vec<NativeInstruction>,
}

/// Counts of a native program.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NativeStats {
    /// Native gates.
    pub gates: usize,
    /// Native two-qubit gates.
    pub two_qubit_gates: usize,
    /// Depth, every gate one time step (measurements included).
    pub depth: usize,
    /// Gates by name.
    pub gates_by_kind: BTreeMap<String, usize>,
}

impl NativeCircuit {
    /// The native gates in order.
    pub fn gates(&self) -> impl Iterator<Item = &NativeOp> {
        self.instructions.iter().filter_map(|i| match i {
            NativeInstruction::Gate(op) => Some(op),
            _ => None,
        })
    }

    /// Gate counts and depth.
    pub fn stats(&self) -> NativeStats {
        let mut gates_by_kind = BTreeMap::new();
        for op in self.gates() {
            *gates_by_kind.entry(op.gate.name().to_string()).or_insert(0) += 1;
        }
        let mut level = vec![0usize; self.num_qubits];
        for instruction in &self.instructions {
            let qubits = match instruction {
                NativeInstruction::Gate(op) => op.qubits.clone(),
                NativeInstruction::Measure { qubit, .. } | NativeInstruction::Reset(qubit) => {
                    vec![*qubit]
                }
                NativeInstruction::Barrier(_) => continue,
            };
            let next = qubits.iter().map(|&q| level[q]).max().unwrap_or(0) + 1;
            for q in qubits {
                level[q] = next;
            }
        }
        NativeStats {
            gates: self.gates().count(),
            two_qubit_gates: self.gates().filter(|op| op.gate.num_qubits() == 2).count(),
            depth: level.into_iter().max().unwrap_or(0),
            gates_by_kind,
        }
    }

    /// The same program in IR gates, each native gate written exactly (global phase included).
    pub fn to_ir(&self) -> Circuit {
        let mut out = Vec::new();
        for instruction in &self.instructions {
            match instruction {
                NativeInstruction::Gate(op) => {
                    out.extend(ir_gates(op).into_iter().map(Instruction::Gate))
                }
                NativeInstruction::Measure { qubit, clbit } => out.push(Instruction::Measure {
                    qubit: *qubit,
                    clbit: *clbit,
                }),
                NativeInstruction::Reset(q) => out.push(Instruction::Reset(*q)),
                NativeInstruction::Barrier(qs) => out.push(Instruction::Barrier(qs.clone())),
            }
        }
        let mut circuit = Circuit::new(self.num_qubits, self.num_clbits);
        for input in &self.inputs {
            circuit.declare_input(input.clone());
        }
        circuit.with_instructions(out)
    }
}

fn rot(gate: Gate, angle: Angle, q: usize) -> GateOp {
    GateOp::rotation(gate, angle, q)
}

fn fixed(gate: Gate, q: usize) -> GateOp {
    GateOp::fixed(gate, &[q])
}

/// exp(−iθ/2·Z_a Z_b) as cx · rz(θ) · cx.
fn zz(a: usize, b: usize, theta: Angle) -> Vec<GateOp> {
    vec![GateOp::cx(a, b), rot(Gate::Rz, theta, b), GateOp::cx(a, b)]
}

/// One native gate in IR gates, exactly.
pub(crate) fn ir_gates(op: &NativeOp) -> Vec<GateOp> {
    let c = Angle::constant;
    let p = |k: usize| op.params[k].clone();
    let q = op.qubits[0];
    match op.gate {
        NativeGate::Rz => vec![rot(Gate::Rz, p(0), q)],
        NativeGate::Rx => vec![rot(Gate::Rx, p(0), q)],
        NativeGate::Sx => vec![fixed(Gate::Sx, q)],
        NativeGate::X => vec![fixed(Gate::X, q)],
        NativeGate::Cx => vec![GateOp::cx(q, op.qubits[1])],
        NativeGate::Cz => {
            vec![GateOp::fixed(Gate::Z, &[op.qubits[1]]).controlled_by(Control::on(q))]
        }
        NativeGate::Ecr => {
            // ECR = RZX(−π/4) · X_a · RZX(π/4), RZX(θ) = H_b · exp(−iθ/2·Z_a Z_b) · H_b.
            let b = op.qubits[1];
            let rzx = |theta: f64| {
                let mut gates = vec![fixed(Gate::H, b)];
                gates.extend(zz(q, b, c(theta)));
                gates.push(fixed(Gate::H, b));
                gates
            };
            let mut gates = rzx(FRAC_PI_4);
            gates.push(fixed(Gate::X, q));
            gates.extend(rzx(-FRAC_PI_4));
            gates
        }
        // σ(φ) = Rz(2φ)·X.
        NativeGate::Gpi => vec![fixed(Gate::X, q), rot(Gate::Rz, p(0).scale(2.0), q)],
        // GPI2(φ) = Rz(φ)·Rx(π/2)·Rz(−φ); PRX(θ, φ) = Rz(φ)·Rx(θ)·Rz(−φ).
        NativeGate::Gpi2 | NativeGate::Prx => {
            let (theta, phi) = match op.gate {
                NativeGate::Gpi2 => (c(FRAC_PI_2), p(0)),
                _ => (p(0), p(1)),
            };
            vec![
                rot(Gate::Rz, phi.neg(), q),
                rot(Gate::Rx, theta, q),
                rot(Gate::Rz, phi, q),
            ]
        }
        NativeGate::Ms => {
            // (Rz(φ₀)⊗Rz(φ₁))·(H⊗H)·exp(−iθ/2·ZZ)·(H⊗H)·(Rz(−φ₀)⊗Rz(−φ₁)).
            let b = op.qubits[1];
            let mut gates = vec![
                rot(Gate::Rz, p(0).neg(), q),
                rot(Gate::Rz, p(1).neg(), b),
                fixed(Gate::H, q),
                fixed(Gate::H, b),
            ];
            gates.extend(zz(q, b, p(2)));
            gates.extend([
                fixed(Gate::H, q),
                fixed(Gate::H, b),
                rot(Gate::Rz, p(0), q),
                rot(Gate::Rz, p(1), b),
            ]);
            gates
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sim::{Amplitude, Program};
    use num_complex::Complex64;
    use std::f64::consts::PI;

    /// The unitary of a two-qubit IR circuit, `u[row][column]` with basis index
    /// `bit(a)·2 + bit(b)` for qubits a = 0, b = 1 (the first qubit most significant, as in
    /// IonQ's and IQM's published matrices).
    pub(crate) fn unitary(circuit: &Circuit) -> Vec<Vec<Complex64>> {
        let n = circuit.num_qubits();
        let dim = 1 << n;
        // Column k: the circuit applied to basis state k, prepared with X gates.
        let mut u = vec![vec![Complex64::new(0.0, 0.0); dim]; dim];
        #[allow(clippy::needless_range_loop)] // `column` is also a basis-state index.
        for column in 0..dim {
            let mut prep = Circuit::new(n, 0);
            for q in 0..n {
                // Big-endian: qubit 0 is the most significant bit of the index.
                if column >> (n - 1 - q) & 1 == 1 {
                    prep.push_gate(GateOp::fixed(Gate::X, &[q])).unwrap();
                }
            }
            let mut instructions = prep.instructions().to_vec();
            instructions.extend(circuit.instructions().iter().cloned());
            let full = circuit.with_instructions(instructions);
            let state = Program::compile(&full, Amplitude::Complex)
                .unwrap()
                .run(&[])
                .unwrap();
            for (little, amplitude) in state.to_complex().into_iter().enumerate() {
                let row = (0..n).fold(0, |acc, q| acc << 1 | (little >> q & 1));
                u[row][column] = amplitude;
            }
        }
        u
    }

    fn native_unitary(op: NativeOp) -> Vec<Vec<Complex64>> {
        let n = op.qubits.iter().max().unwrap() + 1;
        let circuit = NativeCircuit {
            num_qubits: n,
            num_clbits: 0,
            inputs: Vec::new(),
            instructions: vec![NativeInstruction::Gate(op)],
        };
        unitary(&circuit.to_ir())
    }

    fn assert_matrix(got: &[Vec<Complex64>], want: &[Vec<Complex64>], what: &str) {
        for (r, row) in want.iter().enumerate() {
            for (k, w) in row.iter().enumerate() {
                assert!(
                    (got[r][k] - w).norm() < 1e-12,
                    "{what} [{r}][{k}]: {} vs {w}",
                    got[r][k]
                );
            }
        }
    }

    fn e(phase: f64) -> Complex64 {
        Complex64::from_polar(1.0, phase)
    }

    #[test]
    fn one_qubit_natives_match_their_published_matrices() {
        let i = Complex64::i();
        let (zero, one) = (Complex64::new(0.0, 0.0), Complex64::new(1.0, 0.0));
        let r = std::f64::consts::FRAC_1_SQRT_2;
        for phi in [0.0, 0.3, -1.7, PI] {
            let gpi = native_unitary(NativeOp::with(
                NativeGate::Gpi,
                &[0],
                vec![Angle::constant(phi)],
            ));
            assert_matrix(&gpi, &[vec![zero, e(-phi)], vec![e(phi), zero]], "gpi");
            let gpi2 = native_unitary(NativeOp::with(
                NativeGate::Gpi2,
                &[0],
                vec![Angle::constant(phi)],
            ));
            assert_matrix(
                &gpi2,
                &[
                    vec![one * r, -i * e(-phi) * r],
                    vec![-i * e(phi) * r, one * r],
                ],
                "gpi2",
            );
            let theta = 0.9;
            let prx = native_unitary(NativeOp::with(
                NativeGate::Prx,
                &[0],
                vec![Angle::constant(theta), Angle::constant(phi)],
            ));
            let (cos, sin) = ((theta / 2.0).cos(), (theta / 2.0).sin());
            assert_matrix(
                &prx,
                &[
                    vec![one * cos, -i * e(-phi) * sin],
                    vec![-i * e(phi) * sin, one * cos],
                ],
                "prx",
            );
        }
    }

    #[test]
    fn two_qubit_natives_match_their_published_matrices() {
        let i = Complex64::i();
        let zero = Complex64::new(0.0, 0.0);
        let r = Complex64::new(std::f64::consts::FRAC_1_SQRT_2, 0.0);
        // Qiskit's ECRGate matrix is written little-endian (q0 least significant); in the
        // big-endian order used here it reads (X_a − Y_a X_b)/√2:
        let ecr = native_unitary(NativeOp::fixed(NativeGate::Ecr, &[0, 1]));
        let want = [
            vec![zero, zero, r, i * r],
            vec![zero, zero, i * r, r],
            vec![r, -i * r, zero, zero],
            vec![-i * r, r, zero, zero],
        ];
        assert_matrix(&ecr, &want, "ecr");
        // IonQ's MS(φ₀, φ₁, θ), θ in turns: cos(πθ) on the diagonal and
        // −i·e^{∓2πi(φ₀ ± φ₁)}·sin(πθ) on the anti-diagonal.
        for (phi0, phi1, turns) in [(0.0, 0.0, 0.25), (0.1, 0.35, 0.25), (0.6, -0.2, 0.1)] {
            let tau = 2.0 * PI;
            let ms = native_unitary(NativeOp::with(
                NativeGate::Ms,
                &[0, 1],
                vec![
                    Angle::constant(tau * phi0),
                    Angle::constant(tau * phi1),
                    Angle::constant(tau * turns),
                ],
            ));
            let (c, s) = ((PI * turns).cos(), (PI * turns).sin());
            let c = Complex64::new(c, 0.0);
            let want = [
                vec![c, zero, zero, -i * e(-tau * (phi0 + phi1)) * s],
                vec![zero, c, -i * e(-tau * (phi0 - phi1)) * s, zero],
                vec![zero, -i * e(tau * (phi0 - phi1)) * s, c, zero],
                vec![-i * e(tau * (phi0 + phi1)) * s, zero, zero, c],
            ];
            assert_matrix(&ms, &want, "ms");
        }
    }
}
