//! Saving and loading a derived ingredient's memos (see [`crate::persist`]): each slot's key,
//! in slot order, and for a slot with a memo its value (unless the ingredient saves memos
//! without values), `verified_at`, `changed_at`, durability and dependencies.

use std::hash::Hash;
use std::sync::Arc;

use facet::Facet;

use super::DerivedIngredient;
use super::slot::{ChangedAt, Encoded, Memo, SavedValue, SlotCell, SlotState};
use crate::ingredient::IngredientLookup;
use crate::key::{Dep, Deps};
use crate::persist::bytes::{Reader, Writer};
use crate::persist::{
    PersistableIngredient, Role, Staged, check_durability, check_revision, decode_value,
    fingerprint, sealed,
};
use crate::{Durability, HasRuntime, QueryKindId, Revision};

/// A slot's record starts with one of these.
const NO_MEMO: u8 = 0;
const MEMO: u8 = 1;
const MEMO_WITHOUT_VALUE: u8 = 2;

impl<DB, K, V> PersistableIngredient for DerivedIngredient<DB, K, V>
where
    DB: HasRuntime + IngredientLookup + Send + Sync + 'static,
    K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
    V: Facet<'static> + Clone + Send + Sync + 'static,
{
}

impl<DB, K, V> sealed::Persist for DerivedIngredient<DB, K, V>
where
    DB: HasRuntime + IngredientLookup + Send + Sync + 'static,
    K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
    V: Facet<'static> + Clone + Send + Sync + 'static,
{
    fn kind(&self) -> QueryKindId {
        self.kind
    }

    fn name(&self) -> &'static str {
        self.name
    }

    #[allow(private_interfaces)]
    fn role(&self) -> Role {
        Role::Derived
    }

    fn fingerprint(&self) -> u64 {
        fingerprint::of(&[K::SHAPE, V::SHAPE])
    }

    fn is_empty(&self) -> bool {
        self.table.len() == 0
    }

    #[allow(private_interfaces)]
    fn save(&self, out: &mut Writer) -> Result<(), String> {
        let entries = self.table.prefix();
        out.count(entries.len());
        for entry in entries {
            out.encoded(&entry.key)?;
            // Only a memo ready now is saved; one being computed or failed is computed again
            // by the process that loads the file.
            let state = entry.slot.lock();
            let SlotState::Ready(memo) = &*state else {
                out.u8(NO_MEMO);
                continue;
            };
            // A value loaded and never read since is written back as the bytes it came as.
            match (memo.encoded(), self.save_values) {
                (Some(Encoded::Bytes(bytes, saved)), true) => {
                    out.u8(MEMO);
                    match saved.in_file() {
                        Some((file, start, len)) => out.shared_bytes(file, start, len),
                        None => out.bytes(bytes),
                    }
                }
                (None, true) => {
                    out.u8(MEMO);
                    out.encoded(super::downcast::<V>(&*memo.value))?;
                }
                (Some(Encoded::Absent), _) | (_, false) => out.u8(MEMO_WITHOUT_VALUE),
            }
            out.u64(memo.verified_at.0);
            out.u64(memo.changed.revision().0);
            out.u8(memo.changed.durability() as u8);
            out.count(memo.deps.len());
            for dep in memo.deps.iter() {
                out.u32(dep.kind.0);
                out.u32(dep.index);
            }
        }
        Ok(())
    }

    #[allow(private_interfaces)]
    fn decode<'a>(
        &'a self,
        body: &[u8],
        file: &Arc<Vec<u8>>,
        revision: u64,
    ) -> Result<Box<dyn Staged + Send + 'a>, String> {
        let mut r = Reader::new(body, "memos");
        // A slot is at least a key length and a memo flag.
        let count = r.count(4 + 1)?;
        let mut slots = Vec::with_capacity(count);
        for _ in 0..count {
            let key: K = decode_value(r.bytes()?)?;
            let memo = match r.u8()? {
                NO_MEMO => None,
                MEMO => Some(read_memo(&mut r, Some(file), revision)?),
                MEMO_WITHOUT_VALUE => Some(read_memo(&mut r, None, revision)?),
                other => return Err(r.error(format!("{other} is not a memo flag"))),
            };
            slots.push((key, memo));
        }
        r.finish()?;
        if !crate::persist::distinct(slots.iter().map(|(key, _)| key)) {
            return Err("a key is listed twice".into());
        }
        Ok(Box::new(StagedMemos { ingredient: self, slots }))
    }
}

/// A memo as the file holds it, checked; its value stays encoded until it is read (see
/// `SavedValue`).
struct StagedMemo {
    value: SavedValue,
    verified_at: u64,
    changed_at: u64,
    durability: u8,
    deps: Vec<Dep>,
}

/// Reads a memo; its value from `file` (`None`: the memo was saved without it).
fn read_memo(
    r: &mut Reader<'_>,
    file: Option<&Arc<Vec<u8>>>,
    revision: u64,
) -> Result<StagedMemo, String> {
    let value = match file {
        Some(file) => SavedValue::within(file, r.bytes()?),
        None => SavedValue::absent(),
    };
    let verified_at = r.u64()?;
    let verified_at = check_revision(r, verified_at, revision)?;
    let changed_at = r.u64()?;
    let changed_at = check_revision(r, changed_at, verified_at)?;
    let durability = r.u8()?;
    let durability = check_durability(r, durability)?;
    let count = r.count(8)?;
    let mut deps = Vec::with_capacity(count);
    for _ in 0..count {
        deps.push(Dep { kind: QueryKindId(r.u32()?), index: r.u32()? });
    }
    Ok(StagedMemo { value, verified_at, changed_at, durability, deps })
}

/// A derived section decoded, ready to go into its empty ingredient.
struct StagedMemos<'a, DB, K, V> {
    ingredient: &'a DerivedIngredient<DB, K, V>,
    slots: Vec<(K, Option<StagedMemo>)>,
}

impl<DB, K, V> Staged for StagedMemos<'_, DB, K, V>
where
    DB: HasRuntime + IngredientLookup + Send + Sync + 'static,
    K: Facet<'static> + Clone + Eq + Hash + Send + Sync + 'static,
    V: Facet<'static> + Clone + Send + Sync + 'static,
{
    fn key_count(&self) -> u32 {
        self.slots.len() as u32
    }

    fn apply(self: Box<Self>, loaded: &dyn Fn(QueryKindId, u32) -> bool) -> usize {
        let mut dropped = 0;
        self.ingredient.table.reserve(self.slots.len());
        for (key, memo) in self.slots {
            // Distinct keys (checked by `decode`) into an empty table: each gets the next
            // index, the one it had.
            let index = self.ingredient.table.insert_distinct(key, SlotCell::default);
            let Some(memo) = memo else { continue };
            if !memo.deps.iter().all(|dep| loaded(dep.kind, dep.index)) {
                // A dependency that does not exist after the load: the memo cannot be checked.
                dropped += 1;
                continue;
            }
            let durability = Durability::ALL[memo.durability as usize];
            *self.ingredient.cell(index).lock() = SlotState::Ready(Memo::saved(
                memo.value,
                Revision(memo.verified_at),
                ChangedAt::new(Revision(memo.changed_at), durability),
                Deps::from_vec(memo.deps),
            ));
        }
        dropped
    }
}
