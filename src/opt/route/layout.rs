//! Initial layouts: where the logical qubits start on the device before the layout passes
//! refine them.

use super::{CouplingMap, RouteError};
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;

/// The largest connected part of the qubits for which `inside` holds (lowest qubit first on
/// ties): membership and size.
pub(super) fn largest_part(
    map: &CouplingMap,
    inside: impl Fn(usize) -> bool,
) -> (Vec<bool>, usize) {
    let mut part = vec![usize::MAX; map.num_qubits()];
    let mut best: Option<(usize, usize)> = None; // (size, first qubit)
    for start in (0..map.num_qubits()).filter(|&q| inside(q)) {
        if part[start] != usize::MAX {
            continue;
        }
        part[start] = start;
        let mut queue = VecDeque::from([start]);
        let mut size = 0;
        while let Some(q) = queue.pop_front() {
            size += 1;
            for n in map.neighbours(q) {
                if inside(n) && part[n] == usize::MAX {
                    part[n] = start;
                    queue.push_back(n);
                }
            }
        }
        if best.is_none_or(|(s, _)| size > s) {
            best = Some((size, start));
        }
    }
    let (size, id) = best.unwrap_or((0, usize::MAX));
    (part.iter().map(|&p| p == id).collect(), size)
}

/// The device's largest connected part (which must hold all `n` logical qubits) and the
/// connected sets of physical qubits the trials route within: the whole part when `spare` is
/// `None` or the part has no more than `n + spare` qubits; else the connected set of `n +
/// spare` qubits among the lowest-numbered ones (which keeps the routed program narrow: its
/// width is its highest physical qubit + 1) and, unless it overlaps that set by more than three
/// quarters, the most compact set of that size that a breadth-first search from some qubit
/// reaches first (least sum of distances between its qubits, then the lowest highest qubit).
/// On a device numbered in rows, like IBM's Eagle, the lowest-numbered qubits form a line with
/// stubs; some circuits route better on a line (an ancilla walking past its partners, dj), others
/// on a compact patch (all-to-all interactions, qft).
pub(super) fn regions(
    map: &CouplingMap,
    n: usize,
    spare: Option<usize>,
) -> Result<(Vec<bool>, Vec<Vec<bool>>), RouteError> {
    if n == 0 {
        let all = vec![true; map.num_qubits()];
        return Ok((all.clone(), vec![all]));
    }
    let (component, size) = largest_part(map, |_| true);
    if size < n {
        return Err(RouteError::Disconnected(n));
    }
    let want = match spare {
        Some(spare) if n.saturating_add(spare) < size => n + spare,
        _ => return Ok((component.clone(), vec![component])),
    };
    let lowest = (want..map.num_qubits())
        .map(|k| largest_part(map, |q| q < k && component[q]))
        .find(|&(_, got)| got >= want)
        .map_or_else(|| component.clone(), |(region, _)| region);
    let compact = (0..map.num_qubits())
        .filter(|&q| component[q])
        .map(|centre| {
            let mut ball: Vec<usize> = bfs_order(map, centre, &component, |_| 0.0);
            ball.truncate(want);
            ball.sort_unstable();
            ball
        })
        .min_by_key(|ball| (spread(map, ball), ball.last().copied()))
        .expect("the component holds the circuit");
    let shared = compact.iter().filter(|&&q| lowest[q]).count();
    let mut regions = vec![lowest];
    if 4 * shared <= 3 * want {
        let mut region = vec![false; map.num_qubits()];
        compact.iter().for_each(|&q| region[q] = true);
        regions.push(region);
    }
    Ok((component, regions))
}

/// The sum of the distances between every ordered pair of `qubits` on the device: how compact a
/// set of physical qubits is.
pub(super) fn spread(map: &CouplingMap, qubits: &[usize]) -> usize {
    qubits
        .iter()
        .map(|&a| qubits.iter().map(|&b| map.distance(a, b)).sum::<usize>())
        .sum()
}

/// The `allowed` qubits in the order a breadth-first search from `start` through them reaches
/// them, neighbours taken in increasing `weight` (then index).
fn bfs_order(
    map: &CouplingMap,
    start: usize,
    allowed: &[bool],
    weight: impl Fn((usize, usize)) -> f64,
) -> Vec<usize> {
    let mut seen = vec![false; map.num_qubits()];
    let mut order = Vec::new();
    let mut queue = VecDeque::from([start]);
    seen[start] = true;
    while let Some(q) = queue.pop_front() {
        order.push(q);
        let mut next: Vec<usize> = map.neighbours(q).collect();
        next.sort_by(|&a, &b| weight((q, a)).total_cmp(&weight((q, b))).then(a.cmp(&b)));
        for n in next {
            if allowed[n] && !seen[n] {
                seen[n] = true;
                queue.push_back(n);
            }
        }
    }
    order
}

/// The busiest logical qubit (most two-qubit partners) on the usable qubit of highest degree
/// (of least mean error when `qubit_cost` is given), the others in decreasing partner count on
/// the qubits a breadth-first search from there reaches first (cheapest edges first).
pub(super) fn dense_layout(
    pairs: &[(usize, usize)],
    n: usize,
    map: &CouplingMap,
    allowed: &[bool],
    qubit_cost: Option<&dyn Fn(usize) -> f64>,
    edge_cost: &dyn Fn((usize, usize)) -> f64,
) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let mut partners = vec![std::collections::BTreeSet::new(); n];
    for &(a, b) in pairs {
        partners[a].insert(b);
        partners[b].insert(a);
    }
    let mut logical: Vec<usize> = (0..n).collect();
    logical.sort_by_key(|&q| (std::cmp::Reverse(partners[q].len()), q));
    let usable = (0..map.num_qubits()).filter(|&q| allowed[q]);
    let root = match qubit_cost {
        Some(cost) => usable.min_by(|&a, &b| cost(a).total_cmp(&cost(b)).then(a.cmp(&b))),
        None => usable.max_by_key(|&q| (map.degree(q), std::cmp::Reverse(q))),
    }
    .expect("the usable part holds the circuit");
    let order = bfs_order(map, root, allowed, edge_cost);
    let mut layout = vec![0; n];
    for (&l, &p) in logical.iter().zip(&order) {
        layout[l] = p;
    }
    layout
}

/// `n` distinct usable qubits in random order.
pub(super) fn random_layout(n: usize, allowed: &[bool], rng: &mut ChaCha8Rng) -> Vec<usize> {
    let mut usable: Vec<usize> = (0..allowed.len()).filter(|&q| allowed[q]).collect();
    usable.shuffle(rng);
    usable.truncate(n);
    usable
}

/// A cost of a layout (logical → physical qubits), e.g. the −ln fidelity of its gates.
pub(super) type LayoutCost<'a> = &'a dyn Fn(&[usize]) -> f64;

/// Search steps [`perfect_layout`] may take before it gives up.
const PERFECT_LAYOUT_BUDGET: usize = 200_000;

/// SWAP-free layouts [`perfect_layout`] compares when it has a cost to minimise.
const PERFECT_LAYOUT_CANDIDATES: usize = 256;

/// A layout on which every pair in `pairs` is coupled (so routing needs no SWAP), found by a
/// bounded backtracking search over the usable qubits in the manner of VF2 (`None` when there is
/// none or the search runs out of steps): logical qubits are placed in breadth-first order of
/// the interaction graph, each next to the places of its placed partners. With a `cost` (the
/// noise of a layout), the cheapest of the first [`PERFECT_LAYOUT_CANDIDATES`] found is kept,
/// as Qiskit's VF2PostLayout does; without one, the first.
pub(super) fn perfect_layout(
    pairs: &[(usize, usize)],
    n: usize,
    map: &CouplingMap,
    allowed: &[bool],
    cost: Option<LayoutCost>,
) -> Option<Vec<usize>> {
    let mut partners = vec![Vec::new(); n];
    for &(a, b) in pairs {
        if !partners[a].contains(&b) {
            partners[a].push(b);
            partners[b].push(a);
        }
    }
    // Placement order: breadth first from the busiest qubit of each connected part.
    let mut order = Vec::with_capacity(n);
    let mut seen = vec![false; n];
    let mut by_degree: Vec<usize> = (0..n).collect();
    by_degree.sort_by_key(|&q| (std::cmp::Reverse(partners[q].len()), q));
    for &root in &by_degree {
        if seen[root] {
            continue;
        }
        seen[root] = true;
        let mut queue = VecDeque::from([root]);
        while let Some(q) = queue.pop_front() {
            order.push(q);
            let mut next = partners[q].clone();
            next.sort_by_key(|&p| (std::cmp::Reverse(partners[p].len()), p));
            for p in next {
                if !seen[p] {
                    seen[p] = true;
                    queue.push_back(p);
                }
            }
        }
    }
    let mut search = Search {
        order: &order,
        partners: &partners,
        map,
        allowed,
        layout: vec![usize::MAX; n],
        used: vec![false; map.num_qubits()],
        budget: PERFECT_LAYOUT_BUDGET,
        wanted: if cost.is_some() {
            PERFECT_LAYOUT_CANDIDATES
        } else {
            1
        },
        found: Vec::new(),
    };
    search.place(0);
    let cost = cost.unwrap_or(&|_| 0.0);
    search
        .found
        .into_iter()
        .map(|layout| (cost(&layout), layout))
        .min_by(|x, y| x.0.total_cmp(&y.0))
        .map(|(_, layout)| layout)
}

/// The state of [`perfect_layout`]'s backtracking search.
struct Search<'a> {
    order: &'a [usize],
    partners: &'a [Vec<usize>],
    map: &'a CouplingMap,
    allowed: &'a [bool],
    /// Physical qubit of each placed logical qubit (`usize::MAX`: not yet placed).
    layout: Vec<usize>,
    used: Vec<bool>,
    /// Placements left to try.
    budget: usize,
    /// Complete layouts to collect before stopping.
    wanted: usize,
    found: Vec<Vec<usize>>,
}

impl Search<'_> {
    /// Places `order[k..]`; true when the search should stop (enough found or out of budget).
    fn place(&mut self, k: usize) -> bool {
        let Some(&q) = self.order.get(k) else {
            self.found.push(self.layout.clone());
            return self.found.len() >= self.wanted;
        };
        let placed: Vec<usize> = self.partners[q]
            .iter()
            .map(|&p| self.layout[p])
            .filter(|&p| p != usize::MAX)
            .collect();
        let candidates: Vec<usize> = match placed.first() {
            Some(&anchor) => self.map.neighbours(anchor).collect(),
            None => (0..self.map.num_qubits()).collect(),
        };
        let mut candidates: Vec<usize> = candidates
            .into_iter()
            .filter(|&c| {
                self.allowed[c] && !self.used[c] && self.map.degree(c) >= self.partners[q].len()
            })
            .filter(|&c| placed.iter().all(|&p| self.map.coupled(p, c)))
            .collect();
        candidates.sort_by_key(|&c| (std::cmp::Reverse(self.map.degree(c)), c));
        for c in candidates {
            if self.budget == 0 {
                return true;
            }
            self.budget -= 1;
            self.layout[q] = c;
            self.used[c] = true;
            let stop = self.place(k + 1);
            self.layout[q] = usize::MAX;
            self.used[c] = false;
            if stop {
                return true;
            }
        }
        false
    }
}
