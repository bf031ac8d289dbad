//! Runtime values: what contexts, data and expressions are made of.
//!
//! Strings, lists and maps sit behind `Arc`, so a value is cloned in a few nanoseconds and a
//! render never copies the context. A string is either plain ([`Value::String`], escaped when
//! printed) or already HTML ([`Value::Safe`], printed as is): the marking travels with the value,
//! which is how `| safe`, macro output and `super()` escape autoescaping.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write};
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use crate::ast::Template;

/// A value seen by templates.
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// `none`.
    #[default]
    None,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// Text, HTML-escaped when printed.
    String(Arc<str>),
    /// Text that is already HTML, printed as is.
    Safe(Arc<str>),
    /// A list.
    List(Arc<Vec<Value>>),
    /// A map with string keys, in insertion order.
    Map(Arc<Map>),
    /// Something only templates make: a macro, an imported module, a lazy `data` path.
    Object(Object),
}

/// A map with string keys that keeps insertion order (front matter and data files are ordered
/// documents, and templates iterate them in that order).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Map {
    entries: Vec<(Arc<str>, Value)>,
}

impl Map {
    /// An empty map.
    pub fn new() -> Map {
        Map::default()
    }

    /// Sets `key` to `value`, replacing an existing entry in place.
    pub fn insert(&mut self, key: impl Into<Arc<str>>, value: Value) {
        let key = key.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| &**k == key).map(|(_, v)| v)
    }

    /// The entries, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Arc<str>, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The keys, for "available: ..." in error messages.
    pub(crate) fn key_list(&self) -> Vec<String> {
        self.entries.iter().map(|(k, _)| k.to_string()).collect()
    }
}

impl<K: Into<Arc<str>>> FromIterator<(K, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Map {
        let mut map = Map::new();
        for (k, v) in iter {
            map.insert(k, v);
        }
        map
    }
}

/// A value only templates make. Opaque outside the engine.
#[derive(Clone, Debug)]
pub struct Object(pub(crate) ObjectKind);

#[derive(Clone)]
pub(crate) enum ObjectKind {
    /// What a lenient lookup (`?.`, `is defined`, `default`) gives for a missing value.
    Undefined,
    /// Macro number `.1` of a template.
    Macro(Arc<Template>, usize),
    /// An imported template (`import "m.html" as m`): its macros are its fields.
    Module(Arc<Template>),
    /// The body of the `call` block being served (an index into the render's caller stack).
    Caller(usize),
    /// `data` or a path under it, fetched from the provider only when its value is used.
    Data(Arc<str>),
    /// A value the host sent as the call that gives it (`cell_proto`'s deferred values):
    /// made only when a template uses the value (`eval/deferred.rs`).
    Deferred(Arc<Deferred>),
}

/// The host function call that gives a deferred value.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct Deferred {
    /// The host function.
    pub(crate) function: Arc<str>,
    /// Its arguments, by name.
    pub(crate) arguments: Vec<(Arc<str>, Arc<str>)>,
}

impl fmt::Debug for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ObjectKind::Undefined => f.write_str("undefined"),
            ObjectKind::Macro(t, i) => write!(f, "macro {}", t.macros[*i].name),
            ObjectKind::Module(t) => write!(f, "module {:?}", t.name),
            ObjectKind::Caller(i) => write!(f, "caller {i}"),
            ObjectKind::Data(p) => write!(f, "data {p:?}"),
            ObjectKind::Deferred(d) => write!(f, "deferred {}({:?})", d.function, d.arguments),
        }
    }
}

impl Value {
    /// A string value (escaped when printed).
    pub fn string(s: impl Into<Arc<str>>) -> Value {
        Value::String(s.into())
    }

    /// A map value from `(key, value)` pairs.
    pub fn map<K: Into<Arc<str>>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Map(Arc::new(entries.into_iter().collect()))
    }

    /// A list value.
    pub fn list(items: impl IntoIterator<Item = Value>) -> Value {
        Value::List(Arc::new(items.into_iter().collect()))
    }

    pub(crate) fn undefined() -> Value {
        Value::Object(Object(ObjectKind::Undefined))
    }

    pub(crate) fn is_undefined(&self) -> bool {
        matches!(self, Value::Object(Object(ObjectKind::Undefined)))
    }

    /// The text of a string (plain or safe).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) | Value::Safe(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key`, for a map.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(m) => m.get(key),
            _ => None,
        }
    }

    /// Jinja truthiness: none, false, zero and empty things are false.
    pub fn is_true(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::String(s) | Value::Safe(s) => !s.is_empty(),
            Value::List(l) => !l.is_empty(),
            Value::Map(m) => !m.is_empty(),
            Value::Object(o) => !matches!(o.0, ObjectKind::Undefined),
        }
    }

    /// A short name of the value's type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::None => "none",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "float",
            Value::String(_) | Value::Safe(_) => "string",
            Value::List(_) => "list",
            Value::Map(_) => "map",
            Value::Object(o) => match o.0 {
                ObjectKind::Undefined => "undefined",
                ObjectKind::Macro(..) | ObjectKind::Caller(_) => "macro",
                ObjectKind::Module(_) => "module",
                ObjectKind::Data(_) => "data",
                ObjectKind::Deferred(_) => "deferred",
            },
        }
    }

    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Int(i) => Some(*i as f64),
            Value::Float(f) => Some(*f),
            _ => None,
        }
    }

    /// Writes the value as text (not escaped), as Tera prints it: whole floats without
    /// `.0`, lists as `[a, b]` with their items printed the same way, maps as `[object]`,
    /// none as nothing.
    pub(crate) fn write_text(&self, out: &mut String) {
        match self {
            Value::None => {}
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Float(f) => write_float(out, *f),
            Value::String(s) | Value::Safe(s) => out.push_str(s),
            Value::List(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write_text(out);
                }
                out.push(']');
            }
            Value::Map(_) => out.push_str("[object]"),
            Value::Object(o) => match &o.0 {
                ObjectKind::Undefined | ObjectKind::Caller(_) => {}
                ObjectKind::Macro(t, i) => {
                    let _ = write!(out, "<macro {}>", t.macros[*i].name);
                }
                ObjectKind::Module(t) => {
                    let _ = write!(out, "<module {}>", t.name);
                }
                ObjectKind::Data(p) => {
                    let _ = write!(out, "<data {p}>");
                }
                ObjectKind::Deferred(d) => {
                    let _ = write!(out, "<deferred {}>", d.function);
                }
            },
        }
    }

    /// The value as `~` joins it: as [`Value::write_text`], but a float keeps its `.0`
    /// (`3.0 ~ ""` is `3.0`, as Tera gives it).
    pub(crate) fn write_concat(&self, out: &mut String) {
        match self {
            Value::Float(f) if f.is_finite() => {
                let _ = write!(out, "{f:?}");
            }
            other => other.write_text(out),
        }
    }

    /// The same value, with text made by the template (macro output) made plain text: what
    /// a variable holds, as in Tera, where `{{ x }}` escapes whatever `x` holds.
    pub(crate) fn unmarked(self) -> Value {
        match self {
            Value::Safe(s) => Value::String(s),
            other => other,
        }
    }

    /// The value as text.
    pub(crate) fn to_text(&self) -> Arc<str> {
        match self {
            Value::String(s) | Value::Safe(s) => s.clone(),
            other => {
                let mut s = String::new();
                other.write_text(&mut s);
                s.into()
            }
        }
    }

    /// Ordering for `<`, `sort`, `groupby`: numbers with numbers, strings with strings, lists
    /// element-wise, booleans; `None` for anything else.
    pub(crate) fn compare(&self, other: &Value) -> Option<Ordering> {
        match (self, other) {
            (Value::Int(a), Value::Int(b)) => Some(a.cmp(b)),
            (a, b) if a.as_f64().is_some() && b.as_f64().is_some() => {
                a.as_f64()?.partial_cmp(&b.as_f64()?)
            }
            (a, b) if a.as_str().is_some() && b.as_str().is_some() => {
                Some(a.as_str()?.cmp(b.as_str()?))
            }
            (Value::Bool(a), Value::Bool(b)) => Some(a.cmp(b)),
            (Value::None, Value::None) => Some(Ordering::Equal),
            (Value::List(a), Value::List(b)) => {
                for (x, y) in a.iter().zip(b.iter()) {
                    match x.compare(y)? {
                        Ordering::Equal => {}
                        unequal => return Some(unequal),
                    }
                }
                Some(a.len().cmp(&b.len()))
            }
            _ => None,
        }
    }
}

/// Floats print as Tera prints them: Rust's shortest form, without exponent, and without
/// `.0` when whole (`2.0` prints `2`).
pub(crate) fn write_float(out: &mut String, f: f64) {
    let _ = write!(out, "{f}");
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::None, Value::None) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (a, b) if a.as_f64().is_some() && b.as_f64().is_some() => a.as_f64() == b.as_f64(),
            (a, b) if a.as_str().is_some() && b.as_str().is_some() => a.as_str() == b.as_str(),
            (Value::List(a), Value::List(b)) => a == b,
            (Value::Map(a), Value::Map(b)) => a == b,
            (Value::Object(a), Value::Object(b)) => match (&a.0, &b.0) {
                (ObjectKind::Undefined, ObjectKind::Undefined) => true,
                (ObjectKind::Data(a), ObjectKind::Data(b)) => a == b,
                (ObjectKind::Deferred(a), ObjectKind::Deferred(b)) => a == b,
                (ObjectKind::Macro(t, i), ObjectKind::Macro(u, j)) => Arc::ptr_eq(t, u) && i == j,
                _ => false,
            },
            _ => false,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut s = String::new();
        self.write_text(&mut s);
        f.write_str(&s)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.into())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s.into())
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::Float(f)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Value {
        Value::List(Arc::new(items))
    }
}

impl From<&cell_proto::Value> for Value {
    fn from(value: &cell_proto::Value) -> Value {
        match value {
            cell_proto::Value::Null => Value::None,
            cell_proto::Value::Bool(b) => Value::Bool(*b),
            cell_proto::Value::Int(i) => Value::Int(*i),
            cell_proto::Value::Float(f) => Value::Float(*f),
            cell_proto::Value::String(s) => Value::String(s.as_str().into()),
            cell_proto::Value::List(items) => Value::list(items.iter().map(Value::from)),
            cell_proto::Value::Map(entries) => {
                Value::map(entries.iter().map(|(k, v)| (k.as_str(), Value::from(v))))
            }
        }
    }
}

impl Value {
    /// Decodes a value sent by the host, building this engine's values directly from the
    /// bytes (one pass, no intermediate `cell_proto::Value` tree to build and drop: for a
    /// page's context, about half the cost of decoding it).
    ///
    /// # Errors
    ///
    /// Malformed bytes, as `cell_proto::WireValue::to_value` reports them.
    pub fn from_wire(wire: &cell_proto::WireValue) -> Result<Value, String> {
        EngineValues::with(None, |values| wire.build(values))
    }

    /// [`from_wire`](Self::from_wire), taking the shared values inside from `shared` when an
    /// earlier message sent the same bytes, and keeping those it decodes there.
    ///
    /// # Errors
    ///
    /// Malformed bytes, as `from_wire` reports them.
    pub fn from_wire_sharing(
        wire: &cell_proto::WireValue,
        shared: &SharedValues,
    ) -> Result<Value, String> {
        EngineValues::with(Some(shared), |values| wire.build(values))
    }
}

/// The values decoded from the shared values of a cell's messages (a page as listings show
/// it, sent once with every listing that shows it: four times per page on a site with three
/// tags per page), kept by their bytes so that each is decoded once. Values are immutable, so
/// one decoding serves every render; the deferred values inside are resolved per render.
///
/// Bounded: past [`SharedValues::MAX_KEPT`] values, or their bytes past
/// [`SharedValues::MAX_KEPT_BYTES`], it forgets them all and starts again (a site that big
/// decodes some pages more than once, as it would without it).
pub struct SharedValues {
    kept: Mutex<KeptValues>,
}

#[derive(Default)]
struct KeptValues {
    /// Each value with its levels of lists and maps (see `cell_proto::ValueBuilder::recall`).
    values: HashMap<Box<[u8]>, (Value, usize), crate::hash::BuildWordHasher>,
    bytes: usize,
}

impl SharedValues {
    /// How many values are kept at most.
    pub const MAX_KEPT: usize = 40_000;
    /// How many bytes of encoded values are kept at most (the values made of them take a few
    /// times more; a page as listings show it is about 600 bytes, so 10,000 pages take 6 MB).
    pub const MAX_KEPT_BYTES: usize = 16 << 20;

    /// None kept yet.
    pub fn new() -> SharedValues {
        SharedValues { kept: Mutex::new(KeptValues::default()) }
    }

    /// How many values are kept.
    pub fn len(&self) -> usize {
        self.lock().values.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, KeptValues> {
        // A panic while holding it left a map, not a broken one.
        self.kept.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn recall(&self, bytes: &[u8]) -> Option<(Value, usize)> {
        self.lock().values.get(bytes).cloned()
    }

    fn remember(&self, bytes: &[u8], value: &Value, levels: usize) {
        let mut kept = self.lock();
        if kept.values.len() >= Self::MAX_KEPT || kept.bytes + bytes.len() > Self::MAX_KEPT_BYTES {
            kept.values.clear();
            kept.bytes = 0;
        }
        if kept.values.insert(bytes.into(), (value.clone(), levels)).is_none() {
            kept.bytes += bytes.len();
        }
    }
}

impl Default for SharedValues {
    fn default() -> SharedValues {
        SharedValues::new()
    }
}

impl Value {
    /// Encodes the value for the host, as `cell_proto::Value::from(self).to_wire()` would,
    /// without building that tree first. Template-only objects (macros, modules) become their
    /// text, an undefined value null. Values nested deeper than `cell_proto::MAX_VALUE_DEPTH`
    /// (which the host would refuse) are cut there, as null.
    pub fn to_wire(&self) -> cell_proto::WireValue {
        fn write(value: &Value, w: &mut cell_proto::WireWriter, depth: usize) {
            if depth >= cell_proto::MAX_VALUE_DEPTH {
                return w.null();
            }
            match value {
                Value::None => w.null(),
                Value::Bool(b) => w.bool(*b),
                Value::Int(i) => w.int(*i),
                Value::Float(f) => w.float(*f),
                Value::String(s) | Value::Safe(s) => w.str(s),
                Value::List(items) => {
                    w.list(items.len());
                    for item in items.iter() {
                        write(item, w, depth + 1);
                    }
                }
                Value::Map(map) => {
                    w.map(map.len());
                    for (key, item) in map.iter() {
                        w.key(key);
                        write(item, w, depth + 1);
                    }
                }
                Value::Object(o) if matches!(o.0, ObjectKind::Undefined) => w.null(),
                // Back as it came: the host knows the call.
                Value::Object(Object(ObjectKind::Deferred(d))) => {
                    let arguments: Vec<(&str, &str)> =
                        d.arguments.iter().map(|(k, v)| (&**k, &**v)).collect();
                    w.deferred(&d.function, &arguments);
                }
                Value::Object(_) => w.str(&value.to_string()),
            }
        }
        let mut w = cell_proto::WireWriter::with_capacity(32);
        write(self, &mut w, 0);
        w.finish()
    }
}

/// Builds engine values from wire bytes (see [`Value::from_wire`]).
///
/// A context repeats its map keys and the parts of its deferred calls many times over (a
/// listing's thirty fields for each of its pages, each deferred field naming its page), and
/// so do the contexts of one site, render after render: each distinct one is allocated once
/// per thread, not once per decoding (per decoding, interning was a seventh of the template
/// cell's instructions on a site of 2,000 pages), and the maps' keys being shared lets a map
/// be checked for a repeated key by pointer.
struct EngineValues<'s> {
    interned: &'s mut Interned,
    /// Where shared values are kept between messages, if anywhere.
    shared: Option<&'s SharedValues>,
}

/// The strings interned by one thread's decodings.
type Interned = HashSet<Arc<str>, crate::hash::BuildWordHasher>;

/// How many strings a thread keeps interned at most: a site's keys, and the page paths its
/// deferred fields name (one per page, so a site of 100,000 pages starts again now and then).
const MAX_INTERNED: usize = 50_000;

thread_local! {
    static INTERNED: std::cell::RefCell<Interned> = std::cell::RefCell::new(
        HashSet::with_capacity_and_hasher(256, Default::default()),
    );
}

impl<'s> EngineValues<'s> {
    /// Runs `decode` with this thread's interned strings. The table is cleared, when full,
    /// only here, between decodings: within one decoding every equal key must be the same
    /// `Arc`, which [`repeats_a_key`] relies on.
    fn with<R>(
        shared: Option<&SharedValues>,
        decode: impl FnOnce(&mut EngineValues<'_>) -> R,
    ) -> R {
        INTERNED.with(|interned| match interned.try_borrow_mut() {
            Ok(mut interned) => {
                if interned.len() >= MAX_INTERNED {
                    interned.clear();
                }
                decode(&mut EngineValues { interned: &mut interned, shared })
            }
            // A decoding inside a decoding (none today) gets a table of its own.
            Err(_) => decode(&mut EngineValues { interned: &mut Interned::default(), shared }),
        })
    }

    fn intern(&mut self, text: &str) -> Arc<str> {
        if let Some(shared) = self.interned.get(text) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(text);
        self.interned.insert(shared.clone());
        shared
    }
}

/// Whether two of `entries` share a key, their keys being interned (equal keys, one
/// pointer).
fn repeats_a_key(entries: &[(Arc<str>, Value)]) -> bool {
    if entries.len() <= 32 {
        return entries.iter().enumerate().any(|(i, (key, _))| {
            entries[..i].iter().any(|(earlier, _)| Arc::ptr_eq(earlier, key))
        });
    }
    let mut seen = HashSet::with_capacity(entries.len());
    !entries.iter().all(|(key, _)| seen.insert(Arc::as_ptr(key).cast::<u8>()))
}

impl cell_proto::ValueBuilder for EngineValues<'_> {
    type Value = Value;
    fn null(&mut self) -> Value {
        Value::None
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
        Value::String(value.into())
    }
    fn list(&mut self, items: Vec<Value>) -> Value {
        Value::List(Arc::new(items))
    }
    fn map(&mut self, entries: Vec<(&str, Value)>) -> Value {
        let entries: Vec<(Arc<str>, Value)> =
            entries.into_iter().map(|(key, value)| (self.intern(key), value)).collect();
        if repeats_a_key(&entries) {
            // The last value of a repeated key wins, in the first one's place, as `insert`
            // gives it.
            return Value::map(entries);
        }
        Value::Map(Arc::new(Map { entries }))
    }
    fn recall(&mut self, bytes: &[u8]) -> Option<(Value, usize)> {
        self.shared?.recall(bytes)
    }
    fn remember(&mut self, bytes: &[u8], value: &Value, levels: usize) {
        if let Some(shared) = self.shared {
            shared.remember(bytes, value, levels);
        }
    }
    fn deferred(&mut self, function: &str, arguments: &[(&str, &str)]) -> Value {
        Value::Object(Object(ObjectKind::Deferred(Arc::new(Deferred {
            function: self.intern(function),
            arguments: arguments
                .iter()
                .map(|(name, value)| (self.intern(name), self.intern(value)))
                .collect(),
        }))))
    }
}

impl From<cell_proto::Value> for Value {
    fn from(value: cell_proto::Value) -> Value {
        Value::from(&value)
    }
}

impl From<&Value> for cell_proto::Value {
    /// Template-only objects (macros, modules) become their text.
    fn from(value: &Value) -> cell_proto::Value {
        match value {
            Value::None => cell_proto::Value::Null,
            Value::Bool(b) => cell_proto::Value::Bool(*b),
            Value::Int(i) => cell_proto::Value::Int(*i),
            Value::Float(f) => cell_proto::Value::Float(*f),
            Value::String(s) | Value::Safe(s) => cell_proto::Value::String(s.to_string()),
            Value::List(items) => {
                cell_proto::Value::List(items.iter().map(cell_proto::Value::from).collect())
            }
            Value::Map(map) => cell_proto::Value::Map(
                map.iter().map(|(k, v)| (k.to_string(), cell_proto::Value::from(v))).collect(),
            ),
            Value::Object(o) if matches!(o.0, ObjectKind::Undefined) => cell_proto::Value::Null,
            Value::Object(_) => cell_proto::Value::String(value.to_string()),
        }
    }
}

#[cfg(test)]
mod wire_tests {
    use super::*;

    #[test]
    fn a_map_sent_with_a_key_twice_keeps_the_last_value_in_the_first_place() {
        // The host never sends one, but its bytes are a peer's: a repeated key is read as
        // `Map::insert` reads it, for a small map and for one past the pointer-pair check.
        for filler in [0, 40] {
            let mut w = cell_proto::WireWriter::with_capacity(64);
            w.map(3 + filler);
            w.key("a");
            w.int(1);
            w.key("b");
            w.int(2);
            for n in 0..filler {
                w.key(&format!("k{n}"));
                w.null();
            }
            w.key("a");
            w.int(3);
            let map = Value::from_wire(&w.finish()).unwrap();
            let Value::Map(map) = map else { panic!("not a map: {map:?}") };
            assert_eq!(map.len(), 2 + filler);
            let keys: Vec<&str> = map.iter().take(2).map(|(k, _)| &**k).collect();
            assert_eq!(keys, ["a", "b"]);
            assert_eq!(map.get("a"), Some(&Value::Int(3)));
        }
    }

    #[test]
    fn keys_are_interned_across_decodings_and_a_full_table_still_finds_a_repeated_key() {
        // `title` twice, around a deferred call whose arguments intern `filler` strings.
        let map = |filler: usize| {
            let names: Vec<String> = (0..filler).map(|n| format!("filler-{n}")).collect();
            let arguments: Vec<(&str, &str)> =
                names.chunks(2).map(|pair| (&*pair[0], &*pair[pair.len() - 1])).collect();
            let mut w = cell_proto::WireWriter::with_capacity(64);
            w.map(3);
            w.key("title");
            w.int(1);
            w.key("more");
            w.deferred("f", &arguments);
            w.key("title");
            w.int(2);
            let Value::Map(map) = Value::from_wire(&w.finish()).unwrap() else { panic!() };
            map
        };
        // The same key in two decodings on one thread is one allocation.
        let (first, second) = (map(0), map(0));
        let key = |map: &Map| map.iter().next().map(|(k, _)| k.clone()).unwrap();
        assert!(Arc::ptr_eq(&key(&first), &key(&second)));
        assert_eq!((first.len(), first.get("title")), (2, Some(&Value::Int(2))));
        // A decoding that fills the table past its bound between the two `title`s: the table
        // is cleared only before the next decoding, so the key is still found repeated.
        let full = map(MAX_INTERNED + 2);
        assert_eq!((full.len(), full.get("title")), (2, Some(&Value::Int(2))));
        let after = map(0);
        assert_eq!((after.len(), after.get("title")), (2, Some(&Value::Int(2))));
        assert!(!Arc::ptr_eq(&key(&first), &key(&after)), "the table was not cleared");
    }

    #[test]
    fn a_page_shared_by_two_listings_is_decoded_once_and_reads_the_same() {
        let page = |title: &str| {
            let mut w = cell_proto::WireWriter::with_capacity(64);
            w.map(2);
            w.key("title");
            w.str(title);
            w.key("content");
            w.deferred("__page_field", &[("path", "a.md"), ("field", "content")]);
            w.finish()
        };
        let listing = |titles: &[&str]| {
            let mut w = cell_proto::WireWriter::with_capacity(256);
            w.list(titles.len());
            for title in titles {
                w.shared(&page(title));
            }
            w.finish()
        };
        let shared = SharedValues::new();
        for titles in [&["a", "b"][..], &["b", "c"], &["a", "c"]] {
            let wire = listing(titles);
            let kept = Value::from_wire_sharing(&wire, &shared).unwrap();
            assert_eq!(kept, Value::from_wire(&wire).unwrap());
        }
        assert_eq!(shared.len(), 3, "pages a, b and c, each kept once");
    }

    #[test]
    fn deferred_values_naming_the_same_call_are_one_call() {
        // Interned or not, two deferred values of the same call compare and hash alike: the
        // render asks the host once.
        let mut w = cell_proto::WireWriter::with_capacity(64);
        w.list(2);
        for _ in 0..2 {
            w.deferred("__page_field", &[("path", "a.md"), ("field", "content")]);
        }
        let Value::List(items) = Value::from_wire(&w.finish()).unwrap() else { panic!() };
        let deferred = |value: &Value| match value {
            Value::Object(Object(ObjectKind::Deferred(d))) => d.clone(),
            other => panic!("not deferred: {other:?}"),
        };
        let (first, second) = (deferred(&items[0]), deferred(&items[1]));
        assert_eq!(first, second);
        assert_eq!(&*first.function, "__page_field");
        let arguments: Vec<(&str, &str)> =
            first.arguments.iter().map(|(k, v)| (&**k, &**v)).collect();
        assert_eq!(arguments, [("path", "a.md"), ("field", "content")]);
    }

    #[test]
    fn decoding_wire_bytes_directly_gives_the_values_of_the_two_step_decoding() {
        let value = cell_proto::Value::map([
            ("title", cell_proto::Value::from("é <b>")),
            ("n", cell_proto::Value::Int(-3)),
            ("x", cell_proto::Value::Float(1.5)),
            ("ok", cell_proto::Value::Bool(true)),
            ("none", cell_proto::Value::Null),
            (
                "pages",
                cell_proto::Value::List(vec![
                    cell_proto::Value::map([("t", cell_proto::Value::from("a"))]),
                    cell_proto::Value::List(vec![]),
                    cell_proto::Value::Map(vec![]),
                ]),
            ),
        ]);
        let wire = value.to_wire();
        assert_eq!(Value::from_wire(&wire).unwrap(), Value::from(&value));
        // And back: the engine's value encodes to the same bytes.
        assert_eq!(Value::from(&value).to_wire(), wire);
        let mut broken = wire.as_bytes().to_vec();
        broken.truncate(broken.len() - 1);
        assert!(Value::from_wire(&cell_proto::WireValue::from_bytes(broken)).is_err());
    }
}
