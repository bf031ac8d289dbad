//! Single-producer single-consumer ring of variable-length records, in a segment region.
//!
//! # Layout
//!
//! Offsets from the start of the region. Head and tail sit 128 bytes apart so that the
//! producer's and the consumer's hot words never share a cache line (nor an adjacent-line
//! prefetch pair).
//!
//! | offset | size     | field                                                          |
//! |--------|----------|----------------------------------------------------------------|
//! | 0      | 4        | magic [`RING_MAGIC`]                                           |
//! | 4      | 4        | capacity `C` of the data area in bytes (a power of two)        |
//! | 8      | 4        | producer end: 0 free, 1 open, 2 closed                         |
//! | 12     | 4        | consumer end: 0 free, 1 open, 2 closed                         |
//! | 128    | 4        | `tail`: bytes ever written, wrapping `u32` (consumer sleeps on it) |
//! | 132    | 4        | consumer waiter count                                          |
//! | 256    | 4        | `head`: bytes ever consumed, wrapping `u32` (producer sleeps on it) |
//! | 260    | 4        | producer waiter count                                          |
//! | 384    | `C`      | data                                                           |
//!
//! `tail - head` (wrapping) is the number of bytes in use, at most `C`; `pos & (C - 1)` is a
//! position's index in the data area. Because `C` divides 2^32, wrapping `u32` arithmetic is
//! exact.
//!
//! # Records
//!
//! A record starts on an 8-byte boundary with a `u32` header: the payload length, or
//! [`PAD`] for "skip to the wrap point". The payload follows; the record occupies
//! `round_up(4 + len, 8)` bytes. A record never straddles the wrap point: when it does not fit
//! before the end of the data area, the producer first publishes a pad record covering the
//! rest of the area, then writes the record at index 0. So a payload can be anything from 0
//! to `C - 4` bytes.
//!
//! # Protocol
//!
//! The producer writes a record's bytes, then publishes it by storing the new `tail` with
//! `SeqCst` (which includes Release); the consumer loads `tail` with Acquire before reading
//! the record. Symmetrically the consumer frees space by storing `head` after it is done with
//! a record. Each side reads the other's word only when its cached copy says it must. See
//! [`crate::wait`] for the "waiter present" handshake that keeps the fast path free of system
//! calls. The consumer validates everything it reads from the peer (indices, lengths), so a
//! broken producer yields [`ErrorKind::Corrupt`], never an out-of-bounds access.

use std::ops::Deref;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use crate::error::{Error, ErrorKind};
use crate::segment::{self, RegionKind, Segment};
use crate::wait::{self, Deadline, Spin};

/// Magic word at the start of a ring region: `b"ring"` little-endian.
pub const RING_MAGIC: u32 = u32::from_le_bytes(*b"ring");
/// Record header value marking a pad record (skip to the wrap point).
pub const PAD: u32 = u32::MAX;
/// Bytes of the region in front of the data area.
pub const RING_HEADER_LEN: usize = 384;
/// Bytes of a record's length header.
pub const RECORD_HEADER_LEN: usize = 4;
/// Smallest and largest ring capacity.
pub const MIN_CAPACITY: usize = 64;
/// Largest ring capacity (1 GiB).
pub const MAX_CAPACITY: usize = 1 << 30;
pub(crate) const MIN_REGION_LEN: usize = RING_HEADER_LEN + MIN_CAPACITY;

/// Default upper bound of spin iterations (each a load and a `spin_loop` hint, about 25 ns on
/// the benchmark machine, so about 50 µs) before a blocked `push` / `pop` goes to sleep.
/// A peer on another core answers a 64-byte ping in well under a microsecond, against about
/// 5 µs for a futex sleep and wake-up; see `examples/shm-bench.rs`. After the spins a waiter
/// yields the CPU a few times (which lets a peer that shares its core run) before sleeping.
pub const DEFAULT_SPIN: u32 = 2_000;

const OFF_MAGIC: usize = 0;
const OFF_CAPACITY: usize = 4;
const OFF_PRODUCER_END: usize = 8;
const OFF_CONSUMER_END: usize = 12;
const OFF_TAIL: usize = 128;
const OFF_CONSUMER_WAITERS: usize = 132;
const OFF_HEAD: usize = 256;
const OFF_PRODUCER_WAITERS: usize = 260;

const END_FREE: u32 = 0;
const END_OPEN: u32 = 1;
const END_CLOSED: u32 = 2;

pub(crate) fn region_len_for(capacity: usize) -> Result<usize, Error> {
    if !capacity.is_power_of_two() || !(MIN_CAPACITY..=MAX_CAPACITY).contains(&capacity) {
        return Err(Error::with_detail(
            ErrorKind::InvalidSegment,
            format!("ring capacity {capacity} must be a power of two from 64 bytes to 1 GiB"),
        ));
    }
    Ok(RING_HEADER_LEN + capacity)
}

/// Writes a fresh ring header.
///
/// # Safety
///
/// `ptr` must point to `len` >= [`MIN_REGION_LEN`] writable bytes (page-aligned, zeroed) that
/// nobody else uses yet.
pub(crate) unsafe fn init_region(ptr: *mut u8, len: usize) {
    debug_assert!(len >= MIN_REGION_LEN);
    // SAFETY: the caller guarantees `len` >= MIN_REGION_LEN writable, page-aligned bytes at
    // `ptr`, used by nobody else; magic and capacity are u32s at offsets 0 and 4 of them.
    unsafe {
        ptr.add(OFF_MAGIC).cast::<u32>().write(RING_MAGIC);
        ptr.add(OFF_CAPACITY).cast::<u32>().write((len - RING_HEADER_LEN) as u32);
    }
}

/// Wakes anyone sleeping on this ring (used when a segment is dropped).
///
/// # Safety
///
/// `ptr` must point to a live ring region of at least [`MIN_REGION_LEN`] bytes.
pub(crate) unsafe fn wake_all_in(ptr: *mut u8) {
    // SAFETY: the caller guarantees a live ring region of at least MIN_REGION_LEN bytes;
    // OFF_TAIL and OFF_HEAD lie inside its RING_HEADER_LEN-byte header, 4-aligned.
    unsafe {
        crate::futex::wake_all(segment::atomic_u32_at(ptr, OFF_TAIL));
        crate::futex::wake_all(segment::atomic_u32_at(ptr, OFF_HEAD));
    }
}

/// Pointers into one ring region, valid while the segment mapping lives.
struct Shared {
    base: *mut u8,
    data: *mut u8,
    capacity: u32,
}

impl Shared {
    fn open(seg: &Segment, index: usize, end_offset: usize) -> Result<(Shared, Segment), Error> {
        let region = seg.inner.region(index, RegionKind::Ring)?;
        let base = seg.inner.base().wrapping_add(region.offset);
        // SAFETY: the region was validated to lie in the mapping (which `seg` keeps alive) and
        // to be at least MIN_REGION_LEN long; magic and capacity are u32s at 4-aligned offsets
        // of its header, and any bit pattern is a valid u32 (both are checked next).
        let (magic, capacity) = unsafe {
            (
                base.add(OFF_MAGIC).cast::<u32>().read_volatile(),
                base.add(OFF_CAPACITY).cast::<u32>().read_volatile() as usize,
            )
        };
        let fits = RING_HEADER_LEN.checked_add(capacity).is_some_and(|n| n <= region.len);
        if magic != RING_MAGIC
            || !capacity.is_power_of_two()
            || !(MIN_CAPACITY..=MAX_CAPACITY).contains(&capacity)
            || !fits
        {
            return Err(Error::with_detail(
                ErrorKind::InvalidSegment,
                format!("region {index} has a bad ring header"),
            ));
        }
        let shared =
            Shared { base, data: base.wrapping_add(RING_HEADER_LEN), capacity: capacity as u32 };
        shared
            .word(end_offset)
            .compare_exchange(END_FREE, END_OPEN, Ordering::AcqRel, Ordering::Acquire)
            .map_err(|_| Error::new(ErrorKind::AlreadyClaimed))?;
        Ok((shared, seg.clone()))
    }

    fn word(&self, offset: usize) -> &AtomicU32 {
        debug_assert!(offset < RING_HEADER_LEN && offset.is_multiple_of(4));
        // SAFETY: `offset` is one of the header constants (inside the region, aligned); the
        // mapping outlives `self` because every ring end holds a `Segment` clone.
        unsafe { segment::atomic_u32_at(self.base, offset) }
    }

    /// `head` and `tail`, one Acquire load each (the values to validate and then use).
    fn indices(&self) -> (u32, u32) {
        (self.word(OFF_HEAD).load(Ordering::Acquire), self.word(OFF_TAIL).load(Ordering::Acquire))
    }

    /// Checks the indices an end starts from: both 8-aligned (records start on 8-byte
    /// boundaries), and `tail` at most a capacity ahead of `head` (wrapping), so that
    /// `capacity - (tail - head)` cannot underflow.
    fn check_indices(&self, index: usize, head: u32, tail: u32) -> Result<(), Error> {
        let used = tail.wrapping_sub(head);
        let why = if !head.is_multiple_of(8) {
            format!("head {head} is not a multiple of 8")
        } else if !tail.is_multiple_of(8) {
            format!("tail {tail} is not a multiple of 8")
        } else if used > self.capacity {
            format!("tail {tail} is {used} bytes ahead of head {head}, more than the capacity")
        } else {
            return Ok(());
        };
        Err(Error::with_detail(
            ErrorKind::Corrupt,
            format!("ring in region {index}: {why} ({} bytes)", self.capacity),
        ))
    }

    fn mask(&self) -> u32 {
        self.capacity - 1
    }

    fn end_closed(&self, offset: usize) -> Option<Error> {
        (self.word(offset).load(Ordering::Acquire) == END_CLOSED)
            .then(|| Error::new(ErrorKind::PeerClosed))
    }
}

impl Segment {
    /// Opens the producer end of the ring in region `index`. Each ring has one producer, for
    /// the life of the segment; dropping it closes the ring for writing (the consumer still
    /// drains what was sent, then gets [`ErrorKind::PeerClosed`]).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidSegment`] if region `index` is not a valid ring,
    /// [`ErrorKind::AlreadyClaimed`] if its producer end was already opened.
    ///
    /// # Examples
    ///
    /// ```
    /// use shm::{ErrorKind, Segment};
    ///
    /// let seg = Segment::builder().ring(64).build()?;
    /// let (mut tx, mut rx) = (seg.producer(0)?, seg.consumer(0)?);
    /// tx.try_push(b"ping")?;
    /// assert_eq!(&*rx.try_pop()?, b"ping"); // read in place; freed when dropped
    /// assert_eq!(rx.try_pop().unwrap_err().kind(), ErrorKind::Empty);
    /// assert_eq!(tx.max_record(), 60);
    /// # Ok::<(), shm::Error>(())
    /// ```
    pub fn producer(&self, index: usize) -> Result<Producer, Error> {
        Producer::open(self, index)
    }

    /// Opens the consumer end of the ring in region `index`; see [`Segment::producer`].
    pub fn consumer(&self, index: usize) -> Result<Consumer, Error> {
        Consumer::open(self, index)
    }
}

fn record_len(payload: usize) -> usize {
    (RECORD_HEADER_LEN + payload).next_multiple_of(8)
}

/// The writing end of a ring. Obtained from [`Segment::producer`]; one per ring.
pub struct Producer {
    shared: Shared,
    seg: Segment,
    /// Our own tail (we are its only writer).
    tail: u32,
    /// Last `head` seen; space is re-read only when this copy says the ring is full.
    head_cache: u32,
    spin: Spin,
}

// SAFETY: the raw pointers point into the segment mapping, which `seg` keeps alive; all
// accesses follow the SPSC protocol, which does not depend on the thread.
unsafe impl Send for Producer {}

impl Producer {
    pub(crate) fn open(seg: &Segment, index: usize) -> Result<Producer, Error> {
        let (shared, seg) = Shared::open(seg, index, OFF_PRODUCER_END)?;
        let (head, tail) = shared.indices();
        let producer =
            Producer { shared, seg, tail, head_cache: head, spin: Spin::new(DEFAULT_SPIN) };
        // The writes rely on `tail` being 8-aligned (so is every record) and at most a
        // capacity ahead of `head`. Both words are in shared memory, where a broken peer may
        // have written anything, so they are checked rather than trusted. (On an error,
        // dropping `producer` marks the end closed.)
        producer.shared.check_indices(index, head, tail)?;
        Ok(producer)
    }

    /// Largest payload one record can carry: the capacity minus the 4-byte header.
    pub fn max_record(&self) -> usize {
        self.shared.capacity as usize - RECORD_HEADER_LEN
    }

    /// Bytes of the data area.
    pub fn capacity(&self) -> usize {
        self.shared.capacity as usize
    }

    /// Sets the most spin iterations a blocked `push` makes before sleeping (0: sleep at once).
    /// After the spins come a few `sched_yield`s (none when `iterations` is 0).
    pub fn set_spin(&mut self, iterations: u32) {
        self.spin = Spin::new(iterations);
    }

    /// Appends one record without blocking.
    ///
    /// A record that does not fit before the end of the data area needs the consumer to skip
    /// the pad record in front of it first, so `try_push` can report `Full` for a record that
    /// will fit after the consumer's next pop attempt (`push` simply waits for that).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Full`] when there is no room now; [`ErrorKind::RecordTooLarge`] when there
    /// never will be; [`ErrorKind::PeerClosed`] / [`ErrorKind::PeerDead`] when the consumer is
    /// known to be gone. The payload is only borrowed, so the caller still has it.
    pub fn try_push(&mut self, payload: &[u8]) -> Result<(), Error> {
        self.try_push_parts(&[payload])
    }

    /// [`Producer::try_push`] for a record made of several slices, written back to back
    /// (e.g. a frame header and its body) without assembling them first.
    pub fn try_push_parts(&mut self, parts: &[&[u8]]) -> Result<(), Error> {
        let len = parts.iter().map(|p| p.len()).sum();
        match self.reserve(len)? {
            Some(index) => {
                self.write(index, len, parts);
                Ok(())
            }
            None => Err(Error::new(ErrorKind::Full)),
        }
    }

    /// Appends one record, waiting up to `timeout` for room (`Duration::MAX`: no limit).
    /// Records are never dropped or overwritten: a full ring makes this wait.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Timeout`], [`ErrorKind::RecordTooLarge`], [`ErrorKind::PeerClosed`] or
    /// [`ErrorKind::PeerDead`] (noticed within a wait slice of the consumer's death).
    pub fn push(&mut self, payload: &[u8], timeout: Duration) -> Result<(), Error> {
        self.push_parts(&[payload], timeout)
    }

    /// [`Producer::push`] for a record made of several slices.
    pub fn push_parts(&mut self, parts: &[&[u8]], timeout: Duration) -> Result<(), Error> {
        let len = parts.iter().map(|p| p.len()).sum();
        let mut deadline = Deadline::after(timeout);
        loop {
            if let Some(index) = self.reserve(len)? {
                self.write(index, len, parts);
                return Ok(());
            }
            let shared = &self.shared;
            wait::wait_for_change(
                &self.seg.inner,
                shared.word(OFF_HEAD),
                self.head_cache,
                shared.word(OFF_PRODUCER_WAITERS),
                &mut deadline,
                self.spin,
                || shared.end_closed(OFF_CONSUMER_END),
            )?;
        }
    }

    /// Finds room for a record of `len` payload bytes; returns its data index, or `None` if
    /// the ring is full now. Publishes a pad record first if the record would cross the end.
    fn reserve(&mut self, len: usize) -> Result<Option<u32>, Error> {
        if len > self.max_record() {
            return Err(Error::new(ErrorKind::RecordTooLarge { len, max: self.max_record() }));
        }
        if let Some(err) = self.shared.end_closed(OFF_CONSUMER_END) {
            return Err(err);
        }
        if let Some(err) = wait::gone_error(self.seg.inner.peer_status_cheap()) {
            return Err(err);
        }
        let need = record_len(len) as u32;
        let index = self.tail & self.shared.mask();
        let to_end = self.shared.capacity - index;
        if need > to_end {
            if !self.has_room(to_end)? {
                return Ok(None);
            }
            // SAFETY: `index` = tail & mask < capacity, and is 8-aligned because `tail` is (checked
            // in `open`, then only advanced by `record_len`s and by pads to the wrap point, all
            // multiples of 8), so the u32 is aligned and its 4 bytes fit in `to_end` >= 8. Those
            // bytes are free (`has_room(to_end)` just now), so the consumer does not read them
            // until we publish.
            unsafe { self.shared.data.add(index as usize).cast::<u32>().write_volatile(PAD) };
            self.publish(self.tail.wrapping_add(to_end));
        }
        if !self.has_room(need)? {
            return Ok(None);
        }
        Ok(Some(self.tail & self.shared.mask()))
    }

    fn has_room(&mut self, need: u32) -> Result<bool, Error> {
        let capacity = self.shared.capacity;
        if capacity - self.tail.wrapping_sub(self.head_cache) >= need {
            return Ok(true);
        }
        // One load, validated before it is cached: `head_cache` must always be a head the
        // subtraction above can use without underflow, even after a refused value.
        let head = self.shared.word(OFF_HEAD).load(Ordering::Acquire);
        let used = self.tail.wrapping_sub(head);
        if used > capacity {
            return Err(Error::with_detail(
                ErrorKind::Corrupt,
                format!("ring head {head} is past tail {}", self.tail),
            ));
        }
        self.head_cache = head;
        Ok(capacity - used >= need)
    }

    fn write(&mut self, index: u32, len: usize, parts: &[&[u8]]) {
        let index = index as usize;
        debug_assert!(index.is_multiple_of(8) && index + record_len(len) <= self.capacity());
        // SAFETY: `reserve` proved that the record's `record_len(len)` bytes from `index` are
        // free and inside the data area, and `index` is 8-aligned (see `reserve`), so the
        // header u32 is aligned; the payload parts are our caller's slices, disjoint from the
        // mapping's free space. The consumer reads these bytes only after `publish`.
        unsafe {
            let at = self.shared.data.add(index);
            at.cast::<u32>().write_volatile(len as u32);
            let mut dst = at.add(RECORD_HEADER_LEN);
            for part in parts {
                std::ptr::copy_nonoverlapping(part.as_ptr(), dst, part.len());
                dst = dst.add(part.len());
            }
        }
        self.publish(self.tail.wrapping_add(record_len(len) as u32));
    }

    fn publish(&mut self, tail: u32) {
        self.tail = tail;
        let word = self.shared.word(OFF_TAIL);
        word.store(tail, Ordering::SeqCst);
        wait::wake_if_waiting(word, self.shared.word(OFF_CONSUMER_WAITERS));
    }
}

impl Drop for Producer {
    fn drop(&mut self) {
        self.shared.word(OFF_PRODUCER_END).store(END_CLOSED, Ordering::SeqCst);
        crate::futex::wake_all(self.shared.word(OFF_TAIL));
    }
}

/// The reading end of a ring. Obtained from [`Segment::consumer`]; one per ring.
pub struct Consumer {
    shared: Shared,
    seg: Segment,
    /// Our own head (we are its only writer).
    head: u32,
    /// Last `tail` seen; re-read only when this copy says the ring is empty.
    tail_cache: u32,
    spin: Spin,
}

// SAFETY: as for `Producer`.
unsafe impl Send for Consumer {}

impl Consumer {
    pub(crate) fn open(seg: &Segment, index: usize) -> Result<Consumer, Error> {
        let (shared, seg) = Shared::open(seg, index, OFF_CONSUMER_END)?;
        let (head, tail) = shared.indices();
        let consumer =
            Consumer { shared, seg, head, tail_cache: head, spin: Spin::new(DEFAULT_SPIN) };
        // Our `head` comes from shared memory too: every read of a record header relies on
        // it being 8-aligned, and `tail - head` must be a byte count the data area can hold.
        consumer.shared.check_indices(index, head, tail)?;
        Ok(consumer)
    }

    /// Bytes of the data area.
    pub fn capacity(&self) -> usize {
        self.shared.capacity as usize
    }

    /// Sets the most spin iterations a blocked `pop` makes before sleeping (0: sleep at once).
    /// After the spins come a few `sched_yield`s (none when `iterations` is 0).
    pub fn set_spin(&mut self, iterations: u32) {
        self.spin = Spin::new(iterations);
    }

    /// Takes the next record without blocking. The record is read in place; its space is
    /// given back to the producer when the returned [`Record`] is dropped.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Empty`] when there is nothing now; [`ErrorKind::PeerClosed`] /
    /// [`ErrorKind::PeerDead`] when there is nothing and the producer is known to be gone;
    /// [`ErrorKind::Corrupt`] when the producer wrote an impossible record.
    pub fn try_pop(&mut self) -> Result<Record<'_>, Error> {
        match self.next_record()? {
            Some((offset, len)) => Ok(self.record(offset, len)),
            None => {
                let gone = self
                    .shared
                    .end_closed(OFF_PRODUCER_END)
                    .or_else(|| wait::gone_error(self.seg.inner.peer_status_cheap()));
                // A record published just before the producer left is still delivered.
                match (gone, self.next_record()?) {
                    (_, Some((offset, len))) => Ok(self.record(offset, len)),
                    (Some(err), None) => Err(err),
                    (None, None) => Err(Error::new(ErrorKind::Empty)),
                }
            }
        }
    }

    /// Takes the next record, waiting up to `timeout` for one (`Duration::MAX`: no limit).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Timeout`], [`ErrorKind::PeerClosed`], [`ErrorKind::PeerDead`] (noticed
    /// within a wait slice of the producer's death, after every record it published has been
    /// delivered), [`ErrorKind::Corrupt`].
    pub fn pop(&mut self, timeout: Duration) -> Result<Record<'_>, Error> {
        let mut deadline = Deadline::after(timeout);
        loop {
            if let Some((offset, len)) = self.next_record()? {
                return Ok(self.record(offset, len));
            }
            let shared = &self.shared;
            wait::wait_for_change(
                &self.seg.inner,
                shared.word(OFF_TAIL),
                self.tail_cache,
                shared.word(OFF_CONSUMER_WAITERS),
                &mut deadline,
                self.spin,
                || shared.end_closed(OFF_PRODUCER_END),
            )?;
        }
    }

    fn record(&mut self, index: usize, len: usize) -> Record<'_> {
        // SAFETY: `next_record` checked `index + record_len(len)` <= capacity, so
        // `index + RECORD_HEADER_LEN` stays inside the data area.
        let ptr = unsafe { self.shared.data.add(index + RECORD_HEADER_LEN) };
        let next = self.head.wrapping_add(record_len(len) as u32);
        Record { consumer: self, ptr, len, next }
    }

    /// Index and length of the next record, skipping pad records; `None` if empty.
    fn next_record(&mut self) -> Result<Option<(usize, usize)>, Error> {
        loop {
            if self.tail_cache == self.head {
                self.tail_cache = self.shared.word(OFF_TAIL).load(Ordering::Acquire);
                if self.tail_cache == self.head {
                    return Ok(None);
                }
            }
            let available = self.tail_cache.wrapping_sub(self.head) as usize;
            let index = (self.head & self.shared.mask()) as usize;
            let to_end = self.capacity() - index;
            if available > self.capacity() || !index.is_multiple_of(8) {
                return Err(Error::with_detail(ErrorKind::Corrupt, "ring tail out of range"));
            }
            // SAFETY: `index` < capacity and 8-aligned (checked), and the producer published
            // at least one record there (available > 0), read with Acquire above.
            let header = unsafe { self.shared.data.add(index).cast::<u32>().read_volatile() };
            if header == PAD {
                if to_end > available {
                    return Err(Error::with_detail(ErrorKind::Corrupt, "ring pad past tail"));
                }
                self.commit(self.head.wrapping_add(to_end as u32));
                continue;
            }
            let len = header as usize;
            let need = RECORD_HEADER_LEN.checked_add(len).map(|n| n.next_multiple_of(8));
            match need {
                Some(need) if need <= to_end && need <= available => return Ok(Some((index, len))),
                _ => {
                    return Err(Error::with_detail(
                        ErrorKind::Corrupt,
                        format!("record length {len} exceeds the published bytes"),
                    ));
                }
            }
        }
    }

    fn commit(&mut self, head: u32) {
        self.head = head;
        let word = self.shared.word(OFF_HEAD);
        word.store(head, Ordering::SeqCst);
        wait::wake_if_waiting(word, self.shared.word(OFF_PRODUCER_WAITERS));
    }
}

impl Drop for Consumer {
    fn drop(&mut self) {
        self.shared.word(OFF_CONSUMER_END).store(END_CLOSED, Ordering::SeqCst);
        crate::futex::wake_all(self.shared.word(OFF_HEAD));
    }
}

/// One record, read in place in the ring. Dereferences to its payload; dropping it gives the
/// space back to the producer.
///
/// The payload lies in memory the producer can write. Its bounds were checked once, when it
/// was popped, and never depend on what the producer writes later; its contents are the
/// producer's word and, if the producer breaks the protocol, may change while the record is
/// held. Copy them out before validating anything that must stay valid (see "What the peer
/// can write" in the crate's README).
pub struct Record<'a> {
    consumer: &'a mut Consumer,
    ptr: *const u8,
    len: usize,
    next: u32,
}

impl Deref for Record<'_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        // SAFETY: the payload lies inside the data area (validated by `next_record`), which
        // lives as long as the consumer's `seg`, and a producer that follows the protocol does
        // not write there until `head` moves past it, which happens only when this record is
        // dropped. This trusts the peer process: one that broke the protocol and wrote into a
        // published record would change bytes behind this `&[u8]`, which Rust's aliasing rules
        // forbid; bounds are never at stake, since the slice stays inside our mapping.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

impl Drop for Record<'_> {
    fn drop(&mut self) {
        self.consumer.commit(self.next);
    }
}

impl std::fmt::Debug for Record<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Record").field("len", &self.len).finish()
    }
}

impl std::fmt::Debug for Producer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Producer").field("capacity", &self.capacity()).finish()
    }
}

impl std::fmt::Debug for Consumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer").field("capacity", &self.capacity()).finish()
    }
}

#[cfg(test)]
mod tests;
