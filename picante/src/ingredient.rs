//! The registry that lets revalidation reach any ingredient by its kind.
//!
//! A dependency edge is only `(kind, slot index)`. To check whether it changed, revalidation
//! asks the database for the ingredient registered under that kind ([`IngredientLookup`]) and
//! looks at the slot. Database structs keep an [`IngredientRegistry`] and forward to it.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::QueryKindId;
use crate::derived::DerivedDependency;
use crate::input::InputDependency;

/// An ingredient seen through its kind, as revalidation and tooling see it.
///
/// Implemented by [`InputIngredient`](crate::InputIngredient),
/// [`DerivedIngredient`](crate::DerivedIngredient) and
/// [`InternedIngredient`](crate::InternedIngredient); it is sealed.
pub trait DynIngredient<DB: ?Sized>: sealed::Internals<DB> + Send + Sync {
    /// The kind it was created with.
    fn kind(&self) -> QueryKindId;
    /// The name it was created with.
    fn name(&self) -> &'static str;
    /// How many distinct keys it holds a slot for.
    fn key_count(&self) -> usize;
    /// The key of slot `index`, rendered with its `Debug` form, if the slot exists.
    fn debug_key(&self, index: u32) -> Option<String>;
}

/// How every ingredient renders a key for [`DynIngredient::debug_key`]: through facet's
/// reflection, so a key type need not implement `Debug` to show up in cycle errors and tooling.
pub(crate) fn render_key<K: facet::Facet<'static>>(key: &K) -> String {
    format!("{:?}", facet::Peek::new(key))
}

pub(crate) mod sealed {
    use super::DependencyView;

    /// The part of [`DynIngredient`](super::DynIngredient) only this crate can see or implement.
    ///
    /// The trait is public (it bounds a public trait) but lives in a private module, so no one
    /// outside can name it, call it or implement it: the usual "sealed trait" pattern. That is
    /// why its crate-private return type is fine, and the lint saying otherwise is allowed.
    pub trait Internals<DB: ?Sized> {
        /// How a dependency on this ingredient is checked.
        #[allow(private_interfaces)]
        fn dependency_view(&self) -> DependencyView<'_, DB>;
        /// What slot `index` holds, for the debug views (`crate::debug`).
        #[allow(private_interfaces)]
        fn slot_info(&self, index: u32) -> crate::debug::SlotInfo;
        /// Calls `each` with every dependency of every memo verified at `at` or later (a
        /// derived ingredient's; inputs and interned values have none).
        fn each_dependency_verified_since(
            &self,
            _at: crate::Revision,
            _each: &mut dyn FnMut(crate::QueryKindId, u32),
        ) {
        }
    }
}

/// How to check a dependency edge that points at an ingredient.
pub(crate) enum DependencyView<'a, DB: ?Sized> {
    Input(&'a dyn InputDependency),
    Derived(&'a dyn DerivedDependency<DB>),
    /// Interned values never change, so an edge to one never needs checking.
    Interned,
}

/// Implemented by every database: finds an ingredient by kind.
///
/// # Examples
///
/// ```
/// use picante::{DynIngredient, IngredientLookup, IngredientRegistry, QueryKindId};
/// struct Db {
///     ingredients: IngredientRegistry<Db>,
/// }
/// impl IngredientLookup for Db {
///     fn ingredient(&self, kind: QueryKindId) -> Option<&dyn DynIngredient<Self>> {
///         self.ingredients.ingredient(kind)
///     }
/// }
/// ```
pub trait IngredientLookup {
    /// The ingredient registered under `kind`.
    fn ingredient(&self, kind: QueryKindId) -> Option<&dyn DynIngredient<Self>>;
}

/// Kinds below this are looked up by indexing a vector.
const DENSE_KINDS: u32 = 1024;

/// The ingredients of one database, by kind.
pub struct IngredientRegistry<DB: ?Sized> {
    dense: Vec<Option<Arc<dyn DynIngredient<DB>>>>,
    sparse: BTreeMap<u32, Arc<dyn DynIngredient<DB>>>,
}

impl<DB: ?Sized> IngredientRegistry<DB> {
    /// An empty registry.
    pub fn new() -> Self {
        IngredientRegistry { dense: Vec::new(), sparse: BTreeMap::new() }
    }

    /// Registers `ingredient` under its kind.
    ///
    /// # Panics
    ///
    /// Panics if another ingredient is already registered under the same kind: two query kinds
    /// sharing an id would read each other's dependency edges. Give each ingredient its own
    /// `QueryKindId`.
    pub fn register<I: DynIngredient<DB> + 'static>(&mut self, ingredient: Arc<I>) {
        let kind = ingredient.kind();
        if let Some(existing) = self.ingredient(kind) {
            panic!(
                "picante: cannot register ingredient `{}` as {kind}: `{}` already uses that kind; \
                 give each ingredient its own QueryKindId",
                ingredient.name(),
                existing.name()
            );
        }
        let erased: Arc<dyn DynIngredient<DB>> = ingredient;
        if kind.0 < DENSE_KINDS {
            let at = kind.0 as usize;
            if self.dense.len() <= at {
                self.dense.resize_with(at + 1, || None);
            }
            self.dense[at] = Some(erased);
        } else {
            self.sparse.insert(kind.0, erased);
        }
    }

    /// The ingredient registered under `kind`.
    #[inline]
    pub fn ingredient(&self, kind: QueryKindId) -> Option<&dyn DynIngredient<DB>> {
        if kind.0 < DENSE_KINDS {
            self.dense.get(kind.0 as usize)?.as_deref()
        } else {
            self.sparse.get(&kind.0).map(|i| &**i)
        }
    }

    /// All registered ingredients, by ascending kind.
    pub fn iter(&self) -> impl Iterator<Item = &dyn DynIngredient<DB>> + '_ {
        self.dense.iter().flatten().map(|i| &**i).chain(self.sparse.values().map(|i| &**i))
    }

    /// Calls `each(kind, slot)` for every dependency edge of every memo verified at revision
    /// `at` or later: what the queries brought up to date since then read. After a build
    /// that asked for everything it needs at the current revision, these are the values that
    /// build used; a memo nothing asked for (a page since removed) is older and left out.
    /// An edge is given once per memo that has it.
    pub fn each_dependency_verified_since(
        &self,
        at: crate::Revision,
        mut each: impl FnMut(QueryKindId, u32),
    ) {
        for ingredient in self.iter() {
            ingredient.each_dependency_verified_since(at, &mut each);
        }
    }
}

impl<DB: ?Sized> Default for IngredientRegistry<DB> {
    fn default() -> Self {
        Self::new()
    }
}
