//! The build's bookkeeping: each step timed, and the database's counters read before and
//! after, for the report.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use picante::HasRuntime;

use super::BuildReport;
use crate::db::Database;

/// Times a build's steps; with `DODECA_PHASES` set, prints each step's time on stderr.
pub(super) struct Steps {
    started: Instant,
    print: bool,
}

impl Steps {
    pub(super) fn start() -> Steps {
        Steps { started: Instant::now(), print: std::env::var_os("DODECA_PHASES").is_some() }
    }

    /// Runs the step `name`.
    pub(super) fn run<T>(&mut self, name: &str, step: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let result = step();
        if self.print {
            print_phase(name, started.elapsed());
        }
        result
    }

    /// Since the build started.
    pub(super) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }
}

/// Prints the phase line of `DODECA_PHASES`: how long the phase took, and the host's resident
/// memory after it (memory the build touches is time too: each new page is a fault and a
/// zeroing).
pub(super) fn print_phase(name: &str, took: Duration) {
    eprintln!("phase {name}: {:.2} ms{}", took.as_secs_f64() * 1e3, memory_note());
}

/// The process's memory as `/proc/self` gives it: resident anonymous memory, the shared
/// memory it has touched (the cells' segments), and the minor page faults so far (each
/// first touch of a page, a few microseconds of the kernel's time). Empty where there is no
/// `/proc`.
fn memory_note() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb = |field: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(field)?.trim().strip_suffix(" kB"))
            .and_then(|n| n.trim().parse::<u64>().ok())
    };
    // `/proc/self/stat`: the tenth field (after the parenthesised name) is `minflt`.
    let faults = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| stat.rsplit_once(')')?.1.split_whitespace().nth(7)?.parse::<u64>().ok());
    match (kb("RssAnon:"), kb("RssShmem:"), faults) {
        (Some(anon), Some(shmem), Some(faults)) => format!(
            ", resident {} MB (shared {} MB), {faults} page faults",
            (anon + shmem) >> 10,
            shmem >> 10
        ),
        _ => String::new(),
    }
}

/// The database's counters when a build starts; the report gets the differences.
pub(super) struct Counters {
    stats: picante::RuntimeStats,
    renders: u64,
    search_indexes: u64,
    traffic: (u64, u64, u64),
}

impl Counters {
    pub(super) fn read(db: &Database) -> Counters {
        // Renders outside a build (none today) are not this build's.
        db.rendered.lock().clear();
        db.compiled.lock().clear();
        db.minified.lock().clear();
        Counters {
            stats: db.runtime().stats(),
            renders: db.renders.load(Ordering::Relaxed),
            search_indexes: db.search_indexes.load(Ordering::Relaxed),
            traffic: db.traffic.snapshot(),
        }
    }

    /// Fills in `report` what the database counted since [`read`](Self::read).
    pub(super) fn fill(&self, db: &Database, report: &mut BuildReport) {
        let (stats, before) = (db.runtime().stats(), &self.stats);
        report.executed = stats.executed - before.executed;
        report.reused = (stats.revalidated + stats.durability_skips)
            - (before.revalidated + before.durability_skips);
        report.renders = db.renders.load(Ordering::Relaxed) - self.renders;
        report.search_indexes = db.search_indexes.load(Ordering::Relaxed) - self.search_indexes;
        report.rendered = std::mem::take(&mut *db.rendered.lock());
        report.rendered.sort_unstable();
        report.compiled = std::mem::take(&mut *db.compiled.lock());
        report.compiled.sort_unstable();
        report.minified = std::mem::take(&mut *db.minified.lock());
        report.minified.sort_unstable();
        report.written_files.sort_unstable();
        let traffic = db.traffic.snapshot();
        report.callbacks = traffic.0 - self.traffic.0;
        report.cached_reads = traffic.1 - self.traffic.1;
        report.bytes_to_template = traffic.2 - self.traffic.2;
    }
}
