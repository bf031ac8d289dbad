//! Calls: macros (with `caller()` for `call` blocks), `super()`, built-in functions
//! (`range`, `throw`) and host functions, which go to the data provider.

use std::sync::Arc;

use super::State;
use super::expressions::ArgValues;
use crate::ast::{Arg, Expr, ExprKind, Node, Param, Template};
use crate::error::{Error, ErrorKind};
use crate::value::{Object, ObjectKind, Value};

/// Most items `range` makes: a typo should not exhaust memory.
const MAX_RANGE: i64 = 1_000_000;

impl State<'_> {
    pub(crate) fn call(&mut self, callee: &Expr, args: &[Arg], pos: u32) -> Result<Value, Error> {
        // Taken first: the caller belongs to this call, not to calls among its arguments.
        let caller = self.pending_caller.take();
        let function = match &callee.kind {
            ExprKind::Var(name) => {
                let bound = self.lookup(name).cloned().or_else(|| {
                    let index = self.current.macro_index(name)?;
                    Some(Value::Object(Object(ObjectKind::Macro(self.current.clone(), index))))
                });
                match bound {
                    Some(value) => value,
                    None => return self.builtin(name, args, pos),
                }
            }
            _ => self.eval(callee)?,
        };
        let values = self.eval_args(args)?;
        match function {
            Value::Object(Object(ObjectKind::Macro(template, index))) => {
                self.call_macro(template, index, values, caller, pos)
            }
            Value::Object(Object(ObjectKind::Caller(index))) => {
                self.call_caller(index, values, pos)
            }
            other => {
                let kind = ErrorKind::Type(format!("{} is not callable", other.type_name()));
                Err(self.error(kind, callee.pos))
            }
        }
    }

    fn builtin(&mut self, name: &str, args: &[Arg], pos: u32) -> Result<Value, Error> {
        let values = self.eval_args(args)?;
        match name {
            "super" => self.call_super(pos),
            "range" => self.range(&values, pos),
            "throw" => {
                let message = values
                    .iter()
                    .find(|(n, _)| n.is_none() || n.as_deref() == Some("message"))
                    .map(|(_, v)| v.to_text().to_string())
                    .unwrap_or_default();
                Err(self.error(ErrorKind::Thrown(message), pos))
            }
            "caller" => {
                let kind = ErrorKind::UndefinedVariable {
                    name: "caller".into(),
                    available: self.available(),
                };
                Err(self.error(kind, pos))
            }
            _ => {
                // The host gets values, not the calls that give them.
                let mut arguments: Vec<(String, Value)> = Vec::with_capacity(values.len());
                for (i, (n, v)) in values.into_iter().enumerate() {
                    let v = self.resolve_deep(v, pos)?;
                    arguments.push((n.map_or_else(|| i.to_string(), |n| n.to_string()), v));
                }
                self.data.call_function(name, &arguments).map_err(|m| {
                    let kind = if self.lookup(name).is_none() && m.starts_with("unknown function") {
                        ErrorKind::UndefinedVariable {
                            name: name.into(),
                            available: self.available(),
                        }
                    } else {
                        ErrorKind::Host(m)
                    };
                    self.error(kind, pos)
                })
            }
        }
    }

    /// `range(end)`, `range(start, end)`, `range(start, end, step)`, or by name as in Tera:
    /// `range(end=3)`, `range(start=1, end=10, step_by=3)`.
    fn range(&mut self, values: &ArgValues, pos: u32) -> Result<Value, Error> {
        let bad = |state: &Self, message: &str| {
            Err(state.error(ErrorKind::Arguments(format!("`range`: {message}")), pos))
        };
        let positional: Vec<&Value> =
            values.iter().filter(|(n, _)| n.is_none()).map(|(_, v)| v).collect();
        let named = |key: &str| values.iter().find(|(n, _)| n.as_deref() == Some(key));
        if let Some((Some(name), _)) = values
            .iter()
            .find(|(n, _)| n.as_deref().is_some_and(|n| !["start", "end", "step_by"].contains(&n)))
        {
            return bad(self, &format!("no argument `{name}` (it takes: start, end, step_by)"));
        }
        let slots: [Option<&Value>; 3] = match positional.as_slice() {
            [] => [
                named("start").map(|a| &a.1),
                named("end").map(|a| &a.1),
                named("step_by").map(|a| &a.1),
            ],
            [end] if named("end").is_none() => {
                [named("start").map(|a| &a.1), Some(end), named("step_by").map(|a| &a.1)]
            }
            [start, end] => [Some(start), Some(end), named("step_by").map(|a| &a.1)],
            [start, end, step] => [Some(start), Some(end), Some(step)],
            _ => return bad(self, "takes 1 to 3 integers"),
        };
        let int = |v: Option<&Value>, default: i64| match v {
            None => Some(default),
            Some(Value::Int(i)) => Some(*i),
            Some(_) => None,
        };
        let (Some(start), Some(end), Some(step)) =
            (int(slots[0], 0), int(slots[1], i64::MIN), int(slots[2], 1))
        else {
            return bad(self, "the start, end and step must be integers");
        };
        if slots[1].is_none() {
            return bad(self, "needs `end`");
        }
        if step == 0 {
            return bad(self, "the step must not be 0");
        }
        // In i128: the span of two i64 does not fit an i64.
        let (start, end, step) = (i128::from(start), i128::from(end), i128::from(step));
        let count =
            if step > 0 { (end - start).max(0) / step } else { (start - end).max(0) / -step };
        if count > i128::from(MAX_RANGE) {
            let kind = ErrorKind::Arguments(format!("`range` of more than {MAX_RANGE} items"));
            return Err(self.error(kind, pos));
        }
        let mut items = Vec::with_capacity(count as usize + 1);
        let mut i = start;
        while (step > 0 && i < end) || (step < 0 && i > end) {
            // `i` lies between `start` and `end`, both i64.
            items.push(Value::Int(i as i64));
            i += step;
        }
        Ok(Value::from(items))
    }

    /// Binds `params` from `values` on top of the scope.
    fn bind_params(
        &mut self,
        what: &str,
        params: &[Param],
        values: ArgValues,
        pos: u32,
    ) -> Result<(), Error> {
        let mut slots: Vec<Option<Value>> = params.iter().map(|_| None).collect();
        let mut positional = 0;
        for (name, value) in values {
            let index = match &name {
                None => {
                    positional += 1;
                    if positional > params.len() {
                        let kind = ErrorKind::Arguments(format!(
                            "{what} takes {} argument{}, got more",
                            params.len(),
                            if params.len() == 1 { "" } else { "s" }
                        ));
                        return Err(self.error(kind, pos));
                    }
                    positional - 1
                }
                Some(name) => match params.iter().position(|p| p.name == *name) {
                    Some(index) => index,
                    None => {
                        let names: Vec<&str> = params.iter().map(|p| &*p.name).collect();
                        let kind = ErrorKind::Arguments(format!(
                            "{what} has no parameter `{name}` (it has: {})",
                            if names.is_empty() { "none".to_string() } else { names.join(", ") }
                        ));
                        return Err(self.error(kind, pos));
                    }
                },
            };
            slots[index] = Some(value);
        }
        for (param, slot) in params.iter().zip(slots) {
            let value = match (slot, &param.default) {
                (Some(v), _) => v,
                (None, Some(default)) => self.eval_unescaped(default)?,
                (None, None) => {
                    let kind =
                        ErrorKind::Arguments(format!("{what} needs argument `{}`", param.name));
                    return Err(self.error(kind, pos));
                }
            };
            // A parameter is a variable: `{{ p }}` escapes what it holds, as in Tera.
            self.scope.push((param.name.clone(), value.unmarked()));
        }
        Ok(())
    }

    fn call_macro(
        &mut self,
        template: Arc<Template>,
        index: usize,
        values: ArgValues,
        caller: Option<usize>,
        pos: u32,
    ) -> Result<Value, Error> {
        self.enter("macro calls", pos)?;
        let (base, frame, in_root, len) = (self.base, self.frame, self.in_root, self.scope.len());
        let call_site = std::mem::replace(&mut self.current, template.clone());
        let definition = &template.macros[index];
        // Defaults are evaluated in the macro's scope, so they may use earlier parameters.
        self.base = len;
        self.frame = len;
        self.in_root = false;
        let what = format!("macro `{}`", definition.name);
        let bound = self.bind_params(&what, &definition.params, values, pos);
        // Errors about the arguments point at the call.
        if let Err(error) = bound {
            self.current = call_site;
            return Err(error);
        }
        if let Some(caller) = caller {
            self.scope.push(("caller".into(), Value::Object(Object(ObjectKind::Caller(caller)))));
        }
        let globals = std::mem::replace(&mut self.globals_base, self.globals.len());
        // The imports at the top of the macro's file are visible in its macros.
        if template.imports {
            for node in template.nodes.iter() {
                if matches!(node, Node::Import { .. } | Node::FromImport { .. }) {
                    self.render_nodes(std::slice::from_ref(node), &mut String::new())?;
                }
            }
        }
        let mut out = String::new();
        self.render_nodes(&definition.body, &mut out)?;
        self.globals.truncate(self.globals_base);
        self.globals_base = globals;
        self.scope.truncate(len);
        self.base = base;
        self.frame = frame;
        self.in_root = in_root;
        self.current = call_site;
        self.depth -= 1;
        Ok(Value::Safe(out.into()))
    }

    /// `caller(args)` inside a macro: renders the `call` block's body where it was written.
    fn call_caller(&mut self, index: usize, values: ArgValues, pos: u32) -> Result<Value, Error> {
        let Some(frame) = self.callers.get(index).cloned() else {
            let kind = ErrorKind::Type("`caller` used after its call block ended".into());
            return Err(self.error(kind, pos));
        };
        self.enter("caller() calls", pos)?;
        // The macro's bindings and loops are hidden while the body runs, then put back.
        let hidden_scope = self.scope.split_off(frame.scope_len.min(self.scope.len()));
        let hidden_loops = self.loops.split_off(frame.loops_len.min(self.loops.len()));
        let saved = (self.base, self.frame, self.in_root);
        let macro_template = std::mem::replace(&mut self.current, frame.template.clone());
        self.base = frame.base;
        self.frame = self.scope.len();
        self.in_root = false;
        self.bind_params("`caller`", &frame.block.params, values, pos)?;
        let mut out = String::new();
        let body: &[Node] = &frame.block.body;
        self.render_nodes(body, &mut out)?;
        self.scope.truncate(frame.scope_len);
        self.scope.extend(hidden_scope);
        self.loops.extend(hidden_loops);
        (self.base, self.frame, self.in_root) = saved;
        self.current = macro_template;
        self.depth -= 1;
        Ok(Value::Safe(out.into()))
    }

    /// `super()` in a block: the same block as the parent template defines it.
    fn call_super(&mut self, pos: u32) -> Result<Value, Error> {
        let Some((name, index)) = self.blocks.last().cloned() else {
            let kind = ErrorKind::Type("`super()` outside a block".into());
            return Err(self.error(kind, pos));
        };
        let parent = (index + 1..self.chain.len()).find(|&i| self.chain[i].block(&name).is_some());
        let Some(parent) = parent else {
            let kind =
                ErrorKind::Type(format!("`super()`: no parent template defines block `{name}`"));
            return Err(self.error(kind, pos));
        };
        self.enter("super() calls", pos)?;
        let mut out = String::new();
        self.render_block(&name, parent, &mut out)?;
        self.depth -= 1;
        Ok(Value::Safe(out.into()))
    }
}
