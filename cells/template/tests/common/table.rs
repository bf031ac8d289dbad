//! The file format of the conformance table (`tests/conformance.txt`): read by
//! `tests/conformance.rs`, and rewritten by `tools/tera-oracle`, which fills in Tera's column.
//!
//! A case is a run of `key: value` lines; cases are separated by blank lines. Lines that start
//! with `#` are comments, kept where they are. A value is the rest of the line, or, when it is
//! empty, starts or ends with a space, starts with `"` or holds a line break or other control
//! character, a string in double quotes with the escapes `\n \r \t \\ \" \u{..}`.
//!
//! | key | value |
//! |---|---|
//! | `template` | the case's template (first key of a case) |
//! | `name` | the name it is rendered as, `case.html` if absent (the extension decides escaping) |
//! | `tera` / `tera-error` | what Tera 1.20 renders / the message of its error (recorded by the oracle) |
//! | `ours` | what this engine renders, where it deliberately differs from Tera |
//! | `ours-error` | this engine's error: `kind line:column`, or `kind template:line:column` |
//! | `why` | why this engine differs from Tera (required wherever it does) |

#![allow(dead_code)]

/// One line of the file.
#[derive(Clone, Debug, PartialEq)]
pub enum Line {
    Comment(String),
    Field(String, String),
}

/// A run of lines without a blank one: a case, or comments only.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Block {
    pub lines: Vec<Line>,
}

impl Block {
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.lines.iter().find_map(|line| match line {
            Line::Field(k, v) if k == key => Some(v.as_str()),
            _ => None,
        })
    }

    /// Sets `key` (in place if present, else after `after`'s line, else at the end).
    pub fn set(&mut self, key: &str, value: &str, after: &[&str]) {
        for line in &mut self.lines {
            if let Line::Field(k, v) = line
                && k == key
            {
                *v = value.to_string();
                return;
            }
        }
        let at = self
            .lines
            .iter()
            .rposition(|l| matches!(l, Line::Field(k, _) if after.contains(&k.as_str())))
            .map_or(self.lines.len(), |i| i + 1);
        self.lines.insert(at, Line::Field(key.to_string(), value.to_string()));
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: &str) {
        self.lines.retain(|l| !matches!(l, Line::Field(k, _) if k == key));
    }
}

/// Reads the file; an error names the line.
pub fn parse(text: &str) -> Result<Vec<Block>, String> {
    let mut blocks = Vec::new();
    let mut block = Block::default();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            if !block.lines.is_empty() {
                blocks.push(std::mem::take(&mut block));
            }
            continue;
        }
        if let Some(comment) = line.strip_prefix('#') {
            block.lines.push(Line::Comment(comment.to_string()));
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(format!("line {}: expected `key: value`", number + 1));
        };
        let value = value.strip_prefix(' ').unwrap_or(value);
        let value = if value.starts_with('"') {
            unquote(value).map_err(|e| format!("line {}: {e}", number + 1))?
        } else {
            value.to_string()
        };
        block.lines.push(Line::Field(key.trim().to_string(), value));
    }
    if !block.lines.is_empty() {
        blocks.push(block);
    }
    Ok(blocks)
}

/// Writes the blocks back.
pub fn write(blocks: &[Block]) -> String {
    let mut out = String::new();
    for (i, block) in blocks.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        for line in &block.lines {
            match line {
                Line::Comment(c) => {
                    out.push('#');
                    out.push_str(c);
                }
                Line::Field(k, v) => {
                    out.push_str(k);
                    out.push_str(": ");
                    out.push_str(&quote(v));
                }
            }
            out.push('\n');
        }
    }
    out
}

/// The value as written: bare when it reads back the same, else quoted.
pub fn quote(value: &str) -> String {
    let bare = !value.is_empty()
        && !value.starts_with(['"', ' '])
        && !value.ends_with(' ')
        && !value.chars().any(char::is_control);
    if bare {
        return value.to_string();
    }
    let mut out = String::from('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn unquote(text: &str) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = text[1..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                return if chars.as_str().trim().is_empty() {
                    Ok(out)
                } else {
                    Err("text after the closing quote".into())
                };
            }
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('r') => out.push('\r'),
                Some('t') => out.push('\t'),
                Some('\\') => out.push('\\'),
                Some('"') => out.push('"'),
                Some('u') => {
                    let rest = chars.as_str();
                    let close = rest.find('}').ok_or("unclosed `\\u{`")?;
                    let code = u32::from_str_radix(rest.get(1..close).unwrap_or(""), 16)
                        .map_err(|e| e.to_string())?;
                    out.push(char::from_u32(code).ok_or("invalid `\\u{..}`")?);
                    chars = rest[close + 1..].chars();
                }
                other => return Err(format!("unknown escape `\\{}`", other.unwrap_or(' '))),
            },
            c => out.push(c),
        }
    }
    Err("unclosed quoted value".into())
}
