//! Internal links: `@/blog/post.md#part` in a page's HTML becomes the target's permalink
//! (`base_url` and route, as Zola writes it).

use picante::PicanteResult;

use crate::SiteError;
use crate::db::Database;
use crate::error::query_error;

const MARKER: &str = "href=\"@/";

/// The files the internal links in `html` (a page's body, unresolved) point to, without their
/// anchors, sorted, each once (Zola's `internal_links`, from which it makes backlinks).
pub(crate) fn targets(html: &str) -> Vec<String> {
    let mut targets: Vec<String> = html
        .match_indices(MARKER)
        .map(|(at, _)| {
            let after = &html[at + MARKER.len()..];
            let link = &after[..after.find('"').unwrap_or(after.len())];
            link.split_once('#').map_or(link, |(target, _)| target).to_string()
        })
        .collect();
    targets.sort_unstable();
    targets.dedup();
    targets
}

/// Rewrites every internal link in `html` (from the page `file` whose text is `source`) as
/// `base_url` and the target's route. A link to a page that does not exist is an error naming
/// the source file and the link's line.
pub(crate) async fn resolve(
    db: &Database,
    file: &str,
    source: &str,
    html: &str,
    base_url: &str,
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
            return Err(query_error(match line {
                Some(line) => {
                    let column = source
                        .lines()
                        .nth(line as usize - 1)
                        .and_then(|l| l.find("@/"))
                        .map(|c| c as u32 + 1);
                    error.at(source, line, column)
                }
                None => error,
            }));
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
    fn targets_are_the_linked_files_once_each_without_anchors() {
        let html = r#"<a href="@/b.md#x">1</a> <a href="@/a/_index.md">2</a> <a href="@/b.md">3</a> <a href="/c">4</a>"#;
        assert_eq!(super::targets(html), ["a/_index.md", "b.md"]);
        assert!(super::targets("<p>no links</p>").is_empty());
    }
}
