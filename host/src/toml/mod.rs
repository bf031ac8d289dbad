//! A TOML 1.0 parser that keeps where everything was written.
//!
//! The host reads every TOML file with it: the config (`config.toml` or `dodeca.toml`), `+++`
//! front matter, and `data/*.toml`. Each key and value carries its [`Span`] (bytes of the
//! text), so an error found after parsing (a key of the wrong type, one that is not known)
//! names the exact line and column of what is wrong, and a [`TomlError`] names where the text
//! stops being TOML: an unclosed string or inline table, a key or table defined twice (with
//! where it was first), a bad escape, a number that does not fit.
//!
//! All of TOML 1.0: bare, quoted and dotted keys; `[table]` and `[[array.of.tables]]`;
//! inline tables (closed once written); arrays over several lines, with comments, trailing
//! commas and mixed types; the four kinds of strings with every escape (`\uXXXX`,
//! `\UXXXXXXXX`, a line-ending backslash); integers in decimal, hexadecimal, octal and binary
//! with `_`; floats with exponents, `inf` and `nan`; booleans; and the four date-times
//! ([`Datetime`]), printed as the `toml` crate prints them (which is what Zola's templates
//! show). Nesting is limited to [`MAX_DEPTH`] levels, so no document can exhaust the stack.
//!
//! Not TOML 1.1 (which the `toml` crate also reads): newlines and trailing commas in inline
//! tables, `\e` and `\xHH` escapes, and times without seconds are refused.
//!
//! ```
//! let doc = host::toml::parse("title = \"Home\"\n[extra]\nwhen = 2024-01-05\n")?;
//! let extra = doc.get("extra").unwrap();
//! let host::toml::Value::Table(extra) = &extra.value else { unreachable!() };
//! assert_eq!(extra.get("when").unwrap().value.to_cell_value(), "2024-01-05".into());
//!
//! let error = host::toml::parse("a = 1\na = 2\n").unwrap_err();
//! assert_eq!((error.line(), error.column()), (2, 1));
//! assert_eq!(error.message(), "`a` is defined twice (first at line 1, column 1)");
//! # Ok::<(), host::toml::TomlError>(())
//! ```

mod cursor;
mod datetime;
mod document;
mod error;
mod numbers;
mod strings;
#[cfg(test)]
mod tests;
mod value;

pub(crate) use datetime::days_in_month;
pub use datetime::{Date, Datetime, Offset, Time};
pub use error::{TomlError, line_column};
pub use value::{Array, Entry, Item, Span, Table, Value};

/// How deeply a document may nest (tables, arrays, inline tables): deeper is an error, so no
/// document can exhaust the stack of whatever walks it later.
pub const MAX_DEPTH: usize = 64;

/// Parses `text` as a TOML 1.0 document: its root table.
///
/// # Errors
///
/// When `text` is not TOML 1.0: the [`TomlError`] says why, at which line and column.
pub fn parse(text: &str) -> Result<Table, TomlError> {
    document::Parser::new(text).parse()
}
