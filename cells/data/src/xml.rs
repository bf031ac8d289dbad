//! XML read as Zola 0.22 reads it: parsed by `roxmltree` 0.20 with its default options (no
//! DTD), then converted by the rules of `roxmltree_to_serde` 0.6.2 with the default `Config`
//! Zola passes (written here from its documented behaviour and checked against Zola's
//! output, not copied):
//!
//! - The document is a map of one entry, the root element's name to its value.
//! - An element whose first child is text that is not blank (CDATA and entities are text)
//!   is that text, trimmed, as a scalar; with attributes, a map of its attributes then
//!   `#text`. Its other children (elements, later text) are dropped: `<p>a <b>b</b> c</p>`
//!   is `"a"`.
//! - Any other element is a map of its attributes, then its child elements in order, each by
//!   its name; text, comments and processing instructions among them are dropped. An
//!   element with neither is an empty map.
//! - Attributes are `@` and their local name (`xml:lang` is `@lang`; namespace declarations
//!   are not attributes), elements their local name (`dc:title` is `title`); a later
//!   attribute of the same local name replaces the earlier in its place.
//! - A name met again makes a list of the values, in order. The list takes the name's place
//!   as `serde_json` (with `preserve_order`, as in Zola) moves it: the entry is swap-removed
//!   (the map's last entry moves into its place) and the list appended at the end. So
//!   `<r><a/><b/><c/><b/></r>` is `{"r": {"a": {}, "c": {}, "b": [{}, {}]}}`.
//! - A scalar (text or attribute value, trimmed) is an integer if it reads as a `u64`
//!   (`007` is 7, `+5` is 5); else a float if it reads as an `f64`, is finite, and does not
//!   start with `0` unless it starts with `0.` (`-5` is -5.0, `1e5` 100000.0, `0e5` and
//!   `00.5` stay strings, `inf` and `1e999` too); else `true` or `false` exactly; else the
//!   string.
//!
//! One difference: an integer above `i64::MAX` (which a value cannot hold) is a float,
//! where Zola keeps every digit.
//!
//! Hostile texts: roxmltree refuses a DTD (so no entity expansion beyond the five predefined
//! entities and character references), but checks each attribute against the earlier ones
//! of its element, so an element with n attributes costs n²: more than
//! [`MAX_ATTRIBUTES`] in one tag is refused before parsing. Elements nested deeper than
//! [`MAX_DEPTH`](crate::MAX_DEPTH) are refused before parsing too: roxmltree's parser, and
//! the conversion, recurse once per level (Zola's overflows its stack on a deep enough
//! text).

use std::collections::HashMap;

use roxmltree::{Document, Error, Node};

use crate::{MAX_DEPTH, ReadError, Value, position_of};

/// Most attributes (and namespace declarations) one tag may have.
pub(crate) const MAX_ATTRIBUTES: usize = 1024;

/// `text` read (see the module's documentation).
pub(crate) fn read(text: &str) -> Result<Value, ReadError> {
    check_tags(text)?;
    let document = Document::parse(text).map_err(|error| parse_error(text, &error))?;
    let root = document.root_element();
    let value = element(&document, root, 1)?;
    Ok(Value::Map(vec![(root.tag_name().name().to_string(), value)]))
}

/// The value of the element `node`, `depth` levels down (the root is 1).
fn element(document: &Document<'_>, node: Node<'_, '_>, depth: usize) -> Result<Value, ReadError> {
    if depth > MAX_DEPTH {
        let position = document.text_pos_at(node.range().start);
        return Err(ReadError::new(
            format!("elements nested more than {MAX_DEPTH} levels deep"),
            Some((position.row, position.col)),
        ));
    }
    let mut map = Entries::default();
    for attribute in node.attributes() {
        map.insert(format!("@{}", attribute.name()), scalar(attribute.value()));
    }
    let text = node.text().map(str::trim).unwrap_or_default();
    if !text.is_empty() {
        if map.entries.is_empty() {
            return Ok(scalar(text));
        }
        map.insert("#text".to_string(), scalar(text));
        return Ok(Value::Map(map.entries));
    }
    for child in node.children().filter(Node::is_element) {
        let value = element(document, child, depth + 1)?;
        map.add(child.tag_name().name(), value);
    }
    Ok(Value::Map(map.entries))
}

/// A map's entries in order, with an index of their keys.
#[derive(Default)]
struct Entries {
    entries: Vec<(String, Value)>,
    index: HashMap<String, usize>,
}

impl Entries {
    /// Sets `key` to `value`: in its place if it is there, else at the end.
    fn insert(&mut self, key: String, value: Value) {
        match self.index.get(&key) {
            Some(&at) => self.entries[at].1 = value,
            None => {
                self.index.insert(key.clone(), self.entries.len());
                self.entries.push((key, value));
            }
        }
    }

    /// Adds a child element's value: the first of its name as it is, a second makes a list
    /// of both at the end (the first swap-removed), later ones join that list.
    fn add(&mut self, name: &str, value: Value) {
        let Some(&at) = self.index.get(name) else {
            self.insert(name.to_string(), value);
            return;
        };
        if let Value::List(items) = &mut self.entries[at].1 {
            items.push(value);
            return;
        }
        let (key, first) = self.entries.swap_remove(at);
        if let Some((moved, _)) = self.entries.get(at) {
            self.index.insert(moved.clone(), at);
        }
        self.index.insert(key.clone(), self.entries.len());
        self.entries.push((key, Value::List(vec![first, value])));
    }
}

/// A text or attribute value as a scalar (see the module's documentation).
fn scalar(text: &str) -> Value {
    let text = text.trim();
    if let Ok(n) = text.parse::<u64>() {
        return i64::try_from(n).map_or(Value::Float(n as f64), Value::Int);
    }
    if let Ok(f) = text.parse::<f64>()
        && f.is_finite()
    {
        if text.starts_with('0') && !text.starts_with("0.") {
            return Value::String(text.to_string());
        }
        return Value::Float(f);
    }
    match text {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::String(text.to_string()),
    }
}

/// Refuses, before roxmltree sees them, a tag with more than [`MAX_ATTRIBUTES`] attributes
/// and elements nested deeper than [`MAX_DEPTH`] (roxmltree's parser recurses once per
/// level, so a deep enough text would overflow the stack). One pass over the tags: the `=`
/// signs outside quotes in each tag are counted (over-counting, never under-counting, what
/// roxmltree compares), start tags not ending in `/>` go one level down and end tags one up;
/// comments, CDATA sections and processing instructions are skipped, as roxmltree reads them.
fn check_tags(text: &str) -> Result<(), ReadError> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(found) = bytes[i..].iter().position(|&b| b == b'<') {
        let start = i + found;
        let rest = &bytes[start..];
        let skip_to = |end: &[u8]| {
            rest.windows(end.len()).position(|w| w == end).map_or(bytes.len(), |p| start + p)
        };
        if rest.starts_with(b"<!--") {
            i = skip_to(b"-->");
            continue;
        }
        if rest.starts_with(b"<![CDATA[") {
            i = skip_to(b"]]>");
            continue;
        }
        if rest.starts_with(b"<?") {
            i = skip_to(b"?>");
            continue;
        }
        let mut quote = None;
        let mut equals = 0;
        let mut last = 0u8;
        i = start + 1;
        while let Some(&b) = bytes.get(i) {
            i += 1;
            match (quote, b) {
                (Some(q), _) if b == q => quote = None,
                (Some(_), _) => {}
                (None, b'"' | b'\'') => quote = Some(b),
                (None, b'=') => equals += 1,
                (None, b'>') => break,
                _ => {}
            }
            if !b.is_ascii_whitespace() {
                last = b;
            }
        }
        let at = || Some(position_of(text, start));
        if equals > MAX_ATTRIBUTES {
            return Err(ReadError::new(
                format!(
                    "a tag with more than {MAX_ATTRIBUTES} attributes (refused: reading them \
                     costs the square of their number)"
                ),
                at(),
            ));
        }
        match rest.get(1) {
            Some(b'/') => depth = depth.saturating_sub(1),
            Some(b'!') => {}
            _ if last == b'/' => {}
            _ => {
                depth += 1;
                if depth > MAX_DEPTH {
                    let message = format!("elements nested more than {MAX_DEPTH} levels deep");
                    return Err(ReadError::new(message, at()));
                }
            }
        }
    }
    Ok(())
}

/// roxmltree's error as a message and position.
fn parse_error(text: &str, error: &Error) -> ReadError {
    let position = error.pos();
    let at = Some((position.row, position.col));
    match error {
        Error::UnexpectedCloseTag(expected, actual, _) => {
            ReadError::new(format!("the element `{expected}` is closed by `</{actual}>`"), at)
        }
        Error::NoRootNode => ReadError::new("there is no root element", None),
        Error::UnclosedRootNode => ReadError::new(
            "the root element is never closed",
            Some(position_of(text, text.trim_end().len())),
        ),
        Error::DtdDetected => ReadError::new(
            "a document type declaration (`<!DOCTYPE …>`), which is not read (Zola's XML \
             parser refuses it too): remove it, and write entities as characters",
            text.find("<!DOCTYPE").map(|offset| position_of(text, offset)),
        ),
        Error::NodesLimitReached
        | Error::AttributesLimitReached
        | Error::NamespacesLimitReached => ReadError::new(error.to_string(), None),
        _ => {
            // roxmltree's messages say where (` at 3:7`), which the position says too.
            let message = error.to_string().replacen(&format!(" at {position}"), "", 1);
            ReadError::new(message, at)
        }
    }
}
