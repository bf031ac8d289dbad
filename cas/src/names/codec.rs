//! The bytes of `cas.db`, in the format described in the [module documentation](super).

use std::collections::HashMap;

use super::Entry;
use crate::error::Result;
use crate::hash::ContentHash;

const MAGIC: &[u8; 8] = b"CASNAMES";
/// The version written: entries carry a tag.
const FORMAT: u32 = 2;
/// The version before tags, still read (every tag 0) so that upgrading keeps the map.
const FORMAT_WITHOUT_TAGS: u32 = 1;
pub(super) const PREFIX_LEN: usize = 24;
pub(super) const HEADER_LEN: usize = PREFIX_LEN + 32;

/// Encodes the map in the current format.
pub(crate) fn encode(entries: &HashMap<String, Entry>) -> Result<Vec<u8>> {
    let mut list: Vec<(&str, &Entry)> =
        entries.iter().map(|(name, entry)| (name.as_str(), entry)).collect();
    // Sorted, so that the same map always gives the same bytes.
    list.sort_unstable_by(|a, b| a.0.cmp(b.0));
    // The postcard of `Vec<(String, [u8; 32], u64)>`, written by hand straight behind the
    // header: serde's encoder costs several times as much per entry, and an edit of one page
    // rewrites every entry (`postcard_bytes_are_written_by_hand` checks both agree).
    let body_len: usize =
        list.iter().map(|(name, _)| 10 + name.len() + 32 + 10).sum::<usize>() + 10;
    let mut bytes = Vec::with_capacity(HEADER_LEN + body_len);
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&FORMAT.to_le_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes.extend_from_slice(&0u64.to_le_bytes()); // the body's length, set below
    bytes.extend_from_slice(&[0u8; 32]); // the checksum, set below
    varint(&mut bytes, list.len() as u64);
    for (name, (hash, tag)) in list {
        varint(&mut bytes, name.len() as u64);
        bytes.extend_from_slice(name.as_bytes());
        bytes.extend_from_slice(hash.as_bytes());
        varint(&mut bytes, *tag);
    }
    let body_len = (bytes.len() - HEADER_LEN) as u64;
    bytes[16..24].copy_from_slice(&body_len.to_le_bytes());
    let checksum = checksum(&bytes[..PREFIX_LEN], &bytes[HEADER_LEN..]);
    bytes[PREFIX_LEN..HEADER_LEN].copy_from_slice(&checksum);
    Ok(bytes)
}

/// Appends `n` as a LEB128 varint, as postcard writes integers.
fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// `body` behind a valid current-format header and checksum (for the fuzz targets).
pub(crate) fn wrap_body(body: &[u8]) -> Vec<u8> {
    wrap(FORMAT, body)
}

/// `body` behind a valid format 1 header and checksum (for the fuzz targets).
pub(crate) fn wrap_body_without_tags(body: &[u8]) -> Vec<u8> {
    wrap(FORMAT_WITHOUT_TAGS, body)
}

fn wrap(format: u32, body: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(HEADER_LEN + body.len());
    bytes.extend_from_slice(MAGIC);
    bytes.extend_from_slice(&format.to_le_bytes());
    bytes.extend_from_slice(&0u32.to_le_bytes());
    bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
    let checksum = checksum(&bytes[..PREFIX_LEN], body);
    bytes.extend_from_slice(&checksum);
    bytes.extend_from_slice(body);
    bytes
}

/// Decodes a file of either format; the error is a reason for the warning.
pub(crate) fn decode(bytes: &[u8]) -> Result<HashMap<String, Entry>, String> {
    if bytes.len() < HEADER_LEN {
        return Err(format!("{} bytes is shorter than the {HEADER_LEN}-byte header", bytes.len()));
    }
    let (header, body) = bytes.split_at(HEADER_LEN);
    if &header[..8] != MAGIC {
        return Err("it does not start with the magic bytes \"CASNAMES\"".to_string());
    }
    let field = |range: std::ops::Range<usize>| -> u64 {
        let mut buf = [0u8; 8];
        buf[..range.len()].copy_from_slice(&header[range]);
        u64::from_le_bytes(buf)
    };
    let format = field(8..12);
    let tagged = if format == u64::from(FORMAT) {
        true
    } else if format == u64::from(FORMAT_WITHOUT_TAGS) {
        false
    } else {
        return Err(format!("format version {format}, expected {FORMAT_WITHOUT_TAGS} or {FORMAT}"));
    };
    let declared = field(16..24);
    if declared != body.len() as u64 {
        return Err(format!("the header declares {declared} body bytes but {} follow", body.len()));
    }
    if checksum(&header[..PREFIX_LEN], body) != header[PREFIX_LEN..HEADER_LEN] {
        return Err("checksum mismatch".to_string());
    }
    let not_decoded = |e: postcard::Error| format!("the body does not decode: {e}");
    if tagged {
        let (list, rest) =
            postcard::take_from_bytes::<Vec<(String, [u8; 32], u64)>>(body).map_err(not_decoded)?;
        all_read(rest)?;
        Ok(list
            .into_iter()
            .map(|(name, hash, tag)| (name, (ContentHash::from_bytes(hash), tag)))
            .collect())
    } else {
        let (list, rest) =
            postcard::take_from_bytes::<Vec<(String, [u8; 32])>>(body).map_err(not_decoded)?;
        all_read(rest)?;
        Ok(list
            .into_iter()
            .map(|(name, hash)| (name, (ContentHash::from_bytes(hash), 0)))
            .collect())
    }
}

fn all_read(rest: &[u8]) -> Result<(), String> {
    if rest.is_empty() {
        Ok(())
    } else {
        Err(format!("{} bytes follow the encoded entries", rest.len()))
    }
}

fn checksum(prefix: &[u8], body: &[u8]) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new();
    hasher.update(prefix);
    hasher.update(body);
    *hasher.finalize().as_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Tags of every varint length, from one byte to ten.
    fn sample(count: usize) -> HashMap<String, Entry> {
        (0..count)
            .map(|i| {
                let tag = if i % 3 == 0 { u64::MAX >> (i % 64) } else { i as u64 };
                (format!("public/page-{i}/index.html"), (ContentHash::of(&i.to_le_bytes()), tag))
            })
            .collect()
    }

    /// A format 1 file, as the encoder before tags wrote it.
    fn encode_format_1(entries: &[(&str, ContentHash)]) -> Vec<u8> {
        let mut list: Vec<(&str, &[u8; 32])> =
            entries.iter().map(|(name, hash)| (*name, hash.as_bytes())).collect();
        list.sort_unstable();
        let body = postcard::to_allocvec(&list).unwrap();
        let mut bytes = b"CASNAMES".to_vec();
        bytes.extend_from_slice(&1u32.to_le_bytes());
        bytes.extend_from_slice(&0u32.to_le_bytes());
        bytes.extend_from_slice(&(body.len() as u64).to_le_bytes());
        let checksum = checksum(&bytes[..24], &body);
        bytes.extend_from_slice(&checksum);
        bytes.extend_from_slice(&body);
        bytes
    }

    #[test]
    fn encoding_round_trips_and_is_deterministic() {
        let entries = sample(1000);
        let bytes = encode(&entries).unwrap();
        assert_eq!(decode(&bytes).unwrap(), entries);
        assert_eq!(encode(&entries.clone()).unwrap(), bytes);
    }

    #[test]
    fn encoding_writes_format_2_with_the_tag_as_a_varint() {
        let hash = ContentHash::of(b"a");
        let bytes = encode(&HashMap::from([("a".to_string(), (hash, 300))])).unwrap();
        assert_eq!(bytes[8..12], 2u32.to_le_bytes());
        // One entry; the name's length and byte; the hash; 300 as a varint.
        let mut body = vec![1, 1, b'a'];
        body.extend_from_slice(hash.as_bytes());
        body.extend_from_slice(&[0xac, 0x02]);
        assert_eq!(&bytes[HEADER_LEN..], &body[..]);
    }

    #[test]
    fn format_1_decodes_with_every_tag_zero() {
        let (a, b) = (ContentHash::of(b"a"), ContentHash::of(b"b"));
        let bytes = encode_format_1(&[("b", b), ("a", a)]);
        let expected = HashMap::from([("a".to_string(), (a, 0)), ("b".to_string(), (b, 0))]);
        assert_eq!(decode(&bytes).unwrap(), expected);
        assert_eq!(decode(&encode_format_1(&[])).unwrap(), HashMap::new());
    }

    #[test]
    fn every_truncation_is_rejected() {
        let format_1 = encode_format_1(&[("a", ContentHash::of(b"a")), ("b", ContentHash::EMPTY)]);
        for bytes in [encode(&sample(3)).unwrap(), format_1] {
            for len in 0..bytes.len() {
                assert!(decode(&bytes[..len]).is_err(), "truncated to {len} bytes");
            }
        }
    }

    #[test]
    fn every_flipped_bit_is_rejected() {
        let format_1 = encode_format_1(&[("a", ContentHash::of(b"a"))]);
        for bytes in [encode(&sample(2)).unwrap(), format_1] {
            for index in 0..bytes.len() {
                for bit in 0..8 {
                    let mut bad = bytes.clone();
                    bad[index] ^= 1 << bit;
                    assert!(decode(&bad).is_err(), "bit {bit} of byte {index}");
                }
            }
        }
    }

    #[test]
    fn postcard_bytes_are_written_by_hand() {
        let entries = sample(300);
        let mut list: Vec<(&str, &[u8; 32], u64)> = entries
            .iter()
            .map(|(name, (hash, tag))| (name.as_str(), hash.as_bytes(), *tag))
            .collect();
        list.sort_unstable();
        let body = postcard::to_allocvec(&list).unwrap();
        assert_eq!(encode(&entries).unwrap(), wrap(FORMAT, &body));
        assert_eq!(encode(&HashMap::new()).unwrap(), wrap(FORMAT, &[0]));
    }

    #[test]
    fn trailing_bytes_are_rejected() {
        let mut body = postcard::to_allocvec(&Vec::<(String, [u8; 32], u64)>::new()).unwrap();
        body.push(0);
        assert_eq!(decode(&wrap_body(&body)).unwrap_err(), "1 bytes follow the encoded entries");
    }

    #[test]
    fn other_format_version_is_named_in_the_reason() {
        let mut bytes = encode(&sample(1)).unwrap();
        for version in [0, 3, 9] {
            bytes[8] = version;
            assert_eq!(
                decode(&bytes).unwrap_err(),
                format!("format version {version}, expected 1 or 2")
            );
        }
    }
}
