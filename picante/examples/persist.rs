//! The persistence benchmark: `cargo run --release -p picante --example persist`.
//!
//! For databases of 10,000 and 100,000 inputs (1.1 memos per input: `double(k)` per input,
//! `group(g)` over ten of them, `total` over the groups) it prints, in one line each: the
//! cold computation of everything (the baseline: what a process without a cache does), saving
//! the database, the file's size, loading it into a fresh database, reading everything after
//! the load (nothing changed: no compute must run) and after one input changed (three
//! computes must run). The loaded database's answers are checked against the computed one's
//! before anything is printed. The file goes to `TMPDIR`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use picante::persist::{PersistableIngredient, load_cache, save_cache};
use picante::{
    BoxFuture, DerivedIngredient, DynIngredient, HasRuntime, IngredientLookup, IngredientRegistry,
    InputBatch, InputIngredient, QueryKindId, Runtime,
};

const GROUP: u32 = 10;

struct Db {
    runtime: Runtime,
    registry: IngredientRegistry<Db>,
    n: u32,
    val: Arc<InputIngredient<u32, u64>>,
    double: Arc<DerivedIngredient<Db, u32, u64>>,
    group: Arc<DerivedIngredient<Db, u32, u64>>,
    total: Arc<DerivedIngredient<Db, (), u64>>,
    executed: AtomicU64,
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

fn double(db: &Db, k: u32) -> BoxFuture<'_, picante::PicanteResult<u64>> {
    Box::pin(async move {
        db.executed.fetch_add(1, Ordering::Relaxed);
        Ok(db.val.get(db, &k)?.unwrap_or(0) * 2)
    })
}

fn group(db: &Db, g: u32) -> BoxFuture<'_, picante::PicanteResult<u64>> {
    Box::pin(async move {
        db.executed.fetch_add(1, Ordering::Relaxed);
        let mut sum = 0;
        for k in g * GROUP..(g + 1) * GROUP {
            sum += db.double.get(db, k).await?;
        }
        Ok(sum)
    })
}

fn total(db: &Db, _: ()) -> BoxFuture<'_, picante::PicanteResult<u64>> {
    Box::pin(async move {
        db.executed.fetch_add(1, Ordering::Relaxed);
        let mut sum = 0;
        for g in 0..db.n / GROUP {
            sum += db.group.get(db, g).await?;
        }
        Ok(sum)
    })
}

impl Db {
    fn new(n: u32) -> Db {
        let val = Arc::new(InputIngredient::new(QueryKindId(1), "val"));
        let double = Arc::new(DerivedIngredient::new(QueryKindId(2), "double", double));
        let group = Arc::new(DerivedIngredient::new(QueryKindId(3), "group", group));
        let total = Arc::new(DerivedIngredient::new(QueryKindId(4), "total", total));
        let mut registry = IngredientRegistry::new();
        registry.register(val.clone());
        registry.register(double.clone());
        registry.register(group.clone());
        registry.register(total.clone());
        Db {
            runtime: Runtime::new(),
            registry,
            n,
            val,
            double,
            group,
            total,
            executed: AtomicU64::new(0),
        }
    }

    fn persistable(&self) -> [&dyn PersistableIngredient; 4] {
        [&*self.val, &*self.double, &*self.group, &*self.total]
    }

    fn total(&self) -> u64 {
        pollster::block_on(self.total.get(self, ())).expect("total")
    }

    fn executed(&self) -> u64 {
        self.executed.swap(0, Ordering::Relaxed)
    }
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

fn main() {
    for n in [10_000u32, 100_000] {
        let path =
            std::env::temp_dir().join(format!("picante-persist-{n}-{}.bin", std::process::id()));

        let t = Instant::now();
        let db = Db::new(n);
        let mut batch = InputBatch::new();
        for k in 0..n {
            batch.set(&db.val, k, u64::from(k % 97));
        }
        batch.commit(&db).expect("inputs");
        let expected = db.total();
        let cold_ms = ms(t);
        let memos = db.executed();

        let t = Instant::now();
        let bytes = save_cache(&path, db.runtime(), &db.persistable()).expect("save");
        let save_ms = ms(t);

        let t = Instant::now();
        let loaded = Db::new(n);
        let load = load_cache(&path, loaded.runtime(), &loaded.persistable()).expect("load");
        let load_ms = ms(t);
        assert!(load.loaded && load.warnings.is_empty(), "{load:?}");

        let t = Instant::now();
        assert_eq!(loaded.total(), expected, "the loaded database answers as the computed one");
        let after_load_ms = ms(t);
        let execs_after_load = loaded.executed();

        let t = Instant::now();
        loaded.val.set(&loaded, 0, 1_000).expect("edit");
        assert_eq!(loaded.total(), expected + 2 * 1_000, "one input changed");
        let edit_ms = ms(t);
        let execs_after_edit = loaded.executed();
        assert_eq!((execs_after_load, execs_after_edit), (0, 3));

        println!(
            "picante_persist n={n} memos={memos} cold_compute_ms={cold_ms:.1} save_ms={save_ms:.1} file_bytes={bytes} load_ms={load_ms:.1} load_vs_cold={:.2} read_all_after_load_ms={after_load_ms:.2} execs_after_load={execs_after_load} edit_after_load_ms={edit_ms:.2} execs_after_edit={execs_after_edit}",
            load_ms / cold_ms
        );
        let _ = std::fs::remove_file(&path);
    }
}
