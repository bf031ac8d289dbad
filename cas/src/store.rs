//! [`Cas`]: opening a store, putting and getting blobs, and the entry points to the name map,
//! `gc` and `verify`.

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, Read, Seek};
use std::path::{Path, PathBuf};

use parking_lot::Mutex;

use crate::blob::Blob;
use crate::error::{Error, ErrorKind, Result};
use crate::files::{TempFile, TempName, lock_store, same_file};
use crate::gc::{self, GcReport};
use crate::hash::ContentHash;
use crate::layout::{Layout, is_valid_extension};
use crate::names::Names;
use crate::shards::KnownShards;
use crate::stream::{STREAM_BUFFER_SIZE, copy_hashing, hash_reader};
use crate::verify::{self, VerifyReport, quarantine};
use crate::version;
use crate::warning::Warning;

/// A content-addressed blob store in one directory. See the [crate documentation](crate).
///
/// `Cas` is `Send + Sync`: share one handle between threads (by reference or in an `Arc`).
/// Several processes may open the same directory at once.
#[derive(Debug)]
pub struct Cas {
    layout: Layout,
    sync_blobs: bool,
    names: Names,
    warnings: Mutex<Vec<Warning>>,
    shards: KnownShards,
}

/// Options for opening a [`Cas`]; [`Cas::open`] uses the defaults.
///
/// # Examples
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("cas-doc-builder-{}", std::process::id()));
/// let cas = cas::Cas::builder(&dir).sync_blobs(true).open()?;
/// # drop(cas);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), cas::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct CasBuilder {
    dir: PathBuf,
    sync_blobs: bool,
}

/// Whether a blob file already holds what a put would write.
enum Existing {
    /// A file of the right length: the put writes nothing.
    Complete,
    Missing,
    /// A file of another length (or not a file): damaged, to be replaced.
    Damaged,
}

impl CasBuilder {
    /// Options for a store in `dir`, with the defaults.
    pub fn new(dir: impl AsRef<Path>) -> CasBuilder {
        CasBuilder { dir: dir.as_ref().to_path_buf(), sync_blobs: false }
    }

    /// Whether to `fsync` every new blob before renaming it into place (default: no).
    ///
    /// Without it, a blob's name appears only after all its bytes were written, so a process
    /// that crashes or is killed never leaves a partial blob under a real name. A power loss or
    /// kernel crash, though, can leave a renamed blob whose bytes never reached the disk (empty,
    /// typically). [`Cas::get`] sets an empty one aside, [`Cas::put`] replaces one of the wrong
    /// length, and [`Cas::verify`] finds any other damage. With it, that cannot happen, at the
    /// cost of a disk flush per new blob (about ten times slower for small blobs). Either way a
    /// crash can lose the newest names, which is only a cache miss. `cas.db` and `cas.version`
    /// are always synced.
    pub fn sync_blobs(mut self, yes: bool) -> CasBuilder {
        self.sync_blobs = yes;
        self
    }

    /// Creates or opens the store. See [`Cas::open`].
    pub fn open(self) -> Result<Cas> {
        let dir = &self.dir;
        fs::create_dir_all(dir).map_err(|e| Error::io("create the store directory", dir, e))?;
        let layout = Layout::new(dir);
        let mut warnings = Vec::new();
        let names = {
            // Two processes opening one directory must not both decide to empty it, nor read
            // the version file while the other rewrites it.
            let _lock = lock_store(&layout)?;
            version::prepare(&layout, &mut warnings)?;
            Names::load(&layout, &mut warnings)
        };
        Ok(Cas {
            layout,
            sync_blobs: self.sync_blobs,
            names,
            warnings: Mutex::new(warnings),
            shards: KnownShards::new(),
        })
    }
}

impl Cas {
    /// Creates or opens the store in `dir` (creating the directory too), with default options.
    ///
    /// If `cas.version` names another format, or is missing while the directory holds store
    /// data, or cannot be read, the store's files are deleted first (files of others in the same
    /// directory are left alone) and [`Cas::warnings`] says so. A corrupt `cas.db` gives an
    /// empty name map and a warning. Only I/O failures (the directory cannot be created or
    /// written, say) are errors.
    pub fn open(dir: impl AsRef<Path>) -> Result<Cas> {
        CasBuilder::new(dir).open()
    }

    /// Options for opening a store in `dir`.
    pub fn builder(dir: impl AsRef<Path>) -> CasBuilder {
        CasBuilder::new(dir)
    }

    /// The store's directory.
    pub fn root(&self) -> &Path {
        self.layout.root()
    }

    /// What the store repaired by itself since it was opened (at open, or when it met a damaged
    /// blob), oldest first.
    pub fn warnings(&self) -> Vec<Warning> {
        self.warnings.lock().clone()
    }

    /// Like [`Cas::warnings`], but removes them, so that a caller that prints warnings as they
    /// come prints each once.
    pub fn take_warnings(&self) -> Vec<Warning> {
        std::mem::take(&mut *self.warnings.lock())
    }

    /// Stores `bytes` and returns their hash.
    ///
    /// If the blob is already stored, nothing is written: the cost is one hash and one `stat`.
    /// Otherwise the bytes go to a temporary file that is renamed into place, so a reader never
    /// sees a partial blob. Any number of threads and processes may put the same bytes at once;
    /// the store ends with one copy.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("cas-doc-put-{}", std::process::id()));
    /// let cas = cas::Cas::open(&dir)?;
    /// let hash = cas.put(b"body { color: red }")?;
    /// assert_eq!(hash, cas.put(b"body { color: red }")?);
    /// assert_eq!(&*cas.get(&hash)?.unwrap(), b"body { color: red }");
    /// # drop(cas);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), cas::Error>(())
    /// ```
    pub fn put(&self, bytes: &[u8]) -> Result<ContentHash> {
        let hash = ContentHash::of(bytes);
        let damaged = match self.existing(&hash, bytes.len() as u64)? {
            Existing::Complete => return Ok(hash),
            Existing::Missing => false,
            Existing::Damaged => true,
        };
        let mut temp = TempFile::create_blob(&self.layout)?;
        temp.write_all(bytes)?;
        self.publish(temp, &hash, damaged)?;
        Ok(hash)
    }

    /// Stores everything `reader` yields and returns its hash, streaming it through a buffer of
    /// [`STREAM_BUFFER_SIZE`] bytes: the input is never in memory at once.
    ///
    /// Since the hash is known only at the end, the bytes are written to a temporary file as they
    /// are hashed; if the blob turns out to be stored already, that file is deleted and nothing
    /// visible changes. Prefer [`Cas::put_file`] for a file, which avoids even that write.
    pub fn put_reader(&self, mut reader: impl Read) -> Result<ContentHash> {
        let mut temp = TempFile::create_blob(&self.layout)?;
        let (hash, len) =
            copy_hashing(&mut reader, &mut temp, |e| Error::io_without_path("read the input", e))?;
        match self.existing(&hash, len)? {
            // Dropping the temporary file deletes it.
            Existing::Complete => {}
            Existing::Missing => self.publish(temp, &hash, false)?,
            Existing::Damaged => self.publish(temp, &hash, true)?,
        }
        Ok(hash)
    }

    /// Stores the content of the file at `path` and returns its hash.
    ///
    /// A file of up to [`STREAM_BUFFER_SIZE`] bytes is read whole and put with [`Cas::put`].
    /// A larger one is streamed twice: once to hash it, and, only if the blob is not stored yet,
    /// once more to copy it while hashing again. So re-putting an unchanged file (the common case
    /// in an incremental build) writes nothing, and costs what hashing it costs. If the file
    /// changes between the two passes, the returned hash is that of the bytes actually stored.
    pub fn put_file(&self, path: impl AsRef<Path>) -> Result<ContentHash> {
        let path = path.as_ref();
        let read_error = |e| Error::io("read the file to put", path, e);
        let mut file = File::open(path).map_err(|e| Error::io("open the file to put", path, e))?;
        let len = file.metadata().map_err(read_error)?.len();
        if len <= STREAM_BUFFER_SIZE as u64 {
            // `len` is at most the buffer size, so the cast cannot truncate.
            let mut bytes = Vec::with_capacity(len as usize);
            file.read_to_end(&mut bytes).map_err(read_error)?;
            return self.put(&bytes);
        }
        let (hash, len) = hash_reader(&mut file).map_err(read_error)?;
        if let Existing::Complete = self.existing(&hash, len)? {
            return Ok(hash);
        }
        file.rewind().map_err(read_error)?;
        let mut temp = TempFile::create_blob(&self.layout)?;
        let (hash, len) = copy_hashing(&mut file, &mut temp, read_error)?;
        match self.existing(&hash, len)? {
            Existing::Complete => {}
            Existing::Missing => self.publish(temp, &hash, false)?,
            Existing::Damaged => self.publish(temp, &hash, true)?,
        }
        Ok(hash)
    }

    /// The blob's bytes, or `None` if it is not stored.
    ///
    /// A blob of [`MMAP_THRESHOLD`](crate::MMAP_THRESHOLD) bytes or more is memory-mapped, not
    /// copied; a smaller one is read into memory. The bytes are not re-hashed (that would cost as
    /// much as hashing them, on every read): a blob file that is empty while the hash is not that
    /// of empty content, which is what a power loss typically leaves, is set aside and reported
    /// as absent, and [`Cas::verify`] finds any other damage. Use [`Cas::get_verified`] to check
    /// the bytes on each read.
    ///
    /// Only an I/O failure other than "not found" (permissions, say) is an error.
    pub fn get(&self, hash: &ContentHash) -> Result<Option<Blob>> {
        let path = self.layout.blob_path(hash);
        let file = match File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io("open the blob", path, e)),
        };
        let metadata = file.metadata().map_err(|e| Error::io("read metadata of", &path, e))?;
        if !metadata.is_file() || (metadata.len() == 0 && *hash != ContentHash::EMPTY) {
            self.set_aside_damaged(hash)?;
            return Ok(None);
        }
        Blob::read(file, metadata.len(), &path).map(Some)
    }

    /// Like [`Cas::get`], but re-hashes the bytes and, if they do not match, sets the blob aside
    /// (reporting a [`Warning::BlobCorrupt`]) and returns `None`. Costs one hash of the blob.
    pub fn get_verified(&self, hash: &ContentHash) -> Result<Option<Blob>> {
        let Some(blob) = self.get(hash)? else { return Ok(None) };
        if ContentHash::of(&blob) == *hash {
            return Ok(Some(blob));
        }
        self.set_aside_damaged(hash)?;
        Ok(None)
    }

    /// Whether the blob is stored. An entry that cannot be inspected counts as absent.
    pub fn contains(&self, hash: &ContentHash) -> bool {
        fs::metadata(self.layout.blob_path(hash)).is_ok_and(|m| m.is_file())
    }

    /// The blob's length in bytes, or `None` if it is not stored.
    pub fn len_of(&self, hash: &ContentHash) -> Option<u64> {
        fs::metadata(self.layout.blob_path(hash)).ok().filter(|m| m.is_file()).map(|m| m.len())
    }

    /// Where the blob's file is, or would be: `<root>/blobs/<first four hex digits>/<hash>`.
    /// Does no I/O; pair it with [`Cas::contains`]. The file is read-only and must not be
    /// changed in place (copy or hard-link it instead).
    pub fn path_of(&self, hash: &ContentHash) -> PathBuf {
        self.layout.blob_path(hash)
    }

    /// Gives a stored blob a second name with an extension, `<hash>.<extension>` beside it (as a
    /// hard link, so its bytes are not copied), and returns that path. Useful for tools that go
    /// by extension. Lookups still go by hash alone; `gc` and `verify` treat the alias with its
    /// blob. Idempotent.
    ///
    /// `extension` is 1 to 16 ASCII letters or digits, without the dot.
    pub fn link_extension(&self, hash: &ContentHash, extension: &str) -> Result<PathBuf> {
        if !is_valid_extension(extension) {
            return Err(Error::new(ErrorKind::InvalidExtension { extension: extension.into() }));
        }
        let blob = self.layout.blob_path(hash);
        let alias = self.layout.alias_path(hash, extension);
        match fs::hard_link(&blob, &alias) {
            Ok(()) => Ok(alias),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(Error::new(ErrorKind::MissingBlob { hash: hash.to_string() }).with_path(blob))
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
                if same_file(&blob, &alias) {
                    return Ok(alias);
                }
                // The alias belongs to an older copy of the blob (replaced after damage): point
                // it at the current one, atomically, through a temporary link.
                let temp = TempName::new(&self.layout);
                fs::hard_link(&blob, temp.path())
                    .map_err(|e| Error::io("link the blob to a temporary name", temp.path(), e))?;
                fs::rename(temp.path(), &alias).map_err(|e| {
                    let _ = fs::remove_file(temp.path());
                    Error::io("rename a link into place as", &alias, e)
                })?;
                Ok(alias)
            }
            Err(e) => Err(Error::io("link the blob as", alias, e)),
        }
    }

    /// The hash stored under `name` in the name map, whatever its tag.
    pub fn get_name(&self, name: &str) -> Option<ContentHash> {
        self.names.get(name).map(|(hash, _)| hash)
    }

    /// The hash and tag stored under `name` in the name map. A name set with
    /// [`Cas::set_name`], or read from a `cas.db` written before tags existed, has tag 0.
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("cas-doc-get-tag-{}", std::process::id()));
    /// let cas = cas::Cas::open(&dir)?;
    /// let hash = cas.put(b"<p>hi</p>")?;
    /// cas.set_name("public/untagged.html", hash);
    /// cas.set_name_tagged("public/tagged.html", hash, 42);
    /// assert_eq!(cas.get_name_tagged("public/untagged.html"), Some((hash, 0)));
    /// assert_eq!(cas.get_name_tagged("public/tagged.html"), Some((hash, 42)));
    /// assert_eq!(cas.get_name_tagged("public/missing.html"), None);
    /// # drop(cas);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), cas::Error>(())
    /// ```
    pub fn get_name_tagged(&self, name: &str) -> Option<(ContentHash, u64)> {
        self.names.get(name)
    }

    /// Maps `name` to `hash` with tag 0, returning the previous hash. Setting the hash a name
    /// already has, when its tag is 0, changes nothing (and leaves the map clean). Persisted by
    /// [`Cas::flush`].
    pub fn set_name(&self, name: &str, hash: ContentHash) -> Option<ContentHash> {
        self.names.set(name, hash, 0)
    }

    /// Maps `name` to `hash` and `tag`, returning the previous hash. The tag is the caller's: the
    /// store only keeps it (the host keeps in it a stamp of the output file it wrote, so that a
    /// later run notices an edit by hand without reading the file). Setting the hash and tag a
    /// name already has changes nothing (and leaves the map clean); another tag with the same
    /// hash is a change. Persisted by [`Cas::flush`].
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("cas-doc-set-tag-{}", std::process::id()));
    /// let cas = cas::Cas::open(&dir)?;
    /// let hash = cas.put(b"<h1>hello</h1>")?;
    /// let stamp = 0x5eed;
    /// assert_eq!(cas.set_name_tagged("public/index.html", hash, stamp), None);
    /// assert!(cas.flush()?);
    ///
    /// // The same hash and tag again: nothing to write.
    /// assert_eq!(cas.set_name_tagged("public/index.html", hash, stamp), Some(hash));
    /// assert!(!cas.flush()?);
    ///
    /// // The file was written again, so its stamp changed: the tag alone is a change.
    /// assert_eq!(cas.set_name_tagged("public/index.html", hash, stamp + 1), Some(hash));
    /// assert!(cas.flush()?);
    /// # drop(cas);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), cas::Error>(())
    /// ```
    pub fn set_name_tagged(&self, name: &str, hash: ContentHash, tag: u64) -> Option<ContentHash> {
        self.names.set(name, hash, tag)
    }

    /// Removes `name` from the name map, returning its hash. Persisted by [`Cas::flush`].
    pub fn remove_name(&self, name: &str) -> Option<ContentHash> {
        self.names.remove(name)
    }

    /// Every entry of the name map, sorted by name (a snapshot), without tags.
    pub fn names(&self) -> Vec<(String, ContentHash)> {
        self.names.entries()
    }

    /// Every entry of the name map with its tag, sorted by name (a snapshot).
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("cas-doc-tagged-{}", std::process::id()));
    /// let cas = cas::Cas::open(&dir)?;
    /// let hash = cas.put(b"body {}")?;
    /// cas.set_name_tagged("public/b.css", hash, 2);
    /// cas.set_name("public/a.css", hash);
    /// assert_eq!(
    ///     cas.tagged_names(),
    ///     vec![("public/a.css".to_string(), hash, 0), ("public/b.css".to_string(), hash, 2)],
    /// );
    /// # drop(cas);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), cas::Error>(())
    /// ```
    pub fn tagged_names(&self) -> Vec<(String, ContentHash, u64)> {
        self.names.entries_with_prefix("")
    }

    /// The entries of the name map whose name starts with `prefix`, with their tags, sorted by
    /// name (a snapshot). The prefix is a plain string prefix: `"public/a"` matches
    /// `"public/ab"` too, so end it with a separator to ask for a directory. Only the matching
    /// entries are copied, so asking for a few among many names is cheap (though every name is
    /// compared).
    ///
    /// # Examples
    ///
    /// ```
    /// # let dir = std::env::temp_dir().join(format!("cas-doc-prefix-{}", std::process::id()));
    /// let cas = cas::Cas::open(&dir)?;
    /// let hash = cas.put(b"<p>post</p>")?;
    /// cas.set_name_tagged("public/blog/b.html", hash, 2);
    /// cas.set_name_tagged("public/blog/a.html", hash, 1);
    /// cas.set_name_tagged("public/about.html", hash, 3);
    /// assert_eq!(
    ///     cas.names_with_prefix("public/blog/"),
    ///     vec![
    ///         ("public/blog/a.html".to_string(), hash, 1),
    ///         ("public/blog/b.html".to_string(), hash, 2),
    ///     ],
    /// );
    /// assert!(cas.names_with_prefix("static/").is_empty());
    /// # drop(cas);
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), cas::Error>(())
    /// ```
    pub fn names_with_prefix(&self, prefix: &str) -> Vec<(String, ContentHash, u64)> {
        self.names.entries_with_prefix(prefix)
    }

    /// The number of entries in the name map.
    pub fn name_count(&self) -> usize {
        self.names.len()
    }

    /// Writes the name map to `cas.db` if it changed since it was loaded or last flushed, and
    /// returns whether it wrote. The write is atomic and synced. Entries that another process
    /// flushed meanwhile are kept (and appear in this handle's map afterwards).
    ///
    /// Dropping the store flushes too, but can only print a failure; call this to handle it.
    pub fn flush(&self) -> Result<bool> {
        self.names.flush(&self.layout, &self.warnings)
    }

    /// Deletes every blob whose hash is not in `live`, every stale temporary file (left by a
    /// write that was interrupted before its rename) and every quarantined blob.
    ///
    /// Puts may run meanwhile, in this process or another: their temporary files are kept. A
    /// blob that is not in `live` is deleted whoever put it and whenever, so a blob put while
    /// `gc` runs survives only if it is in `live`.
    pub fn gc(&self, live: impl IntoIterator<Item = ContentHash>) -> Result<GcReport> {
        let live: HashSet<ContentHash> = live.into_iter().collect();
        // Shard directories left empty are removed; forget them all rather than track which.
        let report = gc::collect(&self.layout, &live);
        self.shards.clear();
        report
    }

    /// Re-hashes every blob; moves each one whose bytes do not match its hash into
    /// `quarantine/`, after which it is absent (the caller recomputes it and puts it again).
    pub fn verify(&self) -> Result<VerifyReport> {
        verify::verify(&self.layout)
    }

    fn existing(&self, hash: &ContentHash, len: u64) -> Result<Existing> {
        let path = self.layout.blob_path(hash);
        match fs::metadata(&path) {
            Ok(metadata) if metadata.is_file() && metadata.len() == len => Ok(Existing::Complete),
            Ok(_) => Ok(Existing::Damaged),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Existing::Missing),
            Err(e) => Err(Error::io("read metadata of", path, e)),
        }
    }

    /// Renames a complete temporary file into place as the blob `hash`.
    fn publish(&self, mut temp: TempFile, hash: &ContentHash, damaged: bool) -> Result<()> {
        if self.sync_blobs {
            temp.sync()?;
        }
        if damaged {
            // Move the damaged file (and aliases made from it) aside first: a rename could not
            // replace a directory, and the warning keeps the damage from going unnoticed.
            self.set_aside_damaged(hash)?;
        }
        if !self.shards.contains(hash) {
            let shard = self.layout.shard_dir(hash);
            match fs::create_dir(&shard) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                // `blobs/` itself is gone (removed by hand): `persist` re-creates both.
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io("create the blob directory", shard, e)),
            }
            self.shards.insert(hash);
        }
        temp.persist(&self.layout.blob_path(hash))
    }

    fn set_aside_damaged(&self, hash: &ContentHash) -> Result<()> {
        let path = self.layout.blob_path(hash);
        if let Some(moved_to) = quarantine(&self.layout, hash)? {
            self.warnings.lock().push(Warning::BlobCorrupt { path, moved_to: Some(moved_to) });
        }
        Ok(())
    }
}

impl Drop for Cas {
    fn drop(&mut self) {
        if self.names.is_dirty()
            && let Err(e) = self.flush()
        {
            // Drop cannot return the error; losing name entries silently would be worse.
            eprintln!("warning: cas: the name map was not saved: {e}");
        }
    }
}
