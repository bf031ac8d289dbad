use picante::InputBatch;

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
    let after = batch.commit(&db);
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
    assert_eq!(batch.commit(&db), before);
}

#[test]
fn remove_advances_the_revision_only_when_there_was_a_value() {
    let db = Db::new(vec![]);
    let r0 = db.revision();
    assert_eq!(db.num.remove(&db, &5), r0);
    let r1 = db.set_num(5, 1);
    let r2 = db.num.remove(&db, &5);
    assert!(r2 > r1);
    assert_eq!(db.num.get(&db, &5).unwrap(), None);
    assert_eq!(db.num.keys(), Vec::<u32>::new());
}

#[test]
fn readers_on_other_threads_never_see_half_a_batch() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    // Invariant kept by every batch: num(0) + num(1) == 100.
    let db = Arc::new(Db::new(vec![query("total", |db, _| {
        Box::pin(async move { Ok(db.num(0)? + db.num(1)?) })
    })]));
    let mut batch = InputBatch::new();
    batch.set(&db.num, 0, 50).set(&db.num, 1, 50);
    batch.commit(&*db);
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (db, stop) = (db.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut reads = 0;
                while !stop.load(Ordering::Relaxed) {
                    assert_eq!(db.get("total", 0).unwrap(), 100);
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    for i in 0..2_000u64 {
        let mut batch = InputBatch::new();
        batch.set(&db.num, 0, i % 100).set(&db.num, 1, 100 - i % 100);
        batch.commit(&*db);
    }
    stop.store(true, Ordering::Relaxed);
    for r in readers {
        r.join().unwrap();
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
    batch.commit(&db);

    let waker = Arc::new(CountingWaker::default());
    let mut fut = Box::pin(db.q("total").get(&db, 0));
    assert!(poll_once(&mut fut, &waker).is_pending(), "read num(0) = 50, now at the gate");
    let mut batch = InputBatch::new();
    batch.set(&db.num, 0, 10).set(&db.num, 1, 90);
    batch.commit(&db);
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
