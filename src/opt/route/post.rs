//! Post-routing optimisation: SWAPs oriented to share a CNOT with their neighbours, then
//! decomposition into CNOTs and the -O2 gate-level passes (commutation-aware cancellation and
//! rotation merging), so that a SWAP next to a CNOT on the same pair costs 2 CNOTs, not 4; then
//! two-qubit block consolidation and resynthesis ([`crate::opt::resynthesise`]: a SWAP next to
//! any two-qubit block on its pair costs at most 3 CNOTs in all).

use crate::ir::{Circuit, Gate, GateOp, Instruction};
use crate::opt::{Basis, Reach, clean_gate_level, resynthesise, run_decompose};

/// The CNOT's (control, target) when `instruction` is a plain CNOT.
fn cnot(instruction: &Instruction) -> Option<(usize, usize)> {
    match instruction {
        Instruction::Gate(op)
            if op.gate == Gate::X && op.controls.len() == 1 && op.controls[0].on_one =>
        {
            Some((op.controls[0].qubit, op.targets[0]))
        }
        _ => None,
    }
}

/// The first multi-qubit instruction on `p` or `q` among `instructions` (one-qubit gates are
/// passed over: cancellation looks past those that commute).
fn first_on<'a>(
    mut instructions: impl Iterator<Item = &'a Instruction>,
    p: usize,
    q: usize,
) -> Option<&'a Instruction> {
    instructions.find(|i| {
        let qubits = i.qubits();
        qubits.contains(&p) || qubits.contains(&q)
    } && !matches!(i, Instruction::Gate(op) if op.num_qubits() == 1))
}

/// The CNOTs of a routed circuit once each SWAP that has a CNOT on the same pair next to it
/// (see [`orient_swaps`]) costs 2: the ranking of trials before clean-up.
pub(super) fn estimated_cnots(circuit: &Circuit) -> usize {
    let instructions = circuit.instructions();
    let mut total = 0;
    for (k, instruction) in instructions.iter().enumerate() {
        let Instruction::Gate(op) = instruction else {
            continue;
        };
        total += op.cx_cost();
        if op.gate == Gate::Swap && op.controls.is_empty() {
            let (p, q) = (op.targets[0], op.targets[1]);
            let on_pair = |i: Option<&Instruction>| {
                i.and_then(cnot)
                    .is_some_and(|(c, t)| (c, t) == (p, q) || (c, t) == (q, p))
            };
            if on_pair(first_on(instructions[k + 1..].iter(), p, q))
                || on_pair(first_on(instructions[..k].iter().rev(), p, q))
            {
                total -= 2;
            }
        }
    }
    total
}

/// Writes each SWAP as `swap c, t` when the CNOT after it (or else before it) on the same pair
/// is `cx c, t`: its decomposition cx(c,t)·cx(t,c)·cx(c,t) then cancels a CNOT with it.
pub(super) fn orient_swaps(instructions: &mut [Instruction]) {
    for k in 0..instructions.len() {
        let (p, q) = match &instructions[k] {
            Instruction::Gate(op) if op.gate == Gate::Swap && op.controls.is_empty() => {
                (op.targets[0], op.targets[1])
            }
            _ => continue,
        };
        let neighbour = first_on(instructions[k + 1..].iter(), p, q)
            .and_then(cnot)
            .filter(|&(c, t)| (c, t) == (p, q) || (c, t) == (q, p))
            .or_else(|| {
                first_on(instructions[..k].iter().rev(), p, q)
                    .and_then(cnot)
                    .filter(|&(c, t)| (c, t) == (p, q) || (c, t) == (q, p))
            });
        if let Some((c, t)) = neighbour {
            instructions[k] = Instruction::Gate(GateOp::fixed(Gate::Swap, &[c, t]));
        }
    }
}

/// A routed circuit (with `swap` gates) in CNOTs and one-qubit gates, cleaned by the -O2
/// gate-level passes and resynthesised block by block.
pub(super) fn optimise_routed(circuit: &Circuit) -> Circuit {
    let mut instructions = circuit.instructions().to_vec();
    orient_swaps(&mut instructions);
    let oriented = circuit.with_instructions(instructions);
    resynthesise(clean_gate_level(
        run_decompose(&oriented, Basis::CxAndSingleQubit),
        Reach::Commuting,
    ))
}
