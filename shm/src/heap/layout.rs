//! Geometry of a heap region and the bit layout of its metadata words.
//!
//! # Region layout
//!
//! Offsets from the start of the heap region:
//!
//! | offset     | size        | field                                                     |
//! |------------|-------------|-----------------------------------------------------------|
//! | 0          | 4           | magic [`HEAP_MAGIC`]                                      |
//! | 4          | 4           | page size in bytes ([`PAGE`])                             |
//! | 8          | 4 × 4       | slot counts of the three classes, then the page count     |
//! | 64         | 4           | `free_seq`: bumped by every free; alloc waiters sleep on it |
//! | 68         | 4           | creator's count of sleeping allocators                    |
//! | 72         | 4           | attacher's count of sleeping allocators                   |
//! | 256        | 16 × units  | one metadata entry per unit: `word: u64`, `len: u64`      |
//! | 4 KiB-aligned | ...      | data: class 0 slots, class 1 slots, class 2 slots, pages  |
//!
//! A *unit* is a slot of one of the size classes or a page. Units are numbered globally: the
//! class 0 slots first, then class 1, class 2, then the pages. The geometry is a pure function
//! of the region length ([`Geometry::compute`]), so the attaching side recomputes it instead of
//! trusting the counts in the header (it only checks that they agree).
//!
//! # Metadata word
//!
//! Each unit's state is one `u64`, changed only by compare-and-swap, so a process killed at
//! any instruction leaves every unit in a well-defined state:
//!
//! | bits   | field      | meaning                                                        |
//! |--------|------------|----------------------------------------------------------------|
//! | 0..4   | state      | [`FREE`], [`OWNED`], [`IN_FLIGHT`], [`CLAIMING`], [`CONT`]     |
//! | 4..8   | owner      | 0 nobody, 1 creator, 2 attacher                                |
//! | 8..32  | aux        | first page of a run: run length in pages; [`CONT`] page: index of the run's first page; else 0 |
//! | 32..64 | generation | bumped each time the unit is freed                             |
//!
//! `len` holds the blob's length, written by the owner before the word moves to
//! [`IN_FLIGHT`] (Release), read by the receiver after it observes that state (Acquire).

use std::sync::atomic::AtomicU64;

/// Magic word at the start of a heap region: `b"heap"` little-endian.
pub const HEAP_MAGIC: u32 = u32::from_le_bytes(*b"heap");
/// Size of a page: the unit of large blobs, which take a run of contiguous pages.
pub const PAGE: usize = 64 << 10;
/// Slot sizes of the small and medium size classes.
pub const CLASS_SIZES: [usize; 3] = [1 << 10, 8 << 10, 32 << 10];
/// Class `c` gets `region_len / CLASS_SHARES[c]` bytes; the pages get the rest (about 78%).
const CLASS_SHARES: [usize; 3] = [32, 16, 8];
/// Bytes in front of the metadata table.
pub(crate) const HEADER_LEN: usize = 256;
const META_ENTRY_LEN: usize = 16;
/// The aux field is 24 bits wide.
const MAX_PAGES: usize = (1 << 24) - 1;
/// Smallest heap region: room for a few slots and one page.
pub(crate) const MIN_REGION_LEN: usize = 128 << 10;

pub(crate) const OFF_MAGIC: usize = 0;
pub(crate) const OFF_PAGE_SIZE: usize = 4;
pub(crate) const OFF_COUNTS: usize = 8;
pub(crate) const OFF_FREE_SEQ: usize = 64;
pub(crate) const OFF_WAITERS: usize = 68;

/// Unit state: available.
pub(crate) const FREE: u64 = 0;
/// Unit state: allocated, held by its owner's handle.
pub(crate) const OWNED: u64 = 1;
/// Unit state: its descriptor was sent; waiting for the peer to accept it.
pub(crate) const IN_FLIGHT: u64 = 2;
/// Unit state: first page of a run being claimed (not yet complete).
pub(crate) const CLAIMING: u64 = 3;
/// Unit state: a page inside a run, after its first page.
pub(crate) const CONT: u64 = 4;

/// A decoded metadata word. See the module doc for the bit layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Word(pub(crate) u64);

impl Word {
    pub(crate) fn new(state: u64, owner: u64, aux: usize, generation: u32) -> Word {
        debug_assert!(state < 16 && owner < 16 && aux <= MAX_PAGES);
        Word(state | owner << 4 | (aux as u64) << 8 | (generation as u64) << 32)
    }
    pub(crate) fn state(self) -> u64 {
        self.0 & 0xf
    }
    pub(crate) fn owner(self) -> u64 {
        (self.0 >> 4) & 0xf
    }
    pub(crate) fn aux(self) -> usize {
        ((self.0 >> 8) & 0xff_ffff) as usize
    }
    pub(crate) fn generation(self) -> u32 {
        (self.0 >> 32) as u32
    }
    /// The same unit, in another state, same generation.
    pub(crate) fn with(self, state: u64, owner: u64, aux: usize) -> Word {
        Word::new(state, owner, aux, self.generation())
    }
    /// The unit freed: nobody's, next generation.
    pub(crate) fn freed(self) -> Word {
        Word::new(FREE, 0, 0, self.generation().wrapping_add(1))
    }
}

/// One metadata entry in shared memory.
#[repr(C)]
pub(crate) struct Meta {
    pub(crate) word: AtomicU64,
    pub(crate) len: AtomicU64,
}

/// A run of equal-sized units: one size class, or the pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Area {
    /// Global index of the first unit.
    pub(crate) first: usize,
    /// Number of units.
    pub(crate) count: usize,
    /// Bytes per unit.
    pub(crate) size: usize,
    /// Offset of the first unit's data from the start of the region.
    pub(crate) data: usize,
}

impl Area {
    pub(crate) fn contains(&self, unit: usize) -> bool {
        unit >= self.first && unit - self.first < self.count
    }
}

/// Where everything is in a heap region of a given length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Geometry {
    /// The three size classes, then the page area (always index [`PAGES`]).
    pub(crate) areas: [Area; 4],
    /// Total number of units (= metadata entries).
    pub(crate) units: usize,
}

/// Index of the page area in [`Geometry::areas`].
pub(crate) const PAGES: usize = 3;

impl Geometry {
    /// The geometry of a heap region of `region_len` bytes, or `None` if it is too small.
    pub(crate) fn compute(region_len: usize) -> Option<Geometry> {
        if region_len < MIN_REGION_LEN {
            return None;
        }
        let mut counts = [0usize; 3];
        let mut class_bytes = 0;
        for c in 0..3 {
            counts[c] = region_len / CLASS_SHARES[c] / CLASS_SIZES[c];
            class_bytes += counts[c] * CLASS_SIZES[c];
        }
        let slots: usize = counts.iter().sum();
        let fixed = HEADER_LEN + slots * META_ENTRY_LEN + class_bytes + 4096;
        let pages = (region_len.checked_sub(fixed)? / (PAGE + META_ENTRY_LEN)).min(MAX_PAGES);
        if pages == 0 {
            return None;
        }
        let units = slots + pages;
        let mut data = (HEADER_LEN + units * META_ENTRY_LEN).next_multiple_of(4096);
        let mut first = 0;
        let mut areas = [Area { first: 0, count: 0, size: 0, data: 0 }; 4];
        for (i, area) in areas.iter_mut().enumerate() {
            let (count, size) = if i < 3 { (counts[i], CLASS_SIZES[i]) } else { (pages, PAGE) };
            *area = Area { first, count, size, data };
            first += count;
            data += count * size;
        }
        debug_assert!(data <= region_len, "heap geometry overflows its region");
        Some(Geometry { areas, units })
    }

    /// The counts stored in the header: three classes, then pages.
    pub(crate) fn counts(&self) -> [u32; 4] {
        self.areas.map(|a| a.count as u32)
    }

    /// The area holding `unit`.
    pub(crate) fn area_of(&self, unit: usize) -> &Area {
        debug_assert!(unit < self.units);
        self.areas.iter().find(|a| a.contains(unit)).unwrap_or(&self.areas[PAGES])
    }

    /// The unit whose data starts exactly at region offset `offset`, if any.
    pub(crate) fn unit_at(&self, offset: usize) -> Option<usize> {
        self.areas.iter().find_map(|a| {
            let rel = offset.checked_sub(a.data)?;
            (rel % a.size == 0 && rel / a.size < a.count).then_some(a.first + rel / a.size)
        })
    }

    /// Region offset of `unit`'s data.
    pub(crate) fn data_offset(&self, unit: usize) -> usize {
        let a = self.area_of(unit);
        a.data + (unit - a.first) * a.size
    }

    /// Region offset of `unit`'s metadata entry.
    pub(crate) fn meta_offset(unit: usize) -> usize {
        HEADER_LEN + unit * META_ENTRY_LEN
    }

    /// Largest blob this heap can ever hold: the whole page area.
    pub(crate) fn max_blob(&self) -> usize {
        self.areas[PAGES].count * PAGE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometry_fits_its_region_and_areas_do_not_overlap() {
        for len in [MIN_REGION_LEN, 1 << 20, 3 << 20, 32 << 20, 256 << 20] {
            let g = Geometry::compute(len).unwrap();
            let mut end = Geometry::meta_offset(g.units);
            for a in g.areas {
                assert!(a.data >= end, "{len}: area overlaps");
                end = a.data + a.count * a.size;
            }
            assert!(end <= len, "{len}: data ends at {end}");
            if len >= 1 << 20 {
                assert!(g.max_blob() > len / 2, "{len}: pages should get most of the heap");
            }
        }
        assert!(Geometry::compute(MIN_REGION_LEN - 1).is_none());
    }

    #[test]
    fn unit_at_only_accepts_exact_unit_starts() {
        let g = Geometry::compute(1 << 20).unwrap();
        for unit in [0, g.areas[1].first, g.units - 1] {
            assert_eq!(g.unit_at(g.data_offset(unit)), Some(unit));
            assert_eq!(g.unit_at(g.data_offset(unit) + 8), None);
        }
        assert_eq!(g.unit_at(0), None);
        assert_eq!(g.unit_at(usize::MAX), None);
    }

    #[test]
    fn word_fields_round_trip() {
        let w = Word::new(CONT, 2, MAX_PAGES, u32::MAX);
        assert_eq!((w.state(), w.owner(), w.aux(), w.generation()), (CONT, 2, MAX_PAGES, u32::MAX));
        assert_eq!(w.freed().generation(), 0);
        assert_eq!(w.freed().state(), FREE);
    }
}
