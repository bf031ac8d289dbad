//! The logical clock.

use std::fmt;

/// A point in the history of the database's inputs.
///
/// The [`Runtime`](crate::Runtime) holds one counter. Every effective input change (a set of a
/// different value, a remove, or a batch of them) advances it by one; reads never do. Each memo
/// records two revisions: `verified_at`, the last revision at which it was known to be up to
/// date, and `changed_at`, the revision at which its value last became different.
///
/// # Examples
///
/// ```
/// use picante::Revision;
/// assert!(Revision(3) > Revision(2));
/// assert_eq!(Revision(7).to_string(), "r7");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Revision(pub u64);

impl fmt::Display for Revision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "r{}", self.0)
    }
}
