//! Which file a `load_data(path=…)` names, found the way Zola finds it, among the inputs.
//!
//! Zola (`search_for_file`) reads `@/x` as `content/x` and drops a leading `/`, then takes the
//! first of these that exists: the path from the site's root, `static/<path>`,
//! `content/<path>`, `<output dir>/<path>`, the theme's `static/<path>`. So
//! `page.colocated_path ~ "data.csv"` (`blog/post/data.csv`) is found under `content/`.
//!
//! The host looks only where its inputs are: files under `content/` (pages' texts and
//! co-located assets' hashes), `data/` and `static/` (hashes), each read through its input so
//! that the render depends on it (a file that appears later, at a place looked at earlier,
//! is found by the next build). A path from the root into another directory is not looked
//! up; when nothing is found, a path into a directory the host knows it does not read
//! (`templates/`, the output directory, ...) is refused, naming it.
//!
//! A theme's static files are in the input `statics` (under the site's, `site/theme.rs`), so
//! they are found as `static/<path>`, before `content/<path>` where Zola looks at them last; a
//! path into `themes/` itself is refused like one into `templates/`.

use cas::ContentHash;
use picante::PicanteResult;

use super::error::LoadDataError;
use crate::config::{CONFIG_NAMES, SiteConfig};
use crate::db::Database;

/// The directories whose files are inputs, by the input that holds them.
const TRACKED: [&str; 3] = ["content", "data", "static"];

/// Directories of a site (besides the output directory) that hold files `load_data` could
/// name but the host does not keep as inputs.
const UNTRACKED: [&str; 4] = ["templates", "sass", "themes", ".cache"];

/// A file's contents as the inputs hold them.
pub(crate) enum Held {
    /// Stored in the CAS (static files, co-located assets, data files).
    Stored(ContentHash),
    /// A page's or section's text.
    Text(String),
}

/// `path` as a path from the site's root: `@/` read as `content/`, leading `/`s dropped, `.`
/// and `..` segments applied.
///
/// # Errors
///
/// A path that is empty or leaves the site.
pub(crate) fn normalise(path: &str) -> Result<String, LoadDataError> {
    let relative = match path.strip_prefix("@/") {
        Some(rest) => format!("content/{rest}"),
        None => path.trim_start_matches('/').to_string(),
    };
    let mut segments: Vec<&str> = Vec::new();
    for segment in relative.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                if segments.pop().is_none() {
                    return Err(LoadDataError::LeavesSite(path.to_string()));
                }
            }
            _ => segments.push(segment),
        }
    }
    if segments.is_empty() {
        return Err(LoadDataError::Arguments(format!("`path` names no file: `{path}`")));
    }
    Ok(segments.join("/"))
}

/// The file at `site_path` (from the site's root), read through its input (so the caller
/// depends on it, present or not); `None` if there is none, or it is not in a directory
/// whose files are inputs.
pub(crate) fn held(db: &Database, site_path: &str) -> PicanteResult<Option<Held>> {
    let Some((top, rest)) = site_path.split_once('/') else { return Ok(None) };
    let rest = rest.to_string();
    Ok(match top {
        "data" => db.data_files.get(db, &rest)?.map(Held::Stored),
        "static" => db.statics.get(db, &rest)?.map(Held::Stored),
        "content" => match db.assets.get(db, &rest)? {
            Some(hash) => Some(Held::Stored(hash)),
            None => db.content.get(db, &rest)?.map(Held::Text),
        },
        _ => None,
    })
}

/// The path from the site's root of the file `path` names (as given to `load_data`), or
/// `None` if there is none where Zola would look and the host can.
///
/// # Errors
///
/// The outer error is a query's; the inner one a path refused: leaving the site, or not found
/// and into a directory of the site the host does not read.
pub(crate) fn resolve(
    db: &Database,
    path: &str,
    config: &SiteConfig,
) -> PicanteResult<Result<Option<String>, LoadDataError>> {
    let normal = match normalise(path) {
        Ok(normal) => normal,
        Err(error) => return Ok(Err(error)),
    };
    for candidate in candidates(&normal) {
        if held(db, &candidate)?.is_some() {
            return Ok(Ok(Some(candidate)));
        }
    }
    if let Some(what) = untracked(&normal, config) {
        return Ok(Err(LoadDataError::Untracked { path: path.to_string(), what }));
    }
    Ok(Ok(None))
}

/// The paths looked at for `normal` (a normalised path), in Zola's order, leaving out the
/// root when it is not in a directory whose files are inputs.
pub(crate) fn candidates(normal: &str) -> Vec<String> {
    let top = normal.split('/').next().unwrap_or_default();
    let mut candidates = Vec::with_capacity(3);
    if TRACKED.contains(&top) && normal.contains('/') {
        candidates.push(normal.to_string());
    }
    candidates.push(format!("static/{normal}"));
    candidates.push(format!("content/{normal}"));
    candidates
}

/// What `normal` names when it is in a part of the site the host does not read as inputs: a
/// directory of [`UNTRACKED`], the output directory, or the config file.
fn untracked(normal: &str, config: &SiteConfig) -> Option<String> {
    if CONFIG_NAMES.contains(&normal) {
        return Some("the config file".to_string());
    }
    let (top, _) = normal.split_once('/')?;
    let output = normalise(config.output_dir.as_deref().unwrap_or("public")).ok();
    if output.as_deref().and_then(|output| output.split('/').next()) == Some(top) {
        return Some(format!("{top}/, the output directory"));
    }
    UNTRACKED.contains(&top).then(|| format!("{top}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_read_from_the_site_s_root_as_zola_reads_them() {
        assert_eq!(normalise("data/a.json").unwrap(), "data/a.json");
        assert_eq!(normalise("@/blog/a.csv").unwrap(), "content/blog/a.csv");
        assert_eq!(normalise("/static/a.txt").unwrap(), "static/a.txt");
        assert_eq!(normalise("content/./x/../y.csv").unwrap(), "content/y.csv");
        assert_eq!(normalise("data//a.json").unwrap(), "data/a.json");
    }

    #[test]
    fn paths_leaving_the_site_or_naming_nothing_are_refused() {
        for path in ["../secret", "data/../../secret", "@/../../x", "/../etc/passwd"] {
            assert_eq!(normalise(path), Err(LoadDataError::LeavesSite(path.into())), "{path}");
        }
        for path in ["", "/", "./", "data/.."] {
            assert!(matches!(normalise(path), Err(LoadDataError::Arguments(_))), "{path}");
        }
    }

    #[test]
    fn candidates_follow_zola_s_order_within_the_tracked_directories() {
        assert_eq!(
            candidates("data/a.json"),
            ["data/a.json", "static/data/a.json", "content/data/a.json"]
        );
        assert_eq!(
            candidates("blog/post/a.csv"),
            ["static/blog/post/a.csv", "content/blog/post/a.csv"]
        );
        assert_eq!(candidates("data"), ["static/data", "content/data"]);
    }
}
