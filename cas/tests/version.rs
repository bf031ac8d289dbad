//! `cas.version`: another format, or none, empties the store and says so once.

mod common;

use std::fs;

use cas::{Cas, Warning};
use common::{TempDir, blob_files, bytes, open_clean};

/// A store with one blob and one flushed name, closed.
fn filled_store(dir: &TempDir) -> cas::ContentHash {
    let cas = open_clean(dir.path());
    let hash = cas.put(&bytes(1, 5000)).unwrap();
    cas.set_name("public/a.png", hash);
    cas.flush().unwrap();
    hash
}

#[test]
fn version_mismatch_empties_the_store_and_warns_once() {
    let dir = TempDir::new("version-mismatch");
    let hash = filled_store(&dir);
    let version = dir.path().join("cas.version");
    fs::write(&version, "cas 0\n").unwrap();

    let cas = Cas::open(dir.path()).unwrap();
    assert_eq!(
        cas.warnings(),
        vec![Warning::VersionMismatch {
            path: version.clone(),
            found: "cas 0".into(),
            expected: "cas 1".into(),
        }]
    );
    assert!(cas.warnings()[0].to_string().contains("emptied"));
    assert!(!cas.contains(&hash));
    assert!(blob_files(dir.path()).is_empty());
    assert_eq!(cas.get_name("public/a.png"), None);
    assert_eq!(fs::read_to_string(&version).unwrap(), "cas 1\n");
    drop(cas);

    // Said once: the next open finds the current version.
    let cas = open_clean(dir.path());
    assert!(!cas.contains(&hash));
}

#[test]
fn missing_version_file_empties_a_store_that_holds_data() {
    let dir = TempDir::new("version-missing");
    let hash = filled_store(&dir);
    fs::remove_file(dir.path().join("cas.version")).unwrap();

    let cas = Cas::open(dir.path()).unwrap();
    assert!(matches!(cas.warnings()[..], [Warning::VersionMissing { .. }]), "{:?}", cas.warnings());
    assert!(!cas.contains(&hash));
    assert_eq!(cas.name_count(), 0);
}

#[test]
fn emptying_keeps_files_that_belong_to_others() {
    let dir = TempDir::new("version-neighbours");
    filled_store(&dir);
    fs::write(dir.path().join("dodeca.bin"), b"the host's own cache").unwrap();
    fs::write(dir.path().join("cas.version"), [0xff, 0x00, 0x13]).unwrap();

    let cas = Cas::open(dir.path()).unwrap();
    assert!(matches!(cas.warnings()[..], [Warning::VersionMismatch { .. }]));
    assert_eq!(fs::read(dir.path().join("dodeca.bin")).unwrap(), b"the host's own cache");
}

#[test]
fn fresh_directory_opens_without_warnings_and_is_created() {
    let dir = TempDir::new("version-fresh");
    let nested = dir.path().join("a").join(".cache");
    let cas = open_clean(&nested);
    assert_eq!(cas.root(), nested);
    assert_eq!(fs::read_to_string(nested.join("cas.version")).unwrap(), "cas 1\n");
}
