//! Shared by the host's tests: the cell binaries, the fixture sites of `tests/sites/`, running
//! `dodeca-host`, scratch directories, and snapshots of a directory tree to tell exactly which
//! files a command wrote or removed. Submodules: an HTTP client (`client`), `dodeca-host serve`
//! as a child process (`server`), and a headless browser (`browser`, with the little JSON its
//! protocol needs in `json`).
#![allow(dead_code)]

pub mod browser;
pub mod client;
pub mod json;
pub mod server;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Once;

/// The directory of the cell binaries: next to the test binaries (`target/debug`), built on
/// demand, once per test binary, so that `cargo test -p host` alone works.
pub fn cell_dir() -> PathBuf {
    static BUILD: Once = Once::new();
    let exe = std::env::current_exe().expect("the test binary's path");
    // `target/debug/deps/<test>` -> `target/debug`.
    let dir = exe.parent().and_then(Path::parent).expect("the target directory").to_path_buf();
    BUILD.call_once(|| {
        let cells = [
            "cell-template",
            "cell-markdown",
            "cell-sass",
            "cell-http",
            "cell-image",
            "cell-search",
            "cell-data",
            "cell-minify",
        ];
        // Built (brought up to date) once per test process, not only when missing: `cargo
        // test` does not rebuild another package's binaries, so a cell edited since its last
        // build would otherwise be tested as it was. Up to date, this takes a fifth of a
        // second.
        let mut args = vec!["build", "-q"];
        if dir.file_name().is_some_and(|name| name == "release") {
            args.push("--release");
        }
        for cell in cells {
            args.extend(["-p", cell]);
        }
        let status = Command::new(env!("CARGO")).args(&args).status().expect("run cargo");
        assert!(status.success(), "building the cells failed");
        for cell in cells {
            assert!(dir.join(cell).is_file(), "no {cell} in {} after building it", dir.display());
        }
    });
    dir
}

/// The test cells, with the template cell's memo of reads on or off
/// ([`host::Cells::without_read_memo`]).
pub fn cells(read_memo: bool) -> host::Cells {
    let cells = host::Cells::in_dirs(vec![cell_dir()]);
    if read_memo { cells } else { cells.without_read_memo() }
}

/// Kills a cell process (SIGKILL), as a crash would.
pub fn kill(pid: u32) {
    unsafe extern "C" {
        fn kill(pid: i32, signal: i32) -> i32;
    }
    // SAFETY: kill(2) has no memory-safety preconditions; `pid` is a cell this test started.
    let result = unsafe { kill(pid as i32, 9) };
    assert_eq!(result, 0, "kill {pid}");
}

/// The fixture site (or overlay) `name`, under `host/tests/sites/` (see its README).
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sites").join(name)
}

/// Copies the fixture sites `layers` into `root`, in order: the first is a whole site, each
/// next one an overlay whose files replace or add to those before. Tests build the copy,
/// never the fixture itself.
pub fn copy_fixture(layers: &[&str], root: &Path) {
    for layer in layers {
        let source = fixture(layer);
        assert!(source.is_dir(), "no fixture {}", source.display());
        copy_dir(&source, root);
    }
}

/// Copies the directory tree `from` into `to` (created), overwriting files that exist.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("{}: {e}", to.display()));
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| {
                panic!("{} -> {}: {e}", entry.path().display(), target.display())
            });
        }
    }
}

/// The files under `dir` (not directories), as sorted paths relative to it with `/`.
pub fn files(dir: &Path) -> Vec<String> {
    snapshot(dir)
        .into_iter()
        .filter(|(_, content)| content != "/")
        .map(|(path, _)| path.to_string_lossy().into_owned())
        .collect()
}

/// Asserts that the outputs of the site at `root` are exactly (every file and directory, byte
/// for byte) those of a cold build of its sources, copied to `scratch` and built by a new
/// site, with no errors: an edit an incremental build missed (a page not rendered that should
/// have been, an output not removed) shows here even where its report could not tell.
#[track_caller]
pub fn assert_outputs_match_a_cold_build(root: &Path, scratch: &Path, read_memo: bool) {
    cold_build_matches(root, scratch, read_memo, |_| {});
}

/// [`assert_outputs_match_a_cold_build`] of a site built with a setting (`configure` is
/// given the new site before its build: `set_drafts`, ...).
#[track_caller]
pub fn assert_outputs_match_a_cold_build_with(
    root: &Path,
    scratch: &Path,
    configure: impl FnOnce(&mut host::Site),
) {
    cold_build_matches(root, scratch, true, configure);
}

#[track_caller]
fn cold_build_matches(
    root: &Path,
    scratch: &Path,
    read_memo: bool,
    configure: impl FnOnce(&mut host::Site),
) {
    std::fs::create_dir_all(scratch).unwrap();
    for source in
        ["config.toml", "dodeca.toml", "content", "templates", "data", "static", "sass", "themes"]
    {
        let from = root.join(source);
        if from.is_dir() {
            copy_dir(&from, &scratch.join(source));
        } else if from.is_file() {
            std::fs::copy(&from, scratch.join(source)).unwrap();
        }
    }
    let mut site = host::Site::open_with(scratch, cells(read_memo)).expect("open the copy");
    configure(&mut site);
    let report = site.build(2).expect("cold build");
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    drop(site);
    let expected = snapshot(&scratch.join("public"));
    let actual = snapshot(&root.join("public"));
    let differ = changed(&expected, &actual);
    assert!(
        differ.is_empty(),
        "outputs that differ from a cold build's (path, cold, incremental): {:#?}",
        differ.iter().map(|p| (p, expected.get(p), actual.get(p))).collect::<Vec<_>>()
    );
    let _ = std::fs::remove_dir_all(scratch);
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

/// Removes a test's scratch directory when it passed; keeps it (and says where) when it is
/// failing, to look at.
pub fn remove_unless_failing(sandbox: &Path) {
    if std::thread::panicking() {
        eprintln!("kept {}", sandbox.display());
        return;
    }
    let _ = std::fs::remove_dir_all(sandbox);
}

/// A copy of the valid fixture in a fresh sandbox, built once by the binary (`build -q`), so
/// that its `.cache/` holds a saved database. Returns the sandbox and the site's root.
pub fn built_fixture(name: &str) -> (PathBuf, PathBuf) {
    let sandbox = temp(name);
    let root = sandbox.join("site");
    copy_fixture(&["valid"], &root);
    let out = host().args(["build", "-q"]).arg(&root).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    (sandbox, root)
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

/// The output file `rel` of the site at `root` (under `public/`), as text; a test failure
/// naming it when it cannot be read.
pub fn read_output(root: &Path, rel: &str) -> String {
    std::fs::read_to_string(root.join("public").join(rel))
        .unwrap_or_else(|e| panic!("public/{rel}: {e}"))
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
