//! The source watcher against real files and real inotify: each editor's save pattern ends in
//! one batch naming exactly the saved file; new directories are followed, removed ones
//! forgotten; editors' files are never reported; a queue overflow asks for a rescan and the
//! watches are renewed; a `git checkout` of 200 files names exactly those files.
//!
//! No assertion is about time. A batch ends after a quiet period, so these tests use a long
//! one (150 ms, where the default is 8 ms) to keep each save's events in one batch on a loaded
//! machine. "Nothing else was reported" is shown without waiting: a sentinel file is written
//! after the operation, and the next batch must name the sentinel alone. Every test runs under
//! a watchdog that aborts the process if it hangs, and every wait has a timeout.

use std::collections::BTreeSet;
use std::os::fd::IntoRawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use host::watch::{ChangeBatch, ChangeKind, SourceWatcher, WatchError};

/// Aborts the test process if the test holding it has not finished within two minutes.
struct Watchdog(#[allow(dead_code)] mpsc::Sender<()>);

fn watchdog(test: &'static str) -> Watchdog {
    let (done, finished) = mpsc::channel::<()>();
    std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) =
            finished.recv_timeout(Duration::from_secs(120))
        {
            eprintln!("watchdog: {test} hung for two minutes");
            std::process::abort();
        }
    });
    Watchdog(done)
}

/// A scratch directory of this test's own.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dodeca-watch-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// A small site in `scratch/site`: a page, a template, a static file, a data file, the config.
fn site(test: &str) -> PathBuf {
    let root = scratch(test).join("site");
    for (rel, text) in [
        ("dodeca.toml", "title = \"t\"\n"),
        ("content/_index.md", "+++\ntitle = \"home\"\n+++\n"),
        ("content/blog/post.md", "+++\ntitle = \"post\"\n+++\nbody\n"),
        ("templates/page.html", "{{ page.content }}"),
        ("static/style.css", "body {}"),
        ("data/authors.toml", "name = \"a\"\n"),
    ] {
        write(&root.join(rel), text);
    }
    root
}

fn watcher(root: &Path) -> SourceWatcher {
    let watcher = SourceWatcher::builder(root)
        .quiet(Duration::from_millis(150))
        .max_delay(Duration::from_secs(5))
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(watcher.startup_problems().is_empty(), "{:?}", watcher.startup_problems());
    watcher
}

/// The next batch, which must come within 30 s.
fn next(watcher: &mut SourceWatcher) -> ChangeBatch {
    watcher.next_batch(Duration::from_secs(30)).unwrap().expect("a batch within 30 s")
}

/// The next batch's changes, as `changed content/a.md` / `removed content/old/` lines; it must
/// have no problems and not ask for a rescan.
fn changes(watcher: &mut SourceWatcher) -> Vec<String> {
    let batch = next(watcher);
    assert!(batch.problems.is_empty(), "{:?}", batch.problems);
    assert!(!batch.rescan_all);
    batch.changes.iter().map(ToString::to_string).collect()
}

/// Writes `content/sentinel-N.md` and checks that the next batch names it alone: nothing
/// written before it was reported, nor is still waiting to be.
fn nothing_else(watcher: &mut SourceWatcher, root: &Path) {
    static SENTINELS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = SENTINELS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("content/sentinel-{n}.md");
    write(&root.join(&name), "s");
    assert_eq!(changes(watcher), [format!("changed {name}")]);
}

fn remove(root: &Path) {
    std::fs::remove_dir_all(root.parent().unwrap()).unwrap();
}

#[test]
fn a_write_in_place_is_one_change() {
    let _watchdog = watchdog("write in place");
    let root = site("in-place");
    let mut watcher = watcher(&root);
    write(&root.join("content/blog/post.md"), "edited");
    assert_eq!(changes(&mut watcher), ["changed content/blog/post.md"]);
    // Appending (open, write, close without truncating) and touching are changes too.
    std::fs::OpenOptions::new()
        .append(true)
        .open(root.join("static/style.css"))
        .and_then(|mut file| std::io::Write::write_all(&mut file, b"\np {}"))
        .unwrap();
    assert_eq!(changes(&mut watcher), ["changed static/style.css"]);
    let file = std::fs::File::options().write(true).open(root.join("templates/page.html")).unwrap();
    file.set_modified(std::time::SystemTime::UNIX_EPOCH).unwrap();
    drop(file);
    assert_eq!(changes(&mut watcher), ["changed templates/page.html"]);
    nothing_else(&mut watcher, &root);
    remove(&root);
}

#[test]
fn a_temporary_file_renamed_over_is_a_change_of_the_real_name() {
    let _watchdog = watchdog("rename over");
    let root = site("rename-over");
    let mut watcher = watcher(&root);
    // As most editors save (VS Code, gedit, Emacs with `file-precious-flag`, atomic writers):
    // a temporary name beside the file, then a rename over it.
    for temporary in ["content/blog/.post.md.tmp1234", "content/blog/post.md.tmp", "content/x~"] {
        write(&root.join(temporary), "saved");
        std::fs::rename(root.join(temporary), root.join("content/blog/post.md")).unwrap();
        assert_eq!(changes(&mut watcher), ["changed content/blog/post.md"], "{temporary}");
    }
    // A rename of one real file onto another: one is gone, the other changed.
    std::fs::rename(root.join("content/_index.md"), root.join("content/blog/post.md")).unwrap();
    assert_eq!(
        changes(&mut watcher),
        ["removed content/_index.md", "changed content/blog/post.md"]
    );
    nothing_else(&mut watcher, &root);
    remove(&root);
}

#[test]
fn delete_then_create_is_one_change() {
    let _watchdog = watchdog("delete then create");
    let root = site("delete-create");
    let mut watcher = watcher(&root);
    std::fs::remove_file(root.join("data/authors.toml")).unwrap();
    write(&root.join("data/authors.toml"), "name = \"b\"\n");
    assert_eq!(changes(&mut watcher), ["changed data/authors.toml"]);
    nothing_else(&mut watcher, &root);
    remove(&root);
}

#[test]
fn vims_backup_dance_is_one_change() {
    let _watchdog = watchdog("vim");
    let root = site("vim");
    let mut watcher = watcher(&root);
    let dir = root.join("content/blog");
    // Opening the file: the swap file, written as the user types.
    write(&dir.join(".post.md.swp"), "swap");
    write(&dir.join(".post.md.swx"), "probe");
    std::fs::remove_file(dir.join(".post.md.swx")).unwrap();
    nothing_else(&mut watcher, &root);
    // `:w` with `backupcopy=no` (vim's `bufwrite.c`): the probe that the directory is
    // writable, the original renamed to the backup, the new file written, the backup deleted.
    write(&dir.join("4913"), "");
    std::fs::remove_file(dir.join("4913")).unwrap();
    std::fs::rename(dir.join("post.md"), dir.join("post.md~")).unwrap();
    write(&dir.join("post.md"), "+++\ntitle = \"vim\"\n+++\n");
    std::fs::remove_file(dir.join("post.md~")).unwrap();
    write(&dir.join(".post.md.swp"), "swap again");
    assert_eq!(changes(&mut watcher), ["changed content/blog/post.md"]);
    // With `backup` set the backup stays; quitting removes the swap file: neither is reported.
    std::fs::rename(dir.join("post.md"), dir.join("post.md~")).unwrap();
    write(&dir.join("post.md"), "+++\ntitle = \"vim again\"\n+++\n");
    assert_eq!(changes(&mut watcher), ["changed content/blog/post.md"]);
    std::fs::remove_file(dir.join(".post.md.swp")).unwrap();
    nothing_else(&mut watcher, &root);
    remove(&root);
}

#[test]
fn editor_files_are_never_reported() {
    let _watchdog = watchdog("editor files");
    let root = site("editor-files");
    let mut watcher = watcher(&root);
    let content = root.join("content");
    for name in [".a.md.swp", ".a.md.swx", "a.md~", "#a.md#", ".a.md.kate-swp"] {
        write(&content.join(name), "x");
    }
    // Emacs' lock: a dangling symbolic link.
    std::os::unix::fs::symlink("user@host.1234:1700000000", content.join(".#a.md")).unwrap();
    // A temporary file created and renamed away (out of the site), or deleted.
    write(&content.join("draft.tmp"), "x");
    std::fs::rename(content.join("draft.tmp"), root.parent().unwrap().join("draft.tmp")).unwrap();
    write(&content.join("other.tmp"), "x");
    std::fs::remove_file(content.join("other.tmp")).unwrap();
    // At the site's root, nothing but the config file and the top directories.
    write(&root.join("notes.txt"), "x");
    std::fs::create_dir(root.join("public")).unwrap();
    write(&root.join("public/index.html"), "x");
    nothing_else(&mut watcher, &root);
    remove(&root);
}

#[test]
fn new_nested_directories_are_followed() {
    let _watchdog = watchdog("nested directories");
    let root = site("nested");
    let mut watcher = watcher(&root);
    // Made and written at once: the file lands before the watch of `c` can exist, and is
    // found by listing `c` once it is watched.
    write(&root.join("content/a/b/c/x.md"), "x");
    assert_eq!(
        changes(&mut watcher),
        [
            "changed content/a/",
            "changed content/a/b/",
            "changed content/a/b/c/",
            "changed content/a/b/c/x.md"
        ]
    );
    write(&root.join("content/a/b/c/y.md"), "y");
    assert_eq!(changes(&mut watcher), ["changed content/a/b/c/y.md"]);
    // A directory made and removed again within one batch leaves nothing.
    write(&root.join("static/gone/deep/f.css"), "x");
    std::fs::remove_dir_all(root.join("static/gone")).unwrap();
    nothing_else(&mut watcher, &root);
    assert_eq!(watcher.watched_directories(), 9, "the site, 4 top, blog, a, a/b, a/b/c; not gone");
    remove(&root);
}

#[test]
fn a_directory_moved_in_is_listed_and_one_moved_out_is_forgotten() {
    let _watchdog = watchdog("moved directories");
    let root = site("moved");
    let outside = root.parent().unwrap().join("outside");
    write(&outside.join("section/_index.md"), "s");
    write(&outside.join("section/deep/page.md"), "p");
    let mut watcher = watcher(&root);
    std::fs::rename(outside.join("section"), root.join("content/section")).unwrap();
    assert_eq!(
        changes(&mut watcher),
        [
            "changed content/section/",
            "changed content/section/_index.md",
            "changed content/section/deep/",
            "changed content/section/deep/page.md"
        ]
    );
    write(&root.join("content/section/deep/new.md"), "n");
    assert_eq!(changes(&mut watcher), ["changed content/section/deep/new.md"]);
    // Renamed within the site: one name gone, the other listed.
    std::fs::rename(root.join("content/section"), root.join("content/renamed")).unwrap();
    let batch = changes(&mut watcher);
    assert_eq!(batch[0], "changed content/renamed/");
    assert_eq!(batch.last().unwrap(), "removed content/section/");
    assert_eq!(batch.len(), 6, "{batch:?}");
    // Moved out: reported, and no longer watched.
    std::fs::rename(root.join("content/renamed"), outside.join("back")).unwrap();
    assert_eq!(changes(&mut watcher), ["removed content/renamed/"]);
    write(&outside.join("back/deep/after.md"), "a");
    nothing_else(&mut watcher, &root);
    remove(&root);
}

#[test]
fn deletions_of_files_and_directories_are_reported() {
    let _watchdog = watchdog("deletions");
    let root = site("deletions");
    let mut watcher = watcher(&root);
    std::fs::remove_file(root.join("content/_index.md")).unwrap();
    assert_eq!(changes(&mut watcher), ["removed content/_index.md"]);
    std::fs::remove_dir_all(root.join("content/blog")).unwrap();
    assert_eq!(changes(&mut watcher), ["removed content/blog/", "removed content/blog/post.md"]);
    // A whole top directory, then made again: watched again.
    std::fs::remove_dir_all(root.join("static")).unwrap();
    assert_eq!(changes(&mut watcher), ["removed static/", "removed static/style.css"]);
    write(&root.join("static/new.css"), "x");
    assert_eq!(changes(&mut watcher), ["changed static/", "changed static/new.css"]);
    write(&root.join("static/new.css"), "y");
    assert_eq!(changes(&mut watcher), ["changed static/new.css"]);
    nothing_else(&mut watcher, &root);
    remove(&root);
}

#[test]
fn the_config_file_and_top_directories_made_later_are_watched() {
    let _watchdog = watchdog("config");
    let root = site("config");
    std::fs::remove_dir_all(root.join("data")).unwrap();
    let mut watcher = watcher(&root);
    write(&root.join("dodeca.toml"), "title = \"new\"\n");
    assert_eq!(changes(&mut watcher), ["changed dodeca.toml"]);
    // Saved by vim at the root: the backup and the probe are not reported.
    write(&root.join("4913"), "");
    std::fs::remove_file(root.join("4913")).unwrap();
    std::fs::rename(root.join("dodeca.toml"), root.join("dodeca.toml~")).unwrap();
    write(&root.join("dodeca.toml"), "title = \"vim\"\n");
    std::fs::remove_file(root.join("dodeca.toml~")).unwrap();
    assert_eq!(changes(&mut watcher), ["changed dodeca.toml"]);
    // Zola's name, and the name given to the builder.
    write(&root.join("config.toml"), "base_url = \"/\"\n");
    assert_eq!(changes(&mut watcher), ["changed config.toml"]);
    let mut named = SourceWatcher::builder(&root)
        .config_file("site.toml")
        .quiet(Duration::from_millis(150))
        .build()
        .unwrap();
    write(&root.join("site.toml"), "x");
    assert_eq!(changes(&mut named), ["changed site.toml"]);
    nothing_else(&mut watcher, &root);
    // `data/` made after the watcher started: watched from then on.
    write(&root.join("data/nav.toml"), "x = 1\n");
    assert_eq!(changes(&mut watcher), ["changed data/", "changed data/nav.toml"]);
    write(&root.join("data/nav.toml"), "x = 2\n");
    assert_eq!(changes(&mut watcher), ["changed data/nav.toml"]);
    nothing_else(&mut watcher, &root);
    remove(&root);
}

#[test]
fn a_themes_templates_static_files_and_theme_toml_are_watched() {
    let _watchdog = watchdog("themes");
    let root = site("themes");
    write(&root.join("themes/t/theme.toml"), "[extra]\n");
    write(&root.join("themes/t/templates/page.html"), "theme page");
    write(&root.join("themes/t/static/css/t.css"), "a {}");
    let mut watcher = watcher(&root);
    write(&root.join("themes/t/templates/page.html"), "theme page 2");
    assert_eq!(changes(&mut watcher), ["changed themes/t/templates/page.html"]);
    write(&root.join("themes/t/static/css/t.css"), "b {}");
    assert_eq!(changes(&mut watcher), ["changed themes/t/static/css/t.css"]);
    write(&root.join("themes/t/theme.toml"), "[extra]\nx = 1\n");
    assert_eq!(changes(&mut watcher), ["changed themes/t/theme.toml"]);
    // A theme added later (the config may name it next): watched from then on.
    write(&root.join("themes/u/templates/index.html"), "u");
    let added = changes(&mut watcher);
    assert!(added.contains(&"changed themes/u/templates/index.html".to_string()), "{added:?}");
    write(&root.join("themes/u/templates/index.html"), "u 2");
    assert_eq!(changes(&mut watcher), ["changed themes/u/templates/index.html"]);
    nothing_else(&mut watcher, &root);
    remove(&root);
}

#[test]
fn links_are_followed_inside_the_site_only_and_never_loop() {
    let _watchdog = watchdog("links");
    let root = site("links");
    write(&root.join("shared/dir/s.md"), "s");
    let outside = root.parent().unwrap().join("outside");
    write(&outside.join("secret.md"), "x");
    let mut watcher = watcher(&root);
    std::os::unix::fs::symlink("../shared/dir", root.join("content/linked")).unwrap();
    assert_eq!(changes(&mut watcher), ["changed content/linked/", "changed content/linked/s.md"]);
    // Through the link: a change in its target is a change under the link's name.
    write(&root.join("shared/dir/new.md"), "n");
    assert_eq!(changes(&mut watcher), ["changed content/linked/new.md"]);
    // A link out of the site: reported, with the problem, and not watched.
    std::os::unix::fs::symlink(&outside, root.join("content/out")).unwrap();
    let batch = next(&mut watcher);
    assert_eq!(
        batch.changes.iter().map(ToString::to_string).collect::<Vec<_>>(),
        ["changed content/out/"]
    );
    assert!(
        matches!(&batch.problems[..], [WatchError::LinkOutside { path, .. }] if path == Path::new("content/out")),
        "{:?}",
        batch.problems
    );
    assert!(batch.problems[0].to_string().contains("outside the site"), "{}", batch.problems[0]);
    write(&outside.join("secret.md"), "changed");
    nothing_else(&mut watcher, &root);
    // Links to the directory that holds them, and to the site: reported, never walked again.
    std::os::unix::fs::symlink(".", root.join("content/blog/self")).unwrap();
    std::os::unix::fs::symlink("../..", root.join("content/blog/up")).unwrap();
    assert_eq!(changes(&mut watcher), ["changed content/blog/self/", "changed content/blog/up/"]);
    write(&root.join("content/blog/post.md"), "once");
    assert_eq!(changes(&mut watcher), ["changed content/blog/post.md"]);
    nothing_else(&mut watcher, &root);
    remove(&root);
}

#[test]
fn a_link_to_a_file_changes_with_its_target() {
    let _watchdog = watchdog("file links");
    let root = site("file-links");
    write(&root.join("shared/f.md"), "f");
    std::os::unix::fs::symlink("../shared/f.md", root.join("content/f.md")).unwrap();
    std::os::unix::fs::symlink("blog/post.md", root.join("content/alias.md")).unwrap();
    let mut watcher = watcher(&root);
    // A target outside the watched directories, written in place, then saved by vim's dance.
    write(&root.join("shared/f.md"), "edited");
    assert_eq!(changes(&mut watcher), ["changed content/f.md"]);
    std::fs::rename(root.join("shared/f.md"), root.join("shared/f.md~")).unwrap();
    write(&root.join("shared/f.md"), "vim");
    std::fs::remove_file(root.join("shared/f.md~")).unwrap();
    assert_eq!(changes(&mut watcher), ["changed content/f.md"]);
    // A target inside them: the target and its link.
    write(&root.join("content/blog/post.md"), "edited");
    assert_eq!(changes(&mut watcher), ["changed content/alias.md", "changed content/blog/post.md"]);
    // A link made later is followed too; a link removed is forgotten.
    std::os::unix::fs::symlink("../../shared/f.md", root.join("content/blog/g.md")).unwrap();
    assert_eq!(changes(&mut watcher), ["changed content/blog/g.md"]);
    std::fs::remove_file(root.join("content/f.md")).unwrap();
    assert_eq!(changes(&mut watcher), ["removed content/f.md"]);
    write(&root.join("shared/f.md"), "again");
    assert_eq!(changes(&mut watcher), ["changed content/blog/g.md"]);
    // Its directory removed: the link to a file in it now dangles, which is its change.
    std::fs::remove_dir_all(root.join("content/blog")).unwrap();
    assert_eq!(
        changes(&mut watcher),
        [
            "changed content/alias.md",
            "removed content/blog/",
            "removed content/blog/g.md",
            "removed content/blog/post.md"
        ]
    );
    write(&root.join("shared/f.md"), "no link left");
    nothing_else(&mut watcher, &root);
    remove(&root);
}

#[test]
fn a_top_directory_that_is_a_link_is_watched_through_it() {
    let _watchdog = watchdog("linked top directory");
    let root = site("linked-top");
    std::fs::rename(root.join("content"), root.join("src")).unwrap();
    std::os::unix::fs::symlink("src", root.join("content")).unwrap();
    let mut watcher = watcher(&root);
    write(&root.join("src/blog/post.md"), "through the link");
    assert_eq!(changes(&mut watcher), ["changed content/blog/post.md"]);
    // The link pointed elsewhere (as `ln -sfn` does it: a new link renamed over the old).
    write(&root.join("other/page.md"), "p");
    std::os::unix::fs::symlink("other", root.join("content.new")).unwrap();
    std::fs::rename(root.join("content.new"), root.join("content")).unwrap();
    assert_eq!(changes(&mut watcher), ["changed content/", "changed content/page.md"]);
    write(&root.join("other/page.md"), "edited");
    assert_eq!(changes(&mut watcher), ["changed content/page.md"]);
    // The old target is no longer the site's.
    write(&root.join("src/blog/post.md"), "not the site's any more");
    nothing_else(&mut watcher, &root);
    remove(&root);
}

#[test]
fn names_that_are_not_utf8_are_problems_not_panics() {
    let _watchdog = watchdog("not utf-8");
    let root = site("utf8");
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.md");
    let mut watcher = watcher(&root);
    write(&root.join("content").join(name), "x");
    std::fs::create_dir(root.join("static").join(name)).unwrap();
    let batch = next(&mut watcher);
    assert!(batch.changes.is_empty(), "{:?}", batch.changes);
    let problems: Vec<String> = batch.problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("`content/caf\\xe9.md`: the file name is not valid UTF-8"));
    assert!(problems[1].starts_with("`static/caf\\xe9.md`: the file name is not valid UTF-8"));
    // A new directory holding one: the directory is reported, the name is a problem.
    std::fs::create_dir(root.join("templates/new")).unwrap();
    write(&root.join("templates/new").join(name), "x");
    let batch = next(&mut watcher);
    let changes: Vec<String> = batch.changes.iter().map(ToString::to_string).collect();
    assert_eq!(changes, ["changed templates/new/"]);
    assert!(matches!(&batch.problems[..], [WatchError::NotUtf8 { .. }]), "{:?}", batch.problems);
    nothing_else(&mut watcher, &root);
    remove(&root);
}

#[test]
fn a_queue_overflow_asks_for_a_rescan_and_renews_the_watches() {
    let _watchdog = watchdog("overflow");
    let root = site("overflow");
    let limit: usize = std::fs::read_to_string("/proc/sys/fs/inotify/max_queued_events")
        .ok()
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(16384);
    if limit > 200_000 {
        eprintln!("skipped: fs.inotify.max_queued_events is {limit}, too many events to provoke");
        return;
    }
    let mut watcher = watcher(&root);
    // Nothing is read until `next_batch`: each empty file is at least two events (created,
    // closed), so this many files overflow the kernel's queue.
    for i in 0..limit {
        std::fs::File::create(root.join(format!("static/f{i}"))).unwrap();
    }
    // Made after the overflow: their events are lost, and only renewing the watches finds `late/`.
    write(&root.join("content/late/x.md"), "x");
    let batch = next(&mut watcher);
    assert!(batch.rescan_all, "{} changes, no rescan asked", batch.changes.len());
    // Then, every change is seen again, inside the directory made unseen too.
    write(&root.join("content/late/y.md"), "y");
    assert_eq!(changes(&mut watcher), ["changed content/late/y.md"]);
    nothing_else(&mut watcher, &root);
    remove(&root);
}

/// Runs git in `dir`, with a fixed identity and no user configuration.
fn git(dir: &Path, args: &[&str]) -> bool {
    Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .status()
        .is_ok_and(|status| status.success())
}

/// Gathers batches until their changes name every one of `expected`, then checks that they
/// named nothing else, each as `changed`. Returns how many batches it took.
fn gather(watcher: &mut SourceWatcher, root: &Path, expected: &BTreeSet<String>) -> usize {
    let mut named = BTreeSet::new();
    let mut batches = 0;
    while !expected.is_subset(&named) {
        let batch = next(watcher);
        batches += 1;
        assert!(!batch.rescan_all && batch.problems.is_empty(), "{:?}", batch.problems);
        for change in batch.changes {
            assert_eq!(change.kind, ChangeKind::Changed, "{change}");
            named.insert(change.path);
        }
    }
    assert_eq!(named, *expected);
    nothing_else(watcher, root);
    batches
}

#[test]
fn a_git_checkout_of_200_files_names_exactly_those_files() {
    let _watchdog = watchdog("git checkout");
    let root = site("git");
    let pages: BTreeSet<String> = (0..200).map(|i| format!("content/many/p{i:03}.md")).collect();
    for page in &pages {
        write(&root.join(page), "one");
    }
    let version = |text: &str| {
        for page in &pages {
            write(&root.join(page), text);
        }
    };
    if !git(&root, &["init", "-q"]) {
        eprintln!("skipped: git is not available");
        return;
    }
    assert!(git(&root, &["add", "-A"]) && git(&root, &["commit", "-qm", "one"]));
    assert!(git(&root, &["checkout", "-qb", "two"]));
    version("two");
    assert!(git(&root, &["commit", "-qam", "two"]));
    let mut watcher = watcher(&root);
    assert!(git(&root, &["checkout", "-q", "main"]));
    let batches = gather(&mut watcher, &root, &pages);
    eprintln!("git checkout of 200 files: {batches} batch(es)");
    remove(&root);
}

#[test]
fn a_burst_of_200_writes_names_exactly_those_files() {
    let _watchdog = watchdog("burst");
    let root = site("burst");
    let mut watcher = SourceWatcher::new(&root, "dodeca.toml").unwrap();
    // With the default timings: the batches may be several, their union is exact.
    let files: BTreeSet<String> = (0..200).map(|i| format!("static/img/{i}.txt")).collect();
    for file in &files {
        write(&root.join(file), "x");
    }
    let mut expected = files;
    expected.insert("static/img".to_string());
    let batches = gather(&mut watcher, &root, &expected);
    eprintln!("200 writes: {batches} batch(es)");
    remove(&root);
}

#[test]
fn no_inotify_instance_is_explained_with_the_fix() {
    let _watchdog = watchdog("instance limit");
    const CHILD: &str = "DODECA_WATCH_TEST_NO_DESCRIPTORS";
    let root = std::env::var_os(CHILD).map(PathBuf::from);
    let Some(root) = root else {
        // In a child process of its own: the limit it lowers would break other tests here.
        let root = site("instances");
        let output = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "no_inotify_instance_is_explained_with_the_fix", "--nocapture"])
            .env(CHILD, &root)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
        assert!(stdout.contains("error: cannot watch the site: no inotify instance"), "{stdout}");
        remove(&root);
        return;
    };
    // The next descriptor number becomes the process's limit: the next one opened fails with
    // EMFILE, as when fs.inotify.max_user_instances is reached (the same error number).
    let next = std::fs::File::open("/dev/null").map(|file| file.into_raw_fd()).unwrap();
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: `next` is a descriptor this function owns and closes once; `limit` is a valid
    // `rlimit` that outlives both calls; lowering the soft limit (the hard one kept) affects
    // only this child process.
    unsafe {
        libc::close(next);
        assert_eq!(libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit), 0);
        limit.rlim_cur = next as libc::rlim_t;
        assert_eq!(libc::setrlimit(libc::RLIMIT_NOFILE, &limit), 0);
    }
    let error = SourceWatcher::new(&root, "dodeca.toml").err().expect("no instance to be had");
    assert!(matches!(error, WatchError::InstanceLimit { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("sudo sysctl fs.inotify.max_user_instances="), "{message}");
    assert!(message.contains("too many open files"), "{message}");
    println!("error: {message}");
}
