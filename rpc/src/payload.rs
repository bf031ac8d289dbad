//! How a service's arguments and results become frame payloads: the [`Payload`] trait.
//!
//! Payloads are postcard. Most types get there through facet ([`facet_payload!`] implements
//! the trait with [`encode`](crate::encode) and [`decode`](crate::decode)); a type on a hot path
//! (a page's render request, sent ten thousand times a build) can write the same bytes by hand
//! with [`PayloadWriter`] and read them with [`PayloadReader`], which skips the reflection and
//! costs a small fraction of the time. Either way the bytes are the same postcard, so the two
//! sides need not agree on which one they use; a hand-written codec should be tested against
//! facet's bytes.
//!
//! ```
//! use rpc::{Payload, PayloadReader, PayloadWriter, RpcError};
//!
//! #[derive(facet::Facet, Debug, PartialEq)]
//! struct Greeting { name: String, times: u32 }
//!
//! impl Payload for Greeting {
//!     fn encode_payload(&self) -> Result<Vec<u8>, RpcError> {
//!         let mut w = PayloadWriter::with_capacity(self.name.len() + 8);
//!         w.str(&self.name);
//!         w.varint(u64::from(self.times));
//!         Ok(w.finish())
//!     }
//!     fn decode_payload(bytes: &[u8]) -> Result<Self, RpcError> {
//!         let mut r = PayloadReader::new(bytes, "Greeting");
//!         let greeting = Greeting { name: r.string()?, times: r.u32()? };
//!         r.finish()?;
//!         Ok(greeting)
//!     }
//! }
//!
//! let greeting = Greeting { name: "world".into(), times: 3 };
//! let bytes = greeting.encode_payload()?;
//! assert_eq!(bytes, rpc::encode(&greeting)?); // the same postcard as facet's
//! assert_eq!(Greeting::decode_payload(&bytes)?, greeting);
//! assert!(Greeting::decode_payload(&bytes[..3]).is_err());
//! # Ok::<(), RpcError>(())
//! ```

use crate::RpcError;

/// A type that can be a service's argument or result.
pub trait Payload: Sized {
    /// The postcard bytes of `self`.
    ///
    /// # Errors
    ///
    /// [`RpcError::Encode`] if the value cannot be encoded.
    fn encode_payload(&self) -> Result<Vec<u8>, RpcError>;

    /// Reads a value from a peer's bytes; anything malformed is an error, never a panic.
    ///
    /// # Errors
    ///
    /// [`RpcError::Decode`] naming the type and what was wrong where.
    fn decode_payload(bytes: &[u8]) -> Result<Self, RpcError>;
}

/// Implements [`Payload`] through facet-postcard for each listed `facet::Facet` type.
#[macro_export]
macro_rules! facet_payload {
    ($($ty:ty),* $(,)?) => {$(
        impl $crate::Payload for $ty {
            fn encode_payload(&self) -> ::std::result::Result<::std::vec::Vec<u8>, $crate::RpcError> {
                $crate::encode(self)
            }
            fn decode_payload(bytes: &[u8]) -> ::std::result::Result<Self, $crate::RpcError> {
                $crate::decode(bytes)
            }
        }
    )*};
}

facet_payload!(
    (),
    bool,
    u8,
    u16,
    u32,
    u64,
    i8,
    i16,
    i32,
    i64,
    String,
    Vec<u8>,
    Vec<String>,
    crate::Blob
);

/// Writes postcard by hand: varints, strings, sequences.
#[derive(Debug, Default)]
pub struct PayloadWriter {
    bytes: Vec<u8>,
}

impl PayloadWriter {
    /// A writer whose buffer starts with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> PayloadWriter {
        PayloadWriter { bytes: Vec::with_capacity(capacity) }
    }

    /// An unsigned integer wider than a byte (`u16` to `u64`, and `usize` lengths): LEB128.
    pub fn varint(&mut self, mut n: u64) {
        while n >= 0x80 {
            self.bytes.push((n as u8) | 0x80);
            n >>= 7;
        }
        self.bytes.push(n as u8);
    }

    /// A signed integer wider than a byte: zigzag, then LEB128.
    pub fn signed(&mut self, n: i64) {
        self.varint(((n << 1) ^ (n >> 63)) as u64);
    }

    /// A `u8` (or a `bool`, as 0 or 1): the byte itself.
    pub fn byte(&mut self, byte: u8) {
        self.bytes.push(byte);
    }

    /// A string (or byte string): its length, then its bytes.
    pub fn str(&mut self, text: &str) {
        self.bytes_with_len(text.as_bytes());
    }

    /// Bytes as they are, with no length: for a value already encoded, or a fixed-size one.
    pub fn raw(&mut self, bytes: &[u8]) {
        self.bytes.extend_from_slice(bytes);
    }

    /// A byte sequence: its length, then the bytes.
    pub fn bytes_with_len(&mut self, bytes: &[u8]) {
        self.varint(bytes.len() as u64);
        self.bytes.extend_from_slice(bytes);
    }

    /// The length that starts a sequence (`Vec`, slice); the elements follow.
    pub fn seq_len(&mut self, len: usize) {
        self.varint(len as u64);
    }

    /// The tag of an `Option`: 0 for `None`, 1 for `Some` (the value follows).
    pub fn option(&mut self, some: bool) {
        self.bytes.push(u8::from(some));
    }

    /// The bytes written.
    pub fn finish(self) -> Vec<u8> {
        self.bytes
    }
}

/// Reads postcard by hand, checking every length against what is left.
#[derive(Debug)]
pub struct PayloadReader<'a> {
    bytes: &'a [u8],
    at: usize,
    what: &'static str,
}

impl<'a> PayloadReader<'a> {
    /// A reader of `bytes`, which should hold a `what` (named in errors).
    pub fn new(bytes: &'a [u8], what: &'static str) -> PayloadReader<'a> {
        PayloadReader { bytes, at: 0, what }
    }

    /// A decode error at the current position.
    pub fn error(&self, message: impl std::fmt::Display) -> RpcError {
        RpcError::Decode(format!("{}: byte {}: {message}", self.what, self.at))
    }

    /// A `u8` (the byte itself).
    ///
    /// # Errors
    ///
    /// When the bytes end.
    pub fn byte(&mut self) -> Result<u8, RpcError> {
        let byte = *self.bytes.get(self.at).ok_or_else(|| self.error("the bytes end early"))?;
        self.at += 1;
        Ok(byte)
    }

    /// An unsigned LEB128 integer of at most 64 bits.
    ///
    /// # Errors
    ///
    /// When the bytes end or the number is longer than 64 bits.
    pub fn varint(&mut self) -> Result<u64, RpcError> {
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                break;
            }
            n |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(self.error("a number longer than 64 bits"))
    }

    /// A `u32`.
    ///
    /// # Errors
    ///
    /// As [`varint`](Self::varint), and when the number does not fit.
    pub fn u32(&mut self) -> Result<u32, RpcError> {
        let n = self.varint()?;
        u32::try_from(n).map_err(|_| self.error(format!("{n} does not fit a u32")))
    }

    /// A zigzag-encoded signed integer.
    ///
    /// # Errors
    ///
    /// As [`varint`](Self::varint).
    pub fn signed(&mut self) -> Result<i64, RpcError> {
        let n = self.varint()?;
        Ok(((n >> 1) as i64) ^ -((n & 1) as i64))
    }

    /// A `bool`: 0 or 1.
    ///
    /// # Errors
    ///
    /// When the bytes end or hold another byte.
    pub fn bool(&mut self) -> Result<bool, RpcError> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(self.error(format!("{other} is not a bool"))),
        }
    }

    /// The tag of an `Option`: whether a value follows.
    ///
    /// # Errors
    ///
    /// As [`bool`](Self::bool).
    pub fn option(&mut self) -> Result<bool, RpcError> {
        self.bool()
    }

    /// A sequence's length, checked against the bytes left (each element takes at least
    /// `min_element` bytes), so a forged length cannot make the caller allocate.
    ///
    /// # Errors
    ///
    /// When the length is impossible for what is left.
    pub fn seq_len(&mut self, min_element: usize) -> Result<usize, RpcError> {
        let len = self.varint()?;
        let left = (self.bytes.len() - self.at) as u64;
        if len.saturating_mul(min_element.max(1) as u64) > left {
            return Err(self.error(format!("a sequence of {len} with {left} bytes left")));
        }
        Ok(len as usize)
    }

    /// A length-prefixed byte string, borrowed.
    ///
    /// # Errors
    ///
    /// When the length is more than what is left.
    pub fn bytes_with_len(&mut self) -> Result<&'a [u8], RpcError> {
        let len = self.seq_len(1)?;
        let bytes = &self.bytes[self.at..self.at + len];
        self.at += len;
        Ok(bytes)
    }

    /// A string, borrowed.
    ///
    /// # Errors
    ///
    /// As [`bytes_with_len`](Self::bytes_with_len), and when it is not UTF-8.
    pub fn str(&mut self) -> Result<&'a str, RpcError> {
        let start = self.at;
        let bytes = self.bytes_with_len()?;
        std::str::from_utf8(bytes).map_err(|e| {
            RpcError::Decode(format!(
                "{}: byte {start}: a string that is not UTF-8: {e}",
                self.what
            ))
        })
    }

    /// A string, owned.
    ///
    /// # Errors
    ///
    /// As [`str`](Self::str).
    pub fn string(&mut self) -> Result<String, RpcError> {
        self.str().map(str::to_owned)
    }

    /// Checks that nothing is left over.
    ///
    /// # Errors
    ///
    /// When bytes are left: the peer sent something else than the type.
    pub fn finish(self) -> Result<(), RpcError> {
        if self.at == self.bytes.len() {
            Ok(())
        } else {
            Err(self.error(format!("{} bytes left over", self.bytes.len() - self.at)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_written_varints_and_strings_are_facets_postcard() {
        for n in [0u64, 1, 127, 128, 300, 16_383, 16_384, u32::MAX as u64, u64::MAX] {
            let mut w = PayloadWriter::default();
            w.varint(n);
            assert_eq!(w.finish(), crate::encode(&n).unwrap(), "{n}");
        }
        for n in [0i64, -1, 1, -64, 64, i64::MIN, i64::MAX] {
            let mut w = PayloadWriter::default();
            w.signed(n);
            let bytes = w.finish();
            assert_eq!(bytes, crate::encode(&n).unwrap(), "{n}");
            assert_eq!(PayloadReader::new(&bytes, "i64").signed().unwrap(), n);
        }
        let text = "héllo, wörld".repeat(20);
        let mut w = PayloadWriter::default();
        w.str(&text);
        let bytes = w.finish();
        assert_eq!(bytes, crate::encode(&text).unwrap());
        assert_eq!(PayloadReader::new(&bytes, "String").string().unwrap(), text);
    }

    #[test]
    fn malformed_bytes_are_errors_that_say_where() {
        let too_long = [0xffu8; 11];
        let error = PayloadReader::new(&too_long, "u64").varint().unwrap_err();
        assert!(error.to_string().contains("longer than 64 bits"), "{error}");
        let forged_len = [0xff, 0xff, 0xff, 0xff, 0x0f, b'a'];
        let error = PayloadReader::new(&forged_len, "String").string().unwrap_err();
        assert!(error.to_string().contains("String: byte"), "{error}");
        let not_utf8 = [2, 0xc3, 0x28];
        assert!(PayloadReader::new(&not_utf8, "String").string().is_err());
        let mut r = PayloadReader::new(&[1, 2], "u8");
        assert_eq!(r.byte().unwrap(), 1);
        assert!(r.finish().unwrap_err().to_string().contains("1 bytes left over"));
        assert!(PayloadReader::new(&[2], "bool").bool().is_err());
        assert!(PayloadReader::new(&[0x80, 0x80, 0x80, 0x80, 0x10], "u32").u32().is_err());
    }
}
