//! The invalid fixture sites (`tests/sites/invalid/`, each an overlay on `valid/`): a build
//! reports the error naming the file (and the line and column, where the host has them) and
//! still writes every other output, exactly those the error does not cost; fixing the error
//! renders exactly what it cost, and leaves the outputs of a cold build.

mod common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use host::{BuildReport, Site};

/// Every output of the valid site (sorted), the site-wide files included.
const VALID_OUTPUTS: &[&str] = &[
    "404.html",
    "about/index.html",
    "blog/first/index.html",
    "blog/index.html",
    "blog/second/index.html",
    "css/site.css",
    "docs/index.html",
    "docs/setup/index.html",
    "docs/usage/index.html",
    "index.html",
    "robots.txt",
    "sitemap.xml",
];

/// The valid site with an invalid overlay, copied into a scratch directory and opened.
struct Invalid {
    sandbox: PathBuf,
    root: PathBuf,
    site: Site,
}

impl Invalid {
    fn new(overlay: &str) -> Invalid {
        // Two tests may build one overlay at once: each has a scratch directory of its own.
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let sandbox = common::temp(&format!("site-errors-{overlay}-{n}"));
        let root = sandbox.join("site");
        common::copy_fixture(&["valid", &format!("invalid/{overlay}")], &root);
        let site = common::open(&root);
        Invalid { sandbox, root, site }
    }

    fn build(&self) -> BuildReport {
        self.site.build(2).expect("build")
    }

    /// Puts back the valid site's version of `rel`.
    fn restore(&self, rel: &str) {
        std::fs::copy(common::fixture("valid").join(rel), self.root.join(rel)).unwrap();
    }

    fn output(&self, rel: &str) -> String {
        let path = self.root.join("public").join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Every output file there is.
    fn outputs(&self) -> Vec<String> {
        common::files(&self.root.join("public"))
    }

    /// The next build reports no error, renders exactly `rendered`, and leaves what a cold
    /// build of the fixed site leaves.
    #[track_caller]
    fn assert_fixed(&self, rendered: &[&str]) {
        let report = self.build();
        assert_eq!(errors(&report), Vec::<String>::new());
        assert_eq!(report.rendered, rendered);
        common::assert_outputs_match_a_cold_build(&self.root, &self.sandbox.join("cold"), true);
    }
}

impl Drop for Invalid {
    fn drop(&mut self) {
        let _ = self.site.wait_for_save();
        common::remove_unless_failing(&self.sandbox);
    }
}

/// Each error as printed, without the source line shown under it, sorted.
fn errors(report: &BuildReport) -> Vec<String> {
    let mut errors: Vec<String> =
        report.errors.iter().map(|e| e.to_string().lines().next().unwrap().to_string()).collect();
    errors.sort();
    errors
}

/// The valid site's outputs but `missing`.
fn outputs_but(missing: &[&str]) -> Vec<String> {
    VALID_OUTPUTS.iter().filter(|o| !missing.contains(o)).map(|o| o.to_string()).collect()
}

#[test]
fn bad_front_matter_is_reported_at_its_line_and_the_page_is_built_and_listed_nowhere() {
    let site = Invalid::new("bad-front-matter");
    let report = site.build();
    assert_eq!(
        errors(&report),
        ["content/docs/usage.md:2:9: front matter: a string that is never closed (it must end \
          on its line; a string of several lines is written \"\"\"…\"\"\")"]
    );
    assert_eq!(report.errors[0].snippet.as_deref(), Some("title = \"Usage"));
    assert_eq!(site.outputs(), outputs_but(&["docs/usage/index.html"]));
    assert!(!site.output("docs/index.html").contains("Usage"));
    assert!(!site.output("index.html").contains("Usage"));

    // A build that does not fix it reports it again.
    common::write(&site.root, "static/css/site.css", "body { color: navy }\n");
    let again = site.build();
    assert_eq!(errors(&again), errors(&report));
    assert_eq!(again.rendered, Vec::<String>::new());
    assert_eq!(again.written_files, ["css/site.css"]);

    site.restore("content/docs/usage.md");
    site.assert_fixed(&["_index.md", "docs/_index.md", "docs/usage.md"]);
}

#[test]
fn a_template_syntax_error_is_reported_for_each_page_using_it_at_the_template_s_line() {
    let site = Invalid::new("template-syntax-error");
    let report = site.build();
    let message = "rendering with `post.html`: syntax error: expected an expression, found `%}`";
    assert_eq!(
        errors(&report),
        [format!("content/blog/first.md: {message}"), format!("content/blog/second.md: {message}")]
    );
    for error in &report.errors {
        assert!(error.to_string().contains("\n --> post.html:2:24\n"), "{error}");
    }
    assert_eq!(site.outputs(), outputs_but(&["blog/first/index.html", "blog/second/index.html"]));

    site.restore("templates/post.html");
    site.assert_fixed(&["blog/first.md", "blog/second.md"]);
}

/// A render that failed is tried again at the next build, even if nothing it read changed:
/// picante keeps an error for its revision only, because a failure may have a cause outside
/// the inputs (a cell that died), and a retry costs only the failing pages. The error is
/// reported again, and nothing else is rendered.
#[test]
fn a_page_whose_render_failed_is_tried_again_by_the_next_build_and_reported_again() {
    let site = Invalid::new("template-syntax-error");
    let report = site.build();
    assert_eq!(report.errors.len(), 2, "{:?}", report.errors);
    common::write(&site.root, "static/css/site.css", "body { color: navy }\n");
    let again = site.build();
    assert_eq!(errors(&again), errors(&report), "reported again");
    assert_eq!(again.rendered, ["blog/first.md", "blog/second.md"], "the failed pages only");
    assert_eq!(again.written_files, ["css/site.css"]);
}

#[test]
fn a_missing_template_is_reported_naming_the_page_and_the_template() {
    let site = Invalid::new("missing-template");
    let report = site.build();
    assert_eq!(
        errors(&report),
        ["content/about.md: rendering with `team.html`: template `team.html` not found"]
    );
    assert_eq!(site.outputs(), outputs_but(&["about/index.html"]));

    // The render read that the template does not exist: creating it renders that page.
    common::write(
        &site.root,
        "templates/team.html",
        "{% extends \"page.html\" %}{% block after %}<p>The team.</p>{% endblock %}",
    );
    site.assert_fixed(&["about.md"]);
    assert!(site.output("about/index.html").contains("<p>The team.</p>"));
}

#[test]
fn an_unknown_function_is_reported_at_the_template_s_line() {
    let site = Invalid::new("unknown-function");
    let report = site.build();
    let errors = errors(&report);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].starts_with(
            "content/about.md: rendering with `about.html`: undefined variable `team_members`"
        ),
        "{errors:#?}"
    );
    assert!(report.errors[0].to_string().contains("\n --> about.html:2:24\n"));
    assert_eq!(site.outputs(), outputs_but(&["about/index.html"]));

    site.restore("templates/about.html");
    site.assert_fixed(&["about.md"]);
}

#[test]
fn duplicate_routes_are_reported_naming_both_and_neither_is_written_or_listed() {
    let site = Invalid::new("duplicate-routes");
    let report = site.build();
    assert_eq!(
        errors(&report),
        ["content/about.md: content/about.md and content/about/_index.md all have the route \
             `/about/`; rename or remove all but one"]
    );
    assert_eq!(site.outputs(), outputs_but(&["about/index.html"]));
    assert!(!site.output("index.html").contains("About"));

    std::fs::remove_file(site.root.join("content/about/_index.md")).unwrap();
    site.assert_fixed(&["_index.md", "about.md"]);
}

#[test]
fn a_broken_internal_link_is_reported_at_its_line_and_column() {
    let site = Invalid::new("broken-link");
    let report = site.build();
    assert_eq!(
        errors(&report),
        ["content/blog/first.md:6:19: broken internal link `@/blog/missing.md`: there is no \
             content/blog/missing.md"]
    );
    assert_eq!(site.outputs(), outputs_but(&["blog/first/index.html"]));

    // The link read whether its target exists: creating the target renders the page again.
    common::write(&site.root, "content/blog/missing.md", "+++\ntitle = \"Found\"\n+++\nHere.\n");
    site.assert_fixed(&["_index.md", "blog/_index.md", "blog/first.md", "blog/missing.md"]);
    assert!(
        site.output("blog/first/index.html")
            .contains("<a href=\"https://fixture.example/blog/missing/\">")
    );
}

#[test]
fn a_bad_data_file_is_reported_for_the_page_reading_it_at_the_data_file_s_line() {
    let site = Invalid::new("bad-data");
    let report = site.build();
    assert_eq!(
        errors(&report),
        ["content/about.md: rendering with `about.html`: host error: \
             get_data(\"team.lead.name\"): data/team.toml:2:8: a string that is never closed (it \
             must end on its line; a string of several lines is written \"\"\"…\"\"\")"]
    );
    assert!(report.errors[0].to_string().contains("\n --> about.html:2:"));
    assert_eq!(site.outputs(), outputs_but(&["about/index.html"]));

    site.restore("data/team.toml");
    site.assert_fixed(&["about.md"]);
}

#[test]
fn a_bad_config_fails_the_build_at_its_line_and_writes_nothing() {
    let site = Invalid::new("bad-config");
    let error = site.site.build(2).expect_err("every page reads the config").to_string();
    assert!(
        error.starts_with(
            "dodeca.toml:3:1: unknown key `theme_colour`; your own keys go under `[extra]`"
        ),
        "{error}"
    );
    assert!(!site.root.join("public").exists());

    site.restore("dodeca.toml");
    let fixed = site.build();
    assert!(fixed.errors.is_empty(), "{:?}", fixed.errors);
    assert_eq!(site.outputs(), VALID_OUTPUTS);
}
