//! The one blocking loop behind `push`, `pop` and `alloc`: spin a little, announce yourself,
//! sleep on a futex word in bounded slices, check the peer between slices.
//!
//! # The "waiter present" handshake
//!
//! A sleeper increments a waiter counter, then re-reads the futex word, then sleeps only if
//! the word still holds the value it last saw. A waker changes the word, then reads the
//! counter, and calls `FUTEX_WAKE` only if it is non-zero. Both pairs of accesses are `SeqCst`,
//! so (store-buffer litmus) at least one side sees the other's write: either the sleeper sees
//! the new word and does not sleep, or the waker sees the counter and wakes it. `FUTEX_WAIT`
//! compares the word atomically with going to sleep, so a wake that lands between the
//! sleeper's re-read and its sleep is not lost either. With nobody waiting, a push or pop is
//! a store and a load: no system call.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use crate::error::{Error, ErrorKind};
use crate::futex::{self, Wake};
use crate::peer::{PeerStatus, WAIT_SLICE};
use crate::segment::Inner;

/// When a blocking call gives up. The clock is read only once the call actually has to wait,
/// so the fast path (room or data available at once) never calls `Instant::now`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Deadline {
    timeout: Duration,
    /// `None` until first needed; then `Some(None)` for "forever".
    at: Option<Option<Instant>>,
}

impl Deadline {
    pub(crate) fn after(timeout: Duration) -> Deadline {
        Deadline { timeout, at: None }
    }

    /// Time left, or `None` if the deadline has passed. Forever is capped at one slice.
    fn remaining(&mut self) -> Option<Duration> {
        let at = *self.at.get_or_insert_with(|| Instant::now().checked_add(self.timeout));
        match at {
            None => Some(WAIT_SLICE),
            Some(at) => at.checked_duration_since(Instant::now()).filter(|d| !d.is_zero()),
        }
    }
}

/// How long a waiter keeps checking before it sleeps: `spins` busy iterations (a load and a
/// `spin_loop` hint each), then up to `yields` calls to `sched_yield`.
///
/// Spinning pays when the peer runs on another core and answers within microseconds. When the
/// peer shares our core, spinning only delays it (it cannot run until we stop): measured on
/// two cores, a 64-byte round trip then took twice the spin time instead of 0.25 µs. So each
/// side records the CPU it waits on in its [`SideSlot`](crate::peer::SideSlot), and a waiter
/// whose peer last waited on the same CPU skips the spin and sleeps at once.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Spin {
    pub(crate) spins: u32,
    pub(crate) yields: u32,
}

impl Spin {
    pub(crate) fn new(spins: u32) -> Spin {
        Spin { spins, yields: if spins == 0 { 0 } else { YIELDS } }
    }

    /// Spins, then yields, until `word` differs from `seen`. True if it did.
    fn wait(&self, word: &AtomicU32, seen: u32) -> bool {
        for i in 0..self.spins.saturating_add(self.yields) {
            if word.load(Ordering::Acquire) != seen {
                return true;
            }
            if i < self.spins {
                std::hint::spin_loop();
            } else {
                std::thread::yield_now();
            }
        }
        false
    }
}

/// `sched_yield` calls after the busy spin, before sleeping.
const YIELDS: u32 = 16;

/// Converts a peer status into the error a waiter returns, if the peer is gone.
pub(crate) fn gone_error(status: PeerStatus) -> Option<Error> {
    match status {
        PeerStatus::Dead => Some(Error::new(ErrorKind::PeerDead)),
        PeerStatus::Closed => Some(Error::new(ErrorKind::PeerClosed)),
        PeerStatus::NotAttached | PeerStatus::Alive => None,
    }
}

/// Blocks until `word` no longer holds `seen` (the caller then re-checks its condition), the
/// deadline passes, or the peer is gone.
///
/// `waiters` is the counter wakers read before deciding to make a system call. `closed`
/// reports a cheap, structure-specific "the other end is gone" (a closed ring end). Before
/// reporting the peer gone, the word is read once more: whatever the peer completed before it
/// went away (a last record) is still delivered.
pub(crate) fn wait_for_change(
    seg: &Inner,
    word: &AtomicU32,
    seen: u32,
    waiters: &AtomicU32,
    deadline: &mut Deadline,
    spin: Spin,
    closed: impl Fn() -> Option<Error>,
) -> Result<(), Error> {
    let spin_pays = spin.spins > 0 && !deadline.timeout.is_zero() && !seg.peer_shares_our_cpu();
    if spin_pays && spin.wait(word, seen) {
        return Ok(());
    }
    let mut slices: u32 = 0;
    loop {
        waiters.fetch_add(1, Ordering::SeqCst);
        let current = word.load(Ordering::SeqCst);
        let gone = if current != seen {
            None
        } else {
            closed().or_else(|| gone_error(seg.peer_status_cheap()))
        };
        let remaining = deadline.remaining();
        if current != seen || gone.is_some() || remaining.is_none() {
            waiters.fetch_sub(1, Ordering::SeqCst);
            if word.load(Ordering::SeqCst) != seen {
                return Ok(());
            }
            return Err(gone.unwrap_or_else(|| Error::new(ErrorKind::Timeout)));
        }
        let slice = remaining.unwrap_or(WAIT_SLICE).min(WAIT_SLICE);
        let woke = futex::wait(word, seen, slice);
        waiters.fetch_sub(1, Ordering::SeqCst);
        if word.load(Ordering::Acquire) != seen {
            return Ok(());
        }
        slices = slices.wrapping_add(1);
        // A kill -9 leaves no trace in shared memory: ask the kernel after each slice that
        // ended without news (and now and then regardless, against a storm of spurious wakes).
        let ask_kernel = woke == Wake::TimedOut || slices.is_multiple_of(8);
        if let Some(err) = ask_kernel.then(|| gone_error(seg.check_peer())).flatten() {
            if word.load(Ordering::SeqCst) != seen {
                return Ok(());
            }
            return Err(err);
        }
    }
}

/// Wakes sleepers on `word` if the waiter counter says there are any. Call after changing
/// `word` with a `SeqCst` store or read-modify-write.
#[inline]
pub(crate) fn wake_if_waiting(word: &AtomicU32, waiters: &AtomicU32) {
    if waiters.load(Ordering::SeqCst) != 0 {
        futex::wake_all(word);
    }
}
