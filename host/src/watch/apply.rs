//! One inotify event folded into the watch table and the batch being gathered.

use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::WatchError;
use super::batch::{Pending, Seen};
use super::names::is_editor_file;
use super::tree::{TOP_DIRECTORIES, Tree};
use crate::inotify::{Event, Inotify};

/// Folds `event` into `tree` and `pending`; returns whether every watch must be renewed once
/// the queued events are read. `config_names` are the config file names watched at the root.
pub(super) fn apply(
    event: Event<'_>,
    inotify: &Inotify,
    tree: &mut Tree,
    pending: &mut Pending,
    config_names: &[String],
) -> bool {
    let mask = event.mask;
    if mask & libc::IN_Q_OVERFLOW != 0 {
        // Events were dropped: which ones is unknowable, so the caller rescans everything,
        // and every watch is renewed (directories may have appeared unseen).
        pending.rescan_all = true;
        return true;
    }
    // A descriptor forgotten already (its directory moved away or deleted): its last events
    // are about paths that are gone, and were reported when it was forgotten.
    let Some(dir) = tree.dir_of(event.descriptor).map(str::to_string) else {
        side_event(event, tree, pending);
        return false;
    };
    if mask & libc::IN_IGNORED != 0 {
        tree.forget_descriptor(event.descriptor);
        return false;
    }
    if mask & (libc::IN_DELETE_SELF | libc::IN_MOVE_SELF | libc::IN_UNMOUNT) != 0 {
        if dir.is_empty() {
            // The site itself: its path may now name another directory, or none.
            pending.rescan_all = true;
            if !pending.problems.iter().any(|p| matches!(p, WatchError::SiteGone { .. })) {
                pending.problems.push(WatchError::SiteGone { root: tree.root.clone() });
            }
            return true;
        } else {
            // Usually its parent reports it too; not when it was reached through a link
            // (`content -> src/content`, the target deleted), so it is reported here.
            tree.forget(inotify, &dir);
            pending.note(dir, Seen::Gone, true);
        }
        return false;
    }
    if event.name.is_empty() {
        // About the watched directory itself (its attributes): no change to the site.
        return false;
    }
    let Ok(name) = std::str::from_utf8(event.name) else {
        // At the site's root, only the names below matter, and they are UTF-8.
        if !dir.is_empty() {
            let path = Path::new(&dir).join(std::ffi::OsStr::from_bytes(event.name));
            let known = |p: &WatchError| matches!(p, WatchError::NotUtf8 { path: q } if *q == path);
            if !pending.problems.iter().any(known) {
                pending.problems.push(WatchError::NotUtf8 { path });
            }
        }
        return false;
    };
    let rel = if dir.is_empty() {
        if !TOP_DIRECTORIES.contains(&name) && !config_names.iter().any(|c| c == name) {
            return false;
        }
        name.to_string()
    } else {
        if is_editor_file(name) {
            return false;
        }
        format!("{dir}/{name}")
    };
    let is_dir = mask & libc::IN_ISDIR != 0;
    if !is_dir && !dir.is_empty() {
        // Whatever happened to it, the links that resolve to it now read something else.
        for link in tree.links_to_entry(&dir, std::ffi::OsStr::new(name)) {
            pending.note(link, Seen::Written, false);
        }
    }
    if mask & (libc::IN_DELETE | libc::IN_MOVED_FROM) != 0 {
        tree.forget(inotify, &rel);
        pending.note(rel, Seen::Gone, is_dir);
    } else if mask & (libc::IN_CREATE | libc::IN_MOVED_TO) != 0 {
        // A name renamed over may have been a watched directory: its watches go first, or
        // its own later `IN_DELETE_SELF` would be taken for the new one's.
        tree.forget(inotify, &rel);
        let seen = if mask & libc::IN_CREATE != 0 { Seen::Created } else { Seen::Written };
        // A link to a directory is a directory to the scan: watched and listed like one; a
        // link to a file is recorded, so that its target's edits are its own.
        let path = tree.path_of(&rel);
        let link = !is_dir
            && std::fs::symlink_metadata(&path).is_ok_and(|meta| meta.file_type().is_symlink());
        let to_dir = is_dir || (link && path.is_dir());
        if link && !to_dir && !dir.is_empty() {
            tree.add_file_link(inotify, &rel);
        }
        pending.note(rel.clone(), seen, to_dir);
        let watched = !dir.is_empty() || TOP_DIRECTORIES.contains(&rel.as_str());
        if to_dir && watched {
            tree.add_tree(inotify, &rel, pending, true);
        }
    } else if !is_dir && mask & (libc::IN_MODIFY | libc::IN_CLOSE_WRITE | libc::IN_ATTRIB) != 0 {
        pending.note(rel, Seen::Written, false);
    }
    false
}

/// An event of a directory watched only for the targets of links to files in it.
fn side_event(event: Event<'_>, tree: &mut Tree, pending: &mut Pending) {
    if event.mask & libc::IN_IGNORED != 0 {
        tree.links.forget_side(event.descriptor);
        return;
    }
    let Some(dir) = tree.links.side_dir(event.descriptor) else { return };
    if event.name.is_empty() || event.mask & libc::IN_ISDIR != 0 {
        return;
    }
    let target = dir.join(std::ffi::OsStr::from_bytes(event.name));
    let links: Vec<String> = tree.links.links_to(&target).cloned().collect();
    for link in links {
        pending.note(link, Seen::Written, false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::inotify::events;
    use crate::inotify::tests::encode;

    /// Folds synthetic event bytes (as a read would return them) over a real, empty site.
    fn fold(test: &str, bytes: &[u8]) -> (Pending, bool) {
        let root = std::env::temp_dir().join(format!("dodeca-apply-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("content")).unwrap();
        let inotify = Inotify::new().unwrap();
        let mut tree = Tree::new(&root, false).unwrap();
        let mut pending = Pending::default();
        tree.watch_site(&inotify, &mut pending).unwrap();
        let content = (1..10).find(|d| tree.dir_of(*d) == Some("content")).unwrap();
        // The test's descriptors: 1 is the site, `content`'s is written as 2.
        assert_eq!((tree.dir_of(1), content), (Some(""), 2));
        let names = ["dodeca.toml".to_string()];
        let mut renew = false;
        for event in events(bytes) {
            renew |= apply(event.unwrap(), &inotify, &mut tree, &mut pending, &names);
        }
        std::fs::remove_dir_all(root).unwrap();
        (pending, renew)
    }

    #[test]
    fn an_overflow_asks_for_a_rescan_and_new_watches() {
        let mut bytes = encode(2, libc::IN_CLOSE_WRITE, 0, b"a.md", 8);
        bytes.extend(encode(-1, libc::IN_Q_OVERFLOW, 0, b"", 0));
        let (mut pending, renew) = fold("overflow", &bytes);
        assert!(renew);
        let batch = pending.finish().unwrap();
        assert!(batch.rescan_all);
        assert_eq!(batch.changes.len(), 1, "the changes read before the overflow stay");
    }

    #[test]
    fn unknown_descriptors_root_noise_and_bad_names_are_not_changes() {
        let mut bytes = encode(77, libc::IN_CLOSE_WRITE, 0, b"a.md", 4);
        bytes.extend(encode(1, libc::IN_CLOSE_WRITE, 0, b"README.md", 12));
        bytes.extend(encode(1, libc::IN_CLOSE_WRITE, 0, b"\xff", 4));
        bytes.extend(encode(2, libc::IN_ATTRIB | libc::IN_ISDIR, 0, b"", 0));
        bytes.extend(encode(2, libc::IN_CLOSE_WRITE, 0, b"\xffa.md", 8));
        bytes.extend(encode(2, libc::IN_MODIFY, 0, b"\xffa.md", 8));
        bytes.extend(encode(1, libc::IN_CLOSE_WRITE, 0, b"dodeca.toml", 12));
        let (mut pending, renew) = fold("noise", &bytes);
        assert!(!renew);
        let batch = pending.finish().unwrap();
        let changes: Vec<String> = batch.changes.iter().map(ToString::to_string).collect();
        assert_eq!(changes, ["changed dodeca.toml"]);
        let problems: Vec<String> = batch.problems.iter().map(ToString::to_string).collect();
        assert_eq!(problems.len(), 1, "one problem per name: {problems:?}");
        assert!(problems[0].starts_with("`content/\\xffa.md`: the file name is not valid UTF-8"));
    }
}
