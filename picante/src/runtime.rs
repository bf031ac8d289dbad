//! The runtime: the revision counter and the wait graph.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use parking_lot::Mutex;

use crate::cycle::WaitGraph;
use crate::{Durability, Revision};

/// Owns the global [`Revision`] and the state shared by all ingredients of one database.
///
/// A database struct holds one `Runtime` and exposes it through [`HasRuntime`].
///
/// Input writes are serialized by the runtime: a writer computes the next revision, writes its
/// values stamped with it, and only then publishes it. A reader therefore never observes a
/// revision whose writes are not all visible, which is what lets a memo be stamped
/// `verified_at = r` without re-reading its inputs.
///
/// # Examples
///
/// ```
/// use picante::{Revision, Runtime};
/// let runtime = Runtime::new();
/// let start = runtime.current_revision();
/// assert_eq!(runtime.bump_revision(), Revision(start.0 + 1));
/// assert_eq!(runtime.current_revision(), Revision(start.0 + 1));
/// ```
pub struct Runtime {
    /// The published revision; only advanced under `write_lock`.
    revision: AtomicU64,
    write_lock: Mutex<()>,
    pub(crate) wait_graph: Mutex<WaitGraph>,
    /// The deepest revalidation walk seen so far: the next walk's stack starts this big, so a
    /// deep chain does not regrow (and copy) its stack on every edit.
    pub(crate) walk_depth_hint: AtomicUsize,
    /// `changed_at_or_above[d]`: the last revision in which an input of durability `d` or
    /// higher changed. Written under `write_lock`, before the revision is published.
    changed_at_or_above: [AtomicU64; 3],
    pub(crate) stats: Counters,
    pub(crate) events: crate::events::Subscribers,
    /// The revisions live snapshots are pinned at (see `crate::snapshot`).
    pub(crate) pins: std::sync::Arc<crate::snapshot::Pins>,
}

/// Counters behind [`Runtime::stats`], striped by thread: a revalidation is a few
/// nanoseconds, and a shared atomic increment (a locked instruction, its cache line bouncing
/// between threads) cost a third of it. Each thread increments its own cache line with a
/// plain load and store; [`Runtime::stats`] sums the stripes. Threads share a stripe only
/// beyond [`STRIPES`] threads, and then an increment may be lost: the counts are for reports.
pub(crate) struct Counters {
    stripes: Box<[Stripe]>,
}

/// Stripes of [`Counters`].
const STRIPES: usize = 64;

#[derive(Default)]
#[repr(align(64))]
struct Stripe {
    executed: AtomicU64,
    revalidated: AtomicU64,
    durability_skips: AtomicU64,
}

/// What a counter counts.
#[derive(Clone, Copy)]
pub(crate) enum Count {
    Executed,
    Revalidated,
    DurabilitySkip,
}

thread_local! {
    /// This thread's stripe.
    static STRIPE: usize = {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        NEXT.fetch_add(1, Ordering::Relaxed) % STRIPES
    };
}

impl Default for Counters {
    fn default() -> Self {
        Counters { stripes: (0..STRIPES).map(|_| Stripe::default()).collect() }
    }
}

impl Counters {
    /// Counts one `what` on this thread's stripe.
    #[inline]
    pub(crate) fn add(&self, what: Count) {
        let stripe = &self.stripes[STRIPE.with(|s| *s)];
        let counter = match what {
            Count::Executed => &stripe.executed,
            Count::Revalidated => &stripe.revalidated,
            Count::DurabilitySkip => &stripe.durability_skips,
        };
        counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
    }

    fn sum(&self, counter: impl Fn(&Stripe) -> &AtomicU64) -> u64 {
        self.stripes.iter().map(|stripe| counter(stripe).load(Ordering::Relaxed)).sum()
    }
}

/// How much work the runtime has done since it was created.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuntimeStats {
    /// Compute functions run.
    pub executed: u64,
    /// Stale memos found still valid by checking their dependencies (no compute).
    pub revalidated: u64,
    /// Stale memos found still valid by durability alone (no dependency looked at).
    pub durability_skips: u64,
}

/// Access to the database's [`Runtime`]; every database implements it.
pub trait HasRuntime {
    /// The runtime.
    fn runtime(&self) -> &Runtime;
}

impl Runtime {
    /// A runtime at its first revision.
    pub fn new() -> Self {
        Runtime {
            revision: AtomicU64::new(1),
            write_lock: Mutex::new(()),
            wait_graph: Mutex::new(WaitGraph::default()),
            walk_depth_hint: AtomicUsize::new(8),
            changed_at_or_above: [const { AtomicU64::new(0) }; 3],
            stats: Counters::default(),
            events: crate::events::Subscribers::default(),
            pins: Default::default(),
        }
    }

    /// The latest published revision.
    #[inline]
    pub fn current_revision(&self) -> Revision {
        Revision(self.revision.load(Ordering::Acquire))
    }

    /// The revision that reads made here see: inside a query, the revision it runs at (inside
    /// [`Snapshot::read`](crate::Snapshot::read), the snapshot's, however far the database has
    /// moved on since); outside any query, [`current_revision`](Self::current_revision).
    ///
    /// Code that hands a revision to something outside the database (a cache in another
    /// process keyed by revision) must use this one: the latest revision would label answers
    /// read at an older one.
    #[inline]
    pub fn reading_revision(&self) -> Revision {
        crate::frame::current_revision().unwrap_or_else(|| self.current_revision())
    }

    /// Subscribes to this runtime's [`Event`](crate::Event)s, with a queue of `capacity`
    /// events (see [`events`](crate::Event) for what a slow subscriber gets).
    pub fn subscribe(&self, capacity: usize) -> crate::Subscription {
        self.events.subscribe(capacity)
    }

    /// Advances the revision without changing any input and returns the new one.
    ///
    /// Every memo then revalidates on its next read (and finds nothing changed). Useful to
    /// measure revalidation, or after changing something the database cannot see.
    pub fn bump_revision(&self) -> Revision {
        // Something the database cannot see changed: it may be anything, so every memo
        // revalidates (as if a high-durability input had changed).
        self.write_announced(
            |next| {
                self.note_change(Durability::High, next);
                ((), true)
            },
            |_, revision| self.events.emit(crate::Event::Revision { revision }),
        )
        .1
    }

    /// The last revision in which an input of `durability` or higher changed.
    #[inline]
    pub fn last_changed(&self, durability: Durability) -> Revision {
        Revision(self.changed_at_or_above[durability as usize].load(Ordering::Acquire))
    }

    /// Work done so far: computations run, memos revalidated, durability shortcuts taken.
    pub fn stats(&self) -> RuntimeStats {
        RuntimeStats {
            executed: self.stats.sum(|s| &s.executed),
            revalidated: self.stats.sum(|s| &s.revalidated),
            durability_skips: self.stats.sum(|s| &s.durability_skips),
        }
    }

    /// Records that an input of `durability` changed at `revision`. Under the write lock.
    pub(crate) fn note_change(&self, durability: Durability, revision: Revision) {
        for level in &self.changed_at_or_above[..=durability as usize] {
            level.store(revision.0, Ordering::Release);
        }
    }

    /// Runs `read` with no input write in progress or starting: it sees one revision and the
    /// last change per durability, as a writer would publish them.
    pub(crate) fn while_no_writes<R>(&self, read: impl FnOnce(Revision, [u64; 3]) -> R) -> R {
        let _writer = self.write_lock.lock();
        let last_changed =
            [0, 1, 2].map(|level| self.changed_at_or_above[level].load(Ordering::Acquire));
        read(self.current_revision(), last_changed)
    }

    /// Sets the revision and the last change per durability to those of a loaded cache.
    pub(crate) fn restore(&self, revision: Revision, last_changed: [u64; 3]) {
        let _writer = self.write_lock.lock();
        for (level, stamp) in last_changed.into_iter().enumerate() {
            self.changed_at_or_above[level].store(stamp, Ordering::Release);
        }
        self.revision.store(revision.0, Ordering::Release);
    }

    /// Runs an input write. `apply` receives the revision the write will publish and returns
    /// its result plus whether it changed anything; the revision is published only if it did,
    /// and then `announce`d (still under the write lock, so subscribers get the revisions'
    /// events in order, each after its revision is visible). Returns `apply`'s result and the
    /// current revision afterwards.
    pub(crate) fn write_announced<R>(
        &self,
        apply: impl FnOnce(Revision) -> (R, bool),
        announce: impl FnOnce(&R, Revision),
    ) -> (R, Revision) {
        let _writer = self.write_lock.lock();
        let next = Revision(self.revision.load(Ordering::Relaxed) + 1);
        let (result, changed) = apply(next);
        if changed {
            // Release: everything `apply` wrote is visible to whoever acquires this revision.
            self.revision.store(next.0, Ordering::Release);
            announce(&result, next);
            (result, next)
        } else {
            (result, Revision(next.0 - 1))
        }
    }
}

impl Default for Runtime {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime").field("revision", &self.current_revision()).finish()
    }
}
