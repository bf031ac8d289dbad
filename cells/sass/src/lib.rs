//! The sass cell's engine: a stylesheet compiled to CSS as Zola 0.22 compiles it (grass
//! 0.13.4, compressed output), reading the stylesheet and everything it imports through a
//! [`SassFiles`], so that the host knows (and tracks) every file a stylesheet read.
//!
//! [`compile`] takes a path relative to the site's root (`sass/main.scss`) and answers the
//! CSS with the stylesheet's `@warn`ings, or a [`SassError`] placed at its file, line and
//! column. Nothing a stylesheet holds makes it panic: grass is run under `catch_unwind`,
//! and a panic in it is an error naming the stylesheet; a file nesting brackets deeper
//! than grass's recursion can take (`nesting.rs`) is refused at the place it does. (A stylesheet can still loop for
//! ever, `@while true {}`, as in any Sass compiler: the binary bounds each compile's time.)
//!
//! # Example
//!
//! ```
//! use std::collections::HashMap;
//! use cell_sass::{SassFiles, compile};
//!
//! struct Files(HashMap<&'static str, &'static str>);
//! impl SassFiles for Files {
//!     fn read(&self, path: &str) -> Result<Option<String>, String> {
//!         Ok(self.0.get(path).map(|text| text.to_string()))
//!     }
//!     fn is_dir(&self, path: &str) -> Result<bool, String> {
//!         Ok(self.0.keys().any(|file| file.starts_with(&format!("{path}/"))))
//!     }
//! }
//!
//! let files = Files(HashMap::from([
//!     ("sass/main.scss", "@import 'colours';\nbody { color: $ink; }\n"),
//!     ("sass/_colours.scss", "$ink: #333333;\n"),
//!     ("sass/broken.scss", "a {\n  color: ;\n}\n"),
//! ]));
//! assert_eq!(compile("sass/main.scss", &files)?.css, "body{color:#333}");
//!
//! let error = compile("sass/broken.scss", &files).unwrap_err();
//! assert_eq!((error.file.as_str(), error.line, error.column), ("sass/broken.scss", Some(2), Some(9)));
//! assert_eq!(error.to_string(), "sass/broken.scss:2:9: Expected expression.");
//! # Ok::<(), cell_sass::SassError>(())
//! ```
#![deny(missing_docs)]

mod files;
mod nesting;

use std::cell::RefCell;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use cell_proto::{CompiledCss, SassProblem};

/// The stack [`compile`] should run on (the binary gives each compile a thread with it): grass
/// recurses once per nesting level of a stylesheet, up to the bound `compile` checks, and
/// once per call of a Sass function or mixin. Address space reserved, touched only as deep as
/// a stylesheet goes.
pub const COMPILE_STACK: usize = 256 << 20;

/// The files a stylesheet may read, by path relative to the site's root (`sass/_base.scss`).
/// `Err` is a failure to ask (the link to the host), not a missing file.
pub trait SassFiles {
    /// The text of the Sass file at `path`, or `None` when there is none.
    fn read(&self, path: &str) -> Result<Option<String>, String>;
    /// Whether some Sass file lies under the directory `path`.
    fn is_dir(&self, path: &str) -> Result<bool, String>;
}

/// Why a stylesheet did not compile, placed in the file it is in (the stylesheet or one it
/// imports) where grass knows the place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SassError {
    /// The file, relative to the site's root.
    pub file: String,
    /// Its line, from 1.
    pub line: Option<u32>,
    /// Its column, from 1, in characters.
    pub column: Option<u32>,
    /// What is wrong (grass's message).
    pub message: String,
}

impl SassError {
    /// The error as the sass service sends it.
    pub fn to_problem(&self) -> SassProblem {
        SassProblem {
            file: self.file.clone(),
            line: self.line,
            column: self.column,
            message: self.message.clone(),
        }
    }

    fn in_file(file: &str, message: impl Into<String>) -> SassError {
        SassError { file: file.to_string(), line: None, column: None, message: message.into() }
    }
}

impl fmt::Display for SassError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for SassError {}

/// `@warn` and `@debug` messages, with their places, for the compile's answer (Zola's
/// grass prints them on its standard error).
#[derive(Debug, Default)]
struct Messages(RefCell<Vec<String>>);

impl grass::Logger for Messages {
    fn debug(&self, location: codemap::SpanLoc, message: &str) {
        let file = files::site_name(location.file.name());
        let line = location.begin.line + 1;
        self.0.borrow_mut().push(format!("{file}:{line}: debug: {message}"));
    }

    fn warn(&self, location: codemap::SpanLoc, message: &str) {
        let file = files::site_name(location.file.name());
        let (line, column) = (location.begin.line + 1, location.begin.column + 1);
        self.0.borrow_mut().push(format!("{file}:{line}:{column}: warning: {message}"));
    }
}

/// Compiles the stylesheet at `path` (relative to the site's root; `.sass` is the indented
/// syntax, anything else SCSS) as Zola does: grass's compressed style, imports resolved
/// against the importing file's directory, read through `files`.
///
/// # Errors
///
/// A [`SassError`] at the file, line and column grass reports (in `path` or a file it
/// imports); a failure of `files` itself; a panic of grass, named as one.
pub fn compile(path: &str, files: &dyn SassFiles) -> Result<CompiledCss, SassError> {
    let fs = files::HostFs::new(files);
    let messages = Messages::default();
    let options =
        grass::Options::default().style(grass::OutputStyle::Compressed).fs(&fs).logger(&messages);
    // grass is not unwind safe as a whole, but nothing of its state outlives the call: the
    // file system's and the logger's answers are only read if it returned.
    let compiled = catch_unwind(AssertUnwindSafe(|| grass::from_path(Path::new(path), &options)));
    if let Some(failure) = fs.failure.borrow_mut().take() {
        return Err(SassError::in_file(path, format!("could not read from the host: {failure}")));
    }
    if let Some((file, line, column)) = fs.too_deep.borrow_mut().take() {
        let message = format!(
            "brackets nested more than {} deep; the compiler would overflow its stack",
            nesting::MAX_DEPTH
        );
        return Err(SassError { file, line: Some(line), column: Some(column), message });
    }
    match compiled {
        Ok(Ok(css)) => Ok(CompiledCss { css, warnings: messages.0.take() }),
        Ok(Err(error)) => Err(placed(path, *error)),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(SassError::in_file(
                path,
                format!("the Sass compiler failed on it (a bug in grass: {what})"),
            ))
        }
    }
}

/// grass's error, placed in its file (relative to the site's root).
fn placed(path: &str, error: grass::Error) -> SassError {
    match error.kind() {
        grass::ErrorKind::ParseError { message, loc, .. } => SassError {
            file: files::site_name(loc.file.name()),
            line: u32::try_from(loc.begin.line + 1).ok(),
            column: u32::try_from(loc.begin.column + 1).ok(),
            message,
        },
        grass::ErrorKind::IoError(error) if error.kind() == std::io::ErrorKind::NotFound => {
            SassError::in_file(path, "no such stylesheet")
        }
        grass::ErrorKind::IoError(error) => SassError::in_file(path, error.to_string()),
        grass::ErrorKind::FromUtf8Error(message) => SassError::in_file(path, message),
        _ => SassError::in_file(path, "the Sass compiler failed on it"),
    }
}

#[cfg(test)]
mod tests;
