//! What a batch reports: each path's net change over the batch's events, and how those events
//! are folded into it.
//!
//! A save is several events, and the intermediate states must not leak out: vim's save is
//! "rename `page.md` to `page.md~`, create `page.md`, write it, delete `page.md~`", which
//! passes through a moment where `page.md` does not exist. So events are not reported one by
//! one; each path keeps two facts over the batch:
//!
//! - whether it is *new*: its first event was a creation (`IN_CREATE`, which the kernel only
//!   sends for a name that did not exist) or it was found by listing a directory that
//!   appeared in this batch;
//! - whether it is *present* after its last event.
//!
//! Present → `changed`; not present and not new → `removed`; new and not present → nothing
//! at all: the temporary file that was created and renamed away, vim's `4913` probe.
//! A rename over an existing name (`IN_MOVED_TO`) says nothing about whether the name existed
//! before (the kernel sends no event for the file it replaces), which is why a creation and a
//! modification are one kind, `changed`: the caller reads the file either way.

use std::collections::BTreeMap;
use std::fmt;

use super::WatchError;

/// What became of one path over a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// The path exists now and may differ from before: created, written, renamed onto, or
    /// its attributes changed. A directory reported `Changed` appeared in this batch, or
    /// replaced one of its name (renamed over it, or a link to a directory pointed
    /// elsewhere): everything in it is reported too, but not what a replaced directory held,
    /// so the caller rescans such a directory as a whole.
    Changed,
    /// The path existed before the batch and does not now: deleted, or renamed away. For a
    /// directory, everything that was under it is gone too (its files are not listed).
    Removed,
}

/// One path's net change over a batch.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Change {
    /// The path relative to the site, with `/` separators (`content/blog/post.md`,
    /// `dodeca.toml`).
    pub path: String,
    /// Whether it exists now.
    pub kind: ChangeKind,
    /// Whether it is (for `Removed`: was) a directory.
    pub is_dir: bool,
}

impl fmt::Display for Change {
    /// `changed content/a.md`, `removed content/old/` (a directory ends with `/`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            ChangeKind::Changed => "changed",
            ChangeKind::Removed => "removed",
        };
        let slash = if self.is_dir { "/" } else { "" };
        write!(f, "{kind} {}{slash}", self.path)
    }
}

/// The changes of one burst of events, coalesced.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct ChangeBatch {
    /// Each path that changed, once, sorted by path.
    pub changes: Vec<Change>,
    /// Events were lost (the kernel's queue overflowed, or the site's directory was replaced):
    /// `changes` may be incomplete, and the caller must rescan the whole site. The watches
    /// have been renewed over the whole site before this batch was returned, so nothing after
    /// it is missed.
    pub rescan_all: bool,
    /// Paths that could not be watched or named (a directory over the watch limit, a name that
    /// is not UTF-8, a link out of the site), each with its reason.
    pub problems: Vec<WatchError>,
}

impl ChangeBatch {
    /// Whether the batch reports nothing at all.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && !self.rescan_all && self.problems.is_empty()
    }
}

/// How an event, or a listing, saw a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Seen {
    /// Created (`IN_CREATE`): it did not exist before.
    Created,
    /// Found in a directory that appeared in this batch: it did not exist before either.
    Listed,
    /// Written, renamed onto, or its attributes changed: it exists, and may have before.
    Written,
    /// Deleted or renamed away.
    Gone,
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    new: bool,
    present: bool,
    is_dir: bool,
}

/// The batch being gathered.
#[derive(Debug, Default)]
pub(super) struct Pending {
    entries: BTreeMap<String, Entry>,
    pub(super) rescan_all: bool,
    pub(super) problems: Vec<WatchError>,
}

impl Pending {
    /// Folds one observation of `path` into the batch.
    pub(super) fn note(&mut self, path: String, seen: Seen, is_dir: bool) {
        let present = seen != Seen::Gone;
        if !present {
            // Whatever was seen under it is gone with it (a directory that appeared and left
            // again within the batch takes the files listed in it along).
            let start = format!("{path}/");
            let end = format!("{path}0"); // '0' follows '/': the end of the names under it
            for entry in self.entries.range_mut(start..end).map(|(_, entry)| entry) {
                entry.present = false;
            }
        }
        let entry = self.entries.entry(path).or_insert(Entry {
            new: matches!(seen, Seen::Created | Seen::Listed),
            present,
            is_dir,
        });
        entry.present = present;
        entry.is_dir = is_dir;
    }

    /// Whether the batch would report a path removed: a moment in many saves (vim's rename
    /// to a backup, delete-then-create), worth a longer wait for the rest of the save.
    pub(super) fn holds_removal(&self) -> bool {
        self.entries.values().any(|entry| !entry.present && !entry.new)
    }

    /// Whether nothing at all has been noted.
    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.entries.is_empty() && !self.rescan_all && self.problems.is_empty()
    }

    /// The batch gathered, and a fresh start; `None` when its events cancel out.
    pub(super) fn finish(&mut self) -> Option<ChangeBatch> {
        let taken = std::mem::take(self);
        let changes = taken
            .entries
            .into_iter()
            .filter_map(|(path, entry)| {
                let kind = match (entry.present, entry.new) {
                    (true, _) => ChangeKind::Changed,
                    (false, false) => ChangeKind::Removed,
                    (false, true) => return None,
                };
                Some(Change { path, kind, is_dir: entry.is_dir })
            })
            .collect();
        let batch = ChangeBatch { changes, rescan_all: taken.rescan_all, problems: taken.problems };
        (!batch.is_empty()).then_some(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(events: &[(&str, Seen, bool)]) -> Vec<String> {
        let mut pending = Pending::default();
        for (path, seen, is_dir) in events {
            pending.note(path.to_string(), *seen, *is_dir);
        }
        pending
            .finish()
            .map_or_else(Vec::new, |b| b.changes.iter().map(|c| c.to_string()).collect())
    }

    #[test]
    fn each_path_reports_its_net_change() {
        use Seen::*;
        // Written in place; renamed over; deleted then created; a temporary renamed away.
        assert_eq!(folded(&[("a", Written, false), ("a", Written, false)]), ["changed a"]);
        assert_eq!(
            folded(&[("t", Created, false), ("t", Gone, false), ("a", Written, false)]),
            ["changed a"]
        );
        assert_eq!(folded(&[("a", Gone, false), ("a", Created, false)]), ["changed a"]);
        assert_eq!(folded(&[("a", Gone, false)]), ["removed a"]);
        // Renamed onto a name, then away: it may have existed before.
        assert_eq!(folded(&[("a", Written, false), ("a", Gone, false)]), ["removed a"]);
        // A directory moved in and out again takes what was listed in it along.
        assert_eq!(
            folded(&[("d", Written, true), ("d/f", Listed, false), ("d", Gone, true)]),
            ["removed d/"]
        );
        assert_eq!(
            folded(&[("d", Created, true), ("d/f", Listed, false), ("d", Gone, true)]),
            [""; 0]
        );
        // A sibling whose name sorts inside the range of `d/` is not touched.
        assert_eq!(
            folded(&[("d.md", Written, false), ("d-x", Written, false), ("d", Gone, true)]),
            ["removed d/", "changed d-x", "changed d.md"]
        );
    }

    #[test]
    fn a_removal_is_held_until_the_path_comes_back() {
        let mut pending = Pending::default();
        pending.note("a".into(), Seen::Gone, false);
        assert!(pending.holds_removal());
        pending.note("a".into(), Seen::Created, false);
        assert!(!pending.holds_removal());
        pending.note("t".into(), Seen::Created, false);
        pending.note("t".into(), Seen::Gone, false);
        assert!(!pending.holds_removal(), "a temporary file gone is no removal");
        assert!(!pending.is_empty());
        assert_eq!(pending.finish().unwrap().changes.len(), 1);
        assert!(pending.is_empty() && pending.finish().is_none());
    }
}
