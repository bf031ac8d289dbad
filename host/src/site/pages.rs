//! The pages step: every content file through its `render` query (which parses it through the
//! markdown cell and renders it through the template cell) and the writing of its output, in
//! one pipeline with many pages in flight per thread, so the two cells and the file system
//! work at once instead of phase after phase.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use super::{BuildReport, Site};
use crate::cells::CellError;
use crate::error::{cell_error, site_error};
use crate::output::Outputs;
use crate::progress::Progress;
use crate::render::PageOutput;
use crate::routes::RouteCheck;
use crate::{HostError, SiteError};

/// What became of one content file in a build.
enum Outcome {
    /// A draft: not rendered.
    Draft,
    /// Parsing or rendering failed.
    Failed(Arc<picante::PicanteError>),
    /// Its route is refused (reported once, from the `routes` query): not built.
    Refused,
    /// Its render did not change since the outputs were last written (and they are intact):
    /// its output file, which stays as it is.
    Unchanged { rel: String },
    /// Rendered; whether the file was written (or already up to date).
    /// `wrote` is `None` when the file must be written but the render came from a saved
    /// database without its HTML: the page is then rendered again, outside its memo.
    Built { output: Arc<PageOutput>, wrote: Result<Option<bool>, HostError> },
}

/// Pages each build thread keeps in progress at once (`DODECA_IN_FLIGHT` overrides it): enough
/// that the cells always have requests queued while replies travel back, so hand-offs rarely
/// need a wake-up. Measured on 10,000 pages and two cores (the CLI's cold build): 8 in flight
/// 0.49 s, 16 0.43 s, 32 0.38 s, 64 0.34 s, 128 0.32 s, 1024 0.35 s. A render blocked on a
/// callback holds one of the cell's threads, so this also bounds those; past 64 the gain is
/// small.
const IN_FLIGHT: usize = 64;

impl Site {
    /// Renders and writes every page of `paths` (those `routes` does not refuse), on `jobs`
    /// threads. Returns the report of what was built, written and failed, and the output
    /// files of the pages built (sorted), which stay.
    ///
    /// `written_at`: a revision at which every page's output was written and is still intact
    /// (the last build's, or the saved one's after a load, when the outputs were found as
    /// recorded). A page whose render did not change since is then neither written nor
    /// looked at: its render is only brought up to date (`get_if_changed`, which neither
    /// clones nor decodes its value), and its output file named by `output_rel`.
    pub(super) fn build_pages(
        &self,
        jobs: usize,
        paths: &[String],
        routes: &RouteCheck,
        outputs: &Outputs,
        progress: &Progress,
        written_at: Option<picante::Revision>,
    ) -> Result<(BuildReport, Vec<String>), HostError> {
        let db = &*self.db;
        progress.start("building", paths.len());
        let in_flight = std::env::var("DODECA_IN_FLIGHT")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(IN_FLIGHT);
        let outcomes = crate::exec::run_all(jobs, in_flight, paths, |path| {
            let refused = routes.refuses(path);
            async move {
                let outcome = if refused {
                    Outcome::Refused
                } else {
                    // By reference: a memo hit copies no key.
                    let render = match written_at {
                        None => db.render.get_ref(db, path.as_str()).await.map(Some),
                        Some(since) => db.render.get_if_changed(db, path.as_str(), since).await,
                    };
                    match render {
                        Err(error) => Outcome::Failed(error),
                        Ok(None) => match db.output_rel.get_ref(db, path.as_str()).await {
                            Err(error) => Outcome::Failed(error),
                            Ok(rel) if rel.is_empty() => Outcome::Draft,
                            Ok(rel) => Outcome::Unchanged { rel },
                        },
                        Ok(Some(None)) => Outcome::Draft,
                        Ok(Some(Some(output))) => {
                            let wrote = outputs.write_page(&self.cas, &output);
                            Outcome::Built { output, wrote }
                        }
                    }
                };
                progress.done.fetch_add(1, Ordering::Relaxed);
                outcome
            }
        });
        // Renders loaded without their HTML whose file is not as recorded (changed by hand,
        // deleted): rendered again by the query's own code, outside its memo (which stays
        // valid: the render is a function of what it read), and written.
        let again: Vec<&String> = paths
            .iter()
            .zip(&outcomes)
            .filter(|(_, outcome)| matches!(outcome, Outcome::Built { wrote: Ok(None), .. }))
            .map(|(path, _)| path)
            .collect();
        let mut rendered_again = crate::exec::run_all(jobs, in_flight, &again, |path| async move {
            match crate::render::render_query(db, (*path).clone()).await {
                Err(error) => Outcome::Failed(error),
                Ok(None) => Outcome::Draft,
                Ok(Some(output)) => {
                    let wrote = outputs.write_page(&self.cas, &output);
                    Outcome::Built { output, wrote }
                }
            }
        })
        .into_iter();
        let outcomes: Vec<Outcome> = outcomes
            .into_iter()
            .map(|outcome| match outcome {
                Outcome::Built { wrote: Ok(None), .. } => {
                    rendered_again.next().unwrap_or(Outcome::Draft)
                }
                outcome => outcome,
            })
            .collect();
        let mut report = BuildReport::default();
        for problem in &routes.problems {
            let file = format!("content/{}", problem.paths[0]);
            report.errors.push(SiteError::in_file(file, problem.message.clone()));
        }
        let mut live = Vec::with_capacity(paths.len());
        for (path, outcome) in paths.iter().zip(outcomes) {
            match outcome {
                Outcome::Draft | Outcome::Refused => {}
                Outcome::Failed(error) => report.errors.push(page_error(path, &error)?),
                Outcome::Unchanged { rel } => {
                    report.pages += 1;
                    report.unchanged += 1;
                    live.push(rel);
                }
                Outcome::Built { output, wrote } => {
                    report.pages += 1;
                    report.warnings.extend(output.warnings.iter().cloned());
                    // A render with its HTML always says whether it wrote.
                    report.count_output(&output.rel, wrote?.unwrap_or(false));
                    live.push(output.rel.clone());
                }
            }
        }
        live.sort_unstable();
        Ok((report, live))
    }
}

/// The failure of the page at `path` (under `content/`) as a site error. A missing cell
/// binary fails the whole build instead: every page needs it. A cell that failed on this page
/// (it died twice on it) is this page's error.
fn page_error(path: &str, error: &picante::PicanteError) -> Result<SiteError, HostError> {
    if let Some(site) = site_error(error) {
        return Ok(site.clone());
    }
    match cell_error(error) {
        Some(missing @ CellError::Missing { .. }) => Err(HostError::Cell(missing.clone())),
        _ => Ok(SiteError::in_file(format!("content/{path}"), error.to_string())),
    }
}
