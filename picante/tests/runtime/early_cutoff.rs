use crate::common::*;

/// parity(k) = num(k) % 2; plus1(k) = parity(k) + 1; plus2(k) = plus1(k) + 1
fn parity_chain() -> Db {
    Db::new(vec![
        query("parity", |db, k| Box::pin(async move { Ok(db.num(k)? % 2) })),
        query("plus1", |db, k| Box::pin(async move { Ok(db.q("parity").get(db, k).await? + 1) })),
        query("plus2", |db, k| Box::pin(async move { Ok(db.q("plus1").get(db, k).await? + 1) })),
    ])
}

#[test]
fn an_equal_recomputed_value_stops_propagation() {
    let db = parity_chain();
    db.set_num(0, 2);
    assert_eq!(db.get("plus2", 0).unwrap(), 2);
    db.take_log();
    db.set_num(0, 4); // same parity
    assert_eq!(db.get("plus2", 0).unwrap(), 2);
    assert_eq!(db.take_log(), logged(&["parity(0)"]), "dependents revalidate, not recompute");
    db.set_num(0, 5); // parity changes: everything recomputes
    assert_eq!(db.get("plus2", 0).unwrap(), 3);
    assert_eq!(db.take_log(), logged(&["parity(0)", "plus1(0)", "plus2(0)"]));
}

#[test]
fn early_cutoff_keeps_holding_on_every_later_revision() {
    // After a cutoff, `parity` has changed_at (old) < its input's changed_at (new). Comparing a
    // dependency's changed_at with the memo's changed_at instead of its verified_at would make
    // every later revision recompute it; it must not.
    let db = parity_chain();
    db.set_num(0, 2);
    assert_eq!(db.get("plus2", 0).unwrap(), 2);
    db.set_num(0, 4);
    assert_eq!(db.get("plus2", 0).unwrap(), 2);
    db.take_log();
    for i in 0..5 {
        db.set_num(99, i); // unrelated
        assert_eq!(db.get("plus2", 0).unwrap(), 2);
        assert_eq!(db.take_log(), Vec::<String>::new(), "revision {i} after the cutoff");
    }
}

#[test]
fn a_cutoff_memo_read_at_a_later_revision_by_a_new_reader_is_not_recomputed() {
    let db = parity_chain();
    db.set_num(0, 2);
    assert_eq!(db.get("plus1", 0).unwrap(), 1);
    db.set_num(0, 6);
    db.set_num(0, 8);
    assert_eq!(db.get("plus1", 0).unwrap(), 1);
    db.take_log();
    assert_eq!(db.get("plus2", 0).unwrap(), 2);
    assert_eq!(db.take_log(), logged(&["plus2(0)"]));
}
