//! The CLI's figures: whole `dodeca-host build` processes, from start to exit, as a user runs
//! them one after another, each starting from what the last left in `.cache/`.
//!
//! In the same run, on the same site: the cold build with the cache (its saving included)
//! and without it (`--no-cache`: no database loaded or saved), alternately; then, after the
//! outputs of an edited build were checked byte for byte against a cold build of the same
//! sources, a no-op run and one-page body edits. Each figure is the median of its rounds.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Rounds of each cold build, and of the no-op and edit runs.
const COLD_ROUNDS: usize = 3;
const ROUNDS: usize = 5;

/// The CLI's figures for one site.
pub(crate) struct CliFigures {
    pub(crate) cold_ms: f64,
    pub(crate) cold_no_cache_ms: f64,
    pub(crate) noop_ms: f64,
    pub(crate) edit_ms: f64,
    pub(crate) edit_max_ms: f64,
    /// Outputs of the edited build that differ from a cold build's (0: identical).
    pub(crate) outputs_differ: usize,
}

/// Runs `dodeca-host build` on `dir` (with `extra` arguments); returns its wall time and
/// stdout.
fn run(host: &Path, dir: &Path, extra: &[&str]) -> (f64, String) {
    let t = Instant::now();
    let out = Command::new(host)
        .arg("build")
        .arg(dir)
        .args(extra)
        .env_remove("DODECA_PHASES")
        .output()
        .expect("run dodeca-host");
    let ms = t.elapsed().as_secs_f64() * 1e3;
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("warning"), "{stderr}");
    (ms, String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Removes what builds leave: the cache and the output.
fn forget(dir: &Path) {
    let _ = std::fs::remove_dir_all(dir.join(".cache"));
    let _ = std::fs::remove_dir_all(dir.join("public"));
}

/// Appends a line to page `page` of the synthetic site.
fn edit(dir: &Path, page: usize, sections: usize) {
    let path = dir.join(format!("content/section-{}/page-{page}.md", page % sections));
    let mut text = std::fs::read_to_string(&path).expect("read");
    text.push_str("\nA CLI edit.\n");
    std::fs::write(&path, text).expect("write");
}

/// The figures for the site in `dir` (N pages over `sections` sections), with the binary
/// `host`.
pub(crate) fn measure(host: &Path, dir: &Path, sections: usize) -> CliFigures {
    let mut cold = Vec::new();
    let mut cold_no_cache = Vec::new();
    // Alternately, the one with the cache last: its cache is what the runs below start from.
    for _ in 0..COLD_ROUNDS {
        forget(dir);
        cold_no_cache.push(run(host, dir, &["-q", "--no-cache"]).0);
        forget(dir);
        cold.push(run(host, dir, &["-q"]).0);
    }
    // Checked before timing: an edit in a new process writes what a cold build writes.
    edit(dir, 11, sections);
    run(host, dir, &["-q"]);
    let outputs_differ = compare_with_cold(host, dir);
    // Files written just before a scan are read again by the next (their stamps are not yet
    // trusted); a user's site is older than that.
    std::thread::sleep(Duration::from_millis(250));
    run(host, dir, &["-q"]);
    let mut noop = Vec::new();
    for _ in 0..ROUNDS {
        let (ms, out) = run(host, dir, &[]);
        assert!(out.contains(" 0 renders"), "{out}");
        noop.push(ms);
    }
    let mut edits = Vec::new();
    for round in 0..ROUNDS {
        edit(dir, 23 + 7 * round, sections);
        let (ms, out) = run(host, dir, &[]);
        assert!(out.contains(" 1 written") && out.contains(" 1 renders"), "{out}");
        edits.push(ms);
    }
    let edit_max_ms = edits.iter().copied().fold(0.0, f64::max);
    CliFigures {
        cold_ms: super::median(&mut cold),
        cold_no_cache_ms: super::median(&mut cold_no_cache),
        noop_ms: super::median(&mut noop),
        edit_ms: super::median(&mut edits),
        edit_max_ms,
        outputs_differ,
    }
}

/// Builds a copy of the sources of `dir` cold (no cache) and counts the output files that
/// differ from those in `dir/public`, byte for byte (a file missing on either side counts).
fn compare_with_cold(host: &Path, dir: &Path) -> usize {
    let reference = dir.with_extension("cold-reference");
    let _ = std::fs::remove_dir_all(&reference);
    for source in ["dodeca.toml", "content", "templates", "data", "static"] {
        let from = dir.join(source);
        if from.is_dir() {
            copy_dir(&from, &reference.join(source));
        } else if from.is_file() {
            std::fs::create_dir_all(&reference).expect("mkdir");
            std::fs::copy(&from, reference.join(source)).expect("copy");
        }
    }
    run(host, &reference, &["-q", "--no-cache"]);
    let mut built = Vec::new();
    files(&dir.join("public"), "", &mut built);
    let mut cold = Vec::new();
    files(&reference.join("public"), "", &mut cold);
    let mut differ = built.len().abs_diff(cold.len());
    for rel in &cold {
        let a = std::fs::read(dir.join("public").join(rel)).ok();
        let b = std::fs::read(reference.join("public").join(rel)).ok();
        if a.is_none() || a != b {
            differ += 1;
        }
    }
    let _ = std::fs::remove_dir_all(&reference);
    differ
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read_dir").flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// Every file under `dir`, relative, into `out`.
fn files(dir: &Path, prefix: &str, out: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            files(&entry.path(), &format!("{name}/"), out);
        } else {
            out.push(name);
        }
    }
}
