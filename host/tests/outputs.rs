//! Outputs as the host keeps them: restored when changed or deleted by hand (in this process
//! and in the next), recorded per output directory, and kept current when the watcher reports
//! new and deleted content files. Through the real cells.

mod common;

use std::path::Path;

use common::{open, run, site, stderr, temp, write};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Edits one output in place (same length, so only the content and times differ), deletes
/// another and replaces a third by a rename, then checks the next build writes exactly those.
fn outputs_touched_by_hand_are_restored(watch: bool) {
    let sandbox = temp(if watch { "restored-watched" } else { "restored-unwatched" });
    let root = sandbox.join("site");
    site(&root);
    let mut site = open(&root);
    site.set_watch_outputs(watch);
    let first = site.build(2).unwrap();
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    let public = root.join("public");
    let page = public.join("posts/hello/index.html");
    let original = read(&page);
    let same_length: String = original.chars().map(|c| if c == 'H' { 'J' } else { c }).collect();
    assert_eq!(same_length.len(), original.len());
    std::fs::write(&page, &same_length).unwrap();
    std::fs::remove_file(public.join("robots.txt")).unwrap();
    std::fs::write(public.join("replacement"), "replaced").unwrap();
    std::fs::rename(public.join("replacement"), public.join("index.html")).unwrap();

    let again = site.build(2).unwrap();
    // Unchanged: the section's page, `404.html`, `sitemap.xml`.
    assert_eq!((again.renders, again.written, again.unchanged), (0, 3, 3), "{again:?}");
    assert_eq!(read(&page), original);
    assert_eq!(read(&public.join("robots.txt")), "User-agent: *\n");
    assert_eq!(read(&public.join("index.html")), "home:<p>Welcome.</p>\n");
    // And then nothing more to do.
    let third = site.build(2).unwrap();
    assert_eq!((third.renders, third.written), (0, 0), "{third:?}");
    drop(site);
    let _ = std::fs::remove_dir_all(sandbox);
}

#[test]
fn outputs_changed_deleted_or_replaced_by_hand_are_restored_by_the_next_build_in_process() {
    outputs_touched_by_hand_are_restored(true);
}

#[test]
fn without_a_watch_every_output_is_looked_at_and_those_touched_by_hand_are_restored() {
    outputs_touched_by_hand_are_restored(false);
}

#[test]
fn an_output_changed_by_hand_is_restored_by_the_next_process() {
    let sandbox = temp("restored-cli");
    let root = sandbox.join("site");
    site(&root);
    assert!(run(&sandbox, &["build", "site"]).status.success());
    let page = root.join("public/posts/hello/index.html");
    let original = read(&page);
    std::fs::write(&page, original.replace('H', "J")).unwrap();
    let out = run(&sandbox, &["build", "site"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(common::stdout(&out).starts_with("3 pages: 1 written"), "{}", common::stdout(&out));
    assert_eq!(read(&page), original);
    let _ = std::fs::remove_dir_all(sandbox);
}

/// `build -o A`, edit, `build` (to `public`), `build -o A`: `A` has the edit.
#[test]
fn outputs_are_recorded_per_directory_so_switching_directories_leaves_each_correct() {
    let sandbox = temp("per-directory");
    let root = sandbox.join("site");
    site(&root);
    let post = "content/posts/hello.md";
    let edited = "+++\ntitle = \"Hello\"\n+++\nEdited.\n";
    let expected_before = "page:Hello:<p>Hello there.</p>\n";
    let expected_after = "page:Hello:<p>Edited.</p>\n";

    // Through the binary: each build a new process, so only cas.db's records carry over.
    assert!(run(&sandbox, &["build", "site", "-o", "a"]).status.success());
    write(&root, post, edited);
    assert!(run(&sandbox, &["build", "site"]).status.success());
    assert_eq!(read(&root.join("public/posts/hello/index.html")), expected_after);
    assert_eq!(read(&sandbox.join("a/posts/hello/index.html")), expected_before);
    let out = run(&sandbox, &["build", "site", "-o", "a"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(&sandbox.join("a/posts/hello/index.html")), expected_after);

    // In one process and one `Site`, where the last render written is also remembered.
    write(&root, post, "+++\ntitle = \"Hello\"\n+++\nHello there.\n");
    let mut site = open(&root);
    site.set_output(sandbox.join("b"));
    assert!(site.build(2).unwrap().errors.is_empty());
    assert_eq!(read(&sandbox.join("b/posts/hello/index.html")), expected_before);
    write(&root, post, edited);
    site.set_output(root.join("public"));
    site.build(2).unwrap();
    assert_eq!(read(&root.join("public/posts/hello/index.html")), expected_after);
    site.set_output(sandbox.join("b"));
    let back = site.build(2).unwrap();
    assert_eq!((back.renders, back.written), (0, 1), "the edit was rendered already: {back:?}");
    assert_eq!(read(&sandbox.join("b/posts/hello/index.html")), expected_after);
    drop(site);
    let _ = std::fs::remove_dir_all(sandbox);
}

#[test]
fn content_changed_builds_a_new_file_and_removes_the_output_of_a_deleted_one() {
    let sandbox = temp("content-changed");
    let root = sandbox.join("site");
    site(&root);
    let site = open(&root);
    assert!(site.build(2).unwrap().errors.is_empty());
    write(&root, "content/posts/new.md", "+++\ntitle = \"New\"\n+++\nFresh.\n");
    site.content_changed("posts/new.md").unwrap();
    let added = site.build_loaded(2).unwrap();
    assert!(added.errors.is_empty(), "{:?}", added.errors);
    assert_eq!(read(&root.join("public/posts/new/index.html")), "page:New:<p>Fresh.</p>\n");
    // The section listing it re-rendered too.
    assert_eq!(added.renders, 2, "{added:?}");

    std::fs::remove_file(root.join("content/posts/hello.md")).unwrap();
    site.content_changed("posts/hello.md").unwrap();
    let removed = site.build_loaded(2).unwrap();
    assert_eq!(removed.removed, 1, "{removed:?}");
    assert!(!root.join("public/posts/hello").exists(), "its output and emptied directory");
    assert!(root.join("public/posts/new/index.html").is_file());

    // A deleted file never listed, and paths that are not content files.
    site.content_changed("posts/never.md").unwrap();
    for bad in ["../escape.md", "/abs.md", "posts/notes.txt", ".md", ""] {
        let error = site.content_changed(bad).unwrap_err().to_string();
        assert!(error.contains("is not a content file"), "{bad:?}: {error}");
    }
    drop(site);
    let _ = std::fs::remove_dir_all(sandbox);
}

#[test]
fn the_output_of_a_deleted_page_is_kept_with_a_warning_when_it_was_changed_by_hand() {
    let sandbox = temp("stale-kept");
    let root = sandbox.join("site");
    site(&root);
    let site = open(&root);
    assert!(site.build(2).unwrap().errors.is_empty());
    let page = root.join("public/posts/hello/index.html");
    std::fs::write(&page, "my own notes").unwrap();
    std::fs::remove_file(root.join("content/posts/hello.md")).unwrap();
    let report = site.build(2).unwrap();
    assert_eq!(report.removed, 0, "{report:?}");
    assert_eq!(report.warnings.len(), 1, "{report:?}");
    assert!(report.warnings[0].contains("was changed since dodeca-host wrote it"), "{report:?}");
    assert_eq!(read(&page), "my own notes");
    // An unchanged one goes, with its directory.
    std::fs::remove_file(root.join("content/_index.md")).unwrap();
    std::fs::remove_file(root.join("templates/index.html")).unwrap();
    let report = site.build(2).unwrap();
    assert_eq!(report.removed, 1, "{report:?}");
    assert!(!root.join("public/index.html").exists());
    drop(site);
    let _ = std::fs::remove_dir_all(sandbox);
}

#[test]
fn symbolic_links_are_followed_inside_the_site_and_refused_outside_unless_configured() {
    let sandbox = temp("links");
    let root = sandbox.join("site");
    site(&root);
    write(&root, "shared/about.md", "+++\ntitle = \"About\"\n+++\nShared.\n");
    std::os::unix::fs::symlink("../shared/about.md", root.join("content/about.md")).unwrap();
    let out = run(&sandbox, &["build", "site"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(&root.join("public/about/index.html")), "page:About:<p>Shared.</p>\n");

    write(&sandbox, "secret.txt", "secret\n");
    std::os::unix::fs::symlink(sandbox.join("secret.txt"), root.join("static/secret.txt")).unwrap();
    let out = run(&sandbox, &["build", "site"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("`static/secret.txt` is a symbolic link to"), "{}", stderr(&out));
    assert!(stderr(&out).contains("outside the site"), "{}", stderr(&out));
    assert!(!root.join("public/secret.txt").exists());

    let config = read(&root.join("dodeca.toml"));
    write(&root, "dodeca.toml", &format!("{config}follow_outside_symlinks = true\n"));
    let out = run(&sandbox, &["build", "site"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(&root.join("public/secret.txt")), "secret\n");
    let _ = std::fs::remove_dir_all(sandbox);
}

#[test]
fn two_links_to_the_current_directory_end_the_build_with_an_error() {
    let sandbox = temp("link-loop");
    let root = sandbox.join("site");
    site(&root);
    std::os::unix::fs::symlink(".", root.join("content/a")).unwrap();
    std::os::unix::fs::symlink(".", root.join("content/b")).unwrap();
    let out = run(&sandbox, &["build", "site"]);
    assert_eq!(out.status.code(), Some(2));
    let errors = stderr(&out);
    assert!(errors.contains("the scan would never end"), "{errors}");
    assert!(!root.join("public").exists(), "nothing written");
    let _ = std::fs::remove_dir_all(sandbox);
}
