//! The devtools endpoint (issue #17): `GET /__dodeca/eval?route=/blog/first/&expr=page.title`
//! evaluates a template expression in the context the route's template is rendered with, and
//! answers its value as JSON.
//!
//! Answers (`application/json`, never cached):
//!
//! | status | body |
//! |---|---|
//! | 200 | `{"value": …}`: the value (a macro or module as its text, undefined as `null`) |
//! | 422 | `{"error": {"kind", "message", "line", "column"}}`: the template engine's error (`kind` `syntax`, `undefined-variable`, `missing-field`, `host`, …), placed in the expression (1-based; `null` when unknown) |
//! | 404 | the same, kind `unknown-route`, and `suggestions`: the nearest routes served |
//! | 400 | kind `bad-request`: the query is not `route=…&expr=…` (see [`parse_query`]) |
//! | 403 | kind `forbidden`: the client is not on a loopback address, or its `Host` is not a loopback name |
//! | 502 | kind `unavailable`: the host could not evaluate (its message) |
//!
//! Only in dev mode (otherwise the path is an ordinary one, asked of the host like any other),
//! and only for clients on a loopback address ([`is_loopback`]): whatever the server is bound
//! to, the endpoint shows the site's data and configuration to no other machine. The `Host`
//! header must name loopback too ([`is_loopback_host`]), so that a web page whose name was
//! re-pointed at 127.0.0.1 (DNS rebinding) cannot read it from the user's browser.
//!
//! Only `GET` (and `HEAD`): the server reads no request bodies (see `request.rs`), and an
//! expression fits in a request target (8 KiB).

use std::fmt;
use std::net::{IpAddr, SocketAddr};

use cell_proto::{EvalReply, EvalRequest, ExpressionError, Value};

use crate::path::SitePath;
use crate::request::Request;
use crate::response::Response;
use crate::server::ContentSource;

/// Where the endpoint is served (in dev mode).
pub const EVAL_PATH: &str = "/__dodeca/eval";
/// The longest expression accepted, in bytes once decoded.
pub const MAX_EXPRESSION: usize = 4 << 10;
/// The longest route accepted, in bytes once decoded.
pub const MAX_ROUTE: usize = 1 << 10;

/// The parameters of a request to [`EVAL_PATH`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalQuery {
    /// `route`: the URL path of a page or section (`/blog/first/`).
    pub route: String,
    /// `expr`: the expression.
    pub expression: String,
}

/// Why a query was refused (answered 400).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueryError {
    /// A parameter the endpoint needs is absent or empty.
    Missing(&'static str),
    /// A parameter given twice.
    Repeated(&'static str),
    /// A parameter the endpoint does not know (its name, as sent, shortened).
    Unknown(String),
    /// `%` not followed by two hex digits, in the named parameter (or a name).
    BadEscape(&'static str),
    /// The decoded bytes are not UTF-8.
    InvalidUtf8(&'static str),
    /// A control character (other than tab and line breaks in `expr`).
    ControlCharacter(&'static str),
    /// Longer than its limit once decoded.
    TooLong {
        /// The parameter.
        name: &'static str,
        /// Its limit in bytes.
        max: usize,
    },
    /// A route that does not start with `/`.
    RelativeRoute,
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::Missing(name) => write!(
                f,
                "`{name}` is missing; ask {EVAL_PATH}?route=/blog/first/&expr=page.title \
                 (percent-encoded)"
            ),
            QueryError::Repeated(name) => write!(f, "`{name}` is given more than once"),
            QueryError::Unknown(name) => {
                write!(f, "unknown parameter `{name}` (the parameters are `route` and `expr`)")
            }
            QueryError::BadEscape(name) => {
                write!(f, "`{name}`: '%' not followed by two hex digits (encode '%' as %25)")
            }
            QueryError::InvalidUtf8(name) => write!(f, "`{name}` is not UTF-8 once decoded"),
            QueryError::ControlCharacter(name) => write!(f, "`{name}` has a control character"),
            QueryError::TooLong { name, max } => {
                write!(f, "`{name}` is longer than {max} bytes once decoded")
            }
            QueryError::RelativeRoute => {
                write!(f, "`route` must be a URL path starting with '/' (`/blog/first/`)")
            }
        }
    }
}

impl std::error::Error for QueryError {}

/// Parses the raw query (after `?`) of a request to [`EVAL_PATH`]: `route` and `expr`, each
/// once, percent-decoded (`+` is a space, as forms and `URLSearchParams` write it); empty
/// pairs (`&&`) are skipped; nothing else is accepted.
///
/// # Examples
///
/// ```
/// use cell_http::devtools::{parse_query, QueryError};
/// let query = parse_query(Some("route=/blog/first/&expr=page.title+%7C+upper"))?;
/// assert_eq!(query.route, "/blog/first/");
/// assert_eq!(query.expression, "page.title | upper");
/// assert_eq!(parse_query(Some("route=/")), Err(QueryError::Missing("expr")));
/// assert_eq!(parse_query(Some("route=/&expr=%zz")), Err(QueryError::BadEscape("expr")));
/// # Ok::<(), QueryError>(())
/// ```
///
/// # Errors
///
/// A [`QueryError`] naming the first thing wrong.
pub fn parse_query(query: Option<&str>) -> Result<EvalQuery, QueryError> {
    let mut route = None;
    let mut expression = None;
    for pair in query.unwrap_or_default().split('&').filter(|pair| !pair.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (name, slot, max) = match decode(name, "a parameter name")?.as_str() {
            "route" => ("route", &mut route, MAX_ROUTE),
            "expr" => ("expr", &mut expression, MAX_EXPRESSION),
            other => return Err(QueryError::Unknown(other.chars().take(64).collect())),
        };
        if slot.is_some() {
            return Err(QueryError::Repeated(name));
        }
        // Checked before decoding too: decoding only shrinks, so this bounds the work.
        if value.len() > 3 * max {
            return Err(QueryError::TooLong { name, max });
        }
        let value = decode(value, name)?;
        if value.len() > max {
            return Err(QueryError::TooLong { name, max });
        }
        let allowed = |c: char| name == "expr" && matches!(c, '\t' | '\n' | '\r');
        if value.chars().any(|c| c.is_control() && !allowed(c)) {
            return Err(QueryError::ControlCharacter(name));
        }
        *slot = Some(value);
    }
    let route = route.filter(|r| !r.is_empty()).ok_or(QueryError::Missing("route"))?;
    if !route.starts_with('/') {
        return Err(QueryError::RelativeRoute);
    }
    let expression =
        expression.filter(|e| !e.trim().is_empty()).ok_or(QueryError::Missing("expr"))?;
    Ok(EvalQuery { route, expression })
}

/// Percent-decodes one query component (`+` is a space).
fn decode(text: &str, name: &'static str) -> Result<String, QueryError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or(QueryError::BadEscape(name))?;
                let digit = |d: u8| (d as char).to_digit(16).ok_or(QueryError::BadEscape(name));
                out.push((digit(hex[0])? * 16 + digit(hex[1])?) as u8);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            byte => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| QueryError::InvalidUtf8(name))
}

/// Whether `peer` is a loopback address: 127.0.0.0/8, `::1`, or 127.0.0.0/8 mapped into IPv6
/// (`::ffff:127.0.0.1`, what a dual-stack socket bound to `::` reports).
///
/// # Examples
///
/// ```
/// use cell_http::devtools::is_loopback;
/// assert!(is_loopback("127.3.2.1".parse().unwrap()));
/// assert!(is_loopback("::ffff:127.0.0.1".parse().unwrap()));
/// assert!(!is_loopback("192.168.1.2".parse().unwrap()));
/// ```
pub fn is_loopback(peer: IpAddr) -> bool {
    match peer {
        IpAddr::V4(v4) => v4.is_loopback(),
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Whether a `Host` header names this machine by a loopback name, with or without a port:
/// `localhost` and names under `.localhost` (which browsers resolve to loopback themselves,
/// RFC 6761), an IPv4 loopback address, or `[::1]`.
///
/// # Examples
///
/// ```
/// use cell_http::devtools::is_loopback_host;
/// assert!(is_loopback_host("localhost:1111"));
/// assert!(is_loopback_host("127.0.0.1:1111"));
/// assert!(is_loopback_host("[::1]:1111"));
/// assert!(!is_loopback_host("attacker.example:1111"));
/// ```
pub fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        // `[v6]` or `[v6]:port`.
        Some(rest) => match rest.split_once(']') {
            Some((address, "")) => address,
            Some((address, port)) if port.strip_prefix(':').is_some_and(is_port) => address,
            _ => return false,
        },
        None => match host.rsplit_once(':') {
            Some((name, port)) if is_port(port) => name,
            Some(_) => return false,
            None => host,
        },
    };
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    if name == "localhost" || name.ends_with(".localhost") {
        return true;
    }
    name.parse::<IpAddr>().is_ok_and(is_loopback)
}

fn is_port(digits: &str) -> bool {
    (1..=5).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The answer to a request for [`EVAL_PATH`] (`path`, with its raw query) from `peer`.
pub(crate) fn respond(
    request: &Request,
    path: &SitePath,
    peer: Option<SocketAddr>,
    source: &dyn ContentSource,
) -> Response {
    if !peer.is_some_and(|peer| is_loopback(peer.ip())) {
        let from = peer.map_or_else(|| "an unknown address".to_string(), |p| p.ip().to_string());
        let message = format!(
            "the devtools endpoint answers clients on this machine only (loopback), not {from}"
        );
        return refusal(403, "forbidden", &message);
    }
    if let Some(host) = request.host.as_deref().filter(|host| !is_loopback_host(host)) {
        let message = format!(
            "the devtools endpoint answers requests for localhost, 127.0.0.1 or [::1] only, \
             not for Host {host:?} (a defence against DNS rebinding)"
        );
        return refusal(403, "forbidden", &message);
    }
    let query = match parse_query(path.query.as_deref()) {
        Ok(query) => query,
        Err(error) => return refusal(400, "bad-request", &error.to_string()),
    };
    let route = query.route.clone();
    let reply = source.eval(&EvalRequest { route: query.route, expression: query.expression });
    match reply {
        Ok(EvalReply::Value(wire)) => match wire.to_value() {
            Ok(value) => {
                let mut json = String::from("{\"value\":");
                write_value(&mut json, &value);
                json.push_str("}\n");
                json_response(200, json)
            }
            Err(error) => refusal(502, "unavailable", &format!("the host's value: {error}")),
        },
        Ok(EvalReply::Failed(error)) => json_response(422, error_json(&error, None)),
        Ok(EvalReply::UnknownRoute(suggestions)) => {
            let error = ExpressionError {
                kind: "unknown-route".into(),
                message: format!("no page or section is served at {route}"),
                line: None,
                column: None,
            };
            json_response(404, error_json(&error, Some(&suggestions)))
        }
        Err(error) => {
            eprintln!("cell-http: {EVAL_PATH}: the host failed: {error}");
            refusal(502, "unavailable", &format!("the host could not evaluate: {error}"))
        }
    }
}

fn refusal(status: u16, kind: &str, message: &str) -> Response {
    let error =
        ExpressionError { kind: kind.into(), message: message.into(), line: None, column: None };
    json_response(status, error_json(&error, None))
}

fn json_response(status: u16, json: String) -> Response {
    Response::new(status, "application/json", Box::new(json.into_bytes()))
        .header("Cache-Control", "no-store")
}

/// `{"error":{"kind":…,"message":…,"line":…,"column":…}}`, with `suggestions` if given.
fn error_json(error: &ExpressionError, suggestions: Option<&[String]>) -> String {
    let mut json = String::from("{\"error\":{\"kind\":");
    crate::reload::json_string(&mut json, &error.kind);
    json.push_str(",\"message\":");
    crate::reload::json_string(&mut json, &error.message);
    for (name, number) in [("line", error.line), ("column", error.column)] {
        json.push_str(&format!(",\"{name}\":"));
        match number {
            Some(n) => json.push_str(&n.to_string()),
            None => json.push_str("null"),
        }
    }
    if let Some(suggestions) = suggestions {
        json.push_str(",\"suggestions\":");
        write_value(
            &mut json,
            &Value::List(suggestions.iter().map(|s| Value::from(s.as_str())).collect()),
        );
    }
    json.push_str("}}\n");
    json
}

/// `value` as JSON. Floats that JSON cannot write (NaN, infinities) are `null`. The depth is
/// bounded by the wire's decoder (`cell_proto::MAX_VALUE_DEPTH`), so the recursion is too.
fn write_value(json: &mut String, value: &Value) {
    match value {
        Value::Null => json.push_str("null"),
        Value::Bool(b) => json.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => json.push_str(&i.to_string()),
        Value::Float(f) if f.is_finite() => json.push_str(&format!("{f:?}")),
        Value::Float(_) => json.push_str("null"),
        Value::String(s) => crate::reload::json_string(json, s),
        Value::List(items) => {
            json.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    json.push(',');
                }
                write_value(json, item);
            }
            json.push(']');
        }
        Value::Map(entries) => {
            json.push('{');
            for (i, (key, item)) in entries.iter().enumerate() {
                if i > 0 {
                    json.push(',');
                }
                crate::reload::json_string(json, key);
                json.push(':');
                write_value(json, item);
            }
            json.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_both_parameters_in_any_order() {
        let query = parse_query(Some(
            "expr=get_section(path%3D%22blog%2F_index.md%22).pages+%7C+length&route=%2Fblog%2F",
        ))
        .unwrap();
        assert_eq!(query.route, "/blog/");
        assert_eq!(query.expression, "get_section(path=\"blog/_index.md\").pages | length");
        // Empty pairs are skipped; tabs and line breaks are whitespace in an expression.
        let query = parse_query(Some("&route=/&&expr=a%0A.b%09&")).unwrap();
        assert_eq!(query.expression, "a\n.b\t");
        // A literal '+' is %2B; UTF-8 decodes.
        let query = parse_query(Some("route=/caf%C3%A9/&expr=1+%2B+1")).unwrap();
        assert_eq!((query.route.as_str(), query.expression.as_str()), ("/café/", "1 + 1"));
    }

    #[test]
    fn errors_on_missing_repeated_and_unknown_parameters() {
        for (query, error) in [
            (None, QueryError::Missing("route")),
            (Some(""), QueryError::Missing("route")),
            (Some("expr=x"), QueryError::Missing("route")),
            (Some("route=&expr=x"), QueryError::Missing("route")),
            (Some("route=/"), QueryError::Missing("expr")),
            (Some("route=/&expr"), QueryError::Missing("expr")),
            (Some("route=/&expr=++"), QueryError::Missing("expr")),
            (Some("route=/&route=/a/&expr=x"), QueryError::Repeated("route")),
            (Some("route=/&expr=x&expr=y"), QueryError::Repeated("expr")),
            (Some("route=/&expr=x&debug=1"), QueryError::Unknown("debug".into())),
            (Some("route=blog/&expr=x"), QueryError::RelativeRoute),
        ] {
            assert_eq!(parse_query(query), Err(error), "{query:?}");
        }
    }

    #[test]
    fn errors_on_bad_escapes_bad_utf8_control_characters_and_length() {
        for (query, error) in [
            ("route=/&expr=%", QueryError::BadEscape("expr")),
            ("route=/&expr=%4", QueryError::BadEscape("expr")),
            ("route=/&expr=%g0", QueryError::BadEscape("expr")),
            ("route=/&expr=%+1", QueryError::BadEscape("expr")),
            ("rou%te=/&expr=x", QueryError::BadEscape("a parameter name")),
            ("route=/%ff&expr=x", QueryError::InvalidUtf8("route")),
            ("route=/&expr=%C0%AE", QueryError::InvalidUtf8("expr")),
            ("route=/&expr=a%00b", QueryError::ControlCharacter("expr")),
            ("route=/a%0A/&expr=x", QueryError::ControlCharacter("route")),
            ("route=/&expr=%C2%85", QueryError::ControlCharacter("expr")),
        ] {
            assert_eq!(parse_query(Some(query)), Err(error), "{query}");
        }
        let long = format!("route=/&expr={}", "a".repeat(MAX_EXPRESSION + 1));
        let too_long = QueryError::TooLong { name: "expr", max: MAX_EXPRESSION };
        assert_eq!(parse_query(Some(&long)), Err(too_long.clone()));
        let encoded = format!("route=/&expr={}", "%41".repeat(MAX_EXPRESSION + 1));
        assert_eq!(parse_query(Some(&encoded)), Err(too_long));
        let at_limit = format!("route=/&expr={}", "%41".repeat(MAX_EXPRESSION));
        assert_eq!(parse_query(Some(&at_limit)).unwrap().expression.len(), MAX_EXPRESSION);
        let route = format!("route=/{}&expr=x", "r".repeat(MAX_ROUTE));
        assert_eq!(
            parse_query(Some(&route)),
            Err(QueryError::TooLong { name: "route", max: MAX_ROUTE })
        );
    }

    #[test]
    fn every_message_says_what_to_do() {
        let message = QueryError::Missing("expr").to_string();
        assert!(message.contains("/__dodeca/eval?route=/blog/first/&expr=page.title"), "{message}");
        let message = QueryError::Unknown("x".into()).to_string();
        assert!(message.contains("`route` and `expr`"), "{message}");
    }

    #[test]
    fn loopback_is_127_slash_8_and_colon_colon_1_in_every_spelling() {
        for address in ["127.0.0.1", "127.255.0.9", "::1", "::ffff:127.0.0.1", "::ffff:127.1.2.3"] {
            assert!(is_loopback(address.parse().unwrap()), "{address}");
        }
        for address in [
            "192.0.2.2",
            "10.0.0.1",
            "0.0.0.0",
            "::",
            "::ffff:192.0.2.2",
            "fe80::1",
            "::2",
            "128.0.0.1",
        ] {
            assert!(!is_loopback(address.parse().unwrap()), "{address}");
        }
    }

    #[test]
    fn a_loopback_host_is_localhost_or_a_loopback_address_with_any_port() {
        for host in [
            "localhost",
            "LOCALHOST:1111",
            "localhost.",
            "app.localhost:8080",
            "127.0.0.1",
            "127.0.0.1:1111",
            "127.8.9.10:80",
            "[::1]",
            "[::1]:1111",
            "[::ffff:127.0.0.1]:1",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "",
            "example.com",
            "localhost.example.com",
            "evil-localhost",
            "192.0.2.2:1111",
            "127.0.0.1:",
            "127.0.0.1:x",
            "localhost:1111:1",
            "[::1",
            "[::1]x",
            "[::2]:1111",
            "::1",
            "0.0.0.0:1111",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }

    #[test]
    fn values_become_json() {
        let value = Value::map([
            ("title", Value::from("a \"b\" <c>\n")),
            ("n", Value::Int(-3)),
            ("f", Value::Float(0.5)),
            ("whole", Value::Float(2.0)),
            ("nan", Value::Float(f64::NAN)),
            ("list", Value::List(vec![Value::Bool(true), Value::Null])),
            ("empty", Value::Map(Vec::new())),
        ]);
        let mut json = String::new();
        write_value(&mut json, &value);
        assert_eq!(
            json,
            "{\"title\":\"a \\\"b\\\" \\u003cc>\\u000a\",\"n\":-3,\"f\":0.5,\"whole\":2.0,\
             \"nan\":null,\"list\":[true,null],\"empty\":{}}"
        );
    }

    #[test]
    fn errors_become_json_with_their_place() {
        let error = ExpressionError {
            kind: "syntax".into(),
            message: "syntax error: expected a name".into(),
            line: Some(1),
            column: Some(6),
        };
        assert_eq!(
            error_json(&error, None),
            "{\"error\":{\"kind\":\"syntax\",\"message\":\"syntax error: expected a name\",\
             \"line\":1,\"column\":6}}\n"
        );
        let unknown = ExpressionError { line: None, column: None, ..error };
        let json = error_json(&unknown, Some(&["/blog/".to_string()]));
        assert!(json.ends_with("\"line\":null,\"column\":null,\"suggestions\":[\"/blog/\"]}}\n"));
    }
}
