//! The one error type of the engine: what went wrong, and where.

use std::fmt;

/// What went wrong. Each kind has a stable [`code`](ErrorKind::code) for tests and tools.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The template text is not valid template syntax.
    Syntax(String),
    /// A variable that is not defined.
    UndefinedVariable {
        /// Its name.
        name: String,
        /// The names that are defined there.
        available: Vec<String>,
    },
    /// A field that the map (or module) does not have.
    MissingField {
        /// The field asked for.
        field: String,
        /// The fields it has.
        available: Vec<String>,
    },
    /// `data.<path>` has no value.
    MissingData {
        /// The dotted path.
        path: String,
    },
    /// An index past the end of a list or string.
    IndexOutOfRange {
        /// The index asked for.
        index: i64,
        /// The length.
        len: usize,
    },
    /// An operation on values of the wrong type (`"a" - 1`, iterating a number).
    Type(String),
    /// Division or remainder by zero, or an integer overflow.
    Arithmetic(String),
    /// A filter name that does not exist.
    UnknownFilter(String),
    /// A test name that does not exist.
    UnknownTest(String),
    /// Wrong arguments to a filter, test, macro or function.
    Arguments(String),
    /// The loader has no template of this name.
    TemplateNotFound(String),
    /// The loader, the data provider or a host function failed.
    Host(String),
    /// `throw(message)` in the template.
    Thrown(String),
    /// Too deep: recursive macros, include or extends cycles.
    Recursion(String),
}

impl ErrorKind {
    /// A short stable name of the kind: `syntax`, `undefined-variable`, `missing-field`,
    /// `missing-data`, `index-out-of-range`, `type`, `arithmetic`, `unknown-filter`,
    /// `unknown-test`, `arguments`, `template-not-found`, `host`, `thrown`, `recursion`.
    pub fn code(&self) -> &'static str {
        match self {
            ErrorKind::Syntax(_) => "syntax",
            ErrorKind::UndefinedVariable { .. } => "undefined-variable",
            ErrorKind::MissingField { .. } => "missing-field",
            ErrorKind::MissingData { .. } => "missing-data",
            ErrorKind::IndexOutOfRange { .. } => "index-out-of-range",
            ErrorKind::Type(_) => "type",
            ErrorKind::Arithmetic(_) => "arithmetic",
            ErrorKind::UnknownFilter(_) => "unknown-filter",
            ErrorKind::UnknownTest(_) => "unknown-test",
            ErrorKind::Arguments(_) => "arguments",
            ErrorKind::TemplateNotFound(_) => "template-not-found",
            ErrorKind::Host(_) => "host",
            ErrorKind::Thrown(_) => "thrown",
            ErrorKind::Recursion(_) => "recursion",
        }
    }
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        return "nothing".into();
    }
    names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Syntax(m) => write!(f, "syntax error: {m}"),
            ErrorKind::UndefinedVariable { name, available } => write!(
                f,
                "undefined variable `{name}` (available: {}; use `{name} is defined` or \
                 `{name} | default(...)` if it is optional)",
                list(available)
            ),
            ErrorKind::MissingField { field, available } => write!(
                f,
                "no field `{field}` (available: {}; use `?.{field}` if it is optional)",
                list(available)
            ),
            ErrorKind::MissingData { path } => write!(f, "no site data at `data.{path}`"),
            ErrorKind::IndexOutOfRange { index, len } => {
                write!(f, "index {index} out of range for length {len}")
            }
            ErrorKind::Type(m) => write!(f, "type error: {m}"),
            ErrorKind::Arithmetic(m) => write!(f, "arithmetic error: {m}"),
            ErrorKind::UnknownFilter(n) => write!(f, "unknown filter `{n}`"),
            ErrorKind::UnknownTest(n) => write!(f, "unknown test `{n}`"),
            ErrorKind::Arguments(m) => write!(f, "bad arguments: {m}"),
            ErrorKind::TemplateNotFound(n) => write!(f, "template `{n}` not found"),
            ErrorKind::Host(m) => write!(f, "host error: {m}"),
            ErrorKind::Thrown(m) => write!(f, "template threw: {m}"),
            ErrorKind::Recursion(m) => write!(f, "too deep: {m}"),
        }
    }
}

/// Where an error happened: template, 1-based line and column, and the source line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The template's name.
    pub template: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
    /// The text of that line.
    pub snippet: String,
}

impl Location {
    /// The location of byte `offset` of `source`.
    pub(crate) fn at(template: &str, source: &str, offset: usize) -> Location {
        let offset = floor_char_boundary(source, offset.min(source.len()));
        let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[offset..].find('\n').map_or(source.len(), |i| offset + i);
        let line = source[..offset].matches('\n').count() as u32 + 1;
        let column = source[line_start..offset].chars().count() as u32 + 1;
        let snippet = source[line_start..line_end].trim_end_matches('\r').to_string();
        Location { template: template.to_string(), line, column, snippet }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A template error: its kind and, when known, where it happened.
///
/// `Display` gives the message, then the place and the source line with a marker:
///
/// ```text
/// undefined variable `titel` (available: `page`; ...)
///   --> page.html:1:8
///    |
///  1 | <h1>{{ titel }}</h1>
///    |        ^
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    kind: ErrorKind,
    location: Option<Box<Location>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, location: Option<Location>) -> Error {
        Error { kind, location: location.map(Box::new) }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// Where, if known (an error of the root template's loader has no place).
    pub fn location(&self) -> Option<&Location> {
        self.location.as_deref()
    }

    /// The template's name, if known.
    pub fn template(&self) -> Option<&str> {
        self.location.as_ref().map(|l| l.template.as_str())
    }

    /// 1-based line, if known.
    pub fn line(&self) -> Option<u32> {
        self.location.as_ref().map(|l| l.line)
    }

    /// 1-based column, if known.
    pub fn column(&self) -> Option<u32> {
        self.location.as_ref().map(|l| l.column)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(loc) = &self.location {
            let number = loc.line.to_string();
            let pad = " ".repeat(number.len());
            let marker: String = loc
                .snippet
                .chars()
                .take(loc.column.saturating_sub(1) as usize)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            write!(
                f,
                "\n{pad}--> {}:{}:{}\n{pad} |\n{number} | {}\n{pad} | {marker}^",
                loc.template, loc.line, loc.column, loc.snippet
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_template_line_column_and_marks_the_column() {
        let source = "<p>\n<h1>{{ titel }}</h1>";
        let loc = Location::at("page.html", source, source.find("titel").unwrap());
        let err = Error::new(
            ErrorKind::UndefinedVariable { name: "titel".into(), available: vec!["page".into()] },
            Some(loc),
        );
        let text = err.to_string();
        assert!(text.starts_with("undefined variable `titel` (available: `page`"), "{text}");
        assert!(text.contains("--> page.html:2:8"), "{text}");
        assert!(text.ends_with("2 | <h1>{{ titel }}</h1>\n  |        ^"), "{text}");
    }
}
