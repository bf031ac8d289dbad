//! A page as listings show it (`section.pages`, `paginator.pages`, a term's `pages`,
//! `get_section(…).pages`, `page.lower` and `page.higher`): every field Zola gives, but only
//! the ones every listing reads are sent; the others (the body's `content`, `summary`, `toc`,
//! `word_count`, `reading_time`; `taxonomies`, `extra`, `authors`, `assets`, `ancestors`,
//! `lower`, `higher`, `backlinks`) are *deferred*: sent as the call of the host function `__page_field`
//! that gives them, which the template cell makes only if the template uses the field.
//!
//! So a listing depends on what it shows: a body edit re-renders the section that prints its
//! pages' titles only if it prints their summaries too, and adding a tag to a page re-renders
//! the listings that show tags, not every listing of the page.

use std::collections::HashMap;
use std::sync::Arc;

use cell_proto::{WireValue, WireWriter};
use parking_lot::Mutex;
use picante::PicanteResult;

use crate::config::SiteConfig;
use crate::db::Database;
use crate::tree::Entry;

/// The host function that gives a deferred field: `__page_field(path=…, field=…)`.
pub(crate) const PAGE_FIELD: &str = "__page_field";

/// The fields sent as deferred calls.
const DEFERRED: [&str; 11] = [
    "content",
    "summary",
    "toc",
    "word_count",
    "reading_time",
    "taxonomies",
    "extra",
    "authors",
    "assets",
    "ancestors",
    "backlinks",
];

/// Writes the page of `entry` as listings show it. `siblings`: whether it has `lower` and
/// `higher` (deferred); as in Zola, a neighbour itself has none (null).
pub(crate) fn write_listed(w: &mut WireWriter, entry: &Entry, config: &SiteConfig, siblings: bool) {
    w.map(16 + DEFERRED.len() + 3);
    w.key("title");
    w.opt_str(entry.title.as_deref());
    w.key("description");
    w.opt_str(entry.description.as_deref());
    w.key("date");
    w.opt_str(entry.date.as_deref());
    w.key("weight");
    match entry.weight {
        Some(weight) => w.int(weight),
        None => w.null(),
    }
    w.key("permalink");
    w.str(&[config.base_url.as_str(), &entry.route].concat());
    w.key("path");
    w.str(&entry.route);
    w.key("slug");
    w.str(&entry.slug);
    w.key("updated");
    w.opt_str(entry.updated.as_deref());
    let (month, day) = (entry.month.map(u16::from), entry.day.map(u16::from));
    for (key, part) in [("year", entry.year), ("month", month), ("day", day)] {
        w.key(key);
        match part {
            Some(n) => w.int(i64::from(n)),
            None => w.null(),
        }
    }
    w.key("relative_path");
    w.str(&entry.path);
    w.key("colocated_path");
    w.opt_str(colocated_path(&entry.path));
    w.key("components");
    write_components(w, &entry.route);
    w.key("draft");
    w.bool(false);
    w.key("lang");
    w.str(crate::languages::code_of(&entry.path, config));
    for field in DEFERRED {
        w.key(field);
        w.deferred(PAGE_FIELD, &[("path", &entry.path), ("field", field)]);
    }
    for field in ["lower", "higher"] {
        w.key(field);
        if siblings {
            w.deferred(PAGE_FIELD, &[("path", &entry.path), ("field", field)]);
        } else {
            w.null();
        }
    }
    w.key("translations");
    write_translations(w, &entry.path, config);
}

/// `translations` of the page or section at `path`: deferred on a site of several languages
/// (so that only a render that shows them depends on the other versions' titles and routes),
/// and empty on a site of one, as Zola's are there.
pub(crate) fn write_translations(w: &mut WireWriter, path: &str, config: &SiteConfig) {
    if config.is_multilingual() {
        w.deferred(PAGE_FIELD, &[("path", path), ("field", "translations")]);
    } else {
        w.list(0);
    }
}

/// Pages as listings show them, each encoded once for every listing that shows it: a page
/// with three tags is in four pagers (its section's and one per term), each of which would
/// encode its thirty fields again (a tenth of the host's instructions on a site of 2,000
/// pages with tags and pagination).
///
/// Not a query: the encoding is a function of the page's `entry` and the `config`, which the
/// caller reads through their queries (so its dependencies are recorded as before), and an
/// encoding is reused only for the very same `Arc`s it was made from. Holding them keeps
/// their addresses from being reused. One per page path: a page whose entry changes replaces
/// its encoding.
#[derive(Default)]
pub(crate) struct ListedCache {
    encoded: Mutex<HashMap<String, Listed, picante::FastBuildHasher>>,
}

/// One page's encoding, and what it was made from.
struct Listed {
    entry: Arc<Entry>,
    config: Arc<SiteConfig>,
    bytes: Arc<WireValue>,
}

impl ListedCache {
    /// The page of `entry` as listings show it (with `lower` and `higher`), as written by
    /// [`write_listed`].
    pub(crate) fn get(&self, entry: &Arc<Entry>, config: &Arc<SiteConfig>) -> Arc<WireValue> {
        if let Some(listed) = self.encoded.lock().get(&entry.path)
            && Arc::ptr_eq(&listed.entry, entry)
            && Arc::ptr_eq(&listed.config, config)
        {
            return listed.bytes.clone();
        }
        // Encoded outside the lock: another thread may encode the same page meanwhile, and
        // both encodings are the same bytes.
        let mut w = WireWriter::with_capacity(2048);
        write_listed(&mut w, entry, config, true);
        // Kept at its size (about 1.2 kB; the writer's buffer is larger): kept for every page.
        let bytes = Arc::new(WireValue::from_bytes(w.finish().as_bytes().to_vec()));
        let listed = Listed { entry: entry.clone(), config: config.clone(), bytes: bytes.clone() };
        self.encoded.lock().insert(entry.path.clone(), listed);
        bytes
    }
}

/// Zola's `components`: the segments of `route` (`/blog/post/` is `["blog", "post"]`).
pub(crate) fn write_components(w: &mut WireWriter, route: &str) {
    let components: Vec<&str> = route.split('/').filter(|c| !c.is_empty()).collect();
    w.list(components.len());
    for component in components {
        w.str(component);
    }
}

/// The directory of a page written as `index.md` (its assets' home), else nothing.
pub(crate) fn colocated_path(path: &str) -> Option<&str> {
    crate::languages::file_named(path, "index")
}

/// The answer to `__page_field(path=…, field=…)`: one field of the page at `path`, read
/// from what gives that field only (its render's output for the body's fields, its front
/// matter for `taxonomies`, `extra`, `authors`, its placement for `ancestors`, `lower`,
/// `higher`), so that the render that asked depends on that and nothing more.
pub(crate) async fn page_field(
    db: &Database,
    path: &str,
    field: &str,
    config: &SiteConfig,
) -> PicanteResult<WireValue> {
    let mut w = WireWriter::with_capacity(256);
    match field {
        "content" | "summary" | "toc" | "word_count" | "reading_time" => {
            let page = db.page.get_ref(db, path).await?;
            match field {
                "content" => w.str(&page.html),
                "summary" => w.opt_str(page.summary.as_deref()),
                "toc" => {
                    let permalink = [config.base_url.as_str(), &page.route].concat();
                    cell_proto::write_toc(&mut w, &page.headings, &permalink);
                }
                "word_count" => w.int(i64::from(page.word_count)),
                _ => w.int(i64::from(page.reading_time)),
            }
        }
        "taxonomies" | "extra" | "authors" => {
            let meta = db.front_matter.get_ref(db, path).await?;
            match field {
                "taxonomies" => {
                    w.map(meta.taxonomies.len());
                    for terms in &meta.taxonomies {
                        w.key(&terms.taxonomy);
                        w.list(terms.terms.len());
                        for term in &terms.terms {
                            w.str(term);
                        }
                    }
                }
                "extra" => w.encoded(&meta.extra),
                _ => {
                    w.list(meta.authors.len());
                    for author in &meta.authors {
                        w.str(author);
                    }
                }
            }
        }
        "assets" => {
            let assets = db.assets_of.get(db, path.to_string()).await?;
            w.list(assets.len());
            for asset in assets.iter() {
                w.str(&format!("/{asset}"));
            }
        }
        "ancestors" | "lower" | "higher" => {
            let placement = db.placement.get(db, path.to_string()).await?;
            let neighbour = match field {
                "ancestors" => {
                    w.list(placement.ancestors.len());
                    for ancestor in &placement.ancestors {
                        w.str(ancestor);
                    }
                    return Ok(w.finish());
                }
                "lower" => &placement.lower,
                _ => &placement.higher,
            };
            match neighbour {
                Some(neighbour) => {
                    let entry = db.entry.get_ref(db, neighbour.as_str()).await?;
                    write_listed(&mut w, &entry, config, false);
                }
                None => w.null(),
            }
        }
        "translations" => {
            let translations = db.translations.get(db, path.to_string()).await?;
            w.list(translations.len());
            for translation in translations.iter() {
                w.map(4);
                w.key("lang");
                w.str(&translation.lang);
                w.key("permalink");
                w.str(&format!("{}{}", config.base_url, translation.route));
                w.key("title");
                w.opt_str(translation.title.as_deref());
                w.key("path");
                w.str(&translation.path);
            }
        }
        "backlinks" => {
            let links = db.backlinks.get(db, path.to_string()).await?;
            w.list(links.len());
            for link in links.iter() {
                w.map(2);
                w.key("permalink");
                w.str(&link.permalink);
                w.key("title");
                w.opt_str(link.title.as_deref());
            }
        }
        other => {
            return Err(picante::PicanteError::query(format!(
                "{PAGE_FIELD}(): a page has no deferred field `{other}`"
            )));
        }
    }
    Ok(w.finish())
}

/// A page's `lower` or `higher` in its own context: deferred too, so that a page re-renders
/// when a neighbour changes only if its template shows the neighbour.
pub(crate) fn write_neighbour(w: &mut WireWriter, path: &str, field: &str, exists: bool) {
    if exists {
        w.deferred(PAGE_FIELD, &[("path", path), ("field", field)]);
    } else {
        w.null();
    }
}

/// A section as `get_section` answers it (Zola's fields), its pages as listings show them
/// (none for `metadata_only`, as in Zola) and its subsections' paths. The section's own body
/// fields are deferred like a listed page's, so a `get_section` that shows titles does not
/// depend on the section's text.
pub(crate) async fn write_section(
    db: &Database,
    path: &str,
    pages: &[Entry],
    subsections: &[String],
    config: &SiteConfig,
) -> PicanteResult<WireValue> {
    let meta = db.front_matter.get_ref(db, path).await?;
    let route = db.route.get_ref(db, path).await?;
    let mut w = WireWriter::with_capacity(512 + 256 * pages.len());
    w.map(25);
    w.key("title");
    w.opt_str(meta.title.as_deref());
    w.key("description");
    w.opt_str(meta.description.as_deref());
    w.key("weight");
    match meta.weight {
        Some(weight) => w.int(weight),
        None => w.null(),
    }
    w.key("permalink");
    w.str(&[config.base_url.as_str(), &route].concat());
    w.key("path");
    w.str(&route);
    w.key("relative_path");
    w.str(path);
    w.key("colocated_path");
    w.null();
    w.key("components");
    write_components(&mut w, &route);
    w.key("draft");
    w.bool(meta.draft);
    w.key("lang");
    w.str(crate::languages::code_of(path, config));
    let settings = &meta.section;
    w.key("generate_feeds");
    w.bool(settings.generate_feeds);
    w.key("transparent");
    w.bool(settings.transparent);
    w.key("paginate_by");
    match settings.paginate_by {
        Some(by) => w.int(i64::try_from(by).unwrap_or(i64::MAX)),
        None => w.null(),
    }
    w.key("paginate_reversed");
    w.bool(settings.paginate_reversed);
    for field in ["content", "toc", "word_count", "reading_time", "extra", "assets", "ancestors"] {
        w.key(field);
        w.deferred(PAGE_FIELD, &[("path", path), ("field", field)]);
    }
    w.key("pages");
    w.list(pages.len());
    for page in pages {
        write_listed(&mut w, page, config, true);
    }
    w.key("subsections");
    w.list(subsections.len());
    for subsection in subsections {
        w.str(subsection);
    }
    w.key("translations");
    write_translations(&mut w, path, config);
    w.key("backlinks");
    w.deferred(PAGE_FIELD, &[("path", path), ("field", "backlinks")]);
    Ok(w.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_written_as_an_index_md_has_its_directory_as_colocated_path() {
        assert_eq!(colocated_path("blog/trip/index.md"), Some("blog/trip/"));
        assert_eq!(colocated_path("blog/trip/index.fr.md"), Some("blog/trip/"));
        assert_eq!(colocated_path("index.md"), Some(""));
        assert_eq!(colocated_path("blog/trip.md"), None);
        assert_eq!(colocated_path("blog/myindex.md"), None);
        assert_eq!(colocated_path("blog/x/index.a.b.md"), None);
    }

    fn entry(title: &str) -> Arc<Entry> {
        Arc::new(Entry {
            path: "blog/a.md".into(),
            route: "/blog/a/".into(),
            title: Some(title.into()),
            description: None,
            date: Some("2024-01-05".into()),
            weight: None,
            slug: "a".into(),
            updated: None,
            year: Some(2024),
            month: Some(1),
            day: Some(5),
            date_nanos: None,
            updated_nanos: None,
        })
    }

    fn config(base_url: &str) -> Arc<SiteConfig> {
        let text = format!("base_url = \"{base_url}\"\n");
        Arc::new(crate::config::parse("config.toml", &text).unwrap())
    }

    fn written(entry: &Entry, config: &SiteConfig) -> WireValue {
        let mut w = WireWriter::with_capacity(256);
        write_listed(&mut w, entry, config, true);
        w.finish()
    }

    #[test]
    fn a_listed_page_is_encoded_once_for_the_same_entry_and_config_and_again_for_new_ones() {
        let cache = ListedCache::default();
        let (first, site) = (entry("First"), config("https://a.example"));
        let bytes = cache.get(&first, &site);
        assert_eq!(*bytes, written(&first, &site));
        assert!(Arc::ptr_eq(&bytes, &cache.get(&first, &site)), "encoded again");

        // The page's entry made again (an edit): its encoding too, even when equal.
        let edited = entry("Edited");
        let again = cache.get(&edited, &site);
        assert_eq!(*again, written(&edited, &site));
        let same = entry("Edited");
        assert!(!Arc::ptr_eq(&again, &cache.get(&same, &site)));

        // Another config (a server's `base_url`): the permalink is the new one's.
        let served = config("http://127.0.0.1:1111");
        let bytes = cache.get(&same, &served);
        assert_eq!(*bytes, written(&same, &served));
        assert_ne!(*bytes, written(&same, &site));
    }
}
