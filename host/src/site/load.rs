//! Reading the site into the database: a whole scan ([`Site::load`]), or one content file a
//! watcher reported ([`Site::content_changed`]). Either way, one input batch: one revision.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use picante::{HasRuntime, InputBatch, InputIngredient};

use super::Site;
use super::theme::{Layered, ThemeScan, layer, read_layered};
use crate::HostError;
use crate::scan::{Ignored, Listing, ScanPolicy, files_under, read_texts};

/// Every file of the site, listed and stamped, not read yet: the config, then `content/`,
/// `templates/`, `data/` and `static/`, then the theme's `theme.toml`, `templates/` and
/// `static/` (`theme.rs`; empty without a theme), then the Sass files of `sass/` and of the
/// theme's `sass/`.
pub(super) struct Scan {
    /// When the scan began, before anything was listed.
    pub(super) started: std::time::SystemTime,
    pub(super) listings: [Listing; 10],
    /// The config's `theme`, and whether it has `templates/`.
    theme: Option<(String, bool)>,
}

impl Site {
    /// Reads the site's files into the database (one revision for all changes).
    ///
    /// # Errors
    ///
    /// When a directory or file cannot be read.
    pub fn load(&self) -> Result<(), HostError> {
        let scan = self.scan()?;
        self.load_scanned(scan)
    }

    /// Lists and stamps every file of the site (nothing is read yet).
    pub(super) fn scan(&self) -> Result<Scan, HostError> {
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        // Before anything is listed: stamps taken after this are trusted only if well before it.
        let started = std::time::SystemTime::now();
        // Whether links may lead outside the site is decided before anything is read through
        // one, so the config is read for it first (a config that does not parse says no; the
        // build reports its error).
        // So are the files the config leaves out (`ignored_content`, `ignored_static`): they
        // are not listed, so no input holds them.
        let config_file = crate::config::find(&self.root)?;
        let config = std::fs::read_to_string(self.root.join(config_file))
            .ok()
            .and_then(|text| crate::config::parse(config_file, &text).ok());
        let follow_outside = config.as_ref().is_some_and(|config| config.follow_outside_symlinks);
        let theme_name = config.as_ref().and_then(|config| config.theme.clone());
        let ignored = config.map(|config| Ignored::new(&config, &self.root)).unwrap_or_default();
        *self.ignored.lock() = ignored.clone();
        let policy = ScanPolicy::new(&self.root, follow_outside)?;
        // Pages and their co-located assets, told apart when loaded (`assets.rs`).
        let mut content = files_under(&self.root.join("content"), "", threads, &policy)?;
        content.files.retain(|found| {
            !crate::assets::is_temporary(&found.rel) && !ignored.content(&found.rel)
        });
        let templates = files_under(&self.root.join("templates"), "", threads, &policy)?;
        // Every Sass file, whether or not `compile_sass` is on: the config decides what is
        // compiled (`sass.rs`), and a file read is read again only when it changes.
        let mut sass = files_under(&self.root.join("sass"), "", threads, &policy)?;
        sass.files.retain(|found| crate::sass::is_sass_input(&found.rel));
        // Every file under `data/`: `load_data` reads any of them (`data.<stem>` the TOML,
        // JSON and YAML ones), and only a file that is an input is a tracked read.
        let mut data = files_under(&self.root.join("data"), "", threads, &policy)?;
        data.files.retain(|found| !crate::assets::is_temporary(&found.rel));
        let config = Listing::single(&self.root, config_file);
        let mut statics = files_under(&self.root.join("static"), "", threads, &policy)?;
        if !ignored.is_empty() {
            statics.files.retain(|found| !ignored.static_file(&found.rel));
        }
        // The theme's files, not filtered by `ignored_static` (as Zola copies them).
        let theme = ThemeScan::list(&self.root, theme_name, threads, &policy)?;
        let theme_state = theme.name.clone().map(|name| (name, theme.has_templates));
        Ok(Scan {
            started,
            listings: [
                config,
                content,
                templates,
                data,
                statics,
                theme.toml,
                theme.templates,
                theme.statics,
                sass,
                theme.sass,
            ],
            theme: theme_state,
        })
    }

    /// Reads the files of `scan` whose stamps changed into the database (one revision).
    pub(super) fn load_scanned(&self, scan: Scan) -> Result<(), HostError> {
        let db = &*self.db;
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let Scan {
            started,
            listings:
                [
                    mut config,
                    mut content,
                    mut site_templates,
                    mut data,
                    mut site_statics,
                    mut theme_toml,
                    mut theme_templates,
                    mut theme_statics,
                    mut site_sass,
                    mut theme_sass,
                ],
            theme,
        } = scan;
        // What the site's own templates and static files were at the last scan: where one is
        // gone, the theme's file of that path is its fallback, read although unchanged.
        let (site_templates_before, site_statics_before) = match theme {
            Some(_) => {
                (self.scanner.listed(&site_templates.dir), self.scanner.listed(&site_statics.dir))
            }
            None => (Vec::new(), Vec::new()),
        };
        // Every file in one scan: only those whose stamp changed are read (or, for static
        // files, stored in the CAS).
        let changed = self.scanner.changed(
            &mut [
                &mut config,
                &mut content,
                &mut site_templates,
                &mut data,
                &mut site_statics,
                &mut theme_toml,
                &mut theme_templates,
                &mut theme_statics,
                &mut site_sass,
                &mut theme_sass,
            ],
            started,
        );
        let was = |before: &[String], key: &str| {
            before.binary_search_by(|rel| rel.as_str().cmp(key)).is_ok()
        };
        // The theme's templates under the site's (the site's of the same path win), and each
        // also as `<theme>/templates/<path>`.
        let alias = theme.as_ref().map(|(name, _)| format!("{name}/templates/"));
        let templates = layer(
            (&site_templates, &changed[2]),
            (&theme_templates, &changed[6]),
            alias.as_deref(),
            |key| was(&site_templates_before, key),
        );
        let statics =
            layer((&site_statics, &changed[4]), (&theme_statics, &changed[7]), None, |key| {
                was(&site_statics_before, key)
            });
        let config_text = read_texts(&config, &changed[0], threads)?;
        // Only pages are read as text; assets go to the CAS below.
        let is_page: Vec<bool> =
            content.files.iter().map(|found| crate::assets::is_page_file(&found.rel)).collect();
        let page_changed: Vec<bool> =
            changed[1].iter().zip(&is_page).map(|(changed, page)| *changed && *page).collect();
        let content_texts = read_texts(&content, &page_changed, threads)?;
        let template_texts = read_layered(&templates, threads)?;

        let mut batch = InputBatch::new();
        if let Some(Some(text)) = config_text.into_iter().next() {
            let file = config.files.first().map_or_else(String::new, |found| found.rel.clone());
            batch.set(&db.config_text, (), crate::config::ConfigText { file, text });
        }
        // The list of pages is set only when it changed, and only then are the pages that
        // left it looked for: a rescan of an unchanged site compares it once.
        let previous = db.content_list.get(db, &()).map_err(HostError::Query)?;
        let pages = || content.files.iter().zip(&is_page).filter(|(_, page)| **page);
        let unchanged = previous.as_ref().is_some_and(|list| {
            list.len() == pages().count()
                && list.iter().zip(pages()).all(|(old, (found, _))| *old == found.rel)
        });
        if !unchanged {
            let listed: Vec<String> = pages().map(|(found, _)| found.rel.clone()).collect();
            for old in previous.iter().flat_map(|list| list.iter()) {
                if listed.binary_search(old).is_err() {
                    batch.remove(&db.content, old.clone());
                }
            }
            batch.set(&db.content_list, (), Arc::new(listed));
        }
        for (found, text) in content.files.iter().zip(content_texts) {
            if let Some(text) = text {
                batch.set(&db.content, found.rel.clone(), text);
            }
        }

        for old in db.templates.keys() {
            if templates.binary_search_by(|layered| layered.key.as_str().cmp(&old)).is_err() {
                batch.remove(&db.templates, old);
            }
        }
        for (layered, text) in templates.iter().zip(template_texts) {
            if let Some(text) = text {
                batch.set_with_durability(
                    &db.templates,
                    layered.key.clone(),
                    text,
                    picante::Durability::High,
                );
            }
        }
        let theme_sass_root = theme.as_ref().map(|(name, _)| format!("themes/{name}/sass/"));
        self.set_sass(
            &mut batch,
            [
                ("sass/", &site_sass, &changed[8]),
                (theme_sass_root.as_deref().unwrap_or(""), &theme_sass, &changed[9]),
            ],
            threads,
        )?;
        self.set_theme(&mut batch, theme, &theme_toml, &changed[5])?;

        // Data files, like static files: bytes to the CAS, hashes to the database.
        let data_files: Vec<Layered> = data
            .files
            .iter()
            .zip(&changed[3])
            .map(|(found, changed)| Layered {
                key: found.rel.clone(),
                path: data.path(found),
                read: *changed,
            })
            .collect();
        self.store_listed(&mut batch, &db.data_files, &data_files)?;

        // Co-located assets: like static files, their bytes go to the CAS; their list is an
        // input of its own, set only when it changed.
        let assets: Vec<String> = content
            .files
            .iter()
            .zip(&is_page)
            .filter(|(_, page)| !**page)
            .map(|(found, _)| found.rel.clone())
            .collect();
        let previous_assets = db.asset_list.get(db, &()).map_err(HostError::Query)?;
        if previous_assets.as_deref() != Some(&assets) {
            for old in db.assets.keys() {
                if assets.binary_search(&old).is_err() {
                    batch.remove(&db.assets, old);
                    self.cas_garbage.store(true, Ordering::Relaxed);
                }
            }
            batch.set(&db.asset_list, (), Arc::new(assets));
        }
        for ((found, changed), page) in content.files.iter().zip(&changed[1]).zip(&is_page) {
            if *page || !*changed {
                continue;
            }
            let path = content.path(found);
            let hash = self
                .cas
                .put_file(&path)
                .map_err(|e| HostError::cache(format!("store {}", path.display()), e))?;
            if db.assets.get(db, &found.rel).ok().flatten().is_some_and(|old| old != hash) {
                self.cas_garbage.store(true, Ordering::Relaxed);
            }
            batch.set(&db.assets, found.rel.clone(), hash);
        }

        // Static files (the site's over the theme's): their bytes go to the CAS, their hashes
        // to the database.
        self.store_listed(&mut batch, &db.statics, &statics)?;
        // Setting an equal value changes nothing: only a change of override renders again.
        batch.set(&db.base_url_override, (), self.base_url.clone());
        batch.set(&db.serving, (), self.serving);
        // The environment variables templates read (`get_env`), as they are now.
        crate::environment::refresh(db, &mut batch);
        batch.set(&db.include_drafts, (), self.drafts);
        let before = db.runtime().current_revision();
        batch.commit(db).map_err(HostError::Query)?;
        // `now()` answers the build's start time. It is set anew when this build may render
        // anything (an input changed: setting an equal value changes nothing), or when the last
        // build had a render read it (which must then run again). Otherwise no render runs,
        // none reads it, and the revision stays.
        if db.runtime().current_revision() != before || self.read_now.load(Ordering::Relaxed) {
            let now = super::nanos_since_epoch(started);
            db.build_time.set(db, (), now).map_err(HostError::Query)?;
        }
        self.scanner.remember(vec![
            config,
            content,
            site_templates,
            data,
            site_statics,
            theme_toml,
            theme_templates,
            theme_statics,
            site_sass,
            theme_sass,
        ]);
        Ok(())
    }

    /// Stores the files of `files` (sorted by key) to be read in the CAS and sets their
    /// hashes in `input` (by key); removes from `input` the keys no longer there. A blob
    /// replaced or left behind is garbage for the next collection.
    fn store_listed<'db>(
        &self,
        batch: &mut InputBatch<'db>,
        input: &'db InputIngredient<String, cas::ContentHash>,
        files: &[Layered],
    ) -> Result<(), HostError> {
        let db = &*self.db;
        for old in input.keys() {
            if files.binary_search_by(|file| file.key.as_str().cmp(&old)).is_err() {
                batch.remove(input, old);
                self.cas_garbage.store(true, Ordering::Relaxed);
            }
        }
        for file in files.iter().filter(|file| file.read) {
            let hash = self
                .cas
                .put_file(&file.path)
                .map_err(|e| HostError::cache(format!("store {}", file.path.display()), e))?;
            if input.get(db, &file.key).ok().flatten().is_some_and(|old| old != hash) {
                self.cas_garbage.store(true, Ordering::Relaxed);
            }
            batch.set(input, file.key.clone(), hash);
        }
        Ok(())
    }

    /// Sets the Sass files of `listings` (each with the key prefix of its directory, from the
    /// site's root, and which files changed): the text of each changed one, the list when it
    /// changed, and removes the files gone.
    fn set_sass<'db>(
        &'db self,
        batch: &mut InputBatch<'db>,
        listings: [(&str, &Listing, &[bool]); 2],
        threads: usize,
    ) -> Result<(), HostError> {
        let db = &*self.db;
        let mut keys = Vec::new();
        for (prefix, listing, changed) in listings {
            let texts = read_texts(listing, changed, threads)?;
            for (found, text) in listing.files.iter().zip(texts) {
                let key = format!("{prefix}{}", found.rel);
                if let Some(text) = text {
                    batch.set(&db.sass_files, key.clone(), text);
                }
                keys.push(key);
            }
        }
        keys.sort_unstable();
        let previous = db.sass_list.get(db, &()).map_err(HostError::Query)?;
        if previous.as_deref() != Some(&keys) {
            for old in previous.iter().flat_map(|list| list.iter()) {
                if keys.binary_search(old).is_err() {
                    batch.remove(&db.sass_files, old.clone());
                }
            }
            batch.set(&db.sass_list, (), Arc::new(keys));
        }
        Ok(())
    }

    /// Sets the input `theme` of the config's theme (`theme.toml` read again only when its
    /// stamp `changed`), and removes any other theme's.
    fn set_theme<'db>(
        &'db self,
        batch: &mut InputBatch<'db>,
        theme: Option<(String, bool)>,
        toml: &Listing,
        changed: &[bool],
    ) -> Result<(), HostError> {
        let db = &*self.db;
        for old in db.theme.keys() {
            if theme.as_ref().is_none_or(|(name, _)| *name != old) {
                batch.remove(&db.theme, old);
            }
        }
        let Some((name, has_templates)) = theme else { return Ok(()) };
        let previous = db.theme.get(db, &name).map_err(HostError::Query)?;
        let text = match (toml.files.first(), previous) {
            (None, _) => None,
            (Some(_), Some(previous)) if !changed.first().copied().unwrap_or(true) => previous.toml,
            (Some(found), _) => {
                let path = toml.path(found);
                Some(std::fs::read_to_string(&path).map_err(|e| HostError::io("read", path, e))?)
            }
        };
        let value = crate::config::ThemeText { toml: text, has_templates };
        batch.set(&db.theme, name, value);
        Ok(())
    }

    /// Reads the content file `rel` (relative to `content/`) from disk, the way a file watcher
    /// reports one change, without rescanning the site: an edited file is read again, a new
    /// one joins the list of pages, and a deleted one leaves it (its output is removed by the
    /// next build).
    ///
    /// # Errors
    ///
    /// When `rel` is not a content file's path (a plain relative path ending in `.md`), or the
    /// file is there but cannot be read.
    pub fn content_changed(&self, rel: &str) -> Result<(), HostError> {
        let plain = crate::output::records::is_plain_relative(rel);
        let named = rel.rsplit('/').next().and_then(|name| name.strip_suffix(".md"));
        if !plain || named.is_none_or(str::is_empty) {
            return Err(HostError::NotContent(rel.to_string()));
        }
        let path = self.root.join("content").join(rel);
        let db = &*self.db;
        // A file the config leaves out is not the site's: nothing to read (by the rules of
        // the last scan: a change of the config is a rescan, which lists what it now takes).
        if self.ignored.lock().content(rel) {
            return Ok(());
        }
        self.scanner.forget(&path);
        let list = db.content_list.get(db, &()).map_err(HostError::Query)?.unwrap_or_default();
        let listed = list.binary_search_by(|listed| listed.as_str().cmp(rel));
        let mut batch = InputBatch::new();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                if let Err(at) = listed {
                    let mut list = list.as_ref().clone();
                    list.insert(at, rel.to_string());
                    batch.set(&db.content_list, (), Arc::new(list));
                }
                batch.set(&db.content, rel.to_string(), text);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Ok(at) = listed {
                    let mut list = list.as_ref().clone();
                    list.remove(at);
                    batch.set(&db.content_list, (), Arc::new(list));
                    batch.remove(&db.content, rel.to_string());
                }
            }
            Err(e) => return Err(HostError::io("read", path, e)),
        }
        // A render that reads `now()` runs again with this build's time (see `load_scanned`).
        batch.set(&db.build_time, (), super::nanos_since_epoch(std::time::SystemTime::now()));
        batch.commit(db).map_err(HostError::Query)?;
        Ok(())
    }
}
