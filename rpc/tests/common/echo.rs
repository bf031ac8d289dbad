//! Services shared by rpc's tests and its `rpc-echo-cell` binary.

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread::ThreadId;
use std::time::Duration;

use rpc::{Blob, RpcError, WeakConnection};

rpc::service! {
    /// Served by the cell.
    pub mod echo: "Echo" {
        /// Returns its input.
        fn echo(input: Vec<u8>) -> Vec<u8>;
        /// Returns `input * 2`, after a short pause for multiples of 7 (so replies reorder).
        fn double(input: u64) -> u64;
        /// Always fails with the given message.
        fn fail(input: String) -> u32;
        /// Never replies (until cancelled).
        fn hang(input: u32) -> u32;
        /// Panics with the given message.
        fn explode(input: String) -> u32;
        /// Waits (up to five seconds) until `count` calls of `meet` run at once; returns how
        /// many it saw.
        fn meet(count: u32) -> u32;
        /// Waits (up to five seconds) until `others` calls of `double` have returned since it
        /// started, so that its reply comes after theirs; returns how many it saw.
        fn after_doubles(others: u64) -> u64;
        /// Asks the host's provider for `key` and returns its answer, prefixed.
        fn ask_host(key: String) -> String;
        /// Calls the peer's `hop(depth - 1)` and appends this side's name (see `hop`).
        fn hop(depth: u32) -> Vec<String>;
        /// Opens the blob and sends its bytes back in a new blob.
        fn echo_blob(input: Blob) -> Blob;
    }
}

rpc::service! {
    /// Served by the host.
    pub mod provider: "Provider" {
        /// A value for `key`; an error for keys starting with "bad".
        fn lookup(key: String) -> String;
        /// Calls the peer's `hop(depth - 1)` and appends this side's name.
        fn hop(depth: u32) -> Vec<String>;
    }
}

/// The cell side's implementation.
#[derive(Default)]
pub struct EchoCell {
    pub connection: OnceLock<WeakConnection>,
    /// `hang` handlers currently alive (a cancelled one is dropped, and leaves).
    pub hanging: AtomicUsize,
    /// The threads `double` ran on.
    pub doubled_on: Mutex<HashSet<ThreadId>>,
    /// `meet` calls running now.
    pub meeting: AtomicUsize,
    /// The most `meet` calls that ever ran at once.
    pub most_meeting: AtomicUsize,
    /// `double` calls that have returned.
    pub doubled: AtomicUsize,
}

/// Counts a live `hang` handler; decrements when the handler's future is dropped.
struct Alive<'a>(&'a AtomicUsize);

impl Drop for Alive<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl EchoCell {
    fn connection(&self) -> Result<rpc::Connection, RpcError> {
        self.connection
            .get()
            .and_then(|c| c.upgrade())
            .ok_or_else(|| RpcError::remote("not connected"))
    }

    fn peer(&self) -> Result<provider::Client, RpcError> {
        Ok(provider::Client::new(self.connection()?))
    }
}

impl echo::Service for EchoCell {
    async fn echo(&self, input: Vec<u8>) -> Result<Vec<u8>, RpcError> {
        Ok(input)
    }

    async fn double(&self, input: u64) -> Result<u64, RpcError> {
        self.doubled_on.lock().unwrap().insert(std::thread::current().id());
        if input.is_multiple_of(7) {
            std::thread::sleep(Duration::from_micros(200));
        }
        self.doubled.fetch_add(1, Ordering::SeqCst);
        Ok(input * 2)
    }

    async fn after_doubles(&self, others: u64) -> Result<u64, RpcError> {
        let start = self.doubled.load(Ordering::SeqCst);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let mut seen = 0;
        while seen < others as usize && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
            seen = self.doubled.load(Ordering::SeqCst) - start;
        }
        Ok(seen as u64)
    }

    async fn fail(&self, input: String) -> Result<u32, RpcError> {
        Err(RpcError::remote(input))
    }

    async fn hang(&self, _input: u32) -> Result<u32, RpcError> {
        self.hanging.fetch_add(1, Ordering::SeqCst);
        let _alive = Alive(&self.hanging);
        std::future::pending::<()>().await;
        Ok(0)
    }

    async fn meet(&self, count: u32) -> Result<u32, RpcError> {
        let seen = self.meeting.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_meeting.fetch_max(seen, Ordering::SeqCst);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        let mut most = seen;
        while most < count as usize && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
            most = most.max(self.meeting.load(Ordering::SeqCst));
        }
        // Stay counted until every caller has seen the others.
        std::thread::sleep(Duration::from_millis(20));
        self.meeting.fetch_sub(1, Ordering::SeqCst);
        Ok(most as u32)
    }

    async fn explode(&self, input: String) -> Result<u32, RpcError> {
        panic!("{input}");
    }

    async fn ask_host(&self, key: String) -> Result<String, RpcError> {
        let answer = self.peer()?.lookup(&key).await?;
        Ok(format!("cell got: {answer}"))
    }

    async fn echo_blob(&self, input: Blob) -> Result<Blob, RpcError> {
        let connection = self.connection()?;
        let bytes = connection.open_blob(input).await?;
        connection.blob(&bytes)
    }

    async fn hop(&self, depth: u32) -> Result<Vec<String>, RpcError> {
        let mut path = if depth == 0 { Vec::new() } else { self.peer()?.hop(&(depth - 1)).await? };
        path.push("cell".to_string());
        Ok(path)
    }
}
