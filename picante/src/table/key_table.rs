//! Keys to dense slot indices, and back.
//!
//! A `KeyTable<K, S>` owns one slot `S` per distinct key. The forward map (key to index) is a
//! hash map under a reader-writer lock: lookups of known keys take the read side only. The
//! entries live in a [`Boxcar`], so an index reaches its key and slot without any lock; that is
//! the path revalidation and execution take.

use std::borrow::Borrow;
use std::hash::Hash;

use parking_lot::RwLock;

use super::boxcar::Boxcar;
use crate::hash::FastHashMap;

/// A key and its slot.
pub(crate) struct Entry<K, S> {
    pub(crate) key: K,
    pub(crate) slot: S,
}

pub(crate) struct KeyTable<K, S> {
    index: RwLock<FastHashMap<K, u32>>,
    entries: Boxcar<Entry<K, S>>,
}

impl<K, S> KeyTable<K, S> {
    pub(crate) fn new() -> Self {
        KeyTable { index: RwLock::new(FastHashMap::default()), entries: Boxcar::new() }
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
}

impl<K: Eq + Hash + Clone, S> KeyTable<K, S> {
    /// The index of `key`, if it has one.
    #[inline]
    pub(crate) fn find<Q>(&self, key: &Q) -> Option<u32>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.index.read().get(key).copied()
    }

    /// The index of `key`, creating its slot with `make` if it is new.
    #[inline]
    pub(crate) fn find_or_insert(&self, key: &K, make: impl FnOnce() -> S) -> u32 {
        if let Some(index) = self.find(key) {
            return index;
        }
        self.insert_slow(key, || key.clone(), make)
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
        if let Some(index) = self.find(key) {
            return index;
        }
        self.insert_slow(key, make_key, make)
    }

    #[cold]
    fn insert_slow<Q>(&self, key: &Q, make_key: impl FnOnce() -> K, make: impl FnOnce() -> S) -> u32
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut index = self.index.write();
        if let Some(&found) = index.get(key) {
            return found;
        }
        let key = make_key();
        // Pushing under the write lock keeps "key is in the map" and "entry exists" one fact.
        let fresh = self.entries.push(Entry { key: key.clone(), slot: make() });
        index.insert(key, fresh);
        fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(table.find(&"c".to_string()), None);
    }
}
