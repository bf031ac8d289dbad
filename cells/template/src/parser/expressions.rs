//! Expressions, by precedence from loosest to tightest:
//!
//! `x if c else y` < `or` < `and` < `not` < comparisons, `in`, `is` tests < `| filter` < `~` <
//! `+ -` < `* / // %` < `**` < unary `-` < postfix (`.name`, `?.name`, `::name`, `[i]`,
//! `[a:b]`, calls).
//!
//! Filters group as in Tera: a filter applies to the whole arithmetic or concatenation before
//! it (`page.word_count / 200 | round` rounds the quotient, `"a" ~ b | upper` upper-cases both),
//! and arithmetic may go on after a filter (`items | length + 1`), each filtered part then
//! being an operand of it.

use std::sync::Arc;

use super::{ParseError, Parser, syntax};
use crate::ast::{Arg, BinOp, Expr, ExprKind, LoopField};
use crate::filters::Filter;
use crate::lexer::Tok;
use crate::tests::Test;
use crate::value::Value;

fn boxed(kind: ExprKind, pos: u32) -> Box<Expr> {
    Box::new(Expr { kind, pos })
}

fn binary(op: BinOp, left: Expr, right: Expr, pos: u32) -> Expr {
    Expr { kind: ExprKind::Binary { op, left: Box::new(left), right: Box::new(right) }, pos }
}

/// The arithmetic (or `~`) operator that may follow a filter, with its binding power.
fn operator_after_filter(tok: &Tok) -> Option<(BinOp, u8)> {
    Some(match tok {
        Tok::Punct("~") => (BinOp::Concat, 1),
        Tok::Punct("+") => (BinOp::Add, 2),
        Tok::Punct("-") => (BinOp::Sub, 2),
        Tok::Punct("*") => (BinOp::Mul, 3),
        Tok::Punct("/") => (BinOp::Div, 3),
        Tok::Punct("//") => (BinOp::FloorDiv, 3),
        Tok::Punct("%") => (BinOp::Rem, 3),
        Tok::Punct("**") => (BinOp::Pow, 4),
        _ => return None,
    })
}

/// `a op b op c ...` to a tree, tighter operators first, left to right among equals (a
/// shunting yard over the operands and operators in order).
fn combine(operands: Vec<Expr>, operators: Vec<((BinOp, u8), u32)>) -> Expr {
    let mut values: Vec<Expr> = Vec::with_capacity(operands.len());
    let mut pending: Vec<((BinOp, u8), u32)> = Vec::new();
    let reduce = |values: &mut Vec<Expr>, ((op, _), pos): ((BinOp, u8), u32)| {
        if let (Some(right), Some(left)) = (values.pop(), values.pop()) {
            values.push(binary(op, left, right, pos));
        }
    };
    let mut operands = operands.into_iter();
    if let Some(first) = operands.next() {
        values.push(first);
    }
    for (operator, operand) in operators.into_iter().zip(operands) {
        while pending.last().is_some_and(|((_, power), _)| *power >= operator.0.1) {
            if let Some(top) = pending.pop() {
                reduce(&mut values, top);
            }
        }
        pending.push(operator);
        values.push(operand);
    }
    while let Some(top) = pending.pop() {
        reduce(&mut values, top);
    }
    // One operand more than operators: one value is left.
    values.pop().unwrap_or(Expr { kind: ExprKind::Const(Value::None), pos: 0 })
}

impl Parser {
    /// A full expression, conditional included.
    pub(crate) fn expression(&mut self) -> Result<Expr, ParseError> {
        let at = self.pos();
        self.enter(at)?;
        let then = self.or_expression()?;
        let result = if self.is_keyword("if") {
            let pos = self.pos();
            self.next();
            let cond = self.or_expression()?;
            let otherwise =
                if self.eat_keyword("else") { Some(Box::new(self.expression()?)) } else { None };
            Expr {
                kind: ExprKind::Cond { cond: Box::new(cond), then: Box::new(then), otherwise },
                pos,
            }
        } else {
            then
        };
        self.leave();
        Ok(result)
    }

    pub(crate) fn or_expression(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.and_expression()?;
        let mut chained = 0;
        while self.is_keyword("or") {
            let pos = self.pos();
            self.enter(pos)?;
            chained += 1;
            self.next();
            let right = self.and_expression()?;
            left = Expr { kind: ExprKind::Or(Box::new(left), Box::new(right)), pos };
        }
        self.depth -= chained;
        Ok(left)
    }

    fn and_expression(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.not_expression()?;
        let mut chained = 0;
        while self.is_keyword("and") {
            let pos = self.pos();
            self.enter(pos)?;
            chained += 1;
            self.next();
            let right = self.not_expression()?;
            left = Expr { kind: ExprKind::And(Box::new(left), Box::new(right)), pos };
        }
        self.depth -= chained;
        Ok(left)
    }

    fn not_expression(&mut self) -> Result<Expr, ParseError> {
        if self.is_keyword("not") {
            let pos = self.pos();
            self.next();
            self.enter(pos)?;
            let inner = self.not_expression()?;
            self.leave();
            return Ok(Expr { kind: ExprKind::Not(Box::new(inner)), pos });
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.filtered()?;
        let mut chained = 0;
        loop {
            let pos = self.pos();
            self.enter(pos)?;
            chained += 1;
            let op = match self.peek() {
                Tok::Punct("==") => BinOp::Eq,
                Tok::Punct("!=") => BinOp::Ne,
                Tok::Punct("<") => BinOp::Lt,
                Tok::Punct(">") => BinOp::Gt,
                Tok::Punct("<=") => BinOp::Le,
                Tok::Punct(">=") => BinOp::Ge,
                Tok::Ident(w) if w == "in" => BinOp::In,
                Tok::Ident(w)
                    if w == "not" && matches!(self.peek_at(1), Tok::Ident(i) if i == "in") =>
                {
                    self.next();
                    BinOp::NotIn
                }
                Tok::Ident(w) if w == "is" => {
                    self.next();
                    left = self.test(left, pos)?;
                    continue;
                }
                _ => {
                    self.depth -= chained;
                    return Ok(left);
                }
            };
            self.next();
            let right = self.filtered()?;
            left = binary(op, left, right, pos);
        }
    }

    /// An operand of a comparison: filtered parts joined by arithmetic or `~` (see the module
    /// doc). Without filters this is a single [`Parser::concat`].
    fn filtered(&mut self) -> Result<Expr, ParseError> {
        let first = self.filter_chain()?;
        if operator_after_filter(self.peek()).is_none() {
            return Ok(first);
        }
        self.after_filter(first)
    }

    /// The rest of [`Parser::filtered`] when an operator follows a filter: out of line, so
    /// that the frames of deeply nested expressions stay small.
    #[inline(never)]
    fn after_filter(&mut self, first: Expr) -> Result<Expr, ParseError> {
        let mut operands = vec![first];
        let mut operators = Vec::new();
        while let Some(op) = operator_after_filter(self.peek()) {
            let pos = self.pos();
            self.enter(pos)?;
            self.next();
            operators.push((op, pos));
            operands.push(self.filter_chain()?);
        }
        self.depth -= operators.len() as u32;
        Ok(combine(operands, operators))
    }

    /// `operand | f(args) | g`: the filters apply to the whole operand.
    fn filter_chain(&mut self) -> Result<Expr, ParseError> {
        let expr = self.concat()?;
        if matches!(self.peek(), Tok::Punct("|")) { self.filters(expr) } else { Ok(expr) }
    }

    /// `| f(args) | g` after `expr`, out of line like [`Parser::after_filter`].
    #[inline(never)]
    fn filters(&mut self, mut expr: Expr) -> Result<Expr, ParseError> {
        let mut chained = 0;
        while matches!(self.peek(), Tok::Punct("|")) {
            self.enter(self.pos())?;
            chained += 1;
            self.next();
            let (filter, args, pos) = self.filter_call()?;
            expr = Expr { kind: ExprKind::Filter { base: Box::new(expr), filter, args }, pos };
        }
        self.depth -= chained;
        Ok(expr)
    }

    /// A filter's name and arguments (after `|`, or in `{% filter %}`), and where its name is.
    pub(crate) fn filter_call(&mut self) -> Result<(Filter, Vec<Arg>, u32), ParseError> {
        let name_at = self.pos();
        let name = self.ident()?;
        let Some(filter) = Filter::from_name(&name) else {
            return Err((
                crate::error::ErrorKind::UnknownFilter(name.to_string()),
                name_at as usize,
            ));
        };
        let args =
            if matches!(self.peek(), Tok::Punct("(")) { self.arguments()? } else { Vec::new() };
        Ok((filter, args, name_at))
    }

    fn test(&mut self, base: Expr, pos: u32) -> Result<Expr, ParseError> {
        let negated = self.eat_keyword("not");
        let name_at = self.pos();
        let name = self.ident()?;
        let Some(test) = Test::from_name(&name) else {
            return Err((crate::error::ErrorKind::UnknownTest(name.to_string()), name_at as usize));
        };
        let args = if matches!(self.peek(), Tok::Punct("(")) {
            self.arguments()?
        } else if self.starts_operand() {
            // `x is divisibleby 3`: one argument without parentheses.
            vec![Arg { name: None, value: self.concat()? }]
        } else {
            Vec::new()
        };
        let _ = pos;
        Ok(Expr {
            kind: ExprKind::Test { base: Box::new(base), test, args, negated },
            pos: name_at,
        })
    }

    /// Whether the next token can start an operand (and is not a keyword that continues the
    /// enclosing expression).
    fn starts_operand(&self) -> bool {
        match self.peek() {
            Tok::Str(_) | Tok::Int(_) | Tok::Float(_) => true,
            Tok::Punct(p) => matches!(*p, "[" | "{" | "-"),
            Tok::Ident(w) => {
                !matches!(w.as_str(), "and" | "or" | "if" | "else" | "in" | "not" | "is")
            }
            _ => false,
        }
    }

    fn concat(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.additive()?;
        let mut chained = 0;
        while matches!(self.peek(), Tok::Punct("~")) {
            let pos = self.pos();
            self.enter(pos)?;
            chained += 1;
            self.next();
            let right = self.additive()?;
            left = binary(BinOp::Concat, left, right, pos);
        }
        self.depth -= chained;
        Ok(left)
    }

    fn additive(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.multiplicative()?;
        let mut chained = 0;
        loop {
            self.enter(self.pos())?;
            chained += 1;
            let op = match self.peek() {
                Tok::Punct("+") => BinOp::Add,
                Tok::Punct("-") => BinOp::Sub,
                _ => {
                    self.depth -= chained;
                    return Ok(left);
                }
            };
            let pos = self.pos();
            self.next();
            let right = self.multiplicative()?;
            left = binary(op, left, right, pos);
        }
    }

    fn multiplicative(&mut self) -> Result<Expr, ParseError> {
        let mut left = self.power()?;
        let mut chained = 0;
        loop {
            self.enter(self.pos())?;
            chained += 1;
            let op = match self.peek() {
                Tok::Punct("*") => BinOp::Mul,
                Tok::Punct("/") => BinOp::Div,
                Tok::Punct("//") => BinOp::FloorDiv,
                Tok::Punct("%") => BinOp::Rem,
                _ => {
                    self.depth -= chained;
                    return Ok(left);
                }
            };
            let pos = self.pos();
            self.next();
            let right = self.power()?;
            left = binary(op, left, right, pos);
        }
    }

    fn power(&mut self) -> Result<Expr, ParseError> {
        let left = self.unary()?;
        if matches!(self.peek(), Tok::Punct("**")) {
            let pos = self.pos();
            self.next();
            let right = self.unary()?;
            return Ok(binary(BinOp::Pow, left, right, pos));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, ParseError> {
        let pos = self.pos();
        if self.eat_punct("-") {
            self.enter(pos)?;
            let inner = self.unary()?;
            self.leave();
            return Ok(match inner.kind {
                ExprKind::Const(Value::Int(i)) if i != i64::MIN => {
                    Expr { kind: ExprKind::Const(Value::Int(-i)), pos }
                }
                ExprKind::Const(Value::Float(f)) => {
                    Expr { kind: ExprKind::Const(Value::Float(-f)), pos }
                }
                kind => Expr { kind: ExprKind::Neg(boxed(kind, inner.pos)), pos },
            });
        }
        if self.eat_punct("+") {
            return self.unary();
        }
        let primary = self.primary()?;
        self.postfix(primary)
    }

    fn postfix(&mut self, mut expr: Expr) -> Result<Expr, ParseError> {
        let mut chained = 0;
        loop {
            let pos = self.pos();
            self.enter(pos)?;
            chained += 1;
            match self.peek() {
                Tok::Punct(p @ ("." | "?." | "::")) => {
                    let optional = *p == "?.";
                    self.next();
                    let name_at = self.pos();
                    let name = match self.peek() {
                        Tok::Int(i) => {
                            // `items.0`: an index written as a field.
                            let index = *i;
                            self.next();
                            let index = boxed(ExprKind::Const(Value::Int(index)), name_at);
                            expr = Expr {
                                kind: ExprKind::Item { base: Box::new(expr), index },
                                pos: name_at,
                            };
                            continue;
                        }
                        _ => self.ident()?,
                    };
                    if let ExprKind::Var(base) = &expr.kind
                        && &**base == "loop"
                        && self.loops > 0
                        && !optional
                        && let Some(field) = LoopField::from_name(&name)
                    {
                        expr = Expr { kind: ExprKind::Loop(field), pos: expr.pos };
                        continue;
                    }
                    expr = Expr {
                        kind: ExprKind::Attr { base: Box::new(expr), name, optional },
                        pos: name_at,
                    };
                }
                Tok::Punct("[") => {
                    self.next();
                    let start = if matches!(self.peek(), Tok::Punct(":")) {
                        None
                    } else {
                        Some(self.expression()?)
                    };
                    if self.eat_punct(":") {
                        let end = if matches!(self.peek(), Tok::Punct("]")) {
                            None
                        } else {
                            Some(Box::new(self.expression()?))
                        };
                        self.expect_punct("]")?;
                        expr = Expr {
                            kind: ExprKind::Slice {
                                base: Box::new(expr),
                                start: start.map(Box::new),
                                end,
                            },
                            pos,
                        };
                    } else {
                        self.expect_punct("]")?;
                        let Some(index) = start else { return self.unexpected("an index") };
                        expr = Expr {
                            kind: ExprKind::Item { base: Box::new(expr), index: Box::new(index) },
                            pos,
                        };
                    }
                }
                Tok::Punct("(") => {
                    let args = self.arguments()?;
                    let at = expr.pos;
                    expr = Expr { kind: ExprKind::Call { callee: Box::new(expr), args }, pos: at };
                }
                _ => {
                    self.depth -= chained;
                    return Ok(expr);
                }
            }
        }
    }

    /// `(a, b, name=c)`.
    pub(crate) fn arguments(&mut self) -> Result<Vec<Arg>, ParseError> {
        let open = self.pos();
        self.expect_punct("(")?;
        self.enter(open)?;
        let mut args = Vec::new();
        while !self.eat_punct(")") {
            let name = match (self.peek(), self.peek_at(1)) {
                (Tok::Ident(name), Tok::Punct("=")) => {
                    let name: Arc<str> = name.as_str().into();
                    self.next();
                    self.next();
                    Some(name)
                }
                _ => None,
            };
            if name.is_none() && args.iter().any(|a: &Arg| a.name.is_some()) {
                return Err(syntax("a positional argument after a keyword argument", self.pos()));
            }
            let value = self.expression()?;
            args.push(Arg { name, value });
            if !self.eat_punct(",") {
                self.expect_punct(")")?;
                break;
            }
        }
        self.leave();
        Ok(args)
    }

    fn primary(&mut self) -> Result<Expr, ParseError> {
        let pos = self.pos();
        let kind = match self.peek().clone() {
            Tok::Str(s) => {
                self.next();
                ExprKind::Const(Value::String(s.into()))
            }
            Tok::Int(i) => {
                self.next();
                ExprKind::Const(Value::Int(i))
            }
            Tok::Float(f) => {
                self.next();
                ExprKind::Const(Value::Float(f))
            }
            Tok::Ident(word) => {
                self.next();
                match word.as_str() {
                    "true" | "True" => ExprKind::Const(Value::Bool(true)),
                    "false" | "False" => ExprKind::Const(Value::Bool(false)),
                    "none" | "None" => ExprKind::Const(Value::None),
                    _ => ExprKind::Var(word.as_str().into()),
                }
            }
            Tok::Punct("(") => {
                self.next();
                self.enter(pos)?;
                let first = self.expression()?;
                let result = if self.eat_punct(",") {
                    // A tuple: a list.
                    let mut items = vec![first];
                    while !matches!(self.peek(), Tok::Punct(")")) {
                        items.push(self.expression()?);
                        if !self.eat_punct(",") {
                            break;
                        }
                    }
                    self.expect_punct(")")?;
                    ExprKind::List(items)
                } else {
                    self.expect_punct(")")?;
                    self.leave();
                    return Ok(first);
                };
                self.leave();
                result
            }
            Tok::Punct("[") => {
                self.next();
                self.enter(pos)?;
                let mut items = Vec::new();
                while !self.eat_punct("]") {
                    items.push(self.expression()?);
                    if !self.eat_punct(",") {
                        self.expect_punct("]")?;
                        break;
                    }
                }
                self.leave();
                ExprKind::List(items)
            }
            Tok::Punct("{") => {
                self.next();
                self.enter(pos)?;
                let mut entries = Vec::new();
                while !self.eat_punct("}") {
                    let key = match self.peek().clone() {
                        // `{name: v}` means the key "name", as in Tera and JavaScript.
                        Tok::Ident(name) if matches!(self.peek_at(1), Tok::Punct(":")) => {
                            let at = self.pos();
                            self.next();
                            Expr {
                                kind: ExprKind::Const(Value::String(name.as_str().into())),
                                pos: at,
                            }
                        }
                        _ => self.expression()?,
                    };
                    self.expect_punct(":")?;
                    let value = self.expression()?;
                    entries.push((key, value));
                    if !self.eat_punct(",") {
                        self.expect_punct("}")?;
                        break;
                    }
                }
                self.leave();
                ExprKind::Map(entries)
            }
            _ => return self.unexpected("an expression"),
        };
        Ok(Expr { kind, pos })
    }
}
