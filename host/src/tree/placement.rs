//! Where a content file sits in the tree, as Zola places it: its ancestors (the `_index.md`
//! paths above it, the home first), its neighbours in its section's order (`page.lower`,
//! `page.higher`), the template its sections give it (`page_template`), and whether it is
//! built at all (a page its section cannot sort is not).
//!
//! One query per file, computed from the section index, the front matter of the sections
//! above it and its section's listing, and cut off early: a sibling's edit recomputes it,
//! and a page renders again only if what it gives changed.

use std::sync::Arc;

use facet::Facet;

use crate::content::is_section;
use crate::db::{Database, Query};
use crate::front_matter::SortBy;

use super::SectionIndex;

/// Where a content file sits (see the module's doc).
#[derive(Facet, Clone, Debug, PartialEq, Default)]
pub struct Placement {
    /// The `_index.md` paths above it, the home's first (Zola's `ancestors`). A page of a
    /// transparent section has those of the section that lists it, as in Zola.
    pub ancestors: Vec<String>,
    /// The `page_template` of the nearest section above a page that sets one.
    pub page_template: Option<String>,
    /// The page before it in its section's order (Zola's `lower`), by path.
    pub lower: Option<String>,
    /// The page after it (Zola's `higher`), by path.
    pub higher: Option<String>,
    /// Whether a page is built: false when every section that would list it leaves it out
    /// for want of the key it sorts by (Zola builds such a page nowhere).
    pub built: bool,
}

/// The `_index.md` of the section directly above the directory `dir`'s section, or of the
/// nearest section above `path` (a page): the section that lists it.
fn nearest_section<'i>(index: &'i SectionIndex, path: &str) -> Option<&'i str> {
    let mut dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
    if is_section(path) {
        if dir.is_empty() {
            return None;
        }
        dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
    }
    loop {
        let candidate =
            if dir.is_empty() { "_index.md".to_string() } else { format!("{dir}/_index.md") };
        if let Some(section) = index.find(&candidate) {
            return Some(section.path.as_str());
        }
        if dir.is_empty() {
            return None;
        }
        dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
    }
}

/// The ancestors of the section `path`: the home's `_index.md` (Zola always has a home),
/// then each section above it, nearest last.
fn section_ancestors(index: &SectionIndex, path: &str) -> Vec<String> {
    if path == "_index.md" {
        return Vec::new();
    }
    let mut above = Vec::new();
    let mut at = nearest_section(index, path);
    while let Some(section) = at {
        if section != "_index.md" {
            above.push(section.to_string());
        }
        at = nearest_section(index, section);
    }
    above.push("_index.md".to_string());
    above.reverse();
    above
}

/// The query `placement(path)`: see [`Placement`].
pub(crate) fn placement_query(db: &Database, path: String) -> Query<'_, Arc<Placement>> {
    Box::pin(async move {
        let index = db.section_index.get(db, ()).await?;
        if is_section(&path) {
            let ancestors = section_ancestors(&index, &path);
            return Ok(Arc::new(Placement { ancestors, built: true, ..Placement::default() }));
        }
        let Some(mut section) = nearest_section(&index, &path) else {
            // An orphan page: no ancestors, no neighbours, built.
            return Ok(Arc::new(Placement { built: true, ..Placement::default() }));
        };
        let own = db.front_matter.get_ref(db, path.as_str()).await?;
        let mut placement = Placement::default();
        let mut first = true;
        // Up through transparent sections, as Zola walks them: each lists the page; the
        // last (the first that is not transparent) gives its ancestors and neighbours.
        loop {
            let mut ancestors = section_ancestors(&index, section);
            ancestors.push(section.to_string());
            if first && own.template.is_none() {
                for ancestor in ancestors.iter().rev() {
                    let Ok(meta) = db.front_matter.get_ref(db, ancestor.as_str()).await else {
                        continue;
                    };
                    if let Some(template) = &meta.section.page_template {
                        placement.page_template = Some(template.clone());
                        break;
                    }
                }
            }
            first = false;
            placement.ancestors = ancestors;
            let meta = db.front_matter.get_ref(db, section).await?;
            if let Some(listing) = db.section_listing.get_ref(db, section).await?.as_ref() {
                if let Some(at) = listing.position(&path) {
                    placement.built = true;
                    if meta.section.sort_by != SortBy::None && !meta.section.transparent {
                        placement.lower = at.checked_sub(1).map(|i| listing.pages[i].path.clone());
                        placement.higher = listing.pages.get(at + 1).map(|p| p.path.clone());
                    }
                }
            } else {
                // A draft section, or one that failed to parse: its pages are built as before.
                placement.built = true;
            }
            if !meta.section.transparent {
                break;
            }
            match nearest_section(&index, section) {
                Some(parent) => section = parent,
                None => break,
            }
        }
        Ok(Arc::new(placement))
    })
}
