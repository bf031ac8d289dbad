//! The one error type of the crate.

use std::fmt;
use std::time::Duration;

/// Why a call (or the link) failed. Errors are values: nothing here panics on bad input.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RpcError {
    /// The peer's handler returned an error.
    Remote(String),
    /// The peer has no handler for this method id.
    UnknownMethod {
        /// The method id asked for.
        method_id: u32,
    },
    /// A payload did not decode as the expected type.
    Decode(String),
    /// A value could not be encoded.
    Encode(String),
    /// The peer closed the link (or died); every call in flight fails with this.
    PeerClosed {
        /// What closed it, as precisely as known (the peer's goodbye, end of stream, ...).
        reason: String,
    },
    /// No reply within the call's timeout.
    Timeout {
        /// The timeout that expired.
        after: Duration,
    },
    /// A frame longer than the negotiated maximum; the link is closed.
    FrameTooLarge {
        /// Its announced length.
        len: u64,
        /// The maximum.
        max: u64,
    },
    /// The peer broke the protocol (bad hello, truncated frame, unknown kind); the link is
    /// closed.
    Protocol(String),
    /// The byte stream failed.
    Io(String),
}

impl RpcError {
    /// An application error from a handler, sent to the caller as [`RpcError::Remote`].
    pub fn remote(message: impl Into<String>) -> RpcError {
        RpcError::Remote(message.into())
    }

    /// Whether the link is gone (the call cannot succeed on this connection).
    pub fn is_link_failure(&self) -> bool {
        matches!(
            self,
            RpcError::PeerClosed { .. }
                | RpcError::FrameTooLarge { .. }
                | RpcError::Protocol(_)
                | RpcError::Io(_)
        )
    }

    /// Encodes this error as an `Error` frame payload: a code byte, then the detail.
    pub(crate) fn to_wire(&self) -> Vec<u8> {
        let (code, detail) = match self {
            RpcError::Remote(m) => (1u8, m.clone()),
            RpcError::UnknownMethod { method_id } => (2, method_id.to_string()),
            RpcError::Decode(m) => (3, m.clone()),
            other => (4, other.to_string()),
        };
        let mut out = vec![code];
        out.extend_from_slice(detail.as_bytes());
        out
    }

    /// Decodes an `Error` frame payload (never fails: unknown shapes become `Remote`).
    pub(crate) fn from_wire(payload: &[u8]) -> RpcError {
        let detail = String::from_utf8_lossy(payload.get(1..).unwrap_or_default()).into_owned();
        match payload.first() {
            Some(2) => match detail.parse() {
                Ok(method_id) => RpcError::UnknownMethod { method_id },
                Err(_) => RpcError::Remote(detail),
            },
            Some(3) => RpcError::Decode(detail),
            _ => RpcError::Remote(detail),
        }
    }
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RpcError::Remote(m) => write!(f, "remote error: {m}"),
            RpcError::UnknownMethod { method_id } => {
                write!(
                    f,
                    "the peer has no method with id {method_id:#010x} (is it an older build?)"
                )
            }
            RpcError::Decode(m) => write!(f, "payload did not decode: {m}"),
            RpcError::Encode(m) => write!(f, "payload did not encode: {m}"),
            RpcError::PeerClosed { reason } => write!(f, "peer closed the connection: {reason}"),
            RpcError::Timeout { after } => write!(f, "no reply within {after:?}"),
            RpcError::FrameTooLarge { len, max } => {
                write!(f, "frame of {len} bytes exceeds the {max}-byte maximum")
            }
            RpcError::Protocol(m) => write!(f, "protocol error: {m}"),
            RpcError::Io(m) => write!(f, "i/o error: {m}"),
        }
    }
}

impl std::error::Error for RpcError {}
