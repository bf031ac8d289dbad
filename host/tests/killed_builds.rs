//! A build killed at any moment (SIGKILL: no destructor, no flush) leaves nothing the next
//! build trusts wrongly: the next build writes exactly what a cold build of the same sources
//! writes. The moments are spread over a build's phases — loading the saved database,
//! rendering and writing the pages, saving `cas.db` and the database — as measured on a
//! probe build of the same kind, first.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::{stderr, stdout};

/// Pages added to the fixture, so that each phase lasts long enough to be hit.
const EXTRA_PAGES: usize = 40;

/// Kill moments: in the load, in the pages (render and write), in the saves.
const KILLS: [usize; 3] = [6, 8, 6];

/// The two versions of the site the builds alternate between. The second changes the base
/// template (every page is rendered and written again) and one page's body.
fn set_variant(root: &Path, second: bool) {
    let base = common::fixture("valid").join("templates/base.html");
    let mut text = std::fs::read_to_string(base).unwrap();
    let mut body = "Second body.".to_string();
    if second {
        text = text.replace("<footer>", "<footer>Changed. ");
        body = "Second body, changed.".into();
    }
    std::fs::write(root.join("templates/base.html"), text).unwrap();
    let page = common::fixture("valid").join("content/blog/second.md");
    let page = std::fs::read_to_string(page).unwrap().replace("Second body.", &body);
    std::fs::write(root.join("content/blog/second.md"), page).unwrap();
}

/// The fixture and its extra pages, in `root`, as `variant`.
fn site(root: &Path, second: bool) {
    common::copy_fixture(&["valid"], root);
    for i in 0..EXTRA_PAGES {
        let text = format!(
            "+++\ntitle = \"Extra {i}\"\nweight = {}\n+++\n## Part {i}\n\nBody of page {i}, \
             with *emphasis* and a list:\n\n- one\n- two\n",
            10 + i
        );
        common::write(root, &format!("content/docs/extra-{i}.md"), &text);
    }
    set_variant(root, second);
}

/// Runs the binary's build on `root` to the end; returns its stderr.
fn build(root: &Path) -> String {
    let out = common::host().args(["build", "-j", "2"]).arg(root).output().unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    stderr(&out)
}

/// The outputs of a cold build of the site as `variant`, built in a directory of its own.
fn cold_outputs(sandbox: &Path, second: bool) -> BTreeMap<PathBuf, String> {
    let root = sandbox.join(if second { "cold-second" } else { "cold-first" });
    site(&root, second);
    build(&root);
    common::snapshot(&root.join("public"))
}

/// The ends of a build's phases, from its start, measured on a probe build: (database and
/// site loaded, pages rendered and written, process ended).
fn probe(root: &Path) -> [Duration; 3] {
    let started = Instant::now();
    let out = common::host()
        .args(["build", "-j", "2"])
        .arg(root)
        .env("DODECA_PHASES", "1")
        .output()
        .unwrap();
    let total = started.elapsed();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut load = Duration::ZERO;
    let mut steps = Duration::ZERO;
    let mut pages_end = Duration::ZERO;
    for line in stderr(&out).lines() {
        let Some((name, ms)) = line.strip_prefix("phase ").and_then(|l| l.split_once(": ")) else {
            continue;
        };
        let ms: f64 = ms.trim_end_matches(" ms").parse().unwrap_or(0.0);
        let took = Duration::from_secs_f64(ms / 1e3);
        match name {
            // `load` is the time since the build started; the others are durations.
            "load" => load = took,
            "database load" | "save database" => {}
            step => {
                steps += took;
                if step == "pages" {
                    pages_end = steps;
                }
            }
        }
    }
    // What the phases do not cover (starting the process, stopping the cells) is put at the
    // start: a kill early in the process is then early in the build too.
    let measured = load + steps;
    let startup = total.saturating_sub(measured).min(total / 4);
    [startup + load, startup + load + pages_end, total]
}

/// `count` moments spread evenly inside `from..to`.
fn spread(from: Duration, to: Duration, count: usize) -> impl Iterator<Item = Duration> {
    let span = to.saturating_sub(from);
    (0..count).map(move |k| from + span.mul_f64((k as f64 + 0.5) / count as f64))
}

#[test]
fn a_build_killed_at_twenty_moments_is_followed_by_one_that_writes_what_a_cold_build_does() {
    let sandbox = common::temp("killed-builds");
    let expected = [cold_outputs(&sandbox, false), cold_outputs(&sandbox, true)];
    assert_ne!(expected[0], expected[1]);
    let root = sandbox.join("site");
    site(&root, false);
    build(&root);
    set_variant(&root, true);
    let [loaded, written, ended] = probe(&root);
    let moments: Vec<Duration> = spread(Duration::ZERO, loaded, KILLS[0])
        .chain(spread(loaded, written, KILLS[1]))
        .chain(spread(written, ended, KILLS[2]))
        .collect();
    let mut second = true;
    let mut left = BTreeMap::<&str, usize>::new();
    for (i, moment) in moments.iter().enumerate() {
        second = !second;
        set_variant(&root, second);
        let mut child = common::host()
            .args(["build", "-q", "-j", "2"])
            .arg(&root)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(*moment);
        let _ = child.kill(); // SIGKILL; it may have finished already.
        let status = child.wait().unwrap();
        // What the kill left, for the summary below.
        let cache = root.join(".cache");
        let what = if status.success() {
            "finished first"
        } else if cache.join("build.incomplete").exists() {
            "outputs half written"
        } else if std::fs::read_dir(&cache)
            .unwrap()
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with(".dodeca.bin.tmp"))
        {
            "database half saved"
        } else if !cache.join("dodeca.scan").exists() {
            "between removing and saving the scan"
        } else {
            "before anything changed"
        };
        *left.entry(what).or_default() += 1;
        let warnings = build(&root);
        assert!(!warnings.contains("panicked"), "{warnings}");
        let outputs = common::snapshot(&root.join("public"));
        let differ = common::changed(&expected[second as usize], &outputs);
        assert!(
            differ.is_empty(),
            "kill {i} after {moment:?} ({what}): outputs that differ from a cold build's: \
             {differ:?}"
        );
    }
    eprintln!("kills at {moments:?} (phases end at {loaded:?}, {written:?}, {ended:?}): {left:?}");
    common::remove_unless_failing(&sandbox);
}
