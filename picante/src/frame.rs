//! Frames: who is running, and what it has read.
//!
//! Every derived computation runs inside a [`Framed`] future that owns an [`ActiveFrame`]. On
//! each `poll`, `Framed` pushes its frame on a thread-local stack and pops it when the poll
//! returns (or unwinds). A read made while a frame is on top is recorded as that frame's
//! dependency. Because the scope is one poll of one future, a query that awaits two
//! sub-queries together (a join) records both: whichever branch is polled, the joining query's
//! frame is on top. This is the std-only equivalent of a tokio task-local.
//!
//! [`FrameInfo`] is the shareable identity of a running query (kind, slot, parent). Slot states
//! hold it as their owner, and the wait graph follows parent links to find cycles.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;

use crate::hash::FastHashSet;
use crate::key::{Dep, Deps};
use crate::snapshot::SnapshotState;
use crate::{Durability, QueryKindId, Revision};

/// Identity of a query that holds a claim on its slot (computing or verifying it).
pub(crate) struct FrameInfo {
    pub(crate) kind: QueryKindId,
    pub(crate) index: u32,
    /// The query on whose behalf this one runs; `None` for a top-level `get`.
    pub(crate) parent: Option<Arc<FrameInfo>>,
    /// The revision this query runs at: all its reads (and its sub-queries') are made as of it.
    pub(crate) revision: Revision,
    /// The snapshot this query runs in, if any (see `crate::snapshot`).
    pub(crate) snapshot: Option<Arc<SnapshotState>>,
    /// Futures waiting for this frame's claim to end.
    waiters: Mutex<Vec<Waker>>,
    /// Whether `waiters` may be non-empty: lets the release of an uncontended claim (the
    /// common case) skip the waiter lock.
    has_waiters: AtomicBool,
}

impl FrameInfo {
    pub(crate) fn new(
        kind: QueryKindId,
        index: u32,
        parent: Option<Arc<FrameInfo>>,
        revision: Revision,
    ) -> Arc<Self> {
        Arc::new(FrameInfo {
            kind,
            index,
            parent,
            revision,
            snapshot: None,
            waiters: Mutex::new(Vec::new()),
            has_waiters: AtomicBool::new(false),
        })
    }

    /// The frame of a query computed by `snapshot`, at its revision.
    pub(crate) fn in_snapshot(
        kind: QueryKindId,
        index: u32,
        parent: Option<Arc<FrameInfo>>,
        snapshot: Arc<SnapshotState>,
    ) -> Arc<Self> {
        Arc::new(FrameInfo {
            kind,
            index,
            parent,
            revision: snapshot.revision,
            snapshot: Some(snapshot),
            waiters: Mutex::new(Vec::new()),
            has_waiters: AtomicBool::new(false),
        })
    }

    /// Registers `waker` to be woken when this frame's claim ends (once per distinct waker).
    pub(crate) fn add_waiter(&self, waker: &Waker) {
        let mut waiters = self.waiters.lock();
        if !waiters.iter().any(|w| w.will_wake(waker)) {
            waiters.push(waker.clone());
        }
        // Set under the waiter lock, and (by the callers) under the slot lock whose state the
        // releaser changes before calling `wake_waiters`: the releaser sees the flag.
        self.has_waiters.store(true, Ordering::SeqCst);
    }

    /// Wakes and forgets every registered waiter.
    pub(crate) fn wake_waiters(&self) {
        if !self.has_waiters.load(Ordering::SeqCst) {
            return;
        }
        let waiters = std::mem::take(&mut *self.waiters.lock());
        for waker in waiters {
            waker.wake();
        }
    }

    /// `self`, its parent, its parent's parent, ...
    pub(crate) fn ancestors(self: &Arc<Self>) -> impl Iterator<Item = &Arc<FrameInfo>> {
        std::iter::successors(Some(self), |f| f.parent.as_ref())
    }
}

/// The dependencies of one running computation, in first-read order and without repeats.
///
/// Order matters: revalidation checks dependencies in the order they were first read and stops
/// at the first change, so that it never verifies a dependency the new computation might not
/// read at all.
pub(crate) struct ActiveFrame {
    pub(crate) info: Arc<FrameInfo>,
    deps: RefCell<DepRecorder>,
    /// Set when the computation observed something newer than `info.revision`; its result is
    /// then a mix of revisions and must be thrown away (see `observe`).
    superseded: Cell<bool>,
    /// The lowest durability among the reads so far (High when nothing was read).
    durability: Cell<Durability>,
    /// The latest `changed_at` among the reads so far: the value computed cannot have changed
    /// after it (a snapshot's own results carry it as their `changed_at`).
    max_changed: Cell<Revision>,
}

/// Records dependencies in first-read order, without repeats.
///
/// A recomputation almost always reads what the previous computation read, in the same order.
/// While it does (`expected` is the previous list, whose entries are distinct), a read can be
/// appended with one comparison: it equals `expected[len]`, so it differs from everything
/// before it. At the first divergence the recorder falls back to a linear scan for short lists
/// and a hash set for long ones.
#[derive(Default)]
struct DepRecorder {
    /// The first dependency, kept inline: most computations read exactly one thing (or read
    /// one thing first), and this spares them a vector.
    first: Option<Dep>,
    /// The rest, after `first`.
    list: Vec<Dep>,
    /// Built once the list outgrows a linear scan.
    seen: Option<FastHashSet<Dep>>,
    /// The previous computation's dependencies, while the reads still follow them.
    expected: Option<Deps>,
}

/// Linear scan up to this many dependencies, a hash set above.
const SCAN_LIMIT: usize = 16;

impl DepRecorder {
    fn following(expected: Option<Deps>) -> Self {
        DepRecorder { first: None, list: Vec::new(), seen: None, expected }
    }

    fn len(&self) -> usize {
        self.first.is_some() as usize + self.list.len()
    }

    fn push(&mut self, dep: Dep) {
        let Some(first) = self.first else {
            // Nothing recorded yet, so no repeat possible.
            if let Some(expected) = &self.expected
                && expected.first() != Some(&dep)
            {
                self.expected = None;
            }
            self.first = Some(dep);
            return;
        };
        if let Some(expected) = &self.expected {
            let at = self.len();
            if expected.get(at) == Some(&dep) {
                if self.list.capacity() == 0 {
                    self.list.reserve_exact(expected.len().saturating_sub(1));
                }
                self.list.push(dep);
                return;
            }
            self.expected = None; // diverged: from now on, check for repeats
        }
        if first == dep || self.list.last() == Some(&dep) {
            return;
        }
        if let Some(seen) = &mut self.seen {
            if seen.insert(dep) {
                self.list.push(dep);
            }
            return;
        }
        if self.list.len() < SCAN_LIMIT {
            if !self.list.contains(&dep) {
                self.list.push(dep);
            }
            return;
        }
        let mut seen: FastHashSet<Dep> = FastHashSet::default();
        seen.reserve(self.list.len() * 2);
        seen.insert(first);
        seen.extend(self.list.iter().copied());
        if seen.insert(dep) {
            self.list.push(dep);
        }
        self.seen = Some(seen);
    }

    fn finish(self) -> Deps {
        match self.first {
            None => Deps::None,
            Some(first) if self.list.is_empty() => Deps::One(first),
            Some(first) => {
                let mut list = self.list;
                list.insert(0, first);
                Deps::from_vec(list)
            }
        }
    }

    #[cfg(test)]
    fn to_vec(&self) -> Vec<Dep> {
        self.first.iter().copied().chain(self.list.iter().copied()).collect()
    }
}

impl ActiveFrame {
    /// A frame for a computation whose previous run read `expected` (if known).
    pub(crate) fn new(info: Arc<FrameInfo>, expected: Option<Deps>) -> Self {
        ActiveFrame {
            info,
            deps: RefCell::new(DepRecorder::following(expected)),
            superseded: Cell::new(false),
            durability: Cell::new(Durability::High),
            max_changed: Cell::new(Revision(0)),
        }
    }

    /// The latest `changed_at` among the computation's reads (0 if it read nothing).
    pub(crate) fn max_changed(&self) -> Revision {
        self.max_changed.get()
    }

    /// The lowest durability among the computation's reads.
    pub(crate) fn durability(&self) -> Durability {
        self.durability.get()
    }

    /// Whether the computation saw a revision newer than its own.
    pub(crate) fn is_superseded(&self) -> bool {
        self.superseded.get()
    }

    pub(crate) fn into_deps(self) -> Deps {
        self.deps.into_inner().finish()
    }
}

thread_local! {
    /// The frame of the innermost computation being polled on this thread, or null.
    static TOP: Cell<*const ActiveFrame> = const { Cell::new(std::ptr::null()) };
}

/// Runs `f` on the frame being polled on this thread, if any.
#[inline]
fn with_top<R>(f: impl FnOnce(&ActiveFrame) -> R) -> Option<R> {
    TOP.with(|top| {
        let frame = top.get();
        // SAFETY: a non-null TOP points to the `ActiveFrame` inside a `Framed` future that is
        // being polled on this thread right now (see `Framed::poll`): it is pinned and alive
        // until that poll returns, and only this thread touches it meanwhile.
        (!frame.is_null()).then(|| f(unsafe { &*frame }))
    })
}

impl ActiveFrame {
    fn note(&self, dep: Dep, changed_at: Revision, durability: Durability) {
        self.deps.borrow_mut().push(dep);
        if changed_at > self.info.revision {
            self.superseded.set(true);
        }
        if durability < self.durability.get() {
            self.durability.set(durability);
        }
        if changed_at > self.max_changed.get() {
            self.max_changed.set(changed_at);
        }
    }
}

/// The frame being polled on this thread (null if none), for a read that completes without
/// yielding: the pointer is valid only until the current poll returns, so it must not be kept
/// across an await.
#[inline(always)]
pub(crate) fn top() -> *const ActiveFrame {
    TOP.with(|top| top.get())
}

/// The revision reads are made at: the frame's, or `latest()` outside any frame.
///
/// # Safety
///
/// `frame` must come from [`top`] during the current poll (or be null).
#[inline(always)]
pub(crate) unsafe fn revision_of(
    frame: *const ActiveFrame,
    latest: impl FnOnce() -> Revision,
) -> Revision {
    if frame.is_null() {
        latest()
    } else {
        // SAFETY: per the contract, `frame` is the live frame of the current poll.
        let frame = unsafe { &*frame };
        frame.info.revision
    }
}

/// Whether `frame` is a snapshot's (such reads take the snapshot's path, not the memo hit).
///
/// # Safety
///
/// As for [`revision_of`].
#[inline(always)]
pub(crate) unsafe fn in_snapshot(frame: *const ActiveFrame) -> bool {
    // SAFETY: per the contract, a non-null `frame` is the live frame of the current poll.
    !frame.is_null() && unsafe { &*frame }.info.snapshot.is_some()
}

/// The snapshot the computation being polled on this thread reads from, if any.
#[inline]
pub(crate) fn current_snapshot() -> Option<Arc<SnapshotState>> {
    with_top(|frame| frame.info.snapshot.clone()).flatten()
}

/// The revision of the snapshot the computation being polled reads from, if any.
#[inline]
pub(crate) fn snapshot_revision() -> Option<Revision> {
    with_top(|frame| frame.info.snapshot.as_ref().map(|s| s.revision)).flatten()
}

/// Records a read in `frame` (no-op for null).
///
/// # Safety
///
/// As for [`revision_of`].
#[inline(always)]
pub(crate) unsafe fn note_in(
    frame: *const ActiveFrame,
    dep: Dep,
    changed_at: Revision,
    durability: Durability,
) {
    if !frame.is_null() {
        // SAFETY: per the contract, `frame` is the live frame of the current poll.
        let frame = unsafe { &*frame };
        frame.note(dep, changed_at, durability);
    }
}

/// Records that the computation being polled read `dep`, whose value last changed at
/// `changed_at`. A read outside any computation (a top-level `get`) records nothing.
///
/// A `changed_at` newer than the computation's own revision means an input write landed while
/// it ran: it has now seen two revisions, so it is marked superseded, to be discarded and
/// retried at the newer revision by the outermost `get` (optimistic concurrency control: no
/// value mixing revisions is ever stored or returned).
#[inline]
pub(crate) fn observe(dep: Dep, changed_at: Revision, durability: Durability) {
    with_top(|frame| frame.note(dep, changed_at, durability));
}

/// Marks the computation being polled as superseded (see [`observe`]).
pub(crate) fn mark_superseded() {
    with_top(|frame| frame.superseded.set(true));
}

/// The revision of the computation being polled on this thread, if any.
#[inline]
pub(crate) fn current_revision() -> Option<Revision> {
    with_top(|frame| frame.info.revision)
}

/// The identity of the computation being polled on this thread, if any.
#[inline]
pub(crate) fn current_info() -> Option<Arc<FrameInfo>> {
    with_top(|frame| frame.info.clone())
}

/// Restores the previous top of the frame stack when a poll returns or unwinds.
struct PopOnDrop(*const ActiveFrame);

impl Drop for PopOnDrop {
    fn drop(&mut self) {
        TOP.with(|top| top.set(self.0));
    }
}

/// A panic caught while polling a computation: its payload rendered as text.
pub(crate) struct CaughtPanic(pub(crate) String);

pub(crate) fn panic_message(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".to_string()
    }
}

/// Polls `fut` with `frame` on top of the thread's frame stack, catching panics.
///
/// Resolves to the computation's output (or the caught panic) together with the frame, whose
/// dependency list is then complete.
pub(crate) struct Framed<F> {
    frame: Option<ActiveFrame>,
    fut: Pin<F>,
}

impl<F> Framed<F>
where
    F: std::ops::DerefMut,
    F::Target: Future,
{
    pub(crate) fn new(frame: ActiveFrame, fut: Pin<F>) -> Self {
        Framed { frame: Some(frame), fut }
    }
}

impl<F> Future for Framed<F>
where
    F: std::ops::DerefMut + Unpin,
    F::Target: Future,
{
    type Output = (Result<<F::Target as Future>::Output, CaughtPanic>, ActiveFrame);

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let Some(frame) = this.frame.as_ref() else {
            panic!("picante: Framed polled after completion");
        };
        let previous = TOP.with(|top| top.replace(frame as *const ActiveFrame));
        let polled = {
            let _pop = PopOnDrop(previous);
            catch_unwind(AssertUnwindSafe(|| this.fut.as_mut().poll(cx)))
        };
        let output = match polled {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(output)) => Ok(output),
            Err(payload) => Err(CaughtPanic(panic_message(payload))),
        };
        // The frame is only taken once the computation is over, so TOP never points at it again.
        let frame = this.frame.take().unwrap_or_else(|| unreachable!());
        Poll::Ready((output, frame))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dep(i: u32) -> Dep {
        Dep { kind: QueryKindId(1), index: i }
    }

    fn info() -> Arc<FrameInfo> {
        FrameInfo::new(QueryKindId(9), 0, None, Revision(5))
    }

    #[test]
    fn dependencies_keep_first_read_order_without_repeats() {
        let mut list = DepRecorder::default();
        for i in [3, 1, 3, 2, 1, 1] {
            list.push(dep(i));
        }
        assert_eq!(list.to_vec(), vec![dep(3), dep(1), dep(2)]);
        for i in 0..100 {
            list.push(dep(i % 40));
        }
        assert_eq!(list.len(), 40);
        assert_eq!(&list.to_vec()[..3], &[dep(3), dep(1), dep(2)]);
    }

    #[test]
    fn a_recomputation_that_diverges_from_its_previous_reads_still_drops_repeats() {
        let previous = Deps::from_vec((0..40).map(dep).collect());
        let mut list = DepRecorder::following(Some(previous));
        for i in 0..30 {
            list.push(dep(i)); // follows the previous order
        }
        for i in [5, 29, 100, 0, 100, 31] {
            list.push(dep(i)); // diverges, with repeats of earlier reads
        }
        let got: Vec<u32> = list.finish().iter().map(|d| d.index).collect();
        let mut want: Vec<u32> = (0..30).collect();
        want.extend([100, 31]);
        assert_eq!(got, want);
    }

    #[test]
    fn reads_inside_a_framed_poll_land_in_that_frame_only() {
        let frame = ActiveFrame::new(info(), None);
        observe(dep(100), Revision(1), Durability::Low); // outside: dropped
        let fut =
            Framed::new(frame, Box::pin(async { observe(dep(1), Revision(5), Durability::High) }));
        let (out, frame) = pollster::block_on(fut);
        assert!(out.is_ok());
        observe(dep(101), Revision(1), Durability::Low);
        assert!(!frame.is_superseded());
        assert_eq!(&*frame.into_deps(), &[dep(1)]);
    }

    #[test]
    fn reading_something_newer_than_the_frame_supersedes_it() {
        let fut = Framed::new(
            ActiveFrame::new(info(), None),
            Box::pin(async { observe(dep(1), Revision(6), Durability::Low) }),
        );
        let (_, frame) = pollster::block_on(fut);
        assert!(frame.is_superseded());
    }

    #[test]
    fn a_panic_inside_a_frame_is_caught_and_the_stack_restored() {
        let frame = ActiveFrame::new(info(), None);
        let fut = Framed::new(frame, Box::pin(async { panic!("boom") }));
        let (out, _) = pollster::block_on(fut);
        assert!(matches!(out, Err(CaughtPanic(m)) if m == "boom"));
        assert!(current_info().is_none());
    }
}
