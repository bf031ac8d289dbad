//! A synthetic site built by the `dodeca-host` binary and by Zola, cold, alternately, as a
//! user runs them: the wall time of each whole process.
//!
//! `cargo build --release --workspace --bins && cargo run --release -p host --example vs-zola -- [PAGES] [ROUNDS] [nav|plain|listings]`
//!
//! The site is the nav site by default, or the plain or listings site of `gen-site`.
//!
//! Zola is not packaged; build it from its source (see `BENCHMARKS.md`) and point `ZOLA` at
//! the binary (default: `zola` on `PATH`). Without it, only dodeca's figure is printed.
//!
//! Both build the same content and templates (`common`); Zola's copy gets the site's config as
//! `config.toml` (with Sass and the search index off), and `slice(start=0, end=5)` where ours
//! says `slice(0, 5)` (Tera's filter takes named arguments). Before timing, both are built
//! once and the line says how their outputs compare: every file dodeca writes must exist in
//! Zola's output. Those that list a section's pages differ: the synthetic sections have no
//! `sort_by`, and Zola's order for them is unspecified (its documentation says so) and
//! changes from one run to the next.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn main() {
    let pages: usize = std::env::args().nth(1).and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let rounds: usize = std::env::args().nth(2).and_then(|v| v.parse().ok()).unwrap_or(5);
    let shape = std::env::args().nth(3).unwrap_or_else(|| String::from("nav"));
    let exe = std::env::current_exe().expect("exe");
    let release = exe.parent().and_then(Path::parent).expect("target dir");
    let dodeca = release.join("dodeca-host");
    assert!(dodeca.is_file(), "build the binaries first: cargo build --release --workspace --bins");
    let zola = std::env::var_os("ZOLA").map_or_else(|| PathBuf::from("zola"), PathBuf::from);

    let root = std::env::temp_dir().join(format!("dodeca-vs-zola-{}", std::process::id()));
    let ours = root.join("dodeca");
    match shape.as_str() {
        "nav" => common::write_nav_site(pages, &ours),
        "plain" => common::write_site(pages, &ours),
        "listings" => common::write_listings_site(pages, &ours),
        other => panic!("unknown site shape {other:?}: nav, plain or listings"),
    }
    .expect("write site");
    let theirs = root.join("zola");
    let zola_ok = write_zola_copy(&ours, &theirs).is_ok() && runs(&zola, &theirs);
    std::thread::sleep(std::time::Duration::from_millis(200));

    let dodeca_build = || time(Command::new(&dodeca).arg("build").arg("-q").arg(&ours), &ours);
    let zola_build = || time(Command::new(&zola).arg("build").current_dir(&theirs), &theirs);
    // Once each, untimed: the outputs are compared, and both caches are warm for the files.
    dodeca_build();
    let compared = if zola_ok {
        zola_build();
        compare(&ours.join("public"), &theirs.join("public"))
    } else {
        String::from("zola=not-found(set ZOLA=path)")
    };

    let (mut ours_ms, mut theirs_ms) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        ours_ms.push(dodeca_build());
        if zola_ok {
            theirs_ms.push(zola_build());
        }
    }
    let ours_ms = median(&mut ours_ms);
    if zola_ok {
        let theirs_ms = median(&mut theirs_ms);
        println!(
            "cli_{shape}_cold n={pages} dodeca_ms={ours_ms:.0} zola_ms={theirs_ms:.0} dodeca_vs_zola={:.2} target<0.50 rounds={rounds} {compared}",
            ours_ms / theirs_ms
        );
    } else {
        println!("cli_{shape}_cold n={pages} dodeca_ms={ours_ms:.0} rounds={rounds} {compared}");
    }
    let _ = std::fs::remove_dir_all(&root);
}

/// Zola's copy of the site in `from`: content and templates, its `dodeca.toml` as
/// `config.toml`, Tera's `slice` arguments.
fn write_zola_copy(from: &Path, to: &Path) -> std::io::Result<()> {
    let _ = std::fs::remove_dir_all(to);
    copy_tree(&from.join("content"), &to.join("content"))?;
    copy_tree(&from.join("templates"), &to.join("templates"))?;
    // Tera takes functions' and macros' arguments by name only.
    for (template, ours, tera) in [
        ("index.html", "slice(0, 5)", "slice(start=0, end=5)"),
        ("partials/nav.html", "range(3)", "range(end=3)"),
        ("section.html", "m.item(p.title, p.permalink)", "m::item(title=p.title, url=p.permalink)"),
        (
            "taxonomy_single.html",
            "m.item(p.title, p.permalink)",
            "m::item(title=p.title, url=p.permalink)",
        ),
    ] {
        let path = to.join("templates").join(template);
        if let Ok(text) = std::fs::read_to_string(&path) {
            std::fs::write(path, text.replace(ours, tera))?;
        }
    }
    let config = std::fs::read_to_string(from.join("dodeca.toml"))?;
    // Zola's keys before the site's tables (`taxonomies` is an inline array, not a table).
    std::fs::write(
        to.join("config.toml"),
        format!("compile_sass = false\nbuild_search_index = false\n{config}"),
    )
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name()))?;
        }
    }
    Ok(())
}

/// Whether `zola --version` runs.
fn runs(zola: &Path, dir: &Path) -> bool {
    Command::new(zola).arg("--version").current_dir(dir).output().is_ok_and(|o| o.status.success())
}

/// One cold build: the site's outputs (and dodeca's `.cache`) removed first, then the
/// process run to its end. Panics if it fails. Returns the milliseconds.
fn time(command: &mut Command, site: &Path) -> f64 {
    let _ = std::fs::remove_dir_all(site.join("public"));
    let _ = std::fs::remove_dir_all(site.join(".cache"));
    let started = Instant::now();
    let output = command.output().expect("run the build");
    let ms = started.elapsed().as_secs_f64() * 1e3;
    assert!(
        output.status.success(),
        "{:?} failed: {}",
        command,
        String::from_utf8_lossy(&output.stderr)
    );
    ms
}

/// How the two outputs compare, as `key=value` fields for the line.
fn compare(ours: &Path, theirs: &Path) -> String {
    let mut files = Vec::new();
    collect(ours, "", &mut files);
    let missing = files.iter().filter(|rel| !theirs.join(rel).is_file()).count();
    let identical = files
        .iter()
        .filter(|rel| {
            let a = std::fs::read(ours.join(rel));
            a.is_ok() && a.ok() == std::fs::read(theirs.join(rel)).ok()
        })
        .count();
    format!(
        "outputs={} missing_in_zola={missing} byte_identical={identical} (Zola lists a section without sort_by in an order that changes from run to run)",
        files.len()
    )
}

fn collect(dir: &Path, rel: &str, files: &mut Vec<String>) {
    let Ok(entries) = std::fs::read_dir(dir.join(rel)) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = if rel.is_empty() { name } else { format!("{rel}/{name}") };
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            collect(dir, &path, files);
        } else {
            files.push(path);
        }
    }
}

fn median(times: &mut [f64]) -> f64 {
    times.sort_by(f64::total_cmp);
    times.get(times.len() / 2).copied().unwrap_or(f64::NAN)
}
