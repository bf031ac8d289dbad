//! The search cell's service: an elasticlunr index built from documents the host sends.
//!
//! The host decides everything Zola decides from the site (which pages and sections go in,
//! which fields, each document's values in the order of the fields); the cell only runs the
//! index library (`elasticlunr-rs`, the crate Zola's index format is) on what it is told, so
//! that the index is a pure function of the request. The cell makes no callback.

use facet::Facet;

/// An elasticlunr index to build.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct ElasticlunrRequest {
    /// The language's code (`en`, `fr`, ...): its tokenizer, stop words and stemmer.
    pub language: String,
    /// The index's fields, in order.
    pub fields: Vec<IndexField>,
    /// The documents, each with at most one value per field, in the fields' order.
    pub documents: Vec<IndexDocument>,
}

/// One field of an index.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct IndexField {
    /// Its name (`title`, `body`, ...).
    pub name: String,
    /// How its values are split into words.
    pub tokenizer: FieldTokenizer,
}

/// How a field's values are split into words.
#[derive(Facet, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum FieldTokenizer {
    /// The language's own tokenizer.
    Language,
    /// Zola's for paths: split at white space, `-` and `/`, each part lower-cased.
    Path,
}

/// One document of an index.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct IndexDocument {
    /// Its reference (Zola: the permalink).
    pub reference: String,
    /// Its values, the first for the first field and so on; fewer values than fields leave
    /// the last fields out of this document (as the library does).
    pub values: Vec<String>,
}

/// What building an index gave.
#[derive(Facet, Clone, Debug, PartialEq)]
#[repr(u8)]
pub enum ElasticlunrReply {
    /// The index, as JSON.
    Index(String),
    /// Why there is none: a language the cell has no pipeline for, a malformed request.
    Problem(String),
}

rpc::facet_payload!(ElasticlunrRequest, ElasticlunrReply);

rpc::service! {
    /// The search cell: builds search indexes.
    pub mod search: "Search" {
        /// An elasticlunr index of the documents, as JSON (Zola's `search_index.LANG.json`);
        /// a request it cannot build is an answer, not a failed call.
        fn elasticlunr(request: ElasticlunrRequest) -> ElasticlunrReply;
    }
}
