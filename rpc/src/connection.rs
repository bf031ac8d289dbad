//! A connection: the shared state of one link, routing frames, and closing (its threads are
//! in `workers`).

use std::io::{BufReader, Write};

use crate::transport::{Reader, RingTransport, Writer};
use std::os::unix::net::UnixStream;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use parking_lot::{Condvar, Mutex};

use crate::RpcError;
use crate::dispatch::Dispatcher;
use crate::frame::{Frame, Kind};
use crate::hello::Hello;
use crate::pending::PendingCalls;
use crate::serve::CancelToken;
use crate::serving::ServingRequests;
use crate::workers::{Workers, start_worker};

/// Which end of the link this is. Request ids never collide: the host numbers its calls with
/// odd ids, the cell with even ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The side that started the other (odd request ids).
    Host,
    /// The side that was started (even request ids).
    Cell,
}

/// Settings of a connection; [`Config::default`] suits host–cell links.
#[derive(Clone, Debug)]
pub struct Config {
    /// Largest frame accepted from the peer (bytes after the length prefix).
    pub max_frame: u32,
    /// How long a call waits for its reply before failing with `Timeout`.
    pub call_timeout: Duration,
    /// How long to wait for the peer's hello.
    pub hello_timeout: Duration,
    /// Blobs up to this many bytes travel inline in the frame; larger ones go through the
    /// shared heap when the link has one.
    pub blob_inline_max: usize,
    /// Size of the shared heap that [`crate::cell::spawn`] creates for the link (0: none).
    pub shared_heap: usize,
    /// Threads that read the link and serve the peer's requests (those not nested in one of
    /// our calls) in parallel. A handler that waits (on its own callback's reply, say) gets
    /// one more thread to read meanwhile, beyond this number if need be, so the link is never
    /// starved of a reader; see the `workers` module.
    pub handler_threads: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_frame: 64 << 20,
            call_timeout: Duration::from_secs(60),
            hello_timeout: Duration::from_secs(10),
            handler_threads: 4,
            blob_inline_max: 16 << 10,
            shared_heap: 64 << 20,
        }
    }
}

/// A request from the peer, queued for the link's threads.
pub(crate) struct Job {
    pub(crate) frame: Frame,
    /// Registered in [`Inner::serving`] when the request arrived, so that a cancel that
    /// overtakes the job in the queue is not lost.
    pub(crate) token: Arc<CancelToken>,
}

pub(crate) struct Inner {
    pub(crate) side: Side,
    pub(crate) config: Config,
    /// The peer's maximum frame: what we may send.
    pub(crate) peer_max_frame: u32,
    writer: Mutex<Writer>,
    /// Kept to shut the socket down, which unblocks a thread reading it.
    socket: UnixStream,
    next_id: AtomicU64,
    /// Our calls awaiting a reply.
    pub(crate) pending: PendingCalls,
    /// The peer's requests we are serving, so that a cancel can stop them.
    pub(crate) serving: ServingRequests,
    pub(crate) dispatcher: Option<Arc<dyn Dispatcher>>,
    /// The shared heap for blobs, when both sides attached one.
    pub(crate) heap: Option<shm::Heap>,
    /// Blobs larger than the heap, held for the peer to pull.
    pub(crate) streams: crate::blob::Streams,
    /// The read half. Threads take turns holding it (see `workers`).
    pub(crate) reader: Mutex<Reader>,
    /// The link's threads and the requests queued for them.
    pub(crate) workers: Workers,
    closed: AtomicBool,
    close_reason: Mutex<Option<String>>,
    closed_signal: Condvar,
}

impl Inner {
    /// A fresh request id for this side.
    pub(crate) fn next_request_id(&self) -> u64 {
        self.next_id.fetch_add(2, Ordering::Relaxed)
    }

    /// Whether `request_id` is one this side has issued: ours are every other number from
    /// the first (by side), below the next one to issue.
    fn issued(&self, request_id: u64) -> bool {
        let next = self.next_id.load(Ordering::Relaxed);
        request_id < next && request_id % 2 == next % 2
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    pub(crate) fn close_reason(&self) -> String {
        self.close_reason.lock().clone().unwrap_or_else(|| "connection closed".into())
    }

    /// Writes one frame. A frame the peer would refuse is an error for the caller, not a
    /// reason to close; a failing stream closes the link.
    pub(crate) fn send(&self, frame: &Frame) -> Result<(), RpcError> {
        let len = crate::frame::HEADER_LEN as u64 + frame.payload.len() as u64;
        if len > self.peer_max_frame as u64 {
            return Err(RpcError::FrameTooLarge { len, max: self.peer_max_frame as u64 });
        }
        if self.is_closed() {
            return Err(RpcError::PeerClosed { reason: self.close_reason() });
        }
        let written = self.writer.lock().send(frame);
        if let Err(error) = &written
            && error.is_link_failure()
        {
            self.close(error.to_string());
        }
        written
    }

    /// Tells the peer why we are leaving, then closes.
    pub(crate) fn say_goodbye_and_close(&self, reason: String) {
        if !self.is_closed() {
            let goodbye = Frame {
                kind: Kind::Goodbye,
                request_id: 0,
                parent_id: 0,
                method_id: 0,
                payload: reason.clone().into_bytes(),
            };
            // Never wait here: a full ring to a dead peer must not hold up closing.
            let _ = self.writer.lock().send_without_waiting(&goodbye);
        }
        self.close(reason);
    }

    /// Closes the link: fails every pending call with `PeerClosed`, stops serving, unblocks
    /// the reader. Idempotent; the first reason wins.
    pub(crate) fn close(&self, reason: String) {
        if self.closed.swap(true, Ordering::AcqRel) {
            return;
        }
        *self.close_reason.lock() = Some(reason.clone());
        let _ = self.socket.shutdown(std::net::Shutdown::Both);
        self.pending.close(&reason);
        self.serving.cancel_all();
        self.closed_signal.notify_all();
    }

    /// Routes one frame from the peer; a request for the link's threads comes back as a job,
    /// for the calling thread to serve.
    pub(crate) fn route(&self, frame: Frame) -> Option<Job> {
        match frame.kind {
            Kind::Response | Kind::Error => {
                // A reply to an id this side never issued: a peer that answers wrong ids
                // would otherwise leave each of our calls to wait for its timeout.
                if !self.issued(frame.request_id) {
                    self.say_goodbye_and_close(format!(
                        "protocol error: a reply to request {}, which was never made on this link",
                        frame.request_id
                    ));
                    return None;
                }
                // None: a late reply to a call that timed out or was dropped.
                if let Some(call) = self.pending.take(frame.request_id) {
                    call.complete(if frame.kind == Kind::Response {
                        Ok(frame.payload)
                    } else {
                        Err(RpcError::from_wire(&frame.payload))
                    });
                }
            }
            Kind::Request => {
                let token = self.serving.start(frame.request_id);
                // A callback made while the peer serves one of our calls goes to that call.
                if frame.parent_id != 0
                    && let Some(parent) = self.pending.get(frame.parent_id)
                {
                    parent.push_nested(frame, token);
                    return None;
                }
                return self.job(frame, token);
            }
            Kind::Notify => return self.job(frame, Arc::new(CancelToken::default())),
            Kind::Cancel => {
                // A request no longer served (it finished before the cancel came) is left alone.
                self.serving.cancel(frame.request_id);
            }
            Kind::Goodbye => {
                let reason = String::from_utf8_lossy(&frame.payload).into_owned();
                self.close(format!("the peer said goodbye: {reason}"));
            }
            Kind::Hello => {
                self.say_goodbye_and_close("protocol error: a second hello".into());
            }
        }
        None
    }

    /// A job for a request or notification, or (without a dispatcher) the refusal.
    fn job(&self, frame: Frame, token: Arc<CancelToken>) -> Option<Job> {
        let internal =
            matches!(frame.method_id, crate::blob::CHUNK_METHOD | crate::blob::DONE_METHOD);
        if self.dispatcher.is_some() || internal {
            return Some(Job { frame, token });
        }
        if frame.kind == Kind::Request {
            self.serving.finish(frame.request_id);
            let error = RpcError::UnknownMethod { method_id: frame.method_id };
            crate::serve::reply(self, frame.request_id, frame.method_id, Err(error));
        }
        None
    }
}

/// One end of a link. Cheap to clone; the link closes (with a goodbye to the peer) when the
/// last clone is dropped, or on [`close`](Connection::close).
#[derive(Clone)]
pub struct Connection {
    handle: Arc<Handle>,
}

struct Handle {
    inner: Arc<Inner>,
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.inner.say_goodbye_and_close("the other side dropped its connection".into());
    }
}

impl Connection {
    /// Performs the hello exchange on `stream` and starts the link's first thread (which, with a
    /// `dispatcher`, also serves the peer's requests; see `workers`).
    ///
    /// # Errors
    ///
    /// [`RpcError::Protocol`] for a bad or missing hello, [`RpcError::Io`] for a failing
    /// stream.
    pub fn new(
        stream: UnixStream,
        side: Side,
        config: Config,
        dispatcher: Option<Arc<dyn Dispatcher>>,
    ) -> Result<Connection, RpcError> {
        Connection::with_heap(stream, side, config, dispatcher, None)
    }

    /// Like [`new`](Self::new), with a heap in a shared segment both sides have mapped, for
    /// [`Blob`](crate::Blob)s. It is used only if the peer's hello says it has one too.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    pub fn with_heap(
        stream: UnixStream,
        side: Side,
        config: Config,
        dispatcher: Option<Arc<dyn Dispatcher>>,
        heap: Option<shm::Heap>,
    ) -> Result<Connection, RpcError> {
        Connection::establish(stream, side, config, dispatcher, heap, None, |_| {})
    }

    /// Like [`with_heap`](Self::with_heap), moving frames through the segment's rings once
    /// the hello is done (if the peer has them too); the byte stream stays for the hello.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new).
    pub fn with_rings(
        stream: UnixStream,
        side: Side,
        config: Config,
        dispatcher: Option<Arc<dyn Dispatcher>>,
        rings: RingTransport,
    ) -> Result<Connection, RpcError> {
        let heap = rings.heap.clone();
        Connection::establish(stream, side, config, dispatcher, Some(heap), Some(rings), |_| {})
    }

    /// The hello, then `before_serving` (which may keep a handle for its handlers), then the
    /// link threads: no request is served before `before_serving` has run.
    pub(crate) fn establish(
        stream: UnixStream,
        side: Side,
        config: Config,
        dispatcher: Option<Arc<dyn Dispatcher>>,
        heap: Option<shm::Heap>,
        rings: Option<RingTransport>,
        before_serving: impl FnOnce(&Connection),
    ) -> Result<Connection, RpcError> {
        let io = |e: std::io::Error| RpcError::Io(e.to_string());
        let ours = Hello {
            max_frame: config.max_frame,
            shared_memory: heap.is_some(),
            rings: rings.is_some() && heap.is_some(),
        };
        let hello = Frame {
            kind: Kind::Hello,
            request_id: 0,
            parent_id: 0,
            method_id: 0,
            payload: ours.encode(),
        };
        (&stream).write_all(&hello.encode()).map_err(io)?;
        stream.set_read_timeout(Some(config.hello_timeout)).map_err(io)?;
        let theirs = match Frame::read_from(&mut &stream, 64) {
            Ok(Some(frame)) if frame.kind == Kind::Hello => Hello::decode(&frame.payload)?,
            Ok(Some(frame)) => {
                return Err(RpcError::Protocol(format!("expected a hello, got {:?}", frame.kind)));
            }
            Ok(None) => return Err(RpcError::Protocol("stream closed before the hello".into())),
            Err(RpcError::Io(e)) => return Err(RpcError::Protocol(format!("no hello: {e}"))),
            Err(e) => return Err(e),
        };
        stream.set_read_timeout(None).map_err(io)?;
        let use_rings = ours.rings && theirs.rings && theirs.shared_memory;
        let (writer, reader) = match rings.filter(|_| use_rings) {
            Some(RingTransport { producer, consumer, heap }) => (
                Writer::Ring { producer, heap: heap.clone(), timeout: config.call_timeout },
                Reader::Ring { consumer, heap },
            ),
            None => (
                Writer::Stream(stream.try_clone().map_err(io)?),
                Reader::Stream(BufReader::with_capacity(64 << 10, stream.try_clone().map_err(io)?)),
            ),
        };

        let inner = Arc::new(Inner {
            side,
            peer_max_frame: theirs.max_frame,
            writer: Mutex::new(writer),
            socket: stream,
            next_id: AtomicU64::new(if side == Side::Host { 1 } else { 2 }),
            pending: PendingCalls::default(),
            serving: ServingRequests::default(),
            dispatcher,
            heap: heap.filter(|_| theirs.shared_memory),
            streams: crate::blob::Streams::default(),
            reader: Mutex::new(reader),
            workers: Workers::default(),
            closed: AtomicBool::new(false),
            close_reason: Mutex::new(None),
            closed_signal: Condvar::new(),
            config,
        });
        let connection = Connection { handle: Arc::new(Handle { inner }) };
        before_serving(&connection);
        start_worker(connection.inner());
        Ok(connection)
    }

    pub(crate) fn inner(&self) -> &Arc<Inner> {
        &self.handle.inner
    }

    /// A handle that does not keep the link open: for a handler that calls back over the
    /// connection that serves it (a strong handle there would be a reference cycle).
    pub fn downgrade(&self) -> WeakConnection {
        WeakConnection { handle: Arc::downgrade(&self.handle) }
    }

    /// Which side this is.
    pub fn side(&self) -> Side {
        self.inner().side
    }

    /// Whether the link is closed.
    pub fn is_closed(&self) -> bool {
        self.inner().is_closed()
    }

    /// Closes the link now, telling the peer `reason`.
    pub fn close(&self, reason: &str) {
        self.inner().say_goodbye_and_close(reason.to_string());
    }

    /// Blocks until the link is closed (by either side) and returns why.
    pub fn wait_closed(&self) -> String {
        let inner = self.inner();
        let mut reason = inner.close_reason.lock();
        while !inner.is_closed() {
            inner.closed_signal.wait(&mut reason);
        }
        reason.clone().unwrap_or_default()
    }

    /// Sends a one-way notification.
    ///
    /// # Errors
    ///
    /// `PeerClosed` if the link is gone, `FrameTooLarge` if the payload exceeds the peer's
    /// maximum.
    pub fn notify(&self, method_id: u32, payload: Vec<u8>) -> Result<(), RpcError> {
        let frame = Frame {
            kind: Kind::Notify,
            request_id: 0,
            parent_id: crate::scope::current_request(self.inner()),
            method_id,
            payload,
        };
        self.inner().send(&frame)
    }
}

/// A [`Connection`] that does not keep the link open; see [`Connection::downgrade`].
#[derive(Clone, Default)]
pub struct WeakConnection {
    handle: Weak<Handle>,
}

impl WeakConnection {
    /// Whether both handles are of the same link.
    pub fn ptr_eq(&self, other: &WeakConnection) -> bool {
        Weak::ptr_eq(&self.handle, &other.handle)
    }

    /// The connection, if it is still open somewhere.
    pub fn upgrade(&self) -> Option<Connection> {
        self.handle.upgrade().map(|handle| Connection { handle })
    }
}
