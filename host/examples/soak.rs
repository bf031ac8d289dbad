//! The soak: one process builds the synthetic site again and again under random edits, and
//! every build's output is checked against a model of what it should be.
//!
//!     TMPDIR=/dev/shm cargo run --release -p host --example soak -- \
//!         [--rounds 500] [--pages 10000] [--seed 1] [--sample-every 10] [--jobs 2] [--dir DIR]
//!
//! The site is `gen-site`'s (`common::write_site`), written into `DIR` (default: a new
//! directory under `$TMPDIR`) and opened once as a [`host::Site`]. Each round makes one edit,
//! chosen by a seeded xorshift generator so that a failing run can be repeated exactly: a page's
//! body, a page's title, a new page, a page removed, the page template, or a static file
//! (written into the CAS: the only edit that adds blobs). Then it builds, as `serve` does
//! after a save (a rescan, in the same process), and checks the output directory against the
//! model:
//!
//! - every page's output exists and holds its current title, its current body marker and the
//!   current template marker;
//! - every section's listing links exactly the section's current pages;
//! - every static file's output holds its current bytes;
//! - nothing else is there: no output of a removed page, no file the model does not expect
//!   (the files a build writes besides pages, sections and statics are those of the first
//!   build, and must stay those).
//!
//! Every `--sample-every` rounds (and after the first and last) it samples, from `/proc/self`,
//! the host's resident set (`VmRSS`), open file descriptors (`fd/`) and threads (`task/`), and
//! the size of `.cache/` on disk. It prints one line per figure (first, last, max, last/first)
//! and a last line with the number of failed checks; it exits 1 if any check failed. The cells
//! are other processes, with their own benchmarks (`serve-bench`'s `serve_memory`).

#[path = "common/mod.rs"]
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Static files the edits cycle through: a small, fixed set of names whose contents change, so
/// that live blobs stay few and every replaced blob is garbage.
const STATIC_NAMES: u64 = 8;

struct Options {
    rounds: u64,
    pages: usize,
    seed: u64,
    sample_every: u64,
    jobs: usize,
    dir: Option<PathBuf>,
}

fn options() -> Result<Options, String> {
    let mut options =
        Options { rounds: 500, pages: 10_000, seed: 1, sample_every: 10, jobs: 2, dir: None };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |text: String| text.parse::<u64>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--rounds" => options.rounds = number(value()?)?,
            "--pages" => options.pages = number(value()?)? as usize,
            "--seed" => options.seed = number(value()?)?,
            "--sample-every" => options.sample_every = number(value()?)?.max(1),
            "--jobs" => options.jobs = number(value()?)?.max(1) as usize,
            "--dir" => options.dir = Some(PathBuf::from(value()?)),
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    if options.pages == 0 {
        return Err("--pages must be at least 1".into());
    }
    Ok(options)
}

/// xorshift64* (Vigna): enough randomness to choose edits, and the same sequence for a seed.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        // Zero is xorshift's one fixed point; any other state will do.
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What a page is, for the model: enough to write its file and to check its output.
struct Page {
    title: String,
    /// A line appended to the generated body by the last body edit, if any.
    marker: Option<String>,
}

/// What the site should be after the edits made so far.
struct Model {
    /// Pages by number; page `i` is `content/section-{i % 10}/page-{i}.md`.
    pages: BTreeMap<usize, Page>,
    next_page: usize,
    /// The template marker `page.html` ends with (none before the first template edit).
    template: Option<String>,
    /// Static files by number: their current contents.
    statics: BTreeMap<u64, String>,
    /// Outputs that are neither pages, sections nor statics (sitemap and the like), as the
    /// first build wrote them.
    others: BTreeSet<String>,
}

impl Model {
    fn page_source(&self, i: usize) -> String {
        let page = &self.pages[&i];
        let marker = page.marker.as_deref().map(|m| format!("\n{m}\n")).unwrap_or_default();
        format!(
            "+++\ntitle = \"{}\"\nweight = {}\ndate = \"{}\"\n+++\n{}{marker}",
            page.title,
            common::page_weight(i),
            common::page_date(i),
            common::body(i)
        )
    }

    fn page_output(i: usize) -> String {
        format!("section-{}/page-{i}/index.html", i % common::SECTIONS)
    }

    fn page_template(&self) -> String {
        let (_, text) = common::TEMPLATES.iter().find(|(name, _)| *name == "page.html").unwrap();
        match &self.template {
            // Inside the last block: text outside the blocks of a child template is not output.
            Some(marker) => match text.rsplit_once("{% endblock %}") {
                Some((before, after)) => {
                    format!("{before}<!-- {marker} -->{{% endblock %}}{after}")
                }
                None => unreachable!("page.html ends with its content block"),
            },
            None => text.to_string(),
        }
    }

    /// Every output the model expects, relative to the output directory.
    fn outputs(&self) -> BTreeSet<String> {
        let mut outputs = self.others.clone();
        outputs.insert("index.html".into());
        for s in 0..common::SECTIONS {
            outputs.insert(format!("section-{s}/index.html"));
        }
        outputs.extend(self.pages.keys().map(|&i| Model::page_output(i)));
        outputs.extend(self.statics.keys().map(|k| format!("soak-{k}.txt")));
        outputs
    }
}

/// One edit, applied to the site's files and to the model; returns what it did, for messages.
fn edit(rng: &mut Rng, round: u64, site: &Path, model: &mut Model) -> std::io::Result<String> {
    let write = |rel: &str, text: &str| -> std::io::Result<()> {
        let path = site.join(rel);
        fs::create_dir_all(path.parent().unwrap())?;
        fs::write(path, text)
    };
    let source = |i: usize| format!("content/section-{}/page-{i}.md", i % common::SECTIONS);
    let live: Vec<usize> = model.pages.keys().copied().collect();
    let any_page = |rng: &mut Rng| live[rng.below(live.len() as u64) as usize];
    let roll = rng.below(100);
    Ok(match roll {
        0..40 => {
            let i = any_page(rng);
            model.pages.get_mut(&i).unwrap().marker = Some(format!("soak body r{round} p{i}"));
            write(&source(i), &model.page_source(i))?;
            format!("body of page {i}")
        }
        40..60 => {
            let i = any_page(rng);
            model.pages.get_mut(&i).unwrap().title = format!("soak title r{round} p{i}");
            write(&source(i), &model.page_source(i))?;
            format!("title of page {i}")
        }
        60..75 => {
            let i = model.next_page;
            model.next_page += 1;
            model.pages.insert(i, Page { title: format!("new page r{round} p{i}"), marker: None });
            write(&source(i), &model.page_source(i))?;
            format!("new page {i}")
        }
        // Never the last page: a site keeps at least one, so every round has a page to edit.
        75..90 if live.len() > 1 => {
            let i = any_page(rng);
            model.pages.remove(&i);
            fs::remove_file(site.join(source(i)))?;
            format!("removed page {i}")
        }
        75..90 => "nothing (one page left)".to_string(),
        90..93 => {
            model.template = Some(format!("soak template r{round}"));
            write("templates/page.html", &model.page_template())?;
            "page template".to_string()
        }
        _ => {
            let k = rng.below(STATIC_NAMES);
            // Distinct bytes every time: each edit adds a blob, and the blob it replaces is
            // garbage from then on.
            let text = format!("static {k} r{round} {:016x}\n", rng.next()).repeat(64);
            model.statics.insert(k, text.clone());
            write(&format!("static/soak-{k}.txt"), &text)?;
            format!("static file {k}")
        }
    })
}

/// Every file under `dir`, relative to it, with `/` separators.
fn files_under(dir: &Path) -> BTreeSet<String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                walk(root, &path, out);
            } else if let Ok(rel) = path.strip_prefix(root) {
                out.insert(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

/// The page numbers a section's listing links to (`.../section-S/page-N/`).
fn listed_pages(html: &str, section: usize) -> BTreeSet<usize> {
    // The template engine escapes `/` in attribute values, as Tera does.
    let html = html.replace("&#x2F;", "/");
    let needle = format!("/section-{section}/page-");
    html.match_indices(&needle)
        .filter_map(|(at, _)| {
            let digits: String =
                html[at + needle.len()..].chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect()
}

/// The output directory against the model; one message per mismatch.
fn check(public: &Path, model: &Model) -> Vec<String> {
    let mut failures = Vec::new();
    let read = |rel: &str| fs::read_to_string(public.join(rel));
    for (&i, page) in &model.pages {
        let rel = Model::page_output(i);
        let Ok(html) = read(&rel) else {
            failures.push(format!("page {i}: no output {rel}"));
            continue;
        };
        if !html.contains(&page.title) {
            failures.push(format!("page {i}: {rel} lacks its title {:?}", page.title));
        }
        if let Some(marker) = &page.marker
            && !html.contains(marker)
        {
            failures.push(format!("page {i}: {rel} lacks its body marker {marker:?}"));
        }
        if let Some(marker) = &model.template
            && !html.contains(marker)
        {
            failures.push(format!("page {i}: {rel} lacks the template marker {marker:?}"));
        }
    }
    for s in 0..common::SECTIONS {
        let rel = format!("section-{s}/index.html");
        let expected: BTreeSet<usize> =
            model.pages.keys().copied().filter(|i| i % common::SECTIONS == s).collect();
        match read(&rel) {
            Ok(html) if listed_pages(&html, s) == expected => {}
            Ok(html) => {
                let listed = listed_pages(&html, s);
                let missing: Vec<_> = expected.difference(&listed).take(5).collect();
                let extra: Vec<_> = listed.difference(&expected).take(5).collect();
                failures.push(format!("{rel}: lists {extra:?} not in the site, lacks {missing:?}"));
            }
            Err(e) => failures.push(format!("{rel}: {e}")),
        }
    }
    for (k, text) in &model.statics {
        let rel = format!("soak-{k}.txt");
        if read(&rel).ok().as_ref() != Some(text) {
            failures.push(format!("{rel}: not the static file's current bytes"));
        }
    }
    let expected = model.outputs();
    let found = files_under(public);
    for rel in found.difference(&expected).take(10) {
        failures.push(format!("unexpected output {rel}"));
    }
    for rel in expected.difference(&found).take(10) {
        failures.push(format!("missing output {rel}"));
    }
    failures
}

/// A figure sampled over the run.
#[derive(Default)]
struct Series {
    samples: Vec<(u64, u64)>,
}

impl Series {
    fn line(&self, name: &str, unit: &str) -> String {
        let first = self.samples.first().map_or(0, |s| s.1);
        let last = self.samples.last().map_or(0, |s| s.1);
        let (max_round, max) = self.samples.iter().copied().max_by_key(|s| s.1).unwrap_or((0, 0));
        // Halfway, to tell a warm-up that levels off from growth that goes on.
        let (half_round, half) =
            self.samples.get(self.samples.len() / 2).copied().unwrap_or((0, 0));
        let ratio = if first == 0 { 0.0 } else { last as f64 / first as f64 };
        let ratio_half = if half == 0 { 0.0 } else { last as f64 / half as f64 };
        format!(
            "soak_{name} first{unit}={first} half{unit}={half} (round {half_round}) last{unit}={last} \
             max{unit}={max} (round {max_round}) last_vs_first={ratio:.3} last_vs_half={ratio_half:.3} \
             samples={}",
            self.samples.len()
        )
    }
}

fn rss_kib() -> u64 {
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn entries(dir: &str) -> u64 {
    fs::read_dir(dir).map_or(0, |entries| entries.count() as u64)
}

/// Bytes of every file under `dir` (the CAS's blobs, `cas.db` and the rest of `.cache/`).
fn bytes_under(dir: &Path) -> u64 {
    files_under(dir)
        .iter()
        .filter_map(|rel| fs::metadata(dir.join(rel)).ok())
        .map(|m| m.len())
        .sum()
}

fn main() -> ExitCode {
    let options = match options() {
        Ok(options) => options,
        Err(e) => {
            eprintln!("soak: {e}");
            eprintln!(
                "usage: soak [--rounds N] [--pages N] [--seed N] [--sample-every N] [--jobs N] [--dir DIR]"
            );
            return ExitCode::from(2);
        }
    };
    let dir = options.dir.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("dodeca-soak-{}", std::process::id()))
    });
    common::write_site(options.pages, &dir).expect("write the site");
    let cells = cells_dir();
    let site =
        host::Site::open_with(&dir, host::Cells::in_dirs(vec![cells])).expect("open the site");
    let public = dir.join("public");
    let cache = dir.join(".cache");

    let started = Instant::now();
    let first = site.build(options.jobs).expect("first build");
    let mut model = Model {
        pages: (0..options.pages)
            .map(|i| (i, Page { title: common::page_title(i), marker: None }))
            .collect(),
        next_page: options.pages,
        template: None,
        statics: BTreeMap::new(),
        others: BTreeSet::new(),
    };
    let expected = model.outputs();
    model.others = files_under(&public).difference(&expected).cloned().collect();
    println!(
        "soak_start pages={} rounds={} seed={} jobs={} first_build_ms={:.0} site_errors={} other_outputs={:?}",
        options.pages,
        options.rounds,
        options.seed,
        options.jobs,
        first.elapsed.as_secs_f64() * 1e3,
        first.errors.len(),
        model.others
    );

    let [mut rss, mut cas, mut blobs, mut fds, mut threads] =
        std::array::from_fn(|_| Series::default());
    let mut sample = |round: u64| {
        let blob_files = files_under(&cache.join("blobs")).len() as u64;
        let figures = [
            rss_kib(),
            bytes_under(&cache),
            blob_files,
            entries("/proc/self/fd"),
            entries("/proc/self/task"),
        ];
        // Every sample on stderr as it is taken: the whole curve, not only its ends.
        eprintln!(
            "soak_sample round={round} host_rss_kib={} cache_bytes={} cache_blobs={} open_fds={} \
             threads={}",
            figures[0], figures[1], figures[2], figures[3], figures[4]
        );
        for (series, figure) in
            [&mut rss, &mut cas, &mut blobs, &mut fds, &mut threads].into_iter().zip(figures)
        {
            series.samples.push((round, figure));
        }
    };
    let mut failures = check(&public, &model);
    sample(0);
    let mut rng = Rng::new(options.seed);
    let mut build_ms = Vec::new();
    let mut edits: BTreeMap<String, u64> = BTreeMap::new();
    for round in 1..=options.rounds {
        let what = edit(&mut rng, round, &dir, &mut model).expect("edit the site");
        let kind: Vec<&str> = what.split(' ').take(2).collect();
        *edits.entry(kind.join(" ")).or_default() += 1;
        let report = site.build(options.jobs).expect("build");
        build_ms.push(report.elapsed.as_secs_f64() * 1e3);
        if !report.errors.is_empty() {
            failures.push(format!("round {round} ({what}): site errors {:?}", report.errors));
        }
        let found = check(&public, &model);
        // The first failures, as they happen: enough to reproduce with the same seed.
        for failure in found.iter().take(20usize.saturating_sub(failures.len())) {
            eprintln!("soak: round {round} ({what}): {failure}");
        }
        failures.extend(found);
        if round % options.sample_every == 0 || round == options.rounds {
            sample(round);
        }
    }

    build_ms.sort_by(f64::total_cmp);
    let at = |q: f64| build_ms.get(((build_ms.len() as f64 - 1.0) * q) as usize).copied();
    println!(
        "soak_builds rounds={} pages_at_end={} edits={edits:?} build_ms median={:.1} p99={:.1} max={:.1} wall_s={:.0}",
        options.rounds,
        model.pages.len(),
        at(0.5).unwrap_or(0.0),
        at(0.99).unwrap_or(0.0),
        at(1.0).unwrap_or(0.0),
        started.elapsed().as_secs_f64()
    );
    println!("{}", rss.line("host_rss", "_kib"));
    println!("{}", cas.line("cache_bytes", ""));
    println!(
        "{} (static files live at the end: {})",
        blobs.line("cache_blobs", ""),
        model.statics.len()
    );
    println!("{}", fds.line("open_fds", ""));
    println!("{}", threads.line("threads", ""));
    println!(
        "soak_checks rounds={} failed={} result={}",
        options.rounds,
        failures.len(),
        if failures.is_empty() { "ok" } else { "FAILED" }
    );
    drop(site);
    if options.dir.is_none() {
        let _ = fs::remove_dir_all(&dir);
    }
    if failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

/// The directory of the cells, beside this example's target directory; built if missing
/// (as `host-bench` does).
fn cells_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("exe");
    let dir = exe.parent().and_then(Path::parent).expect("target dir").to_path_buf();
    let binaries = ["cell-template", "cell-markdown"];
    if binaries.iter().any(|binary| !dir.join(binary).is_file()) {
        let status = std::process::Command::new("cargo")
            .args(["build", "--release", "-q", "-p", "cell-template", "-p", "cell-markdown"])
            .status()
            .expect("cargo");
        assert!(status.success(), "building the cells failed");
    }
    dir
}
