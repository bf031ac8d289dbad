//! File-system primitives: temporary files and atomic replacement (the only way this crate
//! creates a file under a real name), the store lock, and directory helpers.
//!
//! A file is written completely under a unique name in `tmp/`, then renamed to its real name.
//! `rename` is atomic on POSIX file systems, so a reader (or a process started after a crash)
//! sees either no file or the complete one. A temporary file whose put fails or panics is
//! removed by [`TempFile`]'s `Drop`; one whose process dies is left for `gc`, which recognises
//! it by the dead pid at the start of its name.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use parking_lot::Mutex;

use crate::error::{Error, Result};
use crate::layout::{Layout, is_shard_name, unique_id};

/// The ids of this process's temporary files that exist or are about to: `gc` must not delete
/// those, while any other temporary file named after this process is a leftover. Process-wide
/// rather than per [`Cas`](crate::Cas), because two handles in one process may share a store.
static IN_FLIGHT: Mutex<BTreeSet<u64>> = Mutex::new(BTreeSet::new());

/// Whether this process's temporary file `id` is in use.
pub(crate) fn is_in_flight(id: u64) -> bool {
    IN_FLIGHT.lock().contains(&id)
}

/// A name in `tmp/`, registered as in flight from before its file is created until after it is
/// renamed away or removed (this value's drop).
#[derive(Debug)]
pub(crate) struct TempName {
    path: PathBuf,
    id: u64,
}

impl TempName {
    pub(crate) fn new(layout: &Layout) -> TempName {
        let id = unique_id();
        IN_FLIGHT.lock().insert(id);
        TempName { path: layout.temp_path(id), id }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempName {
    fn drop(&mut self) {
        IN_FLIGHT.lock().remove(&self.id);
    }
}

/// A file being written in `tmp/`; removed on drop unless [`TempFile::persist`] renamed it.
#[derive(Debug)]
pub(crate) struct TempFile {
    name: TempName,
    file: Option<File>,
    persisted: bool,
}

impl TempFile {
    /// Creates a new, empty temporary file with a name no other writer uses.
    pub(crate) fn create(layout: &Layout) -> Result<TempFile> {
        TempFile::create_with(layout, false)
    }

    /// Like [`TempFile::create`], for a blob: the file is read-only from the start (on Unix,
    /// where the mode is given at creation and the creating handle can still write), so that an
    /// editor or a stray `>` cannot change a blob in place, which would also break the promise
    /// that a memory-mapped blob never changes.
    pub(crate) fn create_blob(layout: &Layout) -> Result<TempFile> {
        TempFile::create_with(layout, true)
    }

    fn create_with(layout: &Layout, read_only: bool) -> Result<TempFile> {
        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        if read_only {
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o444);
        }
        // `create_new` makes a name collision (a leftover file from a dead process that had our
        // pid) an error we can step over, instead of two writers sharing one file.
        for _ in 0..100 {
            let name = TempName::new(layout);
            match options.open(name.path()) {
                #[cfg(not(unix))]
                Ok(file) if read_only => {
                    let mut temp = TempFile { name, file: Some(file), persisted: false };
                    temp.make_read_only()?;
                    return Ok(temp);
                }
                Ok(file) => return Ok(TempFile { name, file: Some(file), persisted: false }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    // Someone removed `tmp/` (an emptied store, a user); make it again.
                    fs::create_dir_all(layout.tmp_dir()).map_err(|e| {
                        Error::io("create the temporary directory", layout.tmp_dir(), e)
                    })?;
                }
                Err(e) => return Err(Error::io("create a temporary file", name.path(), e)),
            }
        }
        Err(Error::io(
            "create a temporary file",
            layout.tmp_dir(),
            io::Error::other("100 names in a row were taken"),
        ))
    }

    #[cfg(test)]
    pub(crate) fn path(&self) -> &Path {
        self.name.path()
    }

    pub(crate) fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        let file = self.file.as_mut().expect("a temporary file is open until persisted");
        file.write_all(bytes).map_err(|e| Error::io("write a temporary file", self.name.path(), e))
    }

    /// Flushes the file's data to the device (`fdatasync`).
    pub(crate) fn sync(&mut self) -> Result<()> {
        let file = self.file.as_mut().expect("a temporary file is open until persisted");
        file.sync_data().map_err(|e| Error::io("sync a temporary file", self.name.path(), e))
    }

    /// Marks the file read-only where the mode cannot be given at creation.
    #[cfg(not(unix))]
    fn make_read_only(&mut self) -> Result<()> {
        let file = self.file.as_mut().expect("a temporary file is open until persisted");
        let mut permissions = file
            .metadata()
            .map_err(|e| Error::io("read metadata of a temporary file", self.name.path(), e))?
            .permissions();
        permissions.set_readonly(true);
        file.set_permissions(permissions)
            .map_err(|e| Error::io("make a temporary file read-only", self.name.path(), e))
    }

    /// Renames the file to `destination`, replacing any file there. If the destination's
    /// directory is missing it is created (it may also vanish in between, when another process
    /// runs `gc`, hence the retry).
    pub(crate) fn persist(mut self, destination: &Path) -> Result<()> {
        // Close first: some platforms refuse to rename an open file, and nothing is left to write.
        drop(self.file.take());
        let mut attempts = 0;
        loop {
            match fs::rename(self.name.path(), destination) {
                Ok(()) => {
                    // Disarm the drop guard: the file now lives under its real name.
                    self.persisted = true;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound && attempts < 3 => {
                    attempts += 1;
                    if let Some(parent) = destination.parent() {
                        fs::create_dir_all(parent)
                            .map_err(|e| Error::io("create the blob directory", parent, e))?;
                    }
                }
                Err(e) => {
                    return Err(Error::io("rename a temporary file into place as", destination, e));
                }
            }
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        drop(self.file.take());
        if !self.persisted {
            // Best effort: a leftover is harmless and `gc` removes it later. The name is
            // unregistered after this, when the `TempName` field drops.
            let _ = fs::remove_file(self.name.path());
        }
    }
}

/// Writes `bytes` to `destination` atomically and durably: temporary file, `fsync`, rename,
/// `fsync` of the directory (so that the rename itself survives a power loss). Used for the small
/// files that describe the store, `cas.db` and `cas.version`.
pub(crate) fn write_file_atomically(
    layout: &Layout,
    destination: &Path,
    bytes: &[u8],
) -> Result<()> {
    let mut temp = TempFile::create(layout)?;
    temp.write_all(bytes)?;
    temp.sync()?;
    temp.persist(destination)?;
    if let Some(parent) = destination.parent() {
        sync_dir(parent)?;
    }
    Ok(())
}

/// `fsync` on a directory, which makes the names created in it durable. A no-op where the
/// platform cannot open a directory as a file.
pub(crate) fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        let handle =
            File::open(dir).map_err(|e| Error::io("open a directory to sync it", dir, e))?;
        handle.sync_all().map_err(|e| Error::io("sync a directory", dir, e))?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Takes the store's advisory lock (`cas.lock`), which serialises the few read-modify-write steps
/// on shared files across processes: the version check at open and the merge in `flush`. Blob
/// writes never take it. The lock is released when the returned file is dropped.
pub(crate) fn lock_store(layout: &Layout) -> Result<File> {
    let path = layout.file(crate::layout::LOCK_FILE);
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| Error::io("open the store lock", &path, e))?;
    file.lock().map_err(|e| Error::io("lock the store", &path, e))?;
    Ok(file)
}

/// Removes a file or a whole directory tree; a missing path is not an error.
pub(crate) fn remove_any(path: &Path) -> Result<()> {
    let result = match fs::symlink_metadata(path) {
        Ok(metadata) if metadata.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(Error::io("remove", path, e)),
    }
}

/// Whether two paths name one file (so one hash check covers both).
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (fs::metadata(a), fs::metadata(b)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (a, b);
        false
    }
}

/// `read_dir`, with a missing directory read as empty.
pub(crate) fn read_dir_or_empty(
    dir: &Path,
) -> Result<impl Iterator<Item = io::Result<fs::DirEntry>>> {
    match fs::read_dir(dir) {
        Ok(entries) => Ok(Some(entries).into_iter().flatten()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None.into_iter().flatten()),
        Err(e) => Err(Error::io("list", dir, e)),
    }
}

/// The shard directories under `blobs/`, as (path, name). Anything else found there is counted
/// in `unrecognized` and left alone: `gc` and `verify` only ever touch files they understand.
pub(crate) fn blob_shards(
    layout: &Layout,
    unrecognized: &mut u64,
) -> Result<Vec<(PathBuf, OsString)>> {
    let mut shards = Vec::new();
    for shard in read_dir_or_empty(layout.blobs_dir())? {
        let shard = shard.map_err(|e| Error::io("list", layout.blobs_dir(), e))?;
        let name = shard.file_name();
        if !shard.file_type().is_ok_and(|t| t.is_dir()) || !is_shard_name(&name) {
            *unrecognized += 1;
            continue;
        }
        shards.push((shard.path(), name));
    }
    Ok(shards)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::temp_dir::TempDir;

    #[test]
    fn dropped_temp_file_is_removed() {
        let dir = TempDir::new("atomic-drop");
        let layout = Layout::new(dir.path());
        let mut temp = TempFile::create(&layout).unwrap();
        temp.write_all(b"partial").unwrap();
        let path = temp.path().to_path_buf();
        assert!(path.exists());
        drop(temp);
        assert!(!path.exists());
    }

    #[test]
    fn persist_creates_the_destination_directory() {
        let dir = TempDir::new("atomic-persist");
        let layout = Layout::new(dir.path());
        let mut temp = TempFile::create(&layout).unwrap();
        temp.write_all(b"whole").unwrap();
        let destination = dir.path().join("a").join("b");
        temp.persist(&destination).unwrap();
        assert_eq!(fs::read(&destination).unwrap(), b"whole");
        assert_eq!(fs::read_dir(layout.tmp_dir()).unwrap().count(), 0);
    }

    #[test]
    fn write_file_atomically_replaces_the_old_content() {
        let dir = TempDir::new("atomic-replace");
        let layout = Layout::new(dir.path());
        let destination = dir.path().join("file");
        write_file_atomically(&layout, &destination, b"one").unwrap();
        write_file_atomically(&layout, &destination, b"two").unwrap();
        assert_eq!(fs::read(&destination).unwrap(), b"two");
    }
}
