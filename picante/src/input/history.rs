//! The versions of an input that live snapshots may still read (see `crate::snapshot`).
//!
//! A write made while a snapshot is alive moves the value it replaces here, with the interval
//! of revisions it was current for: `[changed_at, replaced_at)`. A snapshot at revision `R`
//! reads the version whose interval holds `R`. Versions no live snapshot can read are dropped
//! as the key is written again and whenever a snapshot is dropped; with no snapshot alive,
//! nothing is kept.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use parking_lot::Mutex;

use crate::snapshot::{Pins, PruneHistory, readable};
use crate::{Durability, Revision};

/// A value an input held before a write replaced it.
pub(super) struct Version<V> {
    pub(super) value: Option<V>,
    pub(super) changed_at: u64,
    pub(super) durability: Durability,
    pub(super) replaced_at: u64,
}

/// One input ingredient's replaced versions, by slot.
pub(super) struct History<V> {
    versions: Mutex<HashMap<u32, Vec<Version<V>>>>,
    /// Whether this store is known to the runtime's pins (so that dropping a snapshot prunes
    /// it).
    registered: AtomicBool,
}

impl<V> Default for History<V> {
    fn default() -> Self {
        History { versions: Mutex::new(HashMap::new()), registered: AtomicBool::new(false) }
    }
}

impl<V: Send + Sync + 'static> History<V> {
    /// Keeps `version` of slot `index` for the live snapshots, dropping the slot's versions
    /// none of them can read. Called under the slot's lock, by a writer.
    pub(super) fn keep(self: &Arc<Self>, pins: &Pins, index: u32, version: Version<V>) {
        if !self.registered.swap(true, Ordering::AcqRel) {
            let store: Arc<dyn PruneHistory> = self.clone();
            pins.register(Arc::downgrade(&store));
        }
        let live = pins.live();
        let mut versions = self.versions.lock();
        let kept = versions.entry(index).or_default();
        kept.retain(|v| readable(&live, v.changed_at, v.replaced_at));
        if readable(&live, version.changed_at, version.replaced_at) {
            kept.push(version);
        }
        if kept.is_empty() {
            versions.remove(&index);
        }
    }

    /// Takes back the version of slot `index` that a write at `replaced_at` kept (its batch
    /// failed, so the write never happened).
    pub(super) fn take_back(&self, index: u32, replaced_at: u64) -> Option<Version<V>> {
        let mut versions = self.versions.lock();
        let kept = versions.get_mut(&index)?;
        let at = kept.iter().position(|v| v.replaced_at == replaced_at)?;
        let version = kept.remove(at);
        if kept.is_empty() {
            versions.remove(&index);
        }
        Some(version)
    }

    /// The version of slot `index` current at `revision`: its value (cloned), `changed_at`
    /// and durability.
    pub(super) fn at<R>(
        &self,
        index: u32,
        revision: Revision,
        read: impl FnOnce(&Version<V>) -> R,
    ) -> Option<R> {
        let versions = self.versions.lock();
        versions
            .get(&index)?
            .iter()
            .find(|v| v.changed_at <= revision.0 && revision.0 < v.replaced_at)
            .map(read)
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.versions.lock().values().map(Vec::len).sum()
    }
}

impl<V: Send + Sync> PruneHistory for History<V> {
    fn prune(&self, live: &BTreeMap<u64, usize>) {
        let mut versions = self.versions.lock();
        versions.retain(|_, kept| {
            kept.retain(|v| readable(live, v.changed_at, v.replaced_at));
            !kept.is_empty()
        });
    }
}
