//! `cas.version`: the store's format version, checked at every open.
//!
//! The file holds one line, `cas 1`. Any other content, a missing file (when the directory holds
//! store data) or an unreadable one empties the store before it is used: the store never reads
//! files written in a format it does not know. The new version file is written last, after the
//! old data is gone, so a crash while emptying leaves a store that is emptied again at the next
//! open rather than a store that mixes formats.

use std::fs::File;
use std::io::{self, Read};

use crate::error::{Error, Result};
use crate::files::{remove_any, write_file_atomically};
use crate::layout::{BLOBS_DIR, Layout, NAMES_FILE, QUARANTINE_DIR, TMP_DIR, VERSION_FILE};
use crate::names::CORRUPT_NAMES_FILE;
use crate::warning::Warning;

/// What `cas.version` holds for this build (without the final newline).
pub(crate) const FORMAT_VERSION: &str = "cas 1";

/// A version file longer than this is not one of ours; reading stops there.
const MAX_VERSION_FILE_LEN: u64 = 256;

/// Makes the directory a store of the current format: checks `cas.version`, empties the store if
/// it does not match (pushing one warning that says why), and writes the version file. The
/// caller holds the store lock, so two processes opening one directory do not race here.
pub(crate) fn prepare(layout: &Layout, warnings: &mut Vec<Warning>) -> Result<()> {
    let path = layout.file(VERSION_FILE);
    let warning = match read_version(&path) {
        Ok(Some(found)) if found.trim_end() == FORMAT_VERSION => return ensure_dirs(layout),
        Ok(Some(found)) => Some(Warning::VersionMismatch {
            path: path.clone(),
            found: printable(&found),
            expected: FORMAT_VERSION.to_string(),
        }),
        // A fresh directory: nothing to empty, nothing to say.
        Ok(None) if !holds_store_data(layout) => None,
        Ok(None) => Some(Warning::VersionMissing { path: path.clone() }),
        Err(e) => Some(Warning::VersionUnreadable { path: path.clone(), reason: e.to_string() }),
    };
    empty(layout)?;
    if matches!(warning, Some(Warning::VersionUnreadable { .. })) {
        // It may be a directory or a special file that a rename cannot replace.
        remove_any(&path)?;
    }
    write_file_atomically(layout, &path, format!("{FORMAT_VERSION}\n").as_bytes())?;
    warnings.extend(warning);
    ensure_dirs(layout)
}

/// The version file's content, `None` when there is none.
fn read_version(path: &std::path::Path) -> io::Result<Option<String>> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut bytes = Vec::new();
    file.take(MAX_VERSION_FILE_LEN).read_to_end(&mut bytes)?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}

/// Whether the directory holds anything a store writes, apart from the lock and `tmp/`.
fn holds_store_data(layout: &Layout) -> bool {
    [BLOBS_DIR, NAMES_FILE, CORRUPT_NAMES_FILE, QUARANTINE_DIR]
        .iter()
        .any(|name| layout.file(name).symlink_metadata().is_ok())
}

/// Removes every file the store owns. Other files in the directory (the host keeps its own cache
/// files beside ours) are left alone, and so is `cas.lock`, which the caller holds.
fn empty(layout: &Layout) -> Result<()> {
    for name in [BLOBS_DIR, QUARANTINE_DIR, TMP_DIR, NAMES_FILE, CORRUPT_NAMES_FILE] {
        remove_any(&layout.file(name))?;
    }
    Ok(())
}

fn ensure_dirs(layout: &Layout) -> Result<()> {
    for dir in [layout.blobs_dir(), layout.tmp_dir()] {
        std::fs::create_dir_all(dir).map_err(|e| Error::io("create the directory", dir, e))?;
    }
    Ok(())
}

/// The version file's content, escaped and shortened so that a binary file prints as one line.
fn printable(found: &str) -> String {
    let mut text: String = found.trim_end().escape_debug().collect();
    if text.len() > 40 {
        let mut cut = 40;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::temp_dir::TempDir;
    use std::fs;

    #[test]
    fn fresh_directory_gets_a_version_file_and_no_warning() {
        let dir = TempDir::new("version-fresh");
        let layout = Layout::new(dir.path());
        let mut warnings = Vec::new();
        prepare(&layout, &mut warnings).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(fs::read_to_string(dir.path().join(VERSION_FILE)).unwrap(), "cas 1\n");
        assert!(layout.blobs_dir().is_dir());
    }

    #[test]
    fn version_that_is_a_directory_is_replaced_with_a_warning() {
        let dir = TempDir::new("version-dir");
        fs::create_dir_all(dir.path().join(VERSION_FILE).join("x")).unwrap();
        let layout = Layout::new(dir.path());
        let mut warnings = Vec::new();
        prepare(&layout, &mut warnings).unwrap();
        assert!(matches!(warnings[..], [Warning::VersionUnreadable { .. }]), "{warnings:?}");
        assert_eq!(fs::read_to_string(dir.path().join(VERSION_FILE)).unwrap(), "cas 1\n");
    }

    #[test]
    fn emptying_leaves_other_files_in_the_directory_alone() {
        let dir = TempDir::new("version-neighbours");
        fs::write(dir.path().join("dodeca.bin"), b"host cache").unwrap();
        fs::write(dir.path().join(VERSION_FILE), b"cas 0\n").unwrap();
        fs::create_dir_all(dir.path().join(BLOBS_DIR).join("abcd")).unwrap();
        let layout = Layout::new(dir.path());
        let mut warnings = Vec::new();
        prepare(&layout, &mut warnings).unwrap();
        assert_eq!(fs::read(dir.path().join("dodeca.bin")).unwrap(), b"host cache");
        assert!(!dir.path().join(BLOBS_DIR).join("abcd").exists());
    }

    #[test]
    fn binary_version_content_is_printed_escaped_and_short() {
        let text = printable(&"\u{1}".repeat(100));
        assert!(text.starts_with("\\u{1}"));
        assert!(text.chars().count() <= 41);
    }
}
