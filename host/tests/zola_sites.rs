//! Zola's content model (issue 18): the Zola fixture sites of `tests/sites/zola-*` built by the
//! binary, their key pages compared with what Zola 0.22.1 wrote for them (`zola-public/`,
//! committed), white space aside.
//!
//! `zola-blog` with `minify_html = true` (the overlay `overlays/zola-blog-minify`) is Zola's
//! byte for byte, every HTML file.
//!
//! `zola-blog`, `zola-docs`, `zola-data`, `zola-theme`, `zola-highlight`,
//! `zola-highlight-class` and `zola-sass` are Zola's, every file (the code blocks of the
//! highlighting sites, and every CSS file, byte for byte, white space included); the whole
//! build of
//! `zola-features` is ignored until dodeca has every feature it probes (see "Zola
//! compatibility" in the host's README; `cargo test -p host --test zola_sites -- --ignored`
//! runs it). Meanwhile the feature probes that already render as Zola's are a list that may
//! only grow (`zola-features/matching.txt`). `tests/sites/compare-with-zola.sh` compares every file, not just the
//! key pages, and prints the differences.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{copy_dir, files, host, remove_unless_failing, stderr, temp};

/// Whether `&#x2F;` counts as `/` (and `&#x27;` as `&#39;`). Tera escapes `/` in printed values
/// and the decision (README, "Escaping `/`") is to do the same, so the comparison is strict.
const LOOSE_ESCAPES: bool = false;

/// An HTML or XML text with white space normalised: runs of white space are one space, and
/// none is kept next to a tag (`<p>\n  a\n</p>` is `<p>a</p>`), as `compare-with-zola.sh` does.
fn normalise(text: &str) -> String {
    let mut collapsed = String::with_capacity(text.len());
    let mut in_space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            in_space = true;
            continue;
        }
        if in_space {
            let after_tag = collapsed.ends_with('>');
            if !after_tag && c != '<' && !collapsed.is_empty() {
                collapsed.push(' ');
            }
            in_space = false;
        }
        collapsed.push(c);
    }
    if LOOSE_ESCAPES {
        collapsed = collapsed.replace("&#x2F;", "/").replace("&#x27;", "&#39;");
    }
    collapsed
}

/// The first place where two normalised texts differ, with some context from each.
fn first_difference(zola: &str, ours: &str) -> String {
    let at = zola.bytes().zip(ours.bytes()).take_while(|(a, b)| a == b).count();
    let around = |s: &str| {
        let start = s.floor_char_boundary(at.saturating_sub(60));
        let end = s.ceil_char_boundary((at + 100).min(s.len()));
        s[start..end].to_string()
    };
    format!("\n  zola: …{}…\n  ours: …{}…", around(zola), around(ours))
}

/// Builds a copy of the fixture `name` (without its `zola-public/`) with the binary, then
/// asserts that it succeeded, wrote every file Zola wrote, and that every one of them is
/// Zola's, white space aside (`key_pages` first, for a failure that names the feature).
fn build_and_compare(name: &str, key_pages: &[&str]) {
    let sandbox = temp(name);
    let site = sandbox.join("site");
    let fixture = common::fixture(name);
    copy_dir(&fixture, &site);
    std::fs::remove_dir_all(site.join("zola-public")).unwrap();
    let out = host().args(["build", "-q"]).arg(&site).output().unwrap();
    assert!(out.status.success(), "{name} does not build:\n{}", stderr(&out));

    let reference = fixture.join("zola-public");
    let output = site.join("public");
    let ours: BTreeSet<String> = files(&output).into_iter().collect();
    let missing: Vec<_> = files(&reference).into_iter().filter(|f| !ours.contains(f)).collect();
    assert!(missing.is_empty(), "{name}: files Zola writes and dodeca does not: {missing:?}");

    let mut differ = Vec::new();
    let every = files(&reference);
    let rest = every.iter().map(String::as_str).filter(|f| !key_pages.contains(f));
    for page in key_pages.iter().copied().chain(rest) {
        let (zola, ours) = (bytes(&reference.join(page)), bytes(&output.join(page)));
        // The search library: ours is its author's build, which differs from Zola's copy in
        // the version its comment names and a final new line (`cells/search/README.md`).
        if page == "elasticlunr.min.js" {
            let zola = String::from_utf8_lossy(&zola).replacen("- 0.9.6", "- 0.9.5", 1);
            if zola.trim_end_matches('\n').as_bytes() != ours {
                differ.push(format!("{page}: not Zola's library but for its version comment"));
            }
            continue;
        }
        // CSS (compiled stylesheets, highlighting themes, static files) byte for byte: a
        // compressed stylesheet has no white space to spare.
        if page.ends_with(".css") {
            if zola != ours {
                let (z, o) = (String::from_utf8_lossy(&zola), String::from_utf8_lossy(&ours));
                differ.push(format!("{page}: not Zola's bytes:\n  zola: {z:?}\n  ours: {o:?}"));
            }
            continue;
        }
        // Code blocks as they are: their white space is their text.
        if let (Ok(z), Ok(o)) = (std::str::from_utf8(&zola), std::str::from_utf8(&ours)) {
            let (z, o) = (pre_blocks(z), pre_blocks(o));
            if let Some((z, o)) = z.iter().zip(&o).find(|(z, o)| z != o) {
                differ.push(format!("{page}: a code block differs:\n  zola: {z}\n  ours: {o}"));
            } else if z.len() != o.len() {
                differ.push(format!("{page}: {} code blocks, Zola's has {}", o.len(), z.len()));
            }
        }
        // Text white space aside; other files (images) byte for byte.
        let (zola, ours) = match (std::str::from_utf8(&zola), std::str::from_utf8(&ours)) {
            (Ok(z), Ok(o)) => (normalise(z), normalise(o)),
            _ if zola == ours => continue,
            _ => (format!("{} bytes", zola.len()), format!("{} other bytes", ours.len())),
        };
        if zola != ours {
            differ.push(format!("{page}:{}", first_difference(&zola, &ours)));
        }
    }
    assert!(differ.is_empty(), "{name}: key pages differ from Zola's:\n{}", differ.join("\n"));
    remove_unless_failing(&sandbox);
}

/// Each `<pre …>…</pre>` of an HTML text, as it is.
fn pre_blocks(html: &str) -> Vec<&str> {
    let mut blocks = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find("<pre") {
        let Some(length) = rest[start..].find("</pre>") else { break };
        let end = start + length + "</pre>".len();
        blocks.push(&rest[start..end]);
        rest = &rest[end..];
    }
    blocks
}

fn bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The key pages of each site: the ones each feature shows on.
const BLOG: &[&str] = &[
    "index.html",                            // get_section, summaries, macros with self::
    "blog/index.html",                       // paginator, first pager
    "blog/page/2/index.html",                // a later pager
    "blog/page/1/index.html",                // the redirect to the first pager
    "blog/sourdough-starter/index.html",     // updated, authors, tables, footnotes, task lists
    "blog/winter-walk/index.html",           // shortcodes, inline and with a body
    "blog/chisels-and-planes/index.html",    // slug, lower/higher, taxonomies
    "blog/first-light/index.html",           // date from the file name
    "about-me/index.html",                   // an alias
    "tags/index.html",                       // tags/list.html
    "tags/hand-tools/index.html",            // tags/single.html, a slugified term
    "categories/index.html",                 // taxonomy_list.html
    "categories/workshop/page/2/index.html", // taxonomy_single.html, paginated
    "atom.xml",                              // the built-in Atom feed
    "blog/rss.xml",                          // a section's RSS feed
    "tags/bread/atom.xml",                   // a term's feed
    "sitemap.xml",
    "robots.txt",
    "404.html",
];

const DOCS: &[&str] = &[
    "index.html",                                // get_page, subsections, get_section
    "guide/index.html",                          // sort_by weight, ancestors
    "guide/installation/index.html",             // toc macro with self::, anchors, custom ids
    "guide/configuration/index.html",            // co-located assets, page.assets
    "guide/advanced/troubleshooting/index.html", // a deep toc
    "guide/advanced/caching/index.html",         // bottom footnotes
    "reference/index.html",                      // a transparent subsection's pages, by title
    "reference/glossary/index.html",             // definition lists
    "reference/api/index.html",                  // the transparent section itself
    "snippets/announcement/index.html",          // a page of an unrendered section
    "changelog/index.html",                      // redirect_to
    "faq/index.html",                            // internal links with anchors
    "404.html",                                  // the built-in 404
    "sitemap.xml",
];

const DATA: &[&str] = &[
    "index.html", // load_data: json, csv, toml, yaml, xml, bibtex, literal, @/ path
    "varieties/index.html", // sort_by title (natural order)
    "varieties/akero/index.html", // page_template, data looked up by a key
    "news/index.html", // sort_by update_date, json_encode
    "news/apple-day/index.html", // a datetime
    "recipes/index.html", // sort_by weight
    "recipes/cider/index.html", // load_data of a co-located CSV
];

/// A site in three languages (`[languages.fr]`, `[languages.it]`): each language's tree of
/// sections, routes under `/fr/` and `/it/`, `translations`, `trans`, `lang`, its config's
/// title, its taxonomies, feeds and search index.
const MULTILINGUAL: &[&str] = &[
    "index.html",               // get_url with lang, get_taxonomy(lang), trans, translations
    "fr/index.html",            // a language's home: index.html, config.title, lang
    "it/index.html",            // a language with no sections, no taxonomies
    "blog/bread/index.html",    // a page's translations, an internal link to another language
    "fr/blog/bread/index.html", // lower/higher within a language, ancestors _index.fr.md
    "fr/blog/trip/index.html",  // index.fr.md: co-located asset, colocated_path
    "fr/blog/trip/hill.svg",    // the asset copied beside each language's page
    "chi-siamo/index.html",     // a page's `path`: no language prefix
    "fr/blog/page/2/index.html", // a language's paginated section
    "fr/auteurs/ada/page/2/index.html", // a language's own taxonomy, paginated
    "fr/tags/index.html",       // a language's taxonomy list
    "fr/atom.xml",              // a language's site feed
    "tags/baking/atom.xml",     // the default language's term feed
    "search_index.fr.js",       // a language's search index
    "sitemap.xml",              // every language's pages
];

/// A site on a theme (`themes/plain/`): the theme's templates, one overridden and extended by
/// its `plain/templates/` name, its shortcode, its static files (one overridden), its
/// `[extra]` merged into the config's.
const THEME: &[&str] = &[
    "index.html",            // the site's index.html extending plain/templates/index.html
    "blog/first/index.html", // the theme's page.html and shortcode, extra merged into tables
    "blog/index.html",       // the theme's section.html, the theme's `show_dates`
    "about/index.html",      // the theme's page.html
    "css/plain.css",         // the theme's static file
    "img/mark.svg",          // the site's static file over the theme's
];

#[test]
fn the_zola_blog_builds_as_zola_builds_it() {
    build_and_compare("zola-blog", BLOG);
}

/// `zola-blog` with `minify_html = true` and raw HTML in its about page (a `<style>`, a
/// `style` attribute, a `<script>`, a comment: the overlay `overlays/zola-blog-minify`): every
/// HTML file Zola 0.22.1 writes for it (pages, sections, pagers and their redirects, taxonomies,
/// aliases, `404.html`; its `zola-public/` holds those), byte for byte, white space included.
/// The other files are `zola-blog`'s, which the test above compares.
#[test]
fn the_zola_blog_with_minify_html_is_zola_s_byte_for_byte() {
    let sandbox = temp("zola-blog-minify");
    let site = sandbox.join("site");
    common::copy_fixture(&["zola-blog", "overlays/zola-blog-minify"], &site);
    std::fs::remove_dir_all(site.join("zola-public")).unwrap();
    let out = host().args(["build", "-q"]).arg(&site).output().unwrap();
    assert!(out.status.success(), "zola-blog-minify does not build:\n{}", stderr(&out));

    let reference = common::fixture("overlays/zola-blog-minify/zola-public");
    let html = |dir: &Path| -> Vec<String> {
        files(dir).into_iter().filter(|f| f.ends_with(".html")).collect()
    };
    let zola = html(&reference);
    assert_eq!(zola.len(), 34, "overlays/zola-blog-minify/zola-public/ is not whole");
    assert_eq!(html(&site.join("public")), zola, "the HTML files written differ from Zola's");
    let differ: Vec<String> = zola
        .iter()
        .filter(|page| bytes(&reference.join(page)) != bytes(&site.join("public").join(page)))
        .map(|page| {
            let (z, o) = (read(&reference.join(page)), read(&site.join("public").join(page)));
            format!("{page}:{}", first_difference(&z, &o))
        })
        .collect();
    assert!(differ.is_empty(), "pages that are not Zola's bytes:\n{}", differ.join("\n"));
    remove_unless_failing(&sandbox);
}

/// Code highlighted by giallo with inline styles (`github-dark`): languages, aliases, a
/// language giallo does not know and none, indented blocks, blocks in lists and quotes,
/// `linenos`, `linenostart`, `hl_lines`, `hide_lines`, `name=` and other annotations, a
/// highlighted block in a summary; `render_emoji` in text (not in code); the config as
/// templates see it.
const HIGHLIGHT: &[&str] = &[
    "rust/index.html", // every annotation, headings, the block before `<!-- more -->`
    "languages/index.html", // languages, aliases, unknown, none, indented, nested; emoji
    "index.html",      // `config.markdown.highlighting`, the summary's block
];

/// Code highlighted with classes for a light and a dark theme: each theme's CSS file, the
/// site's own `giallo-light.css` kept.
const HIGHLIGHT_CLASS: &[&str] = &["index.html", "giallo-dark.css", "giallo-light.css"];

#[test]
fn the_zola_highlight_site_builds_as_zola_builds_it() {
    build_and_compare("zola-highlight", HIGHLIGHT);
}

#[test]
fn the_zola_highlight_class_site_builds_as_zola_builds_it() {
    build_and_compare("zola-highlight-class", HIGHLIGHT_CLASS);
}

#[test]
fn the_zola_docs_site_builds_as_zola_builds_it() {
    build_and_compare("zola-docs", DOCS);
}

#[test]
fn the_zola_data_site_builds_as_zola_builds_it() {
    build_and_compare("zola-data", DATA);
}

#[test]
fn the_zola_theme_site_builds_as_zola_builds_it() {
    build_and_compare("zola-theme", THEME);
}

/// `compile_sass` and a theme's `sass/`: partials (a file, a directory starting with `_`), a
/// nested directory, `.css` imported, the indented syntax, `@use` of a built-in module; the
/// theme's stylesheet with the theme's partial, the theme's `main.scss` under the site's.
const SASS: &[&str] = &[
    "main.css",      // imports (a partial, a nested partial, a `.css` file), mixins, @extend
    "blog/post.css", // a nested directory, `@import "../vars"`, `@use "sass:math"`
    "print.css",     // the indented syntax
    "theme.css",     // the theme's stylesheet and partial
];

#[test]
fn the_zola_multilingual_site_builds_as_zola_builds_it() {
    build_and_compare("zola-multilingual", MULTILINGUAL);
}

#[test]
fn the_zola_sass_site_builds_as_zola_builds_it() {
    build_and_compare("zola-sass", SASS);
}

#[test]
#[ignore = "issue 18: not every feature these sites use is there yet (README, Zola compatibility)"]
fn every_feature_probe_renders_as_zola_renders_it() {
    let reference = common::fixture("zola-features").join("zola-public");
    let pages: Vec<String> =
        files(&reference).into_iter().filter(|f| f.ends_with(".html")).collect();
    let pages: Vec<&str> = pages.iter().map(String::as_str).collect();
    build_and_compare("zola-features", &pages);
}

/// Runs today: the fixtures are whole, each key page is in Zola's output, and the normalising
/// the comparison relies on does what it says.
#[test]
fn the_zola_fixtures_hold_their_reference_output() {
    let sites = [
        ("zola-blog", BLOG),
        ("zola-docs", DOCS),
        ("zola-data", DATA),
        ("zola-theme", THEME),
        ("zola-highlight", HIGHLIGHT),
        ("zola-highlight-class", HIGHLIGHT_CLASS),
        ("zola-sass", SASS),
        ("zola-multilingual", MULTILINGUAL),
    ];
    for (name, pages) in sites {
        let site = common::fixture(name);
        for dir in ["config.toml", "content", "templates"] {
            assert!(site.join(dir).exists(), "{name}: no {dir}");
        }
        for page in pages {
            assert!(site.join("zola-public").join(page).is_file(), "{name}: no zola-public/{page}");
        }
    }
    assert!(common::fixture("zola-features/zola-public/index.html").is_file());
    assert_eq!(
        normalise("<p>\n  a   b\n</p>\n<ul> <li>c</li></ul>"),
        "<p>a b</p><ul><li>c</li></ul>"
    );
    assert_eq!(normalise("a <b>x</b> c"), "a<b>x</b>c");
    assert_eq!(
        pre_blocks("<p>a</p><pre class=\"x\"><code>1\n 2</code></pre>\n<pre>3</pre>"),
        ["<pre class=\"x\"><code>1\n 2</code></pre>", "<pre>3</pre>"]
    );
}

/// The feature probes that render as Zola renders them today, one output path per line: each
/// must keep doing so (the ignored test above is the goal, every probe). A probe that newly
/// matches is listed in the output; `DODECA_UPDATE_MATCHING=1` rewrites the list.
///
/// `markdown/shortcodes/index.html` renders as Zola's but is left out of the list: in about
/// one build in three its shortcode callback gets no reply and the page fails after 60 s (a
/// known bug in serving the markdown cell's callbacks, host README "Not yet").
const MATCHING: &str = "zola-features/matching.txt";

#[test]
fn the_feature_probes_that_render_as_zola_renders_them_keep_doing_so() {
    let sandbox = temp("zola-features-matching");
    let site = sandbox.join("site");
    let fixture = common::fixture("zola-features");
    copy_dir(&fixture, &site);
    std::fs::remove_dir_all(site.join("zola-public")).unwrap();
    std::fs::remove_file(site.join("matching.txt")).unwrap();
    // Some probes fail (features not there yet): the build reports them and writes the rest.
    let out = host().args(["build", "-q"]).arg(&site).output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 1)), "the build broke:\n{}", stderr(&out));
    let reference = fixture.join("zola-public");
    let matching: BTreeSet<String> = files(&reference)
        .into_iter()
        .filter(|page| page.ends_with(".html"))
        .filter(|page| {
            let ours = std::fs::read_to_string(site.join("public").join(page));
            ours.is_ok_and(|ours| normalise(&ours) == normalise(&read(&reference.join(page))))
        })
        .collect();
    let listed_path = common::fixture(MATCHING);
    if std::env::var_os("DODECA_UPDATE_MATCHING").is_some() {
        let text: String = matching.iter().map(|page| format!("{page}\n")).collect();
        std::fs::write(&listed_path, text).unwrap();
    }
    let listed: BTreeSet<String> = read(&listed_path).lines().map(str::to_string).collect();
    let lost: Vec<&String> = listed.difference(&matching).collect();
    assert!(lost.is_empty(), "probes that rendered as Zola's and no longer do: {lost:?}");
    let gained: Vec<&String> = matching.difference(&listed).collect();
    if !gained.is_empty() {
        println!("newly as Zola's ({}), add them to {MATCHING}: {gained:?}", gained.len());
    }
    assert!(listed.len() >= 100, "the list is the record of progress: {} probes", listed.len());
    remove_unless_failing(&sandbox);
}
