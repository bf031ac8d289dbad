//! Sections: which pages each lists, in order.
//!
//! Split in two queries so that an edit does as little as possible: `section_index` (from the
//! file list only) says which pages belong to which section; `section_listing(section)` reads
//! those pages' front matter and orders them. Editing a page recomputes only its own section's
//! listing, and early cutoff stops even that when no listed field changed.

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
}

/// A section and what it lists.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct Section {
    /// The section itself.
    pub entry: Entry,
    /// Its pages, by weight (unweighted last), then date (newest first), then title; drafts
    /// and pages that failed to parse are left out.
    pub pages: Vec<Entry>,
    /// Its direct subsections' paths.
    pub subsections: Vec<String>,
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

/// Builds the index of the content `list`.
pub(crate) fn index(list: &[String]) -> SectionIndex {
    let section_dirs: std::collections::HashSet<&str> =
        list.iter().filter(|p| is_section(p)).map(|p| section_dir(p)).collect();
    let mut sections: Vec<IndexedSection> = list
        .iter()
        .filter(|p| is_section(p))
        .map(|p| IndexedSection { path: p.clone(), pages: Vec::new(), subsections: Vec::new() })
        .collect();
    let position: std::collections::HashMap<String, usize> =
        sections.iter().enumerate().map(|(i, s)| (s.path.clone(), i)).collect();
    for path in list {
        let Some(parent) = nearest_section(path, &section_dirs) else { continue };
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
    let Some(indexed) = index.sections.iter().find(|s| s.path == path) else { return Ok(None) };
    let own = match db.page.get_ref(db, path).await {
        Ok(page) if !page.meta.draft => page,
        _ => return Ok(None),
    };
    let mut pages = Vec::with_capacity(indexed.pages.len());
    for page_path in &indexed.pages {
        // A page that fails to parse is reported by the build; it is just not listed here.
        match db.page.get_ref(db, page_path.as_str()).await {
            Ok(page) if !page.meta.draft => pages.push(entry_of(&page)),
            _ => {}
        }
    }
    pages.sort_by(|a, b| {
        (a.weight.is_none(), a.weight)
            .cmp(&(b.weight.is_none(), b.weight))
            .then_with(|| b.date.cmp(&a.date))
            .then_with(|| a.title.cmp(&b.title))
    });
    Ok(Some(Section { entry: entry_of(&own), pages, subsections: indexed.subsections.clone() }))
}

/// A page as listings show it.
pub(crate) fn entry_of(page: &crate::content::Page) -> Entry {
    Entry {
        path: page.path.clone(),
        route: page.route.clone(),
        title: page.meta.title.clone(),
        description: page.meta.description.clone(),
        date: page.meta.date.map(|date| date.to_string()),
        weight: page.meta.weight,
    }
}

/// The directory of a section's `_index.md` ("" for the root).
fn section_dir(path: &str) -> &str {
    path.strip_suffix("_index.md").unwrap_or(path).trim_end_matches('/')
}

/// `content::parent_section` on slices: the `_index.md` path of the nearest section above `path`.
fn nearest_section(path: &str, section_dirs: &std::collections::HashSet<&str>) -> Option<String> {
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
        if section_dirs.contains(dir) {
            return Some(if dir.is_empty() {
                "_index.md".to_string()
            } else {
                format!("{dir}/_index.md")
            });
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
        if routes.refused.is_empty() {
            return Ok(Arc::new(index(&list)));
        }
        // Files that are not built are listed nowhere.
        let built: Vec<String> = list.iter().filter(|p| !routes.refuses(p)).cloned().collect();
        Ok(Arc::new(index(&built)))
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
        let dirs: std::collections::HashSet<&str> =
            list.iter().filter(|p| is_section(p)).map(|p| section_dir(p)).collect();
        let exists = |p: &str| list.contains(&p);
        for path in list {
            assert_eq!(nearest_section(path, &dirs), parent_section(path, exists), "{path}");
        }
    }
}
