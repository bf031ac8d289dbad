//! The cache of the source's answers, through the server: what is answered without asking
//! the source again, what a new revision drops, the race between an answer in flight and the
//! notice of a rebuild, and the bounds.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cell_http::{Content, ContentSource, Reply, Server};
use cell_proto::{ContentRequest, HttpConfig, SiteChange};

/// A site whose one text changes with its revision. `/` and `/p<n>` are pages showing the
/// text (tagged by it), `/dir` is a directory, `/slow` is `/`, held until the test releases
/// it while `hold` is set, the rest is missing. It counts the requests it answers.
struct Site {
    now: Mutex<(u64, String)>,
    finds: AtomicUsize,
    hold: AtomicBool,
    /// A held `/slow` sends the revision it read here, then waits for `release`.
    started: Mutex<Sender<u64>>,
    release: Mutex<Receiver<()>>,
}

impl Site {
    fn new() -> (Arc<Site>, Receiver<u64>, Sender<()>) {
        let (started, on_start) = channel();
        let (release, released) = channel();
        let site = Site {
            now: Mutex::new((1, "one".into())),
            finds: AtomicUsize::new(0),
            hold: AtomicBool::new(true),
            started: Mutex::new(started),
            release: Mutex::new(released),
        };
        (Arc::new(site), on_start, release)
    }

    /// A rebuild: the site at `revision` shows `text`.
    fn set(&self, revision: u64, text: &str) {
        *self.now.lock().unwrap() = (revision, text.into());
    }

    fn finds(&self) -> usize {
        self.finds.load(Ordering::SeqCst)
    }
}

impl ContentSource for Site {
    fn find(&self, request: &ContentRequest) -> Result<Reply, String> {
        self.finds.fetch_add(1, Ordering::SeqCst);
        // Read once, as the host reads one snapshot.
        let (revision, text) = self.now.lock().unwrap().clone();
        let path = request.path.as_str();
        if path == "/slow" && self.hold.load(Ordering::SeqCst) {
            self.started.lock().unwrap().send(revision).unwrap();
            self.release.lock().unwrap().recv().unwrap();
        }
        let etag = format!("\"{text}\"");
        let content = match path {
            "/" | "/slow" if request.known_etags.contains(&etag) => Content::NotModified(etag),
            "/" | "/slow" => Content::Found {
                file: "index.html".into(),
                body: Box::new(format!("<body>{text}</body>").into_bytes()),
                etag,
                page: true,
            },
            "/dir" => Content::Redirect("/dir/".into()),
            _ if path.starts_with("/p") => Content::Found {
                file: format!("{path}/index.html"),
                body: Box::new(format!("<body>{path} {text}</body>").into_bytes()),
                etag,
                page: true,
            },
            _ => Content::NotFound { page: None, suggestions: vec!["/".into()] },
        };
        Ok(Reply { revision, content })
    }
}

fn start(site: &Arc<Site>, configure: impl FnOnce(&mut HttpConfig)) -> Server {
    let mut config = HttpConfig::new("127.0.0.1:0");
    config.dev = false;
    configure(&mut config);
    Server::start(&config, site.clone()).expect("start")
}

/// Sends `METHOD path` with `headers` (each ending in CRLF) and reads the whole reply.
fn ask(server: &Server, method: &str, path: &str, headers: &str) -> String {
    let mut stream = TcpStream::connect(server.address()).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let request =
        format!("{method} {path} HTTP/1.1\r\nHost: t\r\nConnection: close\r\n{headers}\r\n");
    stream.write_all(request.as_bytes()).unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}

fn get(server: &Server, path: &str) -> String {
    ask(server, "GET", path, "")
}

fn body(reply: &str) -> &str {
    reply.split_once("\r\n\r\n").map_or("", |(_, body)| body)
}

fn change(revision: u64) -> SiteChange {
    SiteChange { revision, routes: vec!["/".into()], assets: vec![], errors: vec![] }
}

#[test]
fn repeated_requests_head_and_conditional_ones_are_answered_without_asking_again() {
    let (site, _, _) = Site::new();
    let server = start(&site, |_| {});
    let first = get(&server, "/");
    assert!(first.starts_with("HTTP/1.1 200 OK\r\n") && first.ends_with("<body>one</body>"));
    assert_eq!(get(&server, "/"), first, "the same bytes from the cache");

    let head = ask(&server, "HEAD", "/", "");
    assert_eq!(head, first.strip_suffix("<body>one</body>").unwrap(), "HEAD: the head alone");
    let not_modified = ask(&server, "GET", "/", "If-None-Match: \"one\"\r\n");
    assert!(not_modified.starts_with("HTTP/1.1 304 Not Modified\r\n"), "{not_modified}");
    assert!(not_modified.contains("ETag: \"one\"\r\n") && body(&not_modified).is_empty());
    let other_tag = ask(&server, "GET", "/", "If-None-Match: \"zero\"\r\n");
    assert_eq!(other_tag, first, "a tag that is not the content's gets the content");
    assert_eq!(site.finds(), 1);

    let missing = get(&server, "/missing");
    assert!(missing.starts_with("HTTP/1.1 404 Not Found\r\n"), "{missing}");
    assert!(missing.contains("<code>/missing</code>"), "{missing}");
    assert_eq!(get(&server, "/missing"), missing);
    let moved = get(&server, "/dir?x=1");
    assert!(moved.contains("Location: /dir/?x=1\r\n"), "{moved}");
    // The query is the request's, not the cache's.
    assert!(get(&server, "/dir?y=2").contains("Location: /dir/?y=2\r\n"));
    assert_eq!(site.finds(), 3);
}

#[test]
fn a_conditional_request_that_misses_keeps_the_tag_and_the_next_request_gets_the_bytes() {
    let (site, _, _) = Site::new();
    let server = start(&site, |_| {});
    let not_modified = ask(&server, "GET", "/", "If-None-Match: \"one\"\r\n");
    assert!(not_modified.starts_with("HTTP/1.1 304 Not Modified\r\n"), "{not_modified}");
    let again = ask(&server, "GET", "/", "If-None-Match: W/\"one\"\r\n");
    assert!(again.starts_with("HTTP/1.1 304 Not Modified\r\n"), "{again}");
    assert_eq!(site.finds(), 1, "the tag answers the second conditional request");
    assert!(get(&server, "/").ends_with("<body>one</body>"));
    assert!(get(&server, "/").ends_with("<body>one</body>"));
    assert_eq!(site.finds(), 2, "the tag alone cannot answer a plain request; the body then can");
}

#[test]
fn a_new_revision_drops_the_cached_answers() {
    let (site, _, _) = Site::new();
    let server = start(&site, |_| {});
    assert!(get(&server, "/").ends_with("<body>one</body>"));
    site.set(2, "two");
    server.notify(&change(2));
    let after = get(&server, "/");
    assert!(after.ends_with("<body>two</body>"), "{after}");
    let old_tag = ask(&server, "GET", "/", "If-None-Match: \"one\"\r\n");
    assert!(old_tag.starts_with("HTTP/1.1 200 OK\r\n"), "the old tag is not current: {old_tag}");
    assert!(old_tag.ends_with("<body>two</body>"));
    // The same revision again (a rebuild that changed nothing) keeps what is cached.
    server.notify(&change(2));
    get(&server, "/");
    assert_eq!(site.finds(), 2);
}

#[test]
fn an_answer_read_before_a_rebuild_and_received_after_its_notice_is_not_kept() {
    let (site, started, release) = Site::new();
    let server = Arc::new(start(&site, |_| {}));
    let asking = server.clone();
    let slow = std::thread::spawn(move || get(&asking, "/slow"));
    // The source has read revision 1 and holds its answer; the rebuild lands meanwhile.
    assert_eq!(started.recv().unwrap(), 1);
    site.set(2, "two");
    server.notify(&change(2));
    release.send(()).unwrap();
    let first = slow.join().unwrap();
    assert!(first.ends_with("<body>one</body>"), "sent as read: {first}");
    // The answer of revision 1 arrived after the notice of revision 2: not kept.
    site.hold.store(false, Ordering::SeqCst);
    let second = get(&server, "/slow");
    assert!(second.ends_with("<body>two</body>"), "revision 1's answer was kept: {second}");
    assert_eq!(site.finds(), 2);
}

#[test]
fn an_answer_of_a_newer_revision_received_before_its_notice_drops_the_older_answers() {
    let (site, _, _) = Site::new();
    let server = start(&site, |_| {});
    assert!(get(&server, "/").ends_with("<body>one</body>"));
    assert!(get(&server, "/p1").ends_with("<body>/p1 one</body>"));
    // The host serves revision 2 before its notice reaches the cell.
    site.set(2, "two");
    assert!(get(&server, "/p2").ends_with("<body>/p2 two</body>"));
    assert!(get(&server, "/").ends_with("<body>two</body>"), "revision 1's page went");
    assert_eq!(site.finds(), 4);
    server.notify(&change(2));
    assert!(get(&server, "/").ends_with("<body>two</body>"));
    assert!(get(&server, "/p2").ends_with("<body>/p2 two</body>"));
    assert_eq!(site.finds(), 4, "the notice of the revision held drops nothing");
}

#[test]
fn the_bounds_evict_and_an_evicted_answer_is_asked_for_again() {
    let (site, _, _) = Site::new();
    let server = start(&site, |c| c.cache_entries = 3);
    for i in 0..10 {
        assert!(get(&server, &format!("/p{i}")).ends_with(&format!("<body>/p{i} one</body>")));
        assert!(server.cached().0 <= 3, "{:?}", server.cached());
    }
    assert_eq!(site.finds(), 10);
    get(&server, "/p0");
    assert_eq!(site.finds(), 11, "evicted, so asked again");

    let (site, _, _) = Site::new();
    let budget = 4_000;
    let server = start(&site, |c| c.cache_bytes = budget);
    for i in 0..50 {
        get(&server, &format!("/p{i}"));
        let (_, bytes) = server.cached();
        assert!(bytes <= budget as usize, "{bytes} bytes kept over a budget of {budget}");
    }
    assert!(server.cached().0 > 1, "{:?}", server.cached());
}

#[test]
fn with_no_budget_every_request_asks_the_source() {
    let (site, _, _) = Site::new();
    let server = start(&site, |c| c.cache_bytes = 0);
    for _ in 0..3 {
        assert!(get(&server, "/").ends_with("<body>one</body>"));
    }
    assert_eq!(site.finds(), 3);
    assert_eq!(server.cached(), (0, 0));
}
