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
