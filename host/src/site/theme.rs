//! The theme's files in a scan (`theme = "NAME"`: `themes/NAME/`): listed and stamped like the
//! site's, and layered under them, so that the inputs `templates` and `statics` hold what the
//! site sees and no query knows there is a theme.
//!
//! What Zola 0.22 does, read in its source (`components/templates/src/lib.rs`, `load_tera`;
//! `components/utils/src/templates.rs`, `rewrite_theme_paths` and `get_shortcodes`;
//! `components/site/src/lib.rs`, `copy_static_directories`) and checked with its binary on
//! `tests/sites/zola-theme`:
//!
//! - each template of the theme (`themes/NAME/templates/**/*.{*ml,md}`, and `robots.txt` at
//!   its top) is the site's under its own path unless the site has a template of that path
//!   (the site's override), and always under `NAME/templates/<path>` (so a site template can
//!   `{% extends "NAME/templates/index.html" %}`). The names a theme template refers to are
//!   resolved among all of them: a theme's `page.html` that extends `base.html` extends the
//!   site's `base.html` when there is one. Its `shortcodes/` are shortcodes like the site's.
//! - each file of the theme's `static/` is copied into the output unless the site's `static/`
//!   has a file of that path; `ignored_static` does not apply to the theme's files (Zola copies
//!   the theme's `static/` with no filter).
//! - the theme's `sass/` is compiled by Zola (even without `compile_sass`), each stylesheet
//!   against the theme's own partials: its files are inputs of their own, by their path from
//!   the site's root (`themes/NAME/sass/...`), not layered under the site's (`sass.rs`).
//!
//! The layering is recomputed on every scan from the listings, and a file is read (a static
//! file stored in the CAS) when its stamp changed, or when the key it gives was the site's
//! file at the last scan: a site override removed falls back to the theme's file, whose
//! text is then read although it did not change. A theme file is only ever read.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::HostError;
use crate::scan::{Listing, ScanPolicy, files_under};

/// The theme's files, listed: `theme.toml`, `templates/`, `static/`, `sass/` (each empty
/// without a theme, or when the theme lacks it).
pub(super) struct ThemeScan {
    /// The config's `theme`, when the config parses.
    pub(super) name: Option<String>,
    /// Whether `themes/NAME/templates/` is a directory (Zola refuses a theme without).
    pub(super) has_templates: bool,
    pub(super) toml: Listing,
    pub(super) templates: Listing,
    pub(super) statics: Listing,
    pub(super) sass: Listing,
}

impl ThemeScan {
    /// Lists the files of the theme `name` of the site at `root`.
    pub(super) fn list(
        root: &Path,
        name: Option<String>,
        threads: usize,
        policy: &ScanPolicy,
    ) -> Result<ThemeScan, HostError> {
        let empty = || Listing { dir: root.join("themes"), files: Vec::new() };
        let Some(theme) = name.as_deref() else {
            return Ok(ThemeScan {
                name,
                has_templates: false,
                toml: empty(),
                templates: empty(),
                statics: empty(),
                sass: empty(),
            });
        };
        // `theme` is one plain name (the config's parse checks it): this lies in `themes/`,
        // unless a link on the way leads elsewhere (`themes/NAME -> ~`), which the walks
        // below would not see, as it is above the directories they walk.
        let dir = root.join("themes").join(theme);
        policy.check_named(&format!("themes/{theme}"))?;
        policy.check_named(&format!("themes/{theme}/theme.toml"))?;
        let toml = if dir.join("theme.toml").is_file() {
            Listing::single(&dir, "theme.toml")
        } else {
            Listing { dir: dir.clone(), files: Vec::new() }
        };
        let mut templates = files_under(&dir.join("templates"), "", threads, policy)?;
        templates.files.retain(|found| is_theme_template(&found.rel));
        let statics = files_under(&dir.join("static"), "", threads, policy)?;
        let mut sass = files_under(&dir.join("sass"), "", threads, policy)?;
        sass.files.retain(|found| crate::sass::is_sass_input(&found.rel));
        let has_templates = dir.join("templates").is_dir();
        Ok(ThemeScan { name, has_templates, toml, templates, statics, sass })
    }
}

/// Whether Zola takes the file `rel` of a theme's `templates/` as a template: its glob
/// `**/*.{*ml,md}` (`.html`, `.xml` …, `.md`), and `robots.txt` at the top.
pub(super) fn is_theme_template(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let markup = name.strip_suffix("ml").is_some_and(|stem| stem.contains('.'));
    markup || name.ends_with(".md") || rel == "robots.txt"
}

/// One key of an input layered from the site's files over the theme's: the file it is
/// read from, and whether it must be read now.
#[derive(Debug, PartialEq)]
pub(super) struct Layered {
    pub(super) key: String,
    pub(super) path: PathBuf,
    pub(super) read: bool,
}

/// The site's files (`site`, with the flags of those whose stamps `site_changed`), and the
/// theme's files the site has none of the same path for (`theme`, `theme_changed`); with
/// `alias`, every theme file also under `<alias><path>` (unless the site has that path).
/// `was_site` says whether the site had a file of a given path at the last scan. Sorted by key.
pub(super) fn layer(
    site: (&Listing, &[bool]),
    theme: (&Listing, &[bool]),
    alias: Option<&str>,
    was_site: impl Fn(&str) -> bool,
) -> Vec<Layered> {
    let (site, site_changed) = site;
    let (theme, theme_changed) = theme;
    let mut keys: BTreeMap<String, (PathBuf, bool)> = site
        .files
        .iter()
        .zip(site_changed)
        .map(|(found, changed)| (found.rel.clone(), (site.path(found), *changed)))
        .collect();
    for (found, changed) in theme.files.iter().zip(theme_changed) {
        let aliased = alias.map(|alias| format!("{alias}{}", found.rel));
        for key in std::iter::once(found.rel.clone()).chain(aliased) {
            if keys.contains_key(&key) {
                continue;
            }
            let read = *changed || was_site(&key);
            keys.insert(key, (theme.path(found), read));
        }
    }
    keys.into_iter().map(|(key, (path, read))| Layered { key, path, read }).collect()
}

/// The text of each layered file to read (`None` for the others), read on up to `threads`
/// threads.
///
/// # Errors
///
/// A file that cannot be read, or is not UTF-8, named.
pub(super) fn read_layered(
    layered: &[Layered],
    threads: usize,
) -> Result<Vec<Option<String>>, HostError> {
    let to_read: Vec<usize> = (0..layered.len()).filter(|&i| layered[i].read).collect();
    let results = crate::exec::run_all(threads, 1, &to_read, |&i| {
        let path = &layered[i].path;
        let text = std::fs::read_to_string(path).map_err(|e| HostError::io("read", path, e));
        async move { text }
    });
    let mut texts: Vec<Option<String>> =
        std::iter::repeat_with(|| None).take(layered.len()).collect();
    for (i, text) in to_read.into_iter().zip(results) {
        texts[i] = Some(text?);
    }
    Ok(texts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Found;

    fn listing(dir: &str, rels: &[&str]) -> Listing {
        let files = rels.iter().map(|rel| Found { rel: rel.to_string(), stamp: None }).collect();
        Listing { dir: PathBuf::from(dir), files }
    }

    #[test]
    fn the_sites_files_win_and_theme_templates_are_also_under_their_alias() {
        let site = listing("/s/templates", &["index.html", "plain/templates/page.html"]);
        let theme = listing("/s/themes/plain/templates", &["index.html", "page.html"]);
        let layered = layer(
            (&site, &[false, false]),
            (&theme, &[true, false]),
            Some("plain/templates/"),
            |_| false,
        );
        let keys: Vec<(&str, &str, bool)> =
            layered.iter().map(|l| (l.key.as_str(), l.path.to_str().unwrap(), l.read)).collect();
        assert_eq!(
            keys,
            [
                ("index.html", "/s/templates/index.html", false),
                ("page.html", "/s/themes/plain/templates/page.html", false),
                ("plain/templates/index.html", "/s/themes/plain/templates/index.html", true),
                ("plain/templates/page.html", "/s/templates/plain/templates/page.html", false),
            ]
        );
    }

    #[test]
    fn a_removed_override_reads_the_themes_file_again() {
        let site = listing("/s/static", &[]);
        let theme = listing("/s/themes/plain/static", &["a.css", "b.css"]);
        let layered = layer((&site, &[]), (&theme, &[false, false]), None, |key| key == "b.css");
        let read: Vec<bool> = layered.iter().map(|l| l.read).collect();
        assert_eq!(read, [false, true]);
    }

    #[test]
    fn theme_templates_are_zolas_glob() {
        for rel in ["index.html", "a/b.xml", "x.ml", "shortcodes/n.md", "robots.txt", "f.toml"] {
            assert!(is_theme_template(rel), "{rel}");
        }
        for rel in ["notes.txt", "a/robots.txt", "data.json", "html", "ml", "README"] {
            assert!(!is_theme_template(rel), "{rel}");
        }
    }
}
