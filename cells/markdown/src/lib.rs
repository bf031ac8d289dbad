//! The markdown cell's engine: a page in, its front matter, HTML body and headings out.
//!
//! A pure transform (no callbacks to the host): [`render_page`] splits the front matter off
//! ([`front_matter::split`]: `+++` TOML or `---` YAML; the host parses it), renders the body
//! with pulldown-cmark (tables, footnotes, strikethrough, task lists, heading ids, smart
//! punctuation) and lists the headings with unique anchor ids for tables of contents.
//! Internal links (`@/blog/post.md#part`) are left as written: resolving them is the host's
//! job, since only it knows the site's routes (and tracks them as dependencies).
//!
//! The `cell-markdown` binary serves this as [`cell_proto::markdown::Service`].
//!
//! # Example
//!
//! ```
//! use cell_proto::FrontMatterFormat;
//! let page = cell_markdown::render_page("+++\ntitle = \"Hi\"\n+++\n# Hello\n\nWorld.\n")?;
//! assert_eq!(page.front_matter.as_deref(), Some("title = \"Hi\"\n"));
//! assert_eq!(page.front_matter_format, Some(FrontMatterFormat::Toml));
//! assert_eq!(page.html, "<h1 id=\"hello\">Hello</h1>\n<p>World.</p>\n");
//! assert_eq!(page.headings[0].id, "hello");
//! assert_eq!(page.body_line, 4);
//! # Ok::<(), cell_markdown::MarkdownError>(())
//! ```
#![deny(missing_docs)]

pub mod front_matter;
mod render;

use std::fmt;

use cell_proto::RenderedMarkdown;

pub use render::slugify;

/// Why a page could not be rendered.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MarkdownError {
    /// The front matter opened on `line` never closes.
    UnclosedFrontMatter {
        /// `+++` or `---`.
        delimiter: &'static str,
        /// The 1-based line of the opening delimiter.
        line: u32,
    },
}

impl MarkdownError {
    /// The 1-based line of the file the problem is on.
    pub fn line(&self) -> u32 {
        match self {
            MarkdownError::UnclosedFrontMatter { line, .. } => *line,
        }
    }

    /// What is wrong, without its position.
    pub fn what(&self) -> String {
        match self {
            MarkdownError::UnclosedFrontMatter { delimiter, .. } => format!(
                "front matter opened with `{delimiter}` is never closed (add a line with only `{delimiter}` after it)"
            ),
        }
    }

    /// The problem as the markdown service sends it: the message and where it is.
    pub fn to_problem(&self) -> cell_proto::PageProblem {
        cell_proto::PageProblem { message: self.what(), line: self.line(), column: Some(1) }
    }
}

impl fmt::Display for MarkdownError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line(), self.what())
    }
}

impl std::error::Error for MarkdownError {}

/// Renders a whole page (front matter included).
///
/// # Errors
///
/// [`MarkdownError::UnclosedFrontMatter`].
pub fn render_page(source: &str) -> Result<RenderedMarkdown, MarkdownError> {
    let split = front_matter::split(source)?;
    let (html, headings) = render::render(split.body);
    Ok(RenderedMarkdown {
        html,
        headings,
        front_matter: split.front_matter.map(|(text, _)| text.to_string()),
        front_matter_format: split.front_matter.map(|(_, format)| format),
        body_line: split.body_line,
    })
}
