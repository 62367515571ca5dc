//! Whether the aromatic atoms written so far can still be kekulised: every aromatic atom that
//! can take no more bonds and needs a double bond (see [`AtomCaps::needs_double`]) must get
//! one, on an aromatic bond, to a neighbour that needs one too or may still take one.
//!
//! [`AtomCaps::needs_double`]: super::atoms::AtomCaps::needs_double

/// An atom's part in the matching.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Role {
    /// Takes no double bond (not aromatic, saturated, or needing none and finished).
    Excluded,
    /// Finished, and needs a double bond: must be matched.
    Must,
    /// Still open (more bonds may come): may be matched.
    May,
}

/// True when a matching on the aromatic `bonds` (pairs of atom indices) covers every
/// [`Role::Must`] atom, using only [`Role::Must`] and [`Role::May`] atoms, each at most once.
/// An exhaustive search: aromatic systems of a partial SMILES have a few dozen atoms at most.
pub(super) fn kekulisable(roles: &[Role], bonds: &[(usize, usize)]) -> bool {
    let must: Vec<usize> = (0..roles.len())
        .filter(|&i| roles[i] == Role::Must)
        .collect();
    if must.is_empty() {
        return true;
    }
    let mut neighbours = vec![Vec::new(); roles.len()];
    for &(a, b) in bonds {
        if roles[a] != Role::Excluded && roles[b] != Role::Excluded {
            neighbours[a].push(b);
            neighbours[b].push(a);
        }
    }
    let mut matched = vec![false; roles.len()];
    cover(&must, &neighbours, &mut matched)
}

/// Matches the first unmatched atom of `must` to each free neighbour in turn and recurses.
fn cover(must: &[usize], neighbours: &[Vec<usize>], matched: &mut [bool]) -> bool {
    let Some(position) = must.iter().position(|&a| !matched[a]) else {
        return true;
    };
    let atom = must[position];
    matched[atom] = true;
    for &partner in &neighbours[atom] {
        if !matched[partner] {
            matched[partner] = true;
            if cover(&must[position + 1..], neighbours, matched) {
                return true;
            }
            matched[partner] = false;
        }
    }
    matched[atom] = false;
    false
}

#[cfg(test)]
mod tests {
    use super::Role::{Excluded, May, Must};
    use super::*;

    fn ring(n: usize) -> Vec<(usize, usize)> {
        (0..n).map(|i| (i, (i + 1) % n)).collect()
    }

    #[test]
    fn even_rings_kekulise_and_odd_ones_need_a_lone_pair() {
        assert!(kekulisable(&[Must; 6], &ring(6)));
        assert!(!kekulisable(&[Must; 5], &ring(5)));
        // Pyrrole: the [nH] takes no double bond.
        assert!(kekulisable(&[Excluded, Must, Must, Must, Must], &ring(5)));
        // An atom still open may take the double bond an odd ring leaves over.
        assert!(kekulisable(&[May, Must, Must, Must, Must], &ring(5)));
        assert!(!kekulisable(
            &[Excluded, Excluded, Must, Must, Must],
            &ring(5)
        ));
    }

    #[test]
    fn a_must_atom_only_pairs_along_aromatic_bonds() {
        assert!(!kekulisable(&[Must, Must, Must], &[(0, 1)]));
        assert!(kekulisable(&[Must, Must, May], &[(0, 1), (1, 2)]));
        // Naphthalene: ten atoms, eleven bonds.
        let mut bonds = ring(6);
        bonds.extend([(5, 6), (6, 7), (7, 8), (8, 9), (9, 4)]);
        assert!(kekulisable(&[Must; 10], &bonds));
    }
}
