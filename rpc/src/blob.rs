//! Large payloads: inline when small, through the shared-memory heap when large, pulled in
//! chunks when larger than the heap.
//!
//! A [`Blob`] is a field type for service arguments and results. The sender makes one with
//! [`Connection::blob`] (or [`Connection::blob_with`], which lets it write in place); the
//! receiver turns it into bytes with [`Connection::open_blob`], which reads a shared blob in
//! place (no copy) and frees it when the returned [`BlobBytes`] drops. Every descriptor from
//! the peer is checked by `shm` (bounds, generation, ownership) before it is read.
//!
//! A payload larger than the whole heap is not an error: it stays with the sender, and the
//! receiver's `open_blob` pulls it chunk by chunk through the heap (internal calls answered by
//! the sender's side of the link), then tells the sender it is done. The length a streamed
//! blob announces is not trusted for allocation: the receiver's buffer grows with the chunks
//! that actually arrive, and a chunk past the end of what the sender holds is an error.

use std::collections::HashMap;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use facet::Facet;
use parking_lot::Mutex;

use crate::connection::Inner;
use crate::{Connection, RpcError};

/// A payload that may live in shared memory. Open it with [`Connection::open_blob`].
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct Blob {
    repr: Repr,
}

#[derive(Facet, Clone, Debug, PartialEq)]
#[repr(u8)]
enum Repr {
    /// The bytes themselves (small payloads, or no shared segment).
    Inline(Vec<u8>),
    /// An `shm` descriptor (20 bytes) of a block in the shared heap.
    Shared(Vec<u8>),
    /// Too large for the heap: held by the sender, pulled in chunks.
    Streamed { stream: u64, len: u64 },
}

impl Blob {
    /// Its length in bytes.
    pub fn len(&self) -> u64 {
        match &self.repr {
            Repr::Inline(bytes) => bytes.len() as u64,
            Repr::Shared(descriptor) => {
                shm::Descriptor::from_bytes(descriptor).map(|d| d.len()).unwrap_or(0)
            }
            Repr::Streamed { len, .. } => *len,
        }
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether it travels through the shared heap.
    pub fn is_shared(&self) -> bool {
        matches!(self.repr, Repr::Shared(_))
    }

    /// Whether it is pulled from the sender in chunks.
    pub fn is_streamed(&self) -> bool {
        matches!(self.repr, Repr::Streamed { .. })
    }
}

/// The bytes of an opened [`Blob`]: in place in shared memory (freed on drop) or owned.
///
/// Bytes in place are in memory the peer process can write: their length is checked and
/// fixed, but a peer that broke the protocol could change their contents while they are
/// held. Treat them as untrusted input, and copy them ([`BlobBytes::into_vec`]) before
/// validating anything that must stay valid (the `shm` README's "What the peer can write").
pub struct BlobBytes {
    repr: BytesRepr,
}

enum BytesRepr {
    Owned(Vec<u8>),
    Shared(shm::Blob),
}

impl Deref for BlobBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match &self.repr {
            BytesRepr::Owned(bytes) => bytes,
            BytesRepr::Shared(blob) => blob,
        }
    }
}

impl BlobBytes {
    /// The bytes as an owned vector (copies a shared blob out, then frees it).
    pub fn into_vec(self) -> Vec<u8> {
        match self.repr {
            BytesRepr::Owned(bytes) => bytes,
            BytesRepr::Shared(blob) => blob.to_vec(),
        }
    }
}

/// Payloads held for the peer to pull (blobs larger than the heap), by stream id.
///
/// A payload is held from the moment its [`Blob`] is made until the peer says it is done
/// (or the link goes away with the connection); meanwhile the peer pulls chunks of it.
#[derive(Default)]
pub(crate) struct Streams {
    /// The last stream id handed out (ids start at 1).
    last: AtomicU64,
    held: Mutex<HashMap<u64, Arc<Vec<u8>>>>,
}

impl Streams {
    /// Holds `bytes` for the peer to pull; the new stream's id.
    fn hold(&self, bytes: Vec<u8>) -> u64 {
        let stream = self.last.fetch_add(1, Ordering::Relaxed) + 1;
        self.held.lock().insert(stream, Arc::new(bytes));
        stream
    }

    /// The payload of `stream`, while it is held.
    fn get(&self, stream: u64) -> Option<Arc<Vec<u8>>> {
        self.held.lock().get(&stream).cloned()
    }

    /// Lets go of `stream` (the peer read it all); unknown ids are ignored.
    fn release(&self, stream: u64) {
        self.held.lock().remove(&stream);
    }
}

/// Internal method: one chunk of a streamed blob. Argument `(stream, offset, len)`.
pub(crate) const CHUNK_METHOD: u32 = crate::method_id("rpc", "blob_chunk");
/// Internal method (a notification): the receiver is done with a stream.
pub(crate) const DONE_METHOD: u32 = crate::method_id("rpc", "blob_done");

fn io(error: shm::Error) -> RpcError {
    RpcError::Io(format!("shared memory: {error}"))
}

impl Inner {
    /// Serves the internal blob methods; `None` for any other method.
    pub(crate) fn serve_internal(
        &self,
        method_id: u32,
        payload: &[u8],
    ) -> Option<Result<Vec<u8>, RpcError>> {
        match method_id {
            CHUNK_METHOD => Some(self.serve_chunk(payload)),
            DONE_METHOD => {
                if let Ok(stream) = crate::decode::<u64>(payload) {
                    self.streams.release(stream);
                }
                Some(Ok(Vec::new()))
            }
            _ => None,
        }
    }

    fn serve_chunk(&self, payload: &[u8]) -> Result<Vec<u8>, RpcError> {
        let (stream, offset, len): (u64, u64, u64) = crate::decode(payload)?;
        let data = self.streams.get(stream).ok_or_else(|| {
            RpcError::remote(format!("no blob stream {stream} (already read, or never sent)"))
        })?;
        let end =
            offset.checked_add(len).filter(|&end| end <= data.len() as u64).ok_or_else(|| {
                RpcError::remote(format!(
                    "chunk {offset}+{len} outside a blob of {} bytes",
                    data.len()
                ))
            })?;
        let chunk = self.make_blob(&data[offset as usize..end as usize], false)?;
        crate::encode(&chunk)
    }

    /// A blob of `bytes`: inline, shared, or (when `allow_stream`) held for streaming.
    pub(crate) fn make_blob(&self, bytes: &[u8], allow_stream: bool) -> Result<Blob, RpcError> {
        if bytes.len() <= self.config.blob_inline_max {
            return Ok(Blob { repr: Repr::Inline(bytes.to_vec()) });
        }
        let Some(heap) = self.heap.as_ref() else {
            // No shared memory: inline while it fits comfortably in a frame, else streamed
            // (in inline chunks).
            if bytes.len() <= self.inline_limit() || !allow_stream {
                return Ok(Blob { repr: Repr::Inline(bytes.to_vec()) });
            }
            return Ok(self.hold(bytes.to_vec()));
        };
        if bytes.len() <= heap.max_blob() {
            let mut block = heap.alloc(bytes.len(), self.config.call_timeout).map_err(io)?;
            block.copy_from_slice(bytes);
            let descriptor = block.into_descriptor().map_err(io)?;
            return Ok(Blob { repr: Repr::Shared(descriptor.to_bytes().to_vec()) });
        }
        if !allow_stream {
            return Err(RpcError::remote("chunk larger than the shared heap"));
        }
        Ok(self.hold(bytes.to_vec()))
    }

    fn hold(&self, bytes: Vec<u8>) -> Blob {
        let len = bytes.len() as u64;
        let stream = self.streams.hold(bytes);
        Blob { repr: Repr::Streamed { stream, len } }
    }

    /// The largest blob sent inline without shared memory: half the peer's frame limit, so
    /// that the rest of the message always fits beside it.
    fn inline_limit(&self) -> usize {
        (self.peer_max_frame / 2) as usize
    }

    fn chunk_len(&self) -> u64 {
        self.heap.as_ref().map_or(1 << 20, |heap| (heap.max_blob() / 2).clamp(1 << 12, 16 << 20))
            as u64
    }
}

impl Connection {
    /// A blob holding a copy of `bytes`: inline up to `Config::blob_inline_max` (or without a
    /// shared segment), in the shared heap up to its largest block, held for streaming beyond.
    ///
    /// # Errors
    ///
    /// `Io` if the heap stays full for the call timeout.
    pub fn blob(&self, bytes: &[u8]) -> Result<Blob, RpcError> {
        self.inner().make_blob(bytes, true)
    }

    /// A blob of `len` bytes written in place by `fill` (no intermediate copy when it fits in
    /// the shared heap).
    ///
    /// # Errors
    ///
    /// As [`blob`](Self::blob).
    pub fn blob_with(&self, len: usize, fill: impl FnOnce(&mut [u8])) -> Result<Blob, RpcError> {
        let inner = self.inner();
        if let Some(heap) = inner.heap.as_ref()
            && len > inner.config.blob_inline_max
            && len <= heap.max_blob()
        {
            let mut block = heap.alloc(len, inner.config.call_timeout).map_err(io)?;
            fill(&mut block);
            let descriptor = block.into_descriptor().map_err(io)?;
            return Ok(Blob { repr: Repr::Shared(descriptor.to_bytes().to_vec()) });
        }
        let mut bytes = vec![0u8; len];
        fill(&mut bytes);
        let fits_inline = len <= inner.config.blob_inline_max
            || (inner.heap.is_none() && len <= inner.inline_limit());
        if fits_inline {
            return Ok(Blob { repr: Repr::Inline(bytes) });
        }
        Ok(inner.hold(bytes))
    }

    /// The bytes of a blob received from the peer.
    ///
    /// # Errors
    ///
    /// `Protocol` if the peer sent a shared blob over a link without a segment, or a
    /// descriptor that `shm` refuses (out of bounds, stale, already freed); the errors of the
    /// chunk calls for a streamed blob.
    pub async fn open_blob(&self, blob: Blob) -> Result<BlobBytes, RpcError> {
        let inner = self.inner();
        match blob.repr {
            Repr::Inline(bytes) => Ok(BlobBytes { repr: BytesRepr::Owned(bytes) }),
            Repr::Shared(descriptor) => {
                let heap = inner.heap.as_ref().ok_or_else(|| {
                    RpcError::Protocol("a shared blob on a link without shared memory".into())
                })?;
                let descriptor = shm::Descriptor::from_bytes(&descriptor)
                    .map_err(|e| RpcError::Protocol(format!("blob descriptor: {e}")))?;
                let block = heap
                    .accept(descriptor)
                    .map_err(|e| RpcError::Protocol(format!("blob descriptor refused: {e}")))?;
                Ok(BlobBytes { repr: BytesRepr::Shared(block) })
            }
            Repr::Streamed { stream, len } => {
                let chunk_len = inner.chunk_len();
                // `len` is only the peer's word: reserve one chunk and grow as chunks arrive,
                // so memory follows the bytes actually received (at most about twice that,
                // from the vector's doubling), never the announced size. A peer announcing
                // more than it holds fails at the first chunk past its end.
                let mut bytes = Vec::with_capacity(chunk_len.min(len) as usize);
                let mut offset = 0u64;
                while offset < len {
                    let this = chunk_len.min(len - offset);
                    let payload = crate::encode(&(stream, offset, this))?;
                    let reply = self.call(CHUNK_METHOD, payload).await?;
                    let chunk: Blob = crate::decode(&reply)?;
                    if chunk.is_streamed() || chunk.len() != this {
                        return Err(RpcError::Protocol(format!(
                            "blob chunk at {offset}: expected {this} bytes, got {}",
                            chunk.len()
                        )));
                    }
                    let chunk = Box::pin(self.open_blob(chunk)).await?;
                    bytes.extend_from_slice(&chunk);
                    offset += this;
                }
                let _ = self.notify(DONE_METHOD, crate::encode(&stream)?);
                Ok(BlobBytes { repr: BytesRepr::Owned(bytes) })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_stream_is_readable_until_released() {
        let streams = Streams::default();
        let first = streams.hold(vec![1, 2, 3]);
        let second = streams.hold(vec![4]);
        assert_ne!(first, second);
        assert_eq!(streams.get(first).as_deref(), Some(&vec![1, 2, 3]));
        streams.release(first);
        assert!(streams.get(first).is_none());
        assert_eq!(streams.get(second).as_deref(), Some(&vec![4]));
        // Releasing twice (a repeated `done` from the peer) is harmless.
        streams.release(first);
    }
}
