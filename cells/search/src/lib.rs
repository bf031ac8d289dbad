//! The search cell's engine: Zola's elasticlunr search index (`search_index.LANG.json`, and
//! the same JSON behind `window.searchIndex = ` in `search_index.LANG.js`), built with
//! `elasticlunr-rs` 3.0.2, the crate Zola 0.22 builds it with, so that the index (its layout,
//! tokens, stemming, stop words, term frequencies and float formatting) is Zola's byte for byte.
//!
//! [`build_elasticlunr`] takes an [`ElasticlunrRequest`]: a language code, the fields in
//! order (each with the language's tokenizer or Zola's path tokenizer) and the documents, each
//! a reference and its values in the fields' order. The host decides which documents and
//! values (Zola's rules, `host/src/search/`); this crate only runs the library. A request the
//! library would panic on (two fields of one name, more values than fields) or a language it
//! has no pipeline for is a [`SearchError`], never a panic.
//!
//! The binary (`src/main.rs`) serves it as [`cell_proto::search::Service`].
//!
//! # Example
//!
//! ```
//! use cell_proto::{ElasticlunrRequest, FieldTokenizer, IndexDocument, IndexField};
//!
//! let field = |name: &str, tokenizer| IndexField { name: name.into(), tokenizer };
//! let request = ElasticlunrRequest {
//!     language: "en".into(),
//!     fields: vec![field("title", FieldTokenizer::Language), field("path", FieldTokenizer::Path)],
//!     documents: vec![IndexDocument {
//!         reference: "https://example.com/blog/running/".into(),
//!         values: vec!["Running".into(), "/blog/running/".into()],
//!     }],
//! };
//! let json = cell_search::build_elasticlunr(&request)?;
//! // English stemming: "Running" is indexed as "run".
//! assert!(json.contains(r#""title":{"root":{"docs":{},"df":0,"r":{"docs":{},"df":0,"u":{"#));
//! assert!(json.starts_with(r#"{"fields":["title","path"],"pipeline":["trimmer","stopWordFilter","stemmer"],"ref":"id","version":"0.9.5","#));
//!
//! let unknown = ElasticlunrRequest { language: "xx".into(), ..request };
//! assert_eq!(
//!     cell_search::build_elasticlunr(&unknown).unwrap_err().to_string(),
//!     "no search index pipeline for the language `xx`"
//! );
//! # Ok::<(), cell_search::SearchError>(())
//! ```
#![deny(missing_docs)]

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use cell_proto::{ElasticlunrRequest, FieldTokenizer};
use elasticlunr::{IndexBuilder, lang};

/// Why an index could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SearchError {
    /// The language code names no pipeline of the library (as Zola built it).
    UnknownLanguage(String),
    /// Two fields share a name.
    DuplicateField(String),
    /// A document has more values than the index has fields.
    TooManyValues {
        /// The document's reference.
        reference: String,
        /// How many values it has.
        values: usize,
        /// How many fields the index has.
        fields: usize,
    },
    /// The library panicked (a bug in it), with its message.
    Panicked(String),
}

impl fmt::Display for SearchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SearchError::UnknownLanguage(code) => {
                write!(f, "no search index pipeline for the language `{code}`")
            }
            SearchError::DuplicateField(name) => write!(f, "the field `{name}` is given twice"),
            SearchError::TooManyValues { reference, values, fields } => write!(
                f,
                "the document `{reference}` has {values} values for an index of {fields} fields"
            ),
            SearchError::Panicked(what) => {
                write!(f, "the index library failed (a bug in elasticlunr-rs: {what})")
            }
        }
    }
}

impl std::error::Error for SearchError {}

/// Zola's tokenizer of the `path` field: split at white space, `-` and `/`, empty parts
/// dropped, each part lower-cased (Zola's own, not the library's).
pub fn path_tokenizer(text: &str) -> Vec<String> {
    text.split(|c: char| c.is_whitespace() || c == '-' || c == '/')
        .filter(|part| !part.is_empty())
        .map(|part| part.trim().to_lowercase())
        .collect()
}

/// The elasticlunr index of `request`'s documents, as JSON (compact, keys in the library's
/// order).
///
/// # Errors
///
/// A [`SearchError`] for a language the library has no pipeline for, two fields of one name,
/// a document with more values than fields, or a panic of the library.
pub fn build_elasticlunr(request: &ElasticlunrRequest) -> Result<String, SearchError> {
    let language = lang::from_code(&request.language)
        .ok_or_else(|| SearchError::UnknownLanguage(request.language.clone()))?;
    for (i, field) in request.fields.iter().enumerate() {
        if request.fields[..i].iter().any(|earlier| earlier.name == field.name) {
            return Err(SearchError::DuplicateField(field.name.clone()));
        }
    }
    if let Some(document) = request.documents.iter().find(|d| d.values.len() > request.fields.len())
    {
        return Err(SearchError::TooManyValues {
            reference: document.reference.clone(),
            values: document.values.len(),
            fields: request.fields.len(),
        });
    }
    // Checked above for what the library asserts; anything else it panics on is its bug, and
    // nothing of its state outlives the call.
    catch_unwind(AssertUnwindSafe(|| {
        let mut builder = IndexBuilder::with_language(language);
        for field in &request.fields {
            builder = match field.tokenizer {
                FieldTokenizer::Language => builder.add_field(&field.name),
                FieldTokenizer::Path => {
                    builder.add_field_with_tokenizer(&field.name, Box::new(path_tokenizer))
                }
            };
        }
        let mut index = builder.build();
        for document in &request.documents {
            index.add_doc(&document.reference, &document.values);
        }
        index.to_json()
    }))
    .map_err(|panic| {
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        SearchError::Panicked(what)
    })
}

#[cfg(test)]
mod tests;
