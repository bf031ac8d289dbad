//! Site errors: what went wrong, in which file, where, with the line shown.

use std::fmt;
use std::path::PathBuf;

/// A problem with the site (not with the builder): bad front matter, a template error, a
/// broken internal link, a missing template. Printed as `file:line:column: message`, then the
/// line with a marker under the column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteError {
    /// The file, relative to the site root.
    pub file: PathBuf,
    /// 1-based line, if known.
    pub line: Option<u32>,
    /// 1-based column, if known.
    pub column: Option<u32>,
    /// What is wrong, and what to do about it where that is clear.
    pub message: String,
    /// The offending line of the file, when known.
    pub snippet: Option<String>,
}

impl SiteError {
    /// An error about `file` as a whole.
    pub fn in_file(file: impl Into<PathBuf>, message: impl Into<String>) -> SiteError {
        SiteError {
            file: file.into(),
            line: None,
            column: None,
            message: message.into(),
            snippet: None,
        }
    }

    /// Places the error at `line`:`column` of `text` (the file's contents), with the snippet.
    pub fn at(mut self, text: &str, line: u32, column: Option<u32>) -> SiteError {
        self.line = Some(line);
        self.column = column;
        self.snippet = text.lines().nth(line.saturating_sub(1) as usize).map(str::to_string);
        self
    }
}

impl fmt::Display for SiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A file name may hold a newline or another control character: shown escaped, so
        // the message stays one line per error and says exactly which file.
        for c in self.file.display().to_string().chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)?;
        if let Some(snippet) = &self.snippet {
            write!(f, "\n    | {snippet}")?;
            if let Some(column) = self.column {
                let pad: String = snippet
                    .chars()
                    .take(column.saturating_sub(1) as usize)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                write!(f, "\n    | {pad}^")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for SiteError {}

/// A site error as the error of a query (queries fail with `PicanteError`).
pub(crate) fn query_error(error: SiteError) -> std::sync::Arc<picante::PicanteError> {
    picante::PicanteError::query(error)
}

/// The site error inside a query error, if there is one.
pub fn site_error(error: &picante::PicanteError) -> Option<&SiteError> {
    match error {
        picante::PicanteError::Query(inner) => inner.downcast_ref::<SiteError>(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_column_and_marks_the_column() {
        let text = "+++\ntitel = 1\n+++\n";
        let err = SiteError::in_file("content/a.md", "unknown key `titel` (did you mean `title`?)")
            .at(text, 2, Some(1));
        assert_eq!(
            err.to_string(),
            "content/a.md:2:1: unknown key `titel` (did you mean `title`?)\n    | titel = 1\n    | ^"
        );
    }
}
