//! Damaged blob files: `verify` finds them, and reads and puts never return or keep wrong bytes
//! where a check is cheap.

mod common;

use std::fs::{self, OpenOptions};
use std::io::{Seek, SeekFrom, Write};

use cas::{ContentHash, Warning};
use common::{TempDir, blob_files, bytes, files_under, make_writable, open_clean};

fn flip_byte(path: &std::path::Path, offset: u64) {
    make_writable(path);
    let mut file = OpenOptions::new().read(true).write(true).open(path).unwrap();
    let mut byte = [0u8];
    file.seek(SeekFrom::Start(offset)).unwrap();
    std::io::Read::read_exact(&mut file, &mut byte).unwrap();
    file.seek(SeekFrom::Start(offset)).unwrap();
    file.write_all(&[byte[0] ^ 0x01]).unwrap();
}

fn truncate(path: &std::path::Path, len: u64) {
    make_writable(path);
    OpenOptions::new().write(true).open(path).unwrap().set_len(len).unwrap();
}

#[test]
fn verify_of_an_intact_store_finds_nothing() {
    let dir = TempDir::new("verify-intact");
    let cas = open_clean(dir.path());
    let mut total = 0;
    for i in 0..10 {
        let data = bytes(i, 1000 * i as usize);
        total += data.len() as u64;
        cas.put(&data).unwrap();
    }
    cas.link_extension(&ContentHash::of(&bytes(3, 3000)), "bin").unwrap();
    let report = cas.verify().unwrap();
    assert_eq!(report.blobs_checked, 10, "the alias shares its blob's file: not checked twice");
    assert_eq!(report.bytes_checked, total);
    assert!(report.corrupt.is_empty());
    assert_eq!(report.unrecognized, 0);
}

#[test]
fn verify_finds_a_truncated_blob_and_sets_it_aside() {
    let dir = TempDir::new("verify-truncated");
    let cas = open_clean(dir.path());
    let good = cas.put(&bytes(1, 100_000)).unwrap();
    let bad = cas.put(&bytes(2, 100_000)).unwrap();
    let alias = cas.link_extension(&bad, "img").unwrap();
    truncate(&cas.path_of(&bad), 50_000);

    let report = cas.verify().unwrap();
    assert_eq!(report.corrupt.len(), 1, "{report:?}");
    let corrupt = &report.corrupt[0];
    assert_eq!(corrupt.hash, bad);
    assert_eq!(corrupt.path, cas.path_of(&bad));
    let moved_to = corrupt.moved_to.as_ref().unwrap();
    assert!(moved_to.starts_with(dir.path().join("quarantine")));
    assert_eq!(fs::metadata(moved_to).unwrap().len(), 50_000, "kept for inspection");

    // Absent now (the host recomputes it); the alias went with it; the good blob is untouched.
    assert!(!cas.contains(&bad));
    assert!(cas.get(&bad).unwrap().is_none());
    assert!(!alias.exists());
    assert!(cas.get(&good).unwrap().is_some());
    assert!(cas.verify().unwrap().corrupt.is_empty());

    // Putting it again restores it.
    assert_eq!(cas.put(&bytes(2, 100_000)).unwrap(), bad);
    assert_eq!(&*cas.get(&bad).unwrap().unwrap(), &bytes(2, 100_000)[..]);
}

#[test]
fn verify_finds_a_flipped_byte_and_sets_it_aside() {
    let dir = TempDir::new("verify-flipped");
    let cas = open_clean(dir.path());
    let small = cas.put(&bytes(1, 10)).unwrap();
    let large = cas.put(&bytes(2, 3 << 20)).unwrap();
    flip_byte(&cas.path_of(&small), 9);
    flip_byte(&cas.path_of(&large), 2 << 20);

    let report = cas.verify().unwrap();
    let mut found: Vec<_> = report.corrupt.iter().map(|c| c.hash).collect();
    found.sort();
    let mut expected = vec![small, large];
    expected.sort();
    assert_eq!(found, expected);
    assert!(!cas.contains(&small) && !cas.contains(&large));
    assert!(blob_files(dir.path()).is_empty());
}

#[test]
fn get_verified_sets_aside_a_blob_with_a_flipped_byte() {
    let dir = TempDir::new("get-verified");
    let cas = open_clean(dir.path());
    let hash = cas.put(&bytes(1, 200_000)).unwrap();
    assert!(cas.get_verified(&hash).unwrap().is_some());
    flip_byte(&cas.path_of(&hash), 123);
    assert!(cas.get_verified(&hash).unwrap().is_none());
    assert!(!cas.contains(&hash));
    assert!(matches!(cas.warnings()[..], [Warning::BlobCorrupt { .. }]), "{:?}", cas.warnings());
}

#[test]
fn get_sets_aside_a_blob_emptied_by_a_power_loss() {
    let dir = TempDir::new("get-empty");
    let cas = open_clean(dir.path());
    let hash = cas.put(&bytes(1, 4096)).unwrap();
    truncate(&cas.path_of(&hash), 0);
    assert!(cas.get(&hash).unwrap().is_none(), "never the wrong (empty) bytes");
    assert!(!cas.contains(&hash));
    assert_eq!(files_under(dir.path(), "quarantine").len(), 1);
    assert!(matches!(cas.warnings()[..], [Warning::BlobCorrupt { .. }]));
    // The empty blob itself is legitimately empty.
    let empty = cas.put(b"").unwrap();
    assert_eq!(cas.get(&empty).unwrap().unwrap().len(), 0);
}

#[test]
fn put_replaces_a_blob_file_of_the_wrong_length() {
    let dir = TempDir::new("put-repairs");
    let cas = open_clean(dir.path());
    let data = bytes(1, 70_000);
    let hash = cas.put(&data).unwrap();
    truncate(&cas.path_of(&hash), 1000);
    assert_eq!(cas.put(&data).unwrap(), hash);
    assert_eq!(&*cas.get(&hash).unwrap().unwrap(), &data[..]);
    assert_eq!(cas.warnings().len(), 1);
}

#[test]
fn directory_in_place_of_a_blob_is_set_aside_by_put() {
    let dir = TempDir::new("put-over-dir");
    let cas = open_clean(dir.path());
    let hash = ContentHash::of(b"content");
    fs::create_dir_all(cas.path_of(&hash).join("junk")).unwrap();
    assert!(!cas.contains(&hash));
    assert!(cas.get(&hash).unwrap().is_none());
    assert_eq!(cas.put(b"content").unwrap(), hash);
    assert_eq!(&*cas.get(&hash).unwrap().unwrap(), b"content");
}
