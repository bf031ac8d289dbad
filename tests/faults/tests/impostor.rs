//! A cell that misbehaves on the wire: the impostor (`src/impostor.rs`) started by the host in
//! place of `cell-template` or `cell-markdown`. The host must refuse it with an error that
//! names the cell and what it did, end its build (no hang, no panic, no crash), and build
//! correctly again once the real cell is back.
//!
//! The impostor that never answers (`silent`) costs the host's call timeout, 120 s, which
//! neither an option nor the environment shortens: it runs in the slow mode only, beside the
//! other families. One that answers a request never made (`wrong-id`) is refused at once: the
//! host closes the link on it (`rpc`'s protocol error).

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::process::{self, Run};
use crate::support::{self, Rng, Scratch, site};

/// Each misbehaviour that is refused at once, and what the error must say.
const PROMPT: &[(&str, &str)] = &[
    ("garbage", "unknown frame kind"),
    ("undecodable", "did not decode"),
    ("oversized", "exceeds"),
    ("wrong-id", "which was never made"),
    // What a host notices of a scribbled segment depends on where the bytes land; that it
    // names the cell is what can be asked.
    ("scribble", ""),
];

/// The misbehaviours that cost the call timeout.
const WAITING: &[(&str, &str)] = &[("silent", "no reply within")];

const CELLS: [&str; 2] = ["cell-template", "cell-markdown"];

/// Injections per cell of each kind that waits for the call timeout, all at once (18 hosts
/// that mostly wait; many more would load two cores enough to time out real cells' hellos).
pub const TIMEOUT_INJECTIONS: usize = 3;

pub fn run() {
    let mut rng = Rng::for_family("impostor");
    let scratch = Scratch::new("impostor");
    let wanted = support::injections(2, 50);
    for (mode, says) in PROMPT {
        let kind = format!("impostor-{mode}");
        for n in 0..wanted {
            let cell = CELLS[n % 2];
            let root = scratch.path.join(format!("{mode}-{n}"));
            let outcome = inject(
                &root,
                &scratch.path,
                cell,
                mode,
                says,
                rng.next_u64(),
                Duration::from_secs(60),
            );
            support::record(&kind, outcome);
            let _ = std::fs::remove_dir_all(&root);
        }
    }
}

/// The slow mode's impostors that never answer, and the cells stopped for good
/// (`cell_signals`), all at once: each only waits for the host's call timeout.
pub fn run_timeouts() {
    let kinds: Vec<String> = WAITING
        .iter()
        .map(|(mode, _)| format!("impostor-{mode}"))
        .chain(CELLS.iter().map(|cell| format!("{cell}-sigstop-for-good")))
        .collect();
    if !support::settings().slow {
        for kind in &kinds {
            support::skip(
                kind,
                "waits for the host's 120 s call timeout, which nothing configures; DODECA_FAULTS_SLOW=1 runs it",
            );
        }
        return;
    }
    let scratch = Scratch::new("timeouts");
    let mut rng = Rng::for_family("impostor-timeouts");
    std::thread::scope(|scope| {
        for (mode, says) in WAITING {
            for (n, cell) in (0..TIMEOUT_INJECTIONS).flat_map(|n| CELLS.map(|cell| (n, cell))) {
                let seed = rng.next_u64();
                let path = scratch.path.clone();
                scope.spawn(move || {
                    let root = path.join(format!("{mode}-{cell}-{n}"));
                    let limit = Duration::from_secs(300);
                    let outcome = inject(&root, &path, cell, mode, says, seed, limit);
                    support::record(&format!("impostor-{mode}"), outcome);
                });
            }
        }
        scope.spawn(|| crate::cell_signals::run_stops(&scratch.path));
    });
}

/// A directory whose `cell` is the impostor and whose other cell is the real one.
fn cell_dir(scratch: &Path, cell: &str) -> PathBuf {
    let dir = scratch.join(format!("cells-as-{cell}"));
    if !dir.is_dir() {
        std::fs::create_dir_all(&dir).unwrap();
        for name in CELLS {
            let target = if name == cell {
                support::impostor_binary()
            } else {
                support::bin_dir().join(name)
            };
            std::os::unix::fs::symlink(target, dir.join(name)).unwrap();
        }
    }
    dir
}

/// Builds a site (built once with the real cells) in its other version with the impostor as
/// `cell`, checks the host refused it, then builds with the real cells again.
fn inject(
    root: &Path,
    scratch: &Path,
    cell: &str,
    mode: &str,
    says: &str,
    seed: u64,
    limit: Duration,
) -> Result<(), String> {
    site::built(root, 0);
    site::set_version(root, 1);
    let mut command = process::host(&["build", "-q", "-j", "2"]);
    command
        .arg(root)
        .env("DODECA_CELL_PATH", cell_dir(scratch, cell))
        .env("DODECA_IMPOSTOR", mode)
        .env("DODECA_IMPOSTOR_SEED", seed.to_string());
    let run = process::run(command, limit);
    refused(&run, cell, says).map_err(|e| format!("{mode} as {cell}: {e}"))?;
    let next = process::build(root, &["-q"], Duration::from_secs(60));
    if !next.succeeded() || next.panicked() {
        return Err(format!(
            "the build after, with the real cells: {}: {}",
            next.exit(),
            next.tail()
        ));
    }
    site::compare(&site::clean_outputs()[1], &site::snapshot(&root.join("public")))
        .map_err(|e| format!("after {mode} as {cell}: {e}"))
}

/// The host ended by itself with a failure whose message names `cell` and says `says`.
fn refused(run: &Run, cell: &str, says: &str) -> Result<(), String> {
    if run.hung() {
        return Err("the host hung".into());
    }
    if run.panicked() {
        return Err(format!("a panic: {}", run.tail()));
    }
    if run.status.is_some_and(|s| s.code().is_none()) {
        return Err(format!("the host crashed: {}", run.exit()));
    }
    if run.succeeded() {
        return Err("the build succeeded with an impostor cell".into());
    }
    if !run.stderr.contains(&format!("`{cell}`")) || !run.stderr.contains(says) {
        return Err(format!("the error does not name `{cell}` and say {says:?}: {}", run.tail()));
    }
    if !run.orphans.is_empty() {
        return Err(format!("processes outlived the host: {:?}", run.orphans));
    }
    Ok(())
}
