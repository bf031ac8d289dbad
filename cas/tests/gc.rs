//! `gc`: exactly the live set survives, and leftovers of interrupted puts go.

mod common;

use std::collections::BTreeSet;
use std::fs;

use cas::ContentHash;
use common::{TempDir, blob_files, bytes, files_under, open_clean};

#[test]
fn gc_keeps_exactly_the_live_set() {
    let dir = TempDir::new("gc-live");
    let cas = open_clean(dir.path());
    let mut live = Vec::new();
    let mut dead = Vec::new();
    let mut dead_bytes = 0;
    for i in 0..60u64 {
        let data = bytes(i, 500 * i as usize);
        let hash = cas.put(&data).unwrap();
        if i % 3 == 0 {
            live.push((hash, data));
        } else {
            dead_bytes += data.len() as u64;
            dead.push(hash);
        }
    }
    let report = cas.gc(live.iter().map(|(hash, _)| *hash)).unwrap();
    assert_eq!(report.blobs_kept, 20);
    assert_eq!(report.blobs_removed, 40);
    assert_eq!(report.bytes_freed, dead_bytes);

    let on_disk: BTreeSet<_> = blob_files(dir.path()).into_iter().collect();
    let expected: BTreeSet<_> = live.iter().map(|(hash, _)| cas.path_of(hash)).collect();
    assert_eq!(on_disk, expected);
    for (hash, data) in &live {
        assert_eq!(&*cas.get(hash).unwrap().unwrap(), &data[..]);
    }
    for hash in &dead {
        assert!(cas.get(hash).unwrap().is_none());
    }
    // A second gc with the same live set has nothing to do.
    let again = cas.gc(live.iter().map(|(hash, _)| *hash)).unwrap();
    assert_eq!((again.blobs_kept, again.blobs_removed), (20, 0));
}

#[test]
fn gc_with_nothing_live_empties_blobs_and_their_directories() {
    let dir = TempDir::new("gc-all");
    let cas = open_clean(dir.path());
    for i in 0..10 {
        cas.put(&bytes(i, 10)).unwrap();
    }
    let report = cas.gc([]).unwrap();
    assert_eq!(report.blobs_removed, 10);
    assert_eq!(fs::read_dir(dir.path().join("blobs")).unwrap().count(), 0);
    // And the store still works afterwards.
    let hash = cas.put(b"again").unwrap();
    assert!(cas.contains(&hash));
}

#[test]
fn put_interrupted_before_rename_leaves_no_visible_blob_and_gc_removes_it() {
    // What a put leaves when its process dies between writing and renaming: a temporary file
    // named after the dead process. (tests/processes.rs does the same with a real killed
    // process.) 4294967295 is above any kernel's pid_max, so no process has that pid.
    let dir = TempDir::new("gc-interrupted");
    let cas = open_clean(dir.path());
    let data = bytes(1, 100_000);
    let hash = ContentHash::of(&data);
    let temp = dir.path().join("tmp").join("4294967295-0-0.tmp");
    fs::write(&temp, &data[..60_000]).unwrap();

    assert!(!cas.contains(&hash));
    assert!(cas.get(&hash).unwrap().is_none());
    assert!(blob_files(dir.path()).is_empty());

    let report = cas.gc([]).unwrap();
    assert_eq!(report.temp_files_removed, 1);
    assert_eq!(report.bytes_freed, 60_000);
    assert!(files_under(dir.path(), "tmp").is_empty());
}

#[test]
fn gc_keeps_temporary_files_of_running_processes() {
    let dir = TempDir::new("gc-running");
    let cas = open_clean(dir.path());
    // pid 1 is always running: its put may be in flight.
    let temp = dir.path().join("tmp").join("1-0-0.tmp");
    fs::write(&temp, b"in flight").unwrap();
    assert_eq!(cas.gc([]).unwrap().temp_files_removed, 0);
    assert!(temp.exists());
}

#[test]
fn gc_removes_quarantined_blobs_and_orphan_aliases_and_leaves_foreign_files() {
    let dir = TempDir::new("gc-misc");
    let cas = open_clean(dir.path());
    let kept = cas.put(b"kept").unwrap();
    let kept_alias = cas.link_extension(&kept, "txt").unwrap();
    let dropped = cas.put(b"dropped").unwrap();
    let dropped_alias = cas.link_extension(&dropped, "txt").unwrap();
    fs::create_dir_all(dir.path().join("quarantine")).unwrap();
    fs::write(dir.path().join("quarantine").join("x.1-0-0"), b"12345").unwrap();
    let foreign = cas.path_of(&kept).with_file_name("README");
    fs::write(&foreign, b"not a blob").unwrap();

    let report = cas.gc([kept]).unwrap();
    assert_eq!(report.blobs_kept, 1);
    assert_eq!(report.bytes_kept, 4);
    assert_eq!(report.blobs_removed, 1);
    assert_eq!(report.aliases_removed, 1);
    assert_eq!(report.quarantined_removed, 1);
    assert_eq!(report.temp_files_removed, 0);
    assert_eq!(report.bytes_freed, 7 + 5);
    assert_eq!(report.unrecognized, 1);
    assert!(kept_alias.exists() && !dropped_alias.exists() && foreign.exists());
    assert!(!cas.contains(&dropped));
}
