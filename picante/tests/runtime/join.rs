use crate::common::*;

#[test]
fn a_query_awaiting_two_subqueries_together_records_both() {
    let db = Db::new(vec![
        query("pair", |db, k| {
            Box::pin(async move {
                let (a, b) = join(db.q("left").get(db, k), db.q("right").get(db, k)).await;
                Ok(a? * 1000 + b?)
            })
        }),
        query("left", |db, k| {
            Box::pin(async move {
                yield_now().await; // interleave the two branches' polls
                db.num(k)
            })
        }),
        query("right", |db, k| {
            Box::pin(async move {
                yield_now().await;
                db.num(k + 100)
            })
        }),
    ]);
    db.set_num(1, 4);
    db.set_num(101, 2);
    assert_eq!(db.get("pair", 1).unwrap(), 4002);
    db.take_log();

    db.set_num(1, 5);
    assert_eq!(db.get("pair", 1).unwrap(), 5002);
    assert_eq!(db.take_log(), logged(&["left(1)", "pair(1)"]));

    db.set_num(101, 3);
    assert_eq!(db.get("pair", 1).unwrap(), 5003);
    assert_eq!(db.take_log(), logged(&["pair(1)", "right(1)"]));
}

#[test]
fn reads_made_directly_inside_both_branches_of_a_join_are_recorded() {
    let db = Db::new(vec![query("direct", |db, _| {
        Box::pin(async move {
            let (a, b) = join(
                async {
                    yield_now().await;
                    db.num(1)
                },
                async {
                    yield_now().await;
                    db.num(2)
                },
            )
            .await;
            Ok(a? + b?)
        })
    })]);
    assert_eq!(db.get("direct", 0).unwrap(), 0);
    db.set_num(2, 5);
    assert_eq!(db.get("direct", 0).unwrap(), 5);
    db.set_num(1, 5);
    assert_eq!(db.get("direct", 0).unwrap(), 10);
    assert_eq!(db.take_log().len(), 3);
}
