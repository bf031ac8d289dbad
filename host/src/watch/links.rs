//! Symbolic links to files: an edit of a link's target is a change of the link.
//!
//! The scan reads a file link through to its target (`content/f.md -> ../shared/f.md`), so an
//! edit of the target changes the page at the link's name, though no event names the link.
//! Each link to a file inside the site is recorded by its target's canonical path, and every
//! change the watcher sees is looked up there. A target whose directory is not watched
//! (`shared/` above) gets a watch on that directory alone, whose events serve only this
//! lookup: the directory, not the file, so that a save that replaces the target (a rename
//! over it, vim's dance) is seen like any other.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use crate::inotify::Inotify;

/// What a target's directory is watched for, when the tree does not watch it. `IN_MASK_ADD`:
/// should the tree watch it after all, its own mask is kept.
const SIDE_MASK: u32 = libc::IN_CREATE
    | libc::IN_DELETE
    | libc::IN_MOVED_FROM
    | libc::IN_MOVED_TO
    | libc::IN_MODIFY
    | libc::IN_CLOSE_WRITE
    | libc::IN_ATTRIB
    | libc::IN_ONLYDIR
    | libc::IN_MASK_ADD;

/// The site's links to files, by target.
#[derive(Default)]
pub(super) struct FileLinks {
    /// Each target (canonical path) with the links (relative to the site) resolving to it.
    by_target: HashMap<PathBuf, BTreeSet<String>>,
    /// Directories of targets that the tree does not watch: by descriptor, canonical path.
    side: HashMap<i32, PathBuf>,
}

impl FileLinks {
    pub(super) fn is_empty(&self) -> bool {
        self.by_target.is_empty()
    }

    /// Records the link `rel` to the file `target` (canonical, inside the site), and watches
    /// the target's directory unless `watched(descriptor)` says the tree does.
    pub(super) fn add(
        &mut self,
        inotify: &Inotify,
        rel: &str,
        target: PathBuf,
        watched: impl Fn(i32) -> bool,
    ) {
        if let Some(dir) = target.parent()
            && !self.side.values().any(|side| side == dir)
            && let Ok(descriptor) = inotify.add_watch(dir, SIDE_MASK)
            && !watched(descriptor)
        {
            self.side.insert(descriptor, dir.to_path_buf());
        }
        self.by_target.entry(target).or_default().insert(rel.to_string());
    }

    /// Forgets the link `rel`, or the links under the directory `rel`.
    pub(super) fn forget(&mut self, rel: &str) {
        let under = format!("{rel}/");
        self.by_target.retain(|_, links| {
            links.retain(|link| link != rel && !link.starts_with(&under));
            !links.is_empty()
        });
    }

    /// The links resolving to `target` (a canonical path).
    pub(super) fn links_to(&self, target: &Path) -> impl Iterator<Item = &String> {
        self.by_target.get(target).into_iter().flatten()
    }

    /// The target directory watched as `descriptor`, if it is one of these.
    pub(super) fn side_dir(&self, descriptor: i32) -> Option<&Path> {
        self.side.get(&descriptor).map(PathBuf::as_path)
    }

    /// Forgets a directory watch the kernel removed.
    pub(super) fn forget_side(&mut self, descriptor: i32) {
        self.side.remove(&descriptor);
    }

    /// Forgets every link, and removes the watches made for them.
    pub(super) fn clear(&mut self, inotify: &Inotify, watched: impl Fn(i32) -> bool) {
        for descriptor in self.side.keys() {
            if !watched(*descriptor) {
                inotify.remove_watch(*descriptor);
            }
        }
        self.side.clear();
        self.by_target.clear();
    }
}
