//! A document that does not parse: what is wrong, and where.

use std::fmt;

/// Why a TOML document does not parse, at which byte, line and column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TomlError {
    message: String,
    offset: usize,
    line: u32,
    column: u32,
}

impl TomlError {
    /// An error at byte `offset` of `text`.
    pub(crate) fn new(text: &str, offset: usize, message: impl Into<String>) -> TomlError {
        let (line, column) = line_column(text, offset);
        TomlError { message: message.into(), offset, line, column }
    }

    /// What is wrong (lower case, without the position).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The offending byte.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Its line, from 1.
    pub fn line(&self) -> u32 {
        self.line
    }

    /// Its column, from 1, in characters.
    pub fn column(&self) -> u32 {
        self.column
    }
}

impl fmt::Display for TomlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}, column {}: {}", self.line, self.column, self.message)
    }
}

impl std::error::Error for TomlError {}

/// The line and column (both from 1; the column in characters) of byte `offset` of `text`.
/// An offset inside a character counts as that character; one past the end is the column
/// after the last character.
pub fn line_column(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line as u32, column as u32)
}

/// "line L, column C" of byte `offset` of `text`, for messages naming a second place.
pub(crate) fn place(text: &str, offset: usize) -> String {
    let (line, column) = line_column(text, offset);
    format!("line {line}, column {column}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let text = "a = \"é\"\nbé = 1\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 8), (1, 8));
        assert_eq!(line_column(text, 9), (2, 1));
        // The `=` of the second line: after `b`, `é` (two bytes) and a space.
        assert_eq!(line_column(text, 13), (2, 4));
        // Inside `é`: that character.
        assert_eq!(line_column(text, 11), (2, 2));
        assert_eq!(line_column(text, text.len() + 5), (3, 1));
    }
}
