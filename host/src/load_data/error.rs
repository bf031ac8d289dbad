//! Why a `load_data` call fails before any file is read: its arguments, or the path.

use std::fmt;

/// The directories `load_data` reads, for messages.
pub(crate) const READ_DIRECTORIES: &str = "content/, data/ and static/";

/// A `load_data` call refused. Printed after `load_data: `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LoadDataError {
    /// Not exactly one of `path`, `url`, `literal`; or an argument of the wrong type (the
    /// message says which).
    Arguments(String),
    /// `format=` names no format.
    UnknownFormat(String),
    /// `url=`: the host reads no network.
    Url(String),
    /// A path that leaves the site (`../x`).
    LeavesSite(String),
    /// A path into a directory of the site `load_data` does not read (`templates/`, the
    /// output directory, ...), or the config file.
    Untracked {
        /// The path as given.
        path: String,
        /// What it names (`templates/`, `the config file`).
        what: String,
    },
    /// No file at the path: each place looked at, in order.
    Missing {
        /// The path as given.
        path: String,
        tried: Vec<String>,
    },
}

impl fmt::Display for LoadDataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadDataError::Arguments(message) => f.write_str(message),
            LoadDataError::UnknownFormat(name) => write!(
                f,
                "unknown format `{name}` (the formats are toml, json, yaml, csv, bibtex, xml \
                 and plain)"
            ),
            LoadDataError::Url(url) => write!(
                f,
                "`url={url}`: dodeca-host does not fetch from the network (a build depends \
                 only on the site's files, so that it knows when to build again); download \
                 the file into data/ and load it with `path=`"
            ),
            LoadDataError::LeavesSite(path) => write!(
                f,
                "`{path}` leaves the site; load_data reads files under {READ_DIRECTORIES}"
            ),
            LoadDataError::Untracked { path, what } => write!(
                f,
                "`{path}` is in {what}, which load_data does not read: it reads files under \
                 {READ_DIRECTORIES}, whose changes the host tracks (move the file into data/)"
            ),
            LoadDataError::Missing { path, tried } => write!(
                f,
                "`{path}` doesn't exist (looked for {}); load_data reads files under \
                 {READ_DIRECTORIES}; `required=false` gives null for a missing file",
                tried.join(", ")
            ),
        }
    }
}

impl std::error::Error for LoadDataError {}
