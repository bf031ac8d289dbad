//! Pagination (Zola 0.22's): a section with `paginate_by` is its first pager; pager `n` is at
//! `<section>/page/<n>/`, `<section>/page/1/` redirects to the section. Each test builds the
//! fixture `tests/sites/listings` (see `listings_site/`: `blog/` has `a` to `e`, two a pager),
//! makes one change, and asserts which pages and routes were rendered and which files
//! written (and removed), then that the outputs are those of a cold build.
//!
//! A pager reads its own slice of pages only (`pager(section, n)`), so an edit reaches the
//! pager that shows the page edited, and only if a field listings show changed.

mod common;
mod listings_site;

use listings_site::{Built, assert_built};

fn article(route: &str, title: &str, summary: &str) -> String {
    format!(
        "<article><a href=\"https://listings.example/blog/{route}/\">{title}</a><p>{summary}</p></article>\n"
    )
}

#[test]
fn the_cold_build_writes_every_pager_and_the_redirect_of_the_first() {
    let (built, _) = Built::cold("pagers");
    assert_eq!(
        built.output("blog/index.html"),
        format!(
            "<h1>Blog 1/3</h1>\n{}{}<nav><a href=\"https://listings.example/blog/page/2/\">older</a></nav>\n",
            article("a", "Alpha", "Alpha summary."),
            article("b", "Bravo", "Bravo summary."),
        )
    );
    assert_eq!(
        built.output("blog/page/3/index.html"),
        format!(
            "<h1>Blog 3/3</h1>\n{}<nav><a href=\"https://listings.example/blog/page/2/\">newer</a></nav>\n",
            article("e", "Echo", "Echo summary."),
        )
    );
    // Zola's redirect page, byte for byte.
    assert_eq!(
        built.output("blog/page/1/index.html"),
        "<!doctype html>\n<meta charset=\"utf-8\">\n<title>Redirect</title>\n<script>\n  \
         const target = \"https://listings.example/blog/\";\n  \
         const hash = window.location.hash || \"\";\n  \
         window.location.replace(target + hash);\n</script>\n<noscript>\n  \
         <meta http-equiv=\"refresh\" content=\"0; url=https://listings.example/blog/\">\n\
         </noscript>\n<p><a href=\"https://listings.example/blog/\">Click here</a> to be redirected.</p>\n"
    );
}

#[test]
fn a_summary_edit_renders_the_page_and_the_one_pager_that_shows_it() {
    let (built, _) = Built::cold("summary");
    built.edit("content/blog/d.md", "Delta summary.", "Delta abstract.");
    let report = built.rebuild();
    assert_built(
        &report,
        &["/blog/page/2/", "blog/d.md"],
        &["blog/d/index.html", "blog/page/2/index.html"],
    );
    assert!(built.output("blog/page/2/index.html").contains("<p>Delta abstract.</p>"));
    built.assert_outputs_match_a_cold_build();
}

/// Listings carry each page's `content`, as Zola's do, but deferred: the pager that shows
/// the page's summary (and not its content) read the summary only, which did not change, so
/// only the page renders.
#[test]
fn a_body_edit_outside_the_summary_renders_only_the_page_not_the_pager_showing_its_summary() {
    let (built, _) = Built::cold("outside-summary");
    built.edit("content/blog/d.md", "Delta rest.", "Delta remainder.");
    let report = built.rebuild();
    assert_built(&report, &["blog/d.md"], &["blog/d/index.html"]);
    built.assert_outputs_match_a_cold_build();
}

#[test]
fn a_new_newest_page_shifts_every_pager() {
    let (built, _) = Built::cold("new-page");
    built.write("content/blog/f.md", "+++\ntitle = \"Foxtrot\"\ndate = 2024-02-01\n+++\nF.\n");
    let report = built.rebuild();
    assert_built(
        &report,
        &["/blog/page/2/", "/blog/page/3/", "blog/_index.md", "blog/f.md"],
        &[
            "blog/f/index.html",
            "blog/index.html",
            "blog/page/2/index.html",
            "blog/page/3/index.html",
            "sitemap.xml",
        ],
    );
    built.assert_outputs_match_a_cold_build();
}

#[test]
fn a_pager_left_empty_is_removed_and_the_others_say_so() {
    let (built, _) = Built::cold("pager-gone");
    built.remove("content/blog/d.md");
    let report = built.rebuild();
    // Two pagers now: both say `n/2` (and pager 2 has `e` in `d`'s place).
    assert_built(
        &report,
        &["/blog/page/2/", "blog/_index.md"],
        &["blog/index.html", "blog/page/2/index.html", "sitemap.xml"],
    );
    assert_eq!(report.removed, 2, "blog/d/ and blog/page/3/");
    assert!(!built.output_exists("blog/page/3/index.html"));
    assert!(built.output_exists("blog/page/1/index.html"));
    built.assert_outputs_match_a_cold_build();
}

#[test]
fn paginate_reversed_pages_oldest_first() {
    let (built, _) = Built::cold("reversed");
    built.edit(
        "content/blog/_index.md",
        "paginate_by = 2\n",
        "paginate_by = 2\npaginate_reversed = true\n",
    );
    built.rebuild();
    let first = built.output("blog/index.html");
    assert!(first.contains(&article("e", "Echo", "Echo summary.")), "{first}");
    assert!(first.contains(&article("d", "Delta", "Delta summary.")), "{first}");
    built.assert_outputs_match_a_cold_build();
}

#[test]
fn a_new_paginate_path_moves_the_pagers() {
    let (built, _) = Built::cold("paginate-path");
    built.edit(
        "content/blog/_index.md",
        "paginate_by = 2\n",
        "paginate_by = 2\npaginate_path = \"p\"\n",
    );
    let report = built.rebuild();
    assert!(built.output_exists("blog/p/2/index.html"));
    assert!(built.output("blog/p/1/index.html").contains("url=https://listings.example/blog/\""));
    assert!(!built.output_exists("blog/page/2/index.html"));
    assert_eq!(report.removed, 3, "blog/page/1/, 2/, 3/");
    built.assert_outputs_match_a_cold_build();
}

#[test]
fn a_paginate_path_leaving_the_output_directory_is_an_error_and_writes_nothing_there() {
    let (built, _) = Built::cold("escape");
    built.edit(
        "content/blog/_index.md",
        "paginate_by = 2\n",
        "paginate_by = 2\npaginate_path = \"..\"\n",
    );
    let report = built.site.build(2).expect("build");
    let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert!(!errors.is_empty(), "refused");
    assert!(
        errors.iter().all(|e| e.starts_with("content/blog/_index.md") && e.contains("`..`")),
        "{errors:#?}"
    );
    for outside in ["1/index.html", "2/index.html", "3/index.html"] {
        assert!(!built.output_exists(outside), "{outside}");
    }
}
