//! The fault injection suite (issue #19): builds real sites through the real `dodeca-host`
//! and its cells, and injects faults at random moments, each kind several times: the host
//! killed mid-build, cells killed or stopped, a cell that misbehaves on the wire, damaged cache
//! files, a full disk, outputs that cannot be written. After each fault the host must end
//! (never hang: every run has a watchdog), fail with a clear error or succeed, never panic,
//! and the next build must write exactly what a clean build writes.
//!
//! It prints one line per fault kind, `fault KIND: injected N, survived N, lost N`, where a
//! loss is a build after the fault whose outputs differ from a clean build's, a hang, a panic,
//! an unclear error or lost data; any loss fails the run, with the seed to replay it.
//!
//!     cargo test -p dodeca-faults                       # a few injections per kind
//!     DODECA_FAULTS_SLOW=1 cargo test -p dodeca-faults  # many, and the call timeouts
//!     DODECA_FAULT_SEED=N cargo test -p dodeca-faults   # replay a run's choices
//!     cargo test -p dodeca-faults -- cache              # the families whose name has `cache`
//!
//! The families run one after another (each host build uses both cores), but for the slow
//! run's waits on the host's call timeout, which run beside them: they only wait.

mod cache;
mod cell_signals;
mod disk;
mod host_kill;
mod impostor;
mod outputs;
mod support;

use std::time::Instant;

/// Each family: its name (what a filter matches) and its run.
const FAMILIES: &[(&str, fn())] = &[
    ("host-kill", host_kill::run),
    ("cell-signals", cell_signals::run),
    ("impostor", impostor::run),
    ("cache", cache::run),
    ("disk-full", disk::run),
    ("outputs", outputs::run),
];

fn main() {
    let started = Instant::now();
    // `cargo test` may pass harness flags (`--nocapture`, `--test-threads`): ignored. A
    // plain word selects the families whose names contain it.
    let args: Vec<String> = std::env::args().skip(1).collect();
    // What test runners ask first (`--list`, as libtest answers it): the families.
    if args.iter().any(|a| a == "--list") {
        for (name, _) in FAMILIES {
            println!("{name}: test");
        }
        println!("timeouts: test");
        return;
    }
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let chosen =
        |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()));
    let settings = support::settings();
    println!(
        "fault injection: seed {} (DODECA_FAULT_SEED={} replays it){}",
        settings.seed,
        settings.seed,
        if settings.slow { ", slow mode" } else { "" }
    );
    // The binaries and the clean outputs, before any family: a failure here is no fault's.
    support::bin_dir();
    support::site::clean_outputs();
    // The waits on the call timeout (a family of their own for a filter: `timeouts`).
    let waits = chosen("timeouts").then(|| std::thread::spawn(impostor::run_timeouts));
    let mut broken = Vec::new();
    for (name, family) in FAMILIES {
        if !chosen(name) {
            continue;
        }
        let family_started = Instant::now();
        if std::panic::catch_unwind(family).is_err() {
            broken.push(*name);
        }
        eprintln!("family {name}: {:.1} s", family_started.elapsed().as_secs_f64());
    }
    if let Some(waits) = waits
        && waits.join().is_err()
    {
        broken.push("timeouts");
    }
    println!();
    let sound = support::report();
    println!("fault injection took {:.1} s", started.elapsed().as_secs_f64());
    if !broken.is_empty() {
        println!("families that failed to run (a panic in the suite, above): {broken:?}");
    }
    if !sound || !broken.is_empty() {
        println!("seed {0}: DODECA_FAULT_SEED={0} replays this run", settings.seed);
        std::process::exit(1);
    }
}
