//! `ignored_content` and `ignored_static`: the files the config's globs leave out of the site.
//! A file left out is not listed at all (not a page, not an asset, not a static file), so
//! editing it changes no input and renders nothing.
//!
//! Zola (0.22, `components/site/src/lib.rs` and `components/utils/src/fs.rs`) matches the
//! globs (globset's, see `crate::glob`) this way, and so does the host:
//!
//! - a static file by its path under `static/` (`ignored_static = ["*.psd", "drafts/**"]`);
//! - a content file by its absolute path, `/…/site/content/blog/data.xlsx`, so a glob that
//!   does not start with a wildcard never matches in Zola (`temp.*`, `blog/skip.md`);
//! - a directory of `content/` too: a glob matching `content/build/` leaves out
//!   `build/_index.md` (Zola reads a section when it meets its directory), not the other
//!   files in it, whose own paths are matched.
//!
//! The host also matches a content file's (and directory's) path under `content/`, which is
//! what Zola's documentation describes (its example `temp.*`): a glob written for that
//! meaning works, and every file Zola leaves out is left out.

use std::path::Path;

use crate::config::SiteConfig;
use crate::content::is_section;
use crate::glob::GlobSet;

/// The config's `ignored_content` and `ignored_static`, compiled, for one site.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ignored {
    content: GlobSet,
    statics: GlobSet,
    /// The site's `content/`, absolute and canonical as Zola walks it (`None` when it is not
    /// there, or not UTF-8).
    content_dir: Option<String>,
}

impl Ignored {
    /// The rules of `config` for the site at `root`. The config's globs are checked when it
    /// is parsed; one that is not a glob here leaves nothing out.
    pub(crate) fn new(config: &SiteConfig, root: &Path) -> Ignored {
        let content = GlobSet::new(&config.ignored_content).unwrap_or_default();
        let statics = GlobSet::new(&config.ignored_static).unwrap_or_default();
        let content_dir = (!content.is_empty())
            .then(|| root.join("content").canonicalize().ok())
            .flatten()
            .and_then(|dir| dir.to_str().map(str::to_string));
        Ignored { content, statics, content_dir }
    }

    /// Whether nothing is left out.
    pub(crate) fn is_empty(&self) -> bool {
        self.content.is_empty() && self.statics.is_empty()
    }

    /// Whether the file at `rel` under `content/` is left out.
    pub(crate) fn content(&self, rel: &str) -> bool {
        if self.content.is_empty() {
            return false;
        }
        if self.content_path(rel) {
            return true;
        }
        // A section's directory too (`_index.md`, or a language's `_index.fr.md`).
        is_section(rel) && self.content_path(rel.rsplit_once('/').map_or("", |(dir, _)| dir))
    }

    /// Whether a glob matches `rel` (a path under `content/`; a directory without its
    /// trailing `/`, and `content/` itself empty) or its absolute path.
    fn content_path(&self, rel: &str) -> bool {
        let rel = rel.trim_end_matches('/');
        self.content.is_match(rel)
            || self.content_dir.as_ref().is_some_and(|dir| {
                let absolute = if rel.is_empty() { dir.clone() } else { format!("{dir}/{rel}") };
                self.content.is_match(&absolute)
            })
    }

    /// Whether the file at `rel` under `static/` is left out.
    pub(crate) fn static_file(&self, rel: &str) -> bool {
        self.statics.is_match(rel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ignored(content: &[&str], statics: &[&str]) -> Ignored {
        let config = SiteConfig {
            ignored_content: content.iter().map(|s| s.to_string()).collect(),
            ignored_static: statics.iter().map(|s| s.to_string()).collect(),
            ..SiteConfig::default()
        };
        let mut rules = Ignored::new(&config, Path::new("/nonexistent"));
        rules.content_dir = Some("/home/me/site/content".into());
        rules
    }

    #[test]
    fn content_globs_match_the_path_under_content_and_the_absolute_path_as_zola_s() {
        let rules = ignored(&["*.{graphml,xlsx}", "temp.*", "**/build_folder", "*/private/*"], &[]);
        assert!(rules.content("blog/post/data.xlsx"));
        assert!(rules.content("temp.md"));
        // Only Zola's absolute path has a directory before `private/`.
        assert!(rules.content("private/notes.md"));
        assert!(!rules.content("blog/post/index.md"));
        // A matching directory leaves its section out, as Zola, not its other files.
        assert!(rules.content("build_folder/_index.md"));
        assert!(!rules.content("build_folder/x.md"));
        assert!(rules.content("a/build_folder/_index.md"));
        assert!(!rules.is_empty());
    }

    #[test]
    fn static_globs_match_the_path_under_static_only() {
        let rules = ignored(&[], &["*.psd", "temp.*"]);
        assert!(rules.static_file("art/cover.psd"));
        assert!(rules.static_file("temp.css"));
        assert!(!rules.static_file("sub/temp.css"));
        assert!(!rules.content("cover.psd"));
        assert!(Ignored::default().is_empty() && !Ignored::default().content("_index.md"));
    }
}
