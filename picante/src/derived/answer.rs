//! What a read takes from a memo: the whole value ([`get`](super::DerivedIngredient::get)),
//! or the value only if it changed after a given revision
//! ([`get_if_changed`](super::DerivedIngredient::get_if_changed)), which never decodes or
//! clones a value that did not change.

use facet::Facet;

use super::slot::Memo;
use super::value_of;
use crate::Revision;

/// How a read answers from a memo or from a fresh computation.
pub(super) trait Answer<V>: Copy {
    type Out;
    /// The answer from a ready memo; `None` if the value it needs does not decode.
    fn read_memo(self, memo: &mut Memo) -> Option<Self::Out>;
    /// The answer from a computation's value, whose memo now has `changed_at`.
    fn read_computed(self, value: V, changed_at: Revision) -> Self::Out;
}

/// The value.
#[derive(Clone, Copy)]
pub(super) struct WholeValue;

impl<V: Facet<'static> + Clone + Send + Sync + 'static> Answer<V> for WholeValue {
    type Out = V;

    #[inline(always)]
    fn read_memo(self, memo: &mut Memo) -> Option<V> {
        value_of::<V>(memo).cloned()
    }

    #[inline(always)]
    fn read_computed(self, value: V, _changed_at: Revision) -> V {
        value
    }
}

/// The value if it changed after the revision, else `None`.
#[derive(Clone, Copy)]
pub(super) struct ChangedSince(pub(super) Revision);

impl<V: Facet<'static> + Clone + Send + Sync + 'static> Answer<V> for ChangedSince {
    type Out = Option<V>;

    #[inline]
    fn read_memo(self, memo: &mut Memo) -> Option<Option<V>> {
        if memo.changed.revision() <= self.0 {
            return Some(None);
        }
        value_of::<V>(memo).cloned().map(Some)
    }

    #[inline]
    fn read_computed(self, value: V, changed_at: Revision) -> Option<V> {
        (changed_at > self.0).then_some(value)
    }
}
