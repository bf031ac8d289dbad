//! Tera's `get_env` and `get_random`, which Zola sites call, through the binary (one process
//! per build, each with its own environment): `get_env` is a tracked read (a changed variable
//! renders again exactly the pages that read it, in a new process too, and an unchanged one
//! keeps the build up to date), `get_random` is volatile like `now()` (its page renders again
//! in every build).

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{host, stderr, stdout};

/// The variable the fixture's templates read.
const VARIABLE: &str = "DODECA_TEST_GREETING";

/// A small site whose `hello` page reads `VARIABLE` (with a default) and whose other pages do
/// not; settled, so that a scan trusts its files' stamps.
fn site(name: &str, page_template: &str) -> (PathBuf, PathBuf) {
    let sandbox = common::temp(name);
    let root = sandbox.join("site");
    common::site(&root);
    common::write(&root, "templates/page.html", page_template);
    std::thread::sleep(Duration::from_millis(150));
    (sandbox, root)
}

/// Builds `root` in a process whose environment has `VARIABLE` set to `value` (unset for
/// `None`). Returns the exit status's success, stdout and stderr.
fn build(root: &Path, value: Option<&str>) -> (bool, String, String) {
    let mut command = host();
    command.args(["build", "-v", "-j", "2"]).arg(root);
    match value {
        Some(value) => command.env(VARIABLE, value),
        None => command.env_remove(VARIABLE),
    };
    let out = command.output().unwrap();
    (out.status.success(), stdout(&out), stderr(&out))
}

fn hello(root: &Path) -> String {
    std::fs::read_to_string(root.join("public/posts/hello/index.html")).unwrap()
}

#[test]
fn get_env_reads_the_environment_and_a_changed_value_renders_only_its_readers() {
    let template = format!("page:{{{{ get_env(name=\"{VARIABLE}\", default=\"unset\") }}}}");
    let (sandbox, root) = site("get-env", &template);
    let (ok, out, err) = build(&root, Some("hello"));
    assert!(ok, "{out}{err}");
    assert_eq!(hello(&root), "page:hello");

    // Another page edited: only it renders (the variable read for the first time, then kept
    // as an input, costs the page that read it nothing).
    std::thread::sleep(Duration::from_millis(150));
    common::write(&root, "content/_index.md", "+++\ntitle = \"Home\"\n+++\nEdited.\n");
    std::thread::sleep(Duration::from_millis(150));
    let (ok, out, err) = build(&root, Some("hello"));
    assert!(ok, "{out}{err}");
    assert!(out.contains("1 renders"), "{out}");

    // The same value in a new process: up to date without loading the database.
    let (ok, out, err) = build(&root, Some("hello"));
    assert!(ok, "{out}{err}");
    assert!(out.contains("0 written") && out.contains("0 renders"), "{out}");
    assert!(out.contains("no database loaded"), "{out}");

    // Another value: the database is loaded and only the page that reads it renders again.
    let (ok, out, err) = build(&root, Some("bonjour"));
    assert!(ok, "{out}{err}");
    assert!(out.contains("1 written") && out.contains("1 renders"), "{out}");
    assert!(out.contains("started from: the saved database"), "{out}");
    assert_eq!(hello(&root), "page:bonjour");

    // Unset: the default.
    let (ok, out, err) = build(&root, None);
    assert!(ok, "{out}{err}");
    assert!(out.contains("1 renders"), "{out}");
    assert_eq!(hello(&root), "page:unset");
    common::assert_outputs_match_a_cold_build(&root, &sandbox.join("cold"), true);
    common::remove_unless_failing(&sandbox);
}

#[test]
fn get_env_of_an_unset_variable_without_default_is_an_error_naming_it() {
    let template = format!("page:{{{{ get_env(name=\"{VARIABLE}\") }}}}");
    let (sandbox, root) = site("get-env-missing", &template);
    let (ok, out, err) = build(&root, None);
    assert!(!ok, "{out}");
    assert!(err.contains(&format!("Environment variable `{VARIABLE}` not found")), "{err}");
    assert!(err.contains("templates/page.html") || err.contains("page.html:1:"), "{err}");
    // Set, the same site builds.
    let (ok, out, err) = build(&root, Some("there"));
    assert!(ok, "{out}{err}");
    assert_eq!(hello(&root), "page:there");
    common::remove_unless_failing(&sandbox);
}

#[test]
fn get_random_is_in_its_range_and_its_page_renders_again_every_build() {
    let (sandbox, root) = site("get-random", "page:{{ get_random(start=10, end=1000000010) }}");
    let number =
        |root: &Path| -> i64 { hello(root).strip_prefix("page:").unwrap().parse().unwrap() };
    let (ok, out, err) = build(&root, None);
    assert!(ok, "{out}{err}");
    let first = number(&root);
    assert!((10..1_000_000_010).contains(&first), "{first}");
    // Nothing changed, yet the page that draws a number (and only it) renders again, from the
    // saved database, with a new number (one in a billion: the same).
    let (ok, out, err) = build(&root, None);
    assert!(ok, "{out}{err}");
    assert!(out.contains("1 renders"), "{out}");
    assert!(out.contains("started from: the saved database"), "{out}");
    assert_ne!(number(&root), first, "a new number");
    common::remove_unless_failing(&sandbox);
}
