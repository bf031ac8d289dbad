//! A call in flight, as a future.
//!
//! The caller's future does two jobs while it waits for the reply. It resolves when the reply
//! arrives (the link thread that reads it fills the slot and wakes it). And it serves the peer's nested
//! requests: a request whose parent is this call is delivered here, and its handler runs
//! inside this future's `poll`, in the caller's task. For the host that is the whole point: a
//! template cell's `resolve_template` callback is served inside the query that called the cell,
//! so the query runtime records it as that query's dependency.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use parking_lot::Mutex;

use crate::connection::{Connection, Inner};
use crate::dispatch::Dispatcher;
use crate::frame::{Frame, Kind};
use crate::scope::{Serving, current_request};
use crate::serve::{CancelToken, reply};
use crate::{BoxFuture, RpcError};

/// The reply slot of one call, shared with the link's threads and the timer.
pub(crate) struct CallState {
    slot: Mutex<Slot>,
}

#[derive(Default)]
struct Slot {
    result: Option<Result<Vec<u8>, RpcError>>,
    waker: Option<Waker>,
    nested: Vec<(Frame, Arc<CancelToken>)>,
    /// Calls of `complete` so far (tests check that each call is completed once).
    #[cfg(test)]
    completions: u32,
}

impl CallState {
    /// A call with no reply yet.
    pub(crate) fn new() -> CallState {
        CallState { slot: Mutex::new(Slot::default()) }
    }

    /// Sets the call's result (the first one wins) and wakes it.
    pub(crate) fn complete(&self, result: Result<Vec<u8>, RpcError>) {
        let waker = {
            let mut slot = self.slot.lock();
            #[cfg(test)]
            {
                slot.completions += 1;
            }
            if slot.result.is_none() {
                slot.result = Some(result);
            }
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// The result set by `complete`, if any (left in place).
    #[cfg(test)]
    pub(crate) fn result(&self) -> Option<Result<Vec<u8>, RpcError>> {
        self.slot.lock().result.clone()
    }

    /// How many times `complete` was called (only the first sets the result).
    #[cfg(test)]
    pub(crate) fn completions(&self) -> u32 {
        self.slot.lock().completions
    }

    /// Hands a nested request (and its cancel token) to the call and wakes it to serve it.
    pub(crate) fn push_nested(&self, frame: Frame, token: Arc<CancelToken>) {
        let waker = {
            let mut slot = self.slot.lock();
            slot.nested.push((frame, token));
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// A nested request being served inside a call.
struct Nested<'a> {
    request_id: u64,
    token: Arc<CancelToken>,
    future: Serving<BoxFuture<'a, Result<Vec<u8>, RpcError>>>,
}

/// A call awaiting its reply; resolves to the reply's payload.
///
/// Dropping it before it resolves sends a cancel to the peer.
#[must_use = "a call does nothing unless awaited"]
pub struct Call<'a> {
    inner: &'a Inner,
    id: u64,
    state: Arc<CallState>,
    /// Serves nested requests; the connection's dispatcher when `None`.
    local: Option<&'a dyn Dispatcher>,
    nested: Vec<Nested<'a>>,
    /// An error found before the request could be sent.
    early: Option<RpcError>,
    finished: bool,
    /// The call's timeout, cancelled when the call ends.
    deadline: Option<crate::timer::Deadline>,
}

impl Connection {
    /// Calls `method_id` with `payload`. Nested requests the peer makes while serving it are
    /// served by this connection's dispatcher, inside the returned future.
    pub fn call(&self, method_id: u32, payload: Vec<u8>) -> Call<'_> {
        self.start_call(method_id, payload, None)
    }

    /// Like [`call`](Self::call), with `local` serving the nested requests: a handler that
    /// may borrow the caller's state (a database, a query context).
    pub fn call_with<'a>(
        &'a self,
        method_id: u32,
        payload: Vec<u8>,
        local: &'a dyn Dispatcher,
    ) -> Call<'a> {
        self.start_call(method_id, payload, Some(local))
    }

    fn start_call<'a>(
        &'a self,
        method_id: u32,
        payload: Vec<u8>,
        local: Option<&'a dyn Dispatcher>,
    ) -> Call<'a> {
        let inner: &'a Inner = self.inner();
        let id = inner.next_request_id();
        let state = Arc::new(CallState::new());
        let mut call = Call {
            inner,
            id,
            state,
            local,
            nested: Vec::new(),
            early: None,
            finished: false,
            deadline: None,
        };
        // Registered before sending, since the reply may come before `send` returns. A closed
        // link refuses it here; a close racing with this fails it (see `PendingCalls`).
        if let Err(error) = inner.pending.register(id, call.state.clone()) {
            call.early = Some(error);
            return call;
        }
        let frame = Frame {
            kind: Kind::Request,
            request_id: id,
            parent_id: current_request(inner),
            method_id,
            payload,
        };
        if let Err(error) = inner.send(&frame) {
            inner.pending.forget(id);
            call.early = Some(error);
            return call;
        }
        let after = inner.config.call_timeout;
        let weak = Arc::downgrade(&call.state);
        call.deadline = Some(crate::timer::schedule(Instant::now() + after, move || {
            if let Some(state) = weak.upgrade() {
                state.complete(Err(RpcError::Timeout { after }));
            }
        }));
        call
    }
}

impl Call<'_> {
    fn start_nested(&mut self, frame: Frame, token: Arc<CancelToken>) {
        if let Some(result) = self.inner.serve_internal(frame.method_id, &frame.payload) {
            self.inner.serving.finish(frame.request_id);
            reply(self.inner, frame.request_id, frame.method_id, result);
            return;
        }
        let dispatcher = self.local.or(self.inner.dispatcher.as_deref());
        let future = dispatcher.and_then(|d| d.dispatch(frame.method_id, frame.payload));
        let Some(future) = future else {
            self.inner.serving.finish(frame.request_id);
            let error = RpcError::UnknownMethod { method_id: frame.method_id };
            reply(self.inner, frame.request_id, frame.method_id, Err(error));
            return;
        };
        self.nested.push(Nested {
            request_id: frame.request_id,
            token,
            future: Serving {
                link: crate::scope::link_id(self.inner),
                request: frame.request_id,
                inner: future,
            },
        });
    }

    /// Polls every nested handler once, replying for those that finish.
    fn poll_nested(&mut self, cx: &mut Context<'_>) {
        let mut i = 0;
        while i < self.nested.len() {
            let handler = &mut self.nested[i];
            // A cancelled handler is dropped without a reply: its caller is gone.
            let outcome = if handler.token.is_cancelled() {
                Some(None)
            } else {
                handler.token.set_waker(cx.waker());
                match Pin::new(&mut handler.future).poll(cx) {
                    Poll::Ready(result) => Some(Some(result)),
                    Poll::Pending => None,
                }
            };
            match outcome {
                Some(result) => {
                    let handler = self.nested.swap_remove(i);
                    self.inner.serving.finish(handler.request_id);
                    if let Some(result) = result {
                        reply(self.inner, handler.request_id, 0, result);
                    }
                }
                None => i += 1,
            }
        }
    }
}

impl Future for Call<'_> {
    type Output = Result<Vec<u8>, RpcError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Some(error) = this.early.take() {
            this.finished = true;
            return Poll::Ready(Err(error));
        }
        loop {
            let (result, nested) = {
                let mut slot = this.state.slot.lock();
                match &slot.waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => slot.waker = Some(cx.waker().clone()),
                }
                (slot.result.take(), std::mem::take(&mut slot.nested))
            };
            if let Some(result) = result {
                this.finished = true;
                this.inner.pending.forget(this.id);
                // A request nested in a call that has ended can no longer be served here: a
                // well-behaved peer never does this, but its caller must hear so, not wait.
                for (frame, _token) in nested {
                    this.refuse_orphan(frame.request_id, frame.method_id);
                }
                if matches!(result, Err(RpcError::Timeout { .. })) {
                    this.send_cancel();
                }
                return Poll::Ready(result);
            }
            let had_new = !nested.is_empty();
            for (frame, token) in nested {
                this.start_nested(frame, token);
            }
            this.poll_nested(cx);
            // A handler that just finished may have let the reply in; look again before
            // sleeping only if something changed.
            if !had_new {
                return Poll::Pending;
            }
        }
    }
}

impl Call<'_> {
    /// Ends a nested request that this call will not serve, with an error reply.
    fn refuse_orphan(&self, request_id: u64, method_id: u32) {
        self.inner.serving.finish(request_id);
        let error = RpcError::remote(format!(
            "request {request_id} was nested in call {} of ours, which ended before serving it",
            self.id
        ));
        reply(self.inner, request_id, method_id, Err(error));
    }

    fn send_cancel(&self) {
        let _ = self.inner.send(&Frame {
            kind: Kind::Cancel,
            request_id: self.id,
            parent_id: 0,
            method_id: 0,
            payload: Vec::new(),
        });
    }
}

impl Drop for Call<'_> {
    fn drop(&mut self) {
        if let Some(deadline) = self.deadline.take() {
            crate::timer::cancel(deadline);
        }
        // Handlers still running when the call ends (it was dropped, or the peer replied
        // before answering us): each request gets an error, so no peer waits for its timeout.
        // A request its caller cancelled needs no answer.
        let orphans: Vec<(u64, Arc<CancelToken>)> =
            self.nested.drain(..).map(|h| (h.request_id, h.token)).collect();
        let queued = std::mem::take(&mut self.state.slot.lock().nested);
        let queued = queued.into_iter().map(|(frame, token)| (frame.request_id, token));
        for (request_id, token) in orphans.into_iter().chain(queued) {
            if token.is_cancelled() {
                self.inner.serving.finish(request_id);
            } else {
                self.refuse_orphan(request_id, 0);
            }
        }
        if !self.finished && self.early.is_none() {
            self.inner.pending.forget(self.id);
            self.send_cancel();
        }
    }
}
