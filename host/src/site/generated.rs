//! The listings step: every generated page (`listings/`: taxonomies, terms, further pagers
//! and their redirects) through its `render_generated` query and the writing of its output,
//! as the pages step does for content files.

use std::sync::Arc;

use super::{BuildReport, Site};
use crate::error::site_error;
use crate::listings::{GeneratedOutput, Kind};
use crate::output::Outputs;
use crate::render::PageOutput;
use crate::{HostError, SiteError};

/// What became of one generated page.
enum Outcome {
    /// It no longer exists (the list was from before a change it read).
    Gone,
    Failed(Arc<picante::PicanteError>),
    /// Unchanged since its output was written.
    Unchanged,
    /// Rendered: its output, and whether it was written (`None`: the render came from a saved
    /// database without its HTML, and is rendered again).
    Built {
        output: Arc<PageOutput>,
        wrote: Result<Option<bool>, HostError>,
    },
}

impl Site {
    /// Renders and writes every generated page, on `jobs` threads. Returns what was built,
    /// written and failed, and the output files that stay (sorted). `written_at`: as for
    /// [`build_pages`](Self::build_pages). `pages`: the content pages' outputs (sorted); a
    /// generated page that would overwrite one is an error, and not written.
    pub(super) fn build_generated(
        &self,
        jobs: usize,
        outputs: &Outputs,
        written_at: Option<picante::Revision>,
        pages: &[String],
    ) -> Result<(BuildReport, Vec<String>), HostError> {
        let db = &*self.db;
        let mut report = BuildReport::default();
        let list = match pollster::block_on(db.generated.get(db, ())) {
            Ok(list) => list,
            Err(error) => {
                report.errors.push(generated_error("the site's listings", &error)?);
                return Ok((report, Vec::new()));
            }
        };
        // Checked before anything is written: a route from a term's name or a
        // `paginate_path` that is not a plain path below the output directory, or an output
        // that a content page or another generated page has too (one would overwrite the
        // other, differently from build to build), is an error, and not written.
        let mut seen = std::collections::HashMap::new();
        for item in list.iter() {
            *seen.entry(item.rel.as_str()).or_insert(0) += 1;
        }
        let mut accepted: Vec<&GeneratedOutput> = Vec::with_capacity(list.len());
        for item in list.iter() {
            let route = format!("/{}", item.rel.trim_end_matches("index.html"));
            let problem = if let Some(problem) = crate::routes::route_problem(&route) {
                format!("the generated page `{route}` {problem}")
            } else if pages.binary_search(&item.rel).is_ok() {
                format!(
                    "the generated page `{}` has a content page's output: one would overwrite \
                     the other (rename the section or the taxonomy)",
                    item.rel
                )
            } else if seen[item.rel.as_str()] > 1 {
                format!("two generated pages have the output `{}`", item.rel)
            } else {
                accepted.push(item);
                continue;
            };
            let file = match item.key.kind {
                Kind::SectionPager | Kind::SectionRedirect => format!("content/{}", item.key.owner),
                _ => db.config_text.get(db, &()).ok().flatten().map(|c| c.file).unwrap_or_default(),
            };
            let error = SiteError::in_file(file, problem);
            if !report.errors.contains(&error) {
                report.errors.push(error);
            }
        }
        let list = accepted;
        let write = |output: Arc<PageOutput>| {
            let wrote = outputs.write_page(&self.cas, &output);
            Outcome::Built { output, wrote }
        };
        let outcomes =
            crate::exec::run_all(jobs, 16, &list[..], |item: &&GeneratedOutput| async move {
                let key = &item.key;
                let render = match written_at {
                    None => db.render_generated.get_ref(db, key).await.map(Some),
                    Some(since) => db.render_generated.get_if_changed(db, key, since).await,
                };
                match render {
                    Err(error) => Outcome::Failed(error),
                    Ok(None) => Outcome::Unchanged,
                    Ok(Some(None)) => Outcome::Gone,
                    Ok(Some(Some(output))) => write(output),
                }
            });
        let mut live = Vec::with_capacity(list.len());
        for (item, outcome) in list.iter().zip(outcomes) {
            let outcome = match outcome {
                // Loaded without its HTML and not as recorded: rendered again by the query's
                // own code, outside its memo (which stays valid).
                Outcome::Built { wrote: Ok(None), .. } => {
                    let again = crate::listings::render_generated_query(db, item.key.clone());
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
                Outcome::Failed(error) => {
                    // One problem (a missing template) fails every page of a taxonomy: said once.
                    let error = generated_error(&item.rel, &error)?;
                    if !report.errors.contains(&error) {
                        report.errors.push(error);
                    }
                }
                Outcome::Unchanged => {
                    report.pages += 1;
                    report.unchanged += 1;
                    live.push(item.rel.clone());
                }
                Outcome::Built { output, wrote } => {
                    report.pages += 1;
                    report.count_output(&output.rel, wrote?.unwrap_or(false));
                    live.push(output.rel.clone());
                }
            }
        }
        live.sort_unstable();
        Ok((report, live))
    }
}

/// The failure of the generated page `what` as a site error (a missing cell fails the build,
/// as for pages).
fn generated_error(what: &str, error: &picante::PicanteError) -> Result<SiteError, HostError> {
    if let Some(site) = site_error(error) {
        return Ok(site.clone());
    }
    match crate::error::cell_error(error) {
        Some(missing @ crate::cells::CellError::Missing { .. }) => {
            Err(HostError::Cell(missing.clone()))
        }
        _ => Ok(SiteError::in_file(what, error.to_string())),
    }
}
