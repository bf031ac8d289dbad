//! Taxonomies (Zola 0.22's): the list of terms and a page per term, rendered and written as
//! pages are, and kept exactly incremental. Each test builds the fixture `tests/sites/listings`
//! (see `listings_site/`), makes one change, and asserts which pages and routes were rendered
//! and which files written, then that the outputs are those of a cold build.
//!
//! A term's pages and the list's terms carry each page as listings show it (every field of
//! its `page`, as in Zola, the body's and the extras' deferred: see `src/page_fields.rs`), so
//! a change to a page re-renders the listings that show what changed, and only those whose
//! output changed are written.

mod common;
mod listings_site;

use listings_site::{Built, assert_built};

#[test]
fn the_cold_build_writes_each_taxonomy_s_list_and_term_pages() {
    let (built, report) = Built::cold("cold");
    assert_eq!(
        report.rendered,
        [
            "/blog/page/2/",
            "/blog/page/3/",
            "/categories/",
            "/categories/code/",
            "/categories/code/page/2/",
            "/tags/",
            "/tags/go/",
            "/tags/rust/",
            "/tags/web/",
            "_index.md",
            "about.md",
            "blog/_index.md",
            "blog/a.md",
            "blog/b.md",
            "blog/c.md",
            "blog/d.md",
            "blog/e.md",
        ]
    );
    // `tags/list.html` and `tags/single.html`, the taxonomy's own, before Zola's generic ones.
    assert_eq!(
        built.output("tags/index.html"),
        "<h1>tags</h1>\n<a href=\"https://listings.example/tags/go/\">Go</a> 1\n\
         <a href=\"https://listings.example/tags/rust/\">Rust</a> 2\n\
         <a href=\"https://listings.example/tags/web/\">Web</a> 2\n\n"
    );
    // A term's pages: newest first.
    assert_eq!(
        built.output("tags/web/index.html"),
        "<h1>#Web</h1>\n<a href=\"https://listings.example/blog/a/\">Alpha</a>\n\
         <a href=\"https://listings.example/blog/e/\">Echo</a>\n\n"
    );
    // `taxonomy_list.html` and `taxonomy_single.html` for `categories`, paginated by 2.
    assert_eq!(
        built.output("categories/index.html"),
        "<h1>All categories</h1>\n<a href=\"https://listings.example/categories/code/\">Code</a> 3\n\n"
    );
    assert_eq!(
        built.output("categories/code/page/2/index.html"),
        "<h1>categories: Code 2/2</h1>\n<a href=\"https://listings.example/blog/c/\">Charlie</a>\n\n"
    );
    assert!(built.output("categories/code/page/1/index.html").contains(
        "<meta http-equiv=\"refresh\" content=\"0; url=https://listings.example/categories/code/\">"
    ));
    // `get_taxonomy_url`: the term's permalink, printed as is (Zola marks it safe).
    assert_eq!(
        built.output("about/index.html"),
        "<h1>About</h1><a href=\"https://listings.example/tags/rust/\">Rust</a>\n"
    );
}

#[test]
fn a_tag_added_to_a_page_renders_that_term_and_the_list_not_the_other_terms() {
    let (built, _) = Built::cold("tag-added");
    built.edit(
        "content/blog/d.md",
        "date = 2024-01-02\n",
        "date = 2024-01-02\n[taxonomies]\ntags = [\"Go\"]\n",
    );
    let report = built.rebuild();
    // The page itself; the term `Go`, and the list (its count). Not its pager: it shows
    // the pages' titles and summaries, not their tags (a listed page's `taxonomies` is read
    // only when shown). Not `about.md`: the URL it asks for is the same, nor the other terms.
    assert_built(
        &report,
        &["/tags/", "/tags/go/", "blog/d.md"],
        &["tags/go/index.html", "tags/index.html"],
    );
    assert!(built.output("tags/go/index.html").contains("Delta"));
    built.assert_outputs_match_a_cold_build();
}

#[test]
fn a_new_term_gets_its_page() {
    let (built, _) = Built::cold("new-term");
    built.edit("content/blog/e.md", "tags = [\"Web\"]", "tags = [\"Web\", \"Zig Lang\"]");
    let report = built.rebuild();
    // Not `Web`, nor `e`'s pager: they list `e` without printing its terms.
    assert_built(
        &report,
        &["/tags/", "/tags/zig-lang/", "blog/e.md"],
        // The sitemap lists the new term's page.
        &["sitemap.xml", "tags/index.html", "tags/zig-lang/index.html"],
    );
    assert!(built.output("tags/index.html").contains(">Zig Lang</a> 1"));
    built.assert_outputs_match_a_cold_build();
}

#[test]
fn a_term_left_without_pages_loses_its_page() {
    let (built, _) = Built::cold("term-gone");
    built.edit("content/blog/c.md", "tags = [\"Go\"]\n", "");
    let report = built.rebuild();
    // Not `c`'s other listings (`Code`'s pagers, the categories' list, its section's
    // pager): none of them prints its tags.
    assert_built(&report, &["/tags/", "blog/c.md"], &["sitemap.xml", "tags/index.html"]);
    assert_eq!(report.removed, 1);
    assert!(!built.output_exists("tags/go/index.html"));
    built.assert_outputs_match_a_cold_build();
}

#[test]
fn a_title_edit_renders_every_listing_that_shows_the_page() {
    let (built, _) = Built::cold("title");
    built.edit("content/blog/b.md", "title = \"Bravo\"", "title = \"Bravissimo\"");
    let report = built.rebuild();
    // Its pager (1: the section) and the pagers of its terms that show it (`Rust`, and
    // `Code`'s first); not `Code`'s second pager nor the lists: a term's `pages` there are
    // deferred, and their templates print names and counts only.
    assert_built(
        &report,
        &["/categories/code/", "/tags/rust/", "blog/_index.md", "blog/b.md"],
        &[
            "blog/b/index.html",
            "blog/index.html",
            "categories/code/index.html",
            "tags/rust/index.html",
        ],
    );
    built.assert_outputs_match_a_cold_build();
}

/// Listings carry each page's `content`, as Zola's do, but deferred (`page_fields.rs`):
/// none of this site's listings prints a page's body (the section's pagers print summaries,
/// which did not change), so only the page renders.
#[test]
fn a_body_edit_outside_the_summary_renders_only_the_page_when_no_listing_prints_bodies() {
    let (built, _) = Built::cold("body");
    built.edit("content/blog/a.md", "Alpha rest.", "Alpha remainder.");
    let report = built.rebuild();
    assert_built(&report, &["blog/a.md"], &["blog/a/index.html"]);
    built.assert_outputs_match_a_cold_build();
}

#[test]
fn a_draft_s_terms_make_no_page() {
    let (built, _) = Built::cold("draft");
    built.write(
        "content/blog/f.md",
        "+++\ntitle = \"Foxtrot\"\ndate = 2024-02-01\ndraft = true\n[taxonomies]\ntags = [\"Draft\"]\n+++\nF.\n",
    );
    let report = built.rebuild();
    assert_built(&report, &[], &[]);
    assert!(!built.output_exists("tags/draft/index.html"));
}

#[test]
fn a_taxonomy_that_is_not_rendered_has_no_pages() {
    let (built, _) = Built::cold("not-rendered");
    built.edit("config.toml", "{ name = \"tags\" }", "{ name = \"tags\", render = false }");
    let report = built.rebuild();
    assert_eq!(report.removed, 4, "the list and three terms");
    assert!(!built.output_exists("tags/index.html"));
    assert!(!built.output_exists("tags/rust/index.html"));
    // Its terms still have URLs: `about.md` asks for one.
    assert!(built.output("about/index.html").contains("https://listings.example/tags/rust/"));
}

#[test]
fn get_taxonomy_and_get_taxonomy_term_answer_as_zola_does() {
    let (built, _) = Built::cold("functions");
    built.write(
        "templates/about.html",
        "{% set t = get_taxonomy(kind=\"tags\") %}{{ t.kind.name }} {{ t.items | length }} \
         {% for i in t.items %}{{ i.name }}={{ i.page_count }};{% endfor %}\n\
         {% set r = get_taxonomy_term(kind=\"tags\", term=\"Rust\") %}{{ r.slug }} \
         {{ r.pages | map(attribute=\"title\") | join(sep=\",\") }}\n",
    );
    let report = built.rebuild();
    assert_built(&report, &["about.md"], &["about/index.html"]);
    assert_eq!(built.output("about/index.html"), "tags 3 Go=1;Rust=2;Web=2;\nrust Alpha,Bravo\n");
    // A tag added elsewhere: `get_taxonomy`'s answer changes, so `about.md` renders again.
    built.edit(
        "content/blog/d.md",
        "date = 2024-01-02\n",
        "date = 2024-01-02\n[taxonomies]\ntags = [\"Go\"]\n",
    );
    let report = built.rebuild();
    assert!(report.rendered.contains(&"about.md".to_string()), "{:?}", report.rendered);
    assert!(built.output("about/index.html").starts_with("tags 3 Go=2;"));
}

#[test]
fn a_taxonomy_without_a_template_is_one_error_naming_both_templates() {
    let (built, _) = Built::cold("no-template");
    built.remove("templates/taxonomy_list.html");
    let report = built.site.build(2).expect("build");
    let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].starts_with("config.toml"), "{errors:#?}");
    assert!(
        errors[0].contains("`templates/categories/list.html` or `templates/taxonomy_list.html`")
    );
    // The rest is built: the terms, the other taxonomy.
    assert!(built.output_exists("categories/code/index.html"));
    assert!(built.output_exists("tags/index.html"));
}

#[test]
fn a_content_page_at_a_taxonomy_s_route_is_an_error_and_keeps_its_output() {
    let (built, _) = Built::cold("collision");
    built.write(
        "content/tags/_index.md",
        "+++\ntitle = \"My tags\"\ntemplate = \"index.html\"\n+++\n",
    );
    let report = built.site.build(2).expect("build");
    let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].contains("`tags/index.html` has a content page's output"), "{errors:#?}");
    assert_eq!(built.output("tags/index.html"), "<h1>My tags</h1>\n");
}

#[test]
fn a_saved_database_keeps_the_listings_exact() {
    let (built, _) = Built::cold("saved");
    let saved = built.root.join("../database.bin");
    assert!(built.site.save_database(&saved).unwrap() > 0);
    let second = host::Site::open_with(&built.root, common::cells(true)).unwrap();
    let load = second.load_database(&saved).unwrap();
    assert!(load.loaded && load.warnings.is_empty(), "{load:?}");
    let warm = second.build(2).unwrap();
    assert!(warm.errors.is_empty(), "{:?}", warm.errors);
    assert_built(&warm, &[], &[]);
    // A term's output deleted by hand: its memo (loaded without its HTML) stays valid, and
    // the term is rendered again to write it.
    std::fs::remove_file(built.root.join("public/tags/rust/index.html")).unwrap();
    let restored = second.build(2).unwrap();
    assert_built(&restored, &["/tags/rust/"], &["tags/rust/index.html"]);
    built.edit(
        "content/blog/d.md",
        "date = 2024-01-02\n",
        "date = 2024-01-02\n[taxonomies]\ntags = [\"Go\"]\n",
    );
    let edit = second.build(2).unwrap();
    assert_built(
        &edit,
        &["/tags/", "/tags/go/", "blog/d.md"],
        &["tags/go/index.html", "tags/index.html"],
    );
    drop(second);
    built.assert_outputs_match_a_cold_build();
}

#[test]
fn taxonomy_root_moves_every_taxonomy_page_under_it() {
    let (built, _) = Built::cold("root");
    built.edit(
        "config.toml",
        "title = \"Listings\"\n",
        "title = \"Listings\"\ntaxonomy_root = \"topics\"\n",
    );
    let report = built.rebuild();
    assert_eq!(report.removed, 8, "every taxonomy page (and the redirect) at its old place");
    assert!(built.output("topics/tags/index.html").contains("/topics/tags/rust/"));
    assert!(built.output_exists("topics/categories/code/page/2/index.html"));
    assert!(
        built.output("about/index.html").contains("https://listings.example/topics/tags/rust/")
    );
    built.assert_outputs_match_a_cold_build();
}
