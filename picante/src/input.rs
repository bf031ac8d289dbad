//! Input ingredients: the values the outside world sets.

use std::fmt;
use std::hash::Hash;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use facet::Facet;
use parking_lot::Mutex;

use crate::deep_eq::deep_eq;
use crate::frame::observe;
use crate::ingredient::{DependencyView, DynIngredient, render_key, sealed};
use crate::key::Dep;
use crate::table::key_table::KeyTable;
use crate::{Durability, HasRuntime, PicanteResult, QueryKindId, Revision, Runtime};

/// A keyed table of values set from outside: file contents, configuration, flags.
///
/// Reads from inside a derived query are recorded as its dependencies, including reads of keys
/// that have no value (so that setting the key later invalidates the reader). Setting a value
/// deep-equal to the current one is a no-op: no new revision, nothing invalidated.
///
/// # Examples
///
/// ```
/// use picante::{HasRuntime, InputIngredient, QueryKindId, Runtime};
///
/// struct Db { runtime: Runtime }
/// impl HasRuntime for Db {
///     fn runtime(&self) -> &Runtime { &self.runtime }
/// }
///
/// let db = Db { runtime: Runtime::new() };
/// let text: InputIngredient<String, String> = InputIngredient::new(QueryKindId(1), "text");
/// let r1 = text.set(&db, "a.md".to_string(), "# A".to_string());
/// assert_eq!(text.get(&db, &"a.md".to_string())?, Some("# A".to_string()));
/// // The same value again changes nothing.
/// assert_eq!(text.set(&db, "a.md".to_string(), "# A".to_string()), r1);
/// assert_eq!(text.get(&db, &"b.md".to_string())?, None);
/// # Ok::<(), std::sync::Arc<picante::PicanteError>>(())
/// ```
pub struct InputIngredient<K, V> {
    kind: QueryKindId,
    name: &'static str,
    table: KeyTable<K, InputSlot<V>>,
}

struct InputSlot<V> {
    value: Mutex<Option<V>>,
    /// The revision of the last effective write; 0 for a key read before it was ever set.
    /// Written under the runtime's write lock before the revision is published.
    changed_at: AtomicU64,
    /// The value's [`Durability`], as a `u8`; written like `changed_at`.
    durability: AtomicU8,
}

impl<V> InputSlot<V> {
    fn absent() -> Self {
        InputSlot {
            value: Mutex::new(None),
            changed_at: AtomicU64::new(0),
            durability: AtomicU8::new(Durability::Low as u8),
        }
    }
}

/// Checking an edge to an input: inputs are always current, so only `changed_at` matters.
pub(crate) trait InputDependency: Send + Sync {
    fn changed_at(&self, index: u32) -> Option<Revision>;
}

impl<K, V> InputIngredient<K, V>
where
    K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
    V: Facet<'static> + Clone + Send + Sync + 'static,
{
    /// An empty input ingredient. `kind` must be unique within the database.
    pub fn new(kind: QueryKindId, name: &'static str) -> Self {
        InputIngredient { kind, name, table: KeyTable::new() }
    }

    /// The ingredient's kind.
    pub fn kind(&self) -> QueryKindId {
        self.kind
    }

    /// The value of `key`, or `None` if it has none. Records a dependency when called from
    /// inside a derived query, also when the key has no value.
    pub fn get<DB: HasRuntime + ?Sized>(&self, _db: &DB, key: &K) -> PicanteResult<Option<V>> {
        let index = self.table.find_or_insert(key, InputSlot::absent);
        let slot = self.slot(index);
        let (value, changed_at, durability) = {
            let value = slot.value.lock();
            let changed_at = slot.changed_at.load(Ordering::Acquire);
            (value.clone(), changed_at, slot.durability.load(Ordering::Acquire))
        };
        observe(
            Dep { kind: self.kind, index },
            Revision(changed_at),
            Durability::from_index(durability),
        );
        Ok(value)
    }

    /// Sets `key` to `value` (at [`Durability::Low`]) and returns the current revision
    /// afterwards: a new one if the value changed, the same one if `value` is deep-equal to
    /// the current value.
    pub fn set<DB: HasRuntime + ?Sized>(&self, db: &DB, key: K, value: V) -> Revision {
        self.set_with_durability(db, key, value, Durability::Low)
    }

    /// Sets `key` to `value` with `durability`. Changing only the durability is a change too
    /// (memos that counted on the old durability must see it).
    pub fn set_with_durability<DB: HasRuntime + ?Sized>(
        &self,
        db: &DB,
        key: K,
        value: V,
        durability: Durability,
    ) -> Revision {
        let runtime = db.runtime();
        runtime.write(|next| ((), self.write(runtime, &key, Some(value), durability, next))).1
    }

    /// Removes the value of `key`; a new revision only if it had one.
    pub fn remove<DB: HasRuntime + ?Sized>(&self, db: &DB, key: &K) -> Revision {
        let runtime = db.runtime();
        runtime.write(|next| ((), self.write(runtime, key, None, Durability::Low, next))).1
    }

    /// The keys that currently have a value, in first-seen order.
    ///
    /// This read is not tracked: a query that must react to keys appearing or disappearing
    /// should read an input that holds the list of keys.
    pub fn keys(&self) -> Vec<K> {
        self.table
            .iter()
            .filter(|(_, entry)| entry.slot.value.lock().is_some())
            .map(|(_, entry)| entry.key.clone())
            .collect()
    }

    /// Writes `value` with `durability`, stamped `revision`, unless both equal the current
    /// ones; returns whether it wrote. Must run under the runtime's write lock (see
    /// `Runtime::write`).
    fn write(
        &self,
        runtime: &Runtime,
        key: &K,
        value: Option<V>,
        durability: Durability,
        revision: Revision,
    ) -> bool {
        let index = self.table.find_or_insert(key, InputSlot::absent);
        let slot = self.slot(index);
        let mut current = slot.value.lock();
        let old_durability = Durability::from_index(slot.durability.load(Ordering::Relaxed));
        // Removing keeps the durability: nothing can read a value that is not there.
        let durability = if value.is_none() { old_durability } else { durability };
        if old_durability == durability && deep_eq(&*current, &value) {
            return false;
        }
        *current = value;
        slot.changed_at.store(revision.0, Ordering::Release);
        slot.durability.store(durability as u8, Ordering::Release);
        // Both the memos that counted on the old durability and those that will count on the
        // new one must see this change.
        runtime.note_change(old_durability.max(durability), revision);
        true
    }

    #[inline]
    fn slot(&self, index: u32) -> &InputSlot<V> {
        match self.table.entry(index) {
            Some(entry) => &entry.slot,
            None => unreachable!("picante: input slot {index} handed out but missing"),
        }
    }
}

impl<K, V> InputDependency for InputIngredient<K, V>
where
    K: Send + Sync,
    V: Send + Sync,
{
    fn changed_at(&self, index: u32) -> Option<Revision> {
        let entry = self.table.entry(index)?;
        Some(Revision(entry.slot.changed_at.load(Ordering::Acquire)))
    }
}

impl<DB: ?Sized, K, V> sealed::Internals<DB> for InputIngredient<K, V>
where
    K: Send + Sync,
    V: Send + Sync,
{
    #[allow(private_interfaces)] // sealed: see `ingredient::sealed`
    fn dependency_view(&self) -> DependencyView<'_, DB> {
        DependencyView::Input(self)
    }
}

impl<DB: ?Sized, K, V> DynIngredient<DB> for InputIngredient<K, V>
where
    K: Facet<'static> + Send + Sync,
    V: Send + Sync,
{
    fn kind(&self) -> QueryKindId {
        self.kind
    }

    fn name(&self) -> &'static str {
        self.name
    }

    fn key_count(&self) -> usize {
        self.table.len()
    }

    fn debug_key(&self, index: u32) -> Option<String> {
        self.table.entry(index).map(|e| render_key(&e.key))
    }
}

impl<K, V> fmt::Debug for InputIngredient<K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InputIngredient")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("keys", &self.table.len())
            .finish()
    }
}

/// A group of input writes applied under a single new revision.
///
/// Readers never observe part of a batch: the revision is published only after every write is
/// in place. Writes of values deep-equal to the current ones are skipped; if all are, the
/// revision does not move.
///
/// # Examples
///
/// ```
/// use picante::{HasRuntime, InputBatch, InputIngredient, QueryKindId, Runtime};
/// struct Db { runtime: Runtime }
/// impl HasRuntime for Db {
///     fn runtime(&self) -> &Runtime { &self.runtime }
/// }
/// let db = Db { runtime: Runtime::new() };
/// let text: InputIngredient<u32, String> = InputIngredient::new(QueryKindId(1), "text");
/// let before = db.runtime().current_revision();
/// let mut batch = InputBatch::new();
/// for i in 0..100 {
///     batch.set(&text, i, format!("file {i}"));
/// }
/// let after = batch.commit(&db);
/// assert_eq!(after.0, before.0 + 1);
/// ```
#[derive(Default)]
pub struct InputBatch<'a> {
    writes: Vec<Box<dyn PendingWrite + 'a>>,
}

trait PendingWrite {
    /// Applies the write stamped `revision`; returns whether it changed anything.
    fn apply(self: Box<Self>, runtime: &Runtime, revision: Revision) -> bool;
}

struct Write<'a, K, V> {
    input: &'a InputIngredient<K, V>,
    key: K,
    value: Option<V>,
    durability: Durability,
}

impl<K, V> PendingWrite for Write<'_, K, V>
where
    K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
    V: Facet<'static> + Clone + Send + Sync + 'static,
{
    fn apply(self: Box<Self>, runtime: &Runtime, revision: Revision) -> bool {
        self.input.write(runtime, &self.key, self.value, self.durability, revision)
    }
}

impl<'a> InputBatch<'a> {
    /// An empty batch.
    pub fn new() -> Self {
        InputBatch { writes: Vec::new() }
    }

    /// Queues `input[key] = value` (at [`Durability::Low`]).
    pub fn set<K, V>(&mut self, input: &'a InputIngredient<K, V>, key: K, value: V) -> &mut Self
    where
        K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
        V: Facet<'static> + Clone + Send + Sync + 'static,
    {
        self.set_with_durability(input, key, value, Durability::Low)
    }

    /// Queues `input[key] = value` with `durability`.
    pub fn set_with_durability<K, V>(
        &mut self,
        input: &'a InputIngredient<K, V>,
        key: K,
        value: V,
        durability: Durability,
    ) -> &mut Self
    where
        K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
        V: Facet<'static> + Clone + Send + Sync + 'static,
    {
        self.writes.push(Box::new(Write { input, key, value: Some(value), durability }));
        self
    }

    /// Queues the removal of `input[key]`.
    pub fn remove<K, V>(&mut self, input: &'a InputIngredient<K, V>, key: K) -> &mut Self
    where
        K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
        V: Facet<'static> + Clone + Send + Sync + 'static,
    {
        self.writes.push(Box::new(Write { input, key, value: None, durability: Durability::Low }));
        self
    }

    /// Number of queued writes.
    pub fn len(&self) -> usize {
        self.writes.len()
    }

    /// Whether no write is queued.
    pub fn is_empty(&self) -> bool {
        self.writes.is_empty()
    }

    /// Applies every queued write (in order) under one revision and returns the current
    /// revision afterwards.
    pub fn commit<DB: HasRuntime + ?Sized>(self, db: &DB) -> Revision {
        let runtime = db.runtime();
        runtime
            .write(|next| {
                let mut changed = false;
                for write in self.writes {
                    changed |= write.apply(runtime, next);
                }
                ((), changed)
            })
            .1
    }
}
