use std::collections::HashMap;

use super::*;

struct Files(HashMap<&'static str, &'static str>);

impl SassFiles for Files {
    fn read(&self, path: &str) -> Result<Option<String>, String> {
        Ok(self.0.get(path).map(|text| text.to_string()))
    }
    fn is_dir(&self, path: &str) -> Result<bool, String> {
        Ok(self.0.keys().any(|file| file.starts_with(&format!("{path}/"))))
    }
}

fn files(list: &[(&'static str, &'static str)]) -> Files {
    Files(list.iter().copied().collect())
}

#[test]
fn scss_is_compressed_as_zola_writes_it() {
    let f = files(&[("sass/a.scss", "$c: red;\na {\n  b { color: $c; }\n  margin: 0 auto;\n}\n")]);
    assert_eq!(compile("sass/a.scss", &f).unwrap().css, "a{margin:0 auto}a b{color:red}");
}

#[test]
fn the_indented_syntax_is_read_from_a_sass_file() {
    let f = files(&[("sass/a.sass", "$c: blue\na\n  color: $c\n")]);
    assert_eq!(compile("sass/a.sass", &f).unwrap().css, "a{color:blue}");
}

#[test]
fn imports_are_found_as_partials_relative_to_the_importer_and_through_dot_dot() {
    let f = files(&[
        ("sass/sub/page.scss", "@import '../base', 'local';\np { color: $c; }\n"),
        ("sass/_base.scss", "$c: #fff;\n"),
        ("sass/sub/_local.scss", "q { x: y; }\n"),
    ]);
    assert_eq!(compile("sass/sub/page.scss", &f).unwrap().css, "q{x:y}p{color:#fff}");
}

#[test]
fn an_error_in_an_imported_file_names_that_file() {
    let f =
        files(&[("sass/a.scss", "@import 'b';\n"), ("sass/_b.scss", "\n\n  x { y: $nope; }\n")]);
    let error = compile("sass/a.scss", &f).unwrap_err();
    assert_eq!(error.file, "sass/_b.scss");
    assert_eq!((error.line, error.column), (Some(3), Some(10)));
    assert_eq!(error.message, "Undefined variable.");
}

#[test]
fn a_missing_import_is_an_error_at_the_import() {
    let f = files(&[("sass/a.scss", "a { b: c; }\n@import 'nowhere';\n")]);
    let error = compile("sass/a.scss", &f).unwrap_err();
    assert_eq!(error.to_string(), "sass/a.scss:2:9: Can't find stylesheet to import.");
}

#[test]
fn nothing_outside_the_site_is_read() {
    let f = files(&[("sass/a.scss", "@import '../../../../etc/passwd';\n@import '/etc/hosts';\n")]);
    let error = compile("sass/a.scss", &f).unwrap_err();
    assert_eq!((error.line, error.message.as_str()), (Some(1), "Can't find stylesheet to import."));
}

#[test]
fn warnings_are_answered_with_their_place() {
    let f = files(&[("sass/a.scss", "a { b: c; }\n@warn 'careful';\n")]);
    let compiled = compile("sass/a.scss", &f).unwrap();
    assert_eq!(compiled.warnings, ["sass/a.scss:2:7: warning: \"careful\""]);
}

#[test]
fn a_failure_to_ask_the_host_outranks_grass_s_not_found() {
    struct Broken;
    impl SassFiles for Broken {
        fn read(&self, _: &str) -> Result<Option<String>, String> {
            Err("peer closed".into())
        }
        fn is_dir(&self, _: &str) -> Result<bool, String> {
            Err("peer closed".into())
        }
    }
    let error = compile("sass/a.scss", &Broken).unwrap_err();
    assert_eq!(error.to_string(), "sass/a.scss: could not read from the host: peer closed");
}

#[test]
fn malformed_stylesheets_are_errors_never_panics() {
    let inputs = [
        "a {",
        "}",
        "@import",
        "a { b: (((((( }",
        "@mixin",
        "@include x;",
        "a { @extend .b; }",
        "$",
        "#{",
        "@function f() { @return }",
        "a { b: 1px + 1em; }",
        "\u{0}",
        "@use 'x' as",
        "@each $a in",
        "a:b",
        "@media (",
        "/*",
        "a { b: url(",
        "@if",
        "@else {}",
    ];
    for input in inputs {
        let f = Files(HashMap::from([("sass/a.scss", input)]));
        let _ = compile("sass/a.scss", &f);
    }
}

#[test]
fn a_file_nested_too_deeply_is_refused_at_the_place_not_a_stack_overflow() {
    let deep: &'static str =
        Box::leak(format!("a {{ b: {}1{} }}", "[".repeat(300_000), "]".repeat(300_000)).into());
    let f = files(&[("sass/a.scss", "@import 'deep';\n"), ("sass/_deep.scss", deep)]);
    let error = compile("sass/a.scss", &f).unwrap_err();
    assert_eq!(
        (error.file.as_str(), error.line, error.column),
        ("sass/_deep.scss", Some(1), Some(263))
    );
    assert!(error.message.contains("nested more than 256 deep"), "{error}");
}

/// Found by the `sass_source` fuzz target: grass 0.13.4 asserts (a panic) on an indented-syntax
/// file whose first line is indented. `compile` catches it and answers an error naming the
/// stylesheet, as for any panic of grass.
#[test]
fn a_panic_of_grass_is_an_error_of_the_stylesheet() {
    let f = files(&[("sass/a.sass", "\n  color: black\n  nav, footer\n    none\n")]);
    let error = compile("sass/a.sass", &f).unwrap_err();
    assert_eq!((error.file.as_str(), error.line), ("sass/a.sass", None));
    assert!(
        error.message.starts_with("the Sass compiler failed on it (a bug in grass:"),
        "{error}"
    );
}
