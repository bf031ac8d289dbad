//! Themes (`theme = "NAME"`, `themes/NAME/`): the theme's templates and static files are the
//! site's where the site has none of the same path, every theme template is also
//! `NAME/templates/<path>`, and `theme.toml`'s `[extra]` is merged into the config's, as Zola
//! 0.22 does (`tests/sites/zola-theme` is compared with Zola's output, every file, in
//! `zola_sites.rs`). Here: each edit of a theme's file renders exactly the pages that read it
//! and writes exactly the outputs that changed; a theme file is never written or removed;
//! a theme that is missing or does not parse is an error naming it.

mod common;

use common::read_output as read;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::write;

/// A site on the theme `t`: pages using the theme's `page.html` (which extends `base.html`),
/// a page with its own template (`special.html`, extending nothing), a page calling the
/// theme's shortcode, the theme's static files.
fn site(name: &str) -> (PathBuf, PathBuf) {
    let sandbox = common::temp(&format!("themes-{name}"));
    let root = sandbox.join("site");
    write(
        &root,
        "config.toml",
        "base_url = \"https://x.org\"\ntheme = \"t\"\n[extra]\nsite = \"s\"\n",
    );
    write(&root, "content/_index.md", "+++\n+++\n");
    write(&root, "content/blog/_index.md", "+++\ntitle = \"Blog\"\n+++\n");
    write(&root, "content/blog/a.md", "+++\ntitle = \"A\"\n+++\n");
    write(&root, "content/blog/b.md", "+++\ntitle = \"B\"\ntemplate = \"special.html\"\n+++\n");
    write(&root, "content/blog/c.md", "+++\ntitle = \"C\"\n+++\n{{ note(text=\"hi\") }}\n");
    let theme = "themes/t";
    write(&root, &format!("{theme}/theme.toml"), "name = \"t\"\n[extra]\nfrom_theme = \"a\"\n");
    write(&root, &format!("{theme}/templates/base.html"), "<{% block body %}{% endblock body %}>");
    write(
        &root,
        &format!("{theme}/templates/page.html"),
        "{% extends \"base.html\" %}{% block body %}page:{{ page.title }}:{{ page.content | safe }}\
         {% endblock body %}",
    );
    write(&root, &format!("{theme}/templates/special.html"), "special:{{ page.title }}");
    write(&root, &format!("{theme}/templates/section.html"), "section:{{ section.title }}");
    write(
        &root,
        &format!("{theme}/templates/index.html"),
        "index:{{ config.extra.site }}:{{ config.extra.from_theme }}",
    );
    write(&root, &format!("{theme}/templates/shortcodes/note.html"), "note({{ text }})");
    // Not a template for Zola (`*.{*ml,md}`): not one for dodeca either.
    write(&root, &format!("{theme}/templates/notes.txt"), "{{ broken");
    write(&root, &format!("{theme}/static/a.css"), "theme a");
    write(&root, &format!("{theme}/static/b.css"), "theme b");
    write(&root, "static/b.css", "site b");
    (sandbox, root)
}

/// Every file under the theme's directory with its content: a build never changes it.
fn theme_files(root: &Path) -> BTreeMap<PathBuf, String> {
    common::snapshot(&root.join("themes"))
}

/// Waits until every file written so far is older than the scan's trust margin, and builds:
/// the next scan reads only files whose stamps changed (a file just written is read again
/// anyway, which would hide a file the scan failed to read).
fn settle(site: &host::Site) {
    std::thread::sleep(std::time::Duration::from_millis(300));
    let report = build(site);
    assert!(report.written_files.is_empty(), "{:?}", report.written_files);
}

fn build(site: &host::Site) -> host::BuildReport {
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    report
}

#[test]
fn a_site_on_a_theme_builds_with_its_templates_shortcodes_static_files_and_extra() {
    let (sandbox, root) = site("outputs");
    let before = theme_files(&root);
    let report = build(&common::open(&root));
    assert!(report.warnings.is_empty(), "`theme` is acted on: {:?}", report.warnings);
    assert_eq!(read(&root, "index.html"), "index:s:a");
    assert_eq!(read(&root, "blog/index.html"), "section:Blog");
    assert_eq!(read(&root, "blog/a/index.html"), "<page:A:>");
    assert_eq!(read(&root, "blog/b/index.html"), "special:B");
    assert_eq!(read(&root, "blog/c/index.html"), "<page:C:note(hi)>");
    assert_eq!(read(&root, "a.css"), "theme a");
    assert_eq!(read(&root, "b.css"), "site b", "the site's static file wins");
    assert_eq!(theme_files(&root), before);
    common::remove_unless_failing(&sandbox);
}

#[test]
fn editing_a_theme_template_renders_exactly_the_pages_that_use_it() {
    let (sandbox, root) = site("edit-template");
    let site = common::open(&root);
    build(&site);
    write(&root, "themes/t/templates/special.html", "special 2:{{ page.title }}");
    let report = build(&site);
    assert_eq!(report.rendered, ["blog/b.md"]);
    assert_eq!(report.written_files, ["blog/b/index.html"]);
    assert_eq!(read(&root, "blog/b/index.html"), "special 2:B");
    // `base.html`: every page of `page.html`, not `special.html`'s.
    write(&root, "themes/t/templates/base.html", "[{% block body %}{% endblock body %}]");
    let report = build(&site);
    assert_eq!(report.rendered, ["blog/a.md", "blog/c.md"]);
    assert_eq!(report.written_files, ["blog/a/index.html", "blog/c/index.html"]);
    // The shortcode: the page that calls it.
    write(&root, "themes/t/templates/shortcodes/note.html", "NOTE({{ text }})");
    let report = build(&site);
    assert_eq!(report.rendered, ["blog/c.md"]);
    assert_eq!(read(&root, "blog/c/index.html"), "[page:C:NOTE(hi)]");
    // A file that is no template of the theme's: nothing.
    write(&root, "themes/t/templates/notes.txt", "{{ still broken");
    let report = build(&site);
    assert!(report.rendered.is_empty() && report.written_files.is_empty(), "{report:?}");
    common::assert_outputs_match_a_cold_build(&root, &sandbox.join("cold"), true);
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_site_template_overrides_the_themes_and_removing_it_falls_back_to_the_themes() {
    let (sandbox, root) = site("override");
    let site = common::open(&root);
    build(&site);
    let before = theme_files(&root);
    write(&root, "templates/special.html", "site special:{{ page.title }}");
    let report = build(&site);
    assert_eq!(report.rendered, ["blog/b.md"]);
    assert_eq!(read(&root, "blog/b/index.html"), "site special:B");
    // The site's `base.html` is the one the theme's `page.html` extends.
    write(&root, "templates/base.html", "({% block body %}{% endblock body %})");
    let report = build(&site);
    assert_eq!(report.rendered, ["blog/a.md", "blog/c.md"]);
    assert_eq!(read(&root, "blog/a/index.html"), "(page:A:)");
    // The theme's files, unchanged, are not read again by the next scan but for this.
    settle(&site);
    std::fs::remove_file(root.join("templates/special.html")).unwrap();
    std::fs::remove_file(root.join("templates/base.html")).unwrap();
    let report = build(&site);
    assert_eq!(report.rendered, ["blog/a.md", "blog/b.md", "blog/c.md"]);
    assert_eq!(read(&root, "blog/b/index.html"), "special:B");
    assert_eq!(read(&root, "blog/a/index.html"), "<page:A:>");
    assert_eq!(theme_files(&root), before);
    common::assert_outputs_match_a_cold_build(&root, &sandbox.join("cold"), true);
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_site_template_extends_the_themes_by_its_theme_path() {
    let (sandbox, root) = site("extends");
    write(
        &root,
        "templates/section.html",
        "{% extends \"t/templates/page.html\" %}{% block body %}mine:{{ section.title }}\
         {% endblock body %}",
    );
    let site = common::open(&root);
    build(&site);
    assert_eq!(read(&root, "blog/index.html"), "<mine:Blog>");
    // The theme's `section.html` is still there, by its theme path only: unused.
    write(&root, "themes/t/templates/section.html", "theme section 2");
    let report = build(&site);
    assert!(report.rendered.is_empty() && report.written_files.is_empty(), "{report:?}");
    // The theme's `page.html`: the pages of `page.html` and the section extending it.
    write(&root, "themes/t/templates/page.html", "{% block body %}{% endblock body %}!");
    let report = build(&site);
    assert_eq!(report.rendered, ["blog/_index.md", "blog/a.md", "blog/c.md"]);
    assert_eq!(read(&root, "blog/index.html"), "mine:Blog!");
    common::remove_unless_failing(&sandbox);
}

#[test]
fn theme_static_files_are_copied_one_by_one_and_the_sites_win() {
    let (sandbox, root) = site("statics");
    let site = common::open(&root);
    build(&site);
    let before = theme_files(&root);
    write(&root, "themes/t/static/a.css", "theme a 2");
    let report = build(&site);
    assert!(report.rendered.is_empty(), "{:?}", report.rendered);
    assert_eq!(report.written_files, ["a.css"]);
    assert_eq!(read(&root, "a.css"), "theme a 2");
    // Overridden by the site's: nothing to write.
    write(&root, "themes/t/static/b.css", "theme b 2");
    let report = build(&site);
    assert!(report.written_files.is_empty(), "{:?}", report.written_files);
    // The site's removed: the theme's, although it did not change since the last build.
    settle(&site);
    std::fs::remove_file(root.join("static/b.css")).unwrap();
    let report = build(&site);
    assert_eq!(report.written_files, ["b.css"]);
    assert_eq!(read(&root, "b.css"), "theme b 2");
    // A theme file removed: its output too; the theme's other files are as they were.
    std::fs::remove_file(root.join("themes/t/static/a.css")).unwrap();
    let report = build(&site);
    assert_eq!(report.removed, 1);
    assert!(!root.join("public/a.css").exists());
    let mut expected = before;
    expected.remove(Path::new("t/static/a.css"));
    expected.insert("t/static/b.css".into(), "theme b 2".into());
    assert_eq!(theme_files(&root), expected, "only the test changed the theme's files");
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_cachebusted_url_of_a_theme_static_file_renders_again_when_the_file_changes() {
    let (sandbox, root) = site("cachebust");
    write(
        &root,
        "themes/t/templates/special.html",
        "{{ get_url(path=\"a.css\", cachebust=true) }}",
    );
    let site = common::open(&root);
    build(&site);
    let before = read(&root, "blog/b/index.html");
    assert!(before.starts_with("https://x.org/a.css?h="), "{before}");
    write(&root, "themes/t/static/a.css", "theme a 2");
    let report = build(&site);
    assert_eq!(report.rendered, ["blog/b.md"]);
    assert_eq!(report.written_files, ["a.css", "blog/b/index.html"]);
    assert_ne!(read(&root, "blog/b/index.html"), before);
    common::remove_unless_failing(&sandbox);
}

#[test]
fn theme_toml_renders_again_only_when_its_extra_changes() {
    let (sandbox, root) = site("extra");
    let site = common::open(&root);
    build(&site);
    write(
        &root,
        "themes/t/theme.toml",
        "name = \"t\"\ndescription = \"new\"\n[extra]\nfrom_theme = \"a\"\n",
    );
    let report = build(&site);
    assert!(report.rendered.is_empty() && report.written_files.is_empty(), "{report:?}");
    // Every page reads `config` (as an edit of the config's `[extra]` does): all render, and
    // only the one that prints the key is written.
    write(&root, "themes/t/theme.toml", "[extra]\nfrom_theme = \"b\"\nsite = \"theirs\"\n");
    let report = build(&site);
    assert_eq!(report.written_files, ["index.html"]);
    assert_eq!(read(&root, "index.html"), "index:s:b", "the site's `extra.site` wins");
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_new_process_falls_back_to_the_themes_file_when_an_override_is_removed() {
    let (sandbox, root) = site("process");
    write(&root, "templates/special.html", "site special:{{ page.title }}");
    let build = || {
        let out = common::host().args(["build", "-q"]).arg(&root).output().unwrap();
        assert!(out.status.success(), "{}", common::stderr(&out));
    };
    build();
    assert_eq!(read(&root, "blog/b/index.html"), "site special:B");
    assert_eq!(read(&root, "b.css"), "site b");
    // Settled: the next process trusts the saved stamps of the theme's files.
    std::thread::sleep(std::time::Duration::from_millis(300));
    build();
    std::fs::remove_file(root.join("templates/special.html")).unwrap();
    std::fs::remove_file(root.join("static/b.css")).unwrap();
    build();
    assert_eq!(read(&root, "blog/b/index.html"), "special:B");
    assert_eq!(read(&root, "b.css"), "theme b");
    common::remove_unless_failing(&sandbox);
}

#[test]
fn removing_the_theme_from_the_config_drops_its_templates_and_files() {
    let (sandbox, root) = site("removed");
    write(&root, "templates/page.html", "own:{{ page.title }}");
    write(&root, "templates/special.html", "own special");
    write(&root, "templates/section.html", "own section");
    write(&root, "templates/index.html", "own index");
    let site = common::open(&root);
    build(&site);
    write(&root, "config.toml", "base_url = \"https://x.org\"\n[extra]\nsite = \"s\"\n");
    let report = site.build(2).unwrap();
    // The shortcode was the theme's.
    let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("content/blog/c.md"), "{errors:?}");
    assert!(!root.join("public/a.css").exists());
    assert_eq!(read(&root, "b.css"), "site b");
    common::remove_unless_failing(&sandbox);
}

#[test]
fn errors_on_a_missing_theme_naming_it_at_the_configs_key() {
    let (sandbox, root) = site("missing");
    write(&root, "config.toml", "base_url = \"https://x.org\"\ntheme = \"nope\"\n");
    let error = common::open(&root).build(2).expect_err("every page reads the config");
    let error = error.to_string();
    assert!(
        error.starts_with(
            "config.toml:2:9: theme `nope` not found: there is no `themes/nope/theme.toml`"
        ),
        "{error}"
    );
    std::fs::remove_file(root.join("themes/t/theme.toml")).unwrap();
    write(&root, "config.toml", "base_url = \"https://x.org\"\ntheme = \"t\"\n");
    let error = common::open(&root).build(2).expect_err("no theme.toml").to_string();
    assert!(error.starts_with("config.toml:2:9: theme `t` not found"), "{error}");
    write(&root, "themes/t/theme.toml", "");
    std::fs::remove_dir_all(root.join("themes/t/templates")).unwrap();
    let error = common::open(&root).build(2).expect_err("no templates").to_string();
    assert!(error.contains("theme `t` has no templates directory"), "{error}");
    // The binary: exit code 2 (as for any error of the config: no page can be made), the
    // error on stderr, nothing written.
    let out = common::host().args(["build", "-q"]).arg(&root).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", common::stderr(&out));
    assert!(common::stderr(&out).contains("theme `t` has no templates directory"));
    assert!(!root.join("public/index.html").exists());
    common::remove_unless_failing(&sandbox);
}

#[test]
fn errors_on_a_theme_toml_that_does_not_parse_at_its_line_and_column_and_recovers() {
    let (sandbox, root) = site("bad-toml");
    let site = common::open(&root);
    build(&site);
    write(&root, "themes/t/theme.toml", "name = \"t\"\n[extra]\nx = = 1\n");
    let error = site.build(2).expect_err("the config cannot be made").to_string();
    assert!(error.starts_with("themes/t/theme.toml:3:5: "), "{error}");
    write(&root, "themes/t/theme.toml", "[extra]\nsite = 1\n[extra.from_theme]\nx = 1\n");
    write(&root, "config.toml", "base_url = \"/\"\ntheme = \"t\"\n[extra]\nfrom_theme = \"s\"\n");
    let error = site.build(2).expect_err("a table and a string").to_string();
    assert!(
        error.starts_with(
            "config.toml:4:14: `extra.from_theme` is a string here and a table in \
             themes/t/theme.toml:3:1"
        ),
        "{error}"
    );
    write(
        &root,
        "config.toml",
        "base_url = \"https://x.org\"\ntheme = \"t\"\n[extra]\nsite = \"s\"\n",
    );
    write(&root, "themes/t/theme.toml", "[extra]\nfrom_theme = \"a\"\n");
    build(&site);
    assert_eq!(read(&root, "index.html"), "index:s:a");
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_theme_linked_from_outside_the_site_is_refused_and_one_inside_is_followed() {
    let (sandbox, root) = site("links");
    std::fs::rename(root.join("themes/t"), sandbox.join("outside")).unwrap();
    std::os::unix::fs::symlink(sandbox.join("outside"), root.join("themes/t")).unwrap();
    let error = common::open(&root).build(2).expect_err("a link out of the site").to_string();
    assert!(error.contains("`themes/t` leads through a symbolic link to"), "{error}");
    assert!(!root.join("public/a.css").exists());
    // Inside the site (a directory shared by two sites' layouts, say): followed.
    std::fs::remove_file(root.join("themes/t")).unwrap();
    std::fs::rename(sandbox.join("outside"), root.join("shared-theme")).unwrap();
    std::os::unix::fs::symlink("../shared-theme", root.join("themes/t")).unwrap();
    build(&common::open(&root));
    assert_eq!(read(&root, "a.css"), "theme a");
    common::remove_unless_failing(&sandbox);
}
