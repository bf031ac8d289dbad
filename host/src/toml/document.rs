//! The document: key/value lines, `[table]` and `[[array.of.tables]]` headers, and TOML's
//! rules on what may be defined where.
//!
//! Every table remembers how it came to be ([`Origin`]), which decides what may still add to
//! it: a `[header]` defines a table once (a table made on the way to another header, `a` of
//! `[a.b]`, may still get a header of its own); dotted keys add only to tables made by dotted
//! keys or on the way to a header (and those can no longer get a header); nothing adds to an
//! inline table or to an array written as a value. These are the `toml` crate's rules, which
//! Zola reads its files with.

use super::cursor::Cursor;
use super::error::place;
use super::value::{Array, Item, Origin, Table};
use super::{MAX_DEPTH, Span, TomlError, Value};

/// Where the current table is: from the root, each step an entry's position (an array of
/// tables is entered at its last table).
type Path = Vec<usize>;

pub(super) struct Parser<'a> {
    cursor: Cursor<'a>,
    root: Table,
    /// The table key/value lines go into: the last header's.
    current: Path,
    /// How deep the current table is (keys, and arrays of tables, from the root).
    current_depth: usize,
}

impl<'a> Parser<'a> {
    pub(super) fn new(text: &'a str) -> Parser<'a> {
        let mut cursor = Cursor::new(text);
        // A byte order mark is not part of the document.
        if text.starts_with('\u{feff}') {
            cursor.pos = 3;
        }
        Parser { cursor, root: Table::new(Origin::Root), current: Vec::new(), current_depth: 0 }
    }

    pub(super) fn parse(mut self) -> Result<Table, TomlError> {
        loop {
            self.cursor.skip_whitespace();
            match self.cursor.peek() {
                None => return Ok(self.root),
                Some(b'#') => self.cursor.comment()?,
                Some(b'\n' | b'\r') => {
                    self.cursor.newline()?;
                }
                Some(b'[') => {
                    self.header()?;
                    self.cursor.end_of_line("a table header")?;
                }
                Some(_) => {
                    self.key_value()?;
                    self.cursor.end_of_line("a value")?;
                }
            }
        }
    }

    /// `[a.b]` or `[[a.b]]`.
    fn header(&mut self) -> Result<(), TomlError> {
        let start = self.cursor.pos;
        self.cursor.pos += 1;
        let array = self.cursor.eat(b'[');
        self.cursor.skip_whitespace();
        let keys = self.cursor.key()?;
        let close: &[u8] = if array { b"]]" } else { b"]" };
        if !self.cursor.starts_with(close) {
            let what = if array { "`]]` to close the header" } else { "`]` to close the header" };
            return Err(self.cursor.expected(what));
        }
        self.cursor.pos += close.len();
        let span = Span::new(start, self.cursor.pos);
        let text = self.cursor.text;
        let dotted = dotted_name(&keys);

        let (mut path, mut depth, table) = descend_for_header(text, &mut self.root, &keys)?;
        let (last, last_span) = &keys[keys.len() - 1];
        depth += 1;
        if depth > MAX_DEPTH {
            return Err(too_deep(text, last_span.start));
        }
        let position = match table.position(last) {
            None if array => {
                let element = Item { value: Value::Table(Table::new(Origin::Element)), span };
                let items = Array { items: vec![element], of_tables: true };
                table.push(last.clone(), *last_span, Item { value: Value::Array(items), span })
            }
            None => {
                let item = Item { value: Value::Table(Table::new(Origin::Header)), span };
                table.push(last.clone(), *last_span, item)
            }
            Some(position) => {
                let first_at = table.entry_at(position).item.span.start;
                // Made only for an error: placing it reads the text up to it.
                let first = || place(text, first_at);
                let error = |message: String| Err(TomlError::new(text, last_span.start, message));
                let item = table.item_mut(position);
                match (&mut item.value, array) {
                    (Value::Table(existing), false) if existing.origin == Origin::Implicit => {
                        existing.origin = Origin::Header;
                        item.span = span;
                    }
                    (Value::Array(existing), true) if existing.of_tables => {
                        let element =
                            Item { value: Value::Table(Table::new(Origin::Element)), span };
                        existing.items.push(element);
                    }
                    (Value::Table(existing), _) => {
                        let first = first();
                        return error(match (existing.origin, array) {
                            (Origin::Dotted, false) => format!(
                                "table `{dotted}` is already defined by dotted keys ({first}); \
                                 a header cannot define it again"
                            ),
                            (Origin::Inline, _) => format!(
                                "`{dotted}` is an inline table ({first}), which cannot be \
                                 extended"
                            ),
                            (_, false) => {
                                format!("table `[{dotted}]` is defined twice (first at {first})")
                            }
                            (_, true) => format!(
                                "`{dotted}` is a table ({first}), not an array of tables: \
                                 `[[{dotted}]]` cannot add to it"
                            ),
                        });
                    }
                    (Value::Array(existing), _) if existing.of_tables => {
                        return error(format!(
                            "`{dotted}` is an array of tables ({}); its next table is \
                             written `[[{dotted}]]`",
                            first()
                        ));
                    }
                    (value, _) => {
                        return error(format!(
                            "`{dotted}` already has a value ({}): {}, which a header \
                             cannot {}",
                            first(),
                            value.kind(),
                            if array { "add to" } else { "define again" }
                        ));
                    }
                }
                position
            }
        };
        path.push(position);
        self.current = path;
        self.current_depth = depth + usize::from(array);
        Ok(())
    }

    /// `key = value`, into the current table.
    fn key_value(&mut self) -> Result<(), TomlError> {
        let keys = self.cursor.key()?;
        if !self.cursor.eat(b'=') {
            let what = if keys.len() == 1 { "`=` after the key" } else { "`=` after the keys" };
            return Err(self.cursor.expected(what));
        }
        self.cursor.skip_whitespace();
        let depth = self.current_depth + keys.len();
        if depth > MAX_DEPTH {
            return Err(too_deep(self.cursor.text, keys[keys.len() - 1].1.start));
        }
        let item = value(&mut self.cursor, depth)?;
        let text = self.cursor.text;
        let table = table_at(&mut self.root, &self.current);
        insert_dotted(text, table, keys, item)
    }
}

/// A value at the cursor, nested `depth` deep.
fn value(cursor: &mut Cursor<'_>, depth: usize) -> Result<Item, TomlError> {
    let start = cursor.pos;
    let value = match cursor.peek() {
        Some(b'"' | b'\'') => Value::String(cursor.string(true)?),
        Some(b'[') => Value::Array(array(cursor, depth)?),
        Some(b'{') => Value::Table(inline_table(cursor, depth)?),
        _ => cursor.bare_value()?,
    };
    Ok(Item { value, span: Span::new(start, cursor.pos) })
}

/// `[a, b, …]`: items on any number of lines, comments between them, a trailing comma
/// allowed, of any types (TOML 1.0).
fn array(cursor: &mut Cursor<'_>, depth: usize) -> Result<Array, TomlError> {
    if depth + 1 > MAX_DEPTH {
        return Err(too_deep(cursor.text, cursor.pos));
    }
    let open = cursor.pos;
    cursor.pos += 1;
    let mut items = Vec::new();
    loop {
        cursor.skip_blank()?;
        if cursor.eat(b']') {
            return Ok(Array { items, of_tables: false });
        }
        if cursor.peek().is_none() {
            return Err(cursor.error(open, "an array that is never closed (it needs a `]`)"));
        }
        items.push(value(cursor, depth + 1)?);
        cursor.skip_blank()?;
        if cursor.eat(b',') {
            continue;
        }
        if cursor.eat(b']') {
            return Ok(Array { items, of_tables: false });
        }
        return Err(match cursor.peek() {
            None => cursor.error(open, "an array that is never closed (it needs a `]`)"),
            _ => cursor.expected("`,` or `]` after an item of the array"),
        });
    }
}

/// `{ a = 1, b.c = 2 }`: on one line, no trailing comma (TOML 1.0); closed once written.
fn inline_table(cursor: &mut Cursor<'_>, depth: usize) -> Result<Table, TomlError> {
    if depth + 1 > MAX_DEPTH {
        return Err(too_deep(cursor.text, cursor.pos));
    }
    let open = cursor.pos;
    cursor.pos += 1;
    let mut table = Table::new(Origin::Inline);
    cursor.skip_whitespace();
    if cursor.eat(b'}') {
        return Ok(table);
    }
    loop {
        cursor.skip_whitespace();
        if matches!(cursor.peek(), None | Some(b'\n' | b'\r')) {
            return Err(cursor.error(
                open,
                "an inline table that is never closed on its line (it needs a `}`; an inline \
                 table is written on one line)",
            ));
        }
        if cursor.peek() == Some(b'}') {
            return Err(
                cursor.error(cursor.pos, "a trailing comma is not allowed in an inline table")
            );
        }
        let keys = cursor.key()?;
        if !cursor.eat(b'=') {
            return Err(cursor.expected("`=` after the key"));
        }
        cursor.skip_whitespace();
        let inner_depth = depth + keys.len();
        if inner_depth > MAX_DEPTH {
            return Err(too_deep(cursor.text, keys[keys.len() - 1].1.start));
        }
        let item = value(cursor, inner_depth)?;
        insert_dotted(cursor.text, &mut table, keys, item)?;
        cursor.skip_whitespace();
        if cursor.eat(b'}') {
            return Ok(table);
        }
        if !cursor.eat(b',') {
            return Err(match cursor.peek() {
                None | Some(b'\n' | b'\r') => cursor.error(
                    open,
                    "an inline table that is never closed on its line (it needs a `}`; an \
                     inline table is written on one line)",
                ),
                _ => cursor.expected("`,` or `}` after a value of the inline table"),
            });
        }
    }
}

/// The table at `path` from `root`.
fn table_at<'t>(root: &'t mut Table, path: &[usize]) -> &'t mut Table {
    let mut table = root;
    for &position in path {
        table = enter(table.item_mut(position));
    }
    table
}

/// The table `item` is, or the last table of the array of tables it is. Paths and descents
/// go only through those (an array of tables is never empty).
fn enter(item: &mut Item) -> &mut Table {
    match &mut item.value {
        Value::Table(table) => table,
        Value::Array(array) => match array.items.last_mut().map(|item| &mut item.value) {
            Some(Value::Table(table)) => table,
            _ => unreachable!("an array of tables holds tables"),
        },
        _ => unreachable!("only tables and arrays of tables are entered"),
    }
}

/// Walks a header's keys but the last from the root, making the tables that are not there
/// (as [`Origin::Implicit`]): the path, the depth and the table the last key goes into.
fn descend_for_header<'t>(
    text: &str,
    root: &'t mut Table,
    keys: &[(String, Span)],
) -> Result<(Path, usize, &'t mut Table), TomlError> {
    let mut table = root;
    let mut path = Vec::with_capacity(keys.len());
    let mut depth = 0;
    for (i, (key, span)) in keys[..keys.len() - 1].iter().enumerate() {
        depth += 1;
        if depth > MAX_DEPTH {
            return Err(too_deep(text, span.start));
        }
        let position = match table.position(key) {
            Some(position) => position,
            None => {
                let item = Item { value: Value::Table(Table::new(Origin::Implicit)), span: *span };
                table.push(key.clone(), *span, item)
            }
        };
        path.push(position);
        let existing = &table.entry_at(position).item;
        let refusal = match &existing.value {
            Value::Table(next) if next.origin == Origin::Inline => Some("an inline table"),
            Value::Table(_) => None,
            Value::Array(array) if array.of_tables => {
                depth += 1;
                None
            }
            other => Some(other.kind()),
        };
        if let Some(what) = refusal {
            let (first, name) = (place(text, existing.span.start), dotted_name(&keys[..=i]));
            let message = match what {
                "an inline table" => {
                    format!("`{name}` is an inline table ({first}), which cannot be extended")
                }
                kind => format!("`{name}` is {kind} ({first}), which a header cannot extend"),
            };
            return Err(TomlError::new(text, span.start, message));
        }
        table = enter(table.item_mut(position));
    }
    Ok((path, depth, table))
}

/// Puts `item` at the dotted `keys` of `table`, making the tables on the way (as
/// [`Origin::Dotted`]).
fn insert_dotted(
    text: &str,
    mut table: &mut Table,
    mut keys: Vec<(String, Span)>,
    item: Item,
) -> Result<(), TomlError> {
    for (i, (key, span)) in keys[..keys.len() - 1].iter().enumerate() {
        let position = match table.position(key) {
            Some(position) => position,
            None => {
                let item = Item { value: Value::Table(Table::new(Origin::Dotted)), span: *span };
                table.push(key.clone(), *span, item)
            }
        };
        let existing = &table.entry_at(position).item;
        let refusal = match &existing.value {
            Value::Table(next) if matches!(next.origin, Origin::Dotted | Origin::Implicit) => None,
            Value::Table(next) if next.origin == Origin::Inline => Some("an inline table"),
            Value::Table(_) => Some("a header's table"),
            other => Some(other.kind()),
        };
        // Messages are made only for an error: placing `first` reads the text up to it.
        if let Some(what) = refusal {
            let (first, name) = (place(text, existing.span.start), dotted_name(&keys[..=i]));
            let message = match what {
                "an inline table" => {
                    format!("`{name}` is an inline table ({first}), which cannot be extended")
                }
                "a header's table" => format!(
                    "table `{name}` is defined by a header ({first}); dotted keys cannot add to \
                     it from elsewhere"
                ),
                kind => {
                    format!("`{name}` is already {kind} ({first}), which dotted keys cannot extend")
                }
            };
            return Err(TomlError::new(text, span.start, message));
        }
        table = enter(table.item_mut(position));
        // Dotted keys added to it: no header may define it from now on.
        table.origin = Origin::Dotted;
    }
    let (key, span) = &keys[keys.len() - 1];
    if let Some(position) = table.position(key) {
        let first = table.entry_at(position).key_span.start;
        return Err(TomlError::new(
            text,
            span.start,
            format!("`{}` is defined twice (first at {})", dotted_name(&keys), place(text, first)),
        ));
    }
    let span = *span;
    let key = keys.pop().map(|(key, _)| key).unwrap_or_default();
    table.push(key, span, item);
    Ok(())
}

/// `a.b."c d"`, for messages.
fn dotted_name(keys: &[(String, Span)]) -> String {
    let parts: Vec<String> = keys
        .iter()
        .map(|(key, _)| {
            if !key.is_empty() && key.bytes().all(super::strings::is_bare) {
                key.clone()
            } else {
                format!("{key:?}")
            }
        })
        .collect();
    parts.join(".")
}

fn too_deep(text: &str, offset: usize) -> TomlError {
    TomlError::new(text, offset, format!("nested more than {MAX_DEPTH} levels deep"))
}
