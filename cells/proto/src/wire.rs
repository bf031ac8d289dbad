//! [`WireValue`]: a [`Value`] encoded as bytes, the form in which values cross the wire.
//!
//! Why not let the RPC codec encode [`Value`] itself? Two reasons. A recursive type makes a
//! reflective encoder and decoder recurse once per level of nesting, so a deeply nested value
//! from a peer could overflow the stack. And reflection is slow on the hot path: a page's
//! context (a few dozen scalars and its HTML) took ~27 µs to decode as reflected nodes, and
//! takes ~1 µs as these bytes, which the RPC codec carries as one byte string.
//!
//! The encoding is pre-order, one tag byte per value:
//!
//! | tag | value | then |
//! |---|---|---|
//! | 0 | null | |
//! | 1, 2 | false, true | |
//! | 3 | integer | zigzag LEB128 |
//! | 4 | float | 8 bytes, little-endian IEEE 754 |
//! | 5 | string | LEB128 byte length, UTF-8 bytes |
//! | 6 | list | LEB128 count, then each item |
//! | 7 | map | LEB128 count, then each entry: key as LEB128 length and UTF-8, then value |
//!
//! Decoding uses an explicit stack with a depth limit and checks every length and count
//! against the bytes left, so a peer's bytes give a value or an error, never a panic, a stack
//! overflow or a huge allocation.

use facet::Facet;

use crate::value::Value;

/// Deepest nesting of lists and maps accepted from a peer.
pub const MAX_VALUE_DEPTH: usize = 256;

const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const INT: u8 = 3;
const FLOAT: u8 = 4;
const STRING: u8 = 5;
const LIST: u8 = 6;
const MAP: u8 = 7;

/// A [`Value`] as it travels (see the module documentation for the encoding).
#[derive(Facet, Clone, Debug, PartialEq, Default)]
pub struct WireValue {
    bytes: Vec<u8>,
}

impl WireValue {
    /// Encodes `value`.
    pub fn encode(value: &Value) -> WireValue {
        let mut bytes = Vec::with_capacity(64);
        // Pre-order with an explicit stack: a deep value (from a data file) cannot overflow
        // ours either. Map keys are written when their entry is popped.
        let mut stack: Vec<(Option<&str>, &Value)> = vec![(None, value)];
        while let Some((key, value)) = stack.pop() {
            if let Some(key) = key {
                put_len_prefixed(&mut bytes, key.as_bytes());
            }
            match value {
                Value::Null => bytes.push(NULL),
                Value::Bool(false) => bytes.push(FALSE),
                Value::Bool(true) => bytes.push(TRUE),
                Value::Int(i) => {
                    bytes.push(INT);
                    put_varint(&mut bytes, ((i << 1) ^ (i >> 63)) as u64);
                }
                Value::Float(f) => {
                    bytes.push(FLOAT);
                    bytes.extend_from_slice(&f.to_le_bytes());
                }
                Value::String(s) => {
                    bytes.push(STRING);
                    put_len_prefixed(&mut bytes, s.as_bytes());
                }
                Value::List(items) => {
                    bytes.push(LIST);
                    put_varint(&mut bytes, items.len() as u64);
                    stack.extend(items.iter().rev().map(|v| (None, v)));
                }
                Value::Map(entries) => {
                    bytes.push(MAP);
                    put_varint(&mut bytes, entries.len() as u64);
                    stack.extend(entries.iter().rev().map(|(k, v)| (Some(k.as_str()), v)));
                }
            }
        }
        WireValue { bytes }
    }

    /// Bytes as received from a peer, to be checked by [`to_value`](Self::to_value).
    pub fn from_bytes(bytes: Vec<u8>) -> WireValue {
        WireValue { bytes }
    }

    /// The encoded bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Decodes the value.
    ///
    /// # Errors
    ///
    /// A message naming the byte offset and the problem, for bytes that are not one whole
    /// value: an unknown tag, a length or count beyond the bytes left, invalid UTF-8, nesting
    /// deeper than [`MAX_VALUE_DEPTH`], bytes after the value.
    pub fn to_value(&self) -> Result<Value, String> {
        let mut reader = Reader { bytes: &self.bytes, at: 0 };
        let mut open: Vec<Open> = Vec::new();
        let value = loop {
            // In a map, an entry's key comes first; it waits there for the entry's value.
            if let Some(Open::Map { key, .. }) = open.last_mut() {
                *key = Some(reader.string("map key")?);
            }
            let at = reader.at;
            let mut value = match reader.byte("value")? {
                NULL => Value::Null,
                FALSE => Value::Bool(false),
                TRUE => Value::Bool(true),
                INT => {
                    let z = reader.varint()?;
                    Value::Int(((z >> 1) as i64) ^ -((z & 1) as i64))
                }
                FLOAT => Value::Float(f64::from_le_bytes(reader.array()?)),
                STRING => Value::String(reader.string("string")?),
                tag @ (LIST | MAP) => {
                    if open.len() >= MAX_VALUE_DEPTH {
                        return Err(format!(
                            "byte {at}: value nested deeper than {MAX_VALUE_DEPTH} levels"
                        ));
                    }
                    // Every item takes at least one byte (a map entry two): a count beyond
                    // that is a lie, refused before anything is allocated for it.
                    let count = reader.varint()?;
                    let least = if tag == LIST { 1 } else { 2 };
                    if count > (reader.left() / least) as u64 {
                        return Err(format!(
                            "byte {at}: a {} of {count} entries in {} bytes",
                            if tag == LIST { "list" } else { "map" },
                            reader.left()
                        ));
                    }
                    let count = count as usize;
                    open.push(if tag == LIST {
                        Open::List { items: Vec::with_capacity(count), left: count }
                    } else {
                        Open::Map { entries: Vec::with_capacity(count), left: count, key: None }
                    });
                    if count > 0 {
                        continue;
                    }
                    close_one(&mut open)
                }
                tag => return Err(format!("byte {at}: unknown value tag {tag}")),
            };
            // Attach the finished value to its container, closing every container it fills;
            // a value with no container is the root, and the end.
            let root = loop {
                match open.last_mut() {
                    None => break Some(value),
                    Some(Open::List { items, left }) => {
                        items.push(value);
                        *left -= 1;
                    }
                    Some(Open::Map { entries, left, key }) => {
                        entries.push((key.take().unwrap_or_default(), value));
                        *left -= 1;
                    }
                }
                if !matches!(
                    open.last(),
                    Some(Open::List { left: 0, .. } | Open::Map { left: 0, .. })
                ) {
                    break None;
                }
                value = close_one(&mut open);
            };
            if let Some(root) = root {
                break root;
            }
        };
        if reader.left() > 0 {
            return Err(format!("byte {}: {} bytes after the value", reader.at, reader.left()));
        }
        Ok(value)
    }
}

/// A container being rebuilt by [`WireValue::to_value`].
enum Open {
    List {
        items: Vec<Value>,
        left: usize,
    },
    /// `key`: the key of the entry whose value is being read.
    Map {
        entries: Vec<(String, Value)>,
        left: usize,
        key: Option<String>,
    },
}

fn close_one(open: &mut Vec<Open>) -> Value {
    match open.pop() {
        Some(Open::List { items, .. }) => Value::List(items),
        Some(Open::Map { entries, .. }) => Value::Map(entries),
        None => Value::Null,
    }
}

fn put_varint(bytes: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        bytes.push((n as u8) | 0x80);
        n >>= 7;
    }
    bytes.push(n as u8);
}

fn put_len_prefixed(bytes: &mut Vec<u8>, data: &[u8]) {
    put_varint(bytes, data.len() as u64);
    bytes.extend_from_slice(data);
}

/// A cursor over a peer's bytes; every read is bounds-checked.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn left(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn byte(&mut self, what: &str) -> Result<u8, String> {
        let byte = *self
            .bytes
            .get(self.at)
            .ok_or_else(|| format!("byte {}: the bytes end where a {what} belongs", self.at))?;
        self.at += 1;
        Ok(byte)
    }

    fn varint(&mut self) -> Result<u64, String> {
        let start = self.at;
        let mut n: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte("number")?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 {
                break;
            }
            n |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(format!("byte {start}: a number longer than 64 bits"))
    }

    fn take(&mut self, len: u64, what: &str) -> Result<&[u8], String> {
        if len > self.left() as u64 {
            return Err(format!(
                "byte {}: a {what} of {len} bytes with {} left",
                self.at,
                self.left()
            ));
        }
        let slice = &self.bytes[self.at..self.at + len as usize];
        self.at += len as usize;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let slice = self.take(N as u64, "float")?;
        let mut out = [0u8; N];
        out.copy_from_slice(slice);
        Ok(out)
    }

    fn string(&mut self, what: &str) -> Result<String, String> {
        let at = self.at;
        let len = self.varint()?;
        let bytes = self.take(len, what)?;
        std::str::from_utf8(bytes)
            .map(str::to_string)
            .map_err(|e| format!("byte {at}: a {what} that is not UTF-8 ({e})"))
    }
}

/// Decodes a [`Value`] sent as a [`WireValue`] by a peer (the RPC payload of a method that
/// returns one).
///
/// # Errors
///
/// [`rpc::RpcError::Decode`] for a malformed payload or malformed value bytes.
pub fn decode_value(bytes: &[u8]) -> Result<Value, rpc::RpcError> {
    let wire: WireValue = rpc::decode(bytes)?;
    wire.to_value().map_err(|e| rpc::RpcError::Decode(format!("value: {e}")))
}
