//! A site on disk: loading it into the database, building it, writing the outputs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use picante::{HasRuntime, InputBatch};

use crate::SiteError;
use crate::cells::Cells;
use crate::db::{DataFile, Database};
use crate::error::site_error;
use crate::scan::{Listing, Scanner, files_under, read_texts};

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
    /// Queries executed in this build.
    pub executed: u64,
    /// Memos reused after checking (revalidated, or skipped by durability) in this build.
    pub reused: u64,
    /// Site errors; the pages without errors were still built and written.
    pub errors: Vec<SiteError>,
    /// Wall time.
    pub elapsed: Duration,
}

/// A failure of the build machinery itself (not of the site's content).
#[derive(Debug)]
pub struct HostError(pub(crate) String);

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HostError {}

/// A site: its database (kept between builds, so rebuilds are incremental), its CAS and its
/// output directory.
pub struct Site {
    root: PathBuf,
    output: Option<PathBuf>,
    db: Arc<Database>,
    cas: cas::Cas,
    /// The HTML last written per output: a render reused from its memo is the same `Arc`, so
    /// an unchanged page costs neither a hash nor a write.
    written: parking_lot::Mutex<std::collections::HashMap<String, Arc<String>>>,
    /// The outputs the last build left (relative paths, sorted); `None` before the first
    /// build, which takes them from `cas.db` (outputs of earlier runs).
    outputs: parking_lot::Mutex<Option<Vec<String>>>,
    /// The last complete build: the revision and output directory it built, and its report.
    /// A build at the same revision would find every memo valid and every output written.
    last_build: parking_lot::Mutex<Option<(picante::Revision, PathBuf, BuildReport)>>,
    /// Whether this build has put up the [`INCOMPLETE_MARKER`] (before its first write).
    writing: std::sync::atomic::AtomicBool,
    /// Whether to show progress on stderr while building.
    progress: bool,
    /// What the files looked like when last read, so a rescan reads only changed ones.
    scanner: Scanner,
}

/// What became of one content file in a build.
enum Outcome {
    /// A draft: not rendered.
    Draft,
    /// Parsing or rendering failed.
    Failed(Arc<picante::PicanteError>),
    /// Rendered to `rel`; whether the file was written (or already up to date).
    Built { rel: String, wrote: Result<bool, HostError> },
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

const NAME_PREFIX: &str = "output:";

/// Present in the cache directory while a build has written outputs whose hashes are not yet
/// saved in `cas.db`. Found when a site is opened, it means a build was cut short (a crash, a
/// kill): `cas.db` may then name an old hash for a file that holds newer bytes, and a later
/// render back to the old content would be taken as already written. So every output's hash
/// is forgotten then, and the next build writes every output afresh.
const INCOMPLETE_MARKER: &str = "build.incomplete";

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
            return Err(HostError(format!(
                "{} is not a site: it has no dodeca.toml (create one with `dodeca-host init DIR`)",
                root.display()
            )));
        }
        let cas = cas::Cas::open(root.join(".cache")).map_err(|e| {
            HostError(format!("cannot open the cache in {}: {e}", root.join(".cache").display()))
        })?;
        forget_outputs_of_an_interrupted_build(&cas)?;
        Ok(Site {
            root: root.to_path_buf(),
            output: None,
            db: Arc::new(Database::new(cells)),
            cas,
            written: parking_lot::Mutex::new(std::collections::HashMap::new()),
            outputs: parking_lot::Mutex::new(None),
            last_build: parking_lot::Mutex::new(None),
            writing: std::sync::atomic::AtomicBool::new(false),
            progress: false,
            scanner: Scanner::default(),
        })
    }

    /// Shows progress (phase and count) on stderr while building; for terminals.
    pub fn set_progress(&mut self, show: bool) {
        self.progress = show;
    }

    /// Writes the output to `dir` instead of the configured one.
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
        self.db.cells.stop_all();
        std::mem::forget(self);
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
        let mut content = files_under(&self.root.join("content"), "md", threads)?;
        let mut templates = files_under(&self.root.join("templates"), "", threads)?;
        let mut data = files_under(&self.root.join("data"), "", threads)?;
        data.files.retain(|found| {
            found
                .rel
                .rsplit_once('.')
                .is_some_and(|(_, ext)| crate::values::Syntax::from_extension(ext).is_some())
        });
        let mut config = Listing::single(&self.root, "dodeca.toml");
        let mut statics = files_under(&self.root.join("static"), "", threads)?;
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
        let previous = db.content_list.get(db, &()).map_err(|e| HostError(e.to_string()))?;
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
                .map_err(|e| HostError(format!("cannot store {}: {e}", path.display())))?;
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

    /// Sets the content file `rel` (relative to `content/`) from disk, the way a file watcher
    /// reports one change, without rescanning the site.
    ///
    /// # Errors
    ///
    /// When the file cannot be read (a deleted file is removed).
    pub fn content_changed(&self, rel: &str) -> Result<(), HostError> {
        let path = self.root.join("content").join(rel);
        let db = &*self.db;
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                self.scanner.forget(&path);
                db.content.set(db, rel.to_string(), text);
                Ok(())
            }
            Err(e) => Err(HostError(format!("cannot read {}: {e}", path.display()))),
        }
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
        let renders_before = self.db.renders.load(Ordering::Relaxed);
        let db = &*self.db;
        let config = pollster::block_on(db.config.get(db, ())).map_err(|e| {
            HostError(site_error(&e).map_or_else(|| e.to_string(), ToString::to_string))
        })?;
        let output = self
            .output
            .clone()
            .unwrap_or_else(|| self.root.join(config.output_dir.as_deref().unwrap_or("public")));

        // An output directory deleted since the last build: what this process remembers
        // writing is gone, so every output is checked against the disk again.
        if !output.is_dir() {
            self.written.lock().clear();
        }
        // Nothing changed since the last build (no input was set to a new value): its
        // outputs are all in place, so do not even look at each page. A changed input, a
        // different output directory or a deleted one builds as usual.
        let revision = db.runtime().current_revision();
        if let Some((built, directory, last)) = &*self.last_build.lock()
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
        let phase = |name: &str, since: Instant| {
            if std::env::var_os("DODECA_PHASES").is_some() {
                eprintln!("phase {name}: {:.2} ms", since.elapsed().as_secs_f64() * 1e3);
            }
        };
        let t = Instant::now();
        let paths =
            db.content_list.get(db, &()).map_err(|e| HostError(e.to_string()))?.unwrap_or_default();
        // Each page goes through parsing (markdown cell), rendering (template cell) and
        // writing in one pipeline, many pages in flight per thread: the two cells and the
        // file system work at once instead of phase after phase.
        progress.start("building", paths.len());
        let in_flight = std::env::var("DODECA_IN_FLIGHT")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(IN_FLIGHT);
        let outcomes = crate::exec::run_all(jobs, in_flight, &paths, |path| {
            let (page, path, output) = (db.page.get(db, path.clone()), path.clone(), &output);
            async move {
                let outcome = match page.await {
                    Err(error) => Outcome::Failed(error),
                    Ok(page) if page.meta.draft => Outcome::Draft,
                    Ok(page) => match db.render.get(db, path).await {
                        Err(error) => Outcome::Failed(error),
                        Ok(html) => {
                            let rel = format!("{}index.html", page.route.trim_start_matches('/'));
                            let wrote = self.write_if_changed(output, &rel, html);
                            Outcome::Built { rel, wrote }
                        }
                    },
                };
                progress.done.fetch_add(1, Ordering::Relaxed);
                outcome
            }
        });
        phase("pages", t);
        let t = Instant::now();
        let mut report = BuildReport::default();
        let mut live = Vec::new();
        for outcome in outcomes {
            match outcome {
                Outcome::Draft => {}
                Outcome::Failed(error) => report.errors.push(self.site_error_of(&error)?),
                Outcome::Built { rel, wrote } => {
                    report.pages += 1;
                    if wrote? {
                        report.written += 1;
                    } else {
                        report.unchanged += 1;
                    }
                    live.push(rel);
                }
            }
        }
        for rel in db.statics.keys() {
            let Some(hash) = db.statics.get(db, &rel).map_err(|e| HostError(e.to_string()))? else {
                continue;
            };
            let Some(blob) = self.cas.get(&hash).map_err(|e| HostError(format!("cache: {e}")))?
            else {
                // Its blob was deleted from the cache: the next load stores the file again.
                self.scanner.forget(&self.root.join("static").join(&rel));
                return Err(HostError(format!(
                    "static/{rel} vanished from the cache; build again"
                )));
            };
            if self.write_output(&output, &rel, &blob)? {
                report.written += 1;
            } else {
                report.unchanged += 1;
            }
            live.push(rel);
        }
        phase("write", t);
        let t = Instant::now();
        live.sort_unstable();
        report.removed = self.remove_stale_outputs(&output, live)?;
        phase("remove", t);
        let t = Instant::now();
        self.cas.flush().map_err(|e| HostError(format!("cannot save the cache: {e}")))?;
        if self.writing.swap(false, Ordering::AcqRel) {
            let marker = self.cas.root().join(INCOMPLETE_MARKER);
            std::fs::remove_file(&marker)
                .map_err(|e| HostError(format!("cannot remove {}: {e}", marker.display())))?;
        }
        phase("flush", t);
        let stats = self.db_stats();
        report.executed = stats.executed - stats_before.executed;
        report.reused = (stats.revalidated + stats.durability_skips)
            - (stats_before.revalidated + stats_before.durability_skips);
        report.renders = self.db.renders.load(Ordering::Relaxed) - renders_before;
        report.elapsed = started.elapsed();
        *self.last_build.lock() = Some((revision, output, report.clone()));
        Ok(report)
    }

    fn db_stats(&self) -> picante::RuntimeStats {
        self.db.runtime().stats()
    }

    /// A query error as a site error; errors of the machinery (a missing cell) fail the build.
    fn site_error_of(&self, error: &picante::PicanteError) -> Result<SiteError, HostError> {
        match site_error(error) {
            Some(site) => {
                if site.message.contains("cell binary `") && site.message.contains("not found") {
                    return Err(HostError(site.message.clone()));
                }
                Ok(site.clone())
            }
            None => Ok(SiteError::in_file("", error.to_string())),
        }
    }

    /// Writes a rendered page unless it is the very render written last time (a reused memo
    /// is the same `Arc`), or the cache says the file already holds it. Returns whether it
    /// wrote.
    fn write_if_changed(
        &self,
        output: &Path,
        rel: &str,
        html: Arc<String>,
    ) -> Result<bool, HostError> {
        if self.written.lock().get(rel).is_some_and(|last| Arc::ptr_eq(last, &html)) {
            return Ok(false);
        }
        let wrote = self.write_output(output, rel, html.as_bytes())?;
        self.written.lock().insert(rel.to_string(), html);
        Ok(wrote)
    }

    /// Writes `bytes` to `output/rel` unless the cache says it already holds them. Returns
    /// whether it wrote.
    fn write_output(&self, output: &Path, rel: &str, bytes: &[u8]) -> Result<bool, HostError> {
        let hash = cas::ContentHash::of(bytes);
        let path = output.join(rel);
        let name = format!("{NAME_PREFIX}{rel}");
        let recorded = self.cas.get_name(&name);
        if recorded == Some(hash) && path.is_file() {
            return Ok(false);
        }
        let fail = |e: std::io::Error| HostError(format!("cannot write {}: {e}", path.display()));
        self.mark_writing()?;
        // An output this cache never recorded is most likely new (a cold build): create it in
        // place, with its directory. Nobody can be reading a file that did not exist, and if
        // the write is cut short its hash was never recorded, so the next build rewrites it.
        // That costs no `stat` and half the system calls of a replacement. A file that is
        // there after all (left by something else) is replaced as below.
        if recorded.is_none() {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(fail)?;
            }
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    std::io::Write::write_all(&mut file, bytes).map_err(fail)?;
                    self.cas.set_name(&name, hash);
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(fail(e)),
            }
        }
        // Replacing a file: temporary file, then rename, so that a reader (a server, a
        // browser) never sees half a page.
        let mut temporary = path.clone().into_os_string();
        temporary.push(".dodeca-tmp");
        let temporary = PathBuf::from(temporary);
        match std::fs::write(&temporary, bytes) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                // Its directory went away since the last build.
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(fail)?;
                }
                std::fs::write(&temporary, bytes).map_err(fail)?;
            }
            written => written.map_err(fail)?,
        }
        std::fs::rename(&temporary, &path).map_err(fail)?;
        self.cas.set_name(&name, hash);
        Ok(true)
    }

    /// Puts up the [`INCOMPLETE_MARKER`] before this build's first write.
    fn mark_writing(&self) -> Result<(), HostError> {
        if self.writing.load(Ordering::Acquire) {
            return Ok(());
        }
        let _one_at_a_time = self.outputs.lock();
        if !self.writing.load(Ordering::Acquire) {
            let marker = self.cas.root().join(INCOMPLETE_MARKER);
            std::fs::write(&marker, b"a build is writing outputs\n")
                .map_err(|e| HostError(format!("cannot write {}: {e}", marker.display())))?;
            self.writing.store(true, Ordering::Release);
        }
        Ok(())
    }

    /// Removes the outputs of the previous build that are not in `live` (sorted).
    fn remove_stale_outputs(&self, output: &Path, live: Vec<String>) -> Result<usize, HostError> {
        let mut outputs = self.outputs.lock();
        let previous = outputs.take().unwrap_or_else(|| {
            let mut known: Vec<String> = self
                .cas
                .names()
                .into_iter()
                .filter_map(|(name, _)| name.strip_prefix(NAME_PREFIX).map(str::to_string))
                .collect();
            known.sort_unstable();
            known
        });
        let mut removed = 0;
        // Usually the same outputs as last time (an edit): one pass tells, and nothing goes.
        if previous != live {
            // Both sorted: walk them together.
            let mut still = live.iter().peekable();
            for rel in previous {
                while still.next_if(|next| **next < rel).is_some() {}
                if still.peek().is_some_and(|next| **next == rel) {
                    continue;
                }
                removed += self.remove_output(output, &rel)?;
            }
        }
        *outputs = Some(live);
        Ok(removed)
    }

    /// Removes one output of an earlier build (and its directory, if that is now empty).
    fn remove_output(&self, output: &Path, rel: &str) -> Result<usize, HostError> {
        self.written.lock().remove(rel);
        let path = output.join(rel);
        let removed = match std::fs::remove_file(&path) {
            Ok(()) => 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(HostError(format!("cannot remove {}: {e}", path.display()))),
        };
        if let Some(dir) = path.parent() {
            let _ = std::fs::remove_dir(dir); // only if now empty
        }
        self.cas.remove_name(&format!("{NAME_PREFIX}{rel}"));
        Ok(removed)
    }
}

/// After a build that was cut short (see [`INCOMPLETE_MARKER`]): forgets every output's hash,
/// so the next build writes them all.
fn forget_outputs_of_an_interrupted_build(cas: &cas::Cas) -> Result<(), HostError> {
    let marker = cas.root().join(INCOMPLETE_MARKER);
    if !marker.exists() {
        return Ok(());
    }
    for (name, _) in cas.names() {
        if name.starts_with(NAME_PREFIX) {
            cas.remove_name(&name);
        }
    }
    cas.flush().map_err(|e| HostError(format!("cannot save the cache: {e}")))?;
    std::fs::remove_file(&marker)
        .map_err(|e| HostError(format!("cannot remove {}: {e}", marker.display())))
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
