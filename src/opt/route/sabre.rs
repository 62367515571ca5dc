//! One SABRE routing pass (Li, Ding and Xie 2019, with the refinements of Qiskit's LightSABRE,
//! arXiv 2409.08368): the instructions form a dependency graph; the *front layer* holds the
//! two-qubit gates whose predecessors have all run but whose qubits are not coupled. While it is
//! not empty, the pass inserts the SWAP (on an edge touching a front-layer qubit) that minimises
//!
//! H = max(decay[p], decay[q]) · (Σ_front d / |F| + W · Σ_extended d / |E|),
//!
//! where d is the distance between a gate's two physical qubits after the SWAP, the *extended
//! set* holds the next [`EXTENDED_SET_SIZE`] two-qubit gates behind the front layer, and the
//! decay of a qubit grows with each SWAP on it (so the pass prefers SWAPs that can run in
//! parallel) and is reset after every [`DECAY_RESET`] SWAPs or a routed gate. Ties are broken
//! by the pass's seeded random stream. When [`RELEASE_VALVE`] SWAPs in a row route no gate,
//! the *release valve* walks the closest front-layer pair together along a shortest path, so
//! the pass always ends.

use super::CouplingMap;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Two-qubit gates in the lookahead window behind the front layer.
const EXTENDED_SET_SIZE: usize = 20;
/// Weight of the extended set against the front layer.
const EXTENDED_SET_WEIGHT: f64 = 0.5;
/// Decay added to a qubit by each SWAP on it.
const DECAY_RATE: f64 = 0.001;
/// SWAPs after which every decay returns to 1.
const DECAY_RESET: usize = 5;
/// Factor on the cost of a SWAP that directly follows a two-qubit gate on the same pair: the
/// two merge into two CNOTs, so the SWAP costs one CNOT where others cost three. (0.97 did best
/// among 1.0, 0.999, 0.97, 0.9, 0.7 and 0.5 on the paper layers with ten MQT Bench circuits on
/// heavy-hex 27, a line and a square lattice, one run each: docs/performance.md "Routing".)
const MERGE_DISCOUNT: f64 = 0.97;
/// A cost of using a coupled pair of physical qubits (its two-qubit gate's −ln fidelity).
pub(super) type PairCost<'a> = &'a dyn Fn(usize, usize) -> f64;

/// SWAPs without a routed gate after which the release valve opens.
const RELEASE_VALVE: usize = 30;

/// How an instruction acts on one of its wires: gates diagonal in the same basis on a wire
/// (for instance CNOTs sharing a control, or sharing a target) commute there, so the router
/// may run them in either order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    /// Diagonal in the computational basis (a control, rz, cz's qubits, …).
    Z,
    /// Diagonal in the X basis (a CNOT's target, rx, sx, x).
    X,
    /// Anything else: ordered against every other instruction on the wire.
    Other,
}

/// One instruction as the router sees it: its logical wires (qubits, then classical bits
/// numbered after the qubits) with its role on each and, for a two-qubit gate, its pair of
/// logical qubits.
#[derive(Clone, Debug)]
pub(super) struct Node {
    /// Wires the instruction orders against (qubits and classical bits), and how it acts there.
    pub wires: Vec<(usize, Role)>,
    /// The logical qubits of a two-qubit gate.
    pub pair: Option<(usize, usize)>,
}

/// What a pass emits, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Step {
    /// Instruction `k` of the input, on the layout current at this point.
    Node(usize),
    /// A SWAP of two coupled physical qubits.
    Swap(usize, usize),
}

/// The result of one pass.
pub(super) struct Pass {
    /// Instructions and SWAPs in order.
    pub steps: Vec<Step>,
    /// Physical qubit of each logical qubit at the end.
    pub final_layout: Vec<usize>,
    /// SWAPs inserted.
    pub swaps: usize,
}

/// Dependency graph of the nodes: successors and the number of predecessors.
struct Dependencies {
    successors: Vec<Vec<usize>>,
    predecessors: Vec<usize>,
}

/// The instructions on one wire since the last change of role: a group that commutes there
/// (only one member for [`Role::Other`]), and the group before it.
#[derive(Default)]
struct Wire {
    role: Option<Role>,
    current: Vec<usize>,
    previous: Vec<usize>,
}

impl Dependencies {
    /// The commutation-aware dependency graph: an instruction follows the previous group on
    /// each wire where it shares the current group's role, else the current group.
    fn of(nodes: &[Node], num_wires: usize) -> Dependencies {
        let mut wires: Vec<Wire> = (0..num_wires).map(|_| Wire::default()).collect();
        let mut successors = vec![Vec::new(); nodes.len()];
        let mut predecessors = vec![0; nodes.len()];
        for (k, node) in nodes.iter().enumerate() {
            let mut before: Vec<usize> = Vec::new();
            for &(w, role) in &node.wires {
                let wire = &mut wires[w];
                if role != Role::Other && wire.role == Some(role) {
                    before.extend(&wire.previous);
                    wire.current.push(k);
                } else {
                    before.extend(&wire.current);
                    wire.previous = std::mem::replace(&mut wire.current, vec![k]);
                    wire.role = (role != Role::Other).then_some(role);
                }
            }
            before.sort_unstable();
            before.dedup();
            for &b in &before {
                successors[b].push(k);
            }
            predecessors[k] = before.len();
        }
        Dependencies {
            successors,
            predecessors,
        }
    }
}

/// Routes `nodes` (over `num_wires` wires, the first `layout.len()` of them qubits) from
/// `layout` (logical → physical; every physical qubit in `allowed` may hold a logical one or
/// none). SWAPs use only edges between qubits of `allowed`.
pub(super) fn route_pass(
    nodes: &[Node],
    num_wires: usize,
    map: &CouplingMap,
    allowed: &[bool],
    mut layout: Vec<usize>,
    swap_cost: Option<PairCost>,
    rng: &mut ChaCha8Rng,
) -> Pass {
    let deps = Dependencies::of(nodes, num_wires);
    let mut remaining = deps.predecessors.clone();
    let mut holder: Vec<Option<usize>> = vec![None; map.num_qubits()];
    for (logical, &physical) in layout.iter().enumerate() {
        holder[physical] = Some(logical);
    }
    let mut steps = Vec::with_capacity(nodes.len());
    let mut ready: Vec<usize> = (0..nodes.len()).filter(|&k| remaining[k] == 0).collect();
    ready.reverse();
    let mut front: Vec<usize> = Vec::new();
    let mut decay = vec![1.0; map.num_qubits()];
    // The last two-qubit gate run on each logical qubit: a SWAP right after a gate on the same
    // pair merges with it.
    let mut last_pair: Vec<Option<usize>> = vec![None; layout.len()];
    let (mut swaps, mut since_progress, mut since_reset) = (0, 0, 0);
    loop {
        // Run everything that can run; blocked two-qubit gates wait in the front layer.
        let mut progressed = false;
        loop {
            let mut moved = false;
            let mut k = 0;
            while k < front.len() {
                let (a, b) = nodes[front[k]].pair.expect("front nodes are pairs");
                if map.coupled(layout[a], layout[b]) {
                    ready.push(front.swap_remove(k));
                    moved = true;
                } else {
                    k += 1;
                }
            }
            while let Some(k) = ready.pop() {
                if let Some((a, b)) = nodes[k].pair
                    && !map.coupled(layout[a], layout[b])
                {
                    front.push(k);
                    continue;
                }
                steps.push(Step::Node(k));
                if let Some((a, b)) = nodes[k].pair {
                    last_pair[a] = Some(k);
                    last_pair[b] = Some(k);
                }
                progressed = true;
                moved = true;
                for &s in deps.successors[k].iter().rev() {
                    remaining[s] -= 1;
                    if remaining[s] == 0 {
                        ready.push(s);
                    }
                }
            }
            if !moved {
                break;
            }
        }
        if front.is_empty() {
            break;
        }
        front.sort_unstable();
        if progressed {
            since_progress = 0;
            decay.fill(1.0);
            since_reset = 0;
        }
        if since_progress >= RELEASE_VALVE {
            // Walk the closest pair together.
            let &k = front
                .iter()
                .min_by_key(|&&k| {
                    let (a, b) = nodes[k].pair.expect("front nodes are pairs");
                    (map.distance(layout[a], layout[b]), k)
                })
                .expect("the front layer is not empty");
            let (a, b) = nodes[k].pair.expect("front nodes are pairs");
            let path = map.path(layout[a], layout[b]);
            for w in path[..path.len() - 1].windows(2) {
                for physical in [w[0], w[1]] {
                    if let Some(logical) = holder[physical] {
                        last_pair[logical] = None;
                    }
                }
                apply_swap(w[0], w[1], &mut layout, &mut holder);
                steps.push(Step::Swap(w[0], w[1]));
                swaps += 1;
            }
            since_progress = 0;
            decay.fill(1.0);
            continue;
        }
        let extended = extended_set(nodes, &deps, &front, &remaining);
        let merges = |p: usize, q: usize| match (holder[p], holder[q]) {
            (Some(a), Some(b)) => last_pair[a].is_some() && last_pair[a] == last_pair[b],
            _ => false,
        };
        let Some((p, q)) = best_swap(
            nodes,
            (&front, &extended),
            map,
            allowed,
            (&layout, &holder),
            &decay,
            (&merges, swap_cost),
            rng,
        ) else {
            // No usable SWAP touches the front layer: the release valve walks a pair together.
            since_progress = RELEASE_VALVE;
            continue;
        };
        for physical in [p, q] {
            if let Some(logical) = holder[physical] {
                last_pair[logical] = None;
            }
        }
        apply_swap(p, q, &mut layout, &mut holder);
        steps.push(Step::Swap(p, q));
        swaps += 1;
        since_progress += 1;
        decay[p] += DECAY_RATE;
        decay[q] += DECAY_RATE;
        since_reset += 1;
        if since_reset >= DECAY_RESET {
            decay.fill(1.0);
            since_reset = 0;
        }
    }
    Pass {
        steps,
        final_layout: layout,
        swaps,
    }
}

/// The next two-qubit gates behind the front layer, breadth first.
fn extended_set(
    nodes: &[Node],
    deps: &Dependencies,
    front: &[usize],
    remaining: &[usize],
) -> Vec<(usize, usize)> {
    let mut seen_count = std::collections::HashMap::new();
    let mut queue: std::collections::VecDeque<usize> = front.iter().copied().collect();
    let mut out = Vec::new();
    while let Some(k) = queue.pop_front() {
        for &s in &deps.successors[k] {
            // A successor enters once all its unresolved predecessors have been seen.
            let seen = seen_count.entry(s).or_insert(0usize);
            *seen += 1;
            if *seen < remaining[s] {
                continue;
            }
            if let Some(pair) = nodes[s].pair {
                out.push(pair);
                if out.len() >= EXTENDED_SET_SIZE {
                    return out;
                }
            }
            queue.push_back(s);
        }
    }
    out
}

/// The SWAP of least heuristic cost among usable edges touching a front-layer qubit (ties
/// broken at random; `None` when there is none): a SWAP that `merges` with the gate just run on its pair has its cost scaled by
/// [`MERGE_DISCOUNT`], and with a `swap_cost` (the edge's −ln fidelity) by 1 + that cost.
#[allow(clippy::too_many_arguments)]
fn best_swap(
    nodes: &[Node],
    (front, extended): (&[usize], &[(usize, usize)]),
    map: &CouplingMap,
    allowed: &[bool],
    (layout, holder): (&[usize], &[Option<usize>]),
    decay: &[f64],
    (merges, swap_cost): (&dyn Fn(usize, usize) -> bool, Option<PairCost>),
    rng: &mut ChaCha8Rng,
) -> Option<(usize, usize)> {
    let mut candidates: Vec<(usize, usize)> = Vec::new();
    for &k in front {
        let (a, b) = nodes[k].pair.expect("front nodes are pairs");
        for p in [layout[a], layout[b]] {
            for n in map.neighbours(p) {
                if allowed[n] {
                    candidates.push((p.min(n), p.max(n)));
                }
            }
        }
    }
    candidates.sort_unstable();
    candidates.dedup();
    let front_pairs: Vec<(usize, usize)> = front
        .iter()
        .map(|&k| nodes[k].pair.expect("front nodes are pairs"))
        .collect();
    let moved = |phys: usize, p: usize, q: usize| {
        if phys == p {
            q
        } else if phys == q {
            p
        } else {
            phys
        }
    };
    let cost = |pairs: &[(usize, usize)], p: usize, q: usize| -> f64 {
        pairs
            .iter()
            .map(|&(a, b)| map.distance(moved(layout[a], p, q), moved(layout[b], p, q)) as f64)
            .sum()
    };
    let mut best: Vec<(usize, usize)> = Vec::new();
    let mut best_score = f64::INFINITY;
    for &(p, q) in &candidates {
        // A swap of two empty qubits changes nothing.
        if holder[p].is_none() && holder[q].is_none() {
            continue;
        }
        let mut score = cost(&front_pairs, p, q) / front_pairs.len() as f64;
        if !extended.is_empty() {
            score += EXTENDED_SET_WEIGHT * cost(extended, p, q) / extended.len() as f64;
        }
        score *= decay[p].max(decay[q]);
        if merges(p, q) {
            score *= MERGE_DISCOUNT;
        }
        if let Some(cost) = swap_cost {
            score *= 1.0 + cost(p, q);
        }
        if score < best_score - 1e-10 {
            best_score = score;
            best.clear();
            best.push((p, q));
        } else if score <= best_score + 1e-10 {
            best.push((p, q));
        }
    }
    (!best.is_empty()).then(|| best[rng.random_range(0..best.len())])
}

/// Exchanges what physical qubits `p` and `q` hold.
pub(super) fn apply_swap(p: usize, q: usize, layout: &mut [usize], holder: &mut [Option<usize>]) {
    holder.swap(p, q);
    for physical in [p, q] {
        if let Some(logical) = holder[physical] {
            layout[logical] = physical;
        }
    }
}
