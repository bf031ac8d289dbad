use crate::common::*;

/// a(k) = num(k); b(k) = a(k) + a(k+1); c(k) = b(k) + b(k+2)
fn layered() -> Db {
    Db::new(vec![
        query("a", |db, k| Box::pin(async move { db.num(k) })),
        query("b", |db, k| {
            Box::pin(
                async move { Ok(db.q("a").get(db, k).await? + db.q("a").get(db, k + 1).await?) },
            )
        }),
        query("c", |db, k| {
            Box::pin(
                async move { Ok(db.q("b").get(db, k).await? + db.q("b").get(db, k + 2).await?) },
            )
        }),
    ])
}

fn read_all_c(db: &Db) -> Vec<u64> {
    (0..4).map(|k| db.get("c", k).unwrap()).collect()
}

#[test]
fn changing_an_input_recomputes_exactly_its_transitive_readers() {
    let db = layered();
    for k in 0..8 {
        db.set_num(k, k as u64 * 10);
    }
    let before = read_all_c(&db);
    assert_eq!(before, vec![60, 100, 140, 180]);
    db.take_log();

    db.set_num(3, 1000); // read by a(3), hence b(2), b(3), hence c(0), c(1), c(2), c(3)
    let after = read_all_c(&db);
    assert_eq!(after, vec![60 + 970, 100 + 970, 140 + 970, 180 + 970]);
    assert_eq!(db.take_log(), logged(&["a(3)", "b(2)", "b(3)", "c(0)", "c(1)", "c(2)", "c(3)"]));
}

#[test]
fn an_unrelated_input_change_recomputes_nothing() {
    let db = layered();
    for k in 0..8 {
        db.set_num(k, k as u64);
    }
    let before = read_all_c(&db);
    db.take_log();
    let revision = db.revision();
    db.set_num(100, 7); // nobody reads num(100)
    db.text.set(&db, 0, "unrelated".into()).unwrap();
    assert!(db.revision() > revision);
    assert_eq!(read_all_c(&db), before);
    assert_eq!(db.take_log(), Vec::<String>::new());
}

#[test]
fn a_read_of_a_key_that_had_no_value_is_invalidated_when_it_gets_one() {
    let db = Db::new(vec![query("len", |db, k| {
        Box::pin(async move { Ok(db.text.get(db, &k)?.map_or(0, |t| t.len() as u64)) })
    })]);
    assert_eq!(db.get("len", 1).unwrap(), 0);
    db.text.set(&db, 1, "four".into()).unwrap();
    assert_eq!(db.get("len", 1).unwrap(), 4);
    db.text.remove(&db, &1).unwrap();
    assert_eq!(db.get("len", 1).unwrap(), 0);
    assert_eq!(db.take_log(), logged(&["len(1)", "len(1)", "len(1)"]));
}

#[test]
fn dependencies_are_dynamic_a_branch_not_taken_is_not_a_dependency() {
    // pick(k) reads num(1) only when num(0) is odd.
    let db = Db::new(vec![query("pick", |db, _| {
        Box::pin(async move { if db.num(0)? % 2 == 1 { db.num(1) } else { Ok(0) } })
    })]);
    db.set_num(0, 2);
    assert_eq!(db.get("pick", 0).unwrap(), 0);
    db.take_log();
    db.set_num(1, 9);
    assert_eq!(db.get("pick", 0).unwrap(), 0);
    assert_eq!(db.take_log(), Vec::<String>::new(), "num(1) was not read, so not a dependency");
    db.set_num(0, 3);
    assert_eq!(db.get("pick", 0).unwrap(), 9);
    db.take_log();
    db.set_num(1, 10);
    assert_eq!(db.get("pick", 0).unwrap(), 10);
    assert_eq!(db.take_log(), logged(&["pick(0)"]));
}
