//! Identities: query kinds and the dependency edges between slots.

use std::fmt;

/// Identifies one ingredient (one query kind) within a database.
///
/// Each ingredient is created with a distinct `QueryKindId` and registered under it in an
/// [`IngredientRegistry`](crate::IngredientRegistry); dependency edges name their target by
/// kind, so the id must be stable for the life of the database (and, once persisted, across
/// runs). Small dense numbers are fastest.
///
/// # Examples
///
/// ```
/// use picante::QueryKindId;
/// const TEXT: QueryKindId = QueryKindId(1);
/// assert_eq!(TEXT.0, 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QueryKindId(pub u32);

impl fmt::Display for QueryKindId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "kind#{}", self.0)
    }
}

/// One recorded read: the slot `index` of the ingredient registered as `kind`.
///
/// Eight bytes, so that a memo with ten thousand dependencies costs 80 KB, and revalidation
/// reaches the slot without hashing its key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Dep {
    pub(crate) kind: QueryKindId,
    pub(crate) index: u32,
}
