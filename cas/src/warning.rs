//! [`Warning`]: problems the store repaired by itself, reported once.

use std::fmt;
use std::path::PathBuf;

/// Something was wrong with the files on disk, and the store repaired it by discarding data.
///
/// None of these is an error: the store stays usable, and everything it discarded is a cache
/// that the caller can recompute. Each is reported once, by [`Cas::warnings`](crate::Cas::warnings),
/// in the order it happened; the host prints them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Warning {
    /// `cas.version` named another format; the store was emptied.
    VersionMismatch {
        /// The version file.
        path: PathBuf,
        /// What it held (escaped and shortened for printing).
        found: String,
        /// What this build of the crate writes.
        expected: String,
    },
    /// The store held blobs or a name map but no `cas.version`; it was emptied, since nothing
    /// says which format those files are in.
    VersionMissing {
        /// Where the version file should have been.
        path: PathBuf,
    },
    /// `cas.version` could not be read (permissions, not a file); the store was emptied.
    VersionUnreadable {
        /// The version file.
        path: PathBuf,
        /// Why it could not be read.
        reason: String,
    },
    /// `cas.db` was corrupt or truncated; the name map starts empty.
    NamesCorrupt {
        /// The name map file.
        path: PathBuf,
        /// What was wrong with it.
        reason: String,
        /// Where the bad file was moved for inspection, if moving it worked.
        moved_to: Option<PathBuf>,
    },
    /// A blob file was found damaged outside [`Cas::verify`](crate::Cas::verify) (empty while its
    /// hash is not that of empty content, or of another length than the bytes being put) and was
    /// moved aside; the blob is absent until it is put again.
    BlobCorrupt {
        /// The blob file.
        path: PathBuf,
        /// Where it was moved, if moving it worked.
        moved_to: Option<PathBuf>,
    },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::VersionMismatch { path, found, expected } => write!(
                f,
                "'{}' says {found:?} but this build uses {expected:?}; \
                 the blob store was emptied and will refill as blobs are recomputed",
                path.display()
            ),
            Warning::VersionMissing { path } => write!(
                f,
                "'{}' is missing but the store holds data of an unknown format; \
                 the blob store was emptied and will refill as blobs are recomputed",
                path.display()
            ),
            Warning::VersionUnreadable { path, reason } => write!(
                f,
                "cannot read '{}' ({reason}); \
                 the blob store was emptied and will refill as blobs are recomputed",
                path.display()
            ),
            Warning::NamesCorrupt { path, reason, moved_to } => {
                write!(f, "'{}' is corrupt ({reason}); the name map starts empty", path.display())?;
                if let Some(moved_to) = moved_to {
                    write!(f, " and the bad file was moved to '{}'", moved_to.display())?;
                }
                Ok(())
            }
            Warning::BlobCorrupt { path, moved_to } => {
                write!(f, "blob file '{}' is damaged and was set aside", path.display())?;
                if let Some(moved_to) = moved_to {
                    write!(f, " to '{}'", moved_to.display())?;
                }
                write!(f, "; it will be stored again when its content is next put")
            }
        }
    }
}
