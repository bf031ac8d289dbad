//! Routes, through the binary: file names that would leave the output directory are errors
//! naming the file, two files with one output are errors naming both, and nothing is ever
//! written outside the output directory, whatever the names.

mod common;

use common::{changed, run, site, snapshot, stderr, temp, write};

const PAGE: &str = "+++\ntitle = \"Hostile\"\n+++\nbody\n";

#[test]
fn hostile_file_names_never_write_outside_the_output_directory() {
    let sandbox = temp("hostile");
    let root = sandbox.join("site");
    site(&root);
    // With Zola's default `[slugify] paths = "on"`, a file name is slugified (`a\nb.md` is the
    // page `/a-b/`) but a directory name is not, and a name that slugifies to nothing leaves
    // an empty segment.
    let hostile = [
        "...md",
        "..md",
        "posts/...md",
        " .md",
        "~.md",
        "a\nb.md",
        "tab\there.md",
        "new\nline/x.md",
        "..\\..\\escape.md",
        "%2e%2e.md",
        "ünï/cødé.md",
        ".hidden.md",
        "posts/.../x.md",
        "posts/..../x.md",
    ];
    for name in hostile {
        write(&root, &format!("content/{name}"), PAGE);
    }
    let before = snapshot(&sandbox);
    let out = run(&sandbox, &["build", "site"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let errors = stderr(&out);
    for refused in ["content/...md", "content/..md", "content/posts/...md", "content/ .md"] {
        assert!(
            errors.contains(&format!("{refused}: its route")) && errors.contains("empty segment"),
            "{refused}: {errors}"
        );
    }
    assert!(errors.contains("content/new\\nline/x.md: its route"), "{errors}");
    assert!(errors.contains("control character"), "{errors}");
    // Every path that changed is in the output directory or the cache.
    let after = snapshot(&sandbox);
    let outside: Vec<_> = changed(&before, &after)
        .into_iter()
        .filter(|path| !path.starts_with("site/public") && !path.starts_with("site/.cache"))
        .collect();
    assert!(outside.is_empty(), "written outside the output directory: {outside:?}");
    // The names that are fine were built, inside the output directory, slugified.
    for built in [
        "escape/index.html",
        "2e-2e/index.html",
        "ünï/code/index.html",
        "hidden/index.html",
        "a-b/index.html",
        "tab-here/index.html",
        "posts/..../x/index.html",
        "posts/.../x/index.html",
    ] {
        assert!(root.join("public").join(built).is_file(), "{built}");
    }
    // And the others were not.
    assert!(!root.join("public/new\nline").exists());
    let _ = std::fs::remove_dir_all(sandbox);
}

#[test]
fn two_content_files_with_one_route_are_an_error_naming_both_and_neither_is_written() {
    let sandbox = temp("duplicate-route");
    let root = sandbox.join("site");
    site(&root);
    write(&root, "content/foo.md", "+++\ntitle = \"Page foo\"\n+++\npage\n");
    write(&root, "content/foo/_index.md", "+++\ntitle = \"Section foo\"\n+++\nsection\n");
    let out = run(&sandbox, &["build", "site"]);
    assert_eq!(out.status.code(), Some(1));
    let errors = stderr(&out);
    assert!(
        errors.contains(
            "content/foo.md and content/foo/_index.md all have the route `/foo/`; rename or \
             remove all but one"
        ),
        "{errors}"
    );
    assert!(!root.join("public/foo").exists(), "neither is written");
    // The rest of the site is.
    assert!(root.join("public/posts/hello/index.html").is_file());
    // Renaming one makes both build.
    std::fs::rename(root.join("content/foo.md"), root.join("content/foo-page.md")).unwrap();
    let out = run(&sandbox, &["build", "site"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(root.join("public/foo/index.html").is_file());
    assert!(root.join("public/foo-page/index.html").is_file());
    let _ = std::fs::remove_dir_all(sandbox);
}

#[test]
fn a_static_file_with_a_page_s_output_is_an_error_naming_both() {
    let sandbox = temp("static-route");
    let root = sandbox.join("site");
    site(&root);
    write(&root, "static/posts/hello/index.html", "static copy");
    let out = run(&sandbox, &["build", "site"]);
    assert_eq!(out.status.code(), Some(1));
    let errors = stderr(&out);
    assert!(
        errors.contains(
            "static/posts/hello/index.html: has the same output as content/posts/hello.md"
        ),
        "{errors}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("public/posts/hello/index.html")).unwrap(),
        "page:Hello:<p>Hello there.</p>\n",
        "the page's output is the page"
    );
    let _ = std::fs::remove_dir_all(sandbox);
}

#[test]
fn a_symbolic_link_planted_in_the_output_directory_is_never_written_through() {
    let sandbox = temp("output-link");
    let root = sandbox.join("site");
    site(&root);
    std::fs::create_dir_all(sandbox.join("victim")).unwrap();
    std::fs::create_dir_all(root.join("public")).unwrap();
    std::os::unix::fs::symlink(sandbox.join("victim"), root.join("public/posts")).unwrap();
    std::os::unix::fs::symlink(sandbox.join("victim/robots.txt"), root.join("public/robots.txt"))
        .unwrap();
    let out = run(&sandbox, &["build", "site"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let errors = stderr(&out);
    assert!(errors.contains("is not a real directory"), "{errors}");
    assert_eq!(std::fs::read_dir(sandbox.join("victim")).unwrap().count(), 0, "nothing written");
    let _ = std::fs::remove_dir_all(sandbox);
}
