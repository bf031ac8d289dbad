//! Durability: memos that read only rarely-changing inputs skip revalidation after edits of
//! frequently-changing ones, and stay correct whatever the inputs' durabilities do.

use picante::Durability;

use crate::common::*;

/// `config_len` reads a high-durability input only; `page` reads a low one and `config_len`.
fn site() -> Db {
    let db = Db::new(vec![
        query("config_len", |db, _| {
            Box::pin(async move { Ok(db.text.get(db, &0)?.map_or(0, |t| t.len() as u64)) })
        }),
        query("page", |db, k| {
            Box::pin(async move { Ok(db.num(k)? + db.q("config_len").get(db, 0).await?) })
        }),
    ]);
    db.text.set_with_durability(&db, 0, "config".into(), Durability::High).unwrap();
    db.set_num(1, 100);
    db
}

#[test]
fn a_low_durability_edit_lets_high_durability_memos_skip_revalidation() {
    let db = site();
    assert_eq!(db.get("config_len", 0).unwrap(), 6);
    db.set_num(99, 1); // a low-durability edit nobody reads
    let before = db.runtime().stats();
    assert_eq!(db.get("config_len", 0).unwrap(), 6);
    let after = db.runtime().stats();
    assert_eq!(after.durability_skips, before.durability_skips + 1);
    assert_eq!(after.revalidated, before.revalidated, "no dependency was looked at");
    assert_eq!(after.executed, before.executed);
}

#[test]
fn a_memo_reading_a_low_durability_input_still_revalidates() {
    let db = site();
    assert_eq!(db.get("page", 1).unwrap(), 106);
    db.take_log();
    db.set_num(99, 1);
    let before = db.runtime().stats();
    assert_eq!(db.get("page", 1).unwrap(), 106);
    let after = db.runtime().stats();
    assert!(
        after.revalidated > before.revalidated,
        "page's durability is low: it checks its inputs"
    );
    db.set_num(1, 200);
    assert_eq!(db.get("page", 1).unwrap(), 206);
    assert_eq!(db.take_log(), logged(&["page(1)"]), "config_len skipped by durability");
}

#[test]
fn a_high_durability_change_still_invalidates_its_readers() {
    let db = site();
    assert_eq!(db.get("page", 1).unwrap(), 106);
    db.take_log();
    db.text.set_with_durability(&db, 0, "configuration".into(), Durability::High).unwrap();
    assert_eq!(db.get("page", 1).unwrap(), 113);
    assert_eq!(db.take_log(), logged(&["config_len(0)", "page(1)"]));
}

#[test]
fn lowering_an_inputs_durability_then_editing_it_is_seen() {
    let db = site();
    assert_eq!(db.get("config_len", 0).unwrap(), 6);
    // Same value, lower durability: a change (memos relying on the old durability must know).
    let r1 = db.revision();
    let r2 = db.text.set_with_durability(&db, 0, "config".into(), Durability::Low).unwrap();
    assert!(r2 > r1);
    assert_eq!(db.get("config_len", 0).unwrap(), 6);
    // Now an ordinary low edit of it must not be skipped by a stale high durability.
    db.text.set(&db, 0, "cfg".into()).unwrap();
    assert_eq!(db.get("config_len", 0).unwrap(), 3);
}

#[test]
fn bump_revision_makes_every_memo_revalidate() {
    let db = site();
    assert_eq!(db.get("config_len", 0).unwrap(), 6);
    db.runtime().bump_revision();
    let before = db.runtime().stats();
    assert_eq!(db.get("config_len", 0).unwrap(), 6);
    let after = db.runtime().stats();
    assert_eq!(after.durability_skips, before.durability_skips);
    assert_eq!(after.revalidated, before.revalidated + 1);
}

/// salsa's `constant_to_non_constant`: a value recomputed equal but now read from a
/// lower-durability input is a change, or its readers keep a durability too high and skip
/// the next low edit.
#[test]
fn a_value_recomputed_equal_at_a_lower_durability_still_invalidates_its_readers() {
    let db = Db::new(vec![
        query("d", |db, _| {
            Box::pin(async move {
                let on = db.text.get(db, &0)?.as_deref() == Some("on");
                Ok(if on { db.num(1)? } else { 5 })
            })
        }),
        query("m", |db, k| Box::pin(async move { Ok(db.q("d").get(db, k).await? * 10) })),
    ]);
    db.text.set_with_durability(&db, 0, "off".into(), Durability::High).unwrap();
    db.set_num(1, 5);
    assert_eq!(db.get("m", 0).unwrap(), 50, "m reads only the high flag: high durability");
    // The flag on: `d` recomputes to the same 5, but now from the low input.
    db.text.set_with_durability(&db, 0, "on".into(), Durability::High).unwrap();
    assert_eq!(db.get("m", 0).unwrap(), 50);
    // A low edit: `m` must not be skipped as if it still read only high inputs.
    db.set_num(1, 7);
    assert_eq!(db.get("m", 0).unwrap(), 70);
}
