//! Sites in several languages, as Zola builds them: each language is a tree of its own
//! (`_index.fr.md`, `page.fr.md`, routes under `/fr/`), the versions of one file are each
//! other's `translations`, `trans` answers from the config. The whole of Zola's behaviour is
//! compared file by file by `zola_sites.rs` (`zola-multilingual`); these tests name the rules
//! one by one, and show that an edit renders only what read it.

mod common;

use std::path::PathBuf;

use common::read_output as read;
use common::write;

/// A site in English and French: a home in each, `a` in both, `b` in English only.
fn site(name: &str) -> (PathBuf, PathBuf) {
    let sandbox = common::temp(&format!("languages-{name}"));
    let root = sandbox.join("site");
    write(
        &root,
        "config.toml",
        "base_url = \"https://x.org\"\ntitle = \"Site\"\n[translations]\nmore = \"More\"\n\
         [languages.fr]\ntitle = \"Le site\"\n[languages.fr.translations]\nmore = \"Plus\"\n",
    );
    write(&root, "content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    write(&root, "content/_index.fr.md", "+++\ntitle = \"Accueil\"\n+++\n");
    write(&root, "content/a.md", "+++\ntitle = \"A\"\n+++\nText.\n");
    write(&root, "content/a.fr.md", "+++\ntitle = \"A fr\"\n+++\nTexte.\n");
    write(&root, "content/b.md", "+++\ntitle = \"B\"\n+++\nText.\n");
    write(
        &root,
        "templates/index.html",
        "{{ lang }} {{ config.title }}:{% for p in section.pages %} {{ p.title }}{% endfor %}",
    );
    write(
        &root,
        "templates/page.html",
        "{{ page.lang }} {{ page.title }} {{ trans(key=\"more\", lang=page.lang) }}:\
         {% for t in page.translations %} {{ t.lang }}={{ t.title }}@{{ t.permalink | safe }}\
         {% endfor %}",
    );
    (sandbox, root)
}

#[test]
fn each_language_has_its_own_tree_of_routes_listings_and_config() {
    let (sandbox, root) = site("tree");
    let report = common::open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(read(&root, "index.html"), "en Site: A B");
    assert_eq!(read(&root, "fr/index.html"), "fr Le site: A fr");
    assert_eq!(
        read(&root, "a/index.html"),
        "en A More: en=A@https://x.org/a/ fr=A fr@https://x.org/fr/a/"
    );
    assert_eq!(
        read(&root, "fr/a/index.html"),
        "fr A fr Plus: en=A@https://x.org/a/ fr=A fr@https://x.org/fr/a/"
    );
    assert_eq!(read(&root, "b/index.html"), "en B More: en=B@https://x.org/b/");
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_title_edit_renders_its_language_s_listings_and_the_versions_that_show_it() {
    let (sandbox, root) = site("title");
    let site = common::open(&root);
    site.build(2).unwrap();
    // `a.md`'s title: itself, the English home (lists it), the French `a` (shows its
    // translations); not the French home, which lists French pages only, nor `b`.
    write(&root, "content/a.md", "+++\ntitle = \"A2\"\n+++\nText.\n");
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.rendered, ["_index.md", "a.fr.md", "a.md"]);
    assert_eq!(
        read(&root, "fr/a/index.html"),
        "fr A fr Plus: en=A2@https://x.org/a/ fr=A fr@https://x.org/fr/a/"
    );
    // A body edit of the French page: itself alone.
    write(&root, "content/a.fr.md", "+++\ntitle = \"A fr\"\n+++\nAutre texte.\n");
    let report = site.build(2).unwrap();
    assert_eq!(report.rendered, ["a.fr.md"]);
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_new_version_renders_the_pages_whose_translations_gain_it() {
    let (sandbox, root) = site("added");
    let site = common::open(&root);
    site.build(2).unwrap();
    write(&root, "content/b.fr.md", "+++\ntitle = \"B fr\"\n+++\nTexte.\n");
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // The new page, the French home that lists it, and `b`, whose translations gained it;
    // nothing of `a`, nor the English home.
    assert_eq!(report.rendered, ["_index.fr.md", "b.fr.md", "b.md"]);
    assert_eq!(read(&root, "fr/index.html"), "fr Le site: A fr B fr");
    assert_eq!(
        read(&root, "b/index.html"),
        "en B More: en=B@https://x.org/b/ fr=B fr@https://x.org/fr/b/"
    );
    // Removed again: its output goes, and `b` loses it.
    std::fs::remove_file(root.join("content/b.fr.md")).unwrap();
    let report = site.build(2).unwrap();
    assert_eq!(report.rendered, ["_index.fr.md", "b.md"]);
    assert!(!root.join("public/fr/b/index.html").exists());
    assert_eq!(read(&root, "b/index.html"), "en B More: en=B@https://x.org/b/");
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_file_named_for_a_language_the_site_does_not_have_is_an_error_naming_it() {
    let (sandbox, root) = site("unknown");
    write(&root, "content/c.de.md", "+++\ntitle = \"C\"\n+++\n");
    let report = common::open(&root).build(2).unwrap();
    let messages: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0].contains("content/c.de.md")
            && messages[0].contains("`de`")
            && messages[0].contains("(en, fr)"),
        "{}",
        messages[0]
    );
    // The rest of the site is built.
    assert_eq!(read(&root, "fr/index.html"), "fr Le site: A fr");
    assert!(!root.join("public/c.de/index.html").exists());
    common::remove_unless_failing(&sandbox);
}

#[test]
fn trans_and_get_url_in_a_language_the_site_does_not_have_are_errors_that_name_it() {
    let (sandbox, root) = site("trans");
    write(&root, "templates/page.html", "{{ trans(key=\"less\", lang=page.lang) }}");
    let report = common::open(&root).build(2).unwrap();
    let messages: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("no translation of `less`")
                && m.contains("[languages.fr.translations]")),
        "{messages:?}"
    );
    write(&root, "templates/page.html", "{{ trans(key=\"more\", lang=\"de\") }}");
    let report = common::open(&root).build(2).unwrap();
    let messages: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert!(
        messages.iter().any(|m| m.contains("`de` is not one of the config's languages (en, fr)")),
        "{messages:?}"
    );
    // `get_url` of an internal link in a language the site does not have: an error (Zola's
    // too); of any other path, the path under that directory, as Zola writes it.
    write(&root, "templates/page.html", "{{ get_url(path=\"@/a.md\", lang=\"de\") }}");
    let report = common::open(&root).build(2).unwrap();
    let messages: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert!(
        messages.iter().any(|m| m.contains("get_url(): `de` is not one of the config's languages")),
        "{messages:?}"
    );
    write(
        &root,
        "templates/page.html",
        "{{ get_url(path=\"@/a.md\", lang=\"fr\") }} {{ get_url(path=\"x/\", lang=\"de\") }}",
    );
    let report = common::open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(read(&root, "a/index.html"), "https://x.org/fr/a/ https://x.org/de/x");
    common::remove_unless_failing(&sandbox);
}

#[test]
fn a_site_of_one_language_reads_no_language_from_a_page_s_name() {
    let sandbox = common::temp("languages-one");
    let root = sandbox.join("site");
    write(&root, "config.toml", "base_url = \"https://x.org\"\n");
    write(&root, "content/notes.v2.md", "+++\ntitle = \"N\"\n+++\n");
    write(&root, "templates/page.html", "{{ page.lang }} {{ page.translations | length }}");
    let report = common::open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(read(&root, "notes-v2/index.html"), "en 0");
    common::remove_unless_failing(&sandbox);
}
