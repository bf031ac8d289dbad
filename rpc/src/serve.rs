//! Serving the peer's requests: cancellation tokens, running a handler, replies.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};

use parking_lot::Mutex;

use crate::RpcError;
use crate::connection::Inner;
use crate::frame::{Frame, Kind};
use crate::scope::Serving;

/// Set when the peer cancels a request we serve (or the link closes); wakes the handler so
/// that it is dropped promptly.
#[derive(Default)]
pub(crate) struct CancelToken {
    cancelled: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl CancelToken {
    pub(crate) fn cancel(&self) {
        self.cancelled.store(true, Ordering::Release);
        if let Some(waker) = self.waker.lock().take() {
            waker.wake();
        }
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Acquire)
    }

    pub(crate) fn set_waker(&self, waker: &Waker) {
        let mut slot = self.waker.lock();
        match &*slot {
            Some(w) if w.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }
}

/// Resolves to `None` as soon as its token is cancelled.
struct Cancellable<'t, F> {
    token: &'t CancelToken,
    future: F,
}

impl<F: Future + Unpin> Future for Cancellable<'_, F> {
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.token.is_cancelled() {
            return Poll::Ready(None);
        }
        self.token.set_waker(cx.waker());
        Pin::new(&mut self.future).poll(cx).map(Some)
    }
}

/// Sends the reply to request `request_id` (errors go back as `Error` frames).
pub(crate) fn reply(
    inner: &Inner,
    request_id: u64,
    method_id: u32,
    result: Result<Vec<u8>, RpcError>,
) {
    let frame = match result {
        Ok(payload) => Frame { kind: Kind::Response, request_id, parent_id: 0, method_id, payload },
        Err(error) => Frame {
            kind: Kind::Error,
            request_id,
            parent_id: 0,
            method_id,
            payload: error.to_wire(),
        },
    };
    if let Err(error) = inner.send(&frame) {
        // The reply itself is too large for the peer: tell the caller that instead.
        if let RpcError::FrameTooLarge { .. } = error {
            let _ = inner.send(&Frame {
                kind: Kind::Error,
                request_id,
                parent_id: 0,
                method_id,
                payload: error.to_wire(),
            });
        }
    }
}

/// Serves one request (or notification) on this thread, replying unless cancelled.
pub(crate) fn serve_one(inner: &Arc<Inner>, frame: Frame, token: Arc<CancelToken>) {
    let wants_reply = frame.kind == Kind::Request;
    let (request_id, method_id) = (frame.request_id, frame.method_id);
    if let Some(result) = inner.serve_internal(method_id, &frame.payload) {
        inner.serving.finish(request_id);
        if wants_reply {
            reply(inner, request_id, method_id, result);
        }
        return;
    }
    let Some(dispatcher) = inner.dispatcher.clone() else { return };
    let Some(future) = dispatcher.dispatch(method_id, frame.payload) else {
        if wants_reply {
            inner.serving.finish(request_id);
            reply(inner, request_id, method_id, Err(RpcError::UnknownMethod { method_id }));
        }
        return;
    };
    let scoped = Serving {
        link: crate::scope::link_id(inner),
        request: if wants_reply { request_id } else { 0 },
        inner: future,
    };
    let outcome = crate::block_on::block_on(Cancellable { token: &token, future: scoped });
    if wants_reply {
        inner.serving.finish(request_id);
        if let Some(result) = outcome {
            reply(inner, request_id, method_id, result);
        }
    }
}
