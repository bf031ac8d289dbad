//! Zola's `compile_sass`: each stylesheet of `sass/` compiled by the sass cell to an output
//! of the same path with `.css` (`sass/blog/site.scss` to `blog/site.css`), and likewise the
//! theme's `sass/` (`themes/NAME/sass/`), the site's file of an output path winning.
//!
//! What Zola 0.22 does, read in its source (`components/site/src/sass.rs`, `compile_sass`;
//! `components/site/src/lib.rs`, `build`) and checked with its binary on
//! `tests/sites/zola-sass`:
//!
//! - a stylesheet is a file whose name ends in `.scss` or `.sass` and none of whose path's
//!   parts starts with `_` (Zola's walk skips `_partials/` as it skips `_vars.scss`);
//!   partials are only imported. Its output is its path with the last extension made `.css`.
//! - the CSS is grass's compressed style, as grass returns it (no final newline).
//! - the theme's `sass/` is compiled whenever the site has a theme with one, even without
//!   `compile_sass`; the site's own `sass/` only with it. The site's is compiled after the
//!   theme's, so its file of the same output path wins; a static file of that path wins over
//!   both (Zola copies `static/` last), and so does a highlighting theme's CSS.
//! - `a.scss` and `a.sass` in one directory both make `a.css`: an error naming both.
//! - imports are resolved against the importing file's directory (a theme's stylesheet
//!   imports the theme's partials, not the site's).
//!
//! Incrementality: the Sass files are inputs (`sass_files`, by path from the site's root,
//! text), and the cell reads each one it needs through `sass_host`, inside the
//! `compile_sass` call, so every file a stylesheet read (or looked for and did not find) is
//! a dependency of that stylesheet alone. An edit of a partial compiles again exactly the
//! stylesheets that import it; an edit of a page, a template or the config compiles none.

use std::sync::Arc;

use cell_proto::{CompileSass, SassFile, SassReply, sass, sass_host};
use facet::Facet;
use rpc::RpcError;

use crate::SiteError;
use crate::db::{Database, Query};
use crate::error::{cell_query_error, query_error};
use crate::render::PageOutput;

/// Whether the file `rel` (relative to a `sass/` directory) is a file the site's `sass/`
/// keeps as an input: what a stylesheet may import (`.css` included, as Sass imports it).
pub(crate) fn is_sass_input(rel: &str) -> bool {
    [".scss", ".sass", ".css"].iter().any(|extension| rel.ends_with(extension))
}

/// Whether Zola compiles the file `rel` (relative to a `sass/` directory) to an output: a
/// `.scss` or `.sass` file none of whose path's parts starts with `_`.
pub(crate) fn is_stylesheet(rel: &str) -> bool {
    (rel.ends_with(".scss") || rel.ends_with(".sass"))
        && !rel.split('/').any(|part| part.starts_with('_'))
}

/// The output of the stylesheet `rel` (relative to its `sass/`): the last extension made
/// `.css`, as Zola's `with_extension("css")` does.
pub(crate) fn css_output(rel: &str) -> String {
    std::path::Path::new(rel).with_extension("css").to_string_lossy().into_owned()
}

/// One stylesheet to compile.
#[derive(Facet, Clone, Debug, PartialEq)]
pub(crate) struct Stylesheet {
    /// The output, under the output directory (`blog/site.css`).
    pub(crate) rel: String,
    /// The stylesheet, from the site's root (`sass/blog/site.scss`).
    pub(crate) source: String,
}

/// Every stylesheet the site compiles, and the pairs that would write one output.
#[derive(Facet, Clone, Debug, PartialEq, Default)]
pub(crate) struct Stylesheets {
    /// Sorted by output.
    pub(crate) list: Vec<Stylesheet>,
    /// Two stylesheets of one `sass/` with the same output (`a.scss`, `a.sass`): an error
    /// naming both; neither is compiled.
    pub(crate) conflicts: Vec<(String, String)>,
}

/// The query `stylesheets`: what the config and the Sass files make Zola compile. It reads
/// the whole config and the list of Sass files, and is cut off early: an edit of the config
/// or a new partial leaves its answer, and so every stylesheet, alone.
pub(crate) fn stylesheets_query(db: &Database, _: ()) -> Query<'_, Arc<Stylesheets>> {
    Box::pin(async move {
        let config = db.config.get(db, ()).await?;
        let files = db.sass_list.get(db, &())?.unwrap_or_default();
        // The theme's first: the site's, compiled after them in Zola, replace them.
        let mut roots = Vec::with_capacity(2);
        if let Some(theme) = &config.theme {
            roots.push(format!("themes/{theme}/sass/"));
        }
        if config.compile_sass {
            roots.push("sass/".to_string());
        }
        let mut by_output = std::collections::BTreeMap::new();
        let mut conflicts = Vec::new();
        for root in &roots {
            let mut own: std::collections::BTreeMap<String, &String> = Default::default();
            for source in files.iter() {
                let Some(rel) = source.strip_prefix(root.as_str()) else { continue };
                if !is_stylesheet(rel) {
                    continue;
                }
                let output = css_output(rel);
                if let Some(first) = own.insert(output.clone(), source) {
                    conflicts.push((first.clone(), source.clone()));
                    by_output.remove(&output);
                    continue;
                }
                by_output.insert(output, source.clone());
            }
        }
        let list = by_output.into_iter().map(|(rel, source)| Stylesheet { rel, source }).collect();
        Ok(Arc::new(Stylesheets { list, conflicts }))
    })
}

/// The query `sass_dir(path)`: whether some Sass file lies under the directory `path` (from
/// the site's root). Cut off early: a new file elsewhere leaves every answer as it was.
pub(crate) fn sass_dir_query(db: &Database, path: String) -> Query<'_, bool> {
    Box::pin(async move {
        let files = db.sass_list.get(db, &())?.unwrap_or_default();
        let prefix = format!("{path}/");
        // Sorted: the first file not before the prefix is under it, if any is.
        let at = files.partition_point(|file| file.as_str() < prefix.as_str());
        Ok(files.get(at).is_some_and(|file| file.starts_with(&prefix)))
    })
}

/// The query `compile_sass(source)`: the stylesheet at `source` (from the site's root)
/// compiled by the sass cell, as the output `rel`. Every file the cell reads is a
/// dependency of this query alone. A problem in the stylesheet or a file it imports is an
/// error at that file's line and column.
pub(crate) fn compile_sass_query(db: &Database, source: String) -> Query<'_, Arc<PageOutput>> {
    Box::pin(async move {
        db.compiled.lock().push(source.clone());
        let request = CompileSass { path: source.clone() };
        let server = sass_host::Server(SassHost { db });
        let reply = db
            .cells
            .call(&db.cells.sass, |connection| {
                let (server, request) = (&server, &request);
                async move { sass::Client::new(connection).with(server).compile(request).await }
            })
            .await
            .map_err(cell_query_error)?;
        let compiled = match reply {
            SassReply::Compiled(compiled) => compiled,
            SassReply::Problem(problem) => {
                let mut error = SiteError::in_file(&problem.file, problem.message);
                if let Some(line) = problem.line {
                    // The file was read through `read` below: reading it again is no new
                    // dependency.
                    let text = db.sass_files.get(db, &problem.file)?.unwrap_or_default();
                    error = error.at(&text, line, problem.column);
                }
                return Err(query_error(error));
            }
        };
        let root = if source.starts_with("sass/") { "sass/" } else { theme_root(&source) };
        let rel = css_output(&source[root.len()..]);
        let hash = cas::ContentHash::of(compiled.css.as_bytes());
        let warnings = compiled.warnings;
        Ok(Arc::new(PageOutput { rel, hash, html: Some(compiled.css), warnings }))
    })
}

/// `themes/NAME/sass/` of a theme stylesheet's path.
fn theme_root(source: &str) -> &str {
    let end = source.match_indices('/').nth(2).map_or(source.len(), |(at, _)| at + 1);
    &source[..end]
}

/// What the sass cell asks while it compiles, answered inside the compile's call.
struct SassHost<'db> {
    db: &'db Database,
}

fn failed(error: Arc<picante::PicanteError>) -> RpcError {
    RpcError::remote(error.to_string())
}

impl sass_host::Service for SassHost<'_> {
    async fn read(&self, path: String) -> Result<SassFile, RpcError> {
        // An input read, recorded on the compile: a file looked for and missing too, so that
        // adding it compiles again the stylesheets that looked.
        let text = self.db.sass_files.get(self.db, &path).map_err(failed)?;
        Ok(SassFile { text })
    }

    async fn is_dir(&self, path: String) -> Result<bool, RpcError> {
        self.db.sass_dir.get(self.db, path).await.map_err(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stylesheets_are_zolas_partials_and_underscored_directories_are_not() {
        for rel in ["main.scss", "a/b.sass", "a.b.scss", "x_y.scss"] {
            assert!(is_stylesheet(rel), "{rel}");
        }
        for rel in ["_vars.scss", "_lib/a.scss", "a/_b/c.sass", "a.css", "a.SCSS", "a.scss~"] {
            assert!(!is_stylesheet(rel), "{rel}");
        }
    }

    #[test]
    fn the_output_is_the_path_with_its_last_extension_made_css() {
        assert_eq!(css_output("main.scss"), "main.css");
        assert_eq!(css_output("blog/print.sass"), "blog/print.css");
        assert_eq!(css_output("a.b.scss"), "a.b.css");
    }

    #[test]
    fn a_theme_stylesheet_is_under_its_themes_sass() {
        assert_eq!(theme_root("themes/plain/sass/a/b.scss"), "themes/plain/sass/");
    }
}
