//! Helpers for rpc's tests: an in-process link, the host side's provider, a raw peer.

#![allow(dead_code)]

pub mod echo;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::ThreadId;
use std::time::Duration;

use rpc::frame::{Frame, Kind};
use rpc::{Config, Connection, Dispatcher, RpcError, Side, WeakConnection};

use echo::{EchoCell, echo as echo_service, provider};

/// The host side of the tests: serves `Provider`, remembering where its handlers ran.
#[derive(Default)]
pub struct Host {
    pub connection: OnceLock<WeakConnection>,
    /// The thread each `lookup` ran on.
    pub lookups: Mutex<Vec<ThreadId>>,
}

impl provider::Service for Host {
    async fn lookup(&self, key: String) -> Result<String, RpcError> {
        self.lookups.lock().unwrap().push(std::thread::current().id());
        if key.starts_with("bad") {
            return Err(RpcError::remote(format!("no value for {key}")));
        }
        Ok(format!("value of {key}"))
    }

    async fn hop(&self, depth: u32) -> Result<Vec<String>, RpcError> {
        let connection = self
            .connection
            .get()
            .and_then(|c| c.upgrade())
            .ok_or_else(|| RpcError::remote("gone"))?;
        let mut path = if depth == 0 {
            Vec::new()
        } else {
            echo_service::Client::new(connection).hop(&(depth - 1)).await?
        };
        path.push("host".to_string());
        Ok(path)
    }
}

/// A connected host and cell in this process, serving `Provider` and `Echo`.
pub struct Link {
    pub host: Connection,
    pub cell: Connection,
    pub host_service: Arc<provider::Server<Host>>,
    pub cell_service: Arc<echo_service::Server<EchoCell>>,
}

pub fn link(config: Config) -> Link {
    link_with_heap(config, 0)
}

/// A link whose two sides share a heap of `heap_bytes` (none for 0), as spawned cells do.
pub fn link_with_heap(config: Config, heap_bytes: usize) -> Link {
    let (host_heap, cell_heap) = if heap_bytes == 0 {
        (None, None)
    } else {
        let segment = shm::Segment::builder().heap(heap_bytes).build().unwrap();
        let attached = shm::Segment::attach(segment.fd().try_clone_to_owned().unwrap()).unwrap();
        (Some(segment.heap(0).unwrap()), Some(attached.heap(0).unwrap()))
    };
    let (a, b) = UnixStream::pair().unwrap();
    let cell_service = Arc::new(echo_service::Server(EchoCell::default()));
    let cell_dispatcher: Arc<dyn Dispatcher> = cell_service.clone();
    let cell_config = config.clone();
    let cell_thread = std::thread::spawn(move || {
        Connection::with_heap(b, Side::Cell, cell_config, Some(cell_dispatcher), cell_heap)
    });
    let host_service = Arc::new(provider::Server(Host::default()));
    let host_dispatcher: Arc<dyn Dispatcher> = host_service.clone();
    let host =
        Connection::with_heap(a, Side::Host, config, Some(host_dispatcher), host_heap).unwrap();
    let cell = cell_thread.join().unwrap().unwrap();
    let _ = cell_service.0.connection.set(cell.downgrade());
    let _ = host_service.0.connection.set(host.downgrade());
    Link { host, cell, host_service, cell_service }
}

pub fn quick_timeouts() -> Config {
    Config { call_timeout: Duration::from_millis(300), ..Config::default() }
}

/// A peer speaking raw bytes: does the hello, then sends whatever a test wants.
pub struct RawPeer {
    pub stream: UnixStream,
}

impl RawPeer {
    /// Connects `Connection` (host side) to a raw peer that completes the hello.
    pub fn connect(config: Config) -> (Connection, RawPeer) {
        RawPeer::connect_with(config, None)
    }

    /// Like [`connect`](Self::connect), with `dispatcher` serving the raw peer's requests.
    pub fn connect_with(
        config: Config,
        dispatcher: Option<Arc<dyn Dispatcher>>,
    ) -> (Connection, RawPeer) {
        let (a, mut b) = UnixStream::pair().unwrap();
        let hello = Frame {
            kind: Kind::Hello,
            request_id: 0,
            parent_id: 0,
            method_id: 0,
            payload: hello_bytes(),
        };
        b.write_all(&hello.encode()).unwrap();
        let host = Connection::new(a, Side::Host, config, dispatcher).unwrap();
        let mut peer = RawPeer { stream: b };
        let theirs = peer.read_frame().expect("host hello");
        assert_eq!(theirs.kind, Kind::Hello);
        (host, peer)
    }

    pub fn read_frame(&mut self) -> Option<Frame> {
        self.stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        Frame::read_from(&mut self.stream, 1 << 30).ok().flatten()
    }

    /// Reads frames until a goodbye (returning its text) or the end of the stream.
    pub fn goodbye(&mut self) -> Option<String> {
        while let Some(frame) = self.read_frame() {
            if frame.kind == Kind::Goodbye {
                return Some(String::from_utf8_lossy(&frame.payload).into_owned());
            }
        }
        None
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        let _ = self.stream.write_all(bytes);
    }

    pub fn drain(&mut self) {
        let mut sink = [0u8; 4096];
        let _ = self.stream.read(&mut sink);
    }
}

fn hello_bytes() -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&rpc::hello::MAGIC);
    out.extend_from_slice(&rpc::hello::PROTOCOL_VERSION.to_le_bytes());
    out.extend_from_slice(&(1u32 << 20).to_le_bytes());
    out.push(0);
    out
}

/// Waits (up to ten seconds) until `condition` holds.
pub fn eventually(condition: impl Fn() -> bool) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        if condition() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    condition()
}

/// Polls every future in `futures` together on this thread until all are done.
pub fn join_all<F: std::future::Future + Unpin>(mut futures: Vec<F>) -> Vec<F::Output> {
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    rpc::block_on(std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match std::pin::Pin::new(future).poll(cx) {
                    std::task::Poll::Ready(v) => *output = Some(v),
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending { std::task::Poll::Pending } else { std::task::Poll::Ready(()) }
    }));
    outputs.into_iter().map(|o| o.expect("done")).collect()
}
