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

use std::collections::HashMap;
use std::ffi::OsString;
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

/// A file found by [`files_under`]: its path relative to the walked directory (with `/`
/// separators), its full path, and its stamp when it was listed.
#[derive(Clone, Debug)]
pub(crate) struct Found {
    pub(crate) rel: String,
    pub(crate) path: PathBuf,
    /// `None` if it could not be taken then: the file is read, which reports any error.
    stamp: Option<Stamp>,
}

impl Found {
    /// A file named directly rather than found by a walk (the site's config).
    pub(crate) fn at(rel: &str, path: PathBuf) -> Found {
        let stamp = std::fs::metadata(&path).ok().map(|meta| Stamp::of(&meta));
        Found { rel: rel.to_string(), path, stamp }
    }
}

/// Stamps by full path. Paths hash as bytes: `Path`'s own hash goes component by component,
/// several times slower, and a rescan looks up every file of the site.
type StampMap = HashMap<OsString, Stamp>;

/// The stamps of one scan, to be remembered once its texts are stored.
pub(crate) struct Stamps(StampMap);

/// The stamps of the last scan whose texts were stored.
#[derive(Default)]
pub(crate) struct Scanner {
    stamps: Mutex<StampMap>,
}

impl Scanner {
    /// Forgets what is known of `path`, so the next scan reads it (after a watcher or the
    /// caller read it by other means).
    pub(crate) fn forget(&self, path: &Path) {
        self.stamps.lock().remove(path.as_os_str());
    }

    /// For each file, `Some(text)` if it may have changed since the last scan (or was never
    /// read), `None` if its stamp says it is as it was; read on up to `threads` threads.
    /// `started` is when the scan began, before the files were listed and stamped: only
    /// stamps well before it are trusted next time.
    ///
    /// What was read is known only once the caller has stored it: it hands the returned
    /// [`Stamps`] to [`remember`](Self::remember) then. Until then (and for good, if the
    /// caller fails first) nothing is known, and the next scan reads every file.
    ///
    /// # Errors
    ///
    /// A file that cannot be read, or is not UTF-8, named.
    pub(crate) fn read_changed(
        &self,
        files: &[&Found],
        threads: usize,
        started: SystemTime,
    ) -> Result<(Vec<Option<String>>, Stamps), HostError> {
        let limit = started
            .checked_sub(RACY)
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or((0, 0), |d| (d.as_secs() as i64, i64::from(d.subsec_nanos())));
        let mut known = std::mem::take(&mut *self.stamps.lock());
        // Unchanged files are decided here, without a thread: a lookup each. The rest are
        // read on the threads.
        let mut texts: Vec<Option<String>> = Vec::with_capacity(files.len());
        let mut stamps = StampMap::with_capacity(files.len());
        let mut to_read = Vec::new();
        for (i, found) in files.iter().enumerate() {
            match (found.stamp, known.remove_entry(found.path.as_os_str())) {
                (Some(stamp), Some((path, last))) if stamp == last => {
                    stamps.insert(path, stamp);
                }
                _ => to_read.push(i),
            }
            texts.push(None);
        }
        let read_one = |found: &Found| -> Result<(String, Option<Stamp>), HostError> {
            let path = &found.path;
            let fail =
                |e: std::io::Error| HostError(format!("cannot read {}: {e}", path.display()));
            let text = std::fs::read_to_string(path).map_err(fail)?;
            // A file touched just before this scan may change again within the same tick of
            // its clock without its stamp changing: not remembered, so read again next time.
            Ok((text, found.stamp.filter(|stamp| stamp.settled_before(limit))))
        };
        let results = crate::exec::run_all(threads, 1, &to_read, |&i| {
            let result = read_one(files[i]);
            async move { result }
        });
        for (&i, result) in to_read.iter().zip(results) {
            let (text, stamp) = result?;
            if let Some(stamp) = stamp {
                stamps.insert(files[i].path.clone().into_os_string(), stamp);
            }
            texts[i] = Some(text);
        }
        Ok((texts, Stamps(stamps)))
    }

    /// Records the stamps of a scan whose texts are now stored.
    pub(crate) fn remember(&self, stamps: Stamps) {
        *self.stamps.lock() = stamps.0;
    }
}

/// Files under `dir` (recursively) with `extension` (any if empty), each stamped as it is
/// listed, sorted by relative path. A missing directory has no files. Directories are read on
/// up to `threads` threads; a stamp is taken relative to its open directory (`DirEntry`'s
/// metadata), which spares the kernel walking the whole path again for every file.
///
/// # Errors
///
/// A directory that cannot be read, or a name that is not UTF-8.
pub(crate) fn files_under(
    dir: &Path,
    extension: &str,
    threads: usize,
) -> Result<Vec<Found>, HostError> {
    // The top directory on this thread: the walk goes parallel only if it branches there
    // (a site's sections), so a small directory costs no thread.
    let mut out = Vec::new();
    // (directory, its path relative to `dir` with a trailing `/`, or "" for `dir` itself)
    let mut dirs = Vec::new();
    list_dir(dir, "", extension, &mut out, &mut dirs)?;
    let threads = if dirs.len() < 2 { 1 } else { threads.max(1) };
    let pending = Mutex::new(Walk { dirs, busy: 0 });
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
            if let Err(error) = list_dir(&current, &prefix, extension, &mut found, &mut subdirs) {
                failed.lock().get_or_insert(error);
            }
            let mut walk = pending.lock();
            walk.busy -= 1;
            walk.dirs.extend(subdirs);
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
    Ok(out)
}

/// Directories waiting to be listed, and how many are being listed.
struct Walk {
    dirs: Vec<(PathBuf, String)>,
    busy: usize,
}

/// Lists one directory: its files into `found`, its subdirectories into `subdirs`.
fn list_dir(
    current: &Path,
    prefix: &str,
    extension: &str,
    found: &mut Vec<Found>,
    subdirs: &mut Vec<(PathBuf, String)>,
) -> Result<(), HostError> {
    let entries = match std::fs::read_dir(current) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(HostError(format!("cannot read {}: {e}", current.display()))),
    };
    for entry in entries {
        let entry =
            entry.map_err(|e| HostError(format!("cannot read {}: {e}", current.display())))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            let path = entry.path();
            return Err(HostError(format!("{}: file names must be UTF-8", path.display())));
        };
        // The entry's type costs no system call on most file systems; a symbolic link is
        // followed to see what it points at.
        let kind = entry.file_type().ok();
        let is_link = kind.is_none_or(|kind| kind.is_symlink());
        let is_dir = if is_link { entry.path().is_dir() } else { kind.is_some_and(|k| k.is_dir()) };
        if is_dir {
            subdirs.push((entry.path(), format!("{prefix}{name}/")));
            continue;
        }
        if !extension.is_empty()
            && name.rsplit_once('.').is_none_or(|(stem, ext)| stem.is_empty() || ext != extension)
        {
            continue;
        }
        let path = entry.path();
        let meta = if is_link { std::fs::metadata(&path) } else { entry.metadata() };
        let stamp = meta.ok().map(|meta| Stamp::of(&meta));
        found.push(Found { rel: format!("{prefix}{name}"), path, stamp });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(files: &[Found]) -> Vec<&Found> {
        files.iter().collect()
    }

    /// Lists and stamps the files, then reads those that changed, as a build's load does.
    fn rescan(scanner: &Scanner, dir: &Path, threads: usize) -> (Vec<Option<String>>, Stamps) {
        let started = SystemTime::now();
        let files = files_under(dir, "md", threads).unwrap();
        scanner.read_changed(&refs(&files), threads, started).unwrap()
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
        for threads in [1, 2, 4] {
            let md: Vec<String> =
                files_under(&dir, "md", threads).unwrap().into_iter().map(|f| f.rel).collect();
            assert_eq!(md, ["a.md", "blog/b.md", "blog/deep/c.md"]);
            assert_eq!(files_under(&dir, "", threads).unwrap().len(), 4);
            assert!(files_under(&dir.join("missing"), "md", threads).unwrap().is_empty());
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_rescan_reads_only_files_whose_stamp_changed() {
        let dir = site();
        let scanner = Scanner::default();
        let (texts, stamps) = rescan(&scanner, &dir, 2);
        assert!(texts.iter().all(Option::is_some));
        scanner.remember(stamps);
        // Just written: not settled, so read again.
        let (texts, stamps) = rescan(&scanner, &dir, 2);
        assert!(texts.iter().all(Option::is_some), "files touched just now are read again");
        scanner.remember(stamps);
        std::thread::sleep(RACY * 2);
        let (texts, stamps) = rescan(&scanner, &dir, 2);
        assert!(texts.iter().all(Option::is_some), "their stamps were not remembered");
        scanner.remember(stamps);
        let (texts, stamps) = rescan(&scanner, &dir, 2);
        assert!(texts.iter().all(Option::is_none), "settled and unchanged: not read");
        scanner.remember(stamps);
        std::fs::write(dir.join("blog/b.md"), "changed").unwrap();
        let (texts, _) = rescan(&scanner, &dir, 2);
        assert_eq!(texts, [None, Some("changed".to_string()), None]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn stamps_not_remembered_are_not_trusted() {
        let dir = site();
        let scanner = Scanner::default();
        std::thread::sleep(RACY * 2);
        let (_, stamps) = rescan(&scanner, &dir, 1);
        drop(stamps); // the caller failed to store the texts
        let (texts, _) = rescan(&scanner, &dir, 1);
        assert!(texts.iter().all(Option::is_some));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
