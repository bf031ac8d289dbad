//! `gc`: delete every blob not in the live set, and the leftovers of interrupted writes.
//!
//! A temporary file in `tmp/` is stale, and removed, when
//! - its name starts with this process's pid and no put or flush of this process is using it
//!   (they register their temporary files in a process-wide set while they work);
//! - or that pid is not a running process (Linux: no `/proc/<pid>`): its writer died before the
//!   rename;
//! - or it is older than [`STALE_TEMP_AGE`], whatever its name: a guard for platforms without
//!   `/proc` and for a pid that was reused by an unrelated process.
//!
//! A temporary file of another live process is left alone, so `gc` in one process never breaks
//! a put in flight in another. Blobs that another process put and that are not in this caller's
//! live set are removed, though: run `gc` when no other process is adding blobs it needs.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fmt;
use std::fs::{self, Metadata};
use std::io;
use std::path::Path;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::files::is_in_flight;
use crate::files::{blob_shards, read_dir_or_empty};
use crate::hash::ContentHash;
use crate::layout::{BlobFileName, Layout, parse_blob_file_name, parse_temp_name};

/// A temporary file older than this is removed by `gc` even if its writer may be alive.
pub const STALE_TEMP_AGE: Duration = Duration::from_secs(24 * 60 * 60);

/// What [`Cas::gc`](crate::Cas::gc) did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GcReport {
    /// Blobs kept because they are live.
    pub blobs_kept: u64,
    /// Bytes in the kept blobs.
    pub bytes_kept: u64,
    /// Blobs deleted because they are not live.
    pub blobs_removed: u64,
    /// Extension aliases deleted (their blob was deleted, or was missing).
    pub aliases_removed: u64,
    /// Stale temporary files deleted (writes interrupted before their rename).
    pub temp_files_removed: u64,
    /// Quarantined (corrupt) blobs deleted.
    pub quarantined_removed: u64,
    /// Bytes freed by all of the above (an alias shares its blob's bytes and adds none).
    pub bytes_freed: u64,
    /// Files under `blobs/` that this crate did not write; left alone.
    pub unrecognized: u64,
}

impl fmt::Display for GcReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "kept {} blobs ({} bytes); removed {} blobs, {} aliases, {} temporary files and {} \
             quarantined blobs, freeing {} bytes",
            self.blobs_kept,
            self.bytes_kept,
            self.blobs_removed,
            self.aliases_removed,
            self.temp_files_removed,
            self.quarantined_removed,
            self.bytes_freed
        )?;
        if self.unrecognized > 0 {
            write!(f, "; left {} unrecognized files alone", self.unrecognized)?;
        }
        Ok(())
    }
}

/// Collects garbage.
pub(crate) fn collect(layout: &Layout, live: &HashSet<ContentHash>) -> Result<GcReport> {
    let mut report = GcReport::default();
    for (shard_path, shard_name) in blob_shards(layout, &mut report.unrecognized)? {
        collect_shard(layout, &shard_path, &shard_name, live, &mut report)?;
    }
    for entry in read_dir_or_empty(layout.tmp_dir())? {
        let entry = entry.map_err(|e| Error::io("list", layout.tmp_dir(), e))?;
        let Some(metadata) = metadata_or_none(&entry.path())? else { continue };
        if is_stale_temp(&entry.file_name(), &metadata) && remove(&entry.path())? {
            report.temp_files_removed += 1;
            report.bytes_freed += metadata.len();
        }
    }
    for entry in read_dir_or_empty(layout.quarantine_dir())? {
        let entry = entry.map_err(|e| Error::io("list", layout.quarantine_dir(), e))?;
        let Some(metadata) = metadata_or_none(&entry.path())? else { continue };
        if remove(&entry.path())? {
            report.quarantined_removed += 1;
            report.bytes_freed += metadata.len();
        }
    }
    Ok(report)
}

fn collect_shard(
    layout: &Layout,
    shard: &Path,
    shard_name: &OsStr,
    live: &HashSet<ContentHash>,
    report: &mut GcReport,
) -> Result<()> {
    let mut names = Vec::new();
    for entry in read_dir_or_empty(shard)? {
        names.push(entry.map_err(|e| Error::io("list", shard, e))?.file_name());
    }
    let mut remaining = 0;
    for name in &names {
        let path = shard.join(name);
        match parse_blob_file_name(shard_name, name) {
            None => {
                report.unrecognized += 1;
                remaining += 1;
            }
            Some(BlobFileName::Blob(hash)) => {
                let Some(metadata) = metadata_or_none(&path)? else { continue };
                if live.contains(&hash) {
                    report.blobs_kept += 1;
                    report.bytes_kept += metadata.len();
                    remaining += 1;
                } else if remove(&path)? {
                    report.blobs_removed += 1;
                    report.bytes_freed += metadata.len();
                }
            }
            Some(BlobFileName::Alias(hash, _)) => {
                // An alias is only worth keeping beside its live blob; alone, lookups (which go
                // through the blob's own name) could never reach it.
                if live.contains(&hash) && layout.blob_path(&hash).exists() {
                    remaining += 1;
                } else if remove(&path)? {
                    report.aliases_removed += 1;
                }
            }
        }
    }
    if remaining == 0 {
        // Fails harmlessly if another process has just put a blob here; its rename retries
        // after re-creating the directory if this removal wins.
        let _ = fs::remove_dir(shard);
    }
    Ok(())
}

fn is_stale_temp(name: &OsStr, metadata: &Metadata) -> bool {
    let old = metadata
        .modified()
        .ok()
        .and_then(|modified| modified.elapsed().ok())
        .is_some_and(|age| age > STALE_TEMP_AGE);
    old || match parse_temp_name(name) {
        Some((pid, id)) if pid == std::process::id() => !is_in_flight(id),
        Some((pid, _)) => !process_is_running(pid),
        None => false,
    }
}

/// Whether a process with this pid exists; `true` when that cannot be known.
fn process_is_running(pid: u32) -> bool {
    #[cfg(target_os = "linux")]
    {
        // Without a mounted /proc (some containers) every pid would look dead.
        if Path::new("/proc/self").exists() {
            return Path::new("/proc").join(pid.to_string()).exists();
        }
    }
    let _ = pid;
    true
}

fn metadata_or_none(path: &Path) -> Result<Option<Metadata>> {
    match fs::symlink_metadata(path) {
        Ok(metadata) => Ok(Some(metadata)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io("read metadata of", path, e)),
    }
}

/// Removes a file (or a directory someone left in `tmp/` or `quarantine/`); `false` if it was
/// already gone.
fn remove(path: &Path) -> Result<bool> {
    let result = match fs::symlink_metadata(path) {
        Ok(metadata) if metadata.is_dir() => fs::remove_dir_all(path),
        _ => fs::remove_file(path),
    };
    match result {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(Error::io("remove", path, e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::temp_dir::TempDir;

    fn metadata_of_new_file(dir: &TempDir, name: &str) -> Metadata {
        let path = dir.path().join(name);
        fs::write(&path, b"x").unwrap();
        fs::metadata(path).unwrap()
    }

    #[test]
    fn temp_file_of_this_process_is_stale_unless_in_flight() {
        let dir = TempDir::new("gc-own");
        let metadata = metadata_of_new_file(&dir, "f");
        let layout = Layout::new(dir.path());
        let in_flight = crate::files::TempName::new(&layout);
        let in_flight_name = in_flight.path().file_name().unwrap().to_owned();
        assert!(!is_stale_temp(&in_flight_name, &metadata));
        drop(in_flight);
        assert!(is_stale_temp(&in_flight_name, &metadata));
    }

    #[test]
    fn temp_file_of_a_running_process_is_kept() {
        let dir = TempDir::new("gc-running");
        let metadata = metadata_of_new_file(&dir, "f");
        // pid 1 always runs (in a container too).
        assert!(!is_stale_temp(OsStr::new("1-0-0.tmp"), &metadata));
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn temp_file_of_a_dead_process_is_stale() {
        let dir = TempDir::new("gc-dead");
        let metadata = metadata_of_new_file(&dir, "f");
        // Above the kernel's largest pid_max (2^22), so no process can have it.
        assert!(is_stale_temp(OsStr::new("4294967295-0-0.tmp"), &metadata));
    }

    #[test]
    fn old_temp_file_is_stale_whatever_its_name() {
        let dir = TempDir::new("gc-old");
        let path = dir.path().join("f");
        let file = fs::File::create(&path).unwrap();
        let long_ago = std::time::SystemTime::now() - STALE_TEMP_AGE - Duration::from_secs(60);
        file.set_modified(long_ago).unwrap();
        let metadata = fs::metadata(&path).unwrap();
        assert!(is_stale_temp(OsStr::new("1-0-0.tmp"), &metadata));
        assert!(is_stale_temp(OsStr::new("someone-elses"), &metadata));
    }

    #[test]
    fn report_prints_its_counts() {
        let report = GcReport { blobs_removed: 2, bytes_freed: 10, ..GcReport::default() };
        let text = report.to_string();
        assert!(text.contains("removed 2 blobs"), "{text}");
        assert!(text.contains("freeing 10 bytes"), "{text}");
    }
}
