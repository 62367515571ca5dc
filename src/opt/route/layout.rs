//! Initial layouts: where the logical qubits start on the device before the layout passes
//! refine them.

use super::{CouplingMap, RouteError};
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use std::collections::VecDeque;

/// The largest connected part of the qubits for which `inside` holds (lowest qubit first on
/// ties): membership and size.
fn largest_part(map: &CouplingMap, inside: impl Fn(usize) -> bool) -> (Vec<bool>, usize) {
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

/// The physical qubits the router may use: within the largest connected part of the device
/// (which must hold all `n` logical qubits), with `spare` qubits beyond `n` the connected
/// group of that size found among the lowest-numbered qubits (the whole part when `None`).
pub(super) fn usable_region(
    map: &CouplingMap,
    n: usize,
    spare: Option<usize>,
) -> Result<Vec<bool>, RouteError> {
    if n == 0 {
        return Ok(vec![true; map.num_qubits()]);
    }
    let (component, size) = largest_part(map, |_| true);
    if size < n {
        return Err(RouteError::Disconnected(n));
    }
    let Some(spare) = spare else {
        return Ok(component);
    };
    let want = n.saturating_add(spare).min(size);
    for k in want..map.num_qubits() {
        let (region, got) = largest_part(map, |q| q < k && component[q]);
        if got >= want {
            return Ok(region);
        }
    }
    Ok(component)
}

/// Qubits in the order a breadth-first search from `start` reaches them, neighbours taken in
/// increasing `weight` (then index).
fn bfs_order(
    map: &CouplingMap,
    start: usize,
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
            if !seen[n] {
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
    let order = bfs_order(map, root, edge_cost);
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
