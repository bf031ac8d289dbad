//! `ignored_content` and `ignored_static`: the files the config's globs match are not the
//! site's (not pages, not assets, not static files), as Zola 0.22 leaves them out; editing
//! one renders and writes nothing.
//!
//! Zola matches a content glob against the file's absolute path (and a directory's, which
//! leaves out that directory's `_index.md` only) and a static glob against the path under
//! `static/`; the host does the same, and also matches a content glob against the path under
//! `content/`, as Zola's documentation describes (`temp.*`). Everything below is what Zola
//! 0.22.1 wrote for this site but `content/temp.md`, which Zola builds (its `temp.*` never
//! matches an absolute path).

mod common;

use common::read_output as read;

use std::path::PathBuf;

use common::write;

const IGNORED: &str = "ignored_content = [\"*.{graphml,xlsx}\", \"temp.*\", \"**/build_folder\", \
                       \"*/private/*\"]\nignored_static = [\"*.psd\", \"temp.*\"]\n";

fn site(name: &str) -> (PathBuf, PathBuf) {
    let sandbox = common::temp(&format!("ignored-{name}"));
    let root = sandbox.join("site");
    write(&root, "config.toml", &format!("base_url = \"https://x.org\"\n{IGNORED}"));
    write(&root, "content/_index.md", "+++\n+++\n");
    write(&root, "content/blog/_index.md", "+++\ntitle = \"Blog\"\n+++\n");
    write(&root, "content/blog/post/index.md", "+++\ntitle = \"P\"\n+++\n");
    write(&root, "content/blog/post/data.xlsx", "a");
    write(&root, "content/blog/post/keep.txt", "b");
    write(&root, "content/temp.md", "+++\ntitle = \"Temp\"\n+++\n");
    // Only a matched directory's section is left out; its page is an orphan, as in Zola.
    write(&root, "content/build_folder/_index.md", "+++\ntitle = \"BF\"\n+++\n");
    write(&root, "content/build_folder/x.md", "+++\ntitle = \"X\"\n+++\n");
    // `*/private/*` matches only the absolute path (a directory before `private/`).
    write(&root, "content/private/secret.md", "+++\ntitle = \"Secret\"\n+++\n");
    write(&root, "static/art.psd", "psd");
    write(&root, "static/temp.css", "t");
    write(&root, "static/sub/temp.css", "v");
    write(&root, "templates/page.html", "{{ page.title }} {{ page.assets | join(sep=\",\") }}");
    write(&root, "templates/section.html", "{{ section.title }}");
    write(&root, "templates/index.html", "home");
    (sandbox, root)
}

#[test]
fn ignored_files_are_neither_content_nor_static_files() {
    let (sandbox, root) = site("outputs");
    let report = common::open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(report.warnings.is_empty(), "not warned about any more: {:?}", report.warnings);
    let mut files = common::files(&root.join("public"));
    files.retain(|file| !matches!(file.as_str(), "404.html" | "robots.txt" | "sitemap.xml"));
    assert_eq!(
        files,
        [
            "blog/index.html",
            "blog/post/index.html",
            "blog/post/keep.txt",
            "build_folder/x/index.html",
            "index.html",
            "sub/temp.css",
        ]
    );
    assert_eq!(read(&root, "blog/post/index.html"), "P &#x2F;blog&#x2F;post&#x2F;keep.txt");
    assert!(!read(&root, "sitemap.xml").contains("build_folder/<"));
    common::remove_unless_failing(&sandbox);
}

#[test]
fn editing_an_ignored_file_renders_and_writes_nothing() {
    let (sandbox, root) = site("edits");
    let site = common::open(&root);
    site.build(2).unwrap();
    write(&root, "content/temp.md", "+++\ntitle = \"Temp 2\"\n+++\n");
    write(&root, "content/blog/post/data.xlsx", "changed");
    write(&root, "content/blog/post/more.graphml", "new");
    write(&root, "content/build_folder/_index.md", "+++\ntitle = \"BF 2\"\n+++\n");
    write(&root, "static/art.psd", "changed");
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(report.rendered.is_empty(), "{:?}", report.rendered);
    assert!(report.written_files.is_empty(), "{:?}", report.written_files);
    // As a watcher reports one page: nothing read.
    site.content_changed("temp.md").unwrap();
    let report = site.build_loaded(2).unwrap();
    assert!(report.rendered.is_empty() && report.written_files.is_empty(), "{report:?}");
    assert!(!root.join("public/temp").exists());
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_glob_taken_out_of_the_config_brings_its_files_back() {
    let (sandbox, root) = site("config");
    let site = common::open(&root);
    site.build(2).unwrap();
    write(&root, "config.toml", "base_url = \"https://x.org\"\nignored_static = [\"*.psd\"]\n");
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(read(&root, "temp/index.html"), "Temp ");
    assert_eq!(read(&root, "blog/post/index.html"), {
        "P &#x2F;blog&#x2F;post&#x2F;data.xlsx,&#x2F;blog&#x2F;post&#x2F;keep.txt"
    });
    assert_eq!(read(&root, "build_folder/index.html"), "BF");
    assert_eq!(read(&root, "temp.css"), "t");
    assert!(!root.join("public/art.psd").exists());
    common::assert_outputs_match_a_cold_build(&root, &sandbox.join("cold"), true);
    common::remove_unless_failing(&sandbox);
}
