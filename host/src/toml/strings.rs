//! Strings (basic `"…"`, literal `'…'`, and their multi-line forms `"""…"""`, `'''…'''`) and
//! keys (bare, quoted, dotted).

use super::cursor::{Cursor, describe_control, is_control};
use super::{Span, TomlError};

/// Why a string ended where it did not close.
const NEVER_CLOSED: &str = "a string that is never closed";

impl Cursor<'_> {
    /// The string that starts at the cursor (at `"` or `'`). Multi-line forms are refused
    /// when `multi_line` is false (in keys).
    pub(super) fn string(&mut self, multi_line: bool) -> Result<String, TomlError> {
        let start = self.pos;
        let quote = self.bytes[start];
        let triple = self.starts_with(if quote == b'"' { b"\"\"\"" } else { b"'''" });
        if triple {
            if !multi_line {
                return Err(self.error(start, "a key cannot be a multi-line string"));
            }
            self.pos += 3;
            // A newline right after the opening delimiter is not part of the string.
            self.newline()?;
            return if quote == b'"' {
                self.multi_line_basic(start)
            } else {
                self.multi_line_literal(start)
            };
        }
        self.pos += 1;
        if quote == b'"' { self.basic(start) } else { self.literal(start) }
    }

    /// The rest of a basic string opened at `start`.
    fn basic(&mut self, start: usize) -> Result<String, TomlError> {
        let mut out = String::new();
        loop {
            let run = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || is_control(b) {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run..self.pos]);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => self.escape(&mut out)?,
                None | Some(b'\n') => return Err(self.unclosed(start, false)),
                Some(b'\r') if self.peek_at(1) == Some(b'\n') => {
                    return Err(self.unclosed(start, false));
                }
                Some(b) => return Err(self.control_in_string(b)),
            }
        }
    }

    /// The rest of a literal string opened at `start`: no escapes.
    fn literal(&mut self, start: usize) -> Result<String, TomlError> {
        let run = self.pos;
        loop {
            match self.peek() {
                Some(b'\'') => {
                    let text = self.text[run..self.pos].to_string();
                    self.pos += 1;
                    return Ok(text);
                }
                None | Some(b'\n') => return Err(self.unclosed(start, false)),
                Some(b'\r') if self.peek_at(1) == Some(b'\n') => {
                    return Err(self.unclosed(start, false));
                }
                Some(b) if is_control(b) => return Err(self.control_in_string(b)),
                Some(_) => self.pos += 1,
            }
        }
    }

    /// The rest of a multi-line basic string opened at `start` (its first newline skipped).
    fn multi_line_basic(&mut self, start: usize) -> Result<String, TomlError> {
        let mut out = String::new();
        loop {
            let run = self.pos;
            while let Some(b) = self.peek() {
                if b == b'"' || b == b'\\' || (is_control(b) && b != b'\n') {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run..self.pos]);
            match self.peek() {
                Some(b'"') => {
                    if self.closing_quotes(b'"', &mut out)? {
                        return Ok(out);
                    }
                }
                Some(b'\\') => {
                    // A backslash at the end of a line trims the newline and every space and
                    // newline after it.
                    let mut after = self.pos + 1;
                    while matches!(self.bytes.get(after), Some(b' ' | b'\t')) {
                        after += 1;
                    }
                    let at_newline = match self.bytes.get(after) {
                        Some(b'\n') => true,
                        Some(b'\r') => self.bytes.get(after + 1) == Some(&b'\n'),
                        _ => false,
                    };
                    if at_newline {
                        self.pos = after;
                        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n'))
                            || (self.peek() == Some(b'\r') && self.peek_at(1) == Some(b'\n'))
                        {
                            self.pos += 1;
                        }
                    } else {
                        self.escape(&mut out)?;
                    }
                }
                Some(b'\r') if self.peek_at(1) == Some(b'\n') => {
                    out.push_str("\r\n");
                    self.pos += 2;
                }
                None => return Err(self.unclosed(start, true)),
                Some(b) => return Err(self.control_in_string(b)),
            }
        }
    }

    /// The rest of a multi-line literal string opened at `start`.
    fn multi_line_literal(&mut self, start: usize) -> Result<String, TomlError> {
        let mut out = String::new();
        loop {
            let run = self.pos;
            while let Some(b) = self.peek() {
                if b == b'\'' || (is_control(b) && b != b'\n') {
                    break;
                }
                self.pos += 1;
            }
            out.push_str(&self.text[run..self.pos]);
            match self.peek() {
                Some(b'\'') => {
                    if self.closing_quotes(b'\'', &mut out)? {
                        return Ok(out);
                    }
                }
                Some(b'\r') if self.peek_at(1) == Some(b'\n') => {
                    out.push_str("\r\n");
                    self.pos += 2;
                }
                None => return Err(self.unclosed(start, true)),
                Some(b) => return Err(self.control_in_string(b)),
            }
        }
    }

    /// A run of `quote`s inside a multi-line string: three or more close it (up to two before
    /// the last three belong to the string; six or more are an error), fewer are text.
    fn closing_quotes(&mut self, quote: u8, out: &mut String) -> Result<bool, TomlError> {
        let run = self.bytes[self.pos..].iter().take_while(|&&b| b == quote).count();
        let quote_char = quote as char;
        if run < 3 {
            out.extend(std::iter::repeat_n(quote_char, run));
            self.pos += run;
            return Ok(false);
        }
        if run > 5 {
            return Err(self.error(
                self.pos + 5,
                format!(
                    "too many `{quote_char}` in a row: a multi-line string may end with at most \
                     two before its closing three"
                ),
            ));
        }
        out.extend(std::iter::repeat_n(quote_char, run - 3));
        self.pos += run;
        Ok(true)
    }

    /// An escape sequence at the cursor (at `\`), appended to `out`.
    fn escape(&mut self, out: &mut String) -> Result<(), TomlError> {
        let at = self.pos;
        self.pos += 1;
        let c = match self.peek() {
            Some(b'b') => '\u{8}',
            Some(b't') => '\t',
            Some(b'n') => '\n',
            Some(b'f') => '\u{c}',
            Some(b'r') => '\r',
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(letter @ (b'u' | b'U')) => {
                let count = if letter == b'u' { 4 } else { 8 };
                let hex = self.bytes.get(self.pos + 1..self.pos + 1 + count);
                let code = hex
                    .filter(|hex| hex.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|hex| u32::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
                let Some(code) = code else {
                    return Err(self.error(
                        at,
                        format!("`\\{}` needs {count} hexadecimal digits", letter as char),
                    ));
                };
                let Some(c) = char::from_u32(code) else {
                    return Err(self.error(
                        at,
                        format!(
                            "`\\{}{:0count$X}` is not a Unicode scalar value",
                            letter as char, code
                        ),
                    ));
                };
                self.pos += count;
                c
            }
            _ => {
                let found =
                    if self.peek().is_none() { "the end".to_string() } else { self.found() };
                return Err(self.error(
                    at,
                    format!(
                        "invalid escape `\\` followed by {found} (escapes are \\b \\t \\n \\f \\r \
                         \\\" \\\\ \\uXXXX \\UXXXXXXXX; a literal string 'like this' needs none)"
                    ),
                ));
            }
        };
        self.pos += 1;
        out.push(c);
        Ok(())
    }

    fn unclosed(&self, start: usize, multi_line: bool) -> TomlError {
        let quotes = &self.text[start..start + if multi_line { 3 } else { 1 }];
        let hint = if multi_line {
            format!(" (it needs a closing `{quotes}`)")
        } else {
            format!(
                " (it must end on its line; a string of several lines is written {quotes}{quotes}{quotes}…{quotes}{quotes}{quotes})"
            )
        };
        self.error(start, format!("{NEVER_CLOSED}{hint}"))
    }

    fn control_in_string(&self, b: u8) -> TomlError {
        self.error(
            self.pos,
            format!("a control character ({}) in a string must be escaped", describe_control(b)),
        )
    }

    /// A key at the cursor: its parts (one, or more when dotted) with their spans.
    pub(super) fn key(&mut self) -> Result<Vec<(String, Span)>, TomlError> {
        let mut parts = Vec::new();
        loop {
            let start = self.pos;
            let part = match self.peek() {
                Some(b'"' | b'\'') => self.string(false)?,
                Some(b) if is_bare(b) => {
                    while self.peek().is_some_and(is_bare) {
                        self.pos += 1;
                    }
                    self.text[start..self.pos].to_string()
                }
                _ => {
                    let what = if parts.is_empty() { "a key" } else { "a key after `.`" };
                    return Err(self.expected(what));
                }
            };
            parts.push((part, Span::new(start, self.pos)));
            self.skip_whitespace();
            if !self.eat(b'.') {
                return Ok(parts);
            }
            self.skip_whitespace();
        }
    }
}

/// Whether `b` may be part of a bare key: `A-Z a-z 0-9 _ -`.
pub(super) fn is_bare(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}
