//! Dynamic values: template contexts, site data, function arguments.
//!
//! [`Value`] is the ergonomic recursive form. It never crosses the wire as such (see
//! [`WireValue`], its encoded form).

use crate::wire::WireValue;

/// A JSON-like value. Maps keep their keys in insertion order (front matter and data files
/// are ordered documents, and templates iterate them in that order).
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// No value (`none` in templates).
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    String(String),
    /// A list.
    List(Vec<Value>),
    /// A map with string keys, in insertion order.
    Map(Vec<(String, Value)>),
}

impl Value {
    /// A map from `(key, value)` pairs.
    pub fn map<K: Into<String>>(entries: impl IntoIterator<Item = (K, Value)>) -> Value {
        Value::Map(entries.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// The value under `key`, for a map.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The wire form.
    pub fn to_wire(&self) -> WireValue {
        WireValue::encode(self)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(s)
    }
}
