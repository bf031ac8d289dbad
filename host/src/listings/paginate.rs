//! Pagination as Zola 0.22 does it: a section with `paginate_by` (or a term of a taxonomy
//! with `paginate_by`) is rendered once per pager; pager 1 is the section (or term) itself,
//! pager `n` is at `<route><paginate_path>/<n>/`, and `<route><paginate_path>/1/` is a redirect
//! to the first.
//!
//! `paginated(root)` is the list of pages that go into pagers (in order, reversed if asked,
//! pages with `render = false` left out, as Zola does); `pager(root, n)` is the `paginator` of
//! one pager, with its slice of pages. A render reads only its own pager, so an edit of a
//! page re-renders the one pager that shows it, and early cutoff spares the others.

use std::sync::Arc;

use cell_proto::WireWriter;
use facet::Facet;
use picante::PicanteResult;

use super::{Generated, Kind};
use crate::db::{Database, Query};

/// What pagers a section or term has.
#[derive(Facet, Clone, Debug, PartialEq)]
pub(crate) struct Paginated {
    /// Pages per pager.
    pub(crate) by: u64,
    /// The segment before a pager's number (`page`; may be empty).
    pub(crate) paginate_path: String,
    /// The route of the section or term (pager 1).
    pub(crate) route: String,
    /// The pages shown, in order.
    pub(crate) pages: Vec<String>,
    /// Every page of the section or term, those not rendered included (Zola's
    /// `total_pages`).
    pub(crate) total: u64,
}

impl Paginated {
    /// How many pagers: at least one, even with no page.
    pub(crate) fn pagers(&self) -> u32 {
        let by = usize::try_from(self.by.max(1)).unwrap_or(usize::MAX);
        u32::try_from(self.pages.len().div_ceil(by).max(1)).unwrap_or(u32::MAX)
    }

    /// The route of pager `n` (1: the section or term itself).
    pub(crate) fn route_of(&self, n: u32) -> String {
        pager_route(&self.route, &self.paginate_path, n)
    }

    /// The route pager numbers follow (`/blog/page/`): Zola's `paginator.base_url`, less the
    /// base URL.
    pub(crate) fn base(&self) -> String {
        pagers_base(&self.route, &self.paginate_path)
    }
}

/// The route of pager `n` of what is at `route` (1: `route` itself).
pub(crate) fn pager_route(route: &str, paginate_path: &str, n: u32) -> String {
    if n <= 1 { route.to_string() } else { format!("{}{n}/", pagers_base(route, paginate_path)) }
}

fn pagers_base(route: &str, paginate_path: &str) -> String {
    if paginate_path.is_empty() { route.to_string() } else { [route, paginate_path, "/"].concat() }
}

/// The query `paginated(root)` (`pager` 0): see [`Paginated`]. `None` when the root is not
/// paginated (no `paginate_by`, or 0), is not rendered, or does not exist.
pub(crate) fn paginated_query(db: &Database, root: Generated) -> Query<'_, Option<Arc<Paginated>>> {
    Box::pin(async move {
        let (by, paginate_path, route, order, reversed) = match root.kind {
            Kind::SectionPager => {
                let Ok(section) = db.page.get_ref(db, root.owner.as_str()).await else {
                    return Ok(None);
                };
                let settings = &section.meta.section;
                if !super::paginates(db, &section).await? {
                    return Ok(None);
                }
                let Some(listing) = db.section_listing.get_ref(db, root.owner.as_str()).await?
                else {
                    return Ok(None);
                };
                let order: Vec<String> = listing.pages.iter().map(|e| e.path.clone()).collect();
                (
                    settings.paginate_by.unwrap_or(1),
                    settings.paginate_path.clone(),
                    section.route.clone(),
                    order,
                    settings.paginate_reversed,
                )
            }
            Kind::Term => {
                let config = db.config.get(db, ()).await?;
                let Some((language, taxonomy)) =
                    super::taxonomy::find_taxonomy(&root.owner, &config)
                else {
                    return Ok(None);
                };
                let Some(by) = taxonomy.paginate_by.filter(|&by| by > 0) else { return Ok(None) };
                let Some(term) = db.term.get(db, root.clone()).await? else { return Ok(None) };
                (
                    by,
                    taxonomy.paginate_path.clone().unwrap_or_else(|| "page".into()),
                    super::taxonomy::term_route(&config, &language.code, taxonomy, &term.slug),
                    term.pages.clone(),
                    false,
                )
            }
            _ => return Ok(None),
        };
        let total = order.len() as u64;
        let mut pages = Vec::with_capacity(order.len());
        for path in order {
            if db.listed_page.get_ref(db, path.as_str()).await? == Some(true) {
                pages.push(path);
            }
        }
        if reversed {
            pages.reverse();
        }
        Ok(Some(Arc::new(Paginated { by, paginate_path, route, pages, total })))
    })
}

/// One pager: Zola's `paginator` less its pages' fields. The pages are kept by path and
/// written into the context by the render that shows them ([`write_pager`]), so the database
/// holds each listed page once (`listed_page`), not once more in every pager that shows it.
#[derive(Facet, Clone, Debug, PartialEq)]
pub(crate) struct Pager {
    /// Pages per pager.
    pub(crate) by: u64,
    /// Zola's `base_url`: the URL pager numbers follow.
    pub(crate) base_url: String,
    /// How many pagers.
    pub(crate) count: u32,
    /// This pager's number, from 1.
    pub(crate) index: u32,
    /// The URLs of the first, the last, the previous and the next pager.
    pub(crate) first: String,
    pub(crate) last: String,
    pub(crate) previous: Option<String>,
    pub(crate) next: Option<String>,
    /// The paths of the pages it shows, in order.
    pub(crate) pages: Vec<String>,
    /// Every page of the section or term, those not rendered included.
    pub(crate) total: u64,
}

/// The query `pager(root, n)`: pager `n` of `root`, or `None` when the root has no such
/// pager.
pub(crate) fn pager_query(db: &Database, key: Generated) -> Query<'_, Option<Arc<Pager>>> {
    Box::pin(async move {
        let root = Generated { pager: 0, ..key.clone() };
        let Some(paginated) = db.paginated.get(db, root).await? else { return Ok(None) };
        let n = key.pager.max(1);
        let count = paginated.pagers();
        if n > count {
            return Ok(None);
        }
        let base_url = db.config.get(db, ()).await?.base_url.clone();
        let url = |n: u32| [base_url.as_str(), &paginated.route_of(n)].concat();
        let by = usize::try_from(paginated.by.max(1)).unwrap_or(usize::MAX);
        let start = (n as usize - 1).saturating_mul(by).min(paginated.pages.len());
        let end = start.saturating_add(by).min(paginated.pages.len());
        Ok(Some(Arc::new(Pager {
            by: paginated.by,
            base_url: format!("{base_url}{}", paginated.base()),
            count,
            index: n,
            first: url(1),
            last: url(count),
            previous: (n > 1).then(|| url(n - 1)),
            next: (n < count).then(|| url(n + 1)),
            pages: paginated.pages[start..end].to_vec(),
            total: paginated.total,
        })))
    })
}

/// Writes `pager` as Zola's `paginator` (`paginate_by`, `base_url`, `number_pagers`, `first`,
/// `last`, `previous`, `next`, `pages`, `current_index`, `total_pages`), its pages as listings
/// show them: the render that calls this depends on each of them.
pub(crate) async fn write_pager(
    db: &Database,
    w: &mut WireWriter,
    pager: &Pager,
) -> PicanteResult<()> {
    w.map(10);
    w.key("paginate_by");
    w.int(i64::try_from(pager.by).unwrap_or(i64::MAX));
    w.key("base_url");
    w.str(&pager.base_url);
    w.key("number_pagers");
    w.int(i64::from(pager.count));
    w.key("first");
    w.str(&pager.first);
    w.key("last");
    w.str(&pager.last);
    w.key("previous");
    w.opt_str(pager.previous.as_deref());
    w.key("next");
    w.opt_str(pager.next.as_deref());
    w.key("pages");
    super::write_listed(db, w, &pager.pages).await?;
    w.key("current_index");
    w.int(i64::from(pager.index));
    w.key("total_pages");
    w.int(i64::try_from(pager.total).unwrap_or(i64::MAX));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paginated(pages: usize, by: u64, paginate_path: &str) -> Paginated {
        Paginated {
            by,
            paginate_path: paginate_path.into(),
            route: "/blog/".into(),
            pages: (0..pages).map(|i| format!("p{i}.md")).collect(),
            total: pages as u64,
        }
    }

    #[test]
    fn pagers_are_counted_and_placed_as_zola_places_them() {
        assert_eq!(paginated(0, 3, "page").pagers(), 1);
        assert_eq!(paginated(3, 3, "page").pagers(), 1);
        assert_eq!(paginated(7, 3, "page").pagers(), 3);
        assert_eq!(paginated(7, 3, "page").route_of(1), "/blog/");
        assert_eq!(paginated(7, 3, "page").route_of(3), "/blog/page/3/");
        assert_eq!(paginated(7, 3, "").route_of(2), "/blog/2/");
        assert_eq!(paginated(7, 3, "p").base(), "/blog/p/");
    }

    #[test]
    fn the_redirect_is_zola_s_byte_for_byte() {
        let zola = include_str!(
            "../../tests/sites/zola-features/zola-public/sorts/paginated/p/1/index.html"
        );
        assert_eq!(
            crate::redirects::redirect_page("https://features.example.org/sorts/paginated/"),
            zola
        );
    }
}
