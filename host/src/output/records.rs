//! What the host wrote, as `cas.db` records it: one name per output file.
//!
//! The name is `output:` + the output directory's key (see
//! [`OutputDir`](super::location::OutputDir)) + NUL + the file's path inside it, so that
//! outputs written to two directories (`-o A`, then `public`) are recorded apart. The entry's
//! hash is the content written; its tag is a digest of the file's [`Stamp`] just after the
//! write, so that a later build (in this process or another) tells a file changed or replaced
//! by hand from the one it wrote with one `stat`, without reading it.
//!
//! `cas.db` is read from disk and so untrusted like any input: a recorded path is used only if
//! it is a plain relative path ([`is_plain_relative`]), and is removed only when it is a
//! regular file reached through real directories.

use std::os::unix::fs::MetadataExt;
use std::path::Path;

/// The prefix of every output record in the name map.
pub(crate) const PREFIX: &str = "output:";

/// The tag of a record whose file is not known to be as written (after a build cut short):
/// never equal to a stamp's digest, so the file is written again.
pub(crate) const UNKNOWN: u64 = 0;

/// The record name of `rel` in the output directory keyed `key`.
pub(crate) fn name(key: &str, rel: &str) -> String {
    let mut name = String::with_capacity(PREFIX.len() + key.len() + 1 + rel.len());
    name.push_str(PREFIX);
    name.push_str(key);
    name.push('\0');
    name.push_str(rel);
    name
}

/// The prefix of every record of the output directory keyed `key`.
pub(crate) fn dir_prefix(key: &str) -> String {
    format!("{PREFIX}{key}\0")
}

/// The directory key and relative path of an output record; `None` for other names and for
/// records that are not well formed.
pub(crate) fn parse(name: &str) -> Option<(&str, &str)> {
    let rest = name.strip_prefix(PREFIX)?;
    let (key, rel) = rest.split_once('\0')?;
    is_plain_relative(rel).then_some((key, rel))
}

/// Whether `rel` is a path of plain names below a directory: not empty, not absolute, no
/// empty, `.` or `..` segment, no NUL or backslash. Anything else in `cas.db` was not written
/// by the host.
pub(crate) fn is_plain_relative(rel: &str) -> bool {
    !rel.is_empty()
        && !rel.contains(['\0', '\\'])
        && rel.split('/').all(|segment| !matches!(segment, "" | "." | ".."))
}

/// What identifies one version of a file without reading it: its length, modification time
/// and inode. A rename keeps all three, so the stamp taken on the temporary file before it is
/// renamed into place is the stamp of the output. Another program's write changes the
/// modification time (to the nanosecond on the file systems a site lives on) or, when it
/// replaces the file, the inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    len: u64,
    modified: (i64, i64),
    inode: u64,
}

impl Stamp {
    pub(crate) fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp { len: meta.len(), modified: (meta.mtime(), meta.mtime_nsec()), inode: meta.ino() }
    }

    /// The stamp of the regular file at `path`, not following a symbolic link; `None` when
    /// there is none (missing, a link, a directory).
    pub(crate) fn of_file(path: &Path) -> Option<Stamp> {
        let meta = std::fs::symlink_metadata(path).ok()?;
        meta.file_type().is_file().then(|| Stamp::of(&meta))
    }

    /// The stamp of the regular file at `rel` below the open directory `dir`, not following
    /// a symbolic link at `rel`'s last component; `None` as for [`of_file`](Self::of_file).
    /// Relative to an open directory, the kernel resolves only `rel`'s few components, not
    /// the whole path again for every output: a build with nothing to do checks ten thousand
    /// outputs this way (`site/persist.rs`).
    pub(crate) fn of_file_at(dir: &std::fs::File, rel: &std::ffi::CStr) -> Option<Stamp> {
        use std::os::fd::AsRawFd;
        let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
        // SAFETY: `dir` is an open directory for the duration of the call, `rel` is a valid
        // NUL-terminated string, and `stat` points to writable memory of the right size,
        // which the kernel fills completely when the call succeeds (only then is it read).
        let stat = unsafe {
            if libc::fstatat(
                dir.as_raw_fd(),
                rel.as_ptr(),
                stat.as_mut_ptr(),
                libc::AT_SYMLINK_NOFOLLOW,
            ) != 0
            {
                return None;
            }
            stat.assume_init()
        };
        (stat.st_mode & libc::S_IFMT == libc::S_IFREG).then_some(Stamp {
            len: stat.st_size as u64,
            modified: (stat.st_mtime, stat.st_mtime_nsec),
            inode: stat.st_ino,
        })
    }

    /// The stamp as a record's tag: a digest that is never [`UNKNOWN`]. It is stored in
    /// `cas.db`, so the function must not change (a change would only make every output be
    /// written once more). splitmix64's finalizer over the four fields: a stamp is not chosen
    /// by an adversary, and this costs a few instructions where a cryptographic hash costs
    /// hundreds, per output of every build.
    pub(crate) fn tag(&self) -> u64 {
        fn mix(state: u64, value: u64) -> u64 {
            let mut z = (state ^ value).wrapping_add(0x9E37_79B9_7F4A_7C15);
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        let mut digest = mix(0, self.len);
        digest = mix(digest, self.modified.0 as u64);
        digest = mix(digest, self.modified.1 as u64);
        digest = mix(digest, self.inode);
        digest.max(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_foreign_or_hostile_names_are_rejected() {
        let name = name("public", "blog/post/index.html");
        assert_eq!(parse(&name), Some(("public", "blog/post/index.html")));
        assert_eq!(parse(&super::name("/srv/www", "a.css")), Some(("/srv/www", "a.css")));
        for hostile in ["../x", "a/../../x", "/etc/passwd", "a//b", "./a", "", "a\\..\\b", "a/."] {
            assert_eq!(parse(&super::name("public", hostile)), None, "{hostile:?}");
        }
        assert_eq!(parse("output:blog/index.html"), None, "the old format names no directory");
        assert_eq!(parse("other:public\0a"), None);
    }

    #[test]
    fn a_stamp_changes_when_the_file_is_rewritten_or_replaced() {
        let dir = std::env::temp_dir().join(format!("dodeca-stamp-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f");
        std::fs::write(&path, "one").unwrap();
        let first = Stamp::of_file(&path).unwrap();
        assert_eq!(Stamp::of_file(&path), Some(first));
        assert_ne!(first.tag(), UNKNOWN);
        // Each field counts.
        let other = |change: fn(&mut Stamp)| {
            let mut stamp = first;
            change(&mut stamp);
            stamp.tag()
        };
        assert_ne!(other(|s| s.len += 1), first.tag());
        assert_ne!(other(|s| s.modified.0 += 1), first.tag());
        assert_ne!(other(|s| s.modified.1 += 1), first.tag());
        assert_ne!(other(|s| s.inode += 1), first.tag());
        std::fs::write(dir.join("g"), "two").unwrap();
        std::fs::rename(dir.join("g"), &path).unwrap();
        assert_ne!(Stamp::of_file(&path).unwrap().tag(), first.tag(), "replaced: a new inode");
        std::os::unix::fs::symlink(dir.join("f"), dir.join("link")).unwrap();
        assert_eq!(Stamp::of_file(&dir.join("link")), None, "links are not followed");
        let open = std::fs::File::open(&dir).unwrap();
        assert_eq!(Stamp::of_file_at(&open, c"f"), Stamp::of_file(&path));
        assert_eq!(Stamp::of_file_at(&open, c"link"), None, "links are not followed");
        assert_eq!(Stamp::of_file_at(&open, c"missing"), None);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
