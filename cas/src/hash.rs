//! [`ContentHash`]: the 32-byte blake3 digest that names a blob.

use std::fmt;
use std::str::FromStr;

use facet::Facet;

use crate::error::{Error, ErrorKind};

/// The blake3 hash of a blob's bytes: the blob's name in the store.
///
/// It is 32 bytes, `Copy`, ordered and hashable, and implements [`Facet`] so that a query
/// runtime can store it (instead of the bytes) in its cache. It prints as 64 lower-case hex
/// digits and parses from 64 hex digits of either case.
///
/// # Examples
///
/// ```
/// use cas::ContentHash;
///
/// let hash = ContentHash::of(b"hello");
/// let text = hash.to_string();
/// assert_eq!(text.len(), 64);
/// assert_eq!(text.parse::<ContentHash>()?, hash);
/// assert!("not a hash".parse::<ContentHash>().is_err());
/// # Ok::<(), cas::Error>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Facet)]
#[facet(transparent)]
pub struct ContentHash([u8; 32]);

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

impl ContentHash {
    /// The hash of zero bytes.
    pub const EMPTY: ContentHash = ContentHash([
        0xaf, 0x13, 0x49, 0xb9, 0xf5, 0xf9, 0xa1, 0xa6, 0xa0, 0x40, 0x4d, 0xea, 0x36, 0xdc, 0xc9,
        0x49, 0x9b, 0xcb, 0x25, 0xc9, 0xad, 0xc1, 0x12, 0xb7, 0xcc, 0x9a, 0x93, 0xca, 0xe4, 0x1f,
        0x32, 0x62,
    ]);

    /// Hashes `bytes`. This is the hash [`Cas::put`](crate::Cas::put) returns for them.
    pub fn of(bytes: &[u8]) -> ContentHash {
        ContentHash(*blake3::hash(bytes).as_bytes())
    }

    /// Wraps 32 bytes that are already a blake3 digest.
    pub const fn from_bytes(bytes: [u8; 32]) -> ContentHash {
        ContentHash(bytes)
    }

    /// The 32 digest bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Writes the 64 lower-case hex digits into a stack buffer; used for file names without
    /// allocating a `String` per lookup.
    pub(crate) fn hex(&self) -> [u8; 64] {
        let mut out = [0u8; 64];
        for (i, byte) in self.0.iter().enumerate() {
            out[2 * i] = HEX_DIGITS[usize::from(byte >> 4)];
            out[2 * i + 1] = HEX_DIGITS[usize::from(byte & 0x0f)];
        }
        out
    }
}

impl From<blake3::Hash> for ContentHash {
    fn from(hash: blake3::Hash) -> ContentHash {
        ContentHash(*hash.as_bytes())
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = self.hex();
        // The buffer holds only ASCII hex digits, so this cannot fail.
        f.pad(std::str::from_utf8(&hex).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ContentHash({self})")
    }
}

impl FromStr for ContentHash {
    type Err = Error;

    fn from_str(text: &str) -> Result<ContentHash, Error> {
        // Count characters, not bytes, so that the message about a non-ASCII string is right.
        let found = text.chars().count();
        if found != 64 {
            return Err(Error::new(ErrorKind::HashLength { found }));
        }
        let mut bytes = [0u8; 32];
        let mut chars = text.chars().enumerate();
        for byte in &mut bytes {
            let mut nibble = || -> Result<u8, Error> {
                // The length check above guarantees 64 characters.
                let (index, found) = chars.next().unwrap_or((64, '\0'));
                found
                    .to_digit(16)
                    .map(|digit| digit as u8)
                    .ok_or_else(|| Error::new(ErrorKind::HashDigit { found, index }))
            };
            *byte = (nibble()? << 4) | nibble()?;
        }
        Ok(ContentHash(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_constant_is_the_hash_of_no_bytes() {
        assert_eq!(ContentHash::of(b""), ContentHash::EMPTY);
    }

    #[test]
    fn display_matches_blake3_hex_and_parses_back() {
        let hash = ContentHash::of(b"abc");
        assert_eq!(hash.to_string(), blake3::hash(b"abc").to_hex().as_str());
        assert_eq!(hash.to_string().parse::<ContentHash>().unwrap(), hash);
        assert_eq!(hash.to_string().to_uppercase().parse::<ContentHash>().unwrap(), hash);
    }

    #[test]
    fn parse_rejects_a_wrong_length_with_the_count() {
        let err = "abc".parse::<ContentHash>().unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::HashLength { found: 3 });
        assert_eq!(
            err.to_string(),
            "invalid content hash: expected 64 hex digits, found 3 characters"
        );
    }

    #[test]
    fn parse_rejects_a_non_hex_digit_with_its_position() {
        let mut text = ContentHash::of(b"x").to_string();
        text.replace_range(10..11, "g");
        let err = text.parse::<ContentHash>().unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::HashDigit { found: 'g', index: 10 });
    }

    #[test]
    fn parse_counts_characters_not_bytes() {
        let text = "é".repeat(32);
        let err = text.parse::<ContentHash>().unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::HashLength { found: 32 });
        let text = "é".repeat(64);
        let err = text.parse::<ContentHash>().unwrap_err();
        assert_eq!(err.kind(), &ErrorKind::HashDigit { found: 'é', index: 0 });
    }

    #[test]
    fn display_honours_width_and_debug_shows_hex() {
        let hash = ContentHash::of(b"x");
        assert_eq!(format!("{hash:.8}"), hash.to_string()[..8]);
        assert_eq!(format!("{hash:?}"), format!("ContentHash({hash})"));
    }

    #[test]
    fn ordering_follows_the_bytes() {
        let low = ContentHash::from_bytes([0; 32]);
        let high = ContentHash::from_bytes([0xff; 32]);
        assert!(low < high);
        assert_eq!(high.as_bytes(), &[0xff; 32]);
    }

    #[test]
    fn facet_shape_is_available() {
        // The host stores hashes in its query cache through facet; the shape must exist.
        let shape = <ContentHash as Facet>::SHAPE;
        assert!(format!("{shape}").contains("ContentHash"));
    }
}
