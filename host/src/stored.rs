//! The bytes of the site's stored files (static files, co-located assets, data files), read
//! by content hash from the CAS, for queries.
//!
//! Those files are inputs by hash only: the scan stores each file's bytes in the CAS and sets
//! its hash as the input, so the database stays small and a query that needs the bytes reads
//! them here. A read by hash is a pure function of the hash, so it is as good as reading an
//! input: the query depends on the hash it looked up, never on the disk.

use std::path::PathBuf;
use std::sync::Arc;

use cas::{Blob, ContentHash};

/// The CAS the scan stored the site's files in, and the site they were read from.
pub(crate) struct StoredFiles {
    cas: Arc<cas::Cas>,
    root: PathBuf,
}

/// Why a stored file's bytes cannot be had.
#[derive(Debug)]
pub(crate) enum StoredError {
    /// The database was opened without its site's CAS (`cache verify` reading a saved
    /// database): no query there needs file contents.
    NoStore,
    /// The blob is gone from `.cache/` (removed by hand, or set aside as damaged) and the
    /// source file no longer holds those bytes: the next scan reads it again.
    Gone(String),
    /// The CAS could not be read.
    Cache(String, cas::Error),
}

impl std::fmt::Display for StoredError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StoredError::NoStore => f.write_str("this database has no store of the site's files"),
            StoredError::Gone(source) => write!(
                f,
                "{source}: its stored copy is gone from .cache/ and the file changed since it \
                 was read; build again"
            ),
            StoredError::Cache(source, error) => {
                write!(f, "{source}: cannot read the cache: {error}")
            }
        }
    }
}

impl std::error::Error for StoredError {}

impl StoredFiles {
    /// The files of the site at `root`, stored in `cas`.
    pub(crate) fn new(cas: Arc<cas::Cas>, root: PathBuf) -> StoredFiles {
        StoredFiles { cas, root }
    }

    /// Stores `bytes` (a processed image) and returns their hash.
    pub(crate) fn put(&self, bytes: &[u8]) -> Result<ContentHash, StoredError> {
        self.cas.put(bytes).map_err(|e| StoredError::Cache("a processed image".to_string(), e))
    }

    /// The bytes stored as `hash` for `source` (the file's path in the site, `data/a.json`).
    ///
    /// The bytes are verified against the hash (these files are small, and a damaged blob
    /// would otherwise become wrong data without a word). A blob that is gone or damaged is
    /// stored again from `source` when the file still holds those very bytes, as the copy of
    /// static files does (`site/statics.rs`): the answer is still the bytes of `hash`.
    pub(crate) fn bytes(&self, source: &str, hash: ContentHash) -> Result<Blob, StoredError> {
        let failed = |e| StoredError::Cache(source.to_string(), e);
        if let Some(blob) = self.cas.get_verified(&hash).map_err(failed)? {
            return Ok(blob);
        }
        if self.cas.put_file(self.root.join(source)).is_ok_and(|stored| stored == hash)
            && let Some(blob) = self.cas.get_verified(&hash).map_err(failed)?
        {
            return Ok(blob);
        }
        Err(StoredError::Gone(source.to_string()))
    }
}
