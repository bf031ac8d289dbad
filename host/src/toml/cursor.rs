//! Reading the text byte by byte: whitespace, comments, newlines, and what to call the byte
//! at hand in a message. Strings, keys, numbers and the document build on it.

use super::TomlError;

/// A position in the document being parsed.
pub(super) struct Cursor<'a> {
    pub(super) text: &'a str,
    pub(super) bytes: &'a [u8],
    pub(super) pos: usize,
}

/// Whether `b` is a control character TOML refuses in comments and strings (all but tab).
pub(super) fn is_control(b: u8) -> bool {
    (b < 0x20 && b != b'\t') || b == 0x7f
}

impl<'a> Cursor<'a> {
    pub(super) fn new(text: &'a str) -> Cursor<'a> {
        Cursor { text, bytes: text.as_bytes(), pos: 0 }
    }

    pub(super) fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    pub(super) fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    pub(super) fn starts_with(&self, prefix: &[u8]) -> bool {
        self.bytes[self.pos..].starts_with(prefix)
    }

    /// Consumes `b` if it is next.
    pub(super) fn eat(&mut self, b: u8) -> bool {
        let found = self.peek() == Some(b);
        if found {
            self.pos += 1;
        }
        found
    }

    pub(super) fn error(&self, offset: usize, message: impl Into<String>) -> TomlError {
        TomlError::new(self.text, offset, message)
    }

    /// An error at the cursor: "expected {what}, found {the byte here}".
    pub(super) fn expected(&self, what: &str) -> TomlError {
        self.error(self.pos, format!("expected {what}, found {}", self.found()))
    }

    /// What is at the cursor, for messages.
    pub(super) fn found(&self) -> String {
        match self.peek() {
            None => "the end of the document".into(),
            Some(b'\n') => "the end of the line".into(),
            Some(b'\r') if self.peek_at(1) == Some(b'\n') => "the end of the line".into(),
            Some(_) => {
                let c = self.text[self.pos..].chars().next().unwrap_or('\u{fffd}');
                if c.is_control() { format!("`{}`", c.escape_default()) } else { format!("`{c}`") }
            }
        }
    }

    /// Skips spaces and tabs.
    pub(super) fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.pos += 1;
        }
    }

    /// A comment, if one starts here (`#` to the end of the line, which is left): control
    /// characters other than tab are refused in it, as TOML says.
    pub(super) fn comment(&mut self) -> Result<(), TomlError> {
        if self.peek() != Some(b'#') {
            return Ok(());
        }
        while let Some(b) = self.peek() {
            if b == b'\n' || (b == b'\r' && self.peek_at(1) == Some(b'\n')) {
                break;
            }
            if is_control(b) {
                return Err(self.error(
                    self.pos,
                    format!("a control character ({}) in a comment", describe_control(b)),
                ));
            }
            self.pos += 1;
        }
        Ok(())
    }

    /// A newline (LF or CRLF), if one is here. A carriage return alone is an error.
    pub(super) fn newline(&mut self) -> Result<bool, TomlError> {
        match self.peek() {
            Some(b'\n') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b'\r') if self.peek_at(1) == Some(b'\n') => {
                self.pos += 2;
                Ok(true)
            }
            Some(b'\r') => {
                Err(self.error(self.pos, "a carriage return must be followed by a newline"))
            }
            _ => Ok(false),
        }
    }

    /// Whitespace, comments and newlines (between the items of an array).
    pub(super) fn skip_blank(&mut self) -> Result<(), TomlError> {
        loop {
            self.skip_whitespace();
            self.comment()?;
            if !self.newline()? {
                return Ok(());
            }
        }
    }

    /// After an expression: whitespace, a comment, then the end of the line or document.
    pub(super) fn end_of_line(&mut self, after: &str) -> Result<(), TomlError> {
        self.skip_whitespace();
        self.comment()?;
        if self.peek().is_none() || self.newline()? {
            return Ok(());
        }
        Err(self.error(
            self.pos,
            format!("expected the end of the line after {after}, found {}", self.found()),
        ))
    }
}

/// A control character as `U+0001`, or its usual name.
pub(super) fn describe_control(b: u8) -> String {
    match b {
        b'\r' => "a carriage return".into(),
        b'\n' => "a newline".into(),
        0 => "NUL".into(),
        _ => format!("U+{b:04X}"),
    }
}
