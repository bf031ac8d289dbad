//! Internal links checked as a Zola build checks them: a link to a file that does not exist,
//! and an anchor its target does not have (`@/docs/b.md#usage`, or `#install` for one of the
//! page's own), fail the build with the file, line and column, or are warnings with
//! `[link_checker] internal_level = "warn"` (the link then left as written). A page's anchors
//! are its headings' ids and its elements' `id`/`name` values (any case); a section's, its
//! headings' only; `#top` always exists. Each expectation was checked against Zola 0.22.1 on
//! the same site. The checks keep the build's exactness: an edit that leaves a target's
//! anchors as they were renders no page that links to it.

mod common;

use common::read_output as read;

use std::path::PathBuf;

use common::write;

fn site(name: &str) -> (PathBuf, PathBuf) {
    let sandbox = common::temp(&format!("link-checker-{name}"));
    let root = sandbox.join("site");
    write(&root, "config.toml", "base_url = \"https://x.org\"\n");
    write(&root, "content/_index.md", "+++\n+++\n");
    write(
        &root,
        "content/docs/_index.md",
        "+++\ntitle = \"Docs\"\n+++\n<p id=\"in-section\">x</p>\n\n## Setup\n",
    );
    write(
        &root,
        "content/docs/a.md",
        "+++\ntitle = \"A\"\n+++\n## Install\n\n<span name=\"legacy\"></span>\n\n\
         [b](@/docs/b.md#usage) [top](@/docs/b.md#TOP) [self](#install) [leg](#LEGACY)\n",
    );
    write(
        &root,
        "content/docs/b.md",
        "+++\ntitle = \"B\"\n+++\n## Usage\n[sec](@/docs/_index.md#setup)\n",
    );
    write(
        &root,
        "templates/page.html",
        "{{ page.title }}:{% for b in page.backlinks %}{{ b.title }},{% endfor %}",
    );
    write(&root, "templates/section.html", "{{ section.title }}");
    write(&root, "templates/index.html", "home");
    (sandbox, root)
}

fn errors(report: &host::BuildReport) -> Vec<String> {
    report.errors.iter().map(ToString::to_string).collect()
}

#[test]
fn anchors_that_exist_pass_and_a_page_linking_to_its_own_anchor_is_its_own_backlink() {
    let (sandbox, root) = site("valid");
    let report = common::open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    // Zola's output: a links to itself (`#install`) and to b.
    assert_eq!(read(&root, "docs/a/index.html"), "A:A,");
    assert_eq!(read(&root, "docs/b/index.html"), "B:A,");
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_missing_anchor_fails_the_build_at_the_link_and_a_section_offers_its_headings_only() {
    let (sandbox, root) = site("broken");
    // An element's id in a section is no anchor of it (Zola checks a section's headings).
    write(
        &root,
        "content/docs/b.md",
        "+++\ntitle = \"B\"\n+++\n## Usage\n[sec](@/docs/_index.md#in-section)\n",
    );
    let site = common::open(&root);
    let report = site.build(2).unwrap();
    let first = errors(&report);
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(
        first[0].starts_with(
            "content/docs/b.md:5:7: broken anchor in the internal link \
             `@/docs/_index.md#in-section`: content/docs/_index.md has no heading with the id \
             `in-section`"
        ),
        "{first:?}"
    );
    // One of a page's own: placed at its `#`.
    write(
        &root,
        "content/docs/b.md",
        "+++\ntitle = \"B\"\n+++\n## Usage\nSee [below](#usage-2).\n",
    );
    let report = site.build(2).unwrap();
    let second = errors(&report);
    assert_eq!(second.len(), 1, "{second:?}");
    assert!(
        second[0].starts_with(
            "content/docs/b.md:5:13: broken anchor in the internal link `@/docs/b.md#usage-2`: \
             content/docs/b.md has no heading or element with the id `usage-2`"
        ),
        "{second:?}"
    );
    // The CLI fails on it.
    let out = common::run(&root, &["build", "-q", "."]);
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    assert!(common::stderr(&out).contains("`@/docs/b.md#usage-2`"), "{}", common::stderr(&out));
    // A draft is built nowhere, so its links are not checked (as Zola, which does not load
    // it); the broken link above fixed, the build passes.
    write(&root, "content/docs/b.md", "+++\ntitle = \"B\"\n+++\n## Usage\n");
    write(
        &root,
        "content/docs/c.md",
        "+++\ntitle = \"C\"\ndraft = true\n+++\n[gone](#nowhere) [b](@/docs/b.md#nowhere)\n",
    );
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert!(!root.join("public/docs/c/index.html").exists());
    common::remove_unless_failing(&sandbox);
}

#[test]
fn with_internal_level_warn_broken_links_and_anchors_are_warnings_and_links_stay_as_written() {
    let (sandbox, root) = site("warn");
    write(
        &root,
        "config.toml",
        "base_url = \"https://x.org\"\n[link_checker]\ninternal_level = \"warn\"\n",
    );
    write(&root, "templates/page.html", "{{ page.content | safe }}");
    write(
        &root,
        "content/docs/b.md",
        "+++\ntitle = \"B\"\n+++\n## Usage\n[gone](@/docs/zzz.md) [miss](@/docs/a.md#nowhere)\n",
    );
    let report = common::open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(report.warnings.len(), 2, "{:?}", report.warnings);
    assert!(report.warnings.iter().any(|w| w.starts_with(
        "content/docs/b.md:5:8: broken internal link `@/docs/zzz.md`: there is no content/docs/zzz.md"
    )), "{:?}", report.warnings);
    assert!(
        report.warnings.iter().any(|w| w.starts_with(
            "content/docs/b.md:5:30: broken anchor in the internal link `@/docs/a.md#nowhere`"
        )),
        "{:?}",
        report.warnings
    );
    // Zola's page: the broken link as written, the other resolved.
    assert_eq!(
        read(&root, "docs/b/index.html"),
        "<h2 id=\"usage\">Usage</h2>\n<p><a href=\"@/docs/zzz.md\">gone</a> <a \
         href=\"https://x.org/docs/a/#nowhere\">miss</a></p>\n"
    );
    common::remove_unless_failing(&sandbox);
}

#[test]
fn an_edit_that_keeps_a_target_s_anchors_renders_none_of_the_pages_linking_to_it() {
    let (sandbox, root) = site("edits");
    let site = common::open(&root);
    site.build(2).unwrap();
    // b's body changes, its heading stays: b alone.
    write(
        &root,
        "content/docs/b.md",
        "+++\ntitle = \"B\"\n+++\n## Usage\nMore. [sec](@/docs/_index.md#setup)\n",
    );
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(report.rendered, ["docs/b.md"]);
    // b's heading renamed: a's link breaks, and is reported, but a does not render.
    write(
        &root,
        "content/docs/b.md",
        "+++\ntitle = \"B\"\n+++\n## Use\nMore. [sec](@/docs/_index.md#setup)\n",
    );
    let report = site.build(2).unwrap();
    assert_eq!(report.rendered, ["docs/b.md"]);
    let broken = errors(&report);
    assert_eq!(broken.len(), 1, "{broken:?}");
    assert!(broken[0].contains("`@/docs/b.md#usage`"), "{broken:?}");
    // Renamed back: the error goes, still without rendering a.
    write(
        &root,
        "content/docs/b.md",
        "+++\ntitle = \"B\"\n+++\n## Usage\nMore. [sec](@/docs/_index.md#setup)\n",
    );
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", errors(&report));
    assert_eq!(report.rendered, ["docs/b.md"]);
    common::remove_unless_failing(&sandbox);
}
