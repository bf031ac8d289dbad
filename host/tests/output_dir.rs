//! The output directory, through the binary: which ones are refused (for `build` and `clean`),
//! and that a refused one leaves every file as it was.

mod common;

use common::{changed, run, site, snapshot, stderr, temp, write};

/// Every config value that must be refused, with a word of the reason given.
const REFUSED_IN_CONFIG: &[(&str, &str)] = &[
    ("", "is empty"),
    (".", "is `.`"),
    ("./", "is `.`"),
    ("public/..", "is `.`"),
    ("..", "contains the site"),
    ("../..", "contains the site"),
    ("/", "contains the site"),
    ("content", "`content` directory"),
    ("content/posts", "inside the site's `content` directory"),
    ("public/../content", "`content` directory"),
    ("templates", "`templates` directory"),
    ("static", "`static` directory"),
    ("data", "`data` directory"),
    ("sass", "`sass` directory"),
    (".cache", "`.cache` directory"),
    ("themes", "`themes` directory"),
    ("dodeca.toml", "not a directory"),
    ("../elsewhere", "outside the site"),
];

fn config_with_output(root: &std::path::Path, output_dir: &str) {
    write(
        root,
        "dodeca.toml",
        &format!(
            "title = \"T\"\nbase_url = \"https://t.example\"\noutput_dir = \"{output_dir}\"\n"
        ),
    );
}

#[test]
fn every_refused_output_dir_in_the_config_fails_build_and_clean_and_touches_nothing() {
    let sandbox = temp("refused-config");
    let root = sandbox.join("site");
    site(&root);
    // A first good build, so that `clean` would have something to remove.
    assert!(run(&sandbox, &["build", "site"]).status.success());
    let absolute_site = root.display().to_string();
    let mut cases: Vec<(String, &str)> =
        REFUSED_IN_CONFIG.iter().map(|(v, why)| (v.to_string(), *why)).collect();
    cases.push((absolute_site, "is the site itself"));
    cases.push((sandbox.join("elsewhere").display().to_string(), "outside the site"));
    for (value, why) in cases {
        config_with_output(&root, &value);
        let before = snapshot(&sandbox);
        for command in ["build", "clean"] {
            let out = run(&sandbox, &[command, "site"]);
            assert_eq!(out.status.code(), Some(2), "{command} with output_dir = {value:?}");
            let message = stderr(&out);
            assert!(
                message.contains("is refused") && message.contains(why),
                "{command} with output_dir = {value:?}: {message}"
            );
            assert_eq!(changed(&before, &snapshot(&sandbox)), Vec::<std::path::PathBuf>::new());
        }
    }
    let _ = std::fs::remove_dir_all(sandbox);
}

#[test]
fn every_refused_output_dir_on_the_command_line_fails_build_and_clean_and_touches_nothing() {
    let sandbox = temp("refused-cli");
    let root = sandbox.join("site");
    site(&root);
    assert!(run(&sandbox, &["build", "site"]).status.success());
    let cases: &[(&str, &str)] = &[
        ("", "is empty"),
        (".", "is `.`"),
        ("site/..", "is `.`"),
        ("site", "is the site itself"),
        ("site/.", "is the site itself"),
        ("/", "contains the site"),
        ("site/content", "`content` directory"),
        ("site/templates", "`templates` directory"),
        ("site/static/css", "inside the site's `static` directory"),
        ("site/data", "`data` directory"),
        ("site/sass", "`sass` directory"),
        ("site/.cache", "`.cache` directory"),
        ("site/themes", "`themes` directory"),
        ("site/dodeca.toml", "not a directory"),
    ];
    for (value, why) in cases {
        let before = snapshot(&sandbox);
        for command in ["build", "clean"] {
            let out = run(&sandbox, &[command, "site", "-o", value]);
            assert_eq!(out.status.code(), Some(2), "{command} -o {value:?}");
            let message = stderr(&out);
            assert!(
                message.contains("is refused") && message.contains(why),
                "{command} -o {value:?}: {message}"
            );
            assert_eq!(changed(&before, &snapshot(&sandbox)), Vec::<std::path::PathBuf>::new());
        }
    }
    // From inside the site, `.` is the site itself.
    let out = run(&root, &["build", ".", "-o", "."]);
    assert_eq!(out.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(sandbox);
}

#[test]
fn a_directory_outside_the_site_is_an_output_only_when_named_on_the_command_line() {
    let sandbox = temp("outside");
    let root = sandbox.join("site");
    site(&root);
    let out = run(&sandbox, &["build", "site", "-o", "www"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(sandbox.join("www/posts/hello/index.html")).unwrap(),
        "page:Hello:<p>Hello there.</p>\n"
    );
    assert!(!root.join("public").exists(), "nothing went to the configured directory");
    // `clean -o www` removes what was written there, and the directory it leaves empty.
    let out = run(&sandbox, &["clean", "site", "-o", "www"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!sandbox.join("www").exists());
    let _ = std::fs::remove_dir_all(sandbox);
}

#[test]
fn an_output_dir_inside_the_site_other_than_public_is_accepted() {
    let sandbox = temp("inside");
    let root = sandbox.join("site");
    site(&root);
    config_with_output(&root, "build/html");
    let out = run(&sandbox, &["build", "site"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(root.join("build/html/index.html").is_file());
    let out = run(&sandbox, &["clean", "site"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!root.join("build/html").exists(), "emptied, so removed");
    let _ = std::fs::remove_dir_all(sandbox);
}
