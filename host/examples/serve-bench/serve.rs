//! The real `dodeca-host serve` process, and a live-reload client holding its event stream as
//! a browser's `EventSource` does.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The longest any one wait may take (a first build of 10,000 pages on a loaded machine
/// included).
pub const WATCHDOG: Duration = Duration::from_secs(180);

/// A running `dodeca-host serve SITE --port 0 -q`; killed if the benchmark fails first.
pub struct Serve {
    child: Child,
    pub address: SocketAddr,
    stderr: Arc<Mutex<String>>,
    /// The time from the spawn to the URL line: the first build and the cell's start.
    pub startup: Duration,
}

impl Serve {
    pub fn start(binary: &Path, site: &Path) -> Serve {
        let started = Instant::now();
        let mut child = Command::new(binary)
            .arg("serve")
            .arg(site)
            .args(["--port", "0", "-q"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start dodeca-host serve");
        let stderr = Arc::new(Mutex::new(String::new()));
        let gathered = stderr.clone();
        let pipe = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut all = gathered.lock().unwrap_or_else(|e| e.into_inner());
                all.push_str(&line);
                all.push('\n');
            }
        });
        let (send, lines) = channel();
        let stdout = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    return;
                }
            }
        });
        let deadline = Instant::now() + WATCHDOG;
        let url = loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(url) = line.strip_prefix("serving http://") {
                        break url.trim_end_matches('/').to_string();
                    }
                }
                Err(error) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "no URL from dodeca-host serve ({error}); stderr:\n{}",
                        stderr.lock().unwrap_or_else(|e| e.into_inner())
                    );
                }
            }
        };
        // The rest of stdout (nothing with -q) is read and dropped.
        std::thread::spawn(move || while lines.recv().is_ok() {});
        let address = url.parse().expect("the URL's address");
        Serve { child, address, stderr, startup: started.elapsed() }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// SIGINT, as Ctrl-C, then waits (bounded) for the exit; killed if it does not come.
    pub fn stop(mut self) -> (Option<ExitStatus>, Duration) {
        let started = Instant::now();
        // SAFETY: kill(2) has no memory-safety preconditions; the pid is our child's.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGINT) };
        while started.elapsed() < WATCHDOG {
            if let Ok(Some(status)) = self.child.try_wait() {
                return (Some(status), started.elapsed());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        (None, started.elapsed())
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The path of the live-reload events (`cells/http/src/reload.rs`, `EVENTS_PATH`).
pub const EVENTS_PATH: &str = "/__dodeca/events";

/// A live-reload stream: each event's `data:` line, with the time its reader got it.
pub struct Events {
    received: Receiver<(Instant, String)>,
}

impl Events {
    /// Opens the stream as `new EventSource("/__dodeca/events")` does, and reads its head.
    pub fn open(address: SocketAddr) -> std::io::Result<Events> {
        let mut stream = TcpStream::connect_timeout(&address, Duration::from_secs(10))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            stream,
            "GET {EVENTS_PATH} HTTP/1.1\r\nHost: {address}\r\nAccept: text/event-stream\r\n\
             Cache-Control: no-cache\r\n\r\n"
        )?;
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        reader.read_line(&mut line)?;
        if !line.starts_with("HTTP/1.1 200") {
            return Err(std::io::Error::other(format!("the events answered {line:?}")));
        }
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 || line == "\r\n" {
                break;
            }
        }
        // Then no timeout: the reader waits as long as the stream is open (the server pings
        // it every 15 s); the benchmark's own waits are bounded.
        reader.get_ref().set_read_timeout(None)?;
        let (send, received) = channel();
        std::thread::spawn(move || {
            for line in reader.lines().map_while(Result::ok) {
                if let Some(data) = line.strip_prefix("data: ")
                    && send.send((Instant::now(), data.to_string())).is_err()
                {
                    return;
                }
            }
        });
        Ok(Events { received })
    }

    /// Drops the events received so far.
    pub fn drain(&self) {
        while self.received.try_recv().is_ok() {}
    }

    /// Waits (at most `limit`) for an event whose routes include `route`; its arrival time.
    pub fn wait_route(&self, route: &str, limit: Duration) -> Result<Instant, String> {
        let deadline = Instant::now() + limit;
        let quoted = format!("\"{route}\"");
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.received.recv_timeout(left) {
                Ok((at, data)) => {
                    let routes =
                        data.split("\"routes\":[").nth(1).and_then(|r| r.split(']').next());
                    if routes.is_some_and(|routes| routes.contains(&quoted)) {
                        return Ok(at);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    return Err(format!("no event naming {route} within {limit:?}"));
                }
                Err(RecvTimeoutError::Disconnected) => return Err("the event stream closed".into()),
            }
        }
    }
}
