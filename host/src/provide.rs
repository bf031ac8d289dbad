//! The reads cells make of the host — a template, a data value, a function such as
//! `get_section` — each answered by one query, `provided(read)`.
//!
//! The answer is encoded once per revision (the query's memo holds its bytes and their hash),
//! however many pages read it. The template cell keeps answers in its own memo for the
//! revision (see `cells/template/src/reads.rs`), so a read reaches the host once per revision
//! and link, and again only with the hash of the answer the cell holds, which the host then
//! confirms without sending it. A render lists the reads it took from that memo, by the id the
//! host gave each (reads are interned); [`replay`] reads each of them again here, inside the
//! render's query: an in-process memo hit that records the same dependency as the callback
//! would have. Asked or replayed, a render
//! depends on exactly `provided(read)` for each read it made, and through it on what the
//! answer was computed from.

use std::sync::Arc;

use cell_proto::{
    FunctionCall, ProviderRead, ReadAnswer, ReadRequest, Value, ValueHash, WireValue, provider,
};
use facet::Facet;
use picante::{InternId, PicanteError, PicanteResult};
use rpc::RpcError;

use crate::db::Database;
use crate::db::Query;

/// An answer to a read, as the `provided` query keeps it.
#[derive(Facet, Clone, Debug, PartialEq)]
pub(crate) struct Provided {
    /// blake3 of `value`'s bytes: the answer's identity across revisions.
    pub(crate) hash: ValueHash,
    pub(crate) value: WireValue,
}

/// The functions whose answers change from build to build (`now()`, `get_random()`): never
/// kept by the cell, and read with the `build_time` input, which a build sets anew when a
/// render read it.
const VOLATILE: [&str; 2] = ["now", "get_random"];

/// The `provided` query: the answer to the read interned as `id` in the current revision.
/// (Keyed by the id, not the read: a replay is a lookup by a number, with nothing to decode,
/// copy or hash. The interned read behind an id never changes, so the query is still a pure
/// function of its key.)
pub(crate) async fn provided(db: &Database, id: InternId) -> PicanteResult<Arc<Provided>> {
    let read = db.reads.get(db, id)?;
    let value = match read.as_ref() {
        ProviderRead::Template(name) => match db.templates.get(db, name)? {
            Some(source) => Value::String(source).to_wire(),
            None => Value::Null.to_wire(),
        },
        ProviderRead::Data(path) => db.data_value.get_ref(db, path.as_str()).await?,
        ProviderRead::Function(call) => function(db, call).await?,
    };
    let hash = *cas::ContentHash::of(value.as_bytes()).as_bytes();
    Ok(Arc::new(Provided { hash, value }))
}

fn failure(message: String) -> Arc<PicanteError> {
    PicanteError::query(message)
}

/// The config's language codes, for messages.
fn language_codes(config: &crate::config::SiteConfig) -> String {
    config.languages.iter().map(|l| l.code.as_str()).collect::<Vec<_>>().join(", ")
}

/// `get_page`'s and `get_section`'s `path` in the language `lang`, as Zola reads them: the
/// code put before the file's extension, unless it is the default language.
fn in_language(path: String, lang: Option<String>, config: &crate::config::SiteConfig) -> String {
    match lang {
        Some(lang) if lang != config.default_language => {
            crate::languages::path_in_language(&path, &lang)
        }
        _ => path,
    }
}

/// A host function called from a template.
async fn function(db: &Database, call: &FunctionCall) -> PicanteResult<WireValue> {
    let argument = |name: &str| -> Option<Result<Value, Arc<PicanteError>>> {
        call.arguments
            .iter()
            .find(|(n, _)| n == name)
            .or_else(|| call.arguments.iter().find(|(n, _)| n == "0").filter(|_| name == "path"))
            .map(|(_, v)| v.to_value().map_err(failure))
    };
    let string = |name: &str| -> PicanteResult<String> {
        match argument(name).transpose()? {
            Some(Value::String(s)) => Ok(s),
            _ => Err(failure(format!("{}() needs a string `{name}` argument", call.name))),
        }
    };
    let optional_string = |name: &str| -> PicanteResult<Option<String>> {
        match argument(name).transpose()? {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(failure(format!("{}(): `{name}` must be a string", call.name))),
        }
    };
    let config = db.config.get(db, ()).await?;
    match call.name.as_str() {
        "get_url" => {
            let path = string("path")?;
            let lang = optional_string("lang")?;
            // As Zola: `lang` puts an internal link's file in that language (`@/a.md` →
            // `a.fr.md`, a language the site must have), and any other path below the
            // language's directory (any `lang`, as Zola takes it).
            let lang = lang.filter(|lang| *lang != config.default_language);
            if let Some(lang) = &lang
                && path.starts_with("@/")
                && config.language(lang).is_none()
            {
                return Err(failure(format!(
                    "get_url(): `{lang}` is not one of the config's languages ({})",
                    language_codes(&config)
                )));
            }
            let path = match (&lang, path.strip_prefix("@/")) {
                (Some(lang), Some(_)) => crate::languages::path_in_language(&path, lang),
                (Some(lang), None)
                    if path.is_empty()
                        || !path.get(1..).unwrap_or("").starts_with(lang.as_str()) =>
                {
                    format!("{lang}/{path}")
                }
                _ => path,
            };
            let target = path.strip_prefix("@/").unwrap_or(&path).to_string();
            // As Zola: `@/page.md#part` is the page's permalink with its anchor.
            let (page, anchor) = match target.split_once('#') {
                Some((page, anchor)) if page.ends_with(".md") => (page, Some(anchor)),
                _ => (target.as_str(), None),
            };
            if page.ends_with(".md") {
                if !db.page_exists.get_ref(db, page).await? {
                    return Err(failure(format!("get_url: there is no content/{page}")));
                }
                let route = db.route.get_ref(db, page).await?;
                let mut url = format!("{}{route}", config.base_url);
                if let Some(anchor) = anchor {
                    url.push('#');
                    url.push_str(anchor);
                }
                return Ok(Value::from(url).to_wire());
            }
            // Any other path: its URL on the site.
            let mut url = format!("{}/{}", config.base_url, target.trim_start_matches('/'));
            // As Zola: with a slash at the end only when asked (`trailing_slash`, default
            // false), and never after a feed's name.
            let trailing_slash = match argument("trailing_slash").transpose()? {
                None | Some(Value::Bool(false)) => false,
                Some(Value::Bool(true)) => true,
                Some(_) => {
                    return Err(failure(
                        "get_url(): `trailing_slash` must be true or false".into(),
                    ));
                }
            };
            let feed = config.feed_filenames.iter().any(|name| target.ends_with(name.as_str()));
            if !trailing_slash {
                if url.ends_with('/') {
                    url.pop();
                }
            } else if !url.ends_with('/') && !feed && !target.is_empty() && !target.contains('#') {
                url.push('/');
            }
            // As Zola: `?h=` and the start of the file's SHA-256 (`digest.rs`).
            match argument("cachebust").transpose()? {
                None | Some(Value::Bool(false)) => {}
                Some(Value::Bool(true)) => {
                    url.push_str(&crate::digest::cachebust(db, &path, &config).await?);
                }
                Some(_) => {
                    return Err(failure(
                        "`get_url`: `cachebust` must be a boolean (true or false)".into(),
                    ));
                }
            }
            Ok(Value::from(url).to_wire())
        }
        "trans" => {
            let key = string("key")?;
            let lang = optional_string("lang")?.unwrap_or_else(|| config.default_language.clone());
            let Some(language) = config.language(&lang) else {
                return Err(failure(format!(
                    "trans(): `{lang}` is not one of the config's languages ({})",
                    language_codes(&config)
                )));
            };
            match language.translate(&key) {
                Some(text) => Ok(Value::from(text).to_wire()),
                None => Err(failure(format!(
                    "trans(): the language `{lang}` has no translation of `{key}` (add it to \
                     `[{}translations]` in the config)",
                    if lang == config.default_language {
                        String::new()
                    } else {
                        format!("languages.{lang}.")
                    }
                ))),
            }
        }
        "get_section" => {
            let path = in_language(string("path")?, optional_string("lang")?, &config);
            let path = path.strip_prefix("@/").unwrap_or(&path).to_string();
            let metadata_only = match argument("metadata_only").transpose()? {
                None | Some(Value::Bool(false)) => false,
                Some(Value::Bool(true)) => true,
                Some(_) => {
                    return Err(failure(
                        "get_section(): `metadata_only` must be true or false".into(),
                    ));
                }
            };
            let missing = || failure(format!("get_section: there is no section content/{path}"));
            if metadata_only {
                // The section's own fields only: its pages are not read, so editing one of
                // them does not touch this answer.
                if !crate::content::is_section(&path)
                    || !db.page_exists.get_ref(db, path.as_str()).await?
                {
                    return Err(missing());
                }
                if db.left_out.get_ref(db, path.as_str()).await? {
                    return Err(missing());
                }
                let subsections = db.subsections.get_ref(db, path.as_str()).await?;
                return crate::page_fields::write_section(db, &path, &[], &subsections, &config)
                    .await;
            }
            let listed = db.section_listing.get_ref(db, path.as_str()).await?;
            let section = listed.as_ref().ok_or_else(missing)?;
            crate::page_fields::write_section(
                db,
                &path,
                &section.pages,
                &section.subsections,
                &config,
            )
            .await
        }
        "get_page" => {
            // As Zola: a page by its path under `content/` (`@/` allowed), with everything
            // its own template sees as `page`; a section is `get_section`'s.
            let path = in_language(string("path")?, optional_string("lang")?, &config);
            let path = path.strip_prefix("@/").unwrap_or(&path).to_string();
            let missing = || failure(format!("get_page: there is no page content/{path}"));
            if !path.ends_with(".md")
                || crate::content::is_section(&path)
                || !db.page_exists.get_ref(db, path.as_str()).await?
            {
                return Err(missing());
            }
            let page = db.page.get_ref(db, path.as_str()).await?;
            if db.left_out.get_ref(db, path.as_str()).await? {
                return Err(missing());
            }
            crate::render::page_wire(db, &page, &config).await
        }
        crate::listings::taxonomy::TERM_PAGES => {
            crate::listings::taxonomy::term_pages(db, call).await
        }
        crate::config::CONFIG_MODE => {
            let serving = db.serving.get(db, &())?.unwrap_or(false);
            Ok(Value::from(if serving { "serve" } else { "build" }).to_wire())
        }
        crate::page_fields::PAGE_FIELD => {
            let path = string("path")?;
            let field = string("field")?;
            crate::page_fields::page_field(db, &path, &field, &config).await
        }
        "markdown" => {
            let text = string("text")?;
            let inline = matches!(argument("inline").transpose()?, Some(Value::Bool(true)));
            Ok(Value::from(crate::content::markdown_filter(db, &text, inline).await?).to_wire())
        }
        "load_data" => crate::load_data::function(db, call, &config).await,
        "get_hash" => crate::digest::get_hash(db, call, &config).await,
        "get_image_metadata" => crate::images::get_image_metadata(db, call, &config).await,
        "resize_image" => crate::images::resize_image(db, call, &config).await,
        "get_env" => crate::environment::get_env(db, call),
        "get_taxonomy" | "get_taxonomy_url" | "get_taxonomy_term" => {
            crate::listings::taxonomy::function(db, call, &config).await
        }
        name if VOLATILE.contains(&name) => {
            Err(failure(format!("{name}() is answered by the provider, not kept")))
        }
        other => Err(failure(format!("unknown function {other}()"))),
    }
}

/// Reads again, inside the current query, the reads a render took from the cell's memo (by
/// the ids the host gave them), so that the render's recorded dependencies cover what asking
/// would have recorded. The set is interned and read as one query, `reused(set)`, which reads
/// each `provided(id)`: a render depends on the set, the set on each read, so a change to any
/// answer re-renders exactly the renders that used it, and revalidating a render after an
/// edit checks one dependency for the set instead of one per read (ten for a nav of ten
/// sections, on every page). Returns how many reads were replayed.
///
/// # Errors
///
/// An id the host never gave (the cell's reply is untrusted input), or a query's error.
pub(crate) async fn replay(db: &Database, mut ids: Vec<u32>) -> PicanteResult<u64> {
    if ids.is_empty() {
        return Ok(0);
    }
    let known = db.reads.len();
    if let Some(&id) = ids.iter().find(|&&id| id as usize >= known) {
        return Err(failure(format!(
            "the template cell listed read {id} as reused, but the host gave out only {known}"
        )));
    }
    ids.sort_unstable();
    ids.dedup();
    let count = ids.len() as u64;
    let set = db.read_sets.intern(ids)?;
    db.reused.get(db, set).await?;
    Ok(count)
}

/// The `reused` query: the answers of an interned set of reads (their hashes, so that an
/// unchanged set of answers cuts off early).
pub(crate) async fn reused(db: &Database, set: InternId) -> PicanteResult<Arc<Vec<ValueHash>>> {
    let ids = db.read_sets.get(db, set)?;
    let mut hashes = Vec::with_capacity(ids.len());
    for &id in ids.iter() {
        hashes.push(db.provided.get(db, InternId(id)).await?.hash);
    }
    Ok(Arc::new(hashes))
}

/// The host's side of the provider service, for one render: every read is answered by the
/// `provided` query, and since it is served inside the render's call to the template cell, it
/// is recorded as a dependency of that render.
pub(crate) struct Provider<'db> {
    pub(crate) db: &'db Database,
    /// Whether a read of `now()` tells the next build that a render read it (so that it sets
    /// the time anew). True for renders; false for the devtools' evaluations
    /// (`serve/eval.rs`), which are no build's and must not make one do more.
    pub(crate) marks_now: bool,
}

fn remote(error: Arc<PicanteError>) -> RpcError {
    match crate::error::site_error(&error) {
        Some(site) => RpcError::remote(site.to_string()),
        None => RpcError::remote(error.to_string()),
    }
}

impl provider::Service for Provider<'_> {
    async fn read(&self, request: ReadRequest) -> Result<ReadAnswer, RpcError> {
        let db = self.db;
        if let ProviderRead::Function(call) = &request.read
            && VOLATILE.contains(&call.name.as_str())
        {
            // The build's start time, read from its input inside the render's call: the
            // render depends on it, and every build sets it anew (`Site::load`), so the render
            // runs again in every build, in this process or after a saved database is loaded.
            // Never kept by the cell: each call asks (and `get_random` draws anew).
            if self.marks_now {
                db.read_now.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            let nanos = match db.build_time.get(db, &()).map_err(remote)? {
                Some(nanos) => nanos,
                None => crate::site::nanos_since_epoch(std::time::SystemTime::now()),
            };
            let value = match call.name.as_str() {
                "get_random" => crate::environment::get_random(call).map_err(RpcError::remote)?,
                _ => Value::Int((nanos / 1_000_000_000) as i64),
            };
            let value = value.to_wire();
            db.traffic.callback(value.as_bytes().len());
            let hash = *cas::ContentHash::of(value.as_bytes()).as_bytes();
            // Never kept, never listed as reused: no id is needed.
            return Ok(ReadAnswer { id: u32::MAX, hash, value: Some(value), volatile: true });
        }
        let id = db.reads.intern(request.read).map_err(remote)?;
        let provided = db.provided.get(db, id).await.map_err(remote)?;
        let hash = provided.hash;
        if request.known == Some(hash) {
            db.traffic.callback(0);
            return Ok(ReadAnswer { id: id.0, hash, value: None, volatile: false });
        }
        db.traffic.callback(provided.value.as_bytes().len());
        Ok(ReadAnswer { id: id.0, hash, value: Some(provided.value.clone()), volatile: false })
    }
}

/// The query `reused(set)`: see [`reused`].
pub(crate) fn reused_query(db: &Database, set: InternId) -> Query<'_, Arc<Vec<ValueHash>>> {
    Box::pin(reused(db, set))
}

/// The query `provided(read)`: see [`provided`].
pub(crate) fn provided_query(db: &Database, read: InternId) -> Query<'_, Arc<Provided>> {
    Box::pin(provided(db, read))
}
