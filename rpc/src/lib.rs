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
//! See [`service!`] for a complete example.
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
mod scope;
mod serve;
mod service;
mod timer;
mod transport;

use std::future::Future;
use std::pin::Pin;

pub use blob::{Blob, BlobBytes};
pub use block_on::block_on;
pub use call::Call;
pub use connection::{Config, Connection, Side, WeakConnection};
pub use dispatch::{Dispatcher, Handles, decode, encode, method_id};
pub use error::RpcError;
pub use transport::RingTransport;

/// A boxed, `Send` future: what handlers return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
