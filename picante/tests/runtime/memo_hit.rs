use crate::common::*;

fn double_db() -> Db {
    Db::new(vec![
        query("double", |db, k| Box::pin(async move { Ok(db.num(k)? * 2) })),
        query("outer", |db, k| Box::pin(async move { Ok(db.q("double").get(db, k).await? + 1) })),
    ])
}

#[test]
fn a_second_get_at_the_same_revision_runs_no_compute() {
    let db = double_db();
    db.set_num(1, 21);
    assert_eq!(db.get("double", 1).unwrap(), 42);
    assert_eq!(db.take_log(), logged(&["double(1)"]));
    for _ in 0..3 {
        assert_eq!(db.get("double", 1).unwrap(), 42);
    }
    assert_eq!(db.take_log(), Vec::<String>::new());
}

#[test]
fn distinct_keys_are_distinct_memos() {
    let db = double_db();
    db.set_num(1, 1);
    db.set_num(2, 2);
    assert_eq!(db.get("double", 1).unwrap(), 2);
    assert_eq!(db.get("double", 2).unwrap(), 4);
    assert_eq!(db.get("double", 1).unwrap(), 2);
    assert_eq!(db.take_log(), logged(&["double(1)", "double(2)"]));
}

#[test]
fn a_memo_hit_inside_another_query_is_still_recorded_as_its_dependency() {
    let db = double_db();
    db.set_num(1, 1);
    assert_eq!(db.get("double", 1).unwrap(), 2); // `double` is now a memo hit for `outer`
    assert_eq!(db.get("outer", 1).unwrap(), 3);
    db.take_log();
    db.set_num(1, 5);
    assert_eq!(db.get("outer", 1).unwrap(), 11);
    assert_eq!(db.take_log(), logged(&["double(1)", "outer(1)"]));
}

#[test]
fn get_by_reference_shares_the_memo_and_records_the_dependency_like_get() {
    let db = Db::new(vec![
        query("double", |db, k| Box::pin(async move { Ok(db.num(k)? * 2) })),
        query("outer", |db, k| {
            Box::pin(async move { Ok(db.q("double").get_ref(db, &k).await? + 1) })
        }),
    ]);
    db.set_num(1, 1);
    assert_eq!(pollster::block_on(db.q("double").get_ref(&db, &1)).unwrap(), 2);
    assert_eq!(db.get("double", 1).unwrap(), 2);
    assert_eq!(db.get("outer", 1).unwrap(), 3);
    assert_eq!(db.take_log(), logged(&["double(1)", "outer(1)"]));
    db.set_num(1, 5);
    assert_eq!(db.get("outer", 1).unwrap(), 11);
    assert_eq!(db.take_log(), logged(&["double(1)", "outer(1)"]));
}
