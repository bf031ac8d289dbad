//! `cas.db`: the persistent map from a name (an output path, say) to a [`ContentHash`].
//!
//! The map lives in memory; [`Names::flush`] writes it when it changed. The file is
//!
//! ```text
//! offset  size  field
//!      0     8  magic "CASNAMES"
//!      8     4  format version, u32 little-endian (1)
//!     12     4  reserved, zero
//!     16     8  body length in bytes, u64 little-endian
//!     24    32  blake3 of bytes 0..24 followed by the body
//!     56     -  body: postcard-encoded Vec<(String, [u8; 32])>, sorted by name
//! ```
//!
//! A file that is too large, too short, of another magic or version, whose length or checksum
//! does not match, or whose body does not decode is reported once as a
//! [`Warning::NamesCorrupt`], moved aside to `cas.db.corrupt`, and treated as empty. The size is
//! checked before anything is allocated for it.
//!
//! Two processes may share a store: `flush` takes the store lock, re-reads the file and applies
//! only this handle's own changes (sets and removes since the last flush) on top, so that neither
//! process loses the other's entries.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use parking_lot::Mutex;

use crate::error::{Error, Result};
use crate::files::{lock_store, write_file_atomically};
use crate::hash::ContentHash;
use crate::layout::{Layout, NAMES_FILE};
use crate::warning::Warning;

/// Where a corrupt `cas.db` is moved.
pub(crate) const CORRUPT_NAMES_FILE: &str = "cas.db.corrupt";

const MAGIC: &[u8; 8] = b"CASNAMES";
const FORMAT: u32 = 1;
const PREFIX_LEN: usize = 24;
const HEADER_LEN: usize = PREFIX_LEN + 32;

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
    entries: HashMap<String, ContentHash>,
    /// Changes not yet flushed: `Some` is a set, `None` a removal. Empty means clean.
    pending: HashMap<String, Option<ContentHash>>,
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

    pub(crate) fn get(&self, name: &str) -> Option<ContentHash> {
        self.state.lock().entries.get(name).copied()
    }

    pub(crate) fn set(&self, name: &str, hash: ContentHash) -> Option<ContentHash> {
        let mut state = self.state.lock();
        let previous = state.entries.insert(name.to_string(), hash);
        // Setting the value a name already has changes nothing and must not make a flush write.
        if previous != Some(hash) {
            state.pending.insert(name.to_string(), Some(hash));
        }
        previous
    }

    pub(crate) fn remove(&self, name: &str) -> Option<ContentHash> {
        let mut state = self.state.lock();
        let previous = state.entries.remove(name);
        if previous.is_some() {
            state.pending.insert(name.to_string(), None);
        }
        previous
    }

    /// A snapshot of every entry, sorted by name.
    pub(crate) fn entries(&self) -> Vec<(String, ContentHash)> {
        let mut entries: Vec<_> =
            self.state.lock().entries.iter().map(|(name, hash)| (name.clone(), *hash)).collect();
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
                    Some(hash) => merged.insert(name.clone(), *hash),
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
                    Some(hash) => merged.insert(name.clone(), *hash),
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
) -> HashMap<String, ContentHash> {
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

/// Encodes the map in the format described in the module documentation.
pub(crate) fn encode(entries: &HashMap<String, ContentHash>) -> Result<Vec<u8>> {
    let mut list: Vec<(&str, &[u8; 32])> =
        entries.iter().map(|(name, hash)| (name.as_str(), hash.as_bytes())).collect();
    // Sorted, so that the same map always gives the same bytes.
    list.sort_unstable();
    let body = postcard::to_allocvec(&list).map_err(|e| {
        Error::io_without_path("encode the name map", io::Error::other(e.to_string()))
    })?;
    let mut bytes = Vec::with_capacity(HEADER_LEN + body.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT.to_le_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
    let checksum = checksum(&bytes[..PREFIX_LEN], &body);
    bytes.extend_from_slice(&checksum);
    bytes.extend_from_slice(&body);
    Ok(bytes)
}

/// `body` behind a valid header and checksum (for the fuzz targets).
pub(crate) fn wrap_body(body: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(HEADER_LEN + body.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT.to_le_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
    let checksum = checksum(&bytes[..PREFIX_LEN], body);
    bytes.extend_from_slice(&checksum);
    bytes.extend_from_slice(body);
    bytes
}

/// Decodes a file; the error is a reason for the warning.
pub(crate) fn decode(bytes: &[u8]) -> Result<HashMap<String, ContentHash>, String> {
    if bytes.len() < HEADER_LEN {
        return Err(format!("{} bytes is shorter than the {HEADER_LEN}-byte header", bytes.len()));
    }
    let (header, body) = bytes.split_at(HEADER_LEN);
    if &header[..8] != MAGIC {
        return Err("it does not start with the magic bytes \"CASNAMES\"".to_string());
    }
    let field = |range: std::ops::Range<usize>| -> u64 {
        let mut buf = [0u8; 8];
        buf[..range.len()].copy_from_slice(&header[range]);
        u64::from_le_bytes(buf)
    };
    let format = field(8..12);
    if format != u64::from(FORMAT) {
        return Err(format!("format version {format}, expected {FORMAT}"));
    }
    let declared = field(16..24);
    if declared != body.len() as u64 {
        return Err(format!("the header declares {declared} body bytes but {} follow", body.len()));
    }
    if checksum(&header[..PREFIX_LEN], body) != header[PREFIX_LEN..HEADER_LEN] {
        return Err("checksum mismatch".to_string());
    }
    let (list, rest): (Vec<(String, [u8; 32])>, &[u8]) =
        postcard::take_from_bytes(body).map_err(|e| format!("the body does not decode: {e}"))?;
    if !rest.is_empty() {
        return Err(format!("{} bytes follow the encoded entries", rest.len()));
    }
    Ok(list.into_iter().map(|(name, hash)| (name, ContentHash::from_bytes(hash))).collect())
}

fn checksum(prefix: &[u8], body: &[u8]) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(prefix);
    hasher.update(body);
    *hasher.finalize().as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::temp_dir::TempDir;

    fn sample(count: usize) -> HashMap<String, ContentHash> {
        (0..count)
            .map(|i| (format!("public/page-{i}/index.html"), ContentHash::of(&i.to_le_bytes())))
            .collect()
    }

    #[test]
    fn encoding_round_trips_and_is_deterministic() {
        let entries = sample(1000);
        let bytes = encode(&entries).unwrap();
        assert_eq!(decode(&bytes).unwrap(), entries);
        assert_eq!(encode(&entries.clone()).unwrap(), bytes);
    }

    #[test]
    fn every_truncation_is_rejected() {
        let bytes = encode(&sample(3)).unwrap();
        for len in 0..bytes.len() {
            assert!(decode(&bytes[..len]).is_err(), "truncated to {len} bytes");
        }
    }

    #[test]
    fn every_flipped_bit_is_rejected() {
        let bytes = encode(&sample(2)).unwrap();
        for index in 0..bytes.len() {
            for bit in 0..8 {
                let mut bad = bytes.clone();
                bad[index] ^= 1 << bit;
                assert!(decode(&bad).is_err(), "bit {bit} of byte {index}");
            }
        }
    }

    #[test]
    fn other_format_version_is_named_in_the_reason() {
        let mut bytes = encode(&sample(1)).unwrap();
        bytes[8] = 9;
        assert_eq!(decode(&bytes).unwrap_err(), "format version 9, expected 1");
    }

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
        assert_eq!(names.set("a", hash), None);
        assert!(names.is_dirty());
        let warnings = Mutex::new(Vec::new());
        assert!(names.flush(&layout, &warnings).unwrap());
        assert!(!names.is_dirty());
        assert_eq!(names.set("a", hash), Some(hash));
        assert!(!names.is_dirty());
        assert_eq!(names.remove("missing"), None);
        assert!(!names.is_dirty());
        assert!(!names.flush(&layout, &warnings).unwrap());
    }
}
