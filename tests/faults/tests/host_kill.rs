//! The host killed (SIGKILL: no destructor, no flush) at a random moment of a build that
//! rewrites every page: in the load of the saved database, the renders, the writes or the saves.
//! The next build must write exactly what a clean build writes, and no cell may outlive the
//! killed host (a cell exits when its link closes).

use std::time::{Duration, Instant};

use crate::support::process::{self, Watched};
use crate::support::{self, Rng, Scratch, site};

const KIND: &str = "host-sigkill-mid-build";

pub fn run() {
    let mut rng = Rng::for_family("host-kill");
    let scratch = Scratch::new("host-kill");
    let root = scratch.path.join("site");
    site::built(&root, 0);
    let clean = site::clean_outputs();
    // A probe: how long a build that switches versions lasts, so that the kills span it.
    let mut version = 1;
    site::set_version(&root, version);
    let started = Instant::now();
    let probe = process::build(&root, &["-q"], Duration::from_secs(60));
    let span = started.elapsed();
    assert!(probe.succeeded(), "probe build: {}", probe.stderr);
    let wanted = support::injections(4, 60);
    let mut attempts = 0;
    let mut injected = 0;
    while injected < wanted && attempts < wanted * 4 {
        attempts += 1;
        version = 1 - version;
        site::set_version(&root, version);
        // Up to a tenth past the probe's end: the process's exit is a moment too.
        let delay = span.mul_f64(rng.fraction() * 1.1);
        let mut command = process::host(&["build", "-q", "-j", "2"]);
        command.arg(&root);
        let mut watched = Watched::spawn(command, Duration::from_secs(60));
        sleep_watching(&mut watched, delay);
        let hit = !watched.exited();
        if hit {
            process::signal(watched.pid(), libc::SIGKILL);
        }
        let killed = watched.finish();
        let mut outcome = check_killed(&killed, delay);
        // The build after the kill (or after the build the kill missed) must be a clean one's.
        if outcome.is_ok() {
            let next = process::build(&root, &["-q"], Duration::from_secs(60));
            outcome = if next.hung() || next.panicked() || !next.succeeded() {
                Err(format!(
                    "the build after a kill at {delay:?}: {}: {}",
                    next.exit(),
                    next.tail()
                ))
            } else {
                site::compare(&clean[version], &site::snapshot(&root.join("public")))
                    .map_err(|e| format!("after a kill at {delay:?}: {e}"))
            };
        }
        if hit {
            injected += 1;
            support::record(KIND, outcome);
        } else if let Err(why) = outcome {
            // The build finished before the kill: not an injection, but still a build.
            support::record(KIND, Err(format!("an unkilled build: {why}")));
        }
    }
}

/// What a killed build must not have done: hang, or leave a cell running without its host.
fn check_killed(run: &process::Run, delay: Duration) -> Result<(), String> {
    if run.hung() {
        return Err(format!("the killed build hung (delay {delay:?})"));
    }
    if !run.orphans.is_empty() {
        return Err(format!("cells outlived the killed host: {:?}", run.orphans));
    }
    Ok(())
}

/// Sleeps `delay`, watching the host's descendants meanwhile (so that its cells are known,
/// to check that none outlives it).
fn sleep_watching(watched: &mut Watched, delay: Duration) {
    let until = Instant::now() + delay;
    loop {
        let now = Instant::now();
        if now >= until {
            return;
        }
        let _ = watched.find("");
        std::thread::sleep((until - now).min(Duration::from_millis(2)));
    }
}
