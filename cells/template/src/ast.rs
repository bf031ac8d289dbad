//! The parsed form of a template: statements ([`Node`]) and expressions ([`Expr`]).
//!
//! Names of filters and tests are resolved while parsing (an unknown one is an error then, not
//! on the render that reaches it), and `loop.index`-style reads inside `for` compile to
//! [`ExprKind::Loop`], read straight from the loop's counters.

use std::sync::Arc;

use crate::filters::Filter;
use crate::tests::Test;
use crate::value::Value;

/// A parsed template.
#[derive(Debug)]
pub(crate) struct Template {
    pub(crate) name: Arc<str>,
    pub(crate) source: Arc<str>,
    /// Hash of `source` (the cache key with `name`).
    pub(crate) hash: u64,
    pub(crate) nodes: Vec<Node>,
    /// Every `{% block %}` of the template, nested ones included, by name.
    pub(crate) blocks: Vec<(Arc<str>, Vec<Node>)>,
    pub(crate) macros: Vec<Macro>,
    /// Whether the template starts with `{% extends %}`.
    pub(crate) extends: bool,
    /// Whether it has top-level imports (which its macros see when called from elsewhere).
    pub(crate) imports: bool,
}

impl Template {
    pub(crate) fn block(&self, name: &str) -> Option<&[Node]> {
        self.blocks.iter().find(|(n, _)| &**n == name).map(|(_, b)| b.as_slice())
    }

    pub(crate) fn macro_index(&self, name: &str) -> Option<usize> {
        self.macros.iter().position(|m| &*m.name == name)
    }
}

/// `{% macro name(params) %}body{% endmacro %}`.
#[derive(Debug)]
pub(crate) struct Macro {
    pub(crate) name: Arc<str>,
    pub(crate) params: Vec<Param>,
    pub(crate) body: Vec<Node>,
}

/// A parameter of a macro or `call` block, with its default.
#[derive(Debug)]
pub(crate) struct Param {
    pub(crate) name: Arc<str>,
    pub(crate) default: Option<Expr>,
}

/// A statement, or text.
#[derive(Debug)]
pub(crate) enum Node {
    Text(Box<str>),
    /// `{{ expr }}`.
    Emit(Expr),
    If {
        branches: Vec<(Expr, Vec<Node>)>,
        otherwise: Vec<Node>,
    },
    For(Box<ForLoop>),
    /// `{% set name = value %}`; `global` for `{% set_global %}`, which binds at the top
    /// level of the render even inside a `for`.
    Set {
        name: Arc<str>,
        value: Expr,
        global: bool,
    },
    /// `{% filter name(args) %}body{% endfilter %}`.
    FilterBlock(Box<FilterBlock>),
    /// `{% set name %}body{% endset %}`.
    SetBlock {
        name: Arc<str>,
        body: Vec<Node>,
    },
    /// Where a block is rendered; its body is in [`Template::blocks`].
    Block {
        name: Arc<str>,
    },
    Extends {
        parent: Expr,
    },
    Include {
        name: Expr,
        ignore_missing: bool,
    },
    Import {
        name: Expr,
        alias: Arc<str>,
    },
    /// `{% from "m.html" import a, b as c %}`: (macro name, bound as).
    FromImport {
        name: Expr,
        names: Vec<(Arc<str>, Arc<str>, u32)>,
    },
    CallBlock(Arc<CallBlock>),
    Break,
    Continue,
}

/// `{% for targets in iter if condition %}body{% else %}otherwise{% endfor %}`.
#[derive(Debug)]
pub(crate) struct ForLoop {
    pub(crate) targets: Vec<Arc<str>>,
    pub(crate) iter: Expr,
    pub(crate) condition: Option<Expr>,
    pub(crate) body: Vec<Node>,
    pub(crate) otherwise: Vec<Node>,
}

/// `{% filter name(args) %}body{% endfilter %}`: the body's output, filtered.
#[derive(Debug)]
pub(crate) struct FilterBlock {
    pub(crate) filter: Filter,
    pub(crate) args: Vec<Arg>,
    pub(crate) body: Vec<Node>,
    /// Where the filter's name is.
    pub(crate) pos: u32,
}

/// `{% call(params) macro(args) %}body{% endcall %}`.
#[derive(Debug)]
pub(crate) struct CallBlock {
    pub(crate) params: Vec<Param>,
    pub(crate) call: Expr,
    pub(crate) body: Vec<Node>,
}

/// An expression and the byte offset of the token it is reported at.
#[derive(Debug)]
pub(crate) struct Expr {
    pub(crate) kind: ExprKind,
    pub(crate) pos: u32,
}

#[derive(Debug)]
pub(crate) enum ExprKind {
    Const(Value),
    Var(Arc<str>),
    Loop(LoopField),
    /// `base.name`, `base::name`, or `base?.name` (`optional`).
    Attr {
        base: Box<Expr>,
        name: Arc<str>,
        optional: bool,
    },
    Item {
        base: Box<Expr>,
        index: Box<Expr>,
    },
    Slice {
        base: Box<Expr>,
        start: Option<Box<Expr>>,
        end: Option<Box<Expr>>,
    },
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Binary {
        op: BinOp,
        left: Box<Expr>,
        right: Box<Expr>,
    },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    /// `then if cond else otherwise`.
    Cond {
        cond: Box<Expr>,
        then: Box<Expr>,
        otherwise: Option<Box<Expr>>,
    },
    Call {
        callee: Box<Expr>,
        args: Vec<Arg>,
    },
    Filter {
        base: Box<Expr>,
        filter: Filter,
        args: Vec<Arg>,
    },
    Test {
        base: Box<Expr>,
        test: Test,
        args: Vec<Arg>,
        negated: bool,
    },
    List(Vec<Expr>),
    Map(Vec<(Expr, Expr)>),
}

/// An argument of a call, filter or test, maybe named.
#[derive(Debug)]
pub(crate) struct Arg {
    pub(crate) name: Option<Arc<str>>,
    pub(crate) value: Expr,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Rem,
    Pow,
    Concat,
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    In,
    NotIn,
}

/// A field of `loop` inside a `for`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LoopField {
    Index,
    Index0,
    RevIndex,
    RevIndex0,
    First,
    Last,
    Length,
}

impl LoopField {
    pub(crate) fn from_name(name: &str) -> Option<LoopField> {
        Some(match name {
            "index" => LoopField::Index,
            "index0" => LoopField::Index0,
            "revindex" => LoopField::RevIndex,
            "revindex0" => LoopField::RevIndex0,
            "first" => LoopField::First,
            "last" => LoopField::Last,
            "length" => LoopField::Length,
            _ => return None,
        })
    }
}
