//! Persistence: a fresh database loading a saved one revalidates instead of recomputing; a
//! file that cannot be trusted loads nothing and says why; a section whose types changed is
//! dropped alone, with the memos that depend on it.

use std::path::PathBuf;
use std::sync::Arc;

use picante::persist::{
    CacheLoadOptions, CacheWarning, OnCorruptCache, PersistableIngredient, load_cache,
    load_cache_with_options, save_cache,
};
use picante::{
    DerivedIngredient, DynIngredient, HasRuntime, IngredientLookup, IngredientRegistry,
    InputIngredient, InternedIngredient, PicanteError, QueryKindId, Runtime,
};

use crate::common::*;

fn cache_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("picante-persist-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("cache.bin")
}

/// `double(k) = 2 * num(k)`, `sum(k) = double(k) + double(k + 1)`.
fn specs() -> Vec<QuerySpec> {
    vec![
        query("double", |db, k| Box::pin(async move { Ok(db.num(k)? * 2) })),
        query("sum", |db, k| {
            Box::pin(async move {
                Ok(db.q("double").get(db, k).await? + db.q("double").get(db, k + 1).await?)
            })
        }),
    ]
}

/// A database with three inputs set and every `sum` computed, saved to `path`.
fn saved(path: &PathBuf) -> Db {
    let db = Db::new(specs());
    for k in 0..3 {
        db.set_num(k, 10 * (k as u64 + 1));
    }
    assert_eq!(db.get("sum", 0).unwrap(), 60);
    assert_eq!(db.get("sum", 1).unwrap(), 100);
    save_cache(path, db.runtime(), &db.persistable()).unwrap();
    db
}

#[test]
fn a_fresh_database_loading_the_cache_revalidates_instead_of_recomputing() {
    let path = cache_path("revalidates");
    let before = saved(&path);
    let db = Db::new(specs());
    let load = load_cache(&path, db.runtime(), &db.persistable()).unwrap();
    assert_eq!(load, picante::persist::CacheLoad { loaded: true, warnings: vec![] });
    assert_eq!(db.revision(), before.revision());
    assert_eq!(db.get("sum", 0).unwrap(), 60);
    assert_eq!(db.get("sum", 1).unwrap(), 100);
    assert_eq!(db.take_log(), Vec::<String>::new(), "nothing computed");
    // One input changes: exactly what read it runs.
    db.set_num(2, 5);
    assert_eq!(db.get("sum", 0).unwrap(), 60);
    assert_eq!(db.get("sum", 1).unwrap(), 50);
    assert_eq!(db.take_log(), logged(&["double(2)", "sum(1)"]));
}

#[test]
fn after_a_load_an_input_set_to_its_saved_value_changes_nothing() {
    let path = cache_path("same-value");
    let before = saved(&path);
    let db = Db::new(specs());
    load_cache(&path, db.runtime(), &db.persistable()).unwrap();
    db.set_num(1, 20);
    assert_eq!(db.revision(), before.revision(), "the same value: no new revision");
    assert_eq!(db.get("sum", 0).unwrap(), 60);
    assert_eq!(db.take_log(), Vec::<String>::new());
}

#[test]
fn a_missing_file_loads_nothing_and_warns_of_nothing() {
    let path = cache_path("missing");
    let db = Db::new(specs());
    let load = load_cache(&path, db.runtime(), &db.persistable()).unwrap();
    assert_eq!(load, picante::persist::CacheLoad::default());
}

/// Loads `bytes` (as the cache file) into a fresh database: must load nothing, say why, and
/// leave the database empty and usable.
fn assert_refused(path: &PathBuf, bytes: &[u8], what: &str) {
    std::fs::write(path, bytes).unwrap();
    let db = Db::new(specs());
    let load = load_cache(path, db.runtime(), &db.persistable()).unwrap();
    assert!(!load.loaded, "{what}: loaded");
    assert!(
        matches!(load.warnings.as_slice(), [CacheWarning::Unusable { .. }]),
        "{what}: {:?}",
        load.warnings
    );
    assert_eq!(db.num.get(&db, &0).unwrap(), None, "{what}: something was loaded");
    db.set_num(0, 1);
    assert_eq!(db.get("double", 0).unwrap(), 2, "{what}: unusable afterwards");
}

#[test]
fn every_truncation_of_the_file_is_refused_and_loads_nothing() {
    let path = cache_path("truncated");
    saved(&path);
    let bytes = std::fs::read(&path).unwrap();
    for len in 0..bytes.len() {
        assert_refused(&path, &bytes[..len], &format!("the first {len} bytes"));
    }
}

#[test]
fn a_flipped_bit_anywhere_is_refused_and_loads_nothing() {
    let path = cache_path("flipped");
    saved(&path);
    let bytes = std::fs::read(&path).unwrap();
    for at in 0..bytes.len() {
        let mut forged = bytes.clone();
        forged[at] ^= 0x10;
        assert_refused(&path, &forged, &format!("byte {at} flipped"));
    }
    assert_refused(&path, b"not a cache at all", "a foreign file");
}

#[test]
fn the_corruption_policy_decides_between_an_error_a_warning_and_deleting_the_file() {
    let path = cache_path("policy");
    std::fs::write(&path, b"picante\0 but not really").unwrap();
    let with = |on_corrupt| CacheLoadOptions { on_corrupt, ..CacheLoadOptions::default() };
    let db = Db::new(specs());
    let error = load_cache_with_options(
        &path,
        db.runtime(),
        &db.persistable(),
        &with(OnCorruptCache::Error),
    )
    .unwrap_err();
    assert!(matches!(&*error, PicanteError::Cache { message } if message.contains("truncated")));
    let load = load_cache_with_options(
        &path,
        db.runtime(),
        &db.persistable(),
        &with(OnCorruptCache::Delete),
    )
    .unwrap();
    assert!(!load.loaded && !path.exists(), "deleted");
}

#[test]
fn a_file_of_another_cache_version_is_not_loaded() {
    let path = cache_path("version");
    saved(&path);
    let db = Db::new(specs());
    let options = CacheLoadOptions { cache_version: 7, ..CacheLoadOptions::default() };
    let load = load_cache_with_options(&path, db.runtime(), &db.persistable(), &options).unwrap();
    assert!(!load.loaded);
    assert!(
        matches!(&load.warnings[..], [CacheWarning::Unusable { reason }] if reason.contains("cache version 0"))
    );
}

#[test]
fn loading_into_a_database_already_in_use_is_refused() {
    let path = cache_path("in-use");
    saved(&path);
    let db = Db::new(specs());
    db.set_num(9, 9);
    let error = load_cache(&path, db.runtime(), &db.persistable()).unwrap_err();
    assert!(error.to_string().contains("fresh database"), "{error}");
}

#[test]
fn a_failed_save_leaves_the_previous_file_and_no_temporary_file() {
    let path = cache_path("failed-save");
    saved(&path);
    let before = std::fs::read(&path).unwrap();
    // The target is now a directory: the rename over it fails.
    let blocked = path.with_file_name("blocked");
    std::fs::create_dir_all(blocked.join("inside")).unwrap();
    let db = Db::new(specs());
    db.set_num(0, 1);
    assert!(save_cache(&blocked, db.runtime(), &db.persistable()).is_err());
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let names: Vec<String> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.contains(".tmp-")), "{names:?}");
}

/// A small database of its own, to change an ingredient's type between save and load.
struct Typed<V: facet::Facet<'static> + Clone + Send + Sync + 'static> {
    runtime: Runtime,
    registry: IngredientRegistry<Typed<V>>,
    names: Arc<InternedIngredient<String>>,
    value: Arc<InputIngredient<u32, V>>,
    length: Arc<DerivedIngredient<Typed<V>, u32, u64>>,
    named: Arc<DerivedIngredient<Typed<V>, u32, u64>>,
}

impl<V: facet::Facet<'static> + Clone + Send + Sync + 'static> HasRuntime for Typed<V> {
    fn runtime(&self) -> &Runtime {
        &self.runtime
    }
}

impl<V: facet::Facet<'static> + Clone + Send + Sync + 'static> IngredientLookup for Typed<V> {
    fn ingredient(&self, kind: QueryKindId) -> Option<&dyn DynIngredient<Self>> {
        self.registry.ingredient(kind)
    }
}

impl<V: facet::Facet<'static> + Clone + Send + Sync + std::fmt::Debug + 'static> Typed<V> {
    fn new() -> Self {
        let names = Arc::new(InternedIngredient::new(QueryKindId(1), "names"));
        let value = Arc::new(InputIngredient::new(QueryKindId(2), "value"));
        let length =
            Arc::new(DerivedIngredient::new(QueryKindId(3), "length", |db: &Typed<V>, k: u32| {
                Box::pin(async move {
                    Ok(db.value.get(db, &k)?.map_or(0, |v| format!("{v:?}").len() as u64))
                })
            }));
        let named =
            Arc::new(DerivedIngredient::new(QueryKindId(4), "named", |db: &Typed<V>, k: u32| {
                Box::pin(async move { Ok(db.names.get(db, picante::InternId(k))?.len() as u64) })
            }));
        let mut registry = IngredientRegistry::new();
        registry.register(names.clone());
        registry.register(value.clone());
        registry.register(length.clone());
        registry.register(named.clone());
        Typed { runtime: Runtime::new(), registry, names, value, length, named }
    }

    fn persistable(&self) -> Vec<&dyn PersistableIngredient> {
        vec![&*self.names, &*self.value, &*self.length, &*self.named]
    }
}

#[test]
fn a_section_whose_type_changed_is_dropped_alone_with_the_memos_that_read_it() {
    let path = cache_path("type-changed");
    let old: Typed<u64> = Typed::new();
    let id = old.names.intern("seven".into()).unwrap();
    old.value.set(&old, 1, 12345).unwrap();
    assert_eq!(pollster::block_on(old.length.get(&old, 1)).unwrap(), 5);
    assert_eq!(pollster::block_on(old.named.get(&old, id.0)).unwrap(), 5);
    save_cache(&path, old.runtime(), &old.persistable()).unwrap();

    // The same program, with `value` now holding strings.
    let new: Typed<String> = Typed::new();
    let load = load_cache(&path, new.runtime(), &new.persistable()).unwrap();
    assert!(load.loaded);
    assert_eq!(
        load.warnings,
        vec![
            CacheWarning::SectionDropped {
                name: "value".into(),
                reason: "its key or value type changed".into()
            },
            CacheWarning::MemosDropped { name: "length".into(), count: 1 },
        ]
    );
    // The interned table and the memo that reads only it are kept, ids and all.
    assert_eq!(new.names.lookup(&"seven".to_string()), Some(id));
    assert_eq!(new.value.get(&new, &1).unwrap(), None);
    assert_eq!(pollster::block_on(new.named.get(&new, id.0)).unwrap(), 5);
    new.value.set(&new, 1, "ab".into()).unwrap();
    assert_eq!(pollster::block_on(new.length.get(&new, 1)).unwrap(), 4, "computed anew");
}

/// Found by fuzzing: a file whose checksum is right but whose revision is beyond what a memo
/// can hold (revisions count writes) is refused, not a panic later.
#[test]
fn a_file_with_an_impossible_revision_is_refused_even_with_a_valid_checksum() {
    let path = cache_path("huge-revision");
    saved(&path);
    let bytes = std::fs::read(&path).unwrap();
    let mut content = bytes[..bytes.len() - 32].to_vec();
    // After the magic (8), the format (4) and the cache version (8): the revision.
    content[20..28].copy_from_slice(&(1u64 << 62).to_le_bytes());
    let checksum = *blake3::hash(&content).as_bytes();
    content.extend_from_slice(&checksum);
    assert_refused(&path, &content, "revision 2^62");
}
