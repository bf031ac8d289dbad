//! An async incremental query runtime on std threads.
//!
//! picante memoizes async functions ("derived queries") of keyed inputs, records what each one
//! read, and after an input changes recomputes exactly the queries whose result could differ.
//! It follows the low-level API of picante 1.0 (`Runtime`, `InputIngredient`,
//! `DerivedIngredient`, `InternedIngredient`, `IngredientRegistry`) without tokio: futures are
//! plain `Future`s, woken through their `Waker`, so any executor drives them (the examples use
//! `pollster::block_on`).
//!
//! # Concepts
//!
//! - A database is your struct holding a [`Runtime`] (the [`Revision`] clock), an
//!   [`IngredientRegistry`], and one ingredient per query kind. It implements [`HasRuntime`] and
//!   [`IngredientLookup`].
//! - [`InputIngredient`]s hold values set from outside. An effective change advances the
//!   revision; setting a deep-equal value does nothing. [`InputBatch`] applies many writes
//!   under one revision.
//! - [`DerivedIngredient`]s hold memos of an async compute function. Each memo keeps its value,
//!   `verified_at`, `changed_at` and the list of what it read.
//! - [`InternedIngredient`]s map values to dense [`InternId`]s.
//!
//! # Semantics
//!
//! - **Revalidation.** A memo is current if it was verified at the current revision. If not,
//!   its dependencies are checked in order: it stays valid if none changed after its
//!   `verified_at`; otherwise it is recomputed.
//! - **Early cutoff.** A recomputation that yields a deep-equal value keeps the memo's old
//!   `changed_at`, so dependents revalidate without recomputing. Equality is the type's own
//!   `PartialEq` where facet exposes one, structural reflection otherwise.
//! - **Single flight.** One computation per key at a time, across threads; other callers wait
//!   without holding a lock and without blocking their executor.
//! - **Errors and panics** poison the memo for that revision (one computation, the same error for
//!   everyone) and are retried at a later revision.
//! - **Cycles** are reported as [`PicanteError::Cycle`] with the whole path, also across
//!   threads and join branches; never a deadlock.
//! - **Cancellation.** Dropping a `get` future midway leaves nothing stuck; the next caller
//!   recomputes.
//! - **Durability.** Inputs are [`Durability::Low`] unless set otherwise; a memo whose inputs
//!   are all of higher durability than every edit since its last check is valid without
//!   looking at its dependencies.
//! - **Snapshots.** [`Snapshot::new`] freezes a view at the current revision: reads through it
//!   see that revision's inputs and share the database's memos while writers move on; what
//!   moved past it is computed in the snapshot alone (see [`Snapshot`]).
//! - **Persistence.** [`persist::save_cache`] and [`persist::load_cache`]: a fresh process
//!   loading the file revalidates instead of recomputing.
//!
//! # Example, with the macros
//!
//! [`input`], [`interned`], [`tracked`] and [`db`] (the crate `picante-macros`, as in picante
//! 1.0) generate the database of the low-level example below: entity handles with getters,
//! memoized async functions, and the struct that holds every ingredient.
//!
//! ```
//! use picante::{HasRuntime, PicanteResult};
//!
//! #[picante::input]
//! pub struct Price {
//!     #[key]
//!     pub item: String,
//!     pub cents: u64,
//! }
//!
//! #[picante::tracked]
//! pub async fn total<DB: HasPriceIngredient>(db: &DB, items: Vec<Price>) -> PicanteResult<u64> {
//!     let mut sum = 0;
//!     for item in items {
//!         sum += item.cents(db)?;
//!     }
//!     Ok(sum)
//! }
//!
//! #[picante::db(inputs(Price), tracked(total))]
//! pub struct Shop {}
//!
//! let db = Shop::new();
//! let apple = Price::new(&db, "apple".into(), 3)?;
//! let bread = Price::new(&db, "bread".into(), 4)?;
//! assert_eq!(pollster::block_on(total(&db, vec![apple, bread]))?, 7);
//! bread.set_cents(&db, 5)?; // invalidates `total`
//! assert_eq!(pollster::block_on(total(&db, vec![apple, bread]))?, 8);
//! assert_eq!(db.runtime().stats().executed, 2);
//! # Ok::<(), std::sync::Arc<picante::PicanteError>>(())
//! ```
//!
//! # Example, by hand
//!
//! ```
//! use std::sync::Arc;
//! use picante::{
//!     DerivedIngredient, DynIngredient, HasRuntime, IngredientLookup, IngredientRegistry,
//!     InputIngredient, PicanteResult, QueryKindId, Runtime,
//! };
//!
//! struct Db {
//!     runtime: Runtime,
//!     registry: IngredientRegistry<Db>,
//!     price: Arc<InputIngredient<&'static str, u64>>,
//!     total: Arc<DerivedIngredient<Db, (), u64>>,
//! }
//! impl HasRuntime for Db {
//!     fn runtime(&self) -> &Runtime { &self.runtime }
//! }
//! impl IngredientLookup for Db {
//!     fn ingredient(&self, kind: QueryKindId) -> Option<&dyn DynIngredient<Self>> {
//!         self.registry.ingredient(kind)
//!     }
//! }
//!
//! fn total(db: &Db, _: ()) -> picante::BoxFuture<'_, PicanteResult<u64>> {
//!     Box::pin(async move {
//!         let a = db.price.get(db, &"apple")?.unwrap_or(0);
//!         let b = db.price.get(db, &"bread")?.unwrap_or(0);
//!         Ok(a + b)
//!     })
//! }
//!
//! let price = Arc::new(InputIngredient::new(QueryKindId(1), "price"));
//! let total = Arc::new(DerivedIngredient::new(QueryKindId(2), "total", total));
//! let mut registry = IngredientRegistry::new();
//! registry.register(price.clone());
//! registry.register(total.clone());
//! let db = Db { runtime: Runtime::new(), registry, price, total };
//!
//! db.price.set(&db, "apple", 3)?;
//! db.price.set(&db, "bread", 4)?;
//! assert_eq!(pollster::block_on(db.total.get(&db, ()))?, 7);
//! db.price.set(&db, "bread", 5)?; // invalidates `total`
//! assert_eq!(pollster::block_on(db.total.get(&db, ()))?, 8);
//! # Ok::<(), std::sync::Arc<picante::PicanteError>>(())
//! ```
#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod cycle;
mod debug;
mod deep_eq;
mod derived;
mod error;
mod events;
mod frame;
mod hash;
mod ingredient;
mod input;
mod interned;
mod key;
pub mod persist;
mod revision;
mod runtime;
mod snapshot;
mod table;

use std::future::Future;
use std::pin::Pin;

pub use debug::IngredientStats;
pub use derived::DerivedIngredient;
pub use error::{PicanteError, PicanteResult, QueryLabel};
pub use events::{Event, Subscription};
pub use hash::{FastBuildHasher, FastHasher};
pub use ingredient::{DynIngredient, IngredientLookup, IngredientRegistry};
pub use input::{InputBatch, InputIngredient};
pub use interned::{InternId, InternedIngredient};
pub use key::QueryKindId;
pub use revision::{Durability, Revision};
pub use runtime::{HasRuntime, Runtime, RuntimeStats};
pub use snapshot::Snapshot;

pub use picante_macros::{db, input, interned, tracked};

/// What the code generated by the macros names; not part of the API.
#[doc(hidden)]
pub mod __private {
    pub use facet;

    /// The error of a read of an input entity that has no data.
    pub fn missing_input<K: facet::Facet<'static>>(
        input: &'static str,
        key: &K,
    ) -> std::sync::Arc<crate::PicanteError> {
        std::sync::Arc::new(crate::PicanteError::MissingInput {
            input,
            key: crate::ingredient::render_key(key),
        })
    }
}

/// A boxed, `Send` future: what compute functions return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
