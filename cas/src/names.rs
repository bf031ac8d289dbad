//! `cas.db`: the persistent map from a name (an output path, say) to a [`ContentHash`] and a
//! tag, a `u64` the caller defines (the host keeps in it a stamp of the file it wrote, to notice
//! later edits by hand). [`Cas::set_name`](crate::Cas::set_name) stores tag 0.
//!
//! The map lives in memory; [`Names::flush`] writes it when it changed. The file is
//!
//! ```text
//! offset  size  field
//!      0     8  magic "CASNAMES"
//!      8     4  format version, u32 little-endian (2)
//!     12     4  reserved, zero
//!     16     8  body length in bytes, u64 little-endian
//!     24    32  blake3 of bytes 0..24 followed by the body
//!     56     -  body: postcard-encoded Vec<(String, [u8; 32], u64)>, sorted by name
//! ```
//!
//! The tag is a postcard varint (one byte up to 127, at most ten). Format 2 is always written.
//! Format 1, written before tags existed, is still read: the same header with version 1 and a
//! body of `Vec<(String, [u8; 32])>`; every tag reads as 0, and the next flush that has a change
//! writes the file as format 2.
//!
//! A file that is too large, too short, of another magic or version, whose length or checksum
//! does not match, or whose body does not decode (or does not end where the entries end) is
//! reported once as a [`Warning::NamesCorrupt`], moved aside to `cas.db.corrupt`, and treated as
//! empty. The size is checked before anything is allocated for it.
//!
//! Two processes may share a store: `flush` takes the store lock, re-reads the file and applies
//! only this handle's own changes (sets, with their tags, and removes since the last flush) on
//! top, so that neither process loses the other's entries.

mod codec;

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use parking_lot::Mutex;

use self::codec::{HEADER_LEN, PREFIX_LEN, encode};
pub(crate) use self::codec::{decode, wrap_body, wrap_body_without_tags};
use crate::error::Result;
use crate::files::{lock_store, write_file_atomically};
use crate::hash::ContentHash;
use crate::layout::{Layout, NAMES_FILE};
use crate::warning::Warning;

/// Where a corrupt `cas.db` is moved.
pub(crate) const CORRUPT_NAMES_FILE: &str = "cas.db.corrupt";

/// What a name maps to: a hash and the caller's tag.
pub(crate) type Entry = (ContentHash, u64);

/// The largest `cas.db` accepted: far beyond millions of entries, far below memory exhaustion.
pub(crate) const MAX_NAMES_FILE_LEN: u64 = 256 << 20;

/// The in-memory name map of one [`Cas`](crate::Cas).
#[derive(Debug)]
pub(crate) struct Names {
    path: PathBuf,
    state: Mutex<State>,
    /// Serialises flushes within this process; the store lock does it across processes.
    /// Holds the checksum of the file as this handle last read or wrote it: when the file on
    /// disk still carries it, no other process has changed it, and a flush can skip reading
    /// and decoding it (the whole map) to merge.
    flush_lock: Mutex<Option<[u8; 32]>>,
}

#[derive(Debug, Default)]
struct State {
    /// The current view: what was loaded or last flushed, with `pending` applied.
    entries: HashMap<String, Entry>,
    /// Changes not yet flushed: `Some` is a set, `None` a removal. Empty means clean.
    pending: HashMap<String, Option<Entry>>,
}

impl Names {
    /// Loads `cas.db`, or starts empty (with a warning when the file was there but bad).
    pub(crate) fn load(layout: &Layout, warnings: &mut Vec<Warning>) -> Names {
        let path = layout.file(NAMES_FILE);
        let entries = read_or_set_aside(layout, &path, warnings);
        let known = if entries.is_empty() { None } else { header_checksum(&path) };
        Names {
            path,
            state: Mutex::new(State { entries, pending: HashMap::new() }),
            flush_lock: Mutex::new(known),
        }
    }

    pub(crate) fn get(&self, name: &str) -> Option<Entry> {
        self.state.lock().entries.get(name).copied()
    }

    /// Maps `name` to `hash` and `tag`; returns the previous hash.
    pub(crate) fn set(&self, name: &str, hash: ContentHash, tag: u64) -> Option<ContentHash> {
        let mut state = self.state.lock();
        let entry = (hash, tag);
        let previous = state.entries.insert(name.to_string(), entry);
        // Setting the value a name already has changes nothing and must not make a flush write.
        if previous != Some(entry) {
            state.pending.insert(name.to_string(), Some(entry));
        }
        previous.map(|(hash, _)| hash)
    }

    pub(crate) fn remove(&self, name: &str) -> Option<ContentHash> {
        let mut state = self.state.lock();
        let previous = state.entries.remove(name);
        if previous.is_some() {
            state.pending.insert(name.to_string(), None);
        }
        previous.map(|(hash, _)| hash)
    }

    /// A snapshot of every entry without its tag, sorted by name.
    pub(crate) fn entries(&self) -> Vec<(String, ContentHash)> {
        let mut entries: Vec<_> = self
            .state
            .lock()
            .entries
            .iter()
            .map(|(name, (hash, _))| (name.clone(), *hash))
            .collect();
        entries.sort_unstable();
        entries
    }

    /// A snapshot of the entries whose name starts with `prefix` (every entry for ""), sorted
    /// by name. Only those are cloned: the host asks for one prefix among thousands of names.
    pub(crate) fn entries_with_prefix(&self, prefix: &str) -> Vec<(String, ContentHash, u64)> {
        let mut entries: Vec<_> = self
            .state
            .lock()
            .entries
            .iter()
            .filter(|(name, _)| name.starts_with(prefix))
            .map(|(name, (hash, tag))| (name.clone(), *hash, *tag))
            .collect();
        entries.sort_unstable();
        entries
    }

    pub(crate) fn len(&self) -> usize {
        self.state.lock().entries.len()
    }

    pub(crate) fn is_dirty(&self) -> bool {
        !self.state.lock().pending.is_empty()
    }

    /// Writes the map if it changed since the last flush; returns whether it wrote.
    pub(crate) fn flush(&self, layout: &Layout, warnings: &Mutex<Vec<Warning>>) -> Result<bool> {
        let mut known = self.flush_lock.lock();
        // Work on a copy of the pending changes so that other threads can keep setting names
        // while the file is read and written; changes made meanwhile stay pending.
        let changes = {
            let state = self.state.lock();
            if state.pending.is_empty() {
                return Ok(false);
            }
            state.pending.clone()
        };
        let _lock = lock_store(layout)?;
        let unchanged_on_disk = known.is_some() && header_checksum(&self.path) == *known;
        let (bytes, merged) = if unchanged_on_disk {
            // Nobody else wrote since we last read or wrote the file: our view (the file plus
            // the pending changes, already applied to it) is what to write, as it is.
            (encode(&self.state.lock().entries)?, None)
        } else {
            let mut found = Vec::new();
            let mut merged = read_or_set_aside(layout, &self.path, &mut found);
            warnings.lock().extend(found);
            for (name, change) in &changes {
                match change {
                    Some(entry) => merged.insert(name.clone(), *entry),
                    None => merged.remove(name),
                };
            }
            (encode(&merged)?, Some(merged))
        };
        write_file_atomically(layout, &self.path, &bytes)?;
        let mut written = [0u8; 32];
        written.copy_from_slice(&bytes[PREFIX_LEN..HEADER_LEN]);
        *known = Some(written);

        let mut state = self.state.lock();
        for (name, change) in changes {
            if state.pending.get(&name) == Some(&change) {
                state.pending.remove(&name);
            }
        }
        // Adopt what other processes wrote, then re-apply what is still pending here.
        if let Some(mut merged) = merged {
            let State { entries, pending } = &mut *state;
            for (name, change) in pending.iter() {
                match change {
                    Some(entry) => merged.insert(name.clone(), *entry),
                    None => merged.remove(name),
                };
            }
            *entries = merged;
        }
        Ok(true)
    }
}

/// Reads the map at `path`. A missing file is an empty map; a bad one is an empty map, a warning
/// and the file moved to `cas.db.corrupt`, so that the same damage is not reported twice.
fn read_or_set_aside(
    layout: &Layout,
    path: &Path,
    warnings: &mut Vec<Warning>,
) -> HashMap<String, Entry> {
    let reason = match read_file(path) {
        Ok(None) => return HashMap::new(),
        Ok(Some(bytes)) => match decode(&bytes) {
            Ok(entries) => return entries,
            Err(reason) => reason,
        },
        Err(e) => e.to_string(),
    };
    let aside = layout.file(CORRUPT_NAMES_FILE);
    let moved_to = fs::rename(path, &aside).ok().map(|()| aside);
    warnings.push(Warning::NamesCorrupt { path: path.to_path_buf(), reason, moved_to });
    HashMap::new()
}

fn read_file(path: &Path) -> io::Result<Option<Vec<u8>>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let len = file.metadata()?.len();
    if len > MAX_NAMES_FILE_LEN {
        return Err(io::Error::other(format!(
            "{len} bytes is more than the limit of {MAX_NAMES_FILE_LEN}"
        )));
    }
    // `take` guards against a file that grows between the size check and the read.
    let mut bytes = Vec::with_capacity(len as usize);
    file.take(MAX_NAMES_FILE_LEN + 1).read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

/// The checksum in `path`'s header, read without reading the rest of the file.
fn header_checksum(path: &std::path::Path) -> Option<[u8; 32]> {
    use std::io::Read;
    let mut header = [0u8; HEADER_LEN];
    std::fs::File::open(path).ok()?.read_exact(&mut header).ok()?;
    let mut checksum = [0u8; 32];
    checksum.copy_from_slice(&header[PREFIX_LEN..HEADER_LEN]);
    Some(checksum)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::temp_dir::TempDir;

    #[test]
    fn file_over_the_size_limit_is_refused_before_reading() {
        let dir = TempDir::new("names-limit");
        let path = dir.path().join(NAMES_FILE);
        let file = File::create(&path).unwrap();
        // A sparse file: no disk space used, but its length is over the limit.
        file.set_len(MAX_NAMES_FILE_LEN + 1).unwrap();
        let err = read_file(&path).unwrap_err();
        assert!(err.to_string().contains("more than the limit"), "{err}");
    }

    #[test]
    fn setting_the_same_value_does_not_make_the_map_dirty() {
        let dir = TempDir::new("names-dirty");
        let layout = Layout::new(dir.path());
        let names = Names::load(&layout, &mut Vec::new());
        let hash = ContentHash::of(b"a");
        assert_eq!(names.set("a", hash, 7), None);
        assert!(names.is_dirty());
        let warnings = Mutex::new(Vec::new());
        assert!(names.flush(&layout, &warnings).unwrap());
        assert!(!names.is_dirty());
        assert_eq!(names.set("a", hash, 7), Some(hash));
        assert!(!names.is_dirty());
        assert_eq!(names.remove("missing"), None);
        assert!(!names.is_dirty());
        assert!(!names.flush(&layout, &warnings).unwrap());
    }

    #[test]
    fn another_tag_with_the_same_hash_makes_the_map_dirty() {
        let dir = TempDir::new("names-dirty-tag");
        let layout = Layout::new(dir.path());
        let names = Names::load(&layout, &mut Vec::new());
        let warnings = Mutex::new(Vec::new());
        let hash = ContentHash::of(b"a");
        names.set("a", hash, 7);
        assert!(names.flush(&layout, &warnings).unwrap());
        assert_eq!(names.set("a", hash, 8), Some(hash));
        assert!(names.is_dirty());
        assert!(names.flush(&layout, &warnings).unwrap());
        assert_eq!(Names::load(&layout, &mut Vec::new()).get("a"), Some((hash, 8)));
        // Tag 0 is a value like any other: going back to it is a change too.
        names.set("a", hash, 0);
        assert!(names.is_dirty());
    }

    #[test]
    fn format_1_file_is_rewritten_as_format_2_only_by_a_flush_with_a_change() {
        let dir = TempDir::new("names-format-1");
        let layout = Layout::new(dir.path());
        let path = layout.file(NAMES_FILE);
        let (a, b) = (ContentHash::of(b"a"), ContentHash::of(b"b"));
        let body = postcard::to_allocvec(&vec![("a", a.as_bytes())]).unwrap();
        let format_1 = wrap_body_without_tags(&body);
        fs::write(&path, &format_1).unwrap();

        let mut found = Vec::new();
        let names = Names::load(&layout, &mut found);
        assert_eq!(found, vec![]);
        assert_eq!(names.get("a"), Some((a, 0)));
        let warnings = Mutex::new(Vec::new());
        assert!(!names.flush(&layout, &warnings).unwrap());
        assert_eq!(fs::read(&path).unwrap(), format_1, "nothing changed: the file is kept");

        names.set("b", b, 5);
        assert!(names.flush(&layout, &warnings).unwrap());
        let bytes = fs::read(&path).unwrap();
        assert_eq!(bytes[8..12], 2u32.to_le_bytes());
        let expected = HashMap::from([("a".to_string(), (a, 0)), ("b".to_string(), (b, 5))]);
        assert_eq!(decode(&bytes).unwrap(), expected);
        assert!(warnings.lock().is_empty());
    }
}
