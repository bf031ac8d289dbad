//! `dodeca-host clean` removes what the host wrote, and nothing else: files put in the output
//! directory by hand, outputs changed by hand, and whatever a tampered `cas.db` names outside
//! the output directory all survive.

mod common;

use common::{run, site, stderr, stdout, temp, write};

#[test]
fn clean_removes_only_what_the_host_wrote_and_keeps_files_put_there_by_hand() {
    let sandbox = temp("clean-keeps");
    let root = sandbox.join("site");
    site(&root);
    assert!(run(&sandbox, &["build", "site"]).status.success());
    let public = root.join("public");
    assert!(public.join("posts/hello/index.html").is_file());
    // By hand: a new file at the top, one in a directory of the host's, one in a new
    // directory, and an output edited.
    write(&public, "CNAME", "example.org\n");
    write(&public, "posts/notes.txt", "mine\n");
    write(&public, "mine/keep.html", "mine\n");
    std::fs::write(public.join("index.html"), "edited by hand").unwrap();

    let out = run(&sandbox, &["clean", "site"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    // Two pages' outputs and the site-wide files but the static `robots.txt` of the site.
    assert!(report.starts_with("removed 5 output files from"), "{report}");
    for kept in
        ["index.html was changed since", "CNAME was not written", "notes.txt was not written"]
    {
        assert!(report.contains(kept), "{kept}: {report}");
    }
    let mut left = Vec::new();
    for rel in ["CNAME", "posts/notes.txt", "mine/keep.html", "index.html"] {
        if public.join(rel).is_file() {
            left.push(rel);
        }
    }
    assert_eq!(left, ["CNAME", "posts/notes.txt", "mine/keep.html", "index.html"]);
    assert_eq!(std::fs::read_to_string(public.join("index.html")).unwrap(), "edited by hand");
    // The host's outputs and the directories they leave empty are gone; .cache too.
    assert!(!public.join("posts/hello").exists());
    assert!(!public.join("posts/index.html").exists());
    assert!(!public.join("robots.txt").exists());
    assert!(!root.join(".cache").exists());
    // The sources are untouched.
    assert!(root.join("content/posts/hello.md").is_file() && root.join("templates").is_dir());
    let _ = std::fs::remove_dir_all(sandbox);
}

#[test]
fn clean_of_a_clean_site_removes_nothing_and_succeeds() {
    let sandbox = temp("clean-twice");
    let root = sandbox.join("site");
    site(&root);
    assert!(run(&sandbox, &["build", "site"]).status.success());
    assert!(run(&sandbox, &["clean", "site"]).status.success());
    let out = run(&sandbox, &["clean", "site"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("removed 0 output files"), "{}", stdout(&out));
    assert!(!root.join("public").exists());
    let _ = std::fs::remove_dir_all(sandbox);
}

#[test]
fn clean_never_removes_what_a_tampered_cache_names_outside_the_output_directory() {
    let sandbox = temp("clean-tampered");
    let root = sandbox.join("site");
    site(&root);
    assert!(run(&sandbox, &["build", "site"]).status.success());
    // Files an attacker would like removed, with their exact hashes in the records: one named
    // by `..`, one reached through a link planted in the output directory, one in another
    // directory named absolutely.
    write(&sandbox, "victim/secret.txt", "secret\n");
    write(&sandbox, "victim/other.txt", "other\n");
    std::os::unix::fs::symlink(sandbox.join("victim"), root.join("public/link")).unwrap();
    {
        let store = cas::Cas::open(root.join(".cache")).unwrap();
        let hash = cas::ContentHash::of(b"secret\n");
        store.set_name_tagged("output:public\0../../victim/secret.txt", hash, 0);
        store.set_name_tagged("output:public\0link/secret.txt", hash, 0);
        let other = format!("output:{}\0other.txt", sandbox.join("victim").display());
        store.set_name_tagged(&other, cas::ContentHash::of(b"other\n"), 0);
        store.flush().unwrap();
    }
    let out = run(&sandbox, &["clean", "site"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(report.contains("reached through"), "{report}");
    assert_eq!(std::fs::read_to_string(sandbox.join("victim/secret.txt")).unwrap(), "secret\n");
    assert_eq!(std::fs::read_to_string(sandbox.join("victim/other.txt")).unwrap(), "other\n");
    assert!(report.contains("note: the cache also recorded outputs in"), "{report}");
    let _ = std::fs::remove_dir_all(sandbox);
}
