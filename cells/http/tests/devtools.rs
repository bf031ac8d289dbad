//! The devtools endpoint in-process, over a fake source that evaluates: the JSON of each
//! answer and its status, what a non-loopback client and a foreign `Host` get, and that the
//! path is an ordinary one outside dev mode.

use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, UdpSocket};
use std::sync::Arc;
use std::time::Duration;

use cell_http::{Content, ContentSource, Reply, Server};
use cell_proto::{ContentRequest, EvalReply, EvalRequest, ExpressionError, HttpConfig, Value};

/// Evaluates `boom` to an error, routes other than `/` and `/blog/` to unknown, anything else
/// to `[route, expression]`; `/__dodeca/eval` as a path is a page saying so.
struct Evaluator;

impl ContentSource for Evaluator {
    fn find(&self, request: &ContentRequest) -> Result<Reply, String> {
        let content = Content::Found {
            file: "index.html".into(),
            body: Box::new(format!("page at {}", request.path).into_bytes()),
            etag: "\"e\"".into(),
            page: false,
        };
        Ok(Reply { revision: 0, content })
    }

    fn eval(&self, request: &EvalRequest) -> Result<EvalReply, String> {
        if request.route != "/" && request.route != "/blog/" {
            return Ok(EvalReply::UnknownRoute(vec!["/blog/".into()]));
        }
        if request.expression == "boom" {
            return Ok(EvalReply::Failed(ExpressionError {
                kind: "undefined-variable".into(),
                message: "undefined variable `boom`".into(),
                line: Some(1),
                column: Some(1),
            }));
        }
        let pair = [request.route.as_str(), request.expression.as_str()];
        Ok(EvalReply::Value(Value::List(pair.map(Value::from).to_vec()).to_wire()))
    }
}

/// A source without `eval`: the trait's default.
struct Pages;

impl ContentSource for Pages {
    fn find(&self, _: &ContentRequest) -> Result<Reply, String> {
        Ok(Reply { revision: 0, content: Content::Redirect("/".into()) })
    }
}

fn start(address: &str, dev: bool, source: Arc<dyn ContentSource>) -> Server {
    let mut config = HttpConfig::new(address);
    config.dev = dev;
    Server::start(&config, source).expect("start")
}

/// Sends a `GET target` with `host` to `to` and returns the status line's code, the headers
/// and the body.
fn ask(to: SocketAddr, target: &str, host: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(to).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    let (head, body) = reply.split_once("\r\n\r\n").expect("a head");
    (head[9..12].parse().unwrap(), head.to_string(), body.to_string())
}

fn eval(server: &Server, query: &str) -> (u16, String, String) {
    ask(server.address(), &format!("/__dodeca/eval?{query}"), "localhost")
}

#[test]
fn answers_the_value_as_json_not_cached() {
    let server = start("127.0.0.1:0", true, Arc::new(Evaluator));
    let (status, head, body) = eval(&server, "route=%2Fblog%2F&expr=page.title+%7C+upper");
    assert_eq!(status, 200, "{body}");
    assert!(head.contains("\r\nContent-Type: application/json\r\n"), "{head}");
    assert!(head.contains("\r\nCache-Control: no-store\r\n"), "{head}");
    assert_eq!(body, "{\"value\":[\"/blog/\",\"page.title | upper\"]}\n");
}

#[test]
fn each_failure_has_its_status_and_kind() {
    let server = start("127.0.0.1:0", true, Arc::new(Evaluator));
    let (status, _, body) = eval(&server, "route=/&expr=boom");
    assert_eq!(status, 422);
    assert_eq!(
        body,
        "{\"error\":{\"kind\":\"undefined-variable\",\"message\":\"undefined variable `boom`\",\
         \"line\":1,\"column\":1}}\n"
    );
    let (status, _, body) = eval(&server, "route=/nope/&expr=x");
    assert_eq!(status, 404);
    assert!(body.starts_with("{\"error\":{\"kind\":\"unknown-route\",\"message\":\"no page or section is served at /nope/\""), "{body}");
    assert!(body.ends_with("\"suggestions\":[\"/blog/\"]}}\n"), "{body}");
    for query in ["route=/", "route=/&expr=%zz", "expr=x", "route=/&expr=x&expr=y", "a=b"] {
        let (status, _, body) = eval(&server, query);
        assert_eq!(status, 400, "{query}: {body}");
        assert!(body.starts_with("{\"error\":{\"kind\":\"bad-request\",\"message\":"), "{body}");
    }
    // A source that cannot evaluate.
    let pages = start("127.0.0.1:0", true, Arc::new(Pages));
    let (status, _, body) = eval(&pages, "route=/&expr=x");
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("\"kind\":\"unavailable\""), "{body}");
}

#[test]
fn a_host_header_that_is_not_a_loopback_name_is_refused() {
    let server = start("127.0.0.1:0", true, Arc::new(Evaluator));
    let target = "/__dodeca/eval?route=/&expr=x";
    for host in ["localhost:1111", "127.0.0.1", "[::1]:8080", "dev.localhost"] {
        assert_eq!(ask(server.address(), target, host).0, 200, "{host}");
    }
    let (status, _, body) = ask(server.address(), target, "attacker.example:1111");
    assert_eq!(status, 403);
    assert!(body.contains("\"kind\":\"forbidden\""), "{body}");
    assert!(body.contains("DNS rebinding"), "{body}");
}

#[test]
fn outside_dev_mode_the_path_is_an_ordinary_one() {
    let server = start("127.0.0.1:0", false, Arc::new(Evaluator));
    let (status, _, body) = eval(&server, "route=/&expr=x");
    assert_eq!((status, body.as_str()), (200, "page at /__dodeca/eval"));
}

/// This machine's address on its default route, if it has one that is not loopback (no
/// packet is sent: connecting a UDP socket only picks the source address).
fn non_loopback_address() -> Option<IpAddr> {
    let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[test]
fn a_client_on_another_address_is_refused_403() {
    let Some(ip) = non_loopback_address() else {
        eprintln!("skipped: this machine has no non-loopback address to connect from");
        return;
    };
    let server = start("0.0.0.0:0", true, Arc::new(Evaluator));
    let port = server.address().port();
    let target = "/__dodeca/eval?route=/&expr=x";
    let (status, _, body) = ask(SocketAddr::new(ip, port), target, "localhost");
    assert_eq!(status, 403, "{body}");
    assert!(body.contains(&format!("loopback), not {ip}")), "{body}");
    // The same server answers a loopback client, and pages still go to everyone.
    assert_eq!(ask(SocketAddr::from(([127, 0, 0, 1], port)), target, "localhost").0, 200);
    assert_eq!(ask(SocketAddr::new(ip, port), "/", "x").0, 200);
}
