//! Routes: which output path each content file gets, and which files may not be built.
//!
//! A route is made as Zola makes it ([`route`]). A section's comes from its directory
//! (`blog/_index.md` → `/blog/`). A page's is its front matter's `path` when it has one, or
//! else its directory and its slug: the front matter's `slug`, or the file's name without
//! `.md` and without the date it may start with, or its directory's name for an `index.md`
//! (a page with its assets beside it), slugified by `[slugify] paths` (`blog/My Post.md` →
//! `/blog/my-post/`). The `route` query reads only the front matter, so a body edit never
//! moves a page. Two things can go wrong, and both must be caught before anything is written:
//!
//! - A route that is not a plain path: a file or a front matter `path` with a `..` segment
//!   would write outside the output directory. Such a route is refused, naming the file.
//! - Two files can claim one route: `foo.md` and `foo/_index.md` both give `/foo/`, and on a
//!   case-insensitive output file system `a.md` and `A.md` are one file. Whichever was written
//!   last would win, differently from build to build, so neither is built and the error names
//!   both.
//!
//! [`check`] finds both from every file's route (the `route_check` query), so it runs again
//! only when files are added or removed or a route changes; the section index leaves the
//! refused files out, so no listing links to a page that is not built.

use std::sync::Arc;

use crate::config::SiteConfig;
use crate::content::is_section;
use crate::db::{Database, Query};
use crate::front_matter::FrontMatter;
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
    // One slash at each end; any other empty segment (`/blog//`, from a name that slugifies
    // to nothing) is a problem.
    if route == "/" {
        return None;
    }
    let inner = route.strip_prefix('/').unwrap_or(route);
    let inner = inner.strip_suffix('/').unwrap_or(inner);
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

/// A section's route: its directory (`blog/_index.md` → `/blog/`, `_index.md` → `/`) below
/// its language's directory (`blog/_index.fr.md` → `/fr/blog/`). A section's front matter has
/// no `slug` or `path` in Zola.
pub(crate) fn section_route(path: &str, config: &SiteConfig) -> String {
    let dir = path.rsplit_once('/').map_or("", |(dir, _)| dir);
    let route = if dir.is_empty() { "/".to_string() } else { ["/", dir, "/"].concat() };
    crate::languages::prefixed_route(route, crate::languages::code_of(path, config), config)
}

/// The route of the content file at `path` with front matter `meta`, as Zola makes it (see
/// the module's documentation): a page in another language than the default one is under
/// `/<code>/`, unless its front matter gives its `path` (which Zola takes as written).
pub(crate) fn route(path: &str, meta: &FrontMatter, config: &SiteConfig) -> String {
    if is_section(path) {
        return section_route(path, config);
    }
    if let Some(written) = &meta.path {
        let written = written.trim();
        let mut route = String::with_capacity(written.len() + 2);
        if !written.starts_with('/') {
            route.push('/');
        }
        route.push_str(written);
        if !route.ends_with('/') {
            route.push('/');
        }
        return route;
    }
    let (plain, code) = crate::languages::plain_and_code(path, config);
    let without_ext = plain.strip_suffix(".md").unwrap_or(&plain);
    // The directory the page is in; an `index.md`'s own directory is its slug, not a parent.
    let dir = match without_ext.rsplit_once('/') {
        Some((dir, "index")) => dir.rsplit_once('/').map_or("", |(parent, _)| parent),
        Some((dir, _)) => dir,
        None => "",
    };
    let slug = crate::content::slug_of(path, meta, config);
    let route = if dir.is_empty() {
        ["/", &slug, "/"].concat()
    } else {
        ["/", dir, "/", &slug, "/"].concat()
    };
    crate::languages::prefixed_route(route, code, config)
}

/// The query `route(path)`: the route of the content file at `path`. A section's needs
/// its path and the config's languages; a page's reads its front matter too.
pub(crate) fn route_query(db: &Database, path: String) -> Query<'_, String> {
    Box::pin(async move {
        let config = db.config.get_ref(db, &()).await?;
        if is_section(&path) {
            return Ok(section_route(&path, &config));
        }
        let meta = db.front_matter.get_ref(db, path.as_str()).await?;
        Ok(route(&path, &meta, &config))
    })
}

/// Checks the routes of every file of `list` (sorted paths under `content/`). With
/// `case_insensitive`, routes that differ only in letter case conflict too.
///
/// `routes[i]` is the route of `list[i]`, or `None` when it has none (its front matter is
/// broken: the page's own build reports that).
pub(crate) fn check(
    list: &[String],
    routes: &[Option<String>],
    case_insensitive: bool,
) -> RouteCheck {
    let mut result = RouteCheck::default();
    let mut by_key: std::collections::HashMap<std::borrow::Cow<'_, str>, usize> =
        std::collections::HashMap::with_capacity(list.len());
    // Files whose route was seen before, with the index of the first one.
    let mut repeats: Vec<(usize, usize)> = Vec::new();
    for (index, (path, route)) in list.iter().zip(routes).enumerate() {
        let Some(route) = route else { continue };
        if let Some(reason) = route_problem(route) {
            let fix = if is_section(path) {
                "rename its directory"
            } else {
                "change its front matter's `path` or `slug`, or rename the file"
            };
            result.problems.push(RouteProblem {
                paths: vec![path.clone()],
                message: format!("its route `{}` {reason}; {fix}", route.escape_debug()),
            });
            continue;
        }
        let key = if case_insensitive {
            std::borrow::Cow::Owned(route.to_lowercase())
        } else {
            std::borrow::Cow::Borrowed(route.as_str())
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
        let routes: Vec<&str> = paths
            .iter()
            .map(|p| {
                let index = list.binary_search(p).unwrap_or_else(|_| unreachable!("from the list"));
                routes[index].as_deref().unwrap_or_default()
            })
            .collect();
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
        let mut routes = Vec::with_capacity(list.len());
        for path in list.iter() {
            routes.push(db.route.get_ref(db, path.as_str()).await.ok());
        }
        let mut checked = check(&list, &routes, case_insensitive);
        // A name whose language the site does not have is refused too (Zola stops at it).
        let config = db.config.get_ref(db, &()).await?;
        if config.is_multilingual() || list.iter().any(|path| is_section(path)) {
            for path in list.iter() {
                if let Err(message) = crate::languages::file_language(path, &config) {
                    checked.problems.push(RouteProblem { paths: vec![path.clone()], message });
                    if let Err(at) = checked.refused.binary_search(path) {
                        checked.refused.insert(at, path.clone());
                    }
                }
            }
        }
        Ok(Arc::new(checked))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{SlugStrategy, SlugifyConfig};

    fn list(paths: &[&str]) -> Vec<String> {
        let mut list: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
        list.sort();
        list
    }

    fn slugify(paths: SlugStrategy) -> SiteConfig {
        let defaults = SiteConfig::default();
        SiteConfig { slugify: SlugifyConfig { paths, ..defaults.slugify.clone() }, ..defaults }
    }

    /// Checks `list` with the routes its files get without front matter, slugified as
    /// `strategy` says.
    fn check_files(list: &[String], strategy: SlugStrategy, case_insensitive: bool) -> RouteCheck {
        let slugify = slugify(strategy);
        let routes: Vec<Option<String>> =
            list.iter().map(|p| Some(route(p, &FrontMatter::default(), &slugify))).collect();
        check(list, &routes, case_insensitive)
    }

    fn page_route(path: &str, slug: Option<&str>, written: Option<&str>) -> String {
        let meta = FrontMatter {
            slug: slug.map(str::to_string),
            path: written.map(str::to_string),
            ..FrontMatter::default()
        };
        route(path, &meta, &slugify(SlugStrategy::On))
    }

    #[test]
    fn a_page_s_route_is_its_directory_and_its_slugified_file_name() {
        assert_eq!(page_route("blog/My Post.md", None, None), "/blog/my-post/");
        assert_eq!(page_route("about.md", None, None), "/about/");
        assert_eq!(page_route("Title Case File.md", None, None), "/title-case-file/");
        // Only a file named exactly `_index.md` is a section.
        assert_eq!(page_route("x_index.md", None, None), "/x-index/");
        let off = route("blog/My Post.md", &FrontMatter::default(), &slugify(SlugStrategy::Off));
        assert_eq!(off, "/blog/My Post/");
    }

    #[test]
    fn a_date_at_the_start_of_a_file_name_is_not_part_of_the_route() {
        assert_eq!(page_route("blog/2024-01-05-first.md", None, None), "/blog/first/");
        assert_eq!(
            page_route("blog/2024-01-03_underscore dated.md", None, None),
            "/blog/underscore-dated/"
        );
        // A date alone is the name.
        assert_eq!(page_route("blog/2024-01-05.md", None, None), "/blog/2024-01-05/");
    }

    #[test]
    fn an_index_md_is_the_page_of_its_directory() {
        assert_eq!(page_route("blog/post/index.md", None, None), "/blog/post/");
        assert_eq!(page_route("Bundle Dir/index.md", None, None), "/bundle-dir/");
    }

    #[test]
    fn front_matter_slug_and_path_choose_the_route() {
        assert_eq!(page_route("blog/x.md", Some("Hello World!"), None), "/blog/hello-world/");
        assert_eq!(page_route("blog/x.md", None, Some("elsewhere/x")), "/elsewhere/x/");
        assert_eq!(page_route("blog/x.md", Some("ignored"), Some("/abs/")), "/abs/");
        assert_eq!(page_route("blog/x.md", None, Some(" spaced ")), "/spaced/");
    }

    #[test]
    fn a_section_s_route_is_its_directory_as_written() {
        assert_eq!(page_route("_index.md", None, None), "/");
        assert_eq!(page_route("blog/_index.md", None, None), "/blog/");
        assert_eq!(page_route("My Dir/_index.md", None, None), "/My Dir/");
    }

    #[test]
    fn dot_segments_and_control_characters_are_refused_naming_the_file() {
        let files = list(&["...md", "..md", "blog/...md", "a\nb.md", "ok.md"]);
        let check = check_files(&files, SlugStrategy::Off, false);
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
    fn a_front_matter_path_leaving_the_output_directory_is_refused() {
        let files = list(&["evil.md", "ok.md"]);
        let routes =
            vec![Some(page_route("evil.md", None, Some("../../etc/x"))), Some("/ok/".into())];
        let check = check(&files, &routes, false);
        assert_eq!(check.refused, ["evil.md"]);
        assert!(check.problems[0].message.contains("segment `..`"), "{:?}", check.problems);
        assert!(check.problems[0].message.contains("`path`"));
    }

    #[test]
    fn a_page_whose_slug_empties_its_name_is_refused() {
        let files = list(&["blog/!!!.md"]);
        let check = check_files(&files, SlugStrategy::On, false);
        assert_eq!(check.refused, ["blog/!!!.md"]);
        assert!(check.problems[0].message.contains("empty segment"));
    }

    #[test]
    fn a_page_and_a_section_with_one_route_are_both_refused() {
        let files = list(&["foo.md", "foo/_index.md", "foo/bar.md", "_index.md"]);
        let check = check_files(&files, SlugStrategy::On, false);
        assert_eq!(check.refused, list(&["foo.md", "foo/_index.md"]));
        assert_eq!(
            check.problems[0].message,
            "content/foo.md and content/foo/_index.md all have the route `/foo/`; rename or \
             remove all but one"
        );
    }

    #[test]
    fn pages_whose_names_slugify_alike_conflict() {
        let files = list(&["blog/My Post.md", "blog/my-post.md", "blog/other.md"]);
        let check = check_files(&files, SlugStrategy::On, false);
        assert_eq!(check.refused, list(&["blog/My Post.md", "blog/my-post.md"]));
        assert!(check.problems[0].message.contains("`/blog/my-post/`"));
    }

    #[test]
    fn names_differing_in_case_conflict_only_on_a_case_insensitive_file_system() {
        let files = list(&["a.md", "A.md", "b.md"]);
        assert!(check_files(&files, SlugStrategy::Off, false).problems.is_empty());
        let check = check_files(&files, SlugStrategy::Off, true);
        assert_eq!(check.refused, list(&["A.md", "a.md"]));
        assert!(check.problems[0].message.contains("differ only in letter case (/A/, /a/)"));
    }

    #[test]
    fn the_root_route_is_fine() {
        assert_eq!(route_problem("/"), None);
        assert_eq!(route_problem("/blog/post/"), None);
        assert!(route_problem("/blog/../").is_some());
    }
}
