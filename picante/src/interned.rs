//! Interned ingredients: values mapped to small dense ids.

use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use facet::Facet;

use crate::ingredient::{DependencyView, DynIngredient, render_key, sealed};
use crate::table::key_table::KeyTable;
use crate::{PicanteError, PicanteResult, QueryKindId};

/// A dense id handed out by an [`InternedIngredient`].
#[derive(Facet, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct InternId(pub u32);

/// Maps values to dense [`InternId`]s: equal values get the same id, ids count up from 0.
///
/// Interning never advances the revision and interned values never change, so neither
/// `intern` nor `get` records a dependency: use an id as a cheap key for other queries.
///
/// # Examples
///
/// ```
/// use picante::{HasRuntime, InternedIngredient, QueryKindId, Runtime};
/// struct Db { runtime: Runtime }
/// impl HasRuntime for Db {
///     fn runtime(&self) -> &Runtime { &self.runtime }
/// }
/// let db = Db { runtime: Runtime::new() };
/// let paths: InternedIngredient<String> = InternedIngredient::new(QueryKindId(1), "path");
/// let a = paths.intern("a.md".to_string())?;
/// let b = paths.intern("b.md".to_string())?;
/// assert_eq!(paths.intern("a.md".to_string())?, a);
/// assert_eq!((a.0, b.0), (0, 1));
/// assert_eq!(&*paths.get(&db, b)?, "b.md");
/// # Ok::<(), std::sync::Arc<picante::PicanteError>>(())
/// ```
pub struct InternedIngredient<K> {
    kind: QueryKindId,
    name: &'static str,
    table: KeyTable<Arc<K>, ()>,
}

impl<K> InternedIngredient<K>
where
    K: Facet<'static> + Eq + Hash + Send + Sync + 'static,
{
    /// An empty interned ingredient. `kind` must be unique within the database.
    pub fn new(kind: QueryKindId, name: &'static str) -> Self {
        InternedIngredient { kind, name, table: KeyTable::new() }
    }

    /// The id of `value`, assigning the next one if it is new.
    pub fn intern(&self, value: K) -> PicanteResult<InternId> {
        if let Some(index) = self.table.find(&value) {
            return Ok(InternId(index));
        }
        let value = Arc::new(value);
        let index = self.table.find_or_insert_with(&*value, || value.clone(), || ());
        Ok(InternId(index))
    }

    /// The id of `value`, if it has been interned.
    pub fn lookup(&self, value: &K) -> Option<InternId> {
        self.table.find(value).map(InternId)
    }

    /// The value with id `id`.
    pub fn get<DB: ?Sized>(&self, _db: &DB, id: InternId) -> PicanteResult<Arc<K>> {
        match self.table.entry(id.0) {
            Some(entry) => Ok(entry.key.clone()),
            None => {
                Err(Arc::new(PicanteError::UnknownInternId { ingredient: self.name, id: id.0 }))
            }
        }
    }

    /// Number of interned values.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// Whether nothing has been interned.
    pub fn is_empty(&self) -> bool {
        self.table.len() == 0
    }
}

impl<DB: ?Sized, K: Facet<'static> + Send + Sync> sealed::Internals<DB> for InternedIngredient<K> {
    #[allow(private_interfaces)] // sealed: see `ingredient::sealed`
    fn dependency_view(&self) -> DependencyView<'_, DB> {
        DependencyView::Interned
    }

    #[allow(private_interfaces)]
    fn slot_info(&self, index: u32) -> crate::debug::SlotInfo {
        let bytes = self.table.entry(index).map(|entry| crate::debug::encoded_len(&*entry.key));
        crate::debug::SlotInfo { bytes, deps: None }
    }
}

impl<DB: ?Sized, K> DynIngredient<DB> for InternedIngredient<K>
where
    K: Facet<'static> + Send + Sync,
{
    fn kind(&self) -> QueryKindId {
        self.kind
    }

    fn name(&self) -> &'static str {
        self.name
    }

    fn key_count(&self) -> usize {
        self.table.len()
    }

    fn debug_key(&self, index: u32) -> Option<String> {
        self.table.entry(index).map(|e| render_key(&*e.key))
    }
}

impl<K> fmt::Debug for InternedIngredient<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InternedIngredient")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .field("values", &self.table.len())
            .finish()
    }
}

impl<K> crate::persist::PersistableIngredient for InternedIngredient<K> where
    K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static
{
}

impl<K> crate::persist::sealed::Persist for InternedIngredient<K>
where
    K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
{
    fn kind(&self) -> QueryKindId {
        self.kind
    }

    fn name(&self) -> &'static str {
        self.name
    }

    #[allow(private_interfaces)]
    fn role(&self) -> crate::persist::Role {
        crate::persist::Role::Interned
    }

    fn fingerprint(&self) -> u64 {
        crate::persist::fingerprint::of(&[K::SHAPE])
    }

    fn is_empty(&self) -> bool {
        self.table.len() == 0
    }

    #[allow(private_interfaces)]
    fn save(&self, out: &mut crate::persist::bytes::Writer) -> Result<(), String> {
        // In id order: an id is a slot index, and keys and dependencies hold ids.
        let values = self.table.prefix();
        out.count(values.len());
        for entry in values {
            out.encoded(&*entry.key)?;
        }
        Ok(())
    }

    #[allow(private_interfaces)]
    fn decode<'a>(
        &'a self,
        body: &[u8],
        _file: &std::sync::Arc<Vec<u8>>,
        _revision: u64,
    ) -> Result<Box<dyn crate::persist::Staged + Send + 'a>, String> {
        let mut r = crate::persist::bytes::Reader::new(body, "interned values");
        let count = r.count(4)?;
        let mut values = Vec::with_capacity(count);
        for _ in 0..count {
            values.push(crate::persist::decode_value::<K>(r.bytes()?)?);
        }
        r.finish()?;
        if !crate::persist::distinct(values.iter()) {
            return Err("a value is listed twice".into());
        }
        Ok(Box::new(StagedInterned { interned: self, values }))
    }
}

/// An interned section decoded, ready to go into its empty ingredient.
struct StagedInterned<'a, K> {
    interned: &'a InternedIngredient<K>,
    values: Vec<K>,
}

impl<K> crate::persist::Staged for StagedInterned<'_, K>
where
    K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
{
    fn key_count(&self) -> u32 {
        self.values.len() as u32
    }

    fn apply(self: Box<Self>, _loaded: &dyn Fn(QueryKindId, u32) -> bool) -> usize {
        for value in self.values {
            let value = Arc::new(value);
            // Distinct values into an empty table: each gets the next id, the one it had.
            self.interned.table.find_or_insert_with(&*value, || value.clone(), || ());
        }
        0
    }
}
