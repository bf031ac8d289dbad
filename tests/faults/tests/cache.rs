//! Damaged cache files: `dodeca.bin`, `cas.db`, `cas.version` and a blob of `blobs/`, each
//! truncated, flipped in a few bits, or replaced by another file's bytes, before a build that
//! switches the site's version. The build must warn and write exactly what a clean build
//! writes. A damaged blob is read only when its static file is copied out again, so the
//! outputs holding its bytes are removed with it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::process;
use crate::support::{self, Rng, Scratch, site};

const FILES: [&str; 4] = ["dodeca.bin", "cas.db", "cas.version", "blob"];
const DAMAGE: [&str; 3] = ["truncated", "bit-flipped", "replaced"];

pub fn run() {
    let mut rng = Rng::for_family("cache");
    let scratch = Scratch::new("cache");
    let root = scratch.path.join("site");
    let mut version = 0;
    site::built(&root, version);
    let wanted = support::injections(2, 50);
    for file in FILES {
        for damage in DAMAGE {
            let kind = format!("cache-{file}-{damage}");
            for _ in 0..wanted {
                version = 1 - version;
                let outcome = inject(&root, file, damage, version, &mut rng);
                support::record(&kind, outcome);
            }
        }
    }
}

/// Damages `file` as `damage` says, switches to `version`, builds, and checks.
fn inject(
    root: &Path,
    file: &str,
    damage: &str,
    version: usize,
    rng: &mut Rng,
) -> Result<(), String> {
    let cache = root.join(".cache");
    let path = match file {
        "blob" => {
            let blobs = site::files(&cache.join("blobs"));
            let blob = rng.pick(&blobs).clone();
            // The outputs that are this blob's bytes: gone, so that the build reads the blob.
            let bytes = std::fs::read(&blob).unwrap();
            for output in site::files(&root.join("public")) {
                if std::fs::read(&output).is_ok_and(|b| b == bytes) {
                    std::fs::remove_file(output).unwrap();
                }
            }
            blob
        }
        name => cache.join(name),
    };
    let what = format!("{} {damage}", path.strip_prefix(root).unwrap().display());
    let before = std::fs::read(&path).unwrap_or_default();
    damage_file(&path, damage, &cache, rng)?;
    // A damage that leaves the meaning (`cas 1` without its newline is still `cas 1`) needs
    // no warning; the outputs are checked all the same.
    let same_meaning =
        std::fs::read(&path).is_ok_and(|b| b.trim_ascii_end() == before.trim_ascii_end());
    site::set_version(root, version);
    let run = process::build(root, &[], Duration::from_secs(60));
    if run.hung() || run.panicked() || !run.succeeded() {
        return Err(format!("{what}: the build: {}: {}", run.exit(), run.tail()));
    }
    if !same_meaning && !run.stderr.contains("warning") {
        return Err(format!("{what}: the build did not warn: {}", run.tail()));
    }
    site::compare(&site::clean_outputs()[version], &site::snapshot(&root.join("public")))
        .map_err(|e| format!("{what}: {e}"))
}

/// Truncates `path` to a random shorter length, flips a few random bits in it, or replaces
/// it with another cache file's bytes.
fn damage_file(path: &Path, damage: &str, cache: &Path, rng: &mut Rng) -> Result<(), String> {
    let mut bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.is_empty() {
        return Err(format!("{} is empty: nothing to damage", path.display()));
    }
    match damage {
        "truncated" => bytes.truncate(rng.below(bytes.len())),
        "bit-flipped" => {
            for _ in 0..1 + rng.below(8) {
                let at = rng.below(bytes.len());
                bytes[at] ^= 1 << rng.below(8);
            }
        }
        _ => bytes = std::fs::read(other_file(path, cache, rng)).unwrap(),
    }
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

/// Another cache file whose bytes differ from `path`'s, to put in its place: another blob for
/// a blob, else any other file of `.cache/` (a well-formed file of the wrong kind).
fn other_file(path: &Path, cache: &Path, rng: &mut Rng) -> PathBuf {
    let own = std::fs::read(path).unwrap();
    let differs =
        |p: &PathBuf| p != path && std::fs::read(p).is_ok_and(|b| b != own && !b.is_empty());
    let blobs: Vec<PathBuf> =
        site::files(&cache.join("blobs")).into_iter().filter(differs).collect();
    if path.starts_with(cache.join("blobs")) && !blobs.is_empty() {
        return rng.pick(&blobs).clone();
    }
    let others: Vec<PathBuf> =
        ["dodeca.bin", "cas.db", "cas.version", "dodeca.version", "dodeca.scan"]
            .iter()
            .map(|name| cache.join(name))
            .filter(differs)
            .collect();
    rng.pick(&others).clone()
}
