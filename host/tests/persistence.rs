//! `dodeca-host build` keeps the site's database in `.cache/` between runs: a run with nothing
//! changed loads no database, an edit renders only what it reaches, and a cache that is
//! missing, stale, truncated or corrupted is a warning and a build identical to a cold one.
//! Everything here goes through the binary, one process per build.

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{run, stderr, stdout};

/// A copy of the valid fixture in a sandbox of its own, settled: its files' times are old
/// enough for a scan to trust their stamps (see `scan/stamps.rs`), as a site's are when a
/// user runs a build.
fn settled_site(name: &str) -> (PathBuf, PathBuf) {
    let sandbox = common::temp(name);
    let root = sandbox.join("site");
    common::copy_fixture(&["valid"], &root);
    settle();
    (sandbox, root)
}

/// Waits until files written just now are trusted by a scan's stamps.
fn settle() {
    std::thread::sleep(Duration::from_millis(150));
}

/// Builds `root` with the binary, `-v`; asserts it succeeded. Returns stdout and stderr.
fn build(root: &Path) -> (String, String) {
    let out = run(root, &["build", "-v", "-j", "2"]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    (stdout(&out), stderr(&out))
}

/// Edits the body of `content/blog/second.md`.
fn edit_second(root: &Path, body: &str) {
    let page = root.join("content/blog/second.md");
    let text = std::fs::read_to_string(&page).unwrap();
    let (front, _) = text.rsplit_once("+++\n").unwrap();
    std::fs::write(&page, format!("{front}+++\n{body}\n")).unwrap();
}

#[test]
fn a_run_with_nothing_changed_loads_no_database_and_writes_nothing() {
    let (sandbox, root) = settled_site("persist-noop");
    let (cold, _) = build(&root);
    // Eight pages, the stylesheet and the three site-wide files.
    assert!(cold.starts_with("8 pages: 12 written"), "{cold}");
    assert!(cold.contains("started from: nothing (no saved database used)"), "{cold}");
    for file in ["dodeca.bin", "dodeca.version", "dodeca.scan"] {
        assert!(root.join(".cache").join(file).is_file(), "{file} saved");
    }
    let database = std::fs::metadata(root.join(".cache/dodeca.bin")).unwrap().modified().unwrap();
    let before = common::snapshot(&root.join("public"));
    let (noop, _) = build(&root);
    assert!(noop.starts_with("8 pages: 0 written, 12 up to date, 0 removed; 0 renders"), "{noop}");
    assert!(noop.contains("no database loaded"), "{noop}");
    assert_eq!(common::snapshot(&root.join("public")), before);
    let after = std::fs::metadata(root.join(".cache/dodeca.bin")).unwrap().modified().unwrap();
    assert_eq!(database, after, "nothing changed: the database is not saved again");
    common::remove_unless_failing(&sandbox);
}

#[test]
fn an_edit_in_a_new_process_renders_and_writes_only_that_page() {
    let (sandbox, root) = settled_site("persist-edit");
    build(&root);
    edit_second(&root, "Second body, edited.");
    let (edit, _) = build(&root);
    assert!(edit.starts_with("8 pages: 1 written, 11 up to date, 0 removed; 1 renders"), "{edit}");
    assert!(edit.contains("started from: the saved database"), "{edit}");
    let html = std::fs::read_to_string(root.join("public/blog/second/index.html")).unwrap();
    assert!(html.contains("Second body, edited."), "{html}");
    common::assert_outputs_match_a_cold_build(&root, &sandbox.join("cold"), true);
    // A page added and one removed, in a third process.
    common::write(&root, "content/blog/third.md", "+++\ntitle = \"Third\"\n+++\nThird body.\n");
    std::fs::remove_file(root.join("content/docs/usage.md")).unwrap();
    let (changed, _) = build(&root);
    assert!(changed.contains("1 removed"), "{changed}");
    assert!(root.join("public/blog/third/index.html").is_file());
    assert!(!root.join("public/docs/usage").exists());
    common::assert_outputs_match_a_cold_build(&root, &sandbox.join("cold"), true);
    common::remove_unless_failing(&sandbox);
}

#[test]
fn an_output_changed_by_hand_is_written_again_by_the_next_process() {
    let (sandbox, root) = settled_site("persist-output-by-hand");
    build(&root);
    let page = root.join("public/blog/first/index.html");
    let written = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, "changed by hand").unwrap();
    let (again, _) = build(&root);
    // The saved database keeps no HTML: the page is rendered again to be written.
    assert!(
        again.starts_with("8 pages: 1 written, 11 up to date, 0 removed; 1 renders"),
        "{again}"
    );
    assert_eq!(std::fs::read_to_string(&page).unwrap(), written);
    common::remove_unless_failing(&sandbox);
}

#[test]
fn now_is_the_start_of_each_build_and_a_saved_database_does_not_freeze_it() {
    let (sandbox, root) = settled_site("persist-now");
    common::write(&root, "templates/about.html", "built at {{ now() }}");
    settle();
    let stamp = |root: &Path| -> u64 {
        let html = std::fs::read_to_string(root.join("public/about/index.html")).unwrap();
        html.trim().strip_prefix("built at ").unwrap().parse().unwrap()
    };
    let start = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    build(&root);
    let first = stamp(&root);
    assert!(first >= start.as_secs(), "{first} is the build's start, not earlier");
    // A second apart: the time differs. Nothing else changed, yet the page that reads
    // `now()` (and only it) is rendered again, from a loaded database.
    std::thread::sleep(Duration::from_millis(1100));
    let (again, _) = build(&root);
    assert!(
        again.starts_with("8 pages: 1 written, 11 up to date, 0 removed; 1 renders"),
        "{again}"
    );
    assert!(again.contains("started from: the saved database"), "{again}");
    assert!(stamp(&root) > first, "now() moved on");
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_site_file_that_reads_now_is_made_again_by_the_next_build_too() {
    // `robots.txt` renders after the pages (with the sitemap and the feeds): its read of
    // `now()` must still tell the next build to set the time anew.
    let (sandbox, root) = settled_site("persist-now-robots");
    common::write(&root, "templates/robots.txt", "built at {{ now() }}");
    settle();
    let stamp = |root: &Path| -> u64 {
        let text = std::fs::read_to_string(root.join("public/robots.txt")).unwrap();
        text.trim().strip_prefix("built at ").unwrap().parse().unwrap()
    };
    build(&root);
    let first = stamp(&root);
    std::thread::sleep(Duration::from_millis(1100));
    let (again, _) = build(&root);
    assert!(again.contains("started from: the saved database"), "{again}");
    assert!(stamp(&root) > first, "now() in robots.txt stayed {first}: {again}");
    common::remove_unless_failing(&sandbox);
}

/// Builds the site, damages its cache with `damage`, edits a page, builds again: the build
/// succeeds with a warning containing `warning` (if any), and its outputs are a cold build's.
fn survives(name: &str, damage: impl Fn(&Path), warning: Option<&str>) {
    let (sandbox, root) = settled_site(name);
    build(&root);
    edit_second(&root, "Second body, after the damage.");
    damage(&root.join(".cache"));
    let (out, err) = build(&root);
    assert!(!err.contains("panicked"), "{err}");
    if let Some(warning) = warning {
        assert!(err.contains("warning: ") && err.contains(warning), "{name}: {err}");
    }
    let html = std::fs::read_to_string(root.join("public/blog/second/index.html")).unwrap();
    assert!(html.contains("after the damage"), "{out}");
    common::assert_outputs_match_a_cold_build(&root, &sandbox.join("cold"), true);
    // And the build after that starts from what this one saved.
    let (next, err) = build(&root);
    assert!(next.contains("0 written"), "{next}");
    assert!(!err.contains("warning"), "{err}");
    common::remove_unless_failing(&sandbox);
}

fn truncate(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    std::fs::write(path, &bytes[..bytes.len() / 2]).unwrap();
}

fn flip_a_byte(path: &Path) {
    let mut bytes = std::fs::read(path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x5a;
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_missing_database_is_a_warning_and_a_full_build() {
    survives(
        "damage-db-missing",
        |c| std::fs::remove_file(c.join("dodeca.bin")).unwrap(),
        Some("missing"),
    );
}

#[test]
fn a_truncated_database_is_a_warning_and_a_full_build() {
    survives("damage-db-truncated", |c| truncate(&c.join("dodeca.bin")), Some("cache not loaded"));
}

#[test]
fn a_corrupted_database_is_a_warning_and_a_full_build() {
    survives("damage-db-corrupt", |c| flip_a_byte(&c.join("dodeca.bin")), Some("cache not loaded"));
}

#[test]
fn a_database_of_another_file_format_is_a_warning_and_a_full_build() {
    survives(
        "damage-db-foreign",
        |c| std::fs::write(c.join("dodeca.bin"), b"not a picante file at all").unwrap(),
        Some("cache not loaded"),
    );
}

#[test]
fn a_stale_version_is_a_warning_and_a_full_build() {
    survives(
        "damage-version-stale",
        |c| std::fs::write(c.join("dodeca.version"), "dodeca-host 0.0.1 of long ago\n").unwrap(),
        Some("another build of dodeca-host"),
    );
}

#[test]
fn a_missing_version_is_a_warning_and_a_full_build() {
    survives(
        "damage-version-missing",
        |c| std::fs::remove_file(c.join("dodeca.version")).unwrap(),
        Some("another build of dodeca-host"),
    );
}

#[test]
fn a_version_file_that_is_a_directory_is_a_warning_and_a_full_build() {
    survives(
        "damage-version-directory",
        |c| {
            std::fs::remove_file(c.join("dodeca.version")).unwrap();
            std::fs::create_dir(c.join("dodeca.version")).unwrap();
        },
        Some("cannot read the cache's version"),
    );
}

#[test]
fn a_corrupted_or_truncated_scan_is_a_warning_and_a_full_rescan() {
    survives("damage-scan-corrupt", |c| flip_a_byte(&c.join("dodeca.scan")), Some("dodeca.scan"));
    survives("damage-scan-truncated", |c| truncate(&c.join("dodeca.scan")), Some("dodeca.scan"));
}

#[test]
fn a_scan_saved_with_another_database_is_not_trusted() {
    // The state of one build beside the database of another (as a kill between the two
    // saves would leave, were the state not removed first): its stamps are not used, so the
    // edited page is read, not taken as unchanged.
    let (sandbox, root) = settled_site("damage-scan-other-database");
    build(&root);
    let old_state = std::fs::read(root.join(".cache/dodeca.scan")).unwrap();
    edit_second(&root, "Edited once.");
    settle();
    build(&root);
    std::fs::write(root.join(".cache/dodeca.scan"), &old_state).unwrap();
    let html = std::fs::read_to_string(root.join("public/blog/second/index.html")).unwrap();
    assert!(html.contains("Edited once."), "{html}");
    std::fs::remove_file(root.join("public/blog/second/index.html")).unwrap();
    build(&root);
    common::assert_outputs_match_a_cold_build(&root, &sandbox.join("cold"), true);
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_missing_cas_db_is_a_warning_and_every_output_written_again() {
    survives(
        "damage-casdb-missing",
        |c| std::fs::remove_file(c.join("cas.db")).unwrap(),
        Some("cas.db"),
    );
}

#[test]
fn a_truncated_cas_db_is_a_warning_and_a_full_build() {
    survives("damage-casdb-truncated", |c| truncate(&c.join("cas.db")), Some("cas.db"));
}

#[test]
fn a_corrupted_cas_db_is_a_warning_and_a_full_build() {
    survives("damage-casdb-corrupt", |c| flip_a_byte(&c.join("cas.db")), Some("cas.db"));
}

#[test]
fn a_static_file_whose_blob_was_removed_is_stored_again() {
    survives("damage-blobs-removed", |c| std::fs::remove_dir_all(c.join("blobs")).unwrap(), None);
}

#[test]
fn no_cache_builds_from_scratch_saves_no_database_and_the_next_run_starts_cold() {
    let (sandbox, root) = settled_site("persist-no-cache");
    build(&root);
    edit_second(&root, "Edited without the cache.");
    let out = run(&root, &["build", "-v", "--no-cache"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("8 renders") && text.contains("1 written"), "{text}");
    assert!(text.contains("started from: this process's database"), "{text}");
    assert!(!root.join(".cache/dodeca.scan").exists(), "the saved scan no longer holds");
    // The database of the build before is still there; the next run loads it and finds the
    // edited page changed since.
    let (next, _) = build(&root);
    assert!(next.contains("started from: the saved database"), "{next}");
    assert!(next.contains(" 1 renders"), "{next}");
    common::assert_outputs_match_a_cold_build(&root, &sandbox.join("cold"), true);
    common::remove_unless_failing(&sandbox);
}
