//! One kind of edit per test, as salsa tests its queries: each test copies the fixture site
//! `tests/sites/valid`, builds it cold, makes one change, builds again, and asserts exactly
//! which pages were rendered and which files were written (`BuildReport::rendered` and
//! `written_files`), then that the outputs are byte for byte those of a cold build of the
//! edited site. Every test runs twice, with the template cell's memo of reads on and off
//! (`both_ways!`), against the same expected lists: the memo must not change what a change
//! re-renders.
//!
//! What the fixture's templates read, which decides what each change reaches:
//! - every page: `base.html`, its `partials/nav.html` (each section's title through
//!   `get_section(metadata_only=true)`, which reads no pages) and `config.title`;
//! - `_index.md` (`index.html`): its own pages (`about.md`), and both sections with their
//!   pages through `get_section`, shown with the macro of `macros.html`;
//! - `blog/_index.md`, `docs/_index.md` (`section.html`): their pages, with the macro;
//! - `blog/first.md`, `blog/second.md` (`post.html`): `partials/comments.html`; `first.md`
//!   links to `second.md` (`@/blog/second.md`);
//! - `about.md` (`about.html`): `data.team.lead.name` (not `data.team.intern`);
//! - `blog/draft.md` is a draft: never rendered, listed nowhere.

mod common;

use std::path::PathBuf;

use host::{BuildReport, Site};

/// Every page and section the fixture builds (not the draft), as `rendered` lists them.
const EVERY_PAGE: &[&str] = &[
    "_index.md",
    "about.md",
    "blog/_index.md",
    "blog/first.md",
    "blog/second.md",
    "docs/_index.md",
    "docs/setup.md",
    "docs/usage.md",
];

/// Their outputs, as `written_files` lists them.
const EVERY_PAGE_OUTPUT: &[&str] = &[
    "about/index.html",
    "blog/first/index.html",
    "blog/index.html",
    "blog/second/index.html",
    "docs/index.html",
    "docs/setup/index.html",
    "docs/usage/index.html",
    "index.html",
];

/// The fixture's one static file.
const STYLESHEET: &str = "css/site.css";

/// The fixture site, copied into a scratch directory and built cold in this process.
struct Built {
    sandbox: PathBuf,
    root: PathBuf,
    read_memo: bool,
    site: Site,
}

/// The site-wide files every build writes (`robots.txt`, `404.html`, `sitemap.xml`).
const SITE_FILES: [&str; 3] = ["404.html", "robots.txt", "sitemap.xml"];

impl Built {
    /// Copies the fixture and builds it, checking the cold build rendered and wrote it all.
    fn cold(name: &str, read_memo: bool) -> Built {
        let memo = if read_memo { "memo" } else { "no-memo" };
        let sandbox = common::temp(&format!("edits-{name}-{memo}"));
        let root = sandbox.join("site");
        common::copy_fixture(&["valid"], &root);
        let site = Site::open_with(&root, common::cells(read_memo)).expect("open the site");
        let built = Built { sandbox, root, read_memo, site };
        let cold = built.rebuild();
        let mut written: Vec<&str> = EVERY_PAGE_OUTPUT.to_vec();
        written.push(STYLESHEET);
        // Zola's site-wide files, written by every site's first build.
        written.extend(SITE_FILES);
        written.sort_unstable();
        assert_built(&cold, EVERY_PAGE, &written);
        built
    }

    /// Builds again; the fixture and every edit here leave it without site errors.
    fn rebuild(&self) -> BuildReport {
        let report = self.site.build(2).expect("build");
        let errors: Vec<String> = report.errors.iter().map(ToString::to_string).collect();
        assert!(errors.is_empty(), "{errors:#?}");
        report
    }

    /// Replaces the one occurrence of `from` in the site's file `rel` by `to`.
    fn edit(&self, rel: &str, from: &str, to: &str) {
        let path = self.root.join(rel);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
        assert_eq!(text.matches(from).count(), 1, "`{from}` once in {rel}:\n{text}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    }

    fn write(&self, rel: &str, text: &str) {
        common::write(&self.root, rel, text);
    }

    fn rename(&self, from: &str, to: &str) {
        let to = self.root.join(to);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::rename(self.root.join(from), to).unwrap();
    }

    fn remove(&self, rel: &str) {
        std::fs::remove_file(self.root.join(rel)).unwrap();
    }

    /// The output file `rel`, under `public/`.
    fn output(&self, rel: &str) -> String {
        let path = self.root.join("public").join(rel);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn output_exists(&self, rel: &str) -> bool {
        self.root.join("public").join(rel).exists()
    }

    /// The rebuilt outputs are exactly those of a cold build of the same sources.
    fn assert_outputs_match_a_cold_build(&self) {
        common::assert_outputs_match_a_cold_build(
            &self.root,
            &self.sandbox.join("cold"),
            self.read_memo,
        );
    }
}

impl Drop for Built {
    fn drop(&mut self) {
        let _ = self.site.wait_for_save();
        common::remove_unless_failing(&self.sandbox);
    }
}

/// The build rendered exactly `rendered` (content paths) and wrote exactly `written` (output
/// paths), each sorted.
#[track_caller]
fn assert_built(report: &BuildReport, rendered: &[&str], written: &[&str]) {
    assert_eq!(report.rendered, rendered, "rendered (then written: {:?})", report.written_files);
    assert_eq!(report.written_files, written, "written");
}

/// Defines the test `$name` as two, `$name::with_read_memo` and `$name::without_read_memo`,
/// each running the body with `$built`, the fixture built cold with the template cell's memo
/// of reads on or off. Attributes (`#[ignore = "…"]`) go to both.
macro_rules! both_ways {
    ($(#[$attribute:meta])* fn $name:ident($built:ident) $body:block) => {
        mod $name {
            use super::*;

            fn run(read_memo: bool) {
                let $built = Built::cold(stringify!($name), read_memo);
                $body
            }

            $(#[$attribute])*
            #[test]
            fn with_read_memo() {
                run(true);
            }

            $(#[$attribute])*
            #[test]
            fn without_read_memo() {
                run(false);
            }
        }
    };
}

both_ways! {
    /// What the cold build (checked by `Built::cold`) wrote: every feature the edits rely on.
    fn the_cold_build_writes_every_feature_of_the_fixture(built) {
        let nav = "<nav><a href=\"https://fixture.example/blog/\">Blog</a>\
                   <a href=\"https://fixture.example/docs/\">Docs</a></nav>\n";
        let head = |title: &str| {
            format!(
                "<title>{title}</title>\n<link href=\"https://fixture.example/css/site.css\">\n\
                 {nav}\n<main>"
            )
        };
        let card = |route: &str, title: &str| {
            format!("<a class=\"card\" href=\"https://fixture.example/{route}\">{title}</a>")
        };
        let foot = "</main>\n<footer>Fixture</footer>\n";
        assert_eq!(
            built.output("index.html"),
            format!(
                "{}<p>Welcome.</p>\n{}\n<h2>Blog</h2>{}{}\n<h2>Docs</h2>{}{}\n{foot}",
                head("Fixture"),
                card("about/", "About"),
                card("blog/first/", "First post"),
                card("blog/second/", "Second post"),
                card("docs/setup/", "Setup"),
                card("docs/usage/", "Usage"),
            )
        );
        assert_eq!(
            built.output("blog/first/index.html"),
            format!(
                "{}<h1>First post</h1><p>Read <a href=\"https://fixture.example/blog/second/\">the second</a> next.</p>\n\
                 <aside>Comments are closed.</aside>\n{foot}",
                head("First post")
            )
        );
        assert_eq!(
            built.output("about/index.html"),
            format!("{}<h1>About</h1><p>Who we are.</p>\n<p>Led by Ada.</p>{foot}", head("About"))
        );
        assert_eq!(
            built.output("docs/index.html"),
            format!(
                "{}<h1>Docs</h1><p>Manuals.</p>\n{}{}{foot}",
                head("Docs"),
                card("docs/setup/", "Setup"),
                card("docs/usage/", "Usage")
            )
        );
        assert!(!built.output_exists("blog/draft"), "a draft is not built");
        assert_eq!(built.output(STYLESHEET), "body { color: black }\n");
    }
}

both_ways! {
    fn no_change_renders_and_writes_nothing(built) {
        let report = built.rebuild();
        assert_built(&report, &[], &[]);
        // Every page, the stylesheet and the site-wide files, all up to date.
        let outputs = EVERY_PAGE_OUTPUT.len() + 1 + SITE_FILES.len();
        assert_eq!((report.removed, report.unchanged), (0, outputs));
    }
}

both_ways! {
    /// A file written again with the same bytes (an editor's save without a change) is read
    /// again, and is the same input: nothing follows from it.
    fn a_page_saved_unchanged_renders_nothing(built) {
        built.edit("content/blog/second.md", "Second body.", "Second body.");
        assert_built(&built.rebuild(), &[], &[]);
    }
}

both_ways! {
    /// Not the page linking to it (`first.md`): a link reads only whether its target exists.
    fn a_page_s_body_renders_that_page_only(built) {
        built.edit("content/blog/second.md", "Second body.", "Second body, edited.");
        assert_built(&built.rebuild(), &["blog/second.md"], &["blog/second/index.html"]);
        assert!(built.output("blog/second/index.html").contains("<p>Second body, edited.</p>"));
        built.assert_outputs_match_a_cold_build();
    }
}

both_ways! {
    /// The page, its section's listing and the home's listing of that section; not the navs,
    /// which read sections with `metadata_only` (no pages), nor the page linking to it.
    fn a_page_s_title_renders_the_page_and_the_listings_showing_it(built) {
        built.edit("content/blog/second.md", "\"Second post\"", "\"Second thoughts\"");
        let pages = ["_index.md", "blog/_index.md", "blog/second.md"];
        let outputs = ["blog/index.html", "blog/second/index.html", "index.html"];
        assert_built(&built.rebuild(), &pages, &outputs);
        let card = "<a class=\"card\" href=\"https://fixture.example/blog/second/\">\
                    Second thoughts</a>";
        assert!(built.output("index.html").contains(card));
        assert!(built.output("blog/index.html").contains(card));
        assert!(built.output("blog/second/index.html").starts_with("<title>Second thoughts</title>"));
        built.assert_outputs_match_a_cold_build();
    }
}

both_ways! {
    /// The page (its context has its weight, though no template shows it: rendered, not
    /// written) and the listings it moves in.
    fn a_page_s_weight_reorders_the_listings_showing_it(built) {
        built.edit("content/docs/usage.md", "weight = 2", "weight = 0");
        let pages = ["_index.md", "docs/_index.md", "docs/usage.md"];
        assert_built(&built.rebuild(), &pages, &["docs/index.html", "index.html"]);
        let docs = built.output("docs/index.html");
        assert!(docs.find(">Usage<").unwrap() < docs.find(">Setup<").unwrap(), "{docs}");
        built.assert_outputs_match_a_cold_build();
    }
}

both_ways! {
    /// Every page shows each section's title in its nav.
    fn a_section_s_title_renders_every_page_whose_nav_shows_it(built) {
        built.edit("content/blog/_index.md", "\"Blog\"", "\"Journal\"");
        assert_built(&built.rebuild(), EVERY_PAGE, EVERY_PAGE_OUTPUT);
        let nav = "<a href=\"https://fixture.example/blog/\">Journal</a>";
        for output in EVERY_PAGE_OUTPUT {
            assert!(built.output(output).contains(nav), "{output}");
        }
        built.assert_outputs_match_a_cold_build();
    }
}

both_ways! {
    /// A section's body is not among the fields `get_section` gives (metadata or listing):
    /// the navs and the home stop at an unchanged answer.
    fn a_section_s_body_renders_that_section_only(built) {
        built.edit("content/docs/_index.md", "Manuals.", "All the manuals.");
        assert_built(&built.rebuild(), &["docs/_index.md"], &["docs/index.html"]);
        assert!(built.output("docs/index.html").contains("<p>All the manuals.</p>"));
        built.assert_outputs_match_a_cold_build();
    }
}

both_ways! {
    /// `partials/comments.html` is included by `post.html` only (the two blog posts).
    fn a_partial_renders_exactly_the_pages_including_it(built) {
        built.edit("templates/partials/comments.html", "closed", "open");
        let pages = ["blog/first.md", "blog/second.md"];
        let outputs = ["blog/first/index.html", "blog/second/index.html"];
        assert_built(&built.rebuild(), &pages, &outputs);
        assert!(built.output("blog/first/index.html").contains("<aside>Comments are open.</aside>"));
        built.assert_outputs_match_a_cold_build();
    }
}

both_ways! {
    /// `macros.html` is imported by the home and section templates, not by pages.
    fn a_macro_renders_exactly_the_pages_importing_it(built) {
        built.edit("templates/macros.html", "class=\"card\"", "class=\"tile\"");
        let pages = ["_index.md", "blog/_index.md", "docs/_index.md"];
        let outputs = ["blog/index.html", "docs/index.html", "index.html"];
        assert_built(&built.rebuild(), &pages, &outputs);
        assert!(built.output("docs/index.html").contains("<a class=\"tile\""));
        built.assert_outputs_match_a_cold_build();
    }
}

both_ways! {
    fn the_base_template_renders_every_page(built) {
        built.edit("templates/base.html", "<footer>", "<footer>Made by ");
        assert_built(&built.rebuild(), EVERY_PAGE, EVERY_PAGE_OUTPUT);
        assert!(built.output("docs/setup/index.html").ends_with("<footer>Made by Fixture</footer>\n"));
        built.assert_outputs_match_a_cold_build();
    }
}

both_ways! {
    /// A template is read by name: one that no render names is read by none.
    fn a_template_no_page_uses_renders_nothing(built) {
        built.write("templates/unused.html", "{{ page.title }}");
        assert_built(&built.rebuild(), &[], &[]);
        built.assert_outputs_match_a_cold_build();
    }
}

both_ways! {
    /// Only `about.html` reads `data.team.lead.name`.
    fn a_data_value_renders_exactly_the_page_reading_it(built) {
        built.edit("data/team.toml", "\"Ada\"", "\"Grace\"");
        assert_built(&built.rebuild(), &["about.md"], &["about/index.html"]);
        assert!(built.output("about/index.html").contains("<p>Led by Grace.</p>"));
        built.assert_outputs_match_a_cold_build();
    }
}

both_ways! {
    /// `data.team.intern` is in the file read, but no template reads that key.
    fn a_data_value_nobody_reads_renders_nothing(built) {
        built.edit("data/team.toml", "\"Bob\"", "\"Robert\"");
        assert_built(&built.rebuild(), &[], &[]);
        built.assert_outputs_match_a_cold_build();
    }
}

both_ways! {
    /// Data is read by file and key: a file no template names is read by none.
    fn adding_a_data_file_nobody_reads_renders_nothing(built) {
        built.write("data/links.toml", "home = \"https://fixture.example\"\n");
        assert_built(&built.rebuild(), &[], &[]);
        built.assert_outputs_match_a_cold_build();
    }
}

both_ways! {
    fn a_static_file_is_copied_and_renders_nothing(built) {
        built.edit("static/css/site.css", "black", "navy");
        assert_built(&built.rebuild(), &[], &[STYLESHEET]);
        assert_eq!(built.output(STYLESHEET), "body { color: navy }\n");
        built.assert_outputs_match_a_cold_build();
    }
}

both_ways! {
    fn deleting_a_static_file_removes_its_output_and_renders_nothing(built) {
        built.remove("static/css/site.css");
        let report = built.rebuild();
        assert_built(&report, &[], &[]);
        assert_eq!(report.removed, 1);
        assert!(!built.output_exists("css"), "the file and the directory it leaves empty");
        built.assert_outputs_match_a_cold_build();
    }
}

both_ways! {
    /// The new page and the listings of its section (the blog's, the home's); no nav.
    fn adding_a_page_renders_it_and_the_listings_of_its_section(built) {
        built.write(
            "content/blog/third.md",
            "+++\ntitle = \"Third post\"\nweight = 3\ntemplate = \"post.html\"\n+++\nThird body.\n",
        );
        let pages = ["_index.md", "blog/_index.md", "blog/third.md"];
        // The sitemap lists the new page too.
        let outputs = ["blog/index.html", "blog/third/index.html", "index.html", "sitemap.xml"];
        assert_built(&built.rebuild(), &pages, &outputs);
        assert!(built.output("blog/index.html").ends_with(
            "Second post</a><a class=\"card\" href=\"https://fixture.example/blog/third/\">\
             Third post</a></main>\n<footer>Fixture</footer>\n"
        ));
        built.assert_outputs_match_a_cold_build();
    }
}

both_ways! {
    /// Its output is removed; the listings that showed it are rendered.
    fn deleting_a_page_removes_its_output_and_renders_the_listings_of_its_section(built) {
        built.remove("content/docs/usage.md");
        let report = built.rebuild();
        let outputs = ["docs/index.html", "index.html", "sitemap.xml"];
        assert_built(&report, &["_index.md", "docs/_index.md"], &outputs);
        assert_eq!(report.removed, 1);
        assert!(!built.output_exists("docs/usage/index.html"));
        assert!(!built.output("index.html").contains("Usage"));
        assert!(!built.output("sitemap.xml").contains("/docs/usage/"));
        built.assert_outputs_match_a_cold_build();
    }
}

both_ways! {
    /// From one section to another: the page at its new route, the listings of both sections
    /// and the home; the old output removed.
    fn moving_a_page_renders_it_and_the_listings_it_left_and_joined(built) {
        built.rename("content/docs/usage.md", "content/blog/usage.md");
        let report = built.rebuild();
        let pages = ["_index.md", "blog/_index.md", "blog/usage.md", "docs/_index.md"];
        let outputs = [
            "blog/index.html",
            "blog/usage/index.html",
            "docs/index.html",
            "index.html",
            "sitemap.xml",
        ];
        assert_built(&report, &pages, &outputs);
        assert_eq!(report.removed, 1);
        assert!(!built.output_exists("docs/usage/index.html"));
        assert!(built.output("blog/usage/index.html").contains("<h1>Usage</h1><p>Run it.</p>"));
        built.assert_outputs_match_a_cold_build();
    }
}

both_ways! {
    /// Made public, the draft is rendered, written and listed; made a draft again, its output
    /// (and the directory it leaves empty) is removed and every output is as it was.
    fn a_draft_made_public_is_built_and_listed_and_made_a_draft_again_is_removed(built) {
        let cold = common::snapshot(&built.root.join("public"));
        built.edit("content/blog/draft.md", "draft = true", "draft = false");
        let pages = ["_index.md", "blog/_index.md", "blog/draft.md"];
        let outputs = ["blog/draft/index.html", "blog/index.html", "index.html", "sitemap.xml"];
        assert_built(&built.rebuild(), &pages, &outputs);
        assert!(built.output("blog/draft/index.html").contains("<p>Not yet.</p>"));
        assert!(built.output("blog/index.html").contains(">Draft post</a>"));
        built.assert_outputs_match_a_cold_build();

        built.edit("content/blog/draft.md", "draft = false", "draft = true");
        let report = built.rebuild();
        let outputs = ["blog/index.html", "index.html", "sitemap.xml"];
        assert_built(&report, &["_index.md", "blog/_index.md"], &outputs);
        assert_eq!(report.removed, 1);
        assert!(!built.output_exists("blog/draft/index.html"));
        let back = common::snapshot(&built.root.join("public"));
        assert_eq!(common::changed(&cold, &back), Vec::<PathBuf>::new(), "as after the cold build");
    }
}

both_ways! {
    /// A draft is listed nowhere: editing it changes no listing, and it is not rendered.
    fn a_draft_s_edit_renders_nothing(built) {
        built.edit("content/blog/draft.md", "\"Draft post\"", "\"Draft, retitled\"");
        assert_built(&built.rebuild(), &[], &[]);
        built.assert_outputs_match_a_cold_build();
    }
}

both_ways! {
    /// Every page's context has the config: every page renders, and every output changes.
    fn a_config_value_every_page_shows_renders_and_writes_every_page(built) {
        built.edit("dodeca.toml", "\"Fixture\"", "\"Renamed\"");
        assert_built(&built.rebuild(), EVERY_PAGE, EVERY_PAGE_OUTPUT);
        assert!(built.output("index.html").starts_with("<title>Renamed</title>"));
        built.assert_outputs_match_a_cold_build();
    }
}

both_ways! {
    /// Every page's context has the config, so every page renders; no template shows the
    /// description, so no output changes and none is written.
    fn a_config_value_no_template_shows_renders_every_page_and_writes_none(built) {
        built.edit("dodeca.toml", "Shown by no template.", "Still shown by no template.");
        assert_built(&built.rebuild(), EVERY_PAGE, &[]);
        built.assert_outputs_match_a_cold_build();
    }
}
