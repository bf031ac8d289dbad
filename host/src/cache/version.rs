//! `dodeca.version`: which build of dodeca-host saved the database, so that another build
//! never trusts its memos.
//!
//! picante already drops a section whose key or value *types* changed (each section carries a
//! fingerprint of them). What no fingerprint sees is a change of what a query *does*: a fixed
//! bug in the host's front matter parser, or in the template cell's engine, changes outputs
//! without changing a type. So the version names the binaries themselves: the crate version,
//! the cache format below, and for `dodeca-host` and each cell binary its path, length,
//! modification time and inode. Any rebuild or reinstall of any of them changes it (a rebuild
//! to identical bytes too: one cold build too many, never a wrong page). Hashing the binaries'
//! bytes instead would cost about 10 ms per run (three binaries of several megabytes), twice
//! what a no-op build of 1,000 pages may take in all.
//!
//! The text goes to `dodeca.version` (readable, for people and `cache stats`), and its hash
//! into the database file's header (picante's cache version), so that a database is loaded
//! only if both agree.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

use crate::cells::Cells;

/// Bumped when what the host saves changes meaning (the state file's layout, what an input
/// holds) without a type or binary telling.
const FORMAT: u32 = 1;

/// Version files larger than this are not read (it is a few hundred bytes).
const MAX_LEN: u64 = 64 * 1024;

/// The version of the running host and its cells.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CacheVersion {
    text: String,
}

impl CacheVersion {
    /// The version of this process's binaries: itself and the cells `cells` would start.
    pub(crate) fn current(cells: &Cells) -> CacheVersion {
        let mut text = format!("dodeca-host {} cache format {FORMAT}\n", env!("CARGO_PKG_VERSION"));
        let exe = std::env::current_exe().ok();
        let binaries = std::iter::once(("dodeca-host", exe)).chain(cells.binaries());
        for (name, path) in binaries {
            let line = match path.as_deref().map(|p| (p, std::fs::metadata(p))) {
                Some((path, Ok(meta))) => format!(
                    "{name} {} {} {}.{:09} {}\n",
                    path.display(),
                    meta.len(),
                    meta.mtime(),
                    meta.mtime_nsec(),
                    meta.ino()
                ),
                // A binary not found is named as such: the build fails on it anyway, and the
                // version differs from any with the binary.
                _ => format!("{name} not found\n"),
            };
            text.push_str(&line);
        }
        CacheVersion { text }
    }

    /// The version as picante's cache version: the first eight bytes of its blake3 hash.
    pub(crate) fn number(&self) -> u64 {
        let hash = cas::ContentHash::of(self.text.as_bytes());
        let mut first = [0; 8];
        first.copy_from_slice(&hash.as_bytes()[..8]);
        u64::from_le_bytes(first)
    }

    /// The text written to `dodeca.version`.
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// Whether the file at `path` holds this version. `Ok(false)` when it holds another or is
    /// missing; `Err` with the reason when it cannot be read or is not a version file at all.
    pub(crate) fn matches_file(&self, path: &Path) -> Result<bool, String> {
        let meta = match std::fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        if !meta.is_file() || meta.len() > MAX_LEN {
            return Err(format!("{}: not a version file", path.display()));
        }
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(bytes == self.text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_names_every_binary_and_its_number_follows_the_text() {
        let cells = Cells::in_dirs(vec![std::env::temp_dir().join("dodeca-no-cells-here")]);
        let version = CacheVersion::current(&cells);
        assert!(version.text().starts_with("dodeca-host "), "{}", version.text());
        assert!(version.text().contains("cell-template not found"), "{}", version.text());
        assert!(version.text().contains("cell-markdown not found"), "{}", version.text());
        let other = CacheVersion { text: format!("{}x", version.text()) };
        assert_ne!(version.number(), other.number());
        assert_eq!(version.number(), CacheVersion::current(&cells).number());
    }
}
