//! Live reload through the http cell: a rebuild's changes reach the event streams of the
//! open pages, build errors appear and clear, the last good output is served underneath, and
//! a killed cell is started again on the same socket, losing no connection made meanwhile.

mod common;

use common::client::{Client, get};

struct Served {
    root: std::path::PathBuf,
    site: host::Site,
    server: host::HttpServer,
}

fn serve(name: &str) -> Served {
    let root = common::temp(name);
    common::copy_fixture(&["valid"], &root);
    let site = common::open(&root);
    let report = site.build(2).expect("build the fixture");
    let server =
        host::HttpServer::start(&site, cell_proto::HttpConfig::new("127.0.0.1:0"), &report)
            .expect("start the http cell");
    Served { root, site, server }
}

impl Served {
    fn address(&self) -> &str {
        self.server.address()
    }

    /// Writes `text` to `rel`, rebuilds and tells the server.
    fn edit(&self, rel: &str, text: &str) -> host::BuildReport {
        common::write(&self.root, rel, text);
        let report = self.site.build(2).expect("rebuild");
        self.server.rebuilt(&self.site, &report).expect("tell the server");
        report
    }
}

const FIRST: &str = "+++\ntitle = \"First post\"\nweight = 1\ntemplate = \"post.html\"\n+++\n";

#[test]
fn an_edit_sends_its_route_to_the_event_streams_and_the_new_body_is_served() {
    let served = serve("serve-live-edit");
    let mut page = Client::events(served.address());
    served.edit("content/blog/first.md", &format!("{FIRST}Now with new words.\n"));
    let event = page.read_event();
    assert!(event.starts_with("event: change\ndata: {\"revision\":"), "{event}");
    assert!(event.contains("\"routes\":[\"/blog/first/\"]"), "only the edited page: {event}");
    assert!(event.contains("\"errors\":[]"), "{event}");
    assert!(get(served.address(), "/blog/first/").text().contains("Now with new words."));

    // A stylesheet edit is an asset change: pages swap it, none reloads.
    served.edit("static/css/site.css", "body { color: navy }\n");
    let event = page.read_event();
    assert!(event.contains("\"routes\":[],\"assets\":[\"/css/site.css\"]"), "{event}");
    assert_eq!(get(served.address(), "/css/site.css").text(), "body { color: navy }\n");
    common::remove_unless_failing(&served.root);
}

#[test]
fn an_edit_is_served_at_once_though_the_old_page_was_cached_and_its_old_tag_gets_200() {
    let served = serve("serve-live-cached");
    let old = get(served.address(), "/blog/first/");
    // Asked twice: the second answer came from the cell's cache.
    assert_eq!(get(served.address(), "/blog/first/").body, old.body);
    let old_tag = old.header("ETag").expect("an ETag").to_string();
    let conditional = |tag: &str| {
        let mut client = Client::connect(served.address());
        let request =
            format!("GET /blog/first/ HTTP/1.1\r\nHost: t\r\nIf-None-Match: {tag}\r\n\r\n");
        client.send(request.as_bytes());
        client.read(false)
    };
    assert_eq!(conditional(&old_tag).status, 304);

    // `rebuilt` returns once the cell has the new revision: no wait is needed.
    served.edit("content/blog/first.md", &format!("{FIRST}Cached no more.\n"));
    let new = get(served.address(), "/blog/first/");
    assert!(new.text().contains("Cached no more."), "{}", new.text());
    let new_tag = new.header("ETag").expect("an ETag").to_string();
    assert_ne!(new_tag, old_tag);
    let stale = conditional(&old_tag);
    assert_eq!(stale.status, 200, "the old tag is not the page's any more");
    assert!(stale.text().contains("Cached no more."));
    assert_eq!(conditional(&new_tag).status, 304);
    common::remove_unless_failing(&served.root);
}

#[test]
fn a_build_error_reaches_every_page_and_clears_when_fixed_while_the_last_good_output_is_served() {
    let served = serve("serve-live-error");
    let good = get(served.address(), "/blog/first/").body;
    let mut page = Client::events(served.address());
    let report = served.edit(
        "content/blog/first.md",
        &format!("{FIRST}Read [the missing](@/blog/missing.md) next.\n"),
    );
    assert!(!report.errors.is_empty());
    let event = page.read_event();
    assert!(event.contains("\"errors\":[{\"file\":\"content/blog/first.md\",\"line\":"), "{event}");
    // A page opened now gets the errors at once.
    let mut late = Client::events(served.address());
    assert!(late.read_event().contains("content/blog/first.md"));
    // Underneath, the last good output.
    assert_eq!(get(served.address(), "/blog/first/").body, good);

    served.edit("content/blog/first.md", &format!("{FIRST}Fixed.\n"));
    for client in [&mut page, &mut late] {
        let event = client.read_event();
        assert!(event.contains("\"errors\":[]"), "{event}");
        assert!(event.contains("\"/blog/first/\""), "{event}");
    }
    assert!(get(served.address(), "/blog/first/").text().contains("Fixed."));
    common::remove_unless_failing(&served.root);
}

/// Whether the process is gone, or a zombie whose every thread has exited (its descriptors
/// closed). The main thread of a killed process can be a zombie while its other threads are
/// still exiting, one of them perhaps accepting a connection it then drops: a zombie main
/// thread alone is not enough.
fn dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/status")) {
        Ok(status) => {
            let field =
                |name: &str| status.lines().find_map(|line| line.strip_prefix(name)).map(str::trim);
            field("State:").is_some_and(|state| state.starts_with('Z'))
                && field("Threads:") == Some("1")
        }
        Err(_) => true,
    }
}

#[test]
fn a_killed_http_cell_is_restarted_on_the_same_socket_and_a_client_connecting_meanwhile_is_answered()
 {
    let served = serve("serve-live-restart");
    let address = served.address().to_string();
    assert_eq!(get(&address, "/").status, 200);
    let pid = served.server.cell_pid().expect("the cell runs");
    common::kill(pid);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !dead(pid) {
        assert!(std::time::Instant::now() < deadline, "the killed cell did not die");
        std::thread::yield_now();
    }
    // The cell is dead and not yet (or only just) replaced: the host still holds the socket,
    // so this connection waits in its queue and the new cell answers it. (Were the socket
    // the cell's own, it would have closed with the cell: connection refused.)
    let reply = get(&address, "/blog/first/");
    assert_eq!(reply.status, 200);
    assert!(reply.text().contains("<title>First post</title>"));
    while served.server.restarts() == 0 {
        assert!(std::time::Instant::now() < deadline, "the restart was not counted");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_ne!(served.server.cell_pid(), Some(pid));
    let reply = get(&address, "/blog/first/");
    assert_eq!(reply.status, 200);
    assert!(reply.text().contains("<title>First post</title>"));
    // Live reload works through the new cell too.
    let mut page = Client::events(&address);
    served
        .edit("content/about.md", "+++\ntitle = \"About\"\ntemplate = \"about.html\"\n+++\nNew.\n");
    assert!(page.read_event().contains("\"/about/\""));
    common::remove_unless_failing(&served.root);
}

#[test]
fn a_page_whose_memo_came_from_a_saved_database_is_served_from_its_output() {
    let root = common::temp("serve-live-saved");
    common::copy_fixture(&["valid"], &root);
    let mut first = common::open(&root);
    first.set_persistent(true);
    first.build(2).expect("the first build");
    drop(first);
    // A new process's site: the render memos come from `dodeca.bin`, without their HTML.
    let mut site = common::open(&root);
    site.set_persistent(true);
    let report = site.build(2).expect("the build from the saved database");
    assert_eq!(report.renders, 0, "nothing rendered again: {report:?}");
    let mut config = cell_proto::HttpConfig::new("127.0.0.1:0");
    config.dev = false;
    let server = host::HttpServer::start(&site, config, &report).expect("start");
    let reply = get(server.address(), "/blog/first/");
    assert_eq!(reply.status, 200, "{}", reply.text());
    let written = std::fs::read(root.join("public/blog/first/index.html")).unwrap();
    assert!(reply.body == written, "{}", reply.text());
    drop(server);
    drop(site);
    common::remove_unless_failing(&root);
}

#[test]
fn a_page_made_a_draft_is_no_longer_served_and_made_a_page_again_is() {
    // The server's list of page outputs is a query over each page's output file: a text edit
    // keeps it, a draft flag changes it.
    let served = serve("serve-live-draft");
    assert_eq!(get(served.address(), "/blog/first/").status, 200);
    served.edit("content/blog/first.md", &format!("{FIRST}Edited text.\n"));
    assert!(get(served.address(), "/blog/first/").text().contains("Edited text."));
    let draft = FIRST.replace("weight = 1\n", "weight = 1\ndraft = true\n");
    served.edit("content/blog/first.md", &format!("{draft}Hidden.\n"));
    assert_eq!(get(served.address(), "/blog/first/").status, 404);
    served.edit("content/blog/first.md", &format!("{FIRST}Back.\n"));
    let reply = get(served.address(), "/blog/first/");
    assert_eq!(reply.status, 200);
    assert!(reply.text().contains("Back."));
    common::remove_unless_failing(&served.root);
}
