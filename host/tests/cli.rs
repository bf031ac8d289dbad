//! The `dodeca-host` binary: init, build, clean, help, version, errors and exit codes.

mod common;

use std::path::PathBuf;

use common::{copy_dir, host, temp};

#[test]
fn init_creates_a_site_that_builds_and_clean_removes_its_output() {
    let site = temp("init");
    let out = host().arg("init").arg(&site).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = host().arg("build").arg(&site).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary = String::from_utf8_lossy(&out.stdout);
    // Three pages, the stylesheet, the feed and the site-wide files (`404.html`,
    // `robots.txt`, `sitemap.xml`).
    assert!(summary.starts_with("3 pages: 8 written"), "{summary}");
    let index = std::fs::read_to_string(site.join("public/index.html")).unwrap();
    assert!(index.contains("Hello"), "{index}");
    // init refuses to overwrite.
    let again = host().arg("init").arg(&site).output().unwrap();
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not empty"));
    let clean = host().arg("clean").arg(&site).output().unwrap();
    assert!(clean.status.success());
    assert!(!site.join("public").exists() && !site.join(".cache").exists());
    let _ = std::fs::remove_dir_all(&site);
}

#[test]
fn init_makes_a_zola_site_that_builds_with_no_warning() {
    let site = temp("init-zola");
    // Hidden files do not count, as in Zola (`zola init` in a fresh repository).
    std::fs::create_dir_all(site.join(".git")).unwrap();
    let out = host().arg("init").arg(&site).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Zola's layout and config keys.
    for file in [
        "config.toml",
        "content/_index.md",
        "content/posts/_index.md",
        "content/posts/hello.md",
        "templates/base.html",
        "templates/index.html",
        "templates/section.html",
        "templates/page.html",
        "static/style.css",
    ] {
        assert!(site.join(file).is_file(), "{file}");
    }
    let config = std::fs::read_to_string(site.join("config.toml")).unwrap();
    for key in ["base_url = ", "compile_sass = ", "build_search_index = ", "[markdown]", "[extra]"]
    {
        assert!(config.contains(key), "{key} in {config}");
    }
    assert!(!site.join("dodeca.toml").exists());
    assert!(site.join("themes").is_dir(), "an empty `themes/`, as `zola init` makes");
    let out = host().args(["build", "-v"]).arg(&site).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stderr.is_empty(), "no error, no warning: {stderr}");
    let page = std::fs::read_to_string(site.join("public/posts/hello/index.html")).unwrap();
    // The starter's templates use `get_url` with `cachebust` (Zola's `?h=`) and `@/` links.
    assert!(page.contains("href=\"https://example.com/style.css?h="), "{page}");
    assert!(page.contains("<a href=\"https://example.com/\">the home page</a>"), "{page}");
    assert!(site.join("public/atom.xml").is_file());
    let _ = std::fs::remove_dir_all(&site);
}

#[test]
fn the_example_site_builds_without_errors() {
    let site = temp("example");
    let source = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/site");
    copy_dir(&source, &site);
    let out = host().arg("build").arg(&site).arg("-j").arg("2").output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let post = std::fs::read_to_string(site.join("public/blog/post-2/index.html")).unwrap();
    assert!(post.contains("by Bob") && post.contains("href=\"/blog/post-1/#the-idea\""), "{post}");
    // base_url = "/": the stylesheet and the nav work wherever the site is served.
    assert!(post.contains("href=\"/css/style.css\"") && post.contains("href=\"/blog/\""), "{post}");
    assert!(!site.join("public/blog/draft").exists(), "drafts are not built");
    assert!(site.join("public/img/logo.svg").is_file());
    let _ = std::fs::remove_dir_all(&site);
}

#[test]
fn a_site_error_exits_1_with_file_line_and_snippet_and_usage_errors_exit_2() {
    let site = temp("broken");
    assert!(host().arg("init").arg(&site).output().unwrap().status.success());
    std::fs::write(
        site.join("content/posts/hello.md"),
        "+++\ntitle = \"Hello\"\ndraft = \"no\"\n+++\nx\n",
    )
    .unwrap();
    let out = host().arg("build").arg(&site).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("content/posts/hello.md:3:9: `draft` must be true or false, not a string"),
        "{stderr}"
    );
    assert!(stderr.contains("| draft = \"no\""), "{stderr}");
    assert!(site.join("public/index.html").is_file(), "the other pages are still written");

    assert_eq!(host().arg("frobnicate").output().unwrap().status.code(), Some(2));
    assert_eq!(
        host().arg("build").arg("/nonexistent/site").output().unwrap().status.code(),
        Some(2)
    );
    let help = host().arg("--help").output().unwrap();
    assert!(help.status.success() && String::from_utf8_lossy(&help.stdout).contains("USAGE"));
    let version = host().arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("dodeca-host "));
    let _ = std::fs::remove_dir_all(&site);
}
