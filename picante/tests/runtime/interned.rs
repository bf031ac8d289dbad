use picante::{InternId, InternedIngredient, PicanteError, QueryKindId};

use crate::common::*;

#[test]
fn interning_dedups_hands_out_dense_ids_and_never_bumps_the_revision() {
    let db = Db::new(vec![]);
    let paths: InternedIngredient<String> = InternedIngredient::new(QueryKindId(99), "path");
    let before = db.revision();
    let ids: Vec<InternId> =
        ["a", "b", "a", "c", "b"].iter().map(|s| paths.intern(s.to_string()).unwrap()).collect();
    assert_eq!(ids, vec![InternId(0), InternId(1), InternId(0), InternId(2), InternId(1)]);
    assert_eq!(db.revision(), before);
    assert_eq!(&*paths.get(&db, InternId(2)).unwrap(), "c");
    assert_eq!(paths.lookup(&"b".to_string()), Some(InternId(1)));
    let err = paths.get(&db, InternId(7)).unwrap_err();
    assert!(matches!(&*err, PicanteError::UnknownInternId { id: 7, .. }));
    assert_eq!(paths.len(), 3);
}

#[test]
fn concurrent_interning_of_the_same_values_agrees_on_ids() {
    use std::sync::Arc;
    let paths: Arc<InternedIngredient<u64>> =
        Arc::new(InternedIngredient::new(QueryKindId(1), "n"));
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let paths = paths.clone();
            std::thread::spawn(move || {
                (0..1000u64)
                    .map(|i| (i, paths.intern((i * 7 + t) % 500).unwrap()))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let all: Vec<Vec<(u64, InternId)>> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    assert_eq!(paths.len(), 500);
    let db = Db::new(vec![]);
    for (t, results) in all.iter().enumerate() {
        for (i, id) in results {
            assert_eq!(*paths.get(&db, *id).unwrap(), (i * 7 + t as u64) % 500);
        }
    }
}
