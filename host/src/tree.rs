//! The section tree: which pages each section lists, in order.

use facet::Facet;
use picante::PicanteResult;

use crate::content::is_section;
use crate::db::Database;

/// A page as listings show it: only what a listing needs, so that editing a page's body does
/// not change the tree (early cutoff keeps listings from re-rendering).
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct Entry {
    /// Path under `content/`.
    pub path: String,
    /// Route.
    pub route: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// Date.
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

/// Every section.
#[derive(Facet, Clone, Debug, PartialEq, Default)]
pub struct SiteTree {
    /// The sections, by path.
    pub sections: Vec<Section>,
}

impl SiteTree {
    /// The section at `path` (`blog/_index.md`).
    pub fn section(&self, path: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.entry.path == path)
    }
}

/// Builds the tree from the content list and every page's front matter.
pub(crate) async fn build(db: &Database) -> PicanteResult<SiteTree> {
    let list = db.content_list.get(db, &())?.unwrap_or_default();
    // Section directories ("" for the root): a page's section is found by walking up its
    // directories with slices, without building strings.
    let section_dirs: std::collections::HashSet<&str> =
        list.iter().filter(|p| is_section(p)).map(|p| section_dir(p)).collect();
    let mut sections: Vec<Section> = Vec::new();
    let mut pages: Vec<(Option<String>, Entry)> = Vec::new();
    for path in &list {
        // A page that fails to parse is reported by the build; it is just not listed here.
        let Ok(page) = db.page.get(db, path.clone()).await else { continue };
        if page.meta.draft {
            continue;
        }
        let entry = Entry {
            path: path.clone(),
            route: page.route.clone(),
            title: page.meta.title.clone(),
            description: page.meta.description.clone(),
            date: page.meta.date.clone(),
            weight: page.meta.weight,
        };
        let parent = nearest_section(path, &section_dirs);
        if is_section(path) {
            sections.push(Section { entry, pages: Vec::new(), subsections: Vec::new() });
        } else {
            pages.push((parent, entry));
        }
    }
    for (parent, entry) in pages {
        if let Some(section) = parent.and_then(|p| sections.iter_mut().find(|s| s.entry.path == p))
        {
            section.pages.push(entry);
        }
    }
    let children: Vec<(String, String)> = sections
        .iter()
        .filter_map(|s| {
            nearest_section(&s.entry.path, &section_dirs).map(|p| (p, s.entry.path.clone()))
        })
        .collect();
    for (parent, child) in children {
        if let Some(section) = sections.iter_mut().find(|s| s.entry.path == parent) {
            section.subsections.push(child);
        }
    }
    for section in &mut sections {
        section.pages.sort_by(|a, b| {
            (a.weight.is_none(), a.weight)
                .cmp(&(b.weight.is_none(), b.weight))
                .then_with(|| b.date.cmp(&a.date))
                .then_with(|| a.title.cmp(&b.title))
        });
    }
    Ok(SiteTree { sections })
}

/// The directory of a section's `_index.md` ("" for the root).
fn section_dir(path: &str) -> &str {
    path.strip_suffix("_index.md").unwrap_or(path).trim_end_matches('/')
}

/// [`parent_section`] on slices: the `_index.md` path of the nearest section above `path`.
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
