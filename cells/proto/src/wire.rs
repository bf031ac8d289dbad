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
//! | 8 | deferred | a host function's name, LEB128 count, then each argument: name, value (both strings) |
//! | 9 | shared | LEB128 byte length, then one value's encoding (not itself holding a shared value) |
//!
//! A *deferred* value is one the host did not send but says how to get: the call of one of
//! its functions (`page_field(path="blog/a.md", field="content")`). The template cell makes
//! the call only when a template uses the value, so that a render depends on what it used
//! and not on everything it could have (see `ValueBuilder::deferred`). Elsewhere it reads
//! as null.
//!
//! A *shared* value is one the sender expects to send again in other messages (a page as
//! listings show it, sent with every listing that shows it): it reads as the value inside,
//! and a receiver may keep what it made of those bytes and use it again when the same bytes
//! come back (`ValueBuilder::recall`), rather than decode them once per message.
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
const DEFERRED: u8 = 8;
const SHARED: u8 = 9;

/// A [`Value`] as it travels (see the module documentation for the encoding).
#[derive(Facet, Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct WireValue {
    bytes: Vec<u8>,
}

impl WireValue {
    /// Encodes `value`.
    pub fn encode(value: &Value) -> WireValue {
        let mut writer = WireWriter::with_capacity(64);
        writer.value(value);
        writer.finish()
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
        self.build(&mut ValueOf)
    }

    /// Decodes the value with `builder`, which makes the values of its own type in the same
    /// single pass over the bytes (a template engine's values, say), with no [`Value`] tree in
    /// between. Strings and keys are handed over as borrowed slices of the bytes. The checks
    /// are those of [`to_value`](Self::to_value).
    ///
    /// # Errors
    ///
    /// As [`to_value`](Self::to_value).
    ///
    /// # Examples
    ///
    /// ```
    /// use cell_proto::{Value, ValueBuilder};
    /// /// Counts the strings of a value.
    /// struct Strings;
    /// impl ValueBuilder for Strings {
    ///     type Value = usize;
    ///     fn null(&mut self) -> usize { 0 }
    ///     fn bool(&mut self, _: bool) -> usize { 0 }
    ///     fn int(&mut self, _: i64) -> usize { 0 }
    ///     fn float(&mut self, _: f64) -> usize { 0 }
    ///     fn string(&mut self, _: &str) -> usize { 1 }
    ///     fn list(&mut self, items: Vec<usize>) -> usize { items.into_iter().sum() }
    ///     fn map(&mut self, entries: Vec<(&str, usize)>) -> usize {
    ///         entries.into_iter().map(|(_, n)| n).sum()
    ///     }
    /// }
    /// let page = Value::map([("title", Value::from("Hi")), ("tags", Value::List(vec![Value::from("a")]))]);
    /// assert_eq!(page.to_wire().build(&mut Strings)?, 2);
    /// # Ok::<(), String>(())
    /// ```
    pub fn build<B: ValueBuilder>(&self, builder: &mut B) -> Result<B::Value, String> {
        build_value(Reader { bytes: &self.bytes, at: 0 }, builder, 0, true).map(|(value, _)| value)
    }
}

/// Builds the one value `reader` holds from where it is to its end, and says how many levels
/// of lists and maps it has. `depth`: how deep in lists and maps it is (a shared value's);
/// `shared`: whether a shared value may come.
fn build_value<B: ValueBuilder>(
    mut reader: Reader<'_>,
    builder: &mut B,
    depth: usize,
    shared: bool,
) -> Result<(B::Value, usize), String> {
    let mut open: Vec<Open<'_, B::Value>> = Vec::new();
    let mut levels = 0;
    let value = loop {
        // In a map, an entry's key comes first; it waits there for the entry's value.
        if let Some(Open::Map { key, .. }) = open.last_mut() {
            *key = Some(reader.str("map key")?);
        }
        let at = reader.at;
        let mut value = match reader.byte("value")? {
            NULL => builder.null(),
            FALSE => builder.bool(false),
            TRUE => builder.bool(true),
            INT => {
                let z = reader.varint()?;
                builder.int(((z >> 1) as i64) ^ -((z & 1) as i64))
            }
            FLOAT => builder.float(f64::from_le_bytes(reader.array()?)),
            STRING => builder.string(reader.str("string")?),
            DEFERRED => {
                let function = reader.str("function name")?;
                let count = reader.varint()?;
                // Each argument takes at least two bytes (two empty strings).
                if count > (reader.left() / 2) as u64 {
                    return Err(format!(
                        "byte {at}: a deferred call of {count} arguments in {} bytes",
                        reader.left()
                    ));
                }
                let mut arguments = Vec::with_capacity(count as usize);
                for _ in 0..count {
                    arguments.push((reader.str("argument name")?, reader.str("argument")?));
                }
                builder.deferred(function, &arguments)
            }
            SHARED if shared => {
                let len = reader.varint()?;
                let start = reader.at;
                let bytes = reader.take(len, "shared value")?;
                match builder.recall(bytes) {
                    // Nested no deeper here than it could be decoded here.
                    Some((_, inner)) if depth + open.len() + inner > MAX_VALUE_DEPTH => {
                        return Err(format!(
                            "byte {at}: value nested deeper than {MAX_VALUE_DEPTH} levels"
                        ));
                    }
                    Some((value, inner)) => {
                        levels = levels.max(open.len() + inner);
                        value
                    }
                    None => {
                        // Read in place, so that errors give the byte in the whole value.
                        let inner = Reader { bytes: &reader.bytes[..reader.at], at: start };
                        let (value, inner) =
                            build_value(inner, builder, depth + open.len(), false)?;
                        builder.remember(bytes, &value, inner);
                        levels = levels.max(open.len() + inner);
                        value
                    }
                }
            }
            SHARED => return Err(format!("byte {at}: a shared value inside a shared value")),
            tag @ (LIST | MAP) => {
                if depth + open.len() >= MAX_VALUE_DEPTH {
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
                levels = levels.max(open.len());
                if count > 0 {
                    continue;
                }
                close_one(&mut open, builder)
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
            if !matches!(open.last(), Some(Open::List { left: 0, .. } | Open::Map { left: 0, .. }))
            {
                break None;
            }
            value = close_one(&mut open, builder);
        };
        if let Some(root) = root {
            break root;
        }
    };
    if reader.left() > 0 {
        return Err(format!("byte {}: {} bytes after the value", reader.at, reader.left()));
    }
    Ok((value, levels))
}

/// Makes values of some type from a [`WireValue`], in one pass: see [`WireValue::build`].
pub trait ValueBuilder {
    /// The values made.
    type Value;
    /// `null`.
    fn null(&mut self) -> Self::Value;
    /// A boolean.
    fn bool(&mut self, value: bool) -> Self::Value;
    /// An integer.
    fn int(&mut self, value: i64) -> Self::Value;
    /// A float.
    fn float(&mut self, value: f64) -> Self::Value;
    /// A string (borrowed from the encoded bytes).
    fn string(&mut self, value: &str) -> Self::Value;
    /// A list of the values made for its items.
    fn list(&mut self, items: Vec<Self::Value>) -> Self::Value;
    /// A map, its keys borrowed from the encoded bytes, in order.
    fn map(&mut self, entries: Vec<(&str, Self::Value)>) -> Self::Value;
    /// A deferred value: the call of host function `function` with `arguments` that gives
    /// it (see the module's doc). A builder that cannot make the call reads it as null.
    fn deferred(&mut self, function: &str, arguments: &[(&str, &str)]) -> Self::Value {
        let _ = (function, arguments);
        self.null()
    }
    /// The value made earlier of the shared value encoded as `bytes`, and its levels of
    /// lists and maps, if the builder kept them (see the module's doc); `None` makes the
    /// decoding build it, then [`remember`](Self::remember) it. A recalled value is refused
    /// where it would be nested deeper than [`MAX_VALUE_DEPTH`], as a decoded one is.
    fn recall(&mut self, bytes: &[u8]) -> Option<(Self::Value, usize)> {
        let _ = bytes;
        None
    }
    /// `value`, just made of the shared value encoded as `bytes`, which has `levels` levels
    /// of lists and maps, for a later [`recall`](Self::recall).
    fn remember(&mut self, bytes: &[u8], value: &Self::Value, levels: usize) {
        let _ = (bytes, value, levels);
    }
}

/// Builds [`Value`]s (for [`WireValue::to_value`]).
struct ValueOf;

impl ValueBuilder for ValueOf {
    type Value = Value;
    fn null(&mut self) -> Value {
        Value::Null
    }
    fn bool(&mut self, value: bool) -> Value {
        Value::Bool(value)
    }
    fn int(&mut self, value: i64) -> Value {
        Value::Int(value)
    }
    fn float(&mut self, value: f64) -> Value {
        Value::Float(value)
    }
    fn string(&mut self, value: &str) -> Value {
        Value::String(value.to_string())
    }
    fn list(&mut self, items: Vec<Value>) -> Value {
        Value::List(items)
    }
    fn map(&mut self, entries: Vec<(&str, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
    }
}

/// A container being rebuilt by [`WireValue::build`].
enum Open<'a, V> {
    List {
        items: Vec<V>,
        left: usize,
    },
    /// `key`: the key of the entry whose value is being read.
    Map {
        entries: Vec<(&'a str, V)>,
        left: usize,
        key: Option<&'a str>,
    },
}

fn close_one<B: ValueBuilder>(open: &mut Vec<Open<'_, B::Value>>, builder: &mut B) -> B::Value {
    match open.pop() {
        Some(Open::List { items, .. }) => builder.list(items),
        Some(Open::Map { entries, .. }) => builder.map(entries),
        None => builder.null(),
    }
}

/// Writes a [`WireValue`] piece by piece, without building a [`Value`] first: for the values
/// a host makes once per page (a page's context), where building the tree of strings only to
/// encode it and drop it costs more than the encoding.
///
/// The caller announces each list's and map's length, then writes that many items (for a map:
/// a [`key`](Self::key), then its value). A wrong count makes bytes the reader refuses, so
/// keep each writer next to the structure it writes.
///
/// ```
/// use cell_proto::{Value, WireWriter};
/// let mut w = WireWriter::with_capacity(64);
/// w.map(2);
/// w.key("title");
/// w.str("Hello");
/// w.key("tags");
/// w.list(1);
/// w.value(&Value::from("rust"));
/// let page = Value::map([("title", Value::from("Hello")), ("tags", Value::List(vec![Value::from("rust")]))]);
/// assert_eq!(w.finish(), page.to_wire());
/// ```
#[derive(Debug, Default)]
pub struct WireWriter {
    /// LEB128 and length-prefixed bytes, as postcard writes them.
    out: rpc::PayloadWriter,
}

impl WireWriter {
    /// A writer with room for `capacity` bytes.
    pub fn with_capacity(capacity: usize) -> WireWriter {
        WireWriter { out: rpc::PayloadWriter::with_capacity(capacity) }
    }

    /// `null`.
    pub fn null(&mut self) {
        self.out.byte(NULL);
    }

    /// A boolean.
    pub fn bool(&mut self, b: bool) {
        self.out.byte(if b { TRUE } else { FALSE });
    }

    /// An integer.
    pub fn int(&mut self, i: i64) {
        self.out.byte(INT);
        self.out.signed(i);
    }

    /// A float.
    pub fn float(&mut self, f: f64) {
        self.out.byte(FLOAT);
        self.out.raw(&f.to_le_bytes());
    }

    /// A string.
    pub fn str(&mut self, s: &str) {
        self.out.byte(STRING);
        self.out.str(s);
    }

    /// A string, or `null` for `None`.
    pub fn opt_str(&mut self, s: Option<&str>) {
        match s {
            Some(s) => self.str(s),
            None => self.null(),
        }
    }

    /// The start of a list of `len` items; the items follow.
    pub fn list(&mut self, len: usize) {
        self.out.byte(LIST);
        self.out.seq_len(len);
    }

    /// The start of a map of `len` entries; each entry follows as a key, then a value.
    pub fn map(&mut self, len: usize) {
        self.out.byte(MAP);
        self.out.seq_len(len);
    }

    /// A deferred value: the call of host function `function` with `arguments` (name, value)
    /// that gives it, made by the template cell only if a template uses the value.
    pub fn deferred(&mut self, function: &str, arguments: &[(&str, &str)]) {
        self.out.byte(DEFERRED);
        self.out.str(function);
        self.out.seq_len(arguments.len());
        for (name, value) in arguments {
            self.out.str(name);
            self.out.str(value);
        }
    }

    /// A map entry's key (its value is written next).
    pub fn key(&mut self, key: &str) {
        self.out.str(key);
    }

    /// A whole value.
    pub fn value(&mut self, value: &Value) {
        // Pre-order with an explicit stack: a deep value (from a data file) cannot overflow
        // ours either. Map keys are written when their entry is popped.
        let mut stack: Vec<(Option<&str>, &Value)> = vec![(None, value)];
        while let Some((key, value)) = stack.pop() {
            if let Some(key) = key {
                self.key(key);
            }
            match value {
                Value::Null => self.null(),
                Value::Bool(b) => self.bool(*b),
                Value::Int(i) => self.int(*i),
                Value::Float(f) => self.float(*f),
                Value::String(s) => self.str(s),
                Value::List(items) => {
                    self.list(items.len());
                    stack.extend(items.iter().rev().map(|v| (None, v)));
                }
                Value::Map(entries) => {
                    self.map(entries.len());
                    stack.extend(entries.iter().rev().map(|(k, v)| (Some(k.as_str()), v)));
                }
            }
        }
    }

    /// A whole value already encoded (`null` for the empty default `WireValue`). Its bytes
    /// are copied as they are: use it for values this process encoded, not a peer's.
    pub fn encoded(&mut self, value: &WireValue) {
        if value.bytes.is_empty() {
            self.null();
        } else {
            self.out.raw(&value.bytes);
        }
    }

    /// `value` (encoded by this process) as a shared value: see the module's doc. It must
    /// not hold a shared value itself. The empty default `WireValue` is written as null.
    pub fn shared(&mut self, value: &WireValue) {
        if value.bytes.is_empty() {
            self.null();
        } else {
            self.out.byte(SHARED);
            self.out.bytes_with_len(&value.bytes);
        }
    }

    /// The value written.
    pub fn finish(self) -> WireValue {
        WireValue { bytes: self.out.finish() }
    }
}

/// A cursor over a peer's bytes; every read is bounds-checked.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
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
        // One byte: nearly every length and count in a context.
        if let Some(&byte) = self.bytes.get(self.at)
            && byte < 0x80
        {
            self.at += 1;
            return Ok(u64::from(byte));
        }
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

    fn take(&mut self, len: u64, what: &str) -> Result<&'a [u8], String> {
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

    fn str(&mut self, what: &str) -> Result<&'a str, String> {
        let at = self.at;
        let len = self.varint()?;
        let bytes = self.take(len, what)?;
        std::str::from_utf8(bytes)
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
