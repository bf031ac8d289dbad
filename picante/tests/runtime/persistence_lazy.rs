//! A loaded database keeps its memos' values as the file's bytes until something reads them:
//! reading decodes them, saving again writes the same bytes back, early cutoff compares with
//! them, and bytes that do not decode are never served (the memo is computed again).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use picante::persist::{load_cache, save_cache};
use picante::{
    DerivedIngredient, DynIngredient, HasRuntime, IngredientLookup, IngredientRegistry,
    InputIngredient, QueryKindId, Runtime,
};

use crate::common::*;

fn cache_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("picante-lazy-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("cache.bin")
}

/// `parity(k) = num(k) % 2`, `label(k) = 100 + parity(k)`: `parity` can recompute to the
/// value it had, so `label` can be cut off.
fn specs() -> Vec<QuerySpec> {
    vec![
        query("parity", |db, k| Box::pin(async move { Ok(db.num(k)? % 2) })),
        query("label", |db, k| Box::pin(async move { Ok(100 + db.q("parity").get(db, k).await?) })),
    ]
}

fn saved(path: &PathBuf) -> Db {
    let db = Db::new(specs());
    db.set_num(0, 3);
    db.set_num(1, 4);
    assert_eq!(db.get("label", 0).unwrap(), 101);
    assert_eq!(db.get("label", 1).unwrap(), 100);
    save_cache(path, db.runtime(), &db.persistable()).unwrap();
    db
}

#[test]
fn a_database_loaded_and_saved_again_without_reads_writes_the_same_file() {
    let path = cache_path("resave");
    saved(&path);
    let db = Db::new(specs());
    load_cache(&path, db.runtime(), &db.persistable()).unwrap();
    let again = path.with_file_name("again.bin");
    save_cache(&again, db.runtime(), &db.persistable()).unwrap();
    assert_eq!(std::fs::read(&again).unwrap(), std::fs::read(&path).unwrap());
    // Read (and so decode) everything, then save: still the same bytes.
    assert_eq!(db.get("label", 0).unwrap(), 101);
    assert_eq!(db.get("label", 1).unwrap(), 100);
    save_cache(&again, db.runtime(), &db.persistable()).unwrap();
    assert_eq!(std::fs::read(&again).unwrap(), std::fs::read(&path).unwrap());
    assert_eq!(db.take_log(), Vec::<String>::new());
}

#[test]
fn early_cutoff_after_a_load_compares_with_the_loaded_value() {
    let path = cache_path("cutoff");
    saved(&path);
    let db = Db::new(specs());
    load_cache(&path, db.runtime(), &db.persistable()).unwrap();
    // 3 -> 5: `parity(0)` recomputes to 1, as loaded; `label(0)` is not recomputed.
    db.set_num(0, 5);
    assert_eq!(db.get("label", 0).unwrap(), 101);
    assert_eq!(db.take_log(), logged(&["parity(0)"]));
    // 5 -> 6: now it differs, and `label(0)` follows.
    db.set_num(0, 6);
    assert_eq!(db.get("label", 0).unwrap(), 100);
    assert_eq!(db.take_log(), logged(&["parity(0)", "label(0)"]));
}

/// A database of strings: `shout(path) = text(path).to_uppercase()`, `size(path)` its
/// length, `echo(path) = shout(path) + "!"`; counts the runs of `shout` and `echo`.
struct StringDb {
    runtime: Runtime,
    registry: IngredientRegistry<StringDb>,
    text: Arc<InputIngredient<String, String>>,
    shout: Arc<DerivedIngredient<StringDb, String, String>>,
    size: Arc<DerivedIngredient<StringDb, String, u64>>,
    echo: Arc<DerivedIngredient<StringDb, String, String>>,
    shouts: AtomicUsize,
    echoes: AtomicUsize,
}

impl HasRuntime for StringDb {
    fn runtime(&self) -> &Runtime {
        &self.runtime
    }
}

impl IngredientLookup for StringDb {
    fn ingredient(&self, kind: QueryKindId) -> Option<&dyn DynIngredient<Self>> {
        self.registry.ingredient(kind)
    }
}

impl StringDb {
    fn new() -> StringDb {
        StringDb::saving_shouts(true)
    }

    /// With `save_shouts` false, `shout`'s memos are saved without their values.
    fn saving_shouts(save_shouts: bool) -> StringDb {
        let text = Arc::new(InputIngredient::new(QueryKindId(1), "text"));
        let shout =
            DerivedIngredient::new(QueryKindId(2), "shout", |db: &StringDb, path: String| {
                Box::pin(async move {
                    db.shouts.fetch_add(1, Ordering::Relaxed);
                    Ok(db.text.get(db, &path)?.unwrap_or_default().to_uppercase())
                })
            });
        let shout = Arc::new(if save_shouts { shout } else { shout.without_saved_values() });
        let size =
            Arc::new(DerivedIngredient::new(QueryKindId(3), "size", |db: &StringDb, path| {
                Box::pin(async move { Ok(db.shout.get(db, path).await?.len() as u64) })
            }));
        let mut registry = IngredientRegistry::new();
        registry.register(text.clone());
        registry.register(shout.clone());
        registry.register(size.clone());
        let echo =
            Arc::new(DerivedIngredient::new(QueryKindId(4), "echo", |db: &StringDb, path| {
                Box::pin(async move {
                    db.echoes.fetch_add(1, Ordering::Relaxed);
                    Ok(format!("{}!", db.shout.get(db, path).await?))
                })
            }));
        registry.register(echo.clone());
        StringDb {
            runtime: Runtime::new(),
            registry,
            text,
            shout,
            size,
            echo,
            shouts: AtomicUsize::new(0),
            echoes: AtomicUsize::new(0),
        }
    }

    fn persistable(&self) -> Vec<&dyn picante::persist::PersistableIngredient> {
        vec![&*self.text, &*self.shout, &*self.size, &*self.echo]
    }
}

/// Makes the saved `shout` value's UTF-8 invalid and the file consistent again (a new
/// checksum): what a decoder bug or a checksum collision would look like.
fn spoil_the_shout(path: &PathBuf) {
    spoil(path, b"HELLO WORLD");
}

/// Makes the first saved value that starts with `value` invalid UTF-8 (see `spoil_the_shout`).
fn spoil(path: &PathBuf, value: &[u8]) {
    let mut bytes = std::fs::read(path).unwrap();
    let at = bytes.windows(value.len()).position(|w| w == value).expect("the memo's value");
    bytes[at] = 0xff;
    let body = bytes.len() - 32;
    let checksum = *blake3::hash(&bytes[..body]).as_bytes();
    bytes[body..].copy_from_slice(&checksum);
    std::fs::write(path, &bytes).unwrap();
}

#[test]
fn a_loaded_value_whose_bytes_do_not_decode_is_computed_again_not_served() {
    let path = cache_path("undecodable");
    let db = StringDb::new();
    db.text.set(&db, "a.md".into(), "hello world".into()).unwrap();
    assert_eq!(pollster::block_on(db.shout.get(&db, "a.md".into())).unwrap(), "HELLO WORLD");
    assert_eq!(pollster::block_on(db.size.get(&db, "a.md".into())).unwrap(), 11);
    save_cache(&path, db.runtime(), &db.persistable()).unwrap();

    spoil_the_shout(&path);

    let fresh = StringDb::new();
    let load = load_cache(&path, fresh.runtime(), &fresh.persistable()).unwrap();
    assert!(load.loaded && load.warnings.is_empty(), "{load:?}");
    assert_eq!(pollster::block_on(fresh.shout.get(&fresh, "a.md".into())).unwrap(), "HELLO WORLD");
    assert_eq!(fresh.shouts.load(Ordering::Relaxed), 1, "computed again");
    assert_eq!(pollster::block_on(fresh.size.get(&fresh, "a.md".into())).unwrap(), 11);
}

#[test]
fn asking_whether_a_loaded_value_changed_does_not_decode_it() {
    let path = cache_path("unchanged-undecoded");
    let db = StringDb::new();
    db.text.set(&db, "a.md".into(), "hello world".into()).unwrap();
    pollster::block_on(db.shout.get(&db, "a.md".into())).unwrap();
    let built = db.runtime().current_revision();
    save_cache(&path, db.runtime(), &db.persistable()).unwrap();
    // Bytes that would not decode: if anything decoded them, the memo would be computed again.
    spoil_the_shout(&path);

    let fresh = StringDb::new();
    load_cache(&path, fresh.runtime(), &fresh.persistable()).unwrap();
    fresh.text.set(&fresh, "b.md".into(), "another file".into()).unwrap();
    let asked = fresh.shout.get_if_changed(&fresh, "a.md", built);
    assert_eq!(pollster::block_on(asked).unwrap(), None);
    assert_eq!(fresh.shouts.load(Ordering::Relaxed), 0, "revalidated, never decoded");
}

#[test]
fn revalidating_a_loaded_memo_through_its_dependencies_does_not_decode_it() {
    let path = cache_path("deep-undecoded");
    let db = StringDb::new();
    db.text.set(&db, "a.md".into(), "hello world".into()).unwrap();
    assert_eq!(pollster::block_on(db.echo.get(&db, "a.md".into())).unwrap(), "HELLO WORLD!");
    let built = db.runtime().current_revision();
    save_cache(&path, db.runtime(), &db.persistable()).unwrap();
    spoil(&path, b"HELLO WORLD!");

    let fresh = StringDb::new();
    load_cache(&path, fresh.runtime(), &fresh.persistable()).unwrap();
    fresh.text.set(&fresh, "b.md".into(), "another file".into()).unwrap();
    // `echo` reads a derived query, so it is revalidated by walking its dependencies (a deep
    // check, with a claim), not in place; that needs its revisions, not its value.
    let asked = fresh.echo.get_if_changed(&fresh, "a.md", built);
    assert_eq!(pollster::block_on(asked).unwrap(), None);
    assert_eq!(fresh.echoes.load(Ordering::Relaxed), 0, "revalidated, never decoded");
    // Read, its bytes do not decode: computed again, not served.
    assert_eq!(pollster::block_on(fresh.echo.get(&fresh, "a.md".into())).unwrap(), "HELLO WORLD!");
    assert_eq!(fresh.echoes.load(Ordering::Relaxed), 1);
}

/// A load puts keys into their tables without looking them up, so a file that lists a key
/// twice (with a valid checksum: made by hand) must be refused before anything goes in.
#[test]
fn a_file_listing_a_key_twice_is_refused_and_loads_nothing() {
    let path = cache_path("twice");
    let db = StringDb::new();
    db.text.set(&db, "a.md".into(), "hello world".into()).unwrap();
    db.text.set(&db, "b.md".into(), "goodbye".into()).unwrap();
    for key in ["a.md", "b.md"] {
        pollster::block_on(db.shout.get(&db, key.into())).unwrap();
    }
    save_cache(&path, db.runtime(), &db.persistable()).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    let body = bytes.len() - 32;
    let mut content = bytes[..body].to_vec();
    let mut renamed = 0;
    for at in 0..content.len() - 4 {
        if &content[at..at + 4] == b"b.md" {
            content[at..at + 4].copy_from_slice(b"a.md");
            renamed += 1;
        }
    }
    assert!(renamed >= 2, "the keys of `text` and `shout`");
    let checksum = *blake3::hash(&content).as_bytes();
    content.extend_from_slice(&checksum);
    std::fs::write(&path, &content).unwrap();

    let fresh = StringDb::new();
    let load = load_cache(&path, fresh.runtime(), &fresh.persistable()).unwrap();
    assert!(!load.loaded, "{load:?}");
    match load.warnings.as_slice() {
        [picante::persist::CacheWarning::Unusable { reason }] => {
            assert!(reason.contains("listed twice"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(fresh.text.get(&fresh, &"a.md".to_string()).unwrap(), None, "nothing loaded");
}

#[test]
fn memos_saved_without_values_revalidate_and_compute_again_only_when_read() {
    let path = cache_path("without-values");
    let db = StringDb::saving_shouts(false);
    db.text.set(&db, "a.md".into(), "hello world".into()).unwrap();
    assert_eq!(pollster::block_on(db.size.get(&db, "a.md".into())).unwrap(), 11);
    let built = db.runtime().current_revision();
    save_cache(&path, db.runtime(), &db.persistable()).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert!(!bytes.windows(11).any(|w| w == b"HELLO WORLD"), "the value was saved");

    let fresh = StringDb::saving_shouts(false);
    let load = load_cache(&path, fresh.runtime(), &fresh.persistable()).unwrap();
    assert!(load.loaded && load.warnings.is_empty(), "{load:?}");
    fresh.text.set(&fresh, "b.md".into(), "unrelated".into()).unwrap();
    // Revalidated from revisions and dependencies alone.
    let asked = fresh.shout.get_if_changed(&fresh, "a.md", built);
    assert_eq!(pollster::block_on(asked).unwrap(), None);
    assert_eq!(pollster::block_on(fresh.size.get(&fresh, "a.md".into())).unwrap(), 11);
    assert_eq!(fresh.shouts.load(Ordering::Relaxed), 0);
    // The value itself is computed again when read.
    assert_eq!(pollster::block_on(fresh.shout.get(&fresh, "a.md".into())).unwrap(), "HELLO WORLD");
    assert_eq!(fresh.shouts.load(Ordering::Relaxed), 1);
    // Saved again: still without it.
    save_cache(&path, fresh.runtime(), &fresh.persistable()).unwrap();
    assert!(!std::fs::read(&path).unwrap().windows(11).any(|w| w == b"HELLO WORLD"));
}

#[test]
fn a_loaded_string_value_is_read_back_as_saved() {
    let path = cache_path("strings");
    let db = StringDb::new();
    for (path, text) in [("a.md", "é ü"), ("b.md", ""), ("c.md", &*"x".repeat(300))] {
        db.text.set(&db, path.into(), text.into()).unwrap();
        pollster::block_on(db.size.get(&db, path.into())).unwrap();
    }
    save_cache(&path, db.runtime(), &db.persistable()).unwrap();
    let fresh = StringDb::new();
    load_cache(&path, fresh.runtime(), &fresh.persistable()).unwrap();
    for (path, text) in [("a.md", "É Ü"), ("b.md", ""), ("c.md", &*"X".repeat(300))] {
        assert_eq!(pollster::block_on(fresh.shout.get(&fresh, path.into())).unwrap(), text);
        assert_eq!(
            pollster::block_on(fresh.size.get(&fresh, path.into())).unwrap(),
            text.len() as u64
        );
    }
    assert_eq!(fresh.shouts.load(Ordering::Relaxed), 0, "nothing computed");
}
