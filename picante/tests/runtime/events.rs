//! Events: subscribers see each revision's input writes, the revision, and every
//! recomputation with whether its value changed; a slow subscriber loses events and is told,
//! and never holds a writer up.

use std::time::{Duration, Instant};

use picante::{Event, InputBatch, Revision};

use crate::common::*;

fn recomputed(events: &[Event]) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = events
        .iter()
        .filter_map(|event| match event {
            Event::Recomputed { slot, changed, .. } => Some((format!("slot {slot}"), *changed)),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_subscriber_sees_each_revision_its_inputs_and_which_recomputations_changed_a_value() {
    let db = Db::new(vec![
        query("parity", |db, k| Box::pin(async move { Ok(db.num(k)? % 2) })),
        query("shown", |db, k| Box::pin(async move { Ok(db.q("parity").get(db, k).await? * 10) })),
    ]);
    let events = db.runtime().subscribe(64);
    let r1 = db.set_num(0, 1);
    assert_eq!(
        events.drain(),
        vec![
            Event::InputChanged { kind: db.num.kind(), slot: 0, removed: false, revision: r1 },
            Event::Revision { revision: r1 },
        ]
    );
    assert_eq!(db.get("shown", 0).unwrap(), 10);
    assert_eq!(recomputed(&events.drain()), [("slot 0".into(), true), ("slot 0".into(), true)]);

    // 1 -> 3: parity recomputes to the same value, and `shown` is only revalidated.
    let r2 = db.set_num(0, 3);
    assert_eq!(db.get("shown", 0).unwrap(), 10);
    let seen = events.drain();
    assert_eq!(
        seen[..2],
        [
            Event::InputChanged { kind: db.num.kind(), slot: 0, removed: false, revision: r2 },
            Event::Revision { revision: r2 },
        ]
    );
    assert_eq!(
        seen[2..],
        [Event::Recomputed { kind: db.q("parity").kind(), slot: 0, revision: r2, changed: false }]
    );
    assert_eq!(db.q("parity").key_at(0), Some(0));

    // A batch: its writes, then its one revision. A write of the same value: nothing.
    let mut batch = InputBatch::new();
    batch.set(&db.num, 5, 1).remove(&db.num, 0);
    let r3 = batch.commit(&db).unwrap();
    db.set_num(5, 1);
    assert_eq!(
        events.drain(),
        vec![
            Event::InputChanged { kind: db.num.kind(), slot: 1, removed: false, revision: r3 },
            Event::InputChanged { kind: db.num.kind(), slot: 0, removed: true, revision: r3 },
            Event::Revision { revision: r3 },
        ]
    );
    assert_eq!(db.num.key_at(1), Some(5));
    let r4 = db.runtime().bump_revision();
    assert_eq!(events.drain(), vec![Event::Revision { revision: r4 }]);
    assert_eq!(r4, Revision(r3.0 + 1));
}

#[test]
fn a_slow_subscriber_loses_events_is_told_how_many_and_never_holds_a_writer_up() {
    let db = Db::new(vec![]);
    let slow = db.runtime().subscribe(4);
    let started = Instant::now();
    for i in 0..1_000 {
        db.set_num(i % 10, u64::from(i));
    }
    assert!(started.elapsed() < Duration::from_secs(10), "writers waited");
    // Four events fitted (two writes); 1,996 did not.
    assert_eq!(slow.try_recv(), Some(Event::Lagged { missed: 1_996 }));
    assert_eq!(slow.drain().len(), 4);
    db.set_num(0, 5_000);
    assert_eq!(slow.drain().len(), 2, "after catching up, nothing missed");
}

#[test]
fn a_dropped_subscription_is_forgotten() {
    let db = Db::new(vec![]);
    let kept = db.runtime().subscribe(8);
    drop(db.runtime().subscribe(8));
    db.set_num(0, 1);
    db.set_num(0, 2);
    assert_eq!(kept.drain().len(), 4);
}
