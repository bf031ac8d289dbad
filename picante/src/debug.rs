//! Looking inside a database: what each ingredient holds ([`IngredientRegistry::stats`]) and
//! the dependency graph of its memos as Graphviz DOT, whole ([`IngredientRegistry::graph_dot`])
//! or the cone of what one memo depends on ([`IngredientRegistry::cone_dot`]). These walk every
//! slot and encode every value to measure it: for tooling, not hot paths.
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//! use picante::{
//!     BoxFuture, DerivedIngredient, DynIngredient, HasRuntime, IngredientLookup,
//!     IngredientRegistry, InputIngredient, PicanteResult, QueryKindId, Runtime,
//! };
//!
//! struct Db { runtime: Runtime, registry: IngredientRegistry<Db>, n: Arc<InputIngredient<u32, u64>> }
//! impl HasRuntime for Db { fn runtime(&self) -> &Runtime { &self.runtime } }
//! impl IngredientLookup for Db {
//!     fn ingredient(&self, kind: QueryKindId) -> Option<&dyn DynIngredient<Self>> {
//!         self.registry.ingredient(kind)
//!     }
//! }
//! fn double(db: &Db, k: u32) -> BoxFuture<'_, PicanteResult<u64>> {
//!     Box::pin(async move { Ok(db.n.get(db, &k)?.unwrap_or(0) * 2) })
//! }
//! let n = Arc::new(InputIngredient::new(QueryKindId(1), "n"));
//! let twice = Arc::new(DerivedIngredient::new(QueryKindId(2), "double", double));
//! let mut registry = IngredientRegistry::new();
//! registry.register(n.clone());
//! registry.register(twice.clone());
//! let db = Db { runtime: Runtime::new(), registry, n };
//! db.n.set(&db, 3, 21)?;
//! assert_eq!(pollster::block_on(twice.get(&db, 3))?, 42);
//! assert!(db.registry.graph_dot().contains("\"double(3)\" -> \"n(3)\""));
//! # Ok::<(), std::sync::Arc<picante::PicanteError>>(())
//! ```

use std::collections::BTreeSet;
use std::fmt::Write as _;

use crate::QueryKindId;
use crate::ingredient::{DependencyView, DynIngredient, IngredientRegistry};

/// What one slot holds, as the debug views see it.
#[derive(Clone, Debug, Default)]
pub(crate) struct SlotInfo {
    /// The encoded size of its value, if it has one (an input's value, an interned value, a
    /// derived slot's ready memo).
    pub(crate) bytes: Option<usize>,
    /// A ready memo's dependencies.
    pub(crate) deps: Option<Vec<(QueryKindId, u32)>>,
}

/// The encoded size of `value` (facet-postcard, as the cache file holds it); 0 if it cannot be
/// encoded.
pub(crate) fn encoded_len<T: facet::Facet<'static>>(value: &T) -> usize {
    facet_postcard::to_vec(value).map_or(0, |bytes| bytes.len())
}

/// What one ingredient holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngredientStats {
    /// Its kind.
    pub kind: QueryKindId,
    /// Its name.
    pub name: &'static str,
    /// `input`, `interned` or `derived`.
    pub role: &'static str,
    /// Keys it has a slot for.
    pub slots: usize,
    /// Slots with a value: inputs set, values interned, memos ready.
    pub values: usize,
    /// The values' encoded size in bytes (what the cache file spends on them).
    pub bytes: usize,
    /// Dependency edges of its ready memos.
    pub edges: usize,
}

fn role<DB: ?Sized>(ingredient: &dyn DynIngredient<DB>) -> &'static str {
    match ingredient.dependency_view() {
        DependencyView::Input(_) => "input",
        DependencyView::Interned => "interned",
        DependencyView::Derived(_) => "derived",
    }
}

/// A node's name in the graph: the ingredient's name and the key, as `debug_key` renders it.
fn node<DB: ?Sized>(registry: &IngredientRegistry<DB>, kind: QueryKindId, slot: u32) -> String {
    let label = match registry.ingredient(kind) {
        Some(ingredient) => format!(
            "{}({})",
            ingredient.name(),
            ingredient.debug_key(slot).unwrap_or_else(|| format!("#{slot}"))
        ),
        None => format!("{kind}#{slot}"),
    };
    format!("\"{}\"", label.replace('\\', "\\\\").replace('"', "\\\""))
}

impl<DB: ?Sized> IngredientRegistry<DB> {
    /// What each registered ingredient holds, by ascending kind.
    pub fn stats(&self) -> Vec<IngredientStats> {
        self.iter()
            .map(|ingredient| {
                let mut stats = IngredientStats {
                    kind: ingredient.kind(),
                    name: ingredient.name(),
                    role: role(ingredient),
                    slots: ingredient.key_count(),
                    values: 0,
                    bytes: 0,
                    edges: 0,
                };
                for slot in 0..ingredient.key_count() as u32 {
                    let info = ingredient.slot_info(slot);
                    if let Some(bytes) = info.bytes {
                        stats.values += 1;
                        stats.bytes += bytes;
                    }
                    stats.edges += info.deps.map_or(0, |deps| deps.len());
                }
                stats
            })
            .collect()
    }

    /// Every ready memo's dependencies, as a Graphviz `digraph` (an edge from the reader to
    /// what it read).
    pub fn graph_dot(&self) -> String {
        let mut edges = BTreeSet::new();
        for ingredient in self.iter() {
            for slot in 0..ingredient.key_count() as u32 {
                for (kind, target) in ingredient.slot_info(slot).deps.unwrap_or_default() {
                    edges.insert((node(self, ingredient.kind(), slot), node(self, kind, target)));
                }
            }
        }
        dot(edges)
    }

    /// The cone of `kind`'s slot `slot`: that memo and everything it depends on, transitively.
    pub fn cone_dot(&self, kind: QueryKindId, slot: u32) -> String {
        let mut edges = BTreeSet::new();
        let mut seen = BTreeSet::new();
        let mut stack = vec![(kind, slot)];
        while let Some((kind, slot)) = stack.pop() {
            if !seen.insert((kind, slot)) {
                continue;
            }
            let Some(ingredient) = self.ingredient(kind) else { continue };
            for (dep_kind, dep_slot) in ingredient.slot_info(slot).deps.unwrap_or_default() {
                edges.insert((node(self, kind, slot), node(self, dep_kind, dep_slot)));
                stack.push((dep_kind, dep_slot));
            }
        }
        dot(edges)
    }
}

fn dot(edges: BTreeSet<(String, String)>) -> String {
    let mut out = String::from("digraph picante {\n");
    for (from, to) in edges {
        let _ = writeln!(out, "  {from} -> {to};");
    }
    out.push_str("}\n");
    out
}
