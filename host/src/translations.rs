//! Zola's `translations` of a page or section: every language's version of the same file
//! (`blog/bread.md`, `blog/bread.fr.md`, …), itself included, as `{lang, permalink, title,
//! path}`.
//!
//! One query per file, `translations(path)`: it reads the content list (which versions exist)
//! and each version's front matter and route, nothing else, and is cut off when it comes out
//! the same. Templates get the list as a deferred field (`page_fields.rs`), so a render
//! depends on the other versions only if it shows them.

use std::sync::Arc;

use facet::Facet;

use crate::db::{Database, Query};

/// One version of a file, as `translations` lists it.
#[derive(Facet, Clone, Debug, PartialEq)]
pub(crate) struct Translated {
    /// Its language's code.
    pub(crate) lang: String,
    /// Its route (the permalink is the base URL and this).
    pub(crate) route: String,
    /// Its title.
    pub(crate) title: Option<String>,
    /// Its path under `content/` (Zola gives the source's absolute path, which would put the
    /// builder's directories into the site).
    pub(crate) path: String,
}

/// The file of the language `code` that is a version of the file whose plain path (its
/// language's code taken out) is `plain`: `blog/bread.fr.md` for `blog/bread.md` and `fr`.
fn version(plain: &str, code: &str, is_default: bool) -> String {
    if is_default { plain.to_string() } else { crate::languages::path_in_language(plain, code) }
}

/// The query `translations(path)`: every built version of the file at `path`, in the
/// config's order of languages (the default first, then by code; Zola's order is a hash
/// set's, which changes from run to run). Drafts left out of the build are not listed, as in
/// Zola; neither is a version whose front matter fails to parse (its own render reports it).
pub(crate) fn translations_query(db: &Database, path: String) -> Query<'_, Arc<Vec<Translated>>> {
    Box::pin(async move {
        let config = db.config.get(db, ()).await?;
        let Ok(file) = crate::languages::file_language(&path, &config) else {
            return Ok(Arc::default());
        };
        if !config.is_multilingual() {
            return Ok(Arc::default());
        }
        let routes = db.routes.get(db, ()).await?;
        let mut versions = Vec::with_capacity(config.languages.len());
        for (index, language) in config.languages.iter().enumerate() {
            let candidate = version(&file.plain, &language.code, index == 0);
            if !db.page_exists.get(db, candidate.clone()).await?
                || routes.refuses(&candidate)
                || db.left_out.get(db, candidate.clone()).await?
            {
                continue;
            }
            let Ok(meta) = db.front_matter.get_ref(db, candidate.as_str()).await else {
                continue;
            };
            if !meta.render {
                continue;
            }
            let route = db.route.get(db, candidate.clone()).await?;
            versions.push(Translated {
                lang: language.code.clone(),
                route,
                title: meta.title.clone(),
                path: candidate,
            });
        }
        Ok(Arc::new(versions))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_puts_its_language_s_code_before_md() {
        assert_eq!(version("blog/bread.md", "fr", false), "blog/bread.fr.md");
        assert_eq!(version("blog/_index.md", "it", false), "blog/_index.it.md");
        assert_eq!(version("trip/index.md", "fr", false), "trip/index.fr.md");
        assert_eq!(version("blog/bread.md", "en", true), "blog/bread.md");
    }
}
