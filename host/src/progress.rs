//! The progress display: a reporter thread prints the current phase and count on stderr ten
//! times a second while a build runs (for terminals; the CLI turns it off with `-q`).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// Progress of the current phase, shown by a reporter thread while a build runs.
#[derive(Default)]
pub(crate) struct Progress {
    phase: parking_lot::Mutex<&'static str>,
    pub(crate) done: AtomicUsize,
    total: AtomicUsize,
}

impl Progress {
    pub(crate) fn start(&self, phase: &'static str, total: usize) {
        *self.phase.lock() = phase;
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }
}

/// Prints the phase and count on one stderr line, ten times a second, until `finished`.
pub(crate) fn report_progress(progress: &Progress, finished: &AtomicBool) {
    use std::io::Write;
    let mut shown = false;
    while !finished.load(Ordering::Acquire) {
        std::thread::sleep(Duration::from_millis(100));
        let (phase, done, total) = (
            *progress.phase.lock(),
            progress.done.load(Ordering::Relaxed),
            progress.total.load(Ordering::Relaxed),
        );
        if !phase.is_empty() && total > 0 {
            let _ = write!(std::io::stderr(), "\r\x1b[K{phase} {done}/{total}");
            shown = true;
        }
    }
    if shown {
        let _ = write!(std::io::stderr(), "\r\x1b[K");
    }
}
