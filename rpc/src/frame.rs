//! The wire format: a length prefix, a fixed header, a payload.
//!
//! ```text
//! offset  size  field
//!      0     4  length of everything after this field (u32, little endian)
//!      4     1  kind (see `Kind`)
//!      5     8  request id (u64 LE): the call this frame belongs to
//!     13     8  parent request id (u64 LE): for a request made while serving another, that
//!               request's id; 0 otherwise
//!     21     4  method id (u32 LE)
//!     25     …  payload (postcard), `length - 21` bytes
//! ```
//!
//! The length is checked against the negotiated maximum before anything is allocated, so a
//! peer cannot make us reserve memory with a forged prefix.

use std::io::{self, Read};

use crate::RpcError;

/// Bytes in the header after the length prefix.
pub const HEADER_LEN: usize = 21;

/// What a frame is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// First frame in each direction: magic, version, limits (payload: [`crate::hello::Hello`]).
    Hello = 1,
    /// A call; expects a `Response` or an `Error` with the same request id.
    Request = 2,
    /// The successful result of a call.
    Response = 3,
    /// The failed result of a call (payload: the error's text and code).
    Error = 4,
    /// The caller gave up on a call; the callee may stop working on it.
    Cancel = 5,
    /// A one-way message; no reply.
    Notify = 6,
    /// The sender is closing the link (payload: the reason).
    Goodbye = 7,
}

impl Kind {
    fn from_byte(byte: u8) -> Option<Kind> {
        Some(match byte {
            1 => Kind::Hello,
            2 => Kind::Request,
            3 => Kind::Response,
            4 => Kind::Error,
            5 => Kind::Cancel,
            6 => Kind::Notify,
            7 => Kind::Goodbye,
            _ => return None,
        })
    }
}

/// One decoded frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// What it is.
    pub kind: Kind,
    /// The call it belongs to.
    pub request_id: u64,
    /// The call being served when this request was made, or 0.
    pub parent_id: u64,
    /// Which method (for requests and notifications).
    pub method_id: u32,
    /// The postcard-encoded payload.
    pub payload: Vec<u8>,
}

impl Frame {
    /// Encodes the frame, prefix included, into one buffer (written with one `write_all`).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 + HEADER_LEN + self.payload.len());
        out.extend_from_slice(&((HEADER_LEN + self.payload.len()) as u32).to_le_bytes());
        out.push(self.kind as u8);
        out.extend_from_slice(&self.request_id.to_le_bytes());
        out.extend_from_slice(&self.parent_id.to_le_bytes());
        out.extend_from_slice(&self.method_id.to_le_bytes());
        out.extend_from_slice(&self.payload);
        out
    }

    /// Reads one frame of at most `max_len` bytes (after the prefix).
    ///
    /// Returns `Ok(None)` on a clean end of stream at a frame boundary.
    ///
    /// # Errors
    ///
    /// [`RpcError::FrameTooLarge`] before allocating anything for an oversized frame,
    /// [`RpcError::Protocol`] for a truncated frame or an unknown kind, [`RpcError::Io`] for
    /// a failing stream.
    pub fn read_from(reader: &mut impl Read, max_len: u32) -> Result<Option<Frame>, RpcError> {
        let mut prefix = [0u8; 4];
        match read_exact_or_eof(reader, &mut prefix)? {
            Filled::Eof => return Ok(None),
            Filled::Partial => {
                return Err(RpcError::Protocol("stream ended inside a frame's length".into()));
            }
            Filled::Full => {}
        }
        let len = u32::from_le_bytes(prefix);
        if len > max_len {
            return Err(RpcError::FrameTooLarge { len: len as u64, max: max_len as u64 });
        }
        if (len as usize) < HEADER_LEN {
            return Err(RpcError::Protocol(format!(
                "frame of {len} bytes is shorter than its {HEADER_LEN}-byte header"
            )));
        }
        // The header apart, the payload straight into its own buffer: no copy after the read.
        let mut header = [0u8; HEADER_LEN];
        let mut payload = vec![0u8; len as usize - HEADER_LEN];
        for part in [&mut header[..], &mut payload[..]] {
            match read_exact_or_eof(reader, part)? {
                Filled::Full => {}
                _ => {
                    return Err(RpcError::Protocol(format!(
                        "stream ended inside a frame of {len} bytes"
                    )));
                }
            }
        }
        Frame::from_parts(&header, payload).map(Some)
    }

    /// A frame from its header and its payload, which it takes as is.
    pub(crate) fn from_parts(
        header: &[u8; HEADER_LEN],
        payload: Vec<u8>,
    ) -> Result<Frame, RpcError> {
        let kind = Kind::from_byte(header[0])
            .ok_or_else(|| RpcError::Protocol(format!("unknown frame kind {}", header[0])))?;
        let word = |at: usize| {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&header[at..at + 8]);
            u64::from_le_bytes(bytes)
        };
        let request_id = word(1);
        let parent_id = word(9);
        let mut method = [0u8; 4];
        method.copy_from_slice(&header[17..21]);
        Ok(Frame { kind, request_id, parent_id, method_id: u32::from_le_bytes(method), payload })
    }
}

enum Filled {
    Full,
    Partial,
    Eof,
}

/// Like `read_exact`, but tells a clean EOF before the first byte from a truncation.
fn read_exact_or_eof(reader: &mut impl Read, buf: &mut [u8]) -> Result<Filled, RpcError> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => return Ok(if filled == 0 { Filled::Eof } else { Filled::Partial }),
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(RpcError::Io(e.to_string())),
        }
    }
    Ok(Filled::Full)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Frame {
        Frame {
            kind: Kind::Request,
            request_id: 7,
            parent_id: 3,
            method_id: 42,
            payload: vec![1, 2],
        }
    }

    #[test]
    fn frames_round_trip() {
        let bytes = sample().encode();
        assert_eq!(bytes.len(), 4 + HEADER_LEN + 2);
        let back = Frame::read_from(&mut &bytes[..], 1024).unwrap();
        assert_eq!(back, Some(sample()));
    }

    #[test]
    fn an_oversized_length_is_refused_before_allocating() {
        let bytes = u32::MAX.to_le_bytes();
        let err = Frame::read_from(&mut &bytes[..], 1 << 20).unwrap_err();
        assert!(matches!(err, RpcError::FrameTooLarge { len, .. } if len == u32::MAX as u64));
    }

    #[test]
    fn truncated_frames_and_unknown_kinds_are_protocol_errors() {
        let bytes = sample().encode();
        for cut in [2, 4, 10, bytes.len() - 1] {
            let err = Frame::read_from(&mut &bytes[..cut], 1024).unwrap_err();
            assert!(matches!(err, RpcError::Protocol(_)), "cut at {cut}: {err}");
        }
        let mut bad = bytes.clone();
        bad[4] = 99;
        assert!(matches!(Frame::read_from(&mut &bad[..], 1024), Err(RpcError::Protocol(_))));
        let short = 3u32.to_le_bytes();
        assert!(matches!(Frame::read_from(&mut &short[..], 1024), Err(RpcError::Protocol(_))));
        assert_eq!(Frame::read_from(&mut &[][..], 1024).unwrap(), None);
    }
}
