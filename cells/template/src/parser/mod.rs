//! Tokens to a [`Template`]: statements here, expressions in `expressions.rs`.
//!
//! A recursive-descent parser. Statement bodies are parsed until one of the tags that may end
//! them (`elif`, `else`, `endif` for an `if`), and an unclosed statement is reported at its
//! opening tag, which is where the user has to look.

mod expressions;

use std::sync::Arc;

use crate::ast::{CallBlock, Expr, ExprKind, FilterBlock, ForLoop, Macro, Node, Param, Template};
use crate::error::ErrorKind;
use crate::lexer::{Tok, Token, tokenize, tokenize_expression};

/// A parse error: kind and byte offset.
pub(crate) type ParseError = (ErrorKind, usize);

/// Nesting deeper than this (brackets, operator chains) is refused: the parser and the
/// interpreter recurse, and any input must give `Ok` or an error, never a stack overflow.
const MAX_DEPTH: u32 = 200;
/// The same for statements inside statements, whose frames are larger.
const MAX_STATEMENT_DEPTH: u32 = 64;

/// Parses `source` as template `name`.
pub(crate) fn parse(name: Arc<str>, source: Arc<str>, hash: u64) -> Result<Template, ParseError> {
    let tokens = tokenize(&source)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        blocks: Vec::new(),
        macros: Vec::new(),
        loops: 0,
        depth: 0,
        statements: 0,
        end: "the end of the template",
    };
    let (nodes, _) = parser.body(&[], 0)?;
    let extends = nodes.iter().any(|n| matches!(n, Node::Extends { .. }));
    let imports = nodes.iter().any(|n| matches!(n, Node::Import { .. } | Node::FromImport { .. }));
    Ok(Template {
        name,
        source,
        hash,
        nodes,
        blocks: parser.blocks,
        macros: parser.macros,
        extends,
        imports,
    })
}

/// Parses `source` as one expression and nothing after it (the devtools' `eval`); offsets
/// in errors are into `source`.
pub(crate) fn parse_expression(source: &str) -> Result<Expr, ParseError> {
    let tokens = tokenize_expression(source)?;
    let mut parser = Parser {
        tokens,
        at: 0,
        blocks: Vec::new(),
        macros: Vec::new(),
        loops: 0,
        depth: 0,
        statements: 0,
        end: "the end of the expression",
    };
    let expr = parser.expression()?;
    if !matches!(parser.peek(), Tok::Eof) {
        return parser.unexpected("the end of the expression");
    }
    Ok(expr)
}

pub(crate) struct Parser {
    tokens: Vec<Token>,
    at: usize,
    blocks: Vec<(Arc<str>, Vec<Node>)>,
    macros: Vec<Macro>,
    /// How many `for` bodies enclose the current position (`loop.x` is a loop read there).
    loops: u32,
    depth: u32,
    statements: u32,
    /// How the end of the input is named in errors.
    end: &'static str,
}

fn syntax(message: impl Into<String>, at: u32) -> ParseError {
    (ErrorKind::Syntax(message.into()), at as usize)
}

fn describe(tok: &Tok) -> String {
    match tok {
        Tok::Text(_) => "text".into(),
        Tok::VarStart => "`{{`".into(),
        Tok::VarEnd => "`}}`".into(),
        Tok::BlockStart => "`{%`".into(),
        Tok::BlockEnd => "`%}`".into(),
        Tok::Ident(name) => format!("`{name}`"),
        Tok::Str(_) => "a string".into(),
        Tok::Int(_) | Tok::Float(_) => "a number".into(),
        Tok::Punct(p) => format!("`{p}`"),
        Tok::Eof => "the end of the template".into(),
    }
}

impl Parser {
    pub(crate) fn peek(&self) -> &Tok {
        &self.tokens[self.at].kind
    }

    pub(crate) fn peek_at(&self, ahead: usize) -> &Tok {
        let i = (self.at + ahead).min(self.tokens.len() - 1);
        &self.tokens[i].kind
    }

    pub(crate) fn pos(&self) -> u32 {
        self.tokens[self.at].pos
    }

    pub(crate) fn next(&mut self) -> Token {
        let token = self.tokens[self.at].clone();
        if self.at + 1 < self.tokens.len() {
            self.at += 1;
        }
        token
    }

    pub(crate) fn unexpected<T>(&self, wanted: &str) -> Result<T, ParseError> {
        let found = match self.peek() {
            Tok::Eof => self.end.to_string(),
            other => describe(other),
        };
        Err(syntax(format!("expected {wanted}, found {found}"), self.pos()))
    }

    pub(crate) fn eat_punct(&mut self, p: &str) -> bool {
        if matches!(self.peek(), Tok::Punct(q) if *q == p) {
            self.next();
            true
        } else {
            false
        }
    }

    pub(crate) fn expect_punct(&mut self, p: &str) -> Result<(), ParseError> {
        if self.eat_punct(p) { Ok(()) } else { self.unexpected(&format!("`{p}`")) }
    }

    pub(crate) fn is_keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Tok::Ident(w) if w == word)
    }

    pub(crate) fn eat_keyword(&mut self, word: &str) -> bool {
        if self.is_keyword(word) {
            self.next();
            true
        } else {
            false
        }
    }

    fn expect_keyword(&mut self, word: &str) -> Result<(), ParseError> {
        if self.eat_keyword(word) { Ok(()) } else { self.unexpected(&format!("`{word}`")) }
    }

    pub(crate) fn ident(&mut self) -> Result<Arc<str>, ParseError> {
        match self.peek() {
            Tok::Ident(name) => {
                let name = name.as_str().into();
                self.next();
                Ok(name)
            }
            _ => self.unexpected("a name"),
        }
    }

    fn end_tag(&mut self) -> Result<(), ParseError> {
        if matches!(self.peek(), Tok::BlockEnd) {
            self.next();
            Ok(())
        } else {
            self.unexpected("`%}`")
        }
    }

    pub(crate) fn enter(&mut self, at: u32) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(syntax(format!("nested more than {MAX_DEPTH} levels deep"), at));
        }
        Ok(())
    }

    pub(crate) fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Nodes until a `{% word %}` with `word` in `ends` (consumed up to the word, which is
    /// returned with its position), or the end of the template if `ends` is empty.
    fn body(&mut self, ends: &[&str], opened_at: u32) -> Result<(Vec<Node>, String), ParseError> {
        self.statements += 1;
        if self.statements > MAX_STATEMENT_DEPTH {
            let message = format!("statements nested more than {MAX_STATEMENT_DEPTH} levels deep");
            return Err(syntax(message, opened_at));
        }
        self.enter(opened_at)?;
        let mut nodes = Vec::new();
        loop {
            let token = self.next();
            match token.kind {
                Tok::Text(text) => nodes.push(Node::Text(text.into())),
                Tok::VarStart => {
                    let expr = self.expression()?;
                    if !matches!(self.peek(), Tok::VarEnd) {
                        return self.unexpected("`}}`");
                    }
                    self.next();
                    nodes.push(Node::Emit(expr));
                }
                Tok::BlockStart => {
                    if let Tok::Ident(word) = self.peek()
                        && ends.contains(&word.as_str())
                    {
                        let word = word.clone();
                        self.next();
                        self.leave();
                        self.statements -= 1;
                        return Ok((nodes, word));
                    }
                    if let Some(node) = self.statement(token.pos)? {
                        nodes.push(node);
                    }
                }
                Tok::Eof if ends.is_empty() => {
                    self.leave();
                    self.statements -= 1;
                    return Ok((nodes, String::new()));
                }
                Tok::Eof => {
                    let wanted = ends.iter().map(|e| format!("`{{% {e} %}}`")).collect::<Vec<_>>();
                    return Err(syntax(
                        format!("unclosed tag: expected {} before the end", wanted.join(" or ")),
                        opened_at,
                    ));
                }
                other => return Err(syntax(format!("unexpected {}", describe(&other)), token.pos)),
            }
        }
    }

    /// A statement after its `{%`; `None` for statements that leave no node (`macro`).
    fn statement(&mut self, open: u32) -> Result<Option<Node>, ParseError> {
        let at = self.pos();
        let word = match self.peek() {
            Tok::Ident(word) => word.clone(),
            _ => return self.unexpected("a statement"),
        };
        self.next();
        let node = match word.as_str() {
            "if" => self.if_statement(open)?,
            "for" => self.for_statement(open)?,
            "set" => self.set_statement(open, false)?,
            "set_global" => self.set_statement(open, true)?,
            "filter" => {
                let (filter, args, pos) = self.filter_call()?;
                self.end_tag()?;
                let (body, _) = self.body(&["endfilter"], open)?;
                self.end_tag()?;
                Node::FilterBlock(Box::new(FilterBlock { filter, args, body, pos }))
            }
            "block" => self.block_statement(open)?,
            "extends" => {
                let parent = self.expression()?;
                self.end_tag()?;
                Node::Extends { parent }
            }
            "include" => {
                let name = self.expression()?;
                let ignore_missing = self.eat_keyword("ignore");
                if ignore_missing {
                    self.expect_keyword("missing")?;
                }
                self.end_tag()?;
                Node::Include { name, ignore_missing }
            }
            "import" => {
                let name = self.expression()?;
                self.expect_keyword("as")?;
                let alias = self.ident()?;
                self.end_tag()?;
                Node::Import { name, alias }
            }
            "from" => self.import_from_statement()?,
            "macro" => {
                self.macro_statement(open)?;
                return Ok(None);
            }
            "call" => self.call_statement(open)?,
            "break" | "continue" => {
                if self.loops == 0 {
                    return Err(syntax(format!("`{word}` outside a `for` loop"), at));
                }
                self.end_tag()?;
                if word == "break" { Node::Break } else { Node::Continue }
            }
            other => {
                let hint = match other {
                    "endif" | "endfor" | "endblock" | "endmacro" | "endset" | "endcall"
                    | "endfilter" | "else" | "elif" => {
                        format!("`{other}` without a matching opening tag")
                    }
                    _ => format!("unknown statement `{other}`"),
                };
                return Err(syntax(hint, at));
            }
        };
        Ok(Some(node))
    }

    fn if_statement(&mut self, open: u32) -> Result<Node, ParseError> {
        let mut branches = Vec::new();
        let mut cond = self.expression()?;
        self.end_tag()?;
        loop {
            let (body, end) = self.body(&["elif", "else", "endif"], open)?;
            branches.push((cond, body));
            match end.as_str() {
                "elif" => {
                    cond = self.expression()?;
                    self.end_tag()?;
                }
                "else" => {
                    self.end_tag()?;
                    let (otherwise, _) = self.body(&["endif"], open)?;
                    self.end_tag()?;
                    return Ok(Node::If { branches, otherwise });
                }
                _ => {
                    self.end_tag()?;
                    return Ok(Node::If { branches, otherwise: Vec::new() });
                }
            }
        }
    }

    fn for_statement(&mut self, open: u32) -> Result<Node, ParseError> {
        let mut targets = vec![self.ident()?];
        if self.eat_punct(",") {
            targets.push(self.ident()?);
        }
        self.expect_keyword("in")?;
        // `if` after the iterable filters the items; parse the iterable without conditionals.
        let iter = self.or_expression()?;
        let condition = if self.eat_keyword("if") { Some(self.expression()?) } else { None };
        self.end_tag()?;
        self.loops += 1;
        let (body, end) = self.body(&["else", "endfor"], open)?;
        self.loops -= 1;
        let otherwise = if end == "else" {
            self.end_tag()?;
            self.body(&["endfor"], open)?.0
        } else {
            Vec::new()
        };
        self.end_tag()?;
        Ok(Node::For(Box::new(ForLoop { targets, iter, condition, body, otherwise })))
    }

    /// `{% set x = v %}`, `{% set_global x = v %}` (`global`), `{% set x %}body{% endset %}`.
    fn set_statement(&mut self, open: u32, global: bool) -> Result<Node, ParseError> {
        let name = self.ident()?;
        if global || matches!(self.peek(), Tok::Punct("=")) {
            self.expect_punct("=")?;
            let value = self.expression()?;
            self.end_tag()?;
            return Ok(Node::Set { name, value, global });
        }
        self.end_tag()?;
        let (body, _) = self.body(&["endset"], open)?;
        self.end_tag()?;
        Ok(Node::SetBlock { name, body })
    }

    fn block_statement(&mut self, open: u32) -> Result<Node, ParseError> {
        let at = self.pos();
        let name = self.ident()?;
        self.end_tag()?;
        if self.blocks.iter().any(|(n, _)| *n == name) {
            return Err(syntax(format!("block `{name}` defined twice"), at));
        }
        let (body, _) = self.body(&["endblock"], open)?;
        if let Tok::Ident(_) = self.peek() {
            let end_at = self.pos();
            let end_name = self.ident()?;
            if end_name != name {
                return Err(syntax(format!("`endblock {end_name}` closes block `{name}`"), end_at));
            }
        }
        self.end_tag()?;
        self.blocks.push((name.clone(), body));
        Ok(Node::Block { name })
    }

    fn import_from_statement(&mut self) -> Result<Node, ParseError> {
        let name = self.expression()?;
        self.expect_keyword("import")?;
        let mut names = Vec::new();
        loop {
            let at = self.pos();
            let item = self.ident()?;
            let alias = if self.eat_keyword("as") { self.ident()? } else { item.clone() };
            names.push((item, alias, at));
            if !self.eat_punct(",") {
                break;
            }
        }
        self.end_tag()?;
        Ok(Node::FromImport { name, names })
    }

    fn params(&mut self) -> Result<Vec<Param>, ParseError> {
        let mut params = Vec::new();
        self.expect_punct("(")?;
        while !self.eat_punct(")") {
            let name = self.ident()?;
            let default = if self.eat_punct("=") { Some(self.expression()?) } else { None };
            params.push(Param { name, default });
            if !self.eat_punct(",") {
                self.expect_punct(")")?;
                break;
            }
        }
        Ok(params)
    }

    fn macro_statement(&mut self, open: u32) -> Result<(), ParseError> {
        let at = self.pos();
        let name = self.ident()?;
        let params = self.params()?;
        self.end_tag()?;
        // A macro body is its own scope: `loop` of an enclosing `for` is not visible in it.
        let loops = std::mem::take(&mut self.loops);
        let (body, _) = self.body(&["endmacro"], open)?;
        self.loops = loops;
        if let Tok::Ident(_) = self.peek() {
            self.next();
        }
        self.end_tag()?;
        if self.macros.iter().any(|m| m.name == name) {
            return Err(syntax(format!("macro `{name}` defined twice"), at));
        }
        self.macros.push(Macro { name, params, body });
        Ok(())
    }

    fn call_statement(&mut self, open: u32) -> Result<Node, ParseError> {
        let params =
            if matches!(self.peek(), Tok::Punct("(")) { self.params()? } else { Vec::new() };
        let call: Expr = self.expression()?;
        if !matches!(call.kind, ExprKind::Call { .. }) {
            return Err(syntax(
                "`call` needs a macro call, like `{% call m.list(items) %}`",
                call.pos,
            ));
        }
        self.end_tag()?;
        let (body, _) = self.body(&["endcall"], open)?;
        self.end_tag()?;
        Ok(Node::CallBlock(Arc::new(CallBlock { params, call, body })))
    }
}
