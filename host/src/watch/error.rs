//! [`WatchError`]: why the watcher cannot start, or cannot watch or name one path.

use std::fmt;
use std::path::PathBuf;

/// A failure of the watcher, or a path it cannot watch or name.
///
/// [`SourceWatcher::new`](super::SourceWatcher::new) returns the failures that stop it from
/// starting; once running, a problem with one path (a directory it cannot watch, a name that is
/// not UTF-8) travels in [`ChangeBatch::problems`](super::ChangeBatch::problems) and the rest of
/// the site is still watched. Every message names the path (relative to the site) and, where
/// one exists, the fix.
#[derive(Debug)]
#[non_exhaustive]
pub enum WatchError {
    /// The system gave no inotify instance (`EMFILE`/`ENFILE`): too many instances for this
    /// user (`fs.inotify.max_user_instances`) or too many open files.
    InstanceLimit {
        /// `fs.inotify.max_user_instances`, if it could be read.
        limit: Option<u64>,
        /// The system's error.
        source: std::io::Error,
    },
    /// The per-user limit of inotify watches (`fs.inotify.max_user_watches`) is reached
    /// (`ENOSPC` from `inotify_add_watch`): `path` and the directories after it are not watched.
    WatchLimit {
        /// The directory that could not be watched, relative to the site.
        path: PathBuf,
        /// How many directories the site has to watch (one watch each).
        directories: usize,
        /// `fs.inotify.max_user_watches`, if it could be read.
        limit: Option<u64>,
    },
    /// A file name that is not valid UTF-8: not reported as a change (the build cannot read
    /// it either), and a directory of that name is not watched.
    NotUtf8 {
        /// The path relative to the site, with its bytes as they are.
        path: PathBuf,
    },
    /// A symbolic link whose target is outside the site: not followed, as the scan does not
    /// follow it either (unless `follow_outside_symlinks` is set).
    LinkOutside {
        /// The link, relative to the site.
        path: PathBuf,
        /// Where it resolves to.
        target: PathBuf,
    },
    /// The site's directory itself was deleted or moved: nothing under it can be watched.
    SiteGone {
        /// The site's directory as given.
        root: PathBuf,
    },
    /// Another system error while `action` on `path`.
    Io {
        /// What the watcher was doing ("watch", "list", "read the events of").
        action: &'static str,
        /// The path, relative to the site ("." for the site itself).
        path: PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
}

impl WatchError {
    /// The path the error is about, relative to the site, if it is about one.
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            WatchError::WatchLimit { path, .. }
            | WatchError::NotUtf8 { path }
            | WatchError::LinkOutside { path, .. }
            | WatchError::Io { path, .. } => Some(path),
            WatchError::SiteGone { root } => Some(root),
            WatchError::InstanceLimit { .. } => None,
        }
    }
}

/// A `/proc/sys/fs/inotify/` setting, if readable.
pub(super) fn inotify_setting(name: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/sys/fs/inotify/{name}")).ok()?.trim().parse().ok()
}

/// A path's bytes, printable: anything not printable ASCII or UTF-8 escaped (`\xff`).
fn shown(path: &std::path::Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let bytes = path.as_os_str().as_bytes();
    match std::str::from_utf8(bytes) {
        Ok(text) => text.chars().flat_map(char::escape_debug).collect(),
        Err(_) => bytes.escape_ascii().to_string(),
    }
}

/// What a limit is now, for a message: "now 8192", or nothing when unreadable.
fn now(limit: Option<u64>) -> String {
    limit.map_or_else(String::new, |limit| format!(", now {limit}"))
}

impl fmt::Display for WatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WatchError::InstanceLimit { limit, source } => {
                // Enough instances for this user and the other programs that watch files.
                let wanted = limit.map_or(1024, |limit| (limit * 2).max(1024));
                write!(
                    f,
                    "cannot watch the site: no inotify instance ({source}); the per-user limit \
                     of instances (fs.inotify.max_user_instances{}) is reached, or this process \
                     has too many open files. Close other programs that watch files, or raise \
                     the limit: `sudo sysctl fs.inotify.max_user_instances={wanted}` (to keep \
                     it, add `fs.inotify.max_user_instances={wanted}` to a file in \
                     /etc/sysctl.d/)",
                    now(*limit)
                )
            }
            WatchError::WatchLimit { path, directories, limit } => {
                // Room for this site twice over, and for the watches of editors and other
                // servers; never below the value most distributions now ship.
                let wanted = limit.map_or(524_288, |limit| {
                    (limit + 2 * *directories as u64).next_power_of_two().max(524_288)
                });
                write!(
                    f,
                    "cannot watch `{}`: the per-user limit of inotify watches \
                     (fs.inotify.max_user_watches{}) is reached. This site has {directories} \
                     directories to watch (one watch each), and other programs hold watches \
                     too; changes under `{}` and the directories not yet watched will not be \
                     seen. Raise the limit: `sudo sysctl fs.inotify.max_user_watches={wanted}` \
                     (to keep it, add `fs.inotify.max_user_watches={wanted}` to a file in \
                     /etc/sysctl.d/), then start again",
                    shown(path),
                    now(*limit),
                    shown(path)
                )
            }
            WatchError::NotUtf8 { path } => write!(
                f,
                "`{}`: the file name is not valid UTF-8, so it cannot be part of the site \
                 (rename it); changes to it are not reported",
                shown(path)
            ),
            WatchError::LinkOutside { path, target } => write!(
                f,
                "`{}` is a symbolic link to `{}`, outside the site: not watched (the build does \
                 not follow it unless `follow_outside_symlinks = true` is set)",
                shown(path),
                target.display()
            ),
            WatchError::SiteGone { root } => write!(
                f,
                "the site's directory `{}` was deleted or moved: nothing more can be watched",
                root.display()
            ),
            WatchError::Io { action, path, source } => {
                write!(f, "cannot {action} `{}`: {source}", shown(path))
            }
        }
    }
}

impl std::error::Error for WatchError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WatchError::InstanceLimit { source, .. } | WatchError::Io { source, .. } => {
                Some(source)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStrExt;

    #[test]
    fn limits_are_explained_with_the_fix() {
        let error = WatchError::WatchLimit {
            path: "content/blog".into(),
            directories: 9000,
            limit: Some(8192),
        };
        let message = error.to_string();
        for part in [
            "cannot watch `content/blog`",
            "fs.inotify.max_user_watches, now 8192",
            "9000 directories",
            "sudo sysctl fs.inotify.max_user_watches=524288",
            "/etc/sysctl.d/",
        ] {
            assert!(message.contains(part), "{message:?} should contain {part:?}");
        }
        let error = WatchError::InstanceLimit {
            limit: Some(128),
            source: std::io::Error::from_raw_os_error(libc::EMFILE),
        };
        let message = error.to_string();
        assert!(message.contains("max_user_instances, now 128"), "{message}");
        assert!(message.contains("sudo sysctl fs.inotify.max_user_instances=1024"), "{message}");
    }

    #[test]
    fn a_name_that_is_not_utf8_is_shown_escaped() {
        let path = PathBuf::from(std::ffi::OsStr::from_bytes(b"content/caf\xe9.md"));
        let message = WatchError::NotUtf8 { path }.to_string();
        assert!(message.starts_with("`content/caf\\xe9.md`: the file name is not valid UTF-8"));
        let path = PathBuf::from("content/a\nb.md");
        assert!(WatchError::NotUtf8 { path }.to_string().starts_with("`content/a\\nb.md`"));
    }
}
