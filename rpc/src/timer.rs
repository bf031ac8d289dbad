//! Call deadlines: one thread for the whole process wakes calls whose timeout expired.
//!
//! Calls are futures with no executor to lean on, so something must wake a call that nobody
//! answers. A single timer thread (started on first use) keeps the deadlines in order and
//! sleeps until the earliest; an expired deadline runs its callback, which fails the call with
//! `Timeout` and wakes it. A call that completes first cancels its deadline, so a busy link
//! keeps only its calls in flight here, not every call of the last timeout period.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::Instant;

use parking_lot::{Condvar, Mutex};

type Callback = Box<dyn FnOnce() + Send>;

/// Identifies a scheduled deadline, to cancel it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Deadline {
    at: Instant,
    seq: u64,
}

#[derive(Default)]
struct Queue {
    entries: BTreeMap<Deadline, Callback>,
    next_seq: u64,
}

struct Timer {
    queue: Mutex<Queue>,
    changed: Condvar,
}

fn timer() -> &'static Timer {
    static TIMER: OnceLock<&'static Timer> = OnceLock::new();
    TIMER.get_or_init(|| {
        let timer: &'static Timer = Box::leak(Box::new(Timer {
            queue: Mutex::new(Queue::default()),
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
        let Some((&first, _)) = queue.entries.first_key_value() else {
            timer.changed.wait(&mut queue);
            continue;
        };
        if first.at > Instant::now() {
            timer.changed.wait_until(&mut queue, first.at);
            continue;
        }
        if let Some(callback) = queue.entries.remove(&first) {
            // Run the callback without the lock: it wakes a future, which may schedule more.
            drop(queue);
            callback();
            queue = timer.queue.lock();
        }
    }
}

/// Runs `callback` on the timer thread at `at` (or soon after), unless cancelled first.
pub(crate) fn schedule(at: Instant, callback: impl FnOnce() + Send + 'static) -> Deadline {
    let timer = timer();
    let mut queue = timer.queue.lock();
    queue.next_seq += 1;
    let deadline = Deadline { at, seq: queue.next_seq };
    let earliest = queue.entries.first_key_value().is_none_or(|(first, _)| deadline < *first);
    queue.entries.insert(deadline, Box::new(callback));
    if earliest {
        timer.changed.notify_one();
    }
    deadline
}

/// Forgets `deadline` (no-op if it already fired).
pub(crate) fn cancel(deadline: Deadline) {
    let removed = timer().queue.lock().entries.remove(&deadline);
    // Dropped outside the lock: the callback owns a weak handle to the call.
    drop(removed);
}

/// Whether `deadline` is still scheduled (for tests).
#[cfg(test)]
pub(crate) fn is_scheduled(deadline: Deadline) -> bool {
    timer().queue.lock().entries.contains_key(&deadline)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[test]
    fn deadlines_fire_in_order_and_cancelled_ones_never_fire() {
        let fired = Arc::new(Mutex::new(Vec::new()));
        let cancelled = Arc::new(AtomicUsize::new(0));
        let now = Instant::now();
        for (i, ms) in [(0u32, 60u64), (1, 20), (2, 40)] {
            let fired = fired.clone();
            schedule(now + Duration::from_millis(ms), move || fired.lock().push(i));
        }
        let c = cancelled.clone();
        let doomed = schedule(now + Duration::from_millis(30), move || {
            c.fetch_add(1, Ordering::SeqCst);
        });
        cancel(doomed);
        let deadline = Instant::now() + Duration::from_secs(10);
        while fired.lock().len() < 3 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(*fired.lock(), vec![1, 2, 0]);
        assert_eq!(cancelled.load(Ordering::SeqCst), 0);
    }

    #[test]
    fn cancelling_removes_the_entry() {
        // Other tests share the process-wide timer, so look at our own entries only.
        let far = Instant::now() + Duration::from_secs(3600);
        let keys: Vec<_> = (0..100).map(|_| schedule(far, || {})).collect();
        assert!(keys.iter().all(|&key| is_scheduled(key)));
        for &key in &keys {
            cancel(key);
        }
        assert!(keys.iter().all(|&key| !is_scheduled(key)), "entries are gone once cancelled");
    }
}
