//! The debug views: what each ingredient holds, and the dependency graph as DOT.

use crate::common::*;

fn db() -> Db {
    let db = Db::new(vec![
        query("double", |db, k| Box::pin(async move { Ok(db.num(k)? * 2) })),
        query("sum", |db, k| {
            Box::pin(async move {
                Ok(db.q("double").get(db, k).await? + db.q("double").get(db, k + 1).await?)
            })
        }),
    ]);
    db.set_num(0, 1);
    db.set_num(1, 2);
    db.set_num(2, 300);
    assert_eq!(db.get("sum", 0).unwrap(), 6);
    db
}

#[test]
fn stats_count_each_ingredients_slots_values_bytes_and_edges() {
    let db = db();
    let stats = db.registry().stats();
    let by_name = |name: &str| stats.iter().find(|s| s.name == name).unwrap().clone();
    let num = by_name("num");
    assert_eq!((num.role, num.slots, num.values, num.edges), ("input", 3, 3, 0));
    // Postcard varints: 1 and 2 take a byte each, 300 takes two.
    assert_eq!(num.bytes, 4);
    let double = by_name("double");
    assert_eq!((double.role, double.slots, double.values, double.edges), ("derived", 2, 2, 2));
    let sum = by_name("sum");
    assert_eq!((sum.slots, sum.values, sum.edges), (1, 1, 2));
}

#[test]
fn the_graph_and_a_cone_show_each_memo_pointing_at_what_it_read() {
    let db = db();
    assert_eq!(db.get("double", 2).unwrap(), 600);
    assert_eq!(
        db.registry().graph_dot(),
        "digraph picante {\n  \"double(0)\" -> \"num(0)\";\n  \"double(1)\" -> \"num(1)\";\n  \
         \"double(2)\" -> \"num(2)\";\n  \"sum(0)\" -> \"double(0)\";\n  \
         \"sum(0)\" -> \"double(1)\";\n}\n"
    );
    let sum = db.q("sum").kind();
    assert_eq!(
        db.registry().cone_dot(sum, 0),
        "digraph picante {\n  \"double(0)\" -> \"num(0)\";\n  \"double(1)\" -> \"num(1)\";\n  \
         \"sum(0)\" -> \"double(0)\";\n  \"sum(0)\" -> \"double(1)\";\n}\n",
        "not double(2), which sum(0) does not read"
    );
}

#[test]
fn the_dependencies_verified_since_a_revision_are_those_of_the_memos_brought_up_to_date() {
    let db = db();
    assert_eq!(db.get("double", 2).unwrap(), 600);
    let edges = |at| {
        let mut edges = Vec::new();
        db.registry().each_dependency_verified_since(at, |kind, slot| {
            let ingredient = db.registry().ingredient(kind).unwrap();
            edges.push(format!("{}({})", ingredient.name(), ingredient.debug_key(slot).unwrap()));
        });
        edges.sort();
        edges
    };
    let first = db.runtime().current_revision();
    assert_eq!(edges(first), ["double(0)", "double(1)", "num(0)", "num(1)", "num(2)"]);
    // A change; only `sum(0)` is asked for again (and through it both `double`s it reads):
    // `double(2)`, asked for by no one since, is left out with its edge to `num(2)`.
    let second = db.set_num(0, 5);
    assert_eq!(db.get("sum", 0).unwrap(), 14);
    assert_eq!(edges(second), ["double(0)", "double(1)", "num(0)", "num(1)"]);
}
