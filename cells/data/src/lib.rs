//! The data cell's engine: `load_data`'s BibTeX and XML files read into the values Zola 0.22
//! gives templates, with the libraries Zola reads them with (`nom-bibtex` 0.6.0 and
//! `roxmltree` 0.20.0), so that what parses, and what it parses to, is Zola's.
//!
//! [`read`] takes a text and a [`DataFormat`] and answers a [`Value`]:
//!
//! - BibTeX (`bibtex`): `{preambles, comments, variables, bibliographies}`, as Zola builds it
//!   from `nom_bibtex::Bibtex` (the rules are in `src/bibtex.rs`). Zola's
//!   `variables` and each entry's `tags` come out of a `HashMap`, in an order that changes
//!   from run to run; ours are in the file's order.
//! - XML (`xml`): `{root: ...}` as `roxmltree_to_serde` 0.6.2 converts it with the default
//!   configuration Zola uses (attributes as `@name`, text beside attributes as `#text`,
//!   repeated elements as lists, numbers and booleans inferred from text); the rules are in
//!   `src/xml.rs`.
//!
//! The text is untrusted. What the libraries would panic on is caught, what they would do
//! without bound (a cycle of BibTeX `@string`s, an element with thousands of attributes) is
//! refused first, nesting deeper than [`MAX_DEPTH`] is an error, and every failure is a
//! [`ReadError`] with the line and column where one is known.
//!
//! The binary (`src/main.rs`) serves it as [`cell_proto::data::Service`].
//!
//! # Example
//!
//! ```
//! use cell_data::read;
//! use cell_proto::{DataFormat, Value};
//!
//! let value = read(r#"<book id="007"><title>Dune</title><year>1965</year></book>"#, DataFormat::Xml)?;
//! assert_eq!(
//!     value,
//!     Value::map([(
//!         "book",
//!         Value::map([
//!             ("@id", Value::Int(7)),
//!             ("title", Value::from("Dune")),
//!             ("year", Value::Int(1965)),
//!         ])
//!     )])
//! );
//!
//! let error = read("<a>\n  <b></c>\n</a>", DataFormat::Xml).unwrap_err();
//! assert_eq!(error.position, Some((2, 6)));
//! assert_eq!(error.message, "the element `b` is closed by `</c>`");
//! # Ok::<(), cell_data::ReadError>(())
//! ```
#![deny(missing_docs)]

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

pub use cell_proto::{DataFormat, Value};

mod bibtex;
mod xml;

/// Nesting of lists and maps beyond this is refused (the host's limit for its own data
/// formats: values are converted, and later walked, recursively).
pub const MAX_DEPTH: usize = 64;

/// Why a text could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadError {
    /// What is wrong, in a sentence (no position in it).
    pub message: String,
    /// Where: the 1-based line and column (in characters), when known.
    pub position: Option<(u32, u32)>,
}

impl ReadError {
    fn new(message: impl Into<String>, position: Option<(u32, u32)>) -> ReadError {
        ReadError { message: message.into(), position }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, column)) => write!(f, "{line}:{column}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ReadError {}

/// `text` read in `format`, as Zola's `load_data` gives it to templates.
///
/// # Errors
///
/// A [`ReadError`]: the text does not parse (at its line and column when the library says),
/// nests deeper than [`MAX_DEPTH`], or is refused as too costly to read (see the module's
/// documentation); or the library panicked (a bug in it).
pub fn read(text: &str, format: DataFormat) -> Result<Value, ReadError> {
    // The libraries are not expected to panic, but nom-bibtex 0.6 does on some malformed
    // texts (a slice taken at `0 - 1`); nothing of their state outlives the call.
    catch_unwind(AssertUnwindSafe(|| match format {
        DataFormat::Bibtex => bibtex::read(text),
        DataFormat::Xml => xml::read(text),
    }))
    .unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let library = match format {
            DataFormat::Bibtex => "nom-bibtex",
            DataFormat::Xml => "roxmltree",
        };
        Err(ReadError::new(
            format!("the text could not be read (a bug in {library}: {what})"),
            None,
        ))
    })
}

/// The 1-based line and column (in characters) of the byte `offset` of `text`.
fn position_of(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line as u32, column as u32)
}

#[cfg(test)]
mod tests;
