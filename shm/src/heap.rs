//! The blob heap: large payloads written once, read in place by the peer.
//!
//! # Protocol
//!
//! 1. The writer calls [`Heap::alloc`] and gets a [`BlobMut`] (the unit's word moves
//!    `FREE → OWNED(writer)`), fills it, and turns it into a [`Descriptor`] with
//!    [`BlobMut::into_descriptor`] (`OWNED → IN_FLIGHT(writer)`, publishing the length).
//! 2. The descriptor crosses to the reader (through a ring record, or an RPC frame).
//! 3. The reader calls [`Heap::accept`]: the descriptor is bounds-checked against the heap's
//!    geometry (own copy, never the peer's), the generation and state are checked, and the
//!    word moves `IN_FLIGHT(writer) → OWNED(reader)` by compare-and-swap, so a descriptor can
//!    be accepted once. The returned [`Blob`] dereferences to the bytes in place.
//! 4. Dropping the `Blob` frees the unit (`OWNED(reader) → FREE`, generation + 1) and wakes
//!    allocators waiting for space. Any later use of the same descriptor is refused as stale.
//!
//! Every transition is one compare-and-swap on one word (page runs: one per page, in an order
//! that a crash cannot make ambiguous, see `alloc.rs`), so there is no lock a dead process
//! could leave held. Ownership is in every word, which is what [`Heap::reclaim_peer`] uses:
//! once the peer is gone, every unit it owned, and every unit still in flight between the two
//! sides, is freed. Allocation calls do this by themselves when they find the peer gone.
//!
//! # Size classes
//!
//! Blobs up to 1 KiB, 8 KiB and 32 KiB go to slots of the three size classes (falling back to
//! a larger class, then to pages, when their own is full); larger blobs take a run of
//! contiguous 64 KiB pages. The creator searches the pages from the low end and the attacher
//! from the high end, so their large allocations rarely race for the same pages. See
//! [`layout`] for the byte layout.

mod alloc;
mod held;
pub(crate) mod layout;
#[cfg(test)]
mod tests;

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

use crate::descriptor::Descriptor;
use crate::error::{Error, ErrorKind};
use crate::peer::Side;
use crate::segment::{self, RegionKind, Segment};
use crate::wait::{self, Deadline};

pub(crate) use held::HeldUnits;
pub(crate) use layout::MIN_REGION_LEN;
use layout::{Geometry, Meta, Word};

pub(crate) fn region_len_for(bytes: usize) -> Result<usize, Error> {
    let len = bytes.max(MIN_REGION_LEN).next_multiple_of(4096);
    Geometry::compute(len)
        .map(|_| len)
        .ok_or_else(|| Error::with_detail(ErrorKind::InvalidSegment, "heap region too small"))
}

/// Writes a fresh heap header (the metadata table starts all-zero: every unit free).
///
/// # Safety
///
/// `ptr` must point to `len` zeroed, writable, page-aligned bytes that nobody else uses yet.
pub(crate) unsafe fn init_region(ptr: *mut u8, len: usize) {
    let Some(geometry) = Geometry::compute(len) else {
        debug_assert!(false, "heap region of {len} bytes passed region_len_for");
        return;
    };
    // SAFETY: `Geometry::compute` accepted `len`, so it is at least MIN_REGION_LEN; the words
    // written lie at offsets 0..24 of the 256-byte header, 4-aligned from the page-aligned
    // `ptr` that the caller guarantees writable and unused by anyone else.
    unsafe {
        ptr.add(layout::OFF_MAGIC).cast::<u32>().write(layout::HEAP_MAGIC);
        ptr.add(layout::OFF_PAGE_SIZE).cast::<u32>().write(layout::PAGE as u32);
        for (i, count) in geometry.counts().into_iter().enumerate() {
            ptr.add(layout::OFF_COUNTS + 4 * i).cast::<u32>().write(count);
        }
    }
}

/// Wakes every allocator sleeping on this heap (used when a segment is dropped).
///
/// # Safety
///
/// `ptr` must point to a live heap region of at least [`MIN_REGION_LEN`] bytes.
pub(crate) unsafe fn wake_all_in(ptr: *mut u8) {
    // SAFETY: the caller guarantees a live heap region of at least MIN_REGION_LEN bytes;
    // OFF_FREE_SEQ lies inside its 256-byte header, 4-aligned.
    crate::futex::wake_all(unsafe { segment::atomic_u32_at(ptr, layout::OFF_FREE_SEQ) });
}

/// A blob heap in a segment region. Cheap to clone; both processes open the same region and
/// allocate and free concurrently.
#[derive(Clone)]
pub struct Heap {
    inner: Arc<HeapInner>,
}

struct HeapInner {
    seg: Segment,
    /// Start of the region in this process's mapping.
    base: *mut u8,
    /// Offset of the region from the start of the segment (descriptors are segment-relative).
    region_offset: usize,
    geometry: Geometry,
    me: Side,
    /// Process-local search hints, one per size class (where the last free slot was found).
    hints: [AtomicUsize; 3],
    /// The units this process's handles cover, whatever the shared words say (`held.rs`).
    held: Arc<HeldUnits>,
}

// SAFETY: `base` points into the segment mapping, which `seg` keeps alive; shared state is only
// touched through atomics and the ownership protocol above, whatever the thread.
unsafe impl Send for HeapInner {}
// SAFETY: as above.
unsafe impl Sync for HeapInner {}

/// Who holds what in a heap, from one scan of its metadata. Bytes count whole units (slots or
/// page runs), not the blob lengths inside them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HeapStats {
    /// Bytes in free units.
    pub free_bytes: usize,
    /// Bytes held by the creator (allocated, or sent and not yet accepted).
    pub creator_bytes: usize,
    /// Bytes held by the attacher.
    pub attacher_bytes: usize,
    /// Number of blobs in flight (sent, not yet accepted), either direction.
    pub in_flight: usize,
}

impl HeapStats {
    /// Bytes held by `side`.
    pub fn held_by(&self, side: Side) -> usize {
        match side {
            Side::Creator => self.creator_bytes,
            Side::Attacher => self.attacher_bytes,
        }
    }
}

impl Segment {
    /// Opens the blob heap in region `index`. Any number of handles may be open on each side.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidSegment`] if region `index` is not a heap or its header does not
    /// match the geometry this side computes for the region's size.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use shm::{ErrorKind, Segment};
    ///
    /// let host = Segment::builder().heap(1 << 20).build()?;
    /// let cell = Segment::attach(host.fd().try_clone_to_owned().unwrap())?;
    /// let (writer, reader) = (host.heap(0)?, cell.heap(0)?);
    ///
    /// let mut blob = writer.alloc(5, Duration::from_secs(1))?;
    /// blob.copy_from_slice(b"hello");
    /// let descriptor = blob.into_descriptor()?;          // what crosses to the peer
    /// let received = reader.accept(descriptor)?;         // checked; a view into the mapping
    /// assert_eq!(&*received, b"hello");
    /// drop(received);                                    // frees the block
    /// let err = reader.accept(descriptor).unwrap_err();  // a second use is refused
    /// assert_eq!(err.kind(), ErrorKind::StaleDescriptor);
    /// # Ok::<(), shm::Error>(())
    /// ```
    pub fn heap(&self, index: usize) -> Result<Heap, Error> {
        let region = self.inner.region(index, RegionKind::Heap)?;
        let geometry = Geometry::compute(region.len).ok_or_else(|| {
            Error::with_detail(ErrorKind::InvalidSegment, "heap region too small")
        })?;
        let base = self.inner.base().wrapping_add(region.offset);
        // SAFETY: the region lies inside the mapping (which `self` keeps alive) and is at
        // least MIN_REGION_LEN long, so the header words at 0..24 (4-aligned) are readable;
        // any bit pattern is a valid u32, and the values are checked next.
        let (magic, page, counts) = unsafe {
            let read = |off: usize| base.add(off).cast::<u32>().read_volatile();
            (
                read(layout::OFF_MAGIC),
                read(layout::OFF_PAGE_SIZE),
                [0, 1, 2, 3].map(|i| read(layout::OFF_COUNTS + 4 * i)),
            )
        };
        if magic != layout::HEAP_MAGIC
            || page as usize != layout::PAGE
            || counts != geometry.counts()
        {
            return Err(Error::with_detail(
                ErrorKind::InvalidSegment,
                format!("region {index} has a heap header that does not match its size"),
            ));
        }
        let me = self.inner.side();
        // Start the two sides' slot searches at different places to keep their CASes apart.
        let hint = |c: usize| {
            AtomicUsize::new(if me == Side::Creator { 0 } else { geometry.areas[c].count / 2 })
        };
        let hints = [hint(0), hint(1), hint(2)];
        let inner = HeapInner {
            seg: self.clone(),
            base,
            region_offset: region.offset,
            geometry,
            me,
            hints,
            held: self.inner.held_units(index, geometry.units),
        };
        Ok(Heap { inner: Arc::new(inner) })
    }
}

impl Heap {
    /// Largest blob this heap can ever hold. Larger payloads must be streamed in chunks.
    pub fn max_blob(&self) -> usize {
        self.inner.geometry.max_blob()
    }

    /// Allocates a blob of `len` bytes without waiting. Its contents are unspecified (old
    /// data); the writer fills it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::BlobTooLarge`] if `len` exceeds [`Heap::max_blob`] (stream it instead);
    /// [`ErrorKind::HeapExhausted`] if no block is free now.
    pub fn try_alloc(&self, len: usize) -> Result<BlobMut, Error> {
        self.check_len(len)?;
        if let Some(blob) = self.claim(len) {
            return Ok(blob);
        }
        if self.inner.seg.inner.peer_status_cheap().is_gone() {
            self.inner.reclaim(self.inner.me.peer());
            if let Some(blob) = self.claim(len) {
                return Ok(blob);
            }
        }
        Err(Error::new(ErrorKind::HeapExhausted))
    }

    /// Allocates a blob of `len` bytes, waiting up to `timeout` for the peer (or another
    /// thread) to free enough space (`Duration::MAX`: no limit).
    ///
    /// If the peer is gone, its space is reclaimed first, so this only fails for a dead
    /// peer when even that is not enough.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::BlobTooLarge`] at once if `len` exceeds [`Heap::max_blob`];
    /// [`ErrorKind::Timeout`]; [`ErrorKind::PeerDead`] / [`ErrorKind::PeerClosed`] when the
    /// peer is gone and there is still no room after reclaiming its space.
    pub fn alloc(&self, len: usize, timeout: Duration) -> Result<BlobMut, Error> {
        self.check_len(len)?;
        let mut deadline = Deadline::after(timeout);
        let inner = &self.inner;
        loop {
            let seen = inner.free_seq().load(Ordering::SeqCst);
            if let Some(blob) = self.claim(len) {
                return Ok(blob);
            }
            let waited = wait::wait_for_change(
                &inner.seg.inner,
                inner.free_seq(),
                seen,
                inner.waiters(inner.me),
                &mut deadline,
                wait::Spin::new(0),
                || None,
            );
            match waited {
                Ok(()) => {}
                Err(err) if err.is_disconnected() => {
                    inner.reclaim(inner.me.peer());
                    return self.claim(len).ok_or(err);
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// Takes ownership of a blob the peer sent, after checking the descriptor: inside this
    /// heap, at the start of a block, length equal to what the writer recorded, generation
    /// current, and in flight from the peer; for a page run, every page of the run marked as
    /// the peer's continuation of that run (so the run cannot reach over free pages, our own
    /// blocks or another run). The blob is read in place; dropping it frees it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::OutOfBounds`], [`ErrorKind::StaleDescriptor`] (already freed, e.g. a double
    /// free), [`ErrorKind::NotFromPeer`] (already accepted, or sent by this side),
    /// [`ErrorKind::Corrupt`] (the block's metadata is impossible: a run out of range, or a
    /// page of the run that is not part of it).
    pub fn accept(&self, descriptor: Descriptor) -> Result<Blob, Error> {
        let (unit, word, len) = self.inner.accept(descriptor)?;
        let ptr = self.inner.data_ptr(unit);
        Ok(Blob { heap: self.clone(), unit, word, ptr, len, live: true })
    }

    /// Frees a blob the peer sent without reading it ([`Heap::accept`] and drop, reporting
    /// failures). A second release of the same descriptor fails with
    /// [`ErrorKind::StaleDescriptor`].
    pub fn release(&self, descriptor: Descriptor) -> Result<(), Error> {
        let mut blob = self.accept(descriptor)?;
        blob.live = false;
        self.inner.free(blob.unit, blob.word)
    }

    /// Frees everything the peer held and everything in flight between the two sides.
    /// Returns the number of blobs reclaimed. Idempotent: safe to call again.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::PeerAlive`] unless the peer is known to be dead or closed (reclaiming
    /// from a live peer would free memory it is using).
    pub fn reclaim_peer(&self) -> Result<usize, Error> {
        if self.inner.seg.peer_status() == crate::PeerStatus::Alive {
            return Err(Error::new(ErrorKind::PeerAlive));
        }
        Ok(self.inner.reclaim(self.inner.me.peer()))
    }

    /// Who holds what, from one scan of the metadata (a snapshot; it may be stale at once).
    pub fn stats(&self) -> HeapStats {
        self.inner.stats()
    }

    fn check_len(&self, len: usize) -> Result<(), Error> {
        if len > self.max_blob() {
            return Err(Error::new(ErrorKind::BlobTooLarge { len, max: self.max_blob() }));
        }
        Ok(())
    }

    fn claim(&self, len: usize) -> Option<BlobMut> {
        let (unit, word, capacity) = self.inner.claim(len)?;
        let ptr = self.inner.data_ptr(unit);
        Some(BlobMut { heap: self.clone(), unit, word, ptr, len, capacity, live: true })
    }
}

impl HeapInner {
    fn meta(&self, unit: usize) -> &Meta {
        debug_assert!(unit < self.geometry.units, "unit {unit} out of range");
        // SAFETY: `unit` < units (all callers derive it from the geometry), so the 16-byte,
        // 8-aligned entry lies inside the region's metadata table; it is all atomics; the
        // mapping lives as long as `self.seg`.
        unsafe { &*self.base.add(Geometry::meta_offset(unit)).cast::<Meta>() }
    }

    fn data_ptr(&self, unit: usize) -> *mut u8 {
        self.base.wrapping_add(self.geometry.data_offset(unit))
    }

    fn free_seq(&self) -> &AtomicU32 {
        // SAFETY: OFF_FREE_SEQ lies in the 256-byte header of the region (validated at
        // `Segment::heap`), 4-aligned; the mapping lives as long as `self.seg`.
        unsafe { segment::atomic_u32_at(self.base, layout::OFF_FREE_SEQ) }
    }

    fn waiters(&self, side: Side) -> &AtomicU32 {
        // SAFETY: OFF_WAITERS + 4 * index (68 or 72) lies in the 256-byte header of the region
        // (validated at `Segment::heap`), 4-aligned; the mapping lives as long as `self.seg`.
        unsafe { segment::atomic_u32_at(self.base, layout::OFF_WAITERS + 4 * side.index()) }
    }

    /// Announces a free to sleeping allocators on both sides.
    fn notify_free(&self) {
        let seq = self.free_seq();
        seq.fetch_add(1, Ordering::SeqCst);
        let sleeping = self.waiters(Side::Creator).load(Ordering::SeqCst)
            | self.waiters(Side::Attacher).load(Ordering::SeqCst);
        if sleeping != 0 {
            crate::futex::wake_all(seq);
        }
    }
}

/// A blob being written: allocated by this side, not yet sent. Dereferences to its bytes.
/// Dropping it frees the space; [`BlobMut::into_descriptor`] hands it to the peer instead.
pub struct BlobMut {
    heap: Heap,
    unit: usize,
    word: Word,
    ptr: *mut u8,
    len: usize,
    capacity: usize,
    live: bool,
}

// SAFETY: the block is owned exclusively by this handle (its word says OWNED by this side and
// only this handle holds that word); the pointer stays valid while `heap` keeps the mapping.
unsafe impl Send for BlobMut {}
// SAFETY: `&BlobMut` only gives `&[u8]`.
unsafe impl Sync for BlobMut {}

impl BlobMut {
    /// Bytes in the blob.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for a zero-length blob.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes of the block behind it (its slot or page run); at least `len`.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Shortens the blob (e.g. when the writer produced less than it reserved).
    /// Does nothing if `len` is not shorter.
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// Sends the blob: records its length, marks it in flight from this side, and returns the
    /// descriptor for the peer to [`Heap::accept`]. Until the peer accepts it, the space is
    /// still charged to this side; if the peer dies first, this side reclaims it.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::StaleDescriptor`] if the block was taken away meanwhile (only possible if
    /// the peer wrongly reclaimed it, believing this process dead).
    pub fn into_descriptor(mut self) -> Result<Descriptor, Error> {
        self.live = false;
        let inner = &self.heap.inner;
        // This handle lets go of the block either way (sent, or found taken away).
        inner.held.give(inner.units_of(self.unit, self.word));
        let meta = inner.meta(self.unit);
        meta.len.store(self.len as u64, Ordering::Relaxed);
        let sent = self.word.with(layout::IN_FLIGHT, self.word.owner(), self.word.aux());
        meta.word
            .compare_exchange(self.word.0, sent.0, Ordering::Release, Ordering::Relaxed)
            .map_err(|_| Error::new(ErrorKind::StaleDescriptor))?;
        let offset = inner.region_offset + inner.geometry.data_offset(self.unit);
        Ok(Descriptor::new(offset as u64, self.len as u64, self.word.generation()))
    }
}

impl Deref for BlobMut {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        // SAFETY: `len` <= `capacity` (the block was claimed for `len`; `truncate` only
        // shrinks it), the block lies inside the region (`Geometry::compute` keeps every area
        // within it) in a mapping `heap` keeps alive, and this handle owns the block
        // exclusively: its word says OWNED by this side, and no other handle holds it.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl DerefMut for BlobMut {
    fn deref_mut(&mut self) -> &mut [u8] {
        // SAFETY: as for `deref`; `&mut self` makes the access unique within this process. It
        // also trusts the peer process to follow the protocol and not touch a block this side
        // owns (a peer that did would break this `&mut`'s exclusivity).
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

impl Drop for BlobMut {
    fn drop(&mut self) {
        if self.live {
            let _ = self.heap.inner.free(self.unit, self.word);
        }
    }
}

/// A blob received from the peer, owned by this side and read in place. Dropping it frees it.
///
/// The bytes lie in memory the peer can still write. Their bounds were checked once, at
/// [`Heap::accept`], and never depend on what the peer writes later; their contents are the
/// peer's word and, if the peer breaks the protocol, may change while the blob is held. Copy
/// them out before validating anything that must stay valid (see "What the peer can write"
/// in the crate's README).
pub struct Blob {
    heap: Heap,
    unit: usize,
    word: Word,
    ptr: *const u8,
    len: usize,
    live: bool,
}

// SAFETY: the block is owned by this side (accepted by CAS) and only read; the mapping lives as
// long as `heap`.
unsafe impl Send for Blob {}
// SAFETY: only `&[u8]` access.
unsafe impl Sync for Blob {}

impl Deref for Blob {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        // SAFETY: `accept` checked that `len` fits in the block, which lies inside the region
        // in a mapping `heap` keeps alive, and moved the block to OWNED by this side, after
        // which a writer that follows the protocol no longer writes to it. Like `Record`, this
        // trusts the peer process: one that kept writing would change bytes behind this
        // `&[u8]`; bounds are never at stake.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl Blob {
    /// Bytes in the blob.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for a zero-length blob.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Drop for Blob {
    fn drop(&mut self) {
        if self.live {
            let _ = self.heap.inner.free(self.unit, self.word);
        }
    }
}

impl std::fmt::Debug for Blob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blob").field("unit", &self.unit).field("len", &self.len).finish()
    }
}

impl std::fmt::Debug for BlobMut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobMut").field("unit", &self.unit).field("len", &self.len).finish()
    }
}

impl std::fmt::Debug for Heap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Heap").field("max_blob", &self.max_blob()).finish()
    }
}
