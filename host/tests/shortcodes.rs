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

/// A shortcode printing what it sees of the page or section it is used in.
const WHERE: &str = "{% if page %}[page {{ page.title }}|{{ page.path }}|{{ page.permalink }}|\
{{ page.colocated_path }}|{{ page.relative_path }}|{{ page.slug }}|{{ page.date }}|{{ page.year }}|\
{{ page.extra.k }}|{{ page.assets | join(sep=\",\") }}|{{ page.components | join(sep=\"/\") }}|\
content:{{ page.content }}|{{ page.summary | default(value=\"no summary\") }}|{{ page.toc | length }}|\
{{ page.lower | default(value=\"no lower\") }}|{{ page.backlinks | length }}|{{ page.lang }}]{% endif %}\
{% if section %}[section {{ section.title }}|{{ section.description }}|{{ section.path }}|\
{{ section.relative_path }}|content:{{ section.content }}|{{ section.pages | length }}]{% endif %}";

#[test]
fn a_shortcode_sees_its_page_or_section_as_zola_gives_it_before_the_body_is_rendered() {
    // The expected bytes are Zola 0.22.1's for the same site (its `ancestors`, which it knows
    // by then and we do not give, left out of the template).
    let root = temp("shortcodes-page").join("site");
    write(&root, "config.toml", "base_url = \"https://t.example\"\ntitle = \"T\"\n");
    write(&root, "content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    write(
        &root,
        "content/docs/_index.md",
        "+++\ntitle = \"Docs\"\ndescription = \"All of it\"\n+++\n{{ where() }}\n",
    );
    write(
        &root,
        "content/post/index.md",
        "+++\ntitle = \"A post\"\ndate = 2024-01-05\n[extra]\nk = \"v\"\n+++\nIntro {{ where() }} end.\n",
    );
    write(&root, "content/post/pic.png", "x");
    write(
        &root,
        "content/b.md",
        "+++\ntitle = \"B\"\n+++\n{{ say(body=\"inline\") }}\n\n{% say(body=\"argument\") %}\nblock\n{% end %}\n",
    );
    write(&root, "templates/index.html", "{{ section.content | safe }}");
    write(&root, "templates/section.html", "{{ section.content | safe }}");
    write(&root, "templates/page.html", "{{ page.content | safe }}");
    write(&root, "templates/shortcodes/where.html", &format!("{WHERE}\n"));
    write(&root, "templates/shortcodes/say.html", "<i>{{ body }}</i>");
    let site = Site::open_with(&root, common::cells(true)).unwrap();
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let read = |rel: &str| std::fs::read_to_string(root.join("public").join(rel)).unwrap();
    assert_eq!(
        read("post/index.html"),
        "<p>Intro [page A post|&#x2F;post&#x2F;|https:&#x2F;&#x2F;t.example&#x2F;post&#x2F;|\
         post&#x2F;|post&#x2F;index.md|post|2024-01-05|2024|v|&#x2F;post&#x2F;pic.png|post|\
         content:|no summary|0|no lower|0|en]\n end.</p>\n"
    );
    assert_eq!(
        read("docs/index.html"),
        "[section Docs|All of it|&#x2F;docs&#x2F;|docs&#x2F;_index.md|content:|0]\n"
    );
    // An inline call's argument `body` is its body; a block's body wins over one.
    assert_eq!(read("b/index.html"), "<i>inline</i><i>block</i>");
    common::remove_unless_failing(root.parent().unwrap());
}
