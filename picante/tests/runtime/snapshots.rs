//! Snapshots: a view frozen at a revision reads that revision's inputs and shares the
//! database's memos, while writers move on; it never sees (or stores into the database) a
//! value of another revision.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use picante::{InputBatch, PicanteError, Snapshot};

use crate::common::*;

/// `double(k) = 2 * num(k)`; `sum(k) = double(k) + double(k + 1)`; `total(n)` adds `num(0..n)`
/// through `double`; `loop(k)` reads itself.
fn specs() -> Vec<QuerySpec> {
    vec![
        query("double", |db, k| Box::pin(async move { Ok(db.num(k)? * 2) })),
        query("sum", |db, k| {
            Box::pin(async move {
                Ok(db.q("double").get(db, k).await? + db.q("double").get(db, k + 1).await?)
            })
        }),
        query("total", |db, n| {
            Box::pin(async move {
                let mut total = 0;
                for k in 0..n {
                    total += db.q("double").get(db, k).await? / 2;
                }
                Ok(total)
            })
        }),
        query("loop", |db, k| Box::pin(async move { db.q("loop").get(db, k).await })),
        // The revision its computation reads at, as it would label a value sent elsewhere.
        query("label", |db, k| {
            Box::pin(async move {
                db.num(k)?;
                Ok(picante::HasRuntime::runtime(db).reading_revision().0)
            })
        }),
    ]
}

fn read(
    snapshot: &Snapshot<'_, Db>,
    name: &'static str,
    key: u32,
) -> Result<u64, Arc<PicanteError>> {
    pollster::block_on(snapshot.read(|db| db.q(name).get(db, key)))
}

#[test]
fn a_snapshot_reads_the_inputs_of_its_revision_while_writers_move_on() {
    let db = Db::new(specs());
    db.set_num(0, 1);
    let before = Snapshot::new(&db);
    db.set_num(0, 5);
    db.set_num(1, 7);
    assert_eq!(read(&before, "sum", 0).unwrap(), 2, "num(0) = 1 and num(1) unset, then");
    assert_eq!(db.get("sum", 0).unwrap(), 24, "the database is at the latest revision");
    assert_eq!(before.revision().0 + 2, db.revision().0);
    // Reading through the snapshot again, after more writes: the same answer.
    db.set_num(0, 100);
    assert_eq!(read(&before, "sum", 0).unwrap(), 2);
}

#[test]
fn code_running_in_a_snapshot_reads_at_the_snapshots_revision_not_the_latest() {
    let db = Db::new(specs());
    db.set_num(0, 1);
    let before = Snapshot::new(&db);
    db.set_num(0, 2);
    db.set_num(0, 3);
    // Computed in the snapshot (num(0) moved past it): labelled with the snapshot's revision.
    assert_eq!(read(&before, "label", 0).unwrap(), before.revision().0);
    assert_ne!(before.revision(), db.revision());
    // In the database: the latest; outside any query, the latest too.
    assert_eq!(db.get("label", 0).unwrap(), db.revision().0);
    assert_eq!(picante::HasRuntime::runtime(&db).reading_revision(), db.revision());
}

#[test]
fn a_snapshot_of_the_current_revision_shares_the_databases_memos() {
    let db = Db::new(specs());
    db.set_num(0, 1);
    db.set_num(1, 2);
    assert_eq!(db.get("sum", 0).unwrap(), 6);
    db.take_log();
    let now = Snapshot::new(&db);
    db.set_num(0, 50); // the database moves on; the memos still hold at the snapshot's revision
    assert_eq!(read(&now, "sum", 0).unwrap(), 6);
    assert_eq!(db.take_log(), Vec::<String>::new(), "nothing computed: the memos were shared");
    assert_eq!(now.own_results(), 0);
}

#[test]
fn what_moved_past_a_snapshot_is_computed_in_the_snapshot_and_never_stored_in_the_database() {
    let db = Db::new(specs());
    db.set_num(0, 1);
    assert_eq!(db.get("double", 0).unwrap(), 2);
    let before = Snapshot::new(&db);
    db.set_num(0, 3);
    assert_eq!(db.get("double", 0).unwrap(), 6);
    db.take_log();
    // The shared memo now holds the value of the later revision: the snapshot computes its
    // own, once (then reads it from its own results).
    assert_eq!(read(&before, "double", 0).unwrap(), 2);
    assert_eq!(read(&before, "double", 0).unwrap(), 2);
    assert_eq!(db.take_log(), logged(&["double(0)"]));
    assert_eq!(before.own_results(), 1);
    // The database's memo is untouched: still the later value, without a computation.
    assert_eq!(db.get("double", 0).unwrap(), 6);
    assert_eq!(db.take_log(), Vec::<String>::new());
}

#[test]
fn a_memo_verified_before_the_snapshot_is_checked_without_computing() {
    let db = Db::new(specs());
    db.set_num(0, 1);
    db.set_num(1, 2);
    assert_eq!(db.get("sum", 0).unwrap(), 6);
    db.set_num(9, 9); // an unrelated input: the memos are now stale, not changed
    let later = Snapshot::new(&db);
    db.take_log();
    assert_eq!(read(&later, "sum", 0).unwrap(), 6);
    assert_eq!(db.take_log(), Vec::<String>::new(), "checked, not computed");
    // One of its dependencies did change before the snapshot: computed in the snapshot.
    db.set_num(1, 4);
    let changed = Snapshot::new(&db);
    assert_eq!(read(&changed, "sum", 0).unwrap(), 10);
    assert_eq!(db.take_log(), logged(&["double(1)", "sum(0)"]));
}

#[test]
fn many_snapshots_at_once_each_read_their_own_revision() {
    let db = Db::new(specs());
    let mut snapshots = Vec::new();
    for value in 1..=5 {
        db.set_num(0, value);
        snapshots.push((value, Snapshot::new(&db)));
    }
    for (value, snapshot) in snapshots.iter().rev() {
        assert_eq!(read(snapshot, "double", 0).unwrap(), 2 * value);
    }
    // A clone shares its snapshot's results.
    let (_, third) = &snapshots[2];
    let clone = third.clone();
    let computed = third.own_results();
    assert_eq!(read(&clone, "double", 0).unwrap(), 6);
    assert_eq!(clone.own_results(), computed);
}

#[test]
fn errors_panics_and_cycles_in_a_snapshot_are_reported_and_leave_the_database_alone() {
    let db = Db::new(specs());
    let snapshot = Snapshot::new(&db);
    let error = read(&snapshot, "loop", 3).unwrap_err();
    assert!(error.is_cycle(), "{error}");
    let panicking = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pollster::block_on(snapshot.read(|_db| async { panic!("boom in a snapshot") }))
    }));
    assert!(panicking.is_err(), "the panic reaches the caller");
    db.set_num(0, 2);
    assert_eq!(db.get("double", 0).unwrap(), 4);
}

#[test]
fn a_write_undone_by_its_batch_leaves_every_snapshot_reading_the_old_value() {
    let db = Db::new(specs());
    db.set_num(0, 1);
    db.touchy.set(&db, 0, Touchy { value: 1, panics: true }).unwrap();
    let snapshot = Snapshot::new(&db);
    let mut batch = InputBatch::new();
    batch.set(&db.num, 0, 42);
    batch.set(&db.touchy, 0, Touchy { value: 2, panics: false });
    assert!(batch.commit(&db).is_err(), "the comparison panicked");
    assert_eq!(read(&snapshot, "double", 0).unwrap(), 2);
    assert_eq!(db.get("double", 0).unwrap(), 2);
    let after = Snapshot::new(&db);
    assert_eq!(read(&after, "double", 0).unwrap(), 2);
}

/// Sets the flag when dropped: a thread that panics stops the others.
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Release);
    }
}

/// Writers set every `num(0..N)` to the same value in one batch, over and over; readers take
/// snapshots and add them up through `total`. A reader that ever saw two revisions at once
/// would get a total that is not `N` times one value, or a different total on a second read
/// of the same snapshot.
#[test]
fn readers_on_snapshots_racing_a_writer_always_see_one_revision() {
    const N: u32 = 40;
    within(Duration::from_secs(120), || {
        let db = Db::new(specs());
        let mut batch = InputBatch::new();
        for k in 0..N {
            batch.set(&db.num, k, 0);
        }
        batch.commit(&db).unwrap();
        let stop = AtomicBool::new(false);
        let reads = AtomicU64::new(0);
        let values_seen = std::sync::Mutex::new(std::collections::BTreeSet::new());
        std::thread::scope(|scope| {
            scope.spawn(|| {
                for value in 1..=300u64 {
                    let mut batch = InputBatch::new();
                    for k in 0..N {
                        batch.set(&db.num, k, value);
                    }
                    batch.commit(&db).unwrap();
                    if value % 3 == 0 {
                        // The database's own readers move the shared memos on meanwhile.
                        assert_eq!(db.get("total", N).unwrap(), value * u64::from(N));
                    }
                    // The next write waits until a snapshot has read this one's value (or a
                    // reader failed): every value is raced by readers, none is skipped.
                    while !values_seen.lock().unwrap().contains(&value) {
                        if stop.load(Ordering::Acquire) {
                            return;
                        }
                        std::thread::yield_now();
                    }
                }
                stop.store(true, Ordering::Release);
            });
            for _ in 0..2 {
                scope.spawn(|| {
                    // A failing reader stops the writer, so the failure is reported, not a hang.
                    let stop_on_panic = StopOnDrop(&stop);
                    while !stop.load(Ordering::Acquire) {
                        let snapshot = Snapshot::new(&db);
                        let total = read(&snapshot, "total", N).unwrap();
                        assert_eq!(total % u64::from(N), 0, "a mix of revisions: {total}");
                        let one = read(&snapshot, "double", N / 2).unwrap() / 2;
                        assert_eq!(total, one * u64::from(N), "two revisions in one snapshot");
                        assert_eq!(read(&snapshot, "total", N).unwrap(), total);
                        values_seen.lock().unwrap().insert(one);
                        reads.fetch_add(1, Ordering::Relaxed);
                    }
                    std::mem::forget(stop_on_panic);
                });
            }
        });
        assert!(reads.load(Ordering::Relaxed) >= 300);
    });
}
