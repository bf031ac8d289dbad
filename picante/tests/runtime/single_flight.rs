use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

use crate::common::*;

static SLOW_COMPUTES: AtomicUsize = AtomicUsize::new(0);

#[test]
fn sixteen_threads_asking_for_one_slow_query_share_one_compute() {
    let db = Arc::new(Db::new(vec![query("slow", |db, k| {
        Box::pin(async move {
            SLOW_COMPUTES.fetch_add(1, Ordering::SeqCst);
            // Blocks this thread on purpose: the others must wait on the slot, not recompute.
            std::thread::sleep(Duration::from_millis(200));
            Ok(db.num(k)? + 7)
        })
    })]));
    db.set_num(1, 35);
    let barrier = Arc::new(Barrier::new(16));
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (db, barrier) = (db.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                db.get("slow", 1).unwrap()
            })
        })
        .collect();
    let results: Vec<u64> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(results, vec![42; 16]);
    assert_eq!(SLOW_COMPUTES.load(Ordering::SeqCst), 1);
}

#[test]
fn waiting_for_a_running_query_does_not_block_the_executor_thread() {
    // One thread, one task: the computation is gated on a future that only a third branch of
    // the same task opens. If waiting blocked the thread, the gate would never open.
    within(Duration::from_secs(20), || {
        let gate = Gate::default();
        let computes = Arc::new(AtomicUsize::new(0));
        let (g, c) = (gate.clone(), computes.clone());
        let db = Db::new(vec![query("gated", move |_db, _k| {
            let (g, c) = (g.clone(), c.clone());
            Box::pin(async move {
                c.fetch_add(1, Ordering::SeqCst);
                g.wait().await;
                Ok(5)
            })
        })]);
        let opener = async {
            yield_now().await;
            gate.open();
        };
        let ((first, second), ()) = pollster::block_on(join(
            join(db.q("gated").get(&db, 0), db.q("gated").get(&db, 0)),
            opener,
        ));
        assert_eq!((first.unwrap(), second.unwrap()), (5, 5));
        assert_eq!(computes.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn concurrent_readers_of_many_keys_agree_and_compute_each_key_once() {
    let db = Arc::new(Db::new(vec![
        query("sq", |db, k| Box::pin(async move { Ok(db.num(k)?.pow(2)) })),
        query("sum", |db, k| {
            Box::pin(async move {
                let mut s = 0;
                for j in 0..50 {
                    s += db.q("sq").get(db, (k + j) % 100).await?;
                }
                Ok(s)
            })
        }),
    ]));
    for k in 0..100 {
        db.set_num(k, k as u64);
    }
    let expected: Vec<u64> =
        (0..100u32).map(|k| (0..50).map(|j| (((k + j) % 100) as u64).pow(2)).sum()).collect();
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let db = db.clone();
            std::thread::spawn(move || {
                for i in 0..100u32 {
                    db.get("sum", (i * 7 + t * 13) % 100).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    for k in 0..100 {
        assert_eq!(db.get("sum", k).unwrap(), expected[k as usize]);
    }
    let log = db.take_log();
    assert_eq!(log.len(), 200, "each of 100 sq and 100 sum computed exactly once");
}
