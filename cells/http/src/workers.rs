//! The connection threads: one per open connection, since a connection is served with
//! blocking reads and writes, but kept when their connection ends, to serve the next one.
//!
//! Why kept: a thread started per connection and ended with it made the cell's resident
//! memory creep up as connections came and went (serve-bench: 4.9 MB after 1,000 requests,
//! 5.5 MB after 100,000, 5.6 MB after 200,000, each step on 64 new connections). Every new
//! thread is given one of glibc's malloc arenas, and its allocations land beside what the
//! previous threads left there, touching a little more of the arena each time; with one
//! arena for all (`MALLOC_ARENA_MAX=1`) the main heap crept the same way. A thread that
//! lives on serves its next connection with the same stack, the same arena and the same
//! freed chunks (its allocator cache), so once the threads for the busiest moment exist,
//! nothing new is touched. Threads idle for [`IDLE`] end, so a burst's threads do not stay.
//!
//! The hand-over: a new connection goes to a waiting thread when one is free (it is pushed
//! on the queue and one waiter woken), else to a new thread. `idle` counts the threads
//! waiting, so a connection is queued only when a waiter is there to take it; a waiter that
//! times out looks at the queue once more, under the lock, before it ends, so no connection
//! is left behind.

use std::collections::VecDeque;
use std::marker::PhantomData;
use std::net::TcpStream;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// How long a thread waits for another connection before it ends.
pub(crate) const IDLE: Duration = Duration::from_secs(30);

/// The connection threads and the connections handed to them; each thread has an `S` of its
/// own, kept from one connection to the next (its buffers).
pub(crate) struct Workers<F, S> {
    queue: Mutex<Queue>,
    ready: Condvar,
    serve: F,
    idle_for: Duration,
    state: PhantomData<fn() -> S>,
}

struct Queue {
    streams: VecDeque<TcpStream>,
    /// Threads waiting for a connection.
    idle: usize,
    /// Threads alive.
    threads: usize,
}

impl<F, S> Workers<F, S>
where
    F: Fn(TcpStream, &mut S) + Send + Sync + 'static,
    S: Default + 'static,
{
    /// Threads that call `serve` for each connection, and wait `idle_for` for the next.
    pub(crate) fn new(serve: F, idle_for: Duration) -> Arc<Workers<F, S>> {
        let queue = Queue { streams: VecDeque::new(), idle: 0, threads: 0 };
        Arc::new(Workers {
            queue: Mutex::new(queue),
            ready: Condvar::new(),
            serve,
            idle_for,
            state: PhantomData,
        })
    }

    /// Serves `stream` on a waiting thread, or on a new one; `false` when no thread can be
    /// started (the stream is dropped: closed).
    pub(crate) fn run(self: &Arc<Self>, stream: TcpStream) -> bool {
        let mut queue = self.lock();
        if queue.idle > queue.streams.len() {
            queue.streams.push_back(stream);
            drop(queue);
            self.ready.notify_one();
            return true;
        }
        queue.threads += 1;
        drop(queue);
        let workers = self.clone();
        let started = std::thread::Builder::new()
            .name("http-connection".into())
            .spawn(move || workers.work(stream));
        if started.is_err() {
            self.lock().threads -= 1;
        }
        started.is_ok()
    }

    /// Threads alive, and those waiting for a connection.
    #[cfg(test)]
    fn threads(&self) -> (usize, usize) {
        let queue = self.lock();
        (queue.threads, queue.idle)
    }

    fn work(&self, mut stream: TcpStream) {
        let mut state = S::default();
        loop {
            (self.serve)(stream, &mut state);
            match self.next() {
                Some(next) => stream = next,
                None => return,
            }
        }
    }

    /// Waits for the next connection; `None` (and this thread ends) after `idle_for`.
    fn next(&self) -> Option<TcpStream> {
        let deadline = Instant::now() + self.idle_for;
        let mut queue = self.lock();
        queue.idle += 1;
        loop {
            if let Some(stream) = queue.streams.pop_front() {
                queue.idle -= 1;
                return Some(stream);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                queue.idle -= 1;
                queue.threads -= 1;
                return None;
            }
            queue = self.ready.wait_timeout(queue, left).unwrap_or_else(PoisonError::into_inner).0;
        }
    }

    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::mpsc::channel;

    /// A connected pair of sockets: (ours, the server's).
    fn pair(listener: &TcpListener) -> (TcpStream, TcpStream) {
        let ours = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (theirs, _) = listener.accept().unwrap();
        (ours, theirs)
    }

    #[test]
    fn a_thread_whose_connection_ended_serves_the_next_one() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let (names, named) = channel();
        let names = Mutex::new(names);
        let workers = Workers::new(
            move |mut stream: TcpStream, _: &mut ()| {
                let name = format!("{:?}", std::thread::current().id());
                names.lock().unwrap().send(name).unwrap();
                let _ = stream.write_all(b"x");
            },
            Duration::from_secs(60),
        );
        let mut threads = Vec::new();
        for _ in 0..5 {
            let (mut ours, theirs) = pair(&listener);
            assert!(workers.run(theirs));
            let mut byte = [0u8];
            ours.read_exact(&mut byte).unwrap();
            threads.push(named.recv().unwrap());
            // Served: wait (bounded by the test harness) until the thread is waiting again,
            // so the next connection is handed to it.
            while workers.threads().1 == 0 {
                std::thread::yield_now();
            }
        }
        assert!(threads.iter().all(|t| *t == threads[0]), "{threads:?}");
        assert_eq!(workers.threads(), (1, 1));
    }

    #[test]
    fn connections_open_at_once_get_a_thread_each_and_idle_threads_end() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let (done, finished) = channel::<()>();
        let done = Mutex::new(done);
        let workers = Workers::new(
            move |mut stream: TcpStream, _: &mut ()| {
                // Holds its connection until the other side closes it.
                let mut sink = Vec::new();
                let _ = stream.read_to_end(&mut sink);
                done.lock().unwrap().send(()).unwrap();
            },
            Duration::from_millis(10),
        );
        let mut ours = Vec::new();
        for _ in 0..4 {
            let (mine, theirs) = pair(&listener);
            assert!(workers.run(theirs));
            ours.push(mine);
        }
        assert_eq!(workers.threads().0, 4);
        drop(ours);
        for _ in 0..4 {
            finished.recv().unwrap();
        }
        while workers.threads().0 > 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(workers.threads(), (0, 0));
    }
}
