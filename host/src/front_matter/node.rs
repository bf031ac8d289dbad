//! One view of a front matter value whatever its syntax: a TOML item (with its exact span)
//! or a YAML value (placed at its key's line, the best facet-yaml allows).

use cell_proto::Value as CellValue;

use crate::toml::{Datetime, Item, Table, Value};

/// A front matter value and where it starts in the front matter's text.
#[derive(Clone, Copy)]
pub(super) enum Node<'a> {
    Toml(&'a Item),
    /// A YAML value and the byte where its key's line starts writing it.
    Yaml(&'a CellValue, usize),
}

impl<'a> Node<'a> {
    /// The byte of the front matter where the value is.
    pub(super) fn offset(&self) -> usize {
        match self {
            Node::Toml(item) => item.span.start,
            Node::Yaml(_, offset) => *offset,
        }
    }

    /// "a string", "an integer", …, for messages.
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Node::Toml(item) => item.value.kind(),
            Node::Yaml(value, _) => match value {
                CellValue::Null => "null",
                CellValue::Bool(_) => "a boolean",
                CellValue::Int(_) => "an integer",
                CellValue::Float(_) => "a float",
                CellValue::String(_) => "a string",
                CellValue::List(_) => "an array",
                CellValue::Map(_) => "a table",
            },
        }
    }

    pub(super) fn as_str(&self) -> Option<&'a str> {
        match self {
            Node::Toml(Item { value: Value::String(s), .. }) => Some(s),
            Node::Yaml(CellValue::String(s), _) => Some(s),
            _ => None,
        }
    }

    pub(super) fn as_int(&self) -> Option<i64> {
        match self {
            Node::Toml(Item { value: Value::Integer(i), .. }) => Some(*i),
            Node::Yaml(CellValue::Int(i), _) => Some(*i),
            _ => None,
        }
    }

    pub(super) fn as_bool(&self) -> Option<bool> {
        match self {
            Node::Toml(Item { value: Value::Boolean(b), .. }) => Some(*b),
            Node::Yaml(CellValue::Bool(b), _) => Some(*b),
            _ => None,
        }
    }

    /// A TOML date-time (YAML has none: its dates are strings).
    pub(super) fn as_datetime(&self) -> Option<Datetime> {
        match self {
            Node::Toml(Item { value: Value::Datetime(d), .. }) => Some(*d),
            _ => None,
        }
    }

    /// The items of an array.
    pub(super) fn as_list(&self) -> Option<Vec<Node<'a>>> {
        match self {
            Node::Toml(Item { value: Value::Array(array), .. }) => {
                Some(array.items.iter().map(Node::Toml).collect())
            }
            Node::Yaml(CellValue::List(items), offset) => {
                Some(items.iter().map(|item| Node::Yaml(item, *offset)).collect())
            }
            _ => None,
        }
    }

    /// The keys of a table: each key, where it is, and its value.
    pub(super) fn as_map(&self) -> Option<Vec<(&'a str, usize, Node<'a>)>> {
        match self {
            Node::Toml(Item { value: Value::Table(table), .. }) => Some(toml_entries(table)),
            Node::Yaml(CellValue::Map(entries), offset) => Some(
                entries
                    .iter()
                    .map(|(key, value)| (key.as_str(), *offset, Node::Yaml(value, *offset)))
                    .collect(),
            ),
            _ => None,
        }
    }

    /// The value as templates see it (`extra`; a TOML table in its keys' order).
    pub(super) fn to_cell_value(self) -> CellValue {
        match self {
            Node::Toml(item) => item.value.to_template_value(),
            Node::Yaml(value, _) => value.clone(),
        }
    }
}

/// The entries of a TOML table as (key, where the key is, value).
pub(super) fn toml_entries(table: &Table) -> Vec<(&str, usize, Node<'_>)> {
    table
        .entries()
        .iter()
        .map(|entry| (entry.key.as_str(), entry.key_span.start, Node::Toml(&entry.item)))
        .collect()
}

/// The top-level entries of a YAML front matter whose value is `entries` and text `text`:
/// each key placed at the start of the line that writes it (`key:` at the line's start), or
/// at the front matter's start when no such line is found.
pub(super) fn yaml_entries<'a>(
    entries: &'a [(String, CellValue)],
    text: &str,
) -> Vec<(&'a str, usize, Node<'a>)> {
    entries
        .iter()
        .map(|(key, value)| {
            let offset = key_line(text, key).unwrap_or(0);
            (key.as_str(), offset, Node::Yaml(value, offset))
        })
        .collect()
}

/// The byte where the line writing `key:` starts (unindented, quoted or not).
fn key_line(text: &str, key: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let unquoted = line
            .strip_prefix(key)
            .or_else(|| {
                line.strip_prefix('"')
                    .and_then(|l| l.strip_prefix(key))
                    .and_then(|l| l.strip_prefix('"'))
            })
            .or_else(|| {
                line.strip_prefix('\'')
                    .and_then(|l| l.strip_prefix(key))
                    .and_then(|l| l.strip_prefix('\''))
            });
        if unquoted.is_some_and(|rest| rest.trim_start_matches([' ', '\t']).starts_with(':')) {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}
