//! Dynamic values: template contexts, site data, function arguments.
//!
//! [`Value`] is the ergonomic recursive form. It never crosses the wire as such: a recursive
//! type would make the (reflective, recursive) encoder and decoder recurse once per level of
//! nesting, so a deeply nested value from a peer could overflow the stack; facet-postcard's
//! frames are tens of kilobytes deep per level in debug builds. On the wire a value is a
//! [`WireValue`]: a flat list of nodes in pre-order, converted both ways by loops with an
//! explicit stack and a depth limit.

use facet::Facet;

/// Deepest nesting of lists and maps accepted from a peer.
pub const MAX_VALUE_DEPTH: usize = 256;

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
        let mut nodes = Vec::new();
        // Pre-order with an explicit stack; map keys become nodes of their own.
        let mut keyed: Vec<(Option<&str>, &Value)> = vec![(None, self)];
        while let Some((key, value)) = keyed.pop() {
            if let Some(key) = key {
                nodes.push(Node::Key(key.to_string()));
            }
            match value {
                Value::Null => nodes.push(Node::Null),
                Value::Bool(b) => nodes.push(Node::Bool(*b)),
                Value::Int(i) => nodes.push(Node::Int(*i)),
                Value::Float(f) => nodes.push(Node::Float(*f)),
                Value::String(s) => nodes.push(Node::String(s.clone())),
                Value::List(items) => {
                    nodes.push(Node::List(items.len() as u32));
                    keyed.extend(items.iter().rev().map(|v| (None, v)));
                }
                Value::Map(entries) => {
                    nodes.push(Node::Map(entries.len() as u32));
                    keyed.extend(entries.iter().rev().map(|(k, v)| (Some(k.as_str()), v)));
                }
            }
        }
        WireValue { nodes }
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

/// One node of a [`WireValue`].
#[derive(Facet, Clone, Debug, PartialEq)]
#[repr(u8)]
pub enum Node {
    /// `Value::Null`.
    Null,
    /// `Value::Bool`.
    Bool(bool),
    /// `Value::Int`.
    Int(i64),
    /// `Value::Float`.
    Float(f64),
    /// `Value::String`.
    String(String),
    /// A list of this many values (the following nodes).
    List(u32),
    /// A map of this many entries, each a `Key` node then the value's nodes.
    Map(u32),
    /// A map entry's key.
    Key(String),
}

/// A [`Value`] as it travels: its nodes in pre-order. Flat, so encoding and decoding it never
/// recurse.
#[derive(Facet, Clone, Debug, PartialEq, Default)]
pub struct WireValue {
    /// The nodes.
    pub nodes: Vec<Node>,
}

/// A container being rebuilt by [`WireValue::to_value`].
enum Open {
    List { items: Vec<Value>, left: u32 },
    Map { entries: Vec<(String, Value)>, key: Option<String>, left: u32 },
}

impl WireValue {
    /// Rebuilds the value.
    ///
    /// # Errors
    ///
    /// A message naming the problem for malformed node lists from a peer: missing or extra
    /// nodes, a key where a value belongs (or the reverse), nesting deeper than
    /// [`MAX_VALUE_DEPTH`].
    pub fn to_value(&self) -> Result<Value, String> {
        let mut open: Vec<Open> = Vec::new();
        let mut nodes = self.nodes.iter().enumerate();
        let mut done: Option<Value> = None;
        loop {
            // Close every container that has all its children.
            while let Some(top) = open.last() {
                let complete = match top {
                    Open::List { left, .. } | Open::Map { left, .. } => *left == 0,
                };
                if !complete {
                    break;
                }
                let closed = match open.pop() {
                    Some(Open::List { items, .. }) => Value::List(items),
                    Some(Open::Map { entries, .. }) => Value::Map(entries),
                    None => unreachable!(),
                };
                if let Some(root) = attach(&mut open, closed)? {
                    done = Some(root);
                }
            }
            if done.is_some() {
                break;
            }
            let Some((at, node)) = nodes.next() else {
                return Err("value ended before all its lists and maps were complete".into());
            };
            let scalar = match node {
                Node::Null => Value::Null,
                Node::Bool(b) => Value::Bool(*b),
                Node::Int(i) => Value::Int(*i),
                Node::Float(f) => Value::Float(*f),
                Node::String(s) => Value::String(s.clone()),
                Node::Key(key) => {
                    match open.last_mut() {
                        Some(Open::Map { key: slot @ None, .. }) => *slot = Some(key.clone()),
                        _ => return Err(format!("node {at}: a map key outside a map entry")),
                    }
                    continue;
                }
                Node::List(len) | Node::Map(len) => {
                    if open.len() >= MAX_VALUE_DEPTH {
                        return Err(format!("value nested deeper than {MAX_VALUE_DEPTH} levels"));
                    }
                    // Capacity is bounded by the nodes actually present, not the claim.
                    let cap = (*len as usize).min(self.nodes.len() - at);
                    open.push(match node {
                        Node::List(_) => Open::List { items: Vec::with_capacity(cap), left: *len },
                        _ => Open::Map { entries: Vec::with_capacity(cap), key: None, left: *len },
                    });
                    continue;
                }
            };
            if let Some(root) = attach(&mut open, scalar)? {
                done = Some(root);
            }
        }
        if nodes.next().is_some() {
            return Err("extra nodes after the value".into());
        }
        done.ok_or_else(|| "empty value".to_string())
    }
}

/// Adds a finished value to the innermost open container; returns it if there is none (it is
/// the root).
fn attach(open: &mut [Open], value: Value) -> Result<Option<Value>, String> {
    match open.last_mut() {
        None => Ok(Some(value)),
        Some(Open::List { items, left }) => {
            items.push(value);
            *left -= 1;
            Ok(None)
        }
        Some(Open::Map { entries, key, left }) => match key.take() {
            Some(key) => {
                entries.push((key, value));
                *left -= 1;
                Ok(None)
            }
            None => Err("a map value without its key".into()),
        },
    }
}

/// Decodes a [`Value`] sent as a [`WireValue`] by a peer.
///
/// # Errors
///
/// [`rpc::RpcError::Decode`] for malformed bytes or a malformed node list.
pub fn decode_value(bytes: &[u8]) -> Result<Value, rpc::RpcError> {
    let wire: WireValue = rpc::decode(bytes)?;
    wire.to_value().map_err(|e| rpc::RpcError::Decode(format!("value: {e}")))
}
