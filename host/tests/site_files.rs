//! robots.txt, 404.html and sitemap.xml: Zola's built-in ones, a site's own templates instead,
//! the config's switches, and a static file of the same name winning.

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
