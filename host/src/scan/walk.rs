//! The walk of a directory: every file under it listed and stamped, its subdirectories read
//! on several threads.
//!
//! It goes parallel only where it branches, so a small directory costs no thread. The symbolic
//! links it meets, and the directories it must not reach twice, are for `links` to judge.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use parking_lot::Mutex;

use super::links::{DirId, ScanPolicy, SiteView, dir_id};
use super::stamps::{Found, Listing, Stamp};
use crate::error::HostError;

/// A directory found by [`list_dir`], to be walked unless it was walked already.
pub(super) struct Subdir {
    pub(super) path: PathBuf,
    /// Its path relative to the walked directory, with a trailing `/`.
    pub(super) prefix: String,
    pub(super) id: DirId,
    /// Where it resolves to, if it is a symbolic link.
    pub(super) link_to: Option<PathBuf>,
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
        Err(e) => return Err(HostError::io("read", dir, e)),
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
///
/// Subdirectories join it through [`Walk::admit`], which is in `links`: only a symbolic link
/// can bring the walk to a directory it has seen.
pub(super) struct Walk {
    /// (directory, its path relative to the walked directory with a trailing `/`)
    pub(super) dirs: Vec<(PathBuf, String)>,
    busy: usize,
    /// Each directory walked or waiting, with its path relative to the walked directory ("" for
    /// the walked directory itself).
    pub(super) seen: HashMap<DirId, String>,
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
        Err(e) => return Err(HostError::io("read", current, e)),
    };
    let wanted = |name: &str| {
        extension.is_empty()
            || name.rsplit_once('.').is_some_and(|(stem, ext)| !stem.is_empty() && ext == extension)
    };
    for entry in entries {
        let entry = entry.map_err(|e| HostError::io("read", current, e))?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            let path = entry.path();
            return Err(HostError::FileName(path));
        };
        // The entry's type costs no system call on most file systems (an `lstat` on the
        // others). An entry gone since the directory was read is not listed.
        let kind = match entry.file_type() {
            Ok(kind) => kind,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(HostError::io("read", entry.path(), e));
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
                    return Err(HostError::io("read", entry.path(), e));
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
    use crate::scan::test_support::site;

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
}
