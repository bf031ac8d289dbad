//! Static files: copied into the output when their bytes differ from what is there, refused
//! when they would overwrite a page's output or (on a file system that ignores case) each
//! other.

use super::{BuildReport, Site};
use crate::output::Outputs;
use std::sync::Arc;

use crate::render::{PageOutput, page_output};
use crate::{HostError, SiteError};

impl Site {
    /// Copies the static files into the output (those not already there). A static file whose
    /// output is a page's (`static/about/index.html` and `content/about.md`), or, on a file
    /// system that ignores case, another static file's, is an error naming both and is not
    /// written. Returns the outputs written or up to date.
    pub(super) fn write_statics(
        &self,
        outputs: &Outputs,
        pages: &[String],
        paths: &[String],
        case_insensitive: bool,
        report: &mut BuildReport,
    ) -> Result<Vec<String>, HostError> {
        let db = &*self.db;
        let mut statics = db.statics.keys();
        statics.sort_unstable();
        // Only a static file named `index.html` can have a page's output (`<route>index.html`,
        // `pages` sorted); the content file is looked for only then.
        let page_of = |rel: &str| -> Option<&String> {
            let output = if case_insensitive {
                let wanted = rel.to_lowercase();
                pages.iter().find(|page| page.to_lowercase() == wanted)?
            } else {
                &pages[pages.binary_search_by(|page| page.as_str().cmp(rel)).ok()?]
            };
            // Rare (an error): the pages are asked again, each a memo already valid.
            paths.iter().find(|path| {
                pollster::block_on(db.page.get(db, (*path).clone()))
                    .is_ok_and(|page| page_output(&page.route) == *output)
            })
        };
        let mut folded: std::collections::HashMap<String, String> =
            std::collections::HashMap::new();
        let mut live = Vec::with_capacity(statics.len());
        for rel in statics {
            let Some(hash) = db.statics.get(db, &rel).map_err(HostError::Query)? else {
                continue;
            };
            if rel.to_ascii_lowercase().ends_with("index.html")
                && let Some(page) = page_of(&rel)
            {
                report.errors.push(SiteError::in_file(
                    self.static_source(&rel),
                    format!(
                        "has the same output as content/{page} ({}); rename or remove one",
                        outputs.dir().path.join(&rel).display()
                    ),
                ));
                continue;
            }
            if case_insensitive && let Some(other) = folded.insert(rel.to_lowercase(), rel.clone())
            {
                report.errors.push(SiteError::in_file(
                    self.static_source(&rel),
                    format!(
                        "and {} differ only in letter case, and the output \
                         directory's file system does not tell them apart; rename one",
                        self.static_source(&other)
                    ),
                ));
                continue;
            }
            self.copy_stored(outputs, &rel, hash, &|| self.static_source(&rel), report)?;
            live.push(rel);
        }
        Ok(live)
    }
}

impl Site {
    /// Copies the co-located assets of the pages and sections built into their output
    /// directories (`assets.rs`). An asset of a draft, of a page not rendered or refused, or of
    /// no page at all is not copied; one that would be its owner's own `index.html` is an
    /// error naming both. Returns the outputs written or up to date.
    pub(super) fn write_assets(
        &self,
        outputs: &Outputs,
        paths: &[String],
        routes: &crate::routes::RouteCheck,
        report: &mut BuildReport,
    ) -> Result<Vec<String>, HostError> {
        let db = &*self.db;
        let list = db.asset_list.get(db, &()).map_err(HostError::Query)?.unwrap_or_default();
        let mut live = Vec::with_capacity(list.len());
        for asset in list.iter() {
            for (owner, below) in crate::assets::owners_of(asset, paths) {
                if routes.refuses(&owner) {
                    continue;
                }
                let Ok(meta) = pollster::block_on(db.front_matter.get(db, owner.clone())) else {
                    continue; // the owner's own error is reported by the pages step
                };
                let left_out = pollster::block_on(db.left_out.get_ref(db, owner.as_str()));
                if !meta.render || left_out.map_err(HostError::Query)? {
                    continue;
                }
                let route = pollster::block_on(db.route.get(db, owner.clone()))
                    .map_err(HostError::Query)?;
                if below.eq_ignore_ascii_case("index.html") {
                    report.errors.push(SiteError::in_file(
                        format!("content/{asset}"),
                        format!("has the same output as content/{owner}; rename or remove one"),
                    ));
                    continue;
                }
                let rel = format!("{}{below}", route.trim_start_matches('/'));
                let Some(hash) = db.assets.get(db, asset).map_err(HostError::Query)? else {
                    continue;
                };
                self.copy_stored(outputs, &rel, hash, &|| format!("content/{asset}"), report)?;
                live.push(rel);
            }
        }
        Ok(live)
    }
}

impl Site {
    /// Writes the redirect page of every alias (`redirects.rs`). An alias refused (not a plain
    /// path) or whose output is a page's, a static file's or another alias's is an error
    /// naming the files, and is not written. `taken`: the outputs written so far (sorted).
    pub(super) fn write_redirects(
        &self,
        outputs: &Outputs,
        taken: &[String],
        report: &mut BuildReport,
    ) -> Result<Vec<String>, HostError> {
        let db = &*self.db;
        let redirects = pollster::block_on(db.redirects.get(db, ())).map_err(HostError::Query)?;
        for problem in &redirects.problems {
            let file = format!("content/{}", problem.paths[0]);
            report.errors.push(SiteError::in_file(file, problem.message.clone()));
        }
        let mut live: Vec<String> = Vec::with_capacity(redirects.pages.len());
        for redirect in &redirects.pages {
            let clash = taken.binary_search(&redirect.rel).is_ok()
                || live.last().is_some_and(|last| *last == redirect.rel);
            if clash {
                report.errors.push(SiteError::in_file(
                    format!("content/{}", redirect.from),
                    format!(
                        "an alias of it would write {}, which another page, alias or static \
                         file writes; remove the alias",
                        outputs.dir().path.join(&redirect.rel).display()
                    ),
                ));
                continue;
            }
            let output = Arc::new(PageOutput {
                rel: redirect.rel.clone(),
                hash: cas::ContentHash::of(redirect.html.as_bytes()),
                html: Some(redirect.html.clone()),
                warnings: Vec::new(),
            });
            let wrote = outputs.write_page(&self.cas, &output)? == Some(true);
            report.count_output(&redirect.rel, wrote);
            live.push(redirect.rel.clone());
        }
        Ok(live)
    }
}

impl Site {
    /// Writes `robots.txt`, `404.html`, `sitemap.xml` and the highlighting themes' CSS
    /// (`site_files.rs`), each unless the config turns it off or a static file of that name is
    /// written already (the site's own file wins, as it does in Zola). `taken`: the outputs
    /// written so far (sorted).
    pub(super) fn write_site_files(
        &self,
        outputs: &Outputs,
        taken: &[String],
        report: &mut BuildReport,
    ) -> Result<Vec<String>, HostError> {
        let db = &*self.db;
        let mut live = Vec::new();
        for name in crate::site_files::SITE_FILES {
            if taken.binary_search_by(|t| t.as_str().cmp(name)).is_ok() {
                continue;
            }
            let output = match pollster::block_on(db.site_file.get(db, name.to_string())) {
                Ok(Some(output)) => output,
                Ok(None) => continue,
                Err(error) => {
                    report.errors.push(site_file_error(&error, name));
                    continue;
                }
            };
            let mut wrote = outputs.write_page(&self.cas, &output)?;
            if wrote.is_none() {
                // Loaded without its text and not as recorded (deleted or changed by hand):
                // made again by the query's own code, outside its memo (which stays valid).
                match pollster::block_on(crate::site_files::site_file_query(db, name.to_string())) {
                    Ok(Some(again)) => wrote = outputs.write_page(&self.cas, &again)?,
                    Ok(None) => continue,
                    Err(error) => {
                        report.errors.push(site_file_error(&error, name));
                        continue;
                    }
                }
            }
            report.count_output(&output.rel, wrote == Some(true));
            live.push(output.rel.clone());
        }
        Ok(live)
    }
}

/// The error of making the site file `name`: the site error it carries, else one naming its
/// template.
fn site_file_error(error: &picante::PicanteError, name: &str) -> SiteError {
    match crate::error::site_error(error) {
        Some(site) => site.clone(),
        None => SiteError::in_file(format!("templates/{name}"), error.to_string()),
    }
}

impl Site {
    /// Writes the stored file `hash` (from `source`, its path in the site) to `rel` under the
    /// output directory unless it already holds those bytes, counting it in `report`. A blob
    /// gone from the cache (`cache gc`, `clear`, damage set aside) while the database still
    /// names it is stored again from the source, if that is still the same file; a source
    /// changed since it was read is an error, and the next load reads and stores it again.
    fn copy_stored(
        &self,
        outputs: &Outputs,
        rel: &str,
        hash: cas::ContentHash,
        source: &dyn Fn() -> String,
        report: &mut BuildReport,
    ) -> Result<(), HostError> {
        let mut wrote = outputs.write_static(&self.cas, rel, hash)?;
        // Only when the blob is gone from the CAS is the source looked at.
        let path = || self.root.join(source());
        if wrote.is_none() && self.cas.put_file(path()).is_ok_and(|stored| stored == hash) {
            wrote = outputs.write_static(&self.cas, rel, hash)?;
        }
        match wrote {
            Some(wrote) => report.count_output(rel, wrote),
            None => {
                self.scanner.forget(&path());
                return Err(HostError::StaticVanished(source()));
            }
        }
        Ok(())
    }
}

impl Site {
    /// The file the static output `rel` is copied from, relative to the site: `static/<rel>`,
    /// or the theme's `themes/<theme>/static/<rel>` when the site has no such file of its own
    /// (or leaves it out by `ignored_static`). Asked only for messages and for a blob gone
    /// from the CAS, so the config is read again here rather than kept.
    fn static_source(&self, rel: &str) -> String {
        let own = format!("static/{rel}");
        let theme = crate::config::own_config(&self.db).and_then(|config| config.theme);
        match theme {
            Some(theme)
                if self.ignored.lock().static_file(rel) || !self.root.join(&own).is_file() =>
            {
                format!("themes/{theme}/static/{rel}")
            }
            _ => own,
        }
    }
}
