//! Zola's `get_hash` and `get_url`'s `cachebust` and anchors, in one process building again
//! and again (as `serve` does): the digests are Zola's (SHA-2, computed by the template cell),
//! and a file's digest is a tracked read of the file, so an edit renders again exactly the
//! pages that hashed it.

mod common;

use common::read_output as read;

use common::{open, temp, write};

/// The stylesheet, its SHA-256 and its SHA-384 in base64 (Python's `hashlib`), and the same
/// after the edit.
const STYLE: &str = "body { color: red; }\n";
const STYLE_SHA256: &str = "9767e91e9d4b0334e59a1d389e9801bc6a2c5c4a5500a3c2c7915687965b2c16";
const STYLE_SHA384: &str = "AfvuHvJDW/YFp/cnN1kkrn86hCkG+0GL/j5XHj5y7KAoLOcK+iPu2eVrHptLLv9m";
const EDITED: &str = "body { color: blue; }\n";
const EDITED_SHA256: &str = "db70c511a8889e90a0e6309757c22e6079396ce573ca757f21e7556b53f632ce";

#[test]
fn cachebust_and_get_hash_are_zola_s_and_follow_the_file() {
    let sandbox = temp("get-hash");
    let root = sandbox.join("site");
    common::site(&root);
    write(&root, "static/css/style.css", STYLE);
    write(
        &root,
        "templates/page.html",
        "{{ get_url(path=\"css/style.css\", cachebust=true) }}\n\
         {{ get_hash(path=\"css/style.css\", sha_type=256, base64=false) }}\n\
         {{ get_hash(path=\"/css/style.css\") | safe }}",
    );
    let site = open(&root);
    let report = site.build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let page = read(&root, "posts/hello/index.html");
    assert_eq!(
        page,
        format!(
            "https://t.example/css/style.css?h={}\n{STYLE_SHA256}\n{STYLE_SHA384}",
            &STYLE_SHA256[..20]
        )
    );

    // The stylesheet edited: only the page that hashes it renders again.
    write(&root, "static/css/style.css", EDITED);
    site.load().unwrap();
    let report = site.build(2).unwrap();
    assert_eq!(report.rendered, ["posts/hello.md"], "{report:?}");
    let page = read(&root, "posts/hello/index.html");
    assert!(
        page.starts_with(&format!("https://t.example/css/style.css?h={}\n", &EDITED_SHA256[..20]))
    );
    assert!(page.contains(EDITED_SHA256), "{page}");

    // Saved again as it was: a new stamp, the same bytes; nothing renders.
    write(&root, "static/css/style.css", EDITED);
    site.load().unwrap();
    let report = site.build(2).unwrap();
    assert!(report.rendered.is_empty(), "{report:?}");
    drop(site);
    common::remove_unless_failing(&sandbox);
}

#[test]
fn get_hash_of_a_literal_is_zola_s_in_each_size_and_encoding() {
    let sandbox = temp("get-hash-literal");
    let root = sandbox.join("site");
    common::site(&root);
    write(
        &root,
        "templates/page.html",
        "{{ get_hash(literal=\"hello\", sha_type=256, base64=false) }} \
         {{ get_hash(literal=\"hello\") | safe }} \
         {{ get_hash(literal=\"hello\", sha_type=512, base64=false) | truncate(length=32, end=\"\") }}",
    );
    let report = open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        read(&root, "posts/hello/index.html"),
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824 \
         WeF0h3dEjGnea4ANejO7+5/xtGPkQ1TDVTvNucZm+pASWjx5+QOXvfX2oT3oKGhP \
         9b71d224bd62f3785d96d46ad3ea3d73"
    );
    common::remove_unless_failing(&sandbox);
}

#[test]
fn get_hash_and_cachebust_refuse_what_zola_refuses() {
    let sandbox = temp("get-hash-errors");
    let root = sandbox.join("site");
    common::site(&root);
    let cases = [
        (
            "get_hash(path=\"robots.txt\", literal=\"x\")",
            "must have only one of `path` or `literal`",
        ),
        ("get_hash(sha_type=256)", "must have at least one of `path` or `literal`"),
        ("get_hash(literal=\"x\", sha_type=224)", "`get_hash`: Invalid sha value"),
        ("get_hash(path=\"missing.css\")", "`get_hash`: Cannot find file: missing.css"),
        (
            "get_url(path=\"missing.css\", cachebust=true)",
            "Could not find or open file missing.css",
        ),
        ("get_hash(path=\"templates/page.html\")", "whose files dodeca-host does not read"),
    ];
    for (call, message) in cases {
        write(&root, "templates/page.html", &format!("{{{{ {call} }}}}"));
        let report = open(&root).build(2).unwrap();
        let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
        assert!(
            errors.len() == 1 && errors[0].contains(message),
            "{call}: expected {message:?} in {errors:?}"
        );
    }
    common::remove_unless_failing(&sandbox);
}

#[test]
fn get_url_of_an_internal_link_keeps_its_anchor() {
    let sandbox = temp("get-url-anchor");
    let root = sandbox.join("site");
    common::site(&root);
    write(
        &root,
        "templates/page.html",
        "{{ get_url(path=\"@/posts/hello.md#part-two\") }} {{ get_url(path=\"@/posts/_index.md#top\") }}",
    );
    let report = open(&root).build(2).unwrap();
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    assert_eq!(
        read(&root, "posts/hello/index.html"),
        "https://t.example/posts/hello/#part-two https://t.example/posts/#top"
    );
    common::remove_unless_failing(&sandbox);
}
