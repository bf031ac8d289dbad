//! Watching a site's sources: what changed, in batches, for `dodeca-host serve`.
//!
//! A [`SourceWatcher`] watches `content/`, `templates/`, `static/`, `data/`, `sass/` and
//! `themes/` recursively with inotify (through libc), and the site's directory alone for the
//! config file and for those directories appearing later. [`SourceWatcher::next_batch`] waits for changes and
//! returns a [`ChangeBatch`]: each path that changed, once, with its net [`ChangeKind`] —
//! `changed` (it exists now: created, written, renamed onto) or `removed` (it existed and is
//! gone) — enough for the caller to read exactly those files again
//! ([`Site::content_changed`](crate::Site::content_changed) for a page) or, when the batch
//! says [`rescan_all`](ChangeBatch::rescan_all) (events were lost), to rescan everything.
//!
//! # One save, one batch
//!
//! Editors save in many ways, and each is a burst of events: written in place; written to a
//! temporary file renamed over the original (most editors); deleted then created; vim's
//! backup dance (rename `page.md` to `page.md~`, write a new `page.md`, delete the backup,
//! with a `4913` probe file before it); `git checkout` rewriting hundreds of files. The events
//! of a burst are gathered until none has come for a few milliseconds ([`DEFAULT_QUIET`], 8
//! ms; five times that while the batch holds a removal, which is most often the middle of a
//! save), and never longer than [`DEFAULT_MAX_DELAY`] (100 ms) from the first, so a writer
//! that never pauses still gets batches. There is no fixed wait: a lone save is reported
//! about 8 ms after its last event. Measured on this project's 2-core VM, shared with other
//! builds (`TMPDIR=/dev/shm cargo run --release -p host --example watch-latency`, 50 saves
//! each, 2026-12-02), from the start of a save to its batch: write in place, rename over and
//! vim's backup dance median 8.2–8.3 ms, p99 11.7–15.4 ms; a delete median 40.2 ms (the
//! longer wait), p99 44.6 ms. The floor in the same run (no quiet period: inotify and the
//! watcher's own work) is 0.06–0.11 ms median. On the disk-backed `/tmp` the same saves took
//! 8.4–11.3 ms median, p99 up to 40 ms, the writes themselves being slower.
//!
//! Within a batch each path keeps only its net change (`batch.rs`): the temporary file
//! created and renamed away, the probe created and deleted, leave nothing; the rename of a
//! temporary file onto `page.md` is a change of `page.md`. Editors' files that stay while
//! they work — swap files (`.page.md.swp`, `.swx`), backups (`page.md~`), Emacs' locks
//! (`.#page.md`) — are never reported (`names.rs`).
//!
//! # Directories
//!
//! A directory created or moved into the site is watched at once and then listed (in that
//! order, so nothing written into it in between is missed): it is reported, and so is
//! everything found under it. A directory deleted or moved out is reported `removed` (what
//! was under it is gone with it and not listed) and its watches are dropped. Symbolic links
//! are judged as the scan judges them: followed only to directories inside the site, and
//! never twice (`tree.rs`).
//!
//! # Limits and untrusted input
//!
//! Each directory costs one watch, against the per-user `fs.inotify.max_user_watches`; when it
//! is reached ([`WatchError::WatchLimit`]) the message gives the `sysctl` that fixes it and how
//! many directories the site has. A queue overflow (`IN_Q_OVERFLOW`) makes a batch that says
//! [`rescan_all`](ChangeBatch::rescan_all), after every watch has been renewed. A name that
//! is not UTF-8 is a [`WatchError::NotUtf8`] in [`ChangeBatch::problems`], never a panic. The
//! events are decoded with every length checked against the bytes read (`crate::inotify`).
//!
//! A symbolic link to a file is reported when its target changes (`links.rs`), also when the
//! target lies outside the watched directories (`content/a.md -> ../shared/a.md`: `shared/` is
//! then watched for it alone).
//!
//! # Example
//!
//! ```no_run
//! use std::time::Duration;
//! use host::watch::{ChangeKind, SourceWatcher};
//!
//! let mut watcher = SourceWatcher::new("examples/site", "dodeca.toml")?;
//! // One batch per save, until nothing changes for a minute.
//! while let Some(batch) = watcher.next_batch(Duration::from_secs(60))? {
//!     for change in &batch.changes {
//!         match change.kind {
//!             ChangeKind::Changed => println!("read {} again", change.path),
//!             ChangeKind::Removed => println!("forget {}", change.path),
//!         }
//!     }
//! }
//! # Ok::<(), host::watch::WatchError>(())
//! ```
//!
//! # Files
//!
//! - `watcher.rs`: [`SourceWatcher`] and its [`WatcherBuilder`]; the coalescing loop.
//! - `apply.rs`: one event folded into the watch table and the batch.
//! - `tree.rs`: the watch table; adding a directory tree (watch, then list), forgetting one.
//! - `links.rs`: links to files, so that an edit of a target is a change of its links.
//! - `batch.rs`: [`ChangeBatch`], [`Change`], and each path's net change over a batch.
//! - `names.rs`: editors' files, never reported.
//! - `error.rs`: [`WatchError`].

mod apply;
mod batch;
mod error;
mod links;
mod names;
mod tree;
mod watcher;

pub use batch::{Change, ChangeBatch, ChangeKind};
pub use error::WatchError;
pub use watcher::{DEFAULT_MAX_DELAY, DEFAULT_QUIET, SourceWatcher, WatcherBuilder};
