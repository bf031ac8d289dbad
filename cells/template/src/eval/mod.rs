//! Rendering: the state of one render, variable scopes, and template loading.
//!
//! The interpreter walks the parsed tree directly; statements are in `statements.rs`,
//! expressions in `expressions.rs`, macros, `caller()`, `super()` and functions in `calls.rs`.
//!
//! Scopes are one flat stack of `(name, value)` bindings, searched from the top: a `for` body
//! or an include pushes a frame (its `set`s are dropped when it ends), a macro body pushes a
//! frame that also hides the caller's bindings (`base`). Top-level `set`s and imports of the
//! rendered templates live in `globals`, visible everywhere, macros included.

mod calls;
mod deferred;
mod expressions;
mod statements;

use std::collections::HashMap;
use std::sync::Arc;

use crate::ast::{CallBlock, Template};
use crate::cache::TemplateCache;
use crate::error::{Error, ErrorKind, Location};
use crate::loader::{DataProvider, Loader};
use crate::parser::parse_expression;
use crate::value::{Map, Value};

/// How deep macros, includes, `caller()` and `super()` may nest.
const MAX_DEPTH: u32 = 48;

/// Stack a render may use below where it started, checked where templates nest (macros,
/// includes, `caller()`, `super()`). Within one template, nesting is bounded by the parser;
/// across them, frame sizes differ between debug and release builds, so the count above is
/// not enough on a thread with the default 2 MiB stack.
const STACK_BUDGET: usize = 512 * 1024;

/// The address of a local of the caller's frame: where the stack is now.
#[inline(never)]
fn stack_position() -> usize {
    let marker = 0u8;
    std::hint::black_box(&marker) as *const u8 as usize
}

/// What a statement list asks of the enclosing loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    Normal,
    Break,
    Continue,
}

pub(crate) struct LoopState {
    index: usize,
    length: usize,
}

/// A `call` block being served: what `caller()` needs to render its body where it was written.
#[derive(Clone)]
pub(crate) struct CallerFrame {
    block: Arc<CallBlock>,
    template: Arc<Template>,
    scope_len: usize,
    loops_len: usize,
    base: usize,
}

pub(crate) struct State<'a> {
    cache: &'a TemplateCache,
    loader: &'a dyn Loader,
    data: &'a dyn DataProvider,
    context: &'a Map,
    /// Top-level `set`s and imports, and `set_global`s. An include or a macro call adds its
    /// `set_global`s above `globals_base` and drops them when it ends.
    globals: Vec<(Arc<str>, Value)>,
    globals_base: usize,
    /// Whether output is HTML-escaped here. It starts on when the rendered template's name
    /// ends in `.html`, `.htm` or `.xml`, as Tera decides (`robots.txt` is not escaped), and
    /// is off while an argument, a `set` value or what a `for` walks is evaluated, macro
    /// bodies called from there included, as in Tera. Where it is on, `{{ }}`, the items of
    /// list literals and the fallback of `default` are escaped (see `expressions.rs`,
    /// `escapes`).
    escaping: bool,
    scope: Vec<(Arc<str>, Value)>,
    /// Where the current frame starts in `scope` (`set` binds or rebinds there).
    frame: usize,
    /// Lookups do not go below this (a macro does not see its caller's variables).
    base: usize,
    /// Whether statements run at top level (`set` then binds in `globals`).
    in_root: bool,
    loops: Vec<LoopState>,
    /// The template whose nodes are running (for errors and its macros).
    current: Arc<Template>,
    /// The inheritance chain being rendered, most derived first.
    chain: Vec<Arc<Template>>,
    /// Blocks being rendered: (name, index in `chain` of the template whose body runs).
    blocks: Vec<(Arc<str>, usize)>,
    callers: Vec<CallerFrame>,
    /// Set by a `call` block for the macro call it makes.
    pending_caller: Option<usize>,
    /// Templates this render asked for, so each is asked once.
    /// A list, not a map: a page touches a handful of templates, and a scan of a few names
    /// is cheaper than hashing one.
    templates: Vec<(Box<str>, Option<Arc<Template>>)>,
    /// Data this render fetched, by path.
    fetched: HashMap<Arc<str>, Value>,
    /// Deferred values this render resolved (`deferred.rs`).
    resolved: HashMap<Arc<crate::value::Deferred>, Value>,
    /// Evaluated arguments of the filters and tests being applied.
    arg_stack: Vec<(Option<Arc<str>>, Value)>,
    depth: u32,
    /// [`stack_position`] when the render started.
    stack_start: usize,
}

/// The context as the map of top-level variables (`None` is an empty map).
fn context_map<'a>(context: &'a Value, empty: &'a Map) -> Result<&'a Map, Error> {
    match context {
        Value::Map(map) => Ok(map),
        Value::None => Ok(empty),
        other => {
            let kind =
                ErrorKind::Type(format!("the context must be a map, not {}", other.type_name()));
            Err(Error::new(kind, None))
        }
    }
}

/// Renders template `name`.
pub(crate) fn render(
    cache: &TemplateCache,
    name: &str,
    context: &Value,
    loader: &dyn Loader,
    data: &dyn DataProvider,
) -> Result<String, Error> {
    let empty = Map::new();
    let context = context_map(context, &empty)?;
    let root = match loader.load(name) {
        Ok(Some(source)) => cache.get(name, source)?,
        Ok(None) => return Err(Error::new(ErrorKind::TemplateNotFound(name.into()), None)),
        Err(message) => return Err(Error::new(ErrorKind::Host(message), None)),
    };
    let mut state = State::new(cache, loader, data, context, root.clone(), autoescapes(name));
    state.templates.push((name.into(), Some(root.clone())));
    let mut out = String::with_capacity(root.source.len() * 2);
    state.render_template(root, &mut out, 0)?;
    Ok(out)
}

/// The name errors give an expression evaluated alone.
pub(crate) const EXPRESSION: &str = "<expression>";

/// Evaluates `expression` alone with `context`: parsed as one expression (not a template),
/// so that errors point into it, then evaluated as inside `{{ }}` of a template with no
/// statements of its own (no `set`s, macros or imports to see).
pub(crate) fn evaluate(
    cache: &TemplateCache,
    expression: &str,
    context: &Value,
    loader: &dyn Loader,
    data: &dyn DataProvider,
) -> Result<Value, Error> {
    let empty = Map::new();
    let context = context_map(context, &empty)?;
    let source: Arc<str> = Arc::from(expression);
    let expr = parse_expression(expression).map_err(|(kind, offset)| {
        Error::new(kind, Some(Location::at(EXPRESSION, expression, offset)))
    })?;
    // Errors are placed in `current`'s source: the expression stands as that template.
    let template = Arc::new(Template {
        name: EXPRESSION.into(),
        source,
        hash: 0,
        nodes: Vec::new(),
        blocks: Vec::new(),
        macros: Vec::new(),
        extends: false,
        imports: false,
    });
    // A value, not output: nothing to escape.
    State::new(cache, loader, data, context, template, false).eval(&expr)
}

impl<'a> State<'a> {
    fn new(
        cache: &'a TemplateCache,
        loader: &'a dyn Loader,
        data: &'a dyn DataProvider,
        context: &'a Map,
        current: Arc<Template>,
        escaping: bool,
    ) -> State<'a> {
        State {
            cache,
            loader,
            data,
            context,
            globals: Vec::new(),
            globals_base: 0,
            escaping,
            scope: Vec::new(),
            frame: 0,
            base: 0,
            in_root: true,
            loops: Vec::new(),
            current,
            chain: Vec::new(),
            blocks: Vec::new(),
            callers: Vec::new(),
            pending_caller: None,
            templates: Vec::new(),
            fetched: HashMap::new(),
            resolved: HashMap::new(),
            arg_stack: Vec::new(),
            depth: 0,
            stack_start: stack_position(),
        }
    }
}

/// Whether Tera escapes a template of this name: `.html`, `.htm` and `.xml` templates only.
pub(crate) fn autoescapes(name: &str) -> bool {
    [".html", ".htm", ".xml"].iter().any(|suffix| name.ends_with(suffix))
}

impl State<'_> {
    /// An error at byte `pos` of the running template.
    pub(crate) fn error(&self, kind: ErrorKind, pos: u32) -> Error {
        let location = Location::at(&self.current.name, &self.current.source, pos as usize);
        Error::new(kind, Some(location))
    }

    /// Template `name`, asked of the loader the first time this render needs it.
    pub(crate) fn template(
        &mut self,
        name: &str,
        pos: u32,
    ) -> Result<Option<Arc<Template>>, Error> {
        if let Some((_, known)) = self.templates.iter().find(|(n, _)| **n == *name) {
            return Ok(known.clone());
        }
        let loaded = match self.loader.load(name) {
            Ok(Some(source)) => Some(self.cache.get(name, source)?),
            Ok(None) => None,
            Err(message) => return Err(self.error(ErrorKind::Host(message), pos)),
        };
        self.templates.push((name.into(), loaded.clone()));
        Ok(loaded)
    }

    /// Like [`State::template`], with a missing template an error.
    pub(crate) fn required_template(
        &mut self,
        name: &Value,
        pos: u32,
    ) -> Result<Arc<Template>, Error> {
        let Some(name) = name.as_str() else {
            let kind = ErrorKind::Type(format!(
                "a template name must be a string, not {}",
                name.type_name()
            ));
            return Err(self.error(kind, pos));
        };
        match self.template(name, pos)? {
            Some(t) => Ok(t),
            None => Err(self.error(ErrorKind::TemplateNotFound(name.into()), pos)),
        }
    }

    pub(crate) fn enter(&mut self, what: &str, pos: u32) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let kind =
                ErrorKind::Recursion(format!("{what} nested more than {MAX_DEPTH} levels deep"));
            return Err(self.error(kind, pos));
        }
        if stack_position().abs_diff(self.stack_start) > STACK_BUDGET {
            let kind = ErrorKind::Recursion(format!("{what} nested too deeply for the stack"));
            return Err(self.error(kind, pos));
        }
        Ok(())
    }

    /// The value bound to `name`: innermost frame first, then globals, then the context.
    pub(crate) fn lookup(&self, name: &str) -> Option<&Value> {
        if let Some((_, v)) = self.scope[self.base..].iter().rev().find(|(n, _)| &**n == name) {
            return Some(v);
        }
        if let Some((_, v)) = self.globals.iter().rev().find(|(n, _)| &**n == name) {
            return Some(v);
        }
        self.context.get(name)
    }

    /// Binds `name` in the current frame (or the globals at top level); `global` binds it in
    /// the globals of the template being rendered, as `set_global` does from inside a `for`.
    pub(crate) fn bind(&mut self, name: &Arc<str>, value: Value, global: bool) {
        let (bindings, from) = if self.in_root || global {
            (&mut self.globals, self.globals_base)
        } else {
            (&mut self.scope, self.frame)
        };
        match bindings[from..].iter_mut().rev().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => bindings.push((name.clone(), value)),
        }
    }

    /// Every name visible here, for "available: ..." in errors.
    pub(crate) fn available(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let visible = self.scope[self.base..].iter().rev().chain(self.globals.iter().rev());
        for name in visible.map(|(n, _)| n.to_string()).chain(self.context.key_list()) {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        for m in &self.current.macros {
            if !names.iter().any(|n| **n == *m.name) {
                names.push(m.name.to_string());
            }
        }
        names.push("data".into());
        if !self.loops.is_empty() {
            names.push("loop".into());
        }
        names
    }
}
