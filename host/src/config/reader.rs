//! Typed reads of the config's TOML, each error or warning placed at the key or value it is
//! about.

use crate::SiteError;
use crate::toml::{Entry, Item, Table, Value};

/// The config file being read: its name and text (for positions), and the warnings so far.
pub(super) struct Reader<'a> {
    pub(super) file: &'a str,
    pub(super) text: &'a str,
    pub(super) warnings: Vec<String>,
}

impl<'a> Reader<'a> {
    pub(super) fn new(file: &'a str, text: &'a str) -> Reader<'a> {
        Reader { file, text, warnings: Vec::new() }
    }

    /// An error at byte `offset`.
    pub(super) fn error(&self, offset: usize, message: impl Into<String>) -> SiteError {
        let (line, column) = crate::toml::line_column(self.text, offset);
        SiteError::in_file(self.file, message).at(self.text, line, Some(column))
    }

    /// A warning at byte `offset`: `file:line:column: message`.
    pub(super) fn warn(&mut self, offset: usize, message: impl AsRef<str>) {
        let (line, column) = crate::toml::line_column(self.text, offset);
        self.warnings.push(format!("{}:{line}:{column}: {}", self.file, message.as_ref()));
    }

    /// The error for `item` (the value of `name`) not being `expected`.
    pub(super) fn wrong_type(&self, item: &Item, name: &str, expected: &str) -> SiteError {
        self.error(
            item.span.start,
            format!("`{name}` must be {expected}, not {}", item.value.kind()),
        )
    }

    /// The error for an element of the array `name` not being `expected`.
    pub(super) fn wrong_element(&self, item: &Item, name: &str, expected: &str) -> SiteError {
        self.error(
            item.span.start,
            format!("each of `{name}` must be {expected}, not {}", item.value.kind()),
        )
    }

    pub(super) fn string(&self, item: &Item, name: &str) -> Result<String, SiteError> {
        match &item.value {
            Value::String(s) => Ok(s.clone()),
            _ => Err(self.wrong_type(item, name, "a string")),
        }
    }

    pub(super) fn boolean(&self, item: &Item, name: &str) -> Result<bool, SiteError> {
        match item.value {
            Value::Boolean(b) => Ok(b),
            _ => Err(self.wrong_type(item, name, "true or false")),
        }
    }

    /// A non-negative integer.
    pub(super) fn count(&self, item: &Item, name: &str) -> Result<u64, SiteError> {
        match item.value {
            Value::Integer(i) if i >= 0 => Ok(i as u64),
            Value::Integer(i) => {
                Err(self.error(item.span.start, format!("`{name}` must not be negative ({i})")))
            }
            _ => Err(self.wrong_type(item, name, "a whole number")),
        }
    }

    /// An array of strings.
    pub(super) fn strings(&self, item: &Item, name: &str) -> Result<Vec<String>, SiteError> {
        let Value::Array(array) = &item.value else {
            return Err(self.wrong_type(item, name, "an array of strings"));
        };
        array
            .items
            .iter()
            .map(|element| match &element.value {
                Value::String(s) => Ok(s.clone()),
                _ => Err(self.wrong_element(element, name, "a string")),
            })
            .collect()
    }

    pub(super) fn table<'t>(&self, item: &'t Item, name: &str) -> Result<&'t Table, SiteError> {
        match &item.value {
            Value::Table(table) => Ok(table),
            _ => Err(self.wrong_type(item, name, "a table")),
        }
    }

    /// A string that must be one of `choices`.
    pub(super) fn choice(
        &self,
        item: &Item,
        name: &str,
        choices: &[&str],
    ) -> Result<String, SiteError> {
        let value = self.string(item, name)?;
        if choices.contains(&value.as_str()) {
            return Ok(value);
        }
        let listed: Vec<String> = choices.iter().map(|c| format!("\"{c}\"")).collect();
        Err(self.error(
            item.span.start,
            format!("`{name}` must be one of {}, not \"{value}\"", listed.join(", ")),
        ))
    }

    /// The error for a key of `table_name` (`None`: the top level) that is not one of
    /// `known`, with the likely one if it is a typo.
    pub(super) fn unknown(
        &self,
        entry: &Entry,
        table_name: Option<&str>,
        known: &[&str],
    ) -> SiteError {
        self.error(entry.key_span.start, unknown_message(&entry.key, table_name, known))
    }

    /// A warning for a key of `table_name` that Zola ignores (and so do we).
    pub(super) fn warn_unknown(&mut self, entry: &Entry, table_name: &str, known: &[&str]) {
        let message = unknown_message(&entry.key, Some(table_name), known);
        self.warn(entry.key_span.start, format!("{message}; ignored, as Zola ignores it"));
    }
}

fn unknown_message(key: &str, table_name: Option<&str>, known: &[&str]) -> String {
    let hint =
        did_you_mean(key, known).map(|k| format!(" (did you mean `{k}`?)")).unwrap_or_default();
    match table_name {
        None => format!("unknown key `{key}`{hint}; your own keys go under `[extra]`"),
        Some(table) => format!("unknown key `{key}` in `[{table}]`{hint}"),
    }
}

/// The key of `known` closest to `key`, if it is a likely typo (two edits at most).
pub(crate) fn did_you_mean<'k>(key: &str, known: &[&'k str]) -> Option<&'k str> {
    known
        .iter()
        .copied()
        .map(|k| (edit_distance(k, key), k))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb)).min(row[j] + 1).min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}
