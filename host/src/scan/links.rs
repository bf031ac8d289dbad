//! Symbolic links met by a walk: which are followed, and the directories they must not bring
//! the walk to twice.
//!
//! A symbolic link, to a file or a directory, is followed when its target (fully resolved) lies
//! inside the site (its canonical directory): a site may share a directory between sections or
//! keep its content elsewhere in its tree. A link pointing outside the site is an error unless
//! [`ScanPolicy`] allows it (`follow_outside_symlinks = true` in `dodeca.toml`), since whatever
//! it points at would be published (`static/keys -> ~/.ssh`). A dangling link is an error
//! naming it. Each directory walked is identified by its device and inode: one that contains
//! itself through a link (`content/a -> .`) is an error, as the walk would never end, and so is
//! one reached a second time by another path, which would list every file under it twice (and
//! lets a chain of links make the walk exponential). The top directory (`content` itself a
//! link) follows the same rules. Only links pay for this (a `canonicalize`); a directory pays
//! one `stat` for its identity, a file nothing more.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::walk::{Subdir, Walk};
use crate::error::HostError;

/// What a scan may follow: symbolic links are followed only to targets inside the site,
/// unless `follow_outside` allows any target (see the module's doc).
#[derive(Debug)]
pub(crate) struct ScanPolicy {
    /// The site's directory as given: walked paths are named relative to it in errors.
    pub(super) root: PathBuf,
    /// Its canonical path (no `.`, `..` or symbolic links): where a link's target must lie.
    canonical_root: PathBuf,
    /// Whether links to targets outside the site are followed too.
    follow_outside: bool,
}

impl ScanPolicy {
    /// The policy for the site at `root` (which may be relative or go through links).
    ///
    /// # Errors
    ///
    /// When `root` cannot be resolved (it does not exist, for one).
    pub(crate) fn new(root: &Path, follow_outside: bool) -> Result<ScanPolicy, HostError> {
        let canonical_root = std::fs::canonicalize(root)
            .map_err(|e| HostError::io("resolve the site's directory", root, e))?;
        Ok(ScanPolicy { root: root.to_path_buf(), canonical_root, follow_outside })
    }

    /// Checks a path of the site that is named rather than met by a walk (a theme's directory,
    /// its `theme.toml`): through a symbolic link on the way, it must resolve inside the site
    /// unless links may lead outside. A path that does not exist passes (nothing is read).
    ///
    /// # Errors
    ///
    /// When `rel` resolves outside the site and that is not allowed.
    pub(crate) fn check_named(&self, rel: &str) -> Result<(), HostError> {
        let Ok(target) = std::fs::canonicalize(self.root.join(rel)) else { return Ok(()) };
        if self.follow_outside || target.starts_with(&self.canonical_root) {
            return Ok(());
        }
        Err(HostError::Link(format!(
            "`{rel}` leads through a symbolic link to `{}`, outside the site: it is not \
             followed unless `follow_outside_symlinks = true` is set in the config",
            target.display()
        )))
    }
}

/// Identifies a directory: its device and inode.
pub(super) type DirId = (u64, u64);

pub(super) fn dir_id(meta: &std::fs::Metadata) -> DirId {
    (meta.dev(), meta.ino())
}

/// One walk's view of the site, for following links and naming paths in errors.
pub(super) struct SiteView<'a> {
    pub(super) policy: &'a ScanPolicy,
    /// The walked directory relative to the site (with `/` separators), "" for the site itself.
    pub(super) top: String,
}

impl SiteView<'_> {
    /// `rel` (relative to the walked directory, a trailing `/` allowed) relative to the site.
    fn name(&self, rel: &str) -> String {
        let rel = rel.trim_end_matches('/');
        match (self.top.is_empty(), rel.is_empty()) {
            (true, true) => ".".to_string(),
            (true, false) => rel.to_string(),
            (false, true) => self.top.clone(),
            (false, false) => format!("{}/{rel}", self.top),
        }
    }

    /// A resolved target relative to the site, or its full path if it is outside.
    fn target_name(&self, target: &Path) -> String {
        match target.strip_prefix(&self.policy.canonical_root) {
            Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
            Ok(rel) => rel.display().to_string(),
            Err(_) => target.display().to_string(),
        }
    }

    /// Resolves the symbolic link at `path` (`rel` relative to the walked directory): its
    /// canonical target and that target's metadata, if it may be followed.
    pub(super) fn follow(
        &self,
        path: &Path,
        rel: &str,
    ) -> Result<(PathBuf, std::fs::Metadata), HostError> {
        let target = std::fs::canonicalize(path).map_err(|e| {
            let link = self.name(rel);
            if e.kind() == std::io::ErrorKind::NotFound {
                let to = std::fs::read_link(path)
                    .map_or_else(|_| "?".to_string(), |to| to.display().to_string());
                HostError::Link(format!(
                    "`{link}` is a symbolic link to `{to}`, which does not exist"
                ))
            } else {
                HostError::Link(format!("cannot follow the symbolic link `{link}`: {e}"))
            }
        })?;
        if !self.policy.follow_outside && !target.starts_with(&self.policy.canonical_root) {
            return Err(HostError::Link(format!(
                "`{}` is a symbolic link to `{}`, outside the site: it is not followed unless \
                 `follow_outside_symlinks = true` is set in the config",
                self.name(rel),
                target.display()
            )));
        }
        let meta = std::fs::metadata(&target).map_err(|e| HostError::io("read", &target, e))?;
        Ok((target, meta))
    }
}

// The walk's own type, but its check is here: only a symbolic link can bring a walk to a
// directory it has seen, and what went wrong is told in terms of links.
impl Walk {
    /// Queues `subdirs`, each unless it was reached before: through a link to a directory
    /// that contains it (the walk would never end), or by another path (every file under it
    /// would be listed twice).
    pub(super) fn admit(&mut self, subdirs: Vec<Subdir>, site: &SiteView) -> Result<(), HostError> {
        for subdir in subdirs {
            if let Some(first) = self.seen.get(&subdir.id) {
                // A directory is walked only at its first path, so the first path reaching
                // the same directory above this one is the one containing it.
                let here = site.name(&subdir.prefix);
                let first_name = site.name(first);
                let contains = subdir.prefix.starts_with(first.as_str());
                return Err(HostError::Link(match (&subdir.link_to, contains) {
                    (Some(target), true) => format!(
                        "`{here}` is a symbolic link to `{}`, which contains it: the scan would \
                         never end",
                        site.target_name(target)
                    ),
                    (None, true) => format!(
                        "`{here}` is `{first_name}` again, reached through a symbolic link \
                         inside it: the scan would never end"
                    ),
                    (Some(target), false) if site.target_name(target) == first_name => format!(
                        "`{here}` is a symbolic link to `{first_name}`, which the scan also \
                         walks: every file under it would be listed twice"
                    ),
                    (Some(target), false) => format!(
                        "`{here}` is a symbolic link to `{}`, a directory the scan also reaches \
                         as `{first_name}`: every file under it would be listed twice",
                        site.target_name(target)
                    ),
                    (None, false) => format!(
                        "`{here}` is a directory the scan also reaches as `{first_name}` \
                         (through a symbolic link): every file under it would be listed twice"
                    ),
                }));
            }
            self.seen.insert(subdir.id, subdir.prefix.clone());
            self.dirs.push((subdir.path, subdir.prefix));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::stamps::Stamp;
    use crate::scan::{files_under, read_texts};

    /// An empty directory of its own for a test of links, named after it.
    fn empty_site(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("dodeca-scan-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Writes each file (its directories made) and makes each link (`link`, `target`).
    fn lay_out(root: &Path, files: &[&str], links: &[(&str, &str)]) {
        for rel in files {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, rel).unwrap();
        }
        for (link, target) in links {
            let path = root.join(link);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::os::unix::fs::symlink(target, &path).unwrap();
        }
    }

    /// What scanning `root/dir` gives with 1 and with 2 threads: the files listed, or the error.
    fn scan(root: &Path, dir: &str, follow_outside: bool) -> [Result<Vec<String>, String>; 2] {
        let policy = ScanPolicy::new(root, follow_outside).unwrap();
        [1, 2].map(|threads| {
            files_under(&root.join(dir), "", threads, &policy)
                .map(|listing| listing.files.into_iter().map(|f| f.rel).collect())
                .map_err(|e| e.to_string())
        })
    }

    /// The files listed under `root/dir`, the same with 1 and 2 threads.
    fn listed(root: &Path, dir: &str, follow_outside: bool) -> Vec<String> {
        let [one, two] = scan(root, dir, follow_outside);
        let one = one.unwrap();
        assert_eq!(one, two.unwrap(), "the same with 1 and 2 threads");
        one
    }

    /// Asserts that scanning `root/dir` fails, with 1 and 2 threads, with an error containing
    /// every one of `parts`.
    fn assert_refused(root: &Path, dir: &str, follow_outside: bool, parts: &[&str]) {
        for result in scan(root, dir, follow_outside) {
            let error = result.expect_err("the scan should fail");
            for part in parts {
                assert!(error.contains(part), "{error:?} should contain {part:?}");
            }
        }
    }

    #[test]
    fn a_link_inside_the_site_is_followed() {
        let root = empty_site("inside");
        lay_out(
            &root,
            &["content/a.md", "shared/f.md", "shared/dir/s.md", "shared/dir/deep/t.md"],
            &[("content/f.md", "../shared/f.md"), ("content/linked", "../shared/dir")],
        );
        assert_eq!(
            listed(&root, "content", false),
            ["a.md", "f.md", "linked/deep/t.md", "linked/s.md"]
        );
        // The file is read through its link, and stamped as its target.
        let policy = ScanPolicy::new(&root, false).unwrap();
        let listing = files_under(&root.join("content"), "md", 2, &policy).unwrap();
        let texts = read_texts(&listing, &[true; 4], 2).unwrap();
        assert_eq!(texts[1].as_deref(), Some("shared/f.md"));
        let target = std::fs::metadata(root.join("shared/f.md")).unwrap();
        assert_eq!(listing.files[1].stamp, Some(Stamp::of(&target)));
        // The same when the site is named through a link, or by a relative path with `..`.
        let alias = empty_site("inside-alias").join("site");
        std::os::unix::fs::symlink(&root, &alias).unwrap();
        assert_eq!(listed(&alias, "content", false).len(), 4);
        let dotted = root.join("shared/..");
        assert_eq!(listed(&dotted, "content", false).len(), 4);
        std::fs::remove_dir_all(alias.parent().unwrap()).unwrap();
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_link_outside_the_site_is_refused_unless_allowed() {
        let outside = empty_site("outside-target");
        lay_out(&outside, &["secret.md", "keys/id_rsa"], &[]);
        let outside = std::fs::canonicalize(outside).unwrap();
        let root = empty_site("outside");
        let secret = outside.join("secret.md");
        let keys = outside.join("keys");
        lay_out(
            &root,
            &["content/a.md", "static/style.css"],
            &[
                ("content/notes.md", secret.to_str().unwrap()),
                ("static/keys", keys.to_str().unwrap()),
            ],
        );
        let file_error = [
            "`content/notes.md` is a symbolic link to ",
            secret.to_str().unwrap(),
            "outside the site",
            "follow_outside_symlinks = true",
        ];
        assert_refused(&root, "content", false, &file_error);
        let dir_error = [
            "`static/keys`",
            keys.to_str().unwrap(),
            "outside the site",
            "follow_outside_symlinks",
        ];
        assert_refused(&root, "static", false, &dir_error);
        // A link out of the site and back in is inside.
        std::os::unix::fs::symlink(root.join("content/a.md"), outside.join("back.md")).unwrap();
        lay_out(&root, &[], &[("content/back.md", outside.join("back.md").to_str().unwrap())]);
        std::fs::remove_file(root.join("content/notes.md")).unwrap();
        assert_eq!(listed(&root, "content", false), ["a.md", "back.md"]);
        lay_out(&root, &[], &[("content/notes.md", secret.to_str().unwrap())]);
        // Allowed: followed.
        assert_eq!(listed(&root, "content", true), ["a.md", "back.md", "notes.md"]);
        assert_eq!(listed(&root, "static", true), ["keys/id_rsa", "style.css"]);
        std::fs::remove_dir_all(outside).unwrap();
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn two_links_to_the_current_directory_end_the_scan_with_an_error() {
        let root = empty_site("dot");
        lay_out(&root, &["content/a.md"], &[("content/x", "."), ("content/y", ".")]);
        // Each link contains itself: whichever is met first ends the scan.
        assert_refused(
            &root,
            "content",
            false,
            &["is a symbolic link to `content`, which contains it", "never end"],
        );
        std::fs::remove_dir_all(root).unwrap();
        // So does a chain of links that would double the walk at every level.
        let root = empty_site("chain");
        let targets: Vec<[String; 3]> = (0..40)
            .map(|i| [format!("chain/d{i}/a"), format!("chain/d{i}/b"), format!("../d{}", i + 1)])
            .collect();
        let mut links = vec![("content/start", "../chain/d0")];
        for [a, b, target] in &targets {
            links.extend([(a.as_str(), target.as_str()), (b.as_str(), target.as_str())]);
        }
        lay_out(&root, &["content/a.md", "chain/d40/f.md"], &links);
        assert_refused(
            &root,
            "content",
            false,
            &[
                "is a symbolic link to `chain/d1`",
                "`content/start/a`",
                "`content/start/b`",
                "twice",
            ],
        );
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_link_to_an_ancestor_is_a_loop_error() {
        let root = empty_site("ancestor");
        lay_out(&root, &["content/blog/deep/c.md"], &[("content/blog/deep/up", "../..")]);
        assert_refused(
            &root,
            "content",
            false,
            &[
                "`content/blog/deep/up` is a symbolic link to `content`, which contains it",
                "never end",
            ],
        );
        std::fs::remove_file(root.join("content/blog/deep/up")).unwrap();
        lay_out(&root, &[], &[("content/blog/deep/up", "..")]);
        assert_refused(
            &root,
            "content",
            false,
            &["`content/blog/deep/up` is a symbolic link to `content/blog`, which contains it"],
        );
        // A link to the site's root, above the walk: the walk comes back to `content` below it.
        std::fs::remove_file(root.join("content/blog/deep/up")).unwrap();
        lay_out(&root, &[], &[("content/blog/root", "../..")]);
        assert_refused(
            &root,
            "content",
            false,
            &["`content/blog/root/content` is `content` again", "never end"],
        );
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_directory_reached_twice_is_an_error_naming_both() {
        let root = empty_site("twice");
        lay_out(
            &root,
            &["content/a.md", "shared/s.md"],
            &[("content/one", "../shared"), ("content/two", "../shared")],
        );
        let both = ["`content/one`", "`content/two`", "`shared`", "listed twice"];
        assert_refused(&root, "content", false, &both);
        std::fs::remove_dir_all(root).unwrap();
        // A link to a directory also walked directly.
        let root = empty_site("twice-direct");
        lay_out(&root, &["content/blog/b.md"], &[("content/alias", "blog")]);
        assert_refused(&root, "content", false, &["`content/alias`", "`content/blog`", "twice"]);
        std::fs::remove_dir_all(root).unwrap();
        // Two links to one file are two files.
        let root = empty_site("twice-file");
        lay_out(&root, &["content/a.md"], &[("content/b.md", "a.md"), ("content/c.md", "a.md")]);
        assert_eq!(listed(&root, "content", false), ["a.md", "b.md", "c.md"]);
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_dangling_link_is_an_error_naming_it() {
        let root = empty_site("dangling");
        lay_out(&root, &["content/a.md"], &[("content/blog/old.md", "gone.md")]);
        assert_refused(
            &root,
            "content",
            false,
            &["`content/blog/old.md` is a symbolic link to `gone.md`, which does not exist"],
        );
        // Even with outside links allowed, and whatever the link's name.
        assert_refused(&root, "content", true, &["`content/blog/old.md`", "does not exist"]);
        std::fs::remove_file(root.join("content/blog/old.md")).unwrap();
        lay_out(&root, &[], &[("content/notes.txt", "gone")]);
        let policy = ScanPolicy::new(&root, false).unwrap();
        let error = files_under(&root.join("content"), "md", 1, &policy).unwrap_err().to_string();
        assert!(
            error.contains("`content/notes.txt`") && error.contains("does not exist"),
            "{error}"
        );
        // A link to itself cannot be followed either.
        std::fs::remove_file(root.join("content/notes.txt")).unwrap();
        lay_out(&root, &[], &[("content/self", "self")]);
        assert_refused(
            &root,
            "content",
            false,
            &["cannot follow the symbolic link `content/self`"],
        );
        // An editor's lock file is a dangling link by design: skipped, not an error.
        std::fs::remove_file(root.join("content/self")).unwrap();
        lay_out(&root, &[], &[("content/.#a.md", "user@host.1234:1700000000")]);
        assert_eq!(listed(&root, "content", false), ["a.md"]);
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_symlinked_top_directory_follows_the_same_rules() {
        let outside = empty_site("top-outside");
        lay_out(&outside, &["o.md"], &[]);
        let outside = std::fs::canonicalize(outside).unwrap();
        let root = empty_site("top");
        lay_out(
            &root,
            &["src/content/a.md", "src/content/blog/b.md"],
            &[("content", "src/content")],
        );
        assert_eq!(listed(&root, "content", false), ["a.md", "blog/b.md"]);
        // Outside: refused unless allowed.
        std::fs::remove_file(root.join("content")).unwrap();
        lay_out(&root, &[], &[("content", outside.to_str().unwrap())]);
        assert_refused(
            &root,
            "content",
            false,
            &["`content` is a symbolic link to ", outside.to_str().unwrap(), "outside the site"],
        );
        assert_eq!(listed(&root, "content", true), ["o.md"]);
        // Dangling.
        std::fs::remove_file(root.join("content")).unwrap();
        lay_out(&root, &[], &[("content", "nowhere")]);
        assert_refused(
            &root,
            "content",
            false,
            &["`content` is a symbolic link to `nowhere`, which does not exist"],
        );
        // To the site's root, which contains it.
        std::fs::remove_file(root.join("content")).unwrap();
        lay_out(&root, &[], &[("content", ".")]);
        assert_refused(
            &root,
            "content",
            false,
            &["`content/content` is a symbolic link to `.`, which contains it", "never end"],
        );
        std::fs::remove_dir_all(outside).unwrap();
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_site_that_cannot_be_resolved_has_no_policy() {
        let root = empty_site("no-policy").join("missing");
        let error = ScanPolicy::new(&root, false).unwrap_err().to_string();
        assert!(error.starts_with("cannot resolve the site's directory "), "{error}");
        assert!(error.contains("missing"), "{error}");
        std::fs::remove_dir_all(root.parent().unwrap()).unwrap();
    }
}
