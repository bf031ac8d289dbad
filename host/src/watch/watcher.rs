//! [`SourceWatcher`]: the inotify instance, its watches over the site, and the coalescing of
//! events into batches.

use std::os::fd::{AsFd, BorrowedFd};
use std::path::Path;
use std::time::{Duration, Instant};

use super::WatchError;
use super::apply::apply;
use super::batch::{ChangeBatch, Pending};
use super::error::inotify_setting;
use super::tree::Tree;
use crate::inotify::{EventBuffer, Inotify, events};

/// The config file names always watched at the site's root: dodeca's, and Zola's for a Zola
/// site.
const CONFIG_NAMES: [&str; 2] = ["dodeca.toml", "config.toml"];

/// How long a batch waits for the next event before it ends, by default. A save is a burst of
/// events microseconds apart; a few milliseconds of quiet end it without a noticeable delay.
pub const DEFAULT_QUIET: Duration = Duration::from_millis(8);

/// The longest a batch gathers, by default, from its first event: a writer that never pauses
/// (a long `git checkout`, a generator) still gets a batch this often.
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_millis(100);

/// Watches a site's sources with inotify and reports what changed, in batches.
///
/// Recursive over `content/`, `templates/`, `static/` and `data/`; the site's directory itself
/// is watched alone, for the config file (`dodeca.toml`, `config.toml`, or the name given) and
/// for the top directories appearing later. See the [module documentation](crate::watch) for
/// what a batch holds and how the events of one save become one batch.
///
/// # Examples
///
/// ```no_run
/// use std::time::Duration;
///
/// let mut watcher = host::watch::SourceWatcher::new("examples/site", "dodeca.toml")?;
/// while let Some(batch) = watcher.next_batch(Duration::from_secs(60))? {
///     if batch.rescan_all {
///         println!("events were lost: rescan the whole site");
///     }
///     for change in &batch.changes {
///         println!("{change}"); // "changed content/blog/post.md"
///     }
///     for problem in &batch.problems {
///         eprintln!("warning: {problem}");
///     }
/// }
/// # Ok::<(), host::watch::WatchError>(())
/// ```
pub struct SourceWatcher {
    inotify: Inotify,
    tree: Tree,
    config_names: Vec<String>,
    pending: Pending,
    buffer: EventBuffer,
    quiet: Duration,
    max_delay: Duration,
    startup_problems: Vec<WatchError>,
}

/// Options of a [`SourceWatcher`]: made by [`SourceWatcher::builder`].
#[derive(Clone, Debug)]
pub struct WatcherBuilder {
    root: std::path::PathBuf,
    config_names: Vec<String>,
    follow_outside_symlinks: bool,
    quiet: Duration,
    max_delay: Duration,
}

impl WatcherBuilder {
    /// Also watches the config file `name` at the site's root (`dodeca.toml` and
    /// `config.toml` always are).
    pub fn config_file(mut self, name: &str) -> WatcherBuilder {
        if !self.config_names.iter().any(|known| known == name) {
            self.config_names.push(name.to_string());
        }
        self
    }

    /// Follows symbolic links to directories outside the site too, as the build does with
    /// `follow_outside_symlinks = true` in the config (default: no).
    pub fn follow_outside_symlinks(mut self, follow: bool) -> WatcherBuilder {
        self.follow_outside_symlinks = follow;
        self
    }

    /// How long without an event ends a batch ([`DEFAULT_QUIET`]). While the batch holds a
    /// removal it waits five times longer (up to the maximum delay): a path that vanished is
    /// most often the middle of a save (vim's rename to a backup, delete-then-create), and a
    /// batch cut there would make the caller drop a page it is about to read again.
    pub fn quiet(mut self, quiet: Duration) -> WatcherBuilder {
        self.quiet = quiet;
        self
    }

    /// The longest a batch gathers from its first event ([`DEFAULT_MAX_DELAY`]); it also
    /// bounds the quiet wait.
    pub fn max_delay(mut self, max_delay: Duration) -> WatcherBuilder {
        self.max_delay = max_delay;
        self
    }

    /// Starts watching: every directory under the top directories is watched before this
    /// returns, so any change made after it is reported.
    ///
    /// # Errors
    ///
    /// When no inotify instance can be had ([`WatchError::InstanceLimit`], with the fix), the
    /// site's directory cannot be resolved or watched, or the watch limit is reached
    /// ([`WatchError::WatchLimit`], with the fix and the number of directories): a server
    /// that silently misses changes would be worse than one that says why it cannot start.
    pub fn build(self) -> Result<SourceWatcher, WatchError> {
        let inotify = Inotify::new().map_err(|source| match source.raw_os_error() {
            Some(libc::EMFILE | libc::ENFILE) => {
                WatchError::InstanceLimit { limit: inotify_setting("max_user_instances"), source }
            }
            _ => WatchError::Io { action: "start watching", path: ".".into(), source },
        })?;
        let mut tree = Tree::new(&self.root, self.follow_outside_symlinks)?;
        let mut startup = Pending::default();
        tree.watch_site(&inotify, &mut startup)?;
        let mut startup_problems = std::mem::take(&mut startup.problems);
        if let Some(at) =
            startup_problems.iter().position(|p| matches!(p, WatchError::WatchLimit { .. }))
        {
            return Err(startup_problems.swap_remove(at));
        }
        Ok(SourceWatcher {
            inotify,
            tree,
            config_names: self.config_names,
            pending: Pending::default(),
            // 64 KiB: the events of a large checkout in a few reads.
            buffer: EventBuffer::new(64 * 1024),
            quiet: self.quiet.min(self.max_delay),
            max_delay: self.max_delay,
            startup_problems,
        })
    }
}

impl SourceWatcher {
    /// Watches the site at `root`, with the config file `config_file_name` (besides
    /// `dodeca.toml` and `config.toml`) and the default timings.
    ///
    /// # Errors
    ///
    /// As [`WatcherBuilder::build`].
    pub fn new(
        root: impl AsRef<Path>,
        config_file_name: &str,
    ) -> Result<SourceWatcher, WatchError> {
        SourceWatcher::builder(root).config_file(config_file_name).build()
    }

    /// A builder for a watcher of the site at `root`, with the defaults.
    pub fn builder(root: impl AsRef<Path>) -> WatcherBuilder {
        WatcherBuilder {
            root: root.as_ref().to_path_buf(),
            config_names: CONFIG_NAMES.iter().map(|name| name.to_string()).collect(),
            follow_outside_symlinks: false,
            quiet: DEFAULT_QUIET,
            max_delay: DEFAULT_MAX_DELAY,
        }
    }

    /// Paths that could not be watched when the watcher started (links out of the site,
    /// names that are not UTF-8, unreadable directories); the rest of the site is watched.
    pub fn startup_problems(&self) -> &[WatchError] {
        &self.startup_problems
    }

    /// How many directories are watched (the site's directory included): one inotify watch
    /// each, against `fs.inotify.max_user_watches`.
    pub fn watched_directories(&self) -> usize {
        self.tree.len()
    }

    /// Waits up to `timeout` for changes, then gathers them until the events pause (see
    /// [`WatcherBuilder::quiet`]) or the maximum delay passes: `None` if nothing changed
    /// within `timeout`. Events that cancel out (a temporary file created and deleted) or
    /// concern only editors' files make no batch, and the wait goes on.
    ///
    /// # Errors
    ///
    /// When the inotify queue cannot be read: the watcher cannot go on.
    pub fn next_batch(&mut self, timeout: Duration) -> Result<Option<ChangeBatch>, WatchError> {
        let deadline = Instant::now() + timeout;
        loop {
            // Between batches nothing is pending: `finish` took it all.
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            if !self.wait(deadline - now)? {
                continue;
            }
            let first = Instant::now();
            self.read_events()?;
            let mut last = Instant::now();
            loop {
                let quiet = if self.pending.holds_removal() { self.quiet * 5 } else { self.quiet };
                let end = (last + quiet).min(first + self.max_delay);
                let now = Instant::now();
                if now >= end {
                    break;
                }
                if self.wait(end - now)? && self.read_events()? {
                    last = Instant::now();
                }
            }
            if let Some(batch) = self.pending.finish() {
                return Ok(Some(batch));
            }
        }
    }

    fn wait(&self, timeout: Duration) -> Result<bool, WatchError> {
        self.inotify.wait(timeout).map_err(|source| WatchError::Io {
            action: "wait for the events of",
            path: ".".into(),
            source,
        })
    }

    /// Reads and folds every queued event; returns whether there was any.
    fn read_events(&mut self) -> Result<bool, WatchError> {
        let SourceWatcher { inotify, tree, config_names, pending, buffer, .. } = self;
        let mut any = false;
        let mut renew = false;
        loop {
            let bytes = inotify.read(buffer).map_err(|source| WatchError::Io {
                action: "read the events of",
                path: ".".into(),
                source,
            })?;
            if bytes.is_empty() {
                break;
            }
            any = true;
            for event in events(bytes) {
                match event {
                    Ok(event) => renew |= apply(event, inotify, tree, pending, config_names),
                    Err(_) => {
                        // Not whole events: what they said is lost, as in an overflow.
                        pending.rescan_all = true;
                        renew = true;
                    }
                }
            }
        }
        if renew {
            tree.renew(inotify, pending);
        }
        Ok(any)
    }
}

impl AsFd for SourceWatcher {
    /// The inotify descriptor: readable when events are queued, for a caller that waits on
    /// several descriptors at once (`poll`) before calling [`SourceWatcher::next_batch`].
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inotify.as_fd()
    }
}
