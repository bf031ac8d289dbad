//! Input ingredients: the values the outside world sets.

use std::fmt;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};

use facet::Facet;
use parking_lot::Mutex;

use crate::deep_eq::deep_eq;
use crate::frame::observe;
use crate::ingredient::{DependencyView, DynIngredient, sealed};
use crate::key::Dep;
use crate::table::key_table::KeyTable;
use crate::{HasRuntime, PicanteResult, QueryKindId, Revision};

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
}

impl<V> InputSlot<V> {
    fn absent() -> Self {
        InputSlot { value: Mutex::new(None), changed_at: AtomicU64::new(0) }
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
        let (value, changed_at) = {
            let value = slot.value.lock();
            (value.clone(), slot.changed_at.load(Ordering::Acquire))
        };
        observe(Dep { kind: self.kind, index }, Revision(changed_at));
        Ok(value)
    }

    /// Sets `key` to `value` and returns the current revision afterwards: a new one if the
    /// value changed, the same one if `value` is deep-equal to the current value.
    pub fn set<DB: HasRuntime + ?Sized>(&self, db: &DB, key: K, value: V) -> Revision {
        db.runtime().write(|next| ((), self.write(&key, Some(value), next))).1
    }

    /// Removes the value of `key`; a new revision only if it had one.
    pub fn remove<DB: HasRuntime + ?Sized>(&self, db: &DB, key: &K) -> Revision {
        db.runtime().write(|next| ((), self.write(key, None, next))).1
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

    /// Writes `value` stamped `revision` unless it equals the current value; returns whether
    /// it wrote. Must run under the runtime's write lock (see `Runtime::write`).
    fn write(&self, key: &K, value: Option<V>, revision: Revision) -> bool {
        let index = self.table.find_or_insert(key, InputSlot::absent);
        let slot = self.slot(index);
        let mut current = slot.value.lock();
        if deep_eq(&*current, &value) {
            return false;
        }
        *current = value;
        slot.changed_at.store(revision.0, Ordering::Release);
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
        self.table.entry(index).map(|e| format!("{:?}", facet::Peek::new(&e.key)))
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
    fn apply(self: Box<Self>, revision: Revision) -> bool;
}

struct Write<'a, K, V> {
    input: &'a InputIngredient<K, V>,
    key: K,
    value: Option<V>,
}

impl<K, V> PendingWrite for Write<'_, K, V>
where
    K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
    V: Facet<'static> + Clone + Send + Sync + 'static,
{
    fn apply(self: Box<Self>, revision: Revision) -> bool {
        self.input.write(&self.key, self.value, revision)
    }
}

impl<'a> InputBatch<'a> {
    /// An empty batch.
    pub fn new() -> Self {
        InputBatch { writes: Vec::new() }
    }

    /// Queues `input[key] = value`.
    pub fn set<K, V>(&mut self, input: &'a InputIngredient<K, V>, key: K, value: V) -> &mut Self
    where
        K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
        V: Facet<'static> + Clone + Send + Sync + 'static,
    {
        self.writes.push(Box::new(Write { input, key, value: Some(value) }));
        self
    }

    /// Queues the removal of `input[key]`.
    pub fn remove<K, V>(&mut self, input: &'a InputIngredient<K, V>, key: K) -> &mut Self
    where
        K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
        V: Facet<'static> + Clone + Send + Sync + 'static,
    {
        self.writes.push(Box::new(Write { input, key, value: None }));
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
        db.runtime()
            .write(|next| {
                let mut changed = false;
                for write in self.writes {
                    changed |= write.apply(next);
                }
                ((), changed)
            })
            .1
    }
}
