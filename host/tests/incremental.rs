//! Incremental builds through the real cell processes, beyond one edit at a time (those are in
//! `edits.rs`): a template named at render time, site errors, a killed cell, a missing cell
//! binary, a build cut short, a deleted output directory.

mod common;

use std::path::PathBuf;

use host::{Cells, Site};

struct Fixture {
    root: PathBuf,
}

impl Fixture {
    fn new(name: &str) -> Fixture {
        let fixture = Fixture { root: common::temp(&format!("incremental-{name}")) };
        fixture.write("dodeca.toml", "title = \"Test\"\nbase_url = \"https://t.example\"\n");
        fixture.write("content/_index.md", "+++\ntitle = \"Home\"\n+++\nWelcome.\n");
        fixture.write("content/blog/_index.md", "+++\ntitle = \"Blog\"\n+++\n");
        fixture.write(
            "content/blog/a.md",
            "+++\ntitle = \"Post A\"\nweight = 1\n+++\nAlpha, see [b](@/blog/b.md).\n",
        );
        fixture.write("content/blog/b.md", "+++\ntitle = \"Post B\"\nweight = 2\n+++\nBeta.\n");
        fixture.write(
            "content/about.md",
            "+++\ntitle = \"About\"\ntemplate = \"about.html\"\n+++\nAbout us.\n",
        );
        fixture.write("templates/base.html", "<title>{% block title %}{{ config.title }}{% endblock %}</title>{% block body %}{% endblock %}");
        fixture.write("templates/index.html", "{% extends \"base.html\" %}{% block body %}{% for p in get_section(path=\"blog/_index.md\").pages %}[{{ p.title }}]{% endfor %}{% endblock %}");
        fixture.write("templates/section.html", "{% extends \"base.html\" %}{% block body %}{% for p in section.pages %}<a href=\"{{ p.permalink }}\">{{ p.title }}</a>{% endfor %}{% endblock %}");
        fixture.write("templates/page.html", "{% extends \"base.html\" %}{% block title %}{{ page.title }}{% endblock %}{% block body %}{{ page.content | safe }}{% include \"partials/footer.html\" %}{% endblock %}");
        fixture.write("templates/about.html", "{% extends \"base.html\" %}{% block body %}by {{ data.authors.alice.name }}{% endblock %}");
        fixture.write("templates/partials/footer.html", "<footer>v1</footer>");
        fixture.write("data/authors.toml", "[alice]\nname = \"Alice\"\n[bob]\nname = \"Bob\"\n");
        fixture.write("static/css/style.css", "body { color: black }\n");
        fixture
    }

    fn write(&self, rel: &str, text: &str) {
        common::write(&self.root, rel, text);
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join("public").join(rel)).unwrap_or_default()
    }

    fn site(&self) -> Site {
        common::open(&self.root)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

#[test]
fn a_template_named_at_render_time_is_fetched_by_callback_and_tracked_per_page() {
    let fixture = Fixture::new("computed");
    fixture.write(
        "content/about.md",
        "+++\ntitle = \"About\"\ntemplate = \"dynamic.html\"\n[extra]\npartial = \"partials/one.html\"\n+++\n",
    );
    fixture.write(
        "templates/dynamic.html",
        "{% extends \"base.html\" %}{% block body %}{% include page.extra.partial %}{% endblock %}",
    );
    fixture.write("templates/partials/one.html", "one v1");
    fixture.write("templates/partials/two.html", "two v1");
    let site = fixture.site();
    let first = site.build(2).unwrap();
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    assert_eq!(fixture.read("about/index.html"), "<title>Test</title>one v1");

    // The included name is computed, so it is not sent with the request: the cell asks for
    // it, and that callback is what makes this page (and only it) depend on it.
    fixture.write("templates/partials/one.html", "one v2");
    let edited = site.build(2).unwrap();
    assert_eq!((edited.renders, edited.written), (1, 1), "{edited:?}");
    assert_eq!(fixture.read("about/index.html"), "<title>Test</title>one v2");

    // A template no render reads renders nothing.
    fixture.write("templates/partials/two.html", "two v2");
    let unread = site.build(2).unwrap();
    assert_eq!((unread.renders, unread.written), (0, 0), "{unread:?}");

    // A base template sent with every request: every page extending it re-renders.
    fixture.write("templates/base.html", "<title>{% block title %}{{ config.title }}{% endblock %}</title>|{% block body %}{% endblock %}");
    let base = site.build(2).unwrap();
    assert_eq!(base.renders, 5, "{base:?}");
    assert_eq!(fixture.read("about/index.html"), "<title>Test</title>|one v2");
}

#[test]
fn a_site_error_names_the_file_and_line_and_other_pages_are_still_written() {
    let fixture = Fixture::new("errors");
    fixture.write("content/blog/b.md", "+++\ntitle = \"Post B\"\nweight = \"2\"\n+++\nBeta.\n");
    // A key Zola ignores on a page is a warning, and the page is built.
    fixture.write("content/blog/a.md", "+++\ntitle = \"Post A\"\nwieght = 1\n+++\nAlpha.\n");
    fixture.write("content/about.md", "+++\ntitle = \"About\"\n+++\nSee [x](@/missing.md).\n");
    let site = fixture.site();
    let report = site.build(2).unwrap();
    let messages: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(report.errors.len(), 2, "{messages:#?}");
    assert!(
        messages.iter().any(|m| m
            .starts_with("content/blog/b.md:3:10: `weight` must be a whole number, not a string")),
        "{messages:#?}"
    );
    assert_eq!(
        report.warnings,
        ["content/blog/a.md:3:1: unknown front matter key `wieght` (did you mean `weight`?); \
             your own keys go under `extra`; ignored, as Zola ignores it"]
    );
    assert!(
        messages.iter().any(|m| m.starts_with("content/about.md:4:")
            && m.contains("broken internal link `@/missing.md`")),
        "{messages:#?}"
    );
    assert!(fixture.read("blog/a/index.html").contains("Alpha"), "the good pages are written");

    // A template that names a partial that does not exist: the error names both.
    fixture.write("templates/page.html", "{% include \"partials/nope.html\" %}");
    let report = site.build(2).unwrap();
    let messages: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert!(
        messages.iter().any(|m| m.starts_with("content/blog/a.md")
            && m.contains("page.html")
            && m.contains("partials/nope.html")),
        "{messages:#?}"
    );
}

#[test]
fn a_killed_template_cell_is_restarted_and_the_build_completes() {
    let fixture = Fixture::new("killed");
    let site = fixture.site();
    assert!(site.build(2).unwrap().errors.is_empty());
    let pid = site.cells().pid("cell-template").expect("the template cell is running");
    common::kill(pid);
    fixture.write("templates/base.html", "<title>{% block title %}{{ config.title }}!{% endblock %}</title>{% block body %}{% endblock %}");
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.renders, 5);
    assert_eq!(fixture.read("index.html"), "<title>Test!</title>[Post A][Post B]");
    assert_ne!(site.cells().pid("cell-template"), Some(pid), "a new cell");
}

#[test]
fn a_missing_cell_binary_is_an_error_naming_it() {
    let fixture = Fixture::new("missing");
    let empty = common::temp("no-cells");
    let site = Site::open_with(&fixture.root, Cells::in_dirs(vec![empty.clone()])).unwrap();
    let error = site.build(2).expect_err("the build fails");
    let message = error.to_string();
    assert!(message.contains("cell binary `cell-markdown` not found"), "{message}");
    assert!(message.contains("cargo build --release -p cell-markdown"), "{message}");
    let _ = std::fs::remove_dir_all(empty);
}

/// A cell that fails (here one that exits as soon as it starts, so every markdown call
/// fails) can leave answers made of the failure in the database: a section's listing without
/// the section it could not parse. The next process, where no file changed, would take them
/// as valid; so a process in which a cell failed saves no database, and the next one builds
/// from scratch, writing what a clean build writes.
#[test]
fn a_build_in_which_a_cell_failed_saves_no_database_and_the_next_process_builds_from_scratch() {
    let fixture = Fixture::new("cell-failed");
    let cells = common::temp("failing-cells");
    std::os::unix::fs::symlink(
        common::cell_dir().join("cell-template"),
        cells.join("cell-template"),
    )
    .unwrap();
    let fake = cells.join("cell-markdown");
    std::fs::write(&fake, "#!/bin/sh\nexit 3\n").unwrap();
    let mut permissions = std::fs::metadata(&fake).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut permissions, 0o755);
    std::fs::set_permissions(&fake, permissions).unwrap();

    let mut failing = Site::open_with(&fixture.root, Cells::in_dirs(vec![cells.clone()])).unwrap();
    failing.set_persistent(true);
    let report = failing.build(2).unwrap();
    assert!(!report.errors.is_empty(), "every page needs the markdown cell");
    assert!(
        report.warnings.iter().any(|w| w.contains("the cache's database was not saved")),
        "{:?}",
        report.warnings
    );
    drop(failing);
    assert!(!fixture.root.join(".cache/dodeca.bin").exists(), "no database for the next process");

    let mut next = fixture.site();
    next.set_persistent(true);
    let report = next.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.start, host::Start::Cold);
    assert_eq!(
        fixture.read("blog/index.html"),
        "<title>Test</title><a href=\"https:&#x2F;&#x2F;t.example&#x2F;blog&#x2F;a&#x2F;\">Post A</a>\
         <a href=\"https:&#x2F;&#x2F;t.example&#x2F;blog&#x2F;b&#x2F;\">Post B</a>"
    );
    assert_eq!(fixture.read("index.html"), "<title>Test</title>[Post A][Post B]");
    let _ = std::fs::remove_dir_all(cells);
}

#[test]
fn after_a_build_cut_short_the_next_build_writes_every_output_again() {
    let fixture = Fixture::new("interrupted");
    let marker = fixture.root.join(".cache/build.incomplete");
    let first = fixture.site().build(2).unwrap();
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    assert!(!marker.exists(), "a build that finished leaves no marker");

    // Without the marker, a new process trusts cas.db: an output it recorded, whose file is
    // as written (its stamp), is not rewritten; this is what makes a cold start of an
    // unchanged site write nothing. A file changed behind its back is written again.
    let trusted = fixture.site().build(2).unwrap();
    assert_eq!(trusted.written, 0, "{trusted:?}");
    std::fs::write(fixture.root.join("public/blog/b/index.html"), "changed behind our back")
        .unwrap();
    let restored = fixture.site().build(2).unwrap();
    assert_eq!(restored.written, 1, "{restored:?}");
    assert!(fixture.read("blog/b/index.html").contains("Beta"));

    // A build killed after writing a page but before saving cas.db leaves the marker up: then
    // no recorded hash is trusted, and every output is written afresh.
    std::fs::write(&marker, "").unwrap();
    let rebuilt = fixture.site().build(2).unwrap();
    // Every output: five pages, the stylesheet, `404.html`, `robots.txt`, `sitemap.xml`.
    assert_eq!(rebuilt.written, 9, "{rebuilt:?}");
    assert!(fixture.read("blog/b/index.html").contains("Beta"));
    assert!(!marker.exists());
}

#[test]
fn a_deleted_output_directory_is_written_again_by_the_next_build() {
    let fixture = Fixture::new("deleted-output");
    let site = fixture.site();
    let first = site.build(2).unwrap();
    assert!(first.errors.is_empty(), "{:?}", first.errors);
    std::fs::remove_dir_all(fixture.root.join("public")).unwrap();
    let again = site.build(2).unwrap();
    // Five pages, the stylesheet and the three site-wide files.
    assert_eq!((again.renders, again.written), (0, 9), "{again:?}");
    assert_eq!(fixture.read("index.html"), "<title>Test</title>[Post A][Post B]");
    assert_eq!(fixture.read("css/style.css"), "body { color: black }\n");
}
