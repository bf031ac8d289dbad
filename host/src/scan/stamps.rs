//! What each file looked like at the last scan that stored it, and so which files a rescan
//! reads again: the new ones, and those whose stamp differs or was too recent to trust.
//!
//! A stamp can miss a change when a file is written twice within one tick of the file
//! system's clock, the second time to the same length. So, like git's index, a stamp is only
//! remembered when the file's times are well before the start of the scan that read it (the
//! file clock is coarse and may lag the wall clock): a file touched just before a scan is read
//! again by the next one.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use parking_lot::Mutex;

use crate::error::HostError;

/// Files whose times are within this of a scan's start are read again by the next scan.
const RACY: Duration = Duration::from_millis(100);

/// What identifies a version of a file without reading it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    len: u64,
    modified: (i64, i64),
    changed: (i64, i64),
    inode: u64,
}

impl Stamp {
    pub(super) fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp {
            len: meta.len(),
            modified: (meta.mtime(), meta.mtime_nsec()),
            changed: (meta.ctime(), meta.ctime_nsec()),
            inode: meta.ino(),
        }
    }

    /// The stamp as six numbers, for a file that keeps it between processes (`cache/state.rs`).
    pub(crate) fn to_words(self) -> [u64; 6] {
        [
            self.len,
            self.modified.0 as u64,
            self.modified.1 as u64,
            self.changed.0 as u64,
            self.changed.1 as u64,
            self.inode,
        ]
    }

    /// A stamp kept by [`to_words`](Self::to_words).
    pub(crate) fn from_words(words: [u64; 6]) -> Stamp {
        Stamp {
            len: words[0],
            modified: (words[1] as i64, words[2] as i64),
            changed: (words[3] as i64, words[4] as i64),
            inode: words[5],
        }
    }

    /// Whether both times are before `limit` (seconds and nanoseconds since the epoch).
    fn settled_before(&self, limit: (i64, i64)) -> bool {
        self.modified < limit && self.changed < limit
    }
}

/// The files found under one directory by [`files_under`](super::files_under), sorted by
/// relative path.
#[derive(Clone, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) rel: String,
    /// `None` if it could not be taken then (the file is read, which reports any error), or,
    /// once read, if it is too recent to be trusted by the next scan.
    pub(crate) stamp: Option<Stamp>,
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

    /// The paths of the files the last scan listed under `dir`, sorted (none when it is not
    /// known: then every file of this scan counts as changed anyway).
    pub(crate) fn listed(&self, dir: &Path) -> Vec<String> {
        let last = self.last.lock();
        let listing = last.iter().find(|listing| listing.dir == dir);
        listing
            .map(|listing| listing.files.iter().map(|found| found.rel.clone()).collect())
            .unwrap_or_default()
    }

    /// Runs `f` on the listings remembered (to save them for the next process).
    pub(crate) fn with_remembered<T>(&self, f: impl FnOnce(&[Listing]) -> T) -> T {
        f(&self.last.lock())
    }
}

/// Whether `new` (a scan) lists exactly the files of `old` (listings remembered by an earlier
/// scan), each with a stamp that was trusted then and is the same now.
pub(crate) fn same_stamps(old: &[Listing], new: &[Listing]) -> bool {
    old.len() == new.len()
        && old.iter().zip(new).all(|(old, new)| {
            old.dir == new.dir
                && old.files.len() == new.files.len()
                && old.files.iter().zip(&new.files).all(|(old, new)| {
                    old.rel == new.rel && old.stamp.is_some() && old.stamp == new.stamp
                })
        })
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
        let text = std::fs::read_to_string(&path).map_err(|e| HostError::io("read", path, e));
        async move { text }
    });
    let mut texts = vec![None; listing.files.len()];
    for (f, text) in to_read.into_iter().zip(results) {
        texts[f] = Some(text?);
    }
    Ok(texts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::test_support::site;
    use crate::scan::{ScanPolicy, files_under};

    /// Lists and stamps the files, then reads those that changed, as a build's load does;
    /// the listing is for [`Scanner::remember`].
    fn rescan(scanner: &Scanner, dir: &Path, threads: usize) -> (Vec<Option<String>>, Listing) {
        let started = SystemTime::now();
        let policy = ScanPolicy::new(dir, false).unwrap();
        let mut listing = files_under(dir, "md", threads, &policy).unwrap();
        let changed = scanner.changed(&mut [&mut listing], started);
        (read_texts(&listing, &changed[0], threads).unwrap(), listing)
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
}
