//! Reading the site's files: walking directories, and reading again only what may have
//! changed since the last scan.
//!
//! A rebuild without a watcher has to find out what changed by looking. Reading and comparing
//! every file costs four system calls each; a `stat` costs one. So each scan records every
//! file's stamp (length, modification and change times, inode), and the next scan reads only
//! the files whose stamp differs.
//!
//! A stamp can miss a change when a file is written twice within one tick of the file
//! system's clock, the second time to the same length. So, like git's index, a stamp is only
//! remembered when the file's times are well before the start of the scan that read it (the
//! file clock is coarse and may lag the wall clock): a file touched just before a scan is read
//! again by the next one.
//!
//! # Symbolic links
//!
//! A symbolic link, to a file or a directory, is followed when its target (fully resolved) lies
//! inside the site (its canonical directory): a site may share a directory between sections or
//! keep its content elsewhere in its tree. A link pointing outside the site is an error unless
//! [`ScanPolicy`] allows it (`follow_outside_symlinks = true` in `dodeca.toml`), since whatever it points at would be published
//! (`static/keys -> ~/.ssh`). A dangling link is an error naming it. Each directory walked is
//! identified by its device and inode: one that contains itself through a link
//! (`content/a -> .`) is an error, as the walk would never end, and so is one reached a second
//! time by another path, which would list every file under it twice (and lets a chain of links
//! make the walk exponential). The top directory (`content` itself a link) follows the same
//! rules. Only links pay for this (a `canonicalize`); a directory pays one `stat` for its
//! identity, a file nothing more.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use parking_lot::Mutex;

use crate::site::HostError;

/// Files whose times are within this of a scan's start are read again by the next scan.
const RACY: Duration = Duration::from_millis(100);

/// What identifies a version of a file without reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: (i64, i64),
    changed: (i64, i64),
    inode: u64,
}

impl Stamp {
    fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            len: meta.len(),
            modified: (meta.mtime(), meta.mtime_nsec()),
            changed: (meta.ctime(), meta.ctime_nsec()),
            inode: meta.ino(),
        }
    }

    /// Whether both times are before `limit` (seconds and nanoseconds since the epoch).
    fn settled_before(&self, limit: (i64, i64)) -> bool {
        self.modified < limit && self.changed < limit
    }
}

/// The files found under one directory by [`files_under`], sorted by relative path.
#[derive(Debug)]
pub(crate) struct Listing {
    /// The directory walked.
    pub(crate) dir: PathBuf,
    pub(crate) files: Vec<Found>,
}

impl Listing {
    /// One file named directly rather than found by a walk (the site's config).
    pub(crate) fn single(dir: &Path, rel: &str) -> Listing {
        let stamp = std::fs::metadata(dir.join(rel)).ok().map(|meta| Stamp::of(&meta));
        Listing { dir: dir.to_path_buf(), files: vec![Found { rel: rel.to_string(), stamp }] }
    }

    /// The full path of one of its files.
    pub(crate) fn path(&self, found: &Found) -> PathBuf {
        self.dir.join(&found.rel)
    }
}

/// A file of a [`Listing`]: its path relative to the walked directory (with `/` separators),
/// and its stamp when it was listed.
#[derive(Clone, Debug)]
pub(crate) struct Found {
    pub(crate) rel: String,
    /// `None` if it could not be taken then (the file is read, which reports any error), or,
    /// once read, if it is too recent to be trusted by the next scan.
    stamp: Option<Stamp>,
}

/// The listings of the last scan whose texts were stored: what each file looked like then.
#[derive(Default)]
pub(crate) struct Scanner {
    last: Mutex<Vec<Listing>>,
}

impl Scanner {
    /// Forgets what is known of `path`, so the next scan reads it (after a watcher or the
    /// caller read it by other means).
    pub(crate) fn forget(&self, path: &Path) {
        for listing in self.last.lock().iter_mut() {
            let Some(rel) = path.strip_prefix(&listing.dir).ok().and_then(Path::to_str) else {
                continue;
            };
            if let Ok(i) = listing.files.binary_search_by(|found| found.rel.as_str().cmp(rel)) {
                listing.files[i].stamp = None;
            }
        }
    }

    /// For each file of each listing, whether it may have changed since the last scan (or is
    /// new there). `started` is when the scan began, before the files were listed and
    /// stamped: a changed file's stamp that is not well before it is dropped from its
    /// listing, so the next scan looks at the file again.
    ///
    /// What changed is known only once the caller has stored it: it hands the listings to
    /// [`remember`](Self::remember) then. Until then (and for good, if the caller fails first)
    /// nothing is known, and the next scan finds every file changed. So one call covers every
    /// listing of a scan.
    pub(crate) fn changed(
        &self,
        listings: &mut [&mut Listing],
        started: SystemTime,
    ) -> Vec<Vec<bool>> {
        let limit = started
            .checked_sub(RACY)
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or((0, 0), |d| (d.as_secs() as i64, i64::from(d.subsec_nanos())));
        let last = std::mem::take(&mut *self.last.lock());
        let mut changed = Vec::with_capacity(listings.len());
        for listing in listings.iter_mut() {
            let before = last.iter().find(|old| old.dir == listing.dir);
            // Both lists are sorted: one pass side by side compares each file with what it was.
            let mut old = before.map_or(&[][..], |b| &b.files[..]).iter().peekable();
            let mut flags = Vec::with_capacity(listing.files.len());
            for found in &mut listing.files {
                while old.next_if(|o| o.rel < found.rel).is_some() {}
                let same = found.stamp.is_some()
                    && old.peek().is_some_and(|o| o.rel == found.rel && o.stamp == found.stamp);
                if !same {
                    // A file touched just before this scan may change again within the same
                    // tick of its clock without its stamp changing: not trusted next time.
                    found.stamp = found.stamp.filter(|stamp| stamp.settled_before(limit));
                }
                flags.push(!same);
            }
            changed.push(flags);
        }
        changed
    }

    /// Records the listings of a scan whose changes are now stored.
    pub(crate) fn remember(&self, listings: Vec<Listing>) {
        *self.last.lock() = listings;
    }
}

/// The text of each file of `listing` marked in `changed` (`None` for the others), read on up
/// to `threads` threads.
///
/// # Errors
///
/// A file that cannot be read, or is not UTF-8, named.
pub(crate) fn read_texts(
    listing: &Listing,
    changed: &[bool],
    threads: usize,
) -> Result<Vec<Option<String>>, HostError> {
    let to_read: Vec<usize> = (0..listing.files.len()).filter(|&f| changed[f]).collect();
    let results = crate::exec::run_all(threads, 1, &to_read, |&f| {
        let path = listing.path(&listing.files[f]);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| HostError(format!("cannot read {}: {e}", path.display())));
        async move { text }
    });
    let mut texts = vec![None; listing.files.len()];
    for (f, text) in to_read.into_iter().zip(results) {
        texts[f] = Some(text?);
    }
    Ok(texts)
}

/// What a scan may follow: symbolic links are followed only to targets inside the site,
/// unless `follow_outside` allows any target (see the module's "Symbolic links").
#[derive(Debug)]
pub(crate) struct ScanPolicy {
    /// The site's directory as given: walked paths are named relative to it in errors.
    root: PathBuf,
    /// Its canonical path (no `.`, `..` or symbolic links): where a link's target must lie.
    canonical_root: PathBuf,
    /// Whether links to targets outside the site are followed too.
    follow_outside: bool,
}

impl ScanPolicy {
    /// The policy for the site at `root` (which may be relative or go through links).
    ///
    /// # Errors
    ///
    /// When `root` cannot be resolved (it does not exist, for one).
    pub(crate) fn new(root: &Path, follow_outside: bool) -> Result<ScanPolicy, HostError> {
        let canonical_root = std::fs::canonicalize(root).map_err(|e| {
            HostError(format!("cannot resolve the site's directory {}: {e}", root.display()))
        })?;
        Ok(ScanPolicy { root: root.to_path_buf(), canonical_root, follow_outside })
    }
}

/// Identifies a directory: its device and inode.
type DirId = (u64, u64);

fn dir_id(meta: &std::fs::Metadata) -> DirId {
    (meta.dev(), meta.ino())
}

/// One walk's view of the site, for following links and naming paths in errors.
struct SiteView<'a> {
    policy: &'a ScanPolicy,
    /// The walked directory relative to the site (with `/` separators), "" for the site itself.
    top: String,
}

impl SiteView<'_> {
    /// `rel` (relative to the walked directory, a trailing `/` allowed) relative to the site.
    fn name(&self, rel: &str) -> String {
        let rel = rel.trim_end_matches('/');
        match (self.top.is_empty(), rel.is_empty()) {
            (true, true) => ".".to_string(),
            (true, false) => rel.to_string(),
            (false, true) => self.top.clone(),
            (false, false) => format!("{}/{rel}", self.top),
        }
    }

    /// A resolved target relative to the site, or its full path if it is outside.
    fn target_name(&self, target: &Path) -> String {
        match target.strip_prefix(&self.policy.canonical_root) {
            Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
            Ok(rel) => rel.display().to_string(),
            Err(_) => target.display().to_string(),
        }
    }

    /// Resolves the symbolic link at `path` (`rel` relative to the walked directory): its
    /// canonical target and that target's metadata, if it may be followed.
    fn follow(&self, path: &Path, rel: &str) -> Result<(PathBuf, std::fs::Metadata), HostError> {
        let target = std::fs::canonicalize(path).map_err(|e| {
            let link = self.name(rel);
            if e.kind() == std::io::ErrorKind::NotFound {
                let to = std::fs::read_link(path)
                    .map_or_else(|_| "?".to_string(), |to| to.display().to_string());
                HostError(format!("`{link}` is a symbolic link to `{to}`, which does not exist"))
            } else {
                HostError(format!("cannot follow the symbolic link `{link}`: {e}"))
            }
        })?;
        if !self.policy.follow_outside && !target.starts_with(&self.policy.canonical_root) {
            return Err(HostError(format!(
                "`{}` is a symbolic link to `{}`, outside the site: it is not followed unless \
                 `follow_outside_symlinks = true` is set in dodeca.toml",
                self.name(rel),
                target.display()
            )));
        }
        let meta = std::fs::metadata(&target)
            .map_err(|e| HostError(format!("cannot read {}: {e}", target.display())))?;
        Ok((target, meta))
    }
}

/// A directory found by [`list_dir`], to be walked unless it was walked already.
struct Subdir {
    path: PathBuf,
    /// Its path relative to the walked directory, with a trailing `/`.
    prefix: String,
    id: DirId,
    /// Where it resolves to, if it is a symbolic link.
    link_to: Option<PathBuf>,
}

/// Files under `dir` (recursively) with `extension` (any if empty), each stamped as it is
/// listed, sorted by relative path. A missing directory has no files. Directories are read on
/// up to `threads` threads; a stamp is taken relative to its open directory (`DirEntry`'s
/// metadata), which spares the kernel walking the whole path again for every file. Symbolic
/// links, `dir` itself included, are followed as `policy` allows.
///
/// # Errors
///
/// A directory that cannot be read, a name that is not UTF-8, a symbolic link that points
/// outside the site (unless `policy` allows it) or nowhere, and a directory reached twice (by
/// a link to a directory that contains it, or by two paths).
pub(crate) fn files_under(
    dir: &Path,
    extension: &str,
    threads: usize,
    policy: &ScanPolicy,
) -> Result<Listing, HostError> {
    let site = SiteView {
        policy,
        top: dir.strip_prefix(&policy.root).unwrap_or(dir).display().to_string(),
    };
    let top_id = match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.file_type().is_symlink() => dir_id(&site.follow(dir, "")?.1),
        Ok(meta) => dir_id(&meta),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Listing { dir: dir.to_path_buf(), files: Vec::new() });
        }
        Err(e) => return Err(HostError(format!("cannot read {}: {e}", dir.display()))),
    };
    // The top directory on this thread: the walk goes parallel only if it branches there
    // (a site's sections), so a small directory costs no thread.
    let mut out = Vec::new();
    let mut subdirs = Vec::new();
    list_dir(dir, "", extension, &site, &mut out, &mut subdirs)?;
    let mut walk =
        Walk { dirs: Vec::new(), busy: 0, seen: HashMap::from([(top_id, String::new())]) };
    walk.admit(subdirs, &site)?;
    let threads = if walk.dirs.len() < 2 { 1 } else { threads.max(1) };
    let pending = Mutex::new(walk);
    let changed = parking_lot::Condvar::new();
    let failed: Mutex<Option<HostError>> = Mutex::new(None);
    let walker = || -> Vec<Found> {
        let mut found = Vec::new();
        loop {
            let next = {
                let mut walk = pending.lock();
                loop {
                    if failed.lock().is_some() {
                        break None;
                    }
                    if let Some(next) = walk.dirs.pop() {
                        walk.busy += 1;
                        break Some(next);
                    }
                    if walk.busy == 0 {
                        break None;
                    }
                    changed.wait(&mut walk);
                }
            };
            let Some((current, prefix)) = next else {
                changed.notify_all();
                return found;
            };
            let mut subdirs = Vec::new();
            let listed = list_dir(&current, &prefix, extension, &site, &mut found, &mut subdirs);
            let mut walk = pending.lock();
            walk.busy -= 1;
            if let Err(error) = listed.and_then(|()| walk.admit(subdirs, &site)) {
                failed.lock().get_or_insert(error);
            }
            changed.notify_all();
        }
    };
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(walker)).collect();
        out.extend(walker());
        for helper in helpers {
            out.extend(helper.join().unwrap_or_default());
        }
    });
    if let Some(error) = failed.into_inner() {
        return Err(error);
    }
    out.sort_unstable_by(|a, b| a.rel.cmp(&b.rel));
    Ok(Listing { dir: dir.to_path_buf(), files: out })
}

/// Directories waiting to be listed, how many are being listed, and every directory walked.
struct Walk {
    /// (directory, its path relative to the walked directory with a trailing `/`)
    dirs: Vec<(PathBuf, String)>,
    busy: usize,
    /// Each directory walked or waiting, with its path relative to the walked directory ("" for
    /// the walked directory itself).
    seen: HashMap<DirId, String>,
}

impl Walk {
    /// Queues `subdirs`, each unless it was reached before: through a link to a directory
    /// that contains it (the walk would never end), or by another path (every file under it
    /// would be listed twice).
    fn admit(&mut self, subdirs: Vec<Subdir>, site: &SiteView) -> Result<(), HostError> {
        for subdir in subdirs {
            if let Some(first) = self.seen.get(&subdir.id) {
                // A directory is walked only at its first path, so the first path reaching
                // the same directory above this one is the one containing it.
                let here = site.name(&subdir.prefix);
                let first_name = site.name(first);
                let contains = subdir.prefix.starts_with(first.as_str());
                return Err(HostError(match (&subdir.link_to, contains) {
                    (Some(target), true) => format!(
                        "`{here}` is a symbolic link to `{}`, which contains it: the scan would \
                         never end",
                        site.target_name(target)
                    ),
                    (None, true) => format!(
                        "`{here}` is `{first_name}` again, reached through a symbolic link \
                         inside it: the scan would never end"
                    ),
                    (Some(target), false) if site.target_name(target) == first_name => format!(
                        "`{here}` is a symbolic link to `{first_name}`, which the scan also \
                         walks: every file under it would be listed twice"
                    ),
                    (Some(target), false) => format!(
                        "`{here}` is a symbolic link to `{}`, a directory the scan also reaches \
                         as `{first_name}`: every file under it would be listed twice",
                        site.target_name(target)
                    ),
                    (None, false) => format!(
                        "`{here}` is a directory the scan also reaches as `{first_name}` \
                         (through a symbolic link): every file under it would be listed twice"
                    ),
                }));
            }
            self.seen.insert(subdir.id, subdir.prefix.clone());
            self.dirs.push((subdir.path, subdir.prefix));
        }
        Ok(())
    }
}

/// Lists one directory: its files into `found`, its subdirectories into `subdirs`.
fn list_dir(
    current: &Path,
    prefix: &str,
    extension: &str,
    site: &SiteView,
    found: &mut Vec<Found>,
    subdirs: &mut Vec<Subdir>,
) -> Result<(), HostError> {
    let entries = match std::fs::read_dir(current) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(HostError(format!("cannot read {}: {e}", current.display()))),
    };
    let wanted = |name: &str| {
        extension.is_empty()
            || name.rsplit_once('.').is_some_and(|(stem, ext)| !stem.is_empty() && ext == extension)
    };
    for entry in entries {
        let entry =
            entry.map_err(|e| HostError(format!("cannot read {}: {e}", current.display())))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            let path = entry.path();
            return Err(HostError(format!("{}: file names must be UTF-8", path.display())));
        };
        // The entry's type costs no system call on most file systems (an `lstat` on the
        // others). An entry gone since the directory was read is not listed.
        let kind = match entry.file_type() {
            Ok(kind) => kind,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(HostError(format!("cannot read {}: {e}", entry.path().display())));
            }
        };
        if kind.is_symlink() {
            // An editor's lock file (Emacs makes `.#page.md` a dangling link while a buffer
            // is modified): never content, and an error would stop every build while editing.
            if name.starts_with(".#") {
                continue;
            }
            // Every other link is resolved, whatever its name: it may be a directory.
            let rel = format!("{prefix}{name}");
            let (target, meta) = site.follow(&entry.path(), &rel)?;
            if meta.is_dir() {
                let id = dir_id(&meta);
                subdirs.push(Subdir {
                    path: entry.path(),
                    prefix: rel + "/",
                    id,
                    link_to: Some(target),
                });
            } else if wanted(name) {
                found.push(Found { rel, stamp: Some(Stamp::of(&meta)) });
            }
        } else if kind.is_dir() {
            // Its identity, to find it again by another path: one `stat`, relative to the
            // open directory.
            let meta = match entry.metadata() {
                Ok(meta) => meta,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => {
                    return Err(HostError(format!("cannot read {}: {e}", entry.path().display())));
                }
            };
            let id = dir_id(&meta);
            subdirs.push(Subdir {
                path: entry.path(),
                prefix: format!("{prefix}{name}/"),
                id,
                link_to: None,
            });
        } else if wanted(name) {
            let stamp = entry.metadata().ok().map(|meta| Stamp::of(&meta));
            found.push(Found { rel: format!("{prefix}{name}"), stamp });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lists and stamps the files, then reads those that changed, as a build's load does;
    /// the listing is for [`Scanner::remember`].
    fn rescan(scanner: &Scanner, dir: &Path, threads: usize) -> (Vec<Option<String>>, Listing) {
        let started = SystemTime::now();
        let policy = ScanPolicy::new(dir, false).unwrap();
        let mut listing = files_under(dir, "md", threads, &policy).unwrap();
        let changed = scanner.changed(&mut [&mut listing], started);
        (read_texts(&listing, &changed[0], threads).unwrap(), listing)
    }

    fn site() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "dodeca-scan-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("blog/deep")).unwrap();
        for (rel, text) in
            [("a.md", "a"), ("blog/b.md", "b"), ("blog/deep/c.md", "c"), ("blog/notes.txt", "t")]
        {
            std::fs::write(dir.join(rel), text).unwrap();
        }
        dir
    }

    #[test]
    fn files_under_lists_relative_paths_sorted_with_the_extension() {
        let dir = site();
        let policy = ScanPolicy::new(&dir, false).unwrap();
        for threads in [1, 2, 4] {
            let listing = files_under(&dir, "md", threads, &policy).unwrap();
            let md: Vec<&str> = listing.files.iter().map(|f| f.rel.as_str()).collect();
            assert_eq!(md, ["a.md", "blog/b.md", "blog/deep/c.md"]);
            assert_eq!(listing.path(&listing.files[1]), dir.join("blog/b.md"));
            assert_eq!(files_under(&dir, "", threads, &policy).unwrap().files.len(), 4);
            let missing = files_under(&dir.join("missing"), "md", threads, &policy).unwrap();
            assert!(missing.files.is_empty());
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_rescan_reads_only_files_whose_stamp_changed() {
        let dir = site();
        let scanner = Scanner::default();
        let (texts, listing) = rescan(&scanner, &dir, 2);
        assert!(texts.iter().all(Option::is_some));
        scanner.remember(vec![listing]);
        // Just written: not settled, so read again.
        let (texts, listing) = rescan(&scanner, &dir, 2);
        assert!(texts.iter().all(Option::is_some), "files touched just now are read again");
        scanner.remember(vec![listing]);
        std::thread::sleep(RACY * 2);
        let (texts, listing) = rescan(&scanner, &dir, 2);
        assert!(texts.iter().all(Option::is_some), "their stamps were not remembered");
        scanner.remember(vec![listing]);
        let (texts, listing) = rescan(&scanner, &dir, 2);
        assert!(texts.iter().all(Option::is_none), "settled and unchanged: not read");
        scanner.remember(vec![listing]);
        std::fs::write(dir.join("blog/b.md"), "changed").unwrap();
        let (texts, listing) = rescan(&scanner, &dir, 2);
        assert_eq!(texts, [None, Some("changed".to_string()), None]);
        scanner.remember(vec![listing]);
        // A file added between two that are known, and one forgotten: both read.
        std::thread::sleep(RACY * 2);
        let (_, listing) = rescan(&scanner, &dir, 2);
        scanner.remember(vec![listing]);
        std::fs::write(dir.join("b.md"), "new").unwrap();
        scanner.forget(&dir.join("blog/deep/c.md"));
        let (texts, _) = rescan(&scanner, &dir, 2);
        assert_eq!(texts, [None, Some("new".to_string()), None, Some("c".to_string())]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn stamps_not_remembered_are_not_trusted() {
        let dir = site();
        let scanner = Scanner::default();
        std::thread::sleep(RACY * 2);
        let (_, listing) = rescan(&scanner, &dir, 1);
        drop(listing); // the caller failed to store the texts
        let (texts, _) = rescan(&scanner, &dir, 1);
        assert!(texts.iter().all(Option::is_some));
        std::fs::remove_dir_all(dir).unwrap();
    }

    /// An empty directory of its own for a test of links, named after it.
    fn empty_site(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dodeca-scan-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Writes each file (its directories made) and makes each link (`link`, `target`).
    fn lay_out(root: &Path, files: &[&str], links: &[(&str, &str)]) {
        for rel in files {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, rel).unwrap();
        }
        for (link, target) in links {
            let path = root.join(link);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::os::unix::fs::symlink(target, &path).unwrap();
        }
    }

    /// What scanning `root/dir` gives with 1 and with 2 threads: the files listed, or the error.
    fn scan(root: &Path, dir: &str, follow_outside: bool) -> [Result<Vec<String>, String>; 2] {
        let policy = ScanPolicy::new(root, follow_outside).unwrap();
        [1, 2].map(|threads| {
            files_under(&root.join(dir), "", threads, &policy)
                .map(|listing| listing.files.into_iter().map(|f| f.rel).collect())
                .map_err(|e| e.0)
        })
    }

    /// The files listed under `root/dir`, the same with 1 and 2 threads.
    fn listed(root: &Path, dir: &str, follow_outside: bool) -> Vec<String> {
        let [one, two] = scan(root, dir, follow_outside);
        let one = one.unwrap();
        assert_eq!(one, two.unwrap(), "the same with 1 and 2 threads");
        one
    }

    /// Asserts that scanning `root/dir` fails, with 1 and 2 threads, with an error containing
    /// every one of `parts`.
    fn assert_refused(root: &Path, dir: &str, follow_outside: bool, parts: &[&str]) {
        for result in scan(root, dir, follow_outside) {
            let error = result.expect_err("the scan should fail");
            for part in parts {
                assert!(error.contains(part), "{error:?} should contain {part:?}");
            }
        }
    }

    #[test]
    fn a_link_inside_the_site_is_followed() {
        let root = empty_site("inside");
        lay_out(
            &root,
            &["content/a.md", "shared/f.md", "shared/dir/s.md", "shared/dir/deep/t.md"],
            &[("content/f.md", "../shared/f.md"), ("content/linked", "../shared/dir")],
        );
        assert_eq!(
            listed(&root, "content", false),
            ["a.md", "f.md", "linked/deep/t.md", "linked/s.md"]
        );
        // The file is read through its link, and stamped as its target.
        let policy = ScanPolicy::new(&root, false).unwrap();
        let listing = files_under(&root.join("content"), "md", 2, &policy).unwrap();
        let texts = read_texts(&listing, &[true; 4], 2).unwrap();
        assert_eq!(texts[1].as_deref(), Some("shared/f.md"));
        let target = std::fs::metadata(root.join("shared/f.md")).unwrap();
        assert_eq!(listing.files[1].stamp, Some(Stamp::of(&target)));
        // The same when the site is named through a link, or by a relative path with `..`.
        let alias = empty_site("inside-alias").join("site");
        std::os::unix::fs::symlink(&root, &alias).unwrap();
        assert_eq!(listed(&alias, "content", false).len(), 4);
        let dotted = root.join("shared/..");
        assert_eq!(listed(&dotted, "content", false).len(), 4);
        std::fs::remove_dir_all(alias.parent().unwrap()).unwrap();
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_link_outside_the_site_is_refused_unless_allowed() {
        let outside = empty_site("outside-target");
        lay_out(&outside, &["secret.md", "keys/id_rsa"], &[]);
        let outside = std::fs::canonicalize(outside).unwrap();
        let root = empty_site("outside");
        let secret = outside.join("secret.md");
        let keys = outside.join("keys");
        lay_out(
            &root,
            &["content/a.md", "static/style.css"],
            &[
                ("content/notes.md", secret.to_str().unwrap()),
                ("static/keys", keys.to_str().unwrap()),
            ],
        );
        let file_error = [
            "`content/notes.md` is a symbolic link to ",
            secret.to_str().unwrap(),
            "outside the site",
            "follow_outside_symlinks = true",
        ];
        assert_refused(&root, "content", false, &file_error);
        let dir_error = [
            "`static/keys`",
            keys.to_str().unwrap(),
            "outside the site",
            "follow_outside_symlinks",
        ];
        assert_refused(&root, "static", false, &dir_error);
        // A link out of the site and back in is inside.
        std::os::unix::fs::symlink(root.join("content/a.md"), outside.join("back.md")).unwrap();
        lay_out(&root, &[], &[("content/back.md", outside.join("back.md").to_str().unwrap())]);
        std::fs::remove_file(root.join("content/notes.md")).unwrap();
        assert_eq!(listed(&root, "content", false), ["a.md", "back.md"]);
        lay_out(&root, &[], &[("content/notes.md", secret.to_str().unwrap())]);
        // Allowed: followed.
        assert_eq!(listed(&root, "content", true), ["a.md", "back.md", "notes.md"]);
        assert_eq!(listed(&root, "static", true), ["keys/id_rsa", "style.css"]);
        std::fs::remove_dir_all(outside).unwrap();
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn two_links_to_the_current_directory_end_the_scan_with_an_error() {
        let root = empty_site("dot");
        lay_out(&root, &["content/a.md"], &[("content/x", "."), ("content/y", ".")]);
        // Each link contains itself: whichever is met first ends the scan.
        assert_refused(
            &root,
            "content",
            false,
            &["is a symbolic link to `content`, which contains it", "never end"],
        );
        std::fs::remove_dir_all(root).unwrap();
        // So does a chain of links that would double the walk at every level.
        let root = empty_site("chain");
        let targets: Vec<[String; 3]> = (0..40)
            .map(|i| [format!("chain/d{i}/a"), format!("chain/d{i}/b"), format!("../d{}", i + 1)])
            .collect();
        let mut links = vec![("content/start", "../chain/d0")];
        for [a, b, target] in &targets {
            links.extend([(a.as_str(), target.as_str()), (b.as_str(), target.as_str())]);
        }
        lay_out(&root, &["content/a.md", "chain/d40/f.md"], &links);
        assert_refused(
            &root,
            "content",
            false,
            &[
                "is a symbolic link to `chain/d1`",
                "`content/start/a`",
                "`content/start/b`",
                "twice",
            ],
        );
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_link_to_an_ancestor_is_a_loop_error() {
        let root = empty_site("ancestor");
        lay_out(&root, &["content/blog/deep/c.md"], &[("content/blog/deep/up", "../..")]);
        assert_refused(
            &root,
            "content",
            false,
            &[
                "`content/blog/deep/up` is a symbolic link to `content`, which contains it",
                "never end",
            ],
        );
        std::fs::remove_file(root.join("content/blog/deep/up")).unwrap();
        lay_out(&root, &[], &[("content/blog/deep/up", "..")]);
        assert_refused(
            &root,
            "content",
            false,
            &["`content/blog/deep/up` is a symbolic link to `content/blog`, which contains it"],
        );
        // A link to the site's root, above the walk: the walk comes back to `content` below it.
        std::fs::remove_file(root.join("content/blog/deep/up")).unwrap();
        lay_out(&root, &[], &[("content/blog/root", "../..")]);
        assert_refused(
            &root,
            "content",
            false,
            &["`content/blog/root/content` is `content` again", "never end"],
        );
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_directory_reached_twice_is_an_error_naming_both() {
        let root = empty_site("twice");
        lay_out(
            &root,
            &["content/a.md", "shared/s.md"],
            &[("content/one", "../shared"), ("content/two", "../shared")],
        );
        let both = ["`content/one`", "`content/two`", "`shared`", "listed twice"];
        assert_refused(&root, "content", false, &both);
        std::fs::remove_dir_all(root).unwrap();
        // A link to a directory also walked directly.
        let root = empty_site("twice-direct");
        lay_out(&root, &["content/blog/b.md"], &[("content/alias", "blog")]);
        assert_refused(&root, "content", false, &["`content/alias`", "`content/blog`", "twice"]);
        std::fs::remove_dir_all(root).unwrap();
        // Two links to one file are two files.
        let root = empty_site("twice-file");
        lay_out(&root, &["content/a.md"], &[("content/b.md", "a.md"), ("content/c.md", "a.md")]);
        assert_eq!(listed(&root, "content", false), ["a.md", "b.md", "c.md"]);
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_dangling_link_is_an_error_naming_it() {
        let root = empty_site("dangling");
        lay_out(&root, &["content/a.md"], &[("content/blog/old.md", "gone.md")]);
        assert_refused(
            &root,
            "content",
            false,
            &["`content/blog/old.md` is a symbolic link to `gone.md`, which does not exist"],
        );
        // Even with outside links allowed, and whatever the link's name.
        assert_refused(&root, "content", true, &["`content/blog/old.md`", "does not exist"]);
        std::fs::remove_file(root.join("content/blog/old.md")).unwrap();
        lay_out(&root, &[], &[("content/notes.txt", "gone")]);
        let policy = ScanPolicy::new(&root, false).unwrap();
        let error = files_under(&root.join("content"), "md", 1, &policy).unwrap_err().0;
        assert!(
            error.contains("`content/notes.txt`") && error.contains("does not exist"),
            "{error}"
        );
        // A link to itself cannot be followed either.
        std::fs::remove_file(root.join("content/notes.txt")).unwrap();
        lay_out(&root, &[], &[("content/self", "self")]);
        assert_refused(
            &root,
            "content",
            false,
            &["cannot follow the symbolic link `content/self`"],
        );
        // An editor's lock file is a dangling link by design: skipped, not an error.
        std::fs::remove_file(root.join("content/self")).unwrap();
        lay_out(&root, &[], &[("content/.#a.md", "user@host.1234:1700000000")]);
        assert_eq!(listed(&root, "content", false), ["a.md"]);
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_symlinked_top_directory_follows_the_same_rules() {
        let outside = empty_site("top-outside");
        lay_out(&outside, &["o.md"], &[]);
        let outside = std::fs::canonicalize(outside).unwrap();
        let root = empty_site("top");
        lay_out(
            &root,
            &["src/content/a.md", "src/content/blog/b.md"],
            &[("content", "src/content")],
        );
        assert_eq!(listed(&root, "content", false), ["a.md", "blog/b.md"]);
        // Outside: refused unless allowed.
        std::fs::remove_file(root.join("content")).unwrap();
        lay_out(&root, &[], &[("content", outside.to_str().unwrap())]);
        assert_refused(
            &root,
            "content",
            false,
            &["`content` is a symbolic link to ", outside.to_str().unwrap(), "outside the site"],
        );
        assert_eq!(listed(&root, "content", true), ["o.md"]);
        // Dangling.
        std::fs::remove_file(root.join("content")).unwrap();
        lay_out(&root, &[], &[("content", "nowhere")]);
        assert_refused(
            &root,
            "content",
            false,
            &["`content` is a symbolic link to `nowhere`, which does not exist"],
        );
        // To the site's root, which contains it.
        std::fs::remove_file(root.join("content")).unwrap();
        lay_out(&root, &[], &[("content", ".")]);
        assert_refused(
            &root,
            "content",
            false,
            &["`content/content` is a symbolic link to `.`, which contains it", "never end"],
        );
        std::fs::remove_dir_all(outside).unwrap();
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_site_that_cannot_be_resolved_has_no_policy() {
        let root = empty_site("no-policy").join("missing");
        let error = ScanPolicy::new(&root, false).unwrap_err().0;
        assert!(error.starts_with("cannot resolve the site's directory "), "{error}");
        assert!(error.contains("missing"), "{error}");
        std::fs::remove_dir_all(root.parent().unwrap()).unwrap();
    }
}
