//! A site's database saved by one process and loaded by the next: the new process renders
//! nothing until something changes, then exactly what a change reaches.

mod common;

use host::Site;

#[test]
fn a_site_loading_the_saved_database_renders_nothing_until_a_page_changes() {
    let sandbox = common::temp("saved-database");
    let root = sandbox.join("site");
    common::copy_fixture(&["valid"], &root);
    let saved = sandbox.join("database.bin");
    {
        let first = Site::open_with(&root, common::cells(true)).unwrap();
        let cold = first.build(2).unwrap();
        assert!(cold.errors.is_empty(), "{:?}", cold.errors);
        assert_eq!(cold.rendered.len(), 8);
        assert!(first.save_database(&saved).unwrap() > 0);
    }
    let second = Site::open_with(&root, common::cells(true)).unwrap();
    let load = second.load_database(&saved).unwrap();
    assert!(load.loaded && load.warnings.is_empty(), "{load:?}");
    let warm = second.build(2).unwrap();
    assert!(warm.errors.is_empty(), "{:?}", warm.errors);
    assert_eq!(warm.rendered, Vec::<String>::new(), "nothing rendered again");
    assert_eq!(warm.written_files, Vec::<String>::new(), "nothing written again");
    assert_eq!(warm.pages, 8);

    let page = root.join("content/blog/second.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, text.replace("Second body.", "Second body, edited.")).unwrap();
    let edit = second.build(2).unwrap();
    assert_eq!(edit.rendered, ["blog/second.md"]);
    assert_eq!(edit.written_files, ["blog/second/index.html"]);
}

#[test]
fn a_site_already_built_refuses_to_load_a_saved_database() {
    let sandbox = common::temp("saved-database-used");
    let root = sandbox.join("site");
    common::copy_fixture(&["valid"], &root);
    let site = Site::open_with(&root, common::cells(true)).unwrap();
    site.build(2).unwrap();
    let saved = sandbox.join("database.bin");
    site.save_database(&saved).unwrap();
    let error = site.load_database(&saved).unwrap_err();
    assert!(error.to_string().contains("fresh database"), "{error}");
}
