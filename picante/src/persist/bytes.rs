//! The cache file's primitive encoding: little-endian integers and length-prefixed byte
//! strings, written into a `Vec` and read back by a reader that checks every length against
//! the bytes left before it takes (or allocates for) anything.

use std::sync::Arc;

/// Appends the file's primitives to a buffer.
///
/// Byte strings that are already in memory as part of a loaded file (values loaded and never
/// read since) are not copied: they are kept as references, spliced in when the writer's
/// output is written ([`chunks`](Self::chunks)). Saving right after a load then copies
/// nothing but the bookkeeping.
#[derive(Default)]
pub(crate) struct Writer {
    pub(crate) buf: Vec<u8>,
    /// `(at, file, start, len)`: `file[start..start + len]` goes at `buf[at]`, in order.
    spliced: Vec<(usize, Arc<Vec<u8>>, usize, usize)>,
    spliced_len: usize,
}

impl Writer {
    pub(crate) fn u8(&mut self, value: u8) {
        self.buf.push(value);
    }

    pub(crate) fn u16(&mut self, value: u16) {
        self.buf.extend_from_slice(&value.to_le_bytes());
    }

    pub(crate) fn u32(&mut self, value: u32) {
        self.buf.extend_from_slice(&value.to_le_bytes());
    }

    pub(crate) fn u64(&mut self, value: u64) {
        self.buf.extend_from_slice(&value.to_le_bytes());
    }

    /// A byte string, its length first (`u32`).
    pub(crate) fn bytes(&mut self, bytes: &[u8]) {
        self.u32(bytes.len() as u32);
        self.buf.extend_from_slice(bytes);
    }

    /// `value` encoded (`persist::encode_value_into`) as a byte string, written in place rather
    /// than encoded apart and copied.
    pub(crate) fn encoded<T: facet::Facet<'static> + 'static>(
        &mut self,
        value: &T,
    ) -> Result<(), String> {
        let at = self.buf.len();
        self.u32(0);
        super::encode_value_into(value, &mut self.buf)?;
        let len = u32::try_from(self.buf.len() - at - 4)
            .map_err(|_| format!("a {} of more than 4 GiB", T::SHAPE))?;
        self.buf[at..at + 4].copy_from_slice(&len.to_le_bytes());
        Ok(())
    }

    /// A byte string that is `file[start..start + len]`, written as [`bytes`](Self::bytes)
    /// writes it, without copying it.
    pub(crate) fn shared_bytes(&mut self, file: &Arc<Vec<u8>>, start: usize, len: usize) {
        self.u32(len as u32);
        self.spliced.push((self.buf.len(), file.clone(), start, len));
        self.spliced_len += len;
    }

    /// The number of bytes written, spliced ones included.
    pub(crate) fn len(&self) -> usize {
        self.buf.len() + self.spliced_len
    }

    /// The bytes written, in order, as slices of the buffer and of the files spliced in.
    pub(crate) fn chunks(&self) -> impl Iterator<Item = &[u8]> {
        let mut from = 0;
        let mut chunks = Vec::with_capacity(2 * self.spliced.len() + 1);
        for (at, file, start, len) in &self.spliced {
            chunks.push(&self.buf[from..*at]);
            chunks.push(&file[*start..*start + *len]);
            from = *at;
        }
        chunks.push(&self.buf[from..]);
        chunks.into_iter().filter(|chunk| !chunk.is_empty())
    }

    /// A count that cannot exceed `u32` in any cache this crate writes (slot indices are
    /// `u32`).
    pub(crate) fn count(&mut self, count: usize) {
        self.u32(count as u32);
    }
}

/// Reads the file's primitives; every failure names what was being read and where.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    /// What is being read, for error messages ("section `page`").
    what: &'a str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8], what: &'a str) -> Reader<'a> {
        Reader { bytes, at: 0, what }
    }

    pub(crate) fn error(&self, message: impl std::fmt::Display) -> String {
        format!("{}: {message} (at byte {})", self.what, self.at)
    }

    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if n > self.remaining() {
            return Err(self.error(format!("{n} bytes wanted, {} left", self.remaining())));
        }
        let taken = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, String> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub(crate) fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A byte string written by [`Writer::bytes`].
    pub(crate) fn bytes(&mut self) -> Result<&'a [u8], String> {
        let len = self.u32()? as usize;
        self.take(len)
    }

    /// A count of records each at least `min_record` bytes long: refused if the bytes left
    /// cannot hold that many, so a forged count never makes the loader allocate.
    pub(crate) fn count(&mut self, min_record: usize) -> Result<usize, String> {
        let count = self.u32()? as usize;
        if count.saturating_mul(min_record.max(1)) > self.remaining() {
            return Err(self.error(format!(
                "{count} records cannot fit in the {} bytes left",
                self.remaining()
            )));
        }
        Ok(count)
    }

    /// Fails unless every byte was read.
    pub(crate) fn finish(&self) -> Result<(), String> {
        match self.remaining() {
            0 => Ok(()),
            left => Err(self.error(format!("{left} bytes left over"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_is_read_back() {
        let mut w = Writer::default();
        w.u8(7);
        w.u16(300);
        w.u32(70_000);
        w.u64(u64::MAX - 1);
        w.bytes(b"abc");
        let mut r = Reader::new(&w.buf, "test");
        assert_eq!(r.u8().unwrap(), 7);
        assert_eq!(r.u16().unwrap(), 300);
        assert_eq!(r.u32().unwrap(), 70_000);
        assert_eq!(r.u64().unwrap(), u64::MAX - 1);
        assert_eq!(r.bytes().unwrap(), b"abc");
        r.finish().unwrap();
    }

    #[test]
    fn spliced_bytes_read_back_as_if_copied() {
        let file = Arc::new(b"..hello..".to_vec());
        let mut w = Writer::default();
        w.u8(1);
        w.shared_bytes(&file, 2, 5);
        w.bytes(b"xy");
        w.shared_bytes(&file, 0, 0);
        let written: Vec<u8> = w.chunks().flatten().copied().collect();
        assert_eq!(written.len(), w.len());
        let mut r = Reader::new(&written, "test");
        assert_eq!(r.u8().unwrap(), 1);
        assert_eq!(r.bytes().unwrap(), b"hello");
        assert_eq!(r.bytes().unwrap(), b"xy");
        assert_eq!(r.bytes().unwrap(), b"");
        r.finish().unwrap();
    }

    #[test]
    fn a_length_or_count_beyond_the_bytes_left_is_an_error_naming_where() {
        let mut w = Writer::default();
        w.u32(u32::MAX);
        let error = Reader::new(&w.buf, "section `x`").bytes().unwrap_err();
        assert!(error.starts_with("section `x`: 4294967295 bytes wanted, 0 left"), "{error}");
        let error = Reader::new(&w.buf, "section `x`").count(8).unwrap_err();
        assert!(error.contains("cannot fit"), "{error}");
    }
}
