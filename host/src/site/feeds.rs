//! The feeds step: every feed file (`feeds.rs`) through its `render_feed` query and the
//! writing of its output, as the listings step does for generated pages.

use std::sync::Arc;

use super::{BuildReport, Site};
use crate::feeds::FeedOutput;
use crate::output::Outputs;
use crate::render::PageOutput;
use crate::{HostError, SiteError};

/// What became of one feed.
enum Outcome {
    /// It no longer exists (the list was from before a change it read).
    Gone,
    Failed(Arc<picante::PicanteError>),
    /// Rendered (or reused): its output, and whether it was written (`None`: the render came
    /// from a saved database without its text, and is rendered again).
    Built {
        output: Arc<PageOutput>,
        wrote: Result<Option<bool>, HostError>,
    },
}

impl Site {
    /// Renders and writes every feed, on `jobs` threads. A feed whose file a static file or a
    /// page already writes (`taken`, sorted) is left to it, as Zola's static files win; one
    /// whose name would leave its directory is an error. Returns the outputs written or up to
    /// date.
    pub(super) fn write_feeds(
        &self,
        jobs: usize,
        outputs: &Outputs,
        taken: &[String],
        report: &mut BuildReport,
    ) -> Result<Vec<String>, HostError> {
        let db = &*self.db;
        let config_file =
            || db.config_text.get(db, &()).ok().flatten().map(|c| c.file).unwrap_or_default();
        let list = match pollster::block_on(db.feeds.get(db, ())) {
            Ok(list) => list,
            Err(error) => {
                push_once(report, feed_error(&config_file(), &error)?);
                return Ok(Vec::new());
            }
        };
        let mut accepted: Vec<&FeedOutput> = Vec::with_capacity(list.len());
        for item in list.iter() {
            if taken.binary_search(&item.rel).is_ok()
                || accepted.iter().any(|other| other.rel == item.rel)
            {
                continue;
            }
            if let Some(problem) = crate::routes::route_problem(&format!("/{}", item.rel)) {
                let message = format!(
                    "the feed `{}` of `feed_filenames` makes the output `{}`, which {problem}",
                    item.key.name, item.rel
                );
                push_once(report, SiteError::in_file(config_file(), message));
                continue;
            }
            accepted.push(item);
        }
        let write = |output: Arc<PageOutput>| {
            let wrote = outputs.write_page(&self.cas, &output);
            Outcome::Built { output, wrote }
        };
        let outcomes =
            crate::exec::run_all(jobs, 16, &accepted[..], |item: &&FeedOutput| async move {
                match db.render_feed.get_ref(db, &item.key).await {
                    Err(error) => Outcome::Failed(error),
                    Ok(None) => Outcome::Gone,
                    Ok(Some(output)) => write(output),
                }
            });
        let mut live = Vec::with_capacity(accepted.len());
        for (item, outcome) in accepted.iter().zip(outcomes) {
            let outcome = match outcome {
                // Loaded without its text and not as recorded: rendered again by the query's
                // own code, outside its memo (which stays valid).
                Outcome::Built { wrote: Ok(None), .. } => {
                    let again = crate::feeds::render_feed_query(db, item.key.clone());
                    match pollster::block_on(again) {
                        Err(error) => Outcome::Failed(error),
                        Ok(None) => Outcome::Gone,
                        Ok(Some(output)) => write(output),
                    }
                }
                outcome => outcome,
            };
            match outcome {
                Outcome::Gone => {}
                // One problem (a name without a template) fails every feed of that name.
                Outcome::Failed(error) => push_once(report, feed_error(&item.rel, &error)?),
                Outcome::Built { output, wrote } => {
                    report.count_output(&output.rel, wrote?.unwrap_or(false));
                    live.push(output.rel.clone());
                }
            }
        }
        Ok(live)
    }
}

fn push_once(report: &mut BuildReport, error: SiteError) {
    if !report.errors.contains(&error) {
        report.errors.push(error);
    }
}

/// The failure of the feed `what` as a site error (a missing cell fails the build, as for
/// pages).
fn feed_error(what: &str, error: &picante::PicanteError) -> Result<SiteError, HostError> {
    if let Some(site) = crate::error::site_error(error) {
        return Ok(site.clone());
    }
    match crate::error::cell_error(error) {
        Some(missing @ crate::cells::CellError::Missing { .. }) => {
            Err(HostError::Cell(missing.clone()))
        }
        _ => Ok(SiteError::in_file(what, error.to_string())),
    }
}
