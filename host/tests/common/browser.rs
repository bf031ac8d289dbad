//! A headless Chromium driven through the DevTools protocol, for the browser test: one page,
//! JavaScript evaluated in it, bounded waits on what it shows, and screenshots.
//!
//! The browser is started with `--remote-debugging-pipe`: it reads commands from fd 3 and
//! writes replies and events to fd 4, each message one JSON text followed by a NUL byte
//! (Chromium's `DevToolsPipeHandler`). No port, no WebSocket: only the two pipes, which close
//! when the browser dies, so a crash is an end of file here rather than a hang. Commands go
//! to the page's session (`Target.attachToTarget` with `flatten`: the `sessionId` is a field
//! of each message). The browser runs in a process group of its own, killed whole when the
//! [`Browser`] drops, also when the test panics.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use super::json::{Json, base64_decode};

/// Names of the browser looked up in `PATH`, in order (Debian's package, other distributions',
/// Google's build).
const NAMES: [&str; 4] = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

/// The longest one protocol command may take to be answered (a loaded machine starts a
/// browser slowly; a page being reloaded answers late).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// How often a wait looks at the page again.
const POLL: Duration = Duration::from_millis(50);

/// The browser to run: `$DODECA_CHROMIUM` if set, else the first of [`NAMES`] found in `PATH`.
pub fn find_chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("DODECA_CHROMIUM").filter(|path| !path.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    NAMES.iter().find_map(|name| {
        std::env::split_paths(&path).map(|dir| dir.join(name)).find(|file| is_executable(file))
    })
}

fn is_executable(file: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    file.metadata().is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

/// A running headless browser with one page open (after [`Browser::open`]).
pub struct Browser {
    child: Child,
    /// Our end of the browser's fd 3.
    commands: File,
    /// Every message the browser wrote to fd 4, parsed, from a reader thread.
    messages: Receiver<Result<Json, String>>,
    next_id: u64,
    /// The page's session, once one is open.
    session: Option<String>,
    /// Holds the profile and the browser's stderr (`chromium.log`); removed on a pass.
    scratch: PathBuf,
}

impl Browser {
    /// Starts `program` headless, with a fresh profile under `scratch`.
    pub fn launch(program: &Path, scratch: &Path) -> Browser {
        let log = File::create(scratch.join("chromium.log")).expect("create chromium.log");
        let (browser_reads, commands) = io::pipe().expect("a pipe");
        let (replies, browser_writes) = io::pipe().expect("a pipe");
        // The browser's ends, moved to fds above 4 (close-on-exec), so that the dup2 calls in
        // the child, onto fds 3 and 4, never overwrite one of them before it is copied.
        let browser_reads = above_four(OwnedFd::from(browser_reads));
        let browser_writes = above_four(OwnedFd::from(browser_writes));
        let (input, output) = (browser_reads.as_raw_fd(), browser_writes.as_raw_fd());
        let mut command = Command::new(program);
        command
            .args([
                "--headless=new",
                "--remote-debugging-pipe",
                // As root (containers, CI) the sandbox refuses to start.
                "--no-sandbox",
                "--disable-gpu",
                // Containers have a small /dev/shm; the renderer crashes when it fills.
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--hide-scrollbars",
                "--mute-audio",
            ])
            .arg(format!("--user-data-dir={}", scratch.join("profile").display()))
            .arg("about:blank")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            // A group of its own: the browser's helper processes are killed with it.
            .process_group(0);
        // SAFETY: the closure runs in the child between fork and exec, where only
        // async-signal-safe calls are allowed: it makes two dup2 calls and reads errno, no
        // allocation, no lock. `input` and `output` are open until `spawn` returns (their
        // `OwnedFd`s live until after it), so they are valid fds in the child; both are above
        // 4 (`above_four`), so neither dup2 closes the other's source. dup2 clears
        // close-on-exec on fds 3 and 4, so they survive the exec.
        unsafe {
            command.pre_exec(move || {
                if libc::dup2(input, 3) < 0 || libc::dup2(output, 4) < 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start the browser {}: {e}", program.display()));
        // Only the browser holds its ends now: when it dies, our reads end.
        drop((browser_reads, browser_writes));
        let (send, messages) = channel();
        std::thread::spawn(move || read_messages(replies, send));
        Browser {
            child,
            commands: File::from(OwnedFd::from(commands)),
            messages,
            next_id: 1,
            session: None,
            scratch: scratch.to_path_buf(),
        }
    }

    /// Opens a page of `width` x `height` CSS pixels (scale 1, so screenshots have that size)
    /// and navigates it to `url`; returns once its document has loaded.
    pub fn open(&mut self, url: &str, (width, height): (u64, u64)) {
        let target =
            self.call("Target.createTarget", Json::object([("url", "about:blank".into())]));
        let target = target.get("targetId").cloned().expect("a targetId");
        let attached = self.call(
            "Target.attachToTarget",
            Json::object([("targetId", target), ("flatten", true.into())]),
        );
        let session = attached.get("sessionId").and_then(Json::as_str).expect("a sessionId");
        self.session = Some(session.to_string());
        self.call(
            "Emulation.setDeviceMetricsOverride",
            Json::object([
                ("width", width.into()),
                ("height", height.into()),
                ("deviceScaleFactor", 1u64.into()),
                ("mobile", false.into()),
            ]),
        );
        self.call("Page.navigate", Json::object([("url", url.into())]));
        let loaded =
            format!("document.readyState === 'complete' && location.href === {}", Json::from(url));
        self.wait_for(&format!("{url} to load"), &loaded, Duration::from_secs(60), |value| {
            value == &Json::Bool(true)
        });
    }

    /// Evaluates the JavaScript `expression` in the page; its value (which must be
    /// JSON-serialisable), or the exception or protocol error as text (a page being reloaded
    /// has no context to evaluate in for a moment).
    pub fn evaluate(&mut self, expression: &str) -> Result<Json, String> {
        let reply = self.try_call(
            "Runtime.evaluate",
            Json::object([("expression", expression.into()), ("returnByValue", true.into())]),
        )?;
        if let Some(exception) = reply.get("exceptionDetails") {
            let text = exception.at(&["exception", "description"]).or(exception.get("text"));
            return Err(format!("exception: {}", text.and_then(Json::as_str).unwrap_or("?")));
        }
        Ok(reply.at(&["result", "value"]).cloned().unwrap_or(Json::Null))
    }

    /// Evaluates `expression` every 50 ms until `done` accepts its value, and returns that
    /// value; fails after `timeout`, saying what was awaited and the last value or error seen.
    #[track_caller]
    pub fn wait_for(
        &mut self,
        what: &str,
        expression: &str,
        timeout: Duration,
        done: impl Fn(&Json) -> bool,
    ) -> Json {
        let deadline = Instant::now() + timeout;
        loop {
            let last = match self.evaluate(expression) {
                Ok(value) if done(&value) => return value,
                Ok(value) => format!("value {value}"),
                Err(error) => error,
            };
            if Instant::now() > deadline {
                panic!(
                    "waited {timeout:?} for {what}, in vain; the last evaluation of {expression:?} \
                     gave: {last}"
                );
            }
            std::thread::sleep(POLL);
        }
    }

    /// A PNG of the page's viewport.
    pub fn screenshot(&mut self) -> Vec<u8> {
        let reply = self.call("Page.captureScreenshot", Json::object([("format", "png".into())]));
        let data = reply.get("data").and_then(Json::as_str).expect("the screenshot's data");
        base64_decode(data).expect("the screenshot's base64")
    }

    /// Sends a command and returns its result; fails the test on an error reply.
    #[track_caller]
    fn call(&mut self, method: &str, params: Json) -> Json {
        self.try_call(method, params).unwrap_or_else(|error| panic!("{method}: {error}"))
    }

    /// Sends a command (to the page's session once one is open) and waits for its reply:
    /// the result, or the protocol error's message. The browser dying or not answering
    /// within [`COMMAND_TIMEOUT`] fails the test, with the browser's stderr.
    fn try_call(&mut self, method: &str, params: Json) -> Result<Json, String> {
        let id = self.next_id;
        self.next_id += 1;
        let mut message =
            vec![("id".to_string(), id.into()), ("method".to_string(), method.into())];
        message.push(("params".to_string(), params));
        if let Some(session) = &self.session {
            message.push(("sessionId".to_string(), session.as_str().into()));
        }
        let mut bytes = Json::Object(message).to_string().into_bytes();
        bytes.push(0);
        if let Err(error) = self.commands.write_all(&bytes) {
            self.fail(&format!("sending {method}: {error}"));
        }
        let deadline = Instant::now() + COMMAND_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let reply = match self.messages.recv_timeout(left) {
                Ok(Ok(reply)) => reply,
                Ok(Err(error)) => self.fail(&error),
                Err(RecvTimeoutError::Timeout) => {
                    self.fail(&format!("no reply to {method} in {COMMAND_TIMEOUT:?}"))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    self.fail(&format!("the browser closed its pipe before replying to {method}"))
                }
            };
            // Events (no id) and replies to earlier commands that timed out are skipped.
            if reply.get("id").and_then(Json::as_f64) != Some(id as f64) {
                continue;
            }
            if let Some(error) = reply.get("error") {
                let message = error.get("message").and_then(Json::as_str).unwrap_or("?");
                return Err(format!("protocol error: {message}"));
            }
            return Ok(reply.get("result").cloned().unwrap_or(Json::Null));
        }
    }

    /// Fails the test with `message` and the end of the browser's stderr.
    fn fail(&self, message: &str) -> ! {
        let log = std::fs::read_to_string(self.scratch.join("chromium.log")).unwrap_or_default();
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        panic!("browser: {message}\n--- its stderr, last lines:\n{}", tail.join("\n"))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // SAFETY: kill(2) has no memory-safety preconditions. The child was started in a
        // process group of its own whose id is its pid (`process_group(0)`), and is not
        // reaped yet (we wait below), so the group is still ours.
        unsafe { libc::kill(-(self.child.id() as libc::pid_t), libc::SIGKILL) };
        let _ = self.child.wait();
        super::remove_unless_failing(&self.scratch);
    }
}

/// A duplicate of `fd` numbered 5 or above, close-on-exec; `fd` is closed.
fn above_four(fd: OwnedFd) -> OwnedFd {
    // SAFETY: fcntl(F_DUPFD_CLOEXEC) on an open fd we own has no memory-safety
    // preconditions; it returns a new fd or -1.
    let copy = unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, 5) };
    assert!(copy >= 5, "fcntl(F_DUPFD_CLOEXEC): {}", io::Error::last_os_error());
    // SAFETY: `copy` is a new open fd that nothing else owns.
    unsafe { OwnedFd::from_raw_fd(copy) }
}

/// Reads NUL-terminated JSON messages from the browser until it closes its pipe.
fn read_messages(mut pipe: impl Read, send: std::sync::mpsc::Sender<Result<Json, String>>) {
    let mut pending = Vec::new();
    let mut chunk = vec![0; 64 * 1024];
    loop {
        let read = match pipe.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        pending.extend_from_slice(&chunk[..read]);
        while let Some(end) = pending.iter().position(|&byte| byte == 0) {
            let message = String::from_utf8(pending[..end].to_vec())
                .map_err(|_| "a message that is not UTF-8".to_string())
                .and_then(|text| Json::parse(&text));
            pending.drain(..=end);
            if send.send(message).is_err() {
                return;
            }
        }
    }
}
