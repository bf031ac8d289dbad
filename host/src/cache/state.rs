//! `dodeca.scan`: what the last complete build saw, for the next process — every source file's
//! stamp, the output directory, and whether the build was clean.
//!
//! With it, a build that finds every source file as the last build left it and every output
//! as written needs no database at all: it stats the files and exits (`site/persist.rs`). And
//! a build that does load the database rescans like a second build in one process, reading
//! only the files whose stamp changed.
//!
//! The file exists only between builds: a build that is going to change anything removes it
//! first and writes it last, after `cas.db` and `dodeca.bin`. It names the database it goes
//! with (the checksum that ends `dodeca.bin`), so stamps are never trusted against texts from
//! another database. Its bytes are untrusted like any input: every length is checked against
//! what is left before anything is allocated, and a blake3 checksum covers the whole file.
//!
//! ```text
//! magic "dodeca-scan\0", format (u32), cache version (u64), the database's checksum (32),
//! flags (u8: 1 clean, 2 read now()), pages (u64), outputs (u64), the output directory's
//! key and path (strings), listings (u32); per listing: its directory (string), files (u32);
//! per file: its path (string), a stamp flag (u8) and, if 1, six u64; the environment
//! variables templates read (u32, then each name as a string) and the digest of their values
//! (32); then blake3 (32) of everything before. Strings are a u32 length and UTF-8; numbers little-endian.
//! ```

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::scan::{Found, Listing, Stamp};

const MAGIC: &[u8; 12] = b"dodeca-scan\0";
const FORMAT: u32 = 2;
const CHECKSUM_LEN: usize = 32;
/// A state file larger than this is not read: a million files' stamps take about 100 MB.
const MAX_LEN: u64 = 1 << 30;

const CLEAN: u8 = 1;
const READ_NOW: u8 = 2;

/// What the last complete build saw and left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SavedState {
    /// The [`CacheVersion`](super::version::CacheVersion) number of the build that saved it.
    pub(crate) version: u64,
    /// The checksum that ends the `dodeca.bin` saved with it.
    pub(crate) database: [u8; 32],
    /// No site error and no warning: its report can be given again as it was.
    pub(crate) clean: bool,
    /// Some render read `now()`: the next build must render it again.
    pub(crate) read_now: bool,
    /// Pages and sections built.
    pub(crate) pages: u64,
    /// Output files it left (pages and static files).
    pub(crate) outputs: u64,
    /// The output directory, as `cas.db` keys it and as resolved.
    pub(crate) output_key: String,
    pub(crate) output_path: PathBuf,
    /// The scan's listings, as the scanner remembered them.
    pub(crate) listings: Vec<Listing>,
    /// The environment variables templates read (`get_env`), sorted.
    pub(crate) env_names: Vec<String>,
    /// The digest of their values as the build saw them (`environment::digest`): the values
    /// themselves are not written.
    pub(crate) env_digest: [u8; 32],
}

impl SavedState {
    /// The file's bytes.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            256 + self.listings.iter().map(|l| l.files.len() * 80).sum::<usize>(),
        );
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&FORMAT.to_le_bytes());
        out.extend_from_slice(&self.version.to_le_bytes());
        out.extend_from_slice(&self.database);
        let flags = if self.clean { CLEAN } else { 0 } | if self.read_now { READ_NOW } else { 0 };
        out.push(flags);
        out.extend_from_slice(&self.pages.to_le_bytes());
        out.extend_from_slice(&self.outputs.to_le_bytes());
        string(&mut out, &self.output_key);
        string(&mut out, &self.output_path.to_string_lossy());
        out.extend_from_slice(&(self.listings.len() as u32).to_le_bytes());
        for listing in &self.listings {
            string(&mut out, &listing.dir.to_string_lossy());
            out.extend_from_slice(&(listing.files.len() as u32).to_le_bytes());
            for found in &listing.files {
                string(&mut out, &found.rel);
                match found.stamp {
                    None => out.push(0),
                    Some(stamp) => {
                        out.push(1);
                        for word in stamp.to_words() {
                            out.extend_from_slice(&word.to_le_bytes());
                        }
                    }
                }
            }
        }
        out.extend_from_slice(&(self.env_names.len() as u32).to_le_bytes());
        for name in &self.env_names {
            string(&mut out, name);
        }
        out.extend_from_slice(&self.env_digest);
        let checksum = cas::ContentHash::of(&out);
        out.extend_from_slice(checksum.as_bytes());
        out
    }

    /// Decodes a file written by [`encode`](Self::encode). The reason, when it cannot be used.
    pub(crate) fn decode(bytes: &[u8]) -> Result<SavedState, String> {
        if bytes.len() < MAGIC.len() + CHECKSUM_LEN || &bytes[..MAGIC.len()] != MAGIC {
            return Err("not a dodeca-host state file".into());
        }
        let (body, checksum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
        if cas::ContentHash::of(body).as_bytes() != checksum {
            return Err("checksum mismatch (truncated or corrupted)".into());
        }
        let mut r = Reader { bytes: body, at: MAGIC.len() };
        let format = r.u32()?;
        if format != FORMAT {
            return Err(format!("format {format}, this host reads {FORMAT}"));
        }
        let version = r.u64()?;
        let database = r.take(32)?.try_into().map_err(|_| "short checksum")?;
        let flags = r.u8()?;
        let pages = r.u64()?;
        let outputs = r.u64()?;
        let output_key = r.string()?;
        let output_path = PathBuf::from(r.string()?);
        let count = r.count(5)?;
        let mut listings = Vec::with_capacity(count);
        for _ in 0..count {
            let dir = PathBuf::from(r.string()?);
            let count = r.count(5)?;
            let mut files = Vec::with_capacity(count);
            for _ in 0..count {
                let rel = r.string()?;
                let stamp = match r.u8()? {
                    0 => None,
                    1 => {
                        let mut words = [0; 6];
                        for word in &mut words {
                            *word = r.u64()?;
                        }
                        Some(Stamp::from_words(words))
                    }
                    other => return Err(format!("stamp flag {other} at byte {}", r.at)),
                };
                files.push(Found { rel, stamp });
            }
            // The scanner compares sorted listings side by side.
            if !files.windows(2).all(|pair| pair[0].rel < pair[1].rel) {
                return Err(format!("the files of {} are not sorted", dir.display()));
            }
            listings.push(Listing { dir, files });
        }
        let count = r.count(4)?;
        let mut env_names = Vec::with_capacity(count);
        for _ in 0..count {
            env_names.push(r.string()?);
        }
        let env_digest = r.take(32)?.try_into().map_err(|_| "short digest")?;
        if r.at != body.len() {
            return Err(format!("{} bytes left over", body.len() - r.at));
        }
        Ok(SavedState {
            version,
            database,
            clean: flags & CLEAN != 0,
            read_now: flags & READ_NOW != 0,
            pages,
            outputs,
            output_key,
            output_path,
            listings,
            env_names,
            env_digest,
        })
    }

    /// Reads the state file at `path`: `Ok(None)` when there is none, the reason when it
    /// cannot be used.
    pub(crate) fn read(path: &Path) -> Result<Option<SavedState>, String> {
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        if !meta.is_file() || meta.len() > MAX_LEN {
            return Err(format!("{}: not a state file", path.display()));
        }
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        SavedState::decode(&bytes).map(Some).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Writes the state to `path` atomically (a temporary file, then a rename).
    pub(crate) fn write(&self, path: &Path) -> std::io::Result<()> {
        write_atomically(path, &self.encode())
    }
}

/// Writes `bytes` to a temporary file beside `path` and renames it over `path`, so that a
/// reader (or a process killed halfway) sees the old file or the new one, never half. Not
/// synced: after a power loss a state file may be lost or damaged, which its checksum shows
/// and which costs one slower build, never a wrong page.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    clear_the_way(path)?;
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".tmp-{}", std::process::id()));
    let temporary = PathBuf::from(temporary);
    let written = std::fs::File::create(&temporary)
        .and_then(|mut file| file.write_all(bytes))
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// Removes a directory found where a cache file goes (`.cache/` is the host's own: nothing
/// there is anyone else's), which a rename could not replace. A file or nothing is left alone.
pub(crate) fn clear_the_way(path: &Path) -> std::io::Result<()> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path),
        _ => Ok(()),
    }
}

fn string(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Reads a state file's body, every length checked against the bytes left.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.bytes.len() - self.at < n {
            return Err(format!("truncated at byte {}", self.at));
        }
        let taken = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(taken)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().map_err(|_| "short")?))
    }

    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().map_err(|_| "short")?))
    }

    /// A count of items that each take at least `min_len` bytes: refused when the bytes
    /// left could not hold them, before anything is allocated for them.
    fn count(&mut self, min_len: usize) -> Result<usize, String> {
        let count = self.u32()? as usize;
        if count.saturating_mul(min_len) > self.bytes.len() - self.at {
            return Err(format!("a count of {count} at byte {} exceeds the file", self.at - 4));
        }
        Ok(count)
    }

    fn string(&mut self) -> Result<String, String> {
        let len = self.u32()? as usize;
        let at = self.at;
        String::from_utf8(self.take(len)?.to_vec()).map_err(|_| format!("not UTF-8 at byte {at}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> SavedState {
        let stamp = Stamp::from_words([12, 1_700_000_000, 5, 1_700_000_001, 6, 42]);
        SavedState {
            version: 7,
            database: [3; 32],
            clean: true,
            read_now: false,
            pages: 2,
            outputs: 3,
            output_key: "public".into(),
            output_path: "/site/public".into(),
            listings: vec![Listing {
                dir: "/site/content".into(),
                files: vec![
                    Found { rel: "_index.md".into(), stamp: Some(stamp) },
                    Found { rel: "a.md".into(), stamp: None },
                ],
            }],
            env_names: vec!["HOME".into(), "TOKEN".into()],
            env_digest: [9; 32],
        }
    }

    #[test]
    fn a_state_round_trips() {
        let state = state();
        assert_eq!(SavedState::decode(&state.encode()), Ok(state));
    }

    #[test]
    fn every_truncation_and_every_flipped_byte_is_refused() {
        let bytes = state().encode();
        for len in 0..bytes.len() {
            assert!(SavedState::decode(&bytes[..len]).is_err(), "truncated to {len}");
        }
        for at in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[at] ^= 0x40;
            assert!(SavedState::decode(&bad).is_err(), "byte {at} flipped");
        }
    }

    #[test]
    fn huge_counts_with_a_valid_checksum_are_refused_before_allocating() {
        let mut body = MAGIC.to_vec();
        body.extend_from_slice(&FORMAT.to_le_bytes());
        body.extend_from_slice(&[0; 8 + 32 + 1 + 8 + 8]);
        body.extend_from_slice(&[0; 8]); // two empty strings
        body.extend_from_slice(&u32::MAX.to_le_bytes());
        let checksum = cas::ContentHash::of(&body);
        body.extend_from_slice(checksum.as_bytes());
        let error = SavedState::decode(&body).unwrap_err();
        assert!(error.contains("exceeds the file"), "{error}");
    }
}
