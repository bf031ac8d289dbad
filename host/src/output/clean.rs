//! `dodeca-host clean`: removes what the host wrote, and nothing else.
//!
//! What the host wrote is what `cas.db` records: each output file, with the hash and stamp it
//! had when written. `clean` removes those files that are still as written, then the
//! directories they leave empty, then `.cache/`. A file put in the output directory by hand,
//! or an output changed by hand since, stays, and is reported. The output directory is checked
//! as a build checks it, so a config that names a source directory is refused here too, before
//! anything is removed.

use std::path::{Path, PathBuf};

use super::location::{self, Origin};
use super::records;
use super::{Removal, remove_recorded};
use crate::error::HostError;

/// What [`clean`] did.
#[derive(Debug, Default)]
pub struct CleanReport {
    /// The output directory cleaned.
    pub output: PathBuf,
    /// Output files removed.
    pub removed: usize,
    /// Files left in the output directory, each with the reason: put there by hand, or changed
    /// since the host wrote them.
    pub kept: Vec<String>,
    /// Other output directories the cache had records for (outputs of `build -o DIR`); their
    /// files were not removed (`clean -o DIR` does that) and are no longer tracked.
    pub other_directories: Vec<String>,
    /// Whether `.cache/` was there and removed.
    pub removed_cache: bool,
}

/// Removes, from the output directory of the site at `site` (its configured one, or
/// `output` given on the command line), every file the host wrote that is still as written,
/// the directories that leaves empty, and the site's `.cache/`.
///
/// # Errors
///
/// When `site` is not a site, its config does not parse, the output directory is refused (see
/// [`Origin`]), or a file cannot be removed.
pub fn clean(site: &Path, output: Option<&Path>) -> Result<CleanReport, HostError> {
    let file = crate::config::find(site)?;
    let text = std::fs::read_to_string(site.join(file))
        .map_err(|_| HostError::NotASite(site.to_path_buf()))?;
    let config = crate::config::parse(file, &text).map_err(HostError::Config)?;
    let dir = match output {
        Some(output) => location::resolve(site, output, Origin::CommandLine)?,
        None => location::resolve(
            site,
            Path::new(config.output_dir.as_deref().unwrap_or("public")),
            Origin::Config,
        )?,
    };
    let mut report = CleanReport { output: dir.path.clone(), ..CleanReport::default() };
    let cache = site.join(".cache");
    if std::fs::symlink_metadata(&cache).is_ok_and(|m| m.is_dir()) {
        let store = cas::Cas::open(&cache)
            .map_err(|e| HostError::cache(format!("open the cache in {}", cache.display()), e))?;
        let mut others = std::collections::BTreeSet::new();
        for (name, hash, tag) in store.names_with_prefix(records::PREFIX) {
            let Some((key, rel)) = records::parse(&name) else { continue };
            if key != dir.key {
                others.insert(key.to_string());
                continue;
            }
            match remove_recorded(&dir.path, rel, hash, tag)? {
                Removal::Removed => report.removed += 1,
                Removal::Missing => {}
                Removal::Kept(why) => report.kept.push(why),
            }
        }
        report.other_directories = others.into_iter().collect();
        drop(store);
        std::fs::remove_dir_all(&cache).map_err(|e| HostError::io("remove", &cache, e))?;
        report.removed_cache = true;
    }
    // What is left was not written by the host: say so, and leave the directory.
    let mut left = Vec::new();
    files_below(&dir.path, &mut left);
    left.sort();
    for path in left {
        report.kept.push(format!("{} was not written by dodeca-host", path.display()));
    }
    if std::fs::read_dir(&dir.path).is_ok_and(|mut entries| entries.next().is_none()) {
        let _ = std::fs::remove_dir(&dir.path);
    }
    Ok(report)
}

/// Every file (or link) below `dir`, not following symbolic links.
fn files_below(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            files_below(&path, out);
        } else {
            out.push(path);
        }
    }
}
