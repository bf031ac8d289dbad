//! Splitting a page into its front matter and its body: shared by the markdown cell (which
//! renders the body) and the host (which reads the front matter alone, for routes and
//! listings that must not depend on a page's body).
//!
//! A page may open with `+++` (TOML) or `---` (YAML) on its first line, and the front matter
//! runs until the same delimiter alone on a line. A byte-order mark and trailing spaces on the
//! delimiter lines are tolerated; a front matter that never closes is an error naming the
//! line it opened on, not a page whose whole text is front matter.

use crate::FrontMatterFormat;

/// A page cut in two.
#[derive(Debug, PartialEq, Eq)]
pub struct Split<'a> {
    /// The front matter's text, without delimiters, and its syntax.
    pub front_matter: Option<(&'a str, FrontMatterFormat)>,
    /// Everything after the closing delimiter (the whole text if there is no front matter).
    pub body: &'a str,
    /// The 1-based line on which `body` starts.
    pub body_line: u32,
}

/// A front matter whose opening delimiter has no closing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnclosedFrontMatter {
    /// `+++` or `---`.
    pub delimiter: &'static str,
    /// The line it opened on (1).
    pub line: u32,
}

/// Splits `source` (the whole file).
///
/// # Errors
///
/// [`UnclosedFrontMatter`] when the opening delimiter has no closing one.
pub fn split_front_matter(source: &str) -> Result<Split<'_>, UnclosedFrontMatter> {
    let text = source.strip_prefix('\u{feff}').unwrap_or(source);
    let mut lines = text.split_inclusive('\n');
    let Some(first) = lines.next() else {
        return Ok(Split { front_matter: None, body: text, body_line: 1 });
    };
    let (delimiter, format) = match first.trim_end() {
        "+++" => ("+++", FrontMatterFormat::Toml),
        "---" => ("---", FrontMatterFormat::Yaml),
        _ => return Ok(Split { front_matter: None, body: text, body_line: 1 }),
    };
    let start = first.len();
    let mut offset = start;
    let mut line = 1u32;
    for next in lines {
        line += 1;
        if next.trim_end() == delimiter {
            let front_matter = &text[start..offset];
            let body = &text[offset + next.len()..];
            return Ok(Split {
                front_matter: Some((front_matter, format)),
                body,
                body_line: line + 1,
            });
        }
        offset += next.len();
    }
    Err(UnclosedFrontMatter { delimiter, line: 1 })
}
