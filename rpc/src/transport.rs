//! How frames travel: over the byte stream, or through a pair of `shm` rings.
//!
//! Every link starts on its byte stream (the hello is always exchanged there). When both sides
//! announce rings in their hello, frames then travel through the shared segment instead: one
//! ring per direction, one frame per record. A ring hand-off spins briefly before sleeping on a
//! futex, so a quick reply costs no system call and no wake-up; that is what brings a small
//! call's round trip below the byte stream's.
//!
//! Ring record layout (everything from the peer is checked before use):
//!
//! ```text
//! 0      1 byte   0 = payload inline, 1 = payload spilled to the heap
//! 1     21 bytes  the frame header (kind, request id, parent id, method id), as on the stream
//! 22     …        inline: the payload; spilled: a 20-byte `shm` heap descriptor
//! ```
//!
//! A payload too large for one record is written to the shared heap and its descriptor sent,
//! so every frame of a link travels through the same ordered channel.

use std::io::{BufReader, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use crate::RpcError;
use crate::frame::{Frame, HEADER_LEN};

const INLINE: u8 = 0;
const SPILLED: u8 = 1;

/// How long a ring reader sleeps before checking whether its own side closed.
const READ_SLICE: Duration = Duration::from_millis(50);

/// The sending half of a link.
pub(crate) enum Writer {
    Stream(UnixStream),
    Ring { producer: shm::Producer, heap: shm::Heap, timeout: Duration },
}

/// The receiving half of a link.
pub(crate) enum Reader {
    Stream(BufReader<UnixStream>),
    Ring { consumer: shm::Consumer, heap: shm::Heap },
}

/// The two rings and the heap of a shared segment, for one side of a link.
pub struct RingTransport {
    pub(crate) producer: shm::Producer,
    pub(crate) consumer: shm::Consumer,
    pub(crate) heap: shm::Heap,
}

/// Region numbers in a cell's segment: the blob heap, then one ring per direction.
pub(crate) const HEAP_REGION: usize = 0;
pub(crate) const HOST_TO_CELL: usize = 1;
pub(crate) const CELL_TO_HOST: usize = 2;

impl RingTransport {
    /// This side's ends of the rings in `segment` (laid out by `cell::spawn`): the host writes
    /// ring 1 and reads ring 2, the cell the other way round.
    ///
    /// # Errors
    ///
    /// When the segment has no such regions or another handle already opened them.
    pub fn open(segment: &shm::Segment, side: crate::Side) -> Result<RingTransport, RpcError> {
        let (out, back) = match side {
            crate::Side::Host => (HOST_TO_CELL, CELL_TO_HOST),
            crate::Side::Cell => (CELL_TO_HOST, HOST_TO_CELL),
        };
        let shm = |e: shm::Error| RpcError::Io(format!("shared memory: {e}"));
        Ok(RingTransport {
            producer: segment.producer(out).map_err(shm)?,
            consumer: segment.consumer(back).map_err(shm)?,
            heap: segment.heap(HEAP_REGION).map_err(shm)?,
        })
    }
}

fn ring_error(error: shm::Error) -> RpcError {
    if error.is_disconnected() {
        RpcError::PeerClosed { reason: format!("shared ring: {error}") }
    } else {
        RpcError::Io(format!("shared ring: {error}"))
    }
}

impl Writer {
    pub(crate) fn send(&mut self, frame: &Frame) -> Result<(), RpcError> {
        match self {
            Writer::Stream(stream) => stream
                .write_all(&frame.encode())
                .map_err(|e| RpcError::PeerClosed { reason: format!("write failed: {e}") }),
            Writer::Ring { producer, heap, timeout } => {
                let header = header_bytes(frame);
                if 1 + HEADER_LEN + frame.payload.len() <= producer.max_record() {
                    return producer
                        .push_parts(&[&[INLINE], &header, &frame.payload], *timeout)
                        .map_err(ring_error);
                }
                if frame.payload.len() > heap.max_blob() {
                    return Err(RpcError::FrameTooLarge {
                        len: frame.payload.len() as u64,
                        max: heap.max_blob() as u64,
                    });
                }
                let mut block = heap.alloc(frame.payload.len(), *timeout).map_err(ring_error)?;
                block.copy_from_slice(&frame.payload);
                let descriptor = block.into_descriptor().map_err(ring_error)?.to_bytes();
                producer
                    .push_parts(&[&[SPILLED], &header, &descriptor], *timeout)
                    .map_err(ring_error)
            }
        }
    }
}

impl Writer {
    /// Sends `frame` if that needs no waiting (a goodbye while closing); drops it otherwise.
    pub(crate) fn send_without_waiting(&mut self, frame: &Frame) -> Result<(), RpcError> {
        match self {
            Writer::Stream(_) => self.send(frame),
            Writer::Ring { producer, .. } => {
                let header = header_bytes(frame);
                producer.try_push_parts(&[&[INLINE], &header, &frame.payload]).map_err(ring_error)
            }
        }
    }
}

fn header_bytes(frame: &Frame) -> [u8; HEADER_LEN] {
    let mut header = [0u8; HEADER_LEN];
    header[0] = frame.kind as u8;
    header[1..9].copy_from_slice(&frame.request_id.to_le_bytes());
    header[9..17].copy_from_slice(&frame.parent_id.to_le_bytes());
    header[17..21].copy_from_slice(&frame.method_id.to_le_bytes());
    header
}

impl Reader {
    /// The next frame; `Ok(None)` when the peer closed cleanly. A ring reader wakes every
    /// `READ_SLICE` to see whether `closed` says its own side has gone.
    pub(crate) fn recv(
        &mut self,
        max_len: u32,
        closed: impl Fn() -> bool,
    ) -> Result<Option<Frame>, RpcError> {
        match self {
            Reader::Stream(stream) => Frame::read_from(stream, max_len),
            Reader::Ring { consumer, heap } => loop {
                if closed() {
                    return Ok(None);
                }
                let record = match consumer.pop(READ_SLICE) {
                    Ok(record) => record,
                    Err(error) if error.is_timeout() => continue,
                    Err(error) if error.is_disconnected() => return Ok(None),
                    Err(error) => return Err(RpcError::Protocol(format!("shared ring: {error}"))),
                };
                return decode_record(&record, heap, max_len).map(Some);
            },
        }
    }
}

impl Reader {
    /// The next frame if one is already here, without waiting: `Ok(None)` when there is none
    /// (or the peer has gone: the next [`recv`](Self::recv) reports that). A byte stream never
    /// has one ready, as far as this knows: its frames are read one `recv` at a time.
    pub(crate) fn try_recv(&mut self, max_len: u32) -> Result<Option<Frame>, RpcError> {
        match self {
            Reader::Stream(_) => Ok(None),
            Reader::Ring { consumer, heap } => match consumer.try_pop() {
                Ok(record) => decode_record(&record, heap, max_len).map(Some),
                Err(error) if error.kind() == shm::ErrorKind::Empty || error.is_disconnected() => {
                    Ok(None)
                }
                Err(error) => Err(RpcError::Protocol(format!("shared ring: {error}"))),
            },
        }
    }
}

fn decode_record(record: &[u8], heap: &shm::Heap, max_len: u32) -> Result<Frame, RpcError> {
    let Some((&tag, (header, tail))) =
        record.split_first().and_then(|(tag, rest)| Some((tag, rest.split_first_chunk()?)))
    else {
        return Err(RpcError::Protocol(format!(
            "ring record of {} bytes has no header",
            record.len()
        )));
    };
    let payload = match tag {
        INLINE => tail.to_vec(),
        SPILLED => {
            let descriptor = shm::Descriptor::from_bytes(tail)
                .map_err(|e| RpcError::Protocol(format!("spilled frame: {e}")))?;
            if descriptor.len() > max_len as u64 {
                return Err(RpcError::FrameTooLarge { len: descriptor.len(), max: max_len as u64 });
            }
            let block = heap
                .accept(descriptor)
                .map_err(|e| RpcError::Protocol(format!("spilled frame: {e}")))?;
            block.to_vec()
        }
        other => return Err(RpcError::Protocol(format!("unknown ring record tag {other}"))),
    };
    if (HEADER_LEN + payload.len()) as u64 > max_len as u64 {
        return Err(RpcError::FrameTooLarge {
            len: (HEADER_LEN + payload.len()) as u64,
            max: max_len as u64,
        });
    }
    Frame::from_parts(header, payload)
}
