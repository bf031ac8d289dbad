//! `compile_sass` through the real sass cell: the outputs' bytes, which stylesheets an edit
//! compiles again (`BuildReport::compiled`: the `compile_sass` queries that ran), errors at
//! their file, line and column, the config and the theme deciding what is compiled, and what
//! wins an output path. Zola's own output for a whole site is `zola-sass` (`zola_sites.rs`).

mod common;

use std::path::{Path, PathBuf};

use common::{read_output, remove_unless_failing, run, stderr, temp, write};

/// A site whose `sass/` has three stylesheets: `a.scss` and `nested/b.scss` import the
/// partial `_shared.scss`, `c.sass` (the indented syntax) imports nothing; and one page.
fn site(name: &str, compile_sass: bool) -> (PathBuf, PathBuf) {
    let sandbox = temp(&format!("sass-{name}"));
    let root = sandbox.join("site");
    write(
        &root,
        "config.toml",
        &format!("base_url = \"https://example.com\"\ncompile_sass = {compile_sass}\n"),
    );
    write(&root, "content/_index.md", "+++\ntitle = \"Home\"\n+++\nHello.\n");
    write(&root, "templates/index.html", "<p>{{ section.title }}</p>");
    write(&root, "sass/_shared.scss", "$ink: #112233;\n");
    write(&root, "sass/a.scss", "@import 'shared';\na { color: $ink; b { margin: 0; } }\n");
    write(&root, "sass/nested/b.scss", "@import '../shared';\nb { border: 1px solid $ink; }\n");
    write(&root, "sass/c.sass", "c\n  width: 10px + 5px\n");
    write(&root, "sass/_lib/d.scss", "d { x: y; }\n");
    (sandbox, root)
}

fn open(root: &Path) -> host::Site {
    common::open(root)
}

#[test]
fn stylesheets_compile_beside_their_paths_and_partials_are_not_outputs() {
    let (sandbox, root) = site("outputs", true);
    let report = open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.compiled, ["sass/a.scss", "sass/c.sass", "sass/nested/b.scss"]);
    // Zola's bytes: grass's compressed style, no final newline.
    assert_eq!(read_output(&root, "a.css"), "a{color:#123}a b{margin:0}");
    assert_eq!(read_output(&root, "nested/b.css"), "b{border:1px solid #123}");
    assert_eq!(read_output(&root, "c.css"), "c{width:15px}");
    // Partials, and a directory whose name starts with `_`, are only imported.
    let css: Vec<String> =
        common::files(&root.join("public")).into_iter().filter(|f| f.ends_with(".css")).collect();
    assert_eq!(css, ["a.css", "c.css", "nested/b.css"]);
    remove_unless_failing(&sandbox);
}

#[test]
fn an_edited_partial_compiles_again_exactly_the_stylesheets_that_import_it() {
    let (sandbox, root) = site("partial", true);
    let site = open(&root);
    site.build(2).unwrap();

    write(&root, "sass/_shared.scss", "$ink: #445566;\n");
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.compiled, ["sass/a.scss", "sass/nested/b.scss"]);
    assert_eq!(report.written_files, ["a.css", "nested/b.css"]);
    assert!(report.rendered.is_empty(), "{:?}", report.rendered);
    assert_eq!(read_output(&root, "a.css"), "a{color:#456}a b{margin:0}");

    // A stylesheet that imports nothing is compiled alone.
    write(&root, "sass/c.sass", "c\n  width: 1px\n");
    let report = site.build(2).unwrap();
    assert_eq!(report.compiled, ["sass/c.sass"]);
    assert_eq!(report.written_files, ["c.css"]);

    // A page or a template compiles no stylesheet; nor does a new partial nobody imports.
    write(&root, "content/_index.md", "+++\ntitle = \"Home again\"\n+++\nHello.\n");
    write(&root, "templates/index.html", "<h1>{{ section.title }}</h1>");
    write(&root, "sass/_unused.scss", "$x: 1;\n");
    let report = site.build(2).unwrap();
    assert!(report.compiled.is_empty(), "{:?}", report.compiled);
    assert_eq!(report.written_files, ["index.html"]);

    // Nothing changed: nothing compiled, nothing written.
    let report = site.build(2).unwrap();
    assert!(report.compiled.is_empty() && report.written_files.is_empty(), "{report:?}");
    drop(site);
    common::assert_outputs_match_a_cold_build(&root, &sandbox.join("cold"), true);
    remove_unless_failing(&sandbox);
}

#[test]
fn a_file_an_import_looked_for_compiles_its_importer_again_when_it_appears() {
    let (sandbox, root) = site("appears", true);
    write(&root, "sass/a.scss", "@import 'shared';\n@import 'extra.css';\na { color: $ink; }\n");
    let site = open(&root);
    site.build(2).unwrap();
    // `@import "x"` tries `x.import.scss` before `_x.scss`: the partial found stays the
    // answer until a file of a name tried before it appears, which both importers had
    // looked for (and which, its name not starting with `_`, is a stylesheet of its own).
    write(&root, "sass/shared.import.scss", "$ink: #000;\n");
    let report = site.build(2).unwrap();
    assert_eq!(report.compiled, ["sass/a.scss", "sass/nested/b.scss", "sass/shared.import.scss"]);
    assert_eq!(read_output(&root, "a.css"), "@import 'extra.css';a{color:#000}");
    remove_unless_failing(&sandbox);
}

#[test]
fn an_error_names_the_file_line_and_column_and_the_other_stylesheets_are_written() {
    let (sandbox, root) = site("error", true);
    write(&root, "sass/_shared.scss", "$ink: #112233;\n\n.x { width: 1px + 1em; }\n");
    let report = open(&root).build(2).unwrap();
    let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    // One error per stylesheet importing the broken partial, placed in the partial.
    assert_eq!(errors.len(), 2, "{errors:?}");
    for error in &errors {
        assert!(error.starts_with("sass/_shared.scss:3:13: "), "{error}");
        assert!(error.contains("Incompatible units"), "{error}");
        assert!(error.contains("| .x { width: 1px + 1em; }"), "{error}");
    }
    assert_eq!(read_output(&root, "c.css"), "c{width:15px}");
    assert!(!root.join("public/a.css").exists());

    // The binary: a non-zero exit and the place on stderr.
    let out = run(&root, &["build"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("sass/_shared.scss:3:13"), "{}", stderr(&out));
    remove_unless_failing(&sandbox);
}

#[test]
fn without_compile_sass_nothing_is_compiled_and_turning_it_on_and_off_adds_and_removes() {
    let (sandbox, root) = site("off", false);
    let site = open(&root);
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty() && report.warnings.is_empty(), "{report:?}");
    assert!(report.compiled.is_empty(), "{:?}", report.compiled);
    assert!(common::files(&root.join("public")).iter().all(|f| !f.ends_with(".css")));

    write(&root, "config.toml", "base_url = \"https://example.com\"\ncompile_sass = true\n");
    let report = site.build(2).unwrap();
    assert_eq!(report.compiled.len(), 3);
    assert!(root.join("public/a.css").is_file());

    write(&root, "config.toml", "base_url = \"https://example.com\"\ncompile_sass = false\n");
    let report = site.build(2).unwrap();
    assert!(report.compiled.is_empty(), "{:?}", report.compiled);
    assert!(!root.join("public/a.css").exists() && !root.join("public/c.css").exists());
    remove_unless_failing(&sandbox);
}

#[test]
fn a_static_file_of_the_same_path_wins_and_a_theme_s_sass_is_compiled_regardless() {
    let (sandbox, root) = site("theme", false);
    write(
        &root,
        "config.toml",
        "base_url = \"https://example.com\"\ncompile_sass = false\ntheme = \"t\"\n",
    );
    write(&root, "themes/t/theme.toml", "name = \"t\"\n");
    write(&root, "themes/t/templates/page.html", "{{ page.title }}");
    // The theme's stylesheets import the theme's partial, not the site's of the same name.
    write(&root, "themes/t/sass/_shared.scss", "$ink: red;\n");
    write(&root, "themes/t/sass/theme.scss", "@import 'shared';\nt { color: $ink; }\n");
    write(&root, "themes/t/sass/a.scss", "theme-a { x: y; }\n");
    write(&root, "static/c.css", "static c\n");
    let site = open(&root);
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(report.compiled, ["themes/t/sass/a.scss", "themes/t/sass/theme.scss"]);
    assert_eq!(read_output(&root, "theme.css"), "t{color:red}");
    assert_eq!(read_output(&root, "a.css"), "theme-a{x:y}");

    // With `compile_sass`, the site's `a.scss` wins over the theme's; `static/c.css` over
    // the site's `c.sass`.
    write(
        &root,
        "config.toml",
        "base_url = \"https://example.com\"\ncompile_sass = true\ntheme = \"t\"\n",
    );
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(read_output(&root, "a.css"), "a{color:#123}a b{margin:0}");
    assert_eq!(read_output(&root, "c.css"), "static c\n");
    assert_eq!(read_output(&root, "theme.css"), "t{color:red}");
    remove_unless_failing(&sandbox);
}

#[test]
fn a_stylesheet_a_static_file_shadows_is_still_compiled_and_its_error_fails_the_build() {
    // As in Zola, which compiles every stylesheet before it copies the static files.
    let (sandbox, root) = site("shadowed-error", true);
    write(&root, "static/c.css", "static c\n");
    write(&root, "sass/c.sass", "c\n  width: 10px + 5em\n");
    let report = open(&root).build(2).unwrap();
    let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("sass/c.sass:2:"), "{errors:?}");
    assert!(errors[0].contains("Incompatible units"), "{errors:?}");
    // The static file is the output still.
    assert_eq!(read_output(&root, "c.css"), "static c\n");
    remove_unless_failing(&sandbox);
}

#[test]
fn two_stylesheets_with_one_output_are_an_error_naming_both() {
    let (sandbox, root) = site("conflict", true);
    write(&root, "sass/a.sass", "a\n  x: y\n");
    let report = open(&root).build(2).unwrap();
    let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("sass/a.sass") && errors[0].contains("sass/a.scss"), "{errors:?}");
    assert!(!root.join("public/a.css").exists());
    remove_unless_failing(&sandbox);
}

#[test]
fn a_stylesheet_that_never_ends_is_an_error_naming_it_not_a_hang() {
    let (sandbox, root) = site("endless", true);
    write(&root, "sass/c.sass", "$i: 0\n@while true\n  $i: $i + 1\n");
    let out = common::host()
        .env("DODECA_SASS_TIME_LIMIT", "1")
        .current_dir(&root)
        .arg("build")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("sass/c.sass: did not compile in 1 s"), "{err}");
    // The others are written all the same.
    assert_eq!(read_output(&root, "a.css"), "a{color:#123}a b{margin:0}");
    remove_unless_failing(&sandbox);
}

#[test]
fn the_saved_database_compiles_again_only_the_importers_of_an_edited_partial() {
    let (sandbox, root) = site("persist", true);
    let out = run(&root, &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Settled: files written just now are not trusted by a scan's stamps.
    std::thread::sleep(std::time::Duration::from_millis(150));
    write(&root, "sass/_shared.scss", "$ink: #000000;\n");
    let out = run(&root, &["build"]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Two stylesheets written; nothing else.
    assert!(common::stdout(&out).contains("2 written"), "{}", common::stdout(&out));
    assert_eq!(read_output(&root, "nested/b.css"), "b{border:1px solid #000}");
    remove_unless_failing(&sandbox);
}
