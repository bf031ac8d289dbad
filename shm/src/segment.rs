//! The shared-memory segment: a sealed anonymous memfd, mapped shared by two processes.
//!
//! # Layout
//!
//! The segment starts with a [`HEADER_LEN`]-byte header; regions (rings and heaps) follow,
//! each starting on a 4 KiB boundary. Everything is addressed by offsets from the start of
//! the segment, never by pointers, because the two processes map it at different addresses.
//!
//! | offset | size    | field                                                            |
//! |--------|---------|------------------------------------------------------------------|
//! | 0      | 8       | magic, [`MAGIC`] (`b"shmseg\0\0"` read as a little-endian u64)    |
//! | 8      | 4       | layout version, [`LAYOUT_VERSION`]                               |
//! | 12     | 4       | number of regions (at most [`MAX_REGIONS`])                      |
//! | 16     | 8       | total size of the segment in bytes                               |
//! | 24     | 40      | reserved, zero                                                   |
//! | 64     | 64      | creator's [`SideSlot`](crate::peer::SideSlot) (pid, state)       |
//! | 128    | 64      | attacher's `SideSlot`                                            |
//! | 192    | 24 × 16 | region table: `kind: u32`, reserved `u32`, `offset: u64`, `len: u64` |
//!
//! The creator writes the header before the descriptor leaves the process, and nobody writes
//! its immutable part afterwards. The attaching side still trusts nothing: it checks the real
//! file size with `fstat`, the seals, the magic, the version, the recorded size against the
//! file size and every region's bounds, and from then on uses only its own validated copy of
//! the region table.
//!
//! The memfd is sealed with `F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL`, so neither process can
//! truncate it under the other (which would turn every access into a `SIGBUS`).

use std::ffi::CStr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use memmap2::{MmapOptions, MmapRaw};

use crate::error::{Error, ErrorKind};
use crate::heap::HeldUnits;
use crate::peer::{self, PeerStatus, PeerWatch, Side, SideSlot};
use crate::{heap, ring};

/// `b"shmseg\0\0"` as a little-endian `u64`.
pub const MAGIC: u64 = u64::from_le_bytes(*b"shmseg\0\0");
/// Version of the layout described in this module; bumped on any incompatible change.
pub const LAYOUT_VERSION: u32 = 1;
/// Bytes reserved for the header; the first region starts here.
pub const HEADER_LEN: usize = 4096;
/// Most regions one segment can hold.
pub const MAX_REGIONS: usize = 16;

const ALIGN: usize = 4096;
const SIDES_OFFSET: usize = 64;
const TABLE_OFFSET: usize = 192;

/// The fixed first 24 bytes of the header.
#[repr(C)]
#[derive(Clone, Copy)]
struct Preamble {
    magic: u64,
    version: u32,
    region_count: u32,
    total_len: u64,
}

/// One row of the region table (24 bytes).
#[repr(C)]
#[derive(Clone, Copy)]
struct RegionEntry {
    kind: u32,
    reserved: u32,
    offset: u64,
    len: u64,
}

/// What a region of a segment holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RegionKind {
    /// A single-producer single-consumer record ring ([`crate::Producer`], [`crate::Consumer`]).
    Ring,
    /// A blob heap ([`crate::Heap`]).
    Heap,
}

impl RegionKind {
    fn code(self) -> u32 {
        match self {
            RegionKind::Ring => 1,
            RegionKind::Heap => 2,
        }
    }

    fn from_code(code: u32) -> Option<RegionKind> {
        match code {
            1 => Some(RegionKind::Ring),
            2 => Some(RegionKind::Heap),
            _ => None,
        }
    }
}

/// A validated region: where it is and what it holds. Local copy, never re-read from shared
/// memory.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Region {
    pub(crate) kind: RegionKind,
    pub(crate) offset: usize,
    pub(crate) len: usize,
}

/// Describes the regions of a new segment, then creates it. See [`Segment::builder`].
#[derive(Clone, Debug, Default)]
pub struct SegmentBuilder {
    regions: Vec<(RegionKind, usize)>,
    populate: bool,
}

impl SegmentBuilder {
    /// Adds a ring whose data area holds `capacity` bytes (a power of two, 64 bytes to 1 GiB).
    /// Regions are numbered in the order they are added, from 0.
    pub fn ring(mut self, capacity: usize) -> SegmentBuilder {
        self.regions.push((RegionKind::Ring, capacity));
        self
    }

    /// Adds a blob heap of about `bytes` bytes (metadata included; at least 64 KiB).
    pub fn heap(mut self, bytes: usize) -> SegmentBuilder {
        self.regions.push((RegionKind::Heap, bytes));
        self
    }

    /// Pre-faults the whole mapping at creation (`MAP_POPULATE`): slower to create, no page
    /// faults on first use. Off by default.
    pub fn populate(mut self, yes: bool) -> SegmentBuilder {
        self.populate = yes;
        self
    }

    /// Creates the memfd, sizes and seals it, maps it and writes the header and regions.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidSegment`] for a bad region size or too many regions,
    /// [`ErrorKind::Io`] when a system call fails.
    pub fn build(self) -> Result<Segment, Error> {
        if self.regions.len() > MAX_REGIONS {
            return Err(Error::with_detail(
                ErrorKind::InvalidSegment,
                format!("{} regions requested, at most {MAX_REGIONS}", self.regions.len()),
            ));
        }
        let mut table = Vec::with_capacity(self.regions.len());
        let mut offset = HEADER_LEN;
        for &(kind, size) in &self.regions {
            let len = match kind {
                RegionKind::Ring => ring::region_len_for(size)?,
                RegionKind::Heap => heap::region_len_for(size)?,
            };
            table.push(Region { kind, offset, len });
            offset = offset.checked_add(len.next_multiple_of(ALIGN)).ok_or_else(|| {
                Error::with_detail(ErrorKind::InvalidSegment, "segment too large")
            })?;
        }
        let total = offset;

        let fd = memfd_create(c"shm-segment")?;
        // SAFETY: `fd` is a valid descriptor we own; ftruncate does not touch our memory.
        if unsafe { libc::ftruncate(fd.as_raw_fd(), total as libc::off_t) } != 0 {
            return Err(Error::last_os("ftruncate"));
        }
        let seals = libc::F_SEAL_SHRINK | libc::F_SEAL_GROW | libc::F_SEAL_SEAL;
        // SAFETY: F_ADD_SEALS takes an integer argument, no pointer, so the call reads and
        // writes none of our memory; `fd` is owned, hence open.
        if unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_ADD_SEALS, seals) } != 0 {
            return Err(Error::last_os("fcntl(F_ADD_SEALS)"));
        }
        let map = map(&fd, total, self.populate)?;
        let base = map.as_mut_ptr();

        let preamble = Preamble {
            magic: MAGIC,
            version: LAYOUT_VERSION,
            region_count: table.len() as u32,
            total_len: total as u64,
        };
        for (i, region) in table.iter().enumerate() {
            let entry = RegionEntry {
                kind: region.kind.code(),
                reserved: 0,
                offset: region.offset as u64,
                len: region.len as u64,
            };
            // SAFETY: the mapping is `total` >= HEADER_LEN bytes and `i` < MAX_REGIONS (checked
            // on entry), so the 24-byte entry ends before TABLE_OFFSET + 24 * 16 < HEADER_LEN;
            // it is 8-aligned (page-aligned base, TABLE_OFFSET and 24 multiples of 8).
            unsafe { base.add(TABLE_OFFSET + i * 24).cast::<RegionEntry>().write_volatile(entry) };
            // SAFETY: `init_region`'s contract. `region.offset` is a multiple of 4096 and
            // `region.offset + region.len` <= `total`, the mapping's length, so `ptr` is
            // page-aligned with `region.len` writable bytes behind it; `region.len` comes from
            // the kind's `region_len_for`, so it is at least its MIN_REGION_LEN; the memfd was
            // just created and sized, so the bytes are zero; and nothing else uses them yet (no
            // other process has the descriptor, no other handle exists in this one).
            unsafe {
                let ptr = base.add(region.offset);
                match region.kind {
                    RegionKind::Ring => ring::init_region(ptr, region.len),
                    RegionKind::Heap => heap::init_region(ptr, region.len),
                }
            }
        }
        // SAFETY: the 24-byte `Preamble` at offset 0 lies inside the mapping (at least
        // HEADER_LEN bytes) and the page-aligned base satisfies its 8-byte alignment; nobody
        // else can see the mapping yet. (Written last so a half-built header never has a valid
        // magic.)
        unsafe { base.cast::<Preamble>().write_volatile(preamble) };

        let inner = Inner {
            map,
            fd,
            len: total,
            side: Side::Creator,
            regions: table,
            watch: Default::default(),
            held: Default::default(),
        };
        let me = inner.slot(Side::Creator);
        me.pid.store(std::process::id(), Ordering::Relaxed);
        me.state.store(peer::ATTACHED, Ordering::Release);
        Ok(Segment { inner: Arc::new(inner) })
    }
}

/// A shared-memory segment mapped into this process. Cheap to clone (all clones share one
/// mapping); the mapping is removed, and this side marked closed, when the last clone and the
/// last ring end or blob that uses it are dropped.
#[derive(Clone)]
pub struct Segment {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    map: MmapRaw,
    fd: OwnedFd,
    len: usize,
    side: Side,
    regions: Vec<Region>,
    watch: PeerWatch,
    /// Per heap region, the units this process holds (process memory, out of the peer's
    /// reach; see `heap/held.rs`), shared by every `Heap` handle opened on the region.
    held: Mutex<Vec<(usize, Arc<HeldUnits>)>>,
}

// SAFETY: `Inner` owns a mapping and a descriptor; the raw pointer inside `MmapRaw` is only
// dereferenced through atomics or through the ring and heap protocols, which are built for
// concurrent access (from two processes, so a fortiori from several threads). `PeerWatch`
// holds a `Mutex`, and so does `held`.
unsafe impl Send for Inner {}
// SAFETY: as above; every shared access goes through atomics or the documented protocols.
unsafe impl Sync for Inner {}

impl Segment {
    /// Starts describing a new segment: add rings and heaps, then [`SegmentBuilder::build`].
    ///
    /// ```
    /// let seg = shm::Segment::builder().ring(4096).heap(1 << 20).build()?;
    /// assert_eq!(seg.region_count(), 2);
    /// # Ok::<(), shm::Error>(())
    /// ```
    pub fn builder() -> SegmentBuilder {
        SegmentBuilder::default()
    }

    /// Maps a segment created by another process (or this one) from its descriptor and takes
    /// the [`Side::Attacher`] side. The descriptor is marked close-on-exec again, so it does
    /// not leak into this process's own children.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidSegment`] if the file is not a sealed segment of this layout
    /// version with a consistent header; [`ErrorKind::AlreadyAttached`] if another live process
    /// holds the attaching side.
    pub fn attach(fd: OwnedFd) -> Result<Segment, Error> {
        set_cloexec(fd.as_fd(), true)?;
        // SAFETY: `libc::stat` is a C struct of integer fields (and padding), for which
        // all-zero bytes are a valid value.
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        // SAFETY: `st` is a valid, writable `stat` for fstat to fill and outlives the call;
        // `fd` is owned, hence open.
        if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } != 0 {
            return Err(Error::last_os("fstat"));
        }
        let file_len = usize::try_from(st.st_size).unwrap_or(0);
        let invalid = |why: String| Error::with_detail(ErrorKind::InvalidSegment, why);
        if file_len < HEADER_LEN {
            return Err(invalid(format!("file is {file_len} bytes, smaller than the header")));
        }
        // SAFETY: F_GET_SEALS takes no argument and touches none of our memory; `fd` is owned,
        // hence open.
        let seals = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GET_SEALS) };
        let needed = libc::F_SEAL_SHRINK | libc::F_SEAL_GROW;
        if seals < 0 || seals & needed != needed {
            return Err(invalid("file is not sealed against resizing".into()));
        }
        let map = map(&fd, file_len, false)?;
        let base = map.as_mut_ptr();
        // SAFETY: the mapping is `file_len` >= HEADER_LEN bytes (checked above; the seals keep
        // the file from shrinking under it) and page-aligned, so the 24-byte, 8-aligned
        // `Preamble` at offset 0 is inside it. `Preamble` is integers only, so whatever bytes
        // the creator left there are a valid value; they are copied out and checked below.
        let pre = unsafe { base.cast::<Preamble>().read_volatile() };
        if pre.magic != MAGIC {
            return Err(invalid("bad magic; not a shm segment".into()));
        }
        if pre.version != LAYOUT_VERSION {
            return Err(invalid(format!(
                "layout version {} but this build speaks {LAYOUT_VERSION}; rebuild both sides",
                pre.version
            )));
        }
        if pre.total_len != file_len as u64 {
            return Err(invalid(format!(
                "header says {} bytes but the file has {file_len}",
                pre.total_len
            )));
        }
        let count = pre.region_count as usize;
        if count > MAX_REGIONS {
            return Err(invalid(format!("{count} regions, at most {MAX_REGIONS}")));
        }
        let mut regions = Vec::with_capacity(count);
        let mut end_of_previous = HEADER_LEN;
        for i in 0..count {
            // SAFETY: `i` < `count` <= MAX_REGIONS (checked above), so the entry lies before
            // TABLE_OFFSET + 24 * 16 < HEADER_LEN <= `file_len`, at an 8-aligned offset of the
            // page-aligned mapping. `RegionEntry` is integers only, so any bytes are a valid
            // value; the copy is validated before use.
            let e =
                unsafe { base.add(TABLE_OFFSET + i * 24).cast::<RegionEntry>().read_volatile() };
            let kind = RegionKind::from_code(e.kind)
                .ok_or_else(|| invalid(format!("region {i} has unknown kind {}", e.kind)))?;
            let (offset, len) = (e.offset as usize, e.len as usize);
            let end = offset.checked_add(len).filter(|&end| end <= file_len);
            let min = match kind {
                RegionKind::Ring => ring::MIN_REGION_LEN,
                RegionKind::Heap => heap::MIN_REGION_LEN,
            };
            match end {
                Some(end) if offset >= end_of_previous && offset % ALIGN == 0 && len >= min => {
                    end_of_previous = end;
                }
                _ => return Err(invalid(format!("region {i} is out of bounds or overlaps"))),
            }
            regions.push(Region { kind, offset, len });
        }

        let inner = Inner {
            map,
            fd,
            len: file_len,
            side: Side::Attacher,
            regions,
            watch: Default::default(),
            held: Default::default(),
        };
        inner.claim_attacher_side()?;
        Ok(Segment { inner: Arc::new(inner) })
    }

    /// [`Segment::attach`] for a descriptor number inherited from the parent (named on the
    /// command line).
    ///
    /// # Safety
    ///
    /// `fd` must be an open descriptor that nothing else in this process owns or will close:
    /// the returned segment takes ownership of it.
    pub unsafe fn attach_raw_fd(fd: RawFd) -> Result<Segment, Error> {
        // SAFETY: F_GETFD takes no argument and only reads the descriptor's flags, so it is
        // harmless on any number: one that is not an open descriptor fails with EBADF (handled
        // below, before anything claims it).
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } < 0 {
            return Err(Error::last_os("fcntl(F_GETFD) on the inherited descriptor"));
        }
        // SAFETY: the caller guarantees exclusive ownership of the open descriptor `fd`.
        Segment::attach(unsafe { OwnedFd::from_raw_fd(fd) })
    }

    /// The memfd behind the segment, e.g. to dup it or pass it over a Unix socket.
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.inner.fd.as_fd()
    }

    /// Arranges for `command`'s child to inherit the segment's descriptor under the same number,
    /// and returns that number (name it on the child's command line; the child calls
    /// [`Segment::attach_raw_fd`]). Only this child inherits it: the descriptor stays
    /// close-on-exec everywhere else.
    ///
    /// Call [`Segment::set_peer_pid`] with the spawned child's pid so that a child that dies
    /// before attaching is still noticed.
    pub fn share_with(&self, command: &mut Command) -> RawFd {
        let fd = self.inner.fd.as_raw_fd();
        let keep_alive = self.clone();
        // SAFETY: the closure runs in the child between fork and exec, where only
        // async-signal-safe functions may be called; it calls fcntl only and reads errno on
        // failure (no allocation, no locks). `keep_alive` keeps the descriptor open, so `fd`
        // names the segment's memfd, for as long as `command` can spawn.
        unsafe {
            command.pre_exec(move || {
                let _ = &keep_alive;
                let flags = libc::fcntl(fd, libc::F_GETFD);
                if flags < 0 || libc::fcntl(fd, libc::F_SETFD, flags & !libc::FD_CLOEXEC) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            })
        };
        fd
    }

    /// Records the pid of the child this segment was shared with, before it attaches, so that
    /// waits notice the child dying even if it never attached. Creator side only; ignored once
    /// the attaching side is claimed.
    pub fn set_peer_pid(&self, pid: u32) {
        if self.inner.side != Side::Creator {
            return;
        }
        let slot = self.inner.slot(Side::Attacher);
        if slot.state.load(Ordering::Acquire) == peer::EMPTY {
            slot.pid.store(pid, Ordering::Release);
            let _ = slot.state.compare_exchange(
                peer::EMPTY,
                peer::EXPECTED,
                Ordering::AcqRel,
                Ordering::Acquire,
            );
        }
    }

    /// Which side this process is.
    pub fn side(&self) -> Side {
        self.inner.side
    }

    /// The state of the other side, asking the kernel if the shared state says it is alive.
    pub fn peer_status(&self) -> PeerStatus {
        self.inner.check_peer()
    }

    /// Total size of the segment in bytes.
    pub fn len(&self) -> usize {
        self.inner.len
    }

    /// Always false: a segment holds at least its header. Present for API symmetry.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Number of regions (rings and heaps), numbered from 0 in creation order.
    pub fn region_count(&self) -> usize {
        self.inner.regions.len()
    }

    /// What region `index` holds, if it exists.
    pub fn region_kind(&self, index: usize) -> Option<RegionKind> {
        self.inner.regions.get(index).map(|r| r.kind)
    }
}

impl std::fmt::Debug for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segment")
            .field("fd", &self.inner.fd.as_raw_fd())
            .field("len", &self.inner.len)
            .field("side", &self.inner.side)
            .field("regions", &self.inner.regions)
            .finish()
    }
}

impl Inner {
    pub(crate) fn side(&self) -> Side {
        self.side
    }

    /// Start of the mapping. Valid for `self.len` bytes while `self` lives.
    pub(crate) fn base(&self) -> *mut u8 {
        self.map.as_mut_ptr()
    }

    /// The validated region `index`, if it holds `kind`.
    /// The bitmap of units this process holds in heap region `index`, made on first use.
    pub(crate) fn held_units(&self, index: usize, units: usize) -> Arc<HeldUnits> {
        // A poisoned lock only means a thread panicked while pushing; the list is still valid.
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, units)) = held.iter().find(|(i, _)| *i == index) {
            return units.clone();
        }
        let made = Arc::new(HeldUnits::new(units));
        held.push((index, made.clone()));
        made
    }

    pub(crate) fn region(&self, index: usize, kind: RegionKind) -> Result<Region, Error> {
        match self.regions.get(index) {
            Some(r) if r.kind == kind => Ok(*r),
            Some(r) => Err(Error::with_detail(
                ErrorKind::InvalidSegment,
                format!("region {index} is a {:?}, not a {kind:?}", r.kind),
            )),
            None => Err(Error::with_detail(
                ErrorKind::InvalidSegment,
                format!("no region {index}; the segment has {}", self.regions.len()),
            )),
        }
    }

    pub(crate) fn slot(&self, side: Side) -> &SideSlot {
        // SAFETY: the two slots lie at SIDES_OFFSET within the header (inside the mapping,
        // 64-byte aligned) and consist of atomics only, so shared references are sound for as
        // long as the mapping (`self`) lives.
        unsafe { &*self.base().add(SIDES_OFFSET + side.index() * 64).cast::<SideSlot>() }
    }

    /// The peer's state word alone: no system call. For non-blocking paths.
    pub(crate) fn peer_status_cheap(&self) -> PeerStatus {
        peer::status_from_word(self.slot(self.side.peer()))
    }

    /// Records the CPU this side is about to wait on, and says whether the peer last waited
    /// on the same one: then spinning for it would only delay it (it needs our core to run).
    pub(crate) fn peer_shares_our_cpu(&self) -> bool {
        // SAFETY: sched_getcpu has no preconditions (glibc answers from rseq or the vDSO).
        let cpu = unsafe { libc::sched_getcpu() };
        if cpu < 0 {
            return false;
        }
        let tag = cpu as u32 + 1;
        self.slot(self.side).cpu.store(tag, Ordering::Relaxed);
        self.slot(self.side.peer()).cpu.load(Ordering::Relaxed) == tag
    }

    /// Full liveness check of the peer (may `poll` a pidfd). For wait loops.
    pub(crate) fn check_peer(&self) -> PeerStatus {
        self.watch.check(self.slot(self.side.peer()))
    }

    fn claim_attacher_side(&self) -> Result<(), Error> {
        let slot = self.slot(Side::Attacher);
        let me = std::process::id();
        loop {
            let state = slot.state.load(Ordering::Acquire);
            let pid = slot.pid.load(Ordering::Acquire);
            let claimable = state == peer::EMPTY || (state == peer::EXPECTED && pid == me);
            if !claimable {
                return Err(Error::with_detail(
                    ErrorKind::AlreadyAttached,
                    format!("attaching side is held by pid {pid}"),
                ));
            }
            slot.pid.store(me, Ordering::Release);
            if slot
                .state
                .compare_exchange(state, peer::ATTACHED, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return Ok(());
            }
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        // Announce the clean close, then wake every sleeper so the peer learns it at once
        // instead of at the end of its current wait slice.
        let slot = self.slot(self.side);
        if slot.pid.load(Ordering::Acquire) == std::process::id() {
            let _ = slot.state.compare_exchange(
                peer::ATTACHED,
                peer::CLOSED,
                Ordering::AcqRel,
                Ordering::Acquire,
            );
        }
        for region in &self.regions {
            // SAFETY: `wake_all_in`'s contract: the region lies inside the mapping, which is
            // still mapped (it is unmapped after this function returns), and is at least its
            // kind's MIN_REGION_LEN long (`build` sizes it so, `attach` checks it).
            unsafe {
                let ptr = self.base().add(region.offset);
                match region.kind {
                    RegionKind::Ring => ring::wake_all_in(ptr),
                    RegionKind::Heap => heap::wake_all_in(ptr),
                }
            }
        }
    }
}

/// Sets or clears `FD_CLOEXEC` on `fd`. Clearing it makes the descriptor survive `exec`, which
/// is how a child inherits a segment; [`Segment::share_with`] does this only inside the child.
pub fn set_cloexec(fd: BorrowedFd<'_>, cloexec: bool) -> Result<(), Error> {
    let raw = fd.as_raw_fd();
    // SAFETY: F_GETFD and F_SETFD take integer arguments only and touch none of our memory;
    // `fd` is borrowed, hence open for the whole call.
    unsafe {
        let flags = libc::fcntl(raw, libc::F_GETFD);
        if flags < 0 {
            return Err(Error::last_os("fcntl(F_GETFD)"));
        }
        let new = if cloexec { flags | libc::FD_CLOEXEC } else { flags & !libc::FD_CLOEXEC };
        if libc::fcntl(raw, libc::F_SETFD, new) < 0 {
            return Err(Error::last_os("fcntl(F_SETFD)"));
        }
    }
    Ok(())
}

fn memfd_create(name: &CStr) -> Result<OwnedFd, Error> {
    // SAFETY: `name` is a valid NUL-terminated string; flags are valid memfd flags.
    let fd =
        unsafe { libc::memfd_create(name.as_ptr(), libc::MFD_CLOEXEC | libc::MFD_ALLOW_SEALING) };
    if fd < 0 {
        return Err(Error::last_os("memfd_create"));
    }
    // SAFETY: the kernel just returned this descriptor; we are its only owner.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn map(fd: &OwnedFd, len: usize, populate: bool) -> Result<MmapRaw, Error> {
    let mut options = MmapOptions::new();
    options.len(len);
    if populate {
        options.populate();
    }
    options.map_raw(fd.as_raw_fd()).map_err(|e| Error::io("mmap", e))
}

/// The first word of a region: a plain `u32` in shared memory.
///
/// # Safety
///
/// `ptr + offset` must be 4-byte aligned and inside a live mapping for `'a`.
pub(crate) unsafe fn atomic_u32_at<'a>(ptr: *mut u8, offset: usize) -> &'a AtomicU32 {
    // SAFETY: guaranteed by the caller; AtomicU32 has the size and alignment of u32.
    unsafe { &*ptr.add(offset).cast::<AtomicU32>() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dup(seg: &Segment) -> OwnedFd {
        seg.fd().try_clone_to_owned().unwrap()
    }

    #[test]
    fn attach_sees_the_same_regions() {
        let seg = Segment::builder().ring(4096).heap(1 << 20).build().unwrap();
        let other = Segment::attach(dup(&seg)).unwrap();
        assert_eq!(other.len(), seg.len());
        assert_eq!(other.region_kind(0), Some(RegionKind::Ring));
        assert_eq!(other.region_kind(1), Some(RegionKind::Heap));
        assert_eq!(other.side(), Side::Attacher);
        assert_eq!(seg.peer_status(), PeerStatus::Alive);
    }

    #[test]
    fn a_second_live_attacher_is_refused() {
        let seg = Segment::builder().ring(4096).build().unwrap();
        let _first = Segment::attach(dup(&seg)).unwrap();
        let err = Segment::attach(dup(&seg)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyAttached);
    }

    #[test]
    fn dropping_the_attacher_marks_it_closed() {
        let seg = Segment::builder().ring(4096).build().unwrap();
        assert_eq!(seg.peer_status(), PeerStatus::NotAttached);
        drop(Segment::attach(dup(&seg)).unwrap());
        assert_eq!(seg.peer_status(), PeerStatus::Closed);
    }

    #[test]
    fn bad_ring_capacity_is_refused_at_build_time() {
        let err = Segment::builder().ring(1000).build().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidSegment);
    }
}
