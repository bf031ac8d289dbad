//! `dodeca-host cache [SITE] stats|verify|gc|clear`: what `.cache/` holds, whether it is
//! intact, dropping what the last build did not use, and emptying it.

use std::path::Path;

use picante::HasRuntime;

use super::state::SavedState;
use super::version::CacheVersion;
use super::{DATABASE, STATE, VERSION};
use crate::cells::Cells;
use crate::error::HostError;
use crate::site::Site;

/// What `dodeca-host cache` does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CacheAction {
    /// Sizes and counts: the cache files, the blobs, the memos of each query.
    Stats,
    /// Re-hashes every blob and checks every cache file's checksum.
    Verify,
    /// Removes the blobs the last build did not use, and leftovers of saves cut short.
    Gc,
    /// Empties `.cache/`.
    Clear,
}

/// What `dodeca-host cache` found or did.
#[derive(Clone, Debug, Default)]
pub struct CacheReport {
    /// What to print, a line each.
    pub lines: Vec<String>,
    /// What `verify` found wrong (each damaged file was set aside or is ignored by the next
    /// build, which builds what it needs from scratch). Empty for a sound cache.
    pub problems: Vec<String>,
}

/// Runs `action` on the cache of the site at `site`.
///
/// # Errors
///
/// When `site` is not a site, a file cannot be read or removed, or (for `gc`) there is no
/// saved database to say what the last build used.
pub fn cache(site: &Path, action: CacheAction) -> Result<CacheReport, HostError> {
    crate::config::find(site)?;
    let dir = site.join(".cache");
    match action {
        CacheAction::Clear => clear(&dir),
        CacheAction::Stats => stats(site, &dir),
        CacheAction::Verify => verify(&dir),
        CacheAction::Gc => gc(site, &dir),
    }
}

/// Files and bytes under `dir`, recursively (not following links).
fn usage(dir: &Path) -> (u64, u64) {
    let Ok(entries) = std::fs::read_dir(dir) else { return (0, 0) };
    let (mut files, mut bytes) = (0, 0);
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            let (f, b) = usage(&entry.path());
            files += f;
            bytes += b;
        } else {
            files += 1;
            bytes += entry.metadata().map_or(0, |meta| meta.len());
        }
    }
    (files, bytes)
}

fn clear(dir: &Path) -> Result<CacheReport, HostError> {
    let (files, bytes) = usage(dir);
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(CacheReport {
                lines: vec![format!("{} does not exist: nothing to clear", dir.display())],
                ..CacheReport::default()
            });
        }
        Err(e) => return Err(HostError::io("read", dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| HostError::io("read", dir, e))?;
        let path = entry.path();
        let removed = match entry.file_type() {
            Ok(kind) if kind.is_dir() => std::fs::remove_dir_all(&path),
            _ => std::fs::remove_file(&path),
        };
        removed.map_err(|e| HostError::io("remove", &path, e))?;
    }
    Ok(CacheReport {
        lines: vec![format!(
            "cleared {}: removed {files} files ({bytes} bytes); the next build starts from \
             scratch and writes every output again",
            dir.display()
        )],
        ..CacheReport::default()
    })
}

/// A cache file's size, or `missing`.
fn size_of(path: &Path) -> String {
    match std::fs::metadata(path) {
        Ok(meta) => format!("{} bytes", meta.len()),
        Err(_) => "missing".into(),
    }
}

fn stats(site: &Path, dir: &Path) -> Result<CacheReport, HostError> {
    if !dir.is_dir() {
        return Ok(CacheReport {
            lines: vec![format!("{} does not exist: the site was never built", dir.display())],
            ..CacheReport::default()
        });
    }
    let mut lines = Vec::new();
    let (files, bytes) = usage(dir);
    lines.push(format!("{}: {files} files, {bytes} bytes", dir.display()));
    let cells = Cells::from_environment();
    let version = match CacheVersion::current(&cells).matches_file(&dir.join(VERSION)) {
        Ok(true) => "this host's",
        Ok(false) => "another host's or missing: the next build starts from scratch",
        Err(_) => "unreadable: the next build starts from scratch",
    };
    lines.push(format!("{DATABASE}: {}, version {version}", size_of(&dir.join(DATABASE))));
    let scan = match SavedState::read(&dir.join(STATE)) {
        Ok(Some(state)) => format!(
            "{}, {} source files, {} pages, {} outputs",
            size_of(&dir.join(STATE)),
            state.listings.iter().map(|l| l.files.len()).sum::<usize>(),
            state.pages,
            state.outputs
        ),
        Ok(None) => "missing".into(),
        Err(reason) => format!("unusable ({reason})"),
    };
    lines.push(format!("{STATE}: {scan}"));
    let (blobs, blob_bytes) = usage(&dir.join("blobs"));
    lines.push(format!("blobs: {blobs}, {blob_bytes} bytes"));
    let site = Site::open_with(site, cells)?;
    let outputs = site.cas().names_with_prefix(crate::output::records::PREFIX).len();
    lines.push(format!(
        "cas.db: {}, {} names ({outputs} output records)",
        size_of(&dir.join("cas.db")),
        site.cas().name_count()
    ));
    match site.load_saved() {
        Err(error) => lines.push(format!("memos: none loaded ({error})")),
        Ok(warnings) => {
            lines.push(format!(
                "memos (query, role, values/keys, bytes, dependency edges), revision {}:",
                site.revision().0
            ));
            for stats in site.database_stats().iter().filter(|s| s.slots > 0) {
                lines.push(format!(
                    "  {:<20} {:<8} {:>7}/{:<7} {:>11} bytes {:>8} edges",
                    stats.name, stats.role, stats.values, stats.slots, stats.bytes, stats.edges
                ));
            }
            lines.extend(warnings.into_iter().map(|w| format!("  note: {w}")));
        }
    }
    Ok(CacheReport { lines, ..CacheReport::default() })
}

fn verify(dir: &Path) -> Result<CacheReport, HostError> {
    let mut report = CacheReport::default();
    let cells = Cells::from_environment();
    match CacheVersion::current(&cells).matches_file(&dir.join(VERSION)) {
        Ok(true) => report.lines.push(format!("{VERSION}: this host's")),
        Ok(false) => report.lines.push(format!(
            "{VERSION}: another host's, or missing (not damage: the next build starts from \
             scratch)"
        )),
        Err(reason) => report.problems.push(format!("{VERSION}: {reason}")),
    }
    let database = dir.join(DATABASE);
    match verify_database(&database, cells) {
        Ok(Some(bytes)) => report.lines.push(format!("{DATABASE}: {bytes} bytes, intact")),
        Ok(None) => report.lines.push(format!("{DATABASE}: missing")),
        Err(reason) => report.problems.push(format!("{}: {reason}", database.display())),
    }
    match SavedState::read(&dir.join(STATE)) {
        Ok(Some(_)) => report.lines.push(format!("{STATE}: intact")),
        Ok(None) => report.lines.push(format!("{STATE}: missing")),
        Err(reason) => report.problems.push(reason),
    }
    if !dir.is_dir() {
        report.lines.push(format!("{} does not exist", dir.display()));
        return Ok(report);
    }
    let cas =
        cas::Cas::open(dir).map_err(|e| HostError::cache(format!("open {}", dir.display()), e))?;
    for warning in cas.take_warnings() {
        report.problems.push(format!("{warning}"));
    }
    report.lines.push(format!("cas.db: {} names", cas.name_count()));
    let checked = cas.verify().map_err(|e| HostError::cache("verify the blobs", e))?;
    report.lines.push(format!(
        "blobs: {} checked ({} bytes), {} corrupt",
        checked.blobs_checked,
        checked.bytes_checked,
        checked.corrupt.len()
    ));
    for corrupt in checked.corrupt {
        let moved = corrupt.moved_to.map(|to| format!(", moved to {}", to.display()));
        report.problems.push(format!(
            "blob {} does not hash to its name{}",
            corrupt.path.display(),
            moved.unwrap_or_default()
        ));
    }
    Ok(report)
}

/// Checks the database file whole: its checksum, and that every section decodes (into a
/// database of its own, thrown away). Its size when intact, `None` when missing.
fn verify_database(path: &Path, cells: Cells) -> Result<Option<u64>, String> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e.to_string()),
    };
    // The file's own cache version (picante's header: 8 bytes of magic, a u32 format, then
    // this u64), so that a file of another host is checked for damage, not for its version.
    let version = bytes
        .get(12..20)
        .and_then(|b| b.try_into().ok())
        .map(u64::from_le_bytes)
        .ok_or("too short to be a saved database")?;
    let db = crate::db::Database::new(cells, None);
    picante::persist::load_cache_bytes(&bytes, db.runtime(), &db.persistable(), version)?;
    Ok(Some(bytes.len() as u64))
}

fn gc(site: &Path, dir: &Path) -> Result<CacheReport, HostError> {
    let site = Site::open(site)?;
    site.load_saved()?;
    let live = site.static_hashes();
    let report = site.cas().gc(live).map_err(|e| HostError::cache("collect garbage", e))?;
    crate::site::remove_stale_temporaries(dir);
    Ok(CacheReport { lines: vec![format!("gc: {report}")], ..CacheReport::default() })
}
