//! Cells killed (SIGKILL) or stopped (SIGSTOP) at a random moment of a cold build, found as
//! children of the host in `/proc`. A killed cell is restarted and the failed call retried
//! once; a cell stopped for a moment must cost nothing but the moment; a cell stopped for good
//! makes its calls time out (the host's 120 s call timeout, which nothing configures, so that
//! kind runs in the slow mode only, beside the other families). In every case the build ends,
//! succeeds with a clean build's outputs or fails with an error naming the cell, and the next
//! build writes a clean build's outputs.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::process::{self, Run, Watched};
use crate::support::{self, Rng, Scratch, site};

const CELLS: [&str; 2] = ["cell-template", "cell-markdown"];

/// What is done to the cell once found.
#[derive(Clone, Copy, Debug)]
pub enum Signal {
    Kill,
    /// Stopped, then continued after the given pause.
    Stall(Duration),
    /// Stopped and never continued.
    Stop,
}

pub fn run() {
    let mut rng = Rng::for_family("cell-signals");
    let scratch = Scratch::new("cell-signals");
    let span = probe(&scratch.path.join("probe"));
    let wanted = support::injections(2, 50);
    for cell in CELLS {
        for stall in [false, true] {
            let kind = if stall {
                format!("{cell}-sigstop-then-sigcont")
            } else {
                format!("{cell}-sigkill")
            };
            let (mut injected, mut attempts) = (0, 0);
            // A build may end before the cell is hit (then it is no injection): try again.
            while injected < wanted && attempts < wanted * 5 {
                attempts += 1;
                let signal = if stall {
                    Signal::Stall(Duration::from_millis(rng.below(800) as u64))
                } else {
                    Signal::Kill
                };
                let delay = span.mul_f64(rng.fraction() * 0.8);
                let root = scratch.path.join(format!("{kind}-{attempts}"));
                if let Some(outcome) = inject(&root, cell, signal, delay, Duration::from_secs(60)) {
                    injected += 1;
                    support::record(&kind, outcome);
                }
                let _ = std::fs::remove_dir_all(&root);
            }
        }
    }
}

/// The slow mode's stopped-for-good cells, both at once: each waits for the call timeout.
pub fn run_stops(scratch: &Path) {
    let span = probe(&scratch.join("stop-probe"));
    std::thread::scope(|scope| {
        let each = (0..crate::impostor::TIMEOUT_INJECTIONS).flat_map(|n| CELLS.map(|c| (n, c)));
        for (n, cell) in each {
            scope.spawn(move || {
                let kind = format!("{cell}-sigstop-for-good");
                let root = scratch.join(format!("{kind}-{n}"));
                // Generous: the call timeout, the reaping of the stopped cell, a slow machine.
                let limit = Duration::from_secs(300);
                // Early (the host starts its cells first thing; their hellos take well under
                // a millisecond), so that the build cannot end first on a loaded machine; if
                // no call was left to time out, again, earlier or later.
                let base = (span / 8).min(Duration::from_millis(60));
                for factor in [1.0, 0.5, 1.5, 0.75, 2.0] {
                    let delay = base.mul_f64(factor);
                    let _ = std::fs::remove_dir_all(&root);
                    if let Some(outcome) = inject(&root, cell, Signal::Stop, delay, limit) {
                        support::record(&kind, outcome);
                        break;
                    }
                    eprintln!("{kind}: no call was left to stop at {delay:?}, trying again");
                }
            });
        }
    });
}

/// How long a cold build of the site lasts, from the host's start.
fn probe(root: &Path) -> Duration {
    site::write(root, 0);
    let started = Instant::now();
    let run = process::build(root, &["-q"], Duration::from_secs(60));
    assert!(run.succeeded(), "probe build: {}", run.stderr);
    let span = started.elapsed();
    let _ = std::fs::remove_dir_all(root);
    span
}

/// A cold build of a fresh site at `root` whose `cell` gets `signal` `delay` after it
/// started; `None` if the build ended before the cell was hit (not an injection).
fn inject(
    root: &Path,
    cell: &str,
    signal: Signal,
    delay: Duration,
    limit: Duration,
) -> Option<Result<(), String>> {
    site::write(root, 0);
    let mut command = process::host(&["build", "-q", "-j", "2"]);
    command.arg(root);
    let mut watched = Watched::spawn(command, limit);
    let started = Instant::now();
    let mut pid = None;
    // The cell's pid (the host starts it when first needed), then the moment.
    while !watched.exited() {
        if pid.is_none() {
            pid = watched.find(cell);
        }
        if pid.is_some() && started.elapsed() >= delay {
            break;
        }
        std::thread::sleep(Duration::from_micros(500));
    }
    let hit = match pid {
        Some(pid) if !watched.exited() && watched.find(cell) == Some(pid) => {
            match signal {
                Signal::Kill => process::signal(pid, libc::SIGKILL),
                Signal::Stall(pause) => {
                    process::signal(pid, libc::SIGSTOP);
                    watched.stopped.push(pid);
                    std::thread::sleep(pause);
                    process::signal(pid, libc::SIGCONT);
                    watched.stopped.retain(|p| *p != pid);
                }
                Signal::Stop => {
                    process::signal(pid, libc::SIGSTOP);
                    watched.stopped.push(pid);
                }
            }
            true
        }
        _ => false,
    };
    let run = watched.finish();
    if !hit {
        return None;
    }
    let clean = &site::clean_outputs()[0];
    // A stop after the cell's last call, or in a hello the host then replaced (its early
    // start of the cells, which nothing waits for), leaves no call to time out: no injection
    // of that kind, though its outputs must still be a clean build's.
    if matches!(signal, Signal::Stop) && run.succeeded() {
        return site::compare(clean, &site::snapshot(&root.join("public"))).err().map(Err);
    }
    Some(check(root, cell, signal, &run, clean))
}

fn check(
    root: &Path,
    cell: &str,
    signal: Signal,
    run: &Run,
    clean: &site::Tree,
) -> Result<(), String> {
    if run.hung() || run.panicked() {
        return Err(format!("the build with the signalled cell: {}: {}", run.exit(), run.tail()));
    }
    if !run.orphans.is_empty() {
        return Err(format!("processes outlived the host: {:?}", run.orphans));
    }
    if run.succeeded() {
        site::compare(clean, &site::snapshot(&root.join("public")))?;
    } else if !matches!(signal, Signal::Stop) {
        // One crash is restarted and its call retried; a pause costs only its length.
        return Err(format!("one {signal:?} of `{cell}` failed the build: {}", run.tail()));
    } else if !run.stderr.contains(&format!("`{cell}`"))
        || !(run.stderr.contains("no reply within") || run.stderr.contains("hello"))
    {
        // Stopped for good, its calls time out; stopped before its hello was answered (a
        // cell started on first use), the hello does.
        return Err(format!("the error does not name `{cell}` and its timeout: {}", run.tail()));
    }
    let next = process::build(root, &["-q"], Duration::from_secs(60));
    if next.hung() || next.panicked() || !next.succeeded() {
        return Err(format!("the build after: {}: {}", next.exit(), next.tail()));
    }
    site::compare(clean, &site::snapshot(&root.join("public")))
}
