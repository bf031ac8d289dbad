//! Expressions: lookups (strict, or lenient under `?.`, `is defined`, `default`), operators,
//! filters and tests. `data.a.b` stays a lazy path until its value is used, so only the keys
//! a template reads are fetched.

use std::sync::Arc;

use super::State;
use crate::ast::{Arg, BinOp, Expr, ExprKind, LoopField};
use crate::error::{Error, ErrorKind};
use crate::escape::escape_html;
use crate::filters::{self, Args, Filter};
use crate::tests::{apply_test, contains};
use crate::value::{Map, Object, ObjectKind, Value};

/// Arguments evaluated, in order.
pub(crate) type ArgValues = Vec<(Option<Arc<str>>, Value)>;

impl State<'_> {
    /// The value of `expr`.
    pub(crate) fn eval(&mut self, expr: &Expr) -> Result<Value, Error> {
        let value = self.eval_path(expr, false)?;
        self.force(value, expr.pos, false)
    }

    /// The value of `expr` evaluated with escaping off: an argument, a `set` value, what a
    /// `for` walks (Tera escapes none of these; see [`escapes`]).
    pub(crate) fn eval_unescaped(&mut self, expr: &Expr) -> Result<Value, Error> {
        let escaping = std::mem::replace(&mut self.escaping, false);
        let value = self.eval(expr);
        self.escaping = escaping;
        value
    }

    /// Whether `expr` holds, as `if`, `and`, `or` and `not` see it: as in Tera, a variable or
    /// field that is not there is false rather than an error (`{% if page.extra.toc %}`).
    pub(crate) fn eval_bool(&mut self, expr: &Expr) -> Result<bool, Error> {
        match &expr.kind {
            ExprKind::Var(_) | ExprKind::Attr { .. } | ExprKind::Item { .. } => {
                Ok(self.eval_lenient(expr)?.is_true())
            }
            ExprKind::Not(inner) => Ok(!self.eval_bool(inner)?),
            ExprKind::And(left, right) => Ok(self.eval_bool(left)? && self.eval_bool(right)?),
            ExprKind::Or(left, right) => Ok(self.eval_bool(left)? || self.eval_bool(right)?),
            _ => Ok(self.eval(expr)?.is_true()),
        }
    }

    /// The value of `expr` where a missing value is undefined rather than an error.
    fn eval_lenient(&mut self, expr: &Expr) -> Result<Value, Error> {
        let value = self.eval_path(expr, true)?;
        self.force(value, expr.pos, true)
    }

    /// Fetches a lazy `data` path, or resolves a deferred value (`deferred.rs`).
    fn force(&mut self, value: Value, pos: u32, lenient: bool) -> Result<Value, Error> {
        if let Value::Object(Object(ObjectKind::Deferred(deferred))) = &value {
            return match self.resolve(deferred, pos)? {
                Value::None if lenient => Ok(Value::undefined()),
                resolved => Ok(resolved),
            };
        }
        let Value::Object(Object(ObjectKind::Data(path))) = &value else { return Ok(value) };
        let fetched = match self.fetched.get(path) {
            Some(v) => v.clone(),
            None => {
                let v =
                    self.data.get_data(path).map_err(|m| self.error(ErrorKind::Host(m), pos))?;
                self.fetched.insert(path.clone(), v.clone());
                v
            }
        };
        match fetched {
            Value::None if lenient => Ok(Value::undefined()),
            Value::None => Err(self.error(ErrorKind::MissingData { path: path.to_string() }, pos)),
            v => Ok(v),
        }
    }

    /// Variables and field accesses, which may give a lazy `data` path; the rest.
    fn eval_path(&mut self, expr: &Expr, lenient: bool) -> Result<Value, Error> {
        match &expr.kind {
            ExprKind::Var(name) => self.variable(name, expr.pos, lenient),
            ExprKind::Attr { base, name, optional } => {
                let lenient = lenient || *optional;
                let base = self.eval_path(base, lenient)?;
                self.attribute(base, name, expr.pos, lenient)
            }
            ExprKind::Item { base, index } => {
                let base = self.eval_path(base, lenient)?;
                let index = self.eval(index)?;
                self.item(base, index, expr.pos, lenient)
            }
            _ => self.eval_other(expr),
        }
    }

    fn variable(&mut self, name: &Arc<str>, pos: u32, lenient: bool) -> Result<Value, Error> {
        if let Some(value) = self.lookup(name) {
            return Ok(value.clone());
        }
        if let Some(index) = self.current.macro_index(name) {
            return Ok(Value::Object(Object(ObjectKind::Macro(self.current.clone(), index))));
        }
        match &**name {
            // `self::name()`: a macro of the template running (the macro's own file).
            "self" => return Ok(Value::Object(Object(ObjectKind::Module(self.current.clone())))),
            "data" => return Ok(Value::Object(Object(ObjectKind::Data("".into())))),
            "loop" if !self.loops.is_empty() => {
                let fields =
                    ["index", "index0", "revindex", "revindex0", "first", "last", "length"];
                let map: Map = fields
                    .iter()
                    .filter_map(|f| Some((*f, self.loop_field(LoopField::from_name(f)?).ok()?)))
                    .collect();
                return Ok(Value::Map(Arc::new(map)));
            }
            _ => {}
        }
        if lenient {
            return Ok(Value::undefined());
        }
        let kind =
            ErrorKind::UndefinedVariable { name: name.to_string(), available: self.available() };
        Err(self.error(kind, pos))
    }

    fn loop_field(&self, field: LoopField) -> Result<Value, ErrorKind> {
        let Some(state) = self.loops.last() else {
            return Err(ErrorKind::UndefinedVariable {
                name: "loop".into(),
                available: self.available(),
            });
        };
        let (i, n) = (state.index as i64, state.length as i64);
        Ok(match field {
            LoopField::Index => Value::Int(i + 1),
            LoopField::Index0 => Value::Int(i),
            LoopField::RevIndex => Value::Int(n - i),
            LoopField::RevIndex0 => Value::Int(n - i - 1),
            LoopField::First => Value::Bool(i == 0),
            LoopField::Last => Value::Bool(i + 1 == n),
            LoopField::Length => Value::Int(n),
        })
    }

    fn attribute(
        &mut self,
        base: Value,
        name: &Arc<str>,
        pos: u32,
        lenient: bool,
    ) -> Result<Value, Error> {
        // A field of a deferred value (`page.lower.title`): the value is used, so made.
        let base = match base {
            Value::Object(Object(ObjectKind::Deferred(deferred))) => {
                self.resolve(&deferred, pos)?
            }
            base => base,
        };
        let missing = |state: &Self, available: Vec<String>| {
            if lenient {
                Ok(Value::undefined())
            } else {
                Err(state
                    .error(ErrorKind::MissingField { field: name.to_string(), available }, pos))
            }
        };
        match &base {
            Value::Map(map) => match map.get(name) {
                Some(v) => Ok(v.clone()),
                None => missing(self, map.key_list()),
            },
            Value::Object(Object(ObjectKind::Data(path))) => {
                let path =
                    if path.is_empty() { name.clone() } else { format!("{path}.{name}").into() };
                Ok(Value::Object(Object(ObjectKind::Data(path))))
            }
            Value::Object(Object(ObjectKind::Module(module))) => match module.macro_index(name) {
                Some(index) => Ok(Value::Object(Object(ObjectKind::Macro(module.clone(), index)))),
                None => missing(self, module.macros.iter().map(|m| m.name.to_string()).collect()),
            },
            _ if lenient => Ok(Value::undefined()),
            other => {
                let kind = ErrorKind::Type(format!("{} has no field `{name}`", other.type_name()));
                Err(self.error(kind, pos))
            }
        }
    }

    fn item(&mut self, base: Value, index: Value, pos: u32, lenient: bool) -> Result<Value, Error> {
        let base = match base {
            Value::Object(Object(ObjectKind::Deferred(deferred))) => {
                self.resolve(&deferred, pos)?
            }
            base => base,
        };
        let base = match (&base, &index) {
            (Value::Map(_) | Value::Object(_), Value::String(key) | Value::Safe(key)) => {
                return self.attribute(base, &key.clone(), pos, lenient);
            }
            (Value::Object(Object(ObjectKind::Data(_))), _) => self.force(base, pos, lenient)?,
            _ => base,
        };
        let len = match &base {
            Value::List(l) => l.len(),
            Value::String(s) | Value::Safe(s) => s.chars().count(),
            _ if lenient => return Ok(Value::undefined()),
            other => {
                let kind = ErrorKind::Type(format!(
                    "cannot index {} with {}",
                    other.type_name(),
                    index.type_name()
                ));
                return Err(self.error(kind, pos));
            }
        };
        let Value::Int(i) = index else {
            let kind = ErrorKind::Type(format!(
                "cannot index {} with {}",
                base.type_name(),
                index.type_name()
            ));
            return Err(self.error(kind, pos));
        };
        let at = if i < 0 { len as i64 + i } else { i };
        if at < 0 || at >= len as i64 {
            if lenient {
                return Ok(Value::undefined());
            }
            return Err(self.error(ErrorKind::IndexOutOfRange { index: i, len }, pos));
        }
        Ok(match &base {
            Value::List(l) => l[at as usize].clone(),
            Value::String(s) | Value::Safe(s) => s
                .chars()
                .nth(at as usize)
                .map_or(Value::None, |c| Value::String(c.to_string().into())),
            _ => Value::undefined(),
        })
    }

    /// Evaluates `args` onto the reusable argument stack (no allocation per filter call);
    /// returns where they start. The caller truncates the stack back after use.
    fn push_args(&mut self, args: &[Arg]) -> Result<usize, Error> {
        let start = self.arg_stack.len();
        for arg in args {
            let value = self.eval_unescaped(&arg.value)?;
            self.arg_stack.push((arg.name.clone(), value));
        }
        Ok(start)
    }

    pub(crate) fn eval_args(&mut self, args: &[Arg]) -> Result<ArgValues, Error> {
        let mut values = Vec::with_capacity(args.len());
        for arg in args {
            values.push((arg.name.clone(), self.eval_unescaped(&arg.value)?));
        }
        Ok(values)
    }

    fn eval_other(&mut self, expr: &Expr) -> Result<Value, Error> {
        let pos = expr.pos;
        match &expr.kind {
            ExprKind::Const(v) => Ok(v.clone()),
            ExprKind::Loop(field) => self.loop_field(*field).map_err(|k| self.error(k, pos)),
            ExprKind::Var(_) | ExprKind::Attr { .. } | ExprKind::Item { .. } => self.eval(expr),
            ExprKind::Slice { base, start, end } => {
                let value = self.eval(base)?;
                let start = self.optional_int(start.as_deref())?;
                let end = self.optional_int(end.as_deref())?;
                filters::slice(&value, start, end).ok_or_else(|| {
                    self.error(ErrorKind::Type(format!("cannot slice {}", value.type_name())), pos)
                })
            }
            ExprKind::Neg(inner) => match self.eval(inner)? {
                Value::Int(i) => i.checked_neg().map(Value::Int).ok_or_else(|| {
                    self.error(ErrorKind::Arithmetic("integer overflow".into()), pos)
                }),
                Value::Float(f) => Ok(Value::Float(-f)),
                other => Err(self
                    .error(ErrorKind::Type(format!("cannot negate {}", other.type_name())), pos)),
            },
            // As in Tera, `and`, `or` and `not` give booleans.
            ExprKind::Not(_) | ExprKind::And(..) | ExprKind::Or(..) => {
                Ok(Value::Bool(self.eval_bool(expr)?))
            }
            ExprKind::Cond { cond, then, otherwise } => {
                if self.eval_bool(cond)? {
                    self.eval(then)
                } else {
                    match otherwise {
                        Some(e) => self.eval(e),
                        None => Ok(Value::undefined()),
                    }
                }
            }
            ExprKind::Binary { op, left, right } => {
                let mut l = self.eval_unescaped(left)?;
                let mut r = self.eval_unescaped(right)?;
                // Comparing or joining lists and maps looks inside them.
                if matches!(op, BinOp::Eq | BinOp::Ne | BinOp::In | BinOp::Concat) {
                    l = self.resolve_deep(l, pos)?;
                    r = self.resolve_deep(r, pos)?;
                }
                binary(*op, l, r).map_err(|k| self.error(k, pos))
            }
            ExprKind::Call { callee, args } => self.call(callee, args, pos),
            ExprKind::Filter { base, filter, args } => {
                let value = if *filter == Filter::Default {
                    self.eval_lenient(base)?
                } else {
                    self.eval(base)?
                };
                if *filter == Filter::Default && self.escaping && filters::is_missing(&value) {
                    // Tera escapes the fallback as an output of its own (and then the result
                    // again: `default(value="a/b")` prints `a&amp;#x2F;b`).
                    if let Some(arg) =
                        args.iter().find(|a| a.name.is_none() || a.name.as_deref() == Some("value"))
                    {
                        let fallback = self.eval(&arg.value)?;
                        return Ok(escaped_as_output(&arg.value, fallback));
                    }
                }
                self.apply_filter(*filter, value, args, pos)
            }
            ExprKind::Test { base, test, args, negated } => {
                let value =
                    if test.is_lenient() { self.eval_lenient(base)? } else { self.eval(base)? };
                let start = self.push_args(args)?;
                let list = &self.arg_stack[start..];
                let args = Args { list, what: test.name() };
                let result = apply_test(*test, &value, &args, Some(self.cache));
                self.arg_stack.truncate(start);
                Ok(Value::Bool(result.map_err(|k| self.error(k, pos))? != *negated))
            }
            ExprKind::List(items) => {
                let mut values = Vec::with_capacity(items.len());
                for item in items {
                    let value = self.eval(item)?;
                    // Tera escapes the items of a list written in an output expression.
                    let value = if self.escaping { escaped_as_output(item, value) } else { value };
                    values.push(value);
                }
                Ok(Value::from(values))
            }
            ExprKind::Map(entries) => {
                let mut map = Map::new();
                for (key, value) in entries {
                    let k = self.eval(key)?;
                    let Some(k) = k.as_str() else {
                        let kind = ErrorKind::Type(format!(
                            "map keys must be strings, not {}",
                            k.type_name()
                        ));
                        return Err(self.error(kind, key.pos));
                    };
                    let k: Arc<str> = k.into();
                    map.insert(k, self.eval(value)?);
                }
                Ok(Value::Map(Arc::new(map)))
            }
        }
    }

    /// Applies `filter` with `args` to `value`; filters the host answers (`markdown`) go to
    /// the provider, regular expressions are compiled once per engine.
    pub(crate) fn apply_filter(
        &mut self,
        filter: Filter,
        value: Value,
        args: &[Arg],
        pos: u32,
    ) -> Result<Value, Error> {
        let start = self.push_args(args)?;
        let value = self.filter_input(filter, value, start, pos)?;
        for i in start..self.arg_stack.len() {
            let arg = std::mem::take(&mut self.arg_stack[i].1);
            self.arg_stack[i].1 = self.resolve_deep(arg, pos)?;
        }
        let result = match filter {
            Filter::Markdown => self.host_filter(filter, value, start, pos),
            Filter::RegexReplace => {
                let list = &self.arg_stack[start..];
                filters::regex_replace(value, &Args { list, what: filter.name() }, self.cache)
                    .map_err(|k| self.error(k, pos))
            }
            _ => {
                let list = &self.arg_stack[start..];
                filters::apply(filter, value, &Args { list, what: filter.name() })
                    .map_err(|k| self.error(k, pos))
            }
        };
        self.arg_stack.truncate(start);
        // `first`, `nth`, `get`... may hand out a deferred item.
        match result? {
            Value::Object(Object(ObjectKind::Deferred(deferred))) => self.resolve(&deferred, pos),
            value => Ok(value),
        }
    }

    /// A filter the host answers, as a call of the function of its name with the value as
    /// `text` and the filter's arguments by name: `"x" | markdown(inline=true)` is
    /// `markdown(text="x", inline=true)` for the provider.
    fn host_filter(
        &mut self,
        filter: Filter,
        value: Value,
        start: usize,
        pos: u32,
    ) -> Result<Value, Error> {
        let mut arguments = vec![("text".to_string(), value)];
        for (i, (name, v)) in self.arg_stack[start..].iter().enumerate() {
            arguments
                .push((name.as_deref().map_or_else(|| i.to_string(), str::to_string), v.clone()));
        }
        self.data
            .call_function(filter.name(), &arguments)
            .map_err(|m| self.error(ErrorKind::Host(m), pos))
    }

    fn optional_int(&mut self, expr: Option<&Expr>) -> Result<Option<i64>, Error> {
        let Some(expr) = expr else { return Ok(None) };
        match self.eval(expr)? {
            Value::Int(i) => Ok(Some(i)),
            Value::None => Ok(None),
            other => {
                let kind = ErrorKind::Type(format!(
                    "slice bounds must be integers, not {}",
                    other.type_name()
                ));
                Err(self.error(kind, expr.pos))
            }
        }
    }
}

fn type_error(op: &str, l: &Value, r: &Value) -> ErrorKind {
    ErrorKind::Type(format!("cannot apply `{op}` to {} and {}", l.type_name(), r.type_name()))
}

fn overflow() -> ErrorKind {
    ErrorKind::Arithmetic("integer overflow".into())
}

fn numbers(l: &Value, r: &Value) -> Option<(f64, f64)> {
    Some((l.as_f64()?, r.as_f64()?))
}

/// A binary operator on two values.
pub(crate) fn binary(op: BinOp, l: Value, r: Value) -> Result<Value, ErrorKind> {
    use BinOp as B;
    Ok(match op {
        B::Eq => Value::Bool(l == r),
        B::Ne => Value::Bool(l != r),
        B::Lt | B::Gt | B::Le | B::Ge => {
            let symbol = match op {
                B::Lt => "<",
                B::Gt => ">",
                B::Le => "<=",
                _ => ">=",
            };
            let ord = l.compare(&r).ok_or_else(|| type_error(symbol, &l, &r))?;
            Value::Bool(match op {
                B::Lt => ord.is_lt(),
                B::Gt => ord.is_gt(),
                B::Le => ord.is_le(),
                _ => ord.is_ge(),
            })
        }
        B::In => Value::Bool(contains(&r, &l)?),
        B::NotIn => Value::Bool(!contains(&r, &l)?),
        B::Concat => concat(&l, &r),
        B::Add => match (&l, &r) {
            (Value::Int(a), Value::Int(b)) => Value::Int(a.checked_add(*b).ok_or_else(overflow)?),
            (Value::List(a), Value::List(b)) => Value::list(a.iter().chain(b.iter()).cloned()),
            (a, b) if a.as_str().is_some() && b.as_str().is_some() => concat(a, b),
            _ => match numbers(&l, &r) {
                Some((a, b)) => Value::Float(a + b),
                None => return Err(type_error("+", &l, &r)),
            },
        },
        B::Sub => match (&l, &r) {
            (Value::Int(a), Value::Int(b)) => Value::Int(a.checked_sub(*b).ok_or_else(overflow)?),
            _ => match numbers(&l, &r) {
                Some((a, b)) => Value::Float(a - b),
                None => return Err(type_error("-", &l, &r)),
            },
        },
        B::Mul => match (&l, &r) {
            (Value::Int(a), Value::Int(b)) => Value::Int(a.checked_mul(*b).ok_or_else(overflow)?),
            _ => match numbers(&l, &r) {
                Some((a, b)) => Value::Float(a * b),
                None => return Err(type_error("*", &l, &r)),
            },
        },
        B::Div => {
            let (a, b) = numbers(&l, &r).ok_or_else(|| type_error("/", &l, &r))?;
            if b == 0.0 {
                return Err(ErrorKind::Arithmetic("division by zero".into()));
            }
            let quotient = a / b;
            // A whole quotient is an integer, as in Tera (`4 / 2` is `2`, not `2.0`).
            if quotient.fract() == 0.0 && quotient.abs() < 9.0e15 {
                Value::Int(quotient as i64)
            } else {
                Value::Float(quotient)
            }
        }
        B::FloorDiv | B::Rem => {
            let symbol = if op == B::Rem { "%" } else { "//" };
            match (&l, &r) {
                (Value::Int(_), Value::Int(0)) => {
                    return Err(ErrorKind::Arithmetic(format!("`{symbol}` by zero")));
                }
                // `%` keeps the sign of the dividend, as in Tera and Rust (`-7 % 3` is -1);
                // `//` rounds down.
                (Value::Int(a), Value::Int(b)) => Value::Int(if op == B::Rem {
                    a.checked_rem(*b).ok_or_else(overflow)?
                } else {
                    a.checked_div_euclid(*b).ok_or_else(overflow)?
                }),
                _ => {
                    let (a, b) = numbers(&l, &r).ok_or_else(|| type_error(symbol, &l, &r))?;
                    if b == 0.0 {
                        return Err(ErrorKind::Arithmetic(format!("`{symbol}` by zero")));
                    }
                    Value::Float(if op == B::Rem { a % b } else { (a / b).floor() })
                }
            }
        }
        B::Pow => match (&l, &r) {
            (Value::Int(a), Value::Int(b)) if *b >= 0 => {
                let exp = u32::try_from(*b).map_err(|_| overflow())?;
                Value::Int(a.checked_pow(exp).ok_or_else(overflow)?)
            }
            _ => {
                let (a, b) = numbers(&l, &r).ok_or_else(|| type_error("**", &l, &r))?;
                Value::Float(a.powf(b))
            }
        },
    })
}

/// `a ~ b`: the two as text, joined. As in Tera nothing is escaped here, and the result is
/// never escaped when printed (see [`escapes`]).
fn concat(l: &Value, r: &Value) -> Value {
    let mut out = String::new();
    l.write_concat(&mut out);
    r.write_concat(&mut out);
    Value::String(out.into())
}

/// Whether Tera escapes the text `value` of output expression `expr` (when autoescaping):
/// never when its last filter is `safe`, always when another filter applies (`safe` and
/// `default` aside: `| escape` escapes twice, as in Tera), never for a `~` concatenation, and
/// otherwise unless the text is markup the template made (a macro's output, `caller()`,
/// `super()`, a `{% set %}` block). Only text is escaped: lists, numbers and maps print as
/// they are.
pub(crate) fn escapes(expr: &Expr, value: &Value) -> bool {
    let mut at = expr;
    let mut outermost = true;
    while let ExprKind::Filter { base, filter, .. } = &at.kind {
        if *filter == Filter::Safe && outermost {
            return false;
        }
        if !matches!(filter, Filter::Safe | Filter::Default) {
            return value.as_str().is_some();
        }
        outermost = false;
        at = base;
    }
    match &at.kind {
        ExprKind::Binary { op: BinOp::Concat, .. } => false,
        _ => matches!(value, Value::String(_)),
    }
}

/// `value` escaped as Tera escapes an output expression `expr` (see [`escapes`]).
fn escaped_as_output(expr: &Expr, value: Value) -> Value {
    match value.as_str() {
        Some(text) if escapes(expr, &value) => {
            let mut out = String::with_capacity(text.len() + 8);
            escape_html(&mut out, text);
            Value::String(out.into())
        }
        _ => value,
    }
}
