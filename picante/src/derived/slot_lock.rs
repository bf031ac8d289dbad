//! The lock of one derived slot: taken with one compare-and-swap, released with a plain
//! store.
//!
//! Every memo hit takes a slot's lock, so its cost is the hit's: a general mutex spends a
//! locked read-modify-write to release (it must see whether a waiter is parked), about as
//! much as the rest of the hit. Here nothing parks: what runs under a slot's lock is a state
//! transition, a value's clone or (for tooling) its encoding, so a waiter spins briefly and
//! then yields its time slice until the holder lets go.

use std::cell::UnsafeCell;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};

/// Spins before yielding: a few hundred nanoseconds, longer than most critical sections.
const SPINS: u32 = 64;

pub(crate) struct SlotLock<T> {
    locked: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: the value is reached only through a guard, and a guard exists only while `locked` is
// held by it (taken with Acquire, released with Release): one thread at a time touches the
// value, which is `Send`, exactly as with `std::sync::Mutex<T>`.
unsafe impl<T: Send> Sync for SlotLock<T> {}

impl<T> SlotLock<T> {
    pub(crate) const fn new(value: T) -> Self {
        SlotLock { locked: AtomicBool::new(false), value: UnsafeCell::new(value) }
    }

    /// Takes the lock, waiting (spinning, then yielding) while another thread holds it.
    #[inline]
    pub(crate) fn lock(&self) -> SlotGuard<'_, T> {
        if let Some(guard) = self.try_lock() {
            return guard;
        }
        self.lock_contended()
    }

    #[cold]
    fn lock_contended(&self) -> SlotGuard<'_, T> {
        let mut spins = 0u32;
        loop {
            // Wait on a plain load (no cache-line ping-pong), then try to take it.
            while self.locked.load(Ordering::Relaxed) {
                if spins < SPINS {
                    spins += 1;
                    std::hint::spin_loop();
                } else {
                    std::thread::yield_now();
                }
            }
            if let Some(guard) = self.try_lock() {
                return guard;
            }
        }
    }

    /// Takes the lock if it is free.
    #[inline]
    pub(crate) fn try_lock(&self) -> Option<SlotGuard<'_, T>> {
        self.locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| SlotGuard { lock: self })
    }
}

/// Access to a [`SlotLock`]'s value; the lock is released when it drops.
pub(crate) struct SlotGuard<'a, T> {
    lock: &'a SlotLock<T>,
}

impl<T> Deref for SlotGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        // SAFETY: this guard holds the lock (see `SlotLock`'s `Sync`): no other reference to
        // the value exists while it lives.
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> DerefMut for SlotGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` makes this the only access through the guard.
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T> Drop for SlotGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // Release: everything written under the lock is seen by the next holder's Acquire.
        self.lock.locked.store(false, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn threads_incrementing_under_the_lock_lose_no_increment() {
        let lock = Arc::new(SlotLock::new(0u64));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let lock = lock.clone();
                std::thread::spawn(move || {
                    for _ in 0..100_000 {
                        *lock.lock() += 1;
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(*lock.lock(), 400_000);
    }

    #[test]
    fn try_lock_fails_while_held_and_a_panic_under_the_lock_releases_it() {
        let lock = Arc::new(SlotLock::new(1));
        {
            let _held = lock.lock();
            assert!(lock.try_lock().is_none());
        }
        let inner = lock.clone();
        let result = std::thread::spawn(move || {
            let _held = inner.lock();
            panic!("under the lock");
        })
        .join();
        assert!(result.is_err());
        assert_eq!(*lock.lock(), 1, "released by the unwinding guard");
    }
}
