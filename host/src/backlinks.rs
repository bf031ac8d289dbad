//! Zola's `backlinks`: for a page or section, the pages and sections whose text links to it
//! with an internal link (`@/blog/post.md`), as `{permalink, title}` sorted by permalink.
//!
//! Zola fills them after every page's markdown is rendered, from the links each one found.
//! Here that is two queries: `backlink_index`, every built file's link targets turned into
//! target → sources (it reads every page, so any body edit runs it again: a pass over the
//! link lists, no render), and `backlinks(path)`, one file's list, which is cut off when it
//! comes out the same. Templates get `backlinks` as a deferred field (`page_fields.rs`), so
//! only a render that prints it reads these queries, and it renders again only when its own
//! list changed: a site whose templates never print backlinks never builds the index.

use std::collections::BTreeMap;
use std::sync::Arc;

use facet::Facet;

use crate::db::{Database, Query};

/// For each link target (a path under `content/`), the built files that link to it.
pub(crate) type BacklinkIndex = BTreeMap<String, Vec<String>>;

/// One backlink: the linking file's permalink and title.
#[derive(Facet, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Backlink {
    pub(crate) permalink: String,
    pub(crate) title: Option<String>,
}

/// The query `backlink_index(())`: for each link target (a path under `content/`), the built
/// files that link to it, sorted. Drafts left out of the build link nowhere, as in Zola; a file
/// whose render fails is skipped here (its own render reports the error).
pub(crate) fn backlink_index_query(db: &Database, (): ()) -> Query<'_, Arc<BacklinkIndex>> {
    Box::pin(async move {
        let list = db.content_list.get(db, &())?.unwrap_or_default();
        let mut index = BacklinkIndex::new();
        for path in list.iter() {
            if db.left_out.get_ref(db, path.as_str()).await? {
                continue;
            }
            let Ok(page) = db.page.get_ref(db, path.as_str()).await else {
                continue;
            };
            for target in &page.links_to {
                index.entry(target.clone()).or_default().push(path.clone());
            }
        }
        // Sources come in content-list order (sorted), each once per target (`links_to` has
        // no repeats), so each list is sorted already.
        Ok(Arc::new(index))
    })
}

/// The query `backlinks(path)`: the files linking to `path`, as templates see them, sorted
/// by permalink as Zola sorts them.
pub(crate) fn backlinks_query(db: &Database, path: String) -> Query<'_, Arc<Vec<Backlink>>> {
    Box::pin(async move {
        let index = db.backlink_index.get(db, ()).await?;
        let Some(sources) = index.get(&path) else {
            return Ok(Arc::new(Vec::new()));
        };
        let config = db.config.get(db, ()).await?;
        let mut links = Vec::with_capacity(sources.len());
        for source in sources {
            let route = db.route.get_ref(db, source.as_str()).await?;
            let meta = db.front_matter.get_ref(db, source.as_str()).await?;
            links.push(Backlink {
                permalink: format!("{}{}", config.base_url, route),
                title: meta.title.clone(),
            });
        }
        links.sort();
        Ok(Arc::new(links))
    })
}
