//! Shortcodes: found in the page's markdown, rendered by the host, put back in their place.
//!
//! Zola's model, which we follow: a shortcode whose template is markdown (`NAME.md`) is
//! rendered before the page, and its output takes the call's place in the page's markdown;
//! one whose template is HTML (`NAME.html`) takes a placeholder's place, and after the page
//! is rendered its output replaces the placeholder as it is, raw HTML (a paragraph holding
//! nothing but the placeholder is dropped with it, so a block's output is not wrapped in
//! `<p>`). A body (`{% name() %}...{% end %}`) is handed to the template trimmed, with the
//! shortcodes in it rendered first, their output in its text. `nth` counts each shortcode's
//! calls in the page, in the order they open.
//!
//! Calls are recognised outside code (code blocks and code spans, found by a first parse of
//! the page), so that a page can show a shortcode's syntax in code. Escaped tags
//! (`{{/* ... */}}`) stand for themselves everywhere, code included (Zola's documentation
//! writes its examples so). Zola renders calls inside code too, and then leaves its
//! placeholders in the page: the one place we differ on purpose.
//!
//! A page without `{{` or `{%` is not looked at again: the common page pays one search.

mod parse;

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use cell_proto::{ShortcodeCall, ShortcodeOutput};
use pulldown_cmark::{Event, Options, Parser, Tag as MarkdownTag};

use crate::Templates;

/// Bodies nested deeper than this are an error (a bound for the recursion).
const MAX_NESTING: u32 = 32;

/// The character that opens a placeholder; its number and [`PLACEHOLDER_CLOSE`] follow.
/// Noncharacters: never meant to be in a text, and left alone by the markdown parser.
pub(crate) const PLACEHOLDER_OPEN: char = '\u{FDD0}';
/// The character that closes a placeholder.
pub(crate) const PLACEHOLDER_CLOSE: char = '\u{FDD1}';

/// A page's markdown with its shortcodes rendered.
pub(crate) struct Expanded<'t> {
    /// The markdown to render: markdown outputs in place, placeholders for HTML outputs.
    pub(crate) markdown: Cow<'t, str>,
    /// The HTML outputs, by placeholder number.
    pub(crate) html: Vec<String>,
}

/// What is wrong with a page's shortcodes, and where (a byte offset of the body).
#[derive(Debug, PartialEq)]
pub(crate) struct ShortcodeError {
    pub(crate) at: usize,
    pub(crate) kind: ShortcodeErrorKind,
}

#[derive(Debug, PartialEq)]
pub(crate) enum ShortcodeErrorKind {
    /// `{% name() %}` without its `{% end %}`.
    Unclosed { name: String },
    /// `{% end %}` with no shortcode open.
    UnexpectedEnd,
    /// No template for the shortcode.
    Unknown { name: String },
    /// The host could not render it.
    Failed { name: String, message: String },
    /// Bodies nested deeper than [`MAX_NESTING`].
    TooDeep,
}

/// Renders the shortcodes of `body` through `templates`.
pub(crate) fn expand<'t>(
    body: &'t str,
    options: Options,
    templates: &dyn Templates,
) -> Result<Expanded<'t>, ShortcodeError> {
    if !has_tag_opening(body) {
        return Ok(Expanded { markdown: Cow::Borrowed(body), html: Vec::new() });
    }
    let mut expander = Expander {
        text: body,
        code: code_ranges(body, options),
        templates,
        nth: HashMap::new(),
        html: Vec::new(),
        quotes: parse::Quotes::default(),
    };
    let mut markdown = String::with_capacity(body.len() + 64);
    expander.run(0, &mut markdown, 0)?;
    Ok(Expanded { markdown: Cow::Owned(markdown), html: expander.html })
}

/// Whether `body` has a `{{` or `{%` (a search for `{`, a `memchr`).
fn has_tag_opening(body: &str) -> bool {
    let bytes = body.as_bytes();
    let mut from = 0;
    while let Some(at) = body[from..].find('{') {
        let at = from + at;
        if matches!(bytes.get(at + 1), Some(b'{' | b'%')) {
            return true;
        }
        from = at + 1;
    }
    false
}

/// The byte ranges of `body`'s code blocks and code spans, in order.
fn code_ranges(body: &str, options: Options) -> Vec<Range<usize>> {
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        match event {
            Event::Start(MarkdownTag::CodeBlock(_)) | Event::Code(_) => ranges.push(range),
            _ => {}
        }
    }
    ranges
}

struct Expander<'t, 'h> {
    text: &'t str,
    code: Vec<Range<usize>>,
    templates: &'h dyn Templates,
    nth: HashMap<String, u32>,
    html: Vec<String>,
    quotes: parse::Quotes,
}

/// Why [`Expander::run`] stopped.
enum Stop {
    /// At the end of the text.
    End,
    /// At a `{% end %}` (the offset after it).
    Closed(usize),
}

impl Expander<'_, '_> {
    fn in_code(&self, at: usize) -> bool {
        // The ranges are sorted and disjoint.
        let after = self.code.partition_point(|r| r.start <= at);
        after > 0 && self.code[after - 1].contains(&at)
    }

    /// Copies the text from `from` into `out`, each tag replaced by what it stands for,
    /// until the end (`depth` 0) or the `{% end %}` closing the body being read (`depth` >
    /// 0). Outputs of HTML templates become placeholders at the top level, and are written
    /// as they are inside a body (where they are text the body's template receives).
    fn run(&mut self, from: usize, out: &mut String, depth: u32) -> Result<Stop, ShortcodeError> {
        let text = self.text;
        let mut copied = from;
        let mut at = from;
        while let Some(found) = text[at..].find('{') {
            let start = at + found;
            at = start + 1;
            let Some((tag, length)) = parse::tag(text, start, &mut self.quotes) else { continue };
            let code = self.in_code(start);
            match tag {
                parse::Tag::Escaped { open, inner, close } => {
                    out.push_str(&text[copied..start]);
                    out.push_str(open);
                    out.push_str(inner);
                    out.push_str(close);
                }
                _ if code => continue,
                parse::Tag::End if depth == 0 => {
                    return Err(ShortcodeError {
                        at: start,
                        kind: ShortcodeErrorKind::UnexpectedEnd,
                    });
                }
                parse::Tag::End => {
                    out.push_str(&text[copied..start]);
                    return Ok(Stop::Closed(start + length));
                }
                parse::Tag::Call { name, arguments, body } => {
                    out.push_str(&text[copied..start]);
                    let nth = self.nth.entry(name.to_string()).or_insert(0);
                    *nth += 1;
                    let nth = *nth;
                    let mut end = start + length;
                    let body = if body {
                        if depth >= MAX_NESTING {
                            return Err(ShortcodeError {
                                at: start,
                                kind: ShortcodeErrorKind::TooDeep,
                            });
                        }
                        let mut body = String::new();
                        match self.run(end, &mut body, depth + 1)? {
                            Stop::Closed(after) => end = after,
                            Stop::End => {
                                return Err(ShortcodeError {
                                    at: start,
                                    kind: ShortcodeErrorKind::Unclosed { name: name.to_string() },
                                });
                            }
                        }
                        Some(body.trim().to_string())
                    } else {
                        None
                    };
                    let call = ShortcodeCall {
                        name: name.to_string(),
                        arguments: arguments
                            .iter()
                            .map(|(k, v)| (k.clone(), v.to_wire()))
                            .collect(),
                        body,
                        nth,
                    };
                    let failed = |kind| ShortcodeError { at: start, kind };
                    match self.templates.shortcode(&call) {
                        Ok(ShortcodeOutput::Markdown(markdown)) => out.push_str(&markdown),
                        Ok(ShortcodeOutput::Html(html)) if depth > 0 => out.push_str(&html),
                        Ok(ShortcodeOutput::Html(html)) => {
                            out.push(PLACEHOLDER_OPEN);
                            out.push_str(&self.html.len().to_string());
                            out.push(PLACEHOLDER_CLOSE);
                            self.html.push(html);
                        }
                        Ok(ShortcodeOutput::Unknown) => {
                            return Err(failed(ShortcodeErrorKind::Unknown { name: call.name }));
                        }
                        Err(message) => {
                            return Err(failed(ShortcodeErrorKind::Failed {
                                name: call.name,
                                message,
                            }));
                        }
                    }
                    at = end;
                    copied = end;
                    continue;
                }
            }
            at = start + length;
            copied = at;
        }
        out.push_str(&text[copied..]);
        Ok(Stop::End)
    }
}

/// The placeholder number at the start of `text` (just after [`PLACEHOLDER_OPEN`]), and the
/// length of the rest of the placeholder (digits and [`PLACEHOLDER_CLOSE`]).
pub(crate) fn placeholder_number(text: &str) -> Option<(usize, usize)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let number = text[..digits].parse().ok()?;
    text[digits..]
        .starts_with(PLACEHOLDER_CLOSE)
        .then_some((number, digits + PLACEHOLDER_CLOSE.len_utf8()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tests::FakeTemplates;

    fn expand_with(
        body: &str,
        templates: &FakeTemplates,
    ) -> Result<(String, Vec<String>), ShortcodeError> {
        let expanded = expand(body, crate::render::parser_options(&Default::default()), templates)?;
        Ok((expanded.markdown.into_owned(), expanded.html))
    }

    #[test]
    fn a_page_without_tags_is_borrowed_as_it_is() {
        let templates = FakeTemplates::default();
        let expanded = expand("plain { text }", Options::empty(), &templates).unwrap();
        assert!(matches!(expanded.markdown, Cow::Borrowed("plain { text }")));
        assert!(templates.calls().is_empty());
    }

    #[test]
    fn html_outputs_become_placeholders_and_markdown_outputs_take_the_calls_place() {
        let templates = FakeTemplates::default();
        let (markdown, html) =
            expand_with("A {{ sc_html(v=1) }} B {{ sc_md() }} C {{ sc_html(v=2) }}", &templates)
                .unwrap();
        assert_eq!(markdown, "A \u{FDD0}0\u{FDD1} B *md 1* C \u{FDD0}1\u{FDD1}");
        assert_eq!(html, ["<b>sc_html 1 v=1</b>", "<b>sc_html 2 v=2</b>"]);
    }

    #[test]
    fn bodies_are_trimmed_and_their_own_shortcodes_rendered_first() {
        let templates = FakeTemplates::default();
        let (markdown, html) = expand_with(
            "{% sc_html(v=1) %}\n outer {% sc_html(v=2) %} inner {% end %} tail \n{% end %}",
            &templates,
        )
        .unwrap();
        assert_eq!(markdown, "\u{FDD0}0\u{FDD1}");
        // The outer call opens first: it is the first `nth`.
        assert_eq!(
            html,
            ["<b>sc_html 1 v=1 body=[outer <b>sc_html 2 v=2 body=[inner]</b> tail]</b>"]
        );
    }

    #[test]
    fn calls_in_code_are_left_and_escapes_are_unescaped_everywhere() {
        let templates = FakeTemplates::default();
        let body =
            "`{{ sc_html() }}` {{/* sc_html() */}}\n\n```\n{{ sc_html() }} {%/* end */%}\n```\n";
        let (markdown, html) = expand_with(body, &templates).unwrap();
        assert_eq!(
            markdown,
            "`{{ sc_html() }}` {{ sc_html() }}\n\n```\n{{ sc_html() }} {% end %}\n```\n"
        );
        assert!(html.is_empty());
    }

    #[test]
    fn an_unclosed_body_a_stray_end_and_an_unknown_shortcode_are_errors_where_they_are() {
        let templates = FakeTemplates::default();
        let error = expand_with("ab\n{% sc_html() %}\nno end", &templates).err().unwrap();
        assert_eq!(
            error,
            ShortcodeError { at: 3, kind: ShortcodeErrorKind::Unclosed { name: "sc_html".into() } }
        );
        let error = expand_with("x {% end %}", &templates).err().unwrap();
        assert_eq!(error, ShortcodeError { at: 2, kind: ShortcodeErrorKind::UnexpectedEnd });
        let error = expand_with("{{ nope() }}", &templates).err().unwrap();
        assert_eq!(error.kind, ShortcodeErrorKind::Unknown { name: "nope".into() });
        let deep = "{% sc_html() %}".repeat(40);
        let error = expand_with(&deep, &templates).err().unwrap();
        assert_eq!(error.kind, ShortcodeErrorKind::TooDeep);
    }
}
