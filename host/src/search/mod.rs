//! Zola's search index: with `build_search_index = true`, `search_index.LANG.js` (or `.json`)
//! for the default language, in the format `[search] index_format` names, and for the
//! elasticlunr formats the elasticlunr.js library beside it (`elasticlunr.min.js`).
//!
//! What Zola 0.22 puts in it (`components/search/src/lib.rs`, `collect_index_items`; checked
//! with its binary on `tests/sites/zola-search`):
//!
//! - every section with `in_search_index` (the default), unless it redirects (`redirect_to`),
//!   and, after each, the pages it lists (its own and its transparent subsections', sorted,
//!   without drafts, pages with `render = false`, or pages its `sort_by` cannot place) that
//!   have `in_search_index` themselves; not a page in a directory without `_index.md` (an
//!   orphan, in no section for Zola). A section with `in_search_index = false` leaves out
//!   itself and the pages it lists, not its subsections (they are sections of their own). A
//!   root section (`content/_index.md`) with `in_search_index = false` is an error, as in Zola.
//! - each document's reference is its permalink; its fields, in this order and each only when
//!   `[search]` asks: `title`, `description` (empty when there is none), `date` (RFC 3339,
//!   pages with a date only), `path` (the route), `body` (`text.rs`).
//! - elasticlunr (`elasticlunr_javascript`, `elasticlunr_json`): the index `elasticlunr-rs`
//!   builds of those documents in the language's pipeline, made by the search cell
//!   (`cells/search`); a document without a date has one value fewer, so that with
//!   `include_date` its later values land in the field before theirs (Zola's rows are not
//!   padded, and the library reads them in order).
//! - Fuse (`fuse_javascript`, `fuse_json`): a JSON list of `{url, title, description, body,
//!   path}` (no date), each key only when asked (`fuse.rs`), written by the host. Zola lists the
//!   sections in the order of a hash map; here they come in path order.
//! - the `.js` formats are the JSON after `window.searchIndex = `, without a final `;` or new
//!   line.
//!
//! Incrementality: `search_document(path)` reads only what a document holds (the front
//! matter, the route, and the rendered body when `include_content` is on), so it cuts off
//! early: a template edit, or a front matter edit of a key the index does not hold, leaves it
//! as it was. `search_documents` gathers them (and the sections' listings); `search_index`
//! reads that list and the config and builds the file, calling the cell for elasticlunr only
//! when the list changed. With `build_search_index` off, nothing here runs.

mod entities;
mod fuse;
mod text;

use std::sync::Arc;

use cell_proto::{ElasticlunrReply, ElasticlunrRequest, FieldTokenizer, IndexDocument, IndexField};
use facet::Facet;

use crate::SiteError;
use crate::config::{SearchConfig, SiteConfig};
use crate::content::is_section;
use crate::db::{Database, Query};
use crate::error::{cell_query_error, query_error};
use crate::render::PageOutput;
use crate::toml::{Datetime, Offset};

pub(crate) use text::body_text;

/// The elasticlunr.js library Zola writes beside an elasticlunr index (`elasticlunr.min.js`):
/// the library's own build, vendored with its MIT license in `cells/search/vendor/` (see
/// `cells/search/README.md` for where it comes from).
pub(crate) const ELASTICLUNR_JS: &str =
    include_str!("../../../cells/search/vendor/elasticlunr.min.js");

/// The name of the library's output.
pub(crate) const ELASTICLUNR_FILE: &str = "elasticlunr.min.js";

/// One page or section as the search index holds it.
#[derive(Facet, Clone, Debug, PartialEq)]
pub(crate) struct SearchDocument {
    /// Its permalink: the document's reference (elasticlunr) or `url` (Fuse).
    pub(crate) permalink: String,
    pub(crate) title: Option<String>,
    pub(crate) description: Option<String>,
    /// A page's date in RFC 3339 (`2024-01-05T00:00:00Z`), as Zola formats it.
    pub(crate) date: Option<String>,
    /// Its route (`/blog/a/`).
    pub(crate) path: String,
    /// Its body as text (`text.rs`), cut to `truncate_content_length`; empty unless
    /// `include_content`.
    pub(crate) body: String,
}

/// Every document of the index, in order.
#[derive(Facet, Clone, Debug, PartialEq, Default)]
pub(crate) struct SearchDocuments {
    pub(crate) documents: Vec<Arc<SearchDocument>>,
}

/// The file the index of the language `code` is written to for the config's format.
pub(crate) fn index_file(config: &SiteConfig, code: &str) -> String {
    let extension = if config.search.index_format.ends_with("_json") { "json" } else { "js" };
    format!("search_index.{code}.{extension}")
}

/// The languages that have a search index: none without `build_search_index`, else the
/// default one and each other with its own `build_search_index` (as Zola; every index is
/// made as the top-level `[search]` says).
pub(crate) fn indexed_languages(config: &SiteConfig) -> Vec<&str> {
    if !config.build_search_index {
        return Vec::new();
    }
    let others = config.languages[1..].iter().filter(|language| language.build_search_index);
    std::iter::once(config.default_language.as_str())
        .chain(others.map(|language| language.code.as_str()))
        .collect()
}

/// Whether the config's format is elasticlunr's (which Zola writes the library for).
pub(crate) fn is_elasticlunr(search: &SearchConfig) -> bool {
    search.index_format.starts_with("elasticlunr")
}

/// The query `search_document(path)`: the document of the content file at `path` (a page or
/// a section the index holds), or `None` for a page with `in_search_index = false`.
pub(crate) fn search_document_query(
    db: &Database,
    path: String,
) -> Query<'_, Option<Arc<SearchDocument>>> {
    Box::pin(async move {
        let config = db.config.get(db, ()).await?;
        let meta = db.front_matter.get_ref(db, path.as_str()).await?;
        let section = is_section(&path);
        if !section && !meta.in_search_index {
            return Ok(None);
        }
        let route = db.route.get_ref(db, path.as_str()).await?;
        let body = if config.search.include_content {
            let page = db.page.get_ref(db, path.as_str()).await?;
            body_text(&page.html, config.search.truncate_content_length)
        } else {
            String::new()
        };
        Ok(Some(Arc::new(SearchDocument {
            permalink: format!("{}{route}", config.base_url),
            title: meta.title.clone(),
            description: meta.description.clone(),
            date: if section { None } else { meta.date.as_ref().and_then(rfc3339) },
            path: route.to_string(),
            body,
        })))
    })
}

/// The query `search_documents(code)`: every document of the index of the language `code`,
/// in Zola's order (each section of that language, then the pages it lists), sections in
/// path order.
pub(crate) fn search_documents_query(
    db: &Database,
    code: String,
) -> Query<'_, Arc<SearchDocuments>> {
    Box::pin(async move {
        let index = db.section_index.get(db, ()).await?;
        let config = db.config.get(db, ()).await?;
        let home = crate::languages::section_file("", &code, &config);
        let mut documents = Vec::new();
        for section in &index.sections {
            if crate::languages::code_of(&section.path, &config) != code {
                continue;
            }
            // A section that failed to parse, or is a draft, lists nothing.
            let Some(listing) = db.section_listing.get(db, section.path.clone()).await? else {
                continue;
            };
            let meta = db.front_matter.get_ref(db, section.path.as_str()).await?;
            if !meta.in_search_index {
                if section.path == home {
                    return Err(query_error(SiteError::in_file(
                        format!("content/{home}"),
                        "`build_search_index` is on but this root section has \
                         `in_search_index = false`: turn one of them off (Zola refuses it too)",
                    )));
                }
                continue;
            }
            if meta.section.redirect_to.is_none()
                && let Some(document) = db.search_document.get(db, section.path.clone()).await?
            {
                documents.push(document);
            }
            for page in &listing.pages {
                // Zola gives a page to the section of its own directory only: one in a
                // directory without `_index.md` is in no section, so in no index (a listing
                // here gives it to the nearest section above).
                if index.find(&own_section(&page.path, &config)).is_none() {
                    continue;
                }
                if let Some(document) = db.search_document.get_ref(db, page.path.as_str()).await? {
                    documents.push(document);
                }
            }
        }
        Ok(Arc::new(SearchDocuments { documents }))
    })
}

/// The `_index.md` (of the page's language) of the directory a page belongs to in Zola: its
/// own directory's, or for a page bundle (`blog/post/index.md`) its folder's parent's.
fn own_section(page: &str, config: &SiteConfig) -> String {
    let (plain, code) = crate::languages::plain_and_code(page, config);
    let file = plain.strip_suffix("/index.md").unwrap_or(&plain);
    let dir = file.rsplit_once('/').map_or("", |(dir, _)| dir);
    crate::languages::section_file(dir, code, config)
}

/// The query `search_index(code)`: the index file of the language `code` (`None` when it has
/// none, see [`indexed_languages`]).
pub(crate) fn search_index_query(
    db: &Database,
    code: String,
) -> Query<'_, Option<Arc<PageOutput>>> {
    Box::pin(async move {
        let config = db.config.get(db, ()).await?;
        if !indexed_languages(&config).contains(&code.as_str()) {
            return Ok(None);
        }
        let documents = db.search_documents.get(db, code.clone()).await?;
        db.search_indexes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let json = if is_elasticlunr(&config.search) {
            elasticlunr(db, &config, &code, &documents.documents).await?
        } else {
            fuse::index(&config.search, &documents.documents)
        };
        let text = if config.search.index_format.ends_with("_javascript") {
            format!("window.searchIndex = {json}")
        } else {
            json
        };
        let hash = cas::ContentHash::of(text.as_bytes());
        Ok(Some(Arc::new(PageOutput {
            rel: index_file(&config, &code),
            hash,
            html: Some(text),
            warnings: Vec::new(),
        })))
    })
}

/// The elasticlunr index of `documents`, built by the search cell.
async fn elasticlunr(
    db: &Database,
    config: &SiteConfig,
    code: &str,
    documents: &[Arc<SearchDocument>],
) -> picante::PicanteResult<String> {
    let request = ElasticlunrRequest {
        language: code.to_string(),
        fields: fields(&config.search),
        documents: documents
            .iter()
            .map(|document| IndexDocument {
                reference: document.permalink.clone(),
                values: values(&config.search, document),
            })
            .collect(),
    };
    let reply = db
        .cells
        .call(&db.cells.search_index, |connection| {
            let request = &request;
            async move { cell_proto::search::Client::new(connection).elasticlunr(request).await }
        })
        .await
        .map_err(cell_query_error)?;
    match reply {
        ElasticlunrReply::Index(json) => Ok(json),
        ElasticlunrReply::Problem(problem) => {
            let file = db.config_text.get(db, &())?.map(|c| c.file).unwrap_or_default();
            Err(query_error(SiteError::in_file(file, format!("the search index: {problem}"))))
        }
    }
}

/// The index's fields, in Zola's order, each only when `[search]` asks for it.
fn fields(search: &SearchConfig) -> Vec<IndexField> {
    let field = |name: &str, tokenizer| IndexField { name: name.to_string(), tokenizer };
    let mut fields = Vec::with_capacity(5);
    if search.include_title {
        fields.push(field("title", FieldTokenizer::Language));
    }
    if search.include_description {
        fields.push(field("description", FieldTokenizer::Language));
    }
    if search.include_date {
        fields.push(field("date", FieldTokenizer::Language));
    }
    if search.include_path {
        fields.push(field("path", FieldTokenizer::Path));
    }
    if search.include_content {
        fields.push(field("body", FieldTokenizer::Language));
    }
    fields
}

/// A document's values for [`fields`]: as Zola fills its row, a missing title or
/// description is empty, and a missing date is no value at all (the values after it move
/// up a field, as they do in Zola).
fn values(search: &SearchConfig, document: &SearchDocument) -> Vec<String> {
    let mut values = Vec::with_capacity(5);
    if search.include_title {
        values.push(document.title.clone().unwrap_or_default());
    }
    if search.include_description {
        values.push(document.description.clone().unwrap_or_default());
    }
    if search.include_date
        && let Some(date) = &document.date
    {
        values.push(date.clone());
    }
    if search.include_path {
        values.push(document.path.clone());
    }
    if search.include_content {
        values.push(document.body.clone());
    }
    values
}

/// `date` in RFC 3339 as Zola's `time` crate formats it: a date alone is midnight UTC, a
/// local date-time is taken as UTC (`Z`), a fraction of a second loses its trailing zeros.
/// `None` where Zola has no date-time (a local time) or `time` refuses to format one.
fn rfc3339(date: &Datetime) -> Option<String> {
    let day = date.date?;
    let mut text = format!("{:04}-{:02}-{:02}T", day.year, day.month, day.day);
    match date.time {
        None => text.push_str("00:00:00"),
        Some(time) => {
            let second = time.second.unwrap_or(0);
            text.push_str(&format!("{:02}:{:02}:{second:02}", time.hour, time.minute));
            if let Some(nanos) = time.nanosecond.filter(|nanos| *nanos > 0) {
                let fraction = format!("{nanos:09}");
                text.push('.');
                text.push_str(fraction.trim_end_matches('0'));
            }
        }
    }
    match date.offset {
        None | Some(Offset::Z) | Some(Offset::Custom { minutes: 0 }) => text.push('Z'),
        Some(Offset::Custom { minutes }) => {
            let sign = if minutes < 0 { '-' } else { '+' };
            let minutes = minutes.unsigned_abs();
            text.push_str(&format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60));
        }
    }
    Some(text)
}

#[cfg(test)]
mod tests;
