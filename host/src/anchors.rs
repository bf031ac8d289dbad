//! Anchors of internal links, checked as Zola checks them after a build: for each link
//! `@/blog/post.md#part` (and each link to one of the page's own anchors, `#part`), the
//! target must have a heading with the id `part`, or, a page (not a section), an element
//! whose `id` or `name` is `part` in its HTML. `#top` and an empty anchor always exist. A
//! broken one fails the build, or is a warning with `[link_checker] internal_level = "warn"`.
//!
//! Two queries keep it exact: `anchors(target)`, what a file offers (its headings' ids and
//! its elements' `id`/`name` values), which is cut off when a body edit leaves them as they
//! were, and `anchor_problems(path)`, one file's broken links, which reads the `anchors` of
//! the files it links to and nothing else of them.

use std::sync::Arc;

use facet::Facet;

use crate::content::is_section;
use crate::db::{Database, Query};

/// What a content file offers as link anchors.
#[derive(Facet, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) struct Anchors {
    /// Its headings' ids.
    pub(crate) headings: Vec<String>,
    /// For a page: the text after each `id=` or `name=` in its HTML, up to the first quote
    /// or `>` (Zola's check, `\s(?i)(id|name) *= *("|')*ANCHOR("|'| |>)+`, is a match of
    /// such a text's start). Empty for a section, whose anchors Zola takes from its headings
    /// only.
    pub(crate) attributes: Vec<String>,
}

impl Anchors {
    /// Whether `anchor` is one of them, as Zola decides it.
    pub(crate) fn has(&self, anchor: &str) -> bool {
        if self.headings.iter().any(|id| id == anchor) {
            return true;
        }
        // The attribute match is case-insensitive (`(?i)` reaches the end of the pattern),
        // and the anchor may be followed by a space within the value.
        let wanted = anchor.to_lowercase();
        self.attributes.iter().any(|value| {
            let value = value.to_lowercase();
            value.strip_prefix(&wanted).is_some_and(|rest| rest.is_empty() || rest.starts_with(' '))
        })
    }
}

/// Whether an anchor needs no target (HTML's own: the empty one and `top`, any case).
pub(crate) fn is_special(anchor: &str) -> bool {
    anchor.is_empty() || anchor.eq_ignore_ascii_case("top")
}

/// The values of `id=` and `name=` attributes in `html` (see [`Anchors::attributes`]).
pub(crate) fn attribute_values(html: &str) -> Vec<String> {
    let bytes = html.as_bytes();
    let mut values = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        // A white space, then `id` or `name` (any case).
        if !bytes[at].is_ascii_whitespace() {
            at += 1;
            continue;
        }
        let rest = &bytes[at + 1..];
        let name_len = if rest.len() >= 2 && rest[..2].eq_ignore_ascii_case(b"id") {
            2
        } else if rest.len() >= 4 && rest[..4].eq_ignore_ascii_case(b"name") {
            4
        } else {
            at += 1;
            continue;
        };
        let mut i = at + 1 + name_len;
        while bytes.get(i) == Some(&b' ') {
            i += 1;
        }
        if bytes.get(i) != Some(&b'=') {
            at += 1;
            continue;
        }
        i += 1;
        while bytes.get(i) == Some(&b' ') {
            i += 1;
        }
        while matches!(bytes.get(i), Some(b'"' | b'\'')) {
            i += 1;
        }
        let start = i;
        while i < bytes.len() && !matches!(bytes[i], b'"' | b'\'' | b'>') {
            i += 1;
        }
        // `start` and `i` sit next to ASCII bytes (or the ends), so on character boundaries.
        values.push(html[start..i].to_string());
        at = i;
    }
    values.sort_unstable();
    values.dedup();
    values
}

/// The query `anchors(path)`: the anchors the content file at `path` offers.
pub(crate) fn anchors_query(db: &Database, path: String) -> Query<'_, Arc<Anchors>> {
    Box::pin(async move {
        let page = db.page.get_ref(db, path.as_str()).await?;
        let mut headings: Vec<String> = page.headings.iter().map(|h| h.id.clone()).collect();
        headings.sort_unstable();
        headings.dedup();
        let attributes = if is_section(&path) { Vec::new() } else { attribute_values(&page.html) };
        Ok(Arc::new(Anchors { headings, attributes }))
    })
}

/// The query `anchor_problems(path)`: the internal links of the file at `path` whose anchor
/// its target does not have, each as the link written (`@/blog/post.md#part`), sorted; none
/// for a draft left out of the build. A target whose render fails is not judged (its own
/// error is reported).
///
/// The build asks it of every file: a small query, its answer nearly always empty, is
/// cheaper to bring up to date after a load than the file's `page`, whose saved value would
/// have to be decoded to see that it has no anchored link.
pub(crate) fn anchor_problems_query(db: &Database, path: String) -> Query<'_, Arc<Vec<String>>> {
    Box::pin(async move {
        if db.left_out.get_ref(db, path.as_str()).await? {
            return Ok(Arc::new(Vec::new()));
        }
        let page = db.page.get_ref(db, path.as_str()).await?;
        let mut broken = Vec::new();
        for (target, anchor) in &page.anchored {
            if is_special(anchor) || !db.page_exists.get_ref(db, target.as_str()).await? {
                continue;
            }
            let Ok(anchors) = db.anchors.get(db, target.clone()).await else { continue };
            if !anchors.has(anchor) {
                broken.push(format!("@/{target}#{anchor}"));
            }
        }
        Ok(Arc::new(broken))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_values_are_read_as_zola_s_pattern_reads_them() {
        let html = "<h2 id=\"intro\">x</h2><a name='old'></a><p ID = \"Loud\">\
                    <div id=bare>y</div><span data-id=\"no\"></span><i\nid=\"two words\">";
        assert_eq!(
            attribute_values(html),
            ["Loud", "bare", "intro", "old", "two words"].map(String::from)
        );
    }

    #[test]
    fn an_anchor_is_a_heading_id_exactly_or_an_attribute_in_any_case() {
        let anchors = Anchors {
            headings: vec!["Intro".into()],
            attributes: vec!["Loud".into(), "two words".into()],
        };
        assert!(anchors.has("Intro") && !anchors.has("intro-x"));
        assert!(anchors.has("loud") && anchors.has("LOUD"));
        assert!(anchors.has("two") && anchors.has("two words") && !anchors.has("tw"));
        assert!(is_special("") && is_special("Top") && !is_special("topic"));
    }
}
