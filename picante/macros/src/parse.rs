//! Reading the items the macros are put on: structs and functions, by walking token trees.
//!
//! Every error carries the span of the tokens it is about, so that `compile_error!` points at
//! the offending generic, parameter or keyword rather than at the whole item. Types, bodies
//! and attributes are kept as the user's own tokens (with their spans) and copied into the
//! output unchanged; the macros only look at the shape around them.

use unsynn::{
    Delimiter, Group, Ident, Literal, Punct, Spacing, Span, ToTokens, TokenStream, TokenTree,
};

/// A misuse of a macro, reported as `compile_error!` at `span`.
#[derive(Debug)]
pub(crate) struct Error {
    span: Span,
    message: String,
}

pub(crate) type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub(crate) fn new(span: Span, message: impl Into<String>) -> Error {
        Error { span, message: message.into() }
    }

    /// `compile_error! { "…" }` with every token at the error's span: the compiler reports
    /// the error where the span points.
    pub(crate) fn to_compile_error(&self) -> TokenStream {
        let mut bang = Punct::new('!', Spacing::Alone);
        bang.set_span(self.span);
        let mut message = Literal::string(&self.message);
        message.set_span(self.span);
        let mut body = Group::new(Delimiter::Brace, TokenTree::Literal(message).into());
        body.set_span(self.span);
        [
            TokenTree::Ident(Ident::new("compile_error", self.span)),
            TokenTree::Punct(bang),
            TokenTree::Group(body),
        ]
        .into_iter()
        .collect()
    }

    #[cfg(test)]
    pub(crate) fn message(&self) -> &str {
        &self.message
    }
}

/// An outer attribute, `#[…]`, kept as written.
#[derive(Clone)]
pub(crate) struct Attribute {
    pound: Punct,
    body: Group,
}

impl Attribute {
    pub(crate) fn span(&self) -> Span {
        self.pound.span()
    }

    /// `#[doc = …]`, which is also what `///` comments arrive as.
    pub(crate) fn is_doc(&self) -> bool {
        self.is_named("doc")
    }

    /// `#[name …]`: `#[inline]`, `#[inline(never)]`.
    pub(crate) fn is_named(&self, name: &str) -> bool {
        matches!(self.body.stream().into_iter().next(), Some(TokenTree::Ident(i)) if i == name)
    }

    /// Exactly `#[word]`, e.g. `#[key]`.
    pub(crate) fn is_bare(&self, word: &str) -> bool {
        let tokens: Vec<TokenTree> = self.body.stream().into_iter().collect();
        matches!(tokens.as_slice(), [TokenTree::Ident(i)] if i == word)
    }
}

impl ToTokens for Attribute {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        tokens.extend([TokenTree::Punct(self.pound.clone()), TokenTree::Group(self.body.clone())]);
    }
}

/// A position in a flat list of token trees.
pub(crate) struct Cursor {
    tokens: Vec<TokenTree>,
    pos: usize,
    /// Where to point when the input ends too early.
    end: Span,
}

impl Cursor {
    pub(crate) fn new(stream: TokenStream, end: Span) -> Cursor {
        Cursor { tokens: stream.into_iter().collect(), pos: 0, end }
    }

    pub(crate) fn peek(&self) -> Option<&TokenTree> {
        self.tokens.get(self.pos)
    }

    pub(crate) fn next(&mut self) -> Option<TokenTree> {
        let token = self.tokens.get(self.pos).cloned();
        self.pos += usize::from(token.is_some());
        token
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.tokens.len()
    }

    /// The span of the next token, or of the end.
    pub(crate) fn span(&self) -> Span {
        self.peek().map_or(self.end, TokenTree::span)
    }

    pub(crate) fn peek_ident(&self, word: &str) -> bool {
        matches!(self.peek(), Some(TokenTree::Ident(i)) if i == word)
    }

    pub(crate) fn peek_punct(&self, c: char) -> bool {
        matches!(self.peek(), Some(TokenTree::Punct(p)) if p.as_char() == c)
    }

    pub(crate) fn eat_ident(&mut self, word: &str) -> Option<Ident> {
        match self.peek() {
            Some(TokenTree::Ident(i)) if i == word => {
                let i = i.clone();
                self.pos += 1;
                Some(i)
            }
            _ => None,
        }
    }

    pub(crate) fn eat_punct(&mut self, c: char) -> Option<Punct> {
        match self.peek() {
            Some(TokenTree::Punct(p)) if p.as_char() == c => {
                let p = p.clone();
                self.pos += 1;
                Some(p)
            }
            _ => None,
        }
    }

    /// The next token as an identifier, or an error saying `what` was expected there.
    pub(crate) fn expect_ident(&mut self, what: &str) -> Result<Ident> {
        match self.peek() {
            Some(TokenTree::Ident(i)) => {
                let i = i.clone();
                self.pos += 1;
                Ok(i)
            }
            _ => Err(Error::new(self.span(), format!("picante: expected {what}"))),
        }
    }

    /// Outer attributes, `#[…]` each.
    pub(crate) fn attributes(&mut self) -> Vec<Attribute> {
        let mut attributes = Vec::new();
        while let (Some(TokenTree::Punct(p)), Some(TokenTree::Group(g))) =
            (self.tokens.get(self.pos), self.tokens.get(self.pos + 1))
        {
            if p.as_char() != '#' || g.delimiter() != Delimiter::Bracket {
                break;
            }
            attributes.push(Attribute { pound: p.clone(), body: g.clone() });
            self.pos += 2;
        }
        attributes
    }

    /// `pub`, `pub(crate)`, `pub(in path)`, or nothing.
    pub(crate) fn visibility(&mut self) -> TokenStream {
        let mut vis = TokenStream::new();
        if let Some(public) = self.eat_ident("pub") {
            vis.extend([TokenTree::Ident(public)]);
            if let Some(TokenTree::Group(g)) = self.peek()
                && g.delimiter() == Delimiter::Parenthesis
            {
                vis.extend(self.next());
            }
        }
        vis
    }

    /// The tokens up to (not including) the first one at angle-bracket depth 0 that `stop`
    /// accepts, or to the end. Types are read this way: `HashMap<K, V>` holds a comma, but
    /// not at depth 0.
    pub(crate) fn until(&mut self, stop: impl Fn(&TokenTree) -> bool) -> TokenStream {
        let mut depth = 0usize;
        let mut out = TokenStream::new();
        let mut after_joint_minus = false;
        while let Some(token) = self.peek() {
            if depth == 0 && stop(token) {
                break;
            }
            if let TokenTree::Punct(p) = token {
                match p.as_char() {
                    '<' => depth += 1,
                    // `->` in a function type is not a closing bracket.
                    '>' if !after_joint_minus => depth = depth.saturating_sub(1),
                    _ => {}
                }
                after_joint_minus = p.as_char() == '-' && p.spacing() == Spacing::Joint;
            } else {
                after_joint_minus = false;
            }
            out.extend(self.next());
        }
        out
    }

    /// A type (or other tokens) up to a comma at depth 0; the comma is consumed.
    pub(crate) fn until_comma(&mut self) -> TokenStream {
        let tokens = self.until(|t| is_punct(t, ','));
        self.eat_punct(',');
        tokens
    }
}

pub(crate) fn is_punct(token: &TokenTree, c: char) -> bool {
    matches!(token, TokenTree::Punct(p) if p.as_char() == c)
}

/// The first token's span, or `fallback` for an empty stream.
pub(crate) fn first_span(tokens: &TokenStream, fallback: Span) -> Span {
    tokens.clone().into_iter().next().map_or(fallback, |t| t.span())
}

/// A struct as `#[picante::input]`, `#[picante::interned]` and `#[picante::db]` read it.
pub(crate) struct StructItem {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: TokenStream,
    pub(crate) name: Ident,
    /// The span of `<` (or `where`) when the struct has generics.
    pub(crate) generics: Option<Span>,
    pub(crate) body: StructBody,
}

pub(crate) enum StructBody {
    Named(Vec<Field>),
    /// `struct S(…);`, at the parentheses.
    Tuple(Span),
    /// `struct S;`
    Unit,
}

pub(crate) struct Field {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: TokenStream,
    pub(crate) name: Ident,
    pub(crate) ty: TokenStream,
}

/// Parses a struct; `macro_name` (e.g. `#[picante::input]`) names the macro in errors.
pub(crate) fn parse_struct(input: TokenStream, macro_name: &str) -> Result<StructItem> {
    let mut cursor = Cursor::new(input, Span::call_site());
    let attrs = cursor.attributes();
    let vis = cursor.visibility();
    if cursor.eat_ident("struct").is_none() {
        let found = match cursor.peek() {
            Some(token) => format!("`{token}`"),
            None => "nothing".into(),
        };
        return Err(Error::new(
            cursor.span(),
            format!("picante: {macro_name} goes on a struct, found {found}"),
        ));
    }
    let name = cursor.expect_ident("the struct's name")?;
    let generics = if cursor.peek_punct('<') || cursor.peek_ident("where") {
        let span = cursor.span();
        cursor.until(|t| matches!(t, TokenTree::Group(g) if g.delimiter() != Delimiter::None));
        Some(span)
    } else {
        None
    };
    let body = match cursor.next() {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
            StructBody::Named(parse_fields(g)?)
        }
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
            StructBody::Tuple(g.span())
        }
        Some(TokenTree::Punct(p)) if p.as_char() == ';' => StructBody::Unit,
        other => {
            let span = other.map_or(Span::call_site(), |t| t.span());
            return Err(Error::new(span, "picante: expected the struct's fields `{ … }`"));
        }
    };
    Ok(StructItem { attrs, vis, name, generics, body })
}

/// The named fields of a struct that `macro_name` turns into an entity (input or interned):
/// no generics (an entity's ingredients are concrete types), no tuple fields (fields name the
/// getters).
pub(crate) fn entity_fields<'a>(item: &'a StructItem, macro_name: &str) -> Result<&'a [Field]> {
    if let Some(span) = item.generics {
        return Err(Error::new(
            span,
            format!(
                "picante: {macro_name} does not support generics (its ingredients are concrete types)"
            ),
        ));
    }
    match &item.body {
        StructBody::Named(fields) => Ok(fields),
        StructBody::Tuple(span) => Err(Error::new(
            *span,
            format!("picante: {macro_name} needs named fields: they name the getters"),
        )),
        StructBody::Unit => Err(Error::new(
            item.name.span(),
            format!("picante: {macro_name} needs named fields, `{{ … }}`"),
        )),
    }
}

fn parse_fields(group: Group) -> Result<Vec<Field>> {
    let mut cursor = Cursor::new(group.stream(), group.span_close());
    let mut fields = Vec::new();
    while !cursor.at_end() {
        let attrs = cursor.attributes();
        let vis = cursor.visibility();
        let name = cursor.expect_ident("a field name")?;
        if cursor.eat_punct(':').is_none() {
            return Err(Error::new(cursor.span(), "picante: expected `:` and the field's type"));
        }
        let ty = cursor.until_comma();
        if ty.is_empty() {
            return Err(Error::new(name.span(), "picante: this field has no type"));
        }
        fields.push(Field { attrs, vis, name, ty });
    }
    Ok(fields)
}

/// A function as `#[picante::tracked]` reads it.
pub(crate) struct FnItem {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: TokenStream,
    /// `const`, `async`, `unsafe`, `extern`, as written before `fn`.
    pub(crate) qualifiers: Vec<Ident>,
    pub(crate) fn_token: Ident,
    pub(crate) name: Ident,
    /// The generic parameters, split at depth-0 commas; `None` without `<…>`.
    pub(crate) generics: Option<Vec<TokenStream>>,
    pub(crate) params: Vec<Param>,
    /// The parentheses around the parameters.
    pub(crate) params_span: Span,
    pub(crate) output: Option<TokenStream>,
    /// The where clause's predicates, without `where`.
    pub(crate) where_clause: TokenStream,
    pub(crate) body: Group,
}

pub(crate) struct Param {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) mutability: Option<Ident>,
    pub(crate) name: Ident,
    pub(crate) ty: TokenStream,
}

const QUALIFIERS: &[&str] = &["const", "async", "unsafe", "extern", "default"];

pub(crate) fn parse_fn(input: TokenStream, macro_name: &str) -> Result<FnItem> {
    let mut cursor = Cursor::new(input, Span::call_site());
    let attrs = cursor.attributes();
    let vis = cursor.visibility();
    let mut qualifiers = Vec::new();
    while let Some(TokenTree::Ident(word)) = cursor.peek() {
        if !QUALIFIERS.iter().any(|q| word == q) {
            break;
        }
        qualifiers.push(cursor.expect_ident("a qualifier")?);
        // `extern "C"`
        if let Some(TokenTree::Literal(_)) = cursor.peek() {
            cursor.next();
        }
    }
    let Some(fn_token) = cursor.eat_ident("fn") else {
        return Err(Error::new(
            cursor.span(),
            format!("picante: {macro_name} goes on an `async fn`"),
        ));
    };
    let name = cursor.expect_ident("the function's name")?;
    let generics = if cursor.eat_punct('<').is_some() {
        let inner = cursor.until(|t| is_punct(t, '>'));
        if cursor.eat_punct('>').is_none() {
            return Err(Error::new(cursor.span(), "picante: unclosed generic parameters"));
        }
        let mut inner = Cursor::new(inner, Span::call_site());
        let mut list = Vec::new();
        while !inner.at_end() {
            list.push(inner.until_comma());
        }
        Some(list)
    } else {
        None
    };
    let (params, params_span) = match cursor.next() {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
            (parse_params(&g)?, g.span())
        }
        other => {
            let span = other.map_or(Span::call_site(), |t| t.span());
            return Err(Error::new(span, "picante: expected the function's parameters"));
        }
    };
    let output = if cursor.peek_punct('-') {
        cursor.next();
        if cursor.eat_punct('>').is_none() {
            return Err(Error::new(cursor.span(), "picante: expected `->`"));
        }
        Some(cursor.until(|t| {
            matches!(t, TokenTree::Ident(i) if i == "where")
                || matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace)
        }))
    } else {
        None
    };
    let where_clause = if cursor.eat_ident("where").is_some() {
        cursor.until(|t| matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace))
    } else {
        TokenStream::new()
    };
    let body = match cursor.next() {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace && cursor.at_end() => g,
        other => {
            let span = other.map_or(Span::call_site(), |t| t.span());
            return Err(Error::new(span, "picante: expected the function's body `{ … }`"));
        }
    };
    Ok(FnItem {
        attrs,
        vis,
        qualifiers,
        fn_token,
        name,
        generics,
        params,
        params_span,
        output,
        where_clause,
        body,
    })
}

fn parse_params(group: &Group) -> Result<Vec<Param>> {
    let mut cursor = Cursor::new(group.stream(), group.span_close());
    let mut params = Vec::new();
    while !cursor.at_end() {
        let attrs = cursor.attributes();
        if cursor.peek_ident("self") || cursor.peek_punct('&') {
            return Err(Error::new(
                cursor.span(),
                "picante: a tracked function is a free function, not a method: take the \
                 database as `db: &DB`",
            ));
        }
        let mutability = cursor.eat_ident("mut");
        let name = match cursor.peek() {
            Some(TokenTree::Ident(i)) if i != "_" => cursor.expect_ident("a parameter name")?,
            _ => {
                return Err(Error::new(
                    cursor.span(),
                    "picante: parameters of a tracked function are `name: Type` (patterns are \
                     not supported: they name the query's key)",
                ));
            }
        };
        if cursor.eat_punct(':').is_none() {
            return Err(Error::new(
                cursor.span(),
                "picante: expected `:` and the parameter's type",
            ));
        }
        let ty = cursor.until_comma();
        if ty.is_empty() {
            return Err(Error::new(name.span(), "picante: this parameter has no type"));
        }
        params.push(Param { attrs, mutability, name, ty });
    }
    Ok(params)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(source: &str) -> TokenStream {
        source.parse().expect("test source tokenizes")
    }

    #[test]
    fn a_struct_keeps_field_types_with_commas_inside_brackets() {
        let item = parse_struct(
            tokens("/// doc\npub struct Page { #[key] path: String, pub tags: HashMap<String, Vec<u8>>, }"),
            "#[picante::input]",
        )
        .expect("parses");
        assert_eq!(item.name.to_string(), "Page");
        let StructBody::Named(fields) = item.body else { panic!("named fields") };
        assert_eq!(fields.len(), 2);
        assert!(fields[0].attrs[0].is_bare("key"));
        assert_eq!(fields[1].ty.to_string(), "HashMap < String , Vec < u8 >>");
        assert!(item.attrs[0].is_doc());
    }

    #[test]
    fn a_struct_with_generics_is_noted() {
        let item = parse_struct(tokens("struct A<T> { t: T }"), "x").expect("parses");
        assert!(item.generics.is_some());
    }

    #[test]
    fn an_enum_is_not_a_struct() {
        let error = parse_struct(tokens("enum A { B }"), "#[picante::db]").err().expect("error");
        assert_eq!(error.message(), "picante: #[picante::db] goes on a struct, found `enum`");
    }

    #[test]
    fn a_function_signature_is_split_into_its_parts() {
        let item = parse_fn(
            tokens(
                "pub async fn f<DB: HasA + HasB>(db: &DB, mut k: (u32, u32), f: fn(u8) -> u8) \
                 -> PicanteResult<Vec<u8>> where DB: Send { body() }",
            ),
            "#[picante::tracked]",
        )
        .expect("parses");
        assert_eq!(item.qualifiers[0].to_string(), "async");
        assert_eq!(item.generics.as_ref().map(Vec::len), Some(1));
        assert_eq!(item.params.len(), 3);
        assert!(item.params[1].mutability.is_some());
        assert_eq!(item.params[2].ty.to_string(), "fn (u8) -> u8");
        assert_eq!(item.output.expect("output").to_string(), "PicanteResult < Vec < u8 >>");
        assert_eq!(item.where_clause.to_string(), "DB : Send");
    }

    #[test]
    fn a_pattern_parameter_is_refused() {
        let error = parse_fn(tokens("async fn f<DB>(db: &DB, (a, b): (u8, u8)) {}"), "t")
            .err()
            .expect("error");
        assert!(error.message().contains("`name: Type`"), "{}", error.message());
    }
}
