//! The output directory: where it may be, what the host wrote there, writing and removing.
//!
//! - `location`: resolving and checking an output directory before anything is written.
//! - `records`: the `cas.db` record of every file written (content hash and file stamp).
//! - `writer`: [`Outputs`], one output directory's bookkeeping for a [`Site`](crate::Site):
//!   writes only what changed, through real directories only, and removes only its own files.
//! - `watch`: inotify on the directories written, so that a rebuild finds outputs changed by
//!   hand without a `stat` of each.
//! - `clean`: `dodeca-host clean`, which removes exactly what the records name.

mod clean;
pub(crate) mod location;
pub(crate) mod records;
mod watch;
mod writer;

pub use clean::{CleanReport, clean};
pub use location::Origin;
pub(crate) use writer::{Outputs, forget_stamps_of_an_interrupted_build};

/// What became of a recorded output that was to be removed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Removal {
    /// Removed (and the directories it leaves empty).
    Removed,
    /// Not there (or not a regular file): nothing to remove.
    Missing,
    /// Left in place: not what the host wrote. The reason names it.
    Kept(String),
}

/// Removes the recorded output `rel` of the directory `root` if it is still the file the host
/// wrote: a regular file, reached through real directories (never a symbolic link), whose
/// stamp matches `tag` or, failing that, whose content hashes to `hash`. Directories it leaves
/// empty are removed too, up to (not including) `root`. A leftover temporary file of an
/// interrupted replacement (`<rel>.dodeca-tmp`, a name only the host uses) goes as well.
pub(crate) fn remove_recorded(
    root: &std::path::Path,
    rel: &str,
    hash: cas::ContentHash,
    tag: u64,
) -> Result<Removal, crate::error::HostError> {
    use crate::error::HostError;
    if !records::is_plain_relative(rel) {
        return Ok(Removal::Kept(format!("`{rel}` is not a path the host writes")));
    }
    if let Some(link) = writer::first_non_directory(root, rel) {
        return Ok(Removal::Kept(format!(
            "{} is reached through {}, which is not a real directory",
            root.join(rel).display(),
            link.display()
        )));
    }
    let path = root.join(rel);
    let temporary = writer::temporary_of(&path);
    if records::Stamp::of_file(&temporary).is_some() {
        let _ = std::fs::remove_file(&temporary);
    }
    let Some(stamp) = records::Stamp::of_file(&path) else { return Ok(Removal::Missing) };
    if stamp.tag() != tag {
        let bytes = std::fs::read(&path).map_err(|e| HostError::io("read", &path, e))?;
        if cas::ContentHash::of(&bytes) != hash {
            return Ok(Removal::Kept(format!(
                "{} was changed since dodeca-host wrote it",
                path.display()
            )));
        }
    }
    match std::fs::remove_file(&path) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Removal::Missing),
        Err(e) => return Err(HostError::io("remove", &path, e)),
    }
    remove_empty_parents(root, rel);
    Ok(Removal::Removed)
}

/// Removes the directories of `rel` below `root` that are now empty, deepest first.
fn remove_empty_parents(root: &std::path::Path, rel: &str) {
    let mut dir = rel;
    while let Some((parent, _)) = dir.rsplit_once('/') {
        // Fails (and stops) at the first directory that still holds something.
        if std::fs::remove_dir(root.join(parent)).is_err() {
            break;
        }
        dir = parent;
    }
}
