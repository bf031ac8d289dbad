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

/// A memo's `changed_at` revision with its durability in the top two bits and, below them,
/// whether the value is still the encoded bytes a cache file held (see [`Memo::encoded`]).
///
/// Packed because every slot pays for every byte, and the memo-hit path is bound by how many
/// slots fit in cache: a separate byte grew each slot from 72 to 80 bytes and the hit from
/// about 16.8 to 18.8 ns. Revisions count edits and stay far below 2^61.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ChangedAt(u64);

const DURABILITY_SHIFT: u32 = 62;
/// Set while the memo's value is a [`SavedValue`], not a `V`.
const SAVED_BIT: u64 = 1 << 61;
const REVISION_MASK: u64 = SAVED_BIT - 1;
/// The first revision a memo cannot hold.
pub(crate) const REVISION_LIMIT: u64 = SAVED_BIT;

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

    /// Whether the value is still saved bytes (one bit test on a word the hit path reads
    /// anyway).
    #[inline(always)]
    pub(crate) fn is_saved(self) -> bool {
        self.0 & SAVED_BIT != 0
    }

    fn with_saved(self, saved: bool) -> ChangedAt {
        ChangedAt(if saved { self.0 | SAVED_BIT } else { self.0 & !SAVED_BIT })
    }
}

/// A value as a cache file held it (facet-postcard bytes, a range of the file read whole),
/// not decoded yet.
///
/// A loaded database keeps its memos' values encoded until something reads them: a build
/// after a load reads few of them (a memo whose dependencies did not change is revalidated
/// from its revisions alone), so decoding every value up front would be most of the load's
/// time, and copying them out of the file most of the rest. Saving a memo that was never
/// decoded writes these bytes back as they are. The file's buffer lives as long as one of
/// its values is still encoded.
pub(crate) struct SavedValue {
    /// The file and the value's range in it; `None` for a memo saved without its value
    /// (see `DerivedIngredient::without_saved_values`).
    bytes: Option<(Arc<Vec<u8>>, usize, usize)>,
}

impl SavedValue {
    /// `value`, a part of `file`.
    pub(crate) fn within(file: &Arc<Vec<u8>>, value: &[u8]) -> SavedValue {
        let start = (value.as_ptr() as usize).wrapping_sub(file.as_ptr() as usize);
        assert!(
            start <= file.len() && value.len() <= file.len() - start,
            "picante: a saved value outside its file"
        );
        SavedValue { bytes: Some((file.clone(), start, value.len())) }
    }

    /// The value of a memo saved without it: reading it computes it again.
    pub(crate) fn absent() -> SavedValue {
        SavedValue { bytes: None }
    }

    fn bytes(&self) -> Option<&[u8]> {
        self.bytes.as_ref().map(|(file, start, len)| &file[*start..*start + *len])
    }

    /// The file and the value's range in it, to write it back without a copy.
    pub(crate) fn in_file(&self) -> Option<(&Arc<Vec<u8>>, usize, usize)> {
        self.bytes.as_ref().map(|(file, start, len)| (file, *start, *len))
    }
}

/// What a loaded memo holds in place of its value.
pub(crate) enum Encoded<'a> {
    /// The value's bytes (in the loaded file: `saved`).
    Bytes(&'a [u8], &'a SavedValue),
    /// Nothing: the value was not saved.
    Absent,
}

impl Memo {
    /// A memo loaded from a cache file, its value still `bytes`.
    pub(crate) fn saved(
        value: SavedValue,
        verified_at: Revision,
        changed: ChangedAt,
        deps: Deps,
    ) -> Memo {
        Memo { value: Box::new(value), verified_at, changed: changed.with_saved(true), deps }
    }

    /// What the memo holds in place of its value, if the value was loaded and never decoded.
    pub(crate) fn encoded(&self) -> Option<Encoded<'_>> {
        if !self.changed.is_saved() {
            return None;
        }
        let saved = self.value.downcast_ref::<SavedValue>()?;
        Some(match saved.bytes() {
            Some(bytes) => Encoded::Bytes(bytes, saved),
            None => Encoded::Absent,
        })
    }

    /// Replaces saved bytes with the value they decode to.
    pub(crate) fn set_decoded(&mut self, value: Box<dyn Any + Send + Sync>) {
        self.value = value;
        self.changed = self.changed.with_saved(false);
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
