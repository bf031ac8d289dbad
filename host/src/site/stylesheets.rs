//! Stylesheets (`sass.rs`): each compiled by the sass cell, on the build's threads, and
//! written as an output, after every other output: a static file or a site file (a
//! highlighting theme's CSS) of the same path wins, as each is written after the compiled
//! CSS in Zola.

use std::sync::Arc;

use super::{BuildReport, Site};
use crate::output::Outputs;
use crate::render::PageOutput;
use crate::{HostError, SiteError};

impl Site {
    /// Compiles every stylesheet the config and the Sass files make Zola compile, and writes
    /// those whose output `taken` (the outputs written so far, sorted) does not have. A
    /// stylesheet that does not compile is an error at its file, line and column, even one a
    /// static file shadows (Zola compiles them all before it copies the static files); the
    /// others are still written. Returns the outputs written or up to date.
    pub(super) fn write_stylesheets(
        &self,
        jobs: usize,
        outputs: &Outputs,
        taken: &[String],
        report: &mut BuildReport,
    ) -> Result<Vec<String>, HostError> {
        let db = &*self.db;
        let stylesheets = match pollster::block_on(db.stylesheets.get(db, ())) {
            Ok(stylesheets) => stylesheets,
            // The config's own error, which its step reports.
            Err(_) => return Ok(Vec::new()),
        };
        for (first, second) in &stylesheets.conflicts {
            report.errors.push(SiteError::in_file(
                second,
                format!("and {first} both compile to the same CSS file; rename or remove one"),
            ));
        }
        let list = &stylesheets.list;
        // Each compile waits on the cell: one in flight per thread keeps both busy.
        let compiled = crate::exec::run_all(jobs, 1, list, |sheet| async move {
            db.compile_sass.get(db, sheet.source.clone()).await
        });
        let mut live = Vec::with_capacity(list.len());
        for (sheet, output) in list.iter().zip(compiled) {
            let output = match output {
                Ok(output) => output,
                Err(error) => {
                    report.errors.push(stylesheet_error(&error, &sheet.source));
                    continue;
                }
            };
            if taken.binary_search_by(|t| t.as_str().cmp(&sheet.rel)).is_ok() {
                // A static file or a site file of the same path wins.
                continue;
            }
            let Some(wrote) = self.write_stylesheet(outputs, &output, &sheet.source, report)?
            else {
                continue;
            };
            report.warnings.extend(output.warnings.iter().cloned());
            report.count_output(&output.rel, wrote);
            live.push(output.rel.clone());
        }
        Ok(live)
    }

    /// Writes one compiled stylesheet: `Some(true)` written, `Some(false)` already there,
    /// `None` when it failed (the error is in `report`).
    fn write_stylesheet(
        &self,
        outputs: &Outputs,
        output: &Arc<PageOutput>,
        source: &str,
        report: &mut BuildReport,
    ) -> Result<Option<bool>, HostError> {
        let db = &*self.db;
        if let Some(wrote) = outputs.write_page(&self.cas, output)? {
            return Ok(Some(wrote));
        }
        // Loaded without its text and not as recorded (deleted or changed by hand): made
        // again by the query's own code, outside its memo (which stays valid).
        match pollster::block_on(crate::sass::compile_sass_query(db, source.to_string())) {
            Ok(again) => Ok(outputs.write_page(&self.cas, &again)?),
            Err(error) => {
                report.errors.push(stylesheet_error(&error, source));
                Ok(None)
            }
        }
    }
}

/// The error of compiling `source`: the site error it carries, else one naming the file.
fn stylesheet_error(error: &picante::PicanteError, source: &str) -> SiteError {
    match crate::error::site_error(error) {
        Some(site) => site.clone(),
        None => SiteError::in_file(source, error.to_string()),
    }
}
