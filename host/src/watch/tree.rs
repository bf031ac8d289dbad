//! The watch table: which directory of the site each watch descriptor is; adding a directory
//! with everything under it, and forgetting a subtree.
//!
//! A directory is listed only *after* its watch is in place. Whatever is created in it from
//! then on has an event; whatever was created before is in the listing (an entry may be in
//! both, which is harmless: a batch holds each path once). Listing first would leave a window
//! in which a file written into a new directory is never seen, the race every recursive
//! inotify watcher has to close.
//!
//! Symbolic links are judged as the scan judges them (`scan/links.rs`): a link to a directory
//! inside the site is watched as a directory; one whose target is outside the site is not
//! (unless `follow_outside_symlinks`), and is reported as a problem. Loops cannot happen:
//! watching an inode already watched returns its existing descriptor, and a directory reached
//! under a second name is neither recorded nor walked again (the scan refuses such a site,
//! naming both paths, so its events are reported under the first name only).

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};

use super::WatchError;
use super::batch::{Pending, Seen};
use super::error::inotify_setting;
use super::links::FileLinks;
use super::names::is_editor_file;
use crate::inotify::Inotify;

/// The directories of a site that hold its sources, watched recursively. The site's root is
/// watched on its own (not recursively) for these and the config file appearing later.
/// `themes`: the whole directory, not only the config's theme's `templates/`, `static/` and
/// `sass/`, so that an edit of `theme.toml`, and a theme named by an edit of the config, are
/// seen without watching anew (an edit of another theme is a rescan that finds nothing
/// changed). `sass`: watched whether or not `compile_sass` is on (an edit with it off is a
/// rescan that compiles nothing).
pub(super) const TOP_DIRECTORIES: [&str; 6] =
    ["content", "templates", "static", "data", "sass", "themes"];

/// What every watched directory reports: entries created, deleted, renamed in or out,
/// written (`IN_MODIFY` for a writer that keeps its file open, `IN_CLOSE_WRITE` for the end
/// of a write), their attributes changed (`touch`); the directory itself deleted or moved.
/// `IN_EXCL_UNLINK`: no events from a file already unlinked but still open.
pub(super) const MASK: u32 = libc::IN_CREATE
    | libc::IN_DELETE
    | libc::IN_MOVED_FROM
    | libc::IN_MOVED_TO
    | libc::IN_MODIFY
    | libc::IN_CLOSE_WRITE
    | libc::IN_ATTRIB
    | libc::IN_DELETE_SELF
    | libc::IN_MOVE_SELF
    | libc::IN_ONLYDIR
    | libc::IN_EXCL_UNLINK;

/// The watched directories of one site.
pub(super) struct Tree {
    /// The site's directory as given.
    pub(super) root: PathBuf,
    /// Its canonical path: where a link's target must lie to be followed.
    canonical_root: PathBuf,
    follow_outside: bool,
    /// Each watched directory by descriptor, relative to the site ("" for the site itself).
    by_descriptor: HashMap<i32, String>,
    /// The same, by path: for forgetting a subtree (a range of paths).
    by_path: BTreeMap<String, i32>,
    /// Links to files, by target: an edit of the target is a change of the link.
    pub(super) links: FileLinks,
}

impl Tree {
    pub(super) fn new(root: &Path, follow_outside: bool) -> Result<Tree, WatchError> {
        let canonical_root = std::fs::canonicalize(root).map_err(|source| WatchError::Io {
            action: "resolve the site's directory",
            path: root.to_path_buf(),
            source,
        })?;
        Ok(Tree {
            root: root.to_path_buf(),
            canonical_root,
            follow_outside,
            by_descriptor: HashMap::new(),
            by_path: BTreeMap::new(),
            links: FileLinks::default(),
        })
    }

    /// How many directories are watched.
    pub(super) fn len(&self) -> usize {
        self.by_descriptor.len()
    }

    /// The watched directory of `descriptor`, relative to the site.
    pub(super) fn dir_of(&self, descriptor: i32) -> Option<&str> {
        self.by_descriptor.get(&descriptor).map(String::as_str)
    }

    pub(super) fn path_of(&self, rel: &str) -> PathBuf {
        if rel.is_empty() { self.root.clone() } else { self.root.join(rel) }
    }

    /// Watches the site's directory itself (not recursively) and every top directory with
    /// everything under it. Problems with single paths go to `pending`; nothing is reported
    /// as changed.
    ///
    /// # Errors
    ///
    /// When the site's directory cannot be watched.
    pub(super) fn watch_site(
        &mut self,
        inotify: &Inotify,
        pending: &mut Pending,
    ) -> Result<(), WatchError> {
        // The site may be given through a link: followed, unlike the links below it.
        let descriptor = inotify.add_watch(&self.root, MASK).map_err(|source| {
            self.watch_error(source, "")
                .unwrap_or_else(|| WatchError::SiteGone { root: self.root.clone() })
        })?;
        self.by_descriptor.insert(descriptor, String::new());
        self.by_path.insert(String::new(), descriptor);
        for top in TOP_DIRECTORIES {
            self.add_tree(inotify, top, pending, false);
        }
        Ok(())
    }

    /// Drops every watch and watches the whole site again: after the kernel's queue
    /// overflowed, directories may have come and gone unseen.
    pub(super) fn renew(&mut self, inotify: &Inotify, pending: &mut Pending) {
        self.links.clear(inotify, |descriptor| self.by_descriptor.contains_key(&descriptor));
        for descriptor in self.by_path.values() {
            inotify.remove_watch(*descriptor);
        }
        self.by_descriptor.clear();
        self.by_path.clear();
        if let Err(problem) = self.watch_site(inotify, pending) {
            let told = matches!(problem, WatchError::SiteGone { .. })
                && pending.problems.iter().any(|p| matches!(p, WatchError::SiteGone { .. }));
            if !told {
                pending.problems.push(problem);
            }
        }
    }

    /// Watches the directory `rel` and every directory under it, unless it is not a directory
    /// (any more) or a link the scan would not follow. With `report`, every entry found under
    /// it is noted in `pending` as new (the directory appeared in this batch).
    pub(super) fn add_tree(
        &mut self,
        inotify: &Inotify,
        rel: &str,
        pending: &mut Pending,
        report: bool,
    ) {
        let mut stack = vec![rel.to_string()];
        while let Some(dir) = stack.pop() {
            let path = self.path_of(&dir);
            let Some(mask) = self.mask_for(&path, &dir, pending) else { continue };
            let descriptor = match inotify.add_watch(&path, mask) {
                Ok(descriptor) => descriptor,
                Err(source) => {
                    if let Some(problem) = self.watch_error(source, &dir) {
                        pending.problems.push(problem);
                    }
                    continue;
                }
            };
            if self.by_descriptor.get(&descriptor).is_some_and(|known| *known != dir) {
                // Reached a second time, through a link: watched under its first name only.
                continue;
            }
            self.by_descriptor.insert(descriptor, dir.clone());
            self.by_path.insert(dir.clone(), descriptor);
            self.list(inotify, &path, &dir, pending, report, &mut stack);
        }
    }

    /// The mask to watch `path` with, or `None` if it is not to be watched: not a directory,
    /// gone, or a link the scan does not follow (a problem, then, in `pending`).
    fn mask_for(&self, path: &Path, dir: &str, pending: &mut Pending) -> Option<u32> {
        let meta = std::fs::symlink_metadata(path).ok()?;
        if !meta.file_type().is_symlink() {
            // Not following links here closes the race of a directory replaced by a link
            // between this look and the watch: the watch then fails (`ENOTDIR`), and the
            // link's own creation has its event.
            return meta.is_dir().then_some(MASK | libc::IN_DONT_FOLLOW);
        }
        // A dangling link is the scan's to report.
        let target = std::fs::canonicalize(path).ok()?;
        if !self.follow_outside && !target.starts_with(&self.canonical_root) {
            pending.problems.push(WatchError::LinkOutside { path: dir.into(), target });
            return None;
        }
        target.is_dir().then_some(MASK)
    }

    /// Lists the newly watched directory `dir`: its entries noted (with `report`), its
    /// subdirectories (and links, judged when popped) pushed on `stack`.
    fn list(
        &mut self,
        inotify: &Inotify,
        path: &Path,
        dir: &str,
        pending: &mut Pending,
        report: bool,
        stack: &mut Vec<String>,
    ) {
        let entries = match std::fs::read_dir(path) {
            Ok(entries) => entries,
            // Gone already: its removal has an event of its own.
            Err(e) if e.kind() == io::ErrorKind::NotFound => return,
            Err(source) => {
                pending.problems.push(WatchError::Io { action: "list", path: dir.into(), source });
                return;
            }
        };
        for entry in entries {
            let Ok(entry) = entry else { continue };
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                pending.problems.push(WatchError::NotUtf8 { path: Path::new(dir).join(&name) });
                continue;
            };
            if is_editor_file(name) {
                continue;
            }
            let Ok(kind) = entry.file_type() else { continue };
            let child = format!("{dir}/{name}");
            let is_dir = kind.is_dir() || (kind.is_symlink() && entry.path().is_dir());
            if kind.is_symlink() && !is_dir {
                self.add_file_link(inotify, &child);
            }
            if report {
                pending.note(child.clone(), Seen::Listed, is_dir);
            }
            if is_dir {
                stack.push(child);
            }
        }
    }

    /// Records the link to a file at `rel`, if its target is a file the scan would read
    /// (inside the site, or anywhere with `follow_outside`): its edits are changes of `rel`.
    pub(super) fn add_file_link(&mut self, inotify: &Inotify, rel: &str) {
        let Ok(target) = std::fs::canonicalize(self.path_of(rel)) else { return };
        if target.is_file() && (self.follow_outside || target.starts_with(&self.canonical_root)) {
            let tree = &self.by_descriptor;
            self.links.add(inotify, rel, target, |descriptor| tree.contains_key(&descriptor));
        }
    }

    /// The links to the file `name` in the watched directory `dir`, if any link to a file.
    /// The target is named by its canonical path: its directory resolved (one system call),
    /// its name kept, so that a target just deleted is found too. A directory deleted
    /// already (`rm -r`, its events read after the fact) is resolved through its nearest
    /// ancestor still there.
    pub(super) fn links_to_entry(&self, dir: &str, name: &std::ffi::OsStr) -> Vec<String> {
        if self.links.is_empty() {
            return Vec::new();
        }
        let path = self.path_of(dir).join(name);
        let mut rest = Vec::new();
        let mut at = path.as_path();
        let resolved = loop {
            let Some(parent) = at.parent() else { return Vec::new() };
            rest.push(at.file_name().unwrap_or_default());
            if let Ok(resolved) = std::fs::canonicalize(parent) {
                break resolved;
            }
            at = parent;
        };
        let target = rest.iter().rev().fold(resolved, |path, part| path.join(part));
        self.links.links_to(&target).cloned().collect()
    }

    /// Forgets the directory `rel` and every watched directory under it (deleted, or moved
    /// away: a watch follows its directory out of the site, so it must be removed), and the
    /// links to files at or under `rel`.
    pub(super) fn forget(&mut self, inotify: &Inotify, rel: &str) {
        if !self.links.is_empty() {
            self.links.forget(rel);
        }
        // '0' follows '/': the range holds exactly the paths under `rel/`.
        let under = self.by_path.range(format!("{rel}/")..format!("{rel}0"));
        let gone: Vec<String> = self
            .by_path
            .get_key_value(rel)
            .into_iter()
            .chain(under)
            .map(|(path, _)| path.clone())
            .collect();
        for path in gone {
            if let Some(descriptor) = self.by_path.remove(&path) {
                self.by_descriptor.remove(&descriptor);
                inotify.remove_watch(descriptor);
            }
        }
    }

    /// Forgets a watch the kernel removed (`IN_IGNORED`: its directory is gone).
    pub(super) fn forget_descriptor(&mut self, descriptor: i32) {
        if let Some(path) = self.by_descriptor.remove(&descriptor) {
            self.by_path.remove(&path);
        }
    }

    /// The problem to report for a watch that could not be added to `dir`, or `None` when
    /// the directory is simply gone or no longer one (its own event tells).
    fn watch_error(&self, source: io::Error, dir: &str) -> Option<WatchError> {
        let path = PathBuf::from(if dir.is_empty() { "." } else { dir });
        match source.raw_os_error() {
            Some(libc::ENOENT | libc::ENOTDIR | libc::ELOOP) => None,
            Some(libc::ENOSPC) => Some(WatchError::WatchLimit {
                path,
                directories: self.count_directories(),
                limit: inotify_setting("max_user_watches"),
            }),
            _ => Some(WatchError::Io { action: "watch", path, source }),
        }
    }

    /// How many directories the site has to watch (the top directories and all under them,
    /// and the site itself), for the message of the watch limit. Links are not followed: an
    /// estimate, on a path taken only when watching has already failed.
    fn count_directories(&self) -> usize {
        let mut count = 1;
        let mut stack: Vec<PathBuf> =
            TOP_DIRECTORIES.iter().map(|top| self.root.join(top)).collect();
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            count += 1;
            for entry in entries.flatten() {
                if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                    stack.push(entry.path());
                }
            }
        }
        count
    }
}
