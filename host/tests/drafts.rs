//! Drafts as Zola 0.22 builds them: left out (a draft section with its whole directory) unless
//! the build takes them (`--drafts`, [`host::Site::set_drafts`]), then built and listed as
//! other pages (sections, taxonomies, feeds, the sitemap), still `page.draft`. The expected
//! strings are Zola's output for the same site, with and without `--drafts`. The flag is an
//! input: switching it renders exactly the pages that show a draft.

mod common;

use common::read_output as read;

use std::path::{Path, PathBuf};

use common::write;

fn site(name: &str) -> (PathBuf, PathBuf) {
    let sandbox = common::temp(&format!("drafts-{name}"));
    let root = sandbox.join("site");
    write(
        &root,
        "config.toml",
        "base_url = \"https://x.org\"\ngenerate_feeds = true\ntaxonomies = [{ name = \"tags\" }]\n",
    );
    write(&root, "content/_index.md", "+++\n+++\n");
    write(&root, "content/blog/_index.md", "+++\ntitle = \"Blog\"\nsort_by = \"date\"\n+++\n");
    write(
        &root,
        "content/blog/a.md",
        "+++\ntitle = \"A\"\ndate = 2024-01-01\n[taxonomies]\ntags = [\"x\"]\n+++\nAlpha.\n",
    );
    write(
        &root,
        "content/blog/d.md",
        "+++\ntitle = \"D\"\ndate = 2024-02-01\ndraft = true\n[taxonomies]\ntags = [\"x\"]\n+++\n\
         Draft.\n",
    );
    // A draft section: Zola leaves out its whole directory, its pages too.
    write(&root, "content/notes/_index.md", "+++\ntitle = \"Notes\"\ndraft = true\n+++\n");
    write(&root, "content/notes/n.md", "+++\ntitle = \"N\"\n+++\nNote.\n");
    write(&root, "content/other.md", "+++\ntitle = \"Other\"\n+++\nOther.\n");
    write(&root, "templates/page.html", "{{ page.title }} draft={{ page.draft }}");
    write(
        &root,
        "templates/section.html",
        "{{ section.title }}:{% for p in section.pages %}[{{ p.title }}]{% endfor %}",
    );
    write(&root, "templates/index.html", "home");
    write(
        &root,
        "templates/tags/single.html",
        "{{ term.name }}:{% for p in term.pages %}[{{ p.title }}]{% endfor %}",
    );
    write(&root, "templates/tags/list.html", "{% for t in terms %}[{{ t.name }}]{% endfor %}");
    (sandbox, root)
}

/// The `<loc>`s of the sitemap.
fn sitemap(root: &Path) -> Vec<String> {
    read(root, "sitemap.xml")
        .lines()
        .filter_map(|line| line.trim().strip_prefix("<loc>")?.strip_suffix("</loc>"))
        .map(str::to_string)
        .collect()
}

#[test]
fn drafts_are_left_out_with_their_section_s_directory_unless_the_build_takes_them() {
    let (sandbox, root) = site("zola");
    let mut site = common::open(&root);
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // Zola 0.22.1 without `--drafts`.
    assert_eq!(read(&root, "blog/index.html"), "Blog:[A]");
    assert_eq!(read(&root, "tags/x/index.html"), "x:[A]");
    assert!(!root.join("public/blog/d").exists());
    assert!(!root.join("public/notes").exists(), "a draft section's pages are left out too");
    assert_eq!(read(&root, "atom.xml").matches("<entry").count(), 1);
    let without = [
        "https://x.org/",
        "https://x.org/blog/",
        "https://x.org/blog/a/",
        "https://x.org/other/",
        "https://x.org/tags/",
        "https://x.org/tags/x/",
    ];
    assert_eq!(sitemap(&root), without);

    // Zola 0.22.1 with `--drafts`.
    site.set_drafts(true);
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(read(&root, "blog/index.html"), "Blog:[D][A]");
    assert_eq!(read(&root, "tags/x/index.html"), "x:[D][A]");
    assert_eq!(read(&root, "blog/d/index.html"), "D draft=true");
    assert_eq!(read(&root, "notes/index.html"), "Notes:[N]");
    assert_eq!(read(&root, "notes/n/index.html"), "N draft=false");
    assert_eq!(read(&root, "atom.xml").matches("<entry").count(), 2);
    assert_eq!(
        sitemap(&root),
        [
            "https://x.org/",
            "https://x.org/blog/",
            "https://x.org/blog/a/",
            "https://x.org/blog/d/",
            "https://x.org/notes/",
            "https://x.org/notes/n/",
            "https://x.org/other/",
            "https://x.org/tags/",
            "https://x.org/tags/x/",
        ]
    );
    common::assert_outputs_match_a_cold_build_with(&root, &sandbox.join("cold"), |site| {
        site.set_drafts(true)
    });

    // And back: the drafts' outputs are removed.
    site.set_drafts(false);
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(!root.join("public/blog/d").exists() && !root.join("public/notes").exists());
    assert_eq!(read(&root, "blog/index.html"), "Blog:[A]");
    assert_eq!(sitemap(&root), without);
    common::remove_unless_failing(&sandbox);
}

#[test]
fn switching_drafts_on_renders_exactly_the_drafts_and_the_pages_that_list_them() {
    let (sandbox, root) = site("switch");
    let mut site = common::open(&root);
    site.build(2).unwrap();
    site.set_drafts(true);
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // The drafts (and the draft section's page), and what now shows one: the section and
    // the term that list D, the list of tags (its pages), the site's feed, and A, whose
    // `higher` D now is; not the home, nor `other.md`.
    assert_eq!(
        report.rendered,
        [
            "/atom.xml",
            "/tags/",
            "/tags/x/",
            "blog/_index.md",
            "blog/a.md",
            "blog/d.md",
            "notes/_index.md",
            "notes/n.md"
        ]
    );
    // A build with nothing changed renders nothing, drafts or not.
    assert!(site.build(2).unwrap().rendered.is_empty());
    common::remove_unless_failing(&sandbox);
}

#[test]
fn the_drafts_flag_goes_with_build_and_serve() {
    let (sandbox, root) = site("cli");
    let out = common::run(&root, &["build", "--drafts", "-q"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert_eq!(read(&root, "blog/d/index.html"), "D draft=true");
    // The next build without it finds the saved build no longer its own: the drafts go.
    let out = common::run(&root, &["build", "-q"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(!root.join("public/blog/d").exists());
    // And with it again, though no file changed since.
    let out = common::run(&root, &["build", "--drafts", "-q"]);
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(root.join("public/blog/d/index.html").is_file());
    // `serve --drafts` serves them, and rebuilds a draft on its edit.
    let mut server = common::server::Server::start(&root, &["--port", "0", "--drafts"]);
    assert!(common::client::get(&server.address, "/blog/d/").text().starts_with("D draft=true"));
    common::server::save(
        &root,
        "content/blog/d.md",
        "+++\ntitle = \"D2\"\ndate = 2024-02-01\ndraft = true\n+++\n",
    );
    server.wait_body("/blog/d/", "D2 draft=true");
    server.ctrl_c();
    assert!(server.wait_exit().success());
    let out = common::run(&root, &["clean", "--drafts"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(common::stderr(&out).contains("--drafts goes with `build` and `serve`"));
    assert!(common::stdout(&common::run(&root, &["--help"])).contains("--drafts"));
    common::remove_unless_failing(&sandbox);
}
