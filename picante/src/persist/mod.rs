//! Persistence: a database's inputs, interned values and memos (with their dependencies,
//! `verified_at`, `changed_at` and durability) saved to one file and loaded by a fresh
//! process, which then revalidates instead of recomputing: with nothing changed no compute
//! function runs, and after one input changes exactly what depends on it runs.
//!
//! # The file
//!
//! ```text
//! magic "picante\0", format version (u32), the application's cache version (u64),
//! the revision (u64), the last change per durability (3 x u64), the section count (u32);
//! per section: the ingredient's kind (u32), role (u8: input, interned, derived), the
//! fingerprint of its key and value types (u64), its name (u16 length + UTF-8), its body
//! (u64 length + bytes); then a blake3 checksum (32 bytes) of everything before it.
//! ```
//!
//! Keys and values are encoded with facet-postcard. A body lists the ingredient's keys in
//! slot order (so a dependency `(kind, slot)` means the same key after loading) with, for a
//! memo, its value, revisions, durability and dependencies.
//!
//! # What loading guarantees
//!
//! - All or nothing: the whole file is read, checked (checksum, then every length against the
//!   bytes left, before anything is allocated) and decoded before anything is put into the
//!   database; a missing, truncated, corrupted, foreign or wrong-version file leaves the
//!   database empty and is reported (see [`OnCorruptCache`]), never a panic.
//! - Derived values are the exception that makes loading fast: they stay encoded, in the
//!   file's buffer, until something reads them (most are only revalidated, from their
//!   revisions and dependencies, and never read), and a memo saved again unread is written
//!   back as it came. If such a value ever fails to decode (the checksum and the type
//!   fingerprints should make that impossible), the memo is computed again and its readers
//!   see a change: it is never served.
//! - A section whose fingerprint differs (the program changed that ingredient's key or value
//!   type), or whose name or role differs, is dropped alone, with a warning; so is a memo
//!   that depends on an ingredient not loaded, and every memo if an interned table was not
//!   loaded (a key may hold its ids). An ingredient left out of `ingredients` is not saved:
//!   that is how one opts out.
//! - Saving is atomic: a temporary file beside the target, synced, renamed over it, the
//!   directory synced. A crash leaves the old file or the new one.
//!
//! # Examples
//!
//! ```
//! use picante::persist::{load_cache, save_cache};
//! use picante::{HasRuntime, InputIngredient, QueryKindId, Runtime};
//!
//! struct Db { runtime: Runtime, text: InputIngredient<String, String> }
//! impl HasRuntime for Db {
//!     fn runtime(&self) -> &Runtime { &self.runtime }
//! }
//! let new_db = || Db {
//!     runtime: Runtime::new(),
//!     text: InputIngredient::new(QueryKindId(1), "text"),
//! };
//! let path = std::env::temp_dir().join(format!("picante-doc-{}.bin", std::process::id()));
//!
//! let db = new_db();
//! db.text.set(&db, "a.md".into(), "# A".into())?;
//! save_cache(&path, db.runtime(), &[&db.text])?;
//!
//! let fresh = new_db();
//! let loaded = load_cache(&path, fresh.runtime(), &[&fresh.text])?;
//! assert!(loaded.loaded && loaded.warnings.is_empty());
//! assert_eq!(fresh.text.get(&fresh, &"a.md".into())?, Some("# A".to_string()));
//! # std::fs::remove_file(&path).ok();
//! # Ok::<(), std::sync::Arc<picante::PicanteError>>(())
//! ```

pub(crate) mod bytes;
pub(crate) mod fingerprint;
mod postcard_direct;
mod reflect_encode;

use std::collections::HashMap;
use std::fmt;
use std::io::Write as _;
use std::path::Path;
use std::sync::Arc;

use bytes::{Reader, Writer};

use crate::{PicanteError, PicanteResult, QueryKindId, Revision, Runtime};

const MAGIC: &[u8; 8] = b"picante\0";
const FORMAT_VERSION: u32 = 1;
const CHECKSUM_LEN: usize = 32;
/// No revision in a file may reach this: revisions count writes, and a memo keeps its
/// `changed_at` in 61 bits.
const MAX_REVISION: u64 = crate::derived::REVISION_LIMIT;
/// Magic, format, cache version, revision, three durability stamps, section count.
const HEADER_LEN: usize = 8 + 4 + 8 + 8 + 3 * 8 + 4;

/// An ingredient that [`save_cache`] can save and [`load_cache`] can load: every
/// [`InputIngredient`](crate::InputIngredient), [`InternedIngredient`](crate::InternedIngredient)
/// and [`DerivedIngredient`](crate::DerivedIngredient) whose keys and values facet can encode.
/// The trait is sealed.
pub trait PersistableIngredient: sealed::Persist + Send + Sync {}

pub(crate) mod sealed {
    use std::sync::Arc;

    use super::{Role, Staged, Writer};
    use crate::QueryKindId;

    /// What [`PersistableIngredient`](super::PersistableIngredient) does, crate-private (the
    /// sealed-trait pattern, as in `ingredient::sealed`).
    pub trait Persist {
        fn kind(&self) -> QueryKindId;
        fn name(&self) -> &'static str;
        #[allow(private_interfaces)]
        fn role(&self) -> Role;
        fn fingerprint(&self) -> u64;
        /// Whether it holds no key at all (loading needs a fresh database).
        fn is_empty(&self) -> bool;
        /// Writes its records.
        #[allow(private_interfaces)]
        fn save(&self, out: &mut Writer) -> Result<(), String>;
        /// Decodes a body written by `save` (a part of `file`), without touching the
        /// ingredient. No revision in it may be later than the file's `revision`. Values
        /// may stay in `file`, decoded when first read.
        #[allow(private_interfaces)]
        fn decode<'a>(
            &'a self,
            body: &[u8],
            file: &Arc<Vec<u8>>,
            revision: u64,
        ) -> Result<Box<dyn Staged + Send + 'a>, String>;
    }
}

/// What an ingredient holds, as its section says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Role {
    Input = 0,
    Interned = 1,
    Derived = 2,
}

impl Role {
    fn from_byte(byte: u8) -> Option<Role> {
        [Role::Input, Role::Interned, Role::Derived].into_iter().find(|r| *r as u8 == byte)
    }
}

/// A section decoded and ready to go into its (empty) ingredient.
pub(crate) trait Staged {
    /// How many keys (slots) it restores.
    fn key_count(&self) -> u32;
    /// Puts everything into the ingredient. `loaded(kind, slot)` says whether a dependency
    /// target will exist after the load; memos with a dependency that will not are left out.
    /// Returns how many memos were left out.
    fn apply(self: Box<Self>, loaded: &dyn Fn(QueryKindId, u32) -> bool) -> usize;
}

/// What to do with a cache file that cannot be used (unreadable, truncated, corrupted,
/// foreign, of another format or cache version). A missing file is never an error.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnCorruptCache {
    /// Fail the load with [`PicanteError::Cache`].
    Error,
    /// Start empty and say why in [`CacheLoad::warnings`] (the default: a cache must never
    /// stop the program that owns it).
    #[default]
    Ignore,
    /// As `Ignore`, and delete the file.
    Delete,
}

/// Options for [`load_cache_with_options`].
#[derive(Clone, Debug)]
pub struct CacheLoadOptions {
    /// Files larger than this are refused before they are read.
    pub max_bytes: u64,
    /// See [`OnCorruptCache`].
    pub on_corrupt: OnCorruptCache,
    /// The application's own version of what it caches: a file saved with another one is
    /// not loaded (a warning, like a corrupted file).
    pub cache_version: u64,
}

impl Default for CacheLoadOptions {
    fn default() -> Self {
        CacheLoadOptions {
            max_bytes: 4 << 30,
            on_corrupt: OnCorruptCache::Ignore,
            cache_version: 0,
        }
    }
}

/// Options for [`save_cache_with_options`].
#[derive(Clone, Debug, Default)]
pub struct CacheSaveOptions {
    /// Written into the file; see [`CacheLoadOptions::cache_version`].
    pub cache_version: u64,
}

/// Why part or all of a cache file was not loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CacheWarning {
    /// The file could not be used at all; the database starts empty.
    Unusable {
        /// Why.
        reason: String,
    },
    /// One ingredient's section was not loaded; that ingredient starts empty.
    SectionDropped {
        /// The ingredient.
        name: String,
        /// Why (its types changed, its name or role differs, it is not in this program).
        reason: String,
    },
    /// Memos that depend on something not loaded were left out (they will be recomputed).
    MemosDropped {
        /// The ingredient.
        name: String,
        /// How many.
        count: usize,
    },
}

impl fmt::Display for CacheWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CacheWarning::Unusable { reason } => write!(f, "cache not loaded: {reason}"),
            CacheWarning::SectionDropped { name, reason } => {
                write!(f, "cache section `{name}` not loaded: {reason}")
            }
            CacheWarning::MemosDropped { name, count } => write!(
                f,
                "{count} memos of `{name}` not loaded: they depend on something not loaded"
            ),
        }
    }
}

/// What [`load_cache`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CacheLoad {
    /// Whether anything was loaded (false for a missing or unusable file).
    pub loaded: bool,
    /// What was not loaded, and why.
    pub warnings: Vec<CacheWarning>,
}

/// Checks a stamp read from a file against the file's revision: a later one would make
/// readers wait for a revision that never comes.
pub(crate) fn check_revision(r: &Reader<'_>, stamp: u64, revision: u64) -> Result<u64, String> {
    if stamp > revision {
        return Err(r.error(format!("revision {stamp} is later than the file's {revision}")));
    }
    Ok(stamp)
}

/// A durability read from a file.
pub(crate) fn check_durability(r: &Reader<'_>, byte: u8) -> Result<u8, String> {
    if byte as usize >= crate::Durability::ALL.len() {
        return Err(r.error(format!("{byte} is not a durability")));
    }
    Ok(byte)
}

/// [`encode_value_into`] a new buffer.
#[cfg(test)]
pub(crate) fn encode_value<T: facet::Facet<'static> + 'static>(
    value: &T,
) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    encode_value_into(value, &mut out)?;
    Ok(out)
}

/// Appends a key or value as the file holds it (facet-postcard's bytes) to `out`. Strings and
/// integers, the usual keys, are written directly in postcard's form, other values by walking
/// their shape (`reflect_encode`): facet's reflective encoder costs about a microsecond per
/// value, which a database of 100,000 small memos pays on every save. A shape the walk does
/// not handle goes through facet-postcard. On an error, what was appended is unspecified.
pub(crate) fn encode_value_into<T: facet::Facet<'static> + 'static>(
    value: &T,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    if postcard_direct::encode_into(value, out) {
        return Ok(());
    }
    #[cfg(debug_assertions)]
    let start = out.len();
    if reflect_encode::encode_into(value, out) {
        // The file must not depend on which encoder wrote a value: every value a debug build
        // saves is checked against facet-postcard's bytes (the whole test suite's values).
        #[cfg(debug_assertions)]
        if let Ok(reference) = facet_postcard::to_vec(value) {
            assert_eq!(
                out[start..],
                reference[..],
                "reflect_encode differs from facet-postcard on a {}",
                T::SHAPE
            );
        }
        return Ok(());
    }
    let bytes =
        facet_postcard::to_vec(value).map_err(|e| format!("cannot encode a {}: {e}", T::SHAPE))?;
    out.extend_from_slice(&bytes);
    Ok(())
}

/// A key or value read back; malformed bytes are an error, never a panic.
pub(crate) fn decode_value<T: facet::Facet<'static> + 'static>(bytes: &[u8]) -> Result<T, String> {
    if let Some(direct) = postcard_direct::decode::<T>(bytes) {
        return direct.ok_or_else(|| format!("cannot decode a {}: malformed bytes", T::SHAPE));
    }
    facet_postcard::from_slice(bytes).map_err(|e| format!("cannot decode a {}: {e}", T::SHAPE))
}

fn cache_error(message: String) -> Arc<PicanteError> {
    Arc::new(PicanteError::Cache { message })
}

/// Saves `ingredients` and `runtime`'s revision to `path` (see the module docs).
///
/// # Errors
///
/// [`PicanteError::Cache`] when a key or value cannot be encoded, two ingredients share a
/// kind, or the file cannot be written; the previous file, if any, is then left as it was.
pub fn save_cache(
    path: impl AsRef<Path>,
    runtime: &Runtime,
    ingredients: &[&dyn PersistableIngredient],
) -> PicanteResult<u64> {
    save_cache_with_options(path, runtime, ingredients, &CacheSaveOptions::default())
}

/// [`save_cache`] with options. Returns the file's size in bytes.
///
/// # Errors
///
/// As [`save_cache`].
pub fn save_cache_with_options(
    path: impl AsRef<Path>,
    runtime: &Runtime,
    ingredients: &[&dyn PersistableIngredient],
    options: &CacheSaveOptions,
) -> PicanteResult<u64> {
    let path = path.as_ref();
    unique_kinds(ingredients)?;
    // No input changes while the file is written: every memo in it is as of its revision.
    let pieces = runtime
        .while_no_writes(|revision, last_changed| {
            encode(revision, last_changed, ingredients, options.cache_version)
        })
        .map_err(cache_error)?;
    write_atomically(path, &pieces)
        .map_err(|e| cache_error(format!("cannot write the cache {}: {e}", path.display())))
}

fn unique_kinds(ingredients: &[&dyn PersistableIngredient]) -> PicanteResult<()> {
    let mut kinds: Vec<u32> = ingredients.iter().map(|i| i.kind().0).collect();
    kinds.sort_unstable();
    match kinds.windows(2).find(|pair| pair[0] == pair[1]) {
        Some(pair) => Err(cache_error(format!("two ingredients have kind {}", pair[0]))),
        None => Ok(()),
    }
}

/// The file, in pieces (the header, then each section's header and body) that are written
/// one after the other: the bodies, most of the file, are never copied into one buffer.
fn encode(
    revision: Revision,
    last_changed: [u64; 3],
    ingredients: &[&dyn PersistableIngredient],
    cache_version: u64,
) -> Result<Vec<Writer>, String> {
    let mut header = Writer::default();
    header.buf.extend_from_slice(MAGIC);
    header.u32(FORMAT_VERSION);
    header.u64(cache_version);
    header.u64(revision.0);
    for stamp in last_changed {
        header.u64(stamp);
    }
    header.count(ingredients.len());
    let bodies = encode_bodies(ingredients)?;
    let mut pieces = Vec::with_capacity(1 + 2 * ingredients.len());
    pieces.push(header);
    for (ingredient, body) in ingredients.iter().zip(bodies) {
        let mut section = Writer::default();
        section.u32(ingredient.kind().0);
        section.u8(ingredient.role() as u8);
        section.u64(ingredient.fingerprint());
        let name = ingredient.name();
        let name = &name.as_bytes()[..name.len().min(u16::MAX as usize)];
        section.u16(name.len() as u16);
        section.buf.extend_from_slice(name);
        section.u64(body.len() as u64);
        pieces.push(section);
        pieces.push(body);
    }
    Ok(pieces)
}

/// Each ingredient's body, encoded on as many threads as the machine has (up to one per
/// ingredient): a database's time to save is mostly its largest ingredients' values, and
/// those are independent. Measured on the host's 10,000-page database (two cores): 120 ms
/// one after the other, 80 ms on two threads.
fn encode_bodies(ingredients: &[&dyn PersistableIngredient]) -> Result<Vec<Writer>, String> {
    parallel(ingredients.to_vec(), encode_body).into_iter().collect()
}

fn encode_body(ingredient: &dyn PersistableIngredient) -> Result<Writer, String> {
    let mut body = Writer::default();
    ingredient.save(&mut body)?;
    Ok(body)
}

/// Writes `pieces` and their checksum to a temporary file beside `path`, syncs it, renames it
/// over `path` and syncs the directory. Returns the file's size.
fn write_atomically(path: &Path, pieces: &[Writer]) -> std::io::Result<u64> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temporary = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let mut hasher = blake3::Hasher::new();
    let mut size = CHECKSUM_LEN as u64;
    let written = (|| {
        let file =
            std::fs::OpenOptions::new().write(true).create(true).truncate(true).open(&temporary)?;
        // Buffered: the chunks between spliced values are a few bytes each (one per memo),
        // and a system call each would cost more than the whole copy.
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        for chunk in pieces.iter().flat_map(Writer::chunks) {
            hasher.update(chunk);
            out.write_all(chunk)?;
            size += chunk.len() as u64;
        }
        out.write_all(hasher.finalize().as_bytes())?;
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written?;
    // The rename is durable once the directory is; a failure here loses nothing already
    // visible, so it is not an error.
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
    Ok(size)
}

/// Loads `path` into `ingredients` and `runtime`, which must be fresh (nothing set, nothing
/// computed). Returns whether anything was loaded and what was not (see the module docs).
///
/// # Errors
///
/// [`PicanteError::Cache`] when the database is not fresh or two ingredients share a kind,
/// and (only with [`OnCorruptCache::Error`]) when the file cannot be used.
pub fn load_cache(
    path: impl AsRef<Path>,
    runtime: &Runtime,
    ingredients: &[&dyn PersistableIngredient],
) -> PicanteResult<CacheLoad> {
    load_cache_with_options(path, runtime, ingredients, &CacheLoadOptions::default())
}

/// [`load_cache`] with options.
///
/// # Errors
///
/// As [`load_cache`].
pub fn load_cache_with_options(
    path: impl AsRef<Path>,
    runtime: &Runtime,
    ingredients: &[&dyn PersistableIngredient],
    options: &CacheLoadOptions,
) -> PicanteResult<CacheLoad> {
    let path = path.as_ref();
    unique_kinds(ingredients)?;
    if runtime.current_revision() != Revision(1) || ingredients.iter().any(|i| !i.is_empty()) {
        return Err(cache_error(
            "load_cache needs a fresh database (nothing set or computed yet)".into(),
        ));
    }
    let unusable = |reason: String| -> PicanteResult<CacheLoad> {
        let reason = format!("{}: {reason}", path.display());
        match options.on_corrupt {
            OnCorruptCache::Error => Err(cache_error(reason)),
            OnCorruptCache::Ignore | OnCorruptCache::Delete => {
                if options.on_corrupt == OnCorruptCache::Delete {
                    let _ = std::fs::remove_file(path);
                }
                Ok(CacheLoad { loaded: false, warnings: vec![CacheWarning::Unusable { reason }] })
            }
        }
    };
    let bytes = match read_bounded(path, options.max_bytes) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Ok(CacheLoad::default()),
        Err(reason) => return unusable(reason),
    };
    match load_bytes(Arc::new(bytes), runtime, ingredients, options.cache_version) {
        Ok(load) => Ok(load),
        Err(reason) => unusable(reason),
    }
}

/// Loads a cache file's bytes (read by the caller) into a fresh database, as
/// [`load_cache`] loads a file: all or nothing. The bytes are copied (loaded memos keep their
/// values encoded in them until read). An `Err` is the reason the bytes cannot be
/// used; the database is then untouched.
///
/// # Errors
///
/// As [`load_cache`] with [`OnCorruptCache::Error`], the reason as a string.
pub fn load_cache_bytes(
    bytes: &[u8],
    runtime: &Runtime,
    ingredients: &[&dyn PersistableIngredient],
    cache_version: u64,
) -> Result<CacheLoad, String> {
    unique_kinds(ingredients).map_err(|e| e.to_string())?;
    if runtime.current_revision() != Revision(1) || ingredients.iter().any(|i| !i.is_empty()) {
        return Err("load_cache needs a fresh database (nothing set or computed yet)".into());
    }
    load_bytes(Arc::new(bytes.to_vec()), runtime, ingredients, cache_version)
}

fn load_bytes(
    bytes: Arc<Vec<u8>>,
    runtime: &Runtime,
    ingredients: &[&dyn PersistableIngredient],
    cache_version: u64,
) -> Result<CacheLoad, String> {
    let file = parse(&bytes, cache_version)?;
    let mut warnings = Vec::new();
    let staged = stage(&file, &bytes, ingredients, &mut warnings)?;
    // Everything decoded: from here on nothing can fail, so the load is all or nothing.
    let counts: HashMap<QueryKindId, u32> =
        staged.iter().map(|(ingredient, staged)| (ingredient.kind(), staged.key_count())).collect();
    let loaded = |kind: QueryKindId, slot: u32| counts.get(&kind).is_some_and(|&n| slot < n);
    let any = !staged.is_empty();
    // Each section goes into its own ingredient's table: in parallel, as they were decoded.
    let dropped =
        parallel(staged, |(ingredient, staged)| (ingredient.name(), staged.apply(&loaded)));
    for (name, count) in dropped {
        if count > 0 {
            warnings.push(CacheWarning::MemosDropped { name: name.to_string(), count });
        }
    }
    runtime.restore(file.revision, file.last_changed);
    Ok(CacheLoad { loaded: any, warnings })
}

/// The file's bytes, `None` if there is no file.
fn read_bounded(path: &Path, max_bytes: u64) -> Result<Option<Vec<u8>>, String> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read it: {e}")),
    };
    let len = file.metadata().map_err(|e| format!("cannot read it: {e}"))?.len();
    if len > max_bytes {
        return Err(format!("{len} bytes, more than the {max_bytes} allowed"));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    std::io::Read::read_to_end(&mut std::io::Read::take(file, max_bytes + 1), &mut bytes)
        .map_err(|e| format!("cannot read it: {e}"))?;
    if bytes.len() as u64 > max_bytes {
        return Err(format!("more than the {max_bytes} bytes allowed"));
    }
    Ok(Some(bytes))
}

/// A checked file: its header and its sections, not yet decoded.
struct File<'a> {
    revision: Revision,
    last_changed: [u64; 3],
    sections: Vec<SectionView<'a>>,
}

struct SectionView<'a> {
    kind: QueryKindId,
    role: Option<Role>,
    fingerprint: u64,
    name: &'a str,
    body: &'a [u8],
}

fn parse(bytes: &[u8], cache_version: u64) -> Result<File<'_>, String> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err("not a picante cache file".into());
    }
    if bytes.len() < HEADER_LEN + CHECKSUM_LEN {
        return Err(format!("truncated: {} bytes", bytes.len()));
    }
    let (content, checksum) = bytes.split_at(bytes.len() - CHECKSUM_LEN);
    let mut r = Reader::new(content, "cache header");
    r.take(MAGIC.len())?;
    let format = r.u32()?;
    if format != FORMAT_VERSION {
        return Err(format!("format version {format}; this program reads {FORMAT_VERSION}"));
    }
    if blake3::hash(content).as_bytes() != checksum {
        return Err("checksum mismatch: the file is truncated or corrupted".into());
    }
    let version = r.u64()?;
    if version != cache_version {
        return Err(format!("cache version {version}; this program uses {cache_version}"));
    }
    let revision = Revision(r.u64()?);
    let last_changed = [r.u64()?, r.u64()?, r.u64()?];
    // Revisions count writes; a memo packs one into 61 bits (`ChangedAt`).
    if revision.0 == 0
        || revision.0 >= MAX_REVISION
        || last_changed.iter().any(|&stamp| stamp > revision.0)
    {
        return Err(format!("revision {} is not consistent with its changes", revision.0));
    }
    // A section is at least its kind, role, fingerprint, name and body lengths.
    let count = r.count(4 + 1 + 8 + 2 + 8)?;
    let mut sections = Vec::with_capacity(count);
    for _ in 0..count {
        let kind = QueryKindId(r.u32()?);
        let role = Role::from_byte(r.u8()?);
        let fingerprint = r.u64()?;
        let name_len = r.u16()? as usize;
        let name = std::str::from_utf8(r.take(name_len)?)
            .map_err(|_| r.error("a section name is not UTF-8"))?;
        let body_len = r.u64()?;
        let body = r.take(usize::try_from(body_len).map_err(|_| r.error("section too large"))?)?;
        sections.push(SectionView { kind, role, fingerprint, name, body });
    }
    r.finish()?;
    Ok(File { revision, last_changed, sections })
}

/// Decodes the sections that match an ingredient, in dependency order (inputs, interned
/// values, then memos), and notes the others as warnings. An error means the file cannot be
/// used at all.
#[allow(clippy::type_complexity)]
fn stage<'i>(
    file: &File<'_>,
    bytes: &Arc<Vec<u8>>,
    ingredients: &[&'i dyn PersistableIngredient],
    warnings: &mut Vec<CacheWarning>,
) -> Result<Vec<(&'i dyn PersistableIngredient, Box<dyn Staged + Send + 'i>)>, String> {
    let mut by_kind: HashMap<QueryKindId, &SectionView<'_>> = HashMap::new();
    for section in &file.sections {
        if by_kind.insert(section.kind, section).is_some() {
            return Err(format!("two sections for kind {}", section.kind.0));
        }
    }
    for section in &file.sections {
        if !ingredients.iter().any(|i| i.kind() == section.kind) {
            warnings.push(CacheWarning::SectionDropped {
                name: section.name.to_string(),
                reason: "no such ingredient in this program".into(),
            });
        }
    }
    let mut jobs = Vec::new();
    let mut interned_missing = false;
    for role in [Role::Input, Role::Interned, Role::Derived] {
        for &ingredient in ingredients.iter().filter(|i| i.role() == role) {
            let name = ingredient.name();
            let drop = |reason: &str, warnings: &mut Vec<CacheWarning>| {
                warnings.push(CacheWarning::SectionDropped {
                    name: name.to_string(),
                    reason: reason.to_string(),
                });
            };
            let Some(section) = by_kind.get(&ingredient.kind()) else {
                interned_missing |= role == Role::Interned;
                continue;
            };
            if section.role != Some(role) || section.name != name {
                interned_missing |= role == Role::Interned;
                drop("the file's section of that kind has another name or role", warnings);
                continue;
            }
            if section.fingerprint != ingredient.fingerprint() {
                interned_missing |= role == Role::Interned;
                drop("its key or value type changed", warnings);
                continue;
            }
            if role == Role::Derived && interned_missing {
                drop("an interned table was not loaded, and keys may hold its ids", warnings);
                continue;
            }
            jobs.push((ingredient, section.body));
        }
    }
    // Each section decodes on its own (nothing in one refers to another's values), so they
    // are spread over the cores, the largest first.
    jobs.sort_by_key(|(_, body)| std::cmp::Reverse(body.len()));
    let revision = file.revision.0;
    let decoded = parallel(jobs, |(ingredient, body)| {
        let decoded = ingredient
            .decode(body, bytes, revision)
            .map_err(|e| format!("section `{}`: {e}", ingredient.name()))?;
        Ok((ingredient, decoded))
    });
    decoded.into_iter().collect()
}

/// `f` of every item, in the items' order, the items shared out among the cores: each thread
/// takes the next item not yet taken (so the caller puts the costliest first).
pub(crate) fn parallel<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(items.len());
    if threads <= 1 {
        return items.into_iter().map(f).collect();
    }
    let count = items.len();
    let items: Vec<parking_lot::Mutex<Option<T>>> =
        items.into_iter().map(|item| parking_lot::Mutex::new(Some(item))).collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i).and_then(|item| item.lock().take()) else {
                            return done;
                        };
                        done.push((i, f(item)));
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|worker| match worker.join() {
                Ok(done) => done,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    let mut ordered: Vec<Option<R>> = (0..count).map(|_| None).collect();
    for (i, result) in done {
        ordered[i] = Some(result);
    }
    // Every index below `count` was taken by exactly one thread, which returned its result.
    ordered.into_iter().flatten().collect()
}

/// Whether no two of `keys` are equal: a cache file lists each key once, and a load puts
/// keys into their tables without looking (`KeyTable::insert_distinct`). The keys are
/// hashed by reference with the standard library's seeded hasher, so no file can make the
/// check slow.
pub(crate) fn distinct<'k, K: std::hash::Hash + Eq + 'k>(
    keys: impl Iterator<Item = &'k K>,
) -> bool {
    let mut seen = std::collections::HashSet::new();
    keys.into_iter().all(|key| seen.insert(key))
}
