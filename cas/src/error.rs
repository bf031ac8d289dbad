//! The crate's one error type.
//!
//! Every failure carries what the store was doing ("write a temporary file") and, when a file was
//! involved, its path, so that a message printed by the host names the file to look at.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// The result type of every fallible operation in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error from the store: an I/O failure on a named file, or invalid input from the caller.
///
/// Conditions that the store can repair by itself (a corrupt `cas.db`, a version mismatch, a
/// corrupt blob) are not errors: they are reported as [`Warning`](crate::Warning)s or in a
/// [`VerifyReport`](crate::VerifyReport).
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    path: Option<PathBuf>,
    source: Option<io::Error>,
}

/// What kind of error happened.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A file-system operation failed. [`Error::io_error`] has the cause and [`Error::path`]
    /// the file; `action` says what the store was doing, e.g. `"rename a blob into place"`.
    Io {
        /// What the store was doing, as a verb phrase.
        action: &'static str,
    },
    /// A string given as a [`ContentHash`](crate::ContentHash) is not 64 characters long.
    HashLength {
        /// The number of characters found.
        found: usize,
    },
    /// A string given as a [`ContentHash`](crate::ContentHash) holds a character that is not a
    /// hex digit.
    HashDigit {
        /// The offending character.
        found: char,
        /// Its position (in characters) in the string.
        index: usize,
    },
    /// An extension given to [`Cas::link_extension`](crate::Cas::link_extension) is empty, too
    /// long or holds a character other than an ASCII letter or digit.
    InvalidExtension {
        /// The extension as given.
        extension: String,
    },
    /// An operation needed a blob that is not in the store.
    MissingBlob {
        /// The blob's hash, in hex.
        hash: String,
    },
}

impl Error {
    /// An I/O error while doing `action` on `path`.
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Error {
        Error { kind: ErrorKind::Io { action }, path: Some(path.into()), source: Some(source) }
    }

    /// An I/O error that concerns no file of ours (reading the caller's `Read`).
    pub(crate) fn io_without_path(action: &'static str, source: io::Error) -> Error {
        Error { kind: ErrorKind::Io { action }, path: None, source: Some(source) }
    }

    /// An error of `kind` that has no underlying I/O error.
    pub(crate) fn new(kind: ErrorKind) -> Error {
        Error { kind, path: None, source: None }
    }

    /// Attaches the path that an error concerns.
    pub(crate) fn with_path(mut self, path: impl Into<PathBuf>) -> Error {
        self.path = Some(path.into());
        self
    }

    /// What kind of error this is.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The file this error concerns, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The underlying I/O error, for [`ErrorKind::Io`].
    pub fn io_error(&self) -> Option<&io::Error> {
        self.source.as_ref()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::Io { action } => {
                write!(f, "failed to {action}")?;
                if let Some(path) = &self.path {
                    write!(f, " '{}'", path.display())?;
                }
                if let Some(source) = &self.source {
                    write!(f, ": {source}")?;
                }
                Ok(())
            }
            ErrorKind::HashLength { found } => {
                write!(f, "invalid content hash: expected 64 hex digits, found {found} characters")
            }
            ErrorKind::HashDigit { found, index } => write!(
                f,
                "invalid content hash: {found:?} at position {index} is not a hex digit \
                 (expected 0-9 or a-f)"
            ),
            ErrorKind::InvalidExtension { extension } => write!(
                f,
                "invalid blob extension {extension:?}: use 1 to 16 ASCII letters or digits, \
                 without the leading dot"
            ),
            ErrorKind::MissingBlob { hash } => {
                write!(f, "blob {hash} is not in the store (put it first)")?;
                if let Some(path) = &self.path {
                    write!(f, "; looked for '{}'", path.display())?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_error_message_names_the_action_and_the_file() {
        let err = Error::io(
            "write a temporary file",
            "/x/tmp/1.tmp",
            io::Error::from(io::ErrorKind::PermissionDenied),
        );
        let message = err.to_string();
        assert!(message.starts_with("failed to write a temporary file '/x/tmp/1.tmp': "));
        assert!(std::error::Error::source(&err).is_some());
    }

    #[test]
    fn messages_are_lower_case() {
        let errors = [
            Error::new(ErrorKind::HashLength { found: 3 }),
            Error::new(ErrorKind::HashDigit { found: 'g', index: 2 }),
            Error::new(ErrorKind::InvalidExtension { extension: ".png".into() }),
            Error::new(ErrorKind::MissingBlob { hash: "ab".into() }),
        ];
        for err in errors {
            let first = err.to_string().chars().next().unwrap();
            assert!(first.is_lowercase(), "{err}");
        }
    }
}
