//! The markdown cell's engine: a page in, its front matter, HTML body, headings and summary
//! out, as Zola renders them.
//!
//! [`render`] splits the front matter off ([`front_matter::split`]: `+++` TOML or `---` YAML;
//! the host parses it) and renders the body with pulldown-cmark and Zola's rules: heading ids
//! (slugs, unique on the page, `{#id}` kept), anchor links, links to co-located files and
//! external links as Zola's `[markdown]` options write them, code blocks highlighted by
//! giallo as Zola 0.22 highlights them (or with `data-lang` only), emoji shortcodes,
//! footnotes in place or at the bottom, the summary before `<!-- more -->`, the word count
//! and reading time, and shortcodes. The options ([`cell_proto::MarkdownOptions`]) default
//! to Zola's defaults.
//!
//! Shortcodes are rendered by templates, which only the host can render: the engine finds
//! each call and asks a [`Templates`] for its output (the `cell-markdown` binary asks the host,
//! through [`cell_proto::markdown_host`]). [`render_page`] renders with the defaults and
//! [`NoTemplates`].
//!
//! Internal links (`@/blog/post.md#part`) are left as written: resolving them is the host's
//! job, since only it knows the site's routes (and tracks them as dependencies).
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
//! assert_eq!((page.word_count, page.reading_time), (2, 1));
//! # Ok::<(), cell_markdown::MarkdownError>(())
//! ```
#![deny(missing_docs)]

mod emoji;
mod escape;
mod footnotes;
pub mod front_matter;
mod headings;
mod highlight;
mod links;
mod render;
mod shortcodes;
mod slug;
mod summary;
mod words;

use std::fmt;

use cell_proto::{
    AnchorLinkCall, MarkdownOptions, RenderMarkdown, RenderedMarkdown, ShortcodeCall,
    ShortcodeOutput,
};

pub use highlight::theme_css;
pub use slug::slugify;

/// Renders the templates a page's markdown uses: its shortcodes, and the site's own
/// `anchor-link.html` and `summary-cutoff.html` when the options say it has them.
///
/// Each method returns the rendered text, or why it could not be rendered.
pub trait Templates {
    /// Renders a shortcode ([`ShortcodeOutput::Unknown`] if the site has no template for it).
    fn shortcode(&self, call: &ShortcodeCall) -> Result<ShortcodeOutput, String>;
    /// Renders `anchor-link.html` for a heading.
    fn anchor_link(&self, call: &AnchorLinkCall) -> Result<String, String>;
    /// Renders `summary-cutoff.html` after `summary`.
    fn summary_cutoff(&self, summary: &str) -> Result<String, String>;
}

/// No templates: every shortcode is unknown, and the site has no template of its own.
pub struct NoTemplates;

impl Templates for NoTemplates {
    fn shortcode(&self, _: &ShortcodeCall) -> Result<ShortcodeOutput, String> {
        Ok(ShortcodeOutput::Unknown)
    }

    fn anchor_link(&self, _: &AnchorLinkCall) -> Result<String, String> {
        Err("no templates to render anchor-link.html with".into())
    }

    fn summary_cutoff(&self, _: &str) -> Result<String, String> {
        Err("no templates to render summary-cutoff.html with".into())
    }
}

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
    /// A shortcode with a body (`{% name() %}`) has no `{% end %}`.
    UnclosedShortcode {
        /// The shortcode.
        name: String,
        /// Where it opens: 1-based line and column.
        line: u32,
        /// The column.
        column: u32,
    },
    /// A `{% end %}` closes no shortcode.
    UnexpectedEnd {
        /// 1-based line.
        line: u32,
        /// The column.
        column: u32,
    },
    /// The site has no template for a shortcode.
    UnknownShortcode {
        /// The shortcode.
        name: String,
        /// 1-based line.
        line: u32,
        /// The column.
        column: u32,
    },
    /// Shortcode bodies nested too deeply.
    ShortcodesTooDeep {
        /// 1-based line.
        line: u32,
        /// The column.
        column: u32,
    },
    /// A code block's language is not one the highlighter knows, and the config has
    /// `error_on_missing_language`.
    MissingLanguage {
        /// The language, as the fence names it.
        language: String,
        /// Where the code block starts: 1-based line.
        line: u32,
        /// The column.
        column: u32,
    },
    /// A template could not be rendered (a shortcode's, `anchor-link.html`,
    /// `summary-cutoff.html`): what the host said.
    Template {
        /// What failed, and why.
        message: String,
        /// 1-based line (of the shortcode, or where the body starts).
        line: u32,
    },
}

impl MarkdownError {
    /// The 1-based line of the file the problem is on.
    pub fn line(&self) -> u32 {
        match self {
            MarkdownError::UnclosedFrontMatter { line, .. }
            | MarkdownError::UnclosedShortcode { line, .. }
            | MarkdownError::UnexpectedEnd { line, .. }
            | MarkdownError::UnknownShortcode { line, .. }
            | MarkdownError::ShortcodesTooDeep { line, .. }
            | MarkdownError::MissingLanguage { line, .. }
            | MarkdownError::Template { line, .. } => *line,
        }
    }

    /// The 1-based column the problem is at, if known.
    pub fn column(&self) -> Option<u32> {
        match self {
            MarkdownError::UnclosedFrontMatter { .. } => Some(1),
            MarkdownError::UnclosedShortcode { column, .. }
            | MarkdownError::UnexpectedEnd { column, .. }
            | MarkdownError::UnknownShortcode { column, .. }
            | MarkdownError::ShortcodesTooDeep { column, .. }
            | MarkdownError::MissingLanguage { column, .. } => Some(*column),
            MarkdownError::Template { .. } => None,
        }
    }

    /// What is wrong, without its position.
    pub fn what(&self) -> String {
        match self {
            MarkdownError::UnclosedFrontMatter { delimiter, .. } => format!(
                "front matter opened with `{delimiter}` is never closed (add a line with only `{delimiter}` after it)"
            ),
            MarkdownError::UnclosedShortcode { name, .. } => format!(
                "shortcode `{name}` opened with `{{% {name}(...) %}}` is never closed (add `{{% end %}}` after its body)"
            ),
            MarkdownError::UnexpectedEnd { .. } => {
                "`{% end %}` closes no shortcode (to show it as text, write `{%/* end */%}`)".into()
            }
            MarkdownError::UnknownShortcode { name, .. } => format!(
                "unknown shortcode `{name}`: there is no templates/shortcodes/{name}.html or {name}.md"
            ),
            MarkdownError::ShortcodesTooDeep { .. } => {
                "shortcodes nested too deeply (more than 32 bodies inside each other)".into()
            }
            MarkdownError::MissingLanguage { language, .. } => format!(
                "language `{language}` not found for syntax highlighting (`error_on_missing_language` \
                 is on in `[markdown.highlighting]`: name a language giallo knows, or none)"
            ),
            MarkdownError::Template { message, .. } => message.clone(),
        }
    }

    /// The problem as the markdown service sends it: the message and where it is.
    pub fn to_problem(&self) -> cell_proto::PageProblem {
        cell_proto::PageProblem { message: self.what(), line: self.line(), column: self.column() }
    }

    /// A shortcode problem at byte `at` of `body`, which starts on file line `body_line`.
    fn shortcode(error: shortcodes::ShortcodeError, body: &str, body_line: u32) -> MarkdownError {
        use shortcodes::ShortcodeErrorKind as Kind;
        let before = &body[..error.at.min(body.len())];
        let line = body_line.saturating_add(before.matches('\n').count() as u32);
        let line_start = before.rfind('\n').map_or(0, |n| n + 1);
        let column = before[line_start..].chars().count() as u32 + 1;
        match error.kind {
            Kind::Unclosed { name } => MarkdownError::UnclosedShortcode { name, line, column },
            Kind::UnexpectedEnd => MarkdownError::UnexpectedEnd { line, column },
            Kind::Unknown { name } => MarkdownError::UnknownShortcode { name, line, column },
            Kind::TooDeep => MarkdownError::ShortcodesTooDeep { line, column },
            Kind::Failed { name, message } => MarkdownError::Template {
                message: format!("rendering shortcode `{name}` (line {line}): {message}"),
                line,
            },
        }
    }
}

impl fmt::Display for MarkdownError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line(), self.what())
    }
}

impl std::error::Error for MarkdownError {}

/// Renders a whole page (front matter included) with Zola's default options, no permalink
/// and no templates.
///
/// # Errors
///
/// [`MarkdownError::UnclosedFrontMatter`]; a shortcode's call (every shortcode is unknown).
pub fn render_page(source: &str) -> Result<RenderedMarkdown, MarkdownError> {
    render_source(source, "", &MarkdownOptions::default(), &NoTemplates)
}

/// Renders a request of the markdown service, asking `templates` for the templates it uses.
///
/// # Errors
///
/// A [`MarkdownError`] placed in the file.
pub fn render(
    request: &RenderMarkdown,
    templates: &dyn Templates,
) -> Result<RenderedMarkdown, MarkdownError> {
    render_source(&request.source, &request.permalink, &request.options, templates)
}

fn render_source(
    source: &str,
    permalink: &str,
    options: &MarkdownOptions,
    templates: &dyn Templates,
) -> Result<RenderedMarkdown, MarkdownError> {
    let split = front_matter::split(source)?;
    let context = render::Context { permalink, options, templates, body_line: split.body_line };
    let body = render::render(split.body, &context)?;
    let (word_count, reading_time) = words::count(split.body);
    Ok(RenderedMarkdown {
        html: body.html,
        headings: body.headings,
        front_matter: split.front_matter.map(|(text, _)| text.to_string()),
        front_matter_format: split.front_matter.map(|(_, format)| format),
        body_line: split.body_line,
        summary: body.summary,
        word_count,
        reading_time,
        warnings: body.warnings,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::Mutex;

    use cell_proto::Value;

    use super::*;

    /// Templates for tests: `sc_html*` shortcodes render as `<b>NAME NTH ARGS body=[BODY]</b>`,
    /// `sc_md*` as `*md NTH*`; `anchor-link.html` as `<a href="#ID" data-level="N">#</a>` and a
    /// new line, `summary-cutoff.html` as `[cut after LEN]`. Each shortcode call is recorded.
    #[derive(Default)]
    pub(crate) struct FakeTemplates {
        calls: Mutex<Vec<ShortcodeCall>>,
    }

    impl FakeTemplates {
        pub(crate) fn calls(&self) -> Vec<ShortcodeCall> {
            self.calls.lock().unwrap().clone()
        }
    }

    impl Templates for FakeTemplates {
        fn shortcode(&self, call: &ShortcodeCall) -> Result<ShortcodeOutput, String> {
            self.calls.lock().unwrap().push(call.clone());
            let arguments: Vec<String> = call
                .arguments
                .iter()
                .map(|(k, v)| match v.to_value() {
                    Ok(Value::String(s)) => format!("{k}={s}"),
                    Ok(Value::Int(i)) => format!("{k}={i}"),
                    Ok(other) => format!("{k}={other:?}"),
                    Err(e) => format!("{k}=<{e}>"),
                })
                .collect();
            let body = call.body.as_ref().map(|b| format!(" body=[{b}]")).unwrap_or_default();
            if call.name.starts_with("sc_html") {
                let arguments = if arguments.is_empty() {
                    String::new()
                } else {
                    format!(" {}", arguments.join(" "))
                };
                Ok(ShortcodeOutput::Html(format!(
                    "<b>{} {}{arguments}{body}</b>",
                    call.name, call.nth
                )))
            } else if call.name.starts_with("sc_md") {
                Ok(ShortcodeOutput::Markdown(format!("*md {}*", call.nth)))
            } else if call.name == "sc_fail" {
                Err("the template failed".into())
            } else {
                Ok(ShortcodeOutput::Unknown)
            }
        }

        fn anchor_link(&self, call: &AnchorLinkCall) -> Result<String, String> {
            Ok(format!("<a href=\"#{}\" data-level=\"{}\">#</a>\n", call.id, call.level))
        }

        fn summary_cutoff(&self, summary: &str) -> Result<String, String> {
            Ok(format!("[cut after {}]", summary.len()))
        }
    }

    #[test]
    fn shortcode_problems_are_placed_in_the_file() {
        let source = "+++\ntitle = \"x\"\n+++\nText.\n\n  {{ nope(a=1) }}\n";
        let error = render_page(source).unwrap_err();
        assert_eq!((error.line(), error.column()), (6, Some(3)));
        assert_eq!(
            error.to_string(),
            "line 6: unknown shortcode `nope`: there is no templates/shortcodes/nope.html or nope.md"
        );
        let error = render_page("x\n{% quote() %}\nbody\n").unwrap_err();
        assert_eq!(
            error,
            MarkdownError::UnclosedShortcode { name: "quote".into(), line: 2, column: 1 }
        );
        let error = render_page("ü {% end %}\n").unwrap_err();
        assert_eq!(error, MarkdownError::UnexpectedEnd { line: 1, column: 3 });
        let request = RenderMarkdown {
            path: "a.md".into(),
            source: "\n\n{{ sc_fail() }}".into(),
            permalink: String::new(),
            options: MarkdownOptions::default(),
        };
        let error = render(&request, &FakeTemplates::default()).unwrap_err();
        assert_eq!(
            error.to_problem().message,
            "rendering shortcode `sc_fail` (line 3): the template failed"
        );
    }

    #[test]
    fn shortcode_calls_carry_their_arguments_body_and_nth() {
        let templates = FakeTemplates::default();
        let request = RenderMarkdown {
            path: "a.md".into(),
            source: "{{ sc_html(s=\"x\", i=42, f=1.5, b=true, a=[1, \"two\"]) }} {{ sc_md() }} {% sc_html() %}\n body \n{% end %}".into(),
            permalink: String::new(),
            options: MarkdownOptions::default(),
        };
        render(&request, &templates).unwrap();
        let calls = templates.calls();
        assert_eq!(calls.len(), 3);
        let values: Vec<(String, Value)> =
            calls[0].arguments.iter().map(|(k, v)| (k.clone(), v.to_value().unwrap())).collect();
        assert_eq!(
            values,
            vec![
                ("s".into(), Value::from("x")),
                ("i".into(), Value::Int(42)),
                ("f".into(), Value::Float(1.5)),
                ("b".into(), Value::Bool(true)),
                ("a".into(), Value::List(vec![Value::Int(1), Value::from("two")])),
            ]
        );
        assert_eq!((calls[0].nth, calls[1].nth, calls[2].nth), (1, 1, 2));
        assert_eq!(calls[2].body.as_deref(), Some("body"));
        assert_eq!(calls[0].body, None);
    }

    #[test]
    fn word_count_and_reading_time_come_with_the_page() {
        let page = render_page(&format!("+++\n+++\n{}", "word ".repeat(250))).unwrap();
        assert_eq!((page.word_count, page.reading_time), (250, 2));
    }
}

#[cfg(test)]
mod pathological {
    use super::*;

    /// Pages built to make a careless parser quadratic: each renders (or fails) in about the
    /// time its size takes. A regression shows as this test running for minutes.
    #[test]
    fn adversarial_pages_render_in_linear_time() {
        let templates = tests::FakeTemplates::default();
        let n = 20_000;
        let pages = [
            "{{ sc_html(b=\"".repeat(n),
            "{{/* sc_html(b='".repeat(n),
            format!("{}\"", "{{ sc_html(b=\"x\", c=`".repeat(n)),
            "{% sc_html() %}".repeat(n),
            format!("{}{}", "{% sc_html() %}x".repeat(30), "{% end %}".repeat(30)).repeat(n / 60),
            "{{ ".repeat(n),
            "# x\n".repeat(n),
            format!("{}\n\n[^1]: x\n", "[^1] ".repeat(n)),
            format!("{}x{}", "[".repeat(n), "]".repeat(n)),
            format!("{{{{ sc_html(a={}", "[".repeat(n)),
            format!("{{{{ sc_html() }}}}{}", "\u{FDD0}9".repeat(n)),
            "<!-- more --> *a <!-- more -->".repeat(n / 4),
        ];
        for insert_anchor_links in [cell_proto::AnchorLinks::None, cell_proto::AnchorLinks::Heading]
        {
            for page in &pages {
                let request = RenderMarkdown {
                    path: "a.md".into(),
                    source: page.clone(),
                    permalink: "https://x.org/p/".into(),
                    options: MarkdownOptions {
                        insert_anchor_links,
                        bottom_footnotes: true,
                        lazy_async_image: true,
                        ..MarkdownOptions::default()
                    },
                };
                let _ = render(&request, &templates);
            }
        }
    }
}
