//! A small, fast, non-cryptographic hasher for in-memory key tables.
//!
//! Query keys are usually small integers, short strings or tuples of them. SipHash (std's
//! default) costs more than the rest of a memo hit put together, and HashDoS is not a concern for
//! an in-process cache whose keys come from the program itself. Integers go through the
//! multiply-add scheme of `rustc-hash` 2.x (a well-known public algorithm, re-typed here rather
//! than taken as a dependency, because ARCHITECTURE.md's dependency rules keep picante's
//! dependency list short); bytes through a *folded* multiply per word (see
//! [`FastHasher::write`]).

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
    /// Each eight-byte word is xored in and folded through a 128-bit multiply (the high half
    /// xored onto the low), so that every bit of a word reaches every bit of the state.
    ///
    /// A plain multiply-add, as for integers, carries a difference only upwards: keys that
    /// differ in a word's top byte (`section-1/page-1001.md` and `…/page-2001.md`: the `1` and
    /// the `2` are a word's eighth byte) hashed to the same bucket and the same tag, and on
    /// the host's 10,000 paths a lookup probed six buckets and compared four whole keys.
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut hash = self.hash;
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            // The chunk is exactly 8 bytes long: `chunks_exact` guarantees it.
            hash = folded_multiply(hash ^ u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8])));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut tail = [0u8; 8];
            tail[..rest.len()].copy_from_slice(rest);
            hash = folded_multiply(hash ^ u64::from_le_bytes(tail) ^ (rest.len() as u64) << 59);
        }
        self.hash = hash;
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

/// `word` times [`MULTIPLIER`] as 128 bits, the high half xored onto the low.
#[inline]
fn folded_multiply(word: u64) -> u64 {
    let product = u128::from(word) * u128::from(MULTIPLIER);
    (product as u64) ^ ((product >> 64) as u64)
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

    /// Paths that differ only in a word's top byte (`page-1001` and `page-2001`: the digit is
    /// the eighth byte of `1/page-1`) spread over tags and buckets as random ones would: the
    /// key table compares whole keys only when the 32-bit tags match, and probes from the
    /// low bits.
    #[test]
    fn paths_that_differ_in_a_word_s_top_byte_hash_apart() {
        let build = FastBuildHasher::default();
        let paths: Vec<String> =
            (0..10_000).map(|n| format!("section-{}/page-{n}.md", n % 10)).collect();
        let hashes: Vec<u64> = paths.iter().map(|p| build.hash_one(p.as_str())).collect();
        let tags: FastHashSet<u64> = hashes.iter().map(|h| h >> 32).collect();
        assert!(tags.len() >= 9_990, "{} distinct tags of 10,000", tags.len());
        // 32,768 buckets, as the key table has for 10,000 keys: random homes would be about
        // 8,600 distinct buckets. The multiply-add gave 1,120 tags and 1,116 buckets.
        let homes: FastHashSet<u64> = hashes.iter().map(|h| h & 0x7fff).collect();
        assert!(homes.len() >= 8_400, "{} distinct home buckets of 10,000", homes.len());
    }

    #[test]
    fn byte_strings_of_different_lengths_differ() {
        let build = FastBuildHasher::default();
        assert_ne!(build.hash_one("a"), build.hash_one("a\0"));
        assert_ne!(build.hash_one(""), build.hash_one("\0"));
    }
}
