//! Derived ingredients: memoized async functions of other queries.
//!
//! The phases of a derived read are split by file, as salsa splits `function/`:
//!
//! - `mod.rs` (this file): the typed ingredient and `get`, the fast path plus the claim loop.
//! - `slot.rs`: slot states and the claim protocol (`Vacant`/`Running`/`Ready`/`Poisoned`).
//! - `execute.rs`: running the compute function in its frame, then backdating (early cutoff).
//! - `verify.rs`: deciding whether a stale memo is still valid, without recursion.
//! - `wait.rs`: waiting on another query's claim, with cycle detection.
//!
//! Only `mod.rs` and `execute.rs` know the key and value types. The state machine in
//! `slot.rs`, `verify.rs` and `wait.rs` is compiled once per database type: it sees values as
//! `Box<dyn Any>`, keys as slot indices and the compute function through
//! [`DerivedDependency`].

mod answer;
mod execute;
mod persist;
mod slot;
mod slot_lock;
mod snapshot;
mod verify;
mod wait;

use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use facet::Facet;

use crate::cycle::PathStep;
use crate::frame::{self, FrameInfo, current_info, observe};
use crate::ingredient::{DependencyView, DynIngredient, IngredientLookup, render_key, sealed};
use crate::key::{Dep, Deps};
use crate::table::key_table::KeyTable;
use crate::{
    BoxFuture, Durability, HasRuntime, PicanteError, PicanteResult, QueryKindId, QueryLabel,
    Revision,
};

use answer::{Answer, ChangedSince, WholeValue};
use slot::{ClaimGuard, Memo, SlotState};
pub(crate) use slot::{REVISION_LIMIT, SlotCell};
pub(crate) use verify::DerivedDependency;
use verify::Shallow;

/// The compute function of a derived ingredient, type-erased once.
type ComputeFn<DB, K, V> =
    dyn for<'db> Fn(&'db DB, K) -> BoxFuture<'db, PicanteResult<V>> + Send + Sync;

/// A memoized async function `K -> V` of other queries.
///
/// `get` returns the memo if it is current, revalidates it if an input changed since (walking
/// its recorded dependencies, recomputing only what changed), and otherwise runs the compute
/// function once, however many threads ask at the same time. Reads made by the computation
/// are recorded as its dependencies.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use picante::{
///     DerivedIngredient, DynIngredient, HasRuntime, IngredientLookup, IngredientRegistry,
///     InputIngredient, QueryKindId, Runtime,
/// };
///
/// struct Db {
///     runtime: Runtime,
///     registry: IngredientRegistry<Db>,
///     text: Arc<InputIngredient<String, String>>,
///     words: Arc<DerivedIngredient<Db, String, usize>>,
/// }
/// impl HasRuntime for Db {
///     fn runtime(&self) -> &Runtime { &self.runtime }
/// }
/// impl IngredientLookup for Db {
///     fn ingredient(&self, kind: QueryKindId) -> Option<&dyn DynIngredient<Self>> {
///         self.registry.ingredient(kind)
///     }
/// }
///
/// let text = Arc::new(InputIngredient::new(QueryKindId(1), "text"));
/// let words = Arc::new(DerivedIngredient::new(QueryKindId(2), "words", |db: &Db, path: String| {
///     Box::pin(async move {
///         let text = db.text.get(db, &path)?.unwrap_or_default();
///         Ok(text.split_whitespace().count())
///     })
/// }));
/// let mut registry = IngredientRegistry::new();
/// registry.register(text.clone());
/// registry.register(words.clone());
/// let db = Db { runtime: Runtime::new(), registry, text, words };
///
/// db.text.set(&db, "a.md".into(), "one two three".into())?;
/// assert_eq!(pollster::block_on(db.words.get(&db, "a.md".into()))?, 3);
/// db.text.set(&db, "a.md".into(), "one two".into())?;
/// assert_eq!(pollster::block_on(db.words.get(&db, "a.md".into()))?, 2);
/// # Ok::<(), std::sync::Arc<picante::PicanteError>>(())
/// ```
pub struct DerivedIngredient<DB, K, V> {
    kind: QueryKindId,
    name: &'static str,
    table: KeyTable<K, SlotCell>,
    compute: Box<ComputeFn<DB, K, V>>,
    /// Whether `save_cache` writes the memos' values (see `without_saved_values`).
    save_values: bool,
}

/// What the claim loop decided under the slot lock.
enum Next {
    Wait(Arc<FrameInfo>),
    /// Walk the dependencies (of the memo verified at the revision given).
    Verify(Arc<FrameInfo>, Deps, Revision),
    /// Compute (the previous run's dependencies, if any, help record the new ones).
    Execute(Arc<FrameInfo>, Option<Deps>),
}

impl<DB, K, V> DerivedIngredient<DB, K, V>
where
    DB: HasRuntime + IngredientLookup + Send + Sync + 'static,
    K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
    V: Facet<'static> + Clone + Send + Sync + 'static,
{
    /// A derived ingredient computing with `compute`. `kind` must be unique within the
    /// database; register the ingredient so that revalidation can reach it.
    pub fn new<F>(kind: QueryKindId, name: &'static str, compute: F) -> Self
    where
        F: for<'db> Fn(&'db DB, K) -> BoxFuture<'db, PicanteResult<V>> + Send + Sync + 'static,
    {
        DerivedIngredient {
            kind,
            name,
            table: KeyTable::new(),
            compute: Box::new(compute),
            save_values: true,
        }
    }

    /// Makes [`save_cache`](crate::persist::save_cache) save this ingredient's memos without
    /// their values: their revisions and dependencies only. After a load such a memo is
    /// revalidated as any other, and [`get_if_changed`](Self::get_if_changed) answers from it;
    /// reading its value computes it again (a change, for whoever reads it). For values that
    /// are large, kept elsewhere anyway (a page's HTML, written to its output file) and only
    /// needed when they change.
    pub fn without_saved_values(mut self) -> Self {
        self.save_values = false;
        self
    }

    /// The ingredient's kind.
    pub fn kind(&self) -> QueryKindId {
        self.kind
    }

    /// The key of slot `slot` (as [`Event`](crate::Event)s name it), if there is one.
    pub fn key_at(&self, slot: u32) -> Option<K> {
        self.table.entry(slot).map(|entry| entry.key.clone())
    }

    /// The value for `key` at the current revision, computing or revalidating it as needed.
    ///
    /// Called from inside another derived query, records `key` as its dependency.
    ///
    /// # Errors
    ///
    /// The computation's own error, a caught panic ([`PicanteError::Panic`]), or
    /// [`PicanteError::Cycle`] if the computation needs its own result. Errors are cached for
    /// the revision (every caller gets the same one) and retried at a later revision.
    pub async fn get(&self, db: &DB, key: K) -> PicanteResult<V> {
        let index = self.table.find_or_insert(&key, SlotCell::default);
        // The memo hit, synchronously: no await point, one lock, one thread-local access.
        if let Some(hit) = self.try_hit(db, index, WholeValue) {
            return hit;
        }
        self.get_slow(db, index, WholeValue).await
    }

    /// [`get`](Self::get) by a borrowed key (`&str` for a `String` key): the key is copied
    /// only the first time it is asked for, so a caller that asks for many keys it already
    /// holds (a build walking every page) allocates nothing on a memo hit.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    pub async fn get_ref<Q>(&self, db: &DB, key: &Q) -> PicanteResult<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let index = self.table.find_or_insert_with(key, || key.to_owned(), SlotCell::default);
        if let Some(hit) = self.try_hit(db, index, WholeValue) {
            return hit;
        }
        self.get_slow(db, index, WholeValue).await
    }

    /// The value for `key` if it changed after revision `since`, else `None`: brought up to
    /// date exactly as [`get`](Self::get) would (and recorded as a dependency the same way),
    /// but a value that did not change is neither cloned nor, after a
    /// [`load_cache`](crate::persist::load_cache), decoded. A build that wrote every output
    /// at revision `R` asks this with `since = R` to find the outputs to write again.
    ///
    /// # Errors
    ///
    /// As [`get`](Self::get).
    pub async fn get_if_changed<Q>(
        &self,
        db: &DB,
        key: &Q,
        since: Revision,
    ) -> PicanteResult<Option<V>>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let index = self.table.find_or_insert_with(key, || key.to_owned(), SlotCell::default);
        let answer = ChangedSince(since);
        if let Some(hit) = self.try_hit(db, index, answer) {
            return hit;
        }
        self.get_slow(db, index, answer).await
    }

    /// The current memo (or cached error) of slot `index`, if there is one, including a stale
    /// memo that can be revalidated in place (by durability, or by a shallow check of its
    /// dependencies): all under one lock, without a claim.
    #[inline(always)]
    fn try_hit<A: Answer<V>>(
        &self,
        db: &DB,
        index: u32,
        answer: A,
    ) -> Option<PicanteResult<A::Out>> {
        let cell = self.cell(index);
        let frame = frame::top();
        // SAFETY: `frame` comes from `top()` in this poll, and nothing below awaits.
        if unsafe { frame::in_snapshot(frame) } {
            return None;
        }
        // SAFETY: as above.
        let now = unsafe { frame::revision_of(frame, || db.runtime().current_revision()) };
        let (result, changed_at, durability) = {
            let mut state = cell.lock();
            match &mut *state {
                SlotState::Ready(memo) if memo.verified_at >= now => {
                    // A value that does not decode is left to `get_slow`, which drops it.
                    let value = answer.read_memo(memo)?;
                    (Ok(value), memo.changed.revision(), memo.changed.durability())
                }
                SlotState::Poisoned(poison) if poison.at >= now => {
                    (Err(poison.error.clone()), poison.at, Durability::Low)
                }
                // Stale: revalidate in place if no claim is needed (out of line).
                SlotState::Ready(memo) => stale_hit::<DB, V, A>(db, memo, now, answer)?,
                _ => return None,
            }
        };
        let dep = Dep { kind: self.kind, index };
        // SAFETY: as above.
        unsafe { frame::note_in(frame, dep, changed_at, durability) };
        Some(result)
    }

    /// Everything but a memo hit: revalidate, compute, or wait for whoever does.
    async fn get_slow<A: Answer<V>>(
        &self,
        db: &DB,
        index: u32,
        answer: A,
    ) -> PicanteResult<A::Out> {
        if let Some(snapshot) = frame::current_snapshot() {
            return self.get_in_snapshot(db, index, snapshot, answer).await;
        }
        let cell = self.cell(index);
        let dep = Dep { kind: self.kind, index };
        loop {
            // Inside a computation, read as of its revision; at top level, as of the latest.
            let now = frame::current_revision().unwrap_or_else(|| db.runtime().current_revision());
            let next = {
                let mut state = cell.lock();
                match &mut *state {
                    SlotState::Ready(memo) if memo.verified_at >= now => {
                        // Only what the answer needs is decoded: a saved value that does not
                        // decode is forgotten then, and computed again.
                        let Some(value) = answer.read_memo(memo) else {
                            *state = SlotState::Vacant;
                            continue;
                        };
                        let (changed_at, durability) =
                            (memo.changed.revision(), memo.changed.durability());
                        drop(state);
                        observe(dep, changed_at, durability);
                        return Ok(value);
                    }
                    SlotState::Poisoned(poison) if poison.at >= now => {
                        let (error, at) = (poison.error.clone(), poison.at);
                        drop(state);
                        observe(dep, at, Durability::Low);
                        return Err(error);
                    }
                    SlotState::Running { owner, .. } => Next::Wait(owner.clone()),
                    stale => {
                        // A stale memo whose dependencies can be checked in place needs no claim.
                        let mut verdict = Shallow::Changed;
                        if let SlotState::Ready(memo) = stale {
                            let runtime = db.runtime();
                            verdict = if runtime.last_changed(memo.changed.durability())
                                <= memo.verified_at
                            {
                                // Nothing this memo could depend on changed since its check.
                                runtime.stats.add(crate::runtime::Count::DurabilitySkip);
                                Shallow::Valid
                            } else {
                                let verdict =
                                    verify::shallow_verify(db, &memo.deps, memo.verified_at, now);
                                if let Shallow::Valid = verdict {
                                    runtime.stats.add(crate::runtime::Count::Revalidated);
                                }
                                verdict
                            };
                            if let Shallow::Valid = verdict {
                                memo.verified_at = now;
                                let Some(value) = answer.read_memo(memo) else {
                                    *stale = SlotState::Vacant;
                                    continue;
                                };
                                let (changed_at, durability) =
                                    (memo.changed.revision(), memo.changed.durability());
                                drop(state);
                                observe(dep, changed_at, durability);
                                return Ok(value);
                            }
                        }
                        let owner = FrameInfo::new(self.kind, index, current_info(), now);
                        let previous = match std::mem::replace(stale, SlotState::Vacant) {
                            SlotState::Ready(memo) => Some(memo),
                            _ => None,
                        };
                        let next = match (&previous, verdict) {
                            (Some(memo), Shallow::Unknown) => {
                                Next::Verify(owner.clone(), memo.deps.clone(), memo.verified_at)
                            }
                            (previous, _) => Next::Execute(
                                owner.clone(),
                                previous.as_ref().map(|m| m.deps.clone()),
                            ),
                        };
                        *stale = SlotState::Running { owner, previous };
                        next
                    }
                }
            };
            let settled = match next {
                Next::Wait(owner) => {
                    let requested = (self.kind, index);
                    match wait::until_released(db, cell, requested, owner, current_info()).await {
                        Ok(()) => true,
                        Err(path) => {
                            observe(dep, now, Durability::Low);
                            return Err(cycle_error(db, path));
                        }
                    }
                }
                Next::Verify(owner, deps, verified_at) => {
                    let claim = ClaimGuard::new(cell, owner);
                    let root = verify::WalkNode::new(self, index, claim, deps, verified_at);
                    verify::deep_verify(db, now, root).await.is_ok()
                }
                Next::Execute(owner, previous_deps) => {
                    let claim = ClaimGuard::new(cell, owner.clone());
                    let executed = self.execute(db, index, owner, now, previous_deps, true).await;
                    claim.disarm();
                    if let Some((changed_at, durability, Some(result))) = executed {
                        observe(dep, changed_at, durability);
                        return result.map(|value| answer.read_computed(value, changed_at));
                    }
                    false
                }
            };
            if !settled && frame::current_revision().is_some() {
                // Superseded: this computation saw a newer revision. Unwind to the outermost
                // `get`, which reruns everything at the newer revision.
                frame::mark_superseded();
                return Err(Arc::new(PicanteError::Superseded));
            }
            // Settled (or superseded at top level): look at the slot again.
        }
    }

    #[inline]
    fn cell(&self, index: u32) -> &SlotCell {
        match self.table.entry(index) {
            Some(entry) => &entry.slot,
            None => unreachable!("picante: derived slot {index} handed out but missing"),
        }
    }

    fn label(&self, index: u32) -> QueryLabel {
        QueryLabel {
            kind: self.kind,
            name: self.name,
            key: DynIngredient::<DB>::debug_key(self, index).unwrap_or_default(),
        }
    }
}

/// A hit on a stale memo that can be revalidated in place (see [`revalidate_in_place`]).
#[inline(never)]
fn stale_hit<DB, V, A>(
    db: &DB,
    memo: &mut slot::Memo,
    now: Revision,
    answer: A,
) -> Option<(PicanteResult<A::Out>, Revision, Durability)>
where
    DB: HasRuntime + IngredientLookup + ?Sized,
    V: Facet<'static> + Clone + Send + Sync + 'static,
    A: Answer<V>,
{
    if !revalidate_in_place(db, memo, now) {
        return None;
    }
    let value = answer.read_memo(memo)?;
    Some((Ok(value), memo.changed.revision(), memo.changed.durability()))
}

/// Marks a stale memo verified at `now` if that needs no claim: nothing of its durability or
/// higher changed since its check, or (shallowly) none of its dependencies did.
#[inline]
fn revalidate_in_place<DB>(db: &DB, memo: &mut slot::Memo, now: Revision) -> bool
where
    DB: HasRuntime + IngredientLookup + ?Sized,
{
    let runtime = db.runtime();
    if runtime.last_changed(memo.changed.durability()) <= memo.verified_at {
        runtime.stats.add(crate::runtime::Count::DurabilitySkip);
    } else if let Shallow::Valid = verify::shallow_verify(db, &memo.deps, memo.verified_at, now) {
        runtime.stats.add(crate::runtime::Count::Revalidated);
    } else {
        return false;
    }
    memo.verified_at = now;
    true
}

/// The value of a ready memo of this ingredient, decoded first if it is still the bytes a
/// cache file held; `None` if those bytes do not decode (see [`forget_undecodable`]).
#[inline(always)]
fn value_of<V: Facet<'static> + Send + Sync + 'static>(memo: &mut Memo) -> Option<&V> {
    if memo.changed.is_saved() {
        return decode_saved::<V>(memo);
    }
    // SAFETY: memos of a `DerivedIngredient<_, _, V>` hold a `V` unless they are saved bytes.
    Some(unsafe { downcast_unchecked::<V>(&*memo.value) })
}

#[cold]
#[inline(never)]
fn decode_saved<V: Facet<'static> + Send + Sync + 'static>(memo: &mut Memo) -> Option<&V> {
    let Some(slot::Encoded::Bytes(bytes, _)) = memo.encoded() else { return None };
    let value: V = crate::persist::decode_value(bytes).ok()?;
    memo.set_decoded(Box::new(value));
    Some(downcast::<V>(&*memo.value))
}

/// Decodes a loaded memo's value, or, if its bytes do not decode (which the file's checksum
/// and type fingerprints should make impossible), forgets the memo: the slot is computed
/// again and its readers see a change. A wrong value is never served; a lost memo only costs
/// a computation.
#[inline(always)]
fn forget_undecodable<V: Facet<'static> + Send + Sync + 'static>(state: &mut SlotState) {
    if let SlotState::Ready(memo) = state
        && memo.changed.is_saved()
        && decode_saved::<V>(memo).is_none()
    {
        *state = SlotState::Vacant;
    }
}

/// The value of a memo of this ingredient. Each ingredient stores only its own `V`, so the
/// downcast cannot fail; if it ever did, that is a bug in this crate, not in user code.
#[inline]
fn downcast<V: 'static>(value: &(dyn std::any::Any + Send + Sync)) -> &V {
    match value.downcast_ref::<V>() {
        Some(v) => v,
        None => unreachable!("picante: memo holds a value of another type"),
    }
}

/// [`downcast`] without the check (a virtual `type_id` call) on the memo-hit path.
///
/// # Safety
///
/// `value` must be a `V`. Memos of a `DerivedIngredient<_, _, V>` are only ever created from a
/// `V` (in `execute`), so any memo value of that ingredient qualifies; debug builds check.
#[inline]
unsafe fn downcast_unchecked<V: 'static>(value: &(dyn std::any::Any + Send + Sync)) -> &V {
    debug_assert!(value.is::<V>(), "picante: memo holds a value of another type");
    // SAFETY: the caller guarantees the pointee is a `V`; the data pointer of a `&dyn Any`
    // points at it.
    unsafe { &*(value as *const (dyn std::any::Any + Send + Sync) as *const V) }
}

/// Renders a cycle path found by the wait graph.
pub(crate) fn cycle_error<DB>(db: &DB, path: Vec<PathStep>) -> Arc<PicanteError>
where
    DB: IngredientLookup + ?Sized,
{
    let path = path
        .into_iter()
        .map(|(kind, index)| match db.ingredient(kind) {
            Some(ingredient) => QueryLabel {
                kind,
                name: ingredient.name(),
                key: ingredient.debug_key(index).unwrap_or_default(),
            },
            None => QueryLabel { kind, name: "?", key: index.to_string() },
        })
        .collect();
    Arc::new(PicanteError::Cycle { path })
}

impl<DB, K, V> sealed::Internals<DB> for DerivedIngredient<DB, K, V>
where
    DB: HasRuntime + IngredientLookup + Send + Sync + 'static,
    K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
    V: Facet<'static> + Clone + Send + Sync + 'static,
{
    #[allow(private_interfaces)] // sealed: see `ingredient::sealed`
    fn dependency_view(&self) -> DependencyView<'_, DB> {
        DependencyView::Derived(self)
    }

    #[allow(private_interfaces)]
    fn slot_info(&self, index: u32) -> crate::debug::SlotInfo {
        let Some(entry) = self.table.entry(index) else { return crate::debug::SlotInfo::default() };
        match &*entry.slot.lock() {
            SlotState::Ready(memo) => crate::debug::SlotInfo {
                bytes: Some(match memo.encoded() {
                    Some(slot::Encoded::Bytes(saved, _)) => saved.len(),
                    Some(slot::Encoded::Absent) => 0,
                    None => crate::debug::encoded_len(downcast::<V>(&*memo.value)),
                }),
                deps: Some(memo.deps.iter().map(|dep| (dep.kind, dep.index)).collect()),
            },
            _ => crate::debug::SlotInfo::default(),
        }
    }

    fn each_dependency_verified_since(&self, at: Revision, each: &mut dyn FnMut(QueryKindId, u32)) {
        for (_, entry) in self.table.iter() {
            if let SlotState::Ready(memo) = &*entry.slot.lock()
                && memo.verified_at >= at
            {
                for dep in memo.deps.iter() {
                    each(dep.kind, dep.index);
                }
            }
        }
    }
}

impl<DB, K, V> DynIngredient<DB> for DerivedIngredient<DB, K, V>
where
    DB: HasRuntime + IngredientLookup + Send + Sync + 'static,
    K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
    V: Facet<'static> + Clone + Send + Sync + 'static,
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

impl<DB, K, V> fmt::Debug for DerivedIngredient<DB, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DerivedIngredient")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("keys", &self.table.len())
            .finish()
    }
}
