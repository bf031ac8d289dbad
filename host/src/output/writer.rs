//! [`Outputs`]: one output directory's bookkeeping — what was written, writing what changed,
//! removing what is gone.
//!
//! Three rules keep every write inside the output directory and every file there accounted
//! for:
//! - a file is written only when its content differs from the record, or the file on disk is
//!   no longer the one written (its stamp changed: edited, replaced or deleted by hand);
//! - a directory on the way to an output must be a real directory (created by us, or found
//!   as one): a symbolic link planted in the output directory (`public/blog -> ~/.ssh`) is an
//!   error, never followed, and the file itself is created exclusively or renamed over, so a
//!   link in its place is replaced, not written through;
//! - a file is removed only if the records say the host wrote it and it is still what was
//!   written ([`remove_recorded`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;

use super::location::OutputDir;
use super::records::{self, Stamp};
use super::watch::{Changes, OutputWatch};
use super::{Removal, remove_recorded};
use crate::error::HostError;
use crate::render::PageOutput;

/// Present in the cache directory while a build has written outputs whose records are not yet
/// saved in `cas.db`. Found when a site is opened, it means a build was cut short (a crash, a
/// kill): `cas.db` may then name an old hash for a file that holds newer bytes, and a later
/// render back to the old content would be taken as already written. So every record's stamp
/// is forgotten then (the ownership stays), and the next build writes every output afresh.
pub(crate) const INCOMPLETE_MARKER: &str = "build.incomplete";

/// The suffix of the temporary file a replacement is written to before its rename.
const TEMPORARY_SUFFIX: &str = ".dodeca-tmp";

/// What this process last wrote to one output file.
#[derive(Clone)]
enum Content {
    /// A render: a reused memo is the same `Arc`, so an unchanged page costs neither a hash
    /// nor a `stat` beyond the sweep.
    Page(Arc<PageOutput>),
    /// A static file, by content hash.
    Static(cas::ContentHash),
    /// What `cas.db` records, found on disk as written just before this build (by a process's
    /// first build, `site/persist.rs`): a page or static file with this hash needs no look.
    Recorded(cas::ContentHash),
}

impl Content {
    /// Whether it is [`Content::Recorded`] with `hash`.
    fn is_recorded(&self, hash: cas::ContentHash) -> bool {
        matches!(self, Content::Recorded(recorded) if *recorded == hash)
    }
}

/// One output directory of a site, and what the host wrote there.
pub(crate) struct Outputs {
    dir: OutputDir,
    /// What this process wrote (or found as written) and the file's stamp then. Checked
    /// against the disk by [`sweep`](Self::sweep) at the start of every build.
    written: Mutex<HashMap<String, (Content, Stamp), picante::FastBuildHasher>>,
    /// The outputs the last build left (sorted); `None` before this process's first build,
    /// which takes them from `cas.db`.
    last: Mutex<Option<Vec<String>>>,
    /// Directories below the output directory found real (or created) in this build.
    real_dirs: Mutex<RealDirs>,
    /// Whether this build has put up the [`INCOMPLETE_MARKER`] (before its first write).
    writing: AtomicBool,
    /// Whether the output directory's file system ignores case (probed once it exists).
    case_insensitive: Mutex<Option<bool>>,
    /// Watches on the directories written to, so that [`sweep`](Self::sweep) looks only at
    /// the files changed since; `None` when not asked for (a one-shot build) or not available.
    watch: Option<OutputWatch>,
}

impl Outputs {
    /// The bookkeeping of `dir`; with `watch`, outputs are watched for changes made by hand
    /// (for a process that builds more than once).
    pub(crate) fn new(dir: OutputDir, watch: bool) -> Outputs {
        Outputs {
            watch: if watch { OutputWatch::new() } else { None },
            dir,
            written: Mutex::new(HashMap::default()),
            last: Mutex::new(None),
            real_dirs: Mutex::new(RealDirs::default()),
            writing: AtomicBool::new(false),
            case_insensitive: Mutex::new(None),
        }
    }

    pub(crate) fn dir(&self) -> &OutputDir {
        &self.dir
    }

    /// Whether the output directory's file system treats names differing only in case as one
    /// (creating the directory to find out).
    pub(crate) fn case_insensitive(&self) -> Result<bool, HostError> {
        let mut known = self.case_insensitive.lock();
        if let Some(known) = *known {
            return Ok(known);
        }
        self.create_root()?;
        let probed = super::location::is_case_insensitive(&self.dir.path);
        *known = Some(probed);
        Ok(probed)
    }

    /// Starts a build: checks the files this process wrote against the disk, forgetting
    /// those changed, replaced or deleted since (by hand, by another program), so that the
    /// build writes them again. With a watch, only the files its events name are looked at.
    /// Returns how many were forgotten.
    pub(crate) fn sweep(&self, threads: usize) -> usize {
        self.real_dirs.lock().forget_all();
        let named = match self.watch.as_ref().map(OutputWatch::changes) {
            Some(Changes::Files(files)) => Some(files),
            Some(Changes::Unknown) | None => None,
        };
        let mut written = self.written.lock();
        if written.is_empty() {
            return 0;
        }
        if let Some(files) = named {
            let mut forgotten = 0;
            for rel in files {
                let Some((_, stamp)) = written.get(&rel) else { continue };
                if Stamp::of_file(&self.dir.path.join(&rel)) != Some(*stamp) {
                    written.remove(&rel);
                    forgotten += 1;
                }
            }
            return forgotten;
        }
        if !self.dir.path.is_dir() {
            let count = written.len();
            written.clear();
            return count;
        }
        // One `lstat` per output, on a few threads: each walks the whole map (cheap) and
        // checks its share.
        let threads = threads.clamp(1, 1 + written.len() / 2048);
        let root = &self.dir.path;
        let map = &*written;
        let changed: Vec<String> = std::thread::scope(|scope| {
            let check = |first: usize| {
                let mut changed = Vec::new();
                let mut path = root.clone();
                for (rel, (_, stamp)) in map.iter().skip(first).step_by(threads) {
                    path.push(rel);
                    if Stamp::of_file(&path) != Some(*stamp) {
                        changed.push(rel.clone());
                    }
                    path.clone_from(root);
                }
                changed
            };
            let helpers: Vec<_> = (1..threads).map(|t| scope.spawn(move || check(t))).collect();
            let mut changed = check(0);
            for helper in helpers {
                changed.extend(helper.join().unwrap_or_default());
            }
            changed
        });
        for rel in &changed {
            written.remove(rel);
        }
        changed.len()
    }

    /// Takes `found` (outputs as `cas.db` records them, with their stamps, each found on disk
    /// as written) as written by this process, so that the build looks at none of them again.
    pub(crate) fn found_as_recorded(&self, found: Vec<(String, cas::ContentHash, Stamp)>) {
        let mut written = self.written.lock();
        for (rel, hash, stamp) in found {
            written.entry(rel).or_insert((Content::Recorded(hash), stamp));
        }
    }

    /// Remembers what `rel` holds now, and watches its directory from now on.
    fn remember(&self, rel: &str, content: Content, stamp: Stamp) {
        if let Some(watch) = &self.watch {
            watch.watch(&self.dir.path, rel.rsplit_once('/').map_or("", |(dir, _)| dir));
        }
        self.written.lock().insert(rel.to_string(), (content, stamp));
    }

    /// Writes a rendered page to its file unless it is the very render written last time (a
    /// reused memo is the same `Arc`) and the file is still as written, or the record says the
    /// file already holds it. Returns whether it wrote, or `None` when the file must be
    /// written but the page came without its HTML (a memo loaded from a saved database): the
    /// caller renders it again.
    pub(crate) fn write_page(
        &self,
        cas: &cas::Cas,
        page: &Arc<PageOutput>,
    ) -> Result<Option<bool>, HostError> {
        {
            let mut written = self.written.lock();
            match written.get_mut(page.rel.as_str()) {
                Some((Content::Page(last), _)) if Arc::ptr_eq(last, page) => {
                    return Ok(Some(false));
                }
                Some((content, _)) if content.is_recorded(page.hash) => {
                    *content = Content::Page(page.clone());
                    return Ok(Some(false));
                }
                _ => {}
            }
        }
        let Some(html) = &page.html else {
            let Some(stamp) = self.as_recorded(cas, &page.rel, page.hash) else {
                return Ok(None);
            };
            self.remember(&page.rel, Content::Page(page.clone()), stamp);
            return Ok(Some(false));
        };
        let (wrote, stamp) = self.write_file(cas, &page.rel, html.as_bytes(), page.hash)?;
        self.remember(&page.rel, Content::Page(page.clone()), stamp);
        Ok(Some(wrote))
    }

    /// The file's stamp, if `cas.db` records `hash` for `rel` and the file is still the one
    /// written then.
    fn as_recorded(&self, cas: &cas::Cas, rel: &str, hash: cas::ContentHash) -> Option<Stamp> {
        let (recorded, tag) = cas.get_name_tagged(&records::name(&self.dir.key, rel))?;
        let stamp = Stamp::of_file(&self.dir.path.join(rel))?;
        (recorded == hash && stamp.tag() == tag).then_some(stamp)
    }

    /// Writes a static file's bytes (`hash`, read from the CAS only when needed) to `rel`,
    /// unless the file already holds them. Returns whether it wrote, or `None` when the CAS
    /// no longer has the bytes.
    pub(crate) fn write_static(
        &self,
        cas: &cas::Cas,
        rel: &str,
        hash: cas::ContentHash,
    ) -> Result<Option<bool>, HostError> {
        if let Some((Content::Static(last) | Content::Recorded(last), _)) =
            self.written.lock().get(rel)
            && *last == hash
        {
            return Ok(Some(false));
        }
        // Verified: bytes damaged in the cache (same length, other content) would otherwise
        // be published. Only files to be written are read, so this is rare.
        let Some(blob) = cas
            .get_verified(&hash)
            .map_err(|e| HostError::cache("read a static file's bytes", e))?
        else {
            return Ok(None);
        };
        let (wrote, stamp) = self.write_file(cas, rel, &blob, hash)?;
        self.remember(rel, Content::Static(hash), stamp);
        Ok(Some(wrote))
    }

    /// Writes `bytes` (whose hash is `hash`) to `rel` unless the record says the file holds
    /// them and its stamp is the one recorded. Returns whether it wrote, and the file's stamp.
    fn write_file(
        &self,
        cas: &cas::Cas,
        rel: &str,
        bytes: &[u8],
        hash: cas::ContentHash,
    ) -> Result<(bool, Stamp), HostError> {
        let path = self.dir.path.join(rel);
        let name = records::name(&self.dir.key, rel);
        let recorded = cas.get_name_tagged(&name);
        if let Some((recorded_hash, tag)) = recorded
            && recorded_hash == hash
            && let Some(stamp) = Stamp::of_file(&path)
            && stamp.tag() == tag
        {
            return Ok((false, stamp));
        }
        let fail = |e: std::io::Error| HostError::io("write", &path, e);
        self.mark_writing(cas)?;
        self.make_parents(rel)?;
        // An output never recorded is most likely new (a cold build): create it in place. Nobody
        // can be reading a file that did not exist, and if the write is cut short it was never
        // recorded, so the next build rewrites it. That costs no `stat` and half the system
        // calls of a replacement. `create_new` never follows a link in the file's place.
        if recorded.is_none() {
            match std::fs::OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(mut file) => {
                    // A write that fails (a full disk) leaves no part of a page behind: the
                    // file is ours alone, created just now.
                    let written = std::io::Write::write_all(&mut file, bytes)
                        .and_then(|()| file.metadata())
                        .inspect_err(|_| {
                            let _ = std::fs::remove_file(&path);
                        });
                    let stamp = Stamp::of(&written.map_err(fail)?);
                    cas.set_name_tagged(&name, hash, stamp.tag());
                    return Ok((true, stamp));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(fail(e)),
            }
        }
        // Replacing a file: temporary file, then rename, so that a reader (a server, a
        // browser) never sees half a page. The rename keeps the temporary file's stamp.
        let temporary = temporary_of(&path);
        let create = || std::fs::OpenOptions::new().write(true).create_new(true).open(&temporary);
        let mut file = match create() {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                // Left by a replacement cut short: the name is the host's own.
                std::fs::remove_file(&temporary).map_err(fail)?;
                create().map_err(fail)?
            }
            file => file.map_err(fail)?,
        };
        // A replacement that fails (a full disk, a directory made read-only) leaves the old
        // file as it was and no temporary file beside it.
        let written = std::io::Write::write_all(&mut file, bytes).and_then(|()| file.metadata());
        drop(file);
        let renamed = written.and_then(|metadata| {
            std::fs::rename(&temporary, &path)?;
            Ok(metadata)
        });
        let stamp = Stamp::of(
            &renamed
                .inspect_err(|_| {
                    let _ = std::fs::remove_file(&temporary);
                })
                .map_err(fail)?,
        );
        cas.set_name_tagged(&name, hash, stamp.tag());
        Ok((true, stamp))
    }

    /// Creates the output directory itself if it is missing (its place was checked by
    /// [`location::resolve`](super::location::resolve)).
    fn create_root(&self) -> Result<(), HostError> {
        std::fs::create_dir_all(&self.dir.path)
            .map_err(|e| HostError::io("create", &self.dir.path, e))
    }

    /// Makes every directory on the way to `rel` below the output directory, checking that
    /// each one that exists is a real directory, not a symbolic link.
    fn make_parents(&self, rel: &str) -> Result<(), HostError> {
        let Some((parent, _)) = rel.rsplit_once('/') else {
            if !self.real_dirs.lock().contains("") {
                self.create_root()?;
                self.real_dirs.lock().insert("");
            }
            return Ok(());
        };
        let ends = parent.match_indices('/').map(|(i, _)| i).chain([parent.len()]);
        for end in ends {
            let prefix = &parent[..end];
            if self.real_dirs.lock().contains(prefix) {
                continue;
            }
            let dir = self.dir.path.join(prefix);
            match std::fs::create_dir(&dir) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let real =
                        std::fs::symlink_metadata(&dir).is_ok_and(|m| m.file_type().is_dir());
                    if !real {
                        return Err(HostError::OutputNotReal {
                            output: self.dir.path.join(rel),
                            dir,
                        });
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && !prefix.contains('/') => {
                    self.create_root()?;
                    std::fs::create_dir(&dir).or_else(|e| match e.kind() {
                        std::io::ErrorKind::AlreadyExists => Ok(()),
                        _ => Err(HostError::io("create", &dir, e)),
                    })?;
                }
                Err(e) => return Err(HostError::io("create", &dir, e)),
            }
            self.real_dirs.lock().insert(prefix);
        }
        Ok(())
    }

    /// Puts up the [`INCOMPLETE_MARKER`] before this build's first write.
    fn mark_writing(&self, cas: &cas::Cas) -> Result<(), HostError> {
        if self.writing.load(Ordering::Acquire) {
            return Ok(());
        }
        let _one_at_a_time = self.last.lock();
        if !self.writing.load(Ordering::Acquire) {
            let marker = cas.root().join(INCOMPLETE_MARKER);
            std::fs::write(&marker, b"a build is writing outputs\n")
                .map_err(|e| HostError::io("write", &marker, e))?;
            self.writing.store(true, Ordering::Release);
        }
        Ok(())
    }

    /// Ends a build: saves `cas.db`, then takes the [`INCOMPLETE_MARKER`] down.
    pub(crate) fn finish(&self, cas: &cas::Cas) -> Result<(), HostError> {
        cas.flush().map_err(|e| HostError::cache("save the cache", e))?;
        if self.writing.swap(false, Ordering::AcqRel) {
            let marker = cas.root().join(INCOMPLETE_MARKER);
            std::fs::remove_file(&marker).map_err(|e| HostError::io("remove", &marker, e))?;
        }
        Ok(())
    }

    /// Removes the outputs of the previous build that are not in `live` (sorted), each only if
    /// it is still what the host wrote; those kept are reported in `warnings`. Returns how
    /// many were removed.
    pub(crate) fn remove_stale(
        &self,
        cas: &cas::Cas,
        live: Vec<String>,
        warnings: &mut Vec<String>,
    ) -> Result<usize, HostError> {
        let mut last = self.last.lock();
        let previous = last.take().unwrap_or_else(|| {
            // The paths are checked only if they are to be removed (`remove_recorded`).
            let prefix = records::dir_prefix(&self.dir.key);
            let mut known: Vec<String> = cas
                .names_with_prefix(&prefix)
                .into_iter()
                .map(|(mut name, _, _)| {
                    name.drain(..prefix.len());
                    name
                })
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
                self.written.lock().remove(&rel);
                let name = records::name(&self.dir.key, &rel);
                let Some((hash, tag)) = cas.get_name_tagged(&name) else { continue };
                match remove_recorded(&self.dir.path, &rel, hash, tag)? {
                    Removal::Removed => removed += 1,
                    Removal::Missing => {}
                    Removal::Kept(why) => warnings.push(format!(
                        "kept {why}; its page is gone, but the file is not the host's to remove"
                    )),
                }
                cas.remove_name(&name);
            }
        }
        *last = Some(live);
        Ok(removed)
    }
}

/// Directories found to be real (not links) in the current build. Each build starts knowing
/// none (a directory may have been swapped for a link since), but forgetting ten thousand
/// names one by one would cost a millisecond per build, so entries carry the build they were
/// found in and a new build only counts up.
#[derive(Default)]
struct RealDirs {
    build: u64,
    found: HashMap<String, u64>,
}

impl RealDirs {
    fn forget_all(&mut self) {
        self.build += 1;
    }

    fn contains(&self, dir: &str) -> bool {
        self.found.get(dir) == Some(&self.build)
    }

    fn insert(&mut self, dir: &str) {
        match self.found.get_mut(dir) {
            Some(build) => *build = self.build,
            None => {
                self.found.insert(dir.to_string(), self.build);
            }
        }
    }
}

/// The temporary name a replacement of `path` is written to.
pub(crate) fn temporary_of(path: &Path) -> PathBuf {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(TEMPORARY_SUFFIX);
    PathBuf::from(temporary)
}

/// The first directory on the way from `root` to `rel` that is not a real directory (a
/// symbolic link, a file), if any; `None` also when one is simply missing.
pub(crate) fn first_non_directory(root: &Path, rel: &str) -> Option<PathBuf> {
    let (parent, _) = rel.rsplit_once('/')?;
    let mut dir = root.to_path_buf();
    for segment in parent.split('/') {
        dir.push(segment);
        match std::fs::symlink_metadata(&dir) {
            Ok(meta) if meta.file_type().is_dir() => {}
            Ok(_) => return Some(dir),
            Err(_) => return None,
        }
    }
    None
}

/// After a build that was cut short (see [`INCOMPLETE_MARKER`]): forgets the stamp of every
/// recorded output (keeping the record, so the files stay the host's), so that the next build
/// writes them all.
pub(crate) fn forget_stamps_of_an_interrupted_build(cas: &cas::Cas) -> Result<(), HostError> {
    let marker = cas.root().join(INCOMPLETE_MARKER);
    if !marker.exists() {
        return Ok(());
    }
    for (name, hash, _) in cas.names_with_prefix(records::PREFIX) {
        cas.set_name_tagged(&name, hash, records::UNKNOWN);
    }
    cas.flush().map_err(|e| HostError::cache("save the cache", e))?;
    std::fs::remove_file(&marker).map_err(|e| HostError::io("remove", &marker, e))
}
