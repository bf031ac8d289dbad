//! Revalidation: is a stale memo still valid? ("maybe changed after", in salsa's words.)
//!
//! A memo verified at revision `v` is still valid at `now` if none of its dependencies changed
//! after `v`. For an input dependency that is one load of its `changed_at`. For a derived one,
//! the dependency must itself first be brought up to date (revalidated, or recomputed if its
//! own dependencies changed), and only then is its `changed_at` compared with `v`. Dependencies
//! are checked in the order they were first read, stopping at the first change: the new
//! computation might not read the rest at all.
//!
//! The walk is iterative, with an explicit stack of claimed memos, so verifying a chain of a
//! thousand derived queries uses a thousand stack entries on the heap, not a thousand nested
//! polls on the thread's stack. A memo is recomputed only once all the dependencies it had
//! checked are settled, so its computation's reads of them are plain memo hits.
//!
//! Worked example, chain `q2 -> q1 -> q0 -> input`, input edited:
//!
//! ```text
//! stack [q2]          q2's first dep is q1: stale, claim it, push
//! stack [q2, q1]      q1's first dep is q0: stale, claim it, push
//! stack [q2, q1, q0]  q0's dep is the input: changed after q0.verified_at, so recompute q0
//! stack [q2, q1]      q0 got a new value (changed_at = now > q1.verified_at): recompute q1
//! stack [q2]          same for q2; had q0 come out equal, q1 and q2 would just be re-stamped
//! ```

use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use facet::Facet;

use super::slot::{ClaimGuard, SlotCell, SlotState};
use super::{DerivedIngredient, wait};
use crate::cycle::PathStep;
use crate::frame::FrameInfo;
use crate::ingredient::{DependencyView, IngredientLookup};
use crate::key::{Dep, Deps};
use crate::{BoxFuture, HasRuntime, QueryKindId, Revision};

/// What the walk needs from a derived ingredient, without knowing its key or value types.
pub(crate) trait DerivedDependency<DB: ?Sized>: Send + Sync {
    fn kind(&self) -> QueryKindId;
    fn cell(&self, index: u32) -> Option<&SlotCell>;
    /// Recomputes slot `index` under `owner`'s claim and ends the claim; resolves to the
    /// resulting `changed_at`, or `None` if the computation was superseded.
    fn execute_erased<'a>(
        &'a self,
        db: &'a DB,
        index: u32,
        owner: Arc<FrameInfo>,
        now: Revision,
        previous_deps: Option<Deps>,
    ) -> BoxFuture<'a, Option<Revision>>;
    /// The `changed_at` of slot `index` as `snapshot` sees it (computing it there if need
    /// be; an error counts as a change at the snapshot's revision).
    fn changed_in_snapshot<'a>(
        &'a self,
        db: &'a DB,
        index: u32,
        snapshot: &'a Arc<crate::snapshot::SnapshotState>,
    ) -> BoxFuture<'a, Revision>;
}

impl<DB, K, V> DerivedDependency<DB> for DerivedIngredient<DB, K, V>
where
    DB: HasRuntime + IngredientLookup + Send + Sync + 'static,
    K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
    V: Facet<'static> + Clone + Send + Sync + 'static,
{
    fn kind(&self) -> QueryKindId {
        self.kind
    }

    fn cell(&self, index: u32) -> Option<&SlotCell> {
        self.table.entry(index).map(|e| &e.slot)
    }

    fn execute_erased<'a>(
        &'a self,
        db: &'a DB,
        index: u32,
        owner: Arc<FrameInfo>,
        now: Revision,
        previous_deps: Option<Deps>,
    ) -> BoxFuture<'a, Option<Revision>> {
        Box::pin(async move {
            let (changed_at, _, _) =
                self.execute(db, index, owner, now, previous_deps, false).await?;
            Some(changed_at)
        })
    }

    fn changed_in_snapshot<'a>(
        &'a self,
        db: &'a DB,
        index: u32,
        snapshot: &'a Arc<crate::snapshot::SnapshotState>,
    ) -> BoxFuture<'a, Revision> {
        Box::pin(async move {
            match self.seen_by(db, index, snapshot).await {
                (Ok(_), changed_at, _) => changed_at,
                (Err(_), _, _) => snapshot.revision,
            }
        })
    }
}

/// A claimed memo on the walk's stack.
pub(crate) struct WalkNode<'a, DB: ?Sized> {
    ingredient: &'a dyn DerivedDependency<DB>,
    index: u32,
    claim: ClaimGuard<'a>,
    deps: Deps,
    /// The next dependency to check.
    next: usize,
    verified_at: Revision,
    /// Set when a dependency was found changed: the node must be recomputed.
    stale: bool,
    /// Whether the claim is held under the walk's owner rather than a frame of this node's.
    borrowed_owner: bool,
}

impl<'a, DB: ?Sized> WalkNode<'a, DB> {
    /// A node for a slot just claimed with `claim`, whose previous memo (still in the claim)
    /// was verified at `verified_at` with dependencies `deps`.
    pub(crate) fn new(
        ingredient: &'a dyn DerivedDependency<DB>,
        index: u32,
        claim: ClaimGuard<'a>,
        deps: Deps,
        verified_at: Revision,
    ) -> Self {
        WalkNode {
            ingredient,
            index,
            claim,
            deps,
            next: 0,
            verified_at,
            stale: false,
            borrowed_owner: false,
        }
    }
}

/// The verdict of [`shallow_verify`].
pub(crate) enum Shallow {
    /// No dependency changed after the memo's `verified_at`.
    Valid,
    /// A dependency changed: recompute.
    Changed,
    /// A derived dependency is not current (or is busy): walk.
    Unknown,
}

/// Verifies a memo without claiming anything, when that is possible: when each dependency is
/// an input, an interned value, or a derived memo already current at `now`. Runs under the
/// memo's slot lock; derived dependencies are only `try_lock`ed, so two memos checking each
/// other cannot deadlock. This is the path of a memo that reads inputs directly (revalidation
/// after an unrelated edit, a fan-in over many inputs).
pub(crate) fn shallow_verify<DB>(
    db: &DB,
    deps: &[Dep],
    verified_at: Revision,
    now: Revision,
) -> Shallow
where
    DB: IngredientLookup + ?Sized,
{
    for dep in deps {
        let Some(ingredient) = db.ingredient(dep.kind) else { return Shallow::Changed };
        let changed_at = match ingredient.dependency_view() {
            DependencyView::Interned => continue,
            DependencyView::Input(input) => match input.changed_at(dep.index) {
                Some(changed_at) => changed_at,
                None => return Shallow::Changed,
            },
            DependencyView::Derived(derived) => {
                let Some(cell) = derived.cell(dep.index) else { return Shallow::Changed };
                let Some(state) = cell.try_lock() else { return Shallow::Unknown };
                match &*state {
                    SlotState::Ready(memo) if memo.verified_at >= now => memo.changed.revision(),
                    _ => return Shallow::Unknown,
                }
            }
        };
        if changed_at > now {
            return Shallow::Unknown; // newer than us: let the walk report it
        }
        if changed_at > verified_at {
            return Shallow::Changed;
        }
    }
    Shallow::Valid
}

/// The result of looking at one dependency of the top node. The first five are decided
/// synchronously; the last two need an await, which the walk loop does itself so that the
/// common case builds no future.
enum Check<'a, DB: ?Sized> {
    Unchanged,
    Changed,
    /// A stale derived memo, now claimed: verify it first.
    Descend(WalkNode<'a, DB>),
    /// The dependency is newer than `now`: validity as of `now` cannot be decided.
    Superseded,
    /// Someone else holds the dependency: wait for them, then look again.
    Wait {
        cell: &'a SlotCell,
        requested: PathStep,
        owner: Arc<FrameInfo>,
    },
    /// The dependency was never computed (or failed at an older revision) and is now claimed:
    /// compute it.
    Compute {
        derived: &'a dyn DerivedDependency<DB>,
        index: u32,
        claim: ClaimGuard<'a>,
    },
}

/// The walk met a revision newer than its own; every claim it held has been given back.
pub(crate) struct Superseded;

/// Brings the claimed `root` up to date at `now`: marks it verified or recomputes it, and
/// ends its claim either way. If it meets a revision newer than `now`, it gives back every
/// claim it holds (restoring the memos) and returns `Superseded`.
pub(crate) async fn deep_verify<'a, DB>(
    db: &'a DB,
    now: Revision,
    root: WalkNode<'a, DB>,
) -> Result<(), Superseded>
where
    DB: HasRuntime + IngredientLookup + Send + Sync + ?Sized,
{
    let depth_hint = &db.runtime().walk_depth_hint;
    let mut stack = Vec::with_capacity(depth_hint.load(Ordering::Relaxed));
    stack.push(root);
    while let Some(top) = stack.last_mut() {
        if !top.stale
            && let Some(&dep) = top.deps.get(top.next)
        {
            {
                match check_now(db, now, top, dep) {
                    Check::Unchanged => top.next += 1,
                    Check::Changed => top.stale = true,
                    Check::Descend(node) => {
                        stack.push(node);
                        if stack.len() > depth_hint.load(Ordering::Relaxed) {
                            depth_hint
                                .fetch_max(stack.len().next_power_of_two(), Ordering::Relaxed);
                        }
                    }
                    // Dropping the stack abandons every claim on it.
                    Check::Superseded => return Err(Superseded),
                    Check::Wait { cell, requested, owner } => {
                        let waiter = Some(top.claim.owner().clone());
                        let waited = wait::until_released(db, cell, requested, owner, waiter).await;
                        if waited.is_err() {
                            // Recomputing `top` runs into the same cycle through `get`, which
                            // reports it as the error of the query that closed it.
                            top.stale = true;
                        }
                    }
                    Check::Compute { derived, index, claim } => {
                        let owner = claim.owner().clone();
                        let executed = derived.execute_erased(db, index, owner, now, None).await;
                        claim.disarm();
                        match executed {
                            None => return Err(Superseded),
                            Some(changed_at) if changed_at > now => return Err(Superseded),
                            Some(changed_at) if changed_at > top.verified_at => top.stale = true,
                            Some(_) => top.next += 1,
                        }
                    }
                }
                continue;
            }
        }
        // The top node is settled: every dependency unchanged, or one changed.
        let Some(node) = stack.pop() else { break };
        let changed_at = if node.stale {
            let owner = node.claim.owner().clone();
            // Verification claims share their walk's owner; a recomputation gets a frame of its
            // own, so that its reads and any cycle through it name the right query.
            let mut claim = node.claim;
            let own = if node.borrowed_owner {
                let own = FrameInfo::new(node.ingredient.kind(), node.index, Some(owner), now);
                claim.reown(own.clone());
                own
            } else {
                owner
            };
            let previous_deps = Some(node.deps);
            let executed =
                node.ingredient.execute_erased(db, node.index, own, now, previous_deps).await;
            claim.disarm();
            match executed {
                Some(changed_at) => changed_at,
                None => return Err(Superseded),
            }
        } else {
            // The owner by reference: a verified node costs no reference-count traffic here.
            let changed_at = node.claim.cell().finish_verified(node.claim.owner(), now);
            node.claim.disarm();
            db.runtime().stats.add(crate::runtime::Count::Revalidated);
            changed_at
        };
        if let Some(parent) = stack.last_mut() {
            if changed_at > parent.verified_at {
                parent.stale = true;
            } else {
                parent.next += 1;
            }
        }
    }
    Ok(())
}

/// Looks at dependency `dep` of `top`, claiming it if it needs verifying or computing.
fn check_now<'a, DB>(db: &'a DB, now: Revision, top: &WalkNode<'a, DB>, dep: Dep) -> Check<'a, DB>
where
    DB: HasRuntime + IngredientLookup + Send + Sync + ?Sized,
{
    let changed = |changed_at: Revision| {
        if changed_at > now {
            Check::Superseded
        } else if changed_at > top.verified_at {
            Check::Changed
        } else {
            Check::Unchanged
        }
    };
    let Some(ingredient) = db.ingredient(dep.kind) else {
        // An edge to an unregistered kind cannot be checked; recomputing is always correct.
        return Check::Changed;
    };
    let derived = match ingredient.dependency_view() {
        DependencyView::Interned => return Check::Unchanged,
        DependencyView::Input(input) => {
            return match input.changed_at(dep.index) {
                Some(changed_at) => changed(changed_at),
                None => Check::Changed,
            };
        }
        DependencyView::Derived(derived) => derived,
    };
    let Some(cell) = derived.cell(dep.index) else { return Check::Changed };
    let mut state = cell.lock();
    match &mut *state {
        SlotState::Ready(memo) if memo.verified_at >= now => changed(memo.changed.revision()),
        // Stale, but nothing it could depend on changed since its check: valid in place.
        SlotState::Ready(memo)
            if db.runtime().last_changed(memo.changed.durability()) <= memo.verified_at =>
        {
            memo.verified_at = now;
            db.runtime().stats.add(crate::runtime::Count::DurabilitySkip);
            changed(memo.changed.revision())
        }
        SlotState::Poisoned(poison) if poison.at > now => Check::Superseded,
        SlotState::Poisoned(poison) if poison.at == now => Check::Changed,
        SlotState::Running { owner, .. } => {
            Check::Wait { cell, requested: (derived.kind(), dep.index), owner: owner.clone() }
        }
        stale => {
            let previous = match std::mem::replace(stale, SlotState::Vacant) {
                SlotState::Ready(memo) => Some(memo),
                _ => None,
            };
            match previous {
                Some(memo) => {
                    // Claimed under the walk's owner: no allocation for a mere verification.
                    let (deps, verified_at) = (memo.deps.clone(), memo.verified_at);
                    let owner = top.claim.owner().clone();
                    *stale = SlotState::Running { owner: owner.clone(), previous: Some(memo) };
                    drop(state);
                    let claim = ClaimGuard::new(cell, owner);
                    let mut node = WalkNode::new(derived, dep.index, claim, deps, verified_at);
                    node.borrowed_owner = true;
                    Check::Descend(node)
                }
                None => {
                    let parent = Some(top.claim.owner().clone());
                    let owner = FrameInfo::new(derived.kind(), dep.index, parent, now);
                    *stale = SlotState::Running { owner: owner.clone(), previous: None };
                    drop(state);
                    Check::Compute {
                        derived,
                        index: dep.index,
                        claim: ClaimGuard::new(cell, owner),
                    }
                }
            }
        }
    }
}
