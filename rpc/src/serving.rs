//! The peer's requests this side is serving, with the tokens that cancel them.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::serve::CancelToken;

/// The peer's requests being served, by request id, so that a cancel (or the link's close)
/// can stop their handlers.
///
/// A request is registered when it is read, before it waits in the job queue or in the call
/// it is nested in, so a cancel that overtakes it there is not lost; it leaves when its
/// handler finishes or is refused. [`cancel_all`](Self::cancel_all) closes the table: a
/// request that starts after it gets a token already cancelled.
#[derive(Default)]
pub(crate) struct ServingRequests {
    table: Mutex<Table>,
}

#[derive(Default)]
struct Table {
    tokens: HashMap<u64, Arc<CancelToken>>,
    closed: bool,
}

impl ServingRequests {
    /// Starts serving request `id`: the token its handler watches.
    pub(crate) fn start(&self, id: u64) -> Arc<CancelToken> {
        let token = Arc::new(CancelToken::default());
        let mut table = self.table.lock();
        if table.closed {
            token.cancel();
        } else {
            table.tokens.insert(id, token.clone());
        }
        token
    }

    /// Request `id` is done (replied to, refused or dropped): a cancel for it now does nothing.
    pub(crate) fn finish(&self, id: u64) {
        self.table.lock().tokens.remove(&id);
    }

    /// Cancels request `id` (the peer gave up on it). False if it is not being served: it
    /// finished already, or the peer never sent it.
    pub(crate) fn cancel(&self, id: u64) -> bool {
        let token = self.table.lock().tokens.get(&id).cloned();
        // Cancelled outside the lock: cancelling wakes the handler's task.
        match token {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    /// Cancels every request being served and every one started from now on (the link
    /// closed: nobody is left to read the replies).
    pub(crate) fn cancel_all(&self) {
        let tokens: Vec<Arc<CancelToken>> = {
            let mut table = self.table.lock();
            table.closed = true;
            table.tokens.drain().map(|(_, token)| token).collect()
        };
        for token in tokens {
            token.cancel();
        }
    }

    /// How many requests are being served.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.table.lock().tokens.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancel_that_overtakes_the_handler_is_not_lost() {
        let serving = ServingRequests::default();
        let token = serving.start(4);
        // The handler has not run yet (its job is still queued) when the cancel arrives.
        assert!(serving.cancel(4));
        assert!(token.is_cancelled());
    }

    #[test]
    fn a_cancel_for_an_unknown_request_is_ignored() {
        let serving = ServingRequests::default();
        let token = serving.start(4);
        assert!(!serving.cancel(6));
        assert!(!token.is_cancelled());
    }

    #[test]
    fn a_cancel_after_the_request_finished_does_nothing() {
        let serving = ServingRequests::default();
        let token = serving.start(4);
        serving.finish(4);
        assert!(!serving.cancel(4));
        assert!(!token.is_cancelled());
        assert_eq!(serving.len(), 0);
    }

    #[test]
    fn cancel_all_cancels_every_request_and_those_started_later() {
        let serving = ServingRequests::default();
        let tokens: Vec<_> = (0..4).map(|i| serving.start(2 * i)).collect();
        serving.cancel_all();
        assert!(tokens.iter().all(|token| token.is_cancelled()));
        assert_eq!(serving.len(), 0);
        let late = serving.start(100);
        assert!(late.is_cancelled());
        assert_eq!(serving.len(), 0);
    }
}
