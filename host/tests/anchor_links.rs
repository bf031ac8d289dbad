//! Headings' anchor links as Zola 0.22 places them: a section's own `insert_anchor_links`, a
//! page's section's (the `_index.md` of the page's own directory, not the nearest section
//! above), else the config's `[markdown] insert_anchor_links`; never in the `markdown` filter.
//! The expected strings are Zola's output for the same site. An edit of a section's setting
//! renders again exactly the pages that take it.

mod common;

use common::read_output as read;

use std::path::PathBuf;

use common::write;

fn site(name: &str) -> (PathBuf, PathBuf) {
    let sandbox = common::temp(&format!("anchor-links-{name}"));
    let root = sandbox.join("site");
    write(
        &root,
        "config.toml",
        "base_url = \"https://x.org\"\n[markdown]\ninsert_anchor_links = \"heading\"\n",
    );
    write(&root, "content/_index.md", "+++\n+++\n## Home\n");
    write(
        &root,
        "content/guide/_index.md",
        "+++\ntitle = \"Guide\"\ninsert_anchor_links = \"right\"\n+++\n## Guide\n",
    );
    write(&root, "content/guide/a.md", "+++\ntitle = \"A\"\n+++\n## Intro\n");
    // No `_index.md` in `sub/`: Zola gives it the config's, not the guide's.
    write(&root, "content/guide/sub/b.md", "+++\ntitle = \"B\"\n+++\n## Below\n");
    write(&root, "content/guide/bundle/index.md", "+++\ntitle = \"Bundle\"\n+++\n## Bundled\n");
    write(&root, "content/guide/deep/_index.md", "+++\ntitle = \"Deep\"\n+++\n## Deep\n");
    write(&root, "content/guide/deep/c.md", "+++\ntitle = \"C\"\n+++\n## Cee\n");
    write(&root, "content/about.md", "+++\ntitle = \"About\"\n+++\n## About\n");
    write(&root, "templates/page.html", "{{ page.content | safe }}");
    write(&root, "templates/section.html", "{{ section.content | safe }}");
    write(
        &root,
        "templates/index.html",
        "{{ section.content | safe }}{{ \"## Filtered\" | markdown | safe }}",
    );
    (sandbox, root)
}

fn right(id: &str, text: &str) -> String {
    format!(
        "<h2 id=\"{id}\">{text}<a class=\"zola-anchor\" href=\"#{id}\" \
         aria-label=\"Anchor link for: {id}\">🔗</a></h2>\n"
    )
}

fn heading(id: &str, text: &str) -> String {
    format!(
        "<h2 id=\"{id}\"><a class=\"zola-anchor\" href=\"#{id}\" \
         aria-label=\"Anchor link for: {id}\">{text}</a></h2>\n"
    )
}

fn left(id: &str, text: &str) -> String {
    format!(
        "<h2 id=\"{id}\"><a class=\"zola-anchor\" href=\"#{id}\" \
         aria-label=\"Anchor link for: {id}\">🔗</a>{text}</h2>\n"
    )
}

#[test]
fn a_page_takes_the_anchor_links_of_the_section_in_its_directory_else_the_config_s() {
    let (sandbox, root) = site("zola");
    let report = common::open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    // Zola 0.22.1's output for this site, file by file.
    assert_eq!(read(&root, "guide/index.html"), right("guide", "Guide"));
    assert_eq!(read(&root, "guide/a/index.html"), right("intro", "Intro"));
    assert_eq!(read(&root, "guide/bundle/index.html"), right("bundled", "Bundled"));
    assert_eq!(read(&root, "guide/sub/b/index.html"), heading("below", "Below"));
    assert_eq!(read(&root, "guide/deep/index.html"), heading("deep", "Deep"));
    assert_eq!(read(&root, "guide/deep/c/index.html"), heading("cee", "Cee"));
    assert_eq!(read(&root, "about/index.html"), heading("about", "About"));
    // The `markdown` filter never has anchor links.
    assert_eq!(
        read(&root, "index.html"),
        format!("{}<h2 id=\"filtered\">Filtered</h2>\n", heading("home", "Home"))
    );
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_section_s_anchor_links_edit_renders_exactly_the_pages_that_take_them() {
    let (sandbox, root) = site("edits");
    let site = common::open(&root);
    site.build(2).unwrap();
    // The guide's setting: the guide itself, and the two pages in its directory; not
    // `sub/b.md` (no section in its directory), nor the deep section and its page.
    write(
        &root,
        "content/guide/_index.md",
        "+++\ntitle = \"Guide\"\ninsert_anchor_links = \"left\"\n+++\n## Guide\n",
    );
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.rendered, ["guide/_index.md", "guide/a.md", "guide/bundle/index.md"]);
    assert_eq!(read(&root, "guide/a/index.html"), left("intro", "Intro"));
    // Its title alone: the guide renders, its pages keep their setting and do not.
    write(
        &root,
        "content/guide/_index.md",
        "+++\ntitle = \"The guide\"\ninsert_anchor_links = \"left\"\n+++\n## Guide\n",
    );
    let report = site.build(2).unwrap();
    assert_eq!(report.rendered, ["guide/_index.md"]);
    // The deep section takes a setting of its own: its page follows.
    write(
        &root,
        "content/guide/deep/_index.md",
        "+++\ntitle = \"Deep\"\ninsert_anchor_links = \"none\"\n+++\n## Deep\n",
    );
    let report = site.build(2).unwrap();
    assert_eq!(report.rendered, ["guide/deep/_index.md", "guide/deep/c.md"]);
    assert_eq!(read(&root, "guide/deep/c/index.html"), "<h2 id=\"cee\">Cee</h2>\n");
    common::assert_outputs_match_a_cold_build(&root, &sandbox.join("cold"), true);
    common::remove_unless_failing(&sandbox);
}
