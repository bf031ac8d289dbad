//! A site on disk: loading it into the database, building it, writing the outputs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use picante::{HasRuntime, InputBatch};

use crate::HostError;
use crate::SiteError;
use crate::cells::CellError;
use crate::cells::Cells;
use crate::db::{DataFile, Database, PageOutput, page_output};
use crate::error::{cell_error, site_error};
use crate::output::location::{self, Origin};
use crate::output::{Outputs, forget_stamps_of_an_interrupted_build};
use crate::scan::{Listing, ScanPolicy, Scanner, files_under, read_texts};

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
    /// Things the user should know that did not fail the build (an old output left in place
    /// because it was changed by hand).
    pub warnings: Vec<String>,
    /// Wall time.
    pub elapsed: Duration,
}

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
}

/// What became of one content file in a build.
enum Outcome {
    /// A draft: not rendered.
    Draft,
    /// Parsing or rendering failed.
    Failed(Arc<picante::PicanteError>),
    /// Its route is refused (reported once, from the `routes` query): not built.
    Refused,
    /// Rendered; whether the file was written (or already up to date).
    Built { output: Arc<PageOutput>, wrote: Result<bool, HostError> },
}

/// Progress of the current phase, shown by a reporter thread while a build runs.
#[derive(Default)]
struct Progress {
    phase: parking_lot::Mutex<&'static str>,
    done: AtomicUsize,
    total: AtomicUsize,
}

impl Progress {
    fn start(&self, phase: &'static str, total: usize) {
        *self.phase.lock() = phase;
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }
}

/// Pages each build thread keeps in progress at once (`DODECA_IN_FLIGHT` overrides it): enough
/// that the cells always have requests queued while replies travel back, so hand-offs rarely
/// need a wake-up. Measured on 10,000 pages and two cores (the CLI's cold build): 8 in flight
/// 0.49 s, 16 0.43 s, 32 0.38 s, 64 0.34 s, 128 0.32 s, 1024 0.35 s. A render blocked on a
/// callback holds one of the cell's threads, so this also bounds those; past 64 the gain is
/// small.
const IN_FLIGHT: usize = 64;

impl Site {
    /// Opens the site at `root` with cells found the usual way (next to this executable or in
    /// `DODECA_CELL_PATH`).
    ///
    /// # Errors
    ///
    /// When `root` has no `dodeca.toml`, or the cache cannot be opened.
    pub fn open(root: &Path) -> Result<Site, HostError> {
        Site::open_with(root, Cells::from_environment())
    }

    /// Opens the site at `root` with `cells`.
    ///
    /// # Errors
    ///
    /// As [`open`](Self::open).
    pub fn open_with(root: &Path, cells: Cells) -> Result<Site, HostError> {
        if !root.join("dodeca.toml").is_file() {
            return Err(HostError::NotASite(root.to_path_buf()));
        }
        let cas = cas::Cas::open(root.join(".cache")).map_err(|e| {
            HostError::cache(format!("open the cache in {}", root.join(".cache").display()), e)
        })?;
        forget_stamps_of_an_interrupted_build(&cas)?;
        Ok(Site {
            root: root.to_path_buf(),
            output: None,
            db: Arc::new(Database::new(cells)),
            cas: Arc::new(cas),
            saving: parking_lot::Mutex::new(None),
            outputs: parking_lot::Mutex::new(None),
            last_build: parking_lot::Mutex::new(None),
            progress: false,
            watch_outputs: true,
            scanner: Scanner::default(),
        })
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

    /// Reads the site's files into the database (one revision for all changes).
    ///
    /// # Errors
    ///
    /// When a directory or file cannot be read.
    pub fn load(&self) -> Result<(), HostError> {
        let db = &*self.db;
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        // Before anything is listed: stamps taken after this are trusted only if well before it.
        let started = std::time::SystemTime::now();
        // Whether links may lead outside the site is decided before anything is read through
        // one, so the config is read for it first (a config that does not parse says no; the
        // build reports its error).
        let follow_outside = std::fs::read_to_string(self.root.join("dodeca.toml"))
            .ok()
            .and_then(|text| crate::config::parse(&text).ok())
            .is_some_and(|config| config.follow_outside_symlinks);
        let policy = ScanPolicy::new(&self.root, follow_outside)?;
        let mut content = files_under(&self.root.join("content"), "md", threads, &policy)?;
        let mut templates = files_under(&self.root.join("templates"), "", threads, &policy)?;
        let mut data = files_under(&self.root.join("data"), "", threads, &policy)?;
        data.files.retain(|found| {
            found
                .rel
                .rsplit_once('.')
                .is_some_and(|(_, ext)| crate::values::Syntax::from_extension(ext).is_some())
        });
        let mut config = Listing::single(&self.root, "dodeca.toml");
        let mut statics = files_under(&self.root.join("static"), "", threads, &policy)?;
        // Every file in one scan: only those whose stamp changed are read (or, for static
        // files, stored in the CAS).
        let changed = self.scanner.changed(
            &mut [&mut config, &mut content, &mut templates, &mut data, &mut statics],
            started,
        );
        let config_text = read_texts(&config, &changed[0], threads)?;
        let content_texts = read_texts(&content, &changed[1], threads)?;
        let template_texts = read_texts(&templates, &changed[2], threads)?;
        let data_texts = read_texts(&data, &changed[3], threads)?;

        let mut batch = InputBatch::new();
        if let Some(Some(text)) = config_text.into_iter().next() {
            batch.set(&db.config_text, (), text);
        }
        // The list of pages is set only when it changed, and only then are the pages that
        // left it looked for: a rescan of an unchanged site compares it once.
        let previous = db.content_list.get(db, &()).map_err(HostError::Query)?;
        let unchanged = previous.as_ref().is_some_and(|list| {
            list.len() == content.files.len()
                && list.iter().zip(&content.files).all(|(old, found)| *old == found.rel)
        });
        if !unchanged {
            let listed: Vec<String> = content.files.iter().map(|found| found.rel.clone()).collect();
            for old in previous.iter().flat_map(|list| list.iter()) {
                if listed.binary_search(old).is_err() {
                    batch.remove(&db.content, old.clone());
                }
            }
            batch.set(&db.content_list, (), Arc::new(listed));
        }
        for (found, text) in content.files.iter().zip(content_texts) {
            if let Some(text) = text {
                batch.set(&db.content, found.rel.clone(), text);
            }
        }

        for old in db.templates.keys() {
            if !templates.files.iter().any(|found| found.rel == old) {
                batch.remove(&db.templates, old);
            }
        }
        for (found, text) in templates.files.iter().zip(template_texts) {
            if let Some(text) = text {
                batch.set_with_durability(
                    &db.templates,
                    found.rel.clone(),
                    text,
                    picante::Durability::High,
                );
            }
        }

        let mut stems = Vec::new();
        for (found, text) in data.files.iter().zip(data_texts) {
            let Some((stem, extension)) = found.rel.rsplit_once('.') else { continue };
            stems.push(stem.to_string());
            if let Some(text) = text {
                let file = DataFile { extension: extension.into(), text };
                batch.set(&db.data_files, stem.to_string(), file);
            }
        }
        for old in db.data_files.keys() {
            if !stems.contains(&old) {
                batch.remove(&db.data_files, old);
            }
        }

        // Static files: their bytes go to the CAS, their hashes to the database.
        for old in db.statics.keys() {
            if !statics.files.iter().any(|found| found.rel == old) {
                batch.remove(&db.statics, old);
            }
        }
        for (found, _) in statics.files.iter().zip(&changed[4]).filter(|(_, changed)| **changed) {
            let path = statics.path(found);
            let hash = self
                .cas
                .put_file(&path)
                .map_err(|e| HostError::cache(format!("store {}", path.display()), e))?;
            batch.set(&db.statics, found.rel.clone(), hash);
        }
        batch.commit(db);
        self.scanner.remember(vec![config, content, templates, data, statics]);
        Ok(())
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
        std::thread::scope(|scope| {
            // The first build of a site parses and renders every page: the cells it needs
            // start while the site is read, instead of one after the other on the first
            // calls (about a millisecond each, with every build thread waiting).
            if self.last_build.lock().is_none() && self.root.join("content").is_dir() {
                scope.spawn(|| {
                    self.db.cells.start(&[&self.db.cells.markdown, &self.db.cells.template])
                });
            }
            self.load()
        })?;
        if std::env::var_os("DODECA_PHASES").is_some() {
            eprintln!("phase load: {:.2} ms", started.elapsed().as_secs_f64() * 1e3);
        }
        let mut report = self.build_loaded(jobs)?;
        report.elapsed = started.elapsed();
        Ok(report)
    }

    /// Reads the content file `rel` (relative to `content/`) from disk, the way a file watcher
    /// reports one change, without rescanning the site: an edited file is read again, a new
    /// one joins the list of pages, and a deleted one leaves it (its output is removed by the
    /// next build).
    ///
    /// # Errors
    ///
    /// When `rel` is not a content file's path (a plain relative path ending in `.md`), or the
    /// file is there but cannot be read.
    pub fn content_changed(&self, rel: &str) -> Result<(), HostError> {
        let plain = crate::output::records::is_plain_relative(rel);
        let named = rel.rsplit('/').next().and_then(|name| name.strip_suffix(".md"));
        if !plain || named.is_none_or(str::is_empty) {
            return Err(HostError::NotContent(rel.to_string()));
        }
        let path = self.root.join("content").join(rel);
        let db = &*self.db;
        self.scanner.forget(&path);
        let list = db.content_list.get(db, &()).map_err(HostError::Query)?.unwrap_or_default();
        let listed = list.binary_search_by(|listed| listed.as_str().cmp(rel));
        let mut batch = InputBatch::new();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                if let Err(at) = listed {
                    let mut list = list.as_ref().clone();
                    list.insert(at, rel.to_string());
                    batch.set(&db.content_list, (), Arc::new(list));
                }
                batch.set(&db.content, rel.to_string(), text);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Ok(at) = listed {
                    let mut list = list.as_ref().clone();
                    list.remove(at);
                    batch.set(&db.content_list, (), Arc::new(list));
                    batch.remove(&db.content, rel.to_string());
                }
            }
            Err(e) => return Err(HostError::io("read", path, e)),
        }
        batch.commit(db);
        Ok(())
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
            let result = self.build_phases(jobs, &progress);
            finished.store(true, Ordering::Release);
            result
        })
    }

    fn build_phases(&self, jobs: usize, progress: &Progress) -> Result<BuildReport, HostError> {
        let started = Instant::now();
        let stats_before = self.db_stats();
        // Renders outside a build (none today) are not this build's.
        self.db.rendered.lock().clear();
        let renders_before = self.db.renders.load(Ordering::Relaxed);
        let traffic_before = self.db.traffic.snapshot();
        let db = &*self.db;
        let config = pollster::block_on(db.config.get(db, ())).map_err(HostError::from_query)?;
        let outputs = self.outputs_for(&config)?;
        let output = outputs.dir().path.clone();
        // Names that differ only in case are one file on some file systems: routes are
        // checked by the rule of the one written to.
        let case_insensitive = outputs.case_insensitive()?;
        if db.case_insensitive_output.get(db, &()).map_err(HostError::Query)?
            != Some(case_insensitive)
        {
            db.case_insensitive_output.set(db, (), case_insensitive);
        }
        // Outputs changed, replaced or deleted since this process wrote them (by hand, by
        // another program) are forgotten, so this build writes them again.
        let t = Instant::now();
        let restored = outputs.sweep(jobs);
        if std::env::var_os("DODECA_PHASES").is_some() {
            eprintln!("phase sweep: {:.2} ms", t.elapsed().as_secs_f64() * 1e3);
        }

        // Nothing changed since the last build (no input was set to a new value, every
        // output is as written): do not even look at each page. A changed input, a different
        // output directory or a touched output builds as usual.
        let revision = db.runtime().current_revision();
        if restored == 0
            && let Some((built, directory, last)) = &*self.last_build.lock()
            && *built == revision
            && *directory == output
            && output.is_dir()
        {
            return Ok(BuildReport {
                pages: last.pages,
                unchanged: last.written + last.unchanged,
                errors: last.errors.clone(),
                elapsed: started.elapsed(),
                ..BuildReport::default()
            });
        }
        // About to write: the last build's records must be saved first (see the end).
        self.wait_for_save()?;
        let phase = |name: &str, since: Instant| {
            if std::env::var_os("DODECA_PHASES").is_some() {
                eprintln!("phase {name}: {:.2} ms", since.elapsed().as_secs_f64() * 1e3);
            }
        };
        let t = Instant::now();
        let paths = db.content_list.get(db, &()).map_err(HostError::Query)?.unwrap_or_default();
        let routes = pollster::block_on(db.routes.get(db, ())).map_err(HostError::Query)?;
        phase("routes", t);
        // Each page goes through parsing (markdown cell), rendering (template cell) and
        // writing in one pipeline, many pages in flight per thread: the two cells and the
        // file system work at once instead of phase after phase.
        progress.start("building", paths.len());
        let in_flight = std::env::var("DODECA_IN_FLIGHT")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(IN_FLIGHT);
        let outcomes = crate::exec::run_all(jobs, in_flight, &paths, |path| {
            let (refused, outputs) = (routes.refuses(path), &outputs);
            async move {
                let outcome = if refused {
                    Outcome::Refused
                } else {
                    // By reference: a memo hit copies no key.
                    match db.render.get_ref(db, path.as_str()).await {
                        Err(error) => Outcome::Failed(error),
                        Ok(None) => Outcome::Draft,
                        Ok(Some(output)) => {
                            let wrote = outputs.write_page(&self.cas, &output);
                            Outcome::Built { output, wrote }
                        }
                    }
                };
                progress.done.fetch_add(1, Ordering::Relaxed);
                outcome
            }
        });
        phase("pages", t);
        let t = Instant::now();
        let mut report = BuildReport::default();
        for problem in &routes.problems {
            let file = format!("content/{}", problem.paths[0]);
            report.errors.push(SiteError::in_file(file, problem.message.clone()));
        }
        let mut live = Vec::with_capacity(paths.len());
        for (path, outcome) in paths.iter().zip(outcomes) {
            match outcome {
                Outcome::Draft | Outcome::Refused => {}
                Outcome::Failed(error) => report.errors.push(page_error(path, &error)?),
                Outcome::Built { output, wrote } => {
                    report.pages += 1;
                    if wrote? {
                        report.written += 1;
                        report.written_files.push(output.rel.clone());
                    } else {
                        report.unchanged += 1;
                    }
                    live.push(output.rel.clone());
                }
            }
        }
        live.sort_unstable();
        let statics = self.write_statics(&outputs, &live, &paths, case_insensitive, &mut report)?;
        live.extend(statics);
        phase("write", t);
        let t = Instant::now();
        live.sort_unstable();
        report.removed = outputs.remove_stale(&self.cas, live, &mut report.warnings)?;
        phase("remove", t);
        let t = Instant::now();
        if self.watch_outputs {
            // A process that builds again and again (a dev server): the outputs are written,
            // and `cas.db` is saved while it does something else; the next build waits for it
            // before it writes (so the `build.incomplete` marker is never taken down over
            // outputs that are not recorded yet). A one-shot build saves before it returns.
            let (outputs, cas) = (outputs.clone(), self.cas.clone());
            let saving = std::thread::Builder::new()
                .name("dodeca-save".into())
                .spawn(move || outputs.finish(&cas))
                .map_err(|e| HostError::io("start saving the cache", "", e))?;
            *self.saving.lock() = Some(saving);
        } else {
            outputs.finish(&self.cas)?;
        }
        phase("flush", t);
        let stats = self.db_stats();
        report.executed = stats.executed - stats_before.executed;
        report.reused = (stats.revalidated + stats.durability_skips)
            - (stats_before.revalidated + stats_before.durability_skips);
        report.renders = self.db.renders.load(Ordering::Relaxed) - renders_before;
        report.rendered = std::mem::take(&mut *self.db.rendered.lock());
        report.rendered.sort_unstable();
        report.written_files.sort_unstable();
        let traffic = self.db.traffic.snapshot();
        report.callbacks = traffic.0 - traffic_before.0;
        report.cached_reads = traffic.1 - traffic_before.1;
        report.bytes_to_template = traffic.2 - traffic_before.2;
        report.elapsed = started.elapsed();
        *self.last_build.lock() = Some((revision, output, report.clone()));
        Ok(report)
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

    /// Copies the static files into the output (those not already there). A static file whose
    /// output is a page's (`static/about/index.html` and `content/about.md`), or, on a file
    /// system that ignores case, another static file's, is an error naming both and is not
    /// written. Returns the outputs written or up to date.
    fn write_statics(
        &self,
        outputs: &Outputs,
        pages: &[String],
        paths: &[String],
        case_insensitive: bool,
        report: &mut BuildReport,
    ) -> Result<Vec<String>, HostError> {
        let db = &*self.db;
        let mut statics = db.statics.keys();
        statics.sort_unstable();
        // Only a static file named `index.html` can have a page's output (`<route>index.html`,
        // `pages` sorted); the content file is looked for only then.
        let page_of = |rel: &str| -> Option<&String> {
            let output = if case_insensitive {
                let wanted = rel.to_lowercase();
                pages.iter().find(|page| page.to_lowercase() == wanted)?
            } else {
                &pages[pages.binary_search_by(|page| page.as_str().cmp(rel)).ok()?]
            };
            // Rare (an error): the pages are asked again, each a memo already valid.
            paths.iter().find(|path| {
                pollster::block_on(db.page.get(db, (*path).clone()))
                    .is_ok_and(|page| page_output(&page.route) == *output)
            })
        };
        let mut folded: std::collections::HashMap<String, String> =
            std::collections::HashMap::new();
        let mut live = Vec::with_capacity(statics.len());
        for rel in statics {
            let Some(hash) = db.statics.get(db, &rel).map_err(HostError::Query)? else {
                continue;
            };
            if rel.to_ascii_lowercase().ends_with("index.html")
                && let Some(page) = page_of(&rel)
            {
                report.errors.push(SiteError::in_file(
                    format!("static/{rel}"),
                    format!(
                        "has the same output as content/{page} ({}); rename or remove one",
                        outputs.dir().path.join(&rel).display()
                    ),
                ));
                continue;
            }
            if case_insensitive && let Some(other) = folded.insert(rel.to_lowercase(), rel.clone())
            {
                report.errors.push(SiteError::in_file(
                    format!("static/{rel}"),
                    format!(
                        "and static/{other} differ only in letter case, and the output \
                         directory's file system does not tell them apart; rename one"
                    ),
                ));
                continue;
            }
            match outputs.write_static(&self.cas, &rel, hash)? {
                Some(true) => {
                    report.written += 1;
                    report.written_files.push(rel.clone());
                }
                Some(false) => report.unchanged += 1,
                None => {
                    // Its blob was deleted from the cache: the next load stores the file again.
                    self.scanner.forget(&self.root.join("static").join(&rel));
                    return Err(HostError::StaticVanished(rel));
                }
            }
            live.push(rel);
        }
        Ok(live)
    }

    fn db_stats(&self) -> picante::RuntimeStats {
        self.db.runtime().stats()
    }
}

/// The failure of the page at `path` (under `content/`) as a site error. A missing cell
/// binary fails the whole build instead: every page needs it. A cell that failed on this page
/// (it died twice on it) is this page's error.
fn page_error(path: &str, error: &picante::PicanteError) -> Result<SiteError, HostError> {
    if let Some(site) = site_error(error) {
        return Ok(site.clone());
    }
    match cell_error(error) {
        Some(missing @ CellError::Missing { .. }) => Err(HostError::Cell(missing.clone())),
        _ => Ok(SiteError::in_file(format!("content/{path}"), error.to_string())),
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

/// Prints the phase and count on one stderr line, ten times a second, until `finished`.
fn report_progress(progress: &Progress, finished: &std::sync::atomic::AtomicBool) {
    use std::io::Write;
    let mut shown = false;
    while !finished.load(Ordering::Acquire) {
        std::thread::sleep(Duration::from_millis(100));
        let (phase, done, total) = (
            *progress.phase.lock(),
            progress.done.load(Ordering::Relaxed),
            progress.total.load(Ordering::Relaxed),
        );
        if !phase.is_empty() && total > 0 {
            let _ = write!(std::io::stderr(), "\r\x1b[K{phase} {done}/{total}");
            shown = true;
        }
    }
    if shown {
        let _ = write!(std::io::stderr(), "\r\x1b[K");
    }
}
