//! Runs a future to completion on the current thread (for the link's threads and callers).
//!
//! The classic thread-parking executor: the waker unparks the thread that is blocked in
//! `block_on`. Written out (twenty lines) rather than taken from `pollster`, which ARCHITECTURE.md's dependency rules
//! does not list for this crate.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

struct Unparker {
    thread: Thread,
    woken: AtomicBool,
}

impl Wake for Unparker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.thread.unpark();
    }
}

/// Spin iterations before parking (each a `spin_loop` hint; a few microseconds in all). Longer
/// spins cut a lone call's latency further but cost throughput when calls overlap on two cores.
const SPIN: u32 = 2_000;

/// Polls `future` until it is ready, parking the thread in between.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let unparker =
        Arc::new(Unparker { thread: std::thread::current(), woken: AtomicBool::new(false) });
    let waker = Waker::from(unparker.clone());
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut cx) {
            return output;
        }
        // A handler of the link that waits: another thread must read the link meanwhile.
        let _wait = crate::workers::HandlerWait::begin();
        // A reply often arrives within microseconds: spin briefly before parking, since
        // waking a parked thread costs tens of microseconds on an idle VM CPU.
        let mut woken = false;
        for _ in 0..SPIN {
            if unparker.woken.swap(false, Ordering::Acquire) {
                woken = true;
                break;
            }
            std::hint::spin_loop();
        }
        // `park` may return spuriously; the flag tells a real wake-up.
        while !woken && !unparker.woken.swap(false, Ordering::Acquire) {
            std::thread::park();
        }
    }
}
