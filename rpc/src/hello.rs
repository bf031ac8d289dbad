//! The first frame in each direction.

use crate::RpcError;

/// Identifies this protocol on the wire.
pub const MAGIC: [u8; 4] = *b"DRPC";
/// Bumped on any incompatible change to frames or hello.
pub const PROTOCOL_VERSION: u16 = 1;

/// What each side announces before anything else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hello {
    /// Largest frame (after the length prefix) this side accepts.
    pub max_frame: u32,
    /// Whether a shared-memory segment is attached for blobs.
    pub shared_memory: bool,
    /// Whether this side can move frames through the segment's rings.
    pub rings: bool,
}

const HELLO_LEN: usize = 4 + 2 + 4 + 1;

impl Hello {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(HELLO_LEN);
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&PROTOCOL_VERSION.to_le_bytes());
        out.extend_from_slice(&self.max_frame.to_le_bytes());
        out.push(self.shared_memory as u8 | (self.rings as u8) << 1);
        out
    }

    /// Decodes a hello payload (exposed for the fuzz targets).
    #[doc(hidden)]
    pub fn decode_for_fuzzing(payload: &[u8]) -> Result<Hello, RpcError> {
        Hello::decode(payload)
    }

    pub(crate) fn decode(payload: &[u8]) -> Result<Hello, RpcError> {
        if payload.len() != HELLO_LEN {
            return Err(RpcError::Protocol(format!(
                "hello of {} bytes, expected {HELLO_LEN}",
                payload.len()
            )));
        }
        if payload[..4] != MAGIC {
            return Err(RpcError::Protocol(format!(
                "bad magic {:?} in hello: the peer does not speak this protocol",
                &payload[..4]
            )));
        }
        let version = u16::from_le_bytes([payload[4], payload[5]]);
        if version != PROTOCOL_VERSION {
            return Err(RpcError::Protocol(format!(
                "peer speaks protocol version {version}, this side {PROTOCOL_VERSION}; rebuild both"
            )));
        }
        let max_frame = u32::from_le_bytes([payload[6], payload[7], payload[8], payload[9]]);
        if max_frame < crate::frame::HEADER_LEN as u32 {
            return Err(RpcError::Protocol(format!(
                "peer's maximum frame {max_frame} is too small"
            )));
        }
        Ok(Hello { max_frame, shared_memory: payload[10] & 1 != 0, rings: payload[10] & 2 != 0 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_round_trips_and_rejects_strangers() {
        let hello = Hello { max_frame: 1 << 20, shared_memory: true, rings: true };
        assert_eq!(Hello::decode(&hello.encode()).unwrap(), hello);
        let mut bad = hello.encode();
        bad[0] = b'X';
        assert!(matches!(Hello::decode(&bad), Err(RpcError::Protocol(m)) if m.contains("magic")));
        let mut old = hello.encode();
        old[4] = 9;
        assert!(matches!(Hello::decode(&old), Err(RpcError::Protocol(m)) if m.contains("version")));
        assert!(Hello::decode(&[1, 2, 3]).is_err());
    }
}
