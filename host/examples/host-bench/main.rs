//! The host benchmark: `cargo run --release -p host --example host-bench`.
//!
//! Two shapes of synthetic site (`common`), each at N = 1,000 and 10,000 pages: `host_build`
//! lines for pages whose templates read only their own context, `host_nav` lines for
//! templates that read the whole site through callbacks, as real themes do (every page's nav
//! calls `get_section(path=..., metadata_only=true)` for each of the ten sections, the home
//! calls `get_section(path=...)` for each).
//!
//! Each line has, in-process with the real cells: the cold build (its saving of `cas.db`
//! included), a no-op rebuild (rescanning the site, as the CLI does) and a one-page edit (one
//! file reported changed, as a watcher does; the median of seven edits, and the slowest). The
//! CLI's figures, a process per build, are the persistence benchmark's. Then, in the same
//! run, the floor (`floor.rs`): the same work done directly in one process on as many
//! threads as the build, from memory (`floor_ms`) and reading each source and writing each
//! output (`floor_with_io_ms`, the file work no build can skip). Before a figure is printed,
//! every output of the build (cold, then edited) is compared byte for byte with the floor's;
//! the line says how many differ (`outputs_differ=0`: the floor did the build's work).
//! Targets: cold within 1.5x the floor, one-page edit under 20 ms at 10,000 pages, no-op
//! under 5% of the cold build; for the nav site, bytes sent to the template cell per page
//! independent of N.
//!
//! Each site then gets a `_cli` line (`cli.rs`): the `dodeca-host` binary, one process per
//! build as a user runs it, keeping its database in `.cache/` between runs — the cold build
//! with and without that cache (`persist_cost`), a no-op run and one-page edits, each as a
//! ratio to the cold build measured in the same run, after checking that an edited build's
//! outputs are a cold build's, byte for byte. Targets: no-op under 5% of cold, edit under 10%,
//! the cache costing a cold build at most 5%.
//!
//! `BENCH_NAV_MAX=N` leaves out the nav sites of more than N pages, `BENCH_JOBS=N` sets the
//! build's (and the floor's) threads, `BENCH_CLI_ONLY=1` measures only the CLI's lines,
//! `DODECA_PHASES=1` prints each phase's time.

mod cli;
#[path = "../common/mod.rs"]
mod common;
mod floor;

use std::path::{Path, PathBuf};
use std::time::Instant;

use floor::{Floor, Io};

fn cells_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("exe");
    let dir = exe.parent().and_then(Path::parent).expect("target dir").to_path_buf();
    let binaries = ["cell-template", "cell-markdown", "dodeca-host"];
    if binaries.iter().any(|binary| !dir.join(binary).is_file()) {
        let status = std::process::Command::new("cargo")
            .args(["build", "--release", "-q", "-p", "cell-template", "-p", "cell-markdown"])
            .args(["-p", "host", "--bin", "dodeca-host"])
            .status()
            .expect("cargo");
        assert!(status.success(), "building the cells failed");
    }
    dir
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

pub(crate) fn median(times: &mut [f64]) -> f64 {
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
        site_bench(Shape::Plain, n, &cells, jobs);
    }
    // Issue 18's figure: tags and pagination at 10,000 pages, against the plain site.
    if std::env::var_os("BENCH_LISTINGS_SKIP").is_none() {
        listings_line(10_000, &cells);
    }
    let nav_max = std::env::var("BENCH_NAV_MAX").ok().and_then(|m| m.parse().ok());
    for n in [1_000usize, 10_000] {
        if nav_max.is_none_or(|max| n <= max) {
            site_bench(Shape::Nav, n, &cells, jobs);
        }
    }
}

/// The two synthetic sites.
#[derive(Clone, Copy, PartialEq)]
enum Shape {
    /// `common::write_site`: templates read only their own context.
    Plain,
    /// `common::write_nav_site`: templates read the whole site through callbacks.
    Nav,
}

/// One site of `n` pages: built cold, again, after edits; then the floor, checked against
/// the build's outputs; one line of figures.
fn site_bench(shape: Shape, n: usize, cells: &Path, jobs: usize) {
    let (name, write): (_, fn(usize, &Path) -> std::io::Result<()>) = match shape {
        Shape::Plain => ("host_build", common::write_site),
        Shape::Nav => ("host_nav", common::write_nav_site),
    };
    let dir = std::env::temp_dir().join(format!("dodeca-{name}-{n}-{}", std::process::id()));
    write(n, &dir).expect("write site");
    // A site's files were written before the build, not in the same instant: a rescan
    // trusts a file's stamp only once its times are settled (see host's scan.rs).
    std::thread::sleep(std::time::Duration::from_millis(200));
    if std::env::var_os("BENCH_CLI_ONLY").is_some() {
        cli_line(name, n, cells, &dir);
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    let site =
        host::Site::open_with(&dir, host::Cells::in_dirs(vec![cells.to_path_buf()])).expect("open");
    let Timed { cold, cold_ms, noop_ms, edit, edit_ms, edit_max_ms, edit_save_ms } =
        cold_noop_edit(&site, &dir, jobs);
    // The database saved, then loaded by a new site (as a second process would), which then
    // builds with nothing changed.
    let saved =
        std::env::temp_dir().join(format!("dodeca-db-{name}-{n}-{}.bin", std::process::id()));
    let t = Instant::now();
    let db_bytes = site.save_database(&saved).expect("save the database");
    let db_save_ms = t.elapsed().as_secs_f64() * 1e3;
    drop(site);
    let t = Instant::now();
    let reopened =
        host::Site::open_with(&dir, host::Cells::in_dirs(vec![cells.to_path_buf()])).expect("open");
    let loaded = reopened.load_database(&saved).expect("load the database");
    assert!(loaded.loaded && loaded.warnings.is_empty(), "{loaded:?}");
    let db_load_ms = t.elapsed().as_secs_f64() * 1e3;
    let warm = reopened.build(jobs).expect("warm build");
    let warm_ms = t.elapsed().as_secs_f64() * 1e3;
    assert!(warm.errors.is_empty() && warm.renders == 0 && warm.written == 0, "{warm:?}");
    drop(reopened);
    let _ = std::fs::remove_file(&saved);

    // The floor reads the site as the edits left it: its outputs must be the build's.
    let floor = Floor::load(&dir);
    let (_, outputs) = floor.run(&dir, jobs, Io::Memory, true);
    let differ = compare_outputs(name, n, &dir.join("public"), cold.pages, &outputs);
    drop(outputs);
    let (floor_ms, _) = floor.run(&dir, jobs, Io::Memory, false);
    let written = std::env::temp_dir().join(format!("dodeca-floor-{n}-{}", std::process::id()));
    let (floor_io_ms, _) = floor.run(&dir, jobs, Io::Files(&written), false);
    let _ = std::fs::remove_dir_all(&written);

    let common = format!(
        "{name} n={n} cold_ms={cold_ms:.1} in_process_noop_ms={noop_ms:.1} in_process_edit_ms={edit_ms:.2} edit_max_ms={edit_max_ms:.2} edit_save_ms={edit_save_ms:.2} floor_ms={floor_ms:.1} floor_with_io_ms={floor_io_ms:.1} cold_vs_floor={:.2} cold_vs_floor_with_io={:.2} outputs_differ={differ} db_save_ms={db_save_ms:.1} db_bytes={db_bytes} db_load_ms={db_load_ms:.1} warm_start_build_ms={warm_ms:.1} warm_vs_cold={:.3}",
        cold_ms / floor_ms,
        cold_ms / floor_io_ms,
        warm_ms / cold_ms,
    );
    match shape {
        Shape::Plain => println!(
            "{common} noop_vs_cold={:.3} target<0.05 edit_target_ms<20 cold_target<=1.50x_floor renders_cold={} renders_edit={} jobs={jobs}",
            noop_ms / cold_ms,
            cold.renders,
            edit.renders,
        ),
        Shape::Nav => {
            let pages = cold.pages.max(1) as f64;
            println!(
                "{common} callbacks_per_page={:.1} cached_reads_per_page={:.1} bytes_per_page={:.0} edit_target_ms<20 cold_target<=1.50x_floor renders_cold={} renders_edit={} jobs={jobs}",
                cold.callbacks as f64 / pages,
                cold.cached_reads as f64 / pages,
                cold.bytes_to_template as f64 / pages,
                cold.renders,
                edit.renders,
            );
        }
    }
    cli_line(name, n, cells, &dir);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The CLI's figures for the listings site (tags, 3 of 50 a page; sections and tags paginated
/// by 10) against the plain site of as many pages, in the same run: one line. The listings
/// site writes more (its pagers and term pages); the ratio says what they cost.
fn listings_line(n: usize, cells: &Path) {
    let host = cells.join("dodeca-host");
    let measure = |write: fn(usize, &Path) -> std::io::Result<()>, name: &str| {
        let dir = std::env::temp_dir().join(format!("dodeca-{name}-{n}-{}", std::process::id()));
        write(n, &dir).expect("write site");
        std::thread::sleep(std::time::Duration::from_millis(200));
        let figures = cli::measure(&host, &dir, common::SECTIONS);
        let outputs = count_files(&dir.join("public"));
        let _ = std::fs::remove_dir_all(&dir);
        (figures, outputs)
    };
    let (plain, plain_files) = measure(common::write_site, "plain");
    let (listed, listed_files) = measure(common::write_listings_site, "listings");
    println!(
        "host_listings_cli n={n} files={listed_files} plain_files={plain_files} cold_ms={:.1} plain_cold_ms={:.1} cold_ratio={:.2} noop_ms={:.1} plain_noop_ms={:.1} noop_ratio={:.2} edit_ms={:.1} plain_edit_ms={:.1} edit_ratio={:.2} target<=1.20 outputs_differ={}",
        listed.cold_ms,
        plain.cold_ms,
        listed.cold_ms / plain.cold_ms,
        listed.noop_ms,
        plain.noop_ms,
        listed.noop_ms / plain.noop_ms,
        listed.edit_ms,
        plain.edit_ms,
        listed.edit_ms / plain.edit_ms,
        listed.outputs_differ + plain.outputs_differ,
    );
}

/// How many files are under `dir`.
fn count_files(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries.flatten().map(|e| if e.path().is_dir() { count_files(&e.path()) } else { 1 }).sum()
}

/// The CLI's figures for the site in `dir` (see `cli.rs`), one line.
fn cli_line(name: &str, n: usize, cells: &Path, dir: &Path) {
    let f = cli::measure(&cells.join("dodeca-host"), dir, common::SECTIONS);
    println!(
        "{name}_cli n={n} cold_ms={:.1} cold_no_cache_ms={:.1} persist_cost={:+.3} target<=0.05 noop_ms={:.1} noop_vs_cold={:.3} target<0.05 edit_ms={:.1} edit_max_ms={:.1} edit_vs_cold={:.3} target<0.10 outputs_differ={}",
        f.cold_ms,
        f.cold_no_cache_ms,
        f.cold_ms / f.cold_no_cache_ms - 1.0,
        f.noop_ms,
        f.noop_ms / f.cold_ms,
        f.edit_ms,
        f.edit_max_ms,
        f.edit_ms / f.cold_ms,
        f.outputs_differ,
    );
}

/// Compares the host's outputs in `public` with the floor's; prints the first that differs
/// and where (a few lines around the first difference). Returns how many differ (an output
/// missing on either side counts).
fn compare_outputs(
    name: &str,
    n: usize,
    public: &Path,
    built: usize,
    floor: &[(String, String)],
) -> usize {
    let mut differ = 0;
    if built != floor.len() {
        println!(
            "{name} n={n}: the host built {built} pages and sections, the floor {}",
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
                    println!("{name} n={n}: the host wrote no {rel} ({e})");
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
            "{name} n={n}: {rel} differs from the floor's at line {} column {} (host {} bytes, floor {} bytes):",
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
