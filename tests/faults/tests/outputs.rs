//! Outputs that cannot be written: a directory of the output tree locked before a build, or at
//! a random moment during one, and an output file replaced by a directory (holding a file of
//! the user's). The build must end by itself, without a panic; if it fails, its error names
//! the path; every output is either as it was or as the new build has it; nothing of the
//! user's is removed; and once the path is writable again the next build is a clean one's.
//!
//! Locking: as root (where permission bits stop no write) a directory is made immutable
//! (`chattr +i`), and the kinds are skipped, saying why, where that is not possible; as
//! another user its write permission is removed.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::process::{self, Run, Watched};
use crate::support::site::{self, Entry, Tree};
use crate::support::{self, Rng, Scratch};

pub fn run() {
    let mut rng = Rng::for_family("outputs");
    let scratch = Scratch::new("outputs");
    let root = scratch.path.join("site");
    let mut version = 0;
    site::built(&root, version);
    let wanted = support::injections(3, 50);
    let can_lock = lock_works(&scratch.path.join("probe"));
    for kind in ["output-dir-locked", "output-dir-locked-mid-build", "output-file-replaced-by-dir"]
    {
        if kind.contains("locked")
            && let Err(why) = &can_lock
        {
            support::skip(kind, why);
            continue;
        }
        let started = Instant::now();
        version = 1 - version;
        site::set_version(&root, version);
        let probe = process::build(&root, &["-q"], Duration::from_secs(60));
        assert!(probe.succeeded(), "probe build: {}", probe.stderr);
        let span = started.elapsed();
        for _ in 0..wanted {
            version = 1 - version;
            let outcome = match kind {
                "output-file-replaced-by-dir" => replaced_by_dir(&root, version, &mut rng),
                _ => locked(&root, version, kind.ends_with("mid-build").then_some(span), &mut rng),
            };
            support::record(kind, outcome);
        }
    }
}

/// Locks a random directory of the outputs before the build (`during` is `None`) or at a
/// random moment within `during`, builds `version`, checks, unlocks, builds again.
fn locked(
    root: &Path,
    version: usize,
    during: Option<Duration>,
    rng: &mut Rng,
) -> Result<(), String> {
    let public = root.join("public");
    let dir = rng.pick(&site::dirs(&public)).clone();
    let rel = dir.strip_prefix(root).unwrap().display().to_string();
    let before = site::snapshot(&public);
    site::set_version(root, version);
    let mut command = process::host(&["build", "-q", "-j", "2"]);
    command.arg(root);
    let run = match during {
        None => {
            lock(&dir, true)?;
            process::run(command, Duration::from_secs(60))
        }
        Some(span) => {
            let watched = Watched::spawn(command, Duration::from_secs(60));
            std::thread::sleep(span.mul_f64(rng.fraction()));
            lock(&dir, true)?;
            watched.finish()
        }
    };
    let outputs = site::snapshot(&public);
    lock(&dir, false)?;
    let what = format!("{rel} locked{}", if during.is_some() { " mid-build" } else { "" });
    judge(&run, &rel, &outputs, &[&before, &site::clean_outputs()[version]], version)
        .map_err(|e| format!("{what}: {e}"))?;
    rebuilt(root, version).map_err(|e| format!("{what}, unlocked: {e}"))
}

/// Replaces a random output file with a directory holding a file of the user's, builds
/// `version`, checks that the user's file is still there, removes it, builds again.
fn replaced_by_dir(root: &Path, version: usize, rng: &mut Rng) -> Result<(), String> {
    let public = root.join("public");
    let file = rng.pick(&site::files(&public)).clone();
    let rel = file.strip_prefix(root).unwrap().display().to_string();
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    let mine = file.join("mine.txt");
    std::fs::write(&mine, "the user's").unwrap();
    let before = site::snapshot(&public);
    site::set_version(root, version);
    let run = process::build(root, &["-q"], Duration::from_secs(60));
    let outputs = site::snapshot(&public);
    let what = format!("{rel} replaced by a directory");
    if std::fs::read(&mine).ok().as_deref() != Some(b"the user's".as_slice()) {
        return Err(format!("{what}: the user's file in it is gone ({})", run.exit()));
    }
    judge(&run, &rel, &outputs, &[&before, &site::clean_outputs()[version]], version)
        .map_err(|e| format!("{what}: {e}"))?;
    std::fs::remove_dir_all(&file).unwrap();
    rebuilt(root, version).map_err(|e| format!("{what}, removed: {e}"))
}

/// The build ended by itself without a panic; if it failed, its error names `rel`; every
/// output is as in one of `allowed` (the tree before, or the clean build's).
fn judge(
    run: &Run,
    rel: &str,
    outputs: &Tree,
    allowed: &[&Tree],
    version: usize,
) -> Result<(), String> {
    if run.hung() || run.panicked() || run.status.is_some_and(|s| s.code().is_none()) {
        return Err(format!("the build: {}: {}", run.exit(), run.tail()));
    }
    if run.succeeded() {
        // Possible when nothing needed writing where the fault was (a build trusts its
        // records of what it wrote rather than looking at every output), or when the build
        // wrote there before the fault came: every output is the clean build's, except at
        // the fault, where each entry may also be as it was before the build (the user's
        // directory left alone, a locked file not written).
        let fault = Path::new(rel.strip_prefix("public/").unwrap_or(rel));
        let clean = &site::clean_outputs()[version];
        let before = allowed[0];
        let at_fault = |tree: &Tree| -> Tree {
            tree.iter()
                .filter(|(path, _)| path.starts_with(fault))
                .map(|(path, entry)| (path.clone(), entry.clone()))
                .collect()
        };
        let elsewhere = |tree: &Tree| -> Tree {
            tree.iter()
                .filter(|(path, _)| !path.starts_with(fault))
                .map(|(path, entry)| (path.clone(), entry.clone()))
                .collect()
        };
        site::compare(&elsewhere(clean), &elsewhere(outputs))?;
        let wrong: Vec<String> = at_fault(outputs)
            .iter()
            .filter(|(path, entry)| {
                clean.get(*path) != Some(*entry) && before.get(*path) != Some(*entry)
            })
            .map(|(path, _)| path.display().to_string())
            .collect();
        return if wrong.is_empty() {
            Ok(())
        } else {
            Err(format!("at the fault, neither as before nor as built: {wrong:?}"))
        };
    }
    if !run.stderr.contains(rel) {
        return Err(format!("the error does not name {rel}: {}", run.tail()));
    }
    let broken: Vec<String> = outputs
        .iter()
        .filter(|(path, entry)| !allowed.iter().any(|tree| tree.get(*path) == Some(entry)))
        .map(|(path, entry)| match entry {
            Entry::File(bytes) => format!("{} ({} bytes)", path.display(), bytes.len()),
            _ => path.display().to_string(),
        })
        .collect();
    if broken.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "outputs neither as they were nor as built (half written, left over): {broken:?}"
        ))
    }
}

/// The next build, with the fault gone, succeeds with a clean build's outputs.
fn rebuilt(root: &Path, version: usize) -> Result<(), String> {
    let next = process::build(root, &["-q"], Duration::from_secs(60));
    if !next.succeeded() || next.panicked() {
        return Err(format!("the next build: {}: {}", next.exit(), next.tail()));
    }
    site::compare(&site::clean_outputs()[version], &site::snapshot(&root.join("public")))
}

/// Whether directories can be locked here, and if not why (printed with the skipped kinds).
fn lock_works(probe: &Path) -> Result<(), String> {
    std::fs::create_dir_all(probe).unwrap();
    let locked = lock(probe, true).and_then(|()| {
        let refused = std::fs::write(probe.join("x"), "x").is_err();
        lock(probe, false)?;
        if refused { Ok(()) } else { Err("a locked directory still took a new file".into()) }
    });
    let _ = std::fs::remove_dir_all(probe);
    locked.map_err(|e| {
        if support::is_root() {
            format!("running as root, where permission bits do not stop writes, and chattr +i failed: {e}")
        } else {
            format!("a directory without write permission still took a file: {e}")
        }
    })
}

/// Locks (`on`) or unlocks a directory: immutable as root, without write permission otherwise.
fn lock(dir: &Path, on: bool) -> Result<(), String> {
    if support::is_root() {
        let status = Command::new("chattr")
            .arg(if on { "+i" } else { "-i" })
            .arg(dir)
            .status()
            .map_err(|e| format!("chattr: {e}"))?;
        return if status.success() {
            Ok(())
        } else {
            Err(format!("chattr on {}: {status}", dir.display()))
        };
    }
    use std::os::unix::fs::PermissionsExt;
    let mode = if on { 0o555 } else { 0o755 };
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode))
        .map_err(|e| format!("{}: {e}", dir.display()))
}
