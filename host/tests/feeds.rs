//! Feeds (Zola 0.22's): the site's, a section's and a term's, built in (`atom.xml`,
//! `rss.xml`) or the site's own template, `feed_limit`, and exactly which renders an edit
//! makes. Each test writes a small site, builds it in this process through the real cells,
//! and asserts the files written and the routes rendered (a feed renders as its output path,
//! `/blog/atom.xml`).
//!
//! The site: `blog/` (`generate_feeds = true`) has `a` (2024-01-05, tag Rust, no summary),
//! `b` (2024-02-01 10:30 +02:00, updated 2024-03-01, author Bea, tags Rust and Web, a
//! summary) and `c` (undated, tag Web); `notes/` (no feeds) has `n` (2023-12-24) and `u`
//! (undated). `tags` has feeds, `series` does not.

mod common;

use std::path::{Path, PathBuf};

use common::{remove_unless_failing, temp, write};
use host::{BuildReport, Site};

const CONFIG: &str = "base_url = \"https://f.example\"\ntitle = \"Feeds & Co\"\n\
    description = \"Tests <feeds>\"\nauthor = \"Ann\"\ngenerate_feeds = true\n\
    feed_filenames = [\"atom.xml\", \"rss.xml\"]\n\
    taxonomies = [{ name = \"tags\", feed = true }, { name = \"series\" }]\n";

/// A site built cold in this process.
struct Built {
    sandbox: PathBuf,
    root: PathBuf,
    site: Site,
}

impl Built {
    /// Writes the site (with `config` as its config) and builds it: no errors.
    fn cold(name: &str, config: &str) -> Built {
        let built = Built::unbuilt(name, config);
        built.rebuild();
        built
    }

    fn unbuilt(name: &str, config: &str) -> Built {
        let sandbox = temp(&format!("feeds-{name}"));
        let root = sandbox.join("site");
        let files = [
            ("config.toml", config),
            ("content/_index.md", "+++\n+++\n"),
            ("content/blog/_index.md", "+++\ntitle = \"Blog\"\ngenerate_feeds = true\n+++\n"),
            (
                "content/blog/a.md",
                "+++\ntitle = \"Alpha\"\ndate = 2024-01-05\n[taxonomies]\ntags = [\"Rust\"]\n\
                 +++\nAlpha body.\n",
            ),
            (
                "content/blog/b.md",
                "+++\ntitle = \"Bravo & <Co>\"\ndate = 2024-02-01T10:30:00+02:00\n\
                 updated = 2024-03-01\nauthors = [\"Bea\"]\n\
                 [taxonomies]\ntags = [\"Rust\", \"Web\"]\n+++\n\
                 Intro, after [Alpha](@/blog/a.md).\n<!-- more -->\nThe rest.\n",
            ),
            (
                "content/blog/c.md",
                "+++\ntitle = \"Charlie\"\n[taxonomies]\ntags = [\"Web\"]\n+++\nCharlie body.\n",
            ),
            ("content/notes/_index.md", "+++\ntitle = \"Notes\"\n+++\n"),
            ("content/notes/n.md", "+++\ntitle = \"Note\"\ndate = 2023-12-24\n+++\nNote body.\n"),
            ("content/notes/u.md", "+++\ntitle = \"Undated\"\n+++\nUndated body.\n"),
            // A base template's links to the feed, as Zola's documentation writes them.
            (
                "templates/index.html",
                "{% if config.generate_feeds %}<link href=\"{{ get_url(path=config.feed_filenames[0], \
                 trailing_slash=false) }}\">{% endif %} {{ get_url(path=\"blog\") }} \
                 {{ get_url(path=\"blog\", trailing_slash=true) }} \
                 {{ get_url(path=\"rss.xml\", trailing_slash=true) }}",
            ),
            ("templates/section.html", "{{ section.title }}"),
            ("templates/page.html", "{{ page.content | safe }}"),
            ("templates/taxonomy_list.html", "{% for t in terms %}{{ t.name }} {% endfor %}"),
            (
                "templates/taxonomy_single.html",
                "{{ term.name }}:{% for p in term.pages %} {{ p.title }}{% endfor %}",
            ),
        ];
        for (rel, text) in files {
            write(&root, rel, text);
        }
        let site = Site::open_with(&root, common::cells(true)).expect("open the site");
        Built { sandbox, root, site }
    }

    fn build(&self) -> BuildReport {
        self.site.build(2).expect("build")
    }

    fn rebuild(&self) -> BuildReport {
        let report = self.build();
        let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
        assert!(errors.is_empty(), "{errors:#?}");
        report
    }

    /// Replaces the one occurrence of `from` in the site's file `rel` by `to`.
    fn edit(&self, rel: &str, from: &str, to: &str) {
        let path = self.root.join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.matches(from).count(), 1, "`{from}` once in {rel}:\n{text}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    fn output(&self, rel: &str) -> String {
        output(&self.root, rel)
    }

    fn assert_outputs_match_a_cold_build(&self) {
        common::assert_outputs_match_a_cold_build(&self.root, &self.sandbox.join("cold"), true);
    }
}

impl Drop for Built {
    fn drop(&mut self) {
        let _ = self.site.wait_for_save();
        remove_unless_failing(&self.sandbox);
    }
}

fn output(root: &Path, rel: &str) -> String {
    let path = root.join("public").join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The build rendered exactly `rendered` and wrote exactly `written`, each sorted.
#[track_caller]
fn assert_built(report: &BuildReport, rendered: &[&str], written: &[&str]) {
    assert_eq!(report.rendered, rendered, "rendered (then written: {:?})", report.written_files);
    assert_eq!(report.written_files, written, "written");
}

/// Zola's Atom entry of `b` (which has a summary).
const B_ATOM: &str = "  <entry xml:lang=\"en\">
    <title>Bravo &amp; &lt;Co&gt;</title>
    <published>2024-02-01T10:30:00+02:00</published>
    <updated>2024-03-01T00:00:00+00:00</updated>
    <author><name>Bea</name></author>
    <link rel=\"alternate\" type=\"text/html\" href=\"https://f.example/blog/b/\"/>
    <id>https://f.example/blog/b/</id>
    <summary type=\"html\">&lt;p&gt;Intro, after &lt;a href=&quot;https:&#x2F;&#x2F;f.example&#x2F;blog&#x2F;a&#x2F;&quot;&gt;Alpha&lt;&#x2F;a&gt;.&lt;&#x2F;p&gt;</summary>
  </entry>\n";

/// Zola's Atom entry of `a` (without a summary: its content; without authors: the config's).
const A_ATOM: &str = "  <entry xml:lang=\"en\">
    <title>Alpha</title>
    <published>2024-01-05T00:00:00+00:00</published>
    <updated>2024-01-05T00:00:00+00:00</updated>
    <author><name>Ann</name></author>
    <link rel=\"alternate\" type=\"text/html\" href=\"https://f.example/blog/a/\"/>
    <id>https://f.example/blog/a/</id>
    <content type=\"html\" xml:base=\"https://f.example/blog/a/\">&lt;p&gt;Alpha body.&lt;&#x2F;p&gt;\n</content>
  </entry>\n";

#[test]
fn the_built_in_atom_feed_lists_the_dated_pages_newest_first() {
    let built = Built::cold("atom", CONFIG);
    let expected = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">
  <title>Feeds &amp; Co</title>
  <subtitle>Tests &lt;feeds&gt;</subtitle>
  <link rel=\"self\" type=\"application/atom+xml\" href=\"https://f.example/atom.xml\"/>
  <link rel=\"alternate\" type=\"text/html\" href=\"https://f.example\"/>
  <generator uri=\"https://www.getzola.org/\">Zola</generator>
  <updated>2024-03-01T00:00:00+00:00</updated>
  <id>https://f.example/atom.xml</id>
{B_ATOM}{A_ATOM}  <entry xml:lang=\"en\">
    <title>Note</title>
    <published>2023-12-24T00:00:00+00:00</published>
    <updated>2023-12-24T00:00:00+00:00</updated>
    <author><name>Ann</name></author>
    <link rel=\"alternate\" type=\"text/html\" href=\"https://f.example/notes/n/\"/>
    <id>https://f.example/notes/n/</id>
    <content type=\"html\" xml:base=\"https://f.example/notes/n/\">&lt;p&gt;Note body.&lt;&#x2F;p&gt;\n</content>
  </entry>
</feed>\n"
    );
    assert_eq!(built.output("atom.xml"), expected);
}

#[test]
fn the_built_in_rss_feed_dates_entries_as_rfc_2822() {
    let built = Built::cold("rss", CONFIG);
    let expected = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>
<rss xmlns:atom=\"http://www.w3.org/2005/Atom\" version=\"2.0\">
<channel>
  <title>Feeds &amp; Co</title>
  <link>https://f.example</link>
  <description>Tests &lt;feeds&gt;</description>
  <generator>Zola</generator>
  <language>en</language>
  <atom:link href=\"https://f.example/rss.xml\" rel=\"self\" type=\"application/rss+xml\"/>
  <lastBuildDate>Fri, 01 Mar 2024 00:00:00 +0000</lastBuildDate>
  <item>
    <title>Bravo &amp; &lt;Co&gt;</title>
    <pubDate>Thu, 01 Feb 2024 10:30:00 +0200</pubDate>
    <author>Bea</author>
    <link>https://f.example/blog/b/</link>
    <guid>https://f.example/blog/b/</guid>
    <description xml:base=\"https://f.example/blog/b/\">&lt;p&gt;Intro, after &lt;a href=&quot;https:&#x2F;&#x2F;f.example&#x2F;blog&#x2F;a&#x2F;&quot;&gt;Alpha&lt;&#x2F;a&gt;.&lt;&#x2F;p&gt;</description>
  </item>
  <item>
    <title>Alpha</title>
    <pubDate>Fri, 05 Jan 2024 00:00:00 +0000</pubDate>
    <author>Ann</author>
    <link>https://f.example/blog/a/</link>
    <guid>https://f.example/blog/a/</guid>
    <description xml:base=\"https://f.example/blog/a/\">&lt;p&gt;Alpha body.&lt;&#x2F;p&gt;\n</description>
  </item>
  <item>
    <title>Note</title>
    <pubDate>Sun, 24 Dec 2023 00:00:00 +0000</pubDate>
    <author>Ann</author>
    <link>https://f.example/notes/n/</link>
    <guid>https://f.example/notes/n/</guid>
    <description xml:base=\"https://f.example/notes/n/\">&lt;p&gt;Note body.&lt;&#x2F;p&gt;\n</description>
  </item>
</channel>
</rss>\n";
    assert_eq!(built.output("rss.xml"), expected);
}

#[test]
fn sections_with_generate_feeds_and_terms_of_taxonomies_with_feed_have_their_own() {
    let built = Built::cold("owners", CONFIG);
    let mut feeds: Vec<String> = common::files(&built.root.join("public"))
        .into_iter()
        .filter(|f| f.ends_with(".xml") && f != "sitemap.xml")
        .collect();
    feeds.sort();
    // Not `notes/` (no `generate_feeds`), not `series` (no `feed`).
    assert_eq!(
        feeds,
        [
            "atom.xml",
            "blog/atom.xml",
            "blog/rss.xml",
            "rss.xml",
            "tags/rust/atom.xml",
            "tags/rust/rss.xml",
            "tags/web/atom.xml",
            "tags/web/rss.xml",
        ]
    );
    // A section's: its title after the site's, its permalink, its own pages.
    let blog = built.output("blog/atom.xml");
    assert!(blog.contains("<title>Feeds &amp; Co - Blog</title>"), "{blog}");
    assert!(blog.contains("href=\"https://f.example/blog/atom.xml\"/>"), "{blog}");
    assert!(
        blog.contains(
            "<link rel=\"alternate\" type=\"text/html\" href=\"https://f.example/blog/\"/>"
        )
    );
    assert_eq!(blog.matches("<entry").count(), 2, "{blog}");
    assert!(blog.ends_with(&format!(
        "<id>https://f.example/blog/atom.xml</id>\n{B_ATOM}{A_ATOM}</feed>\n"
    )));
    // A term's: the term's name, the site's link; `c` is undated, so only `b`.
    let web = built.output("tags/web/rss.xml");
    assert!(web.contains("<title>Feeds &amp; Co - Web</title>\n  <link>https://f.example</link>"));
    assert!(web.contains("<atom:link href=\"https://f.example/tags/web/rss.xml\""));
    assert_eq!(web.matches("<item>").count(), 1, "{web}");
    assert!(web.contains("<lastBuildDate>Fri, 01 Mar 2024 00:00:00 +0000</lastBuildDate>"));
    // A base template's link to the feed, as Zola's documentation writes it; `get_url`'s
    // `trailing_slash` (never after a feed's name).
    assert_eq!(
        built.output("index.html"),
        "<link href=\"https://f.example/atom.xml\"> https://f.example/blog https://f.example/blog/ \
         https://f.example/rss.xml"
    );
}

#[test]
fn feed_limit_keeps_the_newest_pages_and_last_updated_looks_at_all() {
    let config =
        CONFIG.replace("generate_feeds = true\n", "generate_feeds = true\nfeed_limit = 1\n");
    let built = Built::cold("limit", &config);
    let atom = built.output("atom.xml");
    assert!(
        atom.ends_with(&format!("<id>https://f.example/atom.xml</id>\n{B_ATOM}</feed>\n")),
        "{atom}"
    );
    let rust = built.output("tags/rust/atom.xml");
    assert_eq!(rust.matches("<entry").count(), 1, "{rust}");
    // A body edit of a page beyond the limit of every feed it is in renders no feed.
    built.edit("content/blog/a.md", "Alpha body.", "Alpha, edited.");
    let report = built.rebuild();
    assert_built(&report, &["blog/a.md"], &["blog/a/index.html"]);
    built.assert_outputs_match_a_cold_build();
}

#[test]
fn a_site_template_replaces_the_built_in_one_with_zola_s_context() {
    let built = Built::unbuilt("own", CONFIG);
    write(
        &built.root,
        "templates/atom.xml",
        "{{ feed_url | safe }} {{ last_updated }} {{ lang }}\
         {% if section %} section={{ section.title }}{% endif %}\
         {% if term %} term={{ term.name }},{{ term.slug }},{{ term.permalink | safe }} \
         taxonomy={{ taxonomy.name }}{% endif %}:\
         {% for page in pages %} {{ page.title }}/{{ page.word_count }}{% endfor %}",
    );
    built.rebuild();
    assert_eq!(
        built.output("atom.xml"),
        "https://f.example/atom.xml 2024-03-01 en: Bravo &amp; &lt;Co&gt;/8 Alpha/2 Note/2"
    );
    assert_eq!(
        built.output("blog/atom.xml"),
        "https://f.example/blog/atom.xml 2024-03-01 en section=Blog: Bravo &amp; &lt;Co&gt;/8 Alpha/2"
    );
    assert_eq!(
        built.output("tags/web/atom.xml"),
        "https://f.example/tags/web/atom.xml 2024-03-01 en term=Web,web,https://f.example/tags/web/ \
         taxonomy=tags: Bravo &amp; &lt;Co&gt;/8"
    );
    // `rss.xml` is still the built-in one.
    assert!(built.output("rss.xml").starts_with("<?xml"));
    // Editing the template renders the feeds of that name, nothing else.
    built.edit("templates/atom.xml", " {{ lang }}", "");
    let report = built.rebuild();
    assert_built(
        &report,
        &["/atom.xml", "/blog/atom.xml", "/tags/rust/atom.xml", "/tags/web/atom.xml"],
        &["atom.xml", "blog/atom.xml", "tags/rust/atom.xml", "tags/web/atom.xml"],
    );
    built.assert_outputs_match_a_cold_build();
}

#[test]
fn a_feed_name_without_a_template_is_an_error_naming_the_template() {
    let config = CONFIG.replace("[\"atom.xml\", \"rss.xml\"]", "[\"atom.xml\", \"feed.xml\"]");
    let built = Built::unbuilt("no-template", &config);
    let report = built.build();
    let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    // Once, not once per feed.
    assert_eq!(
        errors,
        ["config.toml: `feed_filenames` has `feed.xml`, which needs the template \
          `templates/feed.xml`: only `atom.xml` and `rss.xml` are built in"]
    );
    assert!(built.output("atom.xml").starts_with("<?xml"));
    assert!(!built.root.join("public/feed.xml").exists());
    // The binary says so too, and exits 1.
    let out = common::host().args(["build", "-q"]).arg(&built.root).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", common::stderr(&out));
    assert!(common::stderr(&out).contains("needs the template `templates/feed.xml`"));
    // With the template, the feed is written.
    write(&built.root, "templates/feed.xml", "{{ pages | length }} pages");
    built.rebuild();
    assert_eq!(built.output("feed.xml"), "3 pages");
    assert_eq!(built.output("blog/feed.xml"), "2 pages");
}

#[test]
fn a_tag_added_to_a_page_renders_the_page_its_term_and_the_feeds_listing_it() {
    let built = Built::cold("tag-added", CONFIG);
    built.edit(
        "content/notes/n.md",
        "date = 2023-12-24\n",
        "date = 2023-12-24\n[taxonomies]\ntags = [\"Rust\"]\n",
    );
    let report = built.rebuild();
    // The page; the term `Rust` (its pages) and the list (its terms carry their pages); the
    // term's feeds (a new entry). Not the site's feeds: they list the page but print no
    // taxonomies (a listed page's `taxonomies` is read only when used). Not `Web` or its
    // feeds, nor the blog's, nor `notes/`.
    assert_built(
        &report,
        &["/tags/", "/tags/rust/", "/tags/rust/atom.xml", "/tags/rust/rss.xml", "notes/n.md"],
        &["tags/rust/atom.xml", "tags/rust/index.html", "tags/rust/rss.xml"],
    );
    assert!(built.output("tags/rust/rss.xml").contains("<title>Note</title>"));
    built.assert_outputs_match_a_cold_build();
}

#[test]
fn a_body_edit_of_a_dated_page_renders_the_feeds_listing_it() {
    let built = Built::cold("dated-body", CONFIG);
    built.edit("content/blog/a.md", "Alpha body.", "Alpha, edited.");
    let report = built.rebuild();
    // The page and every feed it is in, each of which prints its content. Not the term's
    // page nor the taxonomy's list: they list the page without printing its body.
    assert_built(
        &report,
        &[
            "/atom.xml",
            "/blog/atom.xml",
            "/blog/rss.xml",
            "/rss.xml",
            "/tags/rust/atom.xml",
            "/tags/rust/rss.xml",
            "blog/a.md",
        ],
        &[
            "atom.xml",
            "blog/a/index.html",
            "blog/atom.xml",
            "blog/rss.xml",
            "rss.xml",
            "tags/rust/atom.xml",
            "tags/rust/rss.xml",
        ],
    );
    assert!(built.output("atom.xml").contains("Alpha, edited."));
    built.assert_outputs_match_a_cold_build();
}

#[test]
fn an_edit_of_an_undated_page_renders_no_feed() {
    let built = Built::cold("undated", CONFIG);
    built.edit("content/notes/u.md", "Undated body.", "Undated, edited.");
    let report = built.rebuild();
    assert_built(&report, &["notes/u.md"], &["notes/u/index.html"]);
    // Its title too: `notes/` lists it (and has no feed).
    built.edit("content/notes/u.md", "title = \"Undated\"", "title = \"Still undated\"");
    let report = built.rebuild();
    assert_built(&report, &["notes/_index.md", "notes/u.md"], &[]);
    built.assert_outputs_match_a_cold_build();
}

#[test]
fn a_page_dated_anew_enters_the_feeds_and_the_config_can_turn_them_off() {
    let built = Built::cold("dated-anew", CONFIG);
    built.edit(
        "content/notes/u.md",
        "title = \"Undated\"",
        "title = \"Undated\"\ndate = 2025-01-01",
    );
    let report = built.rebuild();
    assert!(report.written_files.contains(&"atom.xml".to_string()), "{:?}", report.written_files);
    assert!(
        built
            .output("rss.xml")
            .contains("<lastBuildDate>Wed, 01 Jan 2025 00:00:00 +0000</lastBuildDate>")
    );
    built.assert_outputs_match_a_cold_build();
    // Off: every feed file goes (the sections' and terms' stay theirs to ask for).
    built.edit("config.toml", "generate_feeds = true", "generate_feeds = false");
    let report = built.rebuild();
    assert!(!built.root.join("public/atom.xml").exists());
    assert!(!built.root.join("public/rss.xml").exists());
    assert!(built.root.join("public/blog/atom.xml").exists());
    assert!(built.root.join("public/tags/web/atom.xml").exists());
    assert_eq!(report.removed, 2);
    built.assert_outputs_match_a_cold_build();
}

#[test]
fn a_new_process_writes_a_feed_deleted_by_hand_again_from_its_saved_database() {
    let built = Built::unbuilt("saved", CONFIG);
    let build = || {
        let out = common::host().args(["build", "-q"]).arg(&built.root).output().unwrap();
        assert!(out.status.success(), "{}", common::stderr(&out));
    };
    build();
    let atom = built.output("blog/atom.xml");
    std::fs::remove_file(built.root.join("public/blog/atom.xml")).unwrap();
    // The saved memo of the feed keeps its hash, not its text: it is rendered again.
    build();
    assert_eq!(built.output("blog/atom.xml"), atom);
    built.assert_outputs_match_a_cold_build();
}
