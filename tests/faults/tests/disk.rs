//! A full disk: a small tmpfs, mounted by the suite (root only; skipped with a message
//! otherwise), filled to a random few kilobytes before a build that rewrites every page. Either
//! the output directory alone is on it, or the whole site with its cache. The build must fail
//! with an error naming the path it could not write (or succeed, if the space sufficed), leave
//! every output either as it was or as the new build has it (never half written, no leftover
//! temporary file), and build correctly once space is freed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::support::process::{self, Run};
use crate::support::site::{self, Entry, Tree};
use crate::support::{self, Rng, Scratch};

/// The tmpfs's size: the site with its cache and outputs needs about 600 KB there (4 KB
/// pages), so a rewrite of every page needs more than a megabyte's headroom.
const TMPFS_BYTES: usize = 4 << 20;

pub fn run() {
    let kinds = ["disk-full-outputs", "disk-full-site-and-cache"];
    if !support::is_root() {
        for kind in kinds {
            support::skip(kind, "mounting a tmpfs needs root");
        }
        return;
    }
    let mut rng = Rng::for_family("disk-full");
    let scratch = Scratch::new("disk-full");
    let wanted = support::injections(2, 50);
    for (k, kind) in kinds.iter().enumerate() {
        for n in 0..wanted {
            let mount = scratch.path.join(format!("mnt-{k}-{n}"));
            let Some(_tmpfs) = Tmpfs::mount(&mount, TMPFS_BYTES) else {
                support::skip(kind, "mount -t tmpfs failed (no permission in this container?)");
                return;
            };
            let whole_site = k == 1;
            let root = if whole_site {
                mount.join("site")
            } else {
                scratch.path.join(format!("site-{n}"))
            };
            let out = mount.join("public");
            let outcome = inject(&root, &out, &mount, &mut rng);
            support::record(kind, outcome);
            if !whole_site {
                let _ = std::fs::remove_dir_all(&root);
            }
        }
    }
}

fn inject(root: &Path, out: &Path, mount: &Path, rng: &mut Rng) -> Result<(), String> {
    let clean = site::clean_outputs();
    let out_arg = out.to_str().unwrap();
    site::write(root, 0);
    let first = process::build(root, &["-q", "-o", out_arg], Duration::from_secs(60));
    if !first.succeeded() {
        return Err(format!("the first build, with space: {}", first.tail()));
    }
    // The new version's sources first: on the tmpfs too, they need space to be written.
    site::set_version(root, 1);
    // Leave a random few kilobytes: less than rewriting every page needs.
    let filler = mount.join("filler");
    fill(&filler);
    let free = 4096 * rng.below(16);
    let size = std::fs::metadata(&filler).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&filler)
        .and_then(|f| f.set_len(size.saturating_sub(free as u64)))
        .unwrap();
    let full = process::build(root, &["-q", "-o", out_arg], Duration::from_secs(60));
    let what = format!("with {free} bytes free");
    let outputs = site::snapshot(out);
    if full.succeeded() {
        site::compare(&clean[1], &outputs)
            .map_err(|e| format!("{what}, a build that succeeded: {e}"))?;
    } else {
        clear_failure(&full, out).map_err(|e| format!("{what}: {e}"))?;
        intact(&outputs, clean).map_err(|e| format!("{what}: {e}"))?;
    }
    std::fs::remove_file(&filler).unwrap();
    let next = process::build(root, &["-q", "-o", out_arg], Duration::from_secs(60));
    if !next.succeeded() || next.panicked() {
        return Err(format!(
            "{what}, the build once space was freed: {}: {}",
            next.exit(),
            next.tail()
        ));
    }
    site::compare(&clean[1], &site::snapshot(out)).map_err(|e| format!("{what}, once freed: {e}"))
}

/// The build ended by itself, without a panic, saying the disk is full and naming a path on it.
fn clear_failure(run: &Run, out: &Path) -> Result<(), String> {
    if run.hung() || run.panicked() || run.status.is_some_and(|s| s.code().is_none()) {
        return Err(format!("the build on a full disk: {}: {}", run.exit(), run.tail()));
    }
    let mount = out.parent().unwrap().display().to_string();
    if !run.stderr.contains("No space left on device") || !run.stderr.contains(&mount) {
        return Err(format!(
            "the error does not say the disk is full and name the path: {}",
            run.tail()
        ));
    }
    Ok(())
}

/// Every output is one of the two versions' whole file: the old one kept, or the new one
/// written; nothing else (a part of a file, a temporary file) is there.
fn intact(outputs: &Tree, clean: &[Tree; 2]) -> Result<(), String> {
    let broken: Vec<String> = outputs
        .iter()
        .filter(|(path, entry)| {
            clean[0].get(*path) != Some(entry) && clean[1].get(*path) != Some(entry)
        })
        .map(|(path, entry)| match entry {
            Entry::File(bytes) => format!("{} ({} bytes)", path.display(), bytes.len()),
            _ => path.display().to_string(),
        })
        .collect();
    let missing: Vec<String> = clean[0]
        .keys()
        .filter(|path| !outputs.contains_key(*path))
        .map(|path| path.display().to_string())
        .collect();
    if broken.is_empty() && missing.is_empty() {
        return Ok(());
    }
    Err(format!(
        "outputs neither old nor new (half written, or left over): {broken:?}; previous outputs \
         lost: {missing:?}"
    ))
}

/// Writes `path` until the file system is full.
fn fill(path: &Path) {
    use std::io::Write;
    let mut file = std::fs::File::create(path).unwrap();
    let block = vec![0u8; 64 << 10];
    while file.write_all(&block).is_ok() {}
    let _ = file.sync_all();
}

/// A tmpfs mounted for one injection, unmounted (lazily: a process may still hold it) on drop.
struct Tmpfs {
    at: PathBuf,
}

impl Tmpfs {
    fn mount(at: &Path, bytes: usize) -> Option<Tmpfs> {
        std::fs::create_dir_all(at).ok()?;
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(at)
            .status()
            .ok()?;
        status.success().then(|| Tmpfs { at: at.to_path_buf() })
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.at).status();
        let _ = std::fs::remove_dir(&self.at);
    }
}
