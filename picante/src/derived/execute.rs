//! Running a compute function, then storing its result with early cutoff ("backdating").
//!
//! The computation runs inside a [`Framed`] future with its own frame, so everything it reads
//! becomes its dependency list. When it returns a value deep-equal to the previous memo's, at
//! a durability no lower than the previous memo's, the new memo keeps the old `changed_at`: dependents that check it against their `verified_at`
//! see no change and are revalidated without recomputing. An error or a caught panic poisons
//! the slot for this revision.

use std::hash::Hash;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;

use facet::Facet;

use super::DerivedIngredient;
use super::slot::{ChangedAt, Memo, Poison, SlotState};
use crate::deep_eq::deep_eq;
use crate::frame::{ActiveFrame, CaughtPanic, FrameInfo, Framed};
use crate::ingredient::IngredientLookup;
use crate::key::Deps;
use crate::{Durability, HasRuntime, PicanteError, PicanteResult, Revision};

impl<DB, K, V> DerivedIngredient<DB, K, V>
where
    DB: HasRuntime + IngredientLookup + Send + Sync + 'static,
    K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
    V: Facet<'static> + Clone + Send + Sync + 'static,
{
    /// Computes slot `index` under `owner`'s claim, stores the result and ends the claim.
    ///
    /// Returns the slot's resulting `changed_at` (`now` for an error) and, if `want_result`,
    /// a copy of the result for the caller; or `None` if the computation was superseded: it
    /// read something newer than `now`, so its result mixes revisions; it is discarded and the
    /// previous memo restored. `previous_deps` (what the previous run read, if there was one)
    /// lets the frame record the same reads cheaply.
    pub(super) async fn execute(
        &self,
        db: &DB,
        index: u32,
        owner: Arc<FrameInfo>,
        now: Revision,
        previous_deps: Option<Deps>,
        want_result: bool,
    ) -> Option<(Revision, Durability, Option<PicanteResult<V>>)> {
        let had_previous = previous_deps.is_some();
        let key = match self.table.entry(index) {
            Some(entry) => entry.key.clone(),
            None => unreachable!("picante: derived slot {index} handed out but missing"),
        };
        let computation = (self.compute)(db, key);
        let (output, frame) =
            Framed::new(ActiveFrame::new(owner.clone(), previous_deps), computation).await;
        let cell = self.cell(index);
        if frame.is_superseded() {
            cell.abandon(&owner);
            return None;
        }
        let mut durability = frame.durability();
        let deps = frame.into_deps();
        db.runtime().stats.add(crate::runtime::Count::Executed);
        let (next, changed_at, result) = match output {
            Ok(Ok(value)) => {
                // Compare outside the slot lock: a user `PartialEq` may be slow or panic.
                let previous = if had_previous { cell.take_previous(&owner) } else { None };
                // Backdate only when the new value is as durable as the old one (salsa's
                // rule): a value recomputed equal but now read from a less durable input is a
                // change, or readers keep the old, higher durability and a later edit of that
                // input would skip them.
                let changed_at = match previous {
                    Some(mut old) if durability >= old.changed.durability() => {
                        let same = super::value_of::<V>(&mut old)
                            .is_some_and(|old| values_equal(old, &value));
                        if same { old.changed.revision() } else { now }
                    }
                    _ => now,
                };
                let result = want_result.then(|| Ok(value.clone()));
                let memo = Memo {
                    value: Box::new(value),
                    verified_at: now,
                    changed: ChangedAt::new(changed_at, durability),
                    deps,
                };
                (SlotState::Ready(memo), changed_at, result)
            }
            Ok(Err(error)) => {
                durability = Durability::Low;
                let result = want_result.then(|| Err(error.clone()));
                (SlotState::Poisoned(Poison { error, at: now }), now, result)
            }
            Err(CaughtPanic(message)) => {
                durability = Durability::Low;
                let error = Arc::new(PicanteError::Panic { query: self.label(index), message });
                let result = want_result.then(|| Err(error.clone()));
                (SlotState::Poisoned(Poison { error, at: now }), now, result)
            }
        };
        cell.release(&owner, next);
        let events = &db.runtime().events;
        if events.active() {
            let (kind, slot) = (self.kind, index);
            events.emit(crate::Event::Recomputed {
                kind,
                slot,
                revision: now,
                changed: changed_at == now,
            });
        }
        Some((changed_at, durability, result))
    }
}

/// Deep equality that treats a panicking comparison as "different" (always safe).
fn values_equal<'a, V: Facet<'a>>(old: &V, new: &V) -> bool {
    catch_unwind(AssertUnwindSafe(|| deep_eq(old, new))).unwrap_or(false)
}
