//! Qiskit's two-qubit entanglement patterns (`qiskit.circuit.library.n_local`), plus the paper's
//! ring, as lists of `(first, second)` register-local qubit pairs for repetition `rep`.

/// Which pairs of qubits an entangling layer acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entanglement {
    /// Every pair (i, j), i < j, in lexicographic order.
    Full,
    /// (0,1)(1,2)…(n−2,n−1).
    Linear,
    /// Linear, last pair first.
    ReverseLinear,
    /// (n−1,0) first, then linear (equal to linear for n = 2).
    Circular,
    /// (0,1)(2,3)… then (1,2)(3,4)….
    Pairwise,
    /// Shifted circular alternating: circular rotated by repetition, pairs reversed on odd ones.
    Sca,
    /// The paper's ring: linear, then (n−1, 0) last (two pairs for n = 2).
    Ring,
    /// The pairs as written.
    Explicit(Vec<(usize, usize)>),
}

/// The pattern names accepted in a spec, in the order error messages list them.
pub const PATTERN_NAMES: [&str; 7] = [
    "full",
    "linear",
    "reverse_linear",
    "circular",
    "pairwise",
    "sca",
    "ring",
];

impl Entanglement {
    /// The named pattern, or `None` for an unknown name.
    pub fn from_name(name: &str) -> Option<Entanglement> {
        Some(match name {
            "full" => Entanglement::Full,
            "linear" => Entanglement::Linear,
            "reverse_linear" => Entanglement::ReverseLinear,
            "circular" => Entanglement::Circular,
            "pairwise" => Entanglement::Pairwise,
            "sca" => Entanglement::Sca,
            "ring" => Entanglement::Ring,
            _ => return None,
        })
    }

    /// The pairs of repetition `rep` (0-based) on `n` qubits.
    pub fn pairs(&self, n: usize, rep: usize) -> Vec<(usize, usize)> {
        let linear = || (0..n.saturating_sub(1)).map(|q| (q, q + 1));
        let circular = || -> Vec<(usize, usize)> {
            if n > 2 {
                std::iter::once((n - 1, 0)).chain(linear()).collect()
            } else {
                linear().collect()
            }
        };
        match self {
            Entanglement::Full => (0..n)
                .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
                .collect(),
            Entanglement::Linear => linear().collect(),
            Entanglement::ReverseLinear => linear().rev().collect(),
            Entanglement::Circular => circular(),
            Entanglement::Pairwise => linear()
                .step_by(2)
                .chain(linear().skip(1).step_by(2))
                .collect(),
            Entanglement::Sca => {
                let pairs = circular();
                if pairs.is_empty() {
                    return pairs;
                }
                let start = (n - rep % n) % n % pairs.len();
                let rotated = pairs[start..].iter().chain(&pairs[..start]);
                rotated
                    .map(|&(a, b)| if rep % 2 == 1 { (b, a) } else { (a, b) })
                    .collect()
            }
            Entanglement::Ring if n >= 2 => linear().chain(std::iter::once((n - 1, 0))).collect(),
            Entanglement::Ring => Vec::new(),
            Entanglement::Explicit(pairs) => pairs.clone(),
        }
    }

    /// The largest qubit index the pattern names plus one (0 for the named patterns, which fit
    /// any register of at least two qubits).
    pub fn qubits_needed(&self) -> usize {
        match self {
            Entanglement::Explicit(pairs) => {
                pairs.iter().map(|&(a, b)| a.max(b) + 1).max().unwrap_or(0)
            }
            _ => 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qiskit_pairs_on_four_qubits() {
        let n = 4;
        assert_eq!(
            Entanglement::Full.pairs(n, 0),
            [(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)]
        );
        assert_eq!(
            Entanglement::ReverseLinear.pairs(n, 0),
            [(2, 3), (1, 2), (0, 1)]
        );
        assert_eq!(
            Entanglement::Circular.pairs(n, 0),
            [(3, 0), (0, 1), (1, 2), (2, 3)]
        );
        assert_eq!(Entanglement::Circular.pairs(2, 0), [(0, 1)]);
        assert_eq!(Entanglement::Pairwise.pairs(n, 0), [(0, 1), (2, 3), (1, 2)]);
        assert_eq!(
            Entanglement::Sca.pairs(n, 1),
            [(3, 2), (0, 3), (1, 0), (2, 1)]
        );
        assert_eq!(Entanglement::Sca.pairs(2, 1), [(1, 0)]);
        assert_eq!(Entanglement::Ring.pairs(3, 0), [(0, 1), (1, 2), (2, 0)]);
        assert_eq!(Entanglement::Ring.pairs(2, 0), [(0, 1), (1, 0)]);
    }
}
