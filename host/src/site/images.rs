//! Processed images: every `resize_image` the site's templates asked for, resized by the
//! image cell (the query `resized`, memoized and saved, so an unchanged request is not resized
//! again, in this process or the next) and written to `processed_images/` when its bytes
//! differ from the file there.
//!
//! The requests are the `resize_image` reads interned in the database (`db.reads`, kept with
//! it between processes) that a query brought up to date in this build depends on (every
//! render a build writes is brought up to date, changed or not, so a request still made has
//! such a dependent; one no template makes any more has none), each planned again here: a
//! memo hit for the image's size, and a request whose call now fails (its file removed) is
//! left out. A file left out is removed with the other stale outputs, as Zola prunes
//! `processed_images/` of what no page asked for.
//!
//! This step runs after every other step that renders (pages, listings, feeds, site files),
//! so that each of their renders is up to date when the requests in use are collected.

use std::collections::{BTreeMap, HashSet};

use picante::InternId;

use super::{BuildReport, Site};
use crate::error::site_error;
use crate::images::{self, ResizeKey};
use crate::output::Outputs;
use crate::{HostError, SiteError};
use cell_proto::ProviderRead;

impl Site {
    /// Writes every processed image asked for whose output is not taken (`taken`, sorted:
    /// a static file `static/processed_images/x` is Zola's own output of that name, and
    /// wins). Returns the outputs written or up to date, and their hashes (live in the CAS).
    pub(super) fn write_images(
        &self,
        outputs: &Outputs,
        config: &crate::SiteConfig,
        taken: &[String],
        report: &mut BuildReport,
    ) -> Result<(Vec<String>, Vec<cas::ContentHash>), HostError> {
        let db = &*self.db;
        let mut wanted: BTreeMap<String, ResizeKey> = BTreeMap::new();
        // Collected when the first request is found: a site without one pays nothing.
        let mut in_use: Option<HashSet<u32>> = None;
        for id in 0..db.reads.len() {
            let read = db.reads.get(db, InternId(id as u32)).map_err(HostError::Query)?;
            let ProviderRead::Function(call) = read.as_ref() else { continue };
            if call.name != "resize_image" {
                continue;
            }
            if !in_use.get_or_insert_with(|| reads_in_use(db)).contains(&(id as u32)) {
                continue;
            }
            // An error is the render's, which reported it.
            if let Ok(plan) = pollster::block_on(images::plan(db, call, config))
                && taken.binary_search(&plan.rel).is_err()
            {
                wanted.insert(plan.rel, plan.key);
            }
        }
        let mut live = Vec::with_capacity(wanted.len());
        let mut hashes = Vec::with_capacity(wanted.len());
        for (rel, key) in wanted {
            let source = key.path.clone();
            let failed = |error: &picante::PicanteError| match site_error(error) {
                Some(site) => {
                    SiteError::in_file(&source, format!("resize_image: {}", site.message))
                }
                None => SiteError::in_file(&source, format!("resize_image: {error}")),
            };
            let resized = match pollster::block_on(db.resized.get(db, key.clone())) {
                Ok(resized) => resized,
                Err(error) => {
                    report.errors.push(failed(&error));
                    continue;
                }
            };
            let mut hash = resized.hash;
            let mut wrote = outputs.write_static(&self.cas, &rel, hash)?;
            if wrote.is_none() {
                // The bytes are gone from the CAS (`cache gc`): made again by the query's own
                // code, outside its memo (which stays valid: the resize is a function of
                // its key and the file).
                match pollster::block_on(images::resized_query(db, key)) {
                    Ok(again) => {
                        hash = again.hash;
                        wrote = outputs.write_static(&self.cas, &rel, hash)?;
                    }
                    Err(error) => {
                        report.errors.push(failed(&error));
                        continue;
                    }
                }
            }
            let Some(wrote) = wrote else { continue };
            report.count_output(&rel, wrote);
            live.push(rel);
            hashes.push(hash);
        }
        Ok((live, hashes))
    }
}

/// The ids of the reads that a memo brought up to date in this revision depends on. A render
/// depends on `provided(id)` for each read it made, directly or through the set it replayed
/// (`reused(set)`, itself brought up to date with the render, depends on each `provided`).
fn reads_in_use(db: &crate::db::Database) -> HashSet<u32> {
    let now = picante::HasRuntime::runtime(db).current_revision();
    let provided = db.provided.kind();
    let mut slots = HashSet::new();
    db.registry().each_dependency_verified_since(now, |kind, slot| {
        if kind == provided {
            slots.insert(slot);
        }
    });
    slots.into_iter().filter_map(|slot| db.provided.key_at(slot)).map(|id| id.0).collect()
}
