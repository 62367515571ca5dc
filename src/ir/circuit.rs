//! Circuits: qubits, declared inputs and a list of instructions in time order.

use super::angle::Angle;
use super::gate::Gate;
use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: input names are short, and every gate's angle terms are looked up when it is
/// checked, so a cheap hash beats the default SipHash (names come from the circuit's own
/// author, and their number is bounded by the inputs a circuit may declare).
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

type NameSet = HashSet<String, BuildHasherDefault<Fnv>>;

/// A control qubit and the value it must hold for the gate to act (`negctrl` = `false`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Control {
    /// The control qubit.
    pub qubit: usize,
    /// `true` for `ctrl @`, `false` for `negctrl @`.
    pub on_one: bool,
}

impl Control {
    /// A control that acts when the qubit is |1⟩.
    pub fn on(qubit: usize) -> Self {
        Control {
            qubit,
            on_one: true,
        }
    }

    /// A control that acts when the qubit is |0⟩.
    pub fn on_zero(qubit: usize) -> Self {
        Control {
            qubit,
            on_one: false,
        }
    }
}

/// A base gate placed on qubits, with its angle (for rotations) and its controls.
#[derive(Clone, Debug, PartialEq)]
pub struct GateOp {
    /// The base gate.
    pub gate: Gate,
    /// The angle of a rotation; `None` for fixed gates.
    pub angle: Option<Angle>,
    /// Controls, outermost first (the order of `ctrl @` modifiers in OpenQASM).
    pub controls: Vec<Control>,
    /// Target qubits: one, or two for `swap`.
    pub targets: Vec<usize>,
}

impl GateOp {
    /// An uncontrolled fixed gate on one qubit (or `swap` on `targets`).
    pub fn fixed(gate: Gate, targets: &[usize]) -> Self {
        GateOp {
            gate,
            angle: None,
            controls: Vec::new(),
            targets: targets.to_vec(),
        }
    }

    /// An uncontrolled rotation.
    pub fn rotation(gate: Gate, angle: Angle, target: usize) -> Self {
        GateOp {
            gate,
            angle: Some(angle),
            controls: Vec::new(),
            targets: vec![target],
        }
    }

    /// `cx control, target`.
    pub fn cx(control: usize, target: usize) -> Self {
        Self::fixed(Gate::X, &[target]).controlled_by(Control::on(control))
    }

    /// This gate with one more control, placed outermost.
    pub fn controlled_by(mut self, control: Control) -> Self {
        self.controls.insert(0, control);
        self
    }

    /// The inverse gate (same controls and targets).
    pub fn inverse(&self) -> GateOp {
        GateOp {
            gate: self.gate.inverse(),
            angle: self.angle.as_ref().map(Angle::neg),
            controls: self.controls.clone(),
            targets: self.targets.clone(),
        }
    }

    /// Every qubit the gate touches: controls, then targets.
    pub fn qubits(&self) -> impl Iterator<Item = usize> + '_ {
        self.controls
            .iter()
            .map(|c| c.qubit)
            .chain(self.targets.iter().copied())
    }

    /// Number of qubits the gate touches.
    pub fn num_qubits(&self) -> usize {
        self.controls.len() + self.targets.len()
    }

    /// The name of the operation as OpenQASM's standard library spells it when it has one
    /// (`cx`, `cry`, `ccx`, `cswap`), else the modifier form (`negctrl@ry`, `ctrl(3)@x`).
    pub fn kind_name(&self) -> String {
        let base = self.gate.name();
        let all_positive = self.controls.iter().all(|c| c.on_one);
        match (self.controls.len(), all_positive, self.gate) {
            (0, _, _) => base.to_string(),
            (1, true, Gate::Sxdg) => "ctrl@sxdg".to_string(),
            (1, true, Gate::S | Gate::Sdg | Gate::T | Gate::Tdg | Gate::Sx) => {
                format!("ctrl@{base}")
            }
            (1, true, _) => format!("c{base}"),
            (2, true, Gate::X) => "ccx".to_string(),
            (n, true, _) => format!("ctrl({n})@{base}"),
            (_, false, _) => {
                let modifiers: Vec<&str> = self
                    .controls
                    .iter()
                    .map(|c| if c.on_one { "ctrl" } else { "negctrl" })
                    .collect();
                format!("{}@{base}", modifiers.join("@"))
            }
        }
    }

    /// CNOTs needed when the gate is decomposed into `cx` and one-qubit gates, by the standard
    /// constructions: `cx`/`cy`/`cz`/`ch` 1, other singly-controlled gates 2, `swap` 3,
    /// `cswap` 7, `ccx` 6, and Barenco et al.'s recursion (Lemma 7.5, no ancillas) for more
    /// controls.
    /// Negative controls cost the same as positive ones (X conjugation).
    pub fn cx_cost(&self) -> usize {
        match self.gate {
            Gate::Swap => match self.controls.len() {
                0 => 3,
                // CX · ccx · CX with the first CX merged into ccx (crate::opt's decomposition).
                1 => 7,
                k => 2 + controlled_cost(k + 1, true),
            },
            gate => {
                let involutory = matches!(gate, Gate::X | Gate::Y | Gate::Z | Gate::H);
                controlled_cost(self.controls.len(), involutory)
            }
        }
    }
}

/// CNOT cost of a one-qubit gate under `controls` controls; `involutory` marks gates locally
/// equivalent to Z (cost 1 with one control, 6 with two).
fn controlled_cost(controls: usize, involutory: bool) -> usize {
    match (controls, involutory) {
        (0, _) => 0,
        (1, true) => 1,
        (1, false) => 2,
        (2, true) => 6,
        // C^k(U) = C(V)·C^{k-1}X·C(V†)·C^{k-1}X·C^{k-1}(V) with V² = U.
        (k, _) => {
            2 * controlled_cost(1, false)
                + 2 * controlled_cost(k - 1, true)
                + controlled_cost(k - 1, false)
        }
    }
}

/// One step of a circuit.
#[derive(Clone, Debug, PartialEq)]
pub enum Instruction {
    /// A unitary gate.
    Gate(GateOp),
    /// Measurement of `qubit` into classical bit `clbit`.
    Measure {
        /// The measured qubit.
        qubit: usize,
        /// The classical bit written.
        clbit: usize,
    },
    /// Reset of a qubit to |0⟩.
    Reset(usize),
    /// A scheduling barrier over qubits.
    Barrier(Vec<usize>),
}

impl Instruction {
    /// The qubits the instruction acts on.
    pub fn qubits(&self) -> Vec<usize> {
        match self {
            Instruction::Gate(op) => op.qubits().collect(),
            Instruction::Measure { qubit, .. } => vec![*qubit],
            Instruction::Reset(qubit) => vec![*qubit],
            Instruction::Barrier(qubits) => qubits.clone(),
        }
    }
}

/// A circuit was built with an instruction that does not fit it.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum CircuitError {
    /// A qubit index past the register.
    #[error("qubit {qubit} is out of range for a circuit of {num_qubits} qubits")]
    QubitOutOfRange {
        /// The offending index.
        qubit: usize,
        /// The circuit's size.
        num_qubits: usize,
    },
    /// A classical bit index past the register.
    #[error("bit {clbit} is out of range for a circuit of {num_clbits} bits")]
    ClbitOutOfRange {
        /// The offending index.
        clbit: usize,
        /// The circuit's classical register size.
        num_clbits: usize,
    },
    /// The same qubit used twice by one gate.
    #[error("gate {gate} uses qubit {qubit} more than once")]
    RepeatedQubit {
        /// The gate's name.
        gate: String,
        /// The repeated qubit.
        qubit: usize,
    },
    /// Wrong number of targets or angles for the base gate.
    #[error("gate {gate} expects {expected}, got {got}")]
    WrongArity {
        /// The gate's name.
        gate: String,
        /// What was expected.
        expected: String,
        /// What was given.
        got: String,
    },
    /// An angle refers to an input the circuit does not declare.
    #[error("gate {gate} uses undeclared input `{input}`")]
    UndeclaredInput {
        /// The gate's name.
        gate: String,
        /// The input name.
        input: String,
    },
}

/// A quantum circuit: `num_qubits` qubits (qubit k is bit k of a basis-state index), classical
/// bits, declared scalar inputs and instructions in time order.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Circuit {
    num_qubits: usize,
    num_clbits: usize,
    inputs: Vec<String>,
    /// The names of `inputs`, for constant-time declaration and gate checks.
    input_names: NameSet,
    instructions: Vec<Instruction>,
}

impl Circuit {
    /// An empty circuit.
    pub fn new(num_qubits: usize, num_clbits: usize) -> Self {
        Circuit {
            num_qubits,
            num_clbits,
            inputs: Vec::new(),
            input_names: NameSet::default(),
            instructions: Vec::new(),
        }
    }

    /// Number of qubits.
    pub fn num_qubits(&self) -> usize {
        self.num_qubits
    }

    /// Number of classical bits.
    pub fn num_clbits(&self) -> usize {
        self.num_clbits
    }

    /// Declared inputs in declaration order.
    pub fn inputs(&self) -> &[String] {
        &self.inputs
    }

    /// Instructions in time order.
    pub fn instructions(&self) -> &[Instruction] {
        &self.instructions
    }

    /// Declares a scalar input (ignored when already declared).
    pub fn declare_input(&mut self, name: impl Into<String>) {
        let name = name.into();
        if !self.input_names.contains(&name) {
            self.input_names.insert(name.clone());
            self.inputs.push(name);
        }
    }

    /// Appends a gate after checking it against the circuit.
    pub fn push_gate(&mut self, op: GateOp) -> Result<(), CircuitError> {
        self.check_gate(&op)?;
        self.instructions.push(Instruction::Gate(op));
        Ok(())
    }

    /// Appends every gate of `ops`.
    pub fn extend_gates(
        &mut self,
        ops: impl IntoIterator<Item = GateOp>,
    ) -> Result<(), CircuitError> {
        ops.into_iter().try_for_each(|op| self.push_gate(op))
    }

    /// Appends a measurement.
    pub fn push_measure(&mut self, qubit: usize, clbit: usize) -> Result<(), CircuitError> {
        self.check_qubit(qubit)?;
        if clbit >= self.num_clbits {
            return Err(CircuitError::ClbitOutOfRange {
                clbit,
                num_clbits: self.num_clbits,
            });
        }
        self.instructions
            .push(Instruction::Measure { qubit, clbit });
        Ok(())
    }

    /// Appends a reset.
    pub fn push_reset(&mut self, qubit: usize) -> Result<(), CircuitError> {
        self.check_qubit(qubit)?;
        self.instructions.push(Instruction::Reset(qubit));
        Ok(())
    }

    /// Appends a barrier.
    pub fn push_barrier(&mut self, qubits: Vec<usize>) -> Result<(), CircuitError> {
        qubits.iter().try_for_each(|&q| self.check_qubit(q))?;
        self.instructions.push(Instruction::Barrier(qubits));
        Ok(())
    }

    /// A circuit with the same qubits, bits and inputs and the given instructions.
    ///
    /// # Panics
    /// When an instruction does not fit the circuit; callers pass instructions rewritten from a
    /// valid circuit of the same shape.
    pub fn with_instructions(&self, instructions: Vec<Instruction>) -> Circuit {
        Circuit {
            num_qubits: self.num_qubits,
            num_clbits: self.num_clbits,
            inputs: self.inputs.clone(),
            input_names: self.input_names.clone(),
            instructions: Vec::new(),
        }
        .filled(instructions)
    }

    /// The circuit's instructions, and the circuit without them (its qubits, bits and inputs):
    /// the inverse of [`Circuit::filled`], for passes that take a circuit apart and rebuild it
    /// without copying its instructions.
    pub(crate) fn into_parts(mut self) -> (Circuit, Vec<Instruction>) {
        let instructions = std::mem::take(&mut self.instructions);
        (self, instructions)
    }

    /// This circuit with `instructions` appended, each checked like [`Circuit::push_gate`].
    ///
    /// # Panics
    /// As [`Circuit::with_instructions`].
    pub(crate) fn filled(mut self, instructions: Vec<Instruction>) -> Circuit {
        let out = &mut self;
        out.instructions.reserve(instructions.len());
        for instruction in instructions {
            let pushed = match instruction {
                Instruction::Gate(op) => out.push_gate(op),
                Instruction::Measure { qubit, clbit } => out.push_measure(qubit, clbit),
                Instruction::Reset(q) => out.push_reset(q),
                Instruction::Barrier(qs) => out.push_barrier(qs),
            };
            pushed.expect("rewritten instructions fit the circuit they came from");
        }
        self
    }

    /// The gates, skipping measurements, resets and barriers.
    pub fn gates(&self) -> impl Iterator<Item = &GateOp> {
        self.instructions.iter().filter_map(|i| match i {
            Instruction::Gate(op) => Some(op),
            _ => None,
        })
    }

    fn check_qubit(&self, qubit: usize) -> Result<(), CircuitError> {
        if qubit < self.num_qubits {
            Ok(())
        } else {
            Err(CircuitError::QubitOutOfRange {
                qubit,
                num_qubits: self.num_qubits,
            })
        }
    }

    fn check_gate(&self, op: &GateOp) -> Result<(), CircuitError> {
        // The name is only needed for an error: built there, not for every valid gate.
        let name = || op.kind_name();
        if op.targets.len() != op.gate.num_targets() {
            return Err(CircuitError::WrongArity {
                gate: name(),
                expected: format!("{} target qubit(s)", op.gate.num_targets()),
                got: op.targets.len().to_string(),
            });
        }
        if op.angle.is_some() != (op.gate.num_params() == 1) {
            return Err(CircuitError::WrongArity {
                gate: name(),
                expected: format!("{} angle(s)", op.gate.num_params()),
                got: usize::from(op.angle.is_some()).to_string(),
            });
        }
        for (k, qubit) in op.qubits().enumerate() {
            self.check_qubit(qubit)?;
            if op.qubits().take(k).any(|earlier| earlier == qubit) {
                return Err(CircuitError::RepeatedQubit {
                    gate: name(),
                    qubit,
                });
            }
        }
        if let Some(angle) = &op.angle
            && let Some((input, _)) = angle
                .terms()
                .iter()
                .find(|(n, _)| !self.input_names.contains(n))
        {
            return Err(CircuitError::UndeclaredInput {
                gate: name(),
                input: input.clone(),
            });
        }
        Ok(())
    }
}

impl fmt::Display for GateOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind_name())?;
        if let Some(angle) = &self.angle {
            write!(f, "({angle})")?;
        }
        let qubits: Vec<String> = self.qubits().map(|q| format!("q[{q}]")).collect();
        write!(f, " {}", qubits.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_names_and_costs() {
        let cry = GateOp::rotation(Gate::Ry, Angle::input("a"), 1).controlled_by(Control::on(0));
        assert_eq!(cry.kind_name(), "cry");
        assert_eq!(cry.cx_cost(), 2);
        let ccx = GateOp::cx(1, 2).controlled_by(Control::on(0));
        assert_eq!(ccx.kind_name(), "ccx");
        assert_eq!(ccx.cx_cost(), 6);
        let neg = GateOp::cx(1, 2).controlled_by(Control::on_zero(0));
        assert_eq!(neg.kind_name(), "negctrl@ctrl@x");
        assert_eq!(GateOp::fixed(Gate::Swap, &[0, 1]).cx_cost(), 3);
        assert_eq!(
            GateOp::fixed(Gate::Swap, &[1, 2])
                .controlled_by(Control::on(0))
                .cx_cost(),
            7
        );
    }

    #[test]
    fn push_gate_rejects_bad_operands() {
        let mut circuit = Circuit::new(2, 1);
        assert!(matches!(
            circuit.push_gate(GateOp::cx(0, 2)),
            Err(CircuitError::QubitOutOfRange { qubit: 2, .. })
        ));
        assert!(matches!(
            circuit.push_gate(GateOp::cx(1, 1)),
            Err(CircuitError::RepeatedQubit { qubit: 1, .. })
        ));
        assert!(matches!(
            circuit.push_gate(GateOp::rotation(Gate::Ry, Angle::input("theta"), 0)),
            Err(CircuitError::UndeclaredInput { .. })
        ));
        circuit.declare_input("theta");
        circuit
            .push_gate(GateOp::rotation(Gate::Ry, Angle::input("theta"), 0))
            .unwrap();
        assert!(matches!(
            circuit.push_measure(0, 1),
            Err(CircuitError::ClbitOutOfRange { .. })
        ));
    }

    #[test]
    fn inverse_negates_angles_and_swaps_phases() {
        let op = GateOp::rotation(Gate::Rz, Angle::input("a"), 0);
        assert_eq!(op.inverse().angle.unwrap().to_string(), "-a");
        assert_eq!(GateOp::fixed(Gate::S, &[0]).inverse().gate, Gate::Sdg);
    }
}
