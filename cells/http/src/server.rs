//! The server: the listening socket, one thread per connection under a cap, and each
//! connection's loop of reading a request head (within limits and deadlines) and answering,
//! from the cache of the host's answers when it can (`cache.rs`).

use std::fmt;
use std::io::{ErrorKind, Read};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use cell_proto::{ContentRequest, EvalReply, EvalRequest, HttpConfig, SiteChange};

use crate::cache::{Cache, Entry, holds};
use crate::devtools::{self, EVAL_PATH};
use crate::events::Events;
use crate::reload::{EVENTS_PATH, SCRIPT, SCRIPT_PATH, inject};
use crate::request::{Limits, Method, Parsed, Request, RequestError, parse};
use crate::response::{Body, Response, content_type, escape_html};

/// What the host said is at a path (the cell's view of `cell_proto::ContentReply`, with the
/// blobs opened).
pub enum Content {
    /// The output `file`, its bytes and entity tag; `page` for rendered pages.
    Found {
        /// The output file (its extension gives the type).
        file: String,
        /// Its bytes.
        body: Body,
        /// Its quoted entity tag.
        etag: String,
        /// Whether it is a rendered page.
        page: bool,
    },
    /// The client's copy is current; the entity tag.
    NotModified(String),
    /// A directory asked for without its slash: where to go.
    Redirect(String),
    /// Nothing there: the site's `404.html` if any, and the nearest routes.
    NotFound {
        /// The site's own not-found page.
        page: Option<Body>,
        /// Existing routes near the path asked for.
        suggestions: Vec<String>,
    },
}

/// A source's answer, and the revision of the site it was read at.
pub struct Reply {
    /// The revision whose content this is: the server keeps the answer for later requests
    /// while that is the newest revision it has heard of (from replies, and from
    /// [`Server::notify`]), and drops it when a newer one comes. A source whose content never
    /// changes can say 0 throughout.
    pub revision: u64,
    /// The content.
    pub content: Content,
}

/// Where responses come from: the host, over rpc, in the cell; anything in tests.
pub trait ContentSource: Send + Sync + 'static {
    /// The content for a request, or why it could not be had (answered 502, and not kept).
    ///
    /// # Errors
    ///
    /// A message for the log when the source fails.
    fn find(&self, request: &ContentRequest) -> Result<Reply, String>;

    /// Evaluates a template expression in the context of a route, for the devtools endpoint
    /// ([`crate::devtools`]); the default evaluates nothing (answered 502).
    ///
    /// # Errors
    ///
    /// A message for the log when the source fails.
    fn eval(&self, request: &EvalRequest) -> Result<EvalReply, String> {
        let _ = request;
        Err("this server's content source evaluates no expressions".into())
    }
}

/// Why the server did not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum ServerError {
    /// A setting is unusable (named in the message).
    Config(String),
    /// The address could not be bound.
    Bind {
        /// The address asked for.
        address: String,
        /// Why.
        error: std::io::Error,
    },
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServerError::Config(why) => write!(f, "http settings: {why}"),
            ServerError::Bind { address, error } => write!(
                f,
                "cannot listen on {address}: {error} (is another server using the port? pick \
                 another with --port)"
            ),
        }
    }
}

impl std::error::Error for ServerError {}

/// A running server. It serves until the process exits.
pub struct Server {
    address: SocketAddr,
    events: Arc<Events>,
    cache: Arc<Cache>,
}

struct Shared {
    config: HttpConfig,
    limits: Limits,
    source: Arc<dyn ContentSource>,
    events: Arc<Events>,
    cache: Arc<Cache>,
    active: AtomicUsize,
}

impl Server {
    /// Binds `config.address` and serves requests from `source` on threads of its own.
    ///
    /// # Errors
    ///
    /// [`ServerError::Config`] for an unparsable address or a zero limit,
    /// [`ServerError::Bind`] when the address cannot be bound.
    pub fn start(
        config: &HttpConfig,
        source: Arc<dyn ContentSource>,
    ) -> Result<Server, ServerError> {
        let address: SocketAddr = config.address.parse().map_err(|_| {
            ServerError::Config(format!("address {:?} is not IP:PORT", config.address))
        })?;
        check_limits(config)?;
        let listener = TcpListener::bind(address)
            .map_err(|error| ServerError::Bind { address: config.address.clone(), error })?;
        Server::serve(listener, config, source)
    }

    /// Serves requests from `source` on a socket already listening (the host's, handed to
    /// the cell: it outlives any one cell process, so a restarted cell loses no connection
    /// attempt). `config.address` is not used; [`Server::address`] is the socket's.
    ///
    /// # Errors
    ///
    /// [`ServerError::Config`] for a zero limit, [`ServerError::Bind`] when the socket has no
    /// local address (it is not a bound socket).
    pub fn serve(
        listener: TcpListener,
        config: &HttpConfig,
        source: Arc<dyn ContentSource>,
    ) -> Result<Server, ServerError> {
        check_limits(config)?;
        // A socket handed over by another process may have been left non-blocking.
        listener
            .set_nonblocking(false)
            .map_err(|error| ServerError::Bind { address: config.address.clone(), error })?;
        let bound = listener
            .local_addr()
            .map_err(|error| ServerError::Bind { address: config.address.clone(), error })?;
        let events = Events::new(config.max_event_streams as usize);
        let cache =
            Arc::new(Cache::new(config.cache_bytes as usize, config.cache_entries as usize));
        let shared = Arc::new(Shared {
            config: config.clone(),
            limits: Limits {
                max_header_bytes: config.max_header_bytes as usize,
                max_headers: config.max_headers as usize,
            },
            source,
            events: events.clone(),
            cache: cache.clone(),
            active: AtomicUsize::new(0),
        });
        std::thread::Builder::new()
            .name("http-accept".into())
            .spawn(move || accept(listener, shared))
            .map_err(|e| ServerError::Config(format!("cannot start the accept thread: {e}")))?;
        Ok(Server { address: bound, events, cache })
    }

    /// The bound address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The site is at `change.revision` now: drops the answers kept for earlier revisions,
    /// then tells every open page what changed (so a page that reloads gets the new build).
    pub fn notify(&self, change: &SiteChange) {
        self.cache.advance(change.revision);
        self.events.broadcast(change);
    }

    /// Answers kept now, and the bytes they count against
    /// [`HttpConfig::cache_bytes`](cell_proto::HttpConfig::cache_bytes).
    pub fn cached(&self) -> (usize, usize) {
        self.cache.usage()
    }

    /// Event streams open now.
    pub fn event_streams(&self) -> usize {
        self.events.len()
    }
}

/// Refuses a zero limit (a server that could hold no connection, or read no header).
fn check_limits(config: &HttpConfig) -> Result<(), ServerError> {
    for (name, value) in [
        ("max_connections", config.max_connections),
        ("max_event_streams", config.max_event_streams),
        ("max_header_bytes", config.max_header_bytes),
        ("max_headers", config.max_headers),
        ("header_timeout_ms", config.header_timeout_ms),
        ("idle_timeout_ms", config.idle_timeout_ms),
    ] {
        if value == 0 {
            return Err(ServerError::Config(format!("{name} must be at least 1")));
        }
    }
    Ok(())
}

fn accept(listener: TcpListener, shared: Arc<Shared>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        // A counted slot, released when its thread ends (or here, if none starts).
        let active = shared.active.fetch_add(1, Ordering::AcqRel);
        if active >= shared.config.max_connections as usize {
            shared.active.fetch_sub(1, Ordering::AcqRel);
            refuse_busy(stream);
            continue;
        }
        let for_thread = shared.clone();
        let started = std::thread::Builder::new().name("http-connection".into()).spawn(move || {
            serve_connection(stream, &for_thread);
            for_thread.active.fetch_sub(1, Ordering::AcqRel);
        });
        if started.is_err() {
            shared.active.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// Answers 503 to a connection over the cap, without a thread: a fresh socket's send buffer
/// takes the few bytes at once, and the write timeout bounds the rest.
fn refuse_busy(mut stream: TcpStream) {
    let _ = stream.set_write_timeout(Some(Duration::from_millis(100)));
    let response =
        Response::text(503, "too many connections; try again").header("Retry-After", "1");
    if response.write_to(&mut stream, false, false).is_ok() {
        // Short: this runs on the accept thread.
        close_gracefully(stream, Duration::from_millis(100));
    }
}

/// Closes after an answer sent before the client's request was read: closing a socket with
/// unread input sends a reset, which makes the client's kernel drop the answer it has not
/// read yet. So: our side first, then read (and discard) what the client still sends, for
/// at most `linger`.
fn close_gracefully(mut stream: TcpStream, linger: Duration) {
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let deadline = Instant::now() + linger;
    let mut sink = [0u8; 4096];
    let mut left = 64usize << 10;
    while left > 0 {
        let Some(wait) = deadline.checked_duration_since(Instant::now()).filter(|w| !w.is_zero())
        else {
            return;
        };
        let _ = stream.set_read_timeout(Some(wait));
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => return,
            Ok(n) => left = left.saturating_sub(n),
        }
    }
}

/// How reading a request head ended.
enum Head {
    Request(Request),
    /// The client went away, or stayed idle past the keep-alive timeout: close quietly.
    Closed,
    /// An answer to send before closing (400, 408, 431).
    Refused(Response),
}

fn serve_connection(mut stream: TcpStream, shared: &Shared) {
    let peer_address = stream.peer_addr().ok();
    let peer = Peer(peer_address);
    let _ = stream.set_nodelay(true);
    let _ = stream
        .set_write_timeout(Some(Duration::from_millis(shared.config.header_timeout_ms.into())));
    // Both kept for the connection's life: building each response in a new buffer (grown by
    // reallocation past the allocator's per-thread cache) made the cell's memory creep under
    // load (see the README, "Connections and memory").
    let mut buffer = Vec::with_capacity(4096);
    let mut output = Vec::new();
    let mut timeout = ReadTimeout(None);
    loop {
        let request = match read_head(&mut stream, &mut buffer, &mut timeout, shared) {
            Head::Request(request) => request,
            Head::Closed => return,
            Head::Refused(response) => {
                eprintln!("cell-http: {peer}: {} {}", response.status, body_text(&response));
                if response.write_to(&mut stream, false, false).is_ok() {
                    close_gracefully(stream, Duration::from_secs(1));
                }
                return;
            }
        };
        let head_only = request.method == Method::Head;
        let response = match respond(&request, shared, peer_address) {
            Answer::Response(response) => response,
            Answer::EventStream => {
                // The stream is handed over (this thread ends); a clone fails only when the
                // process is out of descriptors, answered like a full list of streams.
                if stream.try_clone().is_ok_and(|clone| shared.events.subscribe(clone)) {
                    return;
                }
                Response::text(503, "too many live-reload streams").header("Retry-After", "5")
            }
        };
        if response.status == 400 {
            // The target is the client's: printed escaped, so it cannot forge log lines.
            eprintln!("cell-http: {peer}: 400 {:?}: {}", request.target, body_text(&response));
        }
        let keep_alive = request.keep_alive && response.status != 400;
        if response.write_buffered(&mut stream, head_only, keep_alive, &mut output).is_err() {
            return;
        }
        if !keep_alive {
            // A body we did not read, or pipelined requests after a refused one, may follow.
            close_gracefully(stream, Duration::from_secs(1));
            return;
        }
    }
}

/// The client's address, for the log.
struct Peer(Option<SocketAddr>);

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(address) => address.fmt(f),
            None => f.write_str("?"),
        }
    }
}

fn body_text(response: &Response) -> String {
    String::from_utf8_lossy(&response.body).trim_end().to_string()
}

/// Reads until `buffer` starts with a whole request head. Waiting for a request's first byte
/// is bounded by the idle timeout; from its first byte, the whole head must arrive within
/// the header timeout, however the client trickles it (slowloris).
fn read_head(
    stream: &mut TcpStream,
    buffer: &mut Vec<u8>,
    read_timeout: &mut ReadTimeout,
    shared: &Shared,
) -> Head {
    let idle = Duration::from_millis(shared.config.idle_timeout_ms.into());
    let header = Duration::from_millis(shared.config.header_timeout_ms.into());
    let mut deadline = None;
    let mut chunk = [0u8; 4096];
    loop {
        match parse(buffer, shared.limits) {
            Ok(Parsed::Complete(request, used)) => {
                buffer.drain(..used);
                return Head::Request(request);
            }
            Ok(Parsed::Partial) => {}
            Err(error) => return Head::Refused(refusal(&error)),
        }
        let timeout = if buffer.is_empty() {
            idle
        } else {
            let deadline = *deadline.get_or_insert_with(|| Instant::now() + header);
            match deadline.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => left,
                _ => {
                    return Head::Refused(Response::text(408, "request head not received in time"));
                }
            }
        };
        read_timeout.set(stream, timeout);
        match stream.read(&mut chunk) {
            Ok(0) => return Head::Closed,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if buffer.is_empty() {
                    return Head::Closed;
                }
                return Head::Refused(Response::text(408, "request head not received in time"));
            }
            Err(_) => return Head::Closed,
        }
    }
}

/// A connection's read timeout, set only when it changes. Between requests it is always the
/// idle timeout; setting it before every read was one system call in three under load.
struct ReadTimeout(Option<Duration>);

impl ReadTimeout {
    fn set(&mut self, stream: &TcpStream, timeout: Duration) {
        if self.0 != Some(timeout) {
            let _ = stream.set_read_timeout(Some(timeout));
            self.0 = Some(timeout);
        }
    }
}

fn refusal(error: &RequestError) -> Response {
    Response::text(error.status(), error.to_string())
}

enum Answer {
    Response(Response),
    /// Hand the connection to the live-reload streams.
    EventStream,
}

fn respond(request: &Request, shared: &Shared, peer: Option<SocketAddr>) -> Answer {
    if let Method::Other(method) = &request.method {
        return Answer::Response(
            Response::text(405, format!("method {method} not allowed"))
                .header("Allow", "GET, HEAD"),
        );
    }
    if request.minor_version >= 1 && !request.has_host {
        return Answer::Response(Response::text(400, "HTTP/1.1 request without a Host header"));
    }
    let path = match crate::path::normalize(&request.target) {
        Ok(path) => path,
        Err(error) => {
            return Answer::Response(Response::text(400, format!("refused path: {error}")));
        }
    };
    let dev = shared.config.dev;
    if dev && path.path == EVENTS_PATH {
        return Answer::EventStream;
    }
    if dev && path.path == SCRIPT_PATH {
        return Answer::Response(
            Response::new(200, "text/javascript; charset=utf-8", Box::new(SCRIPT.as_bytes()))
                .header("Cache-Control", "no-cache"),
        );
    }
    if dev && path.path == EVAL_PATH {
        return Answer::Response(devtools::respond(request, &path, peer, &*shared.source));
    }
    let known = &request.if_none_match;
    let entry = match shared.cache.get(&path.path, known) {
        Some(entry) => entry,
        None => {
            let find = ContentRequest { path: path.path.clone(), known_etags: known.clone() };
            match shared.source.find(&find) {
                Ok(reply) => shared.cache.insert(
                    &path.path,
                    reply.revision,
                    prepare(reply.content, &path.path, dev),
                ),
                Err(error) => {
                    eprintln!("cell-http: {}: the host failed: {error}", path.path);
                    return Answer::Response(Response::text(
                        502,
                        "the site's host could not answer; see its log",
                    ));
                }
            }
        }
    };
    let cache = |page: bool| if dev || page { "no-cache" } else { "public, max-age=300" };
    let not_modified = |etag: &str| {
        Response::text(304, "").header("ETag", etag).header("Cache-Control", cache(true))
    };
    let response = match &*entry {
        // A tag alone is only ever given to a request holding it (the host compares as
        // `holds` does).
        Entry::Tag(etag) => not_modified(etag),
        Entry::Found { etag, .. } if holds(known, etag) => not_modified(etag),
        Entry::Found { kind, body, etag, page } => Response::new(200, kind, Box::new(body.clone()))
            .header("ETag", etag.as_str())
            .header("Cache-Control", cache(*page)),
        Entry::Redirect(to) => {
            let location = match &path.query {
                Some(query) => format!("{}?{query}", encode_path(to)),
                None => encode_path(to),
            };
            // 308, not 301: a client must repeat the same method (HEAD stays HEAD).
            Response::text(308, format!("moved to {location}")).header("Location", location)
        }
        Entry::NotFound(body) => {
            Response::new(404, "text/html; charset=utf-8", Box::new(body.clone()))
                .header("Cache-Control", "no-cache")
        }
    };
    Answer::Response(response)
}

/// A source's content as the server sends it, for the cache.
fn prepare(content: Content, path: &str, dev: bool) -> Entry {
    match content {
        Content::Found { file, body, etag, page } => {
            let kind = content_type(&file);
            // The tag stays the host's (a hash of the page without the script): the injected
            // tag is the same for every page and every build, so it still names these bytes.
            let body: Arc<[u8]> = if page && dev && kind.starts_with("text/html") {
                inject(&body).into()
            } else {
                Arc::from(&**body)
            };
            Entry::Found { kind, body, etag, page }
        }
        Content::NotModified(etag) => Entry::Tag(etag),
        Content::Redirect(to) => Entry::Redirect(to),
        Content::NotFound { page, suggestions } => Entry::NotFound(match page {
            Some(page) if dev => inject(&page).into(),
            Some(page) => Arc::from(&**page),
            None => not_found_page(path, &suggestions, dev).into_bytes().into(),
        }),
    }
}

/// A decoded path percent-encoded again for a `Location` header (which must be ASCII).
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'/' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The built-in not-found page: what was asked for, and links to the nearest routes.
fn not_found_page(path: &str, suggestions: &[String], dev: bool) -> String {
    let mut html = format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Not found</title></head>\
         <body>\n<h1>Not found</h1>\n<p>Nothing is at <code>{}</code>.</p>\n",
        escape_html(path)
    );
    if !suggestions.is_empty() {
        html.push_str("<p>Did you mean:</p>\n<ul>\n");
        for route in suggestions {
            let route = escape_html(route);
            html.push_str(&format!("<li><a href=\"{route}\">{route}</a></li>\n"));
        }
        html.push_str("</ul>\n");
    }
    html.push_str("</body></html>\n");
    if dev { String::from_utf8_lossy(&inject(html.as_bytes())).into_owned() } else { html }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_locations_are_percent_encoded() {
        assert_eq!(encode_path("/café dir/"), "/caf%C3%A9%20dir/");
    }

    #[test]
    fn the_built_in_not_found_page_escapes_the_path_and_lists_suggestions() {
        let html = not_found_page("/<x>", &["/blog/".into()], false);
        assert!(html.contains("<code>/&lt;x&gt;</code>"));
        assert!(html.contains("<li><a href=\"/blog/\">/blog/</a></li>"));
    }
}
