//! Our calls awaiting a reply: the table a reply, a nested request or the link's close finds
//! them in.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::RpcError;
use crate::call::CallState;

/// Our calls awaiting a reply, by request id.
///
/// A call is registered before its request is sent (the reply may arrive before `send`
/// returns) and leaves the table once: taken by the thread that reads its reply, forgotten by
/// the call itself when it ends otherwise (timeout, drop, a failed send), or failed by
/// [`close`](Self::close). A closed table refuses new calls, so a call racing with the link's
/// close is either failed by the close or refused at [`register`](Self::register): none is
/// left waiting for a reply that cannot come.
#[derive(Default)]
pub(crate) struct PendingCalls {
    table: Mutex<Table>,
}

#[derive(Default)]
struct Table {
    calls: HashMap<u64, Arc<CallState>>,
    /// Why the link closed, once it has: the table then takes no more calls.
    closed: Option<String>,
}

impl PendingCalls {
    /// Registers call `id`; its reply (or the link's close) will complete `call`.
    ///
    /// # Errors
    ///
    /// [`RpcError::PeerClosed`] with the close's reason once the table is closed.
    pub(crate) fn register(&self, id: u64, call: Arc<CallState>) -> Result<(), RpcError> {
        let mut table = self.table.lock();
        if let Some(reason) = &table.closed {
            return Err(RpcError::PeerClosed { reason: reason.clone() });
        }
        table.calls.insert(id, call);
        Ok(())
    }

    /// Takes call `id` out of the table, for its reply to complete. `None` when no call awaits
    /// `id`: a late reply to a call that timed out or was dropped, or an id we never used.
    pub(crate) fn take(&self, id: u64) -> Option<Arc<CallState>> {
        self.table.lock().calls.remove(&id)
    }

    /// The call awaiting `id`, left in the table: where a nested request the peer makes while
    /// serving that call is delivered.
    pub(crate) fn get(&self, id: u64) -> Option<Arc<CallState>> {
        self.table.lock().calls.get(&id).cloned()
    }

    /// Forgets call `id`, which has ended without its reply being taken (completed by a
    /// timeout or the close, dropped, or never sent); a reply arriving later finds nothing.
    pub(crate) fn forget(&self, id: u64) {
        self.table.lock().calls.remove(&id);
    }

    /// Fails every pending call with [`RpcError::PeerClosed`] naming `reason`, each once, and
    /// refuses calls from now on. Only the first close does anything (its reason wins).
    pub(crate) fn close(&self, reason: &str) {
        let calls: Vec<Arc<CallState>> = {
            let mut table = self.table.lock();
            if table.closed.is_some() {
                return;
            }
            table.closed = Some(reason.to_string());
            table.calls.drain().map(|(_, call)| call).collect()
        };
        // Completed outside the lock: completing wakes the caller, whose future then comes
        // back to `forget` its id.
        for call in calls {
            call.complete(Err(RpcError::PeerClosed { reason: reason.to_string() }));
        }
    }

    /// How many calls await a reply.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.table.lock().calls.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closed(reason: &str) -> Option<Result<Vec<u8>, RpcError>> {
        Some(Err(RpcError::PeerClosed { reason: reason.into() }))
    }

    #[test]
    fn a_reply_is_delivered_to_the_call_registered_under_its_id() {
        let pending = PendingCalls::default();
        let (one, three) = (Arc::new(CallState::new()), Arc::new(CallState::new()));
        pending.register(1, one.clone()).unwrap();
        pending.register(3, three.clone()).unwrap();
        pending.take(3).expect("call 3 is pending").complete(Ok(vec![3]));
        assert_eq!(three.result(), Some(Ok(vec![3])));
        assert_eq!(one.result(), None);
        assert_eq!(pending.len(), 1);
    }

    #[test]
    fn a_reply_for_an_unknown_id_is_reported_not_a_panic() {
        let pending = PendingCalls::default();
        assert!(pending.take(7).is_none());
        pending.register(7, Arc::new(CallState::new())).unwrap();
        assert!(pending.take(7).is_some());
        // A second reply for the same id (the peer replied twice) finds nothing either.
        assert!(pending.take(7).is_none());
    }

    #[test]
    fn a_nested_request_finds_its_parent_call_without_taking_it() {
        let pending = PendingCalls::default();
        let parent = Arc::new(CallState::new());
        pending.register(5, parent.clone()).unwrap();
        assert!(Arc::ptr_eq(&pending.get(5).expect("parent"), &parent));
        assert_eq!(pending.len(), 1);
        assert!(pending.get(9).is_none());
    }

    #[test]
    fn a_forgotten_call_gets_no_late_reply() {
        let pending = PendingCalls::default();
        pending.register(1, Arc::new(CallState::new())).unwrap();
        pending.forget(1);
        assert!(pending.take(1).is_none());
        assert_eq!(pending.len(), 0);
    }

    #[test]
    fn closing_fails_each_pending_call_exactly_once_with_the_first_reason() {
        let pending = PendingCalls::default();
        let calls: Vec<_> = (0..5).map(|_| Arc::new(CallState::new())).collect();
        for (i, call) in calls.iter().enumerate() {
            pending.register(2 * i as u64 + 1, call.clone()).unwrap();
        }
        pending.close("the peer said goodbye");
        pending.close("a second reason");
        for (i, call) in calls.iter().enumerate() {
            assert_eq!(call.result(), closed("the peer said goodbye"));
            assert_eq!(call.completions(), 1);
            // A reply that arrives after the close completes nothing.
            assert!(pending.take(2 * i as u64 + 1).is_none());
        }
        assert_eq!(pending.len(), 0);
    }

    #[test]
    fn a_call_registered_after_the_close_is_refused_with_its_reason() {
        let pending = PendingCalls::default();
        pending.close("end of stream");
        let call = Arc::new(CallState::new());
        assert_eq!(
            pending.register(1, call.clone()),
            Err(RpcError::PeerClosed { reason: "end of stream".into() })
        );
        assert_eq!(pending.len(), 0);
        assert_eq!(call.completions(), 0);
    }

    #[test]
    fn a_close_racing_with_registrations_leaves_no_call_waiting() {
        let pending = Arc::new(PendingCalls::default());
        let registrar = {
            let pending = pending.clone();
            std::thread::spawn(move || {
                let mut outcomes = Vec::new();
                for id in 0..10_000u64 {
                    let call = Arc::new(CallState::new());
                    let registered = pending.register(id, call.clone()).is_ok();
                    outcomes.push((registered, call));
                }
                outcomes
            })
        };
        // Close in the middle of the registrations (unless the registrar is done by then).
        while pending.len() < 100 && !registrar.is_finished() {
            std::hint::spin_loop();
        }
        pending.close("closing");
        for (registered, call) in registrar.join().unwrap() {
            if registered {
                assert_eq!(call.result(), closed("closing"));
                assert_eq!(call.completions(), 1);
            } else {
                assert_eq!(call.completions(), 0);
            }
        }
        assert_eq!(pending.len(), 0);
    }
}
