//! Identities: query kinds and the dependency edges between slots.

use std::fmt;
use std::sync::Arc;

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

/// A memo's dependency list: cheap to clone out of a slot lock, and built without extra
/// allocations for the common short lists.
///
/// Most memos read one thing or a handful; a fan-in reads thousands. So none or one
/// dependency is stored inline, a short list is copied into one shared slice, and a long list
/// keeps the recorder's vector (moved, not copied).
#[derive(Clone, Debug, Default)]
pub(crate) enum Deps {
    #[default]
    None,
    One(Dep),
    Short(Arc<[Dep]>),
    Long(Arc<Vec<Dep>>),
}

/// Lists up to this long are copied into a `Short` slice.
const SHORT_LIMIT: usize = 64;

impl Deps {
    pub(crate) fn from_vec(list: Vec<Dep>) -> Deps {
        match list.len() {
            0 => Deps::None,
            1 => Deps::One(list[0]),
            n if n <= SHORT_LIMIT => Deps::Short(list.into()),
            _ => Deps::Long(Arc::new(list)),
        }
    }
}

impl std::ops::Deref for Deps {
    type Target = [Dep];

    fn deref(&self) -> &[Dep] {
        match self {
            Deps::None => &[],
            Deps::One(dep) => std::slice::from_ref(dep),
            Deps::Short(list) => list,
            Deps::Long(list) => list,
        }
    }
}
