use std::sync::{Arc, Mutex};
use std::time::Duration;

use picante::{InputBatch, PicanteError};

use crate::common::*;

#[test]
fn a_batch_applies_many_writes_under_one_revision() {
    let db = Db::new(vec![query("sum", |db, _| {
        Box::pin(async move {
            let mut s = 0;
            for k in 0..10 {
                s += db.num(k)?;
            }
            Ok(s)
        })
    })]);
    let before = db.revision();
    let mut batch = InputBatch::new();
    for k in 0..10 {
        batch.set(&db.num, k, k as u64);
    }
    batch.set(&db.text, 0, "x".into());
    let after = batch.commit(&db).unwrap();
    assert_eq!(after.0, before.0 + 1);
    assert_eq!(db.get("sum", 0).unwrap(), 45);
}

#[test]
fn a_batch_of_unchanged_values_does_not_advance_the_revision() {
    let db = Db::new(vec![]);
    db.set_num(1, 1);
    let before = db.revision();
    let mut batch = InputBatch::new();
    batch.set(&db.num, 1, 1).remove(&db.num, 2);
    assert_eq!(batch.commit(&db).unwrap(), before);
}

#[test]
fn remove_advances_the_revision_only_when_there_was_a_value() {
    let db = Db::new(vec![]);
    let r0 = db.revision();
    assert_eq!(db.num.remove(&db, &5).unwrap(), r0);
    let r1 = db.set_num(5, 1);
    let r2 = db.num.remove(&db, &5).unwrap();
    assert!(r2 > r1);
    assert_eq!(db.num.get(&db, &5).unwrap(), None);
    assert_eq!(db.num.keys(), Vec::<u32>::new());
}

#[test]
fn readers_on_other_threads_never_see_half_a_batch() {
    use std::collections::BTreeSet;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    // Invariant kept by every batch: num(0) + num(1) == 100. `pair` reads both at one
    // revision, as num(0) * 1000 + num(1).
    let db = Arc::new(Db::new(vec![query("pair", |db, _| {
        Box::pin(async move { Ok(db.num(0)? * 1000 + db.num(1)?) })
    })]));
    let mut batch = InputBatch::new();
    batch.set(&db.num, 0, 50).set(&db.num, 1, 50);
    batch.commit(&*db).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let counts: Vec<Arc<AtomicUsize>> = (0..2).map(|_| Arc::default()).collect();
    let readers: Vec<_> = counts
        .iter()
        .map(|count| {
            let (db, stop, count) = (db.clone(), stop.clone(), count.clone());
            std::thread::spawn(move || {
                let mut firsts = BTreeSet::new();
                while !stop.load(Ordering::SeqCst) {
                    let pair = db.get("pair", 0).unwrap();
                    let (first, second) = (pair / 1000, pair % 1000);
                    assert_eq!(
                        first + second,
                        100,
                        "half a batch: num(0) {first}, num(1) {second}"
                    );
                    firsts.insert(first);
                    count.fetch_add(1, Ordering::SeqCst);
                }
                firsts
            })
        })
        .collect();
    // At a few batches the writer stops until every reader has completed a read begun after
    // that batch (its count moved by two), so each reader must see each of those revisions.
    let synced = [0u64, 501, 1002, 1503];
    for i in 0..2_000u64 {
        let mut batch = InputBatch::new();
        batch.set(&db.num, 0, i % 100).set(&db.num, 1, 100 - i % 100);
        batch.commit(&*db).unwrap();
        if synced.contains(&i) {
            for (reader, count) in readers.iter().zip(&counts) {
                let target = count.load(Ordering::SeqCst) + 2;
                let waited = std::time::Instant::now();
                while count.load(Ordering::SeqCst) < target {
                    // A guard against a hang, not a timing assertion: a reader that panicked
                    // stops counting.
                    assert!(!reader.is_finished(), "a reader stopped (see its panic)");
                    assert!(waited.elapsed() < Duration::from_secs(30), "a reader is stuck");
                    std::thread::yield_now();
                }
            }
        }
    }
    stop.store(true, Ordering::SeqCst);
    for (r, reader) in readers.into_iter().enumerate() {
        let firsts = reader.join().unwrap();
        // num(0) was 0, 1, 2, 3 at the four synced batches.
        for expected in [0, 1, 2, 3] {
            assert!(
                firsts.contains(&expected),
                "reader {r} never saw num(0) = {expected}: {firsts:?}"
            );
        }
        assert!(counts[r].load(Ordering::SeqCst) >= 2 * synced.len(), "reader {r} read too little");
    }
}

#[test]
fn a_computation_that_sees_a_write_land_midway_is_rerun_at_the_new_revision() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Poll;
    // total reads num(0), waits on a gate, then reads num(1). A batch lands in between.
    let gate = Gate::default();
    let runs = Arc::new(AtomicUsize::new(0));
    let (g, r) = (gate.clone(), runs.clone());
    let db = Db::new(vec![query("total", move |db, _| {
        let (g, r) = (g.clone(), r.clone());
        Box::pin(async move {
            let run = r.fetch_add(1, Ordering::SeqCst);
            let first = db.num(0)?;
            if run == 0 {
                g.wait().await;
            }
            Ok(first + db.num(1)?)
        })
    })]);
    let mut batch = InputBatch::new();
    batch.set(&db.num, 0, 50).set(&db.num, 1, 50);
    batch.commit(&db).unwrap();

    let waker = Arc::new(CountingWaker::default());
    let mut fut = Box::pin(db.q("total").get(&db, 0));
    assert!(poll_once(&mut fut, &waker).is_pending(), "read num(0) = 50, now at the gate");
    let mut batch = InputBatch::new();
    batch.set(&db.num, 0, 10).set(&db.num, 1, 90);
    batch.commit(&db).unwrap();
    gate.open();
    match poll_once(&mut fut, &waker) {
        // 50 + 90 would mix two revisions; the run is discarded and redone at the new one.
        Poll::Ready(total) => assert_eq!(total.unwrap(), 100),
        Poll::Pending => panic!("the gate is open"),
    }
    assert_eq!(runs.load(Ordering::SeqCst), 2);
    assert_eq!(db.get("total", 0).unwrap(), 100);
    assert_eq!(runs.load(Ordering::SeqCst), 2, "the rerun's memo is current");
}

fn sum_db() -> Arc<Db> {
    let db = Db::new(vec![query("sum", |db, _| {
        Box::pin(async move {
            let touchy = db.touchy.get(db, &0)?.map_or(0, |t| t.value);
            Ok(db.num(0)? + db.num(1)? + touchy)
        })
    })]);
    db.set_num(0, 1);
    db.set_num(1, 2);
    db.touchy.set(&db, 0, Touchy { value: 10, panics: true }).unwrap();
    Arc::new(db)
}

#[test]
fn a_comparison_that_panics_mid_batch_publishes_nothing_and_the_database_stays_usable() {
    let db = sum_db();
    assert_eq!(db.get("sum", 0).unwrap(), 13);
    let before = db.revision();
    let mut batch = InputBatch::new();
    batch.set(&db.num, 0, 100);
    batch.set(&db.touchy, 0, Touchy { value: 20, panics: false });
    batch.set(&db.num, 1, 200);
    let error = batch.commit(&*db).unwrap_err();
    assert!(
        matches!(&*error, PicanteError::WritePanic { input: "touchy", message }
            if message == "Touchy refuses to be compared"),
        "{error}"
    );
    // Nothing of the batch is visible: not the write before the panic, not the one after.
    assert_eq!(db.revision(), before);
    assert_eq!(db.num.get(&*db, &0).unwrap(), Some(1));
    assert_eq!(db.num.get(&*db, &1).unwrap(), Some(2));
    let reader = db.clone();
    assert_eq!(within(Duration::from_secs(10), move || reader.get("sum", 0).unwrap()), 13);
    // A single write that panics the same way is refused the same way.
    let error = db.touchy.set(&*db, 0, Touchy { value: 30, panics: false }).unwrap_err();
    assert!(matches!(&*error, PicanteError::WritePanic { .. }), "{error}");
    assert_eq!(db.revision(), before);
    // And the database goes on: writes that compare fine are published.
    db.set_num(0, 5);
    db.touchy.remove(&*db, &0).unwrap();
    db.touchy.set(&*db, 0, Touchy { value: 40, panics: false }).unwrap();
    assert_eq!(db.get("sum", 0).unwrap(), 47);
}

#[test]
fn a_reader_racing_a_batch_that_fails_finishes_with_the_old_values() {
    let db = sum_db();
    assert_eq!(db.get("sum", 0).unwrap(), 13);
    // While the batch compares (after it wrote `num[0]`), a reader computes `sum` afresh (a
    // key not asked before): it sees a write of a revision not yet published and retries;
    // once the batch is put back it reads the old values, and finishes.
    static READER: Mutex<Option<std::sync::mpsc::Sender<()>>> = Mutex::new(None);
    let (started, waiting) = std::sync::mpsc::channel();
    *READER.lock().unwrap() = Some(started);
    *ON_COMPARE.lock().unwrap() = Some(|| {
        if let Some(started) = READER.lock().unwrap().take() {
            let _ = started.send(());
        }
        std::thread::sleep(Duration::from_millis(100));
    });
    let reader = {
        let db = db.clone();
        std::thread::spawn(move || {
            waiting.recv().unwrap();
            db.get("sum", 1).unwrap()
        })
    };
    let mut batch = InputBatch::new();
    batch.set(&db.num, 0, 100);
    batch.set(&db.touchy, 0, Touchy { value: 20, panics: false });
    assert!(batch.commit(&*db).is_err());
    *ON_COMPARE.lock().unwrap() = None;
    let sum = within(Duration::from_secs(10), move || reader.join().unwrap());
    assert_eq!(sum, 13);
}

/// A value without `PartialEq` and without a niche: an input compares `Option<V>` on every
/// write, and a tagged `Option` shows facet no fields to compare.
#[derive(facet::Facet, Clone)]
struct Count {
    n: u64,
}

#[test]
fn a_changed_value_without_partial_eq_is_a_change() {
    let db = Db::new(vec![]);
    let counts: picante::InputIngredient<u32, Count> =
        picante::InputIngredient::new(picante::QueryKindId(900), "counts");
    let first = counts.set(&db, 1, Count { n: 1 }).unwrap();
    assert_eq!(counts.set(&db, 1, Count { n: 1 }).unwrap(), first, "equal: no revision");
    let second = counts.set(&db, 1, Count { n: 2 }).unwrap();
    assert!(second > first, "a different value is a new revision");
    assert_eq!(counts.get(&db, &1).unwrap().map(|c| c.n), Some(2));
}
