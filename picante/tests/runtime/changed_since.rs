//! `get_if_changed(key, since)`: the value only if it changed after `since`, the query
//! brought up to date exactly as `get` would.

use picante::Revision;

use crate::common::*;

/// `parity(k) = num(k) % 2`.
fn specs() -> Vec<QuerySpec> {
    vec![query("parity", |db, k| Box::pin(async move { Ok(db.num(k)? % 2) }))]
}

fn changed(db: &Db, key: u32, since: Revision) -> Option<u64> {
    pollster::block_on(db.q("parity").get_if_changed(db, &key, since)).unwrap()
}

#[test]
fn a_value_is_returned_only_if_it_changed_after_the_revision_given() {
    let db = Db::new(specs());
    db.set_num(0, 3);
    assert_eq!(changed(&db, 0, Revision(0)), Some(1), "computed: new since revision 0");
    let built = db.revision();
    assert_eq!(changed(&db, 0, built), None, "nothing changed since");
    // An edit that leaves the value as it was (early cutoff): still unchanged.
    db.set_num(0, 5);
    assert_eq!(changed(&db, 0, built), None);
    assert_eq!(db.take_log(), logged(&["parity(0)", "parity(0)"]));
    // An edit that changes it.
    db.set_num(0, 6);
    assert_eq!(changed(&db, 0, built), Some(0));
    assert_eq!(db.take_log(), logged(&["parity(0)"]));
    // Asked again: a memo hit, against an older or a newer revision.
    assert_eq!(changed(&db, 0, built), Some(0));
    assert_eq!(changed(&db, 0, db.revision()), None);
    assert_eq!(db.take_log(), Vec::<String>::new());
}

#[test]
fn inside_a_query_it_records_the_same_dependency_as_get() {
    let db = Db::new(vec![
        query("parity", |db, k| Box::pin(async move { Ok(db.num(k)? % 2) })),
        query("flag", |db, k| {
            Box::pin(async move {
                let since = Revision(0);
                Ok(u64::from(db.q("parity").get_if_changed(db, &k, since).await?.is_some()))
            })
        }),
    ]);
    db.set_num(0, 1);
    assert_eq!(db.get("flag", 0).unwrap(), 1);
    db.take_log();
    db.set_num(0, 2); // parity changes: flag must be recomputed
    assert_eq!(db.get("flag", 0).unwrap(), 1);
    assert_eq!(db.take_log(), logged(&["flag(0)", "parity(0)"]));
}
