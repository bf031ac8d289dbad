//! Co-located assets: the files beside a page or section under `content/`, copied next to its
//! output as Zola copies them.
//!
//! A page written as `blog/post/index.md` owns every other file under `blog/post/` (at any
//! depth, `.md` files aside); a section `blog/_index.md` owns the files directly in `blog/`.
//! Each is copied to the owner's output directory at the same relative path
//! (`blog/post/pic.png` → `<route of the post>pic.png`), and templates list them as
//! `page.assets` / `section.assets`: their paths under `content/` with a leading slash,
//! sorted ignoring case (Zola lists the source paths, not the copies). A file no page or
//! section owns is not copied, as in Zola.

use std::sync::Arc;

use crate::content::is_section;
use crate::db::{Database, Query};

/// Whether the file at `rel` (under `content/`) is a page or section: a name ending in `.md`
/// with something before it.
pub(crate) fn is_page_file(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.rsplit_once('.').is_some_and(|(stem, ext)| !stem.is_empty() && ext == "md")
}

/// Whether `rel` is an editor's temporary file (a swap, backup or lock file): never an asset.
pub(crate) fn is_temporary(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.starts_with(".#")
        || (name.starts_with('#') && name.ends_with('#'))
        || name.ends_with('~')
        || [".swp", ".swx", ".swo", ".tmp", ".bak", ".DS_Store"]
            .iter()
            .any(|end| name.ends_with(end))
}

/// The directory whose assets the content file at `path` owns, and whether it owns those of
/// its subdirectories too: `blog/post/` for `blog/post/index.md` (yes), `blog/` for
/// `blog/_index.md` (no); `None` for a page written as a single file.
fn owned_dir(path: &str) -> Option<(&str, bool)> {
    let (dir, name) = path.rsplit_once('/').unwrap_or(("", path));
    if is_section(path) {
        return Some((dir, false));
    }
    is_index_page(name).then_some((dir, true))
}

/// Whether `name` is an `index.md`, or a language's `index.<code>.md`.
fn is_index_page(name: &str) -> bool {
    crate::languages::file_named(name, "index") == Some("")
}

/// Whether the content file at `path` can own assets (a section, or a page written as
/// `index.md`): for any other, asking is a query run for nothing.
pub(crate) fn can_own_assets(path: &str) -> bool {
    owned_dir(path).is_some()
}

/// The assets of `list` (sorted) that the content file at `path` owns, as Zola orders them.
pub(crate) fn assets_of(path: &str, list: &[String]) -> Vec<String> {
    let Some((dir, recursive)) = owned_dir(path) else { return Vec::new() };
    let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
    let start = list.partition_point(|asset| asset.as_str() < prefix.as_str());
    let mut owned: Vec<String> = list[start..]
        .iter()
        .take_while(|asset| asset.starts_with(&prefix))
        .filter(|asset| recursive || !asset[prefix.len()..].contains('/'))
        .cloned()
        .collect();
    owned.sort_by_cached_key(|asset| asset.to_ascii_lowercase());
    owned
}

/// The query `assets_of(path)`: the co-located assets of the content file at `path` (see
/// [`assets_of`]); it changes only when an asset of its own comes or goes.
pub(crate) fn assets_of_query(db: &Database, path: String) -> Query<'_, Arc<Vec<String>>> {
    Box::pin(async move {
        let list = db.asset_list.get(db, &())?.unwrap_or_default();
        Ok(Arc::new(assets_of(&path, &list)))
    })
}

/// The pages or sections that own the asset at `asset`, and the asset's path below their
/// directory: the nearest `index.md` above it, or the `_index.md` of its own directory, with
/// their other languages' versions (`index.fr.md`: each copies it below its own route, as
/// Zola does). `content` is the sorted list of content files.
pub(crate) fn owners_of<'a>(asset: &'a str, content: &[String]) -> Vec<(String, &'a str)> {
    let (own_dir, _) = asset.rsplit_once('/').unwrap_or(("", asset));
    let mut dir = own_dir;
    loop {
        let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
        let below = &asset[prefix.len()..];
        let in_dir = |accept: fn(&str) -> bool| -> Vec<(String, &'a str)> {
            let start = content.partition_point(|path| path.as_str() < prefix.as_str());
            content[start..]
                .iter()
                .take_while(|path| path.starts_with(prefix.as_str()))
                .filter(|path| accept(&path[prefix.len()..]))
                .map(|path| (path.clone(), below))
                .collect()
        };
        let pages = in_dir(is_index_page);
        if !pages.is_empty() {
            return pages;
        }
        if dir == own_dir {
            let sections = in_dir(|name| !name.contains('/') && is_section(name));
            if !sections.is_empty() {
                return sections;
            }
        }
        if dir.is_empty() {
            return Vec::new();
        }
        dir = dir.rsplit_once('/').map_or("", |(parent, _)| parent);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(paths: &[&str]) -> Vec<String> {
        let mut list: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
        list.sort();
        list
    }

    #[test]
    fn pages_and_sections_are_md_files_and_the_rest_are_assets() {
        assert!(is_page_file("blog/post.md") && is_page_file("_index.md"));
        assert!(!is_page_file("blog/pic.png") && !is_page_file("blog/.md") && !is_page_file("md"));
        assert!(
            is_temporary("blog/.#post.md") && is_temporary("a/pic.png~") && is_temporary("x.swp")
        );
        assert!(!is_temporary("blog/pic.png"));
    }

    #[test]
    fn a_bundle_page_owns_its_directory_at_any_depth_and_a_section_only_its_own_files() {
        let assets = list(&[
            "blog/a.txt",
            "blog/post/B.png",
            "blog/post/img/c.png",
            "blog/post/a.css",
            "blog/postx/d.png",
        ]);
        assert_eq!(
            assets_of("blog/post/index.md", &assets),
            ["blog/post/a.css", "blog/post/B.png", "blog/post/img/c.png"]
        );
        assert_eq!(assets_of("blog/_index.md", &assets), ["blog/a.txt"]);
        assert!(assets_of("blog/single.md", &assets).is_empty());
        assert_eq!(assets_of("_index.md", &list(&["top.txt", "blog/a.txt"])), ["top.txt"]);
    }

    #[test]
    fn an_asset_belongs_to_the_nearest_bundle_or_its_own_section() {
        let content = list(&["blog/_index.md", "blog/post/index.md", "_index.md", "blog/p.md"]);
        let owners = |asset| owners_of(asset, &content);
        assert_eq!(owners("blog/post/img/c.png"), [("blog/post/index.md".into(), "img/c.png")]);
        assert_eq!(owners("blog/a.txt"), [("blog/_index.md".into(), "a.txt")]);
        assert_eq!(owners("top.txt"), [("_index.md".into(), "top.txt")]);
        // A file in a directory with neither, below a section only: nobody's.
        assert!(owners("blog/loose/x.png").is_empty());
    }

    #[test]
    fn an_asset_belongs_to_every_language_s_version_of_its_owner() {
        let content =
            list(&["blog/_index.fr.md", "blog/_index.md", "blog/t/index.fr.md", "blog/t/index.md"]);
        assert_eq!(
            owners_of("blog/t/hill.svg", &content),
            [
                ("blog/t/index.fr.md".to_string(), "hill.svg"),
                ("blog/t/index.md".into(), "hill.svg")
            ]
        );
        assert_eq!(
            owners_of("blog/a.txt", &content),
            [("blog/_index.fr.md".to_string(), "a.txt"), ("blog/_index.md".into(), "a.txt")]
        );
        assert_eq!(
            assets_of("blog/t/index.fr.md", &list(&["blog/t/hill.svg"])),
            ["blog/t/hill.svg"]
        );
    }
}
