//! Events: what changed, as it happens, for whoever subscribes ([`Runtime::subscribe`]).
//!
//! Each subscription has a bounded queue. A writer never waits for a subscriber: an event
//! that does not fit is dropped for that subscriber and counted, and the subscriber's next
//! read starts with [`Event::Lagged`] saying how many it missed (it can then look at the
//! database itself). With no subscriber, emitting is one atomic load.
//!
//! Per revision a subscriber sees the inputs written in it ([`Event::InputChanged`]), the
//! revision itself ([`Event::Revision`]), then, as queries run, each recomputation and whether
//! its value changed ([`Event::Recomputed`]): a dev server reloads the pages whose render
//! memos changed in revision R.
//!
//! # Examples
//!
//! ```
//! use picante::{Event, HasRuntime, InputIngredient, QueryKindId, Runtime};
//!
//! struct Db { runtime: Runtime }
//! impl HasRuntime for Db {
//!     fn runtime(&self) -> &Runtime { &self.runtime }
//! }
//! let db = Db { runtime: Runtime::new() };
//! let text: InputIngredient<u32, String> = InputIngredient::new(QueryKindId(1), "text");
//! let events = db.runtime().subscribe(16);
//! let revision = text.set(&db, 7, "hello".into())?;
//! assert_eq!(
//!     events.try_recv(),
//!     Some(Event::InputChanged { kind: QueryKindId(1), slot: 0, removed: false, revision })
//! );
//! assert_eq!(events.try_recv(), Some(Event::Revision { revision }));
//! assert_eq!(events.try_recv(), None);
//! # Ok::<(), std::sync::Arc<picante::PicanteError>>(())
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::time::Duration;

use parking_lot::Mutex;

use crate::{QueryKindId, Revision};

/// Something that happened in a database.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A new revision was published (after the input events of its writes).
    Revision {
        /// The new revision.
        revision: Revision,
    },
    /// An input was set to a different value (or durability), or removed, in `revision`.
    InputChanged {
        /// The input ingredient.
        kind: QueryKindId,
        /// The key's slot (`InputIngredient::key_at` turns it back into the key).
        slot: u32,
        /// Whether the value was removed.
        removed: bool,
        /// The revision the write publishes.
        revision: Revision,
    },
    /// A derived query ran at `revision`; `changed` unless its value came out equal to the
    /// previous one (early cutoff). An error counts as changed.
    Recomputed {
        /// The derived ingredient.
        kind: QueryKindId,
        /// The key's slot (`DerivedIngredient::key_at` turns it back into the key).
        slot: u32,
        /// The revision it ran at.
        revision: Revision,
        /// Whether its value differs from before.
        changed: bool,
    },
    /// This many events did not fit in the subscription's queue and were dropped.
    Lagged {
        /// How many.
        missed: u64,
    },
}

/// One subscriber's end: its queue and its count of dropped events.
struct Subscriber {
    sender: SyncSender<Event>,
    missed: Arc<AtomicU64>,
}

/// The subscribers of one runtime.
#[derive(Default)]
pub(crate) struct Subscribers {
    /// Whether there is any: the only thing emitting costs when there is none.
    any: AtomicBool,
    list: Mutex<Vec<Subscriber>>,
}

impl Subscribers {
    /// Whether anyone listens (callers skip building events otherwise).
    #[inline]
    pub(crate) fn active(&self) -> bool {
        self.any.load(Ordering::Relaxed)
    }

    pub(crate) fn subscribe(&self, capacity: usize) -> Subscription {
        let (sender, receiver) = std::sync::mpsc::sync_channel(capacity.max(1));
        let missed = Arc::new(AtomicU64::new(0));
        let mut list = self.list.lock();
        list.push(Subscriber { sender, missed: missed.clone() });
        self.any.store(true, Ordering::Relaxed);
        Subscription { receiver, missed }
    }

    /// Hands `event` to every subscriber without waiting; a full queue counts a miss, a
    /// dropped subscription is forgotten.
    pub(crate) fn emit(&self, event: Event) {
        if !self.active() {
            return;
        }
        let mut list = self.list.lock();
        list.retain(|subscriber| match subscriber.sender.try_send(event.clone()) {
            Ok(()) => true,
            Err(TrySendError::Full(_)) => {
                subscriber.missed.fetch_add(1, Ordering::Relaxed);
                true
            }
            Err(TrySendError::Disconnected(_)) => false,
        });
        self.any.store(!list.is_empty(), Ordering::Relaxed);
    }
}

/// The receiving end of [`Runtime::subscribe`](crate::Runtime::subscribe); dropping it
/// unsubscribes.
pub struct Subscription {
    receiver: Receiver<Event>,
    missed: Arc<AtomicU64>,
}

impl Subscription {
    /// The events dropped since the last read, as one [`Event::Lagged`].
    fn lagged(&self) -> Option<Event> {
        match self.missed.swap(0, Ordering::Relaxed) {
            0 => None,
            missed => Some(Event::Lagged { missed }),
        }
    }

    /// The next event, if one is waiting.
    pub fn try_recv(&self) -> Option<Event> {
        if let Some(lagged) = self.lagged() {
            return Some(lagged);
        }
        self.receiver.try_recv().ok()
    }

    /// The next event, waiting up to `timeout` for one.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Event> {
        if let Some(lagged) = self.lagged() {
            return Some(lagged);
        }
        self.receiver.recv_timeout(timeout).ok()
    }

    /// Every event waiting now.
    pub fn drain(&self) -> Vec<Event> {
        std::iter::from_fn(|| self.try_recv()).collect()
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("missed", &self.missed.load(Ordering::Relaxed))
            .finish()
    }
}
