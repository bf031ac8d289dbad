//! Zola's `backlinks`: a page's or section's list of the built files whose text links to it
//! (`@/…`), each `{permalink, title}`, sorted by permalink; drafts link nowhere. The expected
//! strings are Zola 0.22.1's output for the same site. A link added or removed renders again
//! the pages that print the target's backlinks, and no other.

mod common;

use common::read_output as read;

use std::path::PathBuf;

use common::write;

fn site(name: &str) -> (PathBuf, PathBuf) {
    let sandbox = common::temp(&format!("backlinks-{name}"));
    let root = sandbox.join("site");
    write(&root, "config.toml", "base_url = \"https://x.org\"\n");
    write(&root, "content/_index.md", "+++\n+++\nHome links [c](@/blog/c.md#top).\n");
    write(
        &root,
        "content/blog/_index.md",
        "+++\ntitle = \"Blog\"\n+++\nSee [c](@/blog/c.md) and [a](@/blog/a.md).\n",
    );
    write(
        &root,
        "content/blog/a.md",
        "+++\ntitle = \"Zed\"\n+++\n[c](@/blog/c.md) twice [c](@/blog/c.md#top) and \
         [blog](@/blog/_index.md)\n",
    );
    write(&root, "content/blog/b.md", "+++\n+++\n[c](@/blog/c.md)\n");
    write(&root, "content/blog/c.md", "+++\ntitle = \"C\"\n+++\n# Top\nNo links.\n");
    write(&root, "content/blog/d.md", "+++\ntitle = \"D\"\ndraft = true\n+++\n[c](@/blog/c.md)\n");
    write(
        &root,
        "templates/page.html",
        "{{ page.title | default(value=\"-\") }}:{% for b in page.backlinks %}[{{ b.permalink | \
         safe }} {{ b.title | default(value=\"none\") }}]{% endfor %}",
    );
    write(
        &root,
        "templates/section.html",
        "{{ section.title }}:{% for b in section.backlinks %}[{{ b.permalink | safe }} {{ \
         b.title | default(value=\"none\") }}]{% endfor %}|{% for p in section.pages %}{{ \
         p.title | default(value=\"-\") }}={{ p.backlinks | length }};{% endfor %}",
    );
    write(
        &root,
        "templates/index.html",
        "home:{% for b in section.backlinks %}{{ b.permalink }}{% endfor %}|{% set c = \
         get_page(path=\"blog/c.md\") %}{{ c.backlinks | length }}",
    );
    (sandbox, root)
}

#[test]
fn backlinks_list_the_built_files_linking_to_a_page_sorted_by_permalink() {
    let (sandbox, root) = site("zola");
    let report = common::open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // Zola 0.22.1's output for this site, file by file: a file linking twice is listed
    // once, the draft `d.md` not at all, a page without a title has none.
    assert_eq!(
        read(&root, "blog/c/index.html"),
        "C:[https://x.org/ none][https://x.org/blog/ Blog][https://x.org/blog/a/ Zed]\
         [https://x.org/blog/b/ none]"
    );
    assert_eq!(read(&root, "blog/a/index.html"), "Zed:[https://x.org/blog/ Blog]");
    assert_eq!(read(&root, "blog/b/index.html"), "-:");
    assert_eq!(read(&root, "blog/index.html"), "Blog:[https://x.org/blog/a/ Zed]|-=0;C=4;Zed=1;");
    assert_eq!(read(&root, "index.html"), "home:|4");
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_removed_link_renders_the_pages_that_print_its_target_s_backlinks() {
    let (sandbox, root) = site("edits");
    let site = common::open(&root);
    site.build(2).unwrap();
    // b.md stops linking to c.md: b itself (its body), c (prints its backlinks), the blog
    // (prints each page's count) and the home (prints c's count through `get_page`); not a.
    write(&root, "content/blog/b.md", "+++\n+++\nNo link now.\n");
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.rendered, ["_index.md", "blog/_index.md", "blog/b.md", "blog/c.md"]);
    assert_eq!(
        read(&root, "blog/c/index.html"),
        "C:[https://x.org/ none][https://x.org/blog/ Blog][https://x.org/blog/a/ Zed]"
    );
    assert_eq!(read(&root, "index.html"), "home:|3");
    // An edit of a's text that keeps its links: a alone.
    write(
        &root,
        "content/blog/a.md",
        "+++\ntitle = \"Zed\"\n+++\nNew words. [c](@/blog/c.md) twice [c](@/blog/c.md#top) \
         and [blog](@/blog/_index.md)\n",
    );
    let report = site.build(2).unwrap();
    assert_eq!(report.rendered, ["blog/a.md"]);
    // a's title: a itself, and the pages that read a list holding a's title: c and the
    // home (c's backlinks; the home prints only their number, but reads the list), the blog
    // (a's and c's). The home writes the same bytes.
    write(
        &root,
        "content/blog/a.md",
        "+++\ntitle = \"Ay\"\n+++\nNew words. [c](@/blog/c.md) twice [c](@/blog/c.md#top) \
         and [blog](@/blog/_index.md)\n",
    );
    let report = site.build(2).unwrap();
    assert_eq!(report.rendered, ["_index.md", "blog/_index.md", "blog/a.md", "blog/c.md"]);
    assert_eq!(read(&root, "index.html"), "home:|3");
    assert_eq!(
        read(&root, "blog/c/index.html"),
        "C:[https://x.org/ none][https://x.org/blog/ Blog][https://x.org/blog/a/ Ay]"
    );
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_removed_link_renders_only_its_page_when_no_template_prints_backlinks() {
    let (sandbox, root) = site("unused");
    write(&root, "templates/page.html", "{{ page.title | default(value=\"-\") }}");
    write(&root, "templates/section.html", "{{ section.title }}");
    write(&root, "templates/index.html", "home");
    let site = common::open(&root);
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // A link removed: the page whose text changed renders, nothing else.
    write(&root, "content/blog/b.md", "+++\n+++\nNo link now.\n");
    let report = site.build(2).unwrap();
    assert_eq!(report.rendered, ["blog/b.md"]);
    common::remove_unless_failing(&sandbox);
}
