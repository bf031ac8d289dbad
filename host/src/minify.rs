//! Zola's `minify_html`: with `minify_html = true`, every HTML file the build writes is
//! minified by the minify cell (`cells/minify`, Zola's `minify-html` with Zola's options)
//! before it is hashed and written.
//!
//! Zola minifies each file its `write_content` writes whose name ends in `html`: pages,
//! sections, pagers and their page-1 redirects, taxonomy lists and terms, `404.html`, the
//! redirect pages of aliases and of `redirect_to`; not feeds, the sitemap or `robots.txt`, and
//! not static files or co-located assets, which it copies. Each is minified here inside the
//! query that renders it (`render`, `render_generated`, `site_file`), and an alias's page in
//! [`redirect_page_query`], one query per alias: the memo then holds the minified page, an
//! unchanged page is never sent to the cell again, and its hash is the minified bytes'. The
//! config is read by every one of those queries already, so turning the key on or off makes
//! them all again.
//!
//! With the key off (the default) nothing here runs and the cell is never started.

use std::sync::Arc;

use cell_proto::{MinifyHtml, minify};
use facet::Facet;
use rpc::RpcError;

use crate::SiteError;
use crate::cells::CellError;
use crate::config::SiteConfig;
use crate::db::{Database, Query};
use crate::error::{cell_query_error, query_error};

/// Whether Zola would minify the output `rel` under `config`: `minify_html` is on and the
/// file's name ends in `html` (Zola's test, `filename.ends_with("html")`).
pub(crate) fn minifies(config: &SiteConfig, rel: &str) -> bool {
    config.minify_html && rel.ends_with("html")
}

/// The HTML of the output `rel` as the build writes it: minified by the minify cell when
/// [`minifies`] says so, else `html` itself. `source` names the file a failure is reported in
/// (the page's content file, or the template that made the page): asked only then, so that
/// what it reads is no dependency of a page that minifies.
///
/// # Errors
///
/// A page the cell could not minify (its reason, or the cell dying or hanging on it) is a
/// [`SiteError`] in `source` naming the output; a cell that cannot be found or started stays
/// a [`CellError`], a failure of the builder.
pub(crate) async fn as_written(
    db: &Database,
    config: &SiteConfig,
    rel: &str,
    source: &(dyn Fn() -> String + Sync),
    html: String,
) -> picante::PicanteResult<String> {
    if !minifies(config, rel) {
        return Ok(html);
    }
    db.minified.lock().push(rel.to_string());
    let minified = db
        .cells
        .call(&db.cells.minify, |connection| {
            let html = &html;
            async move {
                let request =
                    MinifyHtml { output: rel.to_string(), html: connection.blob(html.as_bytes())? };
                let reply = minify::Client::new(connection.clone()).html(&request).await?;
                let bytes = connection.open_blob(reply.html).await?.into_vec();
                String::from_utf8(bytes).map_err(|error| {
                    RpcError::Decode(format!(
                        "the minify cell answered bytes that are not UTF-8 (byte {})",
                        error.utf8_error().valid_up_to()
                    ))
                })
            }
        })
        .await;
    minified.map_err(|error| failure(error, rel, source))
}

/// A failed minify call as the error of the page: the page's own problem where the call got
/// as far as the cell, the cell's failure where it did not.
fn failure(
    error: CellError,
    rel: &str,
    source: &(dyn Fn() -> String + Sync),
) -> Arc<picante::PicanteError> {
    let reason = match &error {
        CellError::Call { error: RpcError::Remote(message), .. } => message.clone(),
        // Died on it twice (the supervisor restarts the cell and retries once): the cell
        // sizes its stacks so that no page overflows them, so this is the system's doing
        // (memory), but it happened on this page, which is what the user can act on.
        CellError::Call { error: RpcError::PeerClosed { reason }, .. } => format!(
            "the minify cell died minifying it, twice ({reason}); set `minify_html = false` \
             to write the page as rendered"
        ),
        CellError::Call { error: RpcError::Timeout { after }, .. } => {
            format!("the minify cell did not finish minifying it in {} s", after.as_secs_f64())
        }
        _ => return cell_query_error(error),
    };
    query_error(SiteError::in_file(
        source(),
        format!("minifying {rel} (`minify_html = true`): {reason}"),
    ))
}

/// One alias's redirect page: the key of [`redirect_page_query`].
#[derive(Facet, Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) struct RedirectPage {
    /// The output, relative to the output directory.
    pub(crate) rel: String,
    /// The URL it leads to.
    pub(crate) url: String,
    /// The content file whose alias it is, relative to `content/` (where an error goes).
    pub(crate) from: String,
}

/// The query `redirect_page(key)`: an alias's redirect page (`redirects.rs`) as the build
/// writes it, minified. Asked only with `minify_html` on, by the query `redirects`, which
/// runs again whenever any front matter changes: kept per alias, a page whose alias and
/// target are unchanged is not minified again.
pub(crate) fn redirect_page_query(db: &Database, key: RedirectPage) -> Query<'_, Arc<String>> {
    Box::pin(async move {
        let config = db.config.get(db, ()).await?;
        let html = crate::redirects::redirect_page(&key.url);
        let source = || format!("content/{}", key.from);
        Ok(Arc::new(as_written(db, &config, &key.rel, &source, html).await?))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_named_html_are_minified_and_only_with_the_key_on() {
        let mut config = SiteConfig::default();
        assert!(!minifies(&config, "index.html"));
        config.minify_html = true;
        for rel in ["index.html", "blog/index.html", "old/tools.html", "404.html", "a.xhtml"] {
            assert!(minifies(&config, rel), "{rel}");
        }
        for rel in ["atom.xml", "rss.xml", "sitemap.xml", "robots.txt", "giallo.css"] {
            assert!(!minifies(&config, rel), "{rel}");
        }
    }

    fn message(error: CellError) -> String {
        let error = failure(error, "blog/a/index.html", &|| "content/blog/a.md".to_string());
        match crate::error::site_error(&error) {
            Some(site) => site.to_string(),
            None => format!("not a site error: {error}"),
        }
    }

    #[test]
    fn a_page_the_cell_cannot_minify_is_an_error_in_its_file_naming_the_output() {
        let cell = |error| CellError::Call { name: "cell-minify", error };
        assert_eq!(
            message(cell(RpcError::remote("minify-html failed on the page (boom)"))),
            "content/blog/a.md: minifying blog/a/index.html (`minify_html = true`): \
             minify-html failed on the page (boom)"
        );
        let died = message(cell(RpcError::PeerClosed { reason: "end of stream".into() }));
        assert!(
            died.starts_with("content/blog/a.md: minifying blog/a/index.html")
                && died.contains("died minifying it, twice (end of stream)"),
            "{died}"
        );
        let hung = message(cell(RpcError::Timeout { after: std::time::Duration::from_secs(120) }));
        assert!(hung.ends_with("did not finish minifying it in 120 s"), "{hung}");
    }

    #[test]
    fn a_cell_that_cannot_be_found_or_started_stays_a_failure_of_the_builder() {
        let missing = CellError::Missing { name: "cell-minify", searched: Vec::new() };
        let error = failure(missing, "index.html", &String::new);
        assert!(crate::error::site_error(&error).is_none());
        assert!(crate::error::cell_error(&error).is_some());
        let spawn =
            CellError::Call { name: "cell-minify", error: RpcError::Io("no such file".into()) };
        assert!(crate::error::cell_error(&failure(spawn, "index.html", &String::new)).is_some());
    }
}
