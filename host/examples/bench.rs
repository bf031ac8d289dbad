//! The host benchmark: `cargo run --release -p host --example bench`.
//!
//! For N = 1,000 and 10,000 synthetic pages it prints, in one line each: the cold build, a
//! no-op rebuild (rescanning the site, as the CLI does) and a one-page edit (one file
//! reported changed, as a watcher does; the median of seven edits, and the slowest), all
//! in-process with the real cells; and in the same run the floor: the same pages rendered in
//! one process by the markdown renderer (pulldown-cmark) and our template engine called
//! directly, with no host, no cells and no picante; and that floor again reading each source
//! from the site and writing each page (`floor_with_io`), the file work no build can skip.
//! Targets: cold within 1.5x the floor, one-page edit under 20 ms at 10,000 pages, no-op
//! under 5% of the cold build.
//!
//! Then the same figures (`host_nav` lines) for a site whose templates read the whole site
//! through callbacks (`common::write_nav_site`: every page's nav calls
//! `get_section(path=..., metadata_only=true)` for each of the ten sections, the home calls
//! `get_section(path=...)` for each), with what the build report counts of the template cell's
//! traffic per page, against the same work done in one process (`nav_floor`: `get_section` a
//! lookup in values built beforehand). Before anything is timed, the host's output of every
//! page and section is compared with the floor's byte for byte; the line says how many differ.
//! `BENCH_NAV_MAX=N` leaves out the nav sites of more than N pages.

mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use cell_template::{DataProvider, Engine, MemoryLoader, NoData, Value};

fn cells_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("exe");
    let dir = exe.parent().and_then(Path::parent).expect("target dir").to_path_buf();
    if !dir.join("cell-template").is_file() || !dir.join("cell-markdown").is_file() {
        let status = std::process::Command::new("cargo")
            .args(["build", "--release", "-q", "-p", "cell-template", "-p", "cell-markdown"])
            .status()
            .expect("cargo");
        assert!(status.success(), "building the cells failed");
    }
    dir
}

/// Renders every page and section in one process, directly; with `io`, also reads each
/// page's source from the site there and writes each page to a file in the second directory
/// (plain `std::fs` calls), which a build cannot avoid doing.
fn floor(n: usize, io: Option<(&Path, &Path)>) -> f64 {
    let mut loader = MemoryLoader::new();
    for (name, text) in common::TEMPLATES {
        loader = loader.with(name, text);
    }
    let engine = Engine::new();
    let config = Value::map([
        ("title", Value::from("Synthetic")),
        ("base_url", Value::from("https://synthetic.example")),
    ]);
    let started = Instant::now();
    let mut listings: Vec<Vec<Value>> = vec![Vec::new(); common::SECTIONS];
    let mut bytes = 0usize;
    for i in 0..n {
        let source = match io {
            Some((site, _)) => std::fs::read_to_string(
                site.join(format!("content/section-{}/page-{i}.md", i % common::SECTIONS)),
            )
            .expect("read"),
            None => common::page(i),
        };
        let rendered = cell_markdown::render_page(&source).expect("markdown");
        let title = format!("page number {i}");
        let route = format!("/section-{}/page-{i}/", i % common::SECTIONS);
        let toc = Value::List(
            rendered
                .headings
                .iter()
                .map(|h| Value::map([("title", Value::from(h.title.as_str()))]))
                .collect::<Vec<_>>()
                .into(),
        );
        let page = Value::map([
            ("title", Value::from(title.as_str())),
            ("content", Value::from(rendered.html)),
            ("toc", toc),
            ("permalink", Value::from(format!("https://synthetic.example{route}"))),
        ]);
        let context = Value::map([
            ("page", page),
            ("config", config.clone()),
            ("current_path", Value::from(route.as_str())),
        ]);
        let html = engine.render("page.html", &context, &loader, &NoData).expect("render");
        bytes += html.len();
        if let Some((_, dir)) = io {
            let file = dir.join(format!("section-{}/page-{i}/index.html", i % common::SECTIONS));
            std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
            std::fs::write(file, html).expect("write");
        }
        listings[i % common::SECTIONS].push(Value::map([
            ("title", Value::from(title)),
            ("permalink", Value::from(format!("https://synthetic.example{route}"))),
        ]));
    }
    for (s, pages) in listings.into_iter().enumerate() {
        let section = Value::map([
            ("title", Value::from(format!("Section {s}"))),
            ("pages", Value::List(pages.into())),
        ]);
        let context = Value::map([("section", section), ("config", config.clone())]);
        bytes += engine.render("section.html", &context, &loader, &NoData).expect("render").len();
    }
    std::hint::black_box(bytes);
    started.elapsed().as_secs_f64() * 1e3
}

/// The figures of one site, measured the same way for every shape.
struct Timed {
    cold: host::BuildReport,
    cold_ms: f64,
    noop_ms: f64,
    edit: host::BuildReport,
    /// The median of [`EDITS`] one-page edits, and the slowest.
    edit_ms: f64,
    edit_max_ms: f64,
    edit_save_ms: f64,
}

/// One-page edits timed per site.
const EDITS: usize = 7;

fn median(times: &mut [f64]) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn max(times: &[f64]) -> f64 {
    times.iter().copied().fold(0.0, f64::max)
}

/// Builds the site in `dir` cold, again with nothing changed, then after each of [`EDITS`]
/// body edits of one page (reported to the site as a watcher does).
fn cold_noop_edit(site: &host::Site, dir: &Path, jobs: usize) -> Timed {
    let phases = std::env::var_os("DODECA_PHASES").is_some();
    let t = Instant::now();
    let cold = site.build(jobs).expect("cold build");
    // A process that builds again saves `cas.db` in the background; the cold figure counts
    // it, as the CLI's one-shot build saves before it returns.
    site.wait_for_save().expect("save");
    let cold_ms = t.elapsed().as_secs_f64() * 1e3;
    assert!(cold.errors.is_empty(), "{:?}", cold.errors.first());

    let t = Instant::now();
    let noop = site.build(jobs).expect("no-op build");
    let noop_ms = t.elapsed().as_secs_f64() * 1e3;
    assert_eq!((noop.renders, noop.written), (0, 0));
    if phases {
        eprintln!("no-op: executed {} reused {}", noop.executed, noop.reused);
    }

    // Several edits, of pages in different sections, one after the other as a writer saves
    // them: one edit's time swings by a third on a shared machine, their median much less.
    let mut edits = Vec::with_capacity(EDITS);
    let mut saves = Vec::with_capacity(EDITS);
    let mut edit = host::BuildReport::default();
    for round in 0..EDITS {
        let page = 7 + 3 * round;
        let rel = format!("section-{}/page-{page}.md", page % common::SECTIONS);
        let path = dir.join("content").join(&rel);
        let mut text = std::fs::read_to_string(&path).expect("read");
        text.push_str("\nAn edit.\n");
        std::fs::write(&path, text).expect("write");
        let t = Instant::now();
        site.content_changed(&rel).expect("changed");
        edit = site.build_loaded(jobs).expect("edit build");
        edits.push(t.elapsed().as_secs_f64() * 1e3);
        // The edit's outputs are written; `cas.db` is then saved in the background (what a
        // dev server's user does not wait for), timed here on its own.
        let t = Instant::now();
        site.wait_for_save().expect("save");
        saves.push(t.elapsed().as_secs_f64() * 1e3);
        assert!(edit.errors.is_empty(), "{:?}", edit.errors.first());
        assert_eq!((edit.renders, edit.written), (1, 1), "{edit:?}");
    }
    if phases {
        eprintln!("edit: executed {} reused {}", edit.executed, edit.reused);
    }
    let (edit_ms, edit_max_ms, edit_save_ms) =
        (median(&mut edits), max(&edits), median(&mut saves));
    Timed { cold, cold_ms, noop_ms, edit, edit_ms, edit_max_ms, edit_save_ms }
}

fn main() {
    let cells = cells_dir();
    let jobs = std::env::var("BENCH_JOBS")
        .ok()
        .and_then(|j| j.parse().ok())
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()));
    for n in [1_000usize, 10_000] {
        let dir = std::env::temp_dir().join(format!("dodeca-bench-{n}-{}", std::process::id()));
        common::write_site(n, &dir).expect("write site");
        // A site's files were written before the build, not in the same instant: a rescan
        // trusts a file's stamp only once its times are settled (see host's scan.rs).
        std::thread::sleep(std::time::Duration::from_millis(200));
        let site =
            host::Site::open_with(&dir, host::Cells::in_dirs(vec![cells.clone()])).expect("open");

        let Timed { cold, cold_ms, noop_ms, edit: _, edit_ms, edit_max_ms, edit_save_ms } =
            cold_noop_edit(&site, &dir, jobs);

        let floor_ms = floor(n, None);
        let written_dir =
            std::env::temp_dir().join(format!("dodeca-floor-{n}-{}", std::process::id()));
        let floor_io_ms = floor(n, Some((&dir, &written_dir)));
        let _ = std::fs::remove_dir_all(&written_dir);
        println!(
            "host_build n={n} cold_ms={cold_ms:.1} noop_ms={noop_ms:.1} edit_ms={edit_ms:.2} edit_max_ms={edit_max_ms:.2} edit_save_ms={edit_save_ms:.2} floor_ms={floor_ms:.1} floor_with_io_ms={floor_io_ms:.1} cold_vs_floor={:.2} target<=1.50 cold_vs_floor_with_io={:.2} noop_vs_cold={:.3} target<0.05 edit_target_ms<20 renders_cold={} jobs={jobs}",
            cold_ms / floor_ms,
            cold_ms / floor_io_ms,
            noop_ms / cold_ms,
            cold.renders
        );
        drop(site);
        let _ = std::fs::remove_dir_all(&dir);
    }

    let nav_max = std::env::var("BENCH_NAV_MAX").ok().and_then(|m| m.parse().ok());
    for n in [1_000usize, 10_000] {
        if nav_max.is_none_or(|max| n <= max) {
            nav_bench(n, &cells, jobs);
        }
    }
}

const BASE_URL: &str = "https://synthetic.example";

/// A section of the nav site as its templates see it, made before the floor is timed.
struct NavSection {
    /// Its `_index.md` path under `content/`, as templates name it to `get_section`.
    path: String,
    /// What `get_section(path=..., metadata_only=true)` returns: no `pages`.
    meta: Value,
    /// What `get_section(path=...)` returns: with `pages`.
    full: Value,
    /// Its listed pages, ordered as the host orders them (by weight, then date newest first,
    /// then title), as `section.pages` and `get_section(...).pages` show them.
    pages: Value,
}

/// Everything of the nav site the floor reads from memory: templates, config, sections. It is
/// also the floor's `DataProvider`: `get_section` is a lookup in `sections`.
struct NavSite {
    loader: MemoryLoader,
    config: Value,
    /// The home (`_index.md`) first, then the ten sections.
    sections: Vec<NavSection>,
    /// The home's subsections, as their routes.
    subsections: Value,
}

impl NavSite {
    fn new(n: usize) -> NavSite {
        let mut loader = MemoryLoader::new();
        for (name, text) in common::nav_templates() {
            loader.insert(name, &text);
        }
        let config = Value::map([
            ("title", Value::from("Synthetic")),
            ("base_url", Value::from(BASE_URL)),
            ("description", Value::None),
        ]);
        let section = |path: String, title: String, route: &str, pages: Vec<Value>| {
            let own = [
                ("title", Value::from(title)),
                ("description", Value::None),
                ("permalink", Value::from(format!("{BASE_URL}{route}"))),
                ("path", Value::from(route)),
            ];
            let pages = Value::from(pages);
            NavSection {
                path,
                meta: Value::map(own.clone()),
                full: Value::map(own.into_iter().chain([("pages", pages.clone())])),
                pages,
            }
        };
        let mut sections = vec![section("_index.md".into(), "Home".into(), "/", Vec::new())];
        for s in 0..common::SECTIONS {
            let mut listed: Vec<usize> = (s..n).step_by(common::SECTIONS).collect();
            listed.sort_by_cached_key(|&i| {
                (
                    common::page_weight(i),
                    std::cmp::Reverse(common::page_date(i)),
                    common::page_title(i),
                )
            });
            let pages = listed
                .into_iter()
                .map(|i| {
                    let route = format!("/section-{s}/page-{i}/");
                    Value::map([
                        ("title", Value::from(common::page_title(i))),
                        ("description", Value::None),
                        ("date", Value::from(common::page_date(i))),
                        ("weight", Value::from(common::page_weight(i))),
                        ("permalink", Value::from(format!("{BASE_URL}{route}"))),
                        ("path", Value::from(route)),
                    ])
                })
                .collect();
            let route = format!("/section-{s}/");
            sections.push(section(
                format!("section-{s}/_index.md"),
                format!("Section {s}"),
                &route,
                pages,
            ));
        }
        let subsections =
            Value::list((0..common::SECTIONS).map(|s| Value::from(format!("/section-{s}/"))));
        NavSite { loader, config, sections, subsections }
    }
}

impl DataProvider for NavSite {
    fn get_data(&self, _path: &str) -> Result<Value, String> {
        Ok(Value::None)
    }

    fn call_function(&self, name: &str, arguments: &[(String, Value)]) -> Result<Value, String> {
        if name != "get_section" {
            return Err(format!("unknown function {name}()"));
        }
        let path = arguments
            .iter()
            .find(|(n, _)| n == "path" || n == "0")
            .and_then(|(_, v)| v.as_str())
            .ok_or("get_section() needs a string `path` argument")?;
        let path = path.strip_prefix("@/").unwrap_or(path);
        let metadata_only = arguments.iter().any(|(n, v)| n == "metadata_only" && v.is_true());
        let section = self
            .sections
            .iter()
            .find(|s| s.path == path)
            .ok_or_else(|| format!("get_section: there is no section content/{path}"))?;
        Ok(if metadata_only { section.meta.clone() } else { section.full.clone() })
    }
}

/// A page's or section's own fields, as the host puts them in its context (`render.rs`):
/// `title`, `description`, `date`, `weight`, `content`, `permalink`, `path`, `toc`, `extra`,
/// then `pages` and `subsections` for a section.
fn own_fields(
    title: String,
    listed: Option<(String, i64)>,
    rendered: cell_proto::RenderedMarkdown,
    route: &str,
    listing: Option<(&Value, &Value)>,
) -> Value {
    let (date, weight) = match listed {
        Some((date, weight)) => (Value::from(date), Value::from(weight)),
        None => (Value::None, Value::None),
    };
    let toc = Value::list(rendered.headings.into_iter().map(|h| {
        Value::map([
            ("level", Value::from(i64::from(h.level))),
            ("title", Value::from(h.title)),
            ("id", Value::from(h.id)),
        ])
    }));
    let fields = [
        ("title", Value::from(title)),
        ("description", Value::None),
        ("date", date),
        ("weight", weight),
        ("content", Value::from(rendered.html)),
        ("permalink", Value::from(format!("{BASE_URL}{route}"))),
        ("path", Value::from(route)),
        ("toc", toc),
        ("extra", Value::None),
    ];
    match listing {
        Some((pages, subsections)) => Value::map(
            fields
                .into_iter()
                .chain([("pages", pages.clone()), ("subsections", subsections.clone())]),
        ),
        None => Value::map(fields),
    }
}

/// The nav site rendered in one process, directly: every page, section and the home, with
/// `get_section` answered from `site` (built beforehand). With `io`, each source is read from
/// the site there and each output written into the second directory; with `outputs`, each
/// output is kept there, by its path under the output directory. Returns the milliseconds.
fn nav_floor(
    site: &NavSite,
    n: usize,
    io: Option<(&Path, &Path)>,
    mut outputs: Option<&mut Vec<(String, String)>>,
) -> f64 {
    let engine = Engine::new();
    let started = Instant::now();
    let mut bytes = 0usize;
    let source = |rel: &str, generated: &dyn Fn() -> String| match io {
        Some((dir, _)) => std::fs::read_to_string(dir.join("content").join(rel)).expect("read"),
        None => generated(),
    };
    let mut emit = |rel: String, html: String| {
        bytes += html.len();
        if let Some((_, out)) = io {
            let file = out.join(&rel);
            std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
            std::fs::write(file, &html).expect("write");
        }
        if let Some(outputs) = outputs.as_deref_mut() {
            outputs.push((rel, html));
        }
    };
    let context = |route: &str, key: &str, own: Value| {
        Value::map([
            ("config", site.config.clone()),
            ("current_path", Value::from(route)),
            (key, own),
        ])
    };
    for i in 0..n {
        let s = i % common::SECTIONS;
        let text = source(&format!("section-{s}/page-{i}.md"), &|| common::page(i));
        let rendered = cell_markdown::render_page(&text).expect("markdown");
        let route = format!("/section-{s}/page-{i}/");
        let listed = Some((common::page_date(i), common::page_weight(i)));
        let page = own_fields(common::page_title(i), listed, rendered, &route, None);
        let html = engine
            .render("page.html", &context(&route, "page", page), &site.loader, site)
            .expect("render");
        emit(format!("section-{s}/page-{i}/index.html"), html);
    }
    let no_subsections = Value::list([]);
    for (s, section) in site.sections.iter().enumerate() {
        let (text, title, route, template, subsections) = match s {
            0 => (
                source("_index.md", &|| common::NAV_HOME.into()),
                "Home".into(),
                "/".to_string(),
                "index.html",
                &site.subsections,
            ),
            _ => (
                source(&section.path, &|| common::nav_section(s - 1)),
                format!("Section {}", s - 1),
                format!("/section-{}/", s - 1),
                "section.html",
                &no_subsections,
            ),
        };
        let rendered = cell_markdown::render_page(&text).expect("markdown");
        let own = own_fields(title, None, rendered, &route, Some((&section.pages, subsections)));
        let html = engine
            .render(template, &context(&route, "section", own), &site.loader, site)
            .expect("render");
        emit(format!("{}index.html", &route[1..]), html);
    }
    std::hint::black_box(bytes);
    started.elapsed().as_secs_f64() * 1e3
}

/// Compares the host's outputs in `public` with the floor's; prints the first that differs
/// and where (a few lines around the first difference). Returns how many differ (an output
/// missing on either side counts).
fn compare_outputs(n: usize, public: &Path, built: usize, floor: &[(String, String)]) -> usize {
    let mut differ = 0;
    if built != floor.len() {
        println!(
            "host_nav n={n}: the host built {built} pages and sections, the floor {}",
            floor.len()
        );
        differ += built.abs_diff(floor.len());
    }
    for (rel, expected) in floor {
        let host = match std::fs::read_to_string(public.join(rel)) {
            Ok(host) if host == *expected => continue,
            Ok(host) => host,
            Err(e) => {
                differ += 1;
                if differ == 1 {
                    println!("host_nav n={n}: the host wrote no {rel} ({e})");
                }
                continue;
            }
        };
        differ += 1;
        if differ > 1 {
            continue;
        }
        let at = host.bytes().zip(expected.bytes()).take_while(|(a, b)| a == b).count();
        let line = expected.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count();
        let line_start =
            expected.as_bytes()[..at].iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let column = at - line_start;
        println!(
            "host_nav n={n}: {rel} differs from the floor's at line {} column {} (host {} bytes, floor {} bytes):",
            line + 1,
            column + 1,
            host.len(),
            expected.len()
        );
        for (who, text) in [("host ", &host), ("floor", expected)] {
            for (l, text) in text.lines().enumerate().skip(line.saturating_sub(2)).take(4) {
                let near = if l == line { column } else { 0 };
                println!("  {who} {:>4} | {}", l + 1, excerpt(text, near));
            }
        }
    }
    differ
}

/// Up to 80 bytes of `line` either side of byte `at`.
fn excerpt(line: &str, at: usize) -> String {
    let mut start = at.saturating_sub(80).min(line.len());
    let mut end = (at + 80).min(line.len());
    while !line.is_char_boundary(start) {
        start -= 1;
    }
    while !line.is_char_boundary(end) {
        end += 1;
    }
    let before = if start > 0 { "…" } else { "" };
    let after = if end < line.len() { "…" } else { "" };
    format!("{before}{}{after}", &line[start..end])
}

/// The nav site of `n` pages: checked against the floor, then timed like the first site, with
/// the template cell's traffic per page from the cold build's report.
fn nav_bench(n: usize, cells: &Path, jobs: usize) {
    let dir = std::env::temp_dir().join(format!("dodeca-nav-{n}-{}", std::process::id()));
    common::write_nav_site(n, &dir).expect("write nav site");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let values = NavSite::new(n);
    let open = || host::Site::open_with(&dir, host::Cells::in_dirs(vec![cells.to_path_buf()]));

    // The same work, checked: one build and one floor render, compared before anything is
    // timed; then the build's outputs and records are removed, so the timed build is cold.
    let differ = {
        let site = open().expect("open");
        let check = site.build(jobs).expect("check build");
        assert!(check.errors.is_empty(), "{:?}", check.errors.first());
        drop(site);
        let mut outputs = Vec::with_capacity(n + common::SECTIONS + 1);
        nav_floor(&values, n, None, Some(&mut outputs));
        let differ = compare_outputs(n, &dir.join("public"), check.pages, &outputs);
        std::fs::remove_dir_all(dir.join("public")).expect("remove outputs");
        std::fs::remove_dir_all(dir.join(".cache")).expect("remove records");
        differ
    };

    let site = open().expect("open");
    let Timed { cold, cold_ms, noop_ms, edit, edit_ms, edit_max_ms, edit_save_ms } =
        cold_noop_edit(&site, &dir, jobs);
    drop(site);

    let floor_ms = nav_floor(&values, n, None, None);
    let written_dir =
        std::env::temp_dir().join(format!("dodeca-nav-floor-{n}-{}", std::process::id()));
    let floor_io_ms = nav_floor(&values, n, Some((&dir, &written_dir)), None);
    let _ = std::fs::remove_dir_all(&written_dir);
    let pages = cold.pages.max(1) as f64;
    println!(
        "host_nav n={n} cold_ms={cold_ms:.1} noop_ms={noop_ms:.1} edit_ms={edit_ms:.2} edit_max_ms={edit_max_ms:.2} edit_save_ms={edit_save_ms:.2} callbacks_per_page={:.1} cached_reads_per_page={:.1} bytes_per_page={:.0} floor_ms={floor_ms:.1} floor_with_io_ms={floor_io_ms:.1} cold_vs_floor={:.2} cold_vs_floor_with_io={:.2} outputs_differ={differ} edit_target_ms<20 cold_target<=1.50x_floor renders_cold={} renders_edit={} jobs={jobs}",
        cold.callbacks as f64 / pages,
        cold.cached_reads as f64 / pages,
        cold.bytes_to_template as f64 / pages,
        cold_ms / floor_ms,
        cold_ms / floor_io_ms,
        cold.renders,
        edit.renders,
    );
    let _ = std::fs::remove_dir_all(&dir);
}
