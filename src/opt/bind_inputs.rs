//! Binding inputs to numbers: every angle becomes a constant and the circuit declares no inputs.
//!
//! Providers that take no `input` declarations (IonQ) run one bound circuit per binding row.

use crate::ir::{Angle, Circuit, Instruction};

/// A binding row whose length does not match the circuit's inputs.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("the circuit has {expected} inputs but the binding has {got} values")]
pub struct BindingMismatch {
    /// The circuit's inputs.
    pub expected: usize,
    /// The values given.
    pub got: usize,
}

/// `circuit` with input `k` replaced by `values[k]` everywhere and no inputs declared.
pub fn bind_inputs(circuit: &Circuit, values: &[f64]) -> Result<Circuit, BindingMismatch> {
    let inputs = circuit.inputs();
    if inputs.len() != values.len() {
        return Err(BindingMismatch {
            expected: inputs.len(),
            got: values.len(),
        });
    }
    let lookup = |name: &str| inputs.iter().position(|n| n == name).map(|k| values[k]);
    let instructions = circuit
        .instructions()
        .iter()
        .map(|instruction| match instruction {
            Instruction::Gate(op) => {
                let mut op = op.clone();
                if let Some(angle) = &op.angle {
                    let value = angle
                        .value_with(lookup)
                        .expect("every angle term names a declared input");
                    op.angle = Some(Angle::constant(value));
                }
                Instruction::Gate(op)
            }
            other => other.clone(),
        })
        .collect();
    let shape = Circuit::new(circuit.num_qubits(), circuit.num_clbits());
    Ok(shape.with_instructions(instructions))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Gate, GateOp};

    #[test]
    fn angles_become_constants_and_inputs_disappear() {
        let mut circuit = Circuit::new(1, 1);
        circuit.declare_input("a");
        circuit.declare_input("b");
        let angle = Angle::input("a").scale(2.0).add(&Angle::input("b"));
        circuit
            .push_gate(GateOp::rotation(Gate::Ry, angle, 0))
            .unwrap();
        circuit.push_measure(0, 0).unwrap();
        let bound = bind_inputs(&circuit, &[0.25, 1.0]).unwrap();
        assert!(bound.inputs().is_empty());
        let op = bound.gates().next().unwrap();
        assert_eq!(op.angle, Some(Angle::constant(1.5)));
        assert_eq!(bound.instructions().len(), 2);
        assert_eq!(
            bind_inputs(&circuit, &[1.0]),
            Err(BindingMismatch {
                expected: 2,
                got: 1
            })
        );
    }
}
