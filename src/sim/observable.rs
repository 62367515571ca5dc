//! Observables: real linear combinations of Pauli products on indexed qubits, parsed from text
//! such as `Z0`, `Z0*Z1`, `0.5*X2*Y3 - Z1` or `1 - 2*Z0`, and their exact expectation values.
//!
//! Grammar (spaces allowed between tokens):
//! `expr := ['+'|'-'] term (('+'|'-') term)*`,
//! `term := number ['*' product] | product`, `product := factor ('*' factor)*`,
//! `factor := ('X'|'Y'|'Z'|'I') digits` (lower case accepted). A qubit may appear once per product,
//! so every term is Hermitian and the observable is real.

use super::view::{StateView, chunked_sum};
use crate::diagnostic::SourceError;

/// One term `coefficient · P`, with `P` a Pauli product given by bit masks over qubits.
#[derive(Clone, Debug, PartialEq)]
pub struct PauliTerm {
    /// The real coefficient.
    pub coefficient: f64,
    /// Qubits carrying X or Y (the bits P flips).
    pub flip: u64,
    /// Qubits carrying Y or Z (the bits whose value signs the amplitude).
    pub sign: u64,
    /// How many factors are Y (each contributes a factor i).
    pub y_count: u32,
}

impl PauliTerm {
    /// The qubits the term acts on non-trivially, ascending.
    pub fn qubits(&self) -> impl Iterator<Item = usize> + '_ {
        let mask = self.flip | self.sign;
        (0..64).filter(move |q| mask >> q & 1 == 1)
    }

    /// ⟨ψ|P|ψ⟩ (without the coefficient) of a normalised state.
    ///
    /// P|i⟩ = i^{y}·(−1)^{|i ∧ sign|}·|i ⊕ flip⟩, so ⟨ψ|P|ψ⟩ = Σ_i i^{y}(−1)^{|i ∧ sign|}·ψ*_{i⊕flip}ψ_i.
    pub fn expectation(&self, state: &(impl StateView + ?Sized)) -> f64 {
        let (flip, sign) = (self.flip as usize, self.sign as usize);
        // i^y: y is even for a Hermitian product's real part; odd y multiplies by ±i, so the
        // real part comes from the imaginary part of the sum.
        let sum = chunked_sum(state.len(), |range| {
            let (mut re, mut im) = (0.0, 0.0);
            for i in range {
                let (ar, ai) = state.amplitude(i);
                let (br, bi) = state.amplitude(i ^ flip);
                // conj(b)·a
                let (pr, pi) = (br * ar + bi * ai, br * ai - bi * ar);
                if (i & sign).count_ones() % 2 == 0 {
                    re += pr;
                    im += pi;
                } else {
                    re -= pr;
                    im -= pi;
                }
            }
            [re, im]
        });
        match self.y_count % 4 {
            0 => sum[0],
            1 => -sum[1],
            2 => -sum[0],
            _ => sum[1],
        }
    }
}

/// A real linear combination of Pauli products, as given on the command line.
#[derive(Clone, Debug, PartialEq)]
pub struct Observable {
    /// The expression as written.
    pub text: String,
    /// Its terms in order (a constant is a term with empty masks).
    pub terms: Vec<PauliTerm>,
}

impl Observable {
    /// ⟨Z_q⟩.
    pub fn z(qubit: usize) -> Observable {
        Observable {
            text: format!("Z{qubit}"),
            terms: vec![PauliTerm {
                coefficient: 1.0,
                flip: 0,
                sign: 1 << qubit,
                y_count: 0,
            }],
        }
    }

    /// Parses `text`; errors are located in `text` with `origin` as the file name.
    pub fn parse(text: &str, origin: &str) -> Result<Observable, SourceError> {
        Parser {
            text,
            origin,
            pos: 0,
        }
        .expression()
    }

    /// Every qubit some term acts on, ascending.
    pub fn qubits(&self) -> Vec<usize> {
        let mask = self.terms.iter().fold(0, |m, t| m | t.flip | t.sign);
        (0..64).filter(|q| mask >> q & 1 == 1).collect()
    }

    /// The same observable on renumbered qubits (`map[q]` is qubit q's new index; every qubit
    /// of the observable must have one).
    pub fn remapped(&self, map: &[Option<usize>]) -> Observable {
        let remap = |mask: u64| {
            (0..64)
                .filter(|q| mask >> q & 1 == 1)
                .map(|q| 1u64 << map[q].expect("the cone holds the observable's qubits"))
                .sum::<u64>()
        };
        Observable {
            text: self.text.clone(),
            terms: self
                .terms
                .iter()
                .map(|t| PauliTerm {
                    coefficient: t.coefficient,
                    flip: remap(t.flip),
                    sign: remap(t.sign),
                    y_count: t.y_count,
                })
                .collect(),
        }
    }

    /// ⟨ψ|O|ψ⟩ of a normalised state.
    pub fn expectation(&self, state: &(impl StateView + ?Sized)) -> f64 {
        self.terms
            .iter()
            .map(|t| {
                if t.flip | t.sign == 0 {
                    t.coefficient
                } else {
                    t.coefficient * t.expectation(state)
                }
            })
            .sum()
    }
}

/// The most qubit index an observable may name (masks are 64 bits; the simulator holds fewer).
const MAX_QUBIT_INDEX: usize = 63;

struct Parser<'a> {
    text: &'a str,
    origin: &'a str,
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, span: std::ops::Range<usize>, message: String) -> SourceError {
        SourceError::new(self.origin, self.text, span, message)
    }

    fn skip_spaces(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn found(&self) -> String {
        match self.peek() {
            Some(c) => format!("found `{c}`"),
            None => "found the end of the expression".into(),
        }
    }

    fn expression(mut self) -> Result<Observable, SourceError> {
        let mut terms = Vec::new();
        self.skip_spaces();
        if self.peek().is_none() {
            return Err(self.error(
                0..0,
                "empty observable: expected a term such as `Z0` or `0.5*X1*Y2`".into(),
            ));
        }
        let mut sign = 1.0;
        if let Some(c @ ('+' | '-')) = self.peek() {
            sign = if c == '-' { -1.0 } else { 1.0 };
            self.pos += 1;
        }
        loop {
            self.skip_spaces();
            let mut term = self.term()?;
            term.coefficient *= sign;
            terms.push(term);
            self.skip_spaces();
            match self.peek() {
                None => break,
                Some('+') => sign = 1.0,
                Some('-') => sign = -1.0,
                Some(_) => {
                    let at = self.pos;
                    return Err(self.error(
                        at..at + 1,
                        format!("expected `+`, `-`, `*` or the end, {}", self.found()),
                    ));
                }
            }
            self.pos += 1;
        }
        Ok(Observable {
            text: self.text.to_string(),
            terms,
        })
    }

    fn term(&mut self) -> Result<PauliTerm, SourceError> {
        let mut term = PauliTerm {
            coefficient: 1.0,
            flip: 0,
            sign: 0,
            y_count: 0,
        };
        if self.peek().is_some_and(|c| c.is_ascii_digit() || c == '.') {
            term.coefficient = self.number()?;
            self.skip_spaces();
            if self.peek() != Some('*') {
                return Ok(term);
            }
            self.pos += 1;
            self.skip_spaces();
        }
        loop {
            self.factor(&mut term)?;
            self.skip_spaces();
            if self.peek() != Some('*') {
                return Ok(term);
            }
            self.pos += 1;
            self.skip_spaces();
        }
    }

    fn number(&mut self) -> Result<f64, SourceError> {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let mut end = start;
        let digits = |end: &mut usize| {
            while *end < bytes.len() && bytes[*end].is_ascii_digit() {
                *end += 1;
            }
        };
        digits(&mut end);
        if end < bytes.len() && bytes[end] == b'.' {
            end += 1;
            digits(&mut end);
        }
        if end < bytes.len() && matches!(bytes[end], b'e' | b'E') {
            let mut exp = end + 1;
            if exp < bytes.len() && matches!(bytes[exp], b'+' | b'-') {
                exp += 1;
            }
            let digits_start = exp;
            digits(&mut exp);
            if exp > digits_start {
                end = exp;
            }
        }
        let literal = &self.text[start..end];
        match literal.parse::<f64>() {
            Ok(value) if value.is_finite() => {
                self.pos = end;
                Ok(value)
            }
            _ => Err(self.error(
                start..end.max(start + 1),
                format!("`{literal}` is not a finite number"),
            )),
        }
    }

    fn factor(&mut self, term: &mut PauliTerm) -> Result<(), SourceError> {
        let start = self.pos;
        let pauli = match self.peek() {
            Some(c @ ('X' | 'Y' | 'Z' | 'I' | 'x' | 'y' | 'z' | 'i')) => c.to_ascii_uppercase(),
            _ => {
                return Err(self.error(
                    start..start + 1,
                    format!(
                        "expected a Pauli factor (X, Y, Z or I and a qubit index) or a \
                         coefficient, {}",
                        self.found()
                    ),
                ));
            }
        };
        self.pos += 1;
        let digits_start = self.pos;
        let digits = self.text[digits_start..]
            .bytes()
            .take_while(u8::is_ascii_digit)
            .count();
        if digits == 0 {
            return Err(self.error(
                digits_start..digits_start + 1,
                format!("expected a qubit index after `{pauli}`, {}", self.found()),
            ));
        }
        self.pos += digits;
        let index_text = &self.text[digits_start..self.pos];
        let qubit = match index_text.parse::<usize>() {
            Ok(q) if q <= MAX_QUBIT_INDEX => q,
            _ => {
                return Err(self.error(
                    digits_start..self.pos,
                    format!("qubit index {index_text} is too large (at most {MAX_QUBIT_INDEX})"),
                ));
            }
        };
        let bit = 1u64 << qubit;
        if (term.flip | term.sign) & bit != 0 {
            return Err(self.error(
                start..self.pos,
                format!("qubit {qubit} appears twice in this product; write each qubit once"),
            ));
        }
        match pauli {
            'X' => term.flip |= bit,
            'Y' => {
                term.flip |= bit;
                term.sign |= bit;
                term.y_count += 1;
            }
            'Z' => term.sign |= bit,
            _ => {}
        }
        Ok(())
    }
}
