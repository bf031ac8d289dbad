//! Splits template text into tokens: text, tag delimiters, and the tokens inside tags.
//!
//! Whitespace control is applied here: `{{-`, `{%-` and `{#-` trim the whitespace before the
//! tag, `-}}`, `-%}` and `-#}` the whitespace after it. Comments vanish, and `{% raw %}` ...
//! `{% endraw %}` becomes one text token.

use crate::error::ErrorKind;

/// One token and the byte offset where it starts.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: Tok,
    pub(crate) pos: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    Text(String),
    /// `{{`
    VarStart,
    /// `}}`
    VarEnd,
    /// `{%`
    BlockStart,
    /// `%}`
    BlockEnd,
    Ident(String),
    Str(String),
    Int(i64),
    Float(f64),
    /// Operators and punctuation.
    Punct(&'static str),
    Eof,
}

/// Longest first, so that `//` wins over `/`.
const PUNCTS: &[&str] = &[
    "?.", "::", "**", "//", "==", "!=", "<=", ">=", "(", ")", "[", "]", "{", "}", ",", ":", ".",
    "|", "~", "+", "-", "*", "/", "%", "<", ">", "=",
];

/// A lexing error: message and byte offset.
pub(crate) type LexError = (ErrorKind, usize);

pub(crate) fn tokenize(source: &str) -> Result<Vec<Token>, LexError> {
    let mut lexer = Lexer { src: source, pos: 0, tokens: Vec::new(), trim_next: false };
    lexer.run()?;
    Ok(lexer.tokens)
}

/// The tokens of `source` read as the inside of a tag: an expression alone (the devtools'
/// `eval`), ending with [`Tok::Eof`]. Tag delimiters are not special here: `}}` is two `}`,
/// which the parser refuses where they make no sense.
pub(crate) fn tokenize_expression(source: &str) -> Result<Vec<Token>, LexError> {
    let mut lexer = Lexer { src: source, pos: 0, tokens: Vec::new(), trim_next: false };
    loop {
        let rest = &lexer.src[lexer.pos..];
        let blank = rest.len() - rest.trim_start().len();
        lexer.pos += blank;
        let rest = &lexer.src[lexer.pos..];
        if rest.is_empty() {
            break;
        }
        let token = lexer.token(rest)?;
        lexer.tokens.push(token);
    }
    lexer.tokens.push(Token { kind: Tok::Eof, pos: source.len() as u32 });
    Ok(lexer.tokens)
}

struct Lexer<'s> {
    src: &'s str,
    pos: usize,
    tokens: Vec<Token>,
    /// The previous tag ended with `-`: trim the start of the next text.
    trim_next: bool,
}

fn syntax(message: impl Into<String>, at: usize) -> LexError {
    (ErrorKind::Syntax(message.into()), at)
}

impl Lexer<'_> {
    fn run(&mut self) -> Result<(), LexError> {
        while self.pos < self.src.len() {
            let rest = &self.src[self.pos..];
            let next_tag = find_tag(rest);
            let text_end = next_tag.map_or(self.src.len(), |i| self.pos + i);
            let trim_before =
                next_tag.is_some() && rest[next_tag.unwrap_or(0) + 2..].starts_with('-');
            self.push_text(self.pos, text_end, trim_before);
            let Some(_) = next_tag else { break };
            let start = text_end;
            let opener = &self.src[start..start + 2];
            self.pos = start + 2 + usize::from(trim_before);
            match opener {
                "{#" => self.comment(start)?,
                "{{" => self.tag(start, Tok::VarStart, "}}", Tok::VarEnd)?,
                _ => {
                    if self.is_raw() {
                        self.raw(start)?;
                    } else {
                        self.tag(start, Tok::BlockStart, "%}", Tok::BlockEnd)?;
                    }
                }
            }
        }
        let end = self.src.len() as u32;
        self.tokens.push(Token { kind: Tok::Eof, pos: end });
        Ok(())
    }

    fn push_text(&mut self, start: usize, end: usize, trim_end: bool) {
        let mut text = &self.src[start..end];
        if std::mem::take(&mut self.trim_next) {
            text = text.trim_start();
        }
        if trim_end {
            text = text.trim_end();
        }
        if !text.is_empty() {
            self.tokens.push(Token { kind: Tok::Text(text.to_string()), pos: start as u32 });
        }
    }

    fn comment(&mut self, start: usize) -> Result<(), LexError> {
        let Some(end) = self.src[self.pos..].find("#}") else {
            return Err(syntax("unclosed comment (missing `#}`)", start));
        };
        let end = self.pos + end;
        self.trim_next = self.src[..end].ends_with('-') && end > self.pos;
        self.pos = end + 2;
        Ok(())
    }

    /// Whether the block tag starting at `self.pos` is `raw`.
    fn is_raw(&self) -> bool {
        let inner = self.src[self.pos..].trim_start();
        inner.starts_with("raw") && {
            let after = inner[3..].trim_start();
            after.starts_with("%}") || after.starts_with("-%}")
        }
    }

    fn raw(&mut self, start: usize) -> Result<(), LexError> {
        let open_end = match self.src[self.pos..].find("%}") {
            Some(i) => self.pos + i,
            None => return Err(syntax("unclosed `{% raw %}` tag", start)),
        };
        let trim_start = self.src[..open_end].ends_with('-');
        let body_start = open_end + 2;
        let mut search = body_start;
        loop {
            let Some(i) = self.src[search..].find("{%") else {
                return Err(syntax("`{% raw %}` without `{% endraw %}`", start));
            };
            let tag = search + i;
            let mut inner = &self.src[tag + 2..];
            let trim_end = inner.starts_with('-');
            inner = inner.trim_start_matches('-').trim_start();
            if let Some(after) = inner.strip_prefix("endraw") {
                let after_trimmed = after.trim_start();
                let close_trim = after_trimmed.starts_with("-%}");
                if after_trimmed.starts_with("%}") || close_trim {
                    let mut body = &self.src[body_start..tag];
                    if trim_start {
                        body = body.trim_start();
                    }
                    if trim_end {
                        body = body.trim_end();
                    }
                    if !body.is_empty() {
                        let kind = Tok::Text(body.to_string());
                        self.tokens.push(Token { kind, pos: body_start as u32 });
                    }
                    let close = self.src.len() - after_trimmed.len();
                    self.pos = close + if close_trim { 3 } else { 2 };
                    self.trim_next = close_trim;
                    return Ok(());
                }
            }
            search = tag + 2;
        }
    }

    /// The tokens of a tag, from after its opener to its closer.
    fn tag(
        &mut self,
        start: usize,
        open: Tok,
        close: &str,
        close_tok: Tok,
    ) -> Result<(), LexError> {
        self.tokens.push(Token { kind: open, pos: start as u32 });
        let bytes = self.src.as_bytes();
        loop {
            while self.pos < bytes.len() && bytes[self.pos].is_ascii_whitespace() {
                self.pos += 1;
            }
            let rest = &self.src[self.pos..];
            if rest.is_empty() {
                return Err(syntax(format!("unclosed tag (missing `{close}`)"), start));
            }
            if rest.starts_with(close) || (rest.starts_with('-') && rest[1..].starts_with(close)) {
                let trim = rest.starts_with('-');
                self.tokens.push(Token { kind: close_tok, pos: self.pos as u32 });
                self.pos += close.len() + usize::from(trim);
                self.trim_next = trim;
                return Ok(());
            }
            // A closer of the other kind means this tag was never closed.
            if close == "}}" && rest.starts_with("%}") {
                return Err(syntax(format!("unclosed tag (expected `{close}`)"), self.pos));
            }
            let token = self.token(rest)?;
            self.tokens.push(token);
        }
    }

    fn token(&mut self, rest: &str) -> Result<Token, LexError> {
        let at = self.pos;
        let pos = at as u32;
        let first = rest.as_bytes()[0];
        if first.is_ascii_alphabetic() || first == b'_' {
            let len = rest
                .bytes()
                .position(|b| !(b.is_ascii_alphanumeric() || b == b'_'))
                .unwrap_or(rest.len());
            self.pos += len;
            return Ok(Token { kind: Tok::Ident(rest[..len].to_string()), pos });
        }
        if first.is_ascii_digit() {
            // After a `.`, digits are an index (`records.0.1` is two, as in Tera, whose
            // grammar takes the characters after a dot as a name), never a fraction.
            let after_dot =
                self.tokens.last().is_some_and(|t| matches!(t.kind, Tok::Punct("." | "?.")));
            if after_dot {
                let len = rest.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(rest.len());
                self.pos += len;
                let index = rest[..len].parse().map_err(|_| syntax("index too large", at))?;
                return Ok(Token { kind: Tok::Int(index), pos });
            }
            return self.number(rest);
        }
        if matches!(first, b'"' | b'\'' | b'`') {
            return self.string(rest, first as char);
        }
        for p in PUNCTS {
            if rest.starts_with(p) {
                self.pos += p.len();
                return Ok(Token { kind: Tok::Punct(p), pos });
            }
        }
        let c = rest.chars().next().unwrap_or(' ');
        Err(syntax(format!("unexpected character `{c}`"), at))
    }

    fn number(&mut self, rest: &str) -> Result<Token, LexError> {
        let pos = self.pos as u32;
        let bytes = rest.as_bytes();
        let mut len =
            bytes.iter().position(|b| !(b.is_ascii_digit() || *b == b'_')).unwrap_or(bytes.len());
        let mut float = false;
        if bytes.get(len) == Some(&b'.') && bytes.get(len + 1).is_some_and(|b| b.is_ascii_digit()) {
            float = true;
            len += 1;
            len +=
                bytes[len..].iter().position(|b| !b.is_ascii_digit()).unwrap_or(bytes.len() - len);
        }
        if matches!(bytes.get(len), Some(b'e' | b'E')) {
            let mut exp = len + 1;
            if matches!(bytes.get(exp), Some(b'+' | b'-')) {
                exp += 1;
            }
            if bytes.get(exp).is_some_and(|b| b.is_ascii_digit()) {
                float = true;
                len = exp
                    + bytes[exp..]
                        .iter()
                        .position(|b| !b.is_ascii_digit())
                        .unwrap_or(bytes.len() - exp);
            }
        }
        let text = rest[..len].replace('_', "");
        self.pos += len;
        let kind = if float {
            Tok::Float(text.parse().map_err(|_| syntax("invalid number", pos as usize))?)
        } else {
            Tok::Int(text.parse().map_err(|_| syntax("integer literal too large", pos as usize))?)
        };
        Ok(Token { kind, pos })
    }

    /// A string literal: `"..."`, `'...'` or `` `...` ``, as in Tera: no escapes, the text
    /// runs to the next quote of the same kind (so `matching("^\d{4}")` is the regex `^\d{4}`,
    /// and a quote of one kind is written inside a string of another).
    fn string(&mut self, rest: &str, quote: char) -> Result<Token, LexError> {
        let pos = self.pos;
        let body = &rest[1..];
        let Some(end) = body.find(quote) else {
            return Err(syntax("unclosed string literal", pos));
        };
        self.pos += end + 2;
        Ok(Token { kind: Tok::Str(body[..end].to_string()), pos: pos as u32 })
    }
}

/// The offset of the next `{{`, `{%` or `{#`.
fn find_tag(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut from = 0;
    while let Some(i) = bytes[from..].iter().position(|&b| b == b'{') {
        let at = from + i;
        if matches!(bytes.get(at + 1), Some(b'{' | b'%' | b'#')) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<Tok> {
        tokenize(source).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn whitespace_control_trims_both_sides() {
        assert_eq!(
            kinds("a  {{- x -}}  b"),
            vec![
                Tok::Text("a".into()),
                Tok::VarStart,
                Tok::Ident("x".into()),
                Tok::VarEnd,
                Tok::Text("b".into()),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn raw_blocks_are_one_text_token() {
        assert_eq!(
            kinds("{% raw %}{{ x }}{% endraw %}"),
            vec![Tok::Text("{{ x }}".into()), Tok::Eof]
        );
    }

    #[test]
    fn an_expression_alone_is_the_tokens_of_a_tag() {
        let tokens = tokenize_expression(" page.title | upper ").unwrap();
        let kinds: Vec<Tok> = tokens.iter().map(|t| t.kind.clone()).collect();
        assert_eq!(
            kinds,
            vec![
                Tok::Ident("page".into()),
                Tok::Punct("."),
                Tok::Ident("title".into()),
                Tok::Punct("|"),
                Tok::Ident("upper".into()),
                Tok::Eof
            ]
        );
        assert_eq!((tokens[0].pos, tokens[5].pos), (1, 20));
        assert_eq!(tokenize_expression("a $ b").unwrap_err().1, 2);
    }

    #[test]
    fn digits_after_a_dot_are_an_index_not_a_fraction() {
        let dot = Tok::Punct(".");
        assert_eq!(
            kinds("{{ x.0.1 }}"),
            vec![
                Tok::VarStart,
                Tok::Ident("x".into()),
                dot.clone(),
                Tok::Int(0),
                dot,
                Tok::Int(1),
                Tok::VarEnd,
                Tok::Eof
            ]
        );
        assert_eq!(kinds("{{ 0.1 }}")[1], Tok::Float(0.1));
    }

    #[test]
    fn an_unclosed_tag_is_an_error_at_its_opener() {
        let err = tokenize("ab {{ x").unwrap_err();
        assert_eq!(err.1, 3);
    }
}
