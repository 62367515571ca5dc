//! Routing onto a device's coupling map: every two-qubit gate of the result acts on a coupled
//! pair of physical qubits.
//!
//! Layout: the logical qubit with the most two-qubit partners goes on the physical qubit of
//! highest degree (lowest index on ties), the others follow in order of decreasing partner
//! count onto the qubits a breadth-first search from there reaches first, so the circuit starts
//! on a connected patch. Routing: gates are taken in program order; when the two qubits of a
//! gate are not coupled, both walk towards each other along a shortest path, meeting where the
//! next [`LOOKAHEAD`] two-qubit gates are left with the smallest total distance (the SWAP count
//! of this gate is the same wherever they meet). Measurements
//! keep their classical bits, so the counts a device returns read as the logical circuit's.
//! The result's qubit k is physical qubit k (its width is the highest physical qubit used + 1).

use super::basis::{Basis, run_decompose};
use crate::ir::{Circuit, Control, Gate, GateOp, Instruction};
use petgraph::graph::{NodeIndex, UnGraph};
use std::collections::VecDeque;

/// The largest device accepted (IBM's Heron devices have 156 qubits, Condor 1,121); the
/// all-pairs distance table of this many qubits takes 32 MiB.
pub const MAX_DEVICE_QUBITS: usize = 2048;

/// Why a circuit cannot be routed onto a coupling map.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// An edge names a qubit past the device.
    #[error("coupling map edge ({0}, {1}) names a qubit past the device's {2}")]
    EdgeOutOfRange(usize, usize, usize),
    /// More qubits than the pass accepts.
    #[error("a device of {0} qubits is larger than the {MAX_DEVICE_QUBITS} accepted")]
    TooLarge(usize),
    /// The circuit does not fit the device.
    #[error("the circuit has {circuit} qubits; the device has {device}")]
    TooFewQubits {
        /// The circuit's qubits.
        circuit: usize,
        /// The device's qubits.
        device: usize,
    },
    /// The device's connected part around the layout is too small.
    #[error("no connected set of {0} qubits on the device")]
    Disconnected(usize),
    /// A gate on three or more qubits: decompose first.
    #[error("gate {0} acts on more than two qubits; decompose the circuit before routing")]
    Wide(String),
}

/// A device's undirected coupling graph.
#[derive(Clone, Debug)]
pub struct CouplingMap {
    graph: UnGraph<(), ()>,
    /// `distance[a][b]`: fewest edges from a to b (`usize::MAX` when unreachable).
    distance: Vec<Vec<usize>>,
}

impl CouplingMap {
    /// A map of `num_qubits` physical qubits with the given pairs (either direction, repeats
    /// allowed: IBM lists both directions of each pair).
    pub fn new(num_qubits: usize, edges: &[(usize, usize)]) -> Result<CouplingMap, RouteError> {
        if num_qubits > MAX_DEVICE_QUBITS {
            return Err(RouteError::TooLarge(num_qubits));
        }
        let mut graph = UnGraph::<(), ()>::with_capacity(num_qubits, edges.len());
        for _ in 0..num_qubits {
            graph.add_node(());
        }
        for &(a, b) in edges {
            if a >= num_qubits || b >= num_qubits {
                return Err(RouteError::EdgeOutOfRange(a, b, num_qubits));
            }
            let (na, nb) = (NodeIndex::new(a), NodeIndex::new(b));
            if a != b && graph.find_edge(na, nb).is_none() {
                graph.add_edge(na, nb, ());
            }
        }
        let distance = (0..num_qubits).map(|q| bfs(&graph, q).0).collect();
        Ok(CouplingMap { graph, distance })
    }

    /// A map from JSON: IBM's backend configuration (`n_qubits` and `coupling_map`, the
    /// latter absent or null on simulators: `None`) or a bare list of pairs `[[0, 1], …]`
    /// (the device then has the highest listed qubit + 1).
    pub fn from_json(value: &serde_json::Value) -> Result<Option<CouplingMap>, String> {
        let (pairs, declared) = match value {
            serde_json::Value::Array(pairs) => (pairs, None),
            serde_json::Value::Object(fields) => match fields.get("coupling_map") {
                None | Some(serde_json::Value::Null) => return Ok(None),
                Some(serde_json::Value::Array(pairs)) => {
                    let n = fields
                        .get("n_qubits")
                        .and_then(serde_json::Value::as_u64)
                        .ok_or("a configuration with `coupling_map` needs `n_qubits`")?;
                    (pairs, Some(n as usize))
                }
                Some(_) => return Err("`coupling_map` is not a list of pairs".into()),
            },
            _ => {
                return Err(
                    "expected a list of qubit pairs or an object with `coupling_map`".into(),
                );
            }
        };
        let edges = pairs
            .iter()
            .map(|pair| match pair.as_array().map(Vec::as_slice) {
                Some([a, b]) => a
                    .as_u64()
                    .zip(b.as_u64())
                    .map(|(a, b)| (a as usize, b as usize))
                    .ok_or_else(|| format!("coupling pair {pair} is not two qubit indices")),
                _ => Err(format!("coupling pair {pair} is not two qubit indices")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let qubits =
            declared.unwrap_or_else(|| edges.iter().map(|&(a, b)| a.max(b) + 1).max().unwrap_or(0));
        CouplingMap::new(qubits, &edges)
            .map(Some)
            .map_err(|e| e.to_string())
    }

    /// Physical qubits.
    pub fn num_qubits(&self) -> usize {
        self.graph.node_count()
    }

    /// Whether `a` and `b` are coupled.
    pub fn coupled(&self, a: usize, b: usize) -> bool {
        self.distance[a][b] == 1
    }

    /// The qubit pairs of `circuit`'s two-qubit gates that the device does not couple (a qubit
    /// past the device counts as uncoupled): empty when the circuit runs as it is.
    pub fn uncoupled_pairs(&self, circuit: &Circuit) -> Vec<(usize, usize)> {
        let n = self.num_qubits();
        circuit
            .gates()
            .filter_map(two_qubit_pair)
            .filter(|&(a, b)| a >= n || b >= n || !self.coupled(a, b))
            .collect()
    }

    fn degree(&self, q: usize) -> usize {
        self.graph.neighbors(NodeIndex::new(q)).count()
    }

    /// A shortest path from `a` to `b`, both included.
    fn path(&self, a: usize, b: usize) -> Vec<usize> {
        let mut path = vec![a];
        let mut at = a;
        while at != b {
            at = self
                .graph
                .neighbors(NodeIndex::new(at))
                .map(|n| n.index())
                .filter(|&n| self.distance[n][b] + 1 == self.distance[at][b])
                .min()
                .expect("a reachable qubit has a neighbour one step closer");
            path.push(at);
        }
        path
    }
}

/// Distances from `start` and the order in which a breadth-first search reaches qubits.
fn bfs(graph: &UnGraph<(), ()>, start: usize) -> (Vec<usize>, Vec<usize>) {
    let mut distance = vec![usize::MAX; graph.node_count()];
    let mut order = Vec::new();
    let mut queue = VecDeque::from([start]);
    distance[start] = 0;
    while let Some(q) = queue.pop_front() {
        order.push(q);
        let mut next: Vec<usize> = graph
            .neighbors(NodeIndex::new(q))
            .map(|n| n.index())
            .collect();
        next.sort_unstable();
        for n in next {
            if distance[n] == usize::MAX {
                distance[n] = distance[q] + 1;
                queue.push_back(n);
            }
        }
    }
    (distance, order)
}

/// A circuit placed and routed on a device.
#[derive(Clone, Debug)]
pub struct Routed {
    /// The routed circuit; qubit k is physical qubit k.
    pub circuit: Circuit,
    /// Physical qubit of each logical qubit at the start.
    pub initial_layout: Vec<usize>,
    /// Physical qubit of each logical qubit at the end.
    pub final_layout: Vec<usize>,
    /// SWAP gates inserted.
    pub swaps: usize,
}

/// Places `circuit` on `map` and inserts SWAPs so every two-qubit gate acts on coupled qubits.
/// Gates must act on at most two qubits (controls included): decompose first.
pub fn route(circuit: &Circuit, map: &CouplingMap) -> Result<Routed, RouteError> {
    let n = circuit.num_qubits();
    if n > map.num_qubits() {
        return Err(RouteError::TooFewQubits {
            circuit: n,
            device: map.num_qubits(),
        });
    }
    let initial_layout = initial_layout(circuit, map)?;
    let mut layout = initial_layout.clone();
    // Which logical qubit (if any) each physical qubit holds.
    let mut holder: Vec<Option<usize>> = vec![None; map.num_qubits()];
    for (logical, &physical) in layout.iter().enumerate() {
        holder[physical] = Some(logical);
    }
    // The two-qubit gates in order, for the lookahead.
    let pairs: Vec<(usize, usize)> = circuit.gates().filter_map(two_qubit_pair).collect();
    let mut next_pair = 0;
    let mut out = Vec::with_capacity(circuit.instructions().len());
    let mut swaps = 0;
    for instruction in circuit.instructions() {
        if let Instruction::Gate(op) = instruction {
            if op.num_qubits() > 2 {
                return Err(RouteError::Wide(op.kind_name()));
            }
            if let Some((a, b)) = two_qubit_pair(op) {
                next_pair += 1;
                let path = map.path(layout[a], layout[b]);
                let upcoming = &pairs[next_pair..pairs.len().min(next_pair + LOOKAHEAD)];
                let chosen = (0..path.len().saturating_sub(1))
                    .map(|split| meeting_swaps(&path, split))
                    .min_by_key(|candidate| {
                        let mut trial = layout.clone();
                        apply_swaps(candidate, &mut trial, &mut holder.clone());
                        upcoming
                            .iter()
                            .map(|&(x, y)| map.distance[trial[x]][trial[y]])
                            .sum::<usize>()
                    })
                    .unwrap_or_default();
                apply_swaps(&chosen, &mut layout, &mut holder);
                swaps += chosen.len();
                out.extend(
                    chosen
                        .iter()
                        .map(|&(p, q)| Instruction::Gate(GateOp::fixed(Gate::Swap, &[p, q]))),
                );
            }
        }
        out.push(relabel(instruction, &layout));
    }
    let width = out
        .iter()
        .flat_map(Instruction::qubits)
        .chain(layout.iter().copied())
        .max()
        .map_or(0, |q| q + 1);
    let mut routed = Circuit::new(width, circuit.num_clbits());
    for input in circuit.inputs() {
        routed.declare_input(input.clone());
    }
    let routed = routed.with_instructions(out);
    Ok(Routed {
        circuit: routed,
        initial_layout,
        final_layout: layout,
        swaps,
    })
}

/// `circuit` decomposed into `basis` (CNOT and one-qubit gates when `None`: routing needs gates
/// of at most two qubits), routed onto `map`, and with a `basis` its SWAPs decomposed into it
/// too (without one they stay `swap` gates).
pub fn route_in_basis(
    circuit: &Circuit,
    map: &CouplingMap,
    basis: Option<Basis>,
) -> Result<Routed, RouteError> {
    let lowered = run_decompose(circuit, basis.unwrap_or(Basis::CxAndSingleQubit));
    let mut routed = route(&lowered, map)?;
    if let Some(basis) = basis {
        routed.circuit = run_decompose(&routed.circuit, basis);
    }
    Ok(routed)
}

/// The two qubits of a two-qubit gate (controls included), `None` for any other width.
fn two_qubit_pair(op: &GateOp) -> Option<(usize, usize)> {
    match op.qubits().collect::<Vec<_>>()[..] {
        [a, b] => Some((a, b)),
        _ => None,
    }
}

/// Two-qubit gates the router looks ahead at when choosing where a pair meets.
const LOOKAHEAD: usize = 3;

/// SWAPs that bring the ends of `path` together at `path[split]`, `path[split + 1]`: the first
/// qubit walks `split` steps forward, the last walks back the rest.
fn meeting_swaps(path: &[usize], split: usize) -> Vec<(usize, usize)> {
    let last = path.len() - 1;
    let forward = (0..split).map(|k| (path[k], path[k + 1]));
    let backward = (split + 1..last).rev().map(|k| (path[k + 1], path[k]));
    forward.chain(backward).collect()
}

/// Applies physical SWAPs to a layout and its inverse.
fn apply_swaps(swaps: &[(usize, usize)], layout: &mut [usize], holder: &mut [Option<usize>]) {
    for &(p, q) in swaps {
        holder.swap(p, q);
        for physical in [p, q] {
            if let Some(logical) = holder[physical] {
                layout[logical] = physical;
            }
        }
    }
}

/// The instruction on physical qubits.
fn relabel(instruction: &Instruction, layout: &[usize]) -> Instruction {
    match instruction {
        Instruction::Gate(op) => Instruction::Gate(GateOp {
            controls: op
                .controls
                .iter()
                .map(|c| Control {
                    qubit: layout[c.qubit],
                    on_one: c.on_one,
                })
                .collect(),
            targets: op.targets.iter().map(|&t| layout[t]).collect(),
            ..op.clone()
        }),
        Instruction::Measure { qubit, clbit } => Instruction::Measure {
            qubit: layout[*qubit],
            clbit: *clbit,
        },
        Instruction::Reset(q) => Instruction::Reset(layout[*q]),
        Instruction::Barrier(qs) => Instruction::Barrier(qs.iter().map(|&q| layout[q]).collect()),
    }
}

/// Logical → physical at the start: busiest logical qubit on the best-connected physical one,
/// the rest in breadth-first order around it.
fn initial_layout(circuit: &Circuit, map: &CouplingMap) -> Result<Vec<usize>, RouteError> {
    let n = circuit.num_qubits();
    if n == 0 {
        return Ok(Vec::new());
    }
    let mut partners = vec![std::collections::BTreeSet::new(); n];
    for (a, b) in circuit.gates().filter_map(two_qubit_pair) {
        partners[a].insert(b);
        partners[b].insert(a);
    }
    let mut logical: Vec<usize> = (0..n).collect();
    logical.sort_by_key(|&q| (std::cmp::Reverse(partners[q].len()), q));
    let root = (0..map.num_qubits())
        .max_by_key(|&q| (map.degree(q), std::cmp::Reverse(q)))
        .expect("the device has at least as many qubits as the circuit");
    let (_, order) = bfs(&map.graph, root);
    if order.len() < n {
        return Err(RouteError::Disconnected(n));
    }
    let mut layout = vec![0; n];
    for (&l, &p) in logical.iter().zip(&order) {
        layout[l] = p;
    }
    Ok(layout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Angle;
    use crate::sim::{Amplitude, Program};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The shipped 27-qubit heavy-hex device.
    fn heavy_hex_27() -> CouplingMap {
        let text = include_str!("../../circuits/devices/heavy_hex_27.json");
        CouplingMap::from_json(&serde_json::from_str(text).unwrap())
            .unwrap()
            .unwrap()
    }

    fn line(n: usize) -> CouplingMap {
        let edges: Vec<(usize, usize)> = (1..n).map(|q| (q - 1, q)).collect();
        CouplingMap::new(n, &edges).unwrap()
    }

    /// A random circuit of one- and two-qubit gates, every qubit measured into its own bit.
    fn random_circuit(qubits: usize, gates: usize, seed: u64) -> Circuit {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut c = Circuit::new(qubits, qubits);
        for _ in 0..gates {
            let a = rng.random_range(0..qubits);
            let op = if rng.random_bool(0.5) {
                let mut b = rng.random_range(0..qubits - 1);
                if b >= a {
                    b += 1;
                }
                GateOp::cx(a, b)
            } else {
                let gate = [Gate::Rx, Gate::Ry, Gate::Rz][rng.random_range(0..3)];
                GateOp::rotation(gate, Angle::constant(rng.random_range(-3.0..3.0)), a)
            };
            c.push_gate(op).unwrap();
        }
        for q in 0..qubits {
            c.push_measure(q, q).unwrap();
        }
        c
    }

    /// Probabilities of the classical bits, from the measured qubits.
    fn bit_distribution(c: &Circuit) -> Vec<f64> {
        let mut measured = vec![0; c.num_clbits()];
        for i in c.instructions() {
            if let Instruction::Measure { qubit, clbit } = i {
                measured[*clbit] = *qubit;
            }
        }
        let program = Program::compile(c, Amplitude::Complex).unwrap();
        program.run(&[]).unwrap().marginal(&measured)
    }

    #[test]
    fn routed_circuits_give_the_same_counts_and_use_only_coupled_pairs() {
        let ring: Vec<(usize, usize)> = (0..8).map(|q| (q, (q + 1) % 8)).collect();
        let maps = [line(7), CouplingMap::new(8, &ring).unwrap(), heavy_hex_27()];
        for (m, map) in maps.iter().enumerate() {
            for seed in 0..10 {
                let circuit = random_circuit(5, 40, seed * 7 + m as u64);
                let routed = route(&circuit, map).unwrap();
                let off_map = map.uncoupled_pairs(&routed.circuit);
                assert!(off_map.is_empty(), "map {m} seed {seed}: {off_map:?}");
                let (want, got) = (
                    bit_distribution(&circuit),
                    bit_distribution(&routed.circuit),
                );
                for (w, g) in want.iter().zip(&got) {
                    assert!((w - g).abs() < 1e-12, "map {m} seed {seed}: {w} vs {g}");
                }
            }
        }
    }

    #[test]
    fn coupling_maps_read_from_configurations_and_pair_lists() {
        let config = serde_json::json!({"n_qubits": 5, "coupling_map": [[0, 1], [1, 0], [1, 2]]});
        let map = CouplingMap::from_json(&config).unwrap().unwrap();
        assert_eq!(map.num_qubits(), 5);
        assert!(map.coupled(1, 0) && map.coupled(2, 1) && !map.coupled(0, 2));
        let list = serde_json::json!([[0, 1], [1, 3]]);
        assert_eq!(
            CouplingMap::from_json(&list).unwrap().unwrap().num_qubits(),
            4
        );
        let simulator = serde_json::json!({"n_qubits": 32, "coupling_map": null});
        assert!(CouplingMap::from_json(&simulator).unwrap().is_none());
        for bad in [
            serde_json::json!({"coupling_map": [[0, 1]]}),
            serde_json::json!([[0, 1, 2]]),
            serde_json::json!([[0, -1]]),
            serde_json::json!({"n_qubits": 2, "coupling_map": [[0, 5]]}),
            serde_json::json!("line"),
        ] {
            assert!(CouplingMap::from_json(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_circuit_that_fits_needs_no_swaps_and_errors_are_clear() {
        let mut c = Circuit::new(3, 0);
        c.push_gate(GateOp::cx(0, 1)).unwrap();
        c.push_gate(GateOp::cx(1, 2)).unwrap();
        let routed = route(&c, &line(3)).unwrap();
        assert_eq!(routed.swaps, 0);
        assert_eq!(routed.initial_layout, vec![0, 1, 2]);
        // Qubit 0 talks to 1, 2, 3 on a line: two swaps at least.
        let mut star = Circuit::new(4, 0);
        for t in 1..4 {
            star.push_gate(GateOp::cx(0, t)).unwrap();
        }
        assert_eq!(line(4).uncoupled_pairs(&star), vec![(0, 2), (0, 3)]);
        assert_eq!(line(2).uncoupled_pairs(&star), vec![(0, 2), (0, 3)]);
        let routed = route(&star, &line(4)).unwrap();
        assert!(line(4).uncoupled_pairs(&routed.circuit).is_empty());
        assert!((1..=2).contains(&routed.swaps), "{} swaps", routed.swaps);
        assert_eq!(
            route(&star, &line(3)).unwrap_err(),
            RouteError::TooFewQubits {
                circuit: 4,
                device: 3
            }
        );
        let split = CouplingMap::new(4, &[(0, 1), (2, 3)]).unwrap();
        assert_eq!(
            route(&star, &split).unwrap_err(),
            RouteError::Disconnected(4)
        );
        assert_eq!(
            CouplingMap::new(1_000_000_000, &[]).unwrap_err(),
            RouteError::TooLarge(1_000_000_000)
        );
        assert_eq!(
            CouplingMap::new(2, &[(0, 2)]).unwrap_err(),
            RouteError::EdgeOutOfRange(0, 2, 2)
        );
        let mut toffoli = Circuit::new(3, 0);
        toffoli
            .push_gate(GateOp::cx(0, 2).controlled_by(Control::on(1)))
            .unwrap();
        assert!(matches!(
            route(&toffoli, &line(3)),
            Err(RouteError::Wide(_))
        ));
    }
}
