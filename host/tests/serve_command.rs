//! `dodeca-host serve` through the binary: it prints the URL, serves the built site, rebuilds
//! on an edit (one line per rebuild), keeps the last good output through a build error and
//! reports it, and stops on SIGINT or SIGTERM with exit code 0 and the cache saved. Every wait
//! is bounded polling (the machine may be loaded), never a timing assertion.

mod common;

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::client::get;

/// The longest any one wait may take before the test fails (a loaded machine builds slowly).
const WATCHDOG: Duration = Duration::from_secs(120);

/// A running `dodeca-host serve`: its stdout line by line, its stderr gathered; killed if the
/// test fails before it stopped.
struct Server {
    child: Child,
    lines: Receiver<String>,
    /// Every stdout line read so far, for failure messages.
    seen: Vec<String>,
    stderr: Arc<Mutex<String>>,
    address: String,
}

impl Server {
    fn start(root: &Path, args: &[&str]) -> Server {
        let mut child = common::host()
            .arg("serve")
            .arg(root)
            .args(args)
            // A group of its own, as a shell gives a foreground job: `ctrl_c` signals it all.
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start dodeca-host serve");
        let (send, lines) = channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if send.send(line).is_err() {
                    return;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let gathered = stderr.clone();
        let pipe = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines() {
                let Ok(line) = line else { return };
                let mut all = gathered.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        let mut server = Server { child, lines, seen: Vec::new(), stderr, address: String::new() };
        let serving = server.wait_line("the URL", |line| line.starts_with("serving http://"));
        let url = serving.strip_prefix("serving http://").unwrap();
        server.address = url.trim_end_matches('/').to_string();
        server
    }

    /// Reads stdout until a line satisfies `wanted`, and returns it; fails after the watchdog.
    fn wait_line(&mut self, what: &str, wanted: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WATCHDOG;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if wanted(&line) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => self.fail(&format!("no line for {what}")),
                Err(RecvTimeoutError::Disconnected) => {
                    self.fail(&format!("stdout closed before a line for {what}"))
                }
            }
        }
    }

    /// Polls `path` until its body contains `text`; returns the body.
    fn wait_body(&self, path: &str, text: &str) -> String {
        let deadline = Instant::now() + WATCHDOG;
        loop {
            let reply = get(&self.address, path);
            if reply.status == 200 && reply.text().contains(text) {
                return reply.text();
            }
            if Instant::now() > deadline {
                self.fail(&format!("{path} never had {text:?}; last: {}", reply.text()));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn signal(&self, signal: libc::c_int) {
        // SAFETY: kill(2) has no memory-safety preconditions; the pid is our child's.
        let result = unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
        assert_eq!(result, 0, "signal the server");
    }

    /// What a terminal's Ctrl-C does: SIGINT to the whole foreground process group (the
    /// server, and its cells if they were in its group).
    fn ctrl_c(&self) {
        // SAFETY: as in `signal`; the group is our child's own (`process_group(0)`).
        let result = unsafe { libc::kill(-(self.child.id() as libc::pid_t), libc::SIGINT) };
        assert_eq!(result, 0, "signal the server's group");
    }

    /// The server's child processes (its cells), from `/proc`.
    fn children(&self) -> Vec<u32> {
        let tasks = format!("/proc/{}/task", self.child.id());
        let mut children = Vec::new();
        for task in std::fs::read_dir(&tasks).unwrap().flatten() {
            let listed = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            children.extend(listed.split_whitespace().filter_map(|pid| pid.parse::<u32>().ok()));
        }
        children
    }

    /// Waits for the process to exit (bounded).
    fn wait_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + WATCHDOG;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // The rest of stdout, for the checks that follow.
                while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(10)) {
                    self.seen.push(line);
                }
                return status;
            }
            if Instant::now() > deadline {
                self.fail("the server did not exit");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Polls stderr until it contains `text` (its reader may lag behind stdout's).
    fn wait_stderr(&self, text: &str) {
        let deadline = Instant::now() + WATCHDOG;
        while !self.stderr().contains(text) {
            if Instant::now() > deadline {
                self.fail(&format!("stderr never said {text:?}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn fail(&self, message: &str) -> ! {
        panic!("{message}\n--- stdout:\n{}\n--- stderr:\n{}", self.seen.join("\n"), self.stderr())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The process group of `pid`.
fn group_of(pid: u32) -> u32 {
    // SAFETY: getpgid(2) only reads another process's group id.
    let group = unsafe { libc::getpgid(pid as libc::pid_t) };
    assert!(group > 0, "process {pid} has a group");
    group as u32
}

/// Replaces `rel` in one step (written beside the site, renamed into place), as most editors
/// save: the watcher sees the whole new file at once.
fn save(root: &Path, rel: &str, text: &str) {
    let temporary = root.join(".edit-tmp");
    std::fs::write(&temporary, text).unwrap();
    std::fs::rename(&temporary, root.join(rel)).unwrap();
}

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
    let mut server = Server::start(&root, &["--port", "0"]);
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
