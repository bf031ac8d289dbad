//! Shared by the binary's tests: running `dodeca-host`, scratch directories, and snapshots of
//! a directory tree to tell exactly which files a command wrote or removed.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The directory of the cell binaries: next to the test binaries (built on demand, once).
pub fn cell_dir() -> PathBuf {
    static BUILD: std::sync::Once = std::sync::Once::new();
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|d| d.parent()).unwrap().to_path_buf();
    BUILD.call_once(|| {
        if !dir.join("cell-template").is_file() || !dir.join("cell-markdown").is_file() {
            let status = Command::new(env!("CARGO"))
                .args(["build", "-q", "-p", "cell-template", "-p", "cell-markdown"])
                .status()
                .unwrap();
            assert!(status.success());
        }
    });
    dir
}

/// `dodeca-host`, with the cells next to the test binaries.
pub fn host() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_dodeca-host"));
    command.env("DODECA_CELL_PATH", cell_dir());
    command
}

/// The site at `root`, opened in this process with the test cells.
pub fn open(root: &Path) -> host::Site {
    host::Site::open_with(root, host::Cells::in_dirs(vec![cell_dir()])).unwrap()
}

/// Runs `dodeca-host` with `args` in `cwd`.
pub fn run(cwd: &Path, args: &[&str]) -> Output {
    host().current_dir(cwd).args(args).output().unwrap()
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A fresh, empty scratch directory for one test.
pub fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dodeca-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.canonicalize().unwrap()
}

/// Writes `text` to `root/rel`, making its directories.
pub fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Every file, directory and link under `root` (not following links), with its content (files),
/// target (links) or nothing (directories).
pub fn snapshot(root: &Path) -> BTreeMap<PathBuf, String> {
    let mut out = BTreeMap::new();
    fn walk(dir: &Path, root: &Path, out: &mut BTreeMap<PathBuf, String>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            let kind = entry.file_type().unwrap();
            if kind.is_symlink() {
                out.insert(rel, format!("-> {}", std::fs::read_link(&path).unwrap().display()));
            } else if kind.is_dir() {
                out.insert(rel, "/".into());
                walk(&path, root, out);
            } else {
                out.insert(rel, String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into());
            }
        }
    }
    walk(root, root, &mut out);
    out
}

/// The paths that differ between two snapshots (added, removed or changed).
pub fn changed(
    before: &BTreeMap<PathBuf, String>,
    after: &BTreeMap<PathBuf, String>,
) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = before
        .iter()
        .filter(|(path, content)| after.get(*path) != Some(content))
        .map(|(path, _)| path.clone())
        .collect();
    paths.extend(after.keys().filter(|path| !before.contains_key(*path)).cloned());
    paths.sort();
    paths
}

/// A small site in `root`: config, a home page, a post, templates.
pub fn site(root: &Path) {
    write(root, "dodeca.toml", "title = \"T\"\nbase_url = \"https://t.example\"\n");
    write(root, "content/_index.md", "+++\ntitle = \"Home\"\n+++\nWelcome.\n");
    write(root, "content/posts/_index.md", "+++\ntitle = \"Posts\"\n+++\n");
    write(root, "content/posts/hello.md", "+++\ntitle = \"Hello\"\n+++\nHello there.\n");
    write(root, "templates/index.html", "home:{{ section.content | safe }}");
    write(root, "templates/section.html", "section:{{ section.title }}");
    write(root, "templates/page.html", "page:{{ page.title }}:{{ page.content | safe }}");
    write(root, "static/robots.txt", "User-agent: *\n");
}
