//! The build's check of internal links' anchors (`anchors.rs`), after every page is built,
//! as Zola checks them: each broken one an error placed at its line, or a warning with
//! `[link_checker] internal_level = "warn"`.

use super::{BuildReport, Site};
use crate::SiteError;
use crate::config::SiteConfig;

impl Site {
    /// Checks the anchors of the internal links of every built file in `paths`.
    pub(super) fn check_anchors(
        &self,
        jobs: usize,
        paths: &[String],
        config: &SiteConfig,
        report: &mut BuildReport,
    ) {
        let db = &*self.db;
        let problems = crate::exec::run_all(jobs, 64, paths, |path| async move {
            // A file that fails reports its own error.
            db.anchor_problems.get_ref(db, path.as_str()).await.ok().filter(|p| !p.is_empty())
        });
        for (path, broken) in paths.iter().zip(problems) {
            let Some(broken) = broken else { continue };
            let source = db.content.get(db, path).ok().flatten().unwrap_or_default();
            for link in broken.iter() {
                let error = anchor_error(path, &source, link);
                if config.link_checker.internal_level == "warn" {
                    report.warnings.push(error.to_string());
                } else {
                    report.errors.push(error);
                }
            }
        }
    }
}

/// The error for the broken `link` (`@/target#anchor`) of the file `path` whose text is
/// `source`, placed where the link is written (`@/…#anchor`, or `#anchor` for one of the
/// file's own).
fn anchor_error(path: &str, source: &str, link: &str) -> SiteError {
    let (target, anchor) = link.trim_start_matches("@/").split_once('#').unwrap_or((link, ""));
    let message = format!(
        "broken anchor in the internal link `{link}`: content/{target} has no {} with the id \
         `{anchor}`",
        if crate::content::is_section(target) { "heading" } else { "heading or element" }
    );
    let error = SiteError::in_file(format!("content/{path}"), message);
    let own = format!("(#{anchor})");
    let place = source.lines().enumerate().find_map(|(i, line)| {
        line.find(link).or_else(|| line.find(&own).map(|c| c + 1)).map(|c| (i, c))
    });
    match place {
        Some((i, c)) => error.at(source, i as u32 + 1, Some(c as u32 + 1)),
        None => error,
    }
}
