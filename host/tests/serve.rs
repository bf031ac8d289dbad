//! The http cell serving the fixture site (`tests/sites/valid`), asked by a plain TCP
//! client: statuses, headers and bodies of every HTTP behaviour, and what untrusted input
//! gets. One server is shared by the tests of this file (none of them edits the site).

mod common;

use std::io::Write;
use std::net::TcpStream;
use std::sync::OnceLock;

use common::client::{Client, get};

/// The address of the server all tests here share, started on first use.
fn server() -> &'static str {
    static SERVER: OnceLock<String> = OnceLock::new();
    SERVER.get_or_init(|| {
        let root = common::temp("serve");
        common::copy_fixture(&["valid"], &root);
        std::fs::write(root.join("static/big.bin"), big_file()).unwrap();
        let site: &'static host::Site = Box::leak(Box::new(common::open(&root)));
        let report = site.build(2).expect("build the fixture");
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        let mut config = cell_proto::HttpConfig::new("127.0.0.1:0");
        // Short enough for the slowloris test to see a trickling client cut off.
        config.header_timeout_ms = 1_000;
        let server = host::HttpServer::start(site, config, &report).expect("start the http cell");
        let address = server.address().to_string();
        Box::leak(Box::new(server));
        address
    })
}

/// 3 MiB that are not all the same byte: larger than a frame's inline limit, so the body
/// crosses from the host through the shared heap.
fn big_file() -> Vec<u8> {
    (0..3u32 << 20).map(|i| (i % 251) as u8).collect()
}

#[test]
fn a_large_file_crosses_the_link_whole() {
    let reply = get(server(), "/big.bin");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("Content-Type"), Some("application/octet-stream"));
    assert_eq!(reply.header("Content-Length"), Some("3145728"));
    assert!(reply.body == big_file(), "the body differs from the file");
}

#[test]
fn serves_a_page_with_its_type_length_etag_no_cache_and_the_reload_script() {
    let reply = get(server(), "/blog/first/");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("Content-Type"), Some("text/html; charset=utf-8"));
    assert_eq!(reply.header("Content-Length"), Some(reply.body.len().to_string().as_str()));
    assert_eq!(reply.header("Cache-Control"), Some("no-cache"));
    let etag = reply.header("ETag").expect("an ETag");
    assert!(etag.starts_with('"') && etag.ends_with('"') && etag.len() > 2, "{etag}");
    let text = reply.text();
    assert!(text.contains("<title>First post</title>"), "{text}");
    assert!(text.contains("<script src=\"/__dodeca/reload.js\" async></script>"), "{text}");
}

#[test]
fn serves_index_html_for_a_directory_and_the_root() {
    let reply = get(server(), "/");
    assert_eq!(reply.status, 200);
    assert!(reply.text().contains("<title>Fixture</title>"), "{}", reply.text());
    let section = get(server(), "/blog/");
    let explicit = get(server(), "/blog/index.html");
    assert_eq!(section.status, 200);
    assert_eq!(section.body, explicit.body);
}

#[test]
fn serves_a_static_file_with_the_type_of_its_extension() {
    let reply = get(server(), "/css/site.css");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("Content-Type"), Some("text/css; charset=utf-8"));
    assert_eq!(reply.text(), "body { color: black }\n");
}

#[test]
fn if_none_match_with_the_current_etag_answers_304_without_a_body() {
    for path in ["/blog/first/", "/css/site.css"] {
        let etag = get(server(), path).header("ETag").unwrap().to_string();
        let mut client = Client::connect(server());
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: t\r\nIf-None-Match: W/\"x\", {etag}\r\n\r\n");
        client.send(request.as_bytes());
        let reply = client.read(false);
        assert_eq!(reply.status, 304, "{path}");
        assert_eq!(reply.header("ETag"), Some(etag.as_str()));
        assert_eq!(reply.header("Content-Length"), None);
        // The connection goes on: nothing was sent after the head.
        assert_eq!(client.get(path).status, 200);
        // Another tag gets the body.
        client.send(
            format!("GET {path} HTTP/1.1\r\nHost: t\r\nIf-None-Match: \"old\"\r\n\r\n").as_bytes(),
        );
        assert_eq!(client.read(false).status, 200);
    }
}

#[test]
fn a_directory_without_its_slash_is_redirected_keeping_the_query() {
    let reply = get(server(), "/blog?page=2");
    assert_eq!(reply.status, 308);
    assert_eq!(reply.header("Location"), Some("/blog/?page=2"));
    assert_eq!(get(server(), "/docs/setup").header("Location"), Some("/docs/setup/"));
}

#[test]
fn a_missing_path_is_404_listing_the_nearest_routes() {
    let reply = get(server(), "/blog/frist/");
    assert_eq!(reply.status, 404);
    assert_eq!(reply.header("Content-Type"), Some("text/html; charset=utf-8"));
    let text = reply.text();
    assert!(text.contains("<code>/blog/frist/</code>"), "{text}");
    let first = text.find("<li><a href=\"/blog/first/\">/blog/first/</a></li>").expect(&text);
    // Nearest first.
    assert!(text[..first].matches("<li>").count() == 0, "{text}");
    // A draft is not served, nor suggested.
    assert_eq!(get(server(), "/blog/draft/").status, 404);
    assert!(!text.contains("/blog/draft/"), "{text}");
}

#[test]
fn a_repeated_request_gets_the_same_bytes_whatever_its_answer() {
    // The first of each pair may be the host's answer, the second is the cell's cache's
    // (tests share the server, so either may be cached already: both must be equal).
    let etag = get(server(), "/about/").header("ETag").unwrap().to_string();
    for (method, path, headers) in [
        ("GET", "/about/", String::new()),
        ("HEAD", "/about/", String::new()),
        ("GET", "/about/", format!("If-None-Match: {etag}\r\n")),
        ("GET", "/about/", "If-None-Match: \"old\"\r\n".to_string()),
        ("GET", "/css/site.css", String::new()),
        ("GET", "/blog?page=3", String::new()),
        ("GET", "/blog?page=4", String::new()),
        ("GET", "/no/such/page/", String::new()),
    ] {
        let ask = || {
            let mut stream = TcpStream::connect(server()).unwrap();
            stream.set_read_timeout(Some(std::time::Duration::from_secs(60))).unwrap();
            let request = format!(
                "{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n{headers}\r\n"
            );
            stream.write_all(request.as_bytes()).unwrap();
            let mut reply = Vec::new();
            std::io::Read::read_to_end(&mut stream, &mut reply).unwrap();
            String::from_utf8_lossy(&reply).into_owned()
        };
        let (first, second) = (ask(), ask());
        assert_eq!(first, second, "{method} {path} {headers:?}");
        let status = &first[9..12];
        let expected = match (method, path, headers.contains(&etag)) {
            (_, "/about/", true) => "304",
            (_, "/no/such/page/", _) => "404",
            (_, "/blog?page=3" | "/blog?page=4", _) => "308",
            _ => "200",
        };
        assert_eq!(status, expected, "{method} {path} {headers:?}: {first}");
        if path.starts_with("/blog?") {
            // The query is the request's, even when the redirect came from the cache.
            let query = path.split_once('?').unwrap().1;
            assert!(first.contains(&format!("Location: /blog/?{query}\r\n")), "{first}");
        }
        if method == "HEAD" {
            assert!(first.ends_with("\r\n\r\n"), "no body after a HEAD answer: {first}");
        }
    }
}

#[test]
fn head_sends_the_headers_of_get_and_no_body() {
    let mut client = Client::connect(server());
    let full = client.get("/about/");
    client.send(b"HEAD /about/ HTTP/1.1\r\nHost: t\r\n\r\n");
    let head = client.read(true);
    assert_eq!(head.status, 200);
    assert_eq!(head.header("Content-Length"), full.header("Content-Length"));
    assert_eq!(head.header("ETag"), full.header("ETag"));
    // Had a body followed the HEAD answer, this would read it as a status line.
    assert_eq!(client.get("/about/").body, full.body);
}

#[test]
fn keep_alive_serves_pipelined_requests_in_order_on_one_connection() {
    let mut client = Client::connect(server());
    client.send(
        b"GET /css/site.css HTTP/1.1\r\nHost: t\r\n\r\nGET /nope HTTP/1.1\r\nHost: t\r\n\r\n\
          GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
    );
    let statuses: Vec<u16> = (0..3).map(|_| client.read(false).status).collect();
    assert_eq!(statuses, [200, 404, 200]);
    assert!(client.is_closed_by_server(), "Connection: close is honoured");
}

#[test]
fn path_traversal_is_refused_in_every_form() {
    for target in [
        "/../dodeca.toml",
        "/blog/../../dodeca.toml",
        "/%2e%2e/dodeca.toml",
        "/%2E%2e/%2e%2e/etc/passwd",
        "/.%2e/dodeca.toml",
        "/..%2fdodeca.toml",
        "/blog%2f..%2f..%2fdodeca.toml",
        "/..%5cdodeca.toml",
        "/..\\dodeca.toml",
        "//etc/passwd",
        "/%00",
        "/index.html%00.css",
        "/%c0%ae%c0%ae/dodeca.toml",
        "/%e0%80%ae/x",
        "http://evil/../dodeca.toml",
    ] {
        let mut client = Client::connect(server());
        client.send(format!("GET {target} HTTP/1.1\r\nHost: t\r\n\r\n").as_bytes());
        let reply = client.read(false);
        assert_eq!(reply.status, 400, "{target}: {}", reply.text());
        assert!(reply.text().starts_with("refused path: "), "{target}: {}", reply.text());
        assert!(client.is_closed_by_server(), "{target}");
    }
}

#[test]
fn methods_other_than_get_and_head_are_405_with_allow() {
    let mut client = Client::connect(server());
    client.send(b"DELETE / HTTP/1.1\r\nHost: t\r\n\r\n");
    let reply = client.read(false);
    assert_eq!(reply.status, 405);
    assert_eq!(reply.header("Allow"), Some("GET, HEAD"));
    // Without a body, the connection is kept.
    assert_eq!(client.get("/").status, 200);
}

#[test]
fn malformed_requests_are_answered_400_and_closed() {
    for request in [
        &b"GARBAGE\r\n\r\n"[..],
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET / HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
    ] {
        let mut client = Client::connect(server());
        client.send(request);
        let reply = client.read(false);
        assert_eq!(reply.status, 400, "{:?}: {}", String::from_utf8_lossy(request), reply.text());
        assert!(client.is_closed_by_server());
    }
}

#[test]
fn heads_over_the_limits_are_431() {
    let mut client = Client::connect(server());
    let long = "x".repeat(20 << 10);
    client.send(format!("GET / HTTP/1.1\r\nHost: t\r\nX-Long: {long}\r\n\r\n").as_bytes());
    assert_eq!(client.read(false).status, 431);
    let mut client = Client::connect(server());
    let many: String = (0..100).map(|i| format!("X-{i}: 1\r\n")).collect();
    client.send(format!("GET / HTTP/1.1\r\nHost: t\r\n{many}\r\n").as_bytes());
    assert_eq!(client.read(false).status, 431);
}

#[test]
fn slow_clients_trickling_bytes_do_not_stop_a_normal_client_and_are_cut_off_with_408() {
    // Forty connections sending a request head a byte at a time, slower than the header
    // timeout allows (1 s in this server's settings).
    let mut slow: Vec<TcpStream> = (0..40)
        .map(|_| {
            let mut stream = TcpStream::connect(server()).unwrap();
            stream.write_all(b"GET / HTTP/1.1\r\n").unwrap();
            stream
        })
        .collect();
    // Each trickles on while a normal client is served, meanwhile.
    for stream in &mut slow {
        stream.write_all(b"X").unwrap();
    }
    let reply = get(server(), "/");
    assert_eq!(reply.status, 200);
    // Every slow connection is answered 408 and closed, however long it keeps trickling.
    for stream in slow {
        let mut client = Client::from_stream(stream);
        let reply = client.read_trickling(b"-");
        assert_eq!(reply.status, 408, "{}", reply.text());
    }
}
