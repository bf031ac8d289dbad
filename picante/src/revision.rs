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

/// How often an input is expected to change.
///
/// A memo's durability is the lowest durability among everything it read. After an edit, a
/// memo is known valid without looking at its dependencies if no input of its durability or
/// higher changed since it was last verified: editing a page (low) does not make the memos
/// that read only configuration and templates (high) walk their dependency lists.
///
/// # Examples
///
/// ```
/// use picante::Durability;
/// assert!(Durability::Low < Durability::High);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Durability {
    /// Changes often (page contents). The default.
    #[default]
    Low = 0,
    /// Changes sometimes.
    Medium = 1,
    /// Rarely changes (configuration, templates).
    High = 2,
}

impl Durability {
    /// Every durability, lowest first.
    pub const ALL: [Durability; 3] = [Durability::Low, Durability::Medium, Durability::High];

    pub(crate) fn from_index(index: u8) -> Durability {
        match index {
            0 => Durability::Low,
            1 => Durability::Medium,
            _ => Durability::High,
        }
    }
}
