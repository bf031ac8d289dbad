//! `verify`: re-hash every blob and set aside the ones whose bytes no longer match their name.
//!
//! A blob can only go bad from outside (a disk error, a power loss on a store opened without
//! [`CasBuilder::sync_blobs`](crate::CasBuilder::sync_blobs), a person editing files), so the
//! store does not re-hash on every read; this pass is how such damage is found. A bad blob is
//! renamed into `quarantine/` (kept for inspection until the next `gc`), which makes it absent:
//! the host sees a miss and recomputes it.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::files::{blob_shards, read_dir_or_empty, same_file};
use crate::hash::ContentHash;
use crate::layout::{BlobFileName, Layout, parse_blob_file_name, unique_suffix};
use crate::stream::hash_reader;

/// What [`Cas::verify`](crate::Cas::verify) found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyReport {
    /// Blob files re-hashed (aliases that share the blob's file are not counted again).
    pub blobs_checked: u64,
    /// Bytes re-hashed.
    pub bytes_checked: u64,
    /// Blobs whose bytes did not match their hash; each was moved aside and is now absent.
    pub corrupt: Vec<CorruptBlob>,
    /// Files under `blobs/` that this crate did not write; left alone.
    pub unrecognized: u64,
}

/// A blob that failed verification.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CorruptBlob {
    /// The hash the file is named after.
    pub hash: ContentHash,
    /// Where the file was.
    pub path: PathBuf,
    /// Where it was moved, in `quarantine/`.
    pub moved_to: Option<PathBuf>,
}

/// Re-hashes every blob under `blobs/`.
pub(crate) fn verify(layout: &Layout) -> Result<VerifyReport> {
    let mut report = VerifyReport::default();
    for (shard_path, shard_name) in blob_shards(layout, &mut report.unrecognized)? {
        for entry in read_dir_or_empty(&shard_path)? {
            let entry = entry.map_err(|e| Error::io("list", &shard_path, e))?;
            let name = entry.file_name();
            let path = entry.path();
            let Some(parsed) = parse_blob_file_name(&shard_name, &name) else {
                report.unrecognized += 1;
                continue;
            };
            let hash = parsed.hash();
            if let BlobFileName::Alias(..) = parsed
                && same_file(&path, &layout.blob_path(&hash))
            {
                // Checked through the blob itself.
                continue;
            }
            let Some((actual, len)) = hash_file(&path)? else {
                // Removed meanwhile (a `gc`, or an earlier alias of a corrupt blob).
                continue;
            };
            report.blobs_checked += 1;
            report.bytes_checked += len;
            if actual != hash {
                let moved_to = match parsed {
                    BlobFileName::Blob(_) => quarantine(layout, &hash)?,
                    BlobFileName::Alias(..) => set_aside(layout, &path)?,
                };
                report.corrupt.push(CorruptBlob { hash, path, moved_to });
            }
        }
    }
    Ok(report)
}

/// Moves the blob `hash` into `quarantine/` and removes its aliases (they share its bytes, or
/// were made from them). Returns where it went; `None` when it was already gone.
pub(crate) fn quarantine(layout: &Layout, hash: &ContentHash) -> Result<Option<PathBuf>> {
    let moved_to = set_aside(layout, &layout.blob_path(hash))?;
    let shard = layout.shard_dir(hash);
    let prefix = format!("{hash}.");
    for entry in read_dir_or_empty(&shard)? {
        let entry = entry.map_err(|e| Error::io("list", &shard, e))?;
        if entry.file_name().to_str().is_some_and(|name| name.starts_with(&prefix)) {
            match fs::remove_file(entry.path()) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    return Err(Error::io("remove the alias of a corrupt blob", entry.path(), e));
                }
                _ => {}
            }
        }
    }
    Ok(moved_to)
}

/// Renames one file into `quarantine/` under a unique name; `None` if it is already gone.
fn set_aside(layout: &Layout, path: &Path) -> Result<Option<PathBuf>> {
    let dir = layout.quarantine_dir();
    fs::create_dir_all(dir).map_err(|e| Error::io("create the quarantine directory", dir, e))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("blob");
    let destination = dir.join(format!("{name}.{}", unique_suffix()));
    match fs::rename(path, &destination) {
        Ok(()) => Ok(Some(destination)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("move a corrupt blob aside", path, e)),
    }
}

/// The hash and length of a file's bytes; `None` if the file does not exist.
fn hash_file(path: &Path) -> Result<Option<(ContentHash, u64)>> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("open a blob to verify it", path, e)),
    };
    hash_reader(&mut file).map(Some).map_err(|e| Error::io("read a blob to verify it", path, e))
}
