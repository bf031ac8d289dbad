//! Running `dodeca-host` under a watchdog, finding its cells in `/proc`, and signalling them.
//!
//! Every run has a watchdog: past its limit the host and every process it started are killed
//! and the run is reported as a hang. Cells run in process groups of their own (so a
//! terminal's Ctrl-C reaches the host alone), so killing the host's group would miss them:
//! the watchdog walks `/proc` instead, and remembers every descendant it saw, since a cell
//! outlives a killed host for as long as it takes to notice its link closed.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How one run of the host ended.
pub struct Run {
    /// `None` when the watchdog killed it (a hang).
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
    /// Processes the host started that were still alive two seconds after it ended (killed
    /// then), by name, other than those the test stopped itself.
    pub orphans: Vec<String>,
}

impl Run {
    pub fn hung(&self) -> bool {
        self.status.is_none()
    }

    pub fn succeeded(&self) -> bool {
        self.status.is_some_and(|s| s.success())
    }

    /// The exit as text: `exit 1`, `signal 9`, `hang`.
    pub fn exit(&self) -> String {
        use std::os::unix::process::ExitStatusExt;
        match self.status {
            None => "hang (killed by the watchdog)".into(),
            Some(s) => match (s.code(), s.signal()) {
                (Some(code), _) => format!("exit {code}"),
                (_, Some(signal)) => format!("signal {signal}"),
                _ => format!("{s:?}"),
            },
        }
    }

    /// Whether the host's output shows a panic (its own or a cell's, which it relays).
    pub fn panicked(&self) -> bool {
        self.stderr.contains("panicked") || self.stdout.contains("panicked")
    }

    /// The last lines of stderr, for a loss's description.
    pub fn tail(&self) -> String {
        let lines: Vec<&str> = self.stderr.lines().collect();
        lines[lines.len().saturating_sub(8)..].join("\n    ")
    }
}

/// `dodeca-host ARGS`, its output piped, no stdin.
pub fn host(args: &[&str]) -> Command {
    let mut command = Command::new(super::host_binary());
    command.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    command
}

/// A running host and what the watchdog knows of its descendants.
pub struct Watched {
    pub child: Child,
    started: Instant,
    limit: Duration,
    out: std::thread::JoinHandle<String>,
    err: std::thread::JoinHandle<String>,
    /// Every descendant seen, with its start time (to tell it from a later process that got
    /// the same pid) and name.
    seen: Vec<(u32, u64, String)>,
    /// Pids the test stopped itself (SIGSTOP): not orphans, but killed at the end all the same.
    pub stopped: Vec<u32>,
}

impl Watched {
    pub fn spawn(mut command: Command, limit: Duration) -> Watched {
        let mut child = command.spawn().expect("start dodeca-host");
        let mut stdout = child.stdout.take().expect("piped");
        let mut stderr = child.stderr.take().expect("piped");
        let out = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            text
        });
        let err = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = stderr.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        });
        Watched {
            child,
            started: Instant::now(),
            limit,
            out,
            err,
            seen: Vec::new(),
            stopped: Vec::new(),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the host has exited (it is not reaped until [`finish`](Self::finish)).
    pub fn exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    /// Looks at the host's descendants now: remembers them, and returns the pid of the one
    /// named `name` if there is one.
    pub fn find(&mut self, name: &str) -> Option<u32> {
        let mut found = None;
        for pid in descendants(self.pid()) {
            let Some((start, comm)) = identity(pid) else { continue };
            if !self.seen.iter().any(|(p, s, _)| *p == pid && *s == start) {
                self.seen.push((pid, start, comm.clone()));
            }
            if comm == name {
                found = Some(pid);
            }
        }
        found
    }

    /// Waits for the host to end (or the watchdog to end it), then for its cells.
    pub fn finish(mut self) -> Run {
        let mut status = None;
        let mut pause = Duration::from_millis(1);
        loop {
            if let Ok(Some(s)) = self.child.try_wait() {
                status = Some(s);
                break;
            }
            if self.started.elapsed() > self.limit {
                break;
            }
            let _ = self.find("");
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(20));
        }
        if status.is_none() {
            // The watchdog: the host and everything under it, stopped ones woken to die.
            let _ = self.find("");
            signal(self.pid(), libc::SIGKILL);
            let _ = self.child.wait();
        }
        let orphans = self.reap_descendants(status.is_some());
        Run {
            status,
            stdout: self.out.join().unwrap_or_default(),
            stderr: self.err.join().unwrap_or_default(),
            orphans,
        }
    }

    /// Gives the remembered descendants two seconds to exit (a cell exits when its link to
    /// the host closes), then kills those left; returns the names of those that outlived the
    /// host (not counting ones the test stopped, which cannot run to notice anything).
    fn reap_descendants(&mut self, host_exited_by_itself: bool) -> Vec<String> {
        for &pid in &self.stopped {
            if self.seen.iter().any(|(p, ..)| *p == pid) {
                signal(pid, libc::SIGKILL);
                signal(pid, libc::SIGCONT);
            }
        }
        let alive = |seen: &(u32, u64, String)| identity(seen.0).is_some_and(|(s, _)| s == seen.1);
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline && self.seen.iter().any(alive) {
            std::thread::sleep(Duration::from_millis(5));
        }
        let mut orphans = Vec::new();
        for seen in &self.seen {
            if alive(seen) {
                signal(seen.0, libc::SIGKILL);
                if host_exited_by_itself && !self.stopped.contains(&seen.0) {
                    orphans.push(format!("{} (pid {})", seen.2, seen.0));
                }
            }
        }
        orphans
    }
}

/// Runs `command` to its end under a watchdog of `limit`.
pub fn run(command: Command, limit: Duration) -> Run {
    Watched::spawn(command, limit).finish()
}

/// Runs `dodeca-host build -q -j 2 SITE` (with `extra` arguments), under a watchdog.
pub fn build(site: &Path, extra: &[&str], limit: Duration) -> Run {
    let mut command = host(&["build", "-j", "2"]);
    command.args(extra).arg(site);
    run(command, limit)
}

/// Sends `signal` to `pid`, if it is still there.
pub fn signal(pid: u32, signal: i32) {
    // SAFETY: kill(2) has no memory-safety preconditions; `pid` is a process this test
    // started, directly or through the host.
    unsafe {
        libc::kill(pid as i32, signal);
    }
}

/// The pids of every descendant of `pid`, read from `/proc/PID/task/TID/children`.
pub fn descendants(pid: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let mut queue = vec![pid];
    while let Some(parent) = queue.pop() {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{parent}/task")) else { continue };
        for task in tasks.flatten() {
            let Ok(text) = std::fs::read_to_string(task.path().join("children")) else {
                continue;
            };
            for child in text.split_whitespace().filter_map(|p| p.parse().ok()) {
                if !out.contains(&child) {
                    out.push(child);
                    queue.push(child);
                }
            }
        }
    }
    out
}

/// A process's start time (clock ticks since boot) and name, from `/proc/PID/stat`; `None`
/// once it has gone (a zombie counts as gone: it runs nothing).
pub fn identity(pid: u32) -> Option<(u64, String)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (comm) state ppid … starttime` (field 22); comm may hold spaces and parentheses.
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat[open + 1..close].to_string();
    let fields: Vec<&str> = stat[close + 2..].split(' ').collect();
    if fields.first() == Some(&"Z") || fields.first() == Some(&"X") {
        return None;
    }
    let start = fields.get(19)?.parse().ok()?;
    Some((start, name))
}
