//! The `serve` benchmark: `cargo run --release -p host --example serve-bench`.
//!
//! Against the real `dodeca-host serve SITE --port 0 -q` process (and its http cell), on the
//! synthetic sites of 10,000 pages (`common`: the nav site, then the plain one):
//!
//! - `serve_edit_reload`: a client holds the live-reload event stream as a browser does
//!   (`GET /__dodeca/events`); then, EDITS times, a line is appended to one page's markdown
//!   and the time is taken from just before the write to the arrival of the event naming that
//!   page's route. Median and p99, beside the target (under 50 ms) and Hugo's figure from
//!   issue #17 (about 0.5 s from save to its rebuild log line; Hugo is not installed here: the
//!   issue's figure, not measured). After every event the page is fetched: it must have the
//!   new line already (`stale_bodies=0`: the event is not sent before the new output is
//!   served); an untimed first edit checks this before any timing.
//! - `serve_rps` (nav site): requests per second for one cached page with CLIENTS keep-alive
//!   clients (a thread and a `std::net::TcpStream` each, no pipelining), SECONDS measured
//!   after a second of warm-up, and the latency's median and p99; beside the floor: a plain
//!   threaded `std::net` HTTP/1.1 server in this program (a thread per connection) sending
//!   the very bytes the cell sent (head and body), measured the same way just after. Both
//!   bodies are compared before timing. Target: at least 0.5x the floor.
//! - `serve_memory` (nav site, measured before `serve_rps`): the http cell's resident set
//!   (`VmRSS`; the cell found as the serve process's child named `cell-http`) after 1,000,
//!   10,000, 100,000 and 200,000 requests, each step a load of its own (new connections, as
//!   browsers make), read once the cell's threads have settled (the closed connections'
//!   threads gone), with that number of threads; and the host's. Target: the same after
//!   100,000 as after 1,000; growth that goes on to 200,000 is a leak, growth that stopped is
//!   a warm-up.
//!
//! Then SIGINT, as Ctrl-C, and a bounded wait for the exit (the cache is saved then).
//!
//! `SERVE_BENCH_SITES=nav,plain` (the default) chooses the sites, `SERVE_BENCH_PAGES`,
//! `SERVE_BENCH_EDITS` (50), `SERVE_BENCH_SECONDS` (3) and `SERVE_BENCH_CLIENTS` (64) the
//! sizes. Sites are written under `TMPDIR` (use a tmpfs: `TMPDIR=/dev/shm`).

#[path = "../common/mod.rs"]
mod common;
mod http;
mod load;
mod serve;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use load::Until;
use serve::{Events, Serve};

/// The page edited (the middle one when there are fewer pages), and the page loaded.
const EDITED: usize = 1234;
const LOADED: usize = 42;

fn edited(pages: usize) -> usize {
    if EDITED < pages { EDITED } else { pages / 2 }
}

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// `dodeca-host`, next to this example's directory (`target/release/`), with the cells.
fn binary() -> PathBuf {
    let exe = std::env::current_exe().expect("exe");
    let dir = exe.parent().and_then(Path::parent).expect("target dir").to_path_buf();
    for name in ["dodeca-host", "cell-http", "cell-template", "cell-markdown"] {
        assert!(
            dir.join(name).is_file(),
            "{name} is not in {}: first `cargo build --release --workspace --bins`",
            dir.display()
        );
    }
    dir.join("dodeca-host")
}

fn route(i: usize) -> String {
    format!("/section-{}/page-{i}/", i % common::SECTIONS)
}

fn source(i: usize) -> String {
    format!("content/section-{}/page-{i}.md", i % common::SECTIONS)
}

fn main() {
    let pages = setting("SERVE_BENCH_PAGES", 10_000);
    let edits = setting("SERVE_BENCH_EDITS", 50);
    let seconds = setting("SERVE_BENCH_SECONDS", 3) as u64;
    let clients = setting("SERVE_BENCH_CLIENTS", 64);
    let sites = std::env::var("SERVE_BENCH_SITES").unwrap_or_else(|_| "nav,plain".into());
    let binary = binary();
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("serve_bench start cpus={cpus} load_average={}", load::load_average());
    for (index, shape) in sites.split(',').enumerate() {
        let root =
            std::env::temp_dir().join(format!("dodeca-serve-bench-{}-{shape}", std::process::id()));
        let written = match shape {
            "nav" => common::write_nav_site(pages, &root),
            "plain" => common::write_site(pages, &root),
            _ => panic!("SERVE_BENCH_SITES: nav or plain, not {shape:?}"),
        };
        written.expect("write the site");
        let server = Serve::start(&binary, &root);
        println!(
            "serve_start site={shape} pages={pages} first_build_and_serve_ms={:.0}",
            server.startup.as_secs_f64() * 1e3
        );
        edit_to_reload(&server, &root, shape, pages, edits);
        if index == 0 {
            requests(&server, shape, clients, seconds);
        }
        let (status, took) = server.stop();
        println!(
            "serve_stop site={shape} signal=SIGINT exit={} stop_ms={:.0}",
            status.map_or_else(|| "killed after the watchdog".into(), |s| s.to_string()),
            took.as_secs_f64() * 1e3
        );
        let _ = std::fs::remove_dir_all(&root);
    }
    println!("serve_bench end load_average={}", load::load_average());
}

/// The `serve_edit_reload` line: EDITS appends to one page, each timed to its event.
fn edit_to_reload(server: &Serve, root: &Path, shape: &str, pages: usize, edits: usize) {
    let (route, file) = (route(edited(pages)), root.join(source(edited(pages))));
    let first = http::get(server.address, &route).expect("GET the edited page");
    assert_eq!(first.status, 200, "{route} is served");
    let events = Events::open(server.address).expect("open the live-reload events");
    let mut times = Vec::with_capacity(edits);
    let mut stale = 0;
    // Edit 0 is not timed: it checks that the page has the new text once its event came.
    for edit in 0..=edits {
        events.drain();
        let line = format!("Serve bench edit {edit}.");
        let started = Instant::now();
        let mut out = std::fs::OpenOptions::new().append(true).open(&file).expect("open");
        out.write_all(format!("\n{line}\n").as_bytes()).expect("append");
        drop(out);
        let arrived = match events.wait_route(&route, Duration::from_secs(30)) {
            Ok(at) => at,
            Err(error) => panic!("edit {edit}: {error}; serve's stderr:\n{}", server.stderr()),
        };
        let body = http::get(server.address, &route).expect("GET after the event");
        let fresh = body.status == 200 && String::from_utf8_lossy(&body.body).contains(&line);
        if edit == 0 {
            assert!(fresh, "after its event, {route} does not have the edit's text");
        } else {
            times.push(arrived.saturating_duration_since(started).as_secs_f64() * 1e3);
            stale += usize::from(!fresh);
        }
        // Apart, so that each edit is a save of its own.
        std::thread::sleep(Duration::from_millis(30));
    }
    times.sort_by(f64::total_cmp);
    let at = |q: usize| times[(times.len() * q).div_ceil(100).saturating_sub(1)];
    println!(
        "serve_edit_reload site={shape} pages={pages} edits={edits} median_ms={:.1} p99_ms={:.1} \
         max_ms={:.1} stale_bodies={stale} target_ms=50 median_vs_target={:.2}x \
         hugo_ms=500(issue #17's figure, not measured here) hugo_vs_median={:.0}x",
        at(50),
        at(99),
        times[times.len() - 1],
        at(50) / 50.0,
        500.0 / at(50)
    );
}

/// The `serve_rps` and `serve_memory` lines.
fn requests(server: &Serve, shape: &str, clients: usize, seconds: u64) {
    let path = route(LOADED);
    let reply = http::get(server.address, &path).expect("GET the loaded page");
    assert_eq!(reply.status, 200, "{path} is served");
    let length = reply.body.len();
    let mut raw = reply.head.clone();
    raw.extend_from_slice(&reply.body);
    let floor = http::start_floor(raw).expect("start the floor");
    let same = http::get(floor, &path).expect("GET from the floor");
    assert!(same.body == reply.body && same.head == reply.head, "the floor sends the cell's bytes");

    let cells = load::children_named(server.pid(), "cell-http");
    let cell = *cells.first().expect("the http cell, a child of the serve process");
    // (requests so far, the cell's KiB, the host's KiB, the cell's threads) after each step.
    let mut steps = Vec::new();
    let mut done = 0;
    for step in [1_000, 10_000, 100_000, 200_000] {
        let load = load::run(server.address, &path, clients, length, Until::Count(step - done));
        assert_eq!(load.failed, 0, "requests failed on the way to {step}");
        done += load.total;
        let threads = load::settle(cell);
        let (cell_kib, host_kib) = (load::rss_kib(cell), load::rss_kib(server.pid()));
        steps.push((
            done,
            cell_kib.expect("the cell's VmRSS"),
            host_kib.expect("host VmRSS"),
            threads,
        ));
    }
    let now = load::children_named(server.pid(), "cell-http");
    let list = |of: fn(&(u64, u64, u64, u64)) -> u64| {
        steps.iter().map(|step| format!("after_{}={}", step.0, of(step))).collect::<Vec<_>>()
    };
    let ratio = |of: fn(&(u64, u64, u64, u64)) -> u64| of(&steps[2]) as f64 / of(&steps[0]) as f64;
    println!(
        "serve_memory site={shape} cell_pid_unchanged={} cell_rss_kib {} \
         ratio_100000_vs_1000={:.3} target=1.000 | cell_threads {} | host_rss_kib {} \
         ratio_100000_vs_1000={:.3}",
        now == cells,
        list(|s| s.1).join(" "),
        ratio(|s| s.1),
        list(|s| s.3).join(" "),
        list(|s| s.2).join(" "),
        ratio(|s| s.2),
    );

    let until =
        Until::Time { warmup: Duration::from_secs(1), measured: Duration::from_secs(seconds) };
    let served = load::run(server.address, &path, clients, length, until);
    let floored = load::run(floor, &path, clients, length, until);
    println!(
        "serve_rps site={shape} clients={clients} seconds={seconds} body_bytes={length} \
         head_bytes={} rps={:.0} p50_ms={:.2} p99_ms={:.2} failed={} | floor rps={:.0} \
         p50_ms={:.2} p99_ms={:.2} failed={} | ratio={:.2}x target>=0.5x",
        reply.head.len(),
        served.per_second(),
        served.p50_ms,
        served.p99_ms,
        served.failed,
        floored.per_second(),
        floored.p50_ms,
        floored.p99_ms,
        floored.failed,
        served.per_second() / floored.per_second()
    );
}
