//! The small plain value that names a blob across the process boundary.

use crate::error::{Error, ErrorKind};

/// Names one blob in a segment's heap: where it is, how long it is, and which allocation of
/// that block it is. Sent through a ring (or inside an RPC frame) from the writer to the
/// reader, who turns it back into bytes with [`crate::Heap::accept`].
///
/// A descriptor is only a claim: the reader checks the offset against the heap's bounds and
/// block boundaries, the length against the block and the recorded length, the generation
/// against the block's current generation, and that the block is in flight from the peer.
///
/// Encoded as 20 little-endian bytes: offset `u64`, length `u64`, generation `u32`.
///
/// ```
/// use shm::Descriptor;
/// let d = Descriptor::new(8192, 100, 7);
/// assert_eq!(Descriptor::from_bytes(&d.to_bytes())?, d);
/// assert!(Descriptor::from_bytes(&[0; 3]).is_err());
/// # Ok::<(), shm::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Descriptor {
    offset: u64,
    len: u64,
    generation: u32,
}

impl Descriptor {
    /// Length of [`Descriptor::to_bytes`].
    pub const ENCODED_LEN: usize = 20;

    /// A descriptor from its parts (what a decoder of another wire format would call).
    pub fn new(offset: u64, len: u64, generation: u32) -> Descriptor {
        Descriptor { offset, len, generation }
    }

    /// Byte offset of the blob from the start of the segment.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Length of the blob in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// True for a zero-length blob.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Generation of the block when the blob was allocated.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// The 20-byte wire form.
    pub fn to_bytes(&self) -> [u8; Descriptor::ENCODED_LEN] {
        let mut out = [0; Descriptor::ENCODED_LEN];
        out[0..8].copy_from_slice(&self.offset.to_le_bytes());
        out[8..16].copy_from_slice(&self.len.to_le_bytes());
        out[16..20].copy_from_slice(&self.generation.to_le_bytes());
        out
    }

    /// Decodes the 20-byte wire form.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::MalformedDescriptor`] unless `bytes` is exactly 20 bytes long. (Whether
    /// the descriptor names a real blob is checked by [`crate::Heap::accept`].)
    pub fn from_bytes(bytes: &[u8]) -> Result<Descriptor, Error> {
        let bytes: &[u8; Descriptor::ENCODED_LEN] = bytes.try_into().map_err(|_| {
            Error::with_detail(
                ErrorKind::MalformedDescriptor,
                format!("{} bytes, expected {}", bytes.len(), Descriptor::ENCODED_LEN),
            )
        })?;
        let u64_at = |i: usize| {
            let mut b = [0; 8];
            b.copy_from_slice(&bytes[i..i + 8]);
            u64::from_le_bytes(b)
        };
        let generation = u32::from_le_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
        Ok(Descriptor { offset: u64_at(0), len: u64_at(8), generation })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_extreme_values() {
        let d = Descriptor::new(u64::MAX, 0, u32::MAX);
        assert_eq!(Descriptor::from_bytes(&d.to_bytes()).unwrap(), d);
    }

    #[test]
    fn wrong_length_is_malformed() {
        let err = Descriptor::from_bytes(&[0; 21]).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::MalformedDescriptor);
    }
}
