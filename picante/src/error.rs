//! The one error type of the runtime.

use std::error::Error;
use std::fmt;
use std::sync::Arc;

use crate::QueryKindId;

/// What every fallible runtime operation returns. Errors are shared (`Arc`) because one
/// poisoned memo hands the same error to every caller in its revision.
pub type PicanteResult<T> = Result<T, Arc<PicanteError>>;

/// One query in a cycle path or a panic report: its kind, ingredient name and key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryLabel {
    /// The ingredient's kind.
    pub kind: QueryKindId,
    /// The ingredient's name, as given to its constructor.
    pub name: &'static str,
    /// The key, rendered with its `Debug` form (through facet).
    pub key: String,
}

impl fmt::Display for QueryLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name, self.key)
    }
}

/// Why a query failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum PicanteError {
    /// A query needed its own result, directly or through other queries (possibly running on
    /// other threads). `path` starts and ends with the same query.
    Cycle {
        /// The queries of the cycle, in the order they waited on each other.
        path: Vec<QueryLabel>,
    },
    /// A query's compute function panicked. The panic was caught; the memo is poisoned for
    /// this revision and retried at a later one.
    Panic {
        /// The query that panicked.
        query: QueryLabel,
        /// The panic payload, when it was a string.
        message: String,
    },
    /// An [`InternId`](crate::InternId) that this ingredient never handed out.
    UnknownInternId {
        /// The interned ingredient's name.
        ingredient: &'static str,
        /// The id asked for.
        id: u32,
    },
    /// An input write (a `set`, or an [`InputBatch`](crate::InputBatch)) was refused because
    /// comparing a new value with the current one panicked. Nothing of the write or batch was
    /// published; the database is as it was.
    WritePanic {
        /// The input ingredient's name.
        input: &'static str,
        /// The panic payload, when it was a string.
        message: String,
    },
    /// An input entity made by `#[picante::input]` was read, but its ingredient holds no
    /// value for it (its data was never set under this database, or was removed).
    MissingInput {
        /// The input ingredient's name.
        input: &'static str,
        /// The entity's key, rendered with its `Debug` form (through facet).
        key: String,
    },
    /// Saving or loading a cache file failed (see [`persist`](crate::persist)).
    Cache {
        /// What went wrong, naming the file.
        message: String,
    },
    /// An error produced by a compute function itself.
    Query(Box<dyn Error + Send + Sync>),
    /// Seen only inside compute functions: an input changed while this computation ran, so it
    /// has read two revisions. Its result is discarded whatever it returns, and the outermost
    /// `get` reruns it at the new revision; propagate this error with `?`.
    Superseded,
}

impl PicanteError {
    /// Wraps an application error so that a compute function can return it.
    ///
    /// # Examples
    ///
    /// ```
    /// use picante::PicanteError;
    /// let err = PicanteError::query(std::io::Error::other("disk on fire"));
    /// assert_eq!(err.to_string(), "disk on fire");
    /// ```
    pub fn query(error: impl Into<Box<dyn Error + Send + Sync>>) -> Arc<PicanteError> {
        Arc::new(PicanteError::Query(error.into()))
    }

    /// The cycle path, if this is a cycle error.
    pub fn cycle_path(&self) -> Option<&[QueryLabel]> {
        match self {
            PicanteError::Cycle { path } => Some(path),
            _ => None,
        }
    }

    /// Whether this error is (or wraps, through [`PicanteError::Query`]) a cycle.
    pub fn is_cycle(&self) -> bool {
        matches!(self, PicanteError::Cycle { .. })
    }
}

impl fmt::Display for PicanteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PicanteError::Cycle { path } => {
                write!(f, "dependency cycle: ")?;
                for (i, label) in path.iter().enumerate() {
                    if i > 0 {
                        write!(f, " -> ")?;
                    }
                    write!(f, "{label}")?;
                }
                write!(f, " (a query needs its own result; break the cycle in its inputs)")
            }
            PicanteError::Panic { query, message } => {
                write!(f, "query {query} panicked: {message}")
            }
            PicanteError::UnknownInternId { ingredient, id } => {
                write!(f, "interned ingredient {ingredient} has no value with id {id}")
            }
            PicanteError::WritePanic { input, message } => write!(
                f,
                "writing input `{input}`: comparing the new value with the current one panicked \
                 ({message}); nothing of the write was published"
            ),
            PicanteError::MissingInput { input, key } => {
                write!(f, "input `{input}` has no value for {key}")
            }
            PicanteError::Cache { message } => f.write_str(message),
            PicanteError::Query(inner) => write!(f, "{inner}"),
            PicanteError::Superseded => {
                write!(f, "an input changed while this query ran; it will be rerun")
            }
        }
    }
}

impl Error for PicanteError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            PicanteError::Query(inner) => inner.source(),
            _ => None,
        }
    }
}
