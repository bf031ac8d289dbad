//! The fixture `tests/sites/listings` copied, built cold in this process, edited and built
//! again, for `taxonomies.rs` and `pagination.rs`: what each change rendered (content paths,
//! and the routes of generated pages: `/tags/rust/`, `/blog/page/2/`) and wrote.
//!
//! The fixture: `blog/` lists `a` to `e` (newest first, two a pager: `a b`, `c d`, `e`);
//! `tags` (own templates `tags/list.html`, `tags/single.html`): Go `c`, Rust `a b`, Web `a e`;
//! `categories` (paginated by 2, Zola's `taxonomy_list.html`, `taxonomy_single.html`): Code
//! `a b`, `c`; `about.md` calls `get_taxonomy_url(kind="tags", name="Rust")`.
#![allow(dead_code)]

use std::path::PathBuf;

use host::{BuildReport, Site};

use crate::common;

/// The fixture, built cold.
pub struct Built {
    sandbox: PathBuf,
    pub root: PathBuf,
    pub site: Site,
}

impl Built {
    /// Copies the fixture and builds it (without errors).
    pub fn cold(name: &str) -> (Built, BuildReport) {
        let sandbox = common::temp(&format!("listings-{name}"));
        let root = sandbox.join("site");
        common::copy_fixture(&["listings"], &root);
        let site = Site::open_with(&root, common::cells(true)).expect("open the site");
        let built = Built { sandbox, root, site };
        let report = built.rebuild();
        (built, report)
    }

    /// Builds again; every change here leaves the site without errors.
    pub fn rebuild(&self) -> BuildReport {
        let report = self.site.build(2).expect("build");
        let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
        assert!(errors.is_empty(), "{errors:#?}");
        report
    }

    /// Replaces the one occurrence of `from` in the site's file `rel` by `to`.
    pub fn edit(&self, rel: &str, from: &str, to: &str) {
        let path = self.root.join(rel);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(text.matches(from).count(), 1, "`{from}` once in {rel}:\n{text}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    pub fn write(&self, rel: &str, text: &str) {
        common::write(&self.root, rel, text);
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.root.join(rel)).unwrap();
    }

    /// The output file `rel`, under `public/`.
    pub fn output(&self, rel: &str) -> String {
        let path = self.root.join("public").join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    pub fn output_exists(&self, rel: &str) -> bool {
        self.root.join("public").join(rel).exists()
    }

    /// The rebuilt outputs are exactly those of a cold build of the same sources.
    pub fn assert_outputs_match_a_cold_build(&self) {
        common::assert_outputs_match_a_cold_build(&self.root, &self.sandbox.join("cold"), true);
    }
}

impl Drop for Built {
    fn drop(&mut self) {
        let _ = self.site.wait_for_save();
        common::remove_unless_failing(&self.sandbox);
    }
}

/// The build rendered exactly `rendered` and wrote exactly `written`, each sorted.
#[track_caller]
pub fn assert_built(report: &BuildReport, rendered: &[&str], written: &[&str]) {
    assert_eq!(report.rendered, rendered, "rendered (then written: {:?})", report.written_files);
    assert_eq!(report.written_files, written, "written");
}
