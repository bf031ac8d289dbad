//! A Zola site's input, read as Zola reads it: `config.toml` or `dodeca.toml`, the config's
//! keys (typed, warned about when not acted on yet, `config.extra` in templates), and front
//! matter (every key, dates printed as Zola prints them, keys Zola ignores as warnings).

mod common;

use common::read_output as read;

use std::path::PathBuf;

use common::{run, stderr, stdout, write};

/// A small Zola-style site in a sandbox of its own: `config` as `config.toml`, a home, a
/// blog section listing its pages' titles, the given blog pages, and `page_template` as
/// `page.html`.
fn site(
    name: &str,
    config: &str,
    pages: &[(&str, &str)],
    page_template: &str,
) -> (PathBuf, PathBuf) {
    let sandbox = common::temp(&format!("zola-input-{name}"));
    let root = sandbox.join("site");
    write(&root, "config.toml", config);
    write(&root, "content/_index.md", "+++\n[extra]\nintro = \"Hello\"\n+++\n");
    write(&root, "content/blog/_index.md", "+++\ntitle = \"Blog\"\n+++\n");
    for (rel, text) in pages {
        write(&root, &format!("content/blog/{rel}"), text);
    }
    write(&root, "templates/index.html", "home {{ section.extra.intro }}");
    write(
        &root,
        "templates/section.html",
        "{% for p in section.pages %}<{% if p.title %}{{ p.title }}{% else %}untitled{% endif %}>{% endfor %}",
    );
    write(&root, "templates/page.html", page_template);
    (sandbox, root)
}

const CONFIG: &str = "base_url = \"https://example.com/\"\ntitle = \"Zola site\"\n\
                      taxonomies = [{ name = \"tags\", feed = true, paginate_by = 5 }]\n\
                      [extra]\nwho = { name = \"Ada\" }\n";

#[test]
fn a_zola_config_toml_is_read_and_templates_see_the_whole_config() {
    let (sandbox, root) = site(
        "config",
        CONFIG,
        &[("post.md", "+++\ntitle = \"Post\"\ntaxonomies = { tags = [\"rust\", \"web\"] }\n+++\n")],
        "config={{ config.title }}|{{ config.base_url | safe }}|{{ config.extra.who.name }}|\
         {{ config.taxonomies.0.slug }}|{{ config.taxonomies.0.paginate_by }} \
         tags={{ page.taxonomies.tags | join(sep=\",\") }}",
    );
    // A taxonomy with terms needs its templates, as in Zola.
    write(&root, "templates/taxonomy_list.html", "{{ terms | length }} {{ taxonomy.name }}");
    write(&root, "templates/taxonomy_single.html", "{{ term.name }} {{ paginator.total_pages }}");
    let report = common::open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(read(&root, "index.html"), "home Hello");
    let post = read(&root, "blog/post/index.html");
    assert!(post.contains("config=Zola site|https://example.com/|Ada|tags|5"), "{post}");
    assert!(post.contains("tags=rust,web"), "{post}");
    assert_eq!(read(&root, "tags/index.html"), "2 tags");
    assert_eq!(read(&root, "tags/web/index.html"), "web 1");
    assert_eq!(report.config_warnings, 0, "{:?}", report.warnings);
    common::remove_unless_failing(&sandbox);
}

#[test]
fn front_matter_values_reach_templates_as_zola_prints_them() {
    let (sandbox, root) = site(
        "front-matter",
        CONFIG,
        &[
            (
                "2024-01-05-first.md",
                "+++\ndate = \"2024-1-5\"\nupdated = 2024-02-01T10:00:00Z\nslug = \"Hello World\"\n\
                 authors = [\"Ada\", \"Bob\"]\n[extra]\nwhen = 2024-03-01\n+++\nBody.\n",
            ),
            ("extra-date.md", "+++\ntitle = \"X\"\nextra = { when = 2024-03-01 }\n+++\n"),
            ("2023-12-24_eve.md", "+++\ntitle = \"Eve\"\n+++\n"),
            ("local.md", "+++\ntitle = \"Local\"\ndate = 2024-01-05T10:00:00\n+++\n"),
            ("hidden.md", "+++\ntitle = \"Hidden\"\nrender = false\n+++\n"),
        ],
        "date={{ page.date }} updated={{ page.updated }} slug={{ page.slug }} \
         ymd={{ page.year }}-{{ page.month }}-{{ page.day }} authors={{ page.authors | join(sep=\",\") }} \
         extra={% for k, v in page.extra %}{{ k }}:{{ v }}{% endfor %} \
         title={% if page.title %}{{ page.title }}{% else %}none{% endif %}",
    );
    let report = common::open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // The route follows the front matter's slug, as in Zola.
    let first = read(&root, "blog/hello-world/index.html");
    for part in [
        "date=2024-01-05T00:00:00Z ",
        "updated=2024-02-01T10:00:00Z ",
        "slug=hello-world ",
        "ymd=2024-1-5 ",
        "authors=Ada,Bob ",
        "extra=when:2024-03-01 ",
        "title=none",
    ] {
        assert!(first.contains(part), "{part:?} in {first}");
    }
    // The file name gives the date and the slug, as in Zola.
    let eve = read(&root, "blog/eve/index.html");
    assert!(eve.starts_with("date=2023-12-24 updated= slug=eve ymd=2023-12-24"), "{eve}");
    assert!(read(&root, "blog/local/index.html").starts_with("date=2024-01-05T10:00:00 "));
    assert!(read(&root, "blog/extra-date/index.html").contains("extra=when:2024-03-01 "));
    // `render = false`: no output, and listed nowhere (as Zola 0.22 leaves it out of its
    // section).
    assert!(!root.join("public/blog/hidden").exists());
    let blog = read(&root, "blog/index.html");
    assert!(!blog.contains("<Hidden>") && blog.contains("<untitled>"), "{blog}");
    common::remove_unless_failing(&sandbox);
}

#[test]
fn keys_zola_ignores_on_a_page_are_warnings_and_a_section_s_are_errors() {
    let (sandbox, root) = site(
        "unknown-keys",
        CONFIG,
        &[("post.md", "+++\ntitle = \"Post\"\ntoc = true\npaginate_by = 3\n+++\n")],
        "title={{ page.title }}",
    );
    write(&root, "content/docs/_index.md", "+++\ntitle = \"Docs\"\nslug = \"d\"\n+++\n");
    let report = common::open(&root).build(2).unwrap();
    assert!(read(&root, "blog/post/index.html").contains("title=Post"));
    let page_warnings: Vec<&String> = report.warnings[report.config_warnings..].iter().collect();
    assert_eq!(
        page_warnings,
        [
            "content/blog/post.md:3:1: unknown front matter key `toc`; your own keys go under \
             `extra`; ignored, as Zola ignores it",
            "content/blog/post.md:4:1: `paginate_by` is a section's key (`_index.md`): ignored \
             on a page, as Zola ignores it",
        ]
    );
    let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(
            "content/docs/_index.md:3:1: `slug` is a page's key: a section (`_index.md`) does \
             not have it"
        ),
        "{errors:?}"
    );
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_page_s_taxonomy_must_be_one_the_config_defines() {
    let (sandbox, root) = site(
        "taxonomy",
        "base_url = \"/\"\n",
        &[("post.md", "+++\ntitle = \"Post\"\n[taxonomies]\ncategories = [\"x\"]\n+++\n")],
        "{{ page.title }}",
    );
    let report = common::open(&root).build(2).unwrap();
    let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        ["content/blog/post.md: the page has the taxonomy `categories`, which the config does \
          not define (`taxonomies = [{ name = \"categories\" }]`)"]
    );
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_wrong_config_type_fails_the_build_at_its_line_and_column() {
    let config = "base_url = \"/\"\n[markdown]\nrender_emoji = \"yes\"\n";
    let (sandbox, root) = site("bad-config", config, &[], "");
    let error = common::open(&root).build(2).unwrap_err().to_string();
    assert!(
        error.starts_with(
            "config.toml:3:16: `markdown.render_emoji` must be true or false, not a string"
        ),
        "{error}"
    );
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_site_with_both_config_files_is_refused_naming_them() {
    let (sandbox, root) = site("both", "base_url = \"/\"\n", &[], "");
    write(&root, "dodeca.toml", "base_url = \"/\"\n");
    let out = run(&root, &["build"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("has both config.toml and dodeca.toml: remove one"),
        "{}",
        stderr(&out)
    );
    assert!(!root.join("public").exists());
    // With only dodeca.toml, it is that one.
    std::fs::remove_file(root.join("config.toml")).unwrap();
    let out = run(&root, &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    common::remove_unless_failing(&sandbox);
}

#[test]
fn the_config_s_warnings_come_with_every_run_and_the_site_is_still_found_up_to_date() {
    let (sandbox, root) = site(
        "warnings",
        "base_url = \"/\"\nhard_link_static = true\n",
        &[("post.md", "+++\ntitle = \"Post\"\n+++\n")],
        "{{ page.title }}",
    );
    // Settled: files written just now are not trusted by a scan's stamps.
    std::thread::sleep(std::time::Duration::from_millis(150));
    let warning = "warning: config.toml:2:1: `hard_link_static` is not acted on yet";
    let first = run(&root, &["build"]);
    assert!(first.status.success() && stderr(&first).contains(warning), "{}", stderr(&first));
    let again = run(&root, &["build"]);
    assert!(stderr(&again).contains(warning), "{}", stderr(&again));
    assert!(
        stdout(&again).contains("0 written") && stdout(&again).contains("0 renders"),
        "{}",
        stdout(&again)
    );
    // Nothing was loaded: the saved scan found every file as it was.
    assert!(stdout(&again).contains("0 queries run"), "{}", stdout(&again));
    common::remove_unless_failing(&sandbox);
}

#[test]
fn an_edited_front_matter_key_renders_again_only_what_shows_it() {
    let (sandbox, root) = site(
        "incremental",
        CONFIG,
        &[
            ("a.md", "+++\ntitle = \"A\"\nauthors = [\"Ada\"]\n+++\n"),
            ("b.md", "+++\ntitle = \"B\"\n+++\n"),
        ],
        "{{ page.title }} by {{ page.authors | join(sep=\",\") }}",
    );
    let site = common::open(&root);
    site.build(2).unwrap();
    // `authors` is shown by the page only: its section's listing does not change.
    write(&root, "content/blog/a.md", "+++\ntitle = \"A\"\nauthors = [\"Bob\"]\n+++\n");
    let report = site.build(2).unwrap();
    assert_eq!(report.rendered, ["blog/a.md"]);
    assert_eq!(read(&root, "blog/a/index.html"), "A by Bob");
    // The title is listed by the section too.
    write(&root, "content/blog/a.md", "+++\ntitle = \"A2\"\nauthors = [\"Bob\"]\n+++\n");
    assert_eq!(site.build(2).unwrap().rendered, ["blog/_index.md", "blog/a.md"]);
    // A key no template shows and that the listing does not hold re-renders the page only.
    write(&root, "content/blog/b.md", "+++\ntitle = \"B\"\nin_search_index = false\n+++\n");
    assert_eq!(site.build(2).unwrap().rendered, ["blog/b.md"]);
    drop(site);
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_page_sees_lang_current_url_its_summary_word_count_reading_time_and_the_configs_markdown() {
    let config = "base_url = \"https://example.com\"\ndefault_language = \"fr\"\n\
                  [markdown]\nsmart_punctuation = true\nexternal_links_target_blank = true\n";
    let body = "+++\ntitle = \"Post\"\n+++\nThe \"first\" part.\n\n<!-- more -->\n\n\
                See [out](https://out.example/).\n";
    let (sandbox, root) = site(
        "page-vars",
        config,
        &[("post.md", body)],
        "lang={{ lang }} url={{ current_url | safe }} words={{ page.word_count }} \
         minutes={{ page.reading_time }}\nsummary={{ page.summary | safe }}\n{{ page.content | safe }}",
    );
    let report = common::open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let post = read(&root, "blog/post/index.html");
    assert!(
        post.starts_with("lang=fr url=https://example.com/blog/post/ words=8 minutes=1\n"),
        "{post}"
    );
    // 8 words, as Zola 0.22.1 counts them on this page (checked). The config's `[markdown]`:
    // smart quotes, and external links opening a new tab.
    assert!(post.contains("summary=<p>The “first” part.</p>"), "{post}");
    assert!(post.contains("target=\"_blank\""), "{post}");
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_site_s_summary_cutoff_template_ends_a_summary_cut_inside_a_paragraph() {
    let body = "+++\ntitle = \"C\"\n+++\nIntro words <!-- more --> rest here.\n";
    let (sandbox, root) = site("cutoff", CONFIG, &[("c.md", body)], "{{ page.summary | safe }}");
    write(
        &root,
        "templates/summary-cutoff.html",
        "<span class=\"cut\">{{ summary | length }} more…</span>",
    );
    let report = common::open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // Zola 0.22.1's page for the same site: the template, given the summary so far, then
    // the closing tag.
    assert_eq!(
        read(&root, "blog/c/index.html"),
        "<p>Intro words<span class=\"cut\">14 more…</span></p>\n"
    );
    common::remove_unless_failing(&sandbox);
}

#[test]
fn get_page_answers_a_page_as_its_template_sees_it_and_its_edit_renders_the_caller_again() {
    let (sandbox, root) = site(
        "get-page",
        CONFIG,
        &[
            ("a.md", "+++\ntitle = \"A\"\n+++\n"),
            ("b.md", "+++\ntitle = \"B\"\n+++\nFirst words.\n\n<!-- more -->\n\nThe rest.\n"),
            ("c.md", "+++\ntitle = \"C\"\n+++\n"),
        ],
        "{% if page.title == \"A\" %}{% set b = get_page(path=\"@/blog/b.md\") %}\
         {{ b.title }}|{{ b.permalink | safe }}|{{ b.summary | safe }}|{{ b.word_count }}\
         {% else %}{{ page.title }}{% endif %}",
    );
    let site = common::open(&root);
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        read(&root, "blog/a/index.html"),
        "B|https://example.com/blog/b/|<p>First words.</p>|5"
    );
    // B's text is what A shows: an edit of it renders B and A, not C.
    write(&root, "content/blog/b.md", "+++\ntitle = \"B\"\n+++\nNew words.\n\n<!-- more -->\n");
    assert_eq!(site.build(2).unwrap().rendered, ["blog/a.md", "blog/b.md"]);
    assert!(read(&root, "blog/a/index.html").contains("|<p>New words.</p>|"));
    // A page that is not there is the caller's error, naming it.
    write(&root, "templates/page.html", "{{ get_page(path=\"blog/none.md\").title }}");
    let report = site.build(2).unwrap();
    let message = format!("{:?}", report.errors);
    assert!(message.contains("get_page: there is no page content/blog/none.md"), "{message}");
    drop(site);
    common::remove_unless_failing(&sandbox);
}

#[test]
fn the_config_s_markdown_and_slugify_anchors_keys_render_as_zola_renders_them() {
    let config = "base_url = \"https://example.com\"\n[markdown]\nbottom_footnotes = true\n\
                  definition_list = true\ngithub_alerts = true\nlazy_async_image = true\n\
                  [slugify]\nanchors = \"safe\"\n";
    let body = "+++\ntitle = \"Post\"\n+++\n## Über Uns\n\nA note[^1].\n\nTerm\n: Definition\n\n\
                > [!NOTE]\n> Careful.\n\n![alt](https://example.com/a.png)\n\n[^1]: The note.\n";
    let (sandbox, root) =
        site("markdown-keys", config, &[("post.md", body)], "{{ page.content | safe }}");
    let report = common::open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(report.warnings.is_empty(), "acted on, so not warned about: {:?}", report.warnings);
    // Zola 0.22.1's page, byte for byte.
    assert_eq!(
        read(&root, "blog/post/index.html"),
        "<h2 id=\"Über_Uns\">Über Uns</h2>\n\
         <p>A note<sup class=\"footnote-reference\" id=\"fr-1-1\"><a href=\"#fn-1\">1</a></sup>.</p>\n\
         <dl>\n<dt>Term</dt>\n<dd>Definition</dd>\n</dl>\n\
         <blockquote class=\"markdown-alert-note\">\n<p>Careful.</p>\n</blockquote>\n\
         <p><img src=\"https://example.com/a.png\" alt=\"alt\" loading=\"lazy\" decoding=\"async\" /></p>\n\
         <section class=\"footnotes\">\n<ol class=\"footnotes-list\">\n<li id=\"fn-1\">\n\
         <p>The note. <a href=\"#fr-1-1\">↩</a></p>\n</li>\n</ol>\n</section>\n"
    );
    common::remove_unless_failing(&sandbox);
}
