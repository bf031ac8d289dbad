//! The crate's one error type.
//!
//! Every fallible operation returns [`Error`]; [`Error::kind`] tells what went wrong as a
//! matchable [`ErrorKind`]. Ring pushes take `&[u8]`, so a failed push never consumes the
//! payload: the caller still holds it and can retry (this is the shared-memory version of
//! crossbeam's "failed sends hand the payload back").

use std::fmt;
use std::io;

/// What went wrong, without the details. Matchable, cheap to copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A system call failed; the `op` names it ("memfd_create", "mmap", ...).
    Io {
        /// The failing operation.
        op: &'static str,
    },
    /// The segment's header or region table does not match what this side expects (magic,
    /// layout version, size, seals), or a region is not what the caller asked for.
    InvalidSegment,
    /// Another live process is already attached as the second side of this segment.
    AlreadyAttached,
    /// This end of the ring (producer or consumer) was already taken by someone.
    AlreadyClaimed,
    /// `try_push` found no room for the record right now.
    Full,
    /// `try_pop` found no record right now.
    Empty,
    /// A blocking operation reached its timeout.
    Timeout,
    /// The peer process died (killed, crashed) without closing its side.
    PeerDead,
    /// The peer closed its side cleanly (dropped its segment or its ring end).
    PeerClosed,
    /// `reclaim_peer` was refused because the peer is still alive.
    PeerAlive,
    /// A record is larger than the ring could ever hold.
    RecordTooLarge {
        /// Requested payload length in bytes.
        len: usize,
        /// Largest payload this ring accepts.
        max: usize,
    },
    /// A blob is larger than the whole heap; it has to be streamed in chunks.
    BlobTooLarge {
        /// Requested blob length in bytes.
        len: usize,
        /// Largest blob this heap can ever hold.
        max: usize,
    },
    /// `try_alloc` found no free block of the right size right now.
    HeapExhausted,
    /// A descriptor names memory outside the heap, not at the start of a block, or longer
    /// than its block.
    OutOfBounds,
    /// A descriptor's generation does not match its block: the blob was already freed (a
    /// double free) or the block has been reused since (a stale descriptor).
    StaleDescriptor,
    /// A descriptor names a block that is not waiting for this side: it belongs to this side
    /// already (accepted twice, or sent by us) or to nobody.
    NotFromPeer,
    /// Bytes that should encode a descriptor have the wrong length.
    MalformedDescriptor,
    /// Shared state written by the peer is inconsistent (a ring index or record length out of
    /// range). The segment should be abandoned.
    Corrupt,
}

/// The error type of every fallible operation in this crate.
///
/// `Display` gives one lower-case sentence, with the fix where there is one.
pub struct Error {
    kind: ErrorKind,
    detail: Option<String>,
    source: Option<io::Error>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Error {
        Error { kind, detail: None, source: None }
    }

    pub(crate) fn with_detail(kind: ErrorKind, detail: impl Into<String>) -> Error {
        Error { kind, detail: Some(detail.into()), source: None }
    }

    /// Wraps the current `errno` as the failure of `op`.
    pub(crate) fn last_os(op: &'static str) -> Error {
        Error::io(op, io::Error::last_os_error())
    }

    pub(crate) fn io(op: &'static str, source: io::Error) -> Error {
        Error { kind: ErrorKind::Io { op }, detail: None, source: Some(source) }
    }

    /// What went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// True when the peer is gone, cleanly ([`ErrorKind::PeerClosed`]) or not
    /// ([`ErrorKind::PeerDead`]). Nothing more will come from it.
    pub fn is_disconnected(&self) -> bool {
        matches!(self.kind, ErrorKind::PeerDead | ErrorKind::PeerClosed)
    }

    /// True for [`ErrorKind::Timeout`].
    pub fn is_timeout(&self) -> bool {
        self.kind == ErrorKind::Timeout
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ErrorKind::Io { op } => write!(f, "{op} failed"),
            ErrorKind::InvalidSegment => f.write_str("invalid shared-memory segment"),
            ErrorKind::AlreadyAttached => f.write_str(
                "segment already has a live attached peer; create a new segment per child",
            ),
            ErrorKind::AlreadyClaimed => f.write_str(
                "this ring end is already in use; each ring has one producer and one consumer",
            ),
            ErrorKind::Full => f.write_str("ring is full"),
            ErrorKind::Empty => f.write_str("ring is empty"),
            ErrorKind::Timeout => f.write_str("timed out waiting on the peer"),
            ErrorKind::PeerDead => f.write_str("peer process died"),
            ErrorKind::PeerClosed => f.write_str("peer closed its side"),
            ErrorKind::PeerAlive => f.write_str(
                "peer is still alive; its allocations can only be reclaimed after it dies",
            ),
            ErrorKind::RecordTooLarge { len, max } => write!(
                f,
                "record of {len} bytes does not fit in the ring (max {max} bytes); \
                 put it in the blob heap and send the descriptor"
            ),
            ErrorKind::BlobTooLarge { len, max } => write!(
                f,
                "blob of {len} bytes is larger than the whole heap can hold ({max} bytes); \
                 split it into chunks and stream them"
            ),
            ErrorKind::HeapExhausted => f.write_str("blob heap has no free block of that size"),
            ErrorKind::OutOfBounds => f.write_str("blob descriptor is out of bounds of the heap"),
            ErrorKind::StaleDescriptor => {
                f.write_str("blob descriptor is stale: the blob was already freed (double free?)")
            }
            ErrorKind::NotFromPeer => f.write_str(
                "blob descriptor is not an in-flight blob from the peer (accepted twice?)",
            ),
            ErrorKind::MalformedDescriptor => f.write_str("malformed blob descriptor bytes"),
            ErrorKind::Corrupt => f.write_str(
                "shared state written by the peer is inconsistent; abandon this segment",
            ),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.kind.fmt(f)?;
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = f.debug_struct("Error");
        s.field("kind", &self.kind);
        if let Some(detail) = &self.detail {
            s.field("detail", detail);
        }
        if let Some(source) = &self.source {
            s.field("source", source);
        }
        s.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Error {
        Error::new(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_lower_case_and_suggests_streaming_for_huge_blobs() {
        let e = Error::new(ErrorKind::BlobTooLarge { len: 10, max: 5 });
        let msg = e.to_string();
        assert!(msg.starts_with("blob of 10 bytes"));
        assert!(msg.contains("stream"));
        let all = [
            ErrorKind::Io { op: "mmap" },
            ErrorKind::InvalidSegment,
            ErrorKind::Full,
            ErrorKind::PeerDead,
            ErrorKind::StaleDescriptor,
            ErrorKind::Corrupt,
        ];
        for kind in all {
            let text = kind.to_string();
            assert!(text.chars().next().unwrap().is_lowercase(), "{text}");
        }
    }

    #[test]
    fn io_errors_keep_their_source() {
        let e = Error::io("ftruncate", io::Error::from_raw_os_error(libc::ENOSPC));
        assert_eq!(e.kind(), ErrorKind::Io { op: "ftruncate" });
        assert!(std::error::Error::source(&e).is_some());
        assert!(e.to_string().starts_with("ftruncate failed: "));
    }
}
