//! The site every family builds, its two versions, and whole output trees to compare.
//!
//! The site is the host's valid fixture (`host/tests/sites/valid`: sections, a nav through
//! callbacks, a shortcode, data, a static file, a draft, an internal link) with extra pages, so
//! that a build lasts long enough to be hit in each of its phases. Its two versions differ in
//! the base template (every page is rendered and written again) and one page's body, so a
//! build that switches versions rewrites every page.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use super::process;

/// Pages added to the fixture.
const EXTRA_PAGES: usize = 40;

/// The host's fixture site.
fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../host/tests/sites/valid")
}

/// Writes the site's sources, as `version` (0 or 1), into `root`.
pub fn write(root: &Path, version: usize) {
    copy_dir(&fixture(), root);
    for i in 0..EXTRA_PAGES {
        let text = format!(
            "+++\ntitle = \"Extra {i}\"\nweight = {}\n+++\n## Part {i}\n\nBody of page {i}, \
             with *emphasis*, a [link](https://example.com/{i}) and a list:\n\n- one\n- two\n",
            10 + i
        );
        let path = root.join(format!("content/docs/extra-{i}.md"));
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
    set_version(root, version);
}

/// Switches the site's sources at `root` to `version`.
pub fn set_version(root: &Path, version: usize) {
    let base = std::fs::read_to_string(fixture().join("templates/base.html")).unwrap();
    let page = std::fs::read_to_string(fixture().join("content/blog/second.md")).unwrap();
    let (base, page) = match version {
        0 => (base, page),
        _ => (
            base.replace("<footer>", "<footer>Changed. "),
            page.replace("Second body.", "Second body, changed."),
        ),
    };
    std::fs::write(root.join("templates/base.html"), base).unwrap();
    std::fs::write(root.join("content/blog/second.md"), page).unwrap();
}

/// An output tree: every file (its bytes), directory and link under a directory.
pub type Tree = BTreeMap<PathBuf, Entry>;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    File(Vec<u8>),
    Dir,
    Link(PathBuf),
}

/// The tree under `root` (empty if there is none), not following links.
pub fn snapshot(root: &Path) -> Tree {
    fn walk(dir: &Path, root: &Path, out: &mut Tree) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_symlink() {
                out.insert(rel, Entry::Link(std::fs::read_link(&path).unwrap_or_default()));
            } else if kind.is_dir() {
                out.insert(rel, Entry::Dir);
                walk(&path, root, out);
            } else {
                out.insert(rel, Entry::File(std::fs::read(&path).unwrap_or_default()));
            }
        }
    }
    let mut out = Tree::new();
    walk(root, root, &mut out);
    out
}

/// `Ok` when `actual` is `expected` entry for entry, else the paths that differ.
pub fn compare(expected: &Tree, actual: &Tree) -> Result<(), String> {
    let mut differ: Vec<String> = expected
        .iter()
        .filter(|(path, entry)| actual.get(*path) != Some(entry))
        .map(|(path, _)| {
            let how = if actual.contains_key(path) { "differs" } else { "missing" };
            format!("{} {how}", path.display())
        })
        .collect();
    differ.extend(
        actual
            .keys()
            .filter(|path| !expected.contains_key(*path))
            .map(|path| format!("{} extra", path.display())),
    );
    if differ.is_empty() {
        return Ok(());
    }
    let shown = differ.len().min(6);
    Err(format!(
        "{} paths differ from a clean build's: {}{}",
        differ.len(),
        differ[..shown].join(", "),
        if differ.len() > shown { ", …" } else { "" }
    ))
}

/// The outputs of a clean build of each version, built once per run (in `scratch`).
pub fn clean_outputs() -> &'static [Tree; 2] {
    static CLEAN: OnceLock<[Tree; 2]> = OnceLock::new();
    CLEAN.get_or_init(|| {
        let scratch = super::Scratch::new("clean");
        let built = [0, 1].map(|version| {
            let root = scratch.path.join(format!("v{version}"));
            write(&root, version);
            let run = process::build(&root, &["-q"], Duration::from_secs(120));
            assert!(run.succeeded(), "clean build of version {version}: {}", run.stderr);
            snapshot(&root.join("public"))
        });
        assert_ne!(built[0], built[1], "the two versions must differ");
        built
    })
}

/// A site of `version` at `root`, built once (so that `.cache/` holds a saved database and
/// `public/` the outputs).
pub fn built(root: &Path, version: usize) {
    write(root, version);
    let run = process::build(root, &["-q"], Duration::from_secs(120));
    assert!(run.succeeded(), "first build of {}: {}", root.display(), run.stderr);
}

/// Copies the tree `from` into `to` (created), overwriting files that exist.
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

/// Every file under `dir`, as paths (for picking one at random).
pub fn files(dir: &Path) -> Vec<PathBuf> {
    snapshot(dir)
        .into_iter()
        .filter(|(_, entry)| matches!(entry, Entry::File(_)))
        .map(|(path, _)| dir.join(path))
        .collect()
}

/// Every directory under `dir` (itself included).
pub fn dirs(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    out.extend(
        snapshot(dir)
            .into_iter()
            .filter(|(_, entry)| *entry == Entry::Dir)
            .map(|(path, _)| dir.join(path)),
    );
    out
}
