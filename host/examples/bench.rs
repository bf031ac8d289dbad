//! The host benchmark: `cargo run --release -p host --example bench`.
//!
//! For N = 1,000 and 10,000 synthetic pages it prints, in one line each: the cold build, a
//! no-op rebuild (rescanning the site, as the CLI does) and a one-page edit (one file reported
//! changed, as a watcher does), all in-process with the real cells; and in the same run the
//! floor: the same pages rendered in one process by the markdown renderer (pulldown-cmark)
//! and our template engine called directly, with no host, no cells and no picante; and that
//! floor again reading each source from the site and writing each page (`floor_with_io`),
//! the file work no build can skip.
//! Targets: cold within 1.5x the floor, one-page edit under 20 ms at 10,000 pages, no-op
//! under 5% of the cold build.

mod common;

use std::path::{Path, PathBuf};
use std::time::Instant;

use cell_template::{Engine, MemoryLoader, NoData, Value};

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

        let t = Instant::now();
        let cold = site.build(jobs).expect("cold build");
        let cold_ms = t.elapsed().as_secs_f64() * 1e3;
        assert!(cold.errors.is_empty(), "{:?}", cold.errors.first());

        let t = Instant::now();
        let noop = site.build(jobs).expect("no-op build");
        let noop_ms = t.elapsed().as_secs_f64() * 1e3;
        assert_eq!((noop.renders, noop.written), (0, 0));
        if std::env::var_os("DODECA_PHASES").is_some() {
            eprintln!("no-op: executed {} reused {}", noop.executed, noop.reused);
        }

        let rel = format!("section-{}/page-{}.md", 7 % common::SECTIONS, 7);
        let path = dir.join("content").join(&rel);
        let mut text = std::fs::read_to_string(&path).expect("read");
        text.push_str("\nAn edit.\n");
        std::fs::write(&path, text).expect("write");
        let t = Instant::now();
        site.content_changed(&rel).expect("changed");
        let edit = site.build_loaded(jobs).expect("edit build");
        let edit_ms = t.elapsed().as_secs_f64() * 1e3;
        assert_eq!((edit.renders, edit.written), (1, 1), "{edit:?}");
        if std::env::var_os("DODECA_PHASES").is_some() {
            eprintln!("edit: executed {} reused {}", edit.executed, edit.reused);
        }

        let floor_ms = floor(n, None);
        let written_dir =
            std::env::temp_dir().join(format!("dodeca-floor-{n}-{}", std::process::id()));
        let floor_io_ms = floor(n, Some((&dir, &written_dir)));
        let _ = std::fs::remove_dir_all(&written_dir);
        println!(
            "host_build n={n} cold_ms={cold_ms:.1} noop_ms={noop_ms:.1} edit_ms={edit_ms:.2} floor_ms={floor_ms:.1} floor_with_io_ms={floor_io_ms:.1} cold_vs_floor={:.2} target<=1.50 cold_vs_floor_with_io={:.2} noop_vs_cold={:.3} target<0.05 edit_target_ms<20 renders_cold={} jobs={jobs}",
            cold_ms / floor_ms,
            cold_ms / floor_io_ms,
            noop_ms / cold_ms,
            cold.renders
        );
        drop(site);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
