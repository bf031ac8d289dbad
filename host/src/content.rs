//! Pages and sections: front matter, routes, and what a page looks like to the host.

use cell_proto::{FrontMatterFormat, Heading, Value, WireValue};
use facet::Facet;

use crate::SiteError;
use crate::values::{self, Syntax};
use std::sync::Arc;

use cell_proto::{MarkdownOptions, MarkdownReply, RenderMarkdown, markdown, markdown_host};

use crate::db::{Database, Query};
use crate::error::{cell_query_error, query_error};
use crate::links;
use crate::shortcodes::MarkdownHost;

/// The front matter keys a page may have.
const KEYS: &[&str] = &["title", "description", "date", "weight", "draft", "template", "extra"];

/// A page's front matter, validated.
#[derive(Facet, Clone, Debug, PartialEq, Default)]
pub struct FrontMatter {
    /// `title`.
    pub title: String,
    /// `description`.
    pub description: Option<String>,
    /// `date`, as written (`2024-05-01` or a full timestamp).
    pub date: Option<String>,
    /// `weight`: sections list pages by weight, then date, then title.
    pub weight: Option<i64>,
    /// `draft`: drafts are built nowhere and listed nowhere.
    pub draft: bool,
    /// `template`: the template to render with instead of `page.html` / `section.html`.
    pub template: Option<String>,
    /// `extra`: anything else, for templates.
    pub extra: WireValue,
}

/// Parses front matter `text` (which starts on line `first_line` of `file`, whose whole text
/// is `file_text`).
pub fn parse_front_matter(
    text: &str,
    format: FrontMatterFormat,
    file: &str,
    file_text: &str,
    first_line: u32,
) -> Result<FrontMatter, SiteError> {
    let syntax = match format {
        FrontMatterFormat::Toml => Syntax::Toml,
        FrontMatterFormat::Yaml => Syntax::Yaml,
    };
    let err = |message: String, line: Option<u32>, column: Option<u32>| {
        let error = SiteError::in_file(format!("content/{file}"), message);
        match line {
            Some(line) => error.at(file_text, line, column),
            None => error,
        }
    };
    let value = values::parse(text, syntax).map_err(|(message, position)| match position {
        Some((line, column)) => {
            err(format!("front matter: {message}"), Some(first_line + line - 1), Some(column))
        }
        None => err(format!("front matter: {message}"), None, None),
    })?;
    let entries = match value {
        Value::Map(entries) => entries,
        _ => {
            return Err(err("front matter must be a table of keys".into(), Some(first_line), None));
        }
    };
    let line_of = |key: &str| {
        text.lines()
            .position(|l| {
                let l = l.trim_start();
                l.strip_prefix(key).is_some_and(|rest| {
                    let rest = rest.trim_start();
                    rest.starts_with('=') || rest.starts_with(':')
                }) || l == format!("[{key}]")
            })
            .map(|i| first_line + i as u32)
    };
    let mut meta = FrontMatter::default();
    let mut has_title = false;
    for (key, value) in entries {
        let wrong_type =
            |expected: &str| err(format!("`{key}` must be {expected}"), line_of(&key), Some(1));
        match key.as_str() {
            "title" => match value {
                Value::String(s) => {
                    meta.title = s;
                    has_title = true;
                }
                _ => return Err(wrong_type("a string")),
            },
            "description" => match value {
                Value::String(s) => meta.description = Some(s),
                _ => return Err(wrong_type("a string")),
            },
            "date" => match value {
                Value::String(s) => meta.date = Some(s),
                _ => return Err(wrong_type("a date (`2024-05-01`)")),
            },
            "weight" => match value {
                Value::Int(i) => meta.weight = Some(i),
                _ => return Err(wrong_type("an integer")),
            },
            "draft" => match value {
                Value::Bool(b) => meta.draft = b,
                _ => return Err(wrong_type("true or false")),
            },
            "template" => match value {
                Value::String(s) if !s.trim().is_empty() => meta.template = Some(s),
                _ => return Err(wrong_type("a template name")),
            },
            "extra" => match value {
                Value::Map(_) => meta.extra = value.to_wire(),
                _ => return Err(wrong_type("a table")),
            },
            other => {
                let hint = did_you_mean(other)
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                return Err(err(
                    format!(
                        "unknown front matter key `{other}`{hint}; put your own keys under `extra`"
                    ),
                    line_of(other),
                    Some(1),
                ));
            }
        }
    }
    if !has_title {
        return Err(err(
            "front matter has no `title`".into(),
            Some(first_line.saturating_sub(1).max(1)),
            None,
        ));
    }
    Ok(meta)
}

/// The known key closest to `key`, if it is a likely typo.
fn did_you_mean(key: &str) -> Option<&'static str> {
    KEYS.iter()
        .copied()
        .filter(|k| edit_distance(k, key) <= 2)
        .min_by_key(|k| edit_distance(k, key))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + (ca != *cb) as usize).min(row[j] + 1).min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}

/// A parsed page or section, as queries keep it.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct Page {
    /// Path under `content/` (`blog/post.md`).
    pub path: String,
    /// Its route (`/blog/post/`).
    pub route: String,
    /// Whether it is a section (`_index.md`).
    pub is_section: bool,
    /// Its front matter.
    pub meta: FrontMatter,
    /// The body as HTML, internal links resolved.
    pub html: String,
    /// Its headings.
    pub headings: Vec<Heading>,
}

/// The route of the content file at `path` (relative to `content/`).
pub fn route_of(path: &str) -> String {
    let trimmed = crate::routes::route_key(path);
    if trimmed.is_empty() { "/".to_string() } else { format!("/{trimmed}/") }
}

/// Whether `path` is a section's `_index.md`.
pub fn is_section(path: &str) -> bool {
    path == "_index.md" || path.ends_with("/_index.md")
}

/// The query `page_exists(path)`: whether the content list has `path` (internal links and
/// `get_page` depend on the list, not on the page's text).
pub(crate) fn page_exists_query(db: &Database, path: String) -> Query<'_, bool> {
    Box::pin(async move {
        let list = db.content_list.get(db, &())?.unwrap_or_default();
        Ok(list.binary_search(&path).is_ok())
    })
}
/// The query `page(path)`: the content file parsed by the markdown cell, its front matter
/// checked and its internal links resolved. A problem in the file is a site error placed in
/// it; a cell that cannot be called stays a typed [`CellError`](crate::CellError).
pub(crate) fn page_query(db: &Database, path: String) -> Query<'_, Arc<Page>> {
    Box::pin(async move {
        let file = format!("content/{path}");
        let source = db
            .content
            .get(db, &path)?
            .ok_or_else(|| query_error(SiteError::in_file(&file, "no such content file")))?;
        // The permalink: co-located links and the page's own anchors are written against it.
        let config = db.config.get(db, ()).await?;
        let permalink = format!("{}{}", config.base_url, route_of(&path));
        let request = RenderMarkdown {
            path: path.clone(),
            source: source.clone(),
            permalink,
            // TODO(issue 18): the site's `[markdown]` and `[slugify] anchors` settings (and
            // the section's `insert_anchor_links`), from the config; Zola's defaults until then.
            options: MarkdownOptions::default(),
        };
        // The templates the page's markdown uses (shortcodes, ...) are rendered for the cell
        // inside this call: each is a dependency of the page.
        let server = markdown_host::Server(MarkdownHost { db });
        let reply = db
            .cells
            .call(&db.cells.markdown, |connection| {
                let (request, server) = (&request, &server);
                async move { markdown::Client::new(connection).with(server).render(request).await }
            })
            .await
            .map_err(cell_query_error)?;
        let rendered = match reply {
            MarkdownReply::Rendered(rendered) => rendered,
            MarkdownReply::Problem(problem) => {
                let error = SiteError::in_file(&file, problem.message);
                return Err(query_error(error.at(&source, problem.line, problem.column)));
            }
        };
        let meta = match (&rendered.front_matter, rendered.front_matter_format) {
            (Some(text), Some(format)) => {
                parse_front_matter(text, format, &path, &source, 2).map_err(query_error)?
            }
            _ => {
                return Err(query_error(SiteError::in_file(
                    &file,
                    "a page needs front matter with at least a `title` (+++ title = \"...\" +++)",
                )));
            }
        };
        let html = links::resolve(db, &file, &source, &rendered.html, &config.base_url).await?;
        // Shared: the build and the renders read it without copying its HTML.
        Ok(Arc::new(Page {
            route: route_of(&path),
            is_section: is_section(&path),
            path,
            meta,
            html,
            headings: rendered.headings,
        }))
    })
}

/// The section a content file belongs to: the `_index.md` of its directory, or of the nearest
/// ancestor that has one (`None` for the root section itself). The reference definition;
/// the tree uses an allocation-free version checked against it.
#[cfg(test)]
pub(crate) fn parent_section(path: &str, exists: impl Fn(&str) -> bool) -> Option<String> {
    let mut dir = match path.rsplit_once('/') {
        Some((dir, _)) => dir.to_string(),
        None => String::new(),
    };
    if is_section(path) {
        if dir.is_empty() {
            return None;
        }
        dir = dir.rsplit_once('/').map_or(String::new(), |(d, _)| d.to_string());
    }
    loop {
        let candidate =
            if dir.is_empty() { "_index.md".to_string() } else { format!("{dir}/_index.md") };
        if candidate != path && exists(&candidate) {
            return Some(candidate);
        }
        if dir.is_empty() {
            return None;
        }
        dir = dir.rsplit_once('/').map_or(String::new(), |(d, _)| d.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<FrontMatter, SiteError> {
        let file = format!("+++\n{text}+++\nbody\n");
        parse_front_matter(text, FrontMatterFormat::Toml, "a.md", &file, 2)
    }

    #[test]
    fn every_key_is_read_and_extra_stays_dynamic() {
        let meta = parse("title = \"T\"\ndescription = \"D\"\ndate = \"2024-05-01\"\nweight = 3\ndraft = true\ntemplate = \"x.html\"\n[extra]\nk = \"v\"\n").unwrap();
        assert_eq!((meta.title.as_str(), meta.weight, meta.draft), ("T", Some(3), true));
        assert_eq!(meta.date.as_deref(), Some("2024-05-01"));
        assert_eq!(meta.extra.to_value().unwrap().get("k"), Some(&Value::from("v")));
    }

    #[test]
    fn an_unknown_key_is_an_error_at_its_line_with_a_suggestion() {
        let err = parse("title = \"T\"\ntitel = \"x\"\n").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(
            err.message.contains("unknown front matter key `titel` (did you mean `title`?)"),
            "{err}"
        );
        assert_eq!(err.file.to_str(), Some("content/a.md"));
    }

    #[test]
    fn a_key_of_the_wrong_type_is_an_error_naming_it() {
        let err = parse("title = \"T\"\nweight = \"heavy\"\n").unwrap_err();
        assert!(err.message.contains("`weight` must be an integer"), "{err}");
        assert_eq!(err.line, Some(3));
    }

    #[test]
    fn a_string_never_closed_is_an_error_at_its_line_and_column() {
        // The TOML parser alone would read this as the title `Unclosed`.
        let err = parse("title = \"Unclosed\nweight = 3\n").unwrap_err();
        assert!(err.message.contains("never closed"), "{err}");
        assert_eq!((err.line, err.column), (Some(2), Some(9)));
    }

    #[test]
    fn a_missing_title_is_an_error() {
        assert!(parse("weight = 1\n").unwrap_err().message.contains("no `title`"));
    }

    #[test]
    fn routes_and_sections_follow_the_content_tree() {
        assert_eq!(route_of("_index.md"), "/");
        assert_eq!(route_of("blog/_index.md"), "/blog/");
        assert_eq!(route_of("blog/post.md"), "/blog/post/");
        assert_eq!(route_of("about.md"), "/about/");
        // Only a file named exactly `_index.md` is a section.
        assert_eq!(route_of("x_index.md"), "/x_index/");
        assert_eq!(route_of("blog/my_index.md"), "/blog/my_index/");
        let exists = |p: &str| matches!(p, "_index.md" | "blog/_index.md");
        assert_eq!(parent_section("blog/post.md", exists).as_deref(), Some("blog/_index.md"));
        assert_eq!(parent_section("blog/2024/deep.md", exists).as_deref(), Some("blog/_index.md"));
        assert_eq!(parent_section("blog/_index.md", exists).as_deref(), Some("_index.md"));
        assert_eq!(parent_section("_index.md", exists), None);
        assert_eq!(parent_section("about.md", exists).as_deref(), Some("_index.md"));
    }
}
