//! The state of one derived slot, and the claim protocol.
//!
//! ```text
//!            claim                      finish (value / error)
//!  Vacant ───────────▶ Running ─────────────────────────────▶ Ready / Poisoned
//!  Ready(stale) ─────▶ Running ── finish_verified ──────────▶ Ready (verified_at = now)
//!  Poisoned(old) ────▶ Running ── abandon (future dropped) ─▶ back to what it was
//! ```
//!
//! A slot is claimed by exactly one [`FrameInfo`] (the "owner"). Everyone else who needs the
//! slot while it is `Running` waits on the owner's waker list without holding any lock
//! (see `wait.rs`). Every transition out of `Running` wakes those waiters.
//!
//! Claims are released through [`ClaimGuard`]: if the future holding a claim is dropped midway
//! (cancellation) or unwinds, the guard puts the previous memo back, so nothing is ever stuck
//! in `Running`.

use std::any::Any;
use std::sync::Arc;

use super::slot_lock::{SlotGuard, SlotLock};
use crate::frame::FrameInfo;
use crate::key::Deps;
use crate::{Durability, PicanteError, Revision};

/// A memoized value with its revisions and dependency list.
pub(crate) struct Memo {
    /// The value, of the ingredient's `V` (type-erased so the state machine is not generic).
    pub(crate) value: Box<dyn Any + Send + Sync>,
    /// The last revision at which this memo was known to be up to date.
    pub(crate) verified_at: Revision,
    /// The revision at which the value last became different, and the lowest durability among
    /// the reads (packed: see [`ChangedAt`]).
    pub(crate) changed: ChangedAt,
    /// What the computation read, in first-read order.
    pub(crate) deps: Deps,
}

/// A memo's `changed_at` revision with its durability in the top two bits.
///
/// Packed because every slot pays for every byte, and the memo-hit path is bound by how many
/// slots fit in cache: a separate byte grew each slot from 72 to 80 bytes and the hit from
/// about 16.8 to 18.8 ns. Revisions count edits and stay far below 2^62.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ChangedAt(u64);

const DURABILITY_SHIFT: u32 = 62;
const REVISION_MASK: u64 = (1 << DURABILITY_SHIFT) - 1;

impl ChangedAt {
    pub(crate) fn new(changed_at: Revision, durability: Durability) -> ChangedAt {
        debug_assert!(changed_at.0 <= REVISION_MASK, "picante: revision counter overflow");
        ChangedAt((changed_at.0 & REVISION_MASK) | (durability as u64) << DURABILITY_SHIFT)
    }

    #[inline]
    pub(crate) fn revision(self) -> Revision {
        Revision(self.0 & REVISION_MASK)
    }

    #[inline]
    pub(crate) fn durability(self) -> Durability {
        Durability::from_index((self.0 >> DURABILITY_SHIFT) as u8)
    }
}

/// A failed computation (error or panic), cached for the revision it ran at.
pub(crate) struct Poison {
    pub(crate) error: Arc<PicanteError>,
    pub(crate) at: Revision,
}

pub(crate) enum SlotState {
    Vacant,
    Running {
        owner: Arc<FrameInfo>,
        /// The memo being verified or recomputed, kept for backdating and for restoring.
        previous: Option<Memo>,
    },
    Ready(Memo),
    Poisoned(Poison),
}

/// One derived slot.
pub(crate) struct SlotCell {
    state: SlotLock<SlotState>,
}

impl Default for SlotCell {
    fn default() -> Self {
        SlotCell { state: SlotLock::new(SlotState::Vacant) }
    }
}

impl SlotCell {
    #[inline]
    pub(crate) fn lock(&self) -> SlotGuard<'_, SlotState> {
        self.state.lock()
    }

    #[inline]
    pub(crate) fn try_lock(&self) -> Option<SlotGuard<'_, SlotState>> {
        self.state.try_lock()
    }

    /// Takes the previous memo out of a claim held by `owner` (to compare it with a new value
    /// outside the lock). No-op if `owner` does not hold the claim.
    pub(crate) fn take_previous(&self, owner: &Arc<FrameInfo>) -> Option<Memo> {
        match &mut *self.lock() {
            SlotState::Running { owner: current, previous } if Arc::ptr_eq(current, owner) => {
                previous.take()
            }
            _ => None,
        }
    }

    /// Ends `owner`'s claim with `next` and wakes every waiter. Returns false (and changes
    /// nothing) if `owner` does not hold the claim.
    pub(crate) fn release(&self, owner: &Arc<FrameInfo>, next: SlotState) -> bool {
        {
            let mut state = self.lock();
            match &*state {
                SlotState::Running { owner: current, .. } if Arc::ptr_eq(current, owner) => {}
                _ => return false,
            }
            *state = next;
        }
        owner.wake_waiters();
        true
    }

    /// Ends `owner`'s claim on a memo whose dependencies turned out unchanged: the memo is
    /// ready again, verified at `now`. Returns its `changed_at`.
    pub(crate) fn finish_verified(&self, owner: &Arc<FrameInfo>, now: Revision) -> Revision {
        let changed_at = {
            let mut state = self.lock();
            let SlotState::Running { owner: current, previous } = &mut *state else {
                return now;
            };
            if !Arc::ptr_eq(current, owner) {
                return now;
            }
            match previous.take() {
                Some(mut memo) => {
                    memo.verified_at = now;
                    let changed_at = memo.changed.revision();
                    *state = SlotState::Ready(memo);
                    changed_at
                }
                None => {
                    *state = SlotState::Vacant;
                    now
                }
            }
        };
        owner.wake_waiters();
        changed_at
    }

    /// Hands `owner`'s claim over to `successor` (a claim taken for verification is re-owned
    /// by a frame of its own before it is recomputed). Waiters are woken to re-register.
    pub(crate) fn reown(&self, owner: &Arc<FrameInfo>, successor: &Arc<FrameInfo>) -> bool {
        {
            let mut state = self.lock();
            match &mut *state {
                SlotState::Running { owner: current, .. } if Arc::ptr_eq(current, owner) => {
                    *current = successor.clone();
                }
                _ => return false,
            }
        }
        owner.wake_waiters();
        true
    }

    /// Ends `owner`'s claim without a result: the previous memo (if any) is put back as it was.
    pub(crate) fn abandon(&self, owner: &Arc<FrameInfo>) {
        {
            let mut state = self.lock();
            let SlotState::Running { owner: current, previous } = &mut *state else { return };
            if !Arc::ptr_eq(current, owner) {
                return;
            }
            *state = match previous.take() {
                Some(memo) => SlotState::Ready(memo),
                None => SlotState::Vacant,
            };
        }
        owner.wake_waiters();
    }
}

/// Holds a claim; abandons it on drop unless [`disarm`](Self::disarm)ed after the claim was
/// ended properly.
pub(crate) struct ClaimGuard<'a> {
    cell: &'a SlotCell,
    owner: Arc<FrameInfo>,
    armed: bool,
}

impl<'a> ClaimGuard<'a> {
    pub(crate) fn new(cell: &'a SlotCell, owner: Arc<FrameInfo>) -> Self {
        ClaimGuard { cell, owner, armed: true }
    }

    pub(crate) fn cell(&self) -> &'a SlotCell {
        self.cell
    }

    pub(crate) fn owner(&self) -> &Arc<FrameInfo> {
        &self.owner
    }

    /// Moves the claim to `successor` (see [`SlotCell::reown`]).
    pub(crate) fn reown(&mut self, successor: Arc<FrameInfo>) {
        if self.cell.reown(&self.owner, &successor) {
            self.owner = successor;
        }
    }

    pub(crate) fn disarm(mut self) {
        self.armed = false;
    }
}

impl Drop for ClaimGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.cell.abandon(&self.owner);
        }
    }
}
