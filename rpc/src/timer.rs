//! Call deadlines: one thread for the whole process wakes calls whose timeout expired.
//!
//! Calls are futures with no executor to lean on, so something must wake a call that nobody
//! answers. A single timer thread (started on first use) keeps a heap of deadlines and sleeps
//! until the earliest; an expired deadline runs its callback, which fails the call with
//! `Timeout` and wakes it. A call that completes first simply leaves a stale entry whose
//! callback finds nothing to do.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::OnceLock;
use std::time::Instant;

use parking_lot::{Condvar, Mutex};

type Callback = Box<dyn FnOnce() + Send>;

struct Entry {
    at: Instant,
    seq: u64,
    callback: Callback,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

struct Timer {
    queue: Mutex<(BinaryHeap<Reverse<Entry>>, u64)>,
    changed: Condvar,
}

fn timer() -> &'static Timer {
    static TIMER: OnceLock<&'static Timer> = OnceLock::new();
    TIMER.get_or_init(|| {
        let timer: &'static Timer = Box::leak(Box::new(Timer {
            queue: Mutex::new((BinaryHeap::new(), 0)),
            changed: Condvar::new(),
        }));
        std::thread::Builder::new()
            .name("rpc-timer".into())
            .spawn(move || run(timer))
            .expect("rpc: cannot start the timer thread");
        timer
    })
}

fn run(timer: &'static Timer) {
    let mut queue = timer.queue.lock();
    loop {
        let now = Instant::now();
        let due = match queue.0.peek() {
            Some(Reverse(entry)) if entry.at <= now => queue.0.pop().map(|Reverse(e)| e),
            Some(Reverse(entry)) => {
                let at = entry.at;
                timer.changed.wait_until(&mut queue, at);
                continue;
            }
            None => {
                timer.changed.wait(&mut queue);
                continue;
            }
        };
        if let Some(entry) = due {
            // Run the callback without the lock: it wakes a future, which may schedule more.
            drop(queue);
            (entry.callback)();
            queue = timer.queue.lock();
        }
    }
}

/// Runs `callback` on the timer thread at `at` (or soon after).
pub(crate) fn schedule(at: Instant, callback: impl FnOnce() + Send + 'static) {
    let timer = timer();
    let mut queue = timer.queue.lock();
    queue.1 += 1;
    let seq = queue.1;
    let earliest = queue.0.peek().is_none_or(|Reverse(e)| at < e.at);
    queue.0.push(Reverse(Entry { at, seq, callback: Box::new(callback) }));
    if earliest {
        timer.changed.notify_one();
    }
}
