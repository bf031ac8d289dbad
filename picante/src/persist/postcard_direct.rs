//! postcard's encoding of the common key and value types (`String`, `u32`, `u64`, `bool`),
//! written and read without facet's reflection. The bytes are exactly facet-postcard's (the
//! tests below check both directions), so a file does not depend on which path wrote it.

use std::any::Any;

/// The postcard bytes of `value`, if its type is one of those handled here.
#[cfg(test)]
pub(super) fn encode<T: Any>(value: &T) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    encode_into(value, &mut out).then_some(out)
}

/// Appends the postcard bytes of `value` to `out` and returns true, if its type is one of
/// those handled here; else writes nothing and returns false.
pub(super) fn encode_into<T: Any>(value: &T, out: &mut Vec<u8>) -> bool {
    let value = value as &dyn Any;
    if let Some(text) = value.downcast_ref::<String>() {
        varint(out, text.len() as u64);
        out.extend_from_slice(text.as_bytes());
    } else if let Some(&n) = value.downcast_ref::<u64>() {
        varint(out, n);
    } else if let Some(&n) = value.downcast_ref::<u32>() {
        varint(out, u64::from(n));
    } else if let Some(&b) = value.downcast_ref::<bool>() {
        out.push(u8::from(b));
    } else {
        return false;
    }
    true
}

/// `bytes` decoded as a `T`, if `T` is one of the types handled here: `Some(None)` when the
/// bytes are not exactly one such value.
pub(super) fn decode<T: Any>(bytes: &[u8]) -> Option<Option<T>> {
    let mut slot: Option<T> = None;
    let out = &mut slot as &mut dyn Any;
    if let Some(out) = out.downcast_mut::<Option<String>>() {
        *out = read_string(bytes);
    } else if let Some(out) = out.downcast_mut::<Option<u64>>() {
        *out = read_varint(bytes).filter(|&(_, used)| used == bytes.len()).map(|(n, _)| n);
    } else if let Some(out) = out.downcast_mut::<Option<u32>>() {
        *out = read_varint(bytes)
            .filter(|&(_, used)| used == bytes.len())
            .and_then(|(n, _)| u32::try_from(n).ok());
    } else if let Some(out) = out.downcast_mut::<Option<bool>>() {
        *out = match bytes {
            [0] => Some(false),
            [1] => Some(true),
            _ => None,
        };
    } else {
        return None;
    }
    Some(slot)
}

/// postcard's LEB128 of `n` (also `reflect_encode`'s).
pub(super) fn varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// A LEB128 varint of at most ten bytes, in its shortest form (postcard never writes another),
/// and how many bytes it took.
fn read_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut n: u64 = 0;
    for (i, &byte) in bytes.iter().enumerate().take(10) {
        let part = u64::from(byte & 0x7f);
        if i == 9 && part > 1 {
            return None;
        }
        n |= part << (7 * i);
        if byte & 0x80 == 0 {
            if byte == 0 && i > 0 {
                return None;
            }
            return Some((n, i + 1));
        }
    }
    None
}

fn read_string(bytes: &[u8]) -> Option<String> {
    let (len, used) = read_varint(bytes)?;
    let text = bytes.get(used..)?;
    if text.len() as u64 != len {
        return None;
    }
    String::from_utf8(text.to_vec()).ok()
}

#[cfg(test)]
mod tests {
    use super::{decode, encode};

    fn same_as_facet<T>(value: T)
    where
        T: facet::Facet<'static> + std::any::Any + PartialEq + std::fmt::Debug,
    {
        let ours = encode(&value).expect("a type handled directly");
        let theirs = facet_postcard::to_vec(&value).expect("facet encodes it");
        assert_eq!(ours, theirs, "{value:?}");
        assert_eq!(decode::<T>(&theirs), Some(Some(value)));
    }

    #[test]
    fn direct_encodings_are_facet_postcards_bytes() {
        for text in ["", "a", "blog/post.md", &"é".repeat(70), &"x".repeat(20_000)] {
            same_as_facet(text.to_string());
        }
        for n in [0u64, 1, 127, 128, 300, 16_383, 16_384, u64::from(u32::MAX), u64::MAX] {
            same_as_facet(n);
        }
        for n in [0u32, 127, 128, 70_000, u32::MAX] {
            same_as_facet(n);
        }
        same_as_facet(true);
        same_as_facet(false);
    }

    #[test]
    fn malformed_direct_encodings_are_refused() {
        // Length past the end, trailing bytes, invalid UTF-8, an overlong varint, a u32 out
        // of range, a bool that is neither 0 nor 1.
        assert_eq!(decode::<String>(&[5, b'a']), Some(None));
        assert_eq!(decode::<String>(&[1, b'a', b'b']), Some(None));
        assert_eq!(decode::<String>(&[1, 0xff]), Some(None));
        assert_eq!(decode::<u64>(&[0x80, 0]), Some(None));
        assert_eq!(decode::<u64>(&[0xff; 11]), Some(None));
        assert_eq!(decode::<u32>(&[0x80, 0x80, 0x80, 0x80, 0x10]), Some(None));
        assert_eq!(decode::<bool>(&[2]), Some(None));
        assert_eq!(decode::<u64>(&[1, 1]), Some(None));
        assert!(decode::<Vec<u8>>(&[0]).is_none(), "not a type handled directly");
    }
}
