//! The template cell's memo of reads records exactly the dependencies of asking: a site whose
//! every page reads every section (a nav), data and a computed template goes through the same
//! sequence of edits with the memo on and off, across revisions and a restart of the cell,
//! and renders, writes and outputs are the same at every step.

mod common;

use std::path::Path;

use common::{temp, write};
use host::{BuildReport, Site};

const NAV: &str = "<nav>{% for s in [\"blog/_index.md\", \"docs/_index.md\"] %}\
{% set section = get_section(path=s, metadata_only=true) %}\
<a href=\"{{ section.permalink }}\">{{ section.title }} ({{ section.pages | length }})</a>\
{% endfor %}</nav>";

fn nav_site(root: &Path) {
    write(root, "dodeca.toml", "title = \"T\"\nbase_url = \"https://t.example\"\n");
    write(root, "content/_index.md", "+++\ntitle = \"Home\"\n+++\n");
    write(root, "content/blog/_index.md", "+++\ntitle = \"Blog\"\n+++\n");
    write(root, "content/blog/a.md", "+++\ntitle = \"A\"\nweight = 1\n+++\nAlpha.\n");
    write(root, "content/blog/b.md", "+++\ntitle = \"B\"\nweight = 2\n+++\nBeta.\n");
    write(root, "content/docs/_index.md", "+++\ntitle = \"Docs\"\n+++\n");
    write(
        root,
        "content/docs/x.md",
        "+++\ntitle = \"X\"\n[extra]\nnote = \"notes/x.html\"\n+++\nEx.\n",
    );
    write(
        root,
        "templates/base.html",
        &format!(
            "{NAV}{{% block body %}}{{% endblock %}}<footer>{{{{ data.site.name }}}}</footer>"
        ),
    );
    write(
        root,
        "templates/index.html",
        "{% extends \"base.html\" %}{% block body %}{% for p in get_section(path=\"blog/_index.md\").pages %}[{{ p.title }}]{% endfor %}{% endblock %}",
    );
    write(
        root,
        "templates/section.html",
        "{% extends \"base.html\" %}{% block body %}{% for p in section.pages %}<{{ p.title }}>{% endfor %}{% endblock %}",
    );
    write(
        root,
        "templates/page.html",
        "{% extends \"base.html\" %}{% block body %}<h1>{{ page.title }}</h1>{{ page.content | safe }}{% if page.extra %}{% include page.extra.note %}{% endif %}{% endblock %}",
    );
    write(root, "templates/notes/x.html", "note v1");
    write(root, "data/site.toml", "name = \"Site\"\nunread = 1\n");
}

/// One step's observable result: renders, writes, removals and every output's text.
type Step = (String, u64, usize, usize, Vec<(String, String)>);

fn outputs(root: &Path) -> Vec<(String, String)> {
    let public = root.join("public");
    let mut files: Vec<(String, String)> = common::snapshot(&public)
        .into_iter()
        .filter(|(_, text)| text != "/")
        .map(|(path, text)| (path.display().to_string(), text))
        .collect();
    files.sort();
    files
}

fn record(name: &str, report: &BuildReport, root: &Path, steps: &mut Vec<Step>) {
    assert!(report.errors.is_empty(), "{name}: {:?}", report.errors);
    steps.push((name.into(), report.renders, report.written, report.removed, outputs(root)));
}

/// Runs the sequence of edits; returns each step, and the builds' callbacks and memo reads.
fn run(read_memo: bool) -> (Vec<Step>, u64, u64) {
    let root = temp(if read_memo { "memo-on" } else { "memo-off" }).join("site");
    nav_site(&root);
    let site = Site::open_with(&root, common::cells(read_memo)).unwrap();
    let (mut steps, mut callbacks, mut cached) = (Vec::new(), 0, 0);
    let mut build = |name: &str, site: &Site, steps: &mut Vec<Step>| {
        let report = site.build(2).unwrap();
        callbacks += report.callbacks;
        cached += report.cached_reads;
        record(name, &report, &root, steps);
    };
    build("cold", &site, &mut steps);
    build("no change", &site, &mut steps);
    write(&root, "content/blog/a.md", "+++\ntitle = \"A\"\nweight = 1\n+++\nAlpha, edited.\n");
    build("a page's body", &site, &mut steps);
    write(
        &root,
        "content/docs/x.md",
        "+++\ntitle = \"X2\"\n[extra]\nnote = \"notes/x.html\"\n+++\nEx.\n",
    );
    build("a page's title, not in any nav", &site, &mut steps);
    write(&root, "content/docs/_index.md", "+++\ntitle = \"Documentation\"\n+++\n");
    build("a section's title, in every nav", &site, &mut steps);
    write(&root, "templates/notes/x.html", "note v2");
    build("a template read at render time", &site, &mut steps);
    write(&root, "data/site.toml", "name = \"Site\"\nunread = 2\n");
    build("data nobody reads", &site, &mut steps);
    write(&root, "data/site.toml", "name = \"My site\"\nunread = 2\n");
    build("data every page reads", &site, &mut steps);
    // The cell restarts with an empty memo.
    let pid = site.cells().pid("cell-template").expect("running");
    common::kill(pid);
    write(&root, "content/blog/b.md", "+++\ntitle = \"B2\"\nweight = 2\n+++\nBeta.\n");
    build("a listed title, after the cell was killed", &site, &mut steps);
    write(&root, "content/blog/c.md", "+++\ntitle = \"C\"\nweight = 3\n+++\nGamma.\n");
    build("a page added", &site, &mut steps);
    std::fs::remove_file(root.join("content/blog/c.md")).unwrap();
    build("a page deleted", &site, &mut steps);
    drop(site);
    let _ = std::fs::remove_dir_all(root.parent().unwrap());
    (steps, callbacks, cached)
}

#[test]
fn the_memo_of_reads_renders_and_writes_exactly_as_asking_every_time() {
    let (with_memo, callbacks_with, cached_with) = run(true);
    let (without, callbacks_without, cached_without) = run(false);
    for (on, off) in with_memo.iter().zip(&without) {
        assert_eq!(
            (on.1, on.2, on.3),
            (off.1, off.2, off.3),
            "step `{}`: renders, writes, removals (memo on, then off)",
            on.0
        );
        assert_eq!(on.4, off.4, "step `{}`: outputs", on.0);
    }
    let renders: Vec<(&str, u64)> = with_memo.iter().map(|s| (s.0.as_str(), s.1)).collect();
    assert_eq!(
        renders,
        [
            ("cold", 6),
            ("no change", 0),
            ("a page's body", 1),
            ("a page's title, not in any nav", 2),
            ("a section's title, in every nav", 6),
            ("a template read at render time", 1),
            ("data nobody reads", 0),
            ("data every page reads", 6),
            ("a listed title, after the cell was killed", 3),
            ("a page added", 3),
            ("a page deleted", 2),
        ]
    );
    // What the memo saves: with it, most reads never leave the cell.
    assert_eq!(cached_without, 0);
    assert!(
        cached_with > 0 && callbacks_with < callbacks_without,
        "{callbacks_with} {cached_with} {callbacks_without}"
    );
    assert_eq!(callbacks_with + cached_with, callbacks_without, "every read is asked or replayed");
    let nav = &with_memo[4].4.iter().find(|(path, _)| path == "blog/a/index.html").unwrap().1;
    assert!(nav.contains("Documentation (0)"), "metadata_only gives no pages: {nav}");
}
