//! Rendering a body to HTML as Zola does: pulldown-cmark's events, rewritten in one pass.
//!
//! The steps, in order:
//! 1. shortcodes rendered (`shortcodes/`), the page's markdown then parsed;
//! 2. HTML shortcode outputs put in for their placeholders; emoji shortcodes replaced, if
//!    asked (`emoji.rs`);
//! 3. one pass over the events: heading ids and anchor links (`headings.rs`), links and
//!    images (`links.rs`), code blocks (highlighted, or `<pre><code data-lang="rust">`:
//!    `highlight.rs`), and the first `<!-- more -->` becoming
//!    `<span id="continue-reading"></span>`;
//! 4. the summary, from the events before that marker (`summary.rs`);
//! 5. footnotes moved to the bottom, if asked (`footnotes.rs`);
//! 6. HTML, by pulldown-cmark's renderer.
//!
//! A page with no shortcode, no marker and default options costs one parse, one pass that
//! moves each event once, and the renderer.

use cell_proto::{AnchorLinks, Heading, MarkdownOptions, PageProblem};
use pulldown_cmark::{CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

use crate::headings::{self, HeadingIds};
use crate::highlight::{self, Block};
use crate::shortcodes::{self, PLACEHOLDER_OPEN};
use crate::{MarkdownError, Templates, emoji, escape, footnotes, links, summary};

/// What Zola writes for `<!-- more -->`.
pub(crate) const CONTINUE_READING: &str = "<span id=\"continue-reading\"></span>";

/// The markdown extensions for `options` (those Zola enables, and those its options add).
pub(crate) fn parser_options(options: &MarkdownOptions) -> Options {
    let mut parser = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES;
    if options.smart_punctuation {
        parser |= Options::ENABLE_SMART_PUNCTUATION;
    }
    if options.definition_list {
        parser |= Options::ENABLE_DEFINITION_LIST;
    }
    if options.github_alerts {
        parser |= Options::ENABLE_GFM;
    }
    parser
}

/// A rendered body.
#[derive(Debug, PartialEq)]
pub(crate) struct RenderedBody {
    pub(crate) html: String,
    pub(crate) headings: Vec<Heading>,
    pub(crate) summary: Option<String>,
    /// What Zola warns of (a code block's language unknown to the highlighter).
    pub(crate) warnings: Vec<PageProblem>,
}

/// Where a body is rendered: its page's permalink and the site's options.
pub(crate) struct Context<'a> {
    pub(crate) permalink: &'a str,
    pub(crate) options: &'a MarkdownOptions,
    pub(crate) templates: &'a dyn Templates,
    /// The file line the body starts on, for errors.
    pub(crate) body_line: u32,
}

/// Renders `body`.
pub(crate) fn render(body: &str, context: &Context<'_>) -> Result<RenderedBody, MarkdownError> {
    let parser_options = parser_options(context.options);
    let expanded = shortcodes::expand(body, parser_options, context.templates)
        .map_err(|error| MarkdownError::shortcode(error, body, context.body_line))?;
    let parser = Parser::new_ext(&expanded.markdown, parser_options);
    // Where each code block starts, for the highlighter's problems (only then).
    let mut code_blocks = Vec::new();
    let mut events: Vec<Event<'_>> = if context.options.highlighting.is_some() {
        let mut position = Position::new(&expanded.markdown, context.body_line);
        parser
            .into_offset_iter()
            .inspect(|(event, range)| {
                if let Event::Start(Tag::CodeBlock(_)) = event {
                    code_blocks.push(position.at(range.start));
                }
            })
            .map(|(event, _)| event)
            .collect()
    } else {
        parser.collect()
    };
    if !expanded.html.is_empty() {
        events = put_html_outputs(events, &expanded.html);
    }
    if context.options.render_emoji {
        emoji::replace(&mut events);
    }
    let mut pass = Pass::new(context, &events, code_blocks);
    let mut events = pass.run(events)?;
    let summary = match pass.continue_reading {
        Some(at) => Some(
            summary::render(&events[..at], context)
                .map_err(|message| MarkdownError::Template { message, line: context.body_line })?,
        ),
        None => None,
    };
    if context.options.bottom_footnotes {
        events = footnotes::to_bottom(events);
    }
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    Ok(RenderedBody { html, headings: pass.headings, summary, warnings: pass.warnings })
}

/// Lines and columns of byte offsets of a text, asked in increasing order.
struct Position<'t> {
    text: &'t str,
    /// The last offset asked, and its line and the offset its line starts at.
    offset: usize,
    line: u32,
    line_start: usize,
}

impl<'t> Position<'t> {
    /// For `text`, whose first line is the file's `first_line`.
    fn new(text: &'t str, first_line: u32) -> Position<'t> {
        Position { text, offset: 0, line: first_line, line_start: 0 }
    }

    /// The 1-based line and column of `offset` (not before the last one asked).
    fn at(&mut self, offset: usize) -> (u32, u32) {
        let offset = offset.clamp(self.offset, self.text.len());
        for (i, byte) in self.text.as_bytes()[self.offset..offset].iter().enumerate() {
            if *byte == b'\n' {
                self.line = self.line.saturating_add(1);
                self.line_start = self.offset + i + 1;
            }
        }
        self.offset = offset;
        let column = self.text.get(self.line_start..offset).map_or(0, |s| s.chars().count());
        (self.line, column as u32 + 1)
    }
}

/// Puts each HTML shortcode output in for its placeholder: a text's placeholder becomes raw
/// HTML between its text, an HTML block's is replaced in it, and a paragraph holding nothing
/// but a placeholder is replaced by the output alone.
fn put_html_outputs<'e>(events: Vec<Event<'e>>, outputs: &[String]) -> Vec<Event<'e>> {
    let output = |text: &str| -> Option<(usize, usize)> {
        let (number, length) = shortcodes::placeholder_number(text)?;
        (number < outputs.len()).then_some((number, length))
    };
    let mut out = Vec::with_capacity(events.len() + 2 * outputs.len());
    let mut events = events.into_iter().peekable();
    while let Some(event) = events.next() {
        match event {
            Event::Start(Tag::Paragraph) => {
                // Only a placeholder: no paragraph around it.
                if let Some(Event::Text(text)) = events.peek()
                    && let Some(rest) = text.strip_prefix(PLACEHOLDER_OPEN)
                    && let Some((number, length)) = output(rest)
                    && length == rest.len()
                {
                    let mut lookahead = events.clone();
                    lookahead.next();
                    if let Some(Event::End(TagEnd::Paragraph)) = lookahead.next() {
                        events.next();
                        events.next();
                        out.push(Event::Html(CowStr::from(outputs[number].clone())));
                        continue;
                    }
                }
                out.push(Event::Start(Tag::Paragraph));
            }
            Event::Text(text) if text.contains(PLACEHOLDER_OPEN) => {
                let mut rest: &str = &text;
                while let Some(at) = rest.find(PLACEHOLDER_OPEN) {
                    let after = &rest[at + PLACEHOLDER_OPEN.len_utf8()..];
                    let Some((number, length)) = output(after) else {
                        // Not ours: the character stays text.
                        let end = at + PLACEHOLDER_OPEN.len_utf8();
                        out.push(Event::Text(CowStr::from(rest[..end].to_string())));
                        rest = &rest[end..];
                        continue;
                    };
                    if at > 0 {
                        out.push(Event::Text(CowStr::from(rest[..at].to_string())));
                    }
                    out.push(Event::InlineHtml(CowStr::from(outputs[number].clone())));
                    rest = &after[length..];
                }
                if !rest.is_empty() {
                    out.push(Event::Text(CowStr::from(rest.to_string())));
                }
            }
            Event::Html(text) if text.contains(PLACEHOLDER_OPEN) => {
                out.push(Event::Html(CowStr::from(replace_placeholders(&text, &output, outputs))));
            }
            Event::InlineHtml(text) if text.contains(PLACEHOLDER_OPEN) => {
                out.push(Event::InlineHtml(CowStr::from(replace_placeholders(
                    &text, &output, outputs,
                ))));
            }
            other => out.push(other),
        }
    }
    out
}

fn replace_placeholders(
    text: &str,
    output: &dyn Fn(&str) -> Option<(usize, usize)>,
    outputs: &[String],
) -> String {
    let mut replaced = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(PLACEHOLDER_OPEN) {
        let after = &rest[at + PLACEHOLDER_OPEN.len_utf8()..];
        match output(after) {
            Some((number, length)) => {
                replaced.push_str(&rest[..at]);
                replaced.push_str(&outputs[number]);
                rest = &after[length..];
            }
            None => {
                replaced.push_str(&rest[..at]);
                replaced.push(PLACEHOLDER_OPEN);
                rest = after;
            }
        }
    }
    replaced.push_str(rest);
    replaced
}

/// The pass over a body's events (step 3 above).
struct Pass<'c> {
    context: &'c Context<'c>,
    ids: HeadingIds,
    headings: Vec<Heading>,
    /// Where `<!-- more -->` became the continue-reading span, in the pass's output.
    continue_reading: Option<usize>,
    /// The line and column of each code block, in order (when highlighting).
    code_blocks: Vec<(u32, u32)>,
    /// How many code blocks the pass has met.
    code_blocks_met: usize,
    warnings: Vec<PageProblem>,
}

/// A code block being read: its fence, its text so far, and its place among the page's.
struct CodeBlock {
    fence: giallo::ParsedFence,
    text: String,
    number: usize,
}

impl<'c> Pass<'c> {
    fn new(
        context: &'c Context<'c>,
        events: &[Event<'_>],
        code_blocks: Vec<(u32, u32)>,
    ) -> Pass<'c> {
        Pass {
            context,
            ids: HeadingIds::reserving_explicit(events),
            headings: Vec::new(),
            continue_reading: None,
            code_blocks,
            code_blocks_met: 0,
            warnings: Vec::new(),
        }
    }

    /// The HTML of a code block that was read whole.
    fn code_block(&mut self, block: CodeBlock) -> Result<String, MarkdownError> {
        let context = self.context;
        let (line, column) =
            self.code_blocks.get(block.number).copied().unwrap_or((context.body_line, 1));
        let highlighting = context.options.highlighting.as_ref();
        let mut missing = |language: &str| {
            self.warnings.push(PageProblem {
                message: format!(
                    "language `{language}` not found for syntax highlighting: the code block \
                     is written as plain text"
                ),
                line,
                column: Some(column),
            });
        };
        match highlight::block(block.fence, &block.text, highlighting, &mut missing) {
            Ok(Block::Html(html)) => Ok(html),
            Ok(Block::MissingLanguage(language)) => {
                Err(MarkdownError::MissingLanguage { language, line, column })
            }
            Err(message) => Err(MarkdownError::Template { message, line }),
        }
    }

    /// Rewrites `events` in place; the anchor links a heading gets are inserted at the end,
    /// in one move of the events, and only if there are any.
    fn run<'e>(&mut self, mut events: Vec<Event<'e>>) -> Result<Vec<Event<'e>>, MarkdownError> {
        let options = self.context.options;
        let line = self.context.body_line;
        let template_error = |message| MarkdownError::Template { message, line };
        // Events to insert before the event at each index, in order.
        let mut inserts: Vec<(usize, Event<'e>)> = Vec::new();
        // What to write before the current heading's end (a right anchor, `</a>`).
        let mut before_heading_end: Option<String> = None;
        let mut code_block: Option<CodeBlock> = None;
        let mut i = 0;
        while i < events.len() {
            let at = i;
            i += 1;
            let event = &mut events[at];
            match event {
                Event::Start(Tag::Heading { level, id, .. }) => {
                    let level = *level;
                    let explicit = id.as_ref().map(|id| id.to_string());
                    let title = headings::title(&events[i..]);
                    let id = match explicit {
                        Some(id) => id,
                        None => self.ids.unique(crate::slugify(&title, options.slugify_anchors)),
                    };
                    if let Event::Start(Tag::Heading { id: slot, .. }) = &mut events[at] {
                        *slot = Some(CowStr::from(id.clone()));
                    }
                    let number = headings::level_number(level);
                    let anchor = self.anchor(&id, number).map_err(template_error)?;
                    match (options.insert_anchor_links, anchor) {
                        (AnchorLinks::Left, Some(anchor)) => {
                            inserts.push((at + 1, Event::Html(anchor.into())));
                        }
                        (AnchorLinks::Right, Some(anchor)) => before_heading_end = Some(anchor),
                        (AnchorLinks::Heading, Some(anchor)) => {
                            if let Some(open) = headings::opening_tag(&anchor) {
                                inserts.push((at + 1, Event::Html(open.to_string().into())));
                                before_heading_end = Some("</a>".to_string());
                            }
                        }
                        _ => {}
                    }
                    self.headings.push(Heading { level: number, title, id });
                }
                Event::End(TagEnd::Heading(_)) => {
                    if let Some(html) = before_heading_end.take() {
                        inserts.push((at, Event::Html(html.into())));
                    }
                }
                Event::Start(Tag::Link { link_type, dest_url, title, .. }) => {
                    if *link_type == LinkType::Email {
                        continue;
                    }
                    match links::external_tag(dest_url, title, options) {
                        Some(tag) => *event = Event::Html(tag.into()),
                        None => {
                            let dest = std::mem::replace(dest_url, CowStr::Borrowed(""));
                            *dest_url = links::resolve(dest, self.context.permalink);
                        }
                    }
                }
                Event::Start(Tag::Image { dest_url, .. }) => {
                    let dest = std::mem::replace(dest_url, CowStr::Borrowed(""));
                    *dest_url = links::resolve(dest, self.context.permalink);
                    if options.lazy_async_image {
                        let (alt, consumed) = links::alt_text(&events[i..]);
                        let Event::Start(Tag::Image { dest_url, title, .. }) = &events[at] else {
                            unreachable!("matched above")
                        };
                        events[at] = Event::Html(links::lazy_image(dest_url, title, &alt).into());
                        // The alt text and the image's end write nothing now.
                        for skipped in &mut events[i..i + consumed] {
                            *skipped = Event::InlineHtml(CowStr::Borrowed(""));
                        }
                        i += consumed;
                    }
                }
                // A code block is read whole, then written as one piece of HTML where it ends.
                Event::Start(Tag::CodeBlock(kind)) => {
                    let info = match kind {
                        CodeBlockKind::Fenced(info) => Some(&**info),
                        CodeBlockKind::Indented => None,
                    };
                    code_block = Some(CodeBlock {
                        fence: highlight::fence(info),
                        text: String::new(),
                        number: self.code_blocks_met,
                    });
                    self.code_blocks_met += 1;
                    *event = Event::Html(CowStr::Borrowed(""));
                }
                Event::Text(text) if code_block.is_some() => {
                    if let Some(block) = code_block.as_mut() {
                        block.text.push_str(text);
                    }
                    *event = Event::Html(CowStr::Borrowed(""));
                }
                Event::End(TagEnd::CodeBlock) => {
                    if let Some(block) = code_block.take() {
                        events[at] = Event::Html(self.code_block(block)?.into());
                    }
                }
                Event::Html(text) | Event::InlineHtml(text)
                    if self.continue_reading.is_none() && summary::is_more_marker(text) =>
                {
                    self.continue_reading = Some(at);
                    *event = Event::Html(CowStr::Borrowed(CONTINUE_READING));
                }
                _ => {}
            }
        }
        if inserts.is_empty() {
            return Ok(events);
        }
        if let Some(marker) = self.continue_reading.as_mut() {
            *marker += inserts.iter().filter(|(at, _)| *at <= *marker).count();
        }
        let mut out = Vec::with_capacity(events.len() + inserts.len());
        let mut inserts = inserts.into_iter().peekable();
        for (at, event) in events.into_iter().enumerate() {
            while let Some((_, insert)) = inserts.next_if(|(before, _)| *before == at) {
                out.push(insert);
            }
            out.push(event);
        }
        out.extend(inserts.map(|(_, insert)| insert));
        Ok(out)
    }

    /// The anchor link of a heading, if the options insert one.
    fn anchor(&self, id: &str, level: u8) -> Result<Option<String>, String> {
        let options = self.context.options;
        if options.insert_anchor_links == AnchorLinks::None {
            return Ok(None);
        }
        if options.custom_anchor_link {
            let call = cell_proto::AnchorLinkCall { id: id.to_string(), level };
            return self
                .context
                .templates
                .anchor_link(&call)
                .map(Some)
                .map_err(|message| format!("rendering anchor-link.html: {message}"));
        }
        // Zola's built-in `anchor-link.html`.
        let mut html = String::from("<a class=\"zola-anchor\" href=\"#");
        escape::push_tera(&mut html, id);
        html.push_str("\" aria-label=\"Anchor link for: ");
        escape::push_tera(&mut html, id);
        html.push_str("\">🔗</a>");
        Ok(Some(html))
    }
}

/// Shared by the tests of the modules of the pass.
#[cfg(test)]
pub(crate) mod testing {
    use super::*;

    /// `body` rendered with `options` and `templates`, for a page at `https://x.org/p/`.
    pub(crate) fn render_with(
        body: &str,
        options: &MarkdownOptions,
        templates: &dyn Templates,
    ) -> RenderedBody {
        let context = Context { permalink: "https://x.org/p/", options, templates, body_line: 1 };
        render(body, &context).unwrap()
    }

    /// `body`'s HTML with default options and no templates.
    pub(crate) fn html(body: &str) -> String {
        render_with(body, &MarkdownOptions::default(), &crate::NoTemplates).html
    }

    /// `body`'s HTML with `options`.
    pub(crate) fn html_with(body: &str, options: &MarkdownOptions) -> String {
        render_with(body, options, &crate::NoTemplates).html
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;

    // Each expected output below is Zola 0.22.1's for the same markdown (with `[markdown]`
    // as the test sets it), unless the test says otherwise.

    #[test]
    fn smart_punctuation_is_off_by_default() {
        assert_eq!(html("\"Quotes\" -- and... dashes\n"), "<p>\"Quotes\" -- and... dashes</p>\n");
        let options = MarkdownOptions { smart_punctuation: true, ..Default::default() };
        assert_eq!(
            html_with("\"Quotes\" -- and... dashes 'single' --- em don't\n", &options),
            "<p>“Quotes” – and… dashes ‘single’ — em don’t</p>\n"
        );
    }

    #[test]
    fn code_blocks_carry_their_language_as_data_lang() {
        assert_eq!(html("```\nplain\n```\n"), "<pre><code>plain\n</code></pre>\n");
        assert_eq!(
            html("```rust\nfn main() {}\n```\n"),
            "<pre><code data-lang=\"rust\">fn main() {}\n</code></pre>\n"
        );
        assert_eq!(
            html(
                "```rust,linenos,hl_lines=1\nx\n```\n\n```  py  extra\np\n```\n\n```,name=x\nq\n```\n"
            ),
            "<pre><code data-lang=\"rust\">x\n</code></pre>\n<pre><code data-lang=\"py  extra\">p\n</code></pre>\n<pre><code data-lang=\"\">q\n</code></pre>\n"
        );
        assert_eq!(html("    indented\n"), "<pre><code>indented\n</code></pre>\n");
        assert_eq!(html("Inline `code`.\n"), "<p>Inline <code>code</code>.</p>\n");
        // Zola writes the block as raw HTML, so a tight list item's text runs into it.
        assert_eq!(
            html("- item\n  ```rust\n  x\n  ```\n- two\n"),
            "<ul>\n<li>item<pre><code data-lang=\"rust\">x\n</code></pre>\n</li>\n<li>two</li>\n</ul>\n"
        );
    }

    #[test]
    fn code_block_text_is_escaped_quotes_included_and_its_language_too() {
        assert_eq!(
            html("```\nlet s = \"x\" & 'y' <z>;\n```\n\n    indented \"q\"\n\n`inline \"q\"`\n"),
            "<pre><code>let s = &quot;x&quot; &amp; &#39;y&#39; &lt;z&gt;;\n</code></pre>\n<pre><code>indented &quot;q&quot;\n</code></pre>\n<p><code>inline \"q\"</code></p>\n"
        );
        // Zola writes `data-lang=""a<b"`; we escape it.
        assert_eq!(
            html("```\"a<b\n<&>\n```\n"),
            "<pre><code data-lang=\"&quot;a&lt;b\">&lt;&amp;&gt;\n</code></pre>\n"
        );
    }

    #[test]
    fn more_becomes_the_continue_reading_span_and_the_summary_is_what_comes_before() {
        let body =
            "First para with **bold**.\n\nSecond para.\n\n<!-- more -->\n\nAfter the more.\n";
        let rendered = render_with(body, &MarkdownOptions::default(), &crate::NoTemplates);
        assert_eq!(
            rendered.html,
            "<p>First para with <strong>bold</strong>.</p>\n<p>Second para.</p>\n<span id=\"continue-reading\"></span>\n<p>After the more.</p>\n"
        );
        assert_eq!(
            rendered.summary.as_deref(),
            Some("<p>First para with <strong>bold</strong>.</p>\n<p>Second para.</p>")
        );
        assert_eq!(html("No marker.\n"), "<p>No marker.</p>\n");
        assert_eq!(
            render_with("No marker.\n", &MarkdownOptions::default(), &crate::NoTemplates).summary,
            None
        );
    }

    #[test]
    fn a_shortcode_only_paragraph_loses_its_p_and_inline_outputs_stay_in_the_text() {
        let templates = crate::tests::FakeTemplates::default();
        let body = "A {{ sc_html(v=1) }} and more.\n\n{{ sc_html(v=2) }}\n\n  {{ sc_html(v=3) }}  \n\n<div>{{ sc_html(v=4) }}</div>\n\n{% sc_html(v=5) %}\nbody *text*\n{% end %}\n";
        let rendered = render_with(body, &MarkdownOptions::default(), &templates);
        assert_eq!(
            rendered.html,
            "<p>A <b>sc_html 1 v=1</b> and more.</p>\n<b>sc_html 2 v=2</b><b>sc_html 3 v=3</b><div><b>sc_html 4 v=4</b></div>\n<b>sc_html 5 v=5 body=[body *text*]</b>"
        );
    }

    #[test]
    fn markdown_shortcode_outputs_are_rendered_with_the_page() {
        let templates = crate::tests::FakeTemplates::default();
        let rendered = render_with("A {{ sc_md() }} B.\n", &MarkdownOptions::default(), &templates);
        assert_eq!(rendered.html, "<p>A <em>md 1</em> B.</p>\n");
    }
}
