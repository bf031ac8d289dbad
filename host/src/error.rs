//! The two kinds of failure. A [`SiteError`] is a problem with the site's content (bad front
//! matter, a template error): the build reports it, writes every other page and exits 1. A
//! [`HostError`] is a failure of the builder itself (an unreadable site, a refused output
//! directory, a missing cell binary, a cache that cannot be saved): the build stops and the
//! CLI exits 2. Cell failures travel through queries as a typed [`CellError`] and are told
//! apart by type, never by their message.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use crate::cells::CellError;

/// A problem with the site (not with the builder): bad front matter, a template error, a
/// broken internal link, a missing template. Printed as `file:line:column: message`, then the
/// line with a marker under the column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteError {
    /// The file, relative to the site root.
    pub file: PathBuf,
    /// 1-based line, if known.
    pub line: Option<u32>,
    /// 1-based column, if known.
    pub column: Option<u32>,
    /// What is wrong, and what to do about it where that is clear.
    pub message: String,
    /// The offending line of the file, when known.
    pub snippet: Option<String>,
}

impl SiteError {
    /// An error about `file` as a whole.
    pub fn in_file(file: impl Into<PathBuf>, message: impl Into<String>) -> SiteError {
        SiteError {
            file: file.into(),
            line: None,
            column: None,
            message: message.into(),
            snippet: None,
        }
    }

    /// Places the error at `line`:`column` of `text` (the file's contents), with the snippet.
    pub fn at(mut self, text: &str, line: u32, column: Option<u32>) -> SiteError {
        self.line = Some(line);
        self.column = column;
        self.snippet = text.lines().nth(line.saturating_sub(1) as usize).map(str::to_string);
        self
    }
}

impl fmt::Display for SiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A file name may hold a newline or another control character: shown escaped, so
        // the message stays one line per error and says exactly which file.
        for c in self.file.display().to_string().chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)?;
        if let Some(snippet) = &self.snippet {
            write!(f, "\n    | {snippet}")?;
            if let Some(column) = self.column {
                let pad: String = snippet
                    .chars()
                    .take(column.saturating_sub(1) as usize)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                write!(f, "\n    | {pad}^")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for SiteError {}

/// A failure of the build machinery itself (not of the site's content).
#[derive(Debug)]
#[non_exhaustive]
pub enum HostError {
    /// A file system operation on `path` failed (`path` is empty when the action names what
    /// it was done to).
    Io {
        /// What was being done: `read`, `write`, `create`, `remove`, `resolve`, ...
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The output directory is refused before anything is written or removed.
    OutputRefused {
        /// The directory as it was given, and where (`-o …` or `output_dir = …`).
        named: String,
        /// What is wrong with it.
        why: String,
    },
    /// A directory on the way to an output is not a real directory (a symbolic link or a
    /// file): outputs are written only into real directories.
    OutputNotReal {
        /// The output that was to be written.
        output: PathBuf,
        /// The directory on its way that is not real.
        dir: PathBuf,
    },
    /// The directory has no config file (`config.toml` or `dodeca.toml`).
    NotASite(PathBuf),
    /// The directory has both `config.toml` and `dodeca.toml`.
    TwoConfigs(PathBuf),
    /// `init` was asked to create a site in a directory that has files already.
    NotEmpty(PathBuf),
    /// A file name under the site that is not UTF-8.
    FileName(PathBuf),
    /// A symbolic link in the site that cannot be followed: dangling, pointing outside the
    /// site, or making the scan loop or list files twice. The message names it and why.
    Link(String),
    /// A path given as a content file (by a watcher) that is not one.
    NotContent(String),
    /// `graph` or `cache gc` needs the database the last build saved, and there is none this
    /// host can use (the reason says why).
    NoSavedDatabase {
        /// The database file.
        path: PathBuf,
        /// Why it cannot be used.
        why: String,
    },
    /// A route (`graph ROUTE`, `--explain ROUTE`) that no content file has.
    NoRoute(String),
    /// The config file is invalid.
    Config(SiteError),
    /// The cache (`.cache/`) could not be opened, read, stored into or saved.
    Cache {
        /// What was being done, with the path where there is one.
        action: String,
        /// Why it failed.
        source: cas::Error,
    },
    /// A static file's or co-located asset's bytes (named by its path in the site) were
    /// deleted from the cache while the site was open.
    StaticVanished(String),
    /// A cell cannot be started or called.
    Cell(CellError),
    /// A query failed for a reason that is not the site's (a cycle, a panic in the builder).
    Query(Arc<picante::PicanteError>),
    /// The background save of the cache after the last build panicked.
    SavePanicked,
    /// The saved database could not be written, or loaded into a site already in use.
    SavedDatabase(Arc<picante::PicanteError>),
}

impl HostError {
    /// A failed file system `action` on `path`.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        HostError::Io { action, path: path.into(), source }
    }

    /// A failed cache operation.
    pub(crate) fn cache(action: impl Into<String>, source: cas::Error) -> Self {
        HostError::Cache { action: action.into(), source }
    }

    /// A query's error as the builder's: a site error in it (from the config) as
    /// [`HostError::Config`], a cell's as [`HostError::Cell`], anything else as it is.
    pub(crate) fn from_query(error: Arc<picante::PicanteError>) -> Self {
        if let Some(site) = site_error(&error) {
            return HostError::Config(site.clone());
        }
        HostError::Query(error)
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::Io { action, path, source } if path.as_os_str().is_empty() => {
                write!(f, "cannot {action}: {source}")
            }
            HostError::Io { action, path, source } => {
                write!(f, "cannot {action} {}: {source}", path.display())
            }
            HostError::OutputRefused { named, why } => write!(f, "{named} is refused: {why}"),
            HostError::OutputNotReal { output, dir } => write!(
                f,
                "cannot write {}: {} is not a real directory (a symbolic link or a file); \
                 outputs are written only into real directories, so remove it or build to \
                 another directory with -o",
                output.display(),
                dir.display()
            ),
            HostError::NotASite(dir) => write!(
                f,
                "{} is not a site: it has no config.toml or dodeca.toml (create a site with \
                 `dodeca-host init DIR`)",
                dir.display()
            ),
            HostError::TwoConfigs(dir) => write!(
                f,
                "{} has both config.toml and dodeca.toml: remove one (both are read the same \
                 way; config.toml is Zola's name, so keep it for a site Zola builds too)",
                dir.display()
            ),
            HostError::NotEmpty(dir) => write!(
                f,
                "{} is not empty (hidden files are ignored); `init` only creates new sites (nothing was changed)",
                dir.display()
            ),
            HostError::FileName(path) => {
                write!(f, "{}: file names must be UTF-8", path.display())
            }
            HostError::Link(message) => f.write_str(message),
            HostError::NotContent(rel) => {
                write!(f, "`{rel}` is not a content file (a path under content/ ending in `.md`)")
            }
            HostError::NoSavedDatabase { path, why } => write!(
                f,
                "no saved database to read in {} ({why}); build the site first with \
                 `dodeca-host build`",
                path.display()
            ),
            HostError::NoRoute(message) => f.write_str(message),
            HostError::Config(error) => write!(f, "{error}"),
            HostError::Cache { action, source } => write!(f, "cannot {action}: {source}"),
            HostError::StaticVanished(rel) => {
                write!(f, "{rel} vanished from the cache; build again")
            }
            HostError::Cell(error) => write!(f, "{error}"),
            HostError::Query(error) => write!(f, "{error}"),
            HostError::SavedDatabase(error) => write!(f, "saved database: {error}"),
            HostError::SavePanicked => {
                f.write_str("saving the cache after the last build panicked")
            }
        }
    }
}

impl std::error::Error for HostError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HostError::Io { source, .. } => Some(source),
            HostError::Cache { source, .. } => Some(source),
            HostError::Cell(error) => Some(error),
            _ => None,
        }
    }
}

/// A site error as the error of a query (queries fail with `PicanteError`).
pub(crate) fn query_error(error: SiteError) -> std::sync::Arc<picante::PicanteError> {
    picante::PicanteError::query(error)
}

/// The site error inside a query error, if there is one.
pub fn site_error(error: &picante::PicanteError) -> Option<&SiteError> {
    match error {
        picante::PicanteError::Query(inner) => inner.downcast_ref::<SiteError>(),
        _ => None,
    }
}

/// A cell's failure as the error of a query: it keeps its type, so the build tells a
/// missing binary from a site error without reading the message.
pub(crate) fn cell_query_error(error: CellError) -> Arc<picante::PicanteError> {
    picante::PicanteError::query(error)
}

/// The cell failure inside a query error, if there is one.
pub(crate) fn cell_error(error: &picante::PicanteError) -> Option<&CellError> {
    match error {
        picante::PicanteError::Query(inner) => inner.downcast_ref::<CellError>(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_file_line_column_and_marks_the_column() {
        let text = "+++\ntitel = 1\n+++\n";
        let err = SiteError::in_file("content/a.md", "unknown key `titel` (did you mean `title`?)")
            .at(text, 2, Some(1));
        assert_eq!(
            err.to_string(),
            "content/a.md:2:1: unknown key `titel` (did you mean `title`?)\n    | titel = 1\n    | ^"
        );
    }
}
