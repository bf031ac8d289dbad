//! The http cell: serves a site over HTTP/1.1, with the content the host answers for each
//! path, and pushes live-reload events to the open pages.
//!
//! The cell process (`main.rs`) serves `cell_proto::http` to the host: `start` binds the
//! address and starts a [`Server`], `notify` sends a rebuild's changes to every page's event
//! stream. For a request the server asks a [`ContentSource`] (in the cell, the host's
//! `cell_proto::content::find`) and turns the answer into a response. Each answer names the
//! revision of the site it was read at ([`Reply`]); the server keeps the answers of the
//! newest revision it has heard of, within a budget, and answers repeated and conditional
//! requests from them until [`Server::notify`] (or a newer answer) brings the next revision.
//!
//! In dev mode, [`devtools`] answers `/__dodeca/eval?route=…&expr=…` for clients on this
//! machine: a template expression evaluated in a route's context (the host's
//! `cell_proto::content::eval`), its value as JSON.
//!
//! The parts that read untrusted bytes have no sockets, so they are unit-tested and fuzzed
//! directly: [`request::parse`] (the request head, with `httparse`, within limits),
//! [`path::normalize`] (the target, percent-decoded, every traversal refused) and
//! [`devtools::parse_query`] (the endpoint's query).
//!
//! # Example
//!
//! A server over an in-memory site, asked by a plain TCP client.
//!
//! ```
//! use std::io::{Read, Write};
//! use std::sync::Arc;
//! use cell_http::{Content, ContentSource, Reply, Server};
//! use cell_proto::{ContentRequest, HttpConfig};
//!
//! struct Hello;
//! impl ContentSource for Hello {
//!     fn find(&self, request: &ContentRequest) -> Result<Reply, String> {
//!         let content = match request.path.as_str() {
//!             "/" => Content::Found {
//!                 file: "index.html".into(),
//!                 body: Box::new(b"<body>hi</body>".to_vec()),
//!                 etag: "\"1\"".into(),
//!                 page: true,
//!             },
//!             _ => Content::NotFound { page: None, suggestions: vec!["/".into()] },
//!         };
//!         // The site never changes: one revision throughout.
//!         Ok(Reply { revision: 0, content })
//!     }
//! }
//!
//! let mut config = HttpConfig::new("127.0.0.1:0");
//! config.dev = false;
//! let server = Server::start(&config, Arc::new(Hello))?;
//! let mut client = std::net::TcpStream::connect(server.address())?;
//! client.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
//! let mut reply = String::new();
//! client.read_to_string(&mut reply)?;
//! assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"));
//! assert!(reply.contains("ETag: \"1\"\r\n"));
//! assert!(reply.ends_with("<body>hi</body>"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(missing_docs)]

mod cache;
pub mod devtools;
mod events;
pub mod path;
pub mod reload;
pub mod request;
mod response;
mod server;

pub use response::{Body, Response, content_type, escape_html, reason};
pub use server::{Content, ContentSource, Reply, Server, ServerError};
