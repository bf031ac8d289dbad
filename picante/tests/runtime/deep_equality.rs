//! Values without `PartialEq`: equality comes from facet reflection.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use facet::Facet;
use picante::{
    BoxFuture, DerivedIngredient, DynIngredient, HasRuntime, IngredientLookup, IngredientRegistry,
    InputIngredient, PicanteResult, QueryKindId, Runtime,
};

#[derive(Facet, Clone)]
struct Page {
    title: String,
    tags: Vec<String>,
    weight: Option<i64>,
    extra: HashMap<String, u32>,
    sections: BTreeMap<u32, Vec<String>>,
    body: Arc<Body>,
}

#[derive(Facet, Clone)]
struct Body {
    html: String,
}

#[derive(Facet, Clone)]
struct Summary {
    title: String,
    tag_count: usize,
    body: Arc<Body>,
    weight: Option<i64>,
}

struct Db {
    runtime: Runtime,
    registry: IngredientRegistry<Db>,
    pages: Arc<InputIngredient<u32, Page>>,
    summary: Arc<DerivedIngredient<Db, u32, Summary>>,
    title_len: Arc<DerivedIngredient<Db, u32, usize>>,
    log: Mutex<Vec<&'static str>>,
}

impl HasRuntime for Db {
    fn runtime(&self) -> &Runtime {
        &self.runtime
    }
}

impl IngredientLookup for Db {
    fn ingredient(&self, kind: QueryKindId) -> Option<&dyn DynIngredient<Self>> {
        self.registry.ingredient(kind)
    }
}

fn summary(db: &Db, k: u32) -> BoxFuture<'_, PicanteResult<Summary>> {
    Box::pin(async move {
        db.log.lock().unwrap().push("summary");
        let page = db.pages.get(db, &k)?.expect("page set");
        Ok(Summary {
            title: page.title,
            tag_count: page.tags.len(),
            body: page.body,
            weight: page.weight,
        })
    })
}

fn title_len(db: &Db, k: u32) -> BoxFuture<'_, PicanteResult<usize>> {
    Box::pin(async move {
        db.log.lock().unwrap().push("title_len");
        Ok(db.summary.get(db, k).await?.title.len())
    })
}

fn db() -> Db {
    let pages = Arc::new(InputIngredient::new(QueryKindId(1), "pages"));
    let summary = Arc::new(DerivedIngredient::new(QueryKindId(2), "summary", summary));
    let title_len = Arc::new(DerivedIngredient::new(QueryKindId(3), "title_len", title_len));
    let mut registry = IngredientRegistry::new();
    registry.register(pages.clone());
    registry.register(summary.clone());
    registry.register(title_len.clone());
    Db { runtime: Runtime::new(), registry, pages, summary, title_len, log: Mutex::new(Vec::new()) }
}

/// Built from scratch each time: equal content, distinct allocations, distinct hash-map order.
fn page(extra_seed: u32) -> Page {
    Page {
        title: "Hello".into(),
        tags: vec!["a".into(), "b".into()],
        weight: Some(10),
        extra: (0..32).map(|i| (format!("key{i}"), i * extra_seed)).collect(),
        sections: [(1, vec!["intro".to_string()]), (2, vec![])].into(),
        body: Arc::new(Body { html: "<p>hi</p>".into() }),
    }
}

#[test]
fn setting_an_input_to_a_deep_equal_value_is_a_no_op() {
    let db = db();
    let r1 = db.pages.set(&db, 1, page(1)).unwrap();
    let r2 = db.pages.set(&db, 1, page(1)).unwrap();
    assert_eq!(r1, r2, "no new revision");
    let r3 = db.pages.set(&db, 1, page(2)).unwrap();
    assert!(r3 > r2, "a different extra map is a change");
    let mut nested = page(2);
    nested.body = Arc::new(Body { html: "<p>bye</p>".into() });
    assert!(db.pages.set(&db, 1, nested).unwrap() > r3, "a change behind an Arc is a change");
}

#[test]
fn an_equal_derived_value_without_partial_eq_is_an_early_cutoff() {
    let db = db();
    db.pages.set(&db, 1, page(1)).unwrap();
    assert_eq!(pollster::block_on(db.title_len.get(&db, 1)).unwrap(), 5);
    db.log.lock().unwrap().clear();

    // `extra` changes; the summary does not read it, so it comes out deep-equal.
    db.pages.set(&db, 1, page(3)).unwrap();
    assert_eq!(pollster::block_on(db.title_len.get(&db, 1)).unwrap(), 5);
    assert_eq!(*db.log.lock().unwrap(), vec!["summary"]);
    db.log.lock().unwrap().clear();

    // A change inside the `Arc<Body>` the summary carries is a change.
    let mut p = page(3);
    p.body = Arc::new(Body { html: "<p>new</p>".into() });
    db.pages.set(&db, 1, p).unwrap();
    assert_eq!(pollster::block_on(db.title_len.get(&db, 1)).unwrap(), 5);
    assert_eq!(*db.log.lock().unwrap(), vec!["summary", "title_len"]);
}
