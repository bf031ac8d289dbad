//! Routes: which output path each content file gets, and which files may not be built.
//!
//! A route comes from the file's path under `content/` (`blog/post.md` → `/blog/post/`,
//! written to `blog/post/index.html`). Two things can go wrong, and both must be caught
//! before anything is written:
//!
//! - A file name can make a route that is not a plain path: `content/...md` gives the segment
//!   `..`, which would write outside the output directory; `content/..md` gives `.`. Such a
//!   route is refused, naming the file.
//! - Two files can claim one route: `foo.md` and `foo/_index.md` both give `/foo/`, and on a
//!   case-insensitive output file system `a.md` and `A.md` are one file. Whichever was written
//!   last would win, differently from build to build, so neither is built and the error names
//!   both.
//!
//! [`check`] computes both from the file list alone (the `routes` query), so it runs again
//! only when files are added or removed; the section index leaves the refused files out, so
//! no listing links to a page that is not built.

use std::sync::Arc;

use crate::db::{Database, Query};
use facet::Facet;

/// The files of the content list that may not be built, and why.
#[derive(Facet, Clone, Debug, PartialEq, Default)]
pub(crate) struct RouteCheck {
    /// One entry per problem: the files involved (one for a bad route, two or more for a
    /// conflict) and the message.
    pub(crate) problems: Vec<RouteProblem>,
    /// Every file named by a problem, sorted.
    pub(crate) refused: Vec<String>,
}

/// One problem found by [`check`].
#[derive(Facet, Clone, Debug, PartialEq)]
pub(crate) struct RouteProblem {
    /// The content files involved, relative to `content/`.
    pub(crate) paths: Vec<String>,
    /// What is wrong, naming the route.
    pub(crate) message: String,
}

impl RouteCheck {
    /// Whether `path` is refused.
    pub(crate) fn refuses(&self, path: &str) -> bool {
        self.refused.binary_search_by(|p| p.as_str().cmp(path)).is_ok()
    }
}

/// Why a route is not a plain path below the output directory, if it is not.
pub(crate) fn route_problem(route: &str) -> Option<String> {
    let inner = route.trim_matches('/');
    if inner.is_empty() {
        return None;
    }
    for segment in inner.split('/') {
        match segment {
            "" => return Some("has an empty segment".into()),
            "." | ".." => {
                return Some(format!(
                    "has the segment `{segment}`, which would not stay inside the output directory"
                ));
            }
            _ if segment.chars().any(char::is_control) => {
                return Some("contains a control character (a newline, a tab, NUL ...)".into());
            }
            _ => {}
        }
    }
    None
}

/// The part of a content path that makes its route (`blog/post` for `blog/post.md`, `blog`
/// for `blog/_index.md`, "" for `_index.md`): two files conflict exactly when these are
/// equal, and comparing slices spares building ten thousand route strings per check.
pub(crate) fn route_key(path: &str) -> &str {
    let without_ext = path.strip_suffix(".md").unwrap_or(path);
    // Only a file named exactly `_index.md` is its directory's section (`x_index.md` is a
    // page of its own).
    let section_dir = match without_ext.strip_suffix("_index") {
        Some(dir) if dir.is_empty() || dir.ends_with('/') => dir,
        _ => without_ext,
    };
    section_dir.trim_end_matches('/')
}

/// Whether `key` (see [`route_key`]) may hide a bad segment or a control character: most
/// keys are plain, and say so from their bytes alone.
fn may_be_bad(key: &str) -> bool {
    key.contains("..")
        || key.starts_with('.')
        || key.contains("/.")
        || key.bytes().any(|b| b < 0x20 || b == 0x7f || b == 0xc2)
}

/// Checks the routes of every file of `list` (sorted paths under `content/`). With
/// `case_insensitive`, routes that differ only in letter case conflict too.
pub(crate) fn check(list: &[String], case_insensitive: bool) -> RouteCheck {
    let mut result = RouteCheck::default();
    let mut by_key: std::collections::HashMap<std::borrow::Cow<'_, str>, usize> =
        std::collections::HashMap::with_capacity(list.len());
    // Files whose key was seen before, with the index of the first one.
    let mut repeats: Vec<(usize, usize)> = Vec::new();
    for (index, path) in list.iter().enumerate() {
        let key = route_key(path);
        if may_be_bad(key) {
            let route = crate::content::route_of(path);
            if let Some(reason) = route_problem(&route) {
                result.problems.push(RouteProblem {
                    paths: vec![path.clone()],
                    message: format!(
                        "its route `{}` {reason}; rename the file",
                        route.escape_debug()
                    ),
                });
                continue;
            }
        }
        let key = if case_insensitive {
            std::borrow::Cow::Owned(key.to_lowercase())
        } else {
            std::borrow::Cow::Borrowed(key)
        };
        match by_key.entry(key) {
            std::collections::hash_map::Entry::Occupied(first) => {
                repeats.push((*first.get(), index));
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(index);
            }
        }
    }
    // Rare: group the repeats by their first file.
    repeats.sort_unstable();
    let mut conflicts: Vec<Vec<&String>> = Vec::new();
    for (first, other) in repeats {
        match conflicts.last_mut() {
            Some(group) if std::ptr::eq(group[0], &list[first]) => group.push(&list[other]),
            _ => conflicts.push(vec![&list[first], &list[other]]),
        }
    }
    for paths in conflicts {
        let routes: Vec<String> = paths.iter().map(|p| crate::content::route_of(p)).collect();
        let names: Vec<String> = paths.iter().map(|p| format!("content/{p}")).collect();
        let message = if routes.iter().all(|r| *r == routes[0]) {
            format!(
                "{} all have the route `{}`; rename or remove all but one",
                names.join(" and "),
                routes[0]
            )
        } else {
            format!(
                "{} have routes that differ only in letter case ({}), and the output directory's \
                 file system does not tell them apart; rename or remove all but one",
                names.join(" and "),
                routes.join(", ")
            )
        };
        result.problems.push(RouteProblem { paths: paths.into_iter().cloned().collect(), message });
    }
    result.refused = result.problems.iter().flat_map(|p| p.paths.iter().cloned()).collect();
    result.refused.sort_unstable();
    result.refused.dedup();
    result
}

/// The query `routes`: the content files whose routes are refused, and why (see [`check`]).
pub(crate) fn routes_query(db: &Database, _: ()) -> Query<'_, Arc<RouteCheck>> {
    Box::pin(async move {
        let list = db.content_list.get(db, &())?.unwrap_or_default();
        let case_insensitive = db.case_insensitive_output.get(db, &())?.unwrap_or(false);
        Ok(Arc::new(check(&list, case_insensitive)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(paths: &[&str]) -> Vec<String> {
        let mut list: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
        list.sort();
        list
    }

    #[test]
    fn dot_segments_and_control_characters_are_refused_naming_the_file() {
        let check = check(&list(&["...md", "..md", "blog/...md", "a\nb.md", "ok.md"]), false);
        assert_eq!(check.refused, list(&["...md", "..md", "a\nb.md", "blog/...md"]));
        let message = |path: &str| {
            check.problems.iter().find(|p| p.paths == [path]).map(|p| p.message.clone()).unwrap()
        };
        assert!(message("...md").contains("route `/../` has the segment `..`"));
        assert!(message("..md").contains("segment `.`"));
        assert!(message("blog/...md").contains("`/blog/../`"));
        assert!(message("a\nb.md").contains("control character"));
        assert!(!check.refuses("ok.md"));
    }

    #[test]
    fn a_page_and_a_section_with_one_route_are_both_refused() {
        let check = check(&list(&["foo.md", "foo/_index.md", "foo/bar.md", "_index.md"]), false);
        assert_eq!(check.refused, list(&["foo.md", "foo/_index.md"]));
        assert_eq!(
            check.problems[0].message,
            "content/foo.md and content/foo/_index.md all have the route `/foo/`; rename or \
             remove all but one"
        );
    }

    #[test]
    fn names_differing_in_case_conflict_only_on_a_case_insensitive_file_system() {
        let files = list(&["a.md", "A.md", "b.md"]);
        assert!(check(&files, false).problems.is_empty());
        let check = check(&files, true);
        assert_eq!(check.refused, list(&["A.md", "a.md"]));
        assert!(check.problems[0].message.contains("differ only in letter case (/A/, /a/)"));
    }

    #[test]
    fn the_quick_key_agrees_with_the_route() {
        for path in ["_index.md", "a.md", "blog/_index.md", "blog/a.md", "x_index.md", "a/b/c.md"] {
            assert_eq!(
                format!("/{}/", route_key(path)).replace("//", "/"),
                crate::content::route_of(path)
            );
        }
        for bad in ["...md", "..md", "a/...md", "a\u{85}b.md", "a\tb.md"] {
            assert!(may_be_bad(route_key(bad)), "{bad:?}");
        }
        assert!(!may_be_bad(route_key("blog/post-1.md")));
    }

    #[test]
    fn the_root_route_is_fine() {
        assert_eq!(route_problem("/"), None);
        assert_eq!(route_problem("/blog/post/"), None);
        assert!(route_problem("/blog/../").is_some());
    }
}
