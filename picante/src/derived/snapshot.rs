//! A derived query read through a [`Snapshot`](crate::Snapshot) (see `crate::snapshot`):
//! the snapshot's own result if it has one; else a shared memo whose value holds at the
//! snapshot's revision, checked read-only when it was verified before it; else computed at
//! that revision into the snapshot's own results. Nothing here writes a shared slot or takes
//! a claim.

use std::hash::Hash;
use std::sync::Arc;

use facet::Facet;

use super::answer::Answer;
use super::slot::{Memo, SlotState};
use super::{DerivedIngredient, cycle_error, forget_undecodable, value_of};
use crate::frame::{ActiveFrame, CaughtPanic, FrameInfo, Framed, current_info, observe};
use crate::ingredient::{DependencyView, IngredientLookup};
use crate::key::{Dep, Deps};
use crate::snapshot::{OwnResult, SNAPSHOT_ROOT, SnapshotState};
use crate::{BoxFuture, Durability, HasRuntime, PicanteError, PicanteResult, Revision};

/// A result as a snapshot sees it: the value (or error), its `changed_at`, its durability.
type Seen<V> = (PicanteResult<V>, Revision, Durability);

/// A shared memo that may still hold at the snapshot's revision, copied out of its slot.
struct Candidate<V> {
    value: V,
    deps: Deps,
    verified_at: Revision,
    changed_at: Revision,
    durability: Durability,
}

impl<DB, K, V> DerivedIngredient<DB, K, V>
where
    DB: HasRuntime + IngredientLookup + Send + Sync + 'static,
    K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
    V: Facet<'static> + Clone + Send + Sync + 'static,
{
    /// `get` inside a snapshot: the value at the snapshot's revision, recorded as a read of
    /// the computation being polled.
    pub(super) async fn get_in_snapshot<A: Answer<V>>(
        &self,
        db: &DB,
        index: u32,
        snapshot: Arc<SnapshotState>,
        answer: A,
    ) -> PicanteResult<A::Out> {
        let (result, changed_at, durability) = self.seen_by(db, index, &snapshot).await;
        observe(Dep { kind: self.kind, index }, changed_at, durability);
        result.map(|value| answer.read_computed(value, changed_at))
    }

    /// Slot `index` as `snapshot` sees it. Boxed: checking a memo recurses into its
    /// dependencies.
    pub(super) fn seen_by<'a>(
        &'a self,
        db: &'a DB,
        index: u32,
        snapshot: &'a Arc<SnapshotState>,
    ) -> BoxFuture<'a, Seen<V>> {
        Box::pin(async move {
            let dep = Dep { kind: self.kind, index };
            if let Some(own) = snapshot.own::<V>(dep) {
                return own;
            }
            let revision = snapshot.revision;
            let candidate = match self.shared_memo(index, revision) {
                Ok(seen) => return seen,
                Err(candidate) => candidate,
            };
            if let Some(memo) = candidate
                && self.unchanged_until(db, &memo.deps, memo.verified_at, snapshot).await
            {
                let own = OwnResult {
                    value: Ok(Box::new(memo.value.clone())),
                    changed_at: memo.changed_at,
                    durability: memo.durability,
                };
                snapshot.keep(dep, own);
                return (Ok(memo.value), memo.changed_at, memo.durability);
            }
            self.compute_in_snapshot(db, index, snapshot).await
        })
    }

    /// The shared memo of slot `index` if it holds at `revision` (`Ok`), or a memo to check
    /// (verified before `revision`, unchanged since before it), or nothing usable.
    fn shared_memo(&self, index: u32, revision: Revision) -> Result<Seen<V>, Option<Candidate<V>>> {
        let mut state = self.cell(index).lock();
        forget_undecodable::<V>(&mut state);
        // A memo being re-verified or recomputed by the database is still readable as it was.
        let memo: &mut Memo = match &mut *state {
            SlotState::Ready(memo) => memo,
            SlotState::Running { previous: Some(memo), .. } => memo,
            _ => return Err(None),
        };
        let (changed_at, durability) = (memo.changed.revision(), memo.changed.durability());
        if changed_at > revision {
            return Err(None); // its value is newer than the snapshot
        }
        let verified_at = memo.verified_at;
        let deps = memo.deps.clone();
        let Some(value) = value_of::<V>(memo).cloned() else { return Err(None) };
        if verified_at >= revision {
            return Ok((Ok(value), changed_at, durability));
        }
        Err(Some(Candidate { value, deps, verified_at, changed_at, durability }))
    }

    /// Whether none of `deps` changed after `verified_at`, as the snapshot sees them.
    async fn unchanged_until(
        &self,
        db: &DB,
        deps: &Deps,
        verified_at: Revision,
        snapshot: &Arc<SnapshotState>,
    ) -> bool {
        for dep in deps.iter() {
            let changed_at = match db.ingredient(dep.kind).map(|i| i.dependency_view()) {
                Some(DependencyView::Input(input)) => {
                    input.changed_at_as_of(dep.index, snapshot.revision)
                }
                Some(DependencyView::Derived(derived)) => {
                    Some(derived.changed_in_snapshot(db, dep.index, snapshot).await)
                }
                Some(DependencyView::Interned) => Some(Revision(0)),
                None => None,
            };
            if changed_at.is_none_or(|changed_at| changed_at > verified_at) {
                return false;
            }
        }
        true
    }

    /// Computes slot `index` at the snapshot's revision and keeps the result in the snapshot.
    async fn compute_in_snapshot(
        &self,
        db: &DB,
        index: u32,
        snapshot: &Arc<SnapshotState>,
    ) -> Seen<V> {
        let dep = Dep { kind: self.kind, index };
        let parent = current_info();
        if let Some(parent) = &parent
            && let Some(path) = cycle_in(parent, dep)
        {
            return (Err(cycle_error(db, path)), snapshot.revision, Durability::Low);
        }
        let key = match self.table.entry(index) {
            Some(entry) => entry.key.clone(),
            None => unreachable!("picante: derived slot {index} handed out but missing"),
        };
        let info = FrameInfo::in_snapshot(self.kind, index, parent, snapshot.clone());
        let (output, frame) =
            Framed::new(ActiveFrame::new(info, None), (self.compute)(db, key)).await;
        db.runtime().stats.add(crate::runtime::Count::Executed);
        let seen: Seen<V> = match output {
            // The value is a function of what it read: it cannot have changed after the
            // latest of those reads.
            Ok(Ok(value)) => (Ok(value), frame.max_changed(), frame.durability()),
            Ok(Err(error)) => (Err(error), snapshot.revision, Durability::Low),
            Err(CaughtPanic(message)) => {
                let error = Arc::new(PicanteError::Panic { query: self.label(index), message });
                (Err(error), snapshot.revision, Durability::Low)
            }
        };
        let own = OwnResult {
            value: match &seen.0 {
                Ok(value) => Ok(Box::new(value.clone())),
                Err(error) => Err(error.clone()),
            },
            changed_at: seen.1,
            durability: seen.2,
        };
        snapshot.keep(dep, own);
        seen
    }
}

/// The cycle `dep` would close if computed under `parent`: the path from `dep`'s earlier
/// frame down to the request, or `None`.
fn cycle_in(parent: &Arc<FrameInfo>, dep: Dep) -> Option<Vec<crate::cycle::PathStep>> {
    let mut path = Vec::new();
    for frame in parent.ancestors() {
        if frame.kind == SNAPSHOT_ROOT {
            return None;
        }
        path.push((frame.kind, frame.index));
        if frame.kind == dep.kind && frame.index == dep.index {
            path.reverse();
            path.push((dep.kind, dep.index));
            return Some(path);
        }
    }
    None
}
