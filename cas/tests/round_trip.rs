//! Putting blobs and getting them back: dedup, sizes, streaming, reopening.

mod common;

use std::fs;
use std::io::{self, Read};

use cas::{Cas, ContentHash, ErrorKind, MMAP_THRESHOLD, STREAM_BUFFER_SIZE};
use common::{TempDir, blob_files, bytes, files_under, open_clean};

fn assert_round_trip(len: usize) {
    let dir = TempDir::new("round-trip");
    let cas = open_clean(dir.path());
    let data = bytes(len as u64, len);
    let hash = cas.put(&data).unwrap();
    assert_eq!(hash, ContentHash::of(&data));
    assert!(cas.contains(&hash));
    assert_eq!(cas.len_of(&hash), Some(len as u64));
    let blob = cas.get(&hash).unwrap().expect("the blob was just put");
    assert_eq!(blob.len(), len);
    assert!(*blob == data[..], "bytes differ after a round trip of {len} bytes");
    assert_eq!(blob.is_mapped(), len as u64 >= MMAP_THRESHOLD);
    assert_eq!(fs::read(cas.path_of(&hash)).unwrap(), data);
    assert_eq!(files_under(dir.path(), "tmp"), Vec::<std::path::PathBuf>::new());
}

#[test]
fn round_trip_of_an_empty_blob() {
    assert_round_trip(0);
}

#[test]
fn round_trip_of_a_one_byte_blob() {
    assert_round_trip(1);
}

#[test]
fn round_trip_of_a_one_mebibyte_blob() {
    assert_round_trip(1 << 20);
}

#[test]
fn round_trip_of_a_sixty_four_mebibyte_blob() {
    assert_round_trip(64 << 20);
}

#[test]
fn round_trip_at_the_mmap_threshold() {
    assert_round_trip(MMAP_THRESHOLD as usize - 1);
    assert_round_trip(MMAP_THRESHOLD as usize);
}

#[cfg(unix)]
#[test]
fn putting_the_same_bytes_twice_stores_one_blob_and_writes_nothing() {
    let dir = TempDir::new("dedup");
    let cas = open_clean(dir.path());
    let data = bytes(1, 10_000);
    let first = cas.put(&data).unwrap();
    let path = cas.path_of(&first);
    let inode = common::inode(&path);
    let modified = fs::metadata(&path).unwrap().modified().unwrap();

    assert_eq!(cas.put(&data).unwrap(), first);
    assert_eq!(cas.put_reader(&data[..]).unwrap(), first);
    let source = dir.path().join("source");
    fs::write(&source, &data).unwrap();
    assert_eq!(cas.put_file(&source).unwrap(), first);

    assert_eq!(blob_files(dir.path()), vec![path.clone()]);
    // Not replaced, not rewritten.
    assert_eq!(common::inode(&path), inode);
    assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), modified);
    assert!(files_under(dir.path(), "tmp").is_empty());
}

#[test]
fn different_bytes_get_different_blobs() {
    let dir = TempDir::new("distinct");
    let cas = open_clean(dir.path());
    let a = cas.put(b"a").unwrap();
    let b = cas.put(b"b").unwrap();
    assert_ne!(a, b);
    assert_eq!(blob_files(dir.path()).len(), 2);
}

#[test]
fn blob_files_are_read_only_and_under_their_shard() {
    let dir = TempDir::new("layout");
    let cas = open_clean(dir.path());
    let hash = cas.put(b"x").unwrap();
    let hex = hash.to_string();
    let expected = dir.path().join("blobs").join(&hex[..4]).join(&hex);
    assert_eq!(cas.path_of(&hash), expected);
    assert!(fs::metadata(&expected).unwrap().permissions().readonly());
}

/// A reader that hands out its data 1,000 bytes at a time, like a pipe.
struct Trickle {
    data: Vec<u8>,
    at: usize,
}

impl Read for Trickle {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(1000).min(self.data.len() - self.at);
        buf[..n].copy_from_slice(&self.data[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

#[test]
fn streamed_put_of_a_file_larger_than_the_buffer_stores_the_same_blob() {
    let dir = TempDir::new("streamed");
    let cas = open_clean(dir.path());
    let len = STREAM_BUFFER_SIZE * 7 / 2 + 7;
    let data = bytes(7, len);
    let source = dir.path().join("large-source");
    fs::write(&source, &data).unwrap();

    let hash = cas.put_file(&source).unwrap();
    assert_eq!(hash, ContentHash::of(&data));
    assert_eq!(&*cas.get(&hash).unwrap().unwrap(), &data[..]);

    // The same content from a reader that gives short reads, into a fresh store.
    let other_dir = TempDir::new("streamed-reader");
    let other = open_clean(other_dir.path());
    assert_eq!(other.put_reader(Trickle { data: data.clone(), at: 0 }).unwrap(), hash);
    assert_eq!(&*other.get(&hash).unwrap().unwrap(), &data[..]);
    assert!(files_under(dir.path(), "tmp").is_empty());
    assert!(files_under(other_dir.path(), "tmp").is_empty());
}

#[test]
fn failing_reader_leaves_no_blob_and_no_temporary_file() {
    struct Failing(usize);
    impl Read for Failing {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::other("the network went away"));
            }
            let n = buf.len().min(self.0);
            buf[..n].fill(7);
            self.0 -= n;
            Ok(n)
        }
    }
    let dir = TempDir::new("failing-reader");
    let cas = open_clean(dir.path());
    let err = cas.put_reader(Failing(STREAM_BUFFER_SIZE * 2)).unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::Io { .. }));
    assert!(err.to_string().contains("the network went away"), "{err}");
    assert!(blob_files(dir.path()).is_empty());
    assert!(files_under(dir.path(), "tmp").is_empty());
}

#[test]
fn put_file_of_a_missing_file_names_it() {
    let dir = TempDir::new("missing-source");
    let cas = open_clean(dir.path());
    let missing = dir.path().join("no-such-file");
    let err = cas.put_file(&missing).unwrap_err();
    assert_eq!(err.path(), Some(missing.as_path()));
    assert_eq!(err.io_error().unwrap().kind(), io::ErrorKind::NotFound);
}

#[test]
fn get_of_a_blob_never_put_is_none() {
    let dir = TempDir::new("absent");
    let cas = open_clean(dir.path());
    let hash = ContentHash::of(b"never stored");
    assert!(cas.get(&hash).unwrap().is_none());
    assert!(!cas.contains(&hash));
    assert_eq!(cas.len_of(&hash), None);
}

#[test]
fn reopen_after_drop_keeps_every_blob_and_name() {
    let dir = TempDir::new("reopen");
    let sizes = [0, 1, 4096, MMAP_THRESHOLD as usize + 1, 1 << 20];
    let mut stored = Vec::new();
    {
        let cas = open_clean(dir.path());
        for (i, &len) in sizes.iter().enumerate() {
            let data = bytes(100 + i as u64, len);
            let hash = cas.put(&data).unwrap();
            cas.set_name(&format!("public/file-{i}"), hash);
            stored.push((hash, data));
        }
        // No explicit flush: dropping the store saves the name map.
    }
    let cas = open_clean(dir.path());
    for (i, (hash, data)) in stored.iter().enumerate() {
        assert_eq!(&*cas.get(hash).unwrap().unwrap(), &data[..]);
        assert_eq!(cas.get_name(&format!("public/file-{i}")), Some(*hash));
    }
    assert_eq!(cas.name_count(), sizes.len());
}

#[test]
fn link_extension_adds_a_second_name_for_the_same_bytes() {
    let dir = TempDir::new("alias");
    let cas = open_clean(dir.path());
    let hash = cas.put(b"\x89PNG...").unwrap();
    let alias = cas.link_extension(&hash, "png").unwrap();
    assert_eq!(alias, cas.path_of(&hash).with_extension("png"));
    assert_eq!(fs::read(&alias).unwrap(), b"\x89PNG...");
    assert_eq!(cas.link_extension(&hash, "png").unwrap(), alias);
    #[cfg(unix)]
    assert_eq!(common::inode(&alias), common::inode(&cas.path_of(&hash)));

    let err = cas.link_extension(&hash, ".png").unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::InvalidExtension { .. }));
    let missing = ContentHash::of(b"nothing");
    let err = cas.link_extension(&missing, "png").unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::MissingBlob { .. }), "{err}");
}

#[test]
fn store_handle_is_shareable_between_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Cas>();
    assert_send_sync::<cas::Blob>();
}
