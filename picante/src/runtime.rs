//! The runtime: the revision counter and the wait graph.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use parking_lot::Mutex;

use crate::Revision;
use crate::cycle::WaitGraph;

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
        }
    }

    /// The latest published revision.
    #[inline]
    pub fn current_revision(&self) -> Revision {
        Revision(self.revision.load(Ordering::Acquire))
    }

    /// Advances the revision without changing any input and returns the new one.
    ///
    /// Every memo then revalidates on its next read (and finds nothing changed). Useful to
    /// measure revalidation, or after changing something the database cannot see.
    pub fn bump_revision(&self) -> Revision {
        self.write(|_| ((), true)).1
    }

    /// Runs an input write. `apply` receives the revision the write will publish and returns
    /// its result plus whether it changed anything; the revision is published only if it did.
    /// Returns `apply`'s result and the current revision afterwards.
    pub(crate) fn write<R>(&self, apply: impl FnOnce(Revision) -> (R, bool)) -> (R, Revision) {
        let _writer = self.write_lock.lock();
        let next = Revision(self.revision.load(Ordering::Relaxed) + 1);
        let (result, changed) = apply(next);
        if changed {
            // Release: everything `apply` wrote is visible to whoever acquires this revision.
            self.revision.store(next.0, Ordering::Release);
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
