//! robots.txt, 404.html and sitemap.xml: Zola's built-in ones, a site's own templates instead,
//! the config's switches, and a static file of the same name winning; and the search index
//! (`build_search_index`): each format's file as Zola writes it, what it holds, and what an
//! edit makes again.

mod common;

use common::read_output as read;

use common::{open, remove_unless_failing, temp, write};

fn site(name: &str, config_extra: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let sandbox = temp(&format!("site-files-{name}"));
    let root = sandbox.join("site");
    write(
        &root,
        "config.toml",
        &format!("title = \"T\"\nbase_url = \"https://s.example\"\n{config_extra}"),
    );
    write(&root, "content/_index.md", "+++\n+++\n");
    write(&root, "content/blog/_index.md", "+++\ntitle = \"Blog\"\n+++\n");
    write(&root, "content/blog/a.md", "+++\ntitle = \"A\"\ndate = 2024-01-05\n+++\nBody.\n");
    write(
        &root,
        "content/blog/b.md",
        "+++\ntitle = \"B\"\ndate = 2024-01-06\nupdated = 2024-02-01T10:00:00Z\n+++\n",
    );
    write(&root, "content/blog/hidden.md", "+++\ntitle = \"H\"\ndraft = true\n+++\n");
    write(&root, "templates/index.html", "home");
    write(&root, "templates/section.html", "section");
    write(&root, "templates/page.html", "page:{{ page.content | safe }}");
    (sandbox, root)
}

#[test]
fn zola_s_built_in_robots_404_and_sitemap_are_written() {
    let (sandbox, root) = site("built-in", "");
    let report = open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        read(&root, "robots.txt"),
        "User-agent: *\nDisallow:\nAllow: /\nSitemap: https://s.example/sitemap.xml\n"
    );
    assert_eq!(
        read(&root, "404.html"),
        "<!doctype html>\n<title>404 Not Found</title>\n<h1>404 Not Found</h1>\n"
    );
    let url = |loc: &str, lastmod: Option<&str>| match lastmod {
        Some(lastmod) => format!(
            "    <url>\n        <loc>{loc}</loc>\n        <lastmod>{lastmod}</lastmod>\n    </url>\n"
        ),
        None => format!("    <url>\n        <loc>{loc}</loc>\n    </url>\n"),
    };
    // Sorted by permalink; a draft is not listed; `updated` wins over `date`.
    let expected = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n{}{}{}{}</urlset>\n",
        url("https://s.example/", None),
        url("https://s.example/blog/", None),
        url("https://s.example/blog/a/", Some("2024-01-05")),
        url("https://s.example/blog/b/", Some("2024-02-01T10:00:00Z")),
    );
    assert_eq!(read(&root, "sitemap.xml"), expected);
    remove_unless_failing(&sandbox);
}

#[test]
fn the_site_s_templates_and_static_files_replace_the_built_in_ones() {
    let (sandbox, root) = site("own", "");
    write(&root, "templates/404.html", "<p>Lost on {{ config.title }}</p>");
    write(
        &root,
        "templates/sitemap.xml",
        "{% for e in entries %}{{ e.permalink | safe }} {% endfor %}",
    );
    write(&root, "static/robots.txt", "User-agent: nobody\n");
    let report = open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(read(&root, "404.html"), "<p>Lost on T</p>");
    assert_eq!(
        read(&root, "sitemap.xml"),
        "https://s.example/ https://s.example/blog/ https://s.example/blog/a/ https://s.example/blog/b/ "
    );
    assert_eq!(read(&root, "robots.txt"), "User-agent: nobody\n");
    remove_unless_failing(&sandbox);
}

#[test]
fn the_config_can_turn_robots_and_the_sitemap_off() {
    let (sandbox, root) = site("off", "generate_sitemap = false\ngenerate_robots_txt = false\n");
    let report = open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert!(!root.join("public/sitemap.xml").exists());
    assert!(!root.join("public/robots.txt").exists());
    assert!(root.join("public/404.html").exists());
    remove_unless_failing(&sandbox);
}

#[test]
fn a_body_edit_leaves_the_sitemap_alone_and_a_new_page_rewrites_it() {
    let (sandbox, root) = site("incremental", "");
    let site = open(&root);
    site.build(2).unwrap();
    write(&root, "content/blog/a.md", "+++\ntitle = \"A\"\ndate = 2024-01-05\n+++\nNew body.\n");
    let report = site.build(2).unwrap();
    assert_eq!(report.written_files, ["blog/a/index.html"]);
    write(&root, "content/blog/c.md", "+++\ntitle = \"C\"\n+++\n");
    let report = site.build(2).unwrap();
    assert!(
        report.written_files.contains(&"sitemap.xml".to_string()),
        "{:?}",
        report.written_files
    );
    assert!(read(&root, "sitemap.xml").contains("<loc>https://s.example/blog/c/</loc>"));
    remove_unless_failing(&sandbox);
}

#[test]
fn the_sitemap_lists_a_redirecting_section_and_an_unsortable_page_as_zola_s_does() {
    let (sandbox, root) = site("zola-rules", "");
    write(&root, "content/old/_index.md", "+++\nredirect_to = \"blog/\"\n+++\n");
    write(&root, "content/sorted/_index.md", "+++\nsort_by = \"weight\"\n+++\n");
    write(&root, "content/sorted/light.md", "+++\nweight = 1\n+++\n");
    write(&root, "content/sorted/heavy.md", "+++\ndate = 2024-03-01\n+++\n");
    write(&root, "content/unrendered/_index.md", "+++\nrender = false\n+++\n");
    let report = open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // Zola 0.22.1: the redirect is listed; `heavy`, which `sorted` leaves out (no weight)
    // and which is written nowhere, is listed with its date; an unrendered section is not.
    let locs: Vec<String> = read(&root, "sitemap.xml")
        .lines()
        .filter_map(|line| {
            Some(line.trim().strip_prefix("<loc>")?.strip_suffix("</loc>")?.to_string())
        })
        .collect();
    assert_eq!(
        locs,
        [
            "https://s.example/",
            "https://s.example/blog/",
            "https://s.example/blog/a/",
            "https://s.example/blog/b/",
            "https://s.example/old/",
            "https://s.example/sorted/",
            "https://s.example/sorted/heavy/",
            "https://s.example/sorted/light/",
        ]
    );
    assert!(read(&root, "sitemap.xml").contains(
        "<loc>https://s.example/sorted/heavy/</loc>\n        <lastmod>2024-03-01</lastmod>"
    ));
    assert!(!root.join("public/sorted/heavy").exists());
    remove_unless_failing(&sandbox);
}

#[test]
fn a_new_process_writes_site_files_deleted_by_hand_again_from_its_saved_database() {
    let (sandbox, root) = site("saved", "");
    let build = || {
        let out = common::host().args(["build", "-q"]).arg(&root).output().unwrap();
        assert!(out.status.success(), "{}", common::stderr(&out));
    };
    build();
    let before: Vec<String> =
        ["404.html", "robots.txt", "sitemap.xml"].iter().map(|rel| read(&root, rel)).collect();
    for rel in ["404.html", "robots.txt", "sitemap.xml"] {
        std::fs::remove_file(root.join("public").join(rel)).unwrap();
    }
    // The saved memos keep their hashes, not their text: each is made again and written.
    build();
    let after: Vec<String> =
        ["404.html", "robots.txt", "sitemap.xml"].iter().map(|rel| read(&root, rel)).collect();
    assert_eq!(after, before);
    remove_unless_failing(&sandbox);
}

// ---- The search index (`build_search_index`, `[search]`, `in_search_index`) ----

/// A site with a page of each kind the search index takes or leaves out.
fn search_site(name: &str, search: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let sandbox = temp(&format!("search-{name}"));
    let root = sandbox.join("site");
    write(
        &root,
        "config.toml",
        &format!(
            "title = \"T\"\nbase_url = \"https://s.example\"\nbuild_search_index = true\n{search}"
        ),
    );
    write(&root, "content/_index.md", "+++\ntitle = \"Home\"\n+++\nWelcome <em>home</em>.\n");
    write(
        &root,
        "content/blog/_index.md",
        "+++\ntitle = \"Blog\"\ndescription = \"All posts\"\nsort_by = \"date\"\n+++\n",
    );
    write(
        &root,
        "content/blog/a.md",
        "+++\ntitle = \"A\"\ndate = 2024-01-05\n+++\nCats &amp; dogs, *running*.\n\n```\nhidden code\n```\n",
    );
    let page = |title: &str, date: &str, key: &str| {
        format!("+++\ntitle = \"{title}\"\ndate = {date}\n{key}\n+++\nText of {title}.\n")
    };
    write(&root, "content/blog/b.md", &page("B", "2024-01-06", "in_search_index = false"));
    write(&root, "content/blog/hidden.md", &page("H", "2024-01-07", "draft = true"));
    write(&root, "content/blog/off.md", &page("Off", "2024-01-08", "render = false"));
    write(&root, "content/old/_index.md", "+++\nredirect_to = \"blog/\"\n+++\n");
    write(&root, "content/old/kept.md", "+++\ntitle = \"Kept\"\n+++\nKept page.\n");
    write(
        &root,
        "content/quiet/_index.md",
        "+++\ntitle = \"Quiet\"\nin_search_index = false\n+++\n",
    );
    write(&root, "content/quiet/p.md", "+++\ntitle = \"P\"\n+++\nQuiet page.\n");
    write(&root, "content/quiet/sub/_index.md", "+++\ntitle = \"Sub\"\n+++\nSub section.\n");
    write(&root, "content/quiet/sub/q.md", "+++\ntitle = \"Q\"\n+++\nSub page.\n");
    write(&root, "content/orphans/lonely.md", "+++\ntitle = \"Lonely\"\n+++\nNo section.\n");
    write(&root, "templates/index.html", "home");
    write(&root, "templates/section.html", "section");
    write(&root, "templates/page.html", "page:{{ page.content | safe }}");
    (sandbox, root)
}

/// What Zola 0.22.1 writes as `search_index.en.js` for [`search_site`] with the default
/// `[search]` (its binary run on the same files): the title and the body of the home page,
/// `blog/`, `blog/a/`, `old/kept/`, `quiet/sub/` and `quiet/sub/q/`. Not `blog/b/`
/// (`in_search_index = false`), the draft, the page with `render = false`, `old/` (it
/// redirects), `quiet/` and `quiet/p/` (the section is out, its subsection is not), nor the
/// orphan. The code block is not in `blog/a/`'s body, and `&amp;` is.
const ZOLA_ELASTICLUNR: &str = concat!(
    r#"{"fields":["title","body"],"pipeline":["trimmer","stopWordFilter","stemmer"],"ref":"id","v"#,
    r#"ersion":"0.9.5","index":{"body":{"root":{"docs":{},"df":0,"a":{"docs":{},"df":0,"m":{"docs"#,
    r#"":{},"df":0,"p":{"docs":{"https://s.example/blog/a/":{"tf":1.0}},"df":1}}},"b":{"docs":{},"#,
    r#""df":0,"l":{"docs":{},"df":0,"o":{"docs":{},"df":0,"g":{"docs":{"https://s.example/blog/":"#,
    r#"{"tf":1.0}},"df":1}}}},"c":{"docs":{},"df":0,"a":{"docs":{},"df":0,"t":{"docs":{"https://s"#,
    r#".example/blog/a/":{"tf":1.0}},"df":1}}},"d":{"docs":{},"df":0,"o":{"docs":{},"df":0,"g":{""#,
    r#"docs":{"https://s.example/blog/a/":{"tf":1.0}},"df":1}}},"h":{"docs":{},"df":0,"o":{"docs""#,
    r#":{},"df":0,"m":{"docs":{},"df":0,"e":{"docs":{"https://s.example/":{"tf":1.414213562373095"#,
    r#"1}},"df":1}}}},"k":{"docs":{},"df":0,"e":{"docs":{},"df":0,"p":{"docs":{},"df":0,"t":{"doc"#,
    r#"s":{"https://s.example/old/kept/":{"tf":1.4142135623730951}},"df":1}}}},"p":{"docs":{},"df"#,
    r#"":0,"a":{"docs":{},"df":0,"g":{"docs":{},"df":0,"e":{"docs":{"https://s.example/old/kept/""#,
    r#":{"tf":1.0},"https://s.example/quiet/sub/q/":{"tf":1.0}},"df":2}}}},"q":{"docs":{"https://"#,
    r#"s.example/quiet/sub/q/":{"tf":1.0}},"df":1},"r":{"docs":{},"df":0,"u":{"docs":{},"df":0,"n"#,
    r#"":{"docs":{"https://s.example/blog/a/":{"tf":1.0}},"df":1}}},"s":{"docs":{},"df":0,"e":{"d"#,
    r#"ocs":{},"df":0,"c":{"docs":{},"df":0,"t":{"docs":{},"df":0,"i":{"docs":{},"df":0,"o":{"doc"#,
    r#"s":{},"df":0,"n":{"docs":{"https://s.example/quiet/sub/":{"tf":1.0}},"df":1}}}}}},"u":{"do"#,
    r#"cs":{},"df":0,"b":{"docs":{"https://s.example/quiet/sub/":{"tf":1.4142135623730951},"https"#,
    r#"://s.example/quiet/sub/q/":{"tf":1.0}},"df":2}}},"w":{"docs":{},"df":0,"e":{"docs":{},"df""#,
    r#":0,"l":{"docs":{},"df":0,"c":{"docs":{},"df":0,"o":{"docs":{},"df":0,"m":{"docs":{"https:/"#,
    r#"/s.example/":{"tf":1.0}},"df":1}}}}}}}},"title":{"root":{"docs":{},"df":0,"b":{"docs":{},""#,
    r#"df":0,"l":{"docs":{},"df":0,"o":{"docs":{},"df":0,"g":{"docs":{"https://s.example/blog/":{"#,
    r#""tf":1.0}},"df":1}}}},"h":{"docs":{},"df":0,"o":{"docs":{},"df":0,"m":{"docs":{},"df":0,"e"#,
    r#"":{"docs":{"https://s.example/":{"tf":1.0}},"df":1}}}},"k":{"docs":{},"df":0,"e":{"docs":{"#,
    r#"},"df":0,"p":{"docs":{},"df":0,"t":{"docs":{"https://s.example/old/kept/":{"tf":1.0}},"df""#,
    r#":1}}}},"q":{"docs":{"https://s.example/quiet/sub/q/":{"tf":1.0}},"df":1},"s":{"docs":{},"d"#,
    r#"f":0,"u":{"docs":{},"df":0,"b":{"docs":{"https://s.example/quiet/sub/":{"tf":1.0}},"df":1}"#,
    r#"}}}}},"documentStore":{"save":true,"docs":{"https://s.example/":{"body":"Welcome home.","i"#,
    r#"d":"https://s.example/","title":"Home"},"https://s.example/blog/":{"body":"","id":"https:/"#,
    r#"/s.example/blog/","title":"Blog"},"https://s.example/blog/a/":{"body":"Cats &amp; dogs, ru"#,
    r#"nning.","id":"https://s.example/blog/a/","title":"A"},"https://s.example/old/kept/":{"body"#,
    r#"":"Kept page.","id":"https://s.example/old/kept/","title":"Kept"},"https://s.example/quiet"#,
    r#"/sub/":{"body":"Sub section.","id":"https://s.example/quiet/sub/","title":"Sub"},"https://"#,
    r#"s.example/quiet/sub/q/":{"body":"Sub page.","id":"https://s.example/quiet/sub/q/","title":"#,
    r#""Q"}},"docInfo":{"https://s.example/":{"body":2,"title":1},"https://s.example/blog/":{"bod"#,
    r#"y":0,"title":1},"https://s.example/blog/a/":{"body":4,"title":0},"https://s.example/old/ke"#,
    r#"pt/":{"body":2,"title":1},"https://s.example/quiet/sub/":{"body":2,"title":1},"https://s.e"#,
    r#"xample/quiet/sub/q/":{"body":2,"title":1}},"length":6},"lang":"English"}"#,
);

#[test]
fn the_search_index_is_zola_s_elasticlunr_index_with_the_library_beside_it() {
    let (sandbox, root) = search_site("elasticlunr", "");
    let site = open(&root);
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        read(&root, "search_index.en.js"),
        format!("window.searchIndex = {ZOLA_ELASTICLUNR}")
    );
    let library = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../cells/search/vendor/elasticlunr.min.js"),
    )
    .unwrap();
    assert_eq!(std::fs::read(root.join("public/elasticlunr.min.js")).unwrap(), library);
    // `elasticlunr_json`: the same index without the JavaScript, and the `.js` file gone.
    write(
        &root,
        "config.toml",
        "title = \"T\"\nbase_url = \"https://s.example\"\nbuild_search_index = true\n\
         [search]\nindex_format = \"elasticlunr_json\"\n",
    );
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(read(&root, "search_index.en.json"), ZOLA_ELASTICLUNR);
    assert!(!root.join("public/search_index.en.js").exists());
    assert!(root.join("public/elasticlunr.min.js").exists());
    remove_unless_failing(&sandbox);
}

#[test]
fn the_fuse_index_lists_the_documents_with_the_fields_asked_for() {
    let search = "[search]\nindex_format = \"fuse_json\"\ninclude_description = true\n\
                  include_path = true\ninclude_date = true\ntruncate_content_length = 12\n";
    let (sandbox, root) = search_site("fuse", search);
    let site = open(&root);
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // Zola 0.22.1 writes these six objects, byte for byte, in an order that changes from one
    // run to the next (a hash map's); here sections come in path order, each before its
    // pages. No date (Fuse's documents have none); the body cut after 12 characters.
    let expected = concat!(
        r#"[{"url":"https://s.example/","title":"Home","description":"","body":"Welcome home","path":"/"},"#,
        r#"{"url":"https://s.example/blog/","title":"Blog","description":"All posts","body":"","path":"/blog/"},"#,
        r#"{"url":"https://s.example/blog/a/","title":"A","description":"","body":"Cats &amp; d","path":"/blog/a/"},"#,
        r#"{"url":"https://s.example/old/kept/","title":"Kept","description":"","body":"Kept page.","path":"/old/kept/"},"#,
        r#"{"url":"https://s.example/quiet/sub/","title":"Sub","description":"","body":"Sub section.","path":"/quiet/sub/"},"#,
        r#"{"url":"https://s.example/quiet/sub/q/","title":"Q","description":"","body":"Sub page.","path":"/quiet/sub/q/"}]"#,
    );
    assert_eq!(read(&root, "search_index.en.json"), expected);
    assert!(!root.join("public/elasticlunr.min.js").exists());
    write(
        &root,
        "config.toml",
        "title = \"T\"\nbase_url = \"https://s.example\"\nbuild_search_index = true\n\
         [search]\nindex_format = \"fuse_javascript\"\ninclude_title = false\ninclude_content = false\n",
    );
    site.build(2).unwrap();
    assert!(!root.join("public/search_index.en.json").exists());
    let js = read(&root, "search_index.en.js");
    assert!(js.starts_with(r#"window.searchIndex = [{"url":"https://s.example/"},{"url":"https://s.example/blog/"},"#), "{js}");
    assert!(js.ends_with(r#"{"url":"https://s.example/quiet/sub/q/"}]"#), "{js}");
    remove_unless_failing(&sandbox);
}

#[test]
fn a_root_section_left_out_of_the_index_is_an_error_as_in_zola() {
    let (sandbox, root) = search_site("root-out", "");
    write(&root, "content/_index.md", "+++\nin_search_index = false\n+++\n");
    let report = open(&root).build(2).unwrap();
    assert_eq!(report.errors.len(), 1, "{:?}", report.errors);
    let error = report.errors[0].to_string();
    assert!(error.starts_with("content/_index.md: `build_search_index` is on"), "{error}");
    assert!(!root.join("public/search_index.en.js").exists());
    remove_unless_failing(&sandbox);
}

#[test]
fn with_the_index_off_nothing_is_indexed_and_an_old_index_is_removed() {
    let (sandbox, root) = search_site("off", "");
    let site = open(&root);
    site.build(2).unwrap();
    assert!(root.join("public/search_index.en.js").exists());
    write(&root, "config.toml", "title = \"T\"\nbase_url = \"https://s.example\"\n");
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.search_indexes, 0);
    assert!(!root.join("public/search_index.en.js").exists());
    assert!(!root.join("public/elasticlunr.min.js").exists());
    remove_unless_failing(&sandbox);
}

#[test]
fn a_body_edit_changes_the_index_and_a_template_edit_leaves_it_alone() {
    let (sandbox, root) = search_site("incremental", "");
    let site = open(&root);
    let report = site.build(2).unwrap();
    assert_eq!(report.search_indexes, 1);
    // One page's body: that page is rendered again, and the index made again with its text.
    write(&root, "content/old/kept.md", "+++\ntitle = \"Kept\"\n+++\nKept giraffes.\n");
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.rendered, ["old/kept.md"]);
    assert_eq!(report.search_indexes, 1);
    assert_eq!(report.written_files, ["old/kept/index.html", "search_index.en.js"]);
    let index = read(&root, "search_index.en.js");
    assert!(index.contains(r#""body":"Kept giraffes.""#), "{index}");
    assert!(index.contains(r#""g":{"docs":{},"df":0,"i":{"docs":{},"df":0,"r":{"docs":{},"df":0,"a":{"docs":{},"df":0,"f":{"docs":{},"df":0,"f":{"docs":{"https://s.example/old/kept/""#), "{index}");
    // The page template: every page is rendered again, but no indexed text changed.
    write(&root, "templates/page.html", "PAGE:{{ page.content | safe }}");
    let report = site.build(2).unwrap();
    assert!(report.rendered.contains(&"blog/a.md".to_string()), "{:?}", report.rendered);
    assert_eq!(report.search_indexes, 0);
    assert!(!report.written_files.iter().any(|file| file.starts_with("search_index")));
    // A front matter key the index does not hold: the page's document is as it was.
    write(&root, "content/old/kept.md", "+++\ntitle = \"Kept\"\nweight = 3\n+++\nKept giraffes.\n");
    let report = site.build(2).unwrap();
    assert_eq!(report.search_indexes, 0);
    common::assert_outputs_match_a_cold_build(&root, &sandbox.join("cold"), true);
    remove_unless_failing(&sandbox);
}
