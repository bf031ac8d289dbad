//! Framed, bidirectional RPC over a byte stream, between the host and its cells.
//!
//! A [`Connection`] is one end of a link (a Unix socketpair between host and cell, or an
//! in-process pair in tests). After a hello in each direction, both ends can call each other:
//! each call is a [`Call`] future that resolves to the peer's reply, with many calls in flight
//! at once and replies in any order. Services are declared once with [`service!`], which
//! generates a typed client, a `Service` trait for the serving side and its [`Dispatcher`].
//!
//! The distinctive part is nesting. A call made by a handler while it serves request R carries
//! R as its parent; the side that made R receives that nested request at the place awaiting R
//! and runs its handler there, inside the awaiting future, before R's reply arrives. For the
//! host that means a cell's callback (`resolve_template`) is served inside the query that
//! called the cell, so the query runtime records it as that query's dependency. Nesting works
//! to any depth.
//!
//! Errors are values ([`RpcError`]): remote error, unknown method, decode error, peer closed,
//! timeout, frame too large. A malformed frame closes the link with a goodbye that says why;
//! nothing the peer sends can panic this side. Futures are woken through their `Waker`, so any
//! executor drives them.
//!
//! Payloads are postcard: argument and result types implement [`Payload`], through facet
//! ([`facet_payload!`]) or by hand with the same bytes for a message sent once per page.
//!
//! Threads: a link's threads take turns reading it, take every frame already there at once,
//! and serve the requests among them themselves; one more is started only for parallelism or
//! when a handler waits (so a reader is always left). A handler that panics fails its call.
//!
//! Transport: the hello always goes over the byte stream. Cells started with
//! [`cell::spawn`] also share an `shm` segment: frames then travel through one ring per
//! direction (a hand-off spins briefly before sleeping, so a quick reply costs no system
//! call), and [`Blob`]s through its heap, read in place by the receiver.
//!
//! # Example
//!
//! A host calling a cell's service, and the cell calling back into the host while it serves
//! the call (in-process here; [`cell::spawn`] does the same with a child process).
//!
//! ```
//! use std::sync::{Arc, OnceLock};
//! use rpc::{Config, Connection, RpcError, Side, WeakConnection};
//!
//! rpc::service! {
//!     /// Served by the cell.
//!     pub mod greeter: "Greeter" {
//!         /// Greets `name` by its title, which it asks the host for.
//!         fn greet(name: String) -> String;
//!     }
//! }
//! rpc::service! {
//!     /// Served by the host.
//!     pub mod titles: "Titles" {
//!         /// A title for `name`.
//!         fn title(name: String) -> String;
//!     }
//! }
//!
//! #[derive(Default)]
//! struct Cell { host: OnceLock<WeakConnection> }
//! impl greeter::Service for Cell {
//!     async fn greet(&self, name: String) -> Result<String, RpcError> {
//!         let host = self.host.get().and_then(|h| h.upgrade()).ok_or_else(|| RpcError::remote("gone"))?;
//!         // A nested call: the host serves it inside its own pending `greet` call.
//!         let title = titles::Client::new(host).title(&name).await?;
//!         Ok(format!("Hello, {title} {name}!"))
//!     }
//! }
//! struct Host;
//! impl titles::Service for Host {
//!     async fn title(&self, _name: String) -> Result<String, RpcError> {
//!         Ok("Dr.".to_string())
//!     }
//! }
//!
//! fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let (a, b) = std::os::unix::net::UnixStream::pair()?;
//!     let cell_service = Arc::new(greeter::Server(Cell::default()));
//!     let served = cell_service.clone();
//!     let cell = std::thread::spawn(move || {
//!         Connection::new(b, Side::Cell, Config::default(), Some(served))
//!     });
//!     let host = Connection::new(a, Side::Host, Config::default(), Some(Arc::new(titles::Server(Host))))?;
//!     let cell = cell.join().unwrap()?;
//!     cell_service.0.host.set(cell.downgrade()).ok();
//!
//!     let client = greeter::Client::new(host);
//!     assert_eq!(rpc::block_on(client.greet(&"Who".to_string()))?, "Hello, Dr. Who!");
//!     Ok(())
//! }
//! ```
#![deny(missing_docs)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod blob;
mod block_on;
mod call;
pub mod cell;
mod connection;
mod dispatch;
mod error;
pub mod frame;
pub mod hello;
mod payload;
mod pending;
mod scope;
mod serve;
mod service;
mod serving;
mod timer;
mod transport;
mod workers;

use std::future::Future;
use std::pin::Pin;

pub use blob::{Blob, BlobBytes};
pub use block_on::block_on;
pub use call::Call;
pub use connection::{Config, Connection, Side, WeakConnection};
pub use dispatch::{Dispatcher, Handles, decode, encode, method_id};
pub use error::RpcError;
pub use payload::{Payload, PayloadReader, PayloadWriter};
pub use transport::RingTransport;

/// A boxed, `Send` future: what handlers return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
