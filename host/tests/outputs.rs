//! Outputs as the host keeps them: restored when changed or deleted by hand (in this process
//! and in the next), recorded per output directory, and kept current when the watcher reports
//! new and deleted content files; with `minify_html`, minified as Zola minifies them (which
//! outputs, their bytes, what an edit minifies again, the key turned on and off, a page that
//! fails). Through the real cells.

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

/// A site with `minify_html` as `minify` says, with an HTML output of every kind Zola
/// minifies: the home (a `<style>`, a comment, a `<script>`), pages (one with an alias), a
/// paginated section (its pagers and the `page/1/` redirect), a taxonomy's list and term,
/// `404.html`; and what Zola does not minify: the feed, the sitemap, `robots.txt`, a static
/// HTML file.
fn minify_site(root: &Path, minify: bool) {
    write(
        root,
        "config.toml",
        &format!(
            "base_url = \"https://m.example\"\ntitle = \"M\"\nminify_html = {minify}\n\
             generate_feeds = true\ntaxonomies = [{{ name = \"tags\" }}]\n"
        ),
    );
    write(root, "content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    write(
        root,
        "content/blog/_index.md",
        "+++\ntitle = \"Blog\"\nsort_by = \"weight\"\npaginate_by = 1\n+++\n",
    );
    write(
        root,
        "content/blog/a.md",
        "+++\ntitle = \"A\"\nweight = 1\ndate = 2024-01-02\naliases = [\"/old/a.html\"]\n\
         [taxonomies]\ntags = [\"x\"]\n+++\nSome   *text*,\n\
         <span style=\"color: #ff0000\">red</span>.\n",
    );
    write(
        root,
        "content/blog/b.md",
        "+++\ntitle = \"B\"\nweight = 2\ndate = 2024-01-01\n+++\nMore.\n",
    );
    write(root, "templates/index.html", HOME_TEMPLATE);
    write(
        root,
        "templates/page.html",
        "<html>\n<head><title>{{ page.title }}</title></head>\n<body>\n  <article>\n    \
         {{ page.content | safe }}\n  </article>\n</body>\n</html>\n",
    );
    write(
        root,
        "templates/section.html",
        "<ul>\n  {% for p in paginator.pages %}<li>{{ p.title }}</li>\n  {% endfor %}\n</ul>\n",
    );
    write(root, "templates/taxonomy_list.html", "<p>\n  tags\n</p>\n");
    write(root, "templates/taxonomy_single.html", "<p>\n  {{ term.name }}\n</p>\n");
    write(root, "templates/404.html", "<p>\n  Not   here.\n</p>\n");
    write(root, "static/raw.html", "<p>\n  as   is\n</p>\n");
}

const HOME_TEMPLATE: &str = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n  \
    <title>{{ section.title }}</title>\n  <style>\n    body { margin: 0px; color: #ffffff; }\n  \
    </style>\n</head>\n<body>\n  <h1>{{ section.title }}</h1>\n  <!-- a comment -->\n  \
    <script>\n    let  x = 1;\n  </script>\n</body>\n</html>\n";

/// Zola 0.22.1's redirect page to `url`, minified (its bytes for `minify_site`).
fn minified_redirect(url: &str) -> String {
    format!(
        "<!doctype html><meta charset=utf-8><title>Redirect</title><script>const target = \
         \"{url}\";\n  const hash = window.location.hash || \"\";\n  \
         window.location.replace(target + hash);</script><noscript><meta content=\"0; \
         url={url}\" http-equiv=refresh></noscript><p><a href={url}>Click here</a> to be \
         redirected."
    )
}

/// Every HTML output of `minify_site`, as its build minifies them.
const MINIFIED: [&str; 10] = [
    "404.html",
    "blog/a/index.html",
    "blog/b/index.html",
    "blog/index.html",
    "blog/page/1/index.html",
    "blog/page/2/index.html",
    "index.html",
    "old/a.html",
    "tags/index.html",
    "tags/x/index.html",
];

#[test]
fn minify_html_writes_every_html_output_as_zola_minifies_it_and_nothing_else() {
    let sandbox = temp("minify-outputs");
    let root = sandbox.join("site");
    minify_site(&root, true);
    let report = open(&root).build(2).unwrap();
    assert!(report.errors.is_empty() && report.warnings.is_empty(), "{report:?}");
    assert_eq!(report.minified, MINIFIED);
    let output = |rel: &str| read(&root.join("public").join(rel));
    // Each as Zola 0.22.1 writes it for this site (its binary, `zola build`): the opening
    // `<html>` and `<head>` kept, CSS minified, the script and its spaces as written, the
    // comment gone, optional closing tags and quotes left out.
    assert_eq!(
        output("index.html"),
        "<!doctype html><html lang=en><head><title>Home</title><style>body{color:#fff;margin:0}\
         </style><body><h1>Home</h1><script>let  x = 1;</script>"
    );
    assert_eq!(
        output("blog/a/index.html"),
        "<html><head><title>A</title><body><article><p>Some <em>text</em>, \
         <span style=color:red>red</span>.</article>"
    );
    assert_eq!(output("blog/index.html"), "<ul><li>A</ul>");
    assert_eq!(output("blog/page/2/index.html"), "<ul><li>B</ul>");
    assert_eq!(output("blog/page/1/index.html"), minified_redirect("https://m.example/blog/"));
    assert_eq!(output("old/a.html"), minified_redirect("https://m.example/blog/a/"));
    assert_eq!(output("tags/index.html"), "<p>tags");
    assert_eq!(output("tags/x/index.html"), "<p>x");
    assert_eq!(output("404.html"), "<p>Not here.");
    // Not HTML written by a render: as they are without the key.
    assert_eq!(output("raw.html"), "<p>\n  as   is\n</p>\n");
    assert!(output("atom.xml").starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed"));
    assert!(output("sitemap.xml").contains("\n    <url>\n"));
    assert!(output("robots.txt").starts_with("User-agent: *\n"));
    let _ = std::fs::remove_dir_all(sandbox);
}

#[test]
fn with_minify_html_an_edit_minifies_again_only_the_pages_it_renders_again() {
    let sandbox = temp("minify-edits");
    let root = sandbox.join("site");
    minify_site(&root, true);
    let site = open(&root);
    assert_eq!(site.build(2).unwrap().minified, MINIFIED);

    // A body: its page (and the feed, which shows it, but is not HTML).
    write(
        &root,
        "content/blog/b.md",
        "+++\ntitle = \"B\"\nweight = 2\ndate = 2024-01-01\n+++\nLess.\n",
    );
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.minified, ["blog/b/index.html"]);
    assert_eq!(report.written_files, ["atom.xml", "blog/b/index.html"]);
    assert_eq!(
        read(&root.join("public/blog/b/index.html")),
        "<html><head><title>B</title><body><article><p>Less.</article>"
    );

    // Nothing changed: nothing minified.
    let report = site.build(2).unwrap();
    assert!(report.minified.is_empty() && report.written_files.is_empty(), "{report:?}");

    // A template: the pages that use it.
    write(
        &root,
        "templates/section.html",
        "<ol>\n  {% for p in paginator.pages %}<li>{{ p.title }}\n  {% endfor %}\n</ol>\n",
    );
    let report = site.build(2).unwrap();
    assert_eq!(report.minified, ["blog/index.html", "blog/page/2/index.html"]);
    assert_eq!(read(&root.join("public/blog/index.html")), "<ol><li>A</ol>");

    // A front matter edit runs the redirects again, but minifies no alias that did not change.
    write(
        &root,
        "content/blog/b.md",
        "+++\ntitle = \"B\"\nweight = 2\ndate = 2024-01-01\naliases = [\"/old/b/\"]\n+++\nLess.\n",
    );
    let report = site.build(2).unwrap();
    assert!(report.minified.contains(&"old/b/index.html".to_string()), "{:?}", report.minified);
    assert!(!report.minified.contains(&"old/a.html".to_string()), "{:?}", report.minified);
    assert_eq!(
        read(&root.join("public/old/b/index.html")),
        minified_redirect("https://m.example/blog/b/")
    );
    drop(site);
    common::assert_outputs_match_a_cold_build(&root, &sandbox.join("cold"), true);
    let _ = std::fs::remove_dir_all(sandbox);
}

#[test]
fn without_minify_html_the_minify_cell_never_starts_and_turning_it_on_and_off_rewrites_the_html() {
    let sandbox = temp("minify-toggle");
    let root = sandbox.join("site");
    minify_site(&root, false);
    let site = open(&root);
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty() && report.minified.is_empty(), "{report:?}");
    assert_eq!(site.cells().pid("cell-minify"), None, "the minify cell was started");
    let as_rendered = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n  <title>Home</title>";
    assert!(read(&root.join("public/index.html")).starts_with(as_rendered));

    minify_site(&root, true);
    let report = site.build(2).unwrap();
    assert_eq!(report.minified, MINIFIED);
    let html: Vec<&String> = report.written_files.iter().filter(|f| f.ends_with("html")).collect();
    assert_eq!(html, MINIFIED.iter().collect::<Vec<_>>());
    assert!(site.cells().pid("cell-minify").is_some());
    assert!(read(&root.join("public/index.html")).starts_with("<!doctype html><html lang=en>"));

    minify_site(&root, false);
    let report = site.build(2).unwrap();
    assert!(report.minified.is_empty(), "{:?}", report.minified);
    assert!(read(&root.join("public/index.html")).starts_with(as_rendered));
    assert_eq!(read(&root.join("public/404.html")), "<p>\n  Not   here.\n</p>\n");
    drop(site);
    let _ = std::fs::remove_dir_all(sandbox);
}

#[test]
fn a_page_the_minify_cell_fails_on_is_an_error_naming_it_and_the_others_are_written() {
    let sandbox = temp("minify-error");
    let root = sandbox.join("site");
    minify_site(&root, true);
    // CSS rules nested 128 deep overflow lightningcss's `u8` indent: a panic in a debug build
    // (the cells of a debug test run), which the cell catches; a release build wraps it.
    let nested = format!("{}color:red{}", "a{".repeat(128), "}".repeat(128));
    write(
        &root,
        "content/blog/b.md",
        &format!("+++\ntitle = \"B\"\nweight = 2\n+++\n<style>{nested}</style>\n"),
    );
    let out = run(&root, &["build"]);
    if cfg!(debug_assertions) {
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        assert!(
            stderr(&out).contains(
                "content/blog/b.md: minifying blog/b/index.html (`minify_html = true`): \
                 minify-html failed on the page (attempt to add with overflow)"
            ),
            "{}",
            stderr(&out)
        );
        assert!(!root.join("public/blog/b/index.html").exists());
    } else {
        assert!(out.status.success(), "{}", stderr(&out));
    }
    // Every other page is written, minified.
    assert_eq!(read(&root.join("public/blog/a/index.html")).lines().count(), 1);
    assert_eq!(read(&root.join("public/404.html")), "<p>Not here.");
    let _ = std::fs::remove_dir_all(sandbox);
}
