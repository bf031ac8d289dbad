//! What a build leaves in `.cache/` for the next process, beside the CAS (`blobs/`, `cas.db`,
//! `cas.version`, which the `cas` crate keeps):
//!
//! - `dodeca.bin`: the site's database (every input, memo and dependency), saved by picante's
//!   persistence after a build that changed anything, loaded by the next process's first
//!   build, which then does only the work a change implies;
//! - `dodeca.version`: which binaries saved it (`version.rs`); another version is not loaded;
//! - `dodeca.scan`: every source file's stamp and what the last build left (`state.rs`), so
//!   that a build with nothing to do loads no database at all.
//!
//! Each file is untrusted: missing, stale, truncated or corrupted, it is a warning and a build
//! from scratch, never a wrong page. `commands.rs` is `dodeca-host cache`.

mod commands;
pub(crate) mod state;
pub(crate) mod version;

use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::Path;

pub use commands::{CacheAction, CacheReport, cache};

/// The saved database.
pub(crate) const DATABASE: &str = "dodeca.bin";
/// The version of the binaries that saved it.
pub(crate) const VERSION: &str = "dodeca.version";
/// What the last complete build saw.
pub(crate) const STATE: &str = "dodeca.scan";

/// The checksum that ends a database file (picante's blake3 of everything before it): what
/// names one saved database, read without reading the file. `None` if there is no file or it
/// is too short to hold one.
pub(crate) fn database_checksum(path: &Path) -> Option<[u8; 32]> {
    let mut file = std::fs::File::open(path).ok()?;
    file.seek(SeekFrom::End(-32)).ok()?;
    let mut tail = [0; 32];
    file.read_exact(&mut tail).ok()?;
    Some(tail)
}
