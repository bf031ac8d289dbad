//! Where a build may write: the output directory, checked before anything is written.
//!
//! The output directory is the one place the host writes outside `.cache/`, and `clean`
//! removes what it wrote there; a wrong value must be refused, not acted on. `output_dir = "content"`
//! would have the next build mix pages into the sources, `"."` or `".."` would make the site
//! (or its parent) the output. So a value is resolved (relative to the site for the config, to
//! the working directory for `-o`; `..` and symbolic links resolved as far as the path exists)
//! and refused when it is empty, `.`, the site itself, an ancestor of the site, one of the
//! site's source directories or inside one, an existing file, or — when it comes from the
//! config — outside the site. A directory outside the site can still be chosen, on the command
//! line, where the user sees it.

use std::path::{Component, Path, PathBuf};

use crate::error::HostError;

/// The site's own directories: never an output directory, nor inside one.
pub(crate) const SOURCE_DIRS: &[&str] =
    &["content", "templates", "static", "data", "sass", ".cache", "themes"];

/// Where an output directory was named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// `output_dir` in the config (or its default, `public`): relative to the site, and
    /// only inside it.
    Config,
    /// `-o` on the command line: relative to the working directory, and anywhere that is not
    /// the site's.
    CommandLine,
}

/// A checked output directory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct OutputDir {
    /// Absolute, with `..` and symbolic links resolved as far as the path exists.
    pub(crate) path: PathBuf,
    /// How `cas.db` names it: relative to the site when inside it (so that a moved site keeps
    /// its records), absolute otherwise.
    pub(crate) key: String,
}

/// Resolves and checks the output directory `value`, named by `origin`, of the site at
/// `site_root`.
///
/// # Errors
///
/// A refused value, with the reason and what to do instead.
pub(crate) fn resolve(
    site_root: &Path,
    value: &Path,
    origin: Origin,
) -> Result<OutputDir, HostError> {
    let named = match origin {
        Origin::Config => format!("`output_dir = \"{}\"` in the config", value.display()),
        Origin::CommandLine => format!("the output directory `{}`", value.display()),
    };
    let refuse = |why: String| HostError::OutputRefused { named: named.clone(), why };
    if value.as_os_str().to_str().is_some_and(|v| v.trim().is_empty()) {
        return Err(refuse("it is empty; name a directory such as `public`".into()));
    }
    if lexically_nothing(value) {
        return Err(refuse(
            "it is `.`, the directory itself; name a directory such as `public`".into(),
        ));
    }
    let site =
        std::fs::canonicalize(site_root).map_err(|e| HostError::io("resolve", site_root, e))?;
    let absolute = if value.is_absolute() {
        value.to_path_buf()
    } else {
        match origin {
            Origin::Config => site.join(value),
            Origin::CommandLine => std::env::current_dir()
                .map_err(|e| HostError::io("read the working directory", "", e))?
                .join(value),
        }
    };
    let path = resolve_existing(&absolute);
    if path == site {
        return Err(refuse(format!("it is the site itself ({})", site.display())));
    }
    if site.starts_with(&path) {
        return Err(refuse(format!(
            "it contains the site ({}); the output must be a directory of its own",
            site.display()
        )));
    }
    for source in SOURCE_DIRS {
        let lexical = site.join(source);
        let real = std::fs::canonicalize(&lexical).unwrap_or_else(|_| lexical.clone());
        if path.starts_with(&lexical) || path.starts_with(&real) {
            let what = if path == lexical || path == real { "is" } else { "is inside" };
            return Err(refuse(format!(
                "it {what} the site's `{source}` directory, which holds sources, not outputs"
            )));
        }
    }
    if path.exists() && !path.is_dir() {
        return Err(refuse(format!("{} is not a directory", path.display())));
    }
    let key = match path.strip_prefix(&site) {
        Ok(inside) => inside.to_str().map(|s| s.replace('\\', "/")),
        Err(_) if origin == Origin::Config => {
            return Err(refuse(format!(
                "it is outside the site ({}); the config may only name a directory inside the \
                 site. To write elsewhere, say so on the command line: `-o {}`",
                path.display(),
                path.display()
            )));
        }
        Err(_) => path.to_str().map(str::to_string),
    };
    let key = key.ok_or_else(|| refuse("its path is not UTF-8".into()))?;
    Ok(OutputDir { path, key })
}

/// Whether `value` names its starting directory (`.`, `./`, `a/..`), without looking at disk.
fn lexically_nothing(value: &Path) -> bool {
    if value.is_absolute() {
        return false;
    }
    let mut depth = 0i64;
    for component in value.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::RootDir | Component::Prefix(_) => return false,
        }
        if depth < 0 {
            return false; // `..` first: a parent, checked against the site below
        }
    }
    depth == 0
}

/// `path` (absolute) with `.` and `..` applied and symbolic links resolved for the part that
/// exists; the rest is appended as written.
fn resolve_existing(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    let mut exists = true;
    for component in path.components() {
        match component {
            Component::Prefix(_) | Component::RootDir => out.push(component),
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(name) => {
                out.push(name);
                if exists {
                    match std::fs::canonicalize(&out) {
                        Ok(real) => out = real,
                        Err(_) => exists = false,
                    }
                }
            }
        }
    }
    out
}

/// The name of the probe file, before the pid of the process that made it.
const PROBE: &str = ".dodeca-case-probe-";

/// Whether the file system of `dir` (which exists) treats names that differ only in case as
/// one: tried with a probe file of our own, created exclusively and removed at once.
///
/// A process killed between the two leaves its probe behind, in the output directory, where a
/// cold build would have none: probes of processes that are gone are removed first (one
/// listing of the output directory's top, once per process and output directory).
pub(crate) fn is_case_insensitive(dir: &Path) -> bool {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let pid = name.to_str().and_then(|n| n.strip_prefix(PROBE)?.parse::<u32>().ok());
            if let Some(pid) = pid
                && !Path::new(&format!("/proc/{pid}")).exists()
            {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    let name = format!("{PROBE}{}", std::process::id());
    let lower = dir.join(&name);
    if std::fs::OpenOptions::new().write(true).create_new(true).open(&lower).is_err() {
        return false;
    }
    let upper = dir.join(name.to_uppercase());
    let insensitive = std::fs::symlink_metadata(&upper).is_ok();
    let _ = std::fs::remove_file(&lower);
    insensitive
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("dodeca-location-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("content/blog")).unwrap();
        std::fs::write(dir.join("dodeca.toml"), "").unwrap();
        dir
    }

    #[test]
    fn a_probe_left_by_a_process_that_is_gone_is_removed() {
        let root = site("probe");
        // No process has pid 4194305 (above Linux's largest, 2^22).
        let stale = root.join(".dodeca-case-probe-4194305");
        std::fs::write(&stale, "").unwrap();
        let own = root.join(format!(".dodeca-case-probe-{}", std::process::id()));
        assert!(!is_case_insensitive(&root) || cfg!(target_os = "macos"));
        assert!(!stale.exists() && !own.exists());
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn every_dangerous_config_value_is_refused_with_its_reason() {
        let root = site("refused");
        let cases = [
            ("", "is empty"),
            ("  ", "is empty"),
            (".", "is `.`"),
            ("./", "is `.`"),
            ("public/..", "is `.`"),
            ("..", "contains the site"),
            ("../..", "contains the site"),
            ("/", "contains the site"),
            ("content", "is the site's `content` directory"),
            ("content/blog", "is inside the site's `content` directory"),
            ("public/../content", "is the site's `content` directory"),
            ("templates", "`templates`"),
            ("static", "`static`"),
            ("data", "`data`"),
            ("sass", "`sass`"),
            (".cache", "`.cache`"),
            ("themes", "`themes`"),
            ("dodeca.toml", "is not a directory"),
            ("../elsewhere", "outside the site"),
            ("/tmp/elsewhere", "outside the site"),
        ];
        for (value, reason) in cases {
            let error = resolve(&root, Path::new(value), Origin::Config).unwrap_err().to_string();
            assert!(error.contains("is refused") && error.contains(reason), "{value:?}: {error}");
        }
        let root_path = root.canonicalize().unwrap();
        let absolute = resolve(&root, &root_path, Origin::Config).unwrap_err().to_string();
        assert!(absolute.contains("is the site itself"), "{absolute}");
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn a_symbolic_link_to_a_source_directory_is_refused() {
        let root = site("link");
        std::os::unix::fs::symlink(root.join("content"), root.join("out")).unwrap();
        let error = resolve(&root, Path::new("out"), Origin::Config).unwrap_err().to_string();
        assert!(error.contains("`content` directory"), "{error}");
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn accepted_directories_are_keyed_relative_to_the_site_or_absolute() {
        let root = site("accepted");
        let inside = resolve(&root, Path::new("public"), Origin::Config).unwrap();
        assert_eq!(inside.key, "public");
        assert_eq!(inside.path, root.canonicalize().unwrap().join("public"));
        let nested = resolve(&root, Path::new("build/./site/"), Origin::Config).unwrap();
        assert_eq!(nested.key, "build/site");
        let outside =
            std::env::temp_dir().join(format!("dodeca-location-out-{}", std::process::id()));
        let elsewhere = resolve(&root, &outside, Origin::CommandLine).unwrap();
        assert_eq!(elsewhere.key, elsewhere.path.to_str().unwrap());
        assert!(resolve(&root, &outside, Origin::Config).is_err());
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn the_case_probe_leaves_nothing_behind() {
        let root = site("probe");
        assert!(!is_case_insensitive(&root), "this test machine's temp dir is case-sensitive");
        let left: Vec<_> =
            std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left.len(), 2, "{left:?}");
        std::fs::remove_dir_all(root).unwrap();
    }
}
