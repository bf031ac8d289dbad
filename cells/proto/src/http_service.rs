//! The http cell's two services: [`http`], which the cell serves (the host starts it and
//! tells it what changed), and [`content`], which the host serves for it (every response's
//! content comes from the host, read from one snapshot of the site's database).

use facet::Facet;
use rpc::Blob;

use crate::{EvalReply, EvalRequest};

/// How the http cell serves: its address and its limits. Every limit has a default
/// ([`HttpConfig::new`]); a value of 0 is refused by the cell, except in the cache's two
/// bounds, where it turns the cache off.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct HttpConfig {
    /// The address to listen on, `IP:PORT`; port 0 picks a free port (reported in
    /// [`Started`]). The host passes `127.0.0.1:<port>` unless asked for another address.
    pub address: String,
    /// Development mode: pages get the live-reload script and `Cache-Control: no-cache`.
    pub dev: bool,
    /// Connections served at once; beyond it a new connection is answered 503 and closed.
    pub max_connections: u32,
    /// Live-reload event streams held at once (each is also a connection).
    pub max_event_streams: u32,
    /// Bytes of a request's line and headers together; beyond it, 431.
    pub max_header_bytes: u32,
    /// Headers in one request; beyond it, 431.
    pub max_headers: u32,
    /// Milliseconds a client has to send a whole request head, from its first byte (a
    /// slow client is answered 408 and closed when it runs out).
    pub header_timeout_ms: u32,
    /// Milliseconds a kept-alive connection may sit idle between requests before it is
    /// closed.
    pub idle_timeout_ms: u32,
    /// Bytes the cell may keep of the host's answers for the revision served (bodies, tags,
    /// paths, and a fixed cost per entry); the least recently used go first beyond it, and an
    /// answer over an eighth of it is never kept. 0 turns the cache off.
    pub cache_bytes: u32,
    /// Answers (paths) the cell may keep at once; 0 turns the cache off.
    pub cache_entries: u32,
}

impl HttpConfig {
    /// The defaults, listening on `address`.
    pub fn new(address: impl Into<String>) -> HttpConfig {
        HttpConfig {
            address: address.into(),
            dev: true,
            max_connections: 256,
            max_event_streams: 128,
            max_header_bytes: 16 << 10,
            max_headers: 64,
            header_timeout_ms: 10_000,
            idle_timeout_ms: 30_000,
            cache_bytes: 16 << 20,
            cache_entries: 4_096,
        }
    }
}

/// The cell's answer to `start`: where it listens.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct Started {
    /// The bound address, `IP:PORT`, with the real port when 0 was asked for.
    pub address: String,
}

/// A build error as the browser shows it in the overlay.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct BuildProblem {
    /// The file, relative to the site root.
    pub file: String,
    /// 1-based line, if known.
    pub line: Option<u32>,
    /// 1-based column, if known.
    pub column: Option<u32>,
    /// What is wrong.
    pub message: String,
    /// The offending line of the file, if known.
    pub snippet: Option<String>,
}

/// What one rebuild changed, pushed by the host to the cell and by the cell to every open
/// page's event stream.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct SiteChange {
    /// The revision now served: the cell lets go of the answers it kept for earlier ones
    /// (see [`ContentAnswer::revision`]) before it tells the pages.
    pub revision: u64,
    /// URL paths of the pages whose output changed (`/blog/first/`): a page showing one of
    /// them reloads.
    pub routes: Vec<String>,
    /// URL paths of the other outputs that changed (`/css/site.css`): a page using a changed
    /// stylesheet swaps it without a reload.
    pub assets: Vec<String>,
    /// The build's errors now (empty when the last build had none: the overlay goes away).
    pub errors: Vec<BuildProblem>,
}

/// A request for the content at a URL path.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct ContentRequest {
    /// The normalised, percent-decoded path, starting with `/` (no `.` or `..` segment, no
    /// empty segment, no query).
    pub path: String,
    /// The entity tags the client already holds (from `If-None-Match`, quotes included,
    /// weak prefixes removed): when the content's tag is one of them, the host answers
    /// [`ContentReply::NotModified`] without the body.
    pub known_etags: Vec<String>,
}

/// The host's answer to a [`ContentRequest`], with the revision it was read at.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct ContentAnswer {
    /// The revision of the build whose snapshot answered (the one a later
    /// [`SiteChange::revision`] names). The cell keeps an answer only while it serves that
    /// revision: one read just before a rebuild and received just after it is sent to its
    /// client, never kept as the new build's.
    pub revision: u64,
    /// The answer.
    pub reply: ContentReply,
}

/// What the host found at a path.
#[derive(Facet, Clone, Debug, PartialEq)]
#[repr(u8)]
pub enum ContentReply {
    /// The content is there.
    Found(FoundContent),
    /// The client's copy is current: the content's entity tag.
    NotModified(String),
    /// The path names a directory without its slash: the path to send the client to.
    Redirect(String),
    /// Nothing there.
    NotFound(NotFoundContent),
}

/// Content found for a path.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct FoundContent {
    /// The output file it is (`blog/first/index.html`): its extension gives the type.
    pub file: String,
    /// The bytes (through the shared heap when large).
    pub body: Blob,
    /// The entity tag, quoted (`"…"`): a hash of the bytes.
    pub etag: String,
    /// Whether it is a rendered page (gets the reload script and `no-cache` in dev).
    pub page: bool,
}

/// Nothing at a path, and what is near it.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct NotFoundContent {
    /// The site's own `404.html`, if it has one.
    pub page: Option<Blob>,
    /// The existing routes nearest to the path asked for, nearest first (at most a few).
    pub suggestions: Vec<String>,
}

rpc::facet_payload!(HttpConfig, Started, SiteChange, ContentRequest, ContentAnswer);

rpc::service! {
    /// The http cell: serves the site over HTTP/1.1 and pushes live-reload events.
    pub mod http: "Http" {
        /// Binds the configured address and starts serving; the bound address comes back.
        /// A second `start` on a running cell is refused.
        fn start(config: HttpConfig) -> Started;
        /// A rebuild finished: tell the open pages what changed.
        fn notify(change: SiteChange) -> ();
    }
}

rpc::service! {
    /// Served by the host for the http cell: the content of each request, read from the
    /// snapshot of the last completed build (a request never sees half a rebuild).
    pub mod content: "Content" {
        /// The content at a URL path, or why there is none, and the revision it was read at.
        fn find(request: ContentRequest) -> ContentAnswer;
        /// An expression evaluated in the context of a route (the devtools endpoint; see
        /// `eval.rs`).
        fn eval(request: EvalRequest) -> EvalReply;
    }
}
