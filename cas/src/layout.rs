//! Where everything lives on disk, and how file names are made and parsed.
//!
//! ```text
//! <root>/
//! ├── blobs/<first four hex digits>/<64 hex digits>        one file per blob
//! ├── blobs/<first four hex digits>/<64 hex digits>.<ext>  optional hard-linked alias
//! ├── cas.db          name → hash map (see names.rs)
//! ├── cas.version     format version (see version.rs)
//! ├── cas.lock        advisory lock taken while opening and flushing
//! ├── tmp/            temporary files, renamed into place when complete
//! └── quarantine/     blobs that failed verification, kept for inspection until `gc`
//! ```
//!
//! Temporary files live in `tmp/` rather than beside their destination because a streamed put
//! learns its hash (and so its directory) only after the last byte; `tmp/` is on the same file
//! system as `blobs/`, which is what makes the final `rename` atomic.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::hash::ContentHash;

pub(crate) const VERSION_FILE: &str = "cas.version";
pub(crate) const NAMES_FILE: &str = "cas.db";
pub(crate) const LOCK_FILE: &str = "cas.lock";
pub(crate) const BLOBS_DIR: &str = "blobs";
pub(crate) const TMP_DIR: &str = "tmp";
pub(crate) const QUARANTINE_DIR: &str = "quarantine";

/// The longest extension [`crate::Cas::link_extension`] accepts.
pub(crate) const MAX_EXTENSION_LEN: usize = 16;

/// The paths of one store.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    root: PathBuf,
    blobs: PathBuf,
    tmp: PathBuf,
    quarantine: PathBuf,
}

impl Layout {
    pub(crate) fn new(root: &Path) -> Layout {
        Layout {
            root: root.to_path_buf(),
            blobs: root.join(BLOBS_DIR),
            tmp: root.join(TMP_DIR),
            quarantine: root.join(QUARANTINE_DIR),
        }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn blobs_dir(&self) -> &Path {
        &self.blobs
    }

    pub(crate) fn tmp_dir(&self) -> &Path {
        &self.tmp
    }

    pub(crate) fn quarantine_dir(&self) -> &Path {
        &self.quarantine
    }

    pub(crate) fn file(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    /// `blobs/<first four hex digits>/`.
    pub(crate) fn shard_dir(&self, hash: &ContentHash) -> PathBuf {
        let hex = hash.hex();
        self.blobs.join(ascii(&hex[..4]))
    }

    /// `blobs/<first four hex digits>/<64 hex digits>`.
    pub(crate) fn blob_path(&self, hash: &ContentHash) -> PathBuf {
        let hex = hash.hex();
        let mut path = PathBuf::with_capacity(self.blobs.as_os_str().len() + 72);
        path.push(&self.blobs);
        path.push(ascii(&hex[..4]));
        path.push(ascii(&hex));
        path
    }

    /// `blobs/<first four hex digits>/<64 hex digits>.<extension>`.
    pub(crate) fn alias_path(&self, hash: &ContentHash, extension: &str) -> PathBuf {
        let mut path = self.blob_path(hash);
        path.set_extension(extension);
        path
    }

    /// The name in `tmp/` of the temporary file numbered `id` (from [`unique_id`]) of this
    /// process and thread; see [`unique_suffix_for`].
    pub(crate) fn temp_path(&self, id: u64) -> PathBuf {
        self.tmp.join(format!("{}.tmp", unique_suffix_for(id)))
    }
}

/// A number no other call in this process returns.
pub(crate) fn unique_id() -> u64 {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// `<pid>-<thread number>-<id>`: unique among live processes on this machine, because `id` is
/// unique within the process. The thread number is not needed for uniqueness; it is there so
/// that a leftover file tells which thread wrote it. The pid comes first so that `gc` can tell
/// whether the writer is still running.
pub(crate) fn unique_suffix_for(id: u64) -> String {
    static THREADS: AtomicU64 = AtomicU64::new(0);
    thread_local! {
        static THREAD_NUMBER: u64 = THREADS.fetch_add(1, Ordering::Relaxed);
    }
    let thread = THREAD_NUMBER.with(|n| *n);
    format!("{}-{thread}-{id}", std::process::id())
}

/// [`unique_suffix_for`] a fresh id.
pub(crate) fn unique_suffix() -> String {
    unique_suffix_for(unique_id())
}

/// The pid and id in a temporary file's name `<pid>-<thread>-<id>.tmp`, if it is one.
pub(crate) fn parse_temp_name(name: &OsStr) -> Option<(u32, u64)> {
    let stem = name.to_str()?.strip_suffix(".tmp")?;
    let mut parts = stem.split('-');
    let pid = parts.next()?.parse().ok()?;
    let _thread: u64 = parts.next()?.parse().ok()?;
    let id = parts.next()?.parse().ok()?;
    parts.next().is_none().then_some((pid, id))
}

/// Whether `name` is a shard directory name: four lower-case hex digits.
pub(crate) fn is_shard_name(name: &OsStr) -> bool {
    name.len() == 4 && name.as_encoded_bytes().iter().all(|b| HEX_LOWER.contains(b))
}

const HEX_LOWER: &[u8] = b"0123456789abcdef";

/// A file name found in a shard directory, understood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlobFileName<'a> {
    /// `<64 hex digits>`: the blob itself.
    Blob(ContentHash),
    /// `<64 hex digits>.<ext>`: a hard-linked alias of the blob.
    Alias(ContentHash, &'a str),
}

impl BlobFileName<'_> {
    pub(crate) fn hash(&self) -> ContentHash {
        match *self {
            BlobFileName::Blob(hash) | BlobFileName::Alias(hash, _) => hash,
        }
    }
}

/// Parses a file name in the shard directory `shard`; `None` for anything this crate did not
/// write there (including a blob in the wrong shard, which lookups could never find).
pub(crate) fn parse_blob_file_name<'a>(shard: &OsStr, name: &'a OsStr) -> Option<BlobFileName<'a>> {
    let name = name.to_str()?;
    let (hex, extension) = match name.split_once('.') {
        Some((hex, extension)) => (hex, Some(extension)),
        None => (name, None),
    };
    if hex.len() != 64 || !hex.bytes().all(|b| HEX_LOWER.contains(&b)) {
        return None;
    }
    if shard.to_str()? != &hex[..4] {
        return None;
    }
    let hash: ContentHash = hex.parse().ok()?;
    match extension {
        None => Some(BlobFileName::Blob(hash)),
        Some(extension) if is_valid_extension(extension) => {
            Some(BlobFileName::Alias(hash, extension))
        }
        Some(_) => None,
    }
}

/// 1 to 16 ASCII letters or digits: safe in any file system and unambiguous to parse.
pub(crate) fn is_valid_extension(extension: &str) -> bool {
    (1..=MAX_EXTENSION_LEN).contains(&extension.len())
        && extension.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn ascii(bytes: &[u8]) -> &str {
    // Only ever called on the output of `ContentHash::hex`, which is ASCII.
    std::str::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_path_uses_the_first_four_hex_digits_as_directory() {
        let layout = Layout::new(Path::new("/cache"));
        let hash = ContentHash::of(b"x");
        let hex = hash.to_string();
        assert_eq!(
            layout.blob_path(&hash),
            PathBuf::from(format!("/cache/blobs/{}/{hex}", &hex[..4]))
        );
        assert_eq!(
            layout.alias_path(&hash, "png"),
            PathBuf::from(format!("/cache/blobs/{}/{hex}.png", &hex[..4]))
        );
        assert_eq!(layout.shard_dir(&hash), PathBuf::from(format!("/cache/blobs/{}", &hex[..4])));
    }

    #[test]
    fn blob_file_names_parse_back() {
        let hash = ContentHash::of(b"x");
        let hex = hash.to_string();
        let shard = OsStr::new(&hex[..4]);
        let alias = format!("{hex}.woff2");
        assert_eq!(parse_blob_file_name(shard, OsStr::new(&hex)), Some(BlobFileName::Blob(hash)));
        assert_eq!(
            parse_blob_file_name(shard, OsStr::new(&alias)),
            Some(BlobFileName::Alias(hash, "woff2"))
        );
    }

    #[test]
    fn foreign_and_misplaced_file_names_are_not_blobs() {
        let hex = ContentHash::of(b"x").to_string();
        let shard = OsStr::new(&hex[..4]);
        let upper = hex.to_uppercase();
        let bad_extension = format!("{hex}.tar.gz");
        for name in ["notes.txt", &hex[..63], &upper, &bad_extension] {
            assert_eq!(parse_blob_file_name(shard, OsStr::new(name)), None, "{name}");
        }
        assert_eq!(parse_blob_file_name(OsStr::new("0000"), OsStr::new(&hex)), None);
    }

    #[test]
    fn shard_names_are_four_lower_case_hex_digits() {
        assert!(is_shard_name(OsStr::new("0a9f")));
        assert!(!is_shard_name(OsStr::new("0A9F")));
        assert!(!is_shard_name(OsStr::new("0a9")));
        assert!(!is_shard_name(OsStr::new("0a9g")));
    }

    #[test]
    fn temp_names_carry_the_pid_and_id_and_differ() {
        let layout = Layout::new(Path::new("/cache"));
        let (a, b) = (unique_id(), unique_id());
        assert_ne!(a, b);
        let path = layout.temp_path(a);
        assert_eq!(parse_temp_name(path.file_name().unwrap()), Some((std::process::id(), a)));
        assert_ne!(unique_suffix(), unique_suffix());
        for junk in ["junk.tmp", "1-2.tmp", "1-2-3", "1-2-3-4.tmp", "a-2-3.tmp"] {
            assert_eq!(parse_temp_name(OsStr::new(junk)), None, "{junk}");
        }
    }
}
