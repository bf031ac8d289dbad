//! Redirect pages: a page's `aliases` and a section's `redirect_to`, written as Zola writes
//! them; hostile aliases refused; an alias never replaces another output.

mod common;

use common::read_output as read;

use common::{open, remove_unless_failing, temp, write};

fn site(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let sandbox = temp(&format!("redirects-{name}"));
    let root = sandbox.join("site");
    write(&root, "config.toml", "title = \"T\"\nbase_url = \"https://r.example\"\n");
    write(&root, "content/_index.md", "+++\n+++\n");
    write(
        &root,
        "content/about.md",
        "+++\ntitle = \"About\"\naliases = [\"/about-me/\", \"/old/about.html\"]\n+++\n",
    );
    write(&root, "content/old-docs/_index.md", "+++\nredirect_to = \"about/\"\n+++\n");
    write(&root, "templates/index.html", "home");
    write(&root, "templates/section.html", "section {{ section.title }}");
    write(&root, "templates/page.html", "page {{ page.title }}");
    (sandbox, root)
}

const ABOUT_REDIRECT: &str = "<!doctype html>\n<meta charset=\"utf-8\">\n<title>Redirect</title>\n\
<script>\n  const target = \"https://r.example/about/\";\n  const hash = window.location.hash || \"\";\n  \
window.location.replace(target + hash);\n</script>\n<noscript>\n  \
<meta http-equiv=\"refresh\" content=\"0; url=https://r.example/about/\">\n</noscript>\n\
<p><a href=\"https://r.example/about/\">Click here</a> to be redirected.</p>\n";

#[test]
fn aliases_and_redirect_to_write_zola_s_redirect_pages() {
    let (sandbox, root) = site("written");
    let report = open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(read(&root, "about-me/index.html"), ABOUT_REDIRECT);
    assert_eq!(read(&root, "old/about.html"), ABOUT_REDIRECT);
    // The section is a redirect instead of its template's render.
    assert_eq!(read(&root, "old-docs/index.html"), ABOUT_REDIRECT);
    assert_eq!(read(&root, "about/index.html"), "page About");
    remove_unless_failing(&sandbox);
}

#[test]
fn an_alias_removed_from_the_front_matter_takes_its_redirect_with_it() {
    let (sandbox, root) = site("removed");
    let site = open(&root);
    site.build(2).unwrap();
    write(&root, "content/about.md", "+++\ntitle = \"About\"\naliases = [\"/about-me/\"]\n+++\n");
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(!root.join("public/old/about.html").exists());
    assert_eq!(read(&root, "about-me/index.html"), ABOUT_REDIRECT);
    remove_unless_failing(&sandbox);
}

#[test]
fn an_alias_outside_the_output_directory_or_over_a_page_is_an_error_and_writes_nothing() {
    let (sandbox, root) = site("hostile");
    write(
        &root,
        "content/evil.md",
        "+++\ntitle = \"Evil\"\naliases = [\"../../escape.html\", \"/about/\", \"a\\nb/\"]\n+++\n",
    );
    let report = open(&root).build(2).unwrap();
    let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert!(
        errors.iter().any(|e| e.contains("content/evil.md") && e.contains("`..`")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("content/evil.md") && e.contains("control character")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("content/evil.md") && e.contains("about/index.html")),
        "{errors:?}"
    );
    // The page keeps its output; nothing was written above the output directory.
    assert_eq!(read(&root, "about/index.html"), "page About");
    assert!(!sandbox.join("escape.html").exists() && !root.join("escape.html").exists());
    remove_unless_failing(&sandbox);
}
