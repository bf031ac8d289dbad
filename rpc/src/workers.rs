//! The threads of a link: who reads frames, who serves the peer's requests, and when threads
//! start and stop.
//!
//! Every thread of a link is alike (leader and followers). A thread takes its turn holding the
//! read half, waits for one frame, takes every further frame that is already there without
//! waiting, and lets go. Replies complete their calls at once; requests go into the link's job
//! queue. The thread then serves queued jobs itself until the queue is empty, and goes back to
//! reading. A burst of requests thus costs one hand-off between threads, not one per request,
//! and a handler that runs to completion (the common case: a cell is a pure function) never
//! waits for another thread.
//!
//! Threads are started for two reasons only:
//! - parallelism: a thread that goes off to serve a job when no other thread is free to read
//!   starts one more, up to [`Config::handler_threads`](crate::Config::handler_threads);
//! - liveness: a handler that waits (for the reply to its own callback, say) needs another
//!   thread to read that reply. `block_on` reports such a wait ([`HandlerWait`]); when no
//!   thread is free to read at that moment, or the last free one goes off to serve while a
//!   handler waits, one more is started, beyond the limit if need be.
//!
//! Threads beyond the limit leave once they are free again. The counters that decide this are
//! `SeqCst`: a handler that starts waiting bumps `waiting` and then reads `free`, a thread that
//! goes off to serve (or leaves) lowers `free` and then reads `waiting`, so at least one of
//! the two sees the other and starts the reader that is needed (the store-buffer litmus).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

use parking_lot::Mutex;

use crate::RpcError;
use crate::connection::{Inner, Job};
use crate::frame::{Frame, Kind};
use crate::serve::{reply, serve_one};

/// Frames taken in one turn at the read half, at most: enough to drain a burst, few enough
/// that a reply behind a long burst is routed soon.
const MAX_BATCH: usize = 256;

/// The thread bookkeeping of one link.
#[derive(Default)]
pub(crate) struct Workers {
    /// Requests read and not yet being served, oldest first.
    jobs: Mutex<VecDeque<Job>>,
    /// Live threads of the link.
    threads: AtomicUsize,
    /// Threads not serving a job: reading, waiting to read, or about to.
    free: AtomicUsize,
    /// Handlers waiting for something (their callback's reply, usually) in `block_on`.
    waiting: AtomicUsize,
}

impl Workers {
    fn next_job(&self) -> Option<Job> {
        self.jobs.lock().pop_front()
    }

    fn queue(&self, jobs: Vec<Job>) {
        self.jobs.lock().extend(jobs);
    }

    fn has_jobs(&self) -> bool {
        !self.jobs.lock().is_empty()
    }
}

thread_local! {
    /// The link whose request this thread is serving, so that `block_on` can report a
    /// handler that waits.
    static SERVING_LINK: RefCell<Option<Arc<Inner>>> = const { RefCell::new(None) };
}

/// Starts one more thread for `inner`'s link.
pub(crate) fn start_worker(inner: &Arc<Inner>) {
    let workers = &inner.workers;
    workers.threads.fetch_add(1, SeqCst);
    workers.free.fetch_add(1, SeqCst);
    let link = inner.clone();
    let started = std::thread::Builder::new().name("rpc-link".into()).spawn(move || worker(link));
    if let Err(error) = started {
        workers.threads.fetch_sub(1, SeqCst);
        workers.free.fetch_sub(1, SeqCst);
        // Cannot happen short of resource exhaustion; the link is unusable without a reader.
        eprintln!("rpc: cannot start a link thread: {error}");
    }
}

/// What ended a turn at the read half early.
enum ReadEnd {
    /// The peer closed the stream.
    Closed,
    /// A failing or malformed stream.
    Failed(RpcError),
}

fn worker(inner: Arc<Inner>) {
    let workers = &inner.workers;
    loop {
        while let Some(job) = workers.next_job() {
            if inner.is_closed() {
                // Nobody is left to answer: the close cancelled these requests.
                break;
            }
            serve_job(&inner, job);
            if leave_if_surplus(&inner) {
                return;
            }
        }
        let (frames, end) = {
            let mut reader = inner.reader.lock();
            if inner.is_closed() {
                leave(workers);
                return;
            }
            // Someone queued jobs while this thread waited for its turn: serve those first.
            if workers.has_jobs() {
                continue;
            }
            let mut frames = Vec::new();
            let mut end = None;
            match reader.recv(inner.config.max_frame, || inner.is_closed()) {
                Ok(Some(frame)) => frames.push(frame),
                Ok(None) => end = Some(ReadEnd::Closed),
                Err(error) => end = Some(ReadEnd::Failed(error)),
            }
            while end.is_none() && !frames.is_empty() && frames.len() < MAX_BATCH {
                match reader.try_recv(inner.config.max_frame) {
                    Ok(Some(frame)) => frames.push(frame),
                    Ok(None) => break,
                    Err(error) => end = Some(ReadEnd::Failed(error)),
                }
            }
            (frames, end)
        };
        route_all(&inner, frames);
        match end {
            None => {}
            Some(ReadEnd::Closed) => {
                inner.close("the peer closed the stream".into());
                leave(workers);
                return;
            }
            Some(ReadEnd::Failed(error)) => {
                if !inner.is_closed() {
                    inner.say_goodbye_and_close(error.to_string());
                }
                leave(workers);
                return;
            }
        }
    }
}

/// Routes frames in order; the requests among them join the job queue.
fn route_all(inner: &Inner, frames: Vec<Frame>) {
    let mut jobs = Vec::new();
    for frame in frames {
        if let Some(job) = inner.route(frame) {
            jobs.push(job);
        }
    }
    if !jobs.is_empty() {
        inner.workers.queue(jobs);
    }
}

/// Serves `job` on this thread, no longer counted free meanwhile.
fn serve_job(inner: &Arc<Inner>, job: Job) {
    let workers = &inner.workers;
    let free = workers.free.fetch_sub(1, SeqCst) - 1;
    if free == 0
        && (workers.waiting.load(SeqCst) > 0
            || workers.threads.load(SeqCst) < inner.config.handler_threads.max(1))
    {
        start_worker(inner);
    }
    let previous = SERVING_LINK.with(|link| link.replace(Some(inner.clone())));
    let (kind, request_id, method_id) = (job.frame.kind, job.frame.request_id, job.frame.method_id);
    // A handler that panics fails its call, not the link: the thread lives on to read and
    // serve, and the caller hears why at once instead of waiting for its timeout.
    let served = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        serve_one(inner, job.frame, job.token);
    }));
    SERVING_LINK.with(|link| *link.borrow_mut() = previous);
    if let Err(panic) = served
        && kind == Kind::Request
    {
        inner.serving.finish(request_id);
        let what = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".into());
        let error = RpcError::remote(format!("the handler panicked: {what}"));
        reply(inner, request_id, method_id, Err(error));
    }
    workers.free.fetch_add(1, SeqCst);
}

/// Leaves if the link has more threads than it keeps, unless this is the last free thread
/// while a handler waits for a reply only a reader can deliver.
fn leave_if_surplus(inner: &Inner) -> bool {
    let workers = &inner.workers;
    if workers.threads.load(SeqCst) <= inner.config.handler_threads.max(1) {
        return false;
    }
    let free = workers.free.fetch_sub(1, SeqCst) - 1;
    if free == 0 && workers.waiting.load(SeqCst) > 0 {
        workers.free.fetch_add(1, SeqCst);
        return false;
    }
    workers.threads.fetch_sub(1, SeqCst);
    true
}

fn leave(workers: &Workers) {
    workers.free.fetch_sub(1, SeqCst);
    workers.threads.fetch_sub(1, SeqCst);
}

/// Held by `block_on` while the handler it polls waits: makes sure another thread reads the
/// link meanwhile (and serves the jobs queued behind this one).
pub(crate) struct HandlerWait(Option<Arc<Inner>>);

impl HandlerWait {
    /// Reports that the handler served on this thread (if any) is about to wait.
    pub(crate) fn begin() -> HandlerWait {
        let link = SERVING_LINK.with(|link| link.borrow().clone());
        if let Some(inner) = &link {
            let workers = &inner.workers;
            workers.waiting.fetch_add(1, SeqCst);
            if workers.free.load(SeqCst) == 0 || workers.has_jobs() {
                start_worker(inner);
            }
        }
        HandlerWait(link)
    }
}

impl Drop for HandlerWait {
    fn drop(&mut self) {
        if let Some(inner) = &self.0 {
            inner.workers.waiting.fetch_sub(1, SeqCst);
        }
    }
}
