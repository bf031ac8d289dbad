//! The server in-process, over a fake content source: the limits that need a server of their
//! own (the connection cap, the event stream cap), production mode, and a failing source.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use cell_http::{Content, ContentSource, Reply, Server};
use cell_proto::{ContentRequest, HttpConfig, SiteChange};

/// `/` is a page, `/a.css` an asset, `/fail` fails, the rest is missing.
struct Fake;

impl ContentSource for Fake {
    fn find(&self, request: &ContentRequest) -> Result<Reply, String> {
        Ok(Reply { revision: 0, content: Fake::content(request)? })
    }
}

impl Fake {
    fn content(request: &ContentRequest) -> Result<Content, String> {
        let found = |file: &str, body: &[u8], page| Content::Found {
            file: file.into(),
            body: Box::new(body.to_vec()),
            etag: "\"e\"".into(),
            page,
        };
        Ok(match request.path.as_str() {
            "/" => found("index.html", b"<body>home</body>", true),
            "/a.css" => found("a.css", b"a{}", false),
            "/fail" => return Err("the host is gone".into()),
            _ => Content::NotFound {
                page: Some(Box::new(b"<p>custom 404</p>".to_vec())),
                suggestions: vec![],
            },
        })
    }
}

fn start(configure: impl FnOnce(&mut HttpConfig)) -> Server {
    let mut config = HttpConfig::new("127.0.0.1:0");
    configure(&mut config);
    Server::start(&config, Arc::new(Fake)).expect("start")
}

fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(server.address()).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    stream
}

/// Sends `request` and reads until the server closes (requests here say `Connection: close`).
fn exchange(server: &Server, request: &str) -> String {
    let mut stream = connect(server);
    stream.write_all(request.as_bytes()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}

fn get(server: &Server, path: &str) -> String {
    exchange(server, &format!("GET {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"))
}

#[test]
fn connections_over_the_cap_are_answered_503_while_those_under_it_are_served() {
    let server = start(|c| c.max_connections = 2);
    // Two idle connections hold both slots (a served request proves each is counted).
    let mut held: Vec<TcpStream> = (0..2).map(|_| connect(&server)).collect();
    for stream in &mut held {
        stream.write_all(b"GET /a.css HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
        let mut line = String::new();
        BufReader::new(&*stream).read_line(&mut line).unwrap();
        assert_eq!(line, "HTTP/1.1 200 OK\r\n");
    }
    let reply = get(&server, "/");
    assert!(reply.starts_with("HTTP/1.1 503 Service Unavailable\r\n"), "{reply}");
    assert!(reply.contains("Retry-After: 1\r\n"), "{reply}");
    drop(held);
    // Slots come back when their connections end; the server does not see that at once, so
    // this waits (bounded) for a 200 rather than asserting when it comes.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while !get(&server, "/").starts_with("HTTP/1.1 200 OK") {
        assert!(std::time::Instant::now() < deadline, "slots never came back");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn event_streams_over_their_cap_are_answered_503_and_each_open_one_gets_every_change() {
    let server = start(|c| c.max_event_streams = 2);
    let open = |server: &Server| {
        let mut stream = connect(server);
        stream.write_all(b"GET /__dodeca/events HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
        BufReader::new(stream)
    };
    let mut streams = [open(&server), open(&server)];
    for stream in &mut streams {
        let mut head = String::new();
        while !head.ends_with("retry: 1000\n\n") {
            stream.read_line(&mut head).unwrap();
        }
        assert!(head.starts_with("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"));
    }
    let mut third = open(&server);
    let mut line = String::new();
    third.read_line(&mut line).unwrap();
    assert_eq!(line, "HTTP/1.1 503 Service Unavailable\r\n");
    // The handed-over streams hold no connection slot: a page is still served.
    assert_eq!(server.event_streams(), 2);
    assert!(get(&server, "/").starts_with("HTTP/1.1 200 OK"));

    server.notify(&SiteChange {
        revision: 3,
        routes: vec!["/".into()],
        assets: vec![],
        errors: vec![],
    });
    for stream in &mut streams {
        let mut event = String::new();
        stream.read_line(&mut event).unwrap();
        stream.read_line(&mut event).unwrap();
        assert_eq!(
            event,
            "event: change\ndata: {\"revision\":3,\"routes\":[\"/\"],\"assets\":[],\"errors\":[]}\n"
        );
    }
}

#[test]
fn production_mode_injects_no_script_and_lets_assets_be_cached() {
    let server = start(|c| c.dev = false);
    let page = get(&server, "/");
    assert!(page.ends_with("\r\n\r\n<body>home</body>"), "{page}");
    assert!(page.contains("Cache-Control: no-cache\r\n"));
    assert!(get(&server, "/a.css").contains("Cache-Control: public, max-age=300\r\n"));
    assert!(get(&server, "/__dodeca/events").starts_with("HTTP/1.1 404 Not Found"));
}

#[test]
fn the_sites_own_404_page_is_served_with_status_404() {
    let server = start(|c| c.dev = false);
    let reply = get(&server, "/missing");
    assert!(reply.starts_with("HTTP/1.1 404 Not Found\r\n"), "{reply}");
    assert!(reply.ends_with("<p>custom 404</p>"), "{reply}");
}

#[test]
fn a_failing_source_is_answered_502() {
    let server = start(|_| {});
    assert!(get(&server, "/fail").starts_with("HTTP/1.1 502 Bad Gateway\r\n"));
}

#[test]
fn a_zero_limit_or_a_bad_address_is_refused_at_start() {
    let mut config = HttpConfig::new("127.0.0.1:0");
    config.max_headers = 0;
    let error = Server::start(&config, Arc::new(Fake)).err().expect("refused");
    assert_eq!(error.to_string(), "http settings: max_headers must be at least 1");
    let config = HttpConfig::new("localhost");
    let error = Server::start(&config, Arc::new(Fake)).err().expect("refused");
    assert_eq!(error.to_string(), "http settings: address \"localhost\" is not IP:PORT");
}

#[test]
fn an_idle_kept_alive_connection_is_closed_after_the_idle_timeout() {
    let server = start(|c| c.idle_timeout_ms = 50);
    let mut stream = connect(&server);
    stream.write_all(b"GET /a.css HTTP/1.1\r\nHost: t\r\n\r\n").unwrap();
    let mut all = Vec::new();
    // The server answers, then closes the idle connection: read_to_end returns.
    stream.read_to_end(&mut all).unwrap();
    assert!(String::from_utf8_lossy(&all).ends_with("Connection: keep-alive\r\n\r\na{}"));
}
