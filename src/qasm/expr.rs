//! Parameter expressions: a flat syntax tree built once from the parse tree and evaluated to an
//! affine [`Angle`] wherever a gate is called (at top level, or inside an inlined definition
//! with the definition's parameters bound).
//!
//! The tree is flat on purpose: a sum is a list of terms, a term a list of factors, so only
//! parentheses nest and the depth of every recursion here is bounded by the parenthesis depth
//! that [`super::parse`] checks before parsing.

use super::grammar::Rule;
use crate::ir::Angle;
use pest::iterators::Pair;
use std::f64::consts::{E, PI, TAU};
use std::ops::Range;

/// A parsed expression: `Σ ±term`.
#[derive(Clone, Debug)]
pub(super) struct Expr {
    /// Terms with `true` for subtraction.
    terms: Vec<(bool, Term)>,
    /// Where the expression is in the source.
    pub(super) span: Range<usize>,
}

/// `factor (*|/ factor)*`; `true` marks division.
#[derive(Clone, Debug)]
struct Term(Vec<(bool, Factor)>);

/// A signed atom.
#[derive(Clone, Debug)]
struct Factor {
    negative: bool,
    atom: Atom,
    span: Range<usize>,
}

#[derive(Clone, Debug)]
enum Atom {
    Number(f64),
    Name(String),
    Paren(Box<Expr>),
    Function(Function, Box<Expr>),
}

/// The functions of constant arguments that expressions may call.
#[derive(Clone, Copy, Debug)]
enum Function {
    Sin,
    Cos,
    Tan,
    Sqrt,
    Exp,
    Ln,
    Arcsin,
    Arccos,
    Arctan,
}

impl Function {
    fn from_name(name: &str) -> Option<Function> {
        Some(match name {
            "sin" => Function::Sin,
            "cos" => Function::Cos,
            "tan" => Function::Tan,
            "sqrt" => Function::Sqrt,
            "exp" => Function::Exp,
            "ln" | "log" => Function::Ln,
            "arcsin" => Function::Arcsin,
            "arccos" => Function::Arccos,
            "arctan" => Function::Arctan,
            _ => return None,
        })
    }

    fn apply(self, x: f64) -> f64 {
        match self {
            Function::Sin => x.sin(),
            Function::Cos => x.cos(),
            Function::Tan => x.tan(),
            Function::Sqrt => x.sqrt(),
            Function::Exp => x.exp(),
            Function::Ln => x.ln(),
            Function::Arcsin => x.asin(),
            Function::Arccos => x.acos(),
            Function::Arctan => x.atan(),
        }
    }
}

/// An error in an expression: where, and what.
pub(super) type ExprError = (Range<usize>, String);

/// The value of a built-in constant (`pi`, `π`, `tau`, `τ`, `euler`, `ℇ`).
pub(super) fn constant(name: &str) -> Option<f64> {
    match name {
        "pi" | "π" => Some(PI),
        "tau" | "τ" => Some(TAU),
        "euler" | "ℇ" => Some(E),
        _ => None,
    }
}

fn span_of(pair: &Pair<'_, Rule>) -> Range<usize> {
    pair.as_span().start()..pair.as_span().end()
}

impl Expr {
    /// Builds the tree of an `expr` pair.
    pub(super) fn from_pair(pair: Pair<'_, Rule>) -> Result<Expr, ExprError> {
        let span = span_of(&pair);
        let mut terms = Vec::new();
        let mut subtract = false;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::add_op => subtract = part.as_str() == "-",
                Rule::term => terms.push((subtract, Term::from_pair(part)?)),
                other => return Err((span_of(&part), format!("unexpected {other:?}"))),
            }
        }
        Ok(Expr { terms, span })
    }

    /// Checks every name against `known` (parameters, inputs or constants) and every function
    /// name, so that errors in gate definitions are reported where they are written.
    pub(super) fn check_names(&self, known: &dyn Fn(&str) -> bool) -> Result<(), ExprError> {
        for (_, Term(factors)) in &self.terms {
            for (_, factor) in factors {
                match &factor.atom {
                    Atom::Number(_) => {}
                    Atom::Name(name) => {
                        if constant(name).is_none() && !known(name) {
                            return Err((
                                factor.span.clone(),
                                format!("unknown name `{name}` in an expression"),
                            ));
                        }
                    }
                    Atom::Paren(inner) | Atom::Function(_, inner) => inner.check_names(known)?,
                }
            }
        }
        Ok(())
    }

    /// The value as an affine angle; `lookup` resolves names that are not built-in constants.
    pub(super) fn eval(&self, lookup: &dyn Fn(&str) -> Option<Angle>) -> Result<Angle, ExprError> {
        let mut sum = Angle::constant(0.0);
        for (subtract, term) in &self.terms {
            let value = term.eval(lookup)?;
            sum = if *subtract {
                sum.add(&value.neg())
            } else {
                sum.add(&value)
            };
        }
        finite(sum, &self.span)
    }

    /// The value when it must be a number (a function argument, a divisor).
    fn eval_constant(
        &self,
        lookup: &dyn Fn(&str) -> Option<Angle>,
        what: &str,
    ) -> Result<f64, ExprError> {
        let value = self.eval(lookup)?;
        if value.is_constant() {
            Ok(value.constant_part())
        } else {
            Err((
                self.span.clone(),
                format!("{what} must be a constant, not an expression in inputs"),
            ))
        }
    }
}

fn finite(angle: Angle, span: &Range<usize>) -> Result<Angle, ExprError> {
    let finite =
        angle.constant_part().is_finite() && angle.terms().iter().all(|(_, c)| c.is_finite());
    if finite {
        Ok(angle)
    } else {
        Err((
            span.clone(),
            "the expression's value is not a finite number".to_string(),
        ))
    }
}

impl Term {
    fn from_pair(pair: Pair<'_, Rule>) -> Result<Term, ExprError> {
        let mut factors = Vec::new();
        let mut divide = false;
        for part in pair.into_inner() {
            match part.as_rule() {
                Rule::mul_op => divide = part.as_str() == "/",
                Rule::factor => factors.push((divide, Factor::from_pair(part)?)),
                other => return Err((span_of(&part), format!("unexpected {other:?}"))),
            }
        }
        Ok(Term(factors))
    }

    fn eval(&self, lookup: &dyn Fn(&str) -> Option<Angle>) -> Result<Angle, ExprError> {
        let mut product = Angle::constant(1.0);
        for (divide, factor) in &self.0 {
            let value = factor.eval(lookup)?;
            product = if *divide {
                if !value.is_constant() {
                    return Err((
                        factor.span.clone(),
                        "division by an expression in inputs is not affine; angles must be \
                         affine in the inputs"
                            .to_string(),
                    ));
                }
                let divisor = value.constant_part();
                if divisor == 0.0 {
                    return Err((factor.span.clone(), "division by zero".to_string()));
                }
                product.scale(1.0 / divisor)
            } else if product.is_constant() {
                value.scale(product.constant_part())
            } else if value.is_constant() {
                product.scale(value.constant_part())
            } else {
                return Err((
                    factor.span.clone(),
                    "a product of two expressions in inputs is not affine; angles must be affine \
                     in the inputs"
                        .to_string(),
                ));
            };
            product = finite(product, &factor.span)?;
        }
        Ok(product)
    }
}

impl Factor {
    fn from_pair(pair: Pair<'_, Rule>) -> Result<Factor, ExprError> {
        let span = span_of(&pair);
        let mut negative = false;
        for part in pair.into_inner() {
            let part_span = span_of(&part);
            let atom = match part.as_rule() {
                Rule::sign => {
                    negative ^= part.as_str() == "-";
                    continue;
                }
                Rule::number => Atom::Number(part.as_str().parse::<f64>().map_err(|_| {
                    (
                        part_span.clone(),
                        format!("`{}` is not a number", part.as_str()),
                    )
                })?),
                Rule::ident => Atom::Name(part.as_str().to_string()),
                Rule::paren => {
                    let inner = part
                        .into_inner()
                        .next()
                        .ok_or_else(|| (part_span.clone(), "expected an expression".to_string()))?;
                    Atom::Paren(Box::new(Expr::from_pair(inner)?))
                }
                Rule::function => {
                    let mut inner = part.into_inner();
                    let (Some(name), Some(argument)) = (inner.next(), inner.next()) else {
                        return Err((part_span, "expected a function call".to_string()));
                    };
                    let function = Function::from_name(name.as_str()).ok_or_else(|| {
                        (
                            span_of(&name),
                            format!(
                                "unknown function `{}`; expected sin, cos, tan, sqrt, exp, ln, \
                                 arcsin, arccos or arctan",
                                name.as_str()
                            ),
                        )
                    })?;
                    Atom::Function(function, Box::new(Expr::from_pair(argument)?))
                }
                other => return Err((part_span, format!("unexpected {other:?}"))),
            };
            return Ok(Factor {
                negative,
                atom,
                span,
            });
        }
        Err((span, "expected an expression".to_string()))
    }

    fn eval(&self, lookup: &dyn Fn(&str) -> Option<Angle>) -> Result<Angle, ExprError> {
        let value = match &self.atom {
            Atom::Number(x) => Angle::constant(*x),
            Atom::Name(name) => match constant(name) {
                Some(x) => Angle::constant(x),
                None => lookup(name).ok_or_else(|| {
                    (
                        self.span.clone(),
                        format!("unknown name `{name}` in an expression"),
                    )
                })?,
            },
            Atom::Paren(inner) => inner.eval(lookup)?,
            Atom::Function(function, argument) => {
                let x = argument.eval_constant(lookup, "a function's argument")?;
                Angle::constant(function.apply(x))
            }
        };
        let value = if self.negative { value.neg() } else { value };
        finite(value, &self.span)
    }
}
