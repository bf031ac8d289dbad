//! BibTeX read as Zola 0.22 reads it: parsed by `nom-bibtex` 0.6.0 (its entries, as
//! `Bibtex::raw_parse` gives them), then assembled into Zola's value by the rules of
//! `Bibtex::parse` and Zola's `load_bibtex` (written here from their behaviour and checked
//! against Zola's output, not copied):
//!
//! ```text
//! {"preambles": ["..."], "comments": ["..."], "variables": {"name": "value"},
//!  "bibliographies": [{"entry_type": "article", "citation_key": "knuth84",
//!                      "tags": {"title": "..."}}]}
//! ```
//!
//! - `comments`: each `@comment{...}`, and each run of text outside entries, trimmed.
//! - `preambles`: each `@preamble{...}`, its parts joined (`"a" # var`).
//! - `variables`: each `@string{name = value}` by its name as written, its value expanded:
//!   a name in a value is the *first* `@string` of that name in the file (before or after),
//!   expanded in turn. One naming a variable that does not exist is left out; of two of one
//!   name, the later wins.
//! - `bibliographies`: each other entry, its type and citation key as written, its tags by
//!   their names lower-cased (of two, the later wins), each value's parts joined, a name in
//!   it being the variable of that name, else a month (`jan` is `January`, ...); a tag
//!   naming neither is left out.
//! - Every leaf is a string (`year = 1984` is `"1984"`).
//!
//! Zola's `variables` and `tags` come from `HashMap`s, in an order that changes from one
//! run to the next; ours keep the file's order (of each name's first appearance).
//!
//! Errors: a text nom-bibtex does not parse, at the line and column where its error points
//! (the start of the entry it could not read); a `@preamble` naming a variable that does
//! not exist. Hostile texts, which would make nom-bibtex (and Zola) recurse without end or
//! build strings of exponential size, are refused: `@string`s that refer to each other in a
//! loop or more than [`MAX_CHAIN`] deep, and expansions beyond [`budget`]. A long run of
//! white space at the end of the text is cut to its last character first: nom-bibtex trims
//! the rest of the text once per entry, which would cost entries × spaces (its result is the
//! same: the run only ever ends a comment, or is trimmed away).

use std::borrow::Cow;
use std::collections::HashMap;

use nom_bibtex::model::{KeyValue, StringValueType};
use nom_bibtex::{Bibtex, Entry};

use crate::{ReadError, Value};

/// The months a tag may name without a variable, as nom-bibtex defines them.
const MONTHS: [(&str, &str); 12] = [
    ("jan", "January"),
    ("feb", "February"),
    ("mar", "March"),
    ("apr", "April"),
    ("may", "May"),
    ("jun", "June"),
    ("jul", "July"),
    ("aug", "August"),
    ("sep", "September"),
    ("oct", "October"),
    ("nov", "November"),
    ("dec", "December"),
];

/// Deepest chain of `@string`s naming each other.
pub(crate) const MAX_CHAIN: usize = 256;

/// How many bytes of expanded strings a text of `len` bytes may make: sixteen times its
/// size, and at least 1 MiB.
pub(crate) fn budget(len: usize) -> usize {
    len.saturating_mul(16).max(1 << 20)
}

/// `text` read (see the module's documentation).
pub(crate) fn read(text: &str) -> Result<Value, ReadError> {
    let entries = Bibtex::raw_parse(&shorten_trailing_space(text))
        .map_err(|error| parse_error(&error.to_string()))?;
    let variables: Vec<&KeyValue> = entries
        .iter()
        .filter_map(|entry| match entry {
            Entry::Variable(variable) => Some(variable),
            _ => None,
        })
        .collect();
    let mut expander = Expander::new(&variables, budget(text.len()));
    let mut values = Map::default();
    for (at, variable) in variables.iter().enumerate() {
        if let Some(value) = expander.variable(at, 0)? {
            values.insert(variable.key.clone(), value.to_string());
        }
    }
    let (mut preambles, mut comments, mut bibliographies) = (Vec::new(), Vec::new(), Vec::new());
    for entry in &entries {
        match entry {
            Entry::Variable(_) => {}
            Entry::Comment(comment) => comments.push(Value::String(comment.clone())),
            Entry::Preamble(parts) => match expander.value(parts, &values)? {
                Ok(preamble) => preambles.push(Value::String(preamble)),
                Err(name) => {
                    return Err(ReadError::new(
                        format!("a @preamble names `{name}`, which no @string defines"),
                        None,
                    ));
                }
            },
            Entry::Bibliography(entry_type, citation_key, tags) => {
                let mut map = Map::default();
                for tag in tags {
                    if let Ok(value) = expander.value(&tag.value, &values)? {
                        map.insert(tag.key.to_lowercase(), value);
                    }
                }
                bibliographies.push(Value::map([
                    ("entry_type", Value::from(entry_type.as_str())),
                    ("citation_key", Value::from(citation_key.as_str())),
                    ("tags", map.into_value()),
                ]));
            }
        }
    }
    Ok(Value::map([
        ("preambles", Value::List(preambles)),
        ("comments", Value::List(comments)),
        ("variables", values.into_value()),
        ("bibliographies", Value::List(bibliographies)),
    ]))
}

/// A map of strings in the order of each key's first insertion, a later value replacing
/// an earlier one in its place.
#[derive(Default)]
struct Map {
    entries: Vec<(String, String)>,
    index: HashMap<String, usize>,
}

impl Map {
    fn insert(&mut self, key: String, value: String) {
        match self.index.get(&key) {
            Some(&at) => self.entries[at].1 = value,
            None => {
                self.index.insert(key.clone(), self.entries.len());
                self.entries.push((key, value));
            }
        }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.index.get(key).map(|&at| self.entries[at].1.as_str())
    }

    fn into_value(self) -> Value {
        Value::Map(self.entries.into_iter().map(|(k, v)| (k, Value::String(v))).collect())
    }
}

/// Where a variable's expansion stands.
#[derive(Clone)]
enum State {
    Unseen,
    /// Being expanded: met again, it is a loop.
    Expanding,
    /// Its value, or `None` if it names a variable that does not exist.
    Done(Option<std::rc::Rc<str>>),
}

/// Expands values, each variable once, within a budget of bytes.
struct Expander<'a> {
    variables: &'a [&'a KeyValue],
    /// Each name's first variable.
    first: HashMap<&'a str, usize>,
    states: Vec<State>,
    budget: usize,
}

impl<'a> Expander<'a> {
    fn new(variables: &'a [&'a KeyValue], budget: usize) -> Expander<'a> {
        let mut first = HashMap::new();
        for (at, variable) in variables.iter().enumerate() {
            first.entry(variable.key.as_str()).or_insert(at);
        }
        let states = vec![State::Unseen; variables.len()];
        Expander { variables, first, states, budget }
    }

    /// Takes `len` bytes from the budget.
    fn spend(&mut self, len: usize) -> Result<(), ReadError> {
        self.budget = self.budget.checked_sub(len).ok_or_else(|| {
            ReadError::new(
                "the @string variables expand to more text than the file could hold (each \
                 use copies the variable's value; refused, as a way to exhaust memory)",
                None,
            )
        })?;
        Ok(())
    }

    /// The variable at `at` expanded (`None` if it names one that does not exist), `depth`
    /// variables down.
    fn variable(&mut self, at: usize, depth: usize) -> Result<Option<std::rc::Rc<str>>, ReadError> {
        match &self.states[at] {
            State::Done(value) => return Ok(value.clone()),
            State::Expanding => {
                let name = &self.variables[at].key;
                return Err(ReadError::new(
                    format!(
                        "the @string `{name}` refers to itself, through other @strings or directly"
                    ),
                    None,
                ));
            }
            State::Unseen => {}
        }
        if depth >= MAX_CHAIN {
            return Err(ReadError::new(
                format!("@string variables refer to each other more than {MAX_CHAIN} deep"),
                None,
            ));
        }
        self.states[at] = State::Expanding;
        let mut value = String::new();
        let mut found = true;
        for part in &self.variables[at].value {
            let piece = match part {
                StringValueType::Str(text) => std::rc::Rc::from(text.as_str()),
                StringValueType::Abbreviation(name) => {
                    match self.first.get(name.as_str()).copied() {
                        Some(next) => match self.variable(next, depth + 1)? {
                            Some(piece) => piece,
                            None => {
                                found = false;
                                break;
                            }
                        },
                        None => {
                            found = false;
                            break;
                        }
                    }
                }
            };
            self.spend(piece.len())?;
            value.push_str(&piece);
        }
        let value = found.then(|| std::rc::Rc::from(value));
        self.states[at] = State::Done(value.clone());
        Ok(value)
    }

    /// A tag's or preamble's value, its names read in `variables`, else as months;
    /// `Ok(Err(name))` for a name that is neither.
    fn value(
        &mut self,
        parts: &[StringValueType],
        variables: &Map,
    ) -> Result<Result<String, String>, ReadError> {
        let mut value = String::new();
        for part in parts {
            let piece = match part {
                StringValueType::Str(text) => text.as_str(),
                StringValueType::Abbreviation(name) => match variables.get(name) {
                    Some(piece) => piece,
                    None => match MONTHS.iter().find(|(short, _)| short == name) {
                        Some((_, month)) => month,
                        None => return Ok(Err(name.clone())),
                    },
                },
            };
            self.spend(piece.len())?;
            value.push_str(piece);
        }
        Ok(Ok(value))
    }
}

/// `text` with a long run of white space at its end cut to the run's last character (see
/// the module's documentation).
fn shorten_trailing_space(text: &str) -> Cow<'_, str> {
    let trimmed = text.trim_end().len();
    match text[trimmed..].chars().next_back() {
        Some(last) if text.len() - trimmed > 1024 => {
            let mut shortened = String::with_capacity(trimmed + last.len_utf8());
            shortened.push_str(&text[..trimmed]);
            shortened.push(last);
            Cow::Owned(shortened)
        }
        _ => Cow::Borrowed(text),
    }
}

/// nom-bibtex's error (its `Display`: `Parsing error. Reason: ` and nom's report, whose
/// first block is `0: at line N, in Kind:`, the line, and a caret under the column) as a
/// message at that line and column.
fn parse_error(error: &str) -> ReadError {
    let report = error.strip_prefix("Parsing error. Reason: ").unwrap_or(error);
    let mut lines = report.lines();
    let head = lines.next().unwrap_or_default();
    let line_number = head
        .strip_prefix("0: at line ")
        .map(|rest| rest.split([',', ':']).next().unwrap_or_default())
        .and_then(|n| n.trim().parse::<u32>().ok());
    let kind = head.split_once(", in ").map(|(_, kind)| kind.trim_end_matches(':').to_string());
    let quoted = lines.next().unwrap_or_default();
    let caret = lines.next().unwrap_or_default();
    let expected = lines.next().filter(|l| l.starts_with("expected ")).map(str::to_string);
    let position = line_number.map(|line| {
        // The caret's byte column in the line as nom quoted it, in characters.
        let byte = caret.len().saturating_sub(1);
        let column = quoted.get(..byte).map_or(byte, |before| before.chars().count()) + 1;
        (line, column as u32)
    });
    let detail = expected.or(kind).unwrap_or_else(|| report.trim().to_string());
    ReadError::new(
        format!(
            "an entry that does not parse as BibTeX (check its braces, quotes, commas and \
             `name = value` tags; nom-bibtex: {detail})"
        ),
        position,
    )
}
