//! Co-located assets: files beside a page written as `index.md`, or directly in a section's
//! directory, are copied next to its output and listed to templates, as Zola does; they come
//! and go with their files, and a change to one renders only the page that lists it.

mod common;

use common::read_output as read;

use common::{assert_outputs_match_a_cold_build, open, remove_unless_failing, temp, write};

fn site(name: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let sandbox = temp(&format!("assets-{name}"));
    let root = sandbox.join("site");
    write(&root, "dodeca.toml", "title = \"T\"\nbase_url = \"https://t.example\"\n");
    write(&root, "content/_index.md", "+++\n+++\n");
    write(&root, "content/blog/_index.md", "+++\ntitle = \"Blog\"\n+++\n");
    write(&root, "content/blog/notes.txt", "section notes\n");
    write(&root, "content/blog/My Trip/index.md", "+++\ntitle = \"Trip\"\n+++\n![map](map.png)\n");
    write(&root, "content/blog/My Trip/map.png", "not really a png");
    write(&root, "content/blog/My Trip/img/Photo.jpg", "photo bytes");
    write(&root, "content/blog/plain.md", "+++\ntitle = \"Plain\"\n+++\n");
    write(&root, "content/blog/draft/index.md", "+++\ntitle = \"D\"\ndraft = true\n+++\n");
    write(&root, "content/blog/draft/secret.txt", "not for publishing");
    write(&root, "content/loose/stray.txt", "nobody's");
    write(&root, "templates/index.html", "home");
    write(
        &root,
        "templates/section.html",
        "{{ section.title }}:{{ section.assets | join(sep=\",\") | safe }}",
    );
    write(
        &root,
        "templates/page.html",
        "{{ page.title }}:{{ page.assets | join(sep=\",\") | safe }}:{{ page.colocated_path | safe }}",
    );
    (sandbox, root)
}

#[test]
fn a_bundle_s_files_are_copied_beside_its_page_and_listed_by_their_source_paths() {
    let (sandbox, root) = site("copied");
    let report = open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // The page's route is its slugified directory; the copies keep their relative paths.
    assert_eq!(read(&root, "blog/my-trip/map.png"), "not really a png");
    assert_eq!(read(&root, "blog/my-trip/img/Photo.jpg"), "photo bytes");
    assert_eq!(
        read(&root, "blog/my-trip/index.html"),
        "Trip:/blog/My Trip/img/Photo.jpg,/blog/My Trip/map.png:blog/My Trip/"
    );
    // A section owns the files directly in its directory, not those of its pages.
    assert_eq!(read(&root, "blog/notes.txt"), "section notes\n");
    assert_eq!(read(&root, "blog/index.html"), "Blog:/blog/notes.txt");
    // A single-file page has none and no directory of its own.
    assert_eq!(read(&root, "blog/plain/index.html"), "Plain::");
    // A draft's files and files nobody owns are not published.
    assert!(!root.join("public/blog/draft").exists());
    assert!(!root.join("public/loose").exists());
    remove_unless_failing(&sandbox);
}

#[test]
fn adding_changing_and_removing_an_asset_renders_only_its_page_and_keeps_outputs_exact() {
    let (sandbox, root) = site("incremental");
    let site = open(&root);
    site.build(2).unwrap();

    // A new file in the bundle: the bundle's page lists it; nothing else renders.
    write(&root, "content/blog/My Trip/extra.css", "body {}");
    let report = site.build(2).unwrap();
    assert_eq!(report.rendered, ["blog/My Trip/index.md"]);
    assert_eq!(read(&root, "blog/my-trip/extra.css"), "body {}");

    // New bytes in an asset: copied again, no page renders (its list did not change).
    write(&root, "content/blog/My Trip/map.png", "a better map");
    let report = site.build(2).unwrap();
    assert!(report.rendered.is_empty(), "{:?}", report.rendered);
    assert_eq!(report.written_files, ["blog/my-trip/map.png"]);
    assert_eq!(read(&root, "blog/my-trip/map.png"), "a better map");

    // Removed: its copy goes, the page's list follows.
    std::fs::remove_file(root.join("content/blog/My Trip/img/Photo.jpg")).unwrap();
    let report = site.build(2).unwrap();
    assert_eq!(report.rendered, ["blog/My Trip/index.md"]);
    assert!(!root.join("public/blog/my-trip/img/Photo.jpg").exists());
    drop(site);
    assert_outputs_match_a_cold_build(&root, &sandbox.join("cold"), true);
    remove_unless_failing(&sandbox);
}

#[test]
fn an_asset_that_would_replace_its_page_s_output_is_an_error_naming_both() {
    let (sandbox, root) = site("clash");
    write(&root, "content/blog/My Trip/index.html", "<p>hand-written</p>");
    let report = open(&root).build(2).unwrap();
    let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert!(
        errors.iter().any(|e| e.contains("content/blog/My Trip/index.html")
            && e.contains("content/blog/My Trip/index.md")),
        "{errors:?}"
    );
    assert!(read(&root, "blog/my-trip/index.html").starts_with("Trip:"));
    remove_unless_failing(&sandbox);
}

/// The blob files under `.cache/blobs`.
fn blobs(root: &std::path::Path) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir).map_or(0, |entries| {
            entries.flatten().map(|e| if e.path().is_dir() { count(&e.path()) } else { 1 }).sum()
        })
    }
    count(&root.join(".cache/blobs"))
}

#[test]
fn replaced_and_removed_assets_and_static_files_leave_no_blobs_behind() {
    let (sandbox, root) = site("garbage");
    write(&root, "static/style.css", "v0");
    let site = open(&root);
    site.build(2).unwrap();
    // Live: map.png, Photo.jpg, notes.txt, secret.txt, stray.txt (every asset is stored,
    // owned or not) and style.css.
    let live = blobs(&root);
    assert_eq!(live, 6);
    for round in 1..=3 {
        write(&root, "static/style.css", &format!("v{round}"));
        write(&root, "content/blog/My Trip/map.png", &format!("map {round}"));
        let report = site.build(2).unwrap();
        assert!(report.errors.is_empty() && report.warnings.is_empty(), "{report:?}");
        assert_eq!(blobs(&root), live, "round {round}: old versions collected");
    }
    std::fs::remove_file(root.join("content/loose/stray.txt")).unwrap();
    site.build(2).unwrap();
    assert_eq!(blobs(&root), live - 1);
    assert_eq!(read(&root, "style.css"), "v3");
    assert_eq!(read(&root, "blog/my-trip/map.png"), "map 3");
    remove_unless_failing(&sandbox);
}
