//! Cross-process futex wait and wake on a 32-bit word in shared memory.
//!
//! The words live in a `MAP_SHARED` mapping of a memfd, so the kernel keys the futex on the
//! (inode, offset) pair and a wake in one process reaches a waiter in the other. That is also
//! why `FUTEX_PRIVATE_FLAG` is *not* used: private futexes are keyed on the address space and
//! would never cross processes.

use std::sync::atomic::AtomicU32;
use std::time::Duration;

/// Why [`wait`] returned. Callers re-check their condition in every case; the distinction is
/// only a hint (spurious wake-ups are allowed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Wake {
    /// Woken by [`wake`], or by a signal, or spuriously.
    Woken,
    /// The word no longer held `expected` when the kernel looked.
    Changed,
    /// The timeout expired.
    TimedOut,
}

/// Sleeps while `*word == expected`, for at most `timeout`.
///
/// The comparison and the sleep are atomic with respect to [`wake`]: a wake that happens after
/// the word changed can never be lost.
pub(crate) fn wait(word: &AtomicU32, expected: u32, timeout: Duration) -> Wake {
    let ts = libc::timespec {
        tv_sec: timeout.as_secs().min(i32::MAX as u64) as libc::time_t,
        tv_nsec: timeout.subsec_nanos() as libc::c_long,
    };
    // SAFETY: `word` is a valid, aligned, live `u32` for the duration of the call (it is
    // borrowed); FUTEX_WAIT only reads it. `ts` outlives the call. The remaining arguments
    // (uaddr2, val3) are ignored by FUTEX_WAIT.
    let r = unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAIT,
            expected,
            &ts as *const libc::timespec,
            std::ptr::null::<u32>(),
            0u32,
        )
    };
    if r == 0 {
        return Wake::Woken;
    }
    match std::io::Error::last_os_error().raw_os_error() {
        Some(libc::ETIMEDOUT) => Wake::TimedOut,
        Some(libc::EAGAIN) => Wake::Changed,
        // EINTR: a signal; the caller loops and re-checks.
        _ => Wake::Woken,
    }
}

/// Wakes up to `count` waiters sleeping on `word`. Returns how many were woken.
pub(crate) fn wake(word: &AtomicU32, count: i32) -> usize {
    // SAFETY: `word` is a valid, aligned `u32`; FUTEX_WAKE does not access memory through it,
    // the kernel only uses the address as a key. Unused arguments are ignored.
    let r = unsafe {
        libc::syscall(
            libc::SYS_futex,
            word.as_ptr(),
            libc::FUTEX_WAKE,
            count,
            std::ptr::null::<libc::timespec>(),
            std::ptr::null::<u32>(),
            0u32,
        )
    };
    r.max(0) as usize
}

/// Wakes every waiter on `word`.
pub(crate) fn wake_all(word: &AtomicU32) -> usize {
    wake(word, i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::Ordering;

    #[test]
    fn wait_returns_at_once_when_the_word_differs() {
        let w = AtomicU32::new(1);
        assert_eq!(wait(&w, 0, Duration::from_secs(5)), Wake::Changed);
    }

    #[test]
    fn wait_times_out_when_nobody_wakes() {
        let w = AtomicU32::new(0);
        assert_eq!(wait(&w, 0, Duration::from_millis(5)), Wake::TimedOut);
    }

    #[test]
    fn wake_releases_a_sleeping_thread() {
        let w = Arc::new(AtomicU32::new(0));
        let w2 = w.clone();
        let t = std::thread::spawn(move || {
            while w2.load(Ordering::SeqCst) == 0 {
                wait(&w2, 0, Duration::from_secs(5));
            }
        });
        std::thread::sleep(Duration::from_millis(10));
        w.store(1, Ordering::SeqCst);
        wake_all(&w);
        t.join().unwrap();
    }
}
