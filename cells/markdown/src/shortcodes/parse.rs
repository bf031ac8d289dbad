//! The shortcode tags, as Zola's documentation and its behaviour define them.
//!
//! - `{{ name(arg=value, ...) }}`: a call without a body;
//! - `{% name(arg=value, ...) %}`: a call whose body runs to the matching `{% end %}`;
//! - `{{/* name(...) */}}`, `{%/* name(...) */%}`, `{%/* end */%}`: the same, escaped, which
//!   stand for themselves without the `/*` and `*/`.
//!
//! White space (new lines included) may surround the name, the parentheses, each argument
//! and each `=`. A name and an argument's name are `[0-9A-Za-z_]+`; the parentheses are
//! required. A value is a string in `"`, `'` or `` ` `` (no escapes; Zola takes `\n` as the
//! two characters), `true` or `false`, an integer (`-12`, no leading zero), a float (`-1.5`,
//! digits on both sides of the point), or a list of values in `[...]` (a trailing comma
//! allowed). Anything else is no tag: Zola leaves it as text, and so do we (Zola panics on an
//! integer too large for 64 bits; we leave it as text too).

use cell_proto::Value;

/// A call's arguments, by name, in order.
pub(crate) type Arguments = Vec<(String, Value)>;

/// Lists nested deeper than this are no value (a bound for the parser's recursion).
const MAX_LIST_DEPTH: u32 = 16;

/// A tag found at some offset of the text.
#[derive(Debug, PartialEq)]
pub(crate) enum Tag<'t> {
    /// `{{ name(...) }}` (`body: false`) or `{% name(...) %}` (`body: true`).
    Call { name: &'t str, arguments: Arguments, body: bool },
    /// `{% end %}`.
    End,
    /// An escaped tag: what it stands for is `{{`/`{%`, `inner`, `}}`/`%}`.
    Escaped { open: &'static str, inner: &'t str, close: &'static str },
}

/// Where the next quote of each kind is, remembered between searches: the tags of a text are
/// read in order, so each stretch of text is searched once for each quote, however many
/// unclosed strings start in it (`{{ a(b="` a thousand times is linear, not quadratic).
#[derive(Default)]
pub(crate) struct Quotes {
    /// For `"`, `'` and `` ` ``: the last search, from an offset, and what it found.
    searched: [Option<(usize, Option<usize>)>; 3],
}

impl Quotes {
    /// The offset of the first `quote` in `text` at or after `from`.
    fn next(&mut self, text: &str, from: usize, quote: u8) -> Option<usize> {
        let slot = match quote {
            b'"' => 0,
            b'\'' => 1,
            _ => 2,
        };
        // No quote lies between where the last search started and what it found.
        if let Some((searched_from, found)) = self.searched[slot]
            && from >= searched_from
            && found.is_none_or(|found| from <= found)
        {
            return found;
        }
        let found = text[from..].find(char::from(quote)).map(|at| from + at);
        self.searched[slot] = Some((from, found));
        found
    }
}

/// The tag starting at offset `start` of `text` (which holds `{{` or `{%` there), and its
/// length in bytes; `None` if there is none.
pub(crate) fn tag<'t>(
    text: &'t str,
    start: usize,
    quotes: &mut Quotes,
) -> Option<(Tag<'t>, usize)> {
    let (open, close) = match text.get(start..start + 2)? {
        "{{" => ("{{", "}}"),
        "{%" => ("{%", "%}"),
        _ => return None,
    };
    let mut cursor = Cursor { text, at: start + 2, quotes };
    if cursor.eat("/*") {
        // An escaped tag: a call (or `end`) between `/*` and `*/`.
        let inner_start = cursor.at;
        cursor.spaces();
        let mut end = Cursor { text, at: cursor.at, quotes: &mut Quotes::default() };
        let is_end = open == "{%" && end.eat("end");
        if is_end {
            cursor.at = end.at;
        } else {
            cursor.call()?;
        }
        cursor.spaces();
        let inner = &text[inner_start..cursor.at];
        if !cursor.eat("*/") || !cursor.eat(close) {
            return None;
        }
        return Some((Tag::Escaped { open, inner, close }, cursor.at - start));
    }
    cursor.spaces();
    if open == "{%" {
        let mut end = Cursor { text, at: cursor.at, quotes: &mut Quotes::default() };
        if end.eat("end") {
            end.spaces();
            if end.eat(close) {
                return Some((Tag::End, end.at - start));
            }
        }
    }
    let (name, arguments) = cursor.call()?;
    cursor.spaces();
    if !cursor.eat(close) {
        return None;
    }
    Some((Tag::Call { name, arguments, body: open == "{%" }, cursor.at - start))
}

struct Cursor<'t, 'q> {
    text: &'t str,
    at: usize,
    quotes: &'q mut Quotes,
}

impl<'t> Cursor<'t, '_> {
    fn rest(&self) -> &'t str {
        &self.text[self.at..]
    }

    fn spaces(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, literal: &str) -> bool {
        if self.rest().starts_with(literal) {
            self.at += literal.len();
            true
        } else {
            false
        }
    }

    /// `[0-9A-Za-z_]+`.
    fn identifier(&mut self) -> Option<&'t str> {
        let rest = self.rest();
        let length = rest.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'_').count();
        if length == 0 {
            return None;
        }
        self.at += length;
        Some(&rest[..length])
    }

    /// `name ( arguments )`; the last of two arguments of the same name wins, in the place
    /// of the first.
    fn call(&mut self) -> Option<(&'t str, Arguments)> {
        let name = self.identifier()?;
        self.spaces();
        if !self.eat("(") {
            return None;
        }
        let mut arguments: Arguments = Vec::new();
        self.spaces();
        if self.eat(")") {
            return Some((name, arguments));
        }
        loop {
            let key = self.identifier()?;
            self.spaces();
            if !self.eat("=") {
                return None;
            }
            self.spaces();
            let value = self.value(0)?;
            match arguments.iter_mut().find(|(k, _)| k == key) {
                Some(existing) => existing.1 = value,
                None => arguments.push((key.to_string(), value)),
            }
            self.spaces();
            if self.eat(")") {
                return Some((name, arguments));
            }
            if !self.eat(",") {
                return None;
            }
            self.spaces();
        }
    }

    fn value(&mut self, depth: u32) -> Option<Value> {
        let rest = self.rest();
        let first = *rest.as_bytes().first()?;
        match first {
            b'"' | b'\'' | b'`' => {
                let end = self.quotes.next(self.text, self.at + 1, first)?;
                let value = self.text[self.at + 1..end].to_string();
                self.at = end + 1;
                Some(Value::String(value))
            }
            b'[' => {
                if depth >= MAX_LIST_DEPTH {
                    return None;
                }
                self.at += 1;
                let mut items = Vec::new();
                loop {
                    self.spaces();
                    if self.eat("]") {
                        return Some(Value::List(items));
                    }
                    items.push(self.value(depth + 1)?);
                    self.spaces();
                    if !self.eat(",") {
                        self.spaces();
                        return self.eat("]").then_some(Value::List(items));
                    }
                }
            }
            b't' if self.eat("true") => Some(Value::Bool(true)),
            b'f' if self.eat("false") => Some(Value::Bool(false)),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`.
    fn number(&mut self) -> Option<Value> {
        let rest = self.rest();
        let bytes = rest.as_bytes();
        let mut at = usize::from(bytes[0] == b'-');
        let digits = bytes[at..].iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || (digits > 1 && bytes[at] == b'0') {
            return None;
        }
        at += digits;
        let mut float = false;
        if bytes.get(at) == Some(&b'.') {
            let fraction = bytes[at + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
            if fraction == 0 {
                return None;
            }
            at += 1 + fraction;
            float = true;
        }
        let text = &rest[..at];
        let value =
            if float { Value::Float(text.parse().ok()?) } else { Value::Int(text.parse().ok()?) };
        self.at += at;
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(text: &str) -> Option<(Tag<'_>, usize)> {
        super::tag(text, 0, &mut Quotes::default())
    }

    fn call(text: &str) -> Option<(String, Arguments, bool)> {
        match tag(text)? {
            (Tag::Call { name, arguments, body }, length) => {
                assert_eq!(length, text.len(), "{text}");
                Some((name.to_string(), arguments, body))
            }
            _ => None,
        }
    }

    fn argument(text: &str) -> Option<Value> {
        let (_, mut arguments, _) = call(&format!("{{{{ sc(v={text}) }}}}"))?;
        Some(arguments.remove(0).1)
    }

    #[test]
    fn calls_with_and_without_a_body_are_recognised() {
        assert_eq!(call("{{ youtube(id=\"x\") }}").unwrap().0, "youtube");
        assert!(!call("{{ youtube(id=\"x\") }}").unwrap().2);
        assert!(call("{% quote(author=\"V\") %}").unwrap().2);
        // White space anywhere between the parts, none needed.
        assert_eq!(call("{{sc()}}").unwrap().0, "sc");
        assert_eq!(call("{{ sc (v=1) }}").unwrap().1, vec![("v".into(), Value::Int(1))]);
        assert_eq!(call("{{\nsc(\n v = 2\n)\n}}").unwrap().1, vec![("v".into(), Value::Int(2))]);
        assert_eq!(tag("{% end %}"), Some((Tag::End, 9)));
        assert_eq!(tag("{%end%} after"), Some((Tag::End, 7)));
    }

    #[test]
    fn what_is_not_a_call_is_no_tag_as_in_zola() {
        for text in [
            "{{ sc }}",
            "{{ sc(1) }}",
            "{{ sc(v=x) }}",
            "{{ sc(v=\"x\",) }}",
            "{{ sc(v=1) }",
            "{% sc() -%}",
            "{% if x %}",
            "{{ a-b() }}",
            "{{ page.title }}",
        ] {
            assert_eq!(tag(text), None, "{text}");
        }
    }

    #[test]
    fn argument_values_are_read_as_zola_reads_them() {
        assert_eq!(argument("\"a 'b'\""), Some(Value::from("a 'b'")));
        assert_eq!(argument("'a \"b\"'"), Some(Value::from("a \"b\"")));
        assert_eq!(argument("`b\"q`"), Some(Value::from("b\"q")));
        assert_eq!(argument("\"a\\nb\""), Some(Value::from("a\\nb")));
        assert_eq!(argument("true"), Some(Value::Bool(true)));
        assert_eq!(argument("-0"), Some(Value::Int(0)));
        assert_eq!(argument("42"), Some(Value::Int(42)));
        assert_eq!(argument("2.50"), Some(Value::Float(2.5)));
        assert_eq!(argument("-0.5"), Some(Value::Float(-0.5)));
        assert_eq!(
            argument("[1, \"a\", [true], ]"),
            Some(Value::List(vec![
                Value::Int(1),
                Value::from("a"),
                Value::List(vec![Value::Bool(true)])
            ]))
        );
        assert_eq!(argument("[]"), Some(Value::List(Vec::new())));
        for invalid in
            ["1.", ".5", "+1", "1e3", "007", "1_000", "TRUE", "-x", "99999999999999999999"]
        {
            assert_eq!(argument(invalid), None, "{invalid}");
        }
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert_eq!(argument(&deep), None);
    }

    #[test]
    fn the_last_of_two_arguments_of_one_name_wins() {
        let (_, arguments, _) = call("{{ sc(v=\"a\", w=1, v=2) }}").unwrap();
        assert_eq!(arguments, vec![("v".into(), Value::Int(2)), ("w".into(), Value::Int(1))]);
    }

    #[test]
    fn escaped_tags_stand_for_themselves() {
        assert_eq!(
            tag("{{/* sc(v=1) */}} x"),
            Some((Tag::Escaped { open: "{{", inner: " sc(v=1) ", close: "}}" }, 17))
        );
        assert_eq!(
            tag("{%/* end */%}"),
            Some((Tag::Escaped { open: "{%", inner: " end ", close: "%}" }, 13))
        );
        assert!(matches!(tag("{%/*sc()*/%}"), Some((Tag::Escaped { .. }, 12))));
        // Only a call (or `end`) can be escaped.
        assert_eq!(tag("{{/*no space*/}}"), None);
        assert_eq!(tag("{{/* end */}}"), None);
    }
}
