//! The parsed document: every value and key with the span of text it came from.

use std::collections::HashMap;

use super::Datetime;

/// A range of bytes of the parsed text: `start..end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Span {
    /// The first byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    pub(crate) fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }
}

/// A value and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// The value.
    pub value: Value,
    /// Where: the value's text; for a table made by a header, the header (`[a.b]`); for a
    /// table made on the way to another (`a` of `[a.b]` or of `a.b = 1`), the key that made
    /// it; for an array of tables, its first header.
    pub span: Span,
}

/// A TOML value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A string (any of the four kinds).
    String(String),
    /// An integer (decimal, hexadecimal, octal or binary).
    Integer(i64),
    /// A float, `inf` and `nan` included.
    Float(f64),
    /// `true` or `false`.
    Boolean(bool),
    /// An offset date-time, local date-time, local date or local time.
    Datetime(Datetime),
    /// An array: `[1, 2]`, or the tables of `[[name]]` headers.
    Array(Array),
    /// A table: the document, a `[header]`, an inline `{ … }`, or one made by dotted keys.
    Table(Table),
}

impl Value {
    /// What kind of value this is, for messages: "a string", "an integer", …
    pub fn kind(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Integer(_) => "an integer",
            Value::Float(_) => "a float",
            Value::Boolean(_) => "a boolean",
            Value::Datetime(_) => "a date-time",
            Value::Array(_) => "an array",
            Value::Table(_) => "a table",
        }
    }

    /// The value with its tables in the order their keys were written (what the parser
    /// read; its tests compare this): a date-time becomes its text (as Zola shows one).
    pub fn to_cell_value(&self) -> cell_proto::Value {
        self.convert(false)
    }

    /// The value as templates see it: as [`to_cell_value`](Self::to_cell_value), but each
    /// table a map in its keys' order, as Zola's templates see a TOML table (the `toml`
    /// crate's map is sorted): `{% for k, v in page.extra %}` and `json_encode` follow the
    /// keys, not the order written.
    pub fn to_template_value(&self) -> cell_proto::Value {
        self.convert(true)
    }

    fn convert(&self, sorted: bool) -> cell_proto::Value {
        use cell_proto::Value as V;
        match self {
            Value::String(s) => V::String(s.clone()),
            Value::Integer(i) => V::Int(*i),
            Value::Float(f) => V::Float(*f),
            Value::Boolean(b) => V::Bool(*b),
            Value::Datetime(d) => V::String(d.to_string()),
            Value::Array(array) => {
                V::List(array.items.iter().map(|item| item.value.convert(sorted)).collect())
            }
            Value::Table(table) => {
                let mut entries: Vec<_> = table.entries.iter().collect();
                if sorted {
                    entries.sort_by(|a, b| a.key.cmp(&b.key));
                }
                V::Map(
                    entries
                        .into_iter()
                        .map(|entry| (entry.key.clone(), entry.item.value.convert(sorted)))
                        .collect(),
                )
            }
        }
    }
}

/// An array's items, and whether it is made of `[[name]]` tables (which more headers may
/// extend) or written as a value (which nothing may extend).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Array {
    /// The items.
    pub items: Vec<Item>,
    pub(crate) of_tables: bool,
}

impl Array {
    /// Whether it is an array of tables (`[[name]]`).
    pub fn is_array_of_tables(&self) -> bool {
        self.of_tables
    }
}

/// How a table came to be: what may still be added to it, and how.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    /// The document itself.
    Root,
    /// A `[header]`: defined, so no second header may name it.
    Header,
    /// Made on the way to a header (`a` of `[a.b]`): a header of its own may still define it.
    Implicit,
    /// Made by dotted keys (`a` of `a.b = 1`): more dotted keys may add to it, no header may.
    Dotted,
    /// `{ … }`: closed once written.
    Inline,
    /// An element of an array of tables (`[[a]]`).
    Element,
}

/// Beyond this many keys a table keeps an index (a few keys are faster to compare than to
/// hash).
const INDEX_FROM: usize = 8;

/// A table: keys in the order they were written, each with its span.
#[derive(Clone, Debug)]
pub struct Table {
    entries: Vec<Entry>,
    index: Option<HashMap<String, usize>>,
    pub(crate) origin: Origin,
}

impl PartialEq for Table {
    /// Same keys in the same order with equal items (how the table was made is not compared).
    fn eq(&self, other: &Table) -> bool {
        self.entries == other.entries
    }
}

/// One key of a table.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The key, unquoted.
    pub key: String,
    /// Where the key was written (its last part, for a dotted key).
    pub key_span: Span,
    /// Its value.
    pub item: Item,
}

impl Table {
    pub(crate) fn new(origin: Origin) -> Table {
        Table { entries: Vec::new(), index: None, origin }
    }

    /// The entry of `key`.
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.position(key).map(|i| &self.entries[i])
    }

    /// The item of `key`.
    pub fn get(&self, key: &str) -> Option<&Item> {
        self.entry(key).map(|entry| &entry.item)
    }

    /// Every entry, in the order the keys were written.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// How many keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it has no keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.entries.iter().position(|entry| entry.key == key),
        }
    }

    pub(crate) fn item_mut(&mut self, position: usize) -> &mut Item {
        &mut self.entries[position].item
    }

    pub(crate) fn entry_at(&self, position: usize) -> &Entry {
        &self.entries[position]
    }

    /// Adds `key`, which the caller checked is not there; returns its position.
    pub(crate) fn push(&mut self, key: String, key_span: Span, item: Item) -> usize {
        let position = self.entries.len();
        if let Some(index) = &mut self.index {
            index.insert(key.clone(), position);
        } else if position >= INDEX_FROM {
            let mut index: HashMap<String, usize> =
                self.entries.iter().enumerate().map(|(i, e)| (e.key.clone(), i)).collect();
            index.insert(key.clone(), position);
            self.index = Some(index);
        }
        self.entries.push(Entry { key, key_span, item });
        position
    }
}
