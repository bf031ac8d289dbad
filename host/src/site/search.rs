//! The search index step: with `build_search_index`, the index file (`search/`, the query
//! `search_index`) and, for the elasticlunr formats, the library beside it, each written
//! unless a static file, a page or another output of the build already takes its name (Zola
//! writes them before everything else, which then overwrites them).

use std::sync::{Arc, OnceLock};

use super::{BuildReport, Site};
use crate::config::SiteConfig;
use crate::output::Outputs;
use crate::render::PageOutput;
use crate::search::{ELASTICLUNR_FILE, ELASTICLUNR_JS, is_elasticlunr};
use crate::{HostError, SiteError};

impl Site {
    /// Writes the search index and its library, if the config asks for them and no output in
    /// `taken` (sorted) has their names. Returns the outputs written or up to date.
    pub(super) fn write_search_index(
        &self,
        outputs: &Outputs,
        config: &SiteConfig,
        taken: &[String],
        report: &mut BuildReport,
    ) -> Result<Vec<String>, HostError> {
        if !config.build_search_index {
            return Ok(Vec::new());
        }
        let db = &*self.db;
        let free = |name: &str| taken.binary_search_by(|t| t.as_str().cmp(name)).is_err();
        let mut live = Vec::with_capacity(2);
        for code in crate::search::indexed_languages(config) {
            if !free(&crate::search::index_file(config, code)) {
                continue;
            }
            let index = match pollster::block_on(db.search_index.get(db, code.to_string())) {
                Ok(index) => index,
                Err(error) => {
                    report.errors.push(index_error(db, &error)?);
                    None
                }
            };
            if let Some(index) = index {
                let mut wrote = outputs.write_page(&self.cas, &index)?;
                if wrote.is_none() {
                    // Loaded without its text and not as recorded (deleted or changed by
                    // hand): made again by the query's own code, outside its memo.
                    let again = crate::search::search_index_query(db, code.to_string());
                    match pollster::block_on(again) {
                        Ok(Some(again)) => wrote = outputs.write_page(&self.cas, &again)?,
                        Ok(None) => {}
                        Err(error) => report.errors.push(index_error(db, &error)?),
                    }
                }
                if let Some(wrote) = wrote {
                    report.count_output(&index.rel, wrote);
                    live.push(index.rel.clone());
                }
            }
        }
        if is_elasticlunr(&config.search) && free(ELASTICLUNR_FILE) {
            let library = library();
            let wrote = outputs.write_page(&self.cas, library)?.unwrap_or(false);
            report.count_output(&library.rel, wrote);
            live.push(library.rel.clone());
        }
        Ok(live)
    }
}

/// `elasticlunr.min.js` as an output (made once per process: it is a constant).
fn library() -> &'static Arc<PageOutput> {
    static LIBRARY: OnceLock<Arc<PageOutput>> = OnceLock::new();
    LIBRARY.get_or_init(|| {
        Arc::new(PageOutput {
            rel: ELASTICLUNR_FILE.to_string(),
            hash: cas::ContentHash::of(ELASTICLUNR_JS.as_bytes()),
            html: Some(ELASTICLUNR_JS.to_string()),
            warnings: Vec::new(),
        })
    })
}

/// The failure of the search index as a site error (a missing cell fails the build, as for
/// pages).
fn index_error(
    db: &crate::db::Database,
    error: &picante::PicanteError,
) -> Result<SiteError, HostError> {
    if let Some(site) = crate::error::site_error(error) {
        return Ok(site.clone());
    }
    match crate::error::cell_error(error) {
        Some(missing @ crate::cells::CellError::Missing { .. }) => {
            Err(HostError::Cell(missing.clone()))
        }
        _ => {
            let file = db.config_text.get(db, &()).ok().flatten().map(|c| c.file);
            Ok(SiteError::in_file(file.unwrap_or_default(), format!("the search index: {error}")))
        }
    }
}
