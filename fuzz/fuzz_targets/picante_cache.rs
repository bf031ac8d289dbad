//! Any bytes loaded as a picante cache file into a fresh database: loaded or refused with a
//! reason, never a panic, a hang or a huge allocation; and the database answers afterwards.
//! Half the inputs get a valid checksum appended, so the fuzzer explores what lies behind it
//! (the sections and their records), not only the checksum's refusal.
#![no_main]

use std::sync::Arc;

use libfuzzer_sys::fuzz_target;
use picante::persist::{PersistableIngredient, load_cache_bytes};
use picante::{
    DerivedIngredient, DynIngredient, HasRuntime, IngredientLookup, IngredientRegistry,
    InputIngredient, InternedIngredient, QueryKindId, Runtime,
};

struct Db {
    runtime: Runtime,
    registry: IngredientRegistry<Db>,
    text: Arc<InputIngredient<u32, String>>,
    names: Arc<InternedIngredient<String>>,
    length: Arc<DerivedIngredient<Db, u32, u64>>,
}

impl HasRuntime for Db {
    fn runtime(&self) -> &Runtime {
        &self.runtime
    }
}

impl IngredientLookup for Db {
    fn ingredient(&self, kind: QueryKindId) -> Option<&dyn DynIngredient<Self>> {
        self.registry.ingredient(kind)
    }
}

fn db() -> Db {
    let text = Arc::new(InputIngredient::new(QueryKindId(1), "text"));
    let names = Arc::new(InternedIngredient::new(QueryKindId(2), "names"));
    let length = Arc::new(DerivedIngredient::new(QueryKindId(3), "length", |db: &Db, k: u32| {
        Box::pin(async move {
            let text = db.text.get(db, &k)?.unwrap_or_default();
            // Reads itself one key down: a chain, so forged dependency lists meet real ones.
            let below = if k > 0 { db.length.get(db, k - 1).await? } else { 0 };
            Ok(text.len() as u64 + below)
        })
    }));
    let mut registry = IngredientRegistry::new();
    registry.register(text.clone());
    registry.register(names.clone());
    registry.register(length.clone());
    Db { runtime: Runtime::new(), registry, text, names, length }
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, content)) = data.split_first() else { return };
    let mut bytes = content.to_vec();
    if mode % 2 == 1 {
        bytes.extend_from_slice(blake3::hash(content).as_bytes());
    }
    let db = db();
    let ingredients: [&dyn PersistableIngredient; 3] = [&*db.text, &*db.names, &*db.length];
    let _ = load_cache_bytes(&bytes, db.runtime(), &ingredients, 0);
    // Whatever was loaded, the database answers (an error is an answer): whether a loaded
    // value changed (without decoding it), then the values themselves, decoded on first read.
    for k in 0..4 {
        let _ = pollster::block_on(db.length.get_if_changed(&db, &k, picante::Revision(1)));
        let _ = pollster::block_on(db.length.get(&db, k));
    }
    let _ = db.names.intern("x".into());
    let _ = db.text.set(&db, 0, "y".into());
    let _ = pollster::block_on(db.length.get(&db, 3));
});
