//! Answering the http cell's `content::find` from a snapshot of the last completed build.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use cell_proto::{
    ContentAnswer, ContentReply, ContentRequest, EvalReply, EvalRequest, FoundContent,
    NotFoundContent, content,
};
use facet::Facet;
use parking_lot::{Mutex, RwLock};
use picante::Snapshot;
use rpc::{RpcError, WeakConnection};

use crate::db::{Database, Query};

/// How many near routes a not-found answer suggests.
const SUGGESTIONS: usize = 5;

/// What one completed build serves: a snapshot of the database at its revision, and the
/// outputs it has, by output path.
pub(crate) struct Served {
    // Field order matters: `snapshot` borrows the database `db` keeps alive, so it is
    // declared (and dropped) first.
    snapshot: Snapshot<'static, Database>,
    /// Page outputs and routes (the `served_pages` query's, shared with the build before
    /// when no page's output changed).
    pages: Arc<ServedPages>,
    /// Generated pages (taxonomies, terms, further pagers: `listings/`), by output.
    generated: HashMap<String, crate::listings::Generated>,
    /// Feeds (`feeds.rs`), by output.
    feeds: HashMap<String, crate::feeds::Feed>,
    /// Compiled stylesheets (`sass.rs`), by output: the stylesheet's path from the site's
    /// root. A static file of the same path wins, as in the build.
    stylesheets: HashMap<String, String>,
    /// Static outputs (`css/site.css`) to their hashes in the CAS.
    statics: HashMap<String, cas::ContentHash>,
    /// Every static file's URL path, for suggestions.
    static_routes: Vec<String>,
    cas: Arc<cas::Cas>,
    /// The build's output directory: a page's HTML is read back from it when the render
    /// memo came from a saved database, which does not keep HTML (`PageOutput::html`).
    output: Option<PathBuf>,
    /// The last build without errors, while this one has some: what a page that fails now
    /// served then is served still ("the last good output underneath" the overlay).
    fallback: Option<Arc<Served>>,
    db: Arc<Database>,
}

/// What a server needs to know of the site's pages: which content file each page output is,
/// and every page's route (for suggestions).
#[derive(Facet, Clone, Debug, PartialEq, Default)]
pub(crate) struct ServedPages {
    /// Page outputs (`blog/first/index.html`) and their content paths, sorted by output.
    outputs: Vec<PageAt>,
    /// Every page's and section's route (`/blog/first/`), sorted.
    routes: Vec<String>,
}

/// A page output and the content file it is rendered from.
#[derive(Facet, Clone, Debug, PartialEq)]
struct PageAt {
    output: String,
    path: String,
}

impl ServedPages {
    /// The content path of the page whose output is `output`.
    fn source_of(&self, output: &str) -> Option<&str> {
        let at = self.outputs.binary_search_by(|page| page.output.as_str().cmp(output)).ok()?;
        Some(&self.outputs[at].path)
    }
}

/// The query `served_pages`: every page's output file and route. It reads each page's
/// `output_rel`, not its `page`: an edit of a page's text leaves its output where it was, so
/// this memo is checked and kept instead of computed again.
pub(crate) fn served_pages_query(db: &Database, _: ()) -> Query<'_, Arc<ServedPages>> {
    Box::pin(async move {
        let paths = db.content_list.get(db, &())?.unwrap_or_default();
        let mut outputs = Vec::with_capacity(paths.len());
        for path in paths.iter() {
            // A page that does not parse has no output to serve (its error is in the build's
            // report, and in the browser's overlay); a draft has none either ("").
            if let Ok(output) = db.output_rel.get_ref(db, path.as_str()).await
                && !output.is_empty()
            {
                outputs.push(PageAt { output, path: path.clone() });
            }
        }
        // Two pages claiming one output are a build error (`routes`); one of them is served.
        outputs.sort_by(|a, b| a.output.cmp(&b.output));
        outputs.dedup_by(|later, first| later.output == first.output);
        let mut routes: Vec<String> = outputs
            .iter()
            .map(|page| format!("/{}", page.output.trim_end_matches("index.html")))
            .collect();
        routes.sort_unstable();
        Ok(Arc::new(ServedPages { outputs, routes }))
    })
}

impl Served {
    /// A snapshot of `db` now, with its outputs listed; `fallback` answers what this build
    /// cannot (see the field).
    pub(crate) fn new(
        db: Arc<Database>,
        cas: Arc<cas::Cas>,
        output: Option<PathBuf>,
        fallback: Option<Arc<Served>>,
    ) -> Result<Served, RpcError> {
        // SAFETY: the reference points into the `Arc`'s allocation, which does not move and
        // lives as long as `db` (a field of the returned value); `snapshot` is declared
        // before `db`, so it is dropped first, and it never leaves `Served` (its uses below
        // borrow `self`). The `'static` is never observable outside this struct.
        let database: &'static Database = unsafe { &*Arc::as_ptr(&db) };
        // Brought up to date in the database first: a query computed inside a snapshot is
        // the snapshot's own, and the next build's would compute it again; computed here, the
        // snapshot shares the memo, and the next build's only checks it.
        let _ = pollster::block_on(database.served_pages.get(database, ()));
        let _ = pollster::block_on(database.generated.get(database, ()));
        let _ = pollster::block_on(database.feeds.get(database, ()));
        let _ = pollster::block_on(database.stylesheets.get(database, ()));
        let snapshot = Snapshot::new(database);
        let (pages, generated, statics) = pollster::block_on(snapshot.read(|db| async move {
            // A query: after an edit that moved no page's output (most edits), its memo is
            // checked, not computed again (at 10,000 pages, about 15 ms less before the
            // open pages hear of the rebuild).
            let pages = db.served_pages.get(db, ()).await?;
            // A site whose listings fail (an error in the build's report) serves its pages.
            let generated: HashMap<String, crate::listings::Generated> =
                match db.generated.get(db, ()).await {
                    Ok(list) => list.iter().map(|g| (g.rel.clone(), g.key.clone())).collect(),
                    Err(_) => HashMap::new(),
                };
            let mut statics = HashMap::new();
            for rel in db.statics.keys() {
                if let Some(hash) = db.statics.get(db, &rel)? {
                    statics.insert(rel, hash);
                }
            }
            Ok::<_, Arc<picante::PicanteError>>((pages, generated, statics))
        }))
        .map_err(|e| RpcError::remote(format!("listing the site's outputs: {e}")))?;
        // As for listings: a site whose feeds fail serves its pages.
        let feeds = pollster::block_on(snapshot.read(|db| db.feeds.get(db, ())))
            .map(|list| list.iter().map(|f| (f.rel.clone(), f.key.clone())).collect())
            .unwrap_or_default();
        let stylesheets = pollster::block_on(snapshot.read(|db| db.stylesheets.get(db, ())))
            .map(|sheets| {
                let list = sheets.list.iter().filter(|sheet| !statics.contains_key(&sheet.rel));
                list.map(|sheet| (sheet.rel.clone(), sheet.source.clone())).collect()
            })
            .unwrap_or_default();
        let static_routes = statics.keys().map(|rel| format!("/{rel}")).collect();
        Ok(Served {
            snapshot,
            pages,
            generated,
            feeds,
            stylesheets,
            statics,
            static_routes,
            cas,
            output,
            fallback,
            db,
        })
    }

    /// The revision served.
    pub(crate) fn revision(&self) -> u64 {
        self.snapshot.revision().0
    }

    /// The last build without errors, if this one had some.
    pub(crate) fn fallback(&self) -> Option<&Arc<Served>> {
        self.fallback.as_ref()
    }

    /// The answer for `request`; blobs are made on `link`. What this build has not (a page
    /// whose render fails, or that does not parse) comes from the fallback, if any.
    pub(crate) async fn find(
        &self,
        request: &ContentRequest,
        link: &rpc::Connection,
    ) -> Result<ContentReply, RpcError> {
        let here = self.find_here(request, link).await;
        let Some(fallback) = &self.fallback else { return here };
        match &here {
            Ok(ContentReply::NotFound(_)) | Err(_) => match fallback.find_here(request, link).await
            {
                Ok(ContentReply::NotFound(_)) | Err(_) => here,
                found => found,
            },
            _ => here,
        }
    }

    async fn find_here(
        &self,
        request: &ContentRequest,
        link: &rpc::Connection,
    ) -> Result<ContentReply, RpcError> {
        let path = &request.path;
        let Some(relative) = path.strip_prefix('/') else {
            return Err(RpcError::remote(format!("path {path:?} does not start with '/'")));
        };
        let output = if relative.is_empty() || relative.ends_with('/') {
            format!("{relative}index.html")
        } else {
            relative.to_string()
        };
        if let Some(found) = self.output(&output, request, link).await? {
            return Ok(found);
        }
        if !path.ends_with('/') && self.has(&format!("{relative}/index.html")) {
            return Ok(ContentReply::Redirect(format!("{path}/")));
        }
        let page = match self.output("404.html", request, link).await? {
            Some(ContentReply::Found(found)) => Some(found.body),
            _ => None,
        };
        Ok(ContentReply::NotFound(NotFoundContent { page, suggestions: self.nearest(path) }))
    }

    fn has(&self, output: &str) -> bool {
        self.pages.source_of(output).is_some()
            || self.generated.contains_key(output)
            || self.feeds.contains_key(output)
            || self.stylesheets.contains_key(output)
            || self.statics.contains_key(output)
    }

    /// The output at `output`, if there is one.
    async fn output(
        &self,
        output: &str,
        request: &ContentRequest,
        link: &rpc::Connection,
    ) -> Result<Option<ContentReply>, RpcError> {
        let known = |etag: &str| request.known_etags.iter().any(|k| k == etag || k == "*");
        let rendered = if let Some(path) = self.pages.source_of(output) {
            let rendered = self
                .snapshot
                .read(|db| db.render.get(db, path.to_string()))
                .await
                .map_err(|e| RpcError::remote(format!("rendering content/{path}: {e}")))?;
            Some(rendered)
        } else if let Some(key) = self.generated.get(output) {
            let rendered = self
                .snapshot
                .read(|db| db.render_generated.get(db, key.clone()))
                .await
                .map_err(|e| RpcError::remote(format!("rendering {output}: {e}")))?;
            Some(rendered)
        } else if let Some(key) = self.feeds.get(output) {
            let rendered = self
                .snapshot
                .read(|db| db.render_feed.get(db, key.clone()))
                .await
                .map_err(|e| RpcError::remote(format!("rendering {output}: {e}")))?;
            Some(rendered)
        } else if cell_proto::HIGHLIGHT_CSS_FILES.contains(&output)
            && !self.statics.contains_key(output)
        {
            // A highlighting theme's CSS (`style = "class"`), unless the site has its own.
            let css = self
                .snapshot
                .read(|db| db.site_file.get(db, output.to_string()))
                .await
                .map_err(|e| RpcError::remote(format!("making {output}: {e}")))?;
            Some(css)
        } else if let Some(source) = self.stylesheets.get(output) {
            let css = self
                .snapshot
                .read(|db| db.compile_sass.get(db, source.clone()))
                .await
                .map_err(|e| RpcError::remote(format!("compiling {source}: {e}")))?;
            Some(Some(css))
        } else {
            None
        };
        if let Some(rendered) = rendered {
            let Some(rendered) = rendered else { return Ok(None) };
            let etag = format!("\"{}\"", rendered.hash);
            if known(&etag) {
                return Ok(Some(ContentReply::NotModified(etag)));
            }
            let body = match &rendered.html {
                Some(html) => link.blob(html.as_bytes())?,
                None => link.blob(&self.written_page(output, rendered.hash)?)?,
            };
            let file = output.to_string();
            return Ok(Some(ContentReply::Found(FoundContent { file, body, etag, page: true })));
        }
        if let Some(hash) = self.statics.get(output) {
            // The static file's hash is its tag: a 304 costs no read at all.
            let etag = format!("\"{hash}\"");
            if known(&etag) {
                return Ok(Some(ContentReply::NotModified(etag)));
            }
            let bytes = self
                .cas
                .get(hash)
                .map_err(|e| RpcError::remote(format!("reading static/{output}: {e}")))?
                .ok_or_else(|| {
                    RpcError::remote(format!("static/{output} is gone from the cache; rebuild"))
                })?;
            let body = link.blob(&bytes)?;
            let file = output.to_string();
            return Ok(Some(ContentReply::Found(FoundContent { file, body, etag, page: false })));
        }
        Ok(None)
    }

    /// A page's HTML as the build wrote it, when its memo holds only the hash: read from the
    /// output directory and checked against the hash.
    fn written_page(&self, output: &str, hash: cas::ContentHash) -> Result<Vec<u8>, RpcError> {
        let dir = self.output.as_ref().ok_or_else(|| {
            RpcError::remote(format!("{output}: no HTML in memory and no output directory"))
        })?;
        let file = dir.join(output);
        let bytes = std::fs::read(&file)
            .map_err(|e| RpcError::remote(format!("reading {}: {e}", file.display())))?;
        if cas::ContentHash::of(&bytes) != hash {
            return Err(RpcError::remote(format!(
                "{} was changed since the build wrote it; rebuild to serve it",
                file.display()
            )));
        }
        Ok(bytes)
    }

    /// The routes nearest to `path` by edit distance, nearest first.
    fn nearest(&self, path: &str) -> Vec<String> {
        let routes = self.pages.routes.iter().chain(&self.static_routes);
        let mut scored: Vec<(usize, &String)> =
            routes.map(|route| (edit_distance(path, route), route)).collect();
        scored.sort_unstable();
        scored.into_iter().take(SUGGESTIONS).map(|(_, route)| route.clone()).collect()
    }

    /// The database (for the rebuild's change list).
    pub(crate) fn database(&self) -> &Arc<Database> {
        &self.db
    }

    /// The snapshot served (for the devtools' evaluations, `eval.rs`), with its lifetime cut
    /// to this borrow: what it reads cannot outlive `self` (see `new`).
    pub(super) fn snapshot(&self) -> &Snapshot<'_, Database> {
        &self.snapshot
    }

    /// The content path of the page or section this build serves at the output `output`.
    pub(super) fn page_source(&self, output: &str) -> Option<&str> {
        self.pages.source_of(output)
    }

    /// The routes of pages and sections nearest to `path`, nearest first.
    pub(super) fn nearest_pages(&self, path: &str) -> Vec<String> {
        let mut scored: Vec<(usize, &String)> =
            self.pages.routes.iter().map(|route| (edit_distance(path, route), route)).collect();
        scored.sort_unstable();
        scored.into_iter().take(SUGGESTIONS).map(|(_, route)| route.clone()).collect()
    }
}

/// Levenshtein distance over characters, with one row of memory.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(diagonal + 1);
        }
    }
    row[b.len()]
}

/// The state the `content` service reads: the build served now and the link to the cell.
#[derive(Default)]
pub(crate) struct ServeState {
    pub(crate) served: RwLock<Option<Arc<Served>>>,
    pub(crate) link: Mutex<Option<WeakConnection>>,
}

/// `content::Service`, for the http cell's slot.
pub(crate) struct ContentService(pub(crate) Arc<ServeState>);

impl content::Service for ContentService {
    async fn find(&self, request: ContentRequest) -> Result<ContentAnswer, RpcError> {
        // Taken once: a rebuild that lands meanwhile does not change what this request sees,
        // and the answer names the revision it was read at, so the cell, which keeps answers
        // for the revision it serves, never keeps it as the next build's.
        let served = self.0.served.read().clone();
        let served = served.ok_or_else(|| RpcError::remote("no build to serve yet"))?;
        let link = self.0.link.lock().as_ref().and_then(WeakConnection::upgrade);
        let link = link.ok_or_else(|| RpcError::remote("the http cell is restarting"))?;
        let reply = served.find(&request, &link).await?;
        Ok(ContentAnswer { revision: served.revision(), reply })
    }

    async fn eval(&self, request: EvalRequest) -> Result<EvalReply, RpcError> {
        let served = self.0.served.read().clone();
        let served = served.ok_or_else(|| RpcError::remote("no build to serve yet"))?;
        super::eval::evaluate(&served, &request).await
    }
}

#[cfg(test)]
mod tests {
    use super::edit_distance;

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(edit_distance("/blog/frist/", "/blog/first/"), 2);
        assert_eq!(edit_distance("", "/a/"), 3);
        assert_eq!(edit_distance("/docs/", "/docs/"), 0);
    }
}
