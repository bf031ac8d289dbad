//! The load: keep-alive clients, a thread each, asking for one page as fast as it comes; and
//! the resident memory of processes, from `/proc`.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, OnceLock};
use std::time::{Duration, Instant};

use crate::http::Client;

/// How long a load runs.
#[derive(Clone, Copy)]
pub enum Until {
    /// A warm-up (not counted), then a measured duration.
    Time { warmup: Duration, measured: Duration },
    /// This many requests over all clients, all counted.
    Count(u64),
}

/// What a load measured.
pub struct Measured {
    /// Requests answered 200 with the expected body length, in the measured part.
    pub requests: u64,
    /// Requests that failed (an error, another status or length).
    pub failed: u64,
    /// Requests answered well, warm-up included.
    pub total: u64,
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl Measured {
    pub fn per_second(&self) -> f64 {
        self.requests as f64 / self.seconds
    }
}

/// Runs `clients` keep-alive clients against `address`, each asking for `path` in a loop and
/// checking that the body has `length` bytes. Every client connects before any asks, so
/// the server has all of them open from the first request. Every read and write is bounded
/// (10 s).
pub fn run(
    address: SocketAddr,
    path: &str,
    clients: usize,
    length: usize,
    until: Until,
) -> Measured {
    let issued = Arc::new(AtomicU64::new(0));
    let connected = Arc::new(Barrier::new(clients + 1));
    // The measured window, from the moment every client is connected.
    let window = Arc::new(OnceLock::new());
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (issued, connected, window) = (issued.clone(), connected.clone(), window.clone());
            let path = path.to_string();
            std::thread::spawn(move || {
                let connection = Client::connect(address, Duration::from_secs(10)).ok();
                // Twice: all connected, then the window set.
                connected.wait();
                connected.wait();
                let window = *window.get().expect("set before the clients go");
                client(connection, address, &path, length, until, &issued, window)
            })
        })
        .collect();
    connected.wait();
    let started = Instant::now();
    let _ = window.set(match until {
        Until::Time { warmup, measured } => (started + warmup, started + warmup + measured),
        // Bounded all the same: a stuck server ends the load after a minute.
        Until::Count(_) => (started, started + Duration::from_secs(60)),
    });
    connected.wait();
    let mut latencies = Vec::new();
    let (mut failed, mut total) = (0, 0);
    for thread in threads {
        let (times, failures, answered) = thread.join().expect("a client thread");
        latencies.extend(times);
        failed += failures;
        total += answered;
    }
    let seconds = match until {
        Until::Time { measured, .. } => measured.as_secs_f64(),
        Until::Count(_) => started.elapsed().as_secs_f64(),
    };
    latencies.sort_unstable();
    let at = |q: usize| {
        latencies
            .get((latencies.len() * q).div_ceil(100).saturating_sub(1))
            .map_or(f64::NAN, |&micros| micros as f64 / 1e3)
    };
    Measured {
        requests: latencies.len() as u64,
        failed,
        total,
        seconds,
        p50_ms: at(50),
        p99_ms: at(99),
    }
}

/// One client: the latencies (µs) of its requests in the measured window, its failures and
/// its requests answered well.
fn client(
    mut connection: Option<Client>,
    address: SocketAddr,
    path: &str,
    length: usize,
    until: Until,
    issued: &AtomicU64,
    (from, to): (Instant, Instant),
) -> (Vec<u32>, u64, u64) {
    let mut times = Vec::with_capacity(1 << 16);
    let (mut failed, mut answered) = (0, 0);
    loop {
        if let Until::Count(limit) = until
            && issued.fetch_add(1, Ordering::Relaxed) >= limit
        {
            break;
        }
        let before = Instant::now();
        if before >= to {
            break;
        }
        if connection.is_none() {
            match Client::connect(address, Duration::from_secs(10)) {
                Ok(made) => connection = Some(made),
                Err(_) => {
                    failed += 1;
                    std::thread::sleep(Duration::from_millis(10));
                    continue;
                }
            }
        }
        let reply = connection.as_mut().map(|c| c.get(path)).expect("connected");
        let after = Instant::now();
        match reply {
            Ok(reply) if reply.status == 200 && reply.body.len() == length => {
                answered += 1;
                if before >= from && after <= to {
                    times.push((after - before).as_micros().min(u32::MAX as u128) as u32);
                }
            }
            _ => {
                failed += 1;
                connection = None;
            }
        }
    }
    (times, failed, answered)
}

/// The resident set of process `pid` in KiB (`VmRSS`), if it is running.
pub fn rss_kib(pid: u32) -> Option<u64> {
    status_field(pid, "VmRSS:")
}

/// The threads of process `pid`, if it is running.
pub fn threads(pid: u32) -> Option<u64> {
    status_field(pid, "Threads:")
}

/// Waits until process `pid`'s threads have been as many for 100 ms (at most 5 s): the
/// threads of connections just closed have ended. Their number then.
pub fn settle(pid: u32) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut last = threads(pid).expect("the process's threads");
    let mut since = Instant::now();
    while Instant::now() < deadline && since.elapsed() < Duration::from_millis(100) {
        std::thread::sleep(Duration::from_millis(10));
        let now = threads(pid).expect("the process's threads");
        if now != last {
            (last, since) = (now, Instant::now());
        }
    }
    last
}

/// A number from `/proc/PID/status`.
fn status_field(pid: u32, name: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with(name))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The children of `parent` whose command name is `name`, found by scanning `/proc/*/stat`.
pub fn children_named(parent: u32, name: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else { return Vec::new() };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { continue };
        // `pid (comm) state ppid ...`; comm may hold spaces and parentheses: split at the last.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let comm = &stat[open + 1..close];
        let ppid = stat[close + 1..].split_whitespace().nth(1).and_then(|p| p.parse().ok());
        if comm == name && ppid == Some(parent) {
            found.push(pid);
        }
    }
    found
}

/// The load average (1, 5, 15 minutes) as `/proc/loadavg` gives it.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}
