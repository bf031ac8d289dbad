//! Which request is being served on this thread, during each poll, and on which link.
//!
//! A call made while a handler for request R is being polled carries R as its parent, so the
//! peer can deliver it to the place that awaits R. Like picante's frames, the scope is one poll
//! of one handler future: handlers of several requests interleaved on one thread (nested calls
//! run inline in the awaiting call) each see their own id.
//!
//! Request ids are numbered by each link's caller, so R means something only on the link it
//! came from. A handler that calls out on *another* link (the host serving a markdown cell's
//! callback by calling the template cell) must not send R there: that peer would take it for
//! one of its own calls with the same number, deliver our request into it, and drop it
//! unanswered when that call ended. So the scope remembers the link, and a call on any other
//! link has no parent.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::connection::Inner;

thread_local! {
    /// The link (its `Inner`'s address) and the request served on it, or `(0, 0)`.
    static SERVING: Cell<(usize, u64)> = const { Cell::new((0, 0)) };
}

/// A link's identity while it is alive: the address of its shared state.
pub(crate) fn link_id(inner: &Inner) -> usize {
    std::ptr::from_ref(inner) as usize
}

/// The request being served on `link` by the future polled on this thread, or 0 (nothing is
/// being served, or what is being served came from another link).
pub(crate) fn current_request(link: &Inner) -> u64 {
    let (serving_link, request) = SERVING.with(Cell::get);
    if serving_link == link_id(link) { request } else { 0 }
}

/// Polls `inner` with `request` of `link` as the current request.
pub(crate) struct Serving<F> {
    pub(crate) link: usize,
    pub(crate) request: u64,
    pub(crate) inner: F,
}

impl<F: Future + Unpin> Future for Serving<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        struct Restore((usize, u64));
        impl Drop for Restore {
            fn drop(&mut self) {
                SERVING.with(|s| s.set(self.0));
            }
        }
        let _restore = Restore(SERVING.with(|s| s.replace((self.link, self.request))));
        Pin::new(&mut self.inner).poll(cx)
    }
}
