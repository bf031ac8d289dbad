//! Statements: text, output, `if`, `for`, `set`, blocks and inheritance, includes, imports.

use std::sync::Arc;

use super::{CallerFrame, Flow, LoopState, State};
use crate::ast::{ForLoop, Node, Template};
use crate::error::{Error, ErrorKind};
use crate::escape::escape_html;
use crate::filters::Filter;
use crate::value::{Object, ObjectKind, Value};

use super::expressions::escapes;

/// Longest inheritance chain (a cycle is caught before this).
const MAX_CHAIN: usize = 32;

/// What a `for` walks over.
enum Items {
    List(Arc<Vec<Value>>),
    Owned(Vec<Value>),
}

impl Items {
    fn as_slice(&self) -> &[Value] {
        match self {
            Items::List(l) => l,
            Items::Owned(v) => v,
        }
    }
}

impl State<'_> {
    /// Renders template `template`, following its `extends` chain.
    pub(crate) fn render_template(
        &mut self,
        template: Arc<Template>,
        out: &mut String,
        pos: u32,
    ) -> Result<(), Error> {
        self.enter("includes", pos)?;
        let saved_current = std::mem::replace(&mut self.current, template.clone());
        let saved_blocks = std::mem::take(&mut self.blocks);
        let mut chain = vec![template];
        while let Some(last) = chain.last().cloned() {
            if !last.extends {
                break;
            }
            self.current = last.clone();
            // A child template's top-level `set`s and imports run; its other output is dropped.
            let mut parent = None;
            for node in &last.nodes {
                match node {
                    Node::Extends { parent: expr } => {
                        let name = self.eval(expr)?;
                        parent = Some((self.required_template(&name, expr.pos)?, expr.pos));
                    }
                    Node::Set { .. }
                    | Node::SetBlock { .. }
                    | Node::Import { .. }
                    | Node::FromImport { .. } => {
                        self.render_nodes(std::slice::from_ref(node), &mut String::new())?;
                    }
                    _ => {}
                }
            }
            let Some((parent, pos)) = parent else { break };
            if chain.iter().any(|t| Arc::ptr_eq(t, &parent)) || chain.len() >= MAX_CHAIN {
                let kind = ErrorKind::Recursion(format!(
                    "`{}` extends itself (through `{}`)",
                    parent.name, last.name
                ));
                return Err(self.error(kind, pos));
            }
            chain.push(parent);
        }
        let root = chain.last().cloned().unwrap_or_else(|| self.current.clone());
        let saved_chain = std::mem::replace(&mut self.chain, chain);
        self.current = root.clone();
        self.render_nodes(&root.nodes, out)?;
        self.chain = saved_chain;
        self.blocks = saved_blocks;
        self.current = saved_current;
        self.depth -= 1;
        Ok(())
    }

    pub(crate) fn render_nodes(&mut self, nodes: &[Node], out: &mut String) -> Result<Flow, Error> {
        for node in nodes {
            match node {
                Node::Text(text) => out.push_str(text),
                Node::Emit(expr) => {
                    let value = self.eval(expr)?;
                    let value = self.resolve_deep(value, expr.pos)?;
                    match value.as_str() {
                        Some(text) if self.escaping && escapes(expr, &value) => {
                            escape_html(out, text)
                        }
                        _ => write_value(&value, out),
                    }
                }
                Node::If { branches, otherwise } => {
                    let mut body = otherwise;
                    for (cond, branch) in branches {
                        if self.eval_bool(cond)? {
                            body = branch;
                            break;
                        }
                    }
                    let flow = self.render_nodes(body, out)?;
                    if flow != Flow::Normal {
                        return Ok(flow);
                    }
                }
                Node::For(for_loop) => self.render_for(for_loop, out)?,
                Node::Set { name, value, global } => {
                    // As in Tera, a variable's value is plain text even when it was made by a
                    // macro: `{{ x }}` escapes it.
                    let value = self.eval_unescaped(value)?.unmarked();
                    self.bind(name, value, *global);
                }
                Node::SetBlock { name, body } => {
                    let mut captured = String::new();
                    self.render_nodes(body, &mut captured)?;
                    self.bind(name, Value::Safe(captured.into()), false);
                }
                Node::FilterBlock(block) => {
                    let mut body = String::new();
                    let flow = self.render_nodes(&block.body, &mut body)?;
                    // Tera prints a filter block's result as it is, never escaped again.
                    if block.filter == Filter::Safe {
                        out.push_str(&body);
                    } else {
                        let value = Value::String(body.into());
                        let value =
                            self.apply_filter(block.filter, value, &block.args, block.pos)?;
                        write_value(&value, out);
                    }
                    if flow != Flow::Normal {
                        return Ok(flow);
                    }
                }
                Node::Block { name } => {
                    let found = self.chain.iter().position(|t| t.block(name).is_some());
                    match found {
                        Some(index) => self.render_block(name, index, out)?,
                        // A block of an included or imported template outside any chain.
                        None => {
                            let current = self.current.clone();
                            if let Some(body) = current.block(name) {
                                self.render_nodes(body, out)?;
                            }
                        }
                    }
                }
                Node::Extends { .. } => {}
                Node::Include { name, ignore_missing } => {
                    let value = self.eval_unescaped(name)?;
                    let template = match &value {
                        // The first of the list that exists, as Tera does.
                        Value::List(names) => {
                            let mut found = None;
                            for candidate in names.iter() {
                                let Some(n) = candidate.as_str() else {
                                    found = Some(self.required_template(candidate, name.pos)?);
                                    break;
                                };
                                if let Some(t) = self.template(n, name.pos)? {
                                    found = Some(t);
                                    break;
                                }
                            }
                            found
                        }
                        _ => match value.as_str() {
                            Some(n) => self.template(n, name.pos)?,
                            None => Some(self.required_template(&value, name.pos)?),
                        },
                    };
                    match template {
                        Some(template) => self.include(template, out, name.pos)?,
                        None if *ignore_missing => {}
                        None => {
                            let missing = value.to_text().to_string();
                            return Err(self.error(ErrorKind::TemplateNotFound(missing), name.pos));
                        }
                    }
                }
                Node::Import { name, alias } => {
                    let value = self.eval_unescaped(name)?;
                    let module = self.required_template(&value, name.pos)?;
                    self.bind(alias, Value::Object(Object(ObjectKind::Module(module))), false);
                }
                Node::FromImport { name, names } => {
                    let value = self.eval_unescaped(name)?;
                    let module = self.required_template(&value, name.pos)?;
                    for (item, alias, pos) in names {
                        let Some(index) = module.macro_index(item) else {
                            let available =
                                module.macros.iter().map(|m| m.name.to_string()).collect();
                            return Err(self.error(
                                ErrorKind::MissingField { field: item.to_string(), available },
                                *pos,
                            ));
                        };
                        self.bind(
                            alias,
                            Value::Object(Object(ObjectKind::Macro(module.clone(), index))),
                            false,
                        );
                    }
                }
                Node::CallBlock(block) => {
                    self.callers.push(CallerFrame {
                        block: block.clone(),
                        template: self.current.clone(),
                        scope_len: self.scope.len(),
                        loops_len: self.loops.len(),
                        base: self.base,
                    });
                    self.pending_caller = Some(self.callers.len() - 1);
                    let result = self.eval(&block.call);
                    self.pending_caller = None;
                    self.callers.pop();
                    write_value(&result?, out);
                }
                Node::Break => return Ok(Flow::Break),
                Node::Continue => return Ok(Flow::Continue),
            }
        }
        Ok(Flow::Normal)
    }

    /// Renders an included template in a frame of its own, seeing the includer's variables.
    fn include(
        &mut self,
        template: Arc<Template>,
        out: &mut String,
        pos: u32,
    ) -> Result<(), Error> {
        let (frame, in_root, len) = (self.frame, self.in_root, self.scope.len());
        let globals = std::mem::replace(&mut self.globals_base, self.globals.len());
        self.frame = len;
        self.in_root = false;
        self.render_template(template, out, pos)?;
        self.scope.truncate(len);
        // Its `set_global`s end with it.
        self.globals.truncate(self.globals_base);
        self.globals_base = globals;
        self.frame = frame;
        self.in_root = in_root;
        Ok(())
    }

    /// Renders block `name` as defined by `chain[index]`.
    pub(crate) fn render_block(
        &mut self,
        name: &Arc<str>,
        index: usize,
        out: &mut String,
    ) -> Result<(), Error> {
        let template = self.chain[index].clone();
        let Some(body) = template.block(name) else { return Ok(()) };
        let saved = std::mem::replace(&mut self.current, template.clone());
        self.blocks.push((name.clone(), index));
        self.render_nodes(body, out)?;
        self.blocks.pop();
        self.current = saved;
        Ok(())
    }

    fn render_for(&mut self, for_loop: &ForLoop, out: &mut String) -> Result<(), Error> {
        let iterable = self.eval_unescaped(&for_loop.iter)?;
        let items = match iterable {
            Value::List(list) => Items::List(list),
            Value::Map(map) if for_loop.targets.len() == 2 => Items::Owned(
                map.iter()
                    .map(|(k, v)| Value::list([Value::String(k.clone()), v.clone()]))
                    .collect(),
            ),
            other => match crate::filters::items(&other) {
                Some(items) => Items::Owned(items),
                None => {
                    let kind =
                        ErrorKind::Type(format!("cannot iterate over {}", other.type_name()));
                    return Err(self.error(kind, for_loop.iter.pos));
                }
            },
        };
        let (frame, in_root, start) = (self.frame, self.in_root, self.scope.len());
        self.frame = start;
        self.in_root = false;
        for target in &for_loop.targets {
            self.scope.push((target.clone(), Value::None));
        }
        let bound = start + for_loop.targets.len();
        let items = match &for_loop.condition {
            None => items,
            Some(condition) => {
                let mut kept = Vec::new();
                for item in items.as_slice() {
                    self.assign_targets(for_loop, start, item)?;
                    if self.eval_bool(condition)? {
                        kept.push(item.clone());
                    }
                }
                Items::Owned(kept)
            }
        };
        let items = items.as_slice();
        self.loops.push(LoopState { index: 0, length: items.len() });
        for (index, item) in items.iter().enumerate() {
            self.scope.truncate(bound);
            self.assign_targets(for_loop, start, item)?;
            if let Some(state) = self.loops.last_mut() {
                state.index = index;
            }
            if self.render_nodes(&for_loop.body, out)? == Flow::Break {
                break;
            }
        }
        self.loops.pop();
        self.scope.truncate(start);
        self.frame = frame;
        self.in_root = in_root;
        if items.is_empty() {
            self.render_nodes(&for_loop.otherwise, out)?;
        }
        Ok(())
    }

    fn assign_targets(
        &mut self,
        for_loop: &ForLoop,
        start: usize,
        item: &Value,
    ) -> Result<(), Error> {
        if for_loop.targets.len() == 1 {
            self.scope[start].1 = item.clone();
            return Ok(());
        }
        let (first, second) = match item {
            Value::List(pair) if pair.len() == 2 => (pair[0].clone(), pair[1].clone()),
            Value::Map(map) if map.len() == 2 => {
                let mut values = map.iter().map(|(_, v)| v.clone());
                (values.next().unwrap_or_default(), values.next().unwrap_or_default())
            }
            other => {
                let kind = ErrorKind::Type(format!(
                    "cannot unpack {} into two loop variables",
                    other.type_name()
                ));
                return Err(self.error(kind, for_loop.iter.pos));
            }
        };
        self.scope[start].1 = first;
        self.scope[start + 1].1 = second;
        Ok(())
    }
}

/// Prints a value as Tera does: text as it is (escaping is decided by the caller), numbers,
/// lists as `[a, b]`, maps as `[object]`, none as nothing.
pub(crate) fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Int(i) => write_int(out, *i),
        other => other.write_text(out),
    }
}

fn write_int(out: &mut String, i: i64) {
    let mut buf = [0u8; 20];
    let mut n = i.unsigned_abs();
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    if i < 0 {
        out.push('-');
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&buf[at..]).unwrap_or_default());
}
