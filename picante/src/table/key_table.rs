//! Keys to dense slot indices, and back.
//!
//! A `KeyTable<K, S>` owns one slot `S` per distinct key. Entries (key and slot) live in a
//! [`Boxcar`], so an index reaches its key and slot without a lock; that is the path of
//! revalidation and execution. The forward direction, key to index, is an open-addressing
//! hash table that readers probe with atomic loads only, because every `get` of every query
//! starts with this lookup and a reader-writer lock there costs two atomic read-modify-writes.
//!
//! Each bucket is one `AtomicU64`: zero when empty, else the key's 32-bit hash tag in the high
//! half and `index + 1` in the low half. Inserts are serialized by `insert_lock`; growing
//! builds a table twice the size and publishes it with one pointer store. A reader may still
//! be probing the old table, so old tables are retired, not freed, until the `KeyTable` drops
//! (together they are smaller than the current one). A reader that misses in a stale table
//! falls back to the insert path, which looks again under the lock.

use std::borrow::Borrow;
use std::hash::{BuildHasher, Hash};
use std::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use parking_lot::Mutex;

use super::boxcar::Boxcar;
use crate::hash::FastBuildHasher;

/// A key and its slot.
pub(crate) struct Entry<K, S> {
    pub(crate) key: K,
    pub(crate) slot: S,
}

/// One generation of the hash index.
struct Buckets {
    /// `len - 1`; `len` is a power of two.
    mask: usize,
    buckets: Box<[AtomicU64]>,
}

impl Buckets {
    fn with_len(len: usize) -> Box<Buckets> {
        debug_assert!(len.is_power_of_two());
        Box::new(Buckets { mask: len - 1, buckets: (0..len).map(|_| AtomicU64::new(0)).collect() })
    }

    /// Stores `index` under `hash` in the first free bucket. Only under the insert lock.
    fn place(&self, hash: u64, index: u32) {
        let mut at = hash as usize & self.mask;
        loop {
            let bucket = &self.buckets[at];
            if bucket.load(Ordering::Relaxed) == 0 {
                // Release: a reader that sees this bucket sees the entry it points to.
                bucket.store(pack(hash, index), Ordering::Release);
                return;
            }
            at = (at + 1) & self.mask;
        }
    }
}

#[inline]
fn pack(hash: u64, index: u32) -> u64 {
    (hash & 0xffff_ffff_0000_0000) | (index as u64 + 1)
}

/// Buckets in the first table; it grows when more than half full.
const INITIAL_BUCKETS: usize = 16;

pub(crate) struct KeyTable<K, S> {
    entries: Boxcar<Entry<K, S>>,
    /// The current index; always a valid pointer from `Box::into_raw`.
    index: AtomicPtr<Buckets>,
    /// Earlier indexes, kept alive for readers that may still probe them. Boxed on purpose:
    /// readers hold `&Buckets` into these very allocations, so they must not move.
    #[allow(clippy::vec_box)]
    retired: Mutex<Vec<Box<Buckets>>>,
    insert_lock: Mutex<()>,
    hasher: FastBuildHasher,
}

impl<K, S> KeyTable<K, S> {
    pub(crate) fn new() -> Self {
        KeyTable {
            entries: Boxcar::new(),
            index: AtomicPtr::new(Box::into_raw(Buckets::with_len(INITIAL_BUCKETS))),
            retired: Mutex::new(Vec::new()),
            insert_lock: Mutex::new(()),
            hasher: FastBuildHasher::default(),
        }
    }

    /// The entry at `index`.
    #[inline]
    pub(crate) fn entry(&self, index: u32) -> Option<&Entry<K, S>> {
        self.entries.get(index)
    }

    /// Number of keys.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// All entries with their indices.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &Entry<K, S>)> + '_ {
        self.entries.iter()
    }

    /// The entries in slot order, up to the first one not yet published by a concurrent
    /// insert: a gap-free prefix, as a saved file needs (a slot's index is its identity in
    /// dependency lists, so entry `i` of the file must be slot `i`).
    pub(crate) fn prefix(&self) -> Vec<&Entry<K, S>> {
        (0..self.len() as u32).map_while(|i| self.entry(i)).collect()
    }

    #[inline]
    fn buckets(&self) -> &Buckets {
        // SAFETY: `index` always holds a pointer from `Box::into_raw` that stays allocated
        // until `self` drops: replaced tables move to `retired`, never freed while shared.
        unsafe { &*self.index.load(Ordering::Acquire) }
    }
}

impl<K: Eq + Hash + Clone, S> KeyTable<K, S> {
    /// The index of `key`, if it has one.
    #[inline]
    pub(crate) fn find<Q>(&self, key: &Q) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.find_hashed(key, self.hasher.hash_one(key))
    }

    #[inline]
    fn find_hashed<Q>(&self, key: &Q, hash: u64) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let table = self.buckets();
        let tag = hash >> 32;
        let mut at = hash as usize & table.mask;
        loop {
            let bucket = table.buckets[at].load(Ordering::Acquire);
            if bucket == 0 {
                return None;
            }
            if bucket >> 32 == tag {
                let index = (bucket as u32).wrapping_sub(1);
                // The entry was pushed before the bucket was published (see `place`).
                if let Some(entry) = self.entries.get(index)
                    && entry.key.borrow() == key
                {
                    return Some(index);
                }
            }
            at = (at + 1) & table.mask;
        }
    }

    /// The index of `key`, creating its slot with `make` if it is new.
    #[inline]
    pub(crate) fn find_or_insert(&self, key: &K, make: impl FnOnce() -> S) -> u32 {
        let hash = self.hasher.hash_one(key);
        if let Some(index) = self.find_hashed(key, hash) {
            return index;
        }
        self.insert_slow(key, hash, || key.clone(), make)
    }

    /// Like [`find_or_insert`](Self::find_or_insert), for tables whose stored key is built
    /// from the looked-up one (an `Arc<T>` found by `&T`).
    #[inline]
    pub(crate) fn find_or_insert_with<Q>(
        &self,
        key: &Q,
        make_key: impl FnOnce() -> K,
        make: impl FnOnce() -> S,
    ) -> u32
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let hash = self.hasher.hash_one(key);
        if let Some(index) = self.find_hashed(key, hash) {
            return index;
        }
        self.insert_slow(key, hash, make_key, make)
    }

    #[cold]
    fn insert_slow<Q>(
        &self,
        key: &Q,
        hash: u64,
        make_key: impl FnOnce() -> K,
        make: impl FnOnce() -> S,
    ) -> u32
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let _insert = self.insert_lock.lock();
        // Look again: another thread may have inserted it, possibly into a newer table.
        if let Some(found) = self.find_hashed(key, hash) {
            return found;
        }
        let index = self.entries.push(Entry { key: make_key(), slot: make() });
        let mut table = self.buckets();
        if (index as usize + 1) * 2 > table.buckets.len() {
            table = self.grow();
        }
        table.place(hash, index);
        index
    }

    /// Inserts `key`, which the caller knows is not in the table (a cache load into an empty
    /// table, its keys checked distinct beforehand), without looking for it or cloning it;
    /// returns its index.
    pub(crate) fn insert_distinct(&self, key: K, make: impl FnOnce() -> S) -> u32 {
        let hash = self.hasher.hash_one(&key);
        debug_assert!(self.find_hashed(&key, hash).is_none(), "insert_distinct of a present key");
        let _insert = self.insert_lock.lock();
        let index = self.entries.push(Entry { key, slot: make() });
        let mut table = self.buckets();
        if (index as usize + 1) * 2 > table.buckets.len() {
            table = self.grow();
        }
        table.place(hash, index);
        index
    }

    /// Makes room for `additional` more keys without growing on the way (a cache load knows
    /// how many it brings).
    pub(crate) fn reserve(&self, additional: usize) {
        let _insert = self.insert_lock.lock();
        let wanted = ((self.len() + additional) * 2).next_power_of_two();
        if wanted > self.buckets().buckets.len() {
            self.grow_to(wanted);
        }
    }

    /// Replaces the index with one twice the size holding every entry. Under the insert lock.
    fn grow(&self) -> &Buckets {
        self.grow_to(self.buckets().buckets.len() * 2)
    }

    /// Replaces the index with one of `len` buckets (a power of two, more than twice the
    /// entries) holding every entry. Under the insert lock.
    fn grow_to(&self, len: usize) -> &Buckets {
        let bigger = Buckets::with_len(len);
        for (index, entry) in self.entries.iter() {
            bigger.place(self.hasher.hash_one(entry.key.borrow()), index);
        }
        let bigger = Box::into_raw(bigger);
        let previous = self.index.swap(bigger, Ordering::AcqRel);
        // SAFETY: `previous` came from `Box::into_raw` (in `new` or an earlier `grow`) and is
        // owned by `index` alone until now; moving it to `retired` keeps it allocated for
        // readers still probing it.
        self.retired.lock().push(unsafe { Box::from_raw(previous) });
        // SAFETY: `bigger` is the table just published; it lives until `self` drops.
        unsafe { &*bigger }
    }
}

impl<K, S> Drop for KeyTable<K, S> {
    fn drop(&mut self) {
        let current = *self.index.get_mut();
        // SAFETY: `current` came from `Box::into_raw` and nothing else frees it; with `&mut
        // self`, no reader can still hold it.
        drop(unsafe { Box::from_raw(current) });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn equal_keys_share_one_index() {
        let table: KeyTable<String, u8> = KeyTable::new();
        let a = table.find_or_insert(&"a".to_string(), || 1);
        let b = table.find_or_insert(&"b".to_string(), || 2);
        let again = table.find_or_insert(&"a".to_string(), || 99);
        assert_eq!((a, b, again), (0, 1, 0));
        assert_eq!(table.entry(a).map(|e| e.slot), Some(1));
        assert_eq!(table.entry(b).map(|e| e.key.as_str()), Some("b"));
        assert_eq!(table.len(), 2);
        assert_eq!(table.find("c"), None);
    }

    #[test]
    fn lookups_survive_many_growths() {
        let table: KeyTable<u64, u64> = KeyTable::new();
        for k in 0..100_000u64 {
            assert_eq!(table.find_or_insert(&(k * 7919), || k), k as u32);
        }
        for k in 0..100_000u64 {
            assert_eq!(table.find(&(k * 7919)), Some(k as u32));
        }
        assert_eq!(table.find(&1), None);
    }

    #[test]
    fn concurrent_inserts_and_lookups_agree_on_one_index_per_key() {
        let table: Arc<KeyTable<u64, ()>> = Arc::new(KeyTable::new());
        let threads: Vec<_> = (0..4u64)
            .map(|t| {
                let table = table.clone();
                std::thread::spawn(move || {
                    let mut seen = Vec::new();
                    for i in 0..20_000u64 {
                        let key = (i * 31 + t) % 10_000;
                        let index = table.find_or_insert(&key, || ());
                        assert_eq!(table.entry(index).map(|e| e.key), Some(key));
                        seen.push((key, index));
                    }
                    seen
                })
            })
            .collect();
        let mut by_key = std::collections::HashMap::new();
        for t in threads {
            for (key, index) in t.join().unwrap() {
                assert_eq!(*by_key.entry(key).or_insert(index), index, "key {key}");
            }
        }
        assert_eq!(table.len(), 10_000);
    }
}
