//! A site on disk: loading it into the database, building it, writing the outputs.
//!
//! [`Site::build`] loads (`load.rs`: a scan, one input batch) and then runs the build's
//! steps, in order, each timed (`steps.rs`): the config; the output directory (checked) and
//! its case rule; the sweep for outputs touched by hand; nothing more if nothing changed since
//! the last build; the routes; the pages (`pages.rs`: render and write, one pipeline); the
//! static files (`statics.rs`); redirects, feeds, site files, the search index (`search.rs`);
//! the stylesheets
//! (`stylesheets.rs`); the removal of outputs whose page is gone; the saving of what
//! was written. The report (`report.rs`) says what each did.

mod feeds;
mod generated;
mod images;
mod links;
mod load;
mod pages;
mod persist;
mod report;
mod search;
mod statics;
mod steps;
mod stylesheets;
mod theme;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use picante::HasRuntime;

pub(crate) use persist::remove_stale_temporaries;
pub use report::{BuildReport, Start};
use steps::{Counters, Steps};

use crate::HostError;
use crate::cells::Cells;
use crate::db::Database;
use crate::output::location::{self, Origin};
use crate::output::{Outputs, forget_stamps_of_an_interrupted_build};
use crate::progress::{Progress, report_progress};
use crate::scan::Scanner;
use crate::stored::StoredFiles;

/// A site: its database (kept between builds, so rebuilds are incremental), its CAS and its
/// output directory.
pub struct Site {
    root: PathBuf,
    output: Option<PathBuf>,
    db: Arc<Database>,
    cas: Arc<cas::Cas>,
    /// The saving of `cas.db` after the last build, when it runs in the background (see
    /// [`set_watch_outputs`](Self::set_watch_outputs)); the next build waits for it first.
    saving: parking_lot::Mutex<Option<std::thread::JoinHandle<Result<(), HostError>>>>,
    /// The output directory of the last build and what was written there.
    outputs: parking_lot::Mutex<Option<Arc<Outputs>>>,
    /// The last complete build: the revision and output directory it built, and its report.
    /// A build at the same revision would find every memo valid and every output written.
    last_build: parking_lot::Mutex<Option<(picante::Revision, PathBuf, BuildReport)>>,
    /// Whether to show progress on stderr while building.
    progress: bool,
    /// Whether to watch the outputs written for changes made by hand (see
    /// [`set_watch_outputs`](Self::set_watch_outputs)).
    watch_outputs: bool,
    /// What the files looked like when last read, so a rescan reads only changed ones.
    scanner: Scanner,
    /// The files the config left out at the last scan (`ignored_content`, `ignored_static`),
    /// for a watcher's report of one file.
    ignored: parking_lot::Mutex<crate::scan::Ignored>,
    /// Whether builds start from and save to `.cache/` for the next process (the CLI).
    persistent: bool,
    /// Whether the first build of a persistent site loads the saved database even when
    /// nothing changed since it was saved (a server answers from it; see
    /// [`set_serving`](Self::set_serving)).
    serving: bool,
    /// The route `build --explain` asks about.
    explain: Option<String>,
    /// The `base_url` to build with instead of the config's ([`set_base_url`](Self::set_base_url)).
    pub(super) base_url: Option<String>,
    /// Whether drafts are built ([`set_drafts`](Self::set_drafts)).
    pub(super) drafts: bool,
    /// Whether a render of the last build read `now()` (unknown, so true, before the first).
    read_now: AtomicBool,
    /// Whether a load replaced or removed a static file or asset since the last garbage
    /// collection: its old blob is then garbage, collected after the next build's save.
    pub(super) cas_garbage: AtomicBool,
    /// The revision of the database last saved to or loaded from `.cache/`.
    saved_revision: parking_lot::Mutex<Option<picante::Revision>>,
    /// Outputs the first build found as recorded, for the build's writes (`persist.rs`).
    found_outputs: parking_lot::Mutex<Option<persist::FoundOutputs>>,
    /// The revision as of which every page output in that directory was written and is
    /// intact: the last complete build's, or the loaded database's when its outputs were found
    /// as recorded. The pages step skips renders unchanged since (`site/pages.rs`).
    written_at: parking_lot::Mutex<Option<(picante::Revision, PathBuf)>>,
}

/// How a build began.
enum Begun {
    /// Nothing to do (a persistent site's first build found everything as saved). Boxed: a
    /// report is several times the size of the other variant.
    UpToDate(Box<BuildReport>),
    /// The inputs are set; `warnings` about the cache for the report; `cold` if nothing was
    /// known before (no earlier build, no database loaded).
    Loaded {
        warnings: Vec<String>,
        cold: bool,
        start: Start,
        explainer: Option<crate::inspect::Explainer>,
    },
}

/// `time` in nanoseconds since the Unix epoch (0 before it).
pub(crate) fn nanos_since_epoch(time: std::time::SystemTime) -> u64 {
    time.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64)
}

impl Site {
    /// Opens the site at `root` with cells found the usual way (next to this executable or in
    /// `DODECA_CELL_PATH`).
    ///
    /// # Errors
    ///
    /// When `root` has no config file (`config.toml` or `dodeca.toml`) or both, or the cache
    /// cannot be opened.
    pub fn open(root: &Path) -> Result<Site, HostError> {
        Site::open_with(root, Cells::from_environment())
    }

    /// Opens the site at `root` with `cells`.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open).
    pub fn open_with(root: &Path, cells: Cells) -> Result<Site, HostError> {
        crate::config::find(root)?;
        let cas = cas::Cas::open(root.join(".cache")).map_err(|e| {
            HostError::cache(format!("open the cache in {}", root.join(".cache").display()), e)
        })?;
        forget_stamps_of_an_interrupted_build(&cas)?;
        let cas = Arc::new(cas);
        let stored = StoredFiles::new(cas.clone(), root.to_path_buf());
        Ok(Site {
            root: root.to_path_buf(),
            output: None,
            db: Arc::new(Database::new(cells, Some(stored))),
            cas,
            saving: parking_lot::Mutex::new(None),
            outputs: parking_lot::Mutex::new(None),
            last_build: parking_lot::Mutex::new(None),
            progress: false,
            watch_outputs: true,
            scanner: Scanner::default(),
            ignored: parking_lot::Mutex::new(crate::scan::Ignored::default()),
            persistent: false,
            serving: false,
            explain: None,
            base_url: None,
            drafts: false,
            read_now: AtomicBool::new(true),
            cas_garbage: AtomicBool::new(false),
            saved_revision: parking_lot::Mutex::new(None),
            found_outputs: parking_lot::Mutex::new(None),
            written_at: parking_lot::Mutex::new(None),
        })
    }

    /// Whether builds keep the site's database in `.cache/` for the next process (off by
    /// default; the CLI turns it on). The first build then starts from what the last process
    /// left: with nothing changed it loads no database and starts no cell; otherwise it loads
    /// `dodeca.bin` (if this build of the host saved it) and does only the work the changes
    /// imply. A build that changed anything saves the database, its version and every source
    /// file's stamp. A file that cannot be used is a warning in the report, and the build
    /// starts from scratch.
    pub fn set_persistent(&mut self, persistent: bool) {
        self.persistent = persistent;
    }

    /// Builds with `base_url` in place of the config's, from the next build on (`None`: the
    /// config's again). `"/"` makes every URL start at the site's root without a host, as
    /// `dodeca-host serve` builds: the site's own address would send every link away from
    /// the server. Pages that read it render again when it changes, like any input.
    pub fn set_base_url(&mut self, base_url: Option<&str>) {
        self.base_url = base_url.map(str::to_string);
    }

    /// Builds drafts as other pages, from the next build on (`--drafts`, Zola's): each draft
    /// is rendered, written and listed (in its section, taxonomies, feeds and the sitemap),
    /// and still says `page.draft`. Switching it is an input change like any other: it runs
    /// again only the queries that met a draft, and renders only what shows one.
    pub fn set_drafts(&mut self, drafts: bool) {
        self.drafts = drafts;
    }

    /// For `dodeca-host serve`: templates see `config.mode` as `"serve"` (an input: the
    /// pages that read it render again when it changes), and the first build of a
    /// persistent site loads the saved database even when nothing changed since it was
    /// saved (a one-shot build then stops without one), because the server answers requests
    /// from the database.
    pub(crate) fn set_serving(&mut self, serving: bool) {
        self.serving = serving;
    }

    /// Explains, in the next build's report ([`BuildReport::explanation`]), which inputs
    /// changed and why `route` (a route, a content path or an output path) was or was not
    /// rendered again.
    pub fn set_explain(&mut self, route: Option<String>) {
        self.explain = route;
    }

    /// Shows progress (phase and count) on stderr while building; for terminals.
    pub fn set_progress(&mut self, show: bool) {
        self.progress = show;
    }

    /// Whether this site is built again and again in this process (on by default; the CLI's
    /// one-shot `build` turns it off). Then the output directory is watched (inotify), so that
    /// a rebuild finds outputs changed by hand without a `stat` of each, and `cas.db` is saved
    /// in the background after a build, which the next build (or
    /// [`wait_for_save`](Self::wait_for_save), or dropping the site) waits for. A one-shot
    /// build has nothing to look at again and saves before it returns.
    pub fn set_watch_outputs(&mut self, watch: bool) {
        self.watch_outputs = watch;
    }

    /// Writes the output to `dir` instead of the configured one: a directory named by the
    /// user (`-o`), relative to the working directory, which may lie outside the site. It is
    /// checked when a build starts, as [`Origin::CommandLine`] describes.
    pub fn set_output(&mut self, dir: PathBuf) {
        self.output = Some(dir);
    }

    /// The database, the CAS and the last build's output directory, for serving (`serve/`).
    pub(crate) fn serving_parts(&self) -> (Arc<Database>, Arc<cas::Cas>, Option<PathBuf>) {
        let output = self.outputs.lock().as_ref().map(|outputs| outputs.dir().path.clone());
        (self.db.clone(), self.cas.clone(), output)
    }

    /// The site's CAS (`.cache/`).
    pub(crate) fn cas(&self) -> &cas::Cas {
        &self.cas
    }

    /// The database's revision.
    pub(crate) fn revision(&self) -> picante::Revision {
        self.db.runtime().current_revision()
    }

    /// The cells this site uses (for tests that kill one).
    pub fn cells(&self) -> &Cells {
        &self.db.cells
    }

    /// Stops the cells and lets go of the site without freeing its memory piece by piece:
    /// for a process about to exit, where freeing ten thousand pages' memos one at a time
    /// would only delay the exit (by about a tenth of a cold build). Everything on disk is
    /// already saved when a build returns.
    pub fn close_for_exit(self) {
        if let Err(error) = self.wait_for_save() {
            eprintln!("warning: {error}");
        }
        self.db.cells.stop_all();
        std::mem::forget(self);
    }

    /// Saves the site's database (every input, memo and dependency) to `path`, so that a new
    /// process can [`load_database`](Self::load_database) it and rebuild incrementally.
    /// Returns the file's size.
    ///
    /// # Errors
    ///
    /// When a value cannot be encoded or the file cannot be written (the previous file, if
    /// any, is then as it was).
    pub fn save_database(&self, path: &Path) -> Result<u64, HostError> {
        let db = &*self.db;
        picante::persist::save_cache(path, db.runtime(), &db.persistable())
            .map_err(HostError::SavedDatabase)
    }

    /// Loads a database saved by [`save_database`](Self::save_database) into this site, which
    /// must not have loaded or built anything yet. A file that cannot be used (missing,
    /// corrupted, of another version) loads nothing; the report says why.
    ///
    /// # Errors
    ///
    /// When this site has loaded or built something already.
    pub fn load_database(&self, path: &Path) -> Result<picante::persist::CacheLoad, HostError> {
        let db = &*self.db;
        picante::persist::load_cache(path, db.runtime(), &db.persistable())
            .map_err(HostError::SavedDatabase)
    }

    /// What each query of the site's database holds: slots, values, their encoded bytes and
    /// dependency edges (picante's `IngredientRegistry::stats`).
    pub fn database_stats(&self) -> Vec<picante::IngredientStats> {
        self.db.registry().stats()
    }

    /// Waits for the last build's saving of `cas.db`, if it runs in the background.
    ///
    /// # Errors
    ///
    /// When that save failed (the outputs are written; their records were not kept).
    pub fn wait_for_save(&self) -> Result<(), HostError> {
        match self.saving.lock().take() {
            None => Ok(()),
            Some(saving) => saving.join().unwrap_or_else(|_| Err(HostError::SavePanicked)),
        }
    }

    /// Loads the site from disk and builds it with `jobs` threads.
    ///
    /// # Errors
    ///
    /// When the build machinery fails (unreadable files, an unwritable output, a missing
    /// cell). Site errors do not fail the build: they are in the report, and every page
    /// without an error is still written.
    pub fn build(&self, jobs: usize) -> Result<BuildReport, HostError> {
        let started = Instant::now();
        let phases = std::env::var_os("DODECA_PHASES").is_some();
        let first = self.last_build.lock().is_none();
        // The first build of a site parses and renders every page: the cells it needs start
        // while the site is read, instead of one after the other on the first calls (about a
        // millisecond each, with every build thread waiting). Not when a saved database may
        // spare them.
        let prestart = first
            && self.root.join("content").is_dir()
            && !(self.persistent && self.cas.root().join(crate::cache::DATABASE).exists());
        if prestart {
            self.prestart_cells();
        }
        let begun = self.begin()?;
        let (warnings, cold, start, explainer) = match begun {
            Begun::Loaded { warnings, cold, start, explainer } => {
                (warnings, cold, start, explainer)
            }
            Begun::UpToDate(mut report) => {
                report.start = Start::UpToDate;
                if let Some(route) = &self.explain {
                    report.explanation = Some(format!(
                        "explain {route}: no source file changed since the last build and \
                         every output is as it wrote it, so nothing was rendered again (no \
                         database was even loaded)\n"
                    ));
                }
                report.elapsed = started.elapsed();
                return Ok(*report);
            }
        };
        if phases {
            steps::print_phase("load", started.elapsed());
        }
        let mut report = self.build_loaded(jobs)?;
        if self.persistent {
            let saving = Instant::now();
            self.save_for_next_process(&report)?;
            if let Some(warning) = self.unsaved_after_cell_failure() {
                report.warnings.push(warning.to_string());
            }
            if phases {
                steps::print_phase("save database", saving.elapsed());
            }
        }
        report.start = start;
        report.warnings.extend(warnings);
        report.warnings.extend(self.cas.take_warnings().iter().map(ToString::to_string));
        if let Some(explainer) = explainer {
            report.explanation = Some(explainer.finish(&self.db, cold));
        }
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// Starts the cells on a thread of their own, without waiting: the first calls wait
    /// for them, if they come first.
    pub(super) fn prestart_cells(&self) {
        let db = self.db.clone();
        let _ = std::thread::Builder::new()
            .name("dodeca-cells".into())
            .spawn(move || db.cells.start(&[&db.cells.markdown, &db.cells.template]));
    }

    /// The build up to its inputs set: from `.cache/` for the first build of a persistent site
    /// (which may find nothing to do), else a scan.
    fn begin(&self) -> Result<Begun, HostError> {
        let fresh = self.db.runtime().current_revision() == picante::Revision(1);
        let (scan, warnings, loaded) = if self.persistent && fresh {
            match self.start_from_cache()? {
                persist::Start::UpToDate(report) => return Ok(Begun::UpToDate(report)),
                persist::Start::Build { scan, warnings, loaded } => (*scan, warnings, loaded),
            }
        } else {
            (self.scan()?, Vec::new(), false)
        };
        if loaded {
            *self.saved_revision.lock() = Some(self.db.runtime().current_revision());
        }
        // Subscribed once the database is loaded, before the inputs are set.
        let explainer =
            self.explain.as_deref().map(|route| crate::inspect::Explainer::start(&self.db, route));
        self.load_scanned(scan)?;
        let start = match (self.persistent && fresh, loaded) {
            (false, _) => Start::InProcess,
            (true, true) => Start::Loaded,
            (true, false) => Start::Cold,
        };
        Ok(Begun::Loaded { warnings, cold: fresh && !loaded, start, explainer })
    }

    /// Builds from what is already loaded (after [`load`](Self::load) or
    /// [`content_changed`](Self::content_changed)).
    ///
    /// # Errors
    ///
    /// As [`build`](Self::build).
    pub fn build_loaded(&self, jobs: usize) -> Result<BuildReport, HostError> {
        let progress = Progress::default();
        let finished = std::sync::atomic::AtomicBool::new(false);
        std::thread::scope(|scope| {
            if self.progress {
                scope.spawn(|| report_progress(&progress, &finished));
            }
            let result = self.build_steps(jobs, &progress);
            finished.store(true, Ordering::Release);
            result
        })
    }

    /// The build, step by step; each step is timed (`DODECA_PHASES=1` prints the times).
    fn build_steps(&self, jobs: usize, progress: &Progress) -> Result<BuildReport, HostError> {
        let mut steps = Steps::start();
        let before = Counters::read(&self.db);
        let db = &*self.db;
        let config = steps.run("config", || {
            pollster::block_on(db.config.get(db, ())).map_err(HostError::from_query)
        })?;
        let outputs = steps.run("output directory", || self.outputs_for(&config))?;
        // The output directory is accepted: from here on the build may write into it (the
        // case probe first), and the state a process saved for the next would no longer
        // hold. A refused directory touches nothing, the saved state included.
        self.forget_saved_state()?;
        let case_insensitive = steps.run("case", || self.note_case_rule(&outputs))?;
        // Outputs changed, replaced or deleted since this process wrote them (by hand, by
        // another program) are forgotten, so this build writes them again.
        let restored = steps.run("sweep", || outputs.sweep(jobs));
        // Outputs this process's first build found as recorded, just now: not looked at again
        // (after the sweep, which would look at each).
        if let Some(found) = self.found_outputs.lock().take()
            && found.dir == *outputs.dir()
        {
            outputs.found_as_recorded(found.found);
        }
        let revision = db.runtime().current_revision();
        if let Some(report) = self.unchanged_since_last_build(revision, restored, &outputs) {
            return Ok(BuildReport {
                warnings: config.warnings.clone(),
                config_warnings: config.warnings.len(),
                elapsed: steps.elapsed(),
                ..report
            });
        }
        db.read_now.store(false, Ordering::Relaxed);
        // About to write: the last build's records must be saved first (see `save`).
        steps.run("last save", || self.wait_for_save())?;
        let (paths, routes) = steps.run("routes", || {
            let paths = db.content_list.get(db, &()).map_err(HostError::Query)?;
            // Every route first, on every thread: each reads its file's front matter (a TOML
            // parse when it changed), which the route check below would otherwise do one
            // after the other. Their errors are the pages' own, reported by the pages step.
            if let Some(list) = &paths {
                crate::exec::run_all(jobs, 64, list, |path| async move {
                    let _ = db.route.get_ref(db, path.as_str()).await;
                });
            }
            let routes = pollster::block_on(db.routes.get(db, ())).map_err(HostError::Query)?;
            Ok::<_, HostError>((paths.unwrap_or_default(), routes))
        })?;
        // The revision as of which every page output is written and intact, unless the sweep
        // found outputs changed by hand (those pages must be written again).
        let written_at = match *self.written_at.lock() {
            Some((at, ref dir)) if restored == 0 && *dir == outputs.dir().path => Some(at),
            _ => None,
        };
        *self.written_at.lock() = None;
        let (mut report, mut live) = steps.run("pages", || {
            self.build_pages(jobs, &paths, &routes, &outputs, progress, written_at)
        })?;
        // Taxonomies, terms and further pagers (`listings/`), written as pages are.
        let (listings, listed) =
            steps.run("listings", || self.build_generated(jobs, &outputs, written_at, &live))?;
        report.absorb(listings);
        live.extend(listed);
        // Pages their sections cannot sort, when that changed since the outputs were written
        // (a build that renders a page reports its own warnings likewise, once).
        // A query error is a page's or section's, which its render reports.
        let unsortable = steps.run("unsortable", || {
            pollster::block_on(async {
                match written_at {
                    Some(since) => db.unsortable.get_if_changed(db, &(), since).await,
                    None => db.unsortable.get(db, ()).await.map(Some),
                }
            })
        });
        if let Ok(Some(warnings)) = unsortable {
            report.warnings.extend(warnings.iter().cloned());
        }
        // Internal links' anchors, once every page is rendered (Zola checks them then).
        steps.run("anchors", || self.check_anchors(jobs, &paths, &config, &mut report));
        // The config's warnings first: every build has them.
        report.warnings.splice(0..0, config.warnings.iter().cloned());
        report.config_warnings = config.warnings.len();
        let statics = steps.run("statics", || {
            self.write_statics(&outputs, &live, &paths, case_insensitive, &mut report)
        })?;
        let assets =
            steps.run("assets", || self.write_assets(&outputs, &paths, &routes, &mut report))?;
        live.extend(statics);
        live.extend(assets);
        live.sort_unstable();
        let redirects =
            steps.run("redirects", || self.write_redirects(&outputs, &live, &mut report))?;
        live.extend(redirects);
        live.sort_unstable();
        let feeds = steps.run("feeds", || self.write_feeds(jobs, &outputs, &live, &mut report))?;
        live.extend(feeds);
        live.sort_unstable();
        let site_files =
            steps.run("site files", || self.write_site_files(&outputs, &live, &mut report))?;
        live.extend(site_files);
        live.sort_unstable();
        let search = steps.run("search index", || {
            self.write_search_index(&outputs, &config, &live, &mut report)
        })?;
        live.extend(search);
        live.sort_unstable();
        // After every step that renders (the requests in use are those of up-to-date renders:
        // `site/images.rs`), and after the statics: a static file of a processed image's name
        // is Zola's own output.
        let (processed, processed_hashes) =
            steps.run("images", || self.write_images(&outputs, &config, &live, &mut report))?;
        live.extend(processed);
        live.sort_unstable();
        // Whether the next build must set `now()` anew for renders that read it (feeds and
        // site files render too, so only now that every render has run).
        self.read_now.store(db.read_now.load(Ordering::Relaxed), Ordering::Relaxed);
        let stylesheets = steps
            .run("stylesheets", || self.write_stylesheets(jobs, &outputs, &live, &mut report))?;
        live.extend(stylesheets);
        live.sort_unstable();
        report.removed =
            steps.run("remove", || outputs.remove_stale(&self.cas, live, &mut report.warnings))?;
        steps.run("save", || self.save_records(&outputs))?;
        // Blobs of static files and assets that were replaced or removed: without this, a
        // long `serve` session kept every version of every edited image (`examples/soak.rs`).
        // Only after a load that made some: a build that changed none walks no blobs.
        if self.cas_garbage.swap(false, Ordering::Relaxed) {
            let mut keep = self.static_hashes();
            keep.extend(processed_hashes);
            let collected = steps.run("gc", || self.cas.gc(keep));
            if let Err(error) = collected {
                report.warnings.push(format!("the cache's unused blobs were not removed: {error}"));
            }
        }
        before.fill(&self.db, &mut report);
        // Variables read by `get_env` for the first time join the input, with the values the
        // renders read: no answer changes, and the next build checks them as it checks files.
        // The outputs are those of the revision this makes.
        let revision = if crate::environment::keep_new_reads(db).map_err(HostError::Query)? {
            db.runtime().current_revision()
        } else {
            revision
        };
        report.elapsed = steps.elapsed();
        *self.last_build.lock() = Some((revision, outputs.dir().path.clone(), report.clone()));
        *self.written_at.lock() = Some((revision, outputs.dir().path.clone()));
        Ok(report)
    }

    /// Notes the case rule of the output directory's file system: names that differ only in
    /// case are one file on some, so routes are checked by the rule of the one written to.
    fn note_case_rule(&self, outputs: &Outputs) -> Result<bool, HostError> {
        let db = &*self.db;
        let case_insensitive = outputs.case_insensitive()?;
        if db.case_insensitive_output.get(db, &()).map_err(HostError::Query)?
            != Some(case_insensitive)
        {
            db.case_insensitive_output.set(db, (), case_insensitive).map_err(HostError::Query)?;
        }
        Ok(case_insensitive)
    }

    /// The last build's report, when nothing changed since (no input was set to a new value,
    /// no output touched, the same output directory): then not even each page is looked at.
    fn unchanged_since_last_build(
        &self,
        revision: picante::Revision,
        restored: usize,
        outputs: &Outputs,
    ) -> Option<BuildReport> {
        let output = &outputs.dir().path;
        let last = self.last_build.lock();
        let (built, directory, last) = last.as_ref()?;
        (restored == 0 && *built == revision && directory == output && output.is_dir()).then(|| {
            BuildReport {
                pages: last.pages,
                unchanged: last.written + last.unchanged,
                errors: last.errors.clone(),
                ..BuildReport::default()
            }
        })
    }

    /// Saves the records of what was written (`cas.db`) and takes the `build.incomplete`
    /// marker down. A process that builds again and again (a dev server) saves while it does
    /// something else; the next build waits for it before it writes, so the marker never
    /// comes down over outputs that are not recorded yet. A one-shot build saves before it
    /// returns.
    fn save_records(&self, outputs: &Arc<Outputs>) -> Result<(), HostError> {
        if !self.watch_outputs {
            return outputs.finish(&self.cas);
        }
        let (outputs, cas) = (outputs.clone(), self.cas.clone());
        let saving = std::thread::Builder::new()
            .name("dodeca-save".into())
            .spawn(move || outputs.finish(&cas))
            .map_err(|e| HostError::io("start saving the cache", "", e))?;
        *self.saving.lock() = Some(saving);
        Ok(())
    }

    /// The output directory of this build (checked: see [`location::resolve`]), with what this
    /// process knows it wrote there.
    fn outputs_for(&self, config: &crate::SiteConfig) -> Result<Arc<Outputs>, HostError> {
        let dir = match &self.output {
            Some(dir) => location::resolve(&self.root, dir, Origin::CommandLine)?,
            None => {
                let configured = config.output_dir.as_deref().unwrap_or("public");
                location::resolve(&self.root, Path::new(configured), Origin::Config)?
            }
        };
        let mut current = self.outputs.lock();
        if let Some(outputs) = &*current
            && *outputs.dir() == dir
        {
            return Ok(outputs.clone());
        }
        let outputs = Arc::new(Outputs::new(dir, self.watch_outputs));
        *current = Some(outputs.clone());
        Ok(outputs)
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        // What the last build wrote must be recorded before the site goes.
        if let Err(error) = self.wait_for_save() {
            eprintln!("warning: {error}");
        }
    }
}
