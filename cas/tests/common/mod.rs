//! Helpers shared by the integration tests. Each test file uses a different subset, hence the
//! `allow(dead_code)`.
#![allow(dead_code)]

mod temp_dir;

use std::fs;
use std::path::{Path, PathBuf};

pub use temp_dir::TempDir;

use cas::Cas;

/// Opens a store and asserts that opening it reported nothing.
pub fn open_clean(dir: &Path) -> Cas {
    let cas = Cas::open(dir).expect("open the store");
    assert_eq!(cas.warnings(), vec![], "unexpected warnings opening {}", dir.display());
    cas
}

/// `len` bytes that differ for each `seed` and do not repeat (xorshift), so that two test blobs
/// never share a hash by accident.
pub fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Every file under `<root>/<sub>`, recursively, sorted.
pub fn files_under(root: &Path, sub: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() { walk(&path, out) } else { out.push(path) }
        }
    }
    let mut out = Vec::new();
    walk(&root.join(sub), &mut out);
    out.sort();
    out
}

/// The blob files in the store (not aliases, temporary or quarantined files).
pub fn blob_files(root: &Path) -> Vec<PathBuf> {
    files_under(root, "blobs").into_iter().filter(|path| path.extension().is_none()).collect()
}

/// Makes a blob file writable, as something outside the store would have to before damaging it.
pub fn make_writable(path: &Path) {
    let mut permissions = fs::metadata(path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    fs::set_permissions(path, permissions).unwrap();
}

/// The file's inode number: it changes when a file is replaced, not when it is only read.
#[cfg(unix)]
pub fn inode(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).unwrap().ino()
}
