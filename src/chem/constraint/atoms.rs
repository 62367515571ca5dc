//! What an atom token can take: its valence and neighbour caps, from the element, charge and
//! explicit hydrogens of organic-subset and bracket atoms.

/// Largest valence RDKit allows a neutral atom of atomic number `z` (the elements of organic
/// chemistry and the noble gases; `None` for others, which are then not capped).
fn largest_valence(z: i32) -> Option<u8> {
    Some(match z {
        1 => 1,
        2 | 10 | 18 | 36 | 54 => 0,
        5 => 3,
        6 | 14 | 32 => 4,
        7 => 3,
        8 => 2,
        9 | 17 | 35 => 1,
        15 | 33 => 7,
        16 | 34 | 52 => 6,
        53 => 5,
        _ => return None,
    })
}

/// The valence RDKit gives a neutral atom of atomic number `z` when it has to choose (its
/// default: S 2 and P 3, where the largest are 6 and 7); what decides whether an aromatic atom
/// needs a double bond in a Kekulé structure.
fn default_valence(z: i32) -> Option<u8> {
    Some(match z {
        15 | 33 => 3,
        16 | 34 | 52 => 2,
        53 => 1,
        _ => return largest_valence(z),
    })
}

/// Atomic numbers of the symbols a bracket atom may name: organic chemistry, its usual
/// neighbours in the table and the aromatic forms; others parse but are not capped.
fn atomic_number(symbol: &str) -> Option<i32> {
    const TABLE: [(&str, i32); 30] = [
        ("H", 1),
        ("He", 2),
        ("B", 5),
        ("C", 6),
        ("N", 7),
        ("O", 8),
        ("F", 9),
        ("Ne", 10),
        ("Si", 14),
        ("P", 15),
        ("S", 16),
        ("Cl", 17),
        ("Ar", 18),
        ("Ge", 32),
        ("As", 33),
        ("Se", 34),
        ("Br", 35),
        ("Kr", 36),
        ("Te", 52),
        ("I", 53),
        ("Xe", 54),
        ("b", 5),
        ("c", 6),
        ("n", 7),
        ("o", 8),
        ("p", 15),
        ("s", 16),
        ("as", 33),
        ("se", 34),
        ("te", 52),
    ];
    TABLE.iter().find(|(s, _)| *s == symbol).map(|&(_, z)| z)
}

/// How many bond orders and neighbours an atom token can take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct AtomCaps {
    /// Sum of bond orders (aromatic bonds count 1), at the largest valence allowed.
    pub valence: u8,
    /// Sum of bond orders at the default valence (see [`AtomCaps::needs_double`]).
    pub usual: u8,
    /// Neighbours.
    pub degree: u8,
    /// Written in lower case (`c`, `[nH]`).
    pub aromatic: bool,
}

/// No cap (an element outside the table, or the wildcard `*`); never needs a double bond.
pub(super) const UNCAPPED: AtomCaps = AtomCaps {
    valence: u8::MAX,
    usual: 0,
    degree: u8::MAX,
    aromatic: false,
};

impl AtomCaps {
    fn of(z: Option<i32>, charge: i32, hydrogens: u8, aromatic: bool) -> AtomCaps {
        // A charged atom takes the valence of the isoelectronic element (N⁺ as C, O⁻ as F).
        let z = z.map(|z| z - charge);
        let (Some(valence), Some(usual)) =
            (z.and_then(largest_valence), z.and_then(default_valence))
        else {
            return AtomCaps {
                aromatic,
                ..UNCAPPED
            };
        };
        AtomCaps {
            valence: valence.saturating_sub(hydrogens),
            usual: usual.saturating_sub(hydrogens),
            degree: if aromatic { 3 } else { u8::MAX },
            aromatic,
        }
    }

    /// Whether an aromatic atom with bond orders `taken` (aromatic bonds counted 1) needs one of
    /// its aromatic bonds double in a Kekulé structure: it has room for one more at its default
    /// valence (`c` with two ring bonds, `n` with two; not `[nH]`, `o`, or `c` with `=O`).
    pub fn needs_double(&self, taken: u8) -> bool {
        self.aromatic && taken < self.usual
    }

    /// Whether an atom with bond orders `taken` could still make one aromatic bond double.
    pub fn could_take_double(&self, taken: u8) -> bool {
        self.aromatic && (taken as u32) < self.valence as u32
    }
}

/// The caps of an organic-subset atom (`C`, `c`, `Cl` …), or `None` for another token.
pub(super) fn organic_atom(token: &str) -> Option<AtomCaps> {
    let aromatic = token.starts_with(|c: char| c.is_ascii_lowercase());
    match token {
        "B" | "C" | "N" | "O" | "S" | "P" | "F" | "Cl" | "Br" | "I" | "b" | "c" | "n" | "o"
        | "s" | "p" => Some(AtomCaps::of(atomic_number(token), 0, 0, aromatic)),
        "*" => Some(UNCAPPED),
        _ => None,
    }
}

/// The caps of a bracket atom `[isotope symbol chirality hydrogens charge class]`; an
/// unreadable one is not capped (RDKit judges it).
pub(super) fn bracket_atom(token: &str) -> AtomCaps {
    let Some(inner) = token.strip_prefix('[').and_then(|t| t.strip_suffix(']')) else {
        return UNCAPPED;
    };
    let rest = inner.trim_start_matches(|c: char| c.is_ascii_digit());
    let symbol_len = if rest.starts_with(|c: char| c.is_ascii_uppercase()) {
        1 + rest[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase()) as usize
    } else if ["se", "as", "te"].iter().any(|s| rest.starts_with(s)) {
        2
    } else if rest.starts_with(|c: char| c.is_ascii_lowercase()) {
        1
    } else {
        return UNCAPPED;
    };
    let (symbol, mut rest) = rest.split_at(symbol_len);
    let aromatic = symbol.starts_with(|c: char| c.is_ascii_lowercase());
    // Chirality: `@`, `@@` or a class such as `@TH1` or `@OH12`.
    if rest.starts_with('@') {
        rest = rest.trim_start_matches('@');
        if let Some(class) = ["TH", "AL", "SP", "TB", "OH"]
            .iter()
            .find_map(|class| rest.strip_prefix(class))
        {
            rest = class.trim_start_matches(|c: char| c.is_ascii_digit());
        }
    }
    let mut hydrogens = 0u8;
    if let Some(after) = rest.strip_prefix('H') {
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        hydrogens = if digits == 0 {
            1
        } else {
            after[..digits].parse().unwrap_or(u8::MAX)
        };
        rest = &after[digits..];
    }
    let mut charge = 0i32;
    if let Some(sign) = rest.chars().next().filter(|c| *c == '+' || *c == '-') {
        let unit = if sign == '+' { 1 } else { -1 };
        let repeated = rest.len() - rest.trim_start_matches(sign).len();
        let after = &rest[repeated..];
        let digits = after.len() - after.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        charge = if digits > 0 && repeated == 1 {
            unit * after[..digits].parse::<i32>().unwrap_or(99)
        } else {
            unit * repeated as i32
        };
    }
    AtomCaps::of(atomic_number(symbol), charge, hydrogens, aromatic)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bracket_atoms_take_their_element_charge_and_hydrogens() {
        assert_eq!(bracket_atom("[NH3+]").valence, 1);
        assert_eq!(bracket_atom("[N+]").valence, 4);
        assert_eq!(bracket_atom("[O-]").valence, 1);
        assert_eq!(bracket_atom("[C-]").valence, 3);
        assert_eq!(
            bracket_atom("[nH]"),
            AtomCaps {
                valence: 2,
                usual: 2,
                degree: 3,
                aromatic: true
            }
        );
        assert_eq!(bracket_atom("[cH-]").usual, 2);
        assert_eq!(bracket_atom("[C@@H]").valence, 3);
        assert_eq!(bracket_atom("[13CH4]").valence, 0);
        assert_eq!(bracket_atom("[N--]").valence, 1);
        assert_eq!(bracket_atom("[N-2]").valence, 1);
        assert_eq!(bracket_atom("[se]").degree, 3);
        assert_eq!(bracket_atom("[Fe+2]"), UNCAPPED);
        assert_eq!(bracket_atom("[C@TH1H2]").valence, 2);
        assert_eq!(bracket_atom("[S]").valence, 6);
        assert_eq!(bracket_atom("[S]").usual, 2);
    }

    #[test]
    fn aromatic_atoms_need_a_double_bond_below_their_default_valence() {
        let c = organic_atom("c").unwrap();
        assert!(c.needs_double(2) && c.needs_double(3) && !c.needs_double(4));
        let n = organic_atom("n").unwrap();
        assert!(n.needs_double(2) && !n.needs_double(3));
        assert!(!bracket_atom("[nH]").needs_double(2));
        assert!(bracket_atom("[nH+]").needs_double(2));
        assert!(bracket_atom("[n+]").needs_double(3));
        assert!(!bracket_atom("[cH-]").needs_double(2));
        for atom in ["o", "s"] {
            assert!(!organic_atom(atom).unwrap().needs_double(2), "{atom}");
        }
        assert!(!organic_atom("C").unwrap().needs_double(1));
    }
}
