//! Routing onto a device's coupling map: every two-qubit gate of the result acts on a coupled
//! pair of physical qubits.
//!
//! The router is SABRE-class ([`sabre`]). A SWAP-free embedding of the circuit's interaction
//! graph is looked for first, over the whole device, by a bounded VF2-style search
//! ([`layout::perfect_layout`]); when there is one, only its trials run. Otherwise each of
//! [`RouteOptions::trials`] seeded trials works within one region of the device (the
//! lowest-numbered qubits, or a compact patch elsewhere: [`layout::regions`]), starts from a
//! layout there (the dense layout around the best-connected qubit, or a random one), refines it
//! by routing the two-qubit gates forward and then backward (the end of the backward pass is a
//! layout suited to the circuit's start), and routes the circuit forward from there. Each region
//! gets an equal block of the trials, in which they take turns over equivalent forms of the
//! circuit ([`forms`]) that expose different commutations. Trials run in parallel on rayon;
//! the best few of each block by estimate go through post-routing optimisation ([`post`]),
//! and the one with the fewest CNOTs, then the least depth, then the lowest trial number is
//! kept, so the result depends only on the seed. With error rates (noise-aware routing), the SWAP-free embedding
//! of least −ln fidelity is taken, trial 0 starts on the device's least noisy qubits, SWAPs on
//! noisy pairs cost more, and the trial of the highest estimated success probability is kept.
//! Measurements keep their classical bits, so the counts a device returns read as the logical
//! circuit's. The result's qubit k is physical qubit k (its width is the highest physical qubit
//! used + 1).

mod forms;
mod layout;
mod post;
mod sabre;

use super::basis::{Basis, run_decompose};
use crate::ir::{Circuit, CircuitStats, Control, Gate, GateOp, Instruction};
use petgraph::graph::{NodeIndex, UnGraph};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::collections::{HashMap, VecDeque};
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
        let distance = (0..num_qubits).map(|q| bfs(&graph, q)).collect();
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

    /// The qubits coupled to `q`.
    pub fn neighbours(&self, q: usize) -> impl Iterator<Item = usize> + '_ {
        self.graph.neighbors(NodeIndex::new(q)).map(|n| n.index())
    }

    /// Fewest edges between `a` and `b` (`usize::MAX` when unreachable).
    pub fn distance(&self, a: usize, b: usize) -> usize {
        self.distance[a][b]
    }

    /// Edges at `q`.
    pub fn degree(&self, q: usize) -> usize {
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

/// Distances from `start`.
fn bfs(graph: &UnGraph<(), ()>, start: usize) -> Vec<usize> {
    let mut distance = vec![usize::MAX; graph.node_count()];
    let mut queue = VecDeque::from([start]);
    distance[start] = 0;
    while let Some(q) = queue.pop_front() {
        for n in graph.neighbors(NodeIndex::new(q)) {
            if distance[n.index()] == usize::MAX {
                distance[n.index()] = distance[q] + 1;
                queue.push_back(n.index());
            }
        }
    }
    distance
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

/// Trials, best estimated first, that go through post-routing optimisation before the best is
/// kept. (12 of 32 trials did better than 4 or 8 of 16 and 8 of 32, and as well as 8 of 48 in
/// two thirds of the time, on the MQT Bench set on six shipped targets, one run each:
/// docs/performance.md "Routing".)
const FINALISTS: usize = 12;

/// Seeded trials [`route`] and [`route_in_basis`] run.
pub const DEFAULT_TRIALS: usize = 32;

/// How the router searches, and what it knows of the device's noise.
#[derive(Clone, Debug)]
pub struct RouteOptions {
    /// Seed of the trials' random streams: the result depends only on it and the input.
    pub seed: u64,
    /// Seeded trials (layout, layout passes, routing); at least one runs.
    pub trials: usize,
    /// Two-qubit gate error of coupled pairs (either order); pairs not listed count as
    /// error-free. Empty when unknown.
    pub edge_errors: HashMap<(usize, usize), f64>,
    /// Readout error of each physical qubit (missing ones count as error-free). Empty when
    /// unknown.
    pub readout_errors: Vec<f64>,
    /// Physical qubits a trial's layout may spread over beyond the circuit's own, in one of
    /// [`layout::regions`]: the device's low-index corner and a compact patch (`None`: the whole
    /// device). A small margin keeps the routed program narrow (its width is its highest
    /// physical qubit + 1) at little cost in SWAPs. A SWAP-free layout may lie anywhere.
    pub spare_qubits: Option<usize>,
}

impl Default for RouteOptions {
    fn default() -> Self {
        RouteOptions {
            seed: 0,
            trials: DEFAULT_TRIALS,
            edge_errors: HashMap::new(),
            readout_errors: Vec::new(),
            spare_qubits: Some(6),
        }
    }
}

impl RouteOptions {
    fn noisy(&self) -> bool {
        !self.edge_errors.is_empty() || !self.readout_errors.is_empty()
    }

    /// −ln(1 − e) of a two-qubit gate on `a`, `b`: the additive form of the success estimate.
    fn edge_cost(&self, a: usize, b: usize) -> f64 {
        let e = self
            .edge_errors
            .get(&(a, b))
            .or_else(|| self.edge_errors.get(&(b, a)))
            .copied()
            .unwrap_or(0.0);
        -(1.0 - e.clamp(0.0, 1.0 - 1e-12)).ln()
    }

    /// −ln(1 − e) of reading out physical qubit `q`.
    fn readout_cost(&self, q: usize) -> f64 {
        let e = self.readout_errors.get(q).copied().unwrap_or(0.0);
        -(1.0 - e.clamp(0.0, 1.0 - 1e-12)).ln()
    }

    /// −ln of the estimated success probability of a routed program in CNOTs: two-qubit gate
    /// and readout errors (one-qubit gates are not weighed).
    fn noise_cost(&self, circuit: &Circuit) -> f64 {
        circuit
            .instructions()
            .iter()
            .map(|i| match i {
                Instruction::Gate(op) => two_qubit_pair(op)
                    .map_or(0.0, |(a, b)| op.cx_cost() as f64 * self.edge_cost(a, b)),
                Instruction::Measure { qubit, .. } => self.readout_cost(*qubit),
                _ => 0.0,
            })
            .sum()
    }
}

/// Places `circuit` on `map` and inserts SWAPs so every two-qubit gate acts on coupled qubits,
/// with the default [`RouteOptions`]. Gates must act on at most two qubits (controls
/// included): decompose first. The result keeps its SWAPs as `swap` gates.
pub fn route(circuit: &Circuit, map: &CouplingMap) -> Result<Routed, RouteError> {
    route_with(circuit, map, &RouteOptions::default()).map(|(raw, _)| raw)
}

/// `circuit` decomposed into `basis` (CNOT and one-qubit gates when `None`: routing needs gates
/// of at most two qubits), routed onto `map`, and with a `basis` its SWAPs decomposed into it
/// too after post-routing optimisation (without one they stay `swap` gates).
pub fn route_in_basis(
    circuit: &Circuit,
    map: &CouplingMap,
    basis: Option<Basis>,
) -> Result<Routed, RouteError> {
    route_in_basis_with(circuit, map, basis, &RouteOptions::default())
}

/// [`route_in_basis`] with explicit [`RouteOptions`].
///
/// The router sees the circuit in up to three equivalent forms ([`forms`]), the trials taking
/// them in turn: decomposed into `basis` (CNOTs and one-qubit gates without one), in `cz` with
/// the one-qubit gates between merged, and with CNOT pairs around a Z rotation written as
/// diagonal controlled phases. The forms expose different commutations: CNOTs sharing a target
/// commute in the first, the `cz` of a graph state in the second, the controlled phases of a
/// QFT in the third.
pub fn route_in_basis_with(
    circuit: &Circuit,
    map: &CouplingMap,
    basis: Option<Basis>,
    options: &RouteOptions,
) -> Result<Routed, RouteError> {
    let lowered = run_decompose(circuit, basis.unwrap_or(Basis::CxAndSingleQubit));
    let forms = forms::forms(lowered, basis == Some(Basis::IbmCz));
    let (raw, optimised) = route_forms(&forms, map, options)?;
    Ok(match basis {
        None => raw,
        Some(basis) => Routed {
            circuit: super::clean_gate_level(
                super::decompose_merged(&optimised, basis),
                super::Reach::Commuting,
            ),
            ..raw
        },
    })
}

/// Routes `circuit` onto `map` with `options`: the best of the seeded trials, as routed (SWAPs
/// as `swap` gates, each written in the direction that lets it share a CNOT with a neighbour)
/// and after post-routing optimisation (CNOTs and one-qubit gates).
pub fn route_with(
    circuit: &Circuit,
    map: &CouplingMap,
    options: &RouteOptions,
) -> Result<(Routed, Circuit), RouteError> {
    route_forms(std::slice::from_ref(circuit), map, options)
}

/// One form of the circuit as the router sees it.
struct Prepared<'a> {
    circuit: &'a Circuit,
    /// Indices of the instructions routed in order, and of the terminal measurements.
    body: Vec<usize>,
    tail: Vec<usize>,
    /// The body as router nodes, its two-qubit gates forward and backward.
    nodes: Vec<sabre::Node>,
    forward: Vec<sabre::Node>,
    backward: Vec<sabre::Node>,
    /// The logical pairs of the two-qubit gates.
    pairs: Vec<(usize, usize)>,
}

impl<'a> Prepared<'a> {
    fn of(circuit: &'a Circuit) -> Result<Prepared<'a>, RouteError> {
        if let Some(op) = circuit.gates().find(|op| op.num_qubits() > 2) {
            return Err(RouteError::Wide(op.kind_name()));
        }
        let n = circuit.num_qubits();
        // Terminal measurements wait for the end: they read each logical qubit's final place.
        let instructions = circuit.instructions();
        let mut later = vec![false; n];
        let mut terminal = vec![false; instructions.len()];
        for (k, i) in instructions.iter().enumerate().rev() {
            if let Instruction::Measure { qubit, .. } = i {
                terminal[k] = !later[*qubit];
            }
            i.qubits().into_iter().for_each(|q| later[q] = true);
        }
        let body: Vec<usize> = (0..instructions.len()).filter(|&k| !terminal[k]).collect();
        let tail: Vec<usize> = (0..instructions.len()).filter(|&k| terminal[k]).collect();
        let nodes: Vec<sabre::Node> = body
            .iter()
            .map(|&k| &instructions[k])
            .map(|i| {
                let mut wires = roles(i);
                if let Instruction::Measure { clbit, .. } = i {
                    wires.push((n + clbit, sabre::Role::Other));
                }
                let pair = match i {
                    Instruction::Gate(op) => two_qubit_pair(op),
                    _ => None,
                };
                sabre::Node { wires, pair }
            })
            .collect();
        let forward: Vec<sabre::Node> = nodes
            .iter()
            .filter(|node| node.pair.is_some())
            .cloned()
            .collect();
        let backward = forward.iter().rev().cloned().collect();
        let pairs = circuit.gates().filter_map(two_qubit_pair).collect();
        Ok(Prepared {
            circuit,
            body,
            tail,
            nodes,
            forward,
            backward,
            pairs,
        })
    }
}

/// Routes the equivalent `forms` of one circuit (trial t takes form t mod their number) and
/// keeps the best trial.
fn route_forms(
    forms: &[Circuit],
    map: &CouplingMap,
    options: &RouteOptions,
) -> Result<(Routed, Circuit), RouteError> {
    let n = forms[0].num_qubits();
    if n > map.num_qubits() {
        return Err(RouteError::TooFewQubits {
            circuit: n,
            device: map.num_qubits(),
        });
    }
    let prepared = forms
        .iter()
        .map(Prepared::of)
        .collect::<Result<Vec<_>, _>>()?;
    let (component, regions) = layout::regions(map, n, options.spare_qubits)?;
    let noisy = options.noisy();
    let layout_cost = |layout: &[usize]| {
        let pairs: f64 = prepared[0]
            .pairs
            .iter()
            .map(|&(a, b)| options.edge_cost(layout[a], layout[b]))
            .sum();
        pairs + layout.iter().map(|&q| options.readout_cost(q)).sum::<f64>()
    };
    // A SWAP-free layout is looked for over the whole device, as Qiskit's VF2Layout does.
    let perfect = layout::perfect_layout(
        &prepared[0].pairs,
        n,
        map,
        &component,
        noisy.then_some(&layout_cost as &dyn Fn(&[usize]) -> f64),
    );
    let edge_cost = |p: usize, q: usize| options.edge_cost(p, q);
    let per_region = options.trials.div_ceil(regions.len()).max(prepared.len());
    let trial = |t: usize| {
        let swap_cost = noisy.then_some(&edge_cost as &dyn Fn(usize, usize) -> f64);
        // Each region has a block of trials; within it the trials take the forms in turn,
        // the first of each form starting from the dense layout, the others from random ones.
        let (region, u) = (t / per_region, t % per_region);
        let form = &prepared[u % prepared.len()];
        let allowed = &regions[region];
        let kind = u / prepared.len();
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
        rng.set_stream(t as u64);
        let initial_layout = match &perfect {
            Some(layout) => layout.clone(),
            None => {
                let start = if kind == 0 {
                    let qubit_cost = |q: usize| {
                        let edges: Vec<f64> =
                            map.neighbours(q).map(|p| options.edge_cost(q, p)).collect();
                        edges.iter().sum::<f64>() / edges.len().max(1) as f64
                            + options.readout_cost(q)
                    };
                    let edge_cost = |(a, b): (usize, usize)| options.edge_cost(a, b);
                    layout::dense_layout(
                        &form.pairs,
                        n,
                        map,
                        allowed,
                        noisy.then_some(&qubit_cost as &dyn Fn(usize) -> f64),
                        &edge_cost,
                    )
                } else {
                    layout::random_layout(n, allowed, &mut rng)
                };
                let there =
                    sabre::route_pass(&form.forward, n, map, allowed, start, swap_cost, &mut rng);
                sabre::route_pass(
                    &form.backward,
                    n,
                    map,
                    allowed,
                    there.final_layout,
                    swap_cost,
                    &mut rng,
                )
                .final_layout
            }
        };
        let pass = sabre::route_pass(
            &form.nodes,
            n + form.circuit.num_clbits(),
            map,
            if perfect.is_some() {
                &component
            } else {
                allowed
            },
            initial_layout.clone(),
            swap_cost,
            &mut rng,
        );
        let raw = assemble(
            form.circuit,
            (&form.body, &form.tail),
            &pass,
            initial_layout,
        );
        // Ranked first by an estimate (noise, or CNOTs with SWAPs that share a CNOT with a
        // neighbour at 2), so that only the best few trials go through post-routing clean-up.
        let estimate = if noisy {
            options.noise_cost(&raw.circuit)
        } else {
            post::estimated_cnots(&raw.circuit) as f64
        };
        (estimate, t, raw)
    };
    // A SWAP-free layout cannot be beaten by trials that insert SWAPs: only its trials run
    // (one per form), which makes easy circuits and all-to-all devices cheap. Otherwise each
    // region gets an equal block of the trials, and its best few by estimate go on: so the
    // first region's trials and finalists are those a router with fewer regions would run.
    let trials = match &perfect {
        Some(_) => 0..prepared.len(),
        None => 0..per_region * regions.len(),
    };
    let mut results: Vec<_> = trials.into_par_iter().map(trial).collect();
    results.sort_by(|x, y| {
        (x.1 / per_region)
            .cmp(&(y.1 / per_region))
            .then(x.0.total_cmp(&y.0))
            .then(x.1.cmp(&y.1))
    });
    let finalists_per_region = FINALISTS.div_ceil(regions.len());
    let mut kept = vec![0; regions.len()];
    results.retain(|&(_, t, _)| {
        let block = &mut kept[t / per_region];
        *block += 1;
        *block <= finalists_per_region
    });
    let finalists: Vec<_> = results
        .into_par_iter()
        .map(|(_, t, raw)| {
            let optimised = post::optimise_routed(&raw.circuit);
            let stats = CircuitStats::of(&optimised);
            let noise = if noisy {
                options.noise_cost(&optimised)
            } else {
                0.0
            };
            (noise, stats.two_qubit_gates, stats.depth, t, raw, optimised)
        })
        .collect();
    let (_, _, _, _, raw, optimised) = finalists
        .into_iter()
        .min_by(|x, y| {
            x.0.total_cmp(&y.0)
                .then((x.1, x.2, x.3).cmp(&(y.1, y.2, y.3)))
        })
        .expect("at least one trial runs");
    Ok((raw, optimised))
}

/// The routed circuit of a pass's steps over the instructions `body` of `circuit`, then the
/// terminal measurements `tail` on the final layout.
fn assemble(
    circuit: &Circuit,
    (body, tail): (&[usize], &[usize]),
    pass: &sabre::Pass,
    initial_layout: Vec<usize>,
) -> Routed {
    let steps = &pass.steps;
    let mut layout = initial_layout.clone();
    let mut holder: Vec<Option<usize>> = vec![
        None;
        layout.iter().max().map_or(0, |&q| q + 1).max(
            steps
                .iter()
                .filter_map(|s| match s {
                    sabre::Step::Swap(p, q) => Some(p.max(q) + 1),
                    sabre::Step::Node(_) => None,
                })
                .max()
                .unwrap_or(0),
        )
    ];
    for (logical, &physical) in layout.iter().enumerate() {
        holder[physical] = Some(logical);
    }
    let mut out: Vec<Instruction> = steps
        .iter()
        .map(|step| match *step {
            sabre::Step::Node(k) => relabel(&circuit.instructions()[body[k]], &layout),
            sabre::Step::Swap(p, q) => {
                sabre::apply_swap(p, q, &mut layout, &mut holder);
                Instruction::Gate(GateOp::fixed(Gate::Swap, &[p, q]))
            }
        })
        .chain(
            tail.iter()
                .map(|&k| relabel(&circuit.instructions()[k], &pass.final_layout)),
        )
        .collect();
    post::orient_swaps(&mut out);
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
    Routed {
        circuit: routed.with_instructions(out),
        initial_layout,
        final_layout: pass.final_layout.clone(),
        swaps: pass.swaps,
    }
}

/// How `instruction` acts on each of its qubits, for the router's commutation-aware ordering.
fn roles(instruction: &Instruction) -> Vec<(usize, sabre::Role)> {
    use sabre::Role;
    let diagonal = |gate: Gate| match gate {
        Gate::Z | Gate::S | Gate::Sdg | Gate::T | Gate::Tdg | Gate::Rz | Gate::P => Role::Z,
        Gate::X | Gate::Sx | Gate::Sxdg | Gate::Rx => Role::X,
        _ => Role::Other,
    };
    match instruction {
        Instruction::Gate(op) if op.targets.len() == 1 => op
            .controls
            .iter()
            .map(|c| (c.qubit, Role::Z))
            .chain([(op.targets[0], diagonal(op.gate))])
            .collect(),
        other => other
            .qubits()
            .into_iter()
            .map(|q| (q, Role::Other))
            .collect(),
    }
}

/// The two qubits of a two-qubit gate (controls included), `None` for any other width.
fn two_qubit_pair(op: &GateOp) -> Option<(usize, usize)> {
    match op.qubits().collect::<Vec<_>>()[..] {
        [a, b] => Some((a, b)),
        _ => None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Angle;
    use crate::target::tests::bit_distribution;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The shipped 27-qubit heavy-hex device.
    fn heavy_hex_27() -> CouplingMap {
        let text = include_str!("../../../circuits/devices/heavy_hex_27.json");
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
                if rng.random_bool(0.3) {
                    // A ZZ rotation as Qiskit writes it: cx · rz · cx.
                    let phi = Angle::constant(rng.random_range(-3.0..3.0));
                    c.push_gate(GateOp::cx(a, b)).unwrap();
                    c.push_gate(GateOp::rotation(Gate::Rz, phi, b)).unwrap();
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

    /// A `rows × cols` square lattice.
    fn square(rows: usize, cols: usize) -> CouplingMap {
        let mut edges = Vec::new();
        for r in 0..rows {
            for c in 0..cols {
                let q = r * cols + c;
                if c + 1 < cols {
                    edges.push((q, q + 1));
                }
                if r + 1 < rows {
                    edges.push((q, q + cols));
                }
            }
        }
        CouplingMap::new(rows * cols, &edges).unwrap()
    }

    fn assert_same_distribution(want: &Circuit, got: &Circuit, what: &str) {
        let (want, got) = (bit_distribution(want, &[]), bit_distribution(got, &[]));
        assert_eq!(want.len(), got.len(), "{what}");
        for (w, g) in want.iter().zip(&got) {
            assert!((w - g).abs() < 1e-10, "{what}: {w} vs {g}");
        }
    }

    #[test]
    fn routed_circuits_give_the_same_counts_and_use_only_coupled_pairs() {
        let ring: Vec<(usize, usize)> = (0..8).map(|q| (q, (q + 1) % 8)).collect();
        let maps = [
            line(7),
            CouplingMap::new(8, &ring).unwrap(),
            heavy_hex_27(),
            square(3, 3),
        ];
        let options = RouteOptions {
            trials: 4,
            ..RouteOptions::default()
        };
        for (m, map) in maps.iter().enumerate() {
            for seed in 0..6 {
                let circuit = random_circuit(5, 40, seed * 7 + m as u64);
                let (routed, optimised) = route_with(&circuit, map, &options).unwrap();
                for (what, program) in [("routed", &routed.circuit), ("optimised", &optimised)] {
                    let off_map = map.uncoupled_pairs(program);
                    assert!(
                        off_map.is_empty(),
                        "map {m} seed {seed} {what}: {off_map:?}"
                    );
                    assert_same_distribution(
                        &circuit,
                        program,
                        &format!("map {m} seed {seed} {what}"),
                    );
                }
                // Logical qubit j is measured into bit j, from its final physical qubit.
                for i in routed.circuit.instructions() {
                    if let Instruction::Measure { qubit, clbit } = i {
                        assert_eq!(*qubit, routed.final_layout[*clbit]);
                    }
                }
                // Without a basis the router also tries the cz and diagonal forms.
                let routed = route_in_basis_with(&circuit, map, None, &options).unwrap();
                assert!(map.uncoupled_pairs(&routed.circuit).is_empty());
                assert_same_distribution(&circuit, &routed.circuit, &format!("map {m} forms"));
                for basis in [Basis::IbmCz, Basis::IbmCx] {
                    let lowered =
                        route_in_basis_with(&circuit, map, Some(basis), &options).unwrap();
                    assert!(map.uncoupled_pairs(&lowered.circuit).is_empty());
                    assert_same_distribution(
                        &circuit,
                        &lowered.circuit,
                        &format!("map {m} {basis}"),
                    );
                }
            }
        }
    }

    #[test]
    fn routing_is_deterministic_per_seed_and_trials_only_help() {
        let map = heavy_hex_27();
        let circuit = random_circuit(7, 60, 99);
        let with = |seed, trials| RouteOptions {
            seed,
            trials,
            ..RouteOptions::default()
        };
        let (a, a_opt) = route_with(&circuit, &map, &with(3, 6)).unwrap();
        let (b, b_opt) = route_with(&circuit, &map, &with(3, 6)).unwrap();
        assert_eq!(a.circuit, b.circuit);
        assert_eq!(a_opt, b_opt);
        assert_eq!(a.initial_layout, b.initial_layout);
        // The best of 6 trials is no worse than the first trial alone.
        let (_, one) = route_with(&circuit, &map, &with(3, 1)).unwrap();
        let count = |c: &Circuit| CircuitStats::of(c).two_qubit_gates;
        assert!(
            count(&a_opt) <= count(&one),
            "{} > {}",
            count(&a_opt),
            count(&one)
        );
    }

    #[test]
    fn cnots_sharing_a_control_are_reordered_to_save_swaps() {
        // The ancilla talks to six qubits twice, in an order that fights a line; the CNOTs
        // commute, so walking the ancilla once along the line suffices.
        let mut star = Circuit::new(7, 1);
        for round in 0..2 {
            for t in [3, 1, 6, 2, 5, 4] {
                star.push_gate(GateOp::cx(0, t)).unwrap();
            }
            if round == 0 {
                star.push_gate(GateOp::rotation(Gate::Rx, Angle::constant(0.3), 0))
                    .unwrap();
            }
        }
        star.push_measure(0, 0).unwrap();
        let routed = route(&star, &line(7)).unwrap();
        assert!(line(7).uncoupled_pairs(&routed.circuit).is_empty());
        assert_same_distribution(&star, &routed.circuit, "star");
        // Each round needs at most 5 SWAPs when the ancilla walks the line.
        assert!(routed.swaps <= 10, "{} swaps", routed.swaps);
    }

    #[test]
    fn a_chain_that_embeds_in_heavy_hex_needs_no_swaps() {
        // A 12-qubit chain fits the heavy-hex graph's 12-qubit rings.
        let mut chain = Circuit::new(12, 0);
        for q in [5, 2, 9, 0, 7, 3, 10, 1, 8, 4, 6] {
            chain.push_gate(GateOp::cx(q, q + 1)).unwrap();
        }
        let options = RouteOptions {
            spare_qubits: None,
            ..RouteOptions::default()
        };
        let (routed, _) = route_with(&chain, &heavy_hex_27(), &options).unwrap();
        assert_eq!(routed.swaps, 0);
        assert!(heavy_hex_27().uncoupled_pairs(&routed.circuit).is_empty());
    }

    /// The shipped 127-qubit Eagle device (its coupling map).
    fn eagle() -> CouplingMap {
        let text = include_str!("../../../circuits/devices/ibm_eagle_127_cz.json");
        crate::target::Target::from_json_text(text, "ibm_eagle_127_cz.json")
            .unwrap()
            .map
    }

    #[test]
    fn a_ring_that_embeds_away_from_the_low_corner_needs_no_swaps() {
        // Eagle's lowest-numbered qubits are a line with stubs; its first 12-qubit ring reaches
        // qubit 22, past the default margin of 6 spare qubits. The graph state of a 12-ring,
        // its cz gates in a scrambled order, embeds there.
        let map = eagle();
        let mut ring = Circuit::new(12, 12);
        for q in 0..12 {
            ring.push_gate(GateOp::fixed(Gate::H, &[q])).unwrap();
        }
        for q in [3, 7, 0, 10, 5, 1, 8, 11, 2, 6, 9, 4] {
            ring.push_gate(GateOp::fixed(Gate::Z, &[(q + 1) % 12]).controlled_by(Control::on(q)))
                .unwrap();
        }
        for q in 0..12 {
            ring.push_gate(GateOp::rotation(
                Gate::Ry,
                Angle::constant(0.1 * q as f64 + 0.2),
                q,
            ))
            .unwrap();
            ring.push_measure(q, q).unwrap();
        }
        let routed = route_in_basis(&ring, &map, Some(Basis::IbmCz)).unwrap();
        assert_eq!(routed.swaps, 0);
        assert!(map.uncoupled_pairs(&routed.circuit).is_empty());
        assert_eq!(CircuitStats::of(&routed.circuit).two_qubit_gates, 12);
        // Logical neighbours on the ring sit on coupled physical qubits.
        for q in 0..12 {
            let (a, b) = (
                routed.initial_layout[q],
                routed.initial_layout[(q + 1) % 12],
            );
            assert!(map.coupled(a, b), "{q}: {a}–{b}");
        }
    }

    #[test]
    fn trials_route_in_the_low_corner_and_in_a_compact_patch() {
        let map = eagle();
        let (component, regions) = layout::regions(&map, 12, Some(6)).unwrap();
        assert!(component.iter().all(|&c| c));
        assert_eq!(regions.len(), 2);
        let members = |r: &[bool]| (0..127).filter(|&q| r[q]).collect::<Vec<usize>>();
        let (low, patch) = (members(&regions[0]), members(&regions[1]));
        assert_eq!(low, (0..18).collect::<Vec<_>>());
        assert_eq!(patch.len(), 18);
        assert!(
            layout::spread(&map, &patch) < layout::spread(&map, &low),
            "{patch:?}"
        );
        // The patch is connected: its largest connected part is all of it.
        assert_eq!(layout::largest_part(&map, |q| regions[1][q]).1, 18);
        // A device no larger than the circuit with its margin is one region.
        let (_, whole) = layout::regions(&line(16), 12, Some(6)).unwrap();
        assert_eq!(whole, vec![vec![true; 16]]);
        let (_, all) = layout::regions(&map, 12, None).unwrap();
        assert_eq!(all.len(), 1);
    }

    #[test]
    fn error_rates_steer_the_layout_to_good_pairs() {
        let map = line(6);
        let mut options = RouteOptions {
            trials: 4,
            ..RouteOptions::default()
        };
        for (a, b) in [(0, 1), (1, 2), (3, 4), (4, 5)] {
            options.edge_errors.insert((a, b), 0.2);
        }
        options.edge_errors.insert((2, 3), 0.001);
        let mut c = Circuit::new(2, 2);
        c.push_gate(GateOp::cx(0, 1)).unwrap();
        c.push_gate(GateOp::cx(1, 0)).unwrap();
        c.push_measure(0, 0).unwrap();
        c.push_measure(1, 1).unwrap();
        let (routed, _) = route_with(&c, &map, &options).unwrap();
        let mut placed = routed.initial_layout.clone();
        placed.sort_unstable();
        assert_eq!(placed, vec![2, 3]);
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
