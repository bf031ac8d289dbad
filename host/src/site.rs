//! A site on disk: loading it into the database, building it, writing the outputs.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use picante::InputBatch;

use crate::SiteError;
use crate::cells::Cells;
use crate::db::{DataFile, Database};
use crate::error::site_error;

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
    /// Whether to show progress on stderr while building.
    progress: bool,
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

/// Queries each build thread keeps in progress at once: enough that the cells always have
/// requests queued while replies travel back, few enough that a cell's handler threads stay
/// few when renders wait on callbacks.
const IN_FLIGHT: usize = 16;

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
        Ok(Site {
            root: root.to_path_buf(),
            output: None,
            db: Arc::new(Database::new(cells)),
            cas,
            written: parking_lot::Mutex::new(std::collections::HashMap::new()),
            outputs: parking_lot::Mutex::new(None),
            progress: false,
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

    /// Reads the site's files into the database (one revision for all changes).
    ///
    /// # Errors
    ///
    /// When a directory or file cannot be read.
    pub fn load(&self) -> Result<(), HostError> {
        let db = &*self.db;
        let read = |path: &Path| {
            std::fs::read_to_string(path)
                .map_err(|e| HostError(format!("cannot read {}: {e}", path.display())))
        };
        let mut batch = InputBatch::new();
        batch.set(&db.config_text, (), read(&self.root.join("dodeca.toml"))?);

        let content = files_under(&self.root.join("content"), "md")?;
        let listed: Vec<String> = content.iter().map(|(rel, _)| rel.clone()).collect();
        for old in db.content.keys() {
            if listed.binary_search(&old).is_err() {
                batch.remove(&db.content, old);
            }
        }
        for (rel, path) in &content {
            batch.set(&db.content, rel.clone(), read(path)?);
        }
        batch.set(&db.content_list, (), listed);

        let templates = files_under(&self.root.join("templates"), "")?;
        let names: Vec<&String> = templates.iter().map(|(rel, _)| rel).collect();
        for old in db.templates.keys() {
            if !names.contains(&&old) {
                batch.remove(&db.templates, old);
            }
        }
        for (rel, path) in &templates {
            batch.set_with_durability(
                &db.templates,
                rel.clone(),
                read(path)?,
                picante::Durability::High,
            );
        }

        let data = files_under(&self.root.join("data"), "")?;
        let mut stems = Vec::new();
        for (rel, path) in &data {
            let Some((stem, extension)) = rel.rsplit_once('.') else { continue };
            if crate::values::Syntax::from_extension(extension).is_none() {
                continue;
            }
            stems.push(stem.to_string());
            batch.set(
                &db.data_files,
                stem.to_string(),
                DataFile { extension: extension.into(), text: read(path)? },
            );
        }
        for old in db.data_files.keys() {
            if !stems.contains(&old) {
                batch.remove(&db.data_files, old);
            }
        }

        // Static files: their bytes go to the CAS, their hashes to the database.
        let statics = files_under(&self.root.join("static"), "")?;
        let rels: Vec<&String> = statics.iter().map(|(rel, _)| rel).collect();
        for old in db.statics.keys() {
            if !rels.contains(&&old) {
                batch.remove(&db.statics, old);
            }
        }
        for (rel, path) in &statics {
            let hash = self
                .cas
                .put_file(path)
                .map_err(|e| HostError(format!("cannot store {}: {e}", path.display())))?;
            batch.set(&db.statics, rel.clone(), hash);
        }
        batch.commit(db);
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
        self.load()?;
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

        let phase = |name: &str, since: Instant| {
            if std::env::var_os("DODECA_PHASES").is_some() {
                eprintln!("phase {name}: {:.2} ms", since.elapsed().as_secs_f64() * 1e3);
            }
        };
        let t = Instant::now();
        let paths =
            db.content_list.get(db, &()).map_err(|e| HostError(e.to_string()))?.unwrap_or_default();
        // Parse every page in parallel (markdown cell calls), then render every page that
        // parsed and is not a draft, in parallel (template cell calls).
        progress.start("parsing", paths.len());
        let parsed = crate::exec::run_all(jobs, IN_FLIGHT, &paths, |path| {
            let query = db.page.get(db, path.clone());
            async move {
                let page = query.await;
                progress.done.fetch_add(1, Ordering::Relaxed);
                page
            }
        });
        let mut report = BuildReport::default();
        let mut to_render = Vec::new();
        for (path, result) in paths.iter().zip(parsed) {
            match result {
                Ok(page) if page.meta.draft => {}
                Ok(page) => {
                    let rel = format!("{}index.html", page.route.trim_start_matches('/'));
                    to_render.push((path.clone(), rel));
                }
                Err(error) => report.errors.push(self.site_error_of(&error)?),
            }
        }
        phase("parse", t);
        let t = Instant::now();
        progress.start("rendering", to_render.len());
        let rendered = crate::exec::run_all(jobs, IN_FLIGHT, &to_render, |(path, _)| {
            let query = db.render.get(db, path.clone());
            async move {
                let html = query.await;
                progress.done.fetch_add(1, Ordering::Relaxed);
                html
            }
        });
        phase("render", t);
        let t = Instant::now();

        let mut live = Vec::new();
        // Which outputs changed: a reused render is the same `Arc` as last time.
        let mut changed: Vec<(String, Arc<String>)> = Vec::new();
        {
            let written = self.written.lock();
            for ((_, rel), result) in to_render.into_iter().zip(rendered) {
                match result {
                    Ok(html) => {
                        report.pages += 1;
                        if written.get(&rel).is_some_and(|last| Arc::ptr_eq(last, &html)) {
                            report.unchanged += 1;
                        } else {
                            changed.push((rel.clone(), html));
                        }
                        live.push(rel);
                    }
                    Err(error) => report.errors.push(self.site_error_of(&error)?),
                }
            }
        }
        // Write them in parallel (file systems overlap metadata work well).
        let results = parallel(jobs, &changed, |(rel, html)| {
            self.write_output(&output, rel, html.as_bytes())
        });
        let mut written = self.written.lock();
        for ((rel, html), result) in changed.into_iter().zip(results) {
            if result? {
                report.written += 1;
            } else {
                report.unchanged += 1;
            }
            written.insert(rel, html);
        }
        drop(written);
        for rel in db.statics.keys() {
            let Some(hash) = db.statics.get(db, &rel).map_err(|e| HostError(e.to_string()))? else {
                continue;
            };
            let blob =
                self.cas.get(&hash).map_err(|e| HostError(format!("cache: {e}")))?.ok_or_else(
                    || HostError(format!("static/{rel} vanished from the cache; build again")),
                )?;
            if self.write_output(&output, &rel, &blob)? {
                report.written += 1;
            } else {
                report.unchanged += 1;
            }
            live.push(rel);
        }
        phase("write", t);
        let t = Instant::now();
        live.sort();
        report.removed = self.remove_stale_outputs(&output, &live)?;
        phase("remove", t);
        let t = Instant::now();
        self.cas.flush().map_err(|e| HostError(format!("cannot save the cache: {e}")))?;
        phase("flush", t);
        let stats = self.db_stats();
        report.executed = stats.executed - stats_before.executed;
        report.reused = (stats.revalidated + stats.durability_skips)
            - (stats_before.revalidated + stats_before.durability_skips);
        report.renders = self.db.renders.load(Ordering::Relaxed) - renders_before;
        report.elapsed = started.elapsed();
        Ok(report)
    }

    fn db_stats(&self) -> picante::RuntimeStats {
        use picante::HasRuntime;
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

    /// Writes `bytes` to `output/rel` unless the cache says it already holds them. Returns
    /// whether it wrote.
    fn write_output(&self, output: &Path, rel: &str, bytes: &[u8]) -> Result<bool, HostError> {
        let hash = cas::ContentHash::of(bytes);
        let path = output.join(rel);
        let name = format!("{NAME_PREFIX}{rel}");
        if self.cas.get_name(&name) == Some(hash) && path.is_file() {
            return Ok(false);
        }
        let fail = |e: std::io::Error| HostError(format!("cannot write {}: {e}", path.display()));
        match std::fs::symlink_metadata(&path) {
            Ok(_) => {
                // Replacing a file: temporary file, then rename, so that a reader (a server,
                // a browser) never sees half a page.
                let mut temporary = path.clone().into_os_string();
                temporary.push(".dodeca-tmp");
                let temporary = PathBuf::from(temporary);
                std::fs::write(&temporary, bytes).map_err(fail)?;
                std::fs::rename(&temporary, &path).map_err(fail)?;
            }
            Err(_) => {
                // A new file is written in place: nobody can be reading it yet, and if the
                // write is cut short its hash was never recorded, so the next build rewrites
                // it. This halves the cost of a cold build's writes.
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(fail)?;
                }
                std::fs::write(&path, bytes).map_err(fail)?;
            }
        }
        self.cas.set_name(&name, hash);
        Ok(true)
    }

    /// Removes the outputs of the previous build that are not in `live` (sorted).
    fn remove_stale_outputs(&self, output: &Path, live: &[String]) -> Result<usize, HostError> {
        let mut outputs = self.outputs.lock();
        let previous = outputs.take().unwrap_or_else(|| {
            let mut known: Vec<String> = self
                .cas
                .names()
                .into_iter()
                .filter_map(|(name, _)| name.strip_prefix(NAME_PREFIX).map(str::to_string))
                .collect();
            known.sort();
            known
        });
        let mut removed = 0;
        for rel in previous {
            if live.binary_search(&rel).is_ok() {
                continue;
            }
            self.written.lock().remove(&rel);
            let path = output.join(&rel);
            match std::fs::remove_file(&path) {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(HostError(format!("cannot remove {}: {e}", path.display()))),
            }
            if let Some(dir) = path.parent() {
                let _ = std::fs::remove_dir(dir); // only if now empty
            }
            self.cas.remove_name(&format!("{NAME_PREFIX}{rel}"));
        }
        *outputs = Some(live.to_vec());
        Ok(removed)
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

/// Runs `work` over `items` on up to `jobs` threads, results in input order.
fn parallel<T: Sync, R: Send>(jobs: usize, items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Vec<parking_lot::Mutex<Option<R>>> =
        items.iter().map(|_| parking_lot::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1).min(items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    *results[i].lock() = Some(work(item));
                }
            });
        }
    });
    results
        .into_iter()
        .map(|r| r.into_inner().unwrap_or_else(|| unreachable!("every item was worked on")))
        .collect()
}

/// Files under `dir` (recursively) with `extension` (any if empty), as (path relative to `dir`
/// with `/` separators, full path), sorted. A missing directory has no files.
fn files_under(dir: &Path, extension: &str) -> Result<Vec<(String, PathBuf)>, HostError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        let entries = match std::fs::read_dir(&current) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(HostError(format!("cannot read {}: {e}", current.display()))),
        };
        for entry in entries {
            let entry =
                entry.map_err(|e| HostError(format!("cannot read {}: {e}", current.display())))?;
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if !extension.is_empty() && path.extension().and_then(|e| e.to_str()) != Some(extension)
            {
                continue;
            }
            let Ok(rel) = path.strip_prefix(dir) else { continue };
            let Some(rel) = rel.to_str() else {
                return Err(HostError(format!("{}: file names must be UTF-8", path.display())));
            };
            out.push((rel.replace('\\', "/"), path));
        }
    }
    out.sort();
    Ok(out)
}
