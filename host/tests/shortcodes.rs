//! Shortcodes, rendered by the template cell for the markdown cell while a page is parsed:
//! their output in the page, their templates (and what those read) dependencies of exactly
//! the pages that use them, and their problems errors of the page, at the call's line.

mod common;

use std::path::Path;

use common::{temp, write};
use host::Site;

fn site(root: &Path) {
    write(root, "dodeca.toml", "title = \"T\"\nbase_url = \"https://t.example\"\n");
    write(root, "content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    write(
        root,
        "content/a.md",
        "+++\ntitle = \"A\"\n+++\nSee {{ badge(word=\"new\") }} and {{ badge(word=\"hot\") }}.\n\n\
         {% note() %}\nA *body* & more\n{% end %}\n\n{{ md(n=2) }}\n\n\
         Escaped: {{/* badge(word=\"x\") */}}, and `{{ badge(word=\"code\") }}` in code.\n",
    );
    write(root, "content/b.md", "+++\ntitle = \"B\"\n+++\nNo shortcode here.\n");
    write(root, "templates/index.html", "{{ section.content | safe }}");
    write(root, "templates/page.html", "{{ page.content | safe }}");
    write(
        root,
        "templates/shortcodes/badge.html",
        "<b class=\"badge\">{{ word }} {{ nth }} {{ config.title }}</b>",
    );
    write(
        root,
        "templates/shortcodes/note.html",
        "<aside>{{ body }} <a href=\"{{ get_url(path=\"@/b.md\") | safe }}\">b</a></aside>\n",
    );
    write(root, "templates/shortcodes/md.md", "**{{ n }} in markdown**");
}

#[test]
fn shortcodes_render_in_place_and_their_templates_are_dependencies_of_their_pages() {
    let root = temp("shortcodes").join("site");
    site(&root);
    let site = Site::open_with(&root, common::cells(true)).unwrap();
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        std::fs::read_to_string(root.join("public/a/index.html")).unwrap(),
        "<p>See <b class=\"badge\">new 1 T</b> and <b class=\"badge\">hot 2 T</b>.</p>\n\
         <aside>A *body* &amp; more <a href=\"https://t.example/b/\">b</a></aside>\n\
         <p><strong>2 in markdown</strong></p>\n\
         <p>Escaped: {{ badge(word=\"x\") }}, and <code>{{ badge(word=\"code\") }}</code> in code.</p>\n"
    );

    // A shortcode's template is read by the pages that use it, and only by them.
    write(&root, "templates/shortcodes/badge.html", "<i>{{ word }}</i>");
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.rendered, ["a.md"]);
    assert!(
        std::fs::read_to_string(root.join("public/a/index.html"))
            .unwrap()
            .starts_with("<p>See <i>new</i> and <i>hot</i>.</p>")
    );

    // What a shortcode's template reads through its own callbacks is a dependency too: the
    // route `get_url` answered from changes when b.md goes.
    std::fs::remove_file(root.join("content/b.md")).unwrap();
    let report = site.build(2).unwrap();
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let error = report.errors[0].to_string();
    assert!(error.contains("content/a.md"), "{error}");
    assert!(error.contains("get_url: there is no content/b.md"), "{error}");

    // An unknown shortcode is an error of the page, at its line and column.
    write(&root, "content/b.md", "+++\ntitle = \"B\"\n+++\nText.\n\n  {{ nope() }}\n");
    let report = site.build(2).unwrap();
    let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("content/b.md:6:3") && e.contains("unknown shortcode `nope`")),
        "{errors:?}"
    );
    drop(site);
    let _ = std::fs::remove_dir_all(root.parent().unwrap());
}
