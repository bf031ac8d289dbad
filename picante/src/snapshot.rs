//! Snapshots: a read-only view of a database frozen at one revision, while writers move on.
//!
//! A [`Snapshot`] pins the revision `R` it was taken at. Queries read through it
//! ([`Snapshot::read`]) see the inputs as they were at `R`, however many writes land
//! meanwhile, and never a value computed for a later revision:
//!
//! - **Inputs** keep the versions a live snapshot may still read. A write made while any
//!   snapshot is live moves the value it replaces into its ingredient's history, stamped with
//!   the revision that replaced it; a snapshot reads the version whose interval
//!   `[changed_at, replaced_at)` holds `R`. When the last snapshot that could read a version is
//!   dropped, the version is freed. With no snapshot alive, writes keep no history at all.
//! - **Derived memos are shared.** A memo holds a value that is correct at every revision from
//!   its `changed_at` to its `verified_at`; a snapshot uses any memo whose interval holds `R`
//!   (the common case: a snapshot of the current revision reads the memos the database has),
//!   and a memo verified before `R` after checking, read-only, that none of its dependencies
//!   changed up to `R`. A snapshot never writes a shared memo: what it has to compute itself
//!   (the memo moved past `R`, or was never computed) goes into the snapshot's own overlay,
//!   shared by its clones and freed with the snapshot.
//!
//! A snapshot's computations run without claims, so they never wait for (or block) the
//! database's own computations. Two threads of one snapshot may compute the same query at the
//! same time (both get the same value, one is kept). Cycles are still reported as
//! [`PicanteError::Cycle`](crate::PicanteError::Cycle). Checking a memo verified before `R`
//! walks its dependencies recursively (on the thread's stack, unlike the database's own
//! revalidation); chains thousands of queries deep need a thread with a larger stack.
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//! use picante::{
//!     DerivedIngredient, DynIngredient, HasRuntime, IngredientLookup, IngredientRegistry,
//!     InputIngredient, QueryKindId, Runtime, Snapshot,
//! };
//!
//! struct Db {
//!     runtime: Runtime,
//!     registry: IngredientRegistry<Db>,
//!     text: Arc<InputIngredient<String, String>>,
//!     words: Arc<DerivedIngredient<Db, String, usize>>,
//! }
//! impl HasRuntime for Db {
//!     fn runtime(&self) -> &Runtime { &self.runtime }
//! }
//! impl IngredientLookup for Db {
//!     fn ingredient(&self, kind: QueryKindId) -> Option<&dyn DynIngredient<Self>> {
//!         self.registry.ingredient(kind)
//!     }
//! }
//! let text = Arc::new(InputIngredient::new(QueryKindId(1), "text"));
//! let words = Arc::new(DerivedIngredient::new(QueryKindId(2), "words", |db: &Db, path: String| {
//!     Box::pin(async move { Ok(db.text.get(db, &path)?.unwrap_or_default().split(' ').count()) })
//! }));
//! let mut registry = IngredientRegistry::new();
//! registry.register(text.clone());
//! registry.register(words.clone());
//! let db = Db { runtime: Runtime::new(), registry, text, words };
//!
//! db.text.set(&db, "a.md".into(), "one two".into())?;
//! let before = Snapshot::new(&db);
//! db.text.set(&db, "a.md".into(), "one two three".into())?;
//!
//! let words = pollster::block_on(before.read(|db| db.words.get(db, "a.md".into())))?;
//! assert_eq!(words, 2);
//! assert_eq!(pollster::block_on(db.words.get(&db, "a.md".into()))?, 3);
//! # Ok::<(), std::sync::Arc<picante::PicanteError>>(())
//! ```

use std::any::Any;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use parking_lot::Mutex;

use crate::frame::{ActiveFrame, CaughtPanic, FrameInfo, Framed};
use crate::key::Dep;
use crate::{Durability, HasRuntime, PicanteError, QueryKindId, Revision};

/// The kind of the frame a [`Snapshot::read`] runs its future in (it reads, it is not a
/// query: it never appears in a dependency list or a cycle).
pub(crate) const SNAPSHOT_ROOT: QueryKindId = QueryKindId(u32::MAX);

/// A read-only view of a database at the revision it was taken at (see the module docs).
///
/// Cloning is cheap and shares the view's computed values; the revision stays pinned until
/// the last clone is dropped.
pub struct Snapshot<'db, DB> {
    db: &'db DB,
    state: Arc<SnapshotState>,
}

impl<DB> Clone for Snapshot<'_, DB> {
    fn clone(&self) -> Self {
        Snapshot { db: self.db, state: self.state.clone() }
    }
}

impl<'db, DB: HasRuntime> Snapshot<'db, DB> {
    /// A view of `db` at its current revision.
    pub fn new(db: &'db DB) -> Snapshot<'db, DB> {
        let runtime = db.runtime();
        let revision = runtime.while_no_writes(|revision, _| {
            // Pinned with no write in progress: every write after this one sees the pin and
            // keeps the versions this snapshot may read.
            runtime.pins.pin(revision);
            revision
        });
        let state = Arc::new(SnapshotState {
            revision,
            pins: runtime.pins.clone(),
            overlay: Mutex::new(HashMap::new()),
        });
        Snapshot { db, state }
    }

    /// The revision this snapshot sees.
    pub fn revision(&self) -> Revision {
        self.state.revision
    }

    /// The database this is a view of.
    pub fn db(&self) -> &'db DB {
        self.db
    }

    /// Runs the future `read` makes of the database as of this snapshot's revision: every
    /// input and query it reads (directly or through other queries) is as it was then.
    ///
    /// A panic in the future is propagated to the caller.
    pub fn read<F, Fut>(&self, read: F) -> impl Future<Output = Fut::Output> + 'db
    where
        F: FnOnce(&'db DB) -> Fut,
        Fut: Future + 'db,
    {
        let info = FrameInfo::in_snapshot(SNAPSHOT_ROOT, 0, None, self.state.clone());
        let future = Framed::new(ActiveFrame::new(info, None), Box::pin(read(self.db)));
        async move {
            match future.await {
                (Ok(output), _) => output,
                (Err(CaughtPanic(message)), _) => std::panic::resume_unwind(Box::new(message)),
            }
        }
    }

    /// How many query results this snapshot computed itself (those it could not share with
    /// the database's memos).
    pub fn own_results(&self) -> usize {
        self.state.overlay.lock().len()
    }
}

impl<DB> std::fmt::Debug for Snapshot<'_, DB> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot").field("revision", &self.state.revision).finish()
    }
}

/// What a snapshot's frames carry: its revision and its own results.
pub(crate) struct SnapshotState {
    pub(crate) revision: Revision,
    pins: Arc<Pins>,
    overlay: Mutex<HashMap<Dep, OwnResult>>,
}

/// A query result a snapshot computed (or checked) itself.
pub(crate) struct OwnResult {
    pub(crate) value: Result<Box<dyn Any + Send + Sync>, Arc<PicanteError>>,
    pub(crate) changed_at: Revision,
    pub(crate) durability: Durability,
}

impl SnapshotState {
    /// The result this snapshot holds for `dep`, if any, with `V` cloned out.
    pub(crate) fn own<V: Clone + 'static>(
        &self,
        dep: Dep,
    ) -> Option<(Result<V, Arc<PicanteError>>, Revision, Durability)> {
        let overlay = self.overlay.lock();
        let own = overlay.get(&dep)?;
        let value = match &own.value {
            Ok(value) => Ok(value.downcast_ref::<V>()?.clone()),
            Err(error) => Err(error.clone()),
        };
        Some((value, own.changed_at, own.durability))
    }

    /// Keeps a result (the first one kept for `dep` stays: both were computed from the same
    /// revision).
    pub(crate) fn keep(&self, dep: Dep, result: OwnResult) {
        self.overlay.lock().entry(dep).or_insert(result);
    }
}

impl Drop for SnapshotState {
    fn drop(&mut self) {
        self.pins.unpin(self.revision);
    }
}

/// An ingredient's store of replaced versions, pruned when snapshots go away.
pub(crate) trait PruneHistory: Send + Sync {
    /// Drops every version no revision in `live` can read.
    fn prune(&self, live: &BTreeMap<u64, usize>);
}

/// The revisions live snapshots are pinned at, and the stores that keep versions for them.
#[derive(Default)]
pub(crate) struct Pins {
    /// Live snapshots, for a writer's quick check (under the runtime's write lock).
    count: AtomicUsize,
    inner: Mutex<PinTable>,
}

#[derive(Default)]
struct PinTable {
    /// Revision -> live snapshots pinned at it.
    live: BTreeMap<u64, usize>,
    /// Every store that has kept a version (registered once each).
    stores: Vec<Weak<dyn PruneHistory>>,
}

impl Pins {
    fn pin(&self, revision: Revision) {
        let mut inner = self.inner.lock();
        *inner.live.entry(revision.0).or_insert(0) += 1;
        self.count.fetch_add(1, Ordering::AcqRel);
    }

    fn unpin(&self, revision: Revision) {
        // Pruned under the pin lock, with the pins as they are now: pruning with a copy taken
        // earlier would miss a snapshot pinned since, and drop a version it needs. (Lock
        // order: pins, then a store's; a writer takes a store's lock without holding pins.)
        let mut inner = self.inner.lock();
        if let Some(count) = inner.live.get_mut(&revision.0) {
            *count -= 1;
            if *count == 0 {
                inner.live.remove(&revision.0);
            }
        }
        self.count.fetch_sub(1, Ordering::AcqRel);
        inner.stores.retain(|store| store.strong_count() > 0);
        for store in inner.stores.iter().filter_map(Weak::upgrade) {
            store.prune(&inner.live);
        }
    }

    /// Whether a snapshot is alive (a writer then keeps what it replaces).
    pub(crate) fn any(&self) -> bool {
        self.count.load(Ordering::Acquire) > 0
    }

    /// Registers a store that keeps versions, to be pruned when snapshots are dropped.
    pub(crate) fn register(&self, store: Weak<dyn PruneHistory>) {
        self.inner.lock().stores.push(store);
    }

    /// The live pins, for pruning a store as it grows.
    pub(crate) fn live(&self) -> BTreeMap<u64, usize> {
        self.inner.lock().live.clone()
    }
}

/// Whether a version valid over `[changed_at, replaced_at)` can be read by a live snapshot.
pub(crate) fn readable(live: &BTreeMap<u64, usize>, changed_at: u64, replaced_at: u64) -> bool {
    live.range(changed_at..replaced_at).next().is_some()
}
