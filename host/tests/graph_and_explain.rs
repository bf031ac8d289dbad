//! `dodeca-host graph [SITE] [ROUTE]` and `dodeca-host build --explain ROUTE`, through the
//! binary.

mod common;

use std::path::Path;

use common::{host, stderr, stdout};

fn explain(root: &Path, route: &str) -> String {
    let out = host().args(["build", "-q", "--explain", route]).arg(root).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn graph_prints_the_whole_graph_and_one_routes_cone_as_dot() {
    let (sandbox, root) = common::built_fixture("graph");
    let out = host().arg("graph").arg(&root).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let whole = stdout(&out);
    assert!(whole.starts_with("digraph picante {") && whole.ends_with("}\n"), "{whole}");
    assert!(whole.contains(r#""render(\"blog/second.md\")" -> "page(\"blog/second.md\")""#));
    assert!(whole.contains(r#""render(\"about.md\")""#), "every page is in it");

    for route in ["/blog/second/", "blog/second.md", "blog/second/index.html"] {
        let out = host().arg("graph").arg(&root).arg(route).output().unwrap();
        assert!(out.status.success(), "{route}: {}", stderr(&out));
        let cone = stdout(&out);
        assert!(cone.contains(r#""page(\"blog/second.md\")" -> "content(\"blog/second.md\")""#));
        assert!(cone.contains(r#"templates(\"post.html\")"#), "{cone}");
        assert!(!cone.contains(r#"render(\"about.md\")"#), "another page's render: {cone}");
        // Another page's front matter is in the cone (the route check reads every route),
        // its parse is not: a body edit there stops at its front matter, unchanged.
        assert!(!cone.contains(r#""page(\"about.md\")""#), "another page's parse: {cone}");
    }
    // Inside the site, the route alone.
    let out = host().current_dir(&root).args(["graph", "/about/"]).output().unwrap();
    assert!(stdout(&out).contains(r#"templates(\"about.html\")"#), "{}", stderr(&out));

    let out = host().arg("graph").arg(&root).arg("/no/such/page/").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no page or section has the route"), "{}", stderr(&out));
    common::remove_unless_failing(&sandbox);
}

#[test]
fn graph_without_a_saved_database_says_to_build_first() {
    let sandbox = common::temp("graph-unbuilt");
    let root = sandbox.join("site");
    common::copy_fixture(&["valid"], &root);
    let out = host().arg("graph").arg(&root).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("build the site first"), "{}", stderr(&out));
    common::remove_unless_failing(&sandbox);
}

#[test]
fn explain_says_which_input_changed_and_why_a_route_was_or_was_not_rendered_again() {
    let (sandbox, root) = common::built_fixture("explain");
    let page = root.join("content/blog/second.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, text.replace("Second body.", "Second body, edited.")).unwrap();
    let edited = explain(&root, "/blog/second/");
    assert!(edited.contains(r#"inputs changed in this build"#), "{edited}");
    assert!(
        edited.contains(r#"render("blog/second.md") ran again (its output changed)"#),
        "{edited}"
    );
    assert!(edited.contains(r#"    content("blog/second.md")"#), "{edited}");

    std::fs::write(&page, text.replace("Second body.", "Second body, edited again.")).unwrap();
    let other = explain(&root, "/blog/first/");
    assert!(other.contains(r#"render("blog/first.md") was not run again"#), "{other}");

    // The listing of the blog reads the edited page's title, not its body: the edit stops
    // at the listing (early cutoff), and the section is not rendered again.
    std::fs::write(&page, text.replace("Second body.", "Second body, a third time.")).unwrap();
    let section = explain(&root, "/blog/");
    assert!(section.contains(r#"render("blog/_index.md") was not run again"#), "{section}");

    let missing = explain(&root, "/nowhere/");
    assert!(missing.contains("no page or section has the route `/nowhere/`"), "{missing}");
    common::remove_unless_failing(&sandbox);
}

#[test]
fn explain_of_a_run_with_nothing_changed_says_nothing_was_looked_at() {
    let (sandbox, root) = common::built_fixture("explain-noop");
    // Settled, then built once more so that every stamp is trusted.
    std::thread::sleep(std::time::Duration::from_millis(150));
    assert!(host().args(["build", "-q"]).arg(&root).status().unwrap().success());
    let noop = explain(&root, "/blog/second/");
    assert!(noop.contains("nothing was rendered again"), "{noop}");
    common::remove_unless_failing(&sandbox);
}
