//! What the tests of more than one part of the scan share.

use std::path::PathBuf;

/// A directory of its own (one per test thread) holding three `.md` files, two of them in
/// subdirectories, and a `.txt`.
pub(super) fn site() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "dodeca-scan-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("blog/deep")).unwrap();
    for (rel, text) in
        [("a.md", "a"), ("blog/b.md", "b"), ("blog/deep/c.md", "c"), ("blog/notes.txt", "t")]
    {
        std::fs::write(dir.join(rel), text).unwrap();
    }
    dir
}
