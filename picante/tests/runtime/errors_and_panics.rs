use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};

use picante::PicanteError;

use crate::common::*;

#[test]
fn a_compute_error_is_cached_for_the_revision_and_retried_at_a_later_one() {
    let computes = Arc::new(AtomicUsize::new(0));
    let c = computes.clone();
    let db = Db::new(vec![query("checked", move |db, k| {
        let c = c.clone();
        Box::pin(async move {
            c.fetch_add(1, Ordering::SeqCst);
            let v = db.num(k)?;
            100u64
                .checked_div(v)
                .ok_or_else(|| PicanteError::query(format!("num({k}) must not be zero")))
        })
    })]);
    let first = db.get("checked", 3).unwrap_err();
    let second = db.get("checked", 3).unwrap_err();
    assert!(Arc::ptr_eq(&first, &second), "the same cached error");
    assert_eq!(first.to_string(), "num(3) must not be zero");
    assert_eq!(computes.load(Ordering::SeqCst), 1);

    db.set_num(50, 1); // a later revision, unrelated input: retried (and fails again)
    assert!(db.get("checked", 3).is_err());
    assert_eq!(computes.load(Ordering::SeqCst), 2);

    db.set_num(3, 4);
    assert_eq!(db.get("checked", 3).unwrap(), 25);
    assert_eq!(computes.load(Ordering::SeqCst), 3);
}

#[test]
fn a_panic_is_caught_cached_for_everyone_and_leaves_the_database_usable() {
    let computes = Arc::new(AtomicUsize::new(0));
    let c = computes.clone();
    let db = Arc::new(Db::new(vec![
        query("fragile", move |db, k| {
            let c = c.clone();
            Box::pin(async move {
                c.fetch_add(1, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(50));
                let v = db.num(k)?;
                assert!(v != 13, "unlucky number {v}");
                Ok(v)
            })
        }),
        query("caller", |db, k| Box::pin(async move { Ok(db.q("fragile").get(db, k).await? + 1) })),
    ]));
    db.set_num(0, 13);
    let barrier = Arc::new(Barrier::new(16));
    let threads: Vec<_> = (0..16)
        .map(|_| {
            let (db, barrier) = (db.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                db.get("fragile", 0)
            })
        })
        .collect();
    for t in threads {
        let err = t.join().expect("the caller's thread survives").unwrap_err();
        match &*err {
            PicanteError::Panic { query, message } => {
                assert_eq!(query.to_string(), "fragile(0)");
                assert!(message.contains("unlucky number 13"), "{message}");
            }
            other => panic!("expected a panic error, got {other}"),
        }
    }
    assert_eq!(computes.load(Ordering::SeqCst), 1);

    // A dependent gets the same error through `?`.
    let err = db.get("caller", 0).unwrap_err();
    assert!(matches!(&*err, PicanteError::Panic { .. }));

    // Nothing is poisoned: other keys work, and the panicking key recovers once fixed.
    db.set_num(1, 1);
    assert_eq!(db.get("caller", 1).unwrap(), 2);
    db.set_num(0, 12);
    assert_eq!(db.get("caller", 0).unwrap(), 13);
}
