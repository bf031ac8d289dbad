//! `dodeca-host serve` run as a child process: its stdout read line by line, its stderr
//! gathered, bounded waits on both and on the served pages, and a kill on drop if the test
//! fails before it stopped. Used by the tests of the binary's serve command and by the
//! browser test.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::client::get;

/// The longest any one wait may take before the test fails (a loaded machine builds slowly).
pub const WATCHDOG: Duration = Duration::from_secs(120);

/// A running `dodeca-host serve`: its stdout line by line, its stderr gathered; killed if the
/// test fails before it stopped.
pub struct Server {
    pub child: Child,
    lines: Receiver<String>,
    /// Every stdout line read so far, for failure messages.
    pub seen: Vec<String>,
    stderr: Arc<Mutex<String>>,
    pub address: String,
}

impl Server {
    pub fn start(root: &Path, args: &[&str]) -> Server {
        let mut child = super::host()
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
    pub fn wait_line(&mut self, what: &str, wanted: impl Fn(&str) -> bool) -> String {
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
    pub fn wait_body(&self, path: &str, text: &str) -> String {
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

    pub fn signal(&self, signal: libc::c_int) {
        // SAFETY: kill(2) has no memory-safety preconditions; the pid is our child's.
        let result = unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
        assert_eq!(result, 0, "signal the server");
    }

    /// What a terminal's Ctrl-C does: SIGINT to the whole foreground process group (the
    /// server, and its cells if they were in its group).
    pub fn ctrl_c(&self) {
        // SAFETY: as in `signal`; the group is our child's own (`process_group(0)`).
        let result = unsafe { libc::kill(-(self.child.id() as libc::pid_t), libc::SIGINT) };
        assert_eq!(result, 0, "signal the server's group");
    }

    /// The server's child processes (its cells), from `/proc`.
    pub fn children(&self) -> Vec<u32> {
        let tasks = format!("/proc/{}/task", self.child.id());
        let mut children = Vec::new();
        for task in std::fs::read_dir(&tasks).unwrap().flatten() {
            let listed = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
            children.extend(listed.split_whitespace().filter_map(|pid| pid.parse::<u32>().ok()));
        }
        children
    }

    /// Waits for the process to exit (bounded).
    pub fn wait_exit(&mut self) -> ExitStatus {
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
    pub fn wait_stderr(&self, text: &str) {
        let deadline = Instant::now() + WATCHDOG;
        while !self.stderr().contains(text) {
            if Instant::now() > deadline {
                self.fail(&format!("stderr never said {text:?}"));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub fn fail(&self, message: &str) -> ! {
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

/// Replaces `rel` in one step (written beside the site, renamed into place), as most editors
/// save: the watcher sees the whole new file at once.
pub fn save(root: &Path, rel: &str, text: &str) {
    let temporary = root.join(".edit-tmp");
    std::fs::write(&temporary, text).unwrap();
    std::fs::rename(&temporary, root.join(rel)).unwrap();
}
