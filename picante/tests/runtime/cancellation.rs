use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;

use crate::common::*;

fn gated_db(gate: &Gate, computes: &Arc<AtomicUsize>) -> Db {
    let (g, c) = (gate.clone(), computes.clone());
    Db::new(vec![
        query("gated", move |db, k| {
            let (g, c) = (g.clone(), c.clone());
            Box::pin(async move {
                c.fetch_add(1, Ordering::SeqCst);
                let v = db.num(k)?;
                g.wait().await;
                Ok(v + 1)
            })
        }),
        query("above", |db, k| Box::pin(async move { Ok(db.q("gated").get(db, k).await? * 10) })),
    ])
}

#[test]
fn dropping_a_get_in_the_middle_of_its_compute_leaves_nothing_stuck() {
    let (gate, computes) = (Gate::default(), Arc::new(AtomicUsize::new(0)));
    let db = gated_db(&gate, &computes);
    let waker = Arc::new(CountingWaker::default());
    let mut fut = Box::pin(db.q("gated").get(&db, 1));
    assert!(poll_once(&mut fut, &waker).is_pending(), "blocked on the gate");
    drop(fut);
    gate.open();
    assert_eq!(db.get("gated", 1).unwrap(), 1, "the next get recomputes and returns");
    assert_eq!(computes.load(Ordering::SeqCst), 2);
}

#[test]
fn a_waiter_takes_over_when_the_computing_future_is_dropped() {
    let (gate, computes) = (Gate::default(), Arc::new(AtomicUsize::new(0)));
    let db = gated_db(&gate, &computes);
    let (w1, w2) = (Arc::new(CountingWaker::default()), Arc::new(CountingWaker::default()));
    let mut owner = Box::pin(db.q("gated").get(&db, 2));
    let mut waiter = Box::pin(db.q("gated").get(&db, 2));
    assert!(poll_once(&mut owner, &w1).is_pending());
    assert!(poll_once(&mut waiter, &w2).is_pending());
    assert_eq!(w2.0.load(Ordering::SeqCst), 0);
    drop(owner);
    assert_eq!(w2.0.load(Ordering::SeqCst), 1, "dropping the owner wakes the waiter");
    gate.open();
    match poll_once(&mut waiter, &w2) {
        Poll::Ready(v) => assert_eq!(v.unwrap(), 1),
        Poll::Pending => panic!("the waiter should have computed the value itself"),
    }
    assert_eq!(computes.load(Ordering::SeqCst), 2);
}

#[test]
fn dropping_a_get_while_its_revalidation_recomputes_a_dependency_leaves_nothing_stuck() {
    // `deep` reads `gated`, which waits on a gate that is shut during the second read.
    let gate_open = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let shut_gate = Gate::default();
    let (flag, g) = (gate_open.clone(), shut_gate.clone());
    let db = Db::new(vec![
        query("gated", move |db, k| {
            let (flag, g) = (flag.clone(), g.clone());
            Box::pin(async move {
                let v = db.num(k)?;
                if !flag.load(Ordering::SeqCst) {
                    g.wait().await;
                }
                Ok(v)
            })
        }),
        query("mid", |db, k| Box::pin(async move { Ok(db.q("gated").get(db, k).await? + 1) })),
        query("deep", |db, k| Box::pin(async move { Ok(db.q("mid").get(db, k).await? + 1) })),
    ]);
    db.set_num(0, 1);
    assert_eq!(db.get("deep", 0).unwrap(), 3);
    db.take_log();

    gate_open.store(false, Ordering::SeqCst);
    db.set_num(0, 5);
    let waker = Arc::new(CountingWaker::default());
    let mut fut = Box::pin(db.q("deep").get(&db, 0));
    assert!(poll_once(&mut fut, &waker).is_pending(), "revalidation reached the shut gate");
    assert_eq!(db.take_log(), logged(&["gated(0)"]));
    drop(fut);

    gate_open.store(true, Ordering::SeqCst);
    assert_eq!(db.get("deep", 0).unwrap(), 7);
    assert_eq!(db.take_log(), logged(&["deep(0)", "gated(0)", "mid(0)"]));
    assert_eq!(db.get("mid", 0).unwrap(), 6);
}
