//! `dodeca-host serve` through the binary: it prints the URL, serves the built site, rebuilds
//! on an edit (one line per rebuild), keeps the last good output through a build error and
//! reports it, and stops on SIGINT or SIGTERM with exit code 0 and the cache saved. Every wait
//! is bounded polling (the machine may be loaded), never a timing assertion.

mod common;

use std::path::PathBuf;

use common::client::get;
use common::server::{Server, save};

fn fixture_copy(name: &str) -> PathBuf {
    let root = common::temp(name);
    common::copy_fixture(&["valid"], &root);
    root
}

const FIRST: &str = "+++\ntitle = \"First post\"\nweight = 1\ntemplate = \"post.html\"\n+++\n";

#[test]
fn serve_rebuilds_on_an_edit_keeps_the_last_good_page_through_an_error_and_saves_the_cache_on_ctrl_c()
 {
    let root = fixture_copy("serve-command");
    // Built with the config's own address, so that the next build can take the outputs as
    // its own (see the next test for the default, "/").
    let own_address = ["--port", "0", "--base-url", "https://fixture.example"];
    let mut server = Server::start(&root, &own_address);
    assert!(server.seen[0].starts_with("built 8 pages"), "{:?}", server.seen);
    assert!(get(&server.address, "/blog/first/").text().contains("<title>First post</title>"));

    // An edit: one rebuild line naming the file, and the new text served.
    save(&root, "content/blog/first.md", &format!("{FIRST}Now with new words.\n"));
    let line = server.wait_line("the edit's rebuild", |line| {
        line.starts_with("content/blog/first.md: ") && line.contains(" 0 errors, ")
    });
    assert!(line.contains("1 page rendered") && line.ends_with(" ms"), "{line}");
    let good = server.wait_body("/blog/first/", "Now with new words.");

    // A template error: reported on the rebuild line and in full on stderr; the page keeps
    // its last good output.
    let post = std::fs::read_to_string(root.join("templates/post.html")).unwrap();
    save(&root, "templates/post.html", "{% extends \"page.html\" %}{{ oops");
    let line = server.wait_line("the error's rebuild", |line| {
        line.starts_with("templates/post.html: ") && !line.contains(" 0 errors, ")
    });
    assert!(line.contains(" error"), "{line}");
    server.wait_stderr("error: content/blog/");
    let reply = get(&server.address, "/blog/first/");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.text(), good, "the last good output");

    // Fixed: no errors again.
    save(&root, "templates/post.html", &post);
    server.wait_line("the fix's rebuild", |line| {
        line.starts_with("templates/post.html: ") && line.contains(" 0 errors, ")
    });
    server.wait_body("/blog/first/", "Now with new words.");

    // Ctrl-C, to the whole group as a terminal sends it: a clean exit, the cache saved for
    // the next process (removed first, so the file found after is this save's). The cells
    // are in groups of their own: none dies under the server, which stops them itself.
    std::fs::remove_file(root.join(".cache/dodeca.bin")).unwrap();
    let cells = server.children();
    assert!(cells.len() >= 2, "the http cell and the build's cells run: {cells:?}");
    for cell in &cells {
        assert_eq!(group_of(*cell), *cell, "cell {cell} leads a group of its own");
    }
    server.ctrl_c();
    let status = server.wait_exit();
    assert_eq!(status.code(), Some(0), "{}", server.stderr());
    assert!(!server.stderr().contains("cell"), "no cell stopped early: {}", server.stderr());
    assert_eq!(server.seen.last().map(String::as_str), Some("stopped; cache saved"));
    assert!(root.join(".cache/dodeca.bin").is_file());
    // The next process starts from what the server saved: nothing to render or write (a
    // file saved just before the last scan may be read again: its stamp is too recent to
    // trust, but the database says its text is the same).
    let out = common::run(&root, &["build", "-v", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let built = common::stdout(&out);
    assert!(built.contains(" 0 written, ") && built.contains("; 0 renders;"), "{built}");
    assert!(!built.contains("started from: nothing (no saved database used)"), "{built}");
    common::remove_unless_failing(&root);
}

#[test]
fn a_new_page_is_served_and_the_event_stream_hears_of_the_edited_route() {
    let root = fixture_copy("serve-command-events");
    let mut server = Server::start(&root, &["--port", "0", "-q"]);
    let mut page = common::client::Client::events(&server.address);
    save(&root, "content/blog/third.md", "+++\ntitle = \"Third post\"\n+++\nA third one.\n");
    server.wait_body("/blog/third/", "A third one.");
    let event = page.read_event();
    assert!(event.contains("\"/blog/third/\""), "{event}");
    // -q: the URL, and nothing per rebuild.
    server.signal(libc::SIGTERM);
    assert_eq!(server.wait_exit().code(), Some(0), "{}", server.stderr());
    assert_eq!(server.seen, [format!("serving http://{}/", server.address)]);
    common::remove_unless_failing(&root);
}

#[test]
fn binding_another_address_warns_that_the_site_is_reachable_from_the_network() {
    let root = fixture_copy("serve-command-bind");
    let mut server = Server::start(&root, &["--bind", "0.0.0.0", "--port", "0"]);
    assert!(server.address.starts_with("0.0.0.0:"), "{}", server.address);
    server.wait_stderr("reachable from the network");
    server.signal(libc::SIGINT);
    assert_eq!(server.wait_exit().code(), Some(0), "{}", server.stderr());
    common::remove_unless_failing(&root);
}

#[test]
fn serve_builds_links_from_the_servers_root_and_the_next_build_gets_the_sites_address_back() {
    let root = fixture_copy("serve-command-base-url");
    // A page that prints Zola's `config.mode`: `serve` while served, `build` after.
    common::write(&root, "templates/mode.html", "mode: {{ config.mode }}");
    common::write(
        &root,
        "content/mode.md",
        "+++\ntitle = \"Mode\"\ntemplate = \"mode.html\"\n+++\n",
    );
    let mut server = Server::start(&root, &["--port", "0", "-q"]);
    let mode = get(&server.address, "/mode/").text();
    assert!(mode.starts_with("mode: serve<script"), "{mode}");
    // The config says https://fixture.example: served pages link within the server.
    let home = get(&server.address, "/").text();
    assert!(home.contains("<a href=\"/blog/\">"), "{home}");
    assert!(!home.contains("fixture.example"), "{home}");
    assert!(home.contains("href=\"/css/site.css\""), "{home}");
    server.signal(libc::SIGTERM);
    assert_eq!(server.wait_exit().code(), Some(0), "{}", server.stderr());
    // A build after it is not fooled by the cache the server saved: nothing of the site
    // changed, yet its pages are built again with the config's address.
    let out = common::run(&root, &["build", "."]);
    assert_eq!(out.status.code(), Some(0), "{}", common::stderr(&out));
    let built = std::fs::read_to_string(root.join("public/index.html")).unwrap();
    assert!(built.contains("<a href=\"https://fixture.example/blog/\">"), "{built}");
    assert_eq!(
        std::fs::read_to_string(root.join("public/mode/index.html")).unwrap(),
        "mode: build"
    );
    // And the server's `--base-url` is used as given.
    let mut server = Server::start(&root, &["--port", "0", "-q", "--base-url", "http://x.test/"]);
    assert!(get(&server.address, "/").text().contains("<a href=\"http://x.test/blog/\">"));
    server.signal(libc::SIGTERM);
    assert_eq!(server.wait_exit().code(), Some(0), "{}", server.stderr());
    common::remove_unless_failing(&root);
}

#[test]
fn the_server_and_its_cells_run_without_transparent_huge_pages() {
    let root = fixture_copy("serve-command-thp");
    let mut server = Server::start(&root, &["--port", "0", "-q"]);
    let cells = server.children();
    assert!(!cells.is_empty(), "the server started its cells");
    for pid in std::iter::once(server.child.id()).chain(cells) {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
        let thp = status.lines().find_map(|line| line.strip_prefix("THP_enabled:"));
        assert_eq!(thp.map(str::trim), Some("0"), "process {pid}:\n{status}");
    }
    server.signal(libc::SIGTERM);
    assert_eq!(server.wait_exit().code(), Some(0), "{}", server.stderr());
    common::remove_unless_failing(&root);
}

/// The process group of `pid`.
fn group_of(pid: u32) -> u32 {
    // SAFETY: getpgid(2) only reads another process's group id.
    let group = unsafe { libc::getpgid(pid as libc::pid_t) };
    assert!(group > 0, "process {pid} has a group");
    group as u32
}

#[test]
fn serve_options_are_checked() {
    let root = fixture_copy("serve-command-usage");
    for args in [
        &["serve", "--port", "http"][..],
        &["serve", "--bind", "localhost"],
        &["serve", "--explain", "/"],
        &["build", "--open"],
        &["serve", "a", "b"],
    ] {
        let out = common::run(&root, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", common::stderr(&out));
        assert!(common::stderr(&out).starts_with("error: "), "{args:?}");
    }
    // A port asked for and taken: refused before anything is built.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let out = common::run(&root, &["serve", ".", "--port", &port]);
    assert_eq!(out.status.code(), Some(2), "{}", common::stderr(&out));
    assert!(common::stderr(&out).contains(&format!("port {port} is taken")));
    assert!(!root.join("public").exists(), "nothing built");
    let out = common::run(&root, &["serve", "no-such-site", "--port", "0"]);
    assert_eq!(out.status.code(), Some(2), "{}", common::stderr(&out));
    let help = common::stdout(&common::run(&root, &["--help"]));
    assert!(help.contains("dodeca-host serve [SITE]"), "{help}");
    common::remove_unless_failing(&root);
}
