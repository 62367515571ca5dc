//! The DAG view of a circuit on petgraph.
//!
//! Nodes are an input and an output node per qubit plus one node per instruction; an edge
//! `a → b` labelled with qubit `q` says that `b` is the next instruction on wire `q` after `a`.
//! A [`StableDiGraph`] keeps node indices valid when passes remove nodes.

use super::circuit::{Circuit, GateOp, Instruction};
use petgraph::Direction;
use petgraph::stable_graph::{NodeIndex, StableDiGraph};
use petgraph::visit::{EdgeRef, NodeIndexable};

/// A node of the DAG.
#[derive(Clone, Debug, PartialEq)]
pub enum DagNode {
    /// Start of a qubit wire.
    In(usize),
    /// End of a qubit wire.
    Out(usize),
    /// An instruction.
    Op(Instruction),
}

/// A circuit as a dependency graph over qubit wires.
#[derive(Clone, Debug)]
pub struct CircuitDag {
    graph: StableDiGraph<DagNode, usize>,
    wire_inputs: Vec<NodeIndex>,
    wire_outputs: Vec<NodeIndex>,
    template: Circuit,
}

impl CircuitDag {
    /// Builds the DAG of `circuit`.
    pub fn from_circuit(circuit: &Circuit) -> Self {
        let template = circuit.with_instructions(Vec::new());
        Self::build(template, circuit.instructions().iter().cloned())
    }

    /// Builds the DAG of `circuit`, taking its instructions rather than copying them.
    pub fn from_owned(circuit: Circuit) -> Self {
        let (template, instructions) = circuit.into_parts();
        Self::build(template, instructions)
    }

    /// The DAG of `template`'s shape (qubits, bits, inputs) with `instructions` in time order.
    fn build(template: Circuit, instructions: impl IntoIterator<Item = Instruction>) -> Self {
        let n = template.num_qubits();
        let instructions = instructions.into_iter();
        let (capacity, _) = instructions.size_hint();
        let mut graph = StableDiGraph::with_capacity(capacity + 2 * n, 2 * capacity + n);
        let wire_inputs: Vec<NodeIndex> = (0..n).map(|q| graph.add_node(DagNode::In(q))).collect();
        let mut last = wire_inputs.clone();
        for instruction in instructions {
            let node = graph.add_node(DagNode::Op(instruction));
            let mut k = 0;
            while let Some(qubit) = nth_qubit(&graph[node], k) {
                graph.add_edge(last[qubit], node, qubit);
                last[qubit] = node;
                k += 1;
            }
        }
        let wire_outputs: Vec<NodeIndex> = (0..n)
            .map(|q| {
                let out = graph.add_node(DagNode::Out(q));
                graph.add_edge(last[q], out, q);
                out
            })
            .collect();
        CircuitDag {
            graph,
            wire_inputs,
            wire_outputs,
            template,
        }
    }

    /// The underlying graph.
    pub fn graph(&self) -> &StableDiGraph<DagNode, usize> {
        &self.graph
    }

    /// The input node of each qubit wire.
    pub fn wire_inputs(&self) -> &[NodeIndex] {
        &self.wire_inputs
    }

    /// The output node of each qubit wire.
    pub fn wire_outputs(&self) -> &[NodeIndex] {
        &self.wire_outputs
    }

    /// The instruction at `node`, or `None` for wire input/output nodes.
    pub fn instruction(&self, node: NodeIndex) -> Option<&Instruction> {
        match self.graph.node_weight(node)? {
            DagNode::Op(instruction) => Some(instruction),
            _ => None,
        }
    }

    /// The gate at `node`, or `None` when the node is not a gate.
    pub fn gate(&self, node: NodeIndex) -> Option<&GateOp> {
        match self.instruction(node)? {
            Instruction::Gate(op) => Some(op),
            _ => None,
        }
    }

    /// The next node on wire `qubit` after `node` (an output node at the end).
    pub fn next_on_wire(&self, node: NodeIndex, qubit: usize) -> Option<NodeIndex> {
        self.graph
            .edges_directed(node, Direction::Outgoing)
            .find(|e| *e.weight() == qubit)
            .map(|e| e.target())
    }

    /// The previous node on wire `qubit` before `node` (an input node at the start).
    pub fn prev_on_wire(&self, node: NodeIndex, qubit: usize) -> Option<NodeIndex> {
        self.graph
            .edges_directed(node, Direction::Incoming)
            .find(|e| *e.weight() == qubit)
            .map(|e| e.source())
    }

    /// Instruction nodes in a topological order: the order of the instructions they came from.
    ///
    /// Nodes are created in instruction order and passes only remove or replace nodes (a removed
    /// node's wires are joined from an earlier to a later node), so index order stays a
    /// topological order and keeps the circuit's own order where passes did not change it.
    pub fn op_nodes(&self) -> Vec<NodeIndex> {
        let mut nodes: Vec<NodeIndex> = self
            .graph
            .node_indices()
            .filter(|&n| matches!(self.graph[n], DagNode::Op(_)))
            .collect();
        nodes.sort_unstable();
        nodes
    }

    /// True when `node` is still in the graph.
    pub fn contains(&self, node: NodeIndex) -> bool {
        self.graph.contains_node(node)
    }

    /// Removes an instruction node, joining each of its wires around it.
    pub fn remove_op(&mut self, node: NodeIndex) {
        let Some(instruction) = self.instruction(node) else {
            return;
        };
        let wires: Vec<(usize, NodeIndex, NodeIndex)> = instruction
            .qubits()
            .into_iter()
            .filter_map(|q| Some((q, self.prev_on_wire(node, q)?, self.next_on_wire(node, q)?)))
            .collect();
        self.graph.remove_node(node);
        for (qubit, prev, next) in wires {
            self.graph.add_edge(prev, next, qubit);
        }
    }

    /// Replaces the gate at `node` by `op`, which must act on the same set of qubits (the
    /// wires of the node do not change).
    pub fn replace_gate(&mut self, node: NodeIndex, op: GateOp) {
        debug_assert_eq!(
            sorted(op.qubits().collect()),
            sorted(
                self.instruction(node)
                    .map(Instruction::qubits)
                    .unwrap_or_default()
            )
        );
        self.graph[node] = DagNode::Op(Instruction::Gate(op));
    }

    /// Instruction nodes grouped into layers: layer k holds the instructions whose longest
    /// chain of predecessors has k instructions (ASAP schedule). Barriers occupy no layer of
    /// their own but still order what comes after them.
    pub fn layers(&self) -> Vec<Vec<NodeIndex>> {
        let mut order: Vec<NodeIndex> = self.graph.node_indices().collect();
        // Wire inputs come first and outputs last in index order, so index order is topological.
        order.sort_unstable();
        let mut level = vec![0usize; self.graph.node_bound()];
        let mut layers: Vec<Vec<NodeIndex>> = Vec::new();
        for node in order {
            let start = self
                .graph
                .edges_directed(node, Direction::Incoming)
                .map(|e| level[e.source().index()])
                .max()
                .unwrap_or(0);
            match &self.graph[node] {
                DagNode::Op(Instruction::Barrier(_)) | DagNode::In(_) | DagNode::Out(_) => {
                    level[node.index()] = start;
                }
                DagNode::Op(_) => {
                    if layers.len() <= start {
                        layers.resize_with(start + 1, Vec::new);
                    }
                    layers[start].push(node);
                    level[node.index()] = start + 1;
                }
            }
        }
        layers
    }

    /// Circuit depth: the number of layers (measurements and resets count, barriers do not).
    pub fn depth(&self) -> usize {
        self.layers().len()
    }

    /// The circuit back, instructions in index order (a topological order, see
    /// [`CircuitDag::op_nodes`]).
    pub fn to_circuit(&self) -> Circuit {
        let instructions = self
            .op_nodes()
            .into_iter()
            .filter_map(|node| self.instruction(node).cloned())
            .collect();
        self.template.with_instructions(instructions)
    }

    /// [`CircuitDag::to_circuit`] without copying the instructions.
    pub fn into_circuit(mut self) -> Circuit {
        let instructions = self
            .op_nodes()
            .into_iter()
            .filter_map(
                |node| match std::mem::replace(&mut self.graph[node], DagNode::In(0)) {
                    DagNode::Op(instruction) => Some(instruction),
                    _ => None,
                },
            )
            .collect();
        self.template.filled(instructions)
    }

    /// The number of gates and their CNOT cost after decomposition (measurements, resets and
    /// barriers not counted).
    pub fn gate_counts(&self) -> (usize, usize) {
        self.graph
            .node_weights()
            .fold((0, 0), |(gates, cx), node| match node {
                DagNode::Op(Instruction::Gate(op)) => (gates + 1, cx + op.cx_cost()),
                _ => (gates, cx),
            })
    }
}

/// Qubit `k` of an instruction node in [`Instruction::qubits`] order, without collecting them.
fn nth_qubit(node: &DagNode, k: usize) -> Option<usize> {
    match node {
        DagNode::Op(Instruction::Gate(op)) => op.qubits().nth(k),
        DagNode::Op(Instruction::Measure { qubit, .. } | Instruction::Reset(qubit)) => {
            (k == 0).then_some(*qubit)
        }
        DagNode::Op(Instruction::Barrier(qubits)) => qubits.get(k).copied(),
        DagNode::In(_) | DagNode::Out(_) => None,
    }
}

fn sorted(mut qubits: Vec<usize>) -> Vec<usize> {
    qubits.sort_unstable();
    qubits
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Gate;

    #[test]
    fn depth_counts_longest_wire_chain() {
        let mut c = Circuit::new(3, 1);
        c.push_gate(GateOp::fixed(Gate::H, &[0])).unwrap();
        c.push_gate(GateOp::fixed(Gate::H, &[1])).unwrap();
        c.push_gate(GateOp::fixed(Gate::H, &[2])).unwrap();
        c.push_gate(GateOp::cx(0, 1)).unwrap();
        c.push_gate(GateOp::fixed(Gate::X, &[2])).unwrap();
        c.push_gate(GateOp::cx(1, 2)).unwrap();
        c.push_measure(0, 0).unwrap();
        let dag = CircuitDag::from_circuit(&c);
        assert_eq!(dag.depth(), 3);
        let layers = dag.layers();
        assert_eq!(layers[0].len(), 3);
        assert_eq!(layers[1].len(), 2, "cx(0,1) and x(2)");
        assert_eq!(layers[2].len(), 2, "cx(1,2) and the measurement of qubit 0");
    }

    #[test]
    fn barrier_orders_without_adding_depth() {
        let mut c = Circuit::new(2, 0);
        c.push_gate(GateOp::fixed(Gate::H, &[0])).unwrap();
        c.push_barrier(vec![0, 1]).unwrap();
        c.push_gate(GateOp::fixed(Gate::H, &[1])).unwrap();
        let dag = CircuitDag::from_circuit(&c);
        assert_eq!(dag.depth(), 2);
        assert_eq!(dag.to_circuit().instructions().len(), 3);
    }

    #[test]
    fn round_trip_preserves_instructions_on_each_wire() {
        let mut c = Circuit::new(2, 0);
        c.push_gate(GateOp::fixed(Gate::H, &[0])).unwrap();
        c.push_gate(GateOp::fixed(Gate::T, &[1])).unwrap();
        c.push_gate(GateOp::cx(0, 1)).unwrap();
        let back = CircuitDag::from_circuit(&c).to_circuit();
        assert_eq!(back.instructions().len(), 3);
        assert_eq!(back.instructions()[2], c.instructions()[2]);
    }

    #[test]
    fn removing_a_node_joins_its_wires() {
        let mut c = Circuit::new(2, 0);
        c.push_gate(GateOp::fixed(Gate::H, &[0])).unwrap();
        c.push_gate(GateOp::cx(0, 1)).unwrap();
        c.push_gate(GateOp::fixed(Gate::T, &[1])).unwrap();
        let mut dag = CircuitDag::from_circuit(&c);
        let nodes = dag.op_nodes();
        dag.remove_op(nodes[1]);
        assert_eq!(dag.next_on_wire(nodes[0], 0), Some(dag.wire_outputs()[0]));
        assert_eq!(dag.prev_on_wire(nodes[2], 1), Some(dag.wire_inputs()[1]));
        assert_eq!(dag.to_circuit().instructions().len(), 2);
        assert_eq!(dag.depth(), 1);
    }
}
