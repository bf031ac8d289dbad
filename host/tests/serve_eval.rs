//! The devtools endpoint (`/__dodeca/eval`, issue #17) through the real http cell, host and
//! template cell, asked by a plain TCP client: a route's context, `get_section` called back
//! into the host while the expression is evaluated, the engine's errors with their place in
//! the expression, unknown routes, the build served, and clients not on loopback refused.

mod common;

use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::sync::OnceLock;

use common::client::{Client, Reply};

/// The address of the server the read-only tests share, started on first use.
fn server() -> &'static str {
    static SERVER: OnceLock<String> = OnceLock::new();
    SERVER.get_or_init(|| {
        let root = common::temp("serve-eval");
        common::copy_fixture(&["valid"], &root);
        let site: &'static host::Site = Box::leak(Box::new(common::open(&root)));
        let report = site.build(2).expect("build the fixture");
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        let config = cell_proto::HttpConfig::new("127.0.0.1:0");
        let server = host::HttpServer::start(site, config, &report).expect("start the http cell");
        let address = server.address().to_string();
        Box::leak(Box::new(server));
        address
    })
}

/// Percent-encodes a query value (everything but unreserved characters).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// `GET /__dodeca/eval?route=…&expr=…` to `address`, with a loopback `Host`.
fn eval_at(address: &str, route: &str, expression: &str) -> Reply {
    let target = format!("/__dodeca/eval?route={}&expr={}", encode(route), encode(expression));
    let mut client = Client::connect(address);
    client.send(format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes());
    let reply = client.read(false);
    assert_eq!(reply.header("Content-Type"), Some("application/json"), "{}", reply.text());
    reply
}

fn eval(route: &str, expression: &str) -> Reply {
    eval_at(server(), route, expression)
}

/// The body of a 200 answer.
fn value(route: &str, expression: &str) -> String {
    let reply = eval(route, expression);
    assert_eq!(reply.status, 200, "{expression}: {}", reply.text());
    reply.text()
}

#[test]
fn a_pages_title_in_its_own_context() {
    assert_eq!(value("/blog/first/", "page.title"), "{\"value\":\"First post\"}\n");
    // The route without its final slash, and the output's own name, are the same page.
    assert_eq!(value("/blog/first", "page.title"), "{\"value\":\"First post\"}\n");
    assert_eq!(value("/blog/first/index.html", "page.title"), "{\"value\":\"First post\"}\n");
    assert_eq!(
        value("/blog/first/", "[current_path, page.weight, config.title, page.title | upper]"),
        "{\"value\":[\"/blog/first/\",1,\"Fixture\",\"FIRST POST\"]}\n"
    );
    // A section's context has `section`, with its listed pages (the draft is not one).
    assert_eq!(
        value("/blog/", "section.pages | map(attribute='title')"),
        "{\"value\":[\"First post\",\"Second post\"]}\n"
    );
    assert_eq!(value("/", "section.title"), "{\"value\":\"Home\"}\n");
}

#[test]
fn get_section_and_data_are_read_from_the_host_during_the_evaluation() {
    let expression = "get_section(path=\"blog/_index.md\").pages | length";
    assert_eq!(value("/blog/first/", expression), "{\"value\":2}\n");
    assert_eq!(value("/about/", expression), "{\"value\":2}\n", "from any route");
    assert_eq!(value("/", "data.team.lead.name"), "{\"value\":\"Ada\"}\n");
    assert_eq!(
        value("/", "get_url(path=\"@/blog/second.md\")"),
        "{\"value\":\"https://fixture.example/blog/second/\"}\n"
    );
    // The host's own error, placed at the call.
    let reply = eval("/", "1 + get_section(path=\"nope/_index.md\").pages");
    assert_eq!(reply.status, 422, "{}", reply.text());
    let text = reply.text();
    assert!(text.starts_with("{\"error\":{\"kind\":\"host\",\"message\":"), "{text}");
    assert!(text.contains("there is no section content/nope/_index.md"), "{text}");
    assert!(text.ends_with("\"line\":1,\"column\":5}}\n"), "{text}");
}

#[test]
fn a_syntax_error_comes_back_with_its_column() {
    let reply = eval("/blog/first/", "page.title | ");
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.text(),
        "{\"error\":{\"kind\":\"syntax\",\"message\":\"syntax error: expected a name, found the \
         end of the expression\",\"line\":1,\"column\":14}}\n"
    );
    let reply = eval("/blog/first/", "page.title }} {{ x");
    assert_eq!(reply.status, 422);
    assert!(reply.text().ends_with("\"line\":1,\"column\":12}}\n"), "{}", reply.text());
}

#[test]
fn an_undefined_name_gives_the_engines_error_with_what_is_defined() {
    let reply = eval("/blog/first/", "page.title ~ titel");
    assert_eq!(reply.status, 422);
    let text = reply.text();
    assert!(text.starts_with("{\"error\":{\"kind\":\"undefined-variable\",\"message\":\"undefined variable `titel` (available: "), "{text}");
    for name in ["`page`", "`config`", "`current_path`"] {
        assert!(text.contains(name), "{name} in {text}");
    }
    assert!(text.ends_with("\"line\":1,\"column\":14}}\n"), "{text}");
    let reply = eval("/blog/first/", "page.nope");
    assert_eq!(reply.status, 422);
    assert!(reply.text().contains("\"kind\":\"missing-field\""), "{}", reply.text());
    // A section has no `page`.
    let reply = eval("/blog/", "page.title");
    assert!(reply.text().contains("undefined variable `page`"), "{}", reply.text());
}

#[test]
fn an_unknown_route_is_404_with_the_nearest_routes() {
    let reply = eval("/blog/frist/", "page.title");
    assert_eq!(reply.status, 404);
    let text = reply.text();
    assert!(
        text.starts_with("{\"error\":{\"kind\":\"unknown-route\",\"message\":\"no page or section is served at /blog/frist/\""),
        "{text}"
    );
    assert!(text.contains("\"suggestions\":[\"/blog/first/\","), "{text}");
    assert!(!text.contains("site.css"), "pages and sections only: {text}");
    // A draft is not served, so it has no context either.
    assert_eq!(eval("/blog/draft/", "page.title").status, 404);
    // Nor is a static file a route.
    assert_eq!(eval("/css/site.css", "page.title").status, 404);
}

#[test]
fn a_malformed_query_is_400() {
    for target in [
        "/__dodeca/eval",
        "/__dodeca/eval?route=/",
        "/__dodeca/eval?route=/&expr=%E2%28",
        "/__dodeca/eval?route=blog&expr=x",
        "/__dodeca/eval?route=/&expr=x&route=/a/",
    ] {
        let mut client = Client::connect(server());
        client.send(format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n").as_bytes());
        let reply = client.read(false);
        assert_eq!(reply.status, 400, "{target}: {}", reply.text());
        assert!(reply.text().contains("\"kind\":\"bad-request\""), "{}", reply.text());
    }
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
fn the_build_served_is_the_one_evaluated_and_other_machines_are_refused() {
    let root = common::temp("serve-eval-rebuilt");
    common::copy_fixture(&["valid"], &root);
    let site = common::open(&root);
    let report = site.build(2).expect("build the fixture");
    // Every interface: the endpoint still answers loopback clients only.
    let config = cell_proto::HttpConfig::new("0.0.0.0:0");
    let server = host::HttpServer::start(&site, config, &report).expect("start the http cell");
    let port: u16 = server.address().rsplit_once(':').unwrap().1.parse().unwrap();
    let local = format!("127.0.0.1:{port}");
    let title = |address: &str| eval_at(address, "/blog/first/", "page.title").text();
    assert_eq!(title(&local), "{\"value\":\"First post\"}\n");

    common::write(
        &root,
        "content/blog/first.md",
        "+++\ntitle = \"Renamed\"\nweight = 1\ntemplate = \"post.html\"\n+++\nBody.\n",
    );
    let report = site.build(2).expect("rebuild");
    // Built, not yet served: the evaluation sees the build the server serves.
    assert_eq!(title(&local), "{\"value\":\"First post\"}\n");
    server.rebuilt(&site, &report).expect("tell the server");
    assert_eq!(title(&local), "{\"value\":\"Renamed\"}\n");
    // A new page appears among the section's pages too, through `get_section`.
    common::write(&root, "content/blog/third.md", "+++\ntitle = \"Third\"\n+++\nThird.\n");
    let report = site.build(2).expect("rebuild");
    server.rebuilt(&site, &report).expect("tell the server");
    let count = eval_at(&local, "/", "get_section(path=\"blog/_index.md\").pages | length");
    assert_eq!(count.text(), "{\"value\":3}\n");

    match non_loopback_address() {
        Some(ip) => {
            let other = SocketAddr::new(ip, port).to_string();
            let reply = eval_at(&other, "/blog/first/", "page.title");
            assert_eq!(reply.status, 403, "{}", reply.text());
            assert!(reply.text().contains("\"kind\":\"forbidden\""), "{}", reply.text());
            // The site itself is served to that client.
            assert_eq!(common::client::get(&other, "/blog/first/").status, 200);
        }
        None => eprintln!("skipped the 403: no non-loopback address to connect from"),
    }
    // Not even a loopback client gets an answer for another name (DNS rebinding).
    let mut client = Client::connect(&local);
    client
        .send(b"GET /__dodeca/eval?route=/&expr=1 HTTP/1.1\r\nHost: rebound.example:1111\r\n\r\n");
    assert_eq!(client.read(false).status, 403);
    drop(server);
    drop(site);
    common::remove_unless_failing(&root);
}
