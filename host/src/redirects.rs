//! Redirect pages: a page's `aliases` (old URLs that should lead to it) and a section's
//! `redirect_to`, written as Zola writes them: a small HTML file that sends the browser on at
//! once (keeping the URL's `#fragment`), with a `<meta refresh>` and a link for when scripts
//! are off.
//!
//! Aliases come from front matter, so they are untrusted paths: each must be a plain path
//! below the output directory (no `..`, no control characters), and one that would replace a
//! page's output is an error naming both files.

use std::sync::Arc;

use facet::Facet;

use crate::db::{Database, Query};
use crate::minify::RedirectPage;
use crate::routes::{RouteProblem, route_problem};

/// The redirect page to `url`.
pub(crate) fn redirect_page(url: &str) -> String {
    // The URL goes into a script string and into attributes: both need it escaped.
    let script = url.replace('\\', "\\\\").replace('"', "\\\"").replace('<', "\\u003c");
    let attribute = url.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;");
    format!(
        "<!doctype html>\n<meta charset=\"utf-8\">\n<title>Redirect</title>\n<script>\n  \
         const target = \"{script}\";\n  const hash = window.location.hash || \"\";\n  \
         window.location.replace(target + hash);\n</script>\n<noscript>\n  \
         <meta http-equiv=\"refresh\" content=\"0; url={attribute}\">\n</noscript>\n\
         <p><a href=\"{attribute}\">Click here</a> to be redirected.</p>\n"
    )
}

/// Where `target` (a `redirect_to`) leads: a full URL as written, else a path of the site.
pub(crate) fn redirect_url(target: &str, base_url: &str) -> String {
    if target.starts_with("http://") || target.starts_with("https://") {
        return target.to_string();
    }
    format!("{base_url}/{}", target.trim_start_matches('/'))
}

/// The output file an alias names: `old/tools.html` as is, `/about-me/` as
/// `about-me/index.html`.
fn alias_output(alias: &str) -> String {
    let alias = alias.trim().trim_start_matches('/');
    if alias.ends_with(".html") || alias.ends_with(".htm") {
        alias.to_string()
    } else if alias.is_empty() || alias.ends_with('/') {
        format!("{alias}index.html")
    } else {
        format!("{alias}/index.html")
    }
}

/// One alias's redirect page.
#[derive(Facet, Clone, Debug, PartialEq)]
pub(crate) struct Redirect {
    /// The output file, relative to the output directory.
    pub(crate) rel: String,
    /// The content file whose alias it is, relative to `content/`.
    pub(crate) from: String,
    /// The page's HTML.
    pub(crate) html: String,
}

/// Every alias of the site's pages and sections, and the aliases refused.
#[derive(Facet, Clone, Debug, PartialEq, Default)]
pub(crate) struct Redirects {
    pub(crate) pages: Vec<Redirect>,
    pub(crate) problems: Vec<RouteProblem>,
}

/// The query `redirects`: every alias's redirect page (minified with `minify_html`, each by a
/// query of its own). It reads each file's front matter and route, so it runs again when one
/// of those changes, not on a body edit.
pub(crate) fn redirects_query(db: &Database, _: ()) -> Query<'_, Arc<Redirects>> {
    Box::pin(async move {
        let list = db.content_list.get(db, &())?.unwrap_or_default();
        let config = db.config.get_ref(db, &()).await?;
        let mut redirects = Redirects::default();
        for path in list.iter() {
            // A file whose front matter is broken reports that itself.
            let Ok(meta) = db.front_matter.get_ref(db, path.as_str()).await else { continue };
            if meta.aliases.is_empty() || db.left_out.get_ref(db, path.as_str()).await? {
                continue;
            }
            let route = db.route.get_ref(db, path.as_str()).await?;
            let url = format!("{}{route}", config.base_url);
            let page = redirect_page(&url);
            for alias in &meta.aliases {
                let rel = alias_output(alias);
                if let Some(reason) = route_problem(&format!("/{rel}")) {
                    redirects.problems.push(RouteProblem {
                        paths: vec![path.clone()],
                        message: format!(
                            "its alias `{}` {reason}; change it in the front matter",
                            alias.escape_debug()
                        ),
                    });
                    continue;
                }
                let html = if config.minify_html {
                    // Minified by the query of this alias alone (`minify.rs`).
                    let key =
                        RedirectPage { rel: rel.clone(), url: url.clone(), from: path.clone() };
                    match db.redirect_page.get(db, key).await {
                        Ok(html) => html.as_str().to_owned(),
                        Err(error) => match crate::error::site_error(&error) {
                            Some(problem) => {
                                let message = problem.message.clone();
                                redirects
                                    .problems
                                    .push(RouteProblem { paths: vec![path.clone()], message });
                                continue;
                            }
                            None => return Err(error),
                        },
                    }
                } else {
                    page.clone()
                };
                redirects.pages.push(Redirect { rel, from: path.clone(), html });
            }
        }
        redirects.pages.sort_by(|a, b| a.rel.cmp(&b.rel));
        Ok(Arc::new(redirects))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alias_names_a_file_or_a_directory() {
        assert_eq!(alias_output("/old/tools.html"), "old/tools.html");
        assert_eq!(alias_output("/about-me/"), "about-me/index.html");
        assert_eq!(alias_output("about-me"), "about-me/index.html");
        assert_eq!(alias_output("/"), "index.html");
    }

    #[test]
    fn a_redirect_leads_to_a_full_url_or_a_path_of_the_site() {
        assert_eq!(
            redirect_url("reference/cli/", "https://d.example"),
            "https://d.example/reference/cli/"
        );
        assert_eq!(redirect_url("/x/", "https://d.example"), "https://d.example/x/");
        assert_eq!(
            redirect_url("https://other.example/", "https://d.example"),
            "https://other.example/"
        );
    }

    #[test]
    fn the_redirect_page_escapes_the_url_for_the_script_and_the_attributes() {
        let page = redirect_page("https://e.example/a\"b<c&d");
        assert!(page.contains("const target = \"https://e.example/a\\\"b\\u003cc&d\";"), "{page}");
        assert!(page.contains("url=https://e.example/a&quot;b&lt;c&amp;d\""), "{page}");
        assert!(redirect_page("https://e.example/").ends_with("to be redirected.</p>\n"));
    }
}
