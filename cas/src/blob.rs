//! [`Blob`]: the bytes of a stored blob, read in place.

use std::fmt;
use std::fs::File;
use std::io::Read;
use std::ops::Deref;
use std::path::Path;

use memmap2::Mmap;

use crate::error::{Error, Result};

/// Blobs at least this large are memory-mapped by [`Cas::get`](crate::Cas::get); smaller ones are
/// read into memory.
///
/// Below this size one `read` costs less than setting up and tearing down a mapping (a `mmap`,
/// a page fault per 4 KiB page touched, a `munmap`), and the copy is cheap because the bytes are
/// in the page cache. Above it the copy would dominate, so the bytes are mapped and never copied.
pub const MMAP_THRESHOLD: u64 = 64 * 1024;

/// The bytes of a blob, as returned by [`Cas::get`](crate::Cas::get). Derefs to `&[u8]`.
///
/// A blob of [`MMAP_THRESHOLD`] bytes or more is a read-only memory map of the blob file: getting
/// it copies nothing, and the pages are shared with the page cache and with every other reader.
/// A smaller one owns its bytes. The value stays valid after the blob is removed from the store
/// (by [`Cas::gc`](crate::Cas::gc), say): on POSIX systems an unlinked file lives on while it is
/// mapped.
pub struct Blob {
    bytes: Bytes,
}

enum Bytes {
    Owned(Vec<u8>),
    Mapped(Mmap),
}

impl Blob {
    /// Reads the blob in `file` (already open, `len` bytes long) at `path`.
    pub(crate) fn read(mut file: File, len: u64, path: &Path) -> Result<Blob> {
        if len < MMAP_THRESHOLD {
            // `len` is below the threshold, so the cast cannot truncate.
            let mut bytes = vec![0; len as usize];
            file.read_exact(&mut bytes).map_err(|e| Error::io("read the blob", path, e))?;
            return Ok(Blob { bytes: Bytes::Owned(bytes) });
        }
        // SAFETY: a mapping is undefined behaviour if the file is changed or truncated while it
        // is mapped. Blob files are never changed in place: this crate writes a blob completely
        // under a temporary name and renames it into place (a rename, even over this file, gives
        // the name a new inode and leaves this one untouched), marks it read-only, and removes
        // blobs only by unlinking or renaming them, which keeps a mapped inode alive. Writing
        // into the store's files by other means is outside the contract stated in the crate
        // documentation.
        let map = unsafe { Mmap::map(&file) }.map_err(|e| Error::io("map the blob", path, e))?;
        if map.len() as u64 != len {
            return Err(Error::io(
                "map the blob",
                path,
                std::io::Error::other("the file changed size while it was being opened"),
            ));
        }
        Ok(Blob { bytes: Bytes::Mapped(map) })
    }

    /// Whether the bytes are a memory map of the blob file (rather than a copy in memory).
    pub fn is_mapped(&self) -> bool {
        matches!(self.bytes, Bytes::Mapped(_))
    }

    /// The bytes, as a slice; the same as dereferencing.
    pub fn as_slice(&self) -> &[u8] {
        self
    }
}

impl Deref for Blob {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.bytes {
            Bytes::Owned(bytes) => bytes,
            Bytes::Mapped(map) => map,
        }
    }
}

impl AsRef<[u8]> for Blob {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

impl fmt::Debug for Blob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Blob").field("len", &self.len()).field("mapped", &self.is_mapped()).finish()
    }
}
