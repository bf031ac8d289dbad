//! grass's file system, over the host's files: every path grass asks about is made relative
//! to the site's root (`.` and `..` resolved by their names, as Sass resolves them) and asked
//! of a [`SassFiles`]; a path outside the site, or absolute, is no file.
//!
//! grass tries many names for one `@import "x"` (`x.import.sass`, `_x.scss`, `x/index.scss`,
//! ...), each an `is_file` then a `read` of the one found: each answer is kept for the
//! compile, so the host is asked once per name.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io;
use std::path::{Component, Path, PathBuf};

use crate::SassFiles;

/// A grass file system reading through `files`, remembering each answer for one compile.
pub(crate) struct HostFs<'a> {
    files: &'a dyn SassFiles,
    texts: RefCell<HashMap<String, Option<String>>>,
    dirs: RefCell<HashMap<String, bool>>,
    /// The first failure of `files` itself (the link to the host), which outranks whatever
    /// grass makes of the missing answer ("can't find stylesheet to import").
    pub(crate) failure: RefCell<Option<String>>,
    /// The first file refused for nesting too deeply (`nesting.rs`): its path, line and
    /// column. It is no file to grass, and this is the compile's error.
    pub(crate) too_deep: RefCell<Option<(String, u32, u32)>>,
}

impl std::fmt::Debug for HostFs<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostFs").finish_non_exhaustive()
    }
}

impl<'a> HostFs<'a> {
    pub(crate) fn new(files: &'a dyn SassFiles) -> HostFs<'a> {
        HostFs {
            files,
            texts: RefCell::new(HashMap::new()),
            dirs: RefCell::new(HashMap::new()),
            failure: RefCell::new(None),
            too_deep: RefCell::new(None),
        }
    }

    /// The text of the file at `path` (`None`: no such file), asked of the host once.
    fn text(&self, path: &Path) -> Option<String> {
        let key = site_path(path)?;
        if let Some(known) = self.texts.borrow().get(&key) {
            return known.clone();
        }
        let mut text = self.files.read(&key).unwrap_or_else(|failure| {
            self.failure.borrow_mut().get_or_insert(failure);
            None
        });
        if let Some((line, column)) = text.as_deref().and_then(crate::nesting::too_deep) {
            self.too_deep.borrow_mut().get_or_insert((key.clone(), line, column));
            text = None;
        }
        self.texts.borrow_mut().insert(key, text.clone());
        text
    }
}

impl grass::Fs for HostFs<'_> {
    fn is_dir(&self, path: &Path) -> bool {
        let Some(key) = site_path(path) else { return false };
        if let Some(known) = self.dirs.borrow().get(&key) {
            return *known;
        }
        let dir = self.files.is_dir(&key).unwrap_or_else(|failure| {
            self.failure.borrow_mut().get_or_insert(failure);
            false
        });
        self.dirs.borrow_mut().insert(key, dir);
        dir
    }

    fn is_file(&self, path: &Path) -> bool {
        self.text(path).is_some()
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        match self.text(path) {
            Some(text) => Ok(text.into_bytes()),
            None => Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("no Sass file {}", path.display()),
            )),
        }
    }

    /// One name per file, so that grass's import cache and its module-loop check see
    /// `sass/a/../_b.scss` and `sass/_b.scss` as the same file.
    fn canonicalize(&self, path: &Path) -> io::Result<PathBuf> {
        Ok(site_path(path).map_or_else(|| path.to_path_buf(), PathBuf::from))
    }
}

/// `path` relative to the site's root, with `/`, `.` and `..` resolved by name; `None` when
/// it is absolute, leaves the site, is empty or is not UTF-8.
pub(crate) fn site_path(path: &Path) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(name) => parts.push(name.to_str()?),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    if parts.is_empty() { None } else { Some(parts.join("/")) }
}

/// A file name as grass reports it (the path it was found at) relative to the site's root;
/// as it is when it cannot be.
pub(crate) fn site_name(name: &str) -> String {
    site_path(Path::new(name)).unwrap_or_else(|| name.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_resolved_by_name_inside_the_site() {
        let p = |s: &str| site_path(Path::new(s));
        assert_eq!(p("sass/./a/../_b.scss").as_deref(), Some("sass/_b.scss"));
        assert_eq!(p("sass/x.scss").as_deref(), Some("sass/x.scss"));
        assert_eq!(p("sass/../../etc/passwd"), None);
        assert_eq!(p("/etc/passwd"), None);
        assert_eq!(p("sass/.."), None);
    }
}
