//! An append-only vector with stable addresses and lock-free reads.
//!
//! Every ingredient gives each key a dense slot index (`u32`) and keeps the slot's state in a
//! `Boxcar`. Dependencies are recorded as `(kind, index)` pairs, so revalidation reaches a slot
//! with an index computation and two atomic loads: no hashing, no lock.
//!
//! Layout: bucket `b` holds `FIRST << b` elements and is allocated on first use; element `i`
//! lives in bucket `floor(log2(i + FIRST)) - log2(FIRST)`. Buckets never move, so a `&T` handed
//! out stays valid for the life of the `Boxcar`. Pushes are serialized by a mutex (they happen
//! once per key); reads only need the published length. The name and the scheme follow the
//! `boxcar` crate (and salsa's use of it), written out here in ~100 lines.

use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use parking_lot::Mutex;

/// Elements in bucket 0; a power of two.
const FIRST: usize = 32;
const FIRST_BITS: u32 = FIRST.trailing_zeros();
/// Enough buckets for `u32::MAX` elements.
const BUCKETS: usize = 33 - FIRST_BITS as usize;

pub(crate) struct Boxcar<T> {
    buckets: [AtomicPtr<MaybeUninit<T>>; BUCKETS],
    /// Number of initialised elements. Written with `Release` after the element (and its
    /// bucket pointer) are written, read with `Acquire` before touching an element.
    len: AtomicUsize,
    push_lock: Mutex<()>,
}

#[inline]
fn locate(index: usize) -> (usize, usize) {
    let biased = index + FIRST;
    let bucket = (usize::BITS - 1 - biased.leading_zeros()) - FIRST_BITS;
    let offset = biased - (FIRST << bucket);
    (bucket as usize, offset)
}

#[inline]
fn bucket_len(bucket: usize) -> usize {
    FIRST << bucket
}

impl<T> Boxcar<T> {
    pub(crate) fn new() -> Self {
        Boxcar {
            buckets: [const { AtomicPtr::new(std::ptr::null_mut()) }; BUCKETS],
            len: AtomicUsize::new(0),
            push_lock: Mutex::new(()),
        }
    }

    /// Number of elements pushed so far.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// Appends `value` and returns its index.
    ///
    /// # Panics
    ///
    /// Panics when more than `u32::MAX` elements are pushed (one ingredient with four billion
    /// keys): indices are `u32` throughout the runtime.
    pub(crate) fn push(&self, value: T) -> u32 {
        let _guard = self.push_lock.lock();
        let index = self.len.load(Ordering::Relaxed);
        assert!(index < u32::MAX as usize, "picante: an ingredient holds more than u32::MAX keys");
        let (bucket, offset) = locate(index);
        let mut base = self.buckets[bucket].load(Ordering::Relaxed);
        if base.is_null() {
            let fresh: Box<[MaybeUninit<T>]> =
                (0..bucket_len(bucket)).map(|_| MaybeUninit::uninit()).collect();
            base = Box::into_raw(fresh).cast::<MaybeUninit<T>>();
            self.buckets[bucket].store(base, Ordering::Release);
        }
        // SAFETY: (1) `base` points to a live allocation of `bucket_len(bucket)` elements and
        // `offset < bucket_len(bucket)` by construction of `locate`; (2) the element at `index`
        // is not yet published (`index == len`) so no reader can hold a reference to it, and
        // (3) pushes are serialized by `push_lock`, so nobody else writes it.
        unsafe { (*base.add(offset)).write(value) };
        self.len.store(index + 1, Ordering::Release);
        index as u32
    }

    /// The element at `index`, if it has been pushed.
    #[inline]
    pub(crate) fn get(&self, index: u32) -> Option<&T> {
        let index = index as usize;
        if index >= self.len.load(Ordering::Acquire) {
            return None;
        }
        let (bucket, offset) = locate(index);
        let base = self.buckets[bucket].load(Ordering::Acquire);
        debug_assert!(!base.is_null());
        // SAFETY: `index < len`, and `len` is stored with Release only after the bucket pointer
        // and the element were written (see `push`); our Acquire load of `len` makes both visible.
        // Elements are never moved or dropped before `self` is, so the reference is valid for
        // the borrow of `self`.
        Some(unsafe { (*base.add(offset)).assume_init_ref() })
    }

    /// Iterates over the pushed elements in index order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &T)> + '_ {
        let len = self.len() as u32;
        (0..len).filter_map(move |i| self.get(i).map(|t| (i, t)))
    }
}

impl<T> Default for Boxcar<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Drop for Boxcar<T> {
    fn drop(&mut self) {
        let len = *self.len.get_mut();
        for (bucket, slot) in self.buckets.iter_mut().enumerate() {
            let base = *slot.get_mut();
            if base.is_null() {
                continue;
            }
            let first = bucket_len(bucket) - FIRST; // index of this bucket's element 0
            let live = len.saturating_sub(first).min(bucket_len(bucket));
            // SAFETY: `base` came from `Box::into_raw` of a boxed slice of exactly
            // `bucket_len(bucket)` elements (see `push`), and the first `live` of them were
            // initialised (indices below `len`). `&mut self` means no reference is outstanding.
            unsafe {
                for i in 0..live {
                    (*base.add(i)).assume_init_drop();
                }
                let slice = std::ptr::slice_from_raw_parts_mut(base, bucket_len(bucket));
                drop(Box::from_raw(slice));
            }
        }
    }
}

// SAFETY: a `Boxcar<T>` owns its `T`s like a `Vec<T>` does: sending it sends them.
unsafe impl<T: Send> Send for Boxcar<T> {}
// SAFETY: shared access hands out `&T` to several threads (needs `T: Sync`) and lets any thread
// push a `T` that another thread may later drop (needs `T: Send`); all internal state is atomic
// or behind `push_lock`.
unsafe impl<T: Send + Sync> Sync for Boxcar<T> {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn indices_map_to_consecutive_buckets() {
        assert_eq!(locate(0), (0, 0));
        assert_eq!(locate(FIRST - 1), (0, FIRST - 1));
        assert_eq!(locate(FIRST), (1, 0));
        assert_eq!(locate(3 * FIRST - 1), (1, 2 * FIRST - 1));
        assert_eq!(locate(3 * FIRST), (2, 0));
    }

    #[test]
    fn pushed_elements_read_back_and_drop_once() {
        let marker = Arc::new(());
        let boxcar = Boxcar::new();
        for i in 0..10_000u32 {
            assert_eq!(boxcar.push((i, marker.clone())), i);
        }
        assert_eq!(boxcar.len(), 10_000);
        assert!(boxcar.get(10_000).is_none());
        for i in 0..10_000u32 {
            assert_eq!(boxcar.get(i).map(|e| e.0), Some(i));
        }
        assert_eq!(Arc::strong_count(&marker), 10_001);
        drop(boxcar);
        assert_eq!(Arc::strong_count(&marker), 1);
    }

    #[test]
    fn concurrent_pushes_and_reads_see_every_element() {
        let boxcar = Arc::new(Boxcar::new());
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let boxcar = boxcar.clone();
                std::thread::spawn(move || {
                    for i in 0..2_000u64 {
                        let index = boxcar.push(t * 1_000_000 + i);
                        assert_eq!(boxcar.get(index), Some(&(t * 1_000_000 + i)));
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let mut all: Vec<u64> = boxcar.iter().map(|(_, v)| *v).collect();
        all.sort_unstable();
        assert_eq!(all.len(), 8_000);
        all.dedup();
        assert_eq!(all.len(), 8_000);
    }
}
