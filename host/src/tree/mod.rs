//! Sections: which pages each lists, in order.
//!
//! Split in two queries so that an edit does as little as possible: `section_index` (from the
//! file list only) says which pages belong to which section; `section_listing(section)` reads
//! those pages' front matter and orders them. Editing a page recomputes only its own section's
//! listing, and early cutoff stops even that when no listed field changed.
//!
//! - `sort.rs`: a section's `sort_by`; `placement.rs`: where a page or section sits (its
//!   ancestors, its neighbours in its section's order, the template its sections give it).

mod placement;
mod sort;

pub(crate) use placement::{Placement, left_out_query, placement_query, unsortable_query};

use std::sync::Arc;

use facet::Facet;
use picante::PicanteResult;

use crate::content::is_section;
use crate::db::Database;
use crate::db::Query;

/// A page as listings show it: only what a listing needs, so that editing a page's body does
/// not change the tree (early cutoff keeps listings from re-rendering).
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct Entry {
    /// Path under `content/`.
    pub path: String,
    /// Route.
    pub route: String,
    /// Title.
    pub title: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Date, as templates print it.
    pub date: Option<String>,
    /// Weight.
    pub weight: Option<i64>,
    /// Slug (for `sort_by = "slug"`).
    pub slug: String,
    /// `updated`, as templates print it.
    pub updated: Option<String>,
    /// The date's year, month and day.
    pub year: Option<u16>,
    /// Month (1–12).
    pub month: Option<u8>,
    /// Day of the month.
    pub day: Option<u8>,
    /// The date as an instant (nanoseconds since the epoch, a local date taken as UTC).
    pub date_nanos: Option<i128>,
    /// `updated`, likewise.
    pub updated_nanos: Option<i128>,
}

/// A section and what it lists.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct Section {
    /// The section itself.
    pub entry: Entry,
    /// Its pages in its `sort_by` order (with `none`: by weight, unweighted last, then date,
    /// newest first, then title), those of its transparent subsections included; drafts,
    /// pages with `render = false`, pages that failed to parse and pages without the key
    /// it sorts by are left out.
    pub pages: Vec<Entry>,
    /// The pages left out for want of the key it sorts by (Zola builds them nowhere).
    pub unsortable: Vec<String>,
    /// Its direct subsections' paths, by weight (as Zola orders them).
    pub subsections: Vec<String>,
    /// Where each page is in `pages`, by path (sorted by path): a page finds its neighbours
    /// without a walk through ten thousand entries.
    pub positions: Vec<Position>,
}

/// Where a page is in its section's `pages`.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct Position {
    /// The page's path.
    pub path: String,
    /// Its index in `pages`.
    pub index: u32,
}

impl Section {
    /// The index in `pages` of the page at `path`, if the section lists it.
    pub(crate) fn position(&self, path: &str) -> Option<usize> {
        let at = self.positions.binary_search_by(|p| p.path.as_str().cmp(path)).ok()?;
        Some(self.positions[at].index as usize)
    }
}

/// Which pages and subsections each section has, from the file list alone: adding or removing
/// a file changes it, editing one does not.
#[derive(Facet, Clone, Debug, PartialEq, Default)]
pub struct SectionIndex {
    /// The sections, by path.
    pub sections: Vec<IndexedSection>,
}

/// One section of a [`SectionIndex`].
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct IndexedSection {
    /// Its `_index.md` path.
    pub path: String,
    /// Its pages' paths (drafts included: they are only known once parsed).
    pub pages: Vec<String>,
    /// Its direct subsections' paths.
    pub subsections: Vec<String>,
}

impl SectionIndex {
    /// The section whose `_index.md` is `path` (the sections are in path order).
    pub(crate) fn find(&self, path: &str) -> Option<&IndexedSection> {
        let at = self.sections.binary_search_by(|s| s.path.as_str().cmp(path)).ok()?;
        Some(&self.sections[at])
    }
}

/// Builds the index of the content `list` on the site of `config`: each language is a tree of
/// its own (a French page is listed by the nearest French section above it).
pub(crate) fn index(list: &[String], config: &crate::config::SiteConfig) -> SectionIndex {
    let code = |path| crate::languages::code_of(path, config);
    let section_dirs: std::collections::HashSet<(&str, &str)> =
        list.iter().filter(|p| is_section(p)).map(|p| (section_dir(p), code(p))).collect();
    let mut sections: Vec<IndexedSection> = list
        .iter()
        .filter(|p| is_section(p))
        .map(|p| IndexedSection { path: p.clone(), pages: Vec::new(), subsections: Vec::new() })
        .collect();
    let position: std::collections::HashMap<String, usize> =
        sections.iter().enumerate().map(|(i, s)| (s.path.clone(), i)).collect();
    for path in list {
        let Some(parent) = nearest_section(path, code(path), &section_dirs, config) else {
            continue;
        };
        let Some(&i) = position.get(&parent) else { continue };
        if is_section(path) {
            sections[i].subsections.push(path.clone());
        } else {
            sections[i].pages.push(path.clone());
        }
    }
    SectionIndex { sections }
}

/// The listing of the section at `path`: its entry, its pages in order (drafts and pages that
/// failed to parse left out), its subsections. `None` if there is no such section (or it is
/// a draft, or it failed to parse). Reads only this section's pages, so an edit elsewhere does
/// not touch it.
pub(crate) async fn listing(db: &Database, path: &str) -> PicanteResult<Option<Section>> {
    let index = db.section_index.get(db, ()).await?;
    let Some(indexed) = index.find(path) else { return Ok(None) };
    let Ok(own) = db.page.get_ref(db, path).await else { return Ok(None) };
    if db.left_out.get_ref(db, path).await? {
        return Ok(None);
    }
    let config = db.config.get(db, ()).await?;
    let mut pages = Vec::with_capacity(indexed.pages.len());
    let mut subsections = Vec::with_capacity(indexed.subsections.len());
    // Its own pages, then those of each transparent subsection (and theirs, while they are
    // transparent), as Zola gathers them.
    let mut gather = vec![indexed];
    while let Some(section) = gather.pop() {
        for page_path in &section.pages {
            // A page that fails to parse is reported by the build; it is just not listed here.
            match db.front_matter.get_ref(db, page_path.as_str()).await {
                Ok(meta) if meta.render && !db.left_out.get_ref(db, page_path.as_str()).await? => {
                    let route = db.route.get_ref(db, page_path.as_str()).await?;
                    pages.push(entry_from(page_path, &route, &meta, &config));
                }
                _ => {}
            }
        }
        for sub in &section.subsections {
            let Ok(meta) = db.front_matter.get_ref(db, sub.as_str()).await else { continue };
            if std::ptr::eq(section, indexed) {
                subsections.push((meta.weight.unwrap_or(0), sub.clone()));
            }
            if meta.section.transparent
                && !db.left_out.get_ref(db, sub.as_str()).await?
                && let Some(child) = index.find(sub)
            {
                gather.push(child);
            }
        }
    }
    let (pages, unsortable) = sort::sort_pages(pages, own.meta.section.sort_by);
    // As Zola: subsections by weight (a stable sort keeps the path order of equal weights).
    subsections.sort_by_key(|(weight, _)| *weight);
    let mut positions: Vec<Position> = pages
        .iter()
        .enumerate()
        .map(|(index, page)| Position { path: page.path.clone(), index: index as u32 })
        .collect();
    positions.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Some(Section {
        entry: entry_from(&own.path, &own.route, &own.meta, &config),
        pages,
        positions,
        unsortable: unsortable.into_iter().map(|entry| entry.path).collect(),
        subsections: subsections.into_iter().map(|(_, path)| path).collect(),
    }))
}

/// The entry of the content file at `path` with route `route` and front matter `meta`.
pub(crate) fn entry_from(
    path: &str,
    route: &str,
    meta: &crate::front_matter::FrontMatter,
    config: &crate::config::SiteConfig,
) -> Entry {
    Entry {
        path: path.to_string(),
        route: route.to_string(),
        title: meta.title.clone(),
        description: meta.description.clone(),
        date: meta.date.map(|date| date.to_string()),
        weight: meta.weight,
        slug: crate::content::slug_of(path, meta, config),
        updated: meta.updated.map(|date| date.to_string()),
        year: meta.date.and_then(|date| date.date).map(|d| d.year),
        month: meta.date.and_then(|date| date.date).map(|d| d.month),
        day: meta.date.and_then(|date| date.date).map(|d| d.day),
        date_nanos: meta.date.and_then(|date| date.timestamp_nanos()),
        updated_nanos: meta.updated.and_then(|date| date.timestamp_nanos()),
    }
}

/// The directory of a section's `_index.md` ("" for the root).
fn section_dir(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(dir, _)| dir)
}

/// `content::parent_section` on slices: the section file of the language `code` nearest above
/// `path`, among the `section_dirs` (each a directory and a language).
fn nearest_section(
    path: &str,
    code: &str,
    section_dirs: &std::collections::HashSet<(&str, &str)>,
    config: &crate::config::SiteConfig,
) -> Option<String> {
    let mut dir = match path.rsplit_once('/') {
        Some((dir, _)) => dir,
        None => "",
    };
    if is_section(path) {
        if dir.is_empty() {
            return None;
        }
        dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
    }
    loop {
        if section_dirs.contains(&(dir, code)) {
            return Some(crate::languages::section_file(dir, code, config));
        }
        if dir.is_empty() {
            return None;
        }
        dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
    }
}

/// Shared (`Arc`): every listing reads it, and a copy would copy every path of the site.
pub(crate) fn section_index_query(db: &Database, _: ()) -> Query<'_, Arc<SectionIndex>> {
    Box::pin(async move {
        let list = db.content_list.get(db, &())?.unwrap_or_default();
        let routes = db.routes.get(db, ()).await?;
        let config = db.config.get(db, ()).await?;
        if routes.refused.is_empty() {
            return Ok(Arc::new(index(&list, &config)));
        }
        // Files that are not built are listed nowhere.
        let built: Vec<String> = list.iter().filter(|p| !routes.refuses(p)).cloned().collect();
        Ok(Arc::new(index(&built, &config)))
    })
}

/// The query `entry(path)`: the listing entry of the page at `path`, from its front matter
/// and route alone (its body can change without touching it).
pub(crate) fn entry_query(db: &Database, path: String) -> Query<'_, Arc<Entry>> {
    Box::pin(async move {
        let meta = db.front_matter.get_ref(db, path.as_str()).await?;
        let route = db.route.get_ref(db, path.as_str()).await?;
        let config = db.config.get(db, ()).await?;
        Ok(Arc::new(entry_from(&path, &route, &meta, &config)))
    })
}

/// The query `section_listing(section)`: see [`listing`].
pub(crate) fn section_listing_query(
    db: &Database,
    path: String,
) -> Query<'_, Option<Arc<Section>>> {
    Box::pin(async move { Ok(listing(db, &path).await?.map(Arc::new)) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::parent_section;

    #[test]
    fn nearest_section_agrees_with_parent_section() {
        let list =
            ["_index.md", "a.md", "blog/_index.md", "blog/p.md", "blog/2024/q.md", "docs/x.md"];
        let config = crate::config::SiteConfig::default();
        let dirs: std::collections::HashSet<(&str, &str)> =
            list.iter().filter(|p| is_section(p)).map(|p| (section_dir(p), "en")).collect();
        let exists = |p: &str| list.contains(&p);
        for path in list {
            assert_eq!(
                nearest_section(path, "en", &dirs, &config),
                parent_section(path, exists),
                "{path}"
            );
        }
    }

    #[test]
    fn each_language_is_a_tree_of_its_own() {
        let config =
            crate::config::parse("config.toml", "base_url = \"/\"\n[languages.fr]\n").unwrap();
        let mut list: Vec<String> = [
            "_index.md",
            "_index.fr.md",
            "blog/_index.md",
            "blog/_index.fr.md",
            "blog/a.md",
            "blog/a.fr.md",
            "blog/deep/b.fr.md",
            "about.fr.md",
        ]
        .map(String::from)
        .to_vec();
        list.sort();
        let index = index(&list, &config);
        let pages = |path: &str| index.find(path).unwrap().pages.clone();
        let subsections = |path: &str| index.find(path).unwrap().subsections.clone();
        assert_eq!(pages("blog/_index.fr.md"), ["blog/a.fr.md", "blog/deep/b.fr.md"]);
        assert_eq!(pages("blog/_index.md"), ["blog/a.md"]);
        assert_eq!(pages("_index.fr.md"), ["about.fr.md"]);
        assert!(pages("_index.md").is_empty());
        assert_eq!(subsections("_index.fr.md"), ["blog/_index.fr.md"]);
        assert_eq!(subsections("_index.md"), ["blog/_index.md"]);
    }
}
