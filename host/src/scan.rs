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

/// The stamps of one scan, to be remembered once its texts are stored.
pub(crate) struct Stamps(HashMap<PathBuf, Stamp>);

/// The stamps of the last scan whose texts were stored.
#[derive(Default)]
pub(crate) struct Scanner {
    stamps: Mutex<HashMap<PathBuf, Stamp>>,
}

impl Scanner {
    /// Forgets what is known of `path`, so the next scan reads it (after a watcher or the
    /// caller read it by other means).
    pub(crate) fn forget(&self, path: &Path) {
        self.stamps.lock().remove(path);
    }

    /// For each file, `Some(text)` if it may have changed since the last scan (or was never
    /// read), `None` if its stamp says it is as it was; read on up to `threads` threads.
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
        files: &[(String, PathBuf)],
        threads: usize,
    ) -> Result<(Vec<Option<String>>, Stamps), HostError> {
        let started = SystemTime::now();
        let limit = started
            .checked_sub(RACY)
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .map_or((0, 0), |d| (d.as_secs() as i64, i64::from(d.subsec_nanos())));
        let known = std::mem::take(&mut *self.stamps.lock());
        let read_one = |path: &PathBuf| -> Result<(Option<String>, Option<Stamp>), HostError> {
            let fail =
                |e: std::io::Error| HostError(format!("cannot read {}: {e}", path.display()));
            let stamp = Stamp::of(&std::fs::metadata(path).map_err(fail)?);
            if known.get(path) == Some(&stamp) {
                return Ok((None, Some(stamp)));
            }
            let text = std::fs::read_to_string(path).map_err(fail)?;
            // A file touched just before this scan may change again within the same tick of
            // its clock without its stamp changing: not remembered, so read again next time.
            Ok((Some(text), stamp.settled_before(limit).then_some(stamp)))
        };
        let results = crate::exec::run_all(threads, 1, files, |(_, path)| {
            let result = read_one(path);
            async move { result }
        });
        let mut stamps = HashMap::with_capacity(files.len());
        let mut texts = Vec::with_capacity(files.len());
        for ((_, path), result) in files.iter().zip(results) {
            let (text, stamp) = result?;
            if let Some(stamp) = stamp {
                stamps.insert(path.clone(), stamp);
            }
            texts.push(text);
        }
        Ok((texts, Stamps(stamps)))
    }

    /// Records the stamps of a scan whose texts are now stored.
    pub(crate) fn remember(&self, stamps: Stamps) {
        *self.stamps.lock() = stamps.0;
    }
}

/// Files under `dir` (recursively) with `extension` (any if empty), as (path relative to `dir`
/// with `/` separators, full path), sorted. A missing directory has no files.
pub(crate) fn files_under(
    dir: &Path,
    extension: &str,
) -> Result<Vec<(String, PathBuf)>, HostError> {
    let mut out = Vec::new();
    // (directory, its path relative to `dir` with a trailing `/`, or "" for `dir` itself)
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((current, prefix)) = stack.pop() {
        let entries = match std::fs::read_dir(&current) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(HostError(format!("cannot read {}: {e}", current.display()))),
        };
        for entry in entries {
            let entry =
                entry.map_err(|e| HostError(format!("cannot read {}: {e}", current.display())))?;
            let path = entry.path();
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                return Err(HostError(format!("{}: file names must be UTF-8", path.display())));
            };
            // The entry's type costs no system call on most file systems; a symbolic link is
            // followed to see what it points at.
            let is_dir = match entry.file_type() {
                Ok(kind) if kind.is_symlink() => path.is_dir(),
                Ok(kind) => kind.is_dir(),
                Err(_) => path.is_dir(),
            };
            if is_dir {
                stack.push((path, format!("{prefix}{name}/")));
                continue;
            }
            if !extension.is_empty()
                && name
                    .rsplit_once('.')
                    .is_none_or(|(stem, ext)| stem.is_empty() || ext != extension)
            {
                continue;
            }
            out.push((format!("{prefix}{name}"), path));
        }
    }
    out.sort_unstable();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let md: Vec<String> = files_under(&dir, "md").unwrap().into_iter().map(|f| f.0).collect();
        assert_eq!(md, ["a.md", "blog/b.md", "blog/deep/c.md"]);
        assert_eq!(files_under(&dir, "").unwrap().len(), 4);
        assert!(files_under(&dir.join("missing"), "md").unwrap().is_empty());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_rescan_reads_only_files_whose_stamp_changed() {
        let dir = site();
        let files = files_under(&dir, "md").unwrap();
        let scanner = Scanner::default();
        let (texts, stamps) = scanner.read_changed(&files, 2).unwrap();
        assert!(texts.iter().all(Option::is_some));
        scanner.remember(stamps);
        // Just written: not settled, so read again.
        let (texts, stamps) = scanner.read_changed(&files, 2).unwrap();
        assert!(texts.iter().all(Option::is_some), "files touched just now are read again");
        scanner.remember(stamps);
        std::thread::sleep(RACY * 2);
        let (texts, stamps) = scanner.read_changed(&files, 2).unwrap();
        assert!(texts.iter().all(Option::is_some), "their stamps were not remembered");
        scanner.remember(stamps);
        let (texts, stamps) = scanner.read_changed(&files, 2).unwrap();
        assert!(texts.iter().all(Option::is_none), "settled and unchanged: not read");
        scanner.remember(stamps);
        std::fs::write(dir.join("blog/b.md"), "changed").unwrap();
        let (texts, _) = scanner.read_changed(&files, 2).unwrap();
        assert_eq!(texts, [None, Some("changed".to_string()), None]);
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn stamps_not_remembered_are_not_trusted() {
        let dir = site();
        let files = files_under(&dir, "md").unwrap();
        let scanner = Scanner::default();
        std::thread::sleep(RACY * 2);
        let (_, stamps) = scanner.read_changed(&files, 1).unwrap();
        drop(stamps); // the caller failed to store the texts
        let (texts, _) = scanner.read_changed(&files, 1).unwrap();
        assert!(texts.iter().all(Option::is_some));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
