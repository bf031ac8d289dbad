//! The source watcher's latency: from the start of a save to the batch that reports it, for
//! each save pattern, with the default timings (8 ms of quiet, five times that while a batch
//! holds a removal), beside a floor measured in the same run: the same watcher with no quiet
//! period at all (the batch ends as soon as no event is queued), which is the time inotify and
//! the watcher's own work take. One line per pattern and setting; median and p99 over ROUNDS.
//!
//! `cargo run --release -p host --example watch-latency -- [ROUNDS]` (default 50)

use std::path::Path;
use std::time::{Duration, Instant};

use host::watch::{ChangeBatch, SourceWatcher};

/// One save of `content/page.md`, as an editor does it.
type Save = fn(&Path, usize);

fn write_in_place(content: &Path, round: usize) {
    std::fs::write(content.join("page.md"), format!("round {round}")).unwrap();
}

fn rename_over(content: &Path, round: usize) {
    std::fs::write(content.join(".page.md.tmp"), format!("round {round}")).unwrap();
    std::fs::rename(content.join(".page.md.tmp"), content.join("page.md")).unwrap();
}

fn vim(content: &Path, round: usize) {
    std::fs::write(content.join("4913"), "").unwrap();
    std::fs::remove_file(content.join("4913")).unwrap();
    std::fs::rename(content.join("page.md"), content.join("page.md~")).unwrap();
    std::fs::write(content.join("page.md"), format!("round {round}")).unwrap();
    std::fs::remove_file(content.join("page.md~")).unwrap();
}

fn delete(content: &Path, _: usize) {
    std::fs::remove_file(content.join("page.md")).unwrap();
}

fn main() {
    let rounds: usize = std::env::args().nth(1).and_then(|v| v.parse().ok()).unwrap_or(50);
    let root = std::env::temp_dir().join(format!("dodeca-watch-latency-{}", std::process::id()));
    let content = root.join("content");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(content.join("page.md"), "start").unwrap();
    let patterns: [(&str, Save); 4] = [
        ("write_in_place", write_in_place),
        ("rename_over", rename_over),
        ("vim_backup", vim),
        ("delete", delete),
    ];
    for (setting, quiet) in [("default", host::watch::DEFAULT_QUIET), ("floor", Duration::ZERO)] {
        let mut watcher = SourceWatcher::builder(&root).quiet(quiet).build().unwrap();
        for (name, save) in patterns {
            let mut times = Vec::with_capacity(rounds);
            let mut batches = 0;
            for round in 0..rounds {
                let started = Instant::now();
                save(&content, round);
                // A save whose events split into two batches (only possible in the floor,
                // which waits for nothing) is timed to its last batch.
                let kind = if name == "delete" { "removed" } else { "changed" };
                let expected = format!("{kind} content/page.md");
                loop {
                    let batch = next(&mut watcher);
                    batches += 1;
                    if batch.changes.iter().any(|change| change.to_string() == expected) {
                        break;
                    }
                }
                times.push(started.elapsed().as_secs_f64() * 1e3);
                if name == "delete" {
                    std::fs::write(content.join("page.md"), "back").unwrap();
                    next(&mut watcher);
                }
                // Apart, so that each save is a burst of its own.
                std::thread::sleep(Duration::from_millis(20));
            }
            times.sort_by(f64::total_cmp);
            let p99 = times[(times.len() * 99).div_ceil(100).saturating_sub(1)];
            println!(
                "watch_latency setting={setting} pattern={name} rounds={rounds} batches={batches} \
                 median_ms={:.2} p99_ms={:.2} quiet_ms={}",
                times[times.len() / 2],
                p99,
                quiet.as_millis()
            );
        }
    }
    std::fs::remove_dir_all(root).unwrap();
}

fn next(watcher: &mut SourceWatcher) -> ChangeBatch {
    watcher.next_batch(Duration::from_secs(10)).unwrap().expect("a batch within 10 s")
}
