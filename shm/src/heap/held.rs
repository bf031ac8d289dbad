//! Which units this process holds, kept in process memory where the peer cannot write.
//!
//! The metadata words say who owns what, but they are shared: a hostile peer can rewrite the
//! word of a block we hold to `FREE`, or forge a run over it. If we believed the words alone,
//! our next allocation could return a `BlobMut` over bytes a live `Blob` or `BlobMut` of ours
//! still covers (two handles, one of them `&mut`, over the same memory), or `accept` could
//! return a `Blob` over them. So every handle also takes its units in this bitmap, and a unit
//! whose bit is set is never handed out again, whatever its word says, until the handle
//! lets go of it.
//!
//! One bitmap per heap region per process, shared by every [`Heap`](super::Heap) handle that
//! this process opens on the region (see `Segment::held_units`).

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

/// One bit per unit: set while a `Blob` or `BlobMut` of this process covers the unit.
pub(crate) struct HeldUnits {
    bits: Box<[AtomicU64]>,
}

impl HeldUnits {
    pub(crate) fn new(units: usize) -> HeldUnits {
        HeldUnits { bits: (0..units.div_ceil(64)).map(|_| AtomicU64::new(0)).collect() }
    }

    fn bit(&self, unit: usize) -> Option<(&AtomicU64, u64)> {
        Some((self.bits.get(unit / 64)?, 1 << (unit % 64)))
    }

    /// Whether a handle of this process covers `unit`.
    pub(crate) fn is_held(&self, unit: usize) -> bool {
        self.bit(unit).is_some_and(|(word, bit)| word.load(Ordering::Acquire) & bit != 0)
    }

    /// Takes every unit of `units`, or none: on finding one already held, gives back the ones
    /// it took and returns that unit.
    pub(crate) fn take(&self, units: Range<usize>) -> Result<(), usize> {
        for unit in units.clone() {
            let Some((word, bit)) = self.bit(unit) else {
                return self.undo(units.start..unit, unit);
            };
            if word.fetch_or(bit, Ordering::AcqRel) & bit != 0 {
                return self.undo(units.start..unit, unit);
            }
        }
        Ok(())
    }

    fn undo(&self, taken: Range<usize>, conflict: usize) -> Result<(), usize> {
        self.give(taken);
        Err(conflict)
    }

    /// Lets go of `units` (the handle covering them is gone).
    pub(crate) fn give(&self, units: Range<usize>) {
        for unit in units {
            if let Some((word, bit)) = self.bit(unit) {
                word.fetch_and(!bit, Ordering::AcqRel);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_is_all_or_nothing() {
        let held = HeldUnits::new(130);
        held.take(60..70).unwrap();
        assert_eq!(held.take(50..61), Err(60));
        assert!(!held.is_held(50), "the partial take was undone");
        held.give(60..70);
        held.take(50..130).unwrap();
        assert_eq!(held.take(129..131), Err(129));
        assert_eq!(held.take(192..193), Err(192), "beyond the bitmap is never takeable");
    }
}
