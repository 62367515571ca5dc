//! Constrained decoding: which tokens may extend a partial SMILES so that it stays well formed,
//! no atom takes more bonds than its valence allows, and its aromatic atoms can be kekulised.
//!
//! A [`SmilesConstraint`] classifies a vocabulary's tokens once (atoms with their valence and
//! neighbour caps, bonds, ring-closure labels, branches, the dot, `[EOS]`); a [`PartialSmiles`]
//! follows one sequence token by token. [`SmilesConstraint::allowed`] marks the tokens that
//! keep the sequence
//! 1. syntactically valid SMILES as RDKit reads it: branches open after an atom and hold one,
//!    ring-closure labels follow an atom, a branch or a bond after them, a ring never closes on
//!    its own atom or on a neighbour, `[EOS]` only when every branch and ring is closed;
//! 2. within every atom's valence, aromatic bonds counted as single, with at most three
//!    neighbours on an aromatic atom (module `atoms`);
//! 3. kekulisable: every finished aromatic atom that needs a double bond can still get one
//!    (module `kekule`), and no finished aromatic atom lies outside every ring;
//! 4. able to finish within the token budget, and not one or two tokens from a state where no
//!    token is allowed.
//!
//! The caps are upper bounds, so the constraint never refuses a molecule RDKit accepts: every
//! QM9 molecule, canonical or randomly spelled, passes (tests/constrained_sampling.rs). It does
//! not follow RDKit's finer aromaticity rules, and a sequence can still reach a dead end the
//! lookahead does not see; RDKit judges every string after sampling.

mod atoms;
mod kekule;

use super::tokenizer::{CLS_ID, EOS_ID, PAD_ID, Vocabulary};
use atoms::{AtomCaps, bracket_atom, organic_atom};
use kekule::Role;

/// A bond symbol: its order, and whether it is aromatic (`:`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct BondSymbol {
    order: u8,
    aromatic: bool,
}

impl BondSymbol {
    const fn new(order: u8) -> BondSymbol {
        BondSymbol {
            order,
            aromatic: false,
        }
    }
}

/// A bond between two atoms written so far (indices in writing order, smaller first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Bond {
    atoms: (usize, usize),
    /// Aromatic: written `:`, or without a symbol between two aromatic atoms.
    aromatic: bool,
}

/// The atom pair of a bond between `a` and `b`, smaller index first.
fn pair(a: usize, b: usize) -> (usize, usize) {
    (a.min(b), a.max(b))
}

/// What a token does to a partial SMILES.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TokenKind {
    Atom(AtomCaps),
    /// `-`, `=`, `#`, `$`, and `:`, `/`, `\` (order 1).
    Bond(BondSymbol),
    /// Ring-closure label 0–99 (`1`, `%12`).
    Ring(u8),
    Open,
    Close,
    Dot,
    End,
    /// `<pad>`, `[CLS]`, and tokens that cannot stand outside a bracket (`+`, `@`, `>` …).
    Never,
}

impl TokenKind {
    fn of(id: usize, token: &str) -> TokenKind {
        match id as u32 {
            EOS_ID => return TokenKind::End,
            PAD_ID | CLS_ID => return TokenKind::Never,
            _ => {}
        }
        if let Some(caps) = organic_atom(token) {
            return TokenKind::Atom(caps);
        }
        if token.starts_with('[') && token.ends_with(']') && token.len() > 2 {
            return TokenKind::Atom(bracket_atom(token));
        }
        match token {
            "-" | "/" | "\\" => TokenKind::Bond(BondSymbol::new(1)),
            ":" => TokenKind::Bond(BondSymbol {
                order: 1,
                aromatic: true,
            }),
            "=" => TokenKind::Bond(BondSymbol::new(2)),
            "#" => TokenKind::Bond(BondSymbol::new(3)),
            "$" => TokenKind::Bond(BondSymbol::new(4)),
            "(" => TokenKind::Open,
            ")" => TokenKind::Close,
            "." => TokenKind::Dot,
            _ => token
                .strip_prefix('%')
                .unwrap_or(token)
                .parse::<u8>()
                .ok()
                .filter(|&label| label < 100 && (token.len() == 1 || token.len() == 3))
                .map_or(TokenKind::Never, TokenKind::Ring),
        }
    }
}

/// One atom written so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct AtomState {
    caps: AtomCaps,
    /// Bond orders taken (ring openings reserve theirs).
    valence: u8,
    /// Neighbours taken (ring openings reserve one).
    degree: u8,
}

impl AtomState {
    fn can_take(&self, order: u8) -> bool {
        self.degree < self.caps.degree
            && self.valence as u32 + order as u32 <= self.caps.valence as u32
    }
}

/// The kind of the last token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Last {
    Start,
    Atom,
    Ring,
    Open,
    Close,
    /// A bond; `after_open` when it directly follows `(` (so a ring label may not follow it).
    Bond {
        symbol: BondSymbol,
        after_open: bool,
    },
    Dot,
}

/// A ring-closure label waiting for its partner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct OpenRing {
    label: u8,
    atom: usize,
    /// The bond written before the opening label, if any.
    explicit: Option<BondSymbol>,
}

impl OpenRing {
    fn reserved(&self) -> u8 {
        self.explicit.map_or(1, |s| s.order)
    }
}

/// A partial SMILES as the constraint follows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartialSmiles {
    atoms: Vec<AtomState>,
    bonds: Vec<Bond>,
    branches: Vec<usize>,
    rings: Vec<OpenRing>,
    /// The atom the next bond starts from.
    current: Option<usize>,
    last: Last,
    tokens: usize,
}

/// The change one allowed token makes.
#[derive(Clone, Copy, Debug)]
enum Effect {
    Atom {
        caps: AtomCaps,
        /// The atom it bonds to, the bond's order and whether it is aromatic.
        bond: Option<(usize, u8, bool)>,
    },
    Bond {
        symbol: BondSymbol,
        after_open: bool,
    },
    OpenRing(OpenRing),
    CloseRing {
        index: usize,
        at: usize,
        order: u8,
        aromatic: bool,
    },
    Open(usize),
    Close(usize),
    Dot,
    End,
}

impl PartialSmiles {
    fn start() -> PartialSmiles {
        PartialSmiles {
            atoms: Vec::new(),
            bonds: Vec::new(),
            branches: Vec::new(),
            rings: Vec::new(),
            current: None,
            last: Last::Start,
            tokens: 0,
        }
    }

    /// Tokens written so far.
    pub fn len(&self) -> usize {
        self.tokens
    }

    /// True before the first token.
    pub fn is_empty(&self) -> bool {
        self.tokens == 0
    }

    fn after_atom(&self) -> bool {
        matches!(self.last, Last::Atom | Last::Ring | Last::Close)
    }

    fn bonded(&self, a: usize, b: usize) -> bool {
        self.bonds.iter().any(|bond| bond.atoms == pair(a, b))
    }

    /// Whether the bond between atom `a` and an atom with `caps` (a new one, or a ring's
    /// partner), written with `symbol` (or none), is aromatic.
    fn aromatic_bond(&self, a: usize, b: &AtomCaps, symbol: Option<BondSymbol>) -> bool {
        symbol.map_or(self.atoms[a].caps.aromatic && b.aromatic, |s| s.aromatic)
    }

    /// What `kind` would do here, or `None` where it breaks syntax or a valence.
    fn effect(&self, kind: TokenKind) -> Option<Effect> {
        match kind {
            TokenKind::Atom(caps) => {
                let symbol = match self.last {
                    Last::Start | Last::Dot => None,
                    Last::Bond { symbol, .. } => Some(Some(symbol)),
                    Last::Atom | Last::Ring | Last::Open | Last::Close => Some(None),
                };
                let bond = match symbol {
                    None => None,
                    Some(symbol) => {
                        let from = self.current?;
                        let order = symbol.map_or(1, |s| s.order);
                        let fresh = AtomState {
                            caps,
                            valence: 0,
                            degree: 0,
                        };
                        if !(self.atoms[from].can_take(order) && fresh.can_take(order)) {
                            return None;
                        }
                        Some((from, order, self.aromatic_bond(from, &caps, symbol)))
                    }
                };
                Some(Effect::Atom { caps, bond })
            }
            TokenKind::Bond(symbol) => {
                let after_open = self.last == Last::Open;
                (after_open || self.after_atom()).then_some(())?;
                self.atoms[self.current?]
                    .can_take(symbol.order)
                    .then_some(Effect::Bond { symbol, after_open })
            }
            TokenKind::Ring(label) => {
                let explicit = match self.last {
                    Last::Atom | Last::Ring | Last::Close => None,
                    Last::Bond {
                        symbol,
                        after_open: false,
                    } => Some(symbol),
                    _ => return None,
                };
                let at = self.current?;
                match self.rings.iter().position(|r| r.label == label) {
                    Some(index) => {
                        let open = self.rings[index];
                        if open.atom == at || self.bonded(open.atom, at) {
                            return None;
                        }
                        // RDKit keeps the opening's bond where the two differ.
                        let symbol = open.explicit.or(explicit);
                        let order = symbol.map_or(1, |s| s.order);
                        let aromatic = self.aromatic_bond(open.atom, &self.atoms[at].caps, symbol);
                        let partner = self.atoms[open.atom];
                        let extra = order - open.reserved();
                        let partner_fits =
                            partner.valence as u32 + extra as u32 <= partner.caps.valence as u32;
                        (partner_fits && self.atoms[at].can_take(order)).then_some(
                            Effect::CloseRing {
                                index,
                                at,
                                order,
                                aromatic,
                            },
                        )
                    }
                    None => {
                        let open = OpenRing {
                            label,
                            atom: at,
                            explicit,
                        };
                        self.atoms[at]
                            .can_take(open.reserved())
                            .then_some(Effect::OpenRing(open))
                    }
                }
            }
            TokenKind::Open => {
                let root = self.current?;
                (self.after_atom() && self.atoms[root].can_take(1)).then_some(Effect::Open(root))
            }
            TokenKind::Close => {
                let root = *self.branches.last()?;
                self.after_atom().then_some(Effect::Close(root))
            }
            TokenKind::Dot => {
                (self.after_atom() && self.branches.is_empty()).then_some(Effect::Dot)
            }
            TokenKind::End => {
                (self.after_atom() && self.branches.is_empty() && self.rings.is_empty())
                    .then_some(Effect::End)
            }
            TokenKind::Never => None,
        }
    }

    /// A lower bound on the tokens still needed before `[EOS]`, or `None` when open rings can
    /// no longer close. The bound: an atom where one must come, a label per open ring, a `)`
    /// per open branch, and, where the current atom cannot close every open ring itself (a
    /// ring's own atom or its neighbour, or too little valence) and no branch root is left to
    /// close them on, the atoms that must come first: one, or two when a ring is open on the
    /// current atom (the next atom is its neighbour). `None`: no atom to come and neither the
    /// current atom nor a branch root can take another bond.
    fn tokens_to_finish(&self) -> Option<usize> {
        let (rings, branches) = (self.rings.len(), self.branches.len());
        // A bond not right after `(` may also lead into a ring label.
        let needs_atom = match self.last {
            Last::Start | Last::Dot | Last::Open => true,
            Last::Bond { after_open, .. } => after_open || rings == 0,
            Last::Atom | Last::Ring | Last::Close => false,
        };
        let mut extra_atoms = 0;
        if let Some(current) = self.current.filter(|_| rings > 0 && !needs_atom) {
            let room = |atom: usize| self.atoms[atom].can_take(1);
            if !room(current) && !self.branches.iter().any(|&root| room(root)) {
                return None;
            }
            let atom = self.atoms[current];
            let closes_all_here = self
                .rings
                .iter()
                .all(|r| r.atom != current && !self.bonded(r.atom, current))
                && atom.degree as usize + rings <= atom.caps.degree as usize
                && atom.valence as usize
                    + self
                        .rings
                        .iter()
                        .map(|r| r.reserved() as usize)
                        .sum::<usize>()
                    <= atom.caps.valence as usize;
            if !closes_all_here && branches == 0 {
                extra_atoms = 1 + self.rings.iter().any(|r| r.atom == current) as usize;
            }
        }
        Some(needs_atom as usize + extra_atoms + rings + branches)
    }

    fn apply(&mut self, effect: Effect) {
        self.tokens += 1;
        match effect {
            Effect::Atom { caps, bond } => {
                let new = self.atoms.len();
                self.atoms.push(AtomState {
                    caps,
                    valence: 0,
                    degree: 0,
                });
                if let Some((from, order, aromatic)) = bond {
                    self.join(from, new, order, aromatic);
                }
                self.current = Some(new);
                self.last = Last::Atom;
            }
            Effect::Bond { symbol, after_open } => self.last = Last::Bond { symbol, after_open },
            Effect::OpenRing(open) => {
                let atom = &mut self.atoms[open.atom];
                atom.valence += open.reserved();
                atom.degree += 1;
                self.rings.push(open);
                self.last = Last::Ring;
            }
            Effect::CloseRing {
                index,
                at,
                order,
                aromatic,
            } => {
                let open = self.rings.remove(index);
                self.atoms[open.atom].valence += order - open.reserved();
                self.atoms[at].valence += order;
                self.atoms[at].degree += 1;
                self.bonds.push(Bond {
                    atoms: pair(open.atom, at),
                    aromatic,
                });
                self.last = Last::Ring;
            }
            Effect::Open(root) => {
                self.branches.push(root);
                self.last = Last::Open;
            }
            Effect::Close(root) => {
                self.branches.pop();
                self.current = Some(root);
                self.last = Last::Close;
            }
            Effect::Dot => {
                self.current = None;
                self.last = Last::Dot;
            }
            Effect::End => {}
        }
    }

    /// Whether atom `atom` lies on a cycle: some neighbour is still reachable without their
    /// bond.
    fn in_ring(&self, atom: usize) -> bool {
        self.bonds
            .iter()
            .filter(|b| b.atoms.0 == atom || b.atoms.1 == atom)
            .any(|cut| {
                let target = if cut.atoms.0 == atom {
                    cut.atoms.1
                } else {
                    cut.atoms.0
                };
                let mut seen = vec![false; self.atoms.len()];
                let mut stack = vec![atom];
                seen[atom] = true;
                while let Some(a) = stack.pop() {
                    for bond in self.bonds.iter().filter(|b| b != &cut) {
                        let next = match bond.atoms {
                            (x, y) if x == a => y,
                            (x, y) if y == a => x,
                            _ => continue,
                        };
                        if next == target {
                            return true;
                        }
                        if !seen[next] {
                            seen[next] = true;
                            stack.push(next);
                        }
                    }
                }
                false
            })
    }

    fn join(&mut self, a: usize, b: usize, order: u8, aromatic: bool) {
        for atom in [a, b] {
            self.atoms[atom].valence += order;
            self.atoms[atom].degree += 1;
        }
        self.bonds.push(Bond {
            atoms: pair(a, b),
            aromatic,
        });
    }

    /// Whether the aromatic atoms can still be kekulised (module `kekule`) and lie in rings. An
    /// atom is finished when no bond can come to it any more: it is not the current atom, not
    /// the root of an open branch and holds no open ring; with `finished`, every atom is. A
    /// finished aromatic atom with fewer than two neighbours can never be in a ring; with
    /// `finished`, every aromatic atom must be.
    fn kekulisable(&self, finished: bool) -> bool {
        if !self.atoms.iter().any(|a| a.caps.aromatic) {
            return true;
        }
        let open = |i: usize| {
            !finished
                && (self.current == Some(i)
                    || self.branches.contains(&i)
                    || self.rings.iter().any(|r| r.atom == i))
        };
        let outside_rings = |i: usize| match finished {
            true => !self.in_ring(i),
            false => self.atoms[i].degree < 2,
        };
        if (0..self.atoms.len())
            .any(|i| self.atoms[i].caps.aromatic && !open(i) && outside_rings(i))
        {
            return false;
        }
        let roles: Vec<Role> = self
            .atoms
            .iter()
            .enumerate()
            .map(|(i, a)| {
                if open(i) {
                    if a.caps.could_take_double(a.valence) {
                        Role::May
                    } else {
                        Role::Excluded
                    }
                } else if a.caps.needs_double(a.valence) {
                    Role::Must
                } else {
                    Role::Excluded
                }
            })
            .collect();
        let aromatic: Vec<(usize, usize)> = self
            .bonds
            .iter()
            .filter(|b| b.aromatic)
            .map(|b| b.atoms)
            .collect();
        kekule::kekulisable(&roles, &aromatic)
    }
}

/// Tokens looked ahead past a candidate: a token is refused when every continuation this far
/// is (a dead end the finishing bound did not foresee).
const LOOKAHEAD: usize = 2;

/// A vocabulary's tokens classified for constrained decoding, and the token budget.
#[derive(Clone, Debug)]
pub struct SmilesConstraint {
    kinds: Vec<TokenKind>,
    /// Token ids in the order the lookahead tries them: `[EOS]` and ring labels, which most
    /// often finish a state, first.
    lookahead_order: Vec<usize>,
    max_tokens: usize,
}

impl SmilesConstraint {
    /// Classifies `vocabulary`'s tokens; sequences hold at most `max_tokens` tokens before
    /// `[EOS]` (a model's block size less two).
    pub fn new(vocabulary: &Vocabulary, max_tokens: usize) -> SmilesConstraint {
        let kinds: Vec<TokenKind> = vocabulary
            .tokens()
            .iter()
            .enumerate()
            .map(|(id, token)| TokenKind::of(id, token))
            .collect();
        let finishing = |id: &usize| matches!(kinds[*id], TokenKind::End | TokenKind::Ring(_));
        let (mut lookahead_order, rest): (Vec<usize>, Vec<usize>) =
            (0..kinds.len()).partition(finishing);
        lookahead_order.extend(rest);
        SmilesConstraint {
            kinds,
            lookahead_order,
            max_tokens,
        }
    }

    /// The state before the first token.
    pub fn start(&self) -> PartialSmiles {
        PartialSmiles::start()
    }

    /// What token `id` does to `state`, if allowed: it keeps syntax, valences and
    /// kekulisability, leaves room to finish, and (looking `lookahead` tokens further) is not
    /// followed by a state from which no token is allowed.
    fn effect(&self, state: &PartialSmiles, id: usize, lookahead: usize) -> Option<Effect> {
        let effect = state.effect(*self.kinds.get(id)?)?;
        if let Effect::End = effect {
            return state.kekulisable(true).then_some(effect);
        }
        let mut next = state.clone();
        next.apply(effect);
        let fits = next.tokens_to_finish()? <= self.max_tokens.checked_sub(next.tokens)?;
        (fits
            && next.kekulisable(false)
            && (lookahead == 0 || self.any_allowed(&next, lookahead - 1)))
        .then_some(effect)
    }

    /// Whether some token is allowed after `state`.
    fn any_allowed(&self, state: &PartialSmiles, lookahead: usize) -> bool {
        self.lookahead_order
            .iter()
            .any(|&id| self.effect(state, id, lookahead).is_some())
    }

    /// Sets `mask[id]` to whether token `id` may come next; returns how many may. `mask` has
    /// one entry per vocabulary token.
    pub fn allowed(&self, state: &PartialSmiles, mask: &mut [bool]) -> usize {
        let mut count = 0;
        for (id, allowed) in mask.iter_mut().enumerate() {
            *allowed = self.effect(state, id, LOOKAHEAD).is_some();
            count += *allowed as usize;
        }
        count
    }

    /// Appends token `id` if allowed; returns whether it was.
    pub fn push(&self, state: &mut PartialSmiles, id: u32) -> bool {
        match self.effect(state, id as usize, LOOKAHEAD) {
            Some(effect) => {
                state.apply(effect);
                true
            }
            None => false,
        }
    }

    /// True when the constraint accepts every token of `ids` (without specials) and then
    /// `[EOS]`.
    pub fn accepts(&self, ids: &[u32]) -> bool {
        let mut state = self.start();
        ids.iter().all(|&id| self.push(&mut state, id)) && self.push(&mut state, EOS_ID)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup(smiles: &[&str]) -> (Vocabulary, SmilesConstraint) {
        let mut corpus = vec![
            "C",
            "N",
            "O",
            "F",
            "c1ccccc1",
            "C#N",
            "C=O",
            "[NH3+]",
            "[O-]",
            "[nH]",
            "[N+]",
            "[C-]",
            "[cH-]",
            "C%12CC%12",
            "C.C",
            "[C@@H]",
            "[13CH4]",
            "[Fe+2]",
            "Cl",
            "CC(C)C",
            "C-C",
            "C1CC2CC12",
            "[cH-]",
            "[nH+]",
            "n",
            ":",
        ];
        corpus.extend_from_slice(smiles);
        let vocabulary = Vocabulary::from_corpus(corpus).unwrap();
        let constraint = SmilesConstraint::new(&vocabulary, 22);
        (vocabulary, constraint)
    }

    fn accepts(smiles: &str) -> bool {
        let (vocabulary, constraint) = setup(&[]);
        constraint.accepts(&vocabulary.encode(smiles).unwrap())
    }

    #[test]
    fn well_formed_molecules_pass() {
        for smiles in [
            "CC(C)C",
            "c1ccccc1",
            "C1CC1C#N",
            "C=1CC=1",
            "C1CC=1",
            "C=1CC-1",
            "C(C)1CC1",
            "C(C)=1CC1",
            "C(=O)(O)C",
            "CC(C)(C)C",
            "[NH3+]CC([O-])=O",
            "O=c1cc[nH]cc1",
            "C%12CC%12",
            "C.C",
            "C1.C1",
            "C-C",
            "[N+](=O)([O-])C",
            "c1ccc2ccccc2c1",
            "c1cc[nH]c1",
            "Cn1cccc1",
            "c1ccc(cc1)-c1ccccc1",
            "c1ccc(cc1)c1ccccc1",
            "c1ccc[cH-]1",
            "c1cc[nH+]cc1",
        ] {
            assert!(accepts(smiles), "{smiles}");
        }
    }

    #[test]
    fn broken_syntax_over_bonded_atoms_and_unkekulisable_rings_are_refused() {
        for smiles in [
            "C(",
            "C)",
            "(C)",
            "C()C",
            "C1CC",
            "C11",
            "C1C1",
            "C(1)CC1",
            "C12CC12",
            "C(=O)(C)1CC1",
            "C.1CC1",
            "C=",
            "=C",
            "C(C)(C)(C)(C)C",
            "C#C=C",
            "O=O=O",
            "FC(F)(F)(F)F",
            "C[NH3+]C",
            "c1ccc(C)(C)cc1",
            "C..C",
            "C.",
            "C(.C)",
            "c1cccc1",
            "c1ccnc1",
            "c1ccccc1=O",
            "c1cc[nH]cc1",
            "C[nH]",
            "c1ccccc1[nH]",
        ] {
            assert!(!accepts(smiles), "{smiles}");
        }
    }

    #[test]
    fn the_budget_leaves_room_to_close() {
        let (vocabulary, _) = setup(&[]);
        let constraint = SmilesConstraint::new(&vocabulary, 5);
        let id = |t: &str| vocabulary.id(t).unwrap();
        let mut state = constraint.start();
        for t in ["C", "1", "C", "C"] {
            assert!(constraint.push(&mut state, id(t)));
        }
        let mut mask = vec![false; vocabulary.len()];
        // One token left, one ring open: only its label closes it.
        assert_eq!(constraint.allowed(&state, &mut mask), 1);
        assert!(mask[id("1") as usize]);
        assert!(!constraint.push(&mut state, id("(")));
        assert!(constraint.push(&mut state, id("1")));
        assert_eq!(state.len(), 5);
        assert_eq!(constraint.allowed(&state, &mut mask), 1);
        assert!(mask[EOS_ID as usize]);
    }

    #[test]
    fn a_ring_that_could_no_longer_close_is_refused() {
        let (vocabulary, constraint) = setup(&[]);
        let id = |t: &str| vocabulary.id(t).unwrap();
        let mut state = constraint.start();
        for t in ["C", "1", "C", "2", "C", "C", "O"] {
            assert!(constraint.push(&mut state, id(t)), "{t}");
        }
        // Closing either ring on the oxygen would fill it with the other still open and
        // nowhere to go; another atom keeps both closable.
        assert!(!constraint.push(&mut state, id("2")));
        assert!(!constraint.push(&mut state, id("1")));
        assert!(constraint.push(&mut state, id("C")));
        assert!(!accepts("C1C2CCOC2"));
        // A second ring opened on the atom whose neighbour holds the first: two more atoms
        // would be needed before both close (`C1CC2CC12`), and eight tokens leave no room.
        let tight = SmilesConstraint::new(&vocabulary, 8);
        let mut state = tight.start();
        for t in ["C", "1", "C", "C"] {
            assert!(tight.push(&mut state, id(t)), "{t}");
        }
        assert!(!tight.push(&mut state, id("2")));
        assert!(tight.push(&mut state, id("1")));
        assert!(accepts("C1C2CCOC2C1"));
    }

    #[test]
    fn specials_and_stray_punctuation_never_come_next() {
        let (vocabulary, constraint) = setup(&["C@", "C+"]);
        let mut mask = vec![true; vocabulary.len()];
        constraint.allowed(&constraint.start(), &mut mask);
        for t in ["<pad>", "[CLS]", "[EOS]", "@", "+", "(", ")", "1", "=", "."] {
            assert!(!mask[vocabulary.id(t).unwrap() as usize], "{t}");
        }
        assert!(mask[vocabulary.id("C").unwrap() as usize]);
    }
}
