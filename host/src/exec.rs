//! Running many queries at once: a few threads, each polling many futures.
//!
//! A render spends most of its time waiting: for the template cell to answer, for a reply to
//! cross the process boundary. With one query per thread, `jobs` threads keep only `jobs`
//! calls in flight and both processes idle in between, paying a wake-up on every hand-off.
//! Here each thread keeps up to `in_flight` query futures alive and polls whichever is woken,
//! so the cell always has work queued and replies are picked up in batches.
//!
//! This is sound for picante: a computation's frame is pushed and popped around each poll
//! (not held across an `await`), so futures interleaved on one thread record their reads
//! into their own frames. The futures need not be `Send`: each stays on the thread that
//! started it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Wake, Waker};
use std::thread::Thread;

use parking_lot::Mutex;

/// Runs `work(item)` for every item on up to `threads` threads, each keeping up to
/// `in_flight` of those futures in progress at once; results in input order.
pub(crate) fn run_all<'a, T, R, F>(
    threads: usize,
    in_flight: usize,
    items: &'a [T],
    work: impl Fn(&'a T) -> F + Sync,
) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Future<Output = R>,
{
    let next = AtomicUsize::new(0);
    let results: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    if items.is_empty() {
        return Vec::new();
    }
    let threads = threads.max(1).min(items.len());
    let (results_ref, work, next) = (&results, &work, &next);
    let run = move || {
        drive(in_flight.max(1), || {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let item = items.get(i)?;
            let future = work(item);
            Some(async move {
                let result = future.await;
                *results_ref[i].lock() = Some(result);
            })
        });
    };
    // The calling thread is one of the threads: a small batch starts none.
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(run);
        }
        run();
    });
    results
        .into_iter()
        .map(|r| r.into_inner().unwrap_or_else(|| unreachable!("every item was worked on")))
        .collect()
}

/// The slots woken since the driving thread last looked, and that thread.
struct Ready {
    woken: Mutex<Vec<usize>>,
    thread: Thread,
}

/// The waker of one slot: marks the slot ready and unparks the driving thread.
struct SlotWaker {
    slot: usize,
    ready: Arc<Ready>,
}

impl Wake for SlotWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.ready.woken.lock().push(self.slot);
        self.ready.thread.unpark();
    }
}

/// Polls futures taken from `next` on this thread, up to `width` at a time, until `next` has
/// no more and all have finished.
fn drive<F: Future<Output = ()>>(width: usize, mut next: impl FnMut() -> Option<F>) {
    let ready = Arc::new(Ready { woken: Mutex::new(Vec::new()), thread: std::thread::current() });
    let wakers: Vec<Waker> = (0..width)
        .map(|slot| Waker::from(Arc::new(SlotWaker { slot, ready: ready.clone() })))
        .collect();
    // One box per slot for the whole run, refilled in place: a page's future is over a
    // kilobyte, and glibc serves every request that large by first consolidating its free
    // lists (about 20,000 instructions each time, as much as the rest of a page's work).
    let mut slots: Vec<Pin<Box<Option<F>>>> = (0..width).map(|_| Box::pin(None)).collect();
    let mut running = 0usize;
    let mut exhausted = false;
    let mut to_poll: Vec<usize> = Vec::with_capacity(width);
    loop {
        // Fill the free slots; a new future is polled at once (most finish on that poll when
        // their memo is valid).
        if !exhausted {
            for (slot, free) in slots.iter_mut().enumerate() {
                if free.is_some() {
                    continue;
                }
                let Some(future) = next() else {
                    exhausted = true;
                    break;
                };
                free.set(Some(future));
                running += 1;
                to_poll.push(slot);
            }
        }
        if running == 0 {
            return;
        }
        if to_poll.is_empty() {
            let mut woken = ready.woken.lock();
            if woken.is_empty() {
                drop(woken);
                // An unpark that came after the check above is not lost: it makes this park
                // return at once.
                std::thread::park();
                continue;
            }
            to_poll.append(&mut woken);
        }
        for slot in to_poll.drain(..) {
            let Some(future) = slots[slot].as_mut().as_pin_mut() else { continue }; // a stale wake
            let mut cx = Context::from_waker(&wakers[slot]);
            if future.poll(&mut cx).is_ready() {
                slots[slot].set(None);
                running -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::task::Poll;
    use std::time::Duration;

    /// A future that completes after another thread wakes it.
    fn woken_later(delay: Duration) -> impl Future<Output = ()> {
        let state = Arc::new(Mutex::new((false, None::<Waker>)));
        let mut started = false;
        std::future::poll_fn(move |cx| {
            let mut guard = state.lock();
            if guard.0 {
                return Poll::Ready(());
            }
            guard.1 = Some(cx.waker().clone());
            if !started {
                started = true;
                let state = state.clone();
                std::thread::spawn(move || {
                    std::thread::sleep(delay);
                    let mut guard = state.lock();
                    guard.0 = true;
                    if let Some(waker) = guard.1.take() {
                        waker.wake();
                    }
                });
            }
            Poll::Pending
        })
    }

    #[test]
    fn results_come_back_in_input_order() {
        let items: Vec<u64> = (0..100).collect();
        let out = run_all(3, 4, &items, |&i| async move {
            if i % 7 == 0 {
                woken_later(Duration::from_millis(i % 5)).await;
            }
            i * 2
        });
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn one_thread_keeps_many_waiting_futures_in_flight() {
        let waiting = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let items: Vec<u32> = (0..32).collect();
        let out = run_all(1, 32, &items, |&i| {
            let (waiting, most) = (&waiting, &most);
            async move {
                let now = waiting.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                woken_later(Duration::from_millis(5)).await;
                waiting.fetch_sub(1, Ordering::SeqCst);
                i
            }
        });
        assert_eq!(out, items);
        assert_eq!(most.load(Ordering::SeqCst), 32, "all 32 were waiting at once");
    }

    #[test]
    fn no_items_is_no_work() {
        let out: Vec<u8> = run_all(4, 8, &[] as &[u8], |_| async { 1 });
        assert!(out.is_empty());
    }
}
