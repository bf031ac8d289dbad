//! Evaluating a template expression in a route's context, for the devtools endpoint
//! (`GET /__dodeca/eval` of the http cell, issue #17).
//!
//! The path of one evaluation: the http cell asks the host `content::eval(EvalRequest)`; the
//! host finds the page or section served at the route, builds the context its template is
//! rendered with (from the snapshot of the last completed build) and asks the template cell
//! `template::eval(EvalTemplate)`; the cell parses the expression alone and evaluates it,
//! calling back the host's `provider::read` for data and functions (`get_section`) as a render
//! does, and answers with the value or the engine's error ([`Evaluated`]), which the host
//! passes on ([`EvalReply`]).

use facet::Facet;

use crate::WireValue;

/// The http cell's question to the host: an expression in the context of a route.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct EvalRequest {
    /// The URL path of a page or section (`/blog/first/`), percent-decoded.
    pub route: String,
    /// The expression (`page.title`, `get_section(path="blog/_index.md").pages | length`).
    pub expression: String,
}

/// The host's answer to an [`EvalRequest`].
#[derive(Facet, Clone, Debug, PartialEq)]
#[repr(u8)]
pub enum EvalReply {
    /// The expression's value.
    Value(WireValue),
    /// The expression does not parse, or failed when evaluated: the engine's error.
    Failed(ExpressionError),
    /// No page or section is served at the route: the nearest routes that are.
    UnknownRoute(Vec<String>),
}

/// The host's request to the template cell: an expression and the context to evaluate it in.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct EvalTemplate {
    /// The expression.
    pub expression: String,
    /// The variables it sees at top level (the route's template context).
    pub context: WireValue,
    /// The host's revision the context belongs to: reads are answered (and kept in the cell's
    /// memo) as for a render of that revision.
    pub revision: u64,
}

/// The template cell's answer to an [`EvalTemplate`].
#[derive(Facet, Clone, Debug, PartialEq)]
#[repr(u8)]
pub enum Evaluated {
    /// The value (a macro or module as its text, an undefined value as null).
    Value(WireValue),
    /// Why there is no value.
    Failed(ExpressionError),
}

/// An error of the template engine in an expression.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct ExpressionError {
    /// The engine's stable name of the kind of error (`syntax`, `undefined-variable`,
    /// `missing-field`, `host`, ...).
    pub kind: String,
    /// What went wrong, without the place.
    pub message: String,
    /// The 1-based line within the expression, when the engine knows the place.
    pub line: Option<u32>,
    /// The 1-based column (in characters) within that line of the expression.
    pub column: Option<u32>,
}

rpc::facet_payload!(EvalRequest, EvalReply, EvalTemplate, Evaluated);
