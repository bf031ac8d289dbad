//! Input ingredients: the values the outside world sets.

mod history;

use std::fmt;
use std::hash::Hash;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

use facet::Facet;
use parking_lot::Mutex;

use crate::deep_eq::deep_eq;
use crate::frame::{observe, panic_message, snapshot_revision};
use crate::ingredient::{DependencyView, DynIngredient, render_key, sealed};
use crate::key::Dep;
use crate::snapshot::Pins;
use crate::table::key_table::KeyTable;
use crate::{Durability, HasRuntime, PicanteError, PicanteResult, QueryKindId, Revision};
use history::{History, Version};

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
/// let r1 = text.set(&db, "a.md".to_string(), "# A".to_string())?;
/// assert_eq!(text.get(&db, &"a.md".to_string())?, Some("# A".to_string()));
/// // The same value again changes nothing.
/// assert_eq!(text.set(&db, "a.md".to_string(), "# A".to_string())?, r1);
/// assert_eq!(text.get(&db, &"b.md".to_string())?, None);
/// # Ok::<(), std::sync::Arc<picante::PicanteError>>(())
/// ```
pub struct InputIngredient<K, V> {
    kind: QueryKindId,
    name: &'static str,
    table: KeyTable<K, InputSlot<V>>,
    /// Replaced values that live snapshots may still read.
    history: Arc<History<V>>,
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
    /// The `changed_at` of slot `index` as a snapshot at `revision` sees it.
    fn changed_at_as_of(&self, index: u32, revision: Revision) -> Option<Revision>;
}

impl<K, V> InputIngredient<K, V>
where
    K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
    V: Facet<'static> + Clone + Send + Sync + 'static,
{
    /// An empty input ingredient. `kind` must be unique within the database.
    pub fn new(kind: QueryKindId, name: &'static str) -> Self {
        InputIngredient { kind, name, table: KeyTable::new(), history: Arc::default() }
    }

    /// The ingredient's kind.
    pub fn kind(&self) -> QueryKindId {
        self.kind
    }

    /// The value of `key`, or `None` if it has none. Records a dependency when called from
    /// inside a derived query, also when the key has no value.
    pub fn get<DB: HasRuntime + ?Sized>(&self, db: &DB, key: &K) -> PicanteResult<Option<V>> {
        self.get_with(db, key, |value| value.cloned())
    }

    /// Reads the value of `key` through `read`, under the slot's lock, and records the same
    /// dependency as [`get`](Self::get), without cloning the whole value: `#[picante::input]`'s
    /// field getters clone only their field this way. `read` should only copy out what it
    /// needs, since writers of this key wait while it runs.
    ///
    /// # Examples
    ///
    /// ```
    /// use picante::{HasRuntime, InputIngredient, QueryKindId, Runtime};
    /// struct Db { runtime: Runtime }
    /// impl HasRuntime for Db {
    ///     fn runtime(&self) -> &Runtime { &self.runtime }
    /// }
    /// let db = Db { runtime: Runtime::new() };
    /// let text: InputIngredient<u32, String> = InputIngredient::new(QueryKindId(1), "text");
    /// text.set(&db, 1, "hello".to_string())?;
    /// assert_eq!(text.get_with(&db, &1, |v| v.map(String::len))?, Some(5));
    /// assert_eq!(text.get_with(&db, &2, |v| v.map(String::len))?, None);
    /// # Ok::<(), std::sync::Arc<picante::PicanteError>>(())
    /// ```
    pub fn get_with<DB: HasRuntime + ?Sized, R>(
        &self,
        _db: &DB,
        key: &K,
        read: impl FnOnce(Option<&V>) -> R,
    ) -> PicanteResult<R> {
        let index = self.table.find_or_insert(key, InputSlot::absent);
        let (result, changed_at, durability) = match snapshot_revision() {
            None => {
                let slot = self.slot(index);
                let value = slot.value.lock();
                let changed_at = slot.changed_at.load(Ordering::Acquire);
                let durability = Durability::from_index(slot.durability.load(Ordering::Acquire));
                (read(value.as_ref()), Revision(changed_at), durability)
            }
            Some(revision) => self.read_as_of(index, revision, read),
        };
        observe(Dep { kind: self.kind, index }, changed_at, durability);
        Ok(result)
    }

    /// Slot `index` as a snapshot at `revision` sees it: the current value if it was set by
    /// then, else the version kept for that snapshot.
    fn read_as_of<R>(
        &self,
        index: u32,
        revision: Revision,
        read: impl FnOnce(Option<&V>) -> R,
    ) -> (R, Revision, Durability) {
        let slot = self.slot(index);
        // Under the slot lock, a write has either not happened or kept what it replaced.
        let value = slot.value.lock();
        let changed_at = slot.changed_at.load(Ordering::Acquire);
        if changed_at <= revision.0 {
            let durability = Durability::from_index(slot.durability.load(Ordering::Acquire));
            return (read(value.as_ref()), Revision(changed_at), durability);
        }
        match self
            .history
            .at(index, revision, |v| (read(v.value.as_ref()), Revision(v.changed_at), v.durability))
        {
            Some(version) => version,
            None => unreachable!("picante: a pinned snapshot's input version was not kept"),
        }
    }

    /// Sets `key` to `value` (at [`Durability::Low`]) and returns the current revision
    /// afterwards: a new one if the value changed, the same one if `value` is deep-equal to
    /// the current value.
    ///
    /// # Errors
    ///
    /// [`PicanteError::WritePanic`] when comparing `value` with the current value panicked;
    /// nothing was written.
    pub fn set<DB: HasRuntime + ?Sized>(
        &self,
        db: &DB,
        key: K,
        value: V,
    ) -> PicanteResult<Revision> {
        self.set_with_durability(db, key, value, Durability::Low)
    }

    /// Sets `key` to `value` with `durability`. Changing only the durability is a change too
    /// (memos that counted on the old durability must see it).
    ///
    /// # Errors
    ///
    /// As [`set`](Self::set).
    pub fn set_with_durability<DB: HasRuntime + ?Sized>(
        &self,
        db: &DB,
        key: K,
        value: V,
        durability: Durability,
    ) -> PicanteResult<Revision> {
        let mut batch = InputBatch::new();
        batch.set_with_durability(self, key, value, durability);
        batch.commit(db)
    }

    /// Removes the value of `key`; a new revision only if it had one.
    ///
    /// # Errors
    ///
    /// As [`set`](Self::set).
    pub fn remove<DB: HasRuntime + ?Sized>(&self, db: &DB, key: &K) -> PicanteResult<Revision> {
        let mut batch = InputBatch::new();
        batch.remove(self, key.clone());
        batch.commit(db)
    }

    /// The key of slot `slot` (as [`Event`](crate::Event)s name it), if there is one.
    pub fn key_at(&self, slot: u32) -> Option<K> {
        self.table.entry(slot).map(|entry| entry.key.clone())
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
    /// ones. Returns what it replaced (to put back if the batch fails), or `None` if it wrote
    /// nothing; or the message of a panic in the comparison, having written nothing. Must run
    /// under the runtime's write lock (see `Runtime::write`).
    fn write(
        &self,
        key: &K,
        value: Option<V>,
        durability: Durability,
        revision: Revision,
        pins: &Pins,
    ) -> Result<Option<Box<dyn AppliedWrite + '_>>, String> {
        let index = self.table.find_or_insert(key, InputSlot::absent);
        let slot = self.slot(index);
        let mut current = slot.value.lock();
        let old_durability = Durability::from_index(slot.durability.load(Ordering::Relaxed));
        // Removing keeps the durability: nothing can read a value that is not there.
        let durability = if value.is_none() { old_durability } else { durability };
        if old_durability == durability {
            // A user comparison may panic: caught here, before anything is written.
            let equal = catch_unwind(AssertUnwindSafe(|| deep_eq(&*current, &value)))
                .map_err(panic_message)?;
            if equal {
                return Ok(None);
            }
        }
        let removed = value.is_none();
        let old = std::mem::replace(&mut *current, value);
        let old_changed_at = slot.changed_at.swap(revision.0, Ordering::Release);
        slot.durability.store(durability as u8, Ordering::Release);
        // With snapshots alive, what this replaced moves to the history (still under the slot
        // lock, so a snapshot reading the slot finds it in one place or the other).
        let (old, kept_in) = if pins.any() {
            let version = Version {
                value: old,
                changed_at: old_changed_at,
                durability: old_durability,
                replaced_at: revision.0,
            };
            self.history.keep(pins, index, version);
            (None, Some((&*self.history, revision.0)))
        } else {
            (Some(old), None)
        };
        Ok(Some(Box::new(Applied {
            kind: self.kind,
            index,
            removed,
            slot,
            old,
            kept_in,
            old_changed_at,
            old_durability,
            // Both the memos that counted on the old durability and those that will count on
            // the new one must see this change.
            levels: old_durability.max(durability),
        })))
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
    V: Send + Sync + 'static,
{
    fn changed_at(&self, index: u32) -> Option<Revision> {
        let entry = self.table.entry(index)?;
        Some(Revision(entry.slot.changed_at.load(Ordering::Acquire)))
    }

    fn changed_at_as_of(&self, index: u32, revision: Revision) -> Option<Revision> {
        let entry = self.table.entry(index)?;
        let _value = entry.slot.value.lock();
        let changed_at = entry.slot.changed_at.load(Ordering::Acquire);
        if changed_at <= revision.0 {
            return Some(Revision(changed_at));
        }
        self.history.at(index, revision, |v| Revision(v.changed_at))
    }
}

impl<DB: ?Sized, K, V> sealed::Internals<DB> for InputIngredient<K, V>
where
    K: Send + Sync,
    V: Facet<'static> + Send + Sync,
{
    #[allow(private_interfaces)] // sealed: see `ingredient::sealed`
    fn dependency_view(&self) -> DependencyView<'_, DB> {
        DependencyView::Input(self)
    }

    #[allow(private_interfaces)]
    fn slot_info(&self, index: u32) -> crate::debug::SlotInfo {
        let Some(entry) = self.table.entry(index) else { return crate::debug::SlotInfo::default() };
        let bytes = entry.slot.value.lock().as_ref().map(crate::debug::encoded_len);
        crate::debug::SlotInfo { bytes, deps: None }
    }
}

impl<DB: ?Sized, K, V> DynIngredient<DB> for InputIngredient<K, V>
where
    K: Facet<'static> + Send + Sync,
    V: Facet<'static> + Send + Sync,
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
/// let after = batch.commit(&db)?;
/// assert_eq!(after.0, before.0 + 1);
/// # Ok::<(), std::sync::Arc<picante::PicanteError>>(())
/// ```
#[derive(Default)]
pub struct InputBatch<'a> {
    writes: Vec<Box<dyn PendingWrite<'a> + 'a>>,
}

trait PendingWrite<'a> {
    /// Applies the write stamped `revision`: what it replaced, `None` if it changed nothing,
    /// or the input's name and the message of a panic (having written nothing).
    fn apply(
        self: Box<Self>,
        revision: Revision,
        pins: &Pins,
    ) -> Result<Option<Box<dyn AppliedWrite + 'a>>, (&'static str, String)>;
}

/// A write applied but not yet published.
trait AppliedWrite {
    /// The durability levels whose last change is this write.
    fn levels(&self) -> Durability;
    /// The event announcing it, stamped `revision`.
    fn event(&self, revision: Revision) -> crate::Event;
    /// Puts back what the write replaced (its batch failed).
    fn undo(self: Box<Self>);
}

/// What one write replaced in its slot.
struct Applied<'a, V> {
    kind: QueryKindId,
    index: u32,
    removed: bool,
    slot: &'a InputSlot<V>,
    /// The replaced value, dropped after the batch is published (outside the write lock: a
    /// user `Drop` runs there), or put back by [`undo`](AppliedWrite::undo); `None` when it
    /// went to the history instead.
    old: Option<Option<V>>,
    /// The history that keeps the replaced value for snapshots, and the write's revision.
    kept_in: Option<(&'a History<V>, u64)>,
    old_changed_at: u64,
    old_durability: Durability,
    levels: Durability,
}

impl<V: Send + Sync + 'static> AppliedWrite for Applied<'_, V> {
    fn levels(&self) -> Durability {
        self.levels
    }

    fn event(&self, revision: Revision) -> crate::Event {
        crate::Event::InputChanged {
            kind: self.kind,
            slot: self.index,
            removed: self.removed,
            revision,
        }
    }

    fn undo(mut self: Box<Self>) {
        let old = match (self.old.take(), self.kept_in) {
            (Some(old), _) => old,
            (None, Some((history, revision))) => match history.take_back(self.index, revision) {
                Some(version) => version.value,
                None => return,
            },
            (None, None) => return,
        };
        let written = std::mem::replace(&mut *self.slot.value.lock(), old);
        self.slot.changed_at.store(self.old_changed_at, Ordering::Release);
        self.slot.durability.store(self.old_durability as u8, Ordering::Release);
        // The value that was written goes last: a panicking `Drop` cannot stop the undo.
        let _ = catch_unwind(AssertUnwindSafe(move || drop(written)));
    }
}

struct Write<'a, K, V> {
    input: &'a InputIngredient<K, V>,
    key: K,
    value: Option<V>,
    durability: Durability,
}

impl<'a, K, V> PendingWrite<'a> for Write<'a, K, V>
where
    K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
    V: Facet<'static> + Clone + Send + Sync + 'static,
{
    fn apply(
        self: Box<Self>,
        revision: Revision,
        pins: &Pins,
    ) -> Result<Option<Box<dyn AppliedWrite + 'a>>, (&'static str, String)> {
        let input = self.input;
        input
            .write(&self.key, self.value, self.durability, revision, pins)
            .map_err(|message| (input.name, message))
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
    /// revision afterwards. All or nothing: readers see none of the writes until all are
    /// applied, and if one fails none is kept.
    ///
    /// # Errors
    ///
    /// [`PicanteError::WritePanic`] when comparing a new value with the current one panicked:
    /// the writes applied before it are put back, nothing is published, and the database is
    /// as it was (and usable).
    pub fn commit<DB: HasRuntime + ?Sized>(self, db: &DB) -> PicanteResult<Revision> {
        let runtime = db.runtime();
        let announce = |outcome: &Result<Vec<Box<dyn AppliedWrite + 'a>>, _>, revision| {
            let events = &runtime.events;
            if let (true, Ok(applied)) = (events.active(), outcome) {
                for done in applied {
                    events.emit(done.event(revision));
                }
                events.emit(crate::Event::Revision { revision });
            }
        };
        let (outcome, revision) = runtime.write_announced(
            |next| {
                let mut applied: Vec<Box<dyn AppliedWrite + 'a>> =
                    Vec::with_capacity(self.writes.len());
                for write in self.writes {
                    match write.apply(next, &runtime.pins) {
                        Ok(Some(done)) => applied.push(done),
                        Ok(None) => {}
                        Err(failure) => {
                            // Last first: a key written twice ends with its value from before.
                            for done in applied.into_iter().rev() {
                                done.undo();
                            }
                            return (Err(failure), false);
                        }
                    }
                }
                for done in &applied {
                    runtime.note_change(done.levels(), next);
                }
                let changed = !applied.is_empty();
                (Ok(applied), changed)
            },
            announce,
        );
        match outcome {
            // The replaced values are dropped here, outside the write lock.
            Ok(replaced) => {
                drop(replaced);
                Ok(revision)
            }
            Err((input, message)) => Err(Arc::new(PicanteError::WritePanic { input, message })),
        }
    }
}

impl<K, V> crate::persist::PersistableIngredient for InputIngredient<K, V>
where
    K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
    V: Facet<'static> + Clone + Send + Sync + 'static,
{
}

impl<K, V> crate::persist::sealed::Persist for InputIngredient<K, V>
where
    K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
    V: Facet<'static> + Clone + Send + Sync + 'static,
{
    fn kind(&self) -> QueryKindId {
        self.kind
    }

    fn name(&self) -> &'static str {
        self.name
    }

    #[allow(private_interfaces)]
    fn role(&self) -> crate::persist::Role {
        crate::persist::Role::Input
    }

    fn fingerprint(&self) -> u64 {
        crate::persist::fingerprint::of(&[K::SHAPE, V::SHAPE])
    }

    fn is_empty(&self) -> bool {
        self.table.len() == 0
    }

    #[allow(private_interfaces)]
    fn save(&self, out: &mut crate::persist::bytes::Writer) -> Result<(), String> {
        let entries = self.table.prefix();
        out.count(entries.len());
        for entry in entries {
            out.encoded(&entry.key)?;
            let slot = &entry.slot;
            match &*slot.value.lock() {
                None => out.u8(0),
                Some(value) => {
                    out.u8(1);
                    out.encoded(value)?;
                }
            }
            out.u64(slot.changed_at.load(Ordering::Acquire));
            out.u8(slot.durability.load(Ordering::Acquire));
        }
        Ok(())
    }

    #[allow(private_interfaces)]
    fn decode<'a>(
        &'a self,
        body: &[u8],
        _file: &std::sync::Arc<Vec<u8>>,
        revision: u64,
    ) -> Result<Box<dyn crate::persist::Staged + Send + 'a>, String> {
        use crate::persist::{check_durability, check_revision, decode_value};
        let mut r = crate::persist::bytes::Reader::new(body, "input records");
        // A record is at least a key length, a presence flag, a revision and a durability.
        let count = r.count(4 + 1 + 8 + 1)?;
        let mut entries = Vec::with_capacity(count);
        for _ in 0..count {
            let key: K = decode_value(r.bytes()?)?;
            let value = match r.u8()? {
                0 => None,
                1 => Some(decode_value::<V>(r.bytes()?)?),
                other => return Err(r.error(format!("{other} is not a presence flag"))),
            };
            let changed_at = r.u64()?;
            let changed_at = check_revision(&r, changed_at, revision)?;
            let durability = r.u8()?;
            let durability = check_durability(&r, durability)?;
            entries.push((key, value, changed_at, durability));
        }
        r.finish()?;
        if !crate::persist::distinct(entries.iter().map(|(key, ..)| key)) {
            return Err("a key is listed twice".into());
        }
        Ok(Box::new(StagedInputs { input: self, entries }))
    }
}

/// An input section decoded, ready to go into its empty ingredient.
struct StagedInputs<'a, K, V> {
    input: &'a InputIngredient<K, V>,
    entries: Vec<(K, Option<V>, u64, u8)>,
}

impl<K, V> crate::persist::Staged for StagedInputs<'_, K, V>
where
    K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
    V: Facet<'static> + Clone + Send + Sync + 'static,
{
    fn key_count(&self) -> u32 {
        self.entries.len() as u32
    }

    fn apply(self: Box<Self>, _loaded: &dyn Fn(QueryKindId, u32) -> bool) -> usize {
        self.input.table.reserve(self.entries.len());
        for (key, value, changed_at, durability) in self.entries {
            // Distinct keys (checked by `decode`) into an empty table.
            let index = self.input.table.insert_distinct(key, InputSlot::absent);
            let slot = self.input.slot(index);
            *slot.value.lock() = value;
            slot.changed_at.store(changed_at, Ordering::Release);
            slot.durability.store(durability, Ordering::Release);
        }
        0
    }
}

#[cfg(test)]
mod snapshot_history_tests {
    use super::InputIngredient;
    use crate::{HasRuntime, QueryKindId, Runtime, Snapshot};

    struct Db {
        runtime: Runtime,
        text: InputIngredient<u32, String>,
    }

    impl HasRuntime for Db {
        fn runtime(&self) -> &Runtime {
            &self.runtime
        }
    }

    fn db() -> Db {
        Db { runtime: Runtime::new(), text: InputIngredient::new(QueryKindId(1), "text") }
    }

    #[test]
    fn with_no_snapshot_alive_a_write_keeps_nothing() {
        let db = db();
        for i in 0..10 {
            db.text.set(&db, 0, format!("v{i}")).unwrap();
        }
        assert_eq!(db.text.history.len(), 0);
    }

    #[test]
    fn versions_are_kept_while_a_snapshot_may_read_them_and_freed_with_it() {
        let db = db();
        db.text.set(&db, 0, "a".into()).unwrap();
        let first = Snapshot::new(&db);
        db.text.set(&db, 0, "b".into()).unwrap();
        db.text.set(&db, 1, "new".into()).unwrap();
        let second = Snapshot::new(&db);
        db.text.set(&db, 0, "c".into()).unwrap();
        // "a" for the first, "b" for the second, key 1's absence for the first.
        assert_eq!(db.text.history.len(), 3);
        // A version no snapshot can read is dropped when the key is written again.
        db.text.set(&db, 0, "d".into()).unwrap();
        assert_eq!(db.text.history.len(), 3, "\"c\" was never readable by a snapshot");
        drop(first);
        assert_eq!(db.text.history.len(), 1, "only \"b\", for the second");
        drop(second);
        assert_eq!(db.text.history.len(), 0);
    }
}
