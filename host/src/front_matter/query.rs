//! The query `front_matter(path)`: a content file's front matter alone, read on the host.
//!
//! Routes, listings and the route check need a page's `slug`, `path`, `title`, `date`, but not
//! its body. Reading the front matter here, apart from the markdown cell's render of the whole
//! file, lets them depend on just that: a body edit runs this query again, finds the same
//! value, and nothing that reads only the front matter runs again (early cutoff).

use std::sync::Arc;

use crate::SiteError;
use crate::content::{file_stem, is_section};
use crate::db::{Database, Query};
use crate::error::query_error;

use super::{FrontMatter, date_from_file_name, parse_front_matter};

/// The front matter of the content file at `path`, checked; a page without a `date` takes
/// the one its file name starts with (`2024-01-05-post.md`), as in Zola.
pub(crate) fn front_matter_query(db: &Database, path: String) -> Query<'_, Arc<FrontMatter>> {
    Box::pin(async move {
        let file = || format!("content/{path}");
        let source = db
            .content
            .get(db, &path)?
            .ok_or_else(|| query_error(SiteError::in_file(file(), "no such content file")))?;
        let split = cell_proto::split_front_matter(&source).map_err(|unclosed| {
            let message = format!(
                "front matter opened with `{0}` is never closed (add a line with only `{0}` \
                 after it)",
                unclosed.delimiter
            );
            query_error(SiteError::in_file(file(), message).at(&source, unclosed.line, None))
        })?;
        let Some((text, format)) = split.front_matter else {
            return Err(query_error(SiteError::in_file(
                file(),
                "a page needs front matter, even an empty one (`+++` and `+++` on the first two \
                 lines), as in Zola",
            )));
        };
        let mut meta = parse_front_matter(text, format, &path, &source, 2).map_err(query_error)?;
        if meta.date.is_none() && !is_section(&path) {
            meta.date = date_from_file_name(file_stem(&path)).map(|(date, _)| date);
        }
        Ok(Arc::new(meta))
    })
}
