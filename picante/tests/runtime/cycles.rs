use std::sync::{Arc, Barrier};
use std::time::Duration;

use picante::PicanteError;

use crate::common::*;

fn cycle_path(err: &PicanteError) -> String {
    match err {
        PicanteError::Cycle { path } => {
            path.iter().map(|l| l.to_string()).collect::<Vec<_>>().join(" -> ")
        }
        other => panic!("expected a cycle, got: {other}"),
    }
}

#[test]
fn a_query_reading_itself_is_a_cycle() {
    within(Duration::from_secs(20), || {
        let db = Db::new(vec![query("selfish", |db, k| {
            Box::pin(async move { db.q("selfish").get(db, k).await })
        })]);
        let err = db.get("selfish", 1).unwrap_err();
        assert_eq!(cycle_path(&err), "selfish(1) -> selfish(1)");
        assert!(err.to_string().starts_with("dependency cycle: selfish(1) -> selfish(1)"));
    });
}

#[test]
fn a_cycle_through_other_queries_lists_the_whole_path() {
    within(Duration::from_secs(20), || {
        let db = Db::new(vec![
            query("a", |db, k| Box::pin(async move { db.q("b").get(db, k + 1).await })),
            query("b", |db, k| Box::pin(async move { db.q("c").get(db, k + 1).await })),
            query("c", |db, k| Box::pin(async move { db.q("a").get(db, k - 2).await })),
        ]);
        let err = db.get("a", 0).unwrap_err();
        assert_eq!(cycle_path(&err), "a(0) -> b(1) -> c(2) -> a(0)");
        // Every query on the cycle is poisoned with it for this revision.
        assert!(db.get("b", 1).unwrap_err().is_cycle());
    });
}

#[test]
fn a_cycle_inside_a_join_is_reported() {
    within(Duration::from_secs(20), || {
        let db = Db::new(vec![
            query("both", |db, k| {
                Box::pin(async move {
                    let (x, y) = join(db.q("left").get(db, k), db.q("right").get(db, k)).await;
                    Ok(x? + y?)
                })
            }),
            query("left", |db, k| Box::pin(async move { db.num(k) })),
            query("right", |db, k| {
                Box::pin(async move {
                    yield_now().await;
                    db.q("both").get(db, k).await
                })
            }),
        ]);
        let err = db.get("both", 4).unwrap_err();
        assert_eq!(cycle_path(&err), "both(4) -> right(4) -> both(4)");
    });
}

#[test]
fn a_cycle_across_threads_is_reported_instead_of_deadlocking() {
    within(Duration::from_secs(20), || {
        let barrier = Arc::new(Barrier::new(2));
        let (bx, by) = (barrier.clone(), barrier.clone());
        let db = Arc::new(Db::new(vec![
            query("x", move |db, k| {
                let bx = bx.clone();
                Box::pin(async move {
                    bx.wait(); // both x and y are now running, on two threads
                    db.q("y").get(db, k).await
                })
            }),
            query("y", move |db, k| {
                let by = by.clone();
                Box::pin(async move {
                    by.wait();
                    db.q("x").get(db, k).await
                })
            }),
        ]));
        let (d1, d2) = (db.clone(), db.clone());
        let t1 = std::thread::spawn(move || d1.get("x", 7));
        let t2 = std::thread::spawn(move || d2.get("y", 7));
        let (r1, r2) = (t1.join().unwrap(), t2.join().unwrap());
        let (e1, e2) = (r1.unwrap_err(), r2.unwrap_err());
        assert!(e1.is_cycle() && e2.is_cycle(), "{e1} / {e2}");
        let path = cycle_path(&e1);
        assert!(path == "x(7) -> y(7) -> x(7)" || path == "y(7) -> x(7) -> y(7)", "{path}");
    });
}

#[test]
fn a_cycle_is_retried_and_resolved_at_a_later_revision() {
    // loopy(k) reads itself only while num(0) is 1.
    let db = Db::new(vec![query("loopy", |db, k| {
        Box::pin(
            async move { if db.num(0)? == 1 { db.q("loopy").get(db, k).await } else { Ok(10) } },
        )
    })]);
    db.set_num(0, 1);
    assert!(db.get("loopy", 0).unwrap_err().is_cycle());
    db.set_num(0, 2);
    assert_eq!(db.get("loopy", 0).unwrap(), 10);
}
