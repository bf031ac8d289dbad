//! Sections as Zola 0.22 orders and nests them: `sort_by` (pages without the key left out,
//! built nowhere, and named in a warning), transparent sections, `page_template`, `ancestors`, `components`, and
//! `lower` / `higher`, each checked against what Zola printed for the same site (the expected
//! strings below are Zola's output for these templates), and kept exactly incremental: a
//! change renders the pages that show what changed.

mod common;

use common::read_output as read;

use std::path::PathBuf;

use common::write;

const SECTION: &str = "{% for p in section.pages %}[{{ p.title }} lower={% if p.lower %}\
    {{ p.lower.title }}{% endif %} higher={% if p.higher %}{{ p.higher.title }}{% endif %} \
    anc={{ p.ancestors | join(sep=\",\") }}]{% endfor %} sub={{ section.subsections | join(sep=\",\") }} \
    anc={{ section.ancestors | join(sep=\",\") }} comp={{ section.components | join(sep=\",\") }}";

/// The site Zola was run on: `blog` sorted by date, its transparent subsection `t` with a
/// `page_template`, a page without a date, one with `render = false`.
fn site(name: &str) -> (PathBuf, PathBuf) {
    let sandbox = common::temp(&format!("sections-{name}"));
    let root = sandbox.join("site");
    write(&root, "config.toml", "base_url = \"https://x.org\"\n");
    write(&root, "content/_index.md", "+++\n+++\n");
    write(&root, "content/blog/_index.md", "+++\ntitle = \"B\"\nsort_by = \"date\"\n+++\n");
    write(
        &root,
        "content/blog/t/_index.md",
        "+++\ntitle = \"T\"\ntransparent = true\nsort_by = \"date\"\npage_template = \"tp.html\"\n+++\n",
    );
    write(
        &root,
        "content/blog/hidden.md",
        "+++\ntitle = \"Hidden\"\nrender = false\ndate = 2024-01-01\n+++\n",
    );
    write(&root, "content/blog/a.md", "+++\ntitle = \"A\"\ndate = 2024-01-02\n+++\nAlpha.\n");
    write(&root, "content/blog/nodate.md", "+++\ntitle = \"NoDate\"\n+++\n");
    write(&root, "content/blog/t/c.md", "+++\ntitle = \"C\"\ndate = 2024-01-03\n+++\nCharlie.\n");
    write(&root, "content/blog/t/d.md", "+++\ntitle = \"D\"\ndate = 2023-01-03\n+++\n");
    write(&root, "templates/index.html", "home");
    write(&root, "templates/section.html", SECTION);
    write(
        &root,
        "templates/page.html",
        "PAGE {{ page.title }} anc={{ page.ancestors | join(sep=\",\") }} \
         comp={{ page.components | join(sep=\",\") }} lower={% if page.lower %}{{ page.lower.title }}\
         {{ page.lower.content | safe }}{% endif %}",
    );
    write(
        &root,
        "templates/tp.html",
        "TP {{ page.title }} anc={{ page.ancestors | join(sep=\",\") }} lower={% if page.lower %}\
         {{ page.lower.title }}{% endif %} higher={% if page.higher %}{{ page.higher.title }}{% endif %}",
    );
    (sandbox, root)
}

#[test]
fn sections_sort_nest_and_place_their_pages_as_zola_does() {
    let (sandbox, root) = site("zola");
    let report = common::open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // Zola 0.22.1's output for this site, file by file.
    assert_eq!(
        read(&root, "blog/index.html"),
        "[C lower= higher=A anc=_index.md,blog&#x2F;_index.md]\
         [A lower=C higher=D anc=_index.md,blog&#x2F;_index.md]\
         [D lower=A higher= anc=_index.md,blog&#x2F;_index.md] \
         sub=blog&#x2F;t&#x2F;_index.md anc=_index.md comp=blog"
    );
    assert_eq!(
        read(&root, "blog/t/index.html"),
        "[C lower= higher=A anc=_index.md,blog&#x2F;_index.md]\
         [D lower=A higher= anc=_index.md,blog&#x2F;_index.md] \
         sub= anc=_index.md,blog&#x2F;_index.md comp=blog,t"
    );
    // `lower` is a whole page: its content too.
    assert_eq!(
        read(&root, "blog/a/index.html"),
        "PAGE A anc=_index.md,blog&#x2F;_index.md comp=blog,a lower=C<p>Charlie.</p>\n"
    );
    // The transparent section's `page_template`, and its parent's order for neighbours.
    assert_eq!(
        read(&root, "blog/t/c/index.html"),
        "TP C anc=_index.md,blog&#x2F;_index.md lower= higher=A"
    );
    assert_eq!(
        read(&root, "blog/t/d/index.html"),
        "TP D anc=_index.md,blog&#x2F;_index.md lower=A higher="
    );
    // Built nowhere: the page its section cannot sort (no date), and `render = false`.
    assert!(!root.join("public/blog/nodate").exists());
    assert!(!root.join("public/blog/hidden").exists());
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_neighbour_s_body_edit_renders_the_page_showing_its_content_and_a_tag_edit_renders_none() {
    let (sandbox, root) = site("neighbours");
    let site = common::open(&root);
    site.build(2).unwrap();
    // `a` shows its `lower` (C) with C's content; `d` shows C's title only (as `lower` of
    // nothing: D's lower is A). C's body edit: C itself, and A (which prints C's content).
    std::fs::write(
        root.join("content/blog/t/c.md"),
        "+++\ntitle = \"C\"\ndate = 2024-01-03\n+++\nCharlie changed.\n",
    )
    .unwrap();
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.rendered, ["blog/a.md", "blog/t/c.md"]);
    assert!(read(&root, "blog/a/index.html").ends_with("lower=C<p>Charlie changed.</p>\n"));
    // A tag on D: shown by no template, so D alone renders.
    write(
        &root,
        "config.toml",
        "base_url = \"https://x.org\"\ntaxonomies = [{ name = \"tags\", render = false }]\n",
    );
    site.build(2).unwrap();
    std::fs::write(
        root.join("content/blog/t/d.md"),
        "+++\ntitle = \"D\"\ndate = 2023-01-03\n[taxonomies]\ntags = [\"x\"]\n+++\n",
    )
    .unwrap();
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.rendered, ["blog/t/d.md"]);
    // A title edit of A: every page that shows A's title (the sections, C's `higher`, D's
    // `lower`), and A.
    std::fs::write(
        root.join("content/blog/a.md"),
        "+++\ntitle = \"Alpha\"\ndate = 2024-01-02\n+++\nAlpha.\n",
    )
    .unwrap();
    let report = site.build(2).unwrap();
    assert_eq!(
        report.rendered,
        ["blog/_index.md", "blog/a.md", "blog/t/_index.md", "blog/t/c.md", "blog/t/d.md"]
    );
    assert!(read(&root, "blog/t/c/index.html").ends_with("higher=Alpha"));
    common::remove_unless_failing(&sandbox);
}

#[test]
fn sort_by_title_weight_slug_and_update_date_order_as_zola_does() {
    let sandbox = common::temp("sections-orders");
    let root = sandbox.join("site");
    write(&root, "config.toml", "base_url = \"https://x.org\"\n");
    write(&root, "templates/index.html", "home");
    write(&root, "templates/page.html", "");
    write(
        &root,
        "templates/section.html",
        "{% for p in section.pages %}{{ p.title }},{% endfor %}",
    );
    let pages = [
        ("b10.md", "title = \"Apple 10\"\nweight = 3\ndate = 2024-01-01\nupdated = 2024-06-01"),
        ("a9.md", "title = \"apple 9\"\nweight = 1\ndate = 2024-02-01"),
        ("c.md", "title = \"Éclair\"\nweight = 2\ndate = 2024-03-01"),
        ("d.md", "title = \"banana\"\nweight = 4\ndate = 2023-01-01\nupdated = 2024-04-01"),
    ];
    // Zola 0.22.1's output for each order of the same four pages.
    let orders = [
        ("title", "apple 9,Apple 10,banana,Éclair,"),
        ("title_bytes", "Apple 10,apple 9,banana,Éclair,"),
        ("weight", "apple 9,Éclair,Apple 10,banana,"),
        ("slug", "apple 9,Apple 10,Éclair,banana,"),
        ("date", "Éclair,apple 9,Apple 10,banana,"),
        ("update_date", "Apple 10,banana,Éclair,apple 9,"),
    ];
    for (order, _) in orders {
        let dir = format!("content/{order}");
        write(&root, &format!("{dir}/_index.md"), &format!("+++\nsort_by = \"{order}\"\n+++\n"));
        for (file, front) in pages {
            write(&root, &format!("{dir}/{file}"), &format!("+++\n{front}\n+++\n"));
        }
    }
    let report = common::open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    for (order, expected) in orders {
        assert_eq!(read(&root, &format!("{order}/index.html")), expected, "sort_by = {order}");
    }
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_page_its_section_cannot_sort_is_a_warning_naming_it_the_section_and_the_key() {
    let (sandbox, root) = site("unsortable");
    let site = common::open(&root);
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // Zola: "1 page(s) ignored (missing date or weight in a sorted section): - …/nodate.md".
    assert_eq!(
        report.warnings,
        ["content/blog/nodate.md: not listed by content/blog/_index.md, which sorts its pages \
          by `date`, for it has no `date` (as in Zola); no other section lists it, so it is \
          built nowhere"]
    );
    // Said by the build that finds it, as a page's own warnings are: not again by a build
    // that changed something else.
    write(&root, "content/blog/a.md", "+++\ntitle = \"A\"\ndate = 2024-01-02\n+++\nAlpha 2.\n");
    let report = site.build(2).unwrap();
    assert_eq!(report.rendered, ["blog/a.md"]);
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    // Given a date, the page is listed and built, and the warning is gone.
    write(&root, "content/blog/nodate.md", "+++\ntitle = \"NoDate\"\ndate = 2020-01-01\n+++\n");
    let report = site.build(2).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    assert!(report.rendered.contains(&"blog/nodate.md".to_string()), "{:?}", report.rendered);
    assert_eq!(
        read(&root, "blog/nodate/index.html").split(' ').take(2).collect::<Vec<_>>(),
        ["PAGE", "NoDate"]
    );
    // By weight, by title: the key named is the one the section sorts by.
    write(&root, "content/blog/_index.md", "+++\ntitle = \"B\"\nsort_by = \"weight\"\n+++\n");
    let report = site.build(2).unwrap();
    let named: Vec<&str> = report.warnings.iter().filter_map(|w| w.split(": ").next()).collect();
    // C and D too: `blog` lists its transparent subsection's pages; `t` (by date) builds them.
    assert_eq!(
        named,
        [
            "content/blog/a.md",
            "content/blog/nodate.md",
            "content/blog/t/c.md",
            "content/blog/t/d.md"
        ]
    );
    assert!(
        report.warnings.iter().all(|w| w.contains("it has no `weight`")),
        "{:?}",
        report.warnings
    );
    assert!(
        report.warnings[2].ends_with("another section lists it and builds it"),
        "{}",
        report.warnings[2]
    );
    assert!(root.join("public/blog/t/c/index.html").is_file());
    common::remove_unless_failing(&sandbox);
}
