//! What a build did: counts, the pages rendered and the files written, errors and warnings.

use std::time::Duration;

use crate::SiteError;

/// What a build did.
#[derive(Clone, Debug, Default)]
pub struct BuildReport {
    /// Pages and sections built.
    pub pages: usize,
    /// Output files written (new or changed).
    pub written: usize,
    /// Output files already up to date.
    pub unchanged: usize,
    /// Output files removed (their page is gone).
    pub removed: usize,
    /// Template renders run (the others were reused).
    pub renders: u64,
    /// The pages and sections rendered in this build, by their paths under `content/`,
    /// sorted: what a change made the build redo.
    pub rendered: Vec<String>,
    /// The stylesheets compiled in this build (`compile_sass`), by their paths from the
    /// site's root (`sass/main.scss`), sorted: what a change made the build compile again.
    pub compiled: Vec<String>,
    /// Search index files made in this build (the query `search_index` run: 0 or 1); an
    /// edit that leaves every indexed document as it was makes none.
    pub search_indexes: u64,
    /// The outputs minified in this build (`minify_html`), by their paths under the output
    /// directory, sorted: what a change made the build minify again.
    pub minified: Vec<String>,
    /// The output files written in this build (new or changed), by their paths under the
    /// output directory, sorted.
    pub written_files: Vec<String>,
    /// Queries executed in this build.
    pub executed: u64,
    /// Memos reused after checking (revalidated, or skipped by durability) in this build.
    pub reused: u64,
    /// Callbacks the template cell made to the host (each a round trip).
    pub callbacks: u64,
    /// Reads the template cell answered from its own memo of the revision (no round trip),
    /// each replayed by the host inside the render that made it.
    pub cached_reads: u64,
    /// Bytes of values sent to the template cell: contexts, template sources, callback
    /// answers.
    pub bytes_to_template: u64,
    /// Site errors; the pages without errors were still built and written.
    pub errors: Vec<SiteError>,
    /// Things the user should know that did not fail the build: the config's keys read but
    /// not acted on (first, `config_warnings` of them), front matter keys ignored (by the
    /// build that renders their page), an old output left in place because it was changed
    /// by hand.
    pub warnings: Vec<String>,
    /// How many of the first `warnings` are the config's. Every build reports them again (the
    /// config is read by every build), so unlike the others they do not keep the next
    /// process from finding the site up to date.
    pub config_warnings: usize,
    /// Where the build's knowledge came from (see [`Start`]).
    pub start: Start,
    /// With [`Site::set_explain`](crate::Site::set_explain): which inputs changed in this
    /// build and why the route was or was not rendered again, a few lines of text.
    pub explanation: Option<String>,
    /// Wall time.
    pub elapsed: Duration,
}

/// Where a build's knowledge of the site came from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Start {
    /// This process's database, as its last build left it (or empty, for the first build of
    /// a site that keeps no cache).
    #[default]
    InProcess,
    /// A persistent site's first build found every source file and output as the saved
    /// build left them: nothing was loaded, rendered or written.
    UpToDate,
    /// A persistent site's first build loaded the saved database.
    Loaded,
    /// A persistent site's first build had no saved database it could use (none yet, or a
    /// warning says why): it built from scratch.
    Cold,
}

impl BuildReport {
    /// Adds the counts, files and errors of another step of the same build (the listings'
    /// to the pages').
    pub(crate) fn absorb(&mut self, other: BuildReport) {
        self.pages += other.pages;
        self.written += other.written;
        self.unchanged += other.unchanged;
        self.written_files.extend(other.written_files);
        self.errors.extend(other.errors);
        self.warnings.extend(other.warnings);
    }

    /// Counts one output the build keeps: written (and named in `written_files`), or found
    /// already up to date.
    pub(crate) fn count_output(&mut self, rel: &str, wrote: bool) {
        if wrote {
            self.written += 1;
            self.written_files.push(rel.to_string());
        } else {
            self.unchanged += 1;
        }
    }
}
