//! The live-reload event streams: connections handed over after their response head, each
//! written to on every change, none holding a thread.

use std::io::Write;
use std::net::TcpStream;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use cell_proto::SiteChange;

use crate::reload::change_event;

/// How long a write to one stream may block before that stream is dropped: a browser that
/// stopped reading must not hold up the others.
const WRITE_TIMEOUT: Duration = Duration::from_secs(2);
/// How often a comment line goes to every stream, to find closed ones (and keep proxies from
/// timing them out).
const PING_EVERY: Duration = Duration::from_secs(15);

/// The open event streams.
pub(crate) struct Events {
    streams: Mutex<Vec<TcpStream>>,
    max: usize,
    /// The event of the last change that had errors, sent to each new stream so that a page
    /// opened (or reloaded) while the site is broken shows the overlay at once; `None` once
    /// the errors are gone.
    errors: Mutex<Option<String>>,
}

impl Events {
    pub(crate) fn new(max: usize) -> Arc<Events> {
        let events =
            Arc::new(Events { streams: Mutex::new(Vec::new()), max, errors: Mutex::new(None) });
        let weak = Arc::downgrade(&events);
        let _ =
            std::thread::Builder::new().name("http-events-ping".into()).spawn(move || ping(weak));
        events
    }

    /// Takes over `stream` (whose request asked for the events): writes the response head,
    /// then keeps it. `false` when there are already as many streams as allowed (the caller
    /// answers 503).
    pub(crate) fn subscribe(&self, mut stream: TcpStream) -> bool {
        let mut streams = lock(&self.streams);
        if streams.len() >= self.max {
            return false;
        }
        let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
        // `retry`: the browser reconnects after a second when the stream drops (a restarted
        // cell, say). No Content-Length: the body ends when the connection does.
        let mut head = String::from(
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n\
             Connection: keep-alive\r\n\r\nretry: 1000\n\n",
        );
        if let Some(errors) = lock(&self.errors).as_ref() {
            head.push_str(errors);
        }
        if stream.write_all(head.as_bytes()).is_ok() {
            streams.push(stream);
        }
        true
    }

    /// Sends `change` to every stream; streams that fail are dropped.
    pub(crate) fn broadcast(&self, change: &SiteChange) {
        let event = change_event(change);
        *lock(&self.errors) = if change.errors.is_empty() { None } else { Some(event.clone()) };
        self.send(&event);
    }

    fn send(&self, text: &str) {
        lock(&self.streams).retain_mut(|stream| stream.write_all(text.as_bytes()).is_ok());
    }

    /// Streams open now.
    pub(crate) fn len(&self) -> usize {
        lock(&self.streams).len()
    }
}

fn ping(events: Weak<Events>) {
    loop {
        std::thread::sleep(PING_EVERY);
        match events.upgrade() {
            Some(events) => events.send(": ping\n\n"),
            None => return,
        }
    }
}

/// A lock, even if a thread panicked holding it: the list of streams stays usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
