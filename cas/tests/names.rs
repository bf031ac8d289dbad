//! `cas.db`: the persistent name map.

mod common;

use std::fs;

use cas::{Cas, ContentHash, Warning};
use common::{TempDir, open_clean};

fn hash(i: usize) -> ContentHash {
    ContentHash::of(&i.to_le_bytes())
}

#[test]
fn garbage_cas_db_opens_as_empty_with_a_warning() {
    let dir = TempDir::new("names-garbage");
    drop(open_clean(dir.path()));
    let db = dir.path().join("cas.db");
    fs::write(&db, b"this is not a name map at all, just some garbage bytes to reject").unwrap();

    let cas = Cas::open(dir.path()).unwrap();
    let warnings = cas.warnings();
    let [Warning::NamesCorrupt { path, reason, moved_to }] = &warnings[..] else {
        panic!("expected one NamesCorrupt warning, got {warnings:?}");
    };
    assert_eq!(path, &db);
    assert!(reason.contains("magic"), "{reason}");
    assert_eq!(moved_to.as_deref(), Some(dir.path().join("cas.db.corrupt").as_path()));
    assert!(warnings[0].to_string().contains("cas.db"));
    assert_eq!(cas.name_count(), 0);

    // The store is usable, and the damage is reported only once.
    cas.set_name("a", hash(1));
    assert!(cas.flush().unwrap());
    assert_eq!(cas.warnings().len(), 1);
    drop(cas);
    let cas = open_clean(dir.path());
    assert_eq!(cas.get_name("a"), Some(hash(1)));
}

#[test]
fn truncated_cas_db_opens_as_empty_with_a_warning() {
    let dir = TempDir::new("names-truncated");
    {
        let cas = open_clean(dir.path());
        for i in 0..100 {
            cas.set_name(&format!("page-{i}"), hash(i));
        }
        cas.flush().unwrap();
    }
    let db = dir.path().join("cas.db");
    let bytes = fs::read(&db).unwrap();
    fs::write(&db, &bytes[..bytes.len() - 10]).unwrap();

    let cas = Cas::open(dir.path()).unwrap();
    assert!(matches!(cas.warnings()[..], [Warning::NamesCorrupt { .. }]), "{:?}", cas.warnings());
    assert_eq!(cas.name_count(), 0);
}

#[test]
fn thousands_of_names_survive_a_reopen() {
    let dir = TempDir::new("names-many");
    {
        let cas = open_clean(dir.path());
        for i in 0..5000 {
            assert_eq!(cas.set_name(&format!("public/section/page-{i}/index.html"), hash(i)), None);
        }
        assert!(cas.flush().unwrap());
    }
    let cas = open_clean(dir.path());
    assert_eq!(cas.name_count(), 5000);
    assert_eq!(cas.get_name("public/section/page-4321/index.html"), Some(hash(4321)));
    let names = cas.names();
    assert!(names.windows(2).all(|pair| pair[0].0 < pair[1].0), "sorted by name");
}

#[test]
fn removed_and_replaced_names_are_persisted() {
    let dir = TempDir::new("names-remove");
    {
        let cas = open_clean(dir.path());
        cas.set_name("kept", hash(1));
        cas.set_name("removed", hash(2));
        cas.set_name("replaced", hash(3));
        cas.flush().unwrap();
        assert_eq!(cas.remove_name("removed"), Some(hash(2)));
        assert_eq!(cas.set_name("replaced", hash(4)), Some(hash(3)));
        cas.flush().unwrap();
    }
    let cas = open_clean(dir.path());
    assert_eq!(cas.names(), vec![("kept".to_string(), hash(1)), ("replaced".to_string(), hash(4))]);
}

#[cfg(unix)]
#[test]
fn flush_without_changes_does_not_rewrite_cas_db() {
    let dir = TempDir::new("names-clean");
    let cas = open_clean(dir.path());
    assert!(!cas.flush().unwrap(), "nothing to write in a new store");
    cas.set_name("a", hash(1));
    assert!(cas.flush().unwrap());
    let db = dir.path().join("cas.db");
    let inode = common::inode(&db);
    assert!(!cas.flush().unwrap());
    cas.set_name("a", hash(1));
    assert!(!cas.flush().unwrap(), "setting the same value leaves the map clean");
    assert_eq!(common::inode(&db), inode, "cas.db was rewritten");
}

#[test]
fn two_handles_flushing_keep_each_others_names() {
    let dir = TempDir::new("names-merge");
    let first = open_clean(dir.path());
    let second = open_clean(dir.path());
    first.set_name("from-first", hash(1));
    second.set_name("from-second", hash(2));
    first.flush().unwrap();
    second.flush().unwrap();
    assert_eq!(second.get_name("from-first"), Some(hash(1)), "flush adopts the other's entries");
    drop((first, second));
    let cas = open_clean(dir.path());
    assert_eq!(cas.get_name("from-first"), Some(hash(1)));
    assert_eq!(cas.get_name("from-second"), Some(hash(2)));
}

#[test]
fn tags_survive_a_flush_and_a_reopen() {
    let dir = TempDir::new("names-tags");
    {
        let cas = open_clean(dir.path());
        cas.set_name_tagged("small", hash(1), 1);
        cas.set_name_tagged("large", hash(2), u64::MAX);
        cas.set_name("untagged", hash(3));
        assert!(cas.flush().unwrap());
    }
    let cas = open_clean(dir.path());
    assert_eq!(cas.get_name_tagged("small"), Some((hash(1), 1)));
    assert_eq!(cas.get_name_tagged("large"), Some((hash(2), u64::MAX)));
    assert_eq!(cas.get_name_tagged("untagged"), Some((hash(3), 0)));
    assert_eq!(cas.get_name("large"), Some(hash(2)));
    assert_eq!(
        cas.tagged_names(),
        vec![
            ("large".to_string(), hash(2), u64::MAX),
            ("small".to_string(), hash(1), 1),
            ("untagged".to_string(), hash(3), 0),
        ]
    );
    assert_eq!(
        cas.names(),
        vec![
            ("large".to_string(), hash(2)),
            ("small".to_string(), hash(1)),
            ("untagged".to_string(), hash(3)),
        ]
    );
}

#[test]
fn set_name_replaces_a_tag_with_zero() {
    let dir = TempDir::new("names-untag");
    let cas = open_clean(dir.path());
    cas.set_name_tagged("a", hash(1), 9);
    assert!(cas.flush().unwrap());
    assert_eq!(cas.set_name("a", hash(1)), Some(hash(1)));
    assert!(cas.flush().unwrap(), "tag 9 became 0: a change");
    drop(cas);
    assert_eq!(open_clean(dir.path()).get_name_tagged("a"), Some((hash(1), 0)));
}

/// A `cas.db` as the format 1 encoder (before tags) wrote it: version 1, and a body of
/// `Vec<(String, [u8; 32])>` sorted by name.
fn format_1_file(entries: &[(&str, ContentHash)]) -> Vec<u8> {
    let list: Vec<(&str, &[u8; 32])> =
        entries.iter().map(|(name, hash)| (*name, hash.as_bytes())).collect();
    let body = postcard::to_allocvec(&list).unwrap();
    let mut bytes = b"CASNAMES".to_vec();
    bytes.extend_from_slice(&1u32.to_le_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
    let mut hasher = blake3::Hasher::new();
    hasher.update(&bytes);
    hasher.update(&body);
    bytes.extend_from_slice(hasher.finalize().as_bytes());
    bytes.extend_from_slice(&body);
    bytes
}

#[test]
fn format_1_cas_db_is_read_with_tags_zero_and_rewritten_as_format_2() {
    let dir = TempDir::new("names-format-1");
    drop(open_clean(dir.path()));
    let db = dir.path().join("cas.db");
    let format_1 = format_1_file(&[("a", hash(1)), ("b", hash(2))]);
    fs::write(&db, &format_1).unwrap();

    let cas = open_clean(dir.path());
    assert_eq!(
        cas.tagged_names(),
        vec![("a".to_string(), hash(1), 0), ("b".to_string(), hash(2), 0)]
    );
    assert!(!cas.flush().unwrap());
    assert_eq!(fs::read(&db).unwrap(), format_1, "without a change the file is not rewritten");

    cas.set_name_tagged("c", hash(3), 300);
    assert!(cas.flush().unwrap());
    drop(cas);
    let bytes = fs::read(&db).unwrap();
    assert_eq!(bytes[8..12], 2u32.to_le_bytes(), "rewritten as format 2");
    let cas = open_clean(dir.path());
    assert_eq!(
        cas.tagged_names(),
        vec![
            ("a".to_string(), hash(1), 0),
            ("b".to_string(), hash(2), 0),
            ("c".to_string(), hash(3), 300),
        ]
    );
}

#[test]
fn cas_db_of_an_unknown_format_version_opens_as_empty_with_a_warning() {
    let dir = TempDir::new("names-format-3");
    drop(open_clean(dir.path()));
    let db = dir.path().join("cas.db");
    let mut bytes = format_1_file(&[("a", hash(1))]);
    bytes[8] = 3;
    fs::write(&db, &bytes).unwrap();

    let cas = Cas::open(dir.path()).unwrap();
    let warnings = cas.warnings();
    let [Warning::NamesCorrupt { reason, .. }] = &warnings[..] else {
        panic!("expected one NamesCorrupt warning, got {warnings:?}");
    };
    assert_eq!(reason, "format version 3, expected 1 or 2");
    assert_eq!(cas.name_count(), 0);
}

#[cfg(unix)]
#[test]
fn setting_the_same_hash_and_tag_does_not_rewrite_cas_db_but_another_tag_does() {
    let dir = TempDir::new("names-clean-tag");
    let cas = open_clean(dir.path());
    cas.set_name_tagged("a", hash(1), 5);
    assert!(cas.flush().unwrap());
    let db = dir.path().join("cas.db");
    let inode = common::inode(&db);
    assert_eq!(cas.set_name_tagged("a", hash(1), 5), Some(hash(1)));
    assert!(!cas.flush().unwrap(), "setting the same hash and tag leaves the map clean");
    assert_eq!(common::inode(&db), inode, "cas.db was rewritten");

    assert_eq!(cas.set_name_tagged("a", hash(1), 6), Some(hash(1)));
    assert!(cas.flush().unwrap(), "another tag with the same hash is a change");
    assert_ne!(common::inode(&db), inode);
    drop(cas);
    assert_eq!(open_clean(dir.path()).get_name_tagged("a"), Some((hash(1), 6)));
}

#[test]
fn two_handles_flushing_keep_each_others_tagged_names() {
    let dir = TempDir::new("names-merge-tags");
    let first = open_clean(dir.path());
    let second = open_clean(dir.path());
    first.set_name_tagged("shared", hash(1), 1);
    first.set_name_tagged("from-first", hash(2), 2);
    first.flush().unwrap();
    second.set_name_tagged("from-second", hash(3), 3);
    second.flush().unwrap();
    assert_eq!(second.get_name_tagged("shared"), Some((hash(1), 1)), "adopts the other's tags");

    // Only a handle's own changes go on top: a tag changed by one survives the other's flush.
    second.set_name_tagged("shared", hash(1), 10);
    second.flush().unwrap();
    first.set_name_tagged("from-first", hash(2), 20);
    first.flush().unwrap();
    assert_eq!(first.get_name_tagged("shared"), Some((hash(1), 10)));
    drop((first, second));
    let cas = open_clean(dir.path());
    assert_eq!(
        cas.tagged_names(),
        vec![
            ("from-first".to_string(), hash(2), 20),
            ("from-second".to_string(), hash(3), 3),
            ("shared".to_string(), hash(1), 10),
        ]
    );
}

#[test]
fn names_with_prefix_returns_exactly_the_entries_under_the_prefix() {
    let dir = TempDir::new("names-prefix");
    let cas = open_clean(dir.path());
    let under = ["public/blog/", "public/blog/a.html", "public/blog/z/deep.html"];
    let beside = ["public/blog", "public/blogroll.html", "public/about.html", "other/blog/x", ""];
    for (i, name) in under.iter().chain(&beside).enumerate() {
        cas.set_name_tagged(name, hash(i), i as u64 * 7);
    }
    cas.set_name("public/blog/removed.html", hash(100));
    cas.flush().unwrap();
    cas.remove_name("public/blog/removed.html");
    cas.set_name_tagged("public/blog/pending.html", hash(101), 5);

    let mut expected: Vec<_> = under
        .iter()
        .enumerate()
        .map(|(i, name)| (name.to_string(), hash(i), i as u64 * 7))
        .collect();
    expected.push(("public/blog/pending.html".to_string(), hash(101), 5));
    expected.sort();
    assert_eq!(cas.names_with_prefix("public/blog/"), expected);
    assert_eq!(cas.names_with_prefix(""), cas.tagged_names());
    assert_eq!(cas.names_with_prefix("public/blog/a.html").len(), 1);
    assert_eq!(cas.names_with_prefix("public/blog").len(), 6);
    assert!(cas.names_with_prefix("public/blog/a.html/").is_empty());
    assert!(cas.names_with_prefix("nothing").is_empty());
}
