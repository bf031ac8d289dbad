//! `dodeca-host cache [SITE] stats|verify|gc|clear`, through the binary: what each prints, what
//! it changes in `.cache/`, and its exit code.

mod common;

use std::path::{Path, PathBuf};

use common::{host, stderr, stdout};

/// Runs `dodeca-host cache ROOT ACTION`.
fn cache(root: &Path, action: &str) -> std::process::Output {
    host().arg("cache").arg(root).arg(action).output().unwrap()
}

/// The blob files under `.cache/blobs/`.
fn blobs(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for shard in std::fs::read_dir(root.join(".cache/blobs")).into_iter().flatten().flatten() {
        for blob in std::fs::read_dir(shard.path()).into_iter().flatten().flatten() {
            found.push(blob.path());
        }
    }
    found
}

#[test]
fn stats_counts_the_cache_files_blobs_and_memos_of_each_query() {
    let (sandbox, root) = common::built_fixture("cache-stats");
    let out = cache(&root, "stats");
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("dodeca.bin: ") && text.contains("version this host's"), "{text}");
    // Eight pages' and the stylesheet's outputs, and the three site-wide files.
    assert!(text.contains("dodeca.scan: ") && text.contains("8 pages, 12 outputs"), "{text}");
    assert!(text.contains("blobs: 2,"), "one static file, one data file: {text}");
    assert!(text.contains("(12 output records)"), "{text}");
    // Eight renders (the draft's render is a memo too: `None`).
    let render = text.lines().find(|l| l.trim_start().starts_with("render ")).unwrap();
    assert!(render.contains("derived") && render.contains("9/9"), "{render}");
    assert!(text.lines().any(|l| l.trim_start().starts_with("content ")), "{text}");
    common::remove_unless_failing(&sandbox);
}

#[test]
fn verify_passes_a_sound_cache_and_finds_a_damaged_blob_and_database() {
    let (sandbox, root) = common::built_fixture("cache-verify");
    let out = cache(&root, "verify");
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("dodeca.bin: ") && text.contains("intact"), "{text}");
    assert!(text.contains("blobs: 2 checked"), "{text}");

    let blob = blobs(&root).pop().unwrap();
    let mut permissions = std::fs::metadata(&blob).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false, reason = "a test damaging its own file")]
    permissions.set_readonly(false);
    std::fs::set_permissions(&blob, permissions).unwrap();
    std::fs::write(&blob, b"damaged").unwrap();
    let database = root.join(".cache/dodeca.bin");
    let mut bytes = std::fs::read(&database).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&database, bytes).unwrap();
    let out = cache(&root, "verify");
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(&out), stderr(&out));
    let errors = stderr(&out);
    assert!(errors.contains("does not hash to its name"), "{errors}");
    assert!(errors.contains("dodeca.bin") && errors.contains("checksum"), "{errors}");
    // The damaged blob was set aside; the next build stores the file again and writes the
    // same outputs as a cold build.
    assert!(!blob.exists());
    let out = host().args(["build", "-q"]).arg(&root).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    common::assert_outputs_match_a_cold_build(&root, &sandbox.join("cold"), true);
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_build_collects_a_replaced_static_file_s_blob_and_gc_keeps_the_live_ones() {
    let (sandbox, root) = common::built_fixture("cache-gc");
    let used = blobs(&root);
    // The static file's and the data file's.
    assert_eq!(used.len(), 2);
    // A static file's old version is collected by the build that replaces it.
    std::fs::write(root.join("static/css/site.css"), "body { color: red }\n").unwrap();
    let out = host().args(["build", "-q"]).arg(&root).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let kept = blobs(&root);
    assert_eq!(kept.len(), 2);
    assert_eq!(kept.iter().filter(|blob| used.contains(blob)).count(), 1, "the data file's");
    // A blob nobody uses (left by another tool, or a crash between put and build): `cache gc`
    // removes it and keeps the live one.
    let stray = root.join(".cache/blobs/0000");
    std::fs::create_dir_all(&stray).unwrap();
    std::fs::write(stray.join("0".repeat(64)), "stray").unwrap();
    let out = cache(&root, "gc");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("removed 1 blobs"), "{}", stdout(&out));
    assert_eq!(blobs(&root), kept);
    // A site never built has nothing to go by: an error, nothing removed.
    let bare = sandbox.join("bare");
    common::copy_fixture(&["valid"], &bare);
    let out = cache(&bare, "gc");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no saved database"), "{}", stderr(&out));
    common::remove_unless_failing(&sandbox);
}

#[test]
fn clear_empties_the_cache_and_the_next_build_starts_from_scratch() {
    let (sandbox, root) = common::built_fixture("cache-clear");
    let out = cache(&root, "clear");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("cleared "), "{}", stdout(&out));
    assert_eq!(std::fs::read_dir(root.join(".cache")).unwrap().count(), 0);
    let out = host().args(["build", "-v"]).arg(&root).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("no saved database used"), "{}", stdout(&out));
    common::assert_outputs_match_a_cold_build(&root, &sandbox.join("cold"), true);
    common::remove_unless_failing(&sandbox);
}

#[test]
fn cache_usage_errors_exit_2() {
    let (sandbox, root) = common::built_fixture("cache-usage");
    let out = cache(&root, "frobnicate");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown cache action"), "{}", stderr(&out));
    let out = host().arg("cache").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = cache(&sandbox.join("nowhere"), "stats");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not a site"), "{}", stderr(&out));
    common::remove_unless_failing(&sandbox);
}
