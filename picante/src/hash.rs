//! A small, fast, non-cryptographic hasher for in-memory key tables.
//!
//! Query keys are usually small integers, short strings or tuples of them. SipHash (std's
//! default) costs more than the rest of a memo hit put together, and HashDoS is not a concern for
//! an in-process cache whose keys come from the program itself. This is the multiply-rotate
//! scheme of `rustc-hash` 2.x (a well-known public algorithm, re-typed here rather than taken as a
//! dependency, because ARCHITECTURE.md's dependency rules keep picante's dependency list short).

use std::hash::{BuildHasherDefault, Hasher};

/// `rustc-hash` 2.x constant: odd, with well-spread bits.
const MULTIPLIER: u64 = 0xf135_7aea_2e62_a9c5;

/// Multiply-add hasher; see the module docs.
#[derive(Default, Clone, Copy)]
pub struct FastHasher {
    hash: u64,
}

impl FastHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = self.hash.wrapping_add(word).wrapping_mul(MULTIPLIER);
    }
}

impl Hasher for FastHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            // The chunk is exactly 8 bytes long: `chunks_exact` guarantees it.
            self.add(u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut tail = [0u8; 8];
            tail[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(tail) ^ (rest.len() as u64) << 59);
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(i as u64);
    }

    #[inline]
    fn write_u16(&mut self, i: u16) {
        self.add(i as u64);
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(i as u64);
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        // The multiply leaves the best-mixed bits at the top; hashbrown takes its control byte
        // from the top 7 bits and its bucket index from the bottom, so rotate some down.
        self.hash.rotate_left(26)
    }
}

/// `BuildHasher` for [`FastHasher`]: for a caller's own maps keyed like its queries (paths,
/// small ids), where std's SipHash would cost more than the lookup it serves.
pub type FastBuildHasher = BuildHasherDefault<FastHasher>;

/// A `HashSet` keyed with [`FastHasher`].
pub(crate) type FastHashSet<K> = std::collections::HashSet<K, FastBuildHasher>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn distinct_small_integers_hash_apart() {
        let build = FastBuildHasher::default();
        let hashes: FastHashSet<u64> = (0u32..10_000).map(|i| build.hash_one(i)).collect();
        assert_eq!(hashes.len(), 10_000);
    }

    #[test]
    fn byte_strings_of_different_lengths_differ() {
        let build = FastBuildHasher::default();
        assert_ne!(build.hash_one("a"), build.hash_one("a\0"));
        assert_ne!(build.hash_one(""), build.hash_one("\0"));
    }
}
