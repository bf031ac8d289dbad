//! The formats `load_data` reads, chosen as Zola chooses them, and a text read in one.

use cell_proto::{DataFormat, Value};
use facet::Facet;

use super::csv;
use crate::values::{self, Syntax};

/// A format of `load_data`'s `format=` (or of a file's extension).
#[derive(Facet, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub(crate) enum Format {
    Toml,
    Json,
    Yaml,
    /// `{headers: [...], records: [[...], ...]}`, every field a string.
    Csv,
    /// The text as one string.
    Plain,
    /// Zola's, through `nom-bibtex`: read by the data cell.
    Bibtex,
    /// Zola's, through `roxmltree` and `roxmltree_to_serde`'s rules: read by the data cell.
    Xml,
}

impl Format {
    /// The format named `name` (`format=`, any case; `yml` is YAML), as Zola names them.
    pub(crate) fn named(name: &str) -> Option<Format> {
        Some(match name.to_ascii_lowercase().as_str() {
            "toml" => Format::Toml,
            "json" => Format::Json,
            "yaml" | "yml" => Format::Yaml,
            "csv" => Format::Csv,
            "plain" => Format::Plain,
            "bibtex" => Format::Bibtex,
            "xml" => Format::Xml,
            _ => return None,
        })
    }

    /// A file's format from its path, as Zola picks it without `format=`: its extension if it
    /// names a format, else plain text (`.css`, `.txt`, no extension).
    pub(crate) fn of_path(path: &str) -> Format {
        let name = path.rsplit('/').next().unwrap_or(path);
        match name.rsplit_once('.') {
            Some((stem, extension)) if !stem.is_empty() => {
                Format::named(extension).unwrap_or(Format::Plain)
            }
            _ => Format::Plain,
        }
    }

    /// The data cell's format, for the formats it reads (their parsers are field libraries,
    /// which the host does not link).
    pub(crate) fn of_cell(self) -> Option<DataFormat> {
        match self {
            Format::Bibtex => Some(DataFormat::Bibtex),
            Format::Xml => Some(DataFormat::Xml),
            _ => None,
        }
    }

    /// Its name, for messages.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Format::Toml => "toml",
            Format::Json => "json",
            Format::Yaml => "yaml",
            Format::Csv => "csv",
            Format::Plain => "plain",
            Format::Bibtex => "bibtex",
            Format::Xml => "xml",
        }
    }
}

/// Why a text could not be read in its format: the message, and the 1-based line and column
/// when the parser gave them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ParseError {
    pub(crate) message: String,
    pub(crate) position: Option<(u32, u32)>,
}

/// Reads `text` in `format`, as Zola's `load_data` gives it to templates, for the formats the
/// host reads itself (the others are the data cell's: `Format::of_cell`).
///
/// # Errors
///
/// A syntax error (with its position where the parser gives one), or a format of the cell.
pub(crate) fn parse(text: &str, format: Format) -> Result<Value, ParseError> {
    let syntax = match format {
        Format::Plain => return Ok(Value::String(text.to_string())),
        Format::Csv => {
            let csv = csv::parse(text).map_err(|error| ParseError {
                message: error.to_string(),
                position: Some((error.line, error.column)),
            })?;
            let list =
                |fields: Vec<String>| Value::List(fields.into_iter().map(Value::String).collect());
            return Ok(Value::map([
                ("headers", list(csv.headers)),
                ("records", Value::List(csv.records.into_iter().map(list).collect())),
            ]));
        }
        Format::Bibtex | Format::Xml => {
            // Never asked: `read` in `mod.rs` sends these to the data cell.
            let message = format!("the {} format is read by the data cell", format.name());
            return Err(ParseError { message, position: None });
        }
        Format::Toml => Syntax::Toml,
        Format::Json => Syntax::Json,
        Format::Yaml => Syntax::Yaml,
    };
    values::parse(text, syntax).map_err(|(message, position)| ParseError { message, position })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_named_in_any_case_and_taken_from_extensions() {
        assert_eq!(Format::named("JSON"), Some(Format::Json));
        assert_eq!(Format::named("yml"), Some(Format::Yaml));
        assert_eq!(Format::named("ini"), None);
        assert_eq!(Format::of_path("data/a.TOML"), Format::Toml);
        assert_eq!(Format::of_path("content/b/c.csv"), Format::Csv);
        assert_eq!(Format::of_path("static/site.css"), Format::Plain);
        assert_eq!(Format::of_path("static/LICENSE"), Format::Plain);
        assert_eq!(Format::of_path("static/.json"), Format::Plain);
        // As Zola: `.bib` is no format's name, `.bibtex` is.
        assert_eq!(Format::of_path("static/refs.bib"), Format::Plain);
        assert_eq!(Format::of_path("static/refs.bibtex"), Format::Bibtex);
        assert_eq!(Format::of_path("static/feed.xml"), Format::Xml);
        assert_eq!(Format::named("BibTeX").and_then(Format::of_cell), Some(DataFormat::Bibtex));
        assert_eq!(Format::Json.of_cell(), None);
    }

    #[test]
    fn csv_is_headers_and_records_of_strings() {
        let value = parse("Number,Title\n1,Gutenberg\n", Format::Csv).unwrap();
        let strings = |items: &[&str]| Value::List(items.iter().map(|s| Value::from(*s)).collect());
        assert_eq!(
            value,
            Value::map([
                ("headers", strings(&["Number", "Title"])),
                ("records", Value::List(vec![strings(&["1", "Gutenberg"])])),
            ])
        );
    }

    #[test]
    fn plain_is_the_text() {
        assert_eq!(parse("a,b\n", Format::Plain).unwrap(), Value::from("a,b\n"));
    }

    #[test]
    fn syntax_errors_keep_their_position() {
        let error = parse("{\"a\": 1,\n \"b\": }", Format::Json).unwrap_err();
        assert!(error.position.is_some(), "{error:?}");
        let error = parse("a,b\n1\n", Format::Csv).unwrap_err();
        assert_eq!(error.position, Some((2, 1)));
    }
}
