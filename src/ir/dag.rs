//! The DAG view of a circuit on petgraph.
//!
//! Nodes are an input and an output node per qubit plus one node per instruction; an edge
//! `a → b` labelled with qubit `q` says that `b` is the next instruction on wire `q` after `a`.
//! A [`StableDiGraph`] keeps node indices valid when passes remove nodes.

use super::circuit::{Circuit, Instruction};
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
        let mut graph = StableDiGraph::new();
        let n = circuit.num_qubits();
        let wire_inputs: Vec<NodeIndex> = (0..n).map(|q| graph.add_node(DagNode::In(q))).collect();
        let mut last = wire_inputs.clone();
        for instruction in circuit.instructions() {
            let node = graph.add_node(DagNode::Op(instruction.clone()));
            for qubit in instruction.qubits() {
                graph.add_edge(last[qubit], node, qubit);
                last[qubit] = node;
            }
        }
        let wire_outputs: Vec<NodeIndex> = (0..n)
            .map(|q| {
                let out = graph.add_node(DagNode::Out(q));
                graph.add_edge(last[q], out, q);
                out
            })
            .collect();
        let mut template = Circuit::new(n, circuit.num_clbits());
        for input in circuit.inputs() {
            template.declare_input(input.clone());
        }
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

    /// Instruction nodes grouped into layers: layer k holds the instructions whose longest
    /// chain of predecessors has k instructions (ASAP schedule). Barriers occupy no layer of
    /// their own but still order what comes after them.
    pub fn layers(&self) -> Vec<Vec<NodeIndex>> {
        let order = petgraph::algo::toposort(&self.graph, None)
            .expect("a circuit DAG is acyclic by construction");
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

    /// The circuit back in a topological order (layer by layer).
    pub fn to_circuit(&self) -> Circuit {
        let mut circuit = self.template.clone();
        let order = petgraph::algo::toposort(&self.graph, None)
            .expect("a circuit DAG is acyclic by construction");
        for node in order {
            if let DagNode::Op(instruction) = &self.graph[node] {
                // Operands were checked when the original circuit was built.
                let pushed = match instruction.clone() {
                    Instruction::Gate(op) => circuit.push_gate(op),
                    Instruction::Measure { qubit, clbit } => circuit.push_measure(qubit, clbit),
                    Instruction::Reset(q) => circuit.push_reset(q),
                    Instruction::Barrier(qs) => circuit.push_barrier(qs),
                };
                pushed.expect("instructions of a valid circuit stay valid");
            }
        }
        circuit
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Gate, GateOp};

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
}
