//! Noticing outputs changed by hand without looking at each one: inotify on the output tree.
//!
//! A process that builds a site again and again (a dev server, a library user) must notice an
//! output that was edited, replaced or deleted since it wrote it, and write it again. Looking
//! costs a `stat` per output per build: about 20 ms at 10,000 pages on this project's machine,
//! more than a whole no-op rebuild. So each directory the host writes into is watched once,
//! just after its first file is written, and a build reads the queued events: only the files
//! named there are looked at.
//!
//! Anything the events cannot describe file by file — a directory created, deleted or moved
//! inside the tree, a watched directory itself gone, a queue overflow, a watch that could not
//! be added (the per-user limit, `fs.inotify.max_user_watches`) — makes the caller fall back
//! to looking at every output, which is always right. The one thing a watch added after the
//! write cannot see is a change in the microseconds between the write and the watch; a new
//! process catches even that, by the stamp recorded in `cas.db`.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use parking_lot::Mutex;

use crate::inotify::{EventBuffer, Inotify, events};

/// The events that can change a file's content or identity, or the tree around it. Creation
/// is not among them: a name can only be created where nothing is, and an output that was
/// there left with an event of its own (deleted, moved away). Leaving it out also spares a
/// build the event of every page directory it makes.
const MASK: u32 = libc::IN_MODIFY
    | libc::IN_ATTRIB
    | libc::IN_DELETE
    | libc::IN_MOVED_FROM
    | libc::IN_MOVED_TO
    | libc::IN_DELETE_SELF
    | libc::IN_MOVE_SELF
    | libc::IN_ONLYDIR
    | libc::IN_DONT_FOLLOW;

/// Events that concern more than one named file: the caller must look at everything.
const TREE_CHANGED: u32 =
    libc::IN_DELETE_SELF | libc::IN_MOVE_SELF | libc::IN_IGNORED | libc::IN_Q_OVERFLOW;

/// What the queued events say changed since the last [`OutputWatch::changes`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Changes {
    /// Only these files (paths relative to the output directory) may have changed.
    Files(HashSet<String>),
    /// The events cannot tell: look at every output.
    Unknown,
}

/// An inotify instance watching directories of one output tree.
pub(crate) struct OutputWatch {
    inotify: Inotify,
    state: Mutex<Watched>,
    /// Where events are read to: allocated once, used under `state`'s lock.
    buffer: Mutex<EventBuffer>,
}

#[derive(Default)]
struct Watched {
    /// Each watched directory by watch descriptor, relative to the output directory ("" for it).
    by_descriptor: HashMap<i32, String>,
    /// The same directories, for [`OutputWatch::watch`] to skip those already watched.
    dirs: HashSet<String>,
    /// A watch could not be added since the last [`OutputWatch::changes`]: events are missing.
    incomplete: bool,
}

impl OutputWatch {
    /// A new inotify instance, or `None` if the system will not give one (the caller then
    /// looks at every output each build).
    pub(crate) fn new() -> Option<OutputWatch> {
        let inotify = Inotify::new().ok()?;
        Some(OutputWatch {
            inotify,
            state: Mutex::new(Watched::default()),
            // Room for a hundred events per read.
            buffer: Mutex::new(EventBuffer::new(4096)),
        })
    }

    /// Watches the directory `dir` (relative to `root`, "" for `root`), unless it is watched
    /// already. A failure is remembered: the next [`changes`](Self::changes) says `Unknown`.
    pub(crate) fn watch(&self, root: &Path, dir: &str) {
        let mut state = self.state.lock();
        if state.dirs.contains(dir) {
            return;
        }
        let path = if dir.is_empty() { root.to_path_buf() } else { root.join(dir) };
        let Ok(descriptor) = self.inotify.add_watch(&path, MASK) else {
            state.incomplete = true;
            return;
        };
        state.by_descriptor.insert(descriptor, dir.to_string());
        state.dirs.insert(dir.to_string());
    }

    /// Reads every queued event: which files may have changed since the last call.
    pub(crate) fn changes(&self) -> Changes {
        let mut state = self.state.lock();
        let mut files = HashSet::new();
        let mut unknown = std::mem::take(&mut state.incomplete);
        let mut buffer = self.buffer.lock();
        loop {
            match self.inotify.read(&mut buffer) {
                Ok([]) => break,
                Ok(bytes) => unknown |= parse(bytes, &mut state, &mut files),
                // The events are lost.
                Err(_) => {
                    unknown = true;
                    break;
                }
            }
        }
        if unknown {
            // Directories may be gone or replaced: watch them afresh as outputs are written.
            state.by_descriptor.clear();
            state.dirs.clear();
            Changes::Unknown
        } else {
            Changes::Files(files)
        }
    }
}

/// Adds the files named by the events in `bytes` to `files`; returns whether an event cannot
/// be described file by file.
fn parse(bytes: &[u8], state: &mut Watched, files: &mut HashSet<String>) -> bool {
    let mut unknown = false;
    for event in events(bytes) {
        let Ok(event) = event else {
            // Bytes that are not whole events: whatever they described is unknown.
            unknown = true;
            break;
        };
        let mask = event.mask;
        if mask & TREE_CHANGED != 0 {
            unknown = true;
            continue;
        }
        if mask & libc::IN_ISDIR != 0 {
            // A directory touched holds no output written before; one deleted or moved in or
            // out may.
            if mask & (libc::IN_DELETE | libc::IN_MOVED_FROM | libc::IN_MOVED_TO) != 0 {
                unknown = true;
            }
            continue;
        }
        let (Some(dir), Ok(name)) =
            (state.by_descriptor.get(&event.descriptor), std::str::from_utf8(event.name))
        else {
            unknown = true;
            continue;
        };
        files.insert(if dir.is_empty() { name.to_string() } else { format!("{dir}/{name}") });
    }
    unknown
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("dodeca-watch-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("blog/post")).unwrap();
        std::fs::write(dir.join("index.html"), "home").unwrap();
        std::fs::write(dir.join("blog/post/index.html"), "post").unwrap();
        dir
    }

    fn files(names: &[&str]) -> Changes {
        Changes::Files(names.iter().map(|n| n.to_string()).collect())
    }

    #[test]
    fn edits_and_replacements_name_their_files_and_nothing_else_is_reported() {
        let root = dir("files");
        let watch = OutputWatch::new().expect("inotify");
        for dir in ["", "blog/post"] {
            watch.watch(&root, dir);
        }
        assert_eq!(watch.changes(), files(&[]));
        std::fs::write(root.join("blog/post/index.html"), "edited").unwrap();
        assert_eq!(watch.changes(), files(&["blog/post/index.html"]));
        std::fs::write(root.join("other"), "x").unwrap();
        std::fs::rename(root.join("other"), root.join("index.html")).unwrap();
        assert_eq!(watch.changes(), files(&["other", "index.html"]), "written, then moved");
        std::fs::remove_file(root.join("blog/post/index.html")).unwrap();
        assert_eq!(watch.changes(), files(&["blog/post/index.html"]));
        // A new directory (as the host makes for each page) changes no output.
        std::fs::create_dir(root.join("blog/other")).unwrap();
        assert_eq!(watch.changes(), files(&[]));
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_directory_removed_or_a_watch_missing_makes_the_changes_unknown() {
        let root = dir("tree");
        let watch = OutputWatch::new().expect("inotify");
        watch.watch(&root, "");
        watch.watch(&root, "blog/post");
        std::fs::remove_dir_all(root.join("blog")).unwrap();
        assert_eq!(watch.changes(), Changes::Unknown);
        // Watches start afresh: this one cannot be added (its directory is gone).
        watch.watch(&root, "blog/post");
        assert_eq!(watch.changes(), Changes::Unknown);
        watch.watch(&root, "");
        assert_eq!(watch.changes(), files(&[]));
        std::fs::remove_dir_all(root).unwrap();
    }
}
