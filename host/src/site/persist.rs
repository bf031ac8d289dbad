//! A site built by one process after another (the CLI): the first build of a process starts
//! from what the last one left in `.cache/` (see `cache/`), and a build saves it again.
//!
//! The first build asks, in order:
//! 1. Is there a saved state of this version, of a clean build, with no `now()` read? Then
//!    the outputs are checked against their records (one `stat` each) while the site is
//!    scanned (one `stat` per file, as every build does). All as saved: the build is done,
//!    without a database, a cell or a page looked at.
//! 2. Otherwise the database is loaded if its version matches; the scanner then takes the
//!    saved stamps, if they go with that database, and reads only the files whose stamp
//!    changed. The state file goes before the build writes anything (`build_steps`), and is
//!    written again only when the build is complete.
//!
//! After a build, the database is saved only if the revision moved since it was loaded (a
//! build that found nothing changed leaves the file as it is), then the version, then the
//! state.

use std::path::Path;
use std::sync::atomic::Ordering;

use picante::HasRuntime;
use picante::persist::{CacheLoadOptions, CacheSaveOptions, CacheWarning};

use super::load::Scan;
use super::{BuildReport, Site};
use crate::HostError;
use crate::cache::state::{SavedState, clear_the_way, write_atomically};
use crate::cache::version::CacheVersion;
use crate::cache::{DATABASE, STATE, VERSION, database_checksum};
use crate::output::location::{self, Origin, OutputDir};
use crate::output::records::{self, Stamp};

/// Outputs a process's first build found on disk as `cas.db` records them, just before it
/// loaded the database: in `dir`, (relative path, recorded hash, stamp).
pub(super) struct FoundOutputs {
    pub(super) dir: OutputDir,
    pub(super) found: Vec<(String, cas::ContentHash, Stamp)>,
}

/// How the first build of a persistent site starts.
pub(super) enum Start {
    /// Nothing changed since the saved build: its report.
    /// (Boxed: a report is most of the enum's size.)
    UpToDate(Box<BuildReport>),
    /// A build to run on this scan; the database loaded if `loaded`.
    /// (The scan boxed: its eight listings are most of the enum's size.)
    Build { scan: Box<Scan>, warnings: Vec<String>, loaded: bool },
}

impl Site {
    /// Starts the first build from `.cache/` (see the module docs).
    pub(super) fn start_from_cache(&self) -> Result<Start, HostError> {
        let cache = self.cas.root().to_path_buf();
        let version = CacheVersion::current(&self.db.cells);
        let mut warnings = Vec::new();
        let state = match SavedState::read(&cache.join(STATE)) {
            Ok(state) => state.filter(|state| state.version == version.number()),
            Err(reason) => {
                warnings.push(format!("ignored the saved scan {reason}"));
                None
            }
        };
        // Without the records of what was written, every output is written again (the same
        // bytes a cold build writes); worth saying when a build had kept them.
        if !cache.join("cas.db").exists() && cache.join(DATABASE).exists() {
            warnings.push(format!(
                "{} is missing: the outputs are all written again",
                cache.join("cas.db").display()
            ));
        }
        // Up to date only if nothing a render read changed: the files (their stamps, below),
        // `now()` (never), the environment variables templates read.
        let usable = state.as_ref().filter(|state| {
            state.clean
                && !state.read_now
                && crate::environment::digest(&state.env_names) == state.env_digest
        });
        // The outputs are checked while the site is scanned: two sets of `stat`s at once.
        let phases = std::env::var_os("DODECA_PHASES").is_some();
        let checking = std::time::Instant::now();
        let (scan, outputs_as_saved) = std::thread::scope(|scope| {
            let outputs = usable.map(|state| {
                scope.spawn(|| {
                    let same = self.outputs_as_saved(state);
                    if phases {
                        let ms = checking.elapsed().as_secs_f64() * 1e3;
                        eprintln!("phase outputs as saved: {ms:.2} ms");
                    }
                    same
                })
            });
            let scan = self.scan();
            if phases {
                eprintln!("phase scan: {:.2} ms", checking.elapsed().as_secs_f64() * 1e3);
            }
            (scan, outputs.and_then(|check| check.join().ok().flatten()))
        });
        let scan = scan?;
        // A build that takes drafts builds more than the saved one did (which took none).
        if !self.serving
            && !self.drafts
            && outputs_as_saved.is_some()
            && let Some(state) = usable
            && crate::scan::same_stamps(&state.listings, &scan.listings)
        {
            // The config's warnings, as every build reports them.
            let warnings = self.config_without_building().map(|c| c.warnings).unwrap_or_default();
            return Ok(Start::UpToDate(Box::new(BuildReport {
                pages: state.pages as usize,
                unchanged: state.outputs as usize,
                config_warnings: warnings.len(),
                warnings,
                ..BuildReport::default()
            })));
        }
        // A source changed (or nothing is known): something will be rendered, so the cells
        // start while the database loads, on the core the load leaves idle.
        let sources_changed = state
            .as_ref()
            .is_none_or(|state| !crate::scan::same_stamps(&state.listings, &scan.listings));
        let loading = std::time::Instant::now();
        if sources_changed && self.root.join("content").is_dir() {
            self.prestart_cells();
        }
        let loaded = self.load_saved_database(&cache, &version, &mut warnings);
        if std::env::var_os("DODECA_PHASES").is_some() {
            eprintln!("phase database load: {:.2} ms", loading.elapsed().as_secs_f64() * 1e3);
        }
        if loaded {
            // The stamps tell what changed since the texts in this database were read, and
            // only if the state was saved with this very database.
            match state {
                Some(state) if database_checksum(&cache.join(DATABASE)) == Some(state.database) => {
                    self.read_now.store(state.read_now, Ordering::Relaxed);
                    self.scanner.remember(state.listings);
                    // Every output that database's build wrote is still as recorded: a page
                    // whose render did not change since needs no look.
                    if let Some(found) = &outputs_as_saved {
                        let revision = self.db.runtime().current_revision();
                        *self.written_at.lock() = Some((revision, found.dir.path.clone()));
                    }
                }
                _ => self.read_now.store(true, Ordering::Relaxed),
            }
        }
        // The outputs found as recorded need no second look by this build's writes.
        *self.found_outputs.lock() = outputs_as_saved;
        Ok(Start::Build { scan: Box::new(scan), warnings, loaded })
    }

    /// Whether every output the saved build left is still as written: as many records for its
    /// output directory as it left, each file's stamp the recorded one. If so, the outputs
    /// (relative path, recorded hash, stamp), which the build then need not look at again.
    fn outputs_as_saved(&self, state: &SavedState) -> Option<FoundOutputs> {
        let dir = self.output_dir_without_building()?;
        if dir.key != state.output_key || dir.path != state.output_path {
            return None;
        }
        let records = self.cas.names_with_prefix(&records::dir_prefix(&dir.key));
        if records.len() as u64 != state.outputs {
            return None;
        }
        let prefix = records::dir_prefix(&dir.key).len();
        let root = std::fs::File::open(&dir.path).ok()?;
        // On every core (the scan runs beside, mostly waiting on the kernel too): each thread
        // checks every n-th record, relative to the open output directory.
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let threads = threads.clamp(1, 1 + records.len() / 1024);
        let (records, root) = (&records, &root);
        let check = move |first: usize| -> Option<Vec<(String, cas::ContentHash, Stamp)>> {
            let mut rel = Vec::new();
            let mut found = Vec::with_capacity(records.len() / threads + 1);
            for (name, hash, tag) in records.iter().skip(first).step_by(threads) {
                rel.clear();
                rel.extend_from_slice(&name.as_bytes()[prefix..]);
                rel.push(0);
                // A record with a NUL is not the host's (`records::parse` refuses it).
                let c_rel = std::ffi::CStr::from_bytes_with_nul(&rel).ok()?;
                let stamp = Stamp::of_file_at(root, c_rel).filter(|s| s.tag() == *tag)?;
                found.push((name[prefix..].to_string(), *hash, stamp));
            }
            Some(found)
        };
        let found = std::thread::scope(|scope| {
            let helpers: Vec<_> = (1..threads).map(|t| scope.spawn(move || check(t))).collect();
            let mut found = check(0);
            for helper in helpers {
                let theirs = helper.join().ok().flatten();
                found = found.zip(theirs).map(|(mut all, theirs)| {
                    all.extend(theirs);
                    all
                });
            }
            found
        })?;
        Some(FoundOutputs { dir, found })
    }

    /// The output directory a build would use, if the config parses and it is not refused
    /// (the build itself reports either).
    fn output_dir_without_building(&self) -> Option<OutputDir> {
        match &self.output {
            Some(dir) => location::resolve(&self.root, dir, Origin::CommandLine).ok(),
            None => {
                let config = self.config_without_building()?;
                let configured = config.output_dir.as_deref().unwrap_or("public");
                location::resolve(&self.root, Path::new(configured), Origin::Config).ok()
            }
        }
    }

    /// The config as the config file says it, if it parses (the build itself reports
    /// anything wrong with it).
    fn config_without_building(&self) -> Option<crate::SiteConfig> {
        let file = crate::config::find(&self.root).ok()?;
        let text = std::fs::read_to_string(self.root.join(file)).ok()?;
        crate::config::parse(file, &text).ok()
    }

    /// Loads `dodeca.bin` if `dodeca.version` says this host saved it. Whatever cannot be
    /// used is a warning; the database then starts empty (picante loads all or nothing).
    fn load_saved_database(
        &self,
        cache: &Path,
        version: &CacheVersion,
        warnings: &mut Vec<String>,
    ) -> bool {
        let path = cache.join(DATABASE);
        if !path.exists() {
            // A version file says a build saved one: it was lost since.
            if cache.join(VERSION).exists() {
                warnings.push(format!("{} is missing; building from scratch", path.display()));
            }
            return false;
        }
        match version.matches_file(&cache.join(VERSION)) {
            Ok(true) => {}
            Ok(false) => {
                warnings.push(format!(
                    "{} was saved by another build of dodeca-host or its cells ({} differs or \
                     is missing); building from scratch",
                    path.display(),
                    cache.join(VERSION).display()
                ));
                return false;
            }
            Err(reason) => {
                warnings.push(format!(
                    "cannot read the cache's version ({reason}); building from scratch"
                ));
                return false;
            }
        }
        let db = &*self.db;
        let options = CacheLoadOptions { cache_version: version.number(), ..Default::default() };
        match picante::persist::load_cache_with_options(
            &path,
            db.runtime(),
            &db.persistable(),
            &options,
        ) {
            Ok(load) => {
                for warning in load.warnings {
                    let why = match warning {
                        CacheWarning::Unusable { .. } => "; building from scratch",
                        _ => "; those are computed again",
                    };
                    warnings.push(format!("{warning}{why}"));
                }
                load.loaded
            }
            Err(error) => {
                warnings.push(format!("saved database: {error}; building from scratch"));
                false
            }
        }
    }

    /// Saves what the next process starts from, after a complete build: the database (when
    /// its revision moved since it was last loaded or saved), its version, then the state.
    pub(crate) fn save_for_next_process(&self, report: &BuildReport) -> Result<(), HostError> {
        let cache = self.cas.root().to_path_buf();
        let db = &*self.db;
        let version = CacheVersion::current(&db.cells);
        let path = cache.join(DATABASE);
        remove_stale_temporaries(&cache);
        if db.cells.failures() > 0 {
            // A query that met a cell's failure may have made an answer of it (a section's
            // listing without the section its parse failed on); loaded by the next process,
            // where no file changed, such an answer would be taken as valid. So no database
            // is left for it: it builds from scratch. (The state file is gone already.)
            remove_if_there(&path)?;
            *self.saved_revision.lock() = None;
            return Ok(());
        }
        let revision = db.runtime().current_revision();
        if *self.saved_revision.lock() != Some(revision) || !path.exists() {
            clear_the_way(&path).map_err(|e| HostError::io("remove", &path, e))?;
            let options = CacheSaveOptions { cache_version: version.number() };
            picante::persist::save_cache_with_options(
                &path,
                db.runtime(),
                &db.persistable(),
                &options,
            )
            .map_err(HostError::SavedDatabase)?;
            write_atomically(&cache.join(VERSION), version.text().as_bytes())
                .map_err(|e| HostError::io("write", cache.join(VERSION), e))?;
            *self.saved_revision.lock() = Some(revision);
        }
        let database = database_checksum(&path).ok_or_else(|| {
            HostError::io("read", &path, std::io::ErrorKind::UnexpectedEof.into())
        })?;
        let Some(outputs) = self.outputs.lock().clone() else { return Ok(()) };
        // A build with another `base_url` than the config's (a server's) wrote outputs that a
        // build must not take as its own: never up to date for the next process.
        let own_base_url = self.base_url.as_ref().is_none_or(|url| {
            crate::config::own_config(db).is_some_and(|config| config.base_url_as_written == *url)
        });
        let env_names = crate::environment::names(db);
        let state = SavedState {
            version: version.number(),
            database,
            // The config's warnings come with every build, and do not need one. A build
            // with drafts wrote pages a build without them must remove.
            clean: report.errors.is_empty()
                && report.warnings.len() == report.config_warnings
                && own_base_url
                && !self.drafts,
            read_now: self.read_now.load(Ordering::Relaxed),
            pages: report.pages as u64,
            outputs: (report.written + report.unchanged) as u64,
            output_key: outputs.dir().key.clone(),
            output_path: outputs.dir().path.clone(),
            listings: self.scanner.with_remembered(<[_]>::to_vec),
            env_digest: crate::environment::digest(&env_names),
            env_names,
        };
        state.write(&cache.join(STATE)).map_err(|e| HostError::io("write", cache.join(STATE), e))
    }

    /// Whether a cell failed in this process, so that no database is saved for the next one
    /// (see `save_for_next_process`): the words of the warning, if so.
    pub(crate) fn unsaved_after_cell_failure(&self) -> Option<&'static str> {
        (self.db.cells.failures() > 0).then_some(
            "a cell failed during this process (it died twice on a call, let one time out or \
             broke the protocol): the cache's database was not saved, so the next build starts \
             from scratch",
        )
    }

    /// Removes the state file, if any, before a build writes anything: whatever it said of
    /// the outputs and records may not hold after. Any build does it, persistent or not.
    pub(super) fn forget_saved_state(&self) -> Result<(), HostError> {
        remove_if_there(&self.cas.root().join(STATE))
    }
}

fn remove_if_there(path: &Path) -> Result<(), HostError> {
    clear_the_way(path).map_err(|e| HostError::io("remove", path, e))?;
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(HostError::io("remove", path, e)),
    }
}

/// Removes the temporary files of saves cut short (a killed process's `.dodeca.bin.tmp-PID`,
/// as large as the database, and `dodeca.scan.tmp-PID`, `dodeca.version.tmp-PID`) whose
/// process is gone. Only the top of `.cache/` is read: a few entries.
pub(crate) fn remove_stale_temporaries(cache: &Path) {
    let Ok(entries) = std::fs::read_dir(cache) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some((base, pid)) = name.rsplit_once(".tmp-") else { continue };
        let ours = [".dodeca.bin", "dodeca.bin", "dodeca.scan", "dodeca.version"];
        let Ok(pid) = pid.parse::<u32>() else { continue };
        if ours.contains(&base) && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl Site {
    /// Loads the database the last build saved in `.cache/` into this site (which must not
    /// have built anything), to look into it: [`graph_dot`](Self::graph_dot),
    /// `dodeca-host cache stats`. Returns what could not be loaded.
    ///
    /// # Errors
    ///
    /// [`HostError::NoSavedDatabase`] when there is none this host can use: missing, saved by
    /// another build of the host, or corrupted.
    pub fn load_saved(&self) -> Result<Vec<String>, HostError> {
        let cache = self.cas.root().to_path_buf();
        let version = CacheVersion::current(&self.db.cells);
        let mut warnings = Vec::new();
        if self.load_saved_database(&cache, &version, &mut warnings) {
            return Ok(warnings);
        }
        let why =
            if warnings.is_empty() { "there is none".to_string() } else { warnings.join("; ") };
        Err(HostError::NoSavedDatabase { path: cache.join(DATABASE), why })
    }

    /// The dependency graph of the memos this site holds (built, or loaded by
    /// [`load_saved`](Self::load_saved)) as Graphviz DOT: all of them, or the cone of the
    /// render of `route` (a route, a content path or an output path) — it and everything it
    /// depends on. An edge goes from a query to what it read.
    ///
    /// # Errors
    ///
    /// [`HostError::NoRoute`] when no content file has `route`, or its page was not rendered.
    pub fn graph_dot(&self, route: Option<&str>) -> Result<String, HostError> {
        crate::inspect::graph_dot(&self.db, route).map_err(HostError::NoRoute)
    }

    /// The content hashes of the static files, co-located assets and data files the database
    /// holds: the blobs the last build used, which garbage collection keeps.
    pub(crate) fn static_hashes(&self) -> Vec<cas::ContentHash> {
        let db = &*self.db;
        let mut hashes = Vec::new();
        for input in [&db.statics, &db.assets, &db.data_files] {
            hashes.extend(
                input.keys().into_iter().filter_map(|rel| input.get(db, &rel).ok().flatten()),
            );
        }
        hashes
    }
}
