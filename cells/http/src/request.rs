//! Parsing a request head with `httparse`, within limits.
//!
//! [`parse`] is called on everything read so far from a connection; it says whether a whole
//! head is there and how many bytes it took (the rest is the next pipelined request). Only
//! what this server uses is kept. A request with a body (`Content-Length` > 0, or any
//! `Transfer-Encoding`) is answered and the connection closed after it, instead of reading
//! a body nobody needs: that leaves no way to desynchronise the stream.

use std::fmt;

/// Limits on a request head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of the request line and headers together.
    pub max_header_bytes: usize,
    /// Headers in one request.
    pub max_headers: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_header_bytes: 16 << 10, max_headers: 64 }
    }
}

/// The method, as far as this server cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `HEAD`.
    Head,
    /// Anything else (answered 405).
    Other(String),
}

/// A parsed request head.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// The request target, raw (see [`crate::path::normalize`]).
    pub target: String,
    /// HTTP/1.`minor`.
    pub minor_version: u8,
    /// Whether the client asked to keep the connection (HTTP/1.1 unless `Connection:
    /// close`; HTTP/1.0 only with `Connection: keep-alive`).
    pub keep_alive: bool,
    /// Whether it has a `Host` header (required by HTTP/1.1).
    pub has_host: bool,
    /// The `Host` header's value, if any (the devtools endpoint checks it names loopback).
    pub host: Option<String>,
    /// Entity tags from `If-None-Match`, quoted, weak prefixes removed; `*` kept as is.
    pub if_none_match: Vec<String>,
    /// Whether a body follows the head.
    pub has_body: bool,
}

/// What [`parse`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Parsed {
    /// A whole head, and the number of bytes it took.
    Complete(Request, usize),
    /// Not all there yet: read more.
    Partial,
}

/// Why a request head was refused; each maps to a status ([`status`](Self::status)).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestError {
    /// The head is longer than the limit (431).
    HeadTooLarge(usize),
    /// More headers than the limit (431).
    TooManyHeaders(usize),
    /// Not HTTP/1.x, or not well formed (400): what `httparse` or we found wrong.
    Malformed(String),
}

impl RequestError {
    /// The response status for this error.
    pub fn status(&self) -> u16 {
        match self {
            RequestError::HeadTooLarge(_) | RequestError::TooManyHeaders(_) => 431,
            RequestError::Malformed(_) => 400,
        }
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::HeadTooLarge(max) => {
                write!(f, "request line and headers longer than {max} bytes")
            }
            RequestError::TooManyHeaders(max) => write!(f, "more than {max} headers"),
            RequestError::Malformed(why) => write!(f, "malformed request: {why}"),
        }
    }
}

impl std::error::Error for RequestError {}

/// Parses the request head at the start of `buffer`.
///
/// # Examples
///
/// ```
/// use cell_http::request::{parse, Limits, Method, Parsed};
/// let bytes = b"GET /a HTTP/1.1\r\nHost: x\r\nIf-None-Match: W/\"1\", \"2\"\r\n\r\nGET /b";
/// let Parsed::Complete(request, used) = parse(bytes, Limits::default())? else { panic!() };
/// assert_eq!((request.method, request.target.as_str()), (Method::Get, "/a"));
/// assert_eq!(request.if_none_match, ["\"1\"", "\"2\""]);
/// assert_eq!(&bytes[used..], b"GET /b");
/// # Ok::<(), cell_http::request::RequestError>(())
/// ```
///
/// # Errors
///
/// A [`RequestError`] when the head is malformed or over a limit.
pub fn parse(buffer: &[u8], limits: Limits) -> Result<Parsed, RequestError> {
    let mut headers = vec![httparse::EMPTY_HEADER; limits.max_headers];
    let mut request = httparse::Request::new(&mut headers);
    let used = match request.parse(buffer) {
        Ok(httparse::Status::Complete(used)) => used,
        Ok(httparse::Status::Partial) => {
            if buffer.len() >= limits.max_header_bytes {
                return Err(RequestError::HeadTooLarge(limits.max_header_bytes));
            }
            return Ok(Parsed::Partial);
        }
        Err(httparse::Error::TooManyHeaders) => {
            return Err(RequestError::TooManyHeaders(limits.max_headers));
        }
        Err(error) => return Err(RequestError::Malformed(error.to_string())),
    };
    if used > limits.max_header_bytes {
        return Err(RequestError::HeadTooLarge(limits.max_header_bytes));
    }
    // Complete means all three are there; `None` cannot happen, but a message beats a panic.
    let missing = || RequestError::Malformed("incomplete request line".into());
    let method = match request.method.ok_or_else(missing)? {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        other => Method::Other(other.to_string()),
    };
    let target = request.path.ok_or_else(missing)?.to_string();
    let minor_version = request.version.ok_or_else(missing)?;
    let mut keep_alive = minor_version >= 1;
    let mut has_host = false;
    let mut host = None;
    let mut has_body = false;
    let mut content_length: Option<u64> = None;
    let mut if_none_match = Vec::new();
    for header in request.headers.iter() {
        let name = header.name;
        let value = std::str::from_utf8(header.value)
            .map_err(|_| RequestError::Malformed(format!("header {name} is not UTF-8")))?;
        if name.eq_ignore_ascii_case("host") {
            if has_host {
                return Err(RequestError::Malformed("two Host headers".into()));
            }
            has_host = true;
            host = Some(value.trim().to_string());
        } else if name.eq_ignore_ascii_case("connection") {
            for option in value.split(',').map(str::trim) {
                if option.eq_ignore_ascii_case("close") {
                    keep_alive = false;
                } else if option.eq_ignore_ascii_case("keep-alive") && minor_version == 0 {
                    keep_alive = true;
                }
            }
        } else if name.eq_ignore_ascii_case("content-length") {
            let length: u64 = value.trim().parse().map_err(|_| {
                RequestError::Malformed(format!("Content-Length {value:?} is not a number"))
            })?;
            // Two different lengths are a classic request-smuggling vector.
            if content_length.is_some_and(|known| known != length) {
                return Err(RequestError::Malformed("conflicting Content-Length headers".into()));
            }
            content_length = Some(length);
            has_body |= length > 0;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            has_body = true;
        } else if name.eq_ignore_ascii_case("if-none-match") {
            if_none_match.extend(entity_tags(value));
        }
    }
    if has_body {
        keep_alive = false;
    }
    let request = Request {
        method,
        target,
        minor_version,
        keep_alive,
        has_host,
        host,
        if_none_match,
        has_body,
    };
    Ok(Parsed::Complete(request, used))
}

/// The tags of an `If-None-Match` value: `"a", W/"b"` gives `"a"`, `"b"`; `*` gives `*`.
fn entity_tags(value: &str) -> impl Iterator<Item = String> + '_ {
    value
        .split(',')
        .map(str::trim)
        .map(|tag| tag.strip_prefix("W/").unwrap_or(tag))
        .filter(|tag| *tag == "*" || (tag.len() >= 2 && tag.starts_with('"') && tag.ends_with('"')))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complete(bytes: &[u8]) -> (Request, usize) {
        match parse(bytes, Limits::default()) {
            Ok(Parsed::Complete(request, used)) => (request, used),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn keep_alive_follows_the_version_and_the_connection_header() {
        assert!(complete(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").0.keep_alive);
        assert!(!complete(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").0.keep_alive);
        assert!(!complete(b"GET / HTTP/1.0\r\n\r\n").0.keep_alive);
        assert!(complete(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").0.keep_alive);
    }

    #[test]
    fn a_request_with_a_body_closes_the_connection() {
        let (request, _) = complete(b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc");
        assert!(request.has_body && !request.keep_alive);
        let (request, _) =
            complete(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
        assert_eq!(request.method, Method::Other("POST".into()));
        assert!(request.has_body);
    }

    #[test]
    fn a_partial_head_asks_for_more_until_the_limit() {
        let limits = Limits { max_header_bytes: 32, max_headers: 4 };
        assert_eq!(parse(b"GET / HTTP/1.1\r\nHo", limits), Ok(Parsed::Partial));
        let long = format!("GET /{} HTTP/1.1\r\n", "a".repeat(40));
        assert_eq!(parse(long.as_bytes(), limits), Err(RequestError::HeadTooLarge(32)));
    }

    #[test]
    fn errors_on_too_many_headers_and_malformed_heads() {
        let limits = Limits { max_header_bytes: 4096, max_headers: 2 };
        let many = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
        assert_eq!(parse(many, limits), Err(RequestError::TooManyHeaders(2)));
        for bad in [
            &b"GET / HTTP/2.0\r\n\r\n"[..],
            b"GET\r\n\r\n",
            b"G\0T / HTTP/1.1\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n",
            b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        ] {
            let error = parse(bad, Limits::default()).unwrap_err();
            assert_eq!(error.status(), 400, "{bad:?}: {error}");
        }
    }

    #[test]
    fn keeps_the_host_headers_value() {
        let (request, _) = complete(b"GET / HTTP/1.1\r\nHOST:  localhost:1111 \r\n\r\n");
        assert_eq!(request.host.as_deref(), Some("localhost:1111"));
        assert_eq!(complete(b"GET / HTTP/1.0\r\n\r\n").0.host, None);
    }

    #[test]
    fn if_none_match_keeps_quoted_tags_and_drops_weak_prefixes() {
        let (request, _) = complete(
            b"GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match: W/\"x\", \"y\", junk, *\r\n\r\n",
        );
        assert_eq!(request.if_none_match, ["\"x\"", "\"y\"", "*"]);
    }
}
