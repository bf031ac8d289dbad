//! Internal links: `@/blog/post.md#part` in a page's HTML becomes the target's permalink
//! (`base_url` and route, as Zola writes it).

use picante::PicanteResult;

use crate::SiteError;
use crate::db::Database;
use crate::error::query_error;

const MARKER: &str = "href=\"@/";

/// The internal links of a page's body (`html`, unresolved), as Zola records them: each
/// `@/target.md#anchor`, and each link to one of the page's own anchors (written by the
/// markdown cell as `{permalink}#anchor`) as a link to `own_path`.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct InternalLinks {
    /// The files linked to, without anchors, sorted, each once (backlinks are made of them).
    pub(crate) targets: Vec<String>,
    /// The links with an anchor, as (file, anchor), sorted, each once (their anchors are
    /// checked).
    pub(crate) anchored: Vec<(String, String)>,
}

/// The internal links of `html`, the body of the file `own_path` whose permalink is
/// `permalink`.
pub(crate) fn internal_links(html: &str, own_path: &str, permalink: &str) -> InternalLinks {
    let mut links = InternalLinks::default();
    let mut add = |target: &str, anchor: Option<&str>| {
        links.targets.push(target.to_string());
        if let Some(anchor) = anchor {
            links.anchored.push((target.to_string(), anchor.to_string()));
        }
    };
    for (at, _) in html.match_indices(MARKER) {
        let after = &html[at + MARKER.len()..];
        let link = &after[..after.find('"').unwrap_or(after.len())];
        match link.split_once('#') {
            Some((target, anchor)) => add(target, Some(anchor)),
            None => add(link, None),
        }
    }
    if !permalink.is_empty() {
        let own = format!("href=\"{permalink}#");
        for (at, _) in html.match_indices(&own) {
            let after = &html[at + own.len()..];
            add(own_path, Some(&after[..after.find('"').unwrap_or(after.len())]));
        }
    }
    links.targets.sort_unstable();
    links.targets.dedup();
    links.anchored.sort_unstable();
    links.anchored.dedup();
    links
}

/// Rewrites every internal link in `html` (from the page `file` whose text is `source`) as
/// `base_url` and the target's route. A link to a page that does not exist is an error naming
/// the source file and the link's line, or, given `lenient` (`[link_checker] internal_level
/// = "warn"`), a warning added to it, the link left as written.
pub(crate) async fn resolve(
    db: &Database,
    file: &str,
    source: &str,
    html: &str,
    base_url: &str,
    mut lenient: Option<&mut Vec<String>>,
) -> PicanteResult<String> {
    if !html.contains(MARKER) {
        return Ok(html.to_string());
    }
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(MARKER) {
        out.push_str(&rest[..at]);
        let after = &rest[at + MARKER.len()..];
        let end = after.find('"').unwrap_or(after.len());
        let link = &after[..end];
        let (target, fragment) = match link.split_once('#') {
            Some((target, fragment)) => (target, Some(fragment)),
            None => (link, None),
        };
        // Checked through a query per target: adding unrelated pages does not re-resolve.
        if !db.page_exists.get_ref(db, target).await? {
            let line =
                source.lines().position(|l| l.contains(&format!("@/{link}"))).map(|i| i as u32 + 1);
            let error = SiteError::in_file(
                file,
                format!("broken internal link `@/{link}`: there is no content/{target}"),
            );
            let error = match line {
                Some(line) => {
                    let column = source
                        .lines()
                        .nth(line as usize - 1)
                        .and_then(|l| l.find("@/"))
                        .map(|c| c as u32 + 1);
                    error.at(source, line, column)
                }
                None => error,
            };
            // `[link_checker] internal_level = "warn"`: a warning, and the link left as
            // written, as Zola leaves it.
            let Some(warnings) = lenient.as_deref_mut() else {
                return Err(query_error(error));
            };
            warnings.push(error.to_string());
            out.push_str(MARKER);
            out.push_str(link);
            rest = &after[end..];
            continue;
        }
        out.push_str("href=\"");
        out.push_str(base_url);
        out.push_str(&db.route.get_ref(db, target).await?);
        if let Some(fragment) = fragment {
            out.push('#');
            out.push_str(fragment);
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn internal_links_are_the_linked_files_and_the_anchored_links_each_once() {
        let html = r#"<a href="@/b.md#x">1</a> <a href="@/a/_index.md">2</a> <a href="@/b.md">3</a> <a href="/c">4</a> <a href="https://x.org/p/#own">5</a> <a href="https://x.org/q/#other">6</a> <a href="@/b.md#x">7</a>"#;
        let links = super::internal_links(html, "p.md", "https://x.org/p/");
        assert_eq!(links.targets, ["a/_index.md", "b.md", "p.md"]);
        assert_eq!(
            links.anchored,
            [("b.md".to_string(), "x".to_string()), ("p.md".to_string(), "own".to_string())]
        );
        assert_eq!(super::internal_links("<p>no links</p>", "p.md", "x"), Default::default());
    }
}
