//! Which request is being served on this thread, during each poll.
//!
//! A call made while a handler for request R is being polled carries R as its parent, so the
//! peer can deliver it to the place that awaits R. Like picante's frames, the scope is one poll
//! of one handler future: handlers of several requests interleaved on one thread (nested calls
//! run inline in the awaiting call) each see their own id.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

thread_local! {
    static SERVING: Cell<u64> = const { Cell::new(0) };
}

/// The request being served by the future polled on this thread, or 0.
pub(crate) fn current_request() -> u64 {
    SERVING.with(|s| s.get())
}

/// Polls `inner` with `request` as the current request.
pub(crate) struct Serving<F> {
    pub(crate) request: u64,
    pub(crate) inner: F,
}

impl<F: Future + Unpin> Future for Serving<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        struct Restore(u64);
        impl Drop for Restore {
            fn drop(&mut self) {
                SERVING.with(|s| s.set(self.0));
            }
        }
        let _restore = Restore(SERVING.with(|s| s.replace(self.request)));
        Pin::new(&mut self.inner).poll(cx)
    }
}
