//! Where a content file sits in the tree, as Zola places it: its ancestors (the `_index.md`
//! paths above it, the home first), its neighbours in its section's order (`page.lower`,
//! `page.higher`), the template its sections give it (`page_template`), and whether it is
//! built at all (a page its section cannot sort is not: the query `unsortable` warns of each,
//! as Zola does).
//!
//! One query per file, computed from the section index, the front matter of the sections
//! above it and its section's listing, and cut off early: a sibling's edit recomputes it,
//! and a page renders again only if what it gives changed.

use std::sync::Arc;

use facet::Facet;

use crate::config::SiteConfig;
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
/// nearest section above `path` (a page): the section that lists it, in the file's language
/// `code`.
fn nearest_section<'i>(
    index: &'i SectionIndex,
    path: &str,
    code: &str,
    config: &SiteConfig,
) -> Option<&'i str> {
    let name = crate::languages::section_file_name(code, config);
    let mut dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
    if is_section(path) {
        if dir.is_empty() {
            return None;
        }
        dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
    }
    // One buffer for every level: this runs for each page and each of its sections.
    let mut candidate = String::with_capacity(dir.len() + name.len() + 1);
    loop {
        candidate.clear();
        if !dir.is_empty() {
            candidate.push_str(dir);
            candidate.push('/');
        }
        candidate.push_str(&name);
        if let Some(section) = index.find(&candidate) {
            return Some(section.path.as_str());
        }
        if dir.is_empty() {
            return None;
        }
        dir = dir.rsplit_once('/').map_or("", |(d, _)| d);
    }
}

/// The ancestors of the section `path` in the language `code`: its language's home
/// (`_index.md`, `_index.fr.md`: Zola always has one), then each section above it, nearest
/// last.
fn section_ancestors(
    index: &SectionIndex,
    path: &str,
    code: &str,
    config: &SiteConfig,
) -> Vec<String> {
    let home = crate::languages::section_file_name(code, config);
    if path == home {
        return Vec::new();
    }
    let mut above = Vec::new();
    let mut at = nearest_section(index, path, code, config);
    while let Some(section) = at {
        if section != home {
            above.push(section.to_string());
        }
        at = nearest_section(index, section, code, config);
    }
    above.push(home.into_owned());
    above.reverse();
    above
}

/// The query `placement(path)`: see [`Placement`].
pub(crate) fn placement_query(db: &Database, path: String) -> Query<'_, Arc<Placement>> {
    Box::pin(async move {
        let index = db.section_index.get(db, ()).await?;
        let config = db.config.get(db, ()).await?;
        let code = crate::languages::code_of(&path, &config);
        if is_section(&path) {
            let ancestors = section_ancestors(&index, &path, code, &config);
            return Ok(Arc::new(Placement { ancestors, built: true, ..Placement::default() }));
        }
        let Some(mut section) = nearest_section(&index, &path, code, &config) else {
            // An orphan page: no ancestors, no neighbours, built.
            return Ok(Arc::new(Placement { built: true, ..Placement::default() }));
        };
        let own = db.front_matter.get_ref(db, path.as_str()).await?;
        let mut placement = Placement::default();
        let mut first = true;
        // Up through transparent sections, as Zola walks them: each lists the page; the
        // last (the first that is not transparent) gives its ancestors and neighbours.
        loop {
            let mut ancestors = section_ancestors(&index, section, code, &config);
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
            match nearest_section(&index, section, code, &config) {
                Some(parent) => section = parent,
                None => break,
            }
        }
        Ok(Arc::new(placement))
    })
}

/// What a page lacks for a section sorting by `sort_by` to list it (Zola's rule,
/// `components/content/src/sorting.rs`).
fn missing_key(sort_by: SortBy) -> &'static str {
    match sort_by {
        SortBy::Date => "no `date`",
        SortBy::UpdateDate => "neither `date` nor `updated`",
        SortBy::Title | SortBy::TitleBytes => "no `title`",
        SortBy::Weight => "no `weight`",
        // Every page has a slug and a permalink, and `none` sorts nothing out.
        SortBy::Slug | SortBy::Permalink | SortBy::None => "no key to sort by",
    }
}

/// The query `unsortable`: a warning for each page a section leaves out because the page
/// lacks the key the section sorts by, naming the page, the section and the key; Zola warns of
/// them too ("page(s) ignored (missing date or weight in a sorted section)"). Such a page is
/// built nowhere unless another section lists it (a transparent one's parent, or child).
/// It reads every section's listing, already read by their renders, and is cut off early: the
/// build reports its warnings when they change (`site/mod.rs`).
pub(crate) fn unsortable_query(db: &Database, _: ()) -> Query<'_, Arc<Vec<String>>> {
    Box::pin(async move {
        let index = db.section_index.get(db, ()).await?;
        let mut warnings = Vec::new();
        for section in &index.sections {
            let Some(listing) = db.section_listing.get_ref(db, section.path.as_str()).await? else {
                continue;
            };
            if listing.unsortable.is_empty() {
                continue;
            }
            // Listed, so its front matter parsed.
            let sort_by = db.front_matter.get_ref(db, section.path.as_str()).await?.section.sort_by;
            for page in &listing.unsortable {
                let built = db.placement.get_ref(db, page.as_str()).await?.built;
                let fate = if built {
                    "another section lists it and builds it"
                } else {
                    "no other section lists it, so it is built nowhere"
                };
                warnings.push(format!(
                    "content/{page}: not listed by content/{}, which sorts its pages by `{}`, \
                     for it has {} (as in Zola); {fate}",
                    section.path,
                    sort_by.name(),
                    missing_key(sort_by),
                ));
            }
        }
        Ok(Arc::new(warnings))
    })
}

/// The query `left_out(path)`: whether the content file at `path` is left out as a draft, as
/// Zola leaves drafts out unless the build takes them (`--drafts`): it is a draft, or it lies
/// under a section that is one (Zola skips a draft section's whole directory: its pages, its
/// subsections, their assets). Left out, a file is built nowhere and listed nowhere.
///
/// The `include_drafts` input is read only for a draft, so the answer for a file with no
/// draft above it does not depend on it: switching the flag runs again only what reaches a
/// draft. A file whose front matter does not parse is no draft (its render reports it).
pub(crate) fn left_out_query(db: &Database, path: String) -> Query<'_, bool> {
    Box::pin(async move {
        if let Ok(meta) = db.front_matter.get_ref(db, path.as_str()).await
            && meta.draft
            && !db.include_drafts.get(db, &())?.unwrap_or(false)
        {
            return Ok(true);
        }
        // The nearest section above, found by asking which `_index.md` exists (one query per
        // candidate, shared by its directory's files) rather than through the section index,
        // which every added or removed file changes: so an added page runs no `left_out`.
        let mut dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
        if is_section(&path) {
            if dir.is_empty() {
                return Ok(false);
            }
            dir = dir.rsplit_once('/').map_or("", |(parent, _)| parent);
        }
        let config = db.config.get(db, ()).await?;
        let code = crate::languages::code_of(&path, &config);
        loop {
            let candidate = crate::languages::section_file(dir, code, &config);
            if db.page_exists.get_ref(db, candidate.as_str()).await? {
                return db.left_out.get(db, candidate).await;
            }
            if dir.is_empty() {
                return Ok(false);
            }
            dir = dir.rsplit_once('/').map_or("", |(parent, _)| parent);
        }
    })
}
