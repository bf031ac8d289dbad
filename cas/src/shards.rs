//! Which shard directories (`blobs/<first four hex digits>/`) this handle knows to exist.
//!
//! A put into a shard directory that does not exist yet must create it first. Trying the rename
//! and creating the directory only when it fails costs a failed rename for every blob in a young
//! store (where most shards are new); creating it every time costs a failed `mkdir` for every
//! blob in an old one. Remembering which shards exist avoids both. It is only a hint: if another
//! process's `gc` removes a remembered directory, the rename fails with "not found" and
//! [`TempFile::persist`](crate::files::TempFile::persist) creates the directory and retries.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::hash::ContentHash;

/// One bit per shard: 65,536 shards in 8 KiB, lock-free.
pub(crate) struct KnownShards {
    bits: Box<[AtomicU64]>,
}

impl KnownShards {
    pub(crate) fn new() -> KnownShards {
        KnownShards { bits: (0..1024).map(|_| AtomicU64::new(0)).collect() }
    }

    pub(crate) fn contains(&self, hash: &ContentHash) -> bool {
        let (word, bit) = position(hash);
        // Relaxed: a stale answer only costs a `mkdir` or a retried rename, never correctness.
        self.bits[word].load(Ordering::Relaxed) & bit != 0
    }

    pub(crate) fn insert(&self, hash: &ContentHash) {
        let (word, bit) = position(hash);
        self.bits[word].fetch_or(bit, Ordering::Relaxed);
    }

    /// Forgets every shard; `gc` calls it after removing empty shard directories.
    pub(crate) fn clear(&self) {
        for word in self.bits.iter() {
            word.store(0, Ordering::Relaxed);
        }
    }
}

impl std::fmt::Debug for KnownShards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count: u32 = self.bits.iter().map(|w| w.load(Ordering::Relaxed).count_ones()).sum();
        f.debug_struct("KnownShards").field("count", &count).finish()
    }
}

/// The shard number is the first two bytes of the hash, which are its first four hex digits.
fn position(hash: &ContentHash) -> (usize, u64) {
    let bytes = hash.as_bytes();
    let shard = usize::from(bytes[0]) << 8 | usize::from(bytes[1]);
    (shard / 64, 1 << (shard % 64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_and_forgets_shards() {
        let shards = KnownShards::new();
        let a = ContentHash::from_bytes([0xab; 32]);
        let mut b_bytes = [0xab; 32];
        b_bytes[1] = 0xac;
        let b = ContentHash::from_bytes(b_bytes);
        assert!(!shards.contains(&a));
        shards.insert(&a);
        assert!(shards.contains(&a));
        assert!(!shards.contains(&b));
        shards.clear();
        assert!(!shards.contains(&a));
    }

    #[test]
    fn hashes_with_the_same_four_hex_digits_share_a_shard() {
        let shards = KnownShards::new();
        let mut other = [0u8; 32];
        other[..2].copy_from_slice(&[0x12, 0x34]);
        shards.insert(&ContentHash::from_bytes(other));
        other[2] = 0xff;
        assert!(shards.contains(&ContentHash::from_bytes(other)));
    }
}
