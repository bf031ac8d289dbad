//! Streaming: hashing (and copying) a reader through one fixed-size buffer, so that a large file
//! is never in memory at once.

use std::cell::Cell;
use std::io::{self, Read};

use crate::error::Result;
use crate::files::TempFile;
use crate::hash::ContentHash;

/// The size of the buffer that [`Cas::put_reader`](crate::Cas::put_reader) and
/// [`Cas::put_file`](crate::Cas::put_file) stream through.
///
/// Large enough that blake3 hashes each chunk with its widest SIMD path (it wants 16 KiB or
/// more) and that there are few `read`/`write` calls per MiB; small enough to stay in the L2
/// cache between hashing a chunk and writing it.
pub const STREAM_BUFFER_SIZE: usize = 256 * 1024;

thread_local! {
    /// One buffer per thread, reused across puts: allocating 256 KiB each time would cost a
    /// `mmap`, page faults and a `munmap` per put. Taken out while in use, so that a reader that
    /// itself puts (re-entrancy) simply gets a fresh buffer.
    static BUFFER: Cell<Option<Box<[u8]>>> = const { Cell::new(None) };
}

fn with_buffer<T>(f: impl FnOnce(&mut [u8]) -> T) -> T {
    let mut buffer =
        BUFFER.take().unwrap_or_else(|| vec![0; STREAM_BUFFER_SIZE].into_boxed_slice());
    let result = f(&mut buffer);
    BUFFER.set(Some(buffer));
    result
}

/// Reads into `buffer` until it is full or the reader ends; retries interrupted reads. Filling
/// the buffer (rather than taking each short read as it comes, as pipes give them) keeps the
/// chunks large for the hasher.
fn fill(reader: &mut dyn Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Hashes everything `reader` yields; returns the hash and the number of bytes.
pub(crate) fn hash_reader(reader: &mut dyn Read) -> io::Result<(ContentHash, u64)> {
    with_buffer(|buffer| {
        let mut hasher = blake3::Hasher::new();
        let mut total = 0u64;
        loop {
            let n = fill(reader, buffer)?;
            if n == 0 {
                return Ok((hasher.finalize().into(), total));
            }
            hasher.update(&buffer[..n]);
            total += n as u64;
        }
    })
}

/// Copies everything `reader` yields into `temp`, hashing it on the way: one pass over the data,
/// each chunk hashed while it is still in cache. `on_read_error` turns a read error into the
/// crate's error (it knows whether the reader is a named file).
pub(crate) fn copy_hashing(
    reader: &mut dyn Read,
    temp: &mut TempFile,
    on_read_error: impl Fn(io::Error) -> crate::Error,
) -> Result<(ContentHash, u64)> {
    with_buffer(|buffer| {
        let mut hasher = blake3::Hasher::new();
        let mut total = 0u64;
        loop {
            let n = fill(reader, buffer).map_err(&on_read_error)?;
            if n == 0 {
                return Ok((hasher.finalize().into(), total));
            }
            hasher.update(&buffer[..n]);
            temp.write_all(&buffer[..n])?;
            total += n as u64;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A reader that returns at most `step` bytes per call, like a pipe.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data = &self.data[n..];
            Ok(n)
        }
    }

    #[test]
    fn short_reads_hash_the_same_as_one_slice() {
        let data: Vec<u8> = (0..STREAM_BUFFER_SIZE * 2 + 17).map(|i| (i % 251) as u8).collect();
        let mut reader = Trickle { data: &data, step: 1000 };
        let (hash, len) = hash_reader(&mut reader).unwrap();
        assert_eq!(hash, ContentHash::of(&data));
        assert_eq!(len, data.len() as u64);
    }

    #[test]
    fn interrupted_reads_are_retried() {
        struct Interrupting(bool);
        impl Read for Interrupting {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                self.0 = !self.0;
                if self.0 { Err(io::ErrorKind::Interrupted.into()) } else { Ok(0) }
            }
        }
        assert_eq!(hash_reader(&mut Interrupting(false)).unwrap(), (ContentHash::EMPTY, 0));
    }
}
