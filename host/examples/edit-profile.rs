//! Profiling aid: one cold build, then many one-page edits, or with `noop` as the third
//! argument many no-op rebuilds (`valgrind --tool=callgrind`, `perf record`). Prints the
//! median and quartiles of the rounds' wall times, for A/B comparisons between two builds of
//! the host run alternately (one run's figures swing by a fifth on a shared machine).
//!
//! `cargo run --release -p host --example edit-profile -- PAGES ROUNDS [edit|noop]`

mod common;

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|v| v.parse().ok()).unwrap_or(1000);
    let dir = std::env::temp_dir().join(format!("dodeca-profile-{}", std::process::id()));
    common::write_site(n, &dir).expect("site");
    let exe = std::env::current_exe().expect("exe");
    let cells = exe.parent().and_then(std::path::Path::parent).expect("target").to_path_buf();
    let site = host::Site::open_with(&dir, host::Cells::in_dirs(vec![cells])).expect("open");
    site.build(2).expect("cold");
    let rounds: usize = std::env::args().nth(2).and_then(|v| v.parse().ok()).unwrap_or(30);
    let noop = std::env::args().nth(3).is_some_and(|mode| mode == "noop");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let mut times = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let started = std::time::Instant::now();
        if noop {
            let report = site.build(2).expect("no-op");
            assert_eq!((report.renders, report.written), (0, 0));
            times.push(started.elapsed().as_secs_f64() * 1e3);
            continue;
        }
        let rel = format!("section-{}/page-{}.md", round % common::SECTIONS, round);
        let path = dir.join("content").join(&rel);
        let mut text = std::fs::read_to_string(&path).expect("read");
        text.push_str("\nedit\n");
        std::fs::write(&path, text).expect("write");
        let started = std::time::Instant::now();
        site.content_changed(&rel).expect("changed");
        let report = site.build_loaded(2).expect("edit");
        times.push(started.elapsed().as_secs_f64() * 1e3);
        assert_eq!(report.renders, 1);
    }
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times.get(((times.len().max(1) - 1) as f64 * q) as usize).copied();
    if let (Some(p25), Some(median), Some(p75)) = (at(0.25), at(0.5), at(0.75)) {
        let mode = if noop { "noop" } else { "edit" };
        println!(
            "{mode} n={n} rounds={rounds} p25_ms={p25:.2} median_ms={median:.2} p75_ms={p75:.2}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
