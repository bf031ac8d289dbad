//! `<!-- more -->` and the summary before it (Zola's `page.summary`).
//!
//! The summary is the page's HTML up to the marker, with footnote references taken out and
//! trailing white space trimmed. When the marker sits inside an element (a paragraph, a
//! list, emphasis), the summary ends with the summary cutoff (Zola's built-in
//! `summary-cutoff.html` writes `&hellip;` and a new line; a site's own is rendered by the
//! host) and the tags that close what is still open.
//!
//! One difference from Zola 0.22.1, on purpose: Zola loses track of the open elements when an
//! external link precedes the marker in the same block (its rewritten link has no opening
//! tag to match the closing one), and then writes a summary with neither the cutoff nor the
//! closing tags (`<p>Check <a ...>this</a> and`); we close them.

use pulldown_cmark::{Event, Tag, TagEnd};

use crate::render::Context;

/// Zola's built-in `summary-cutoff.html`.
const SUMMARY_CUTOFF: &str = "&hellip;\n";

/// Whether an HTML event holds the summary marker: `<!--`, `more` in any case, `-->`, white
/// space allowed around `more`.
pub(crate) fn is_more_marker(html: &str) -> bool {
    let mut rest = html;
    while let Some(at) = rest.find("<!--") {
        rest = &rest[at + 4..];
        let inner = rest.trim_start();
        if inner.len() >= 4
            && inner.as_bytes()[..4].eq_ignore_ascii_case(b"more")
            && inner[4..].trim_start().starts_with("-->")
        {
            return true;
        }
    }
    false
}

/// The summary of a page whose events before the marker are `events`.
pub(crate) fn render(events: &[Event<'_>], context: &Context<'_>) -> Result<String, String> {
    let bottom_footnotes = context.options.bottom_footnotes;
    // Footnotes at the bottom are not part of what comes before the marker.
    let mut in_definition = 0usize;
    let kept = events.iter().filter(|event| {
        if bottom_footnotes {
            match event {
                Event::Start(Tag::FootnoteDefinition(_)) => in_definition += 1,
                Event::End(TagEnd::FootnoteDefinition) => {
                    in_definition = in_definition.saturating_sub(1);
                    return false;
                }
                _ => {}
            }
        }
        in_definition == 0
    });
    let kept: Vec<Event<'_>> = kept.cloned().collect();
    let open = open_elements(&kept);
    let mut summary = String::new();
    pulldown_cmark::html::push_html(&mut summary, kept.into_iter());
    let mut summary = without_footnote_references(&summary);
    summary.truncate(summary.trim_end().len());
    if !open.is_empty() {
        if context.options.custom_summary_cutoff {
            let cutoff = context
                .templates
                .summary_cutoff(&summary)
                .map_err(|message| format!("rendering summary-cutoff.html: {message}"))?;
            summary.push_str(&cutoff);
        } else {
            summary.push_str(SUMMARY_CUTOFF);
        }
        pulldown_cmark::html::push_html(&mut summary, open.into_iter().rev().map(Event::End));
    }
    Ok(summary)
}

/// The elements still open after `events`, outermost first.
fn open_elements(events: &[Event<'_>]) -> Vec<TagEnd> {
    let mut open = Vec::new();
    for event in events {
        match event {
            Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) => {}
            Event::Start(tag) => open.push(tag.to_end()),
            Event::End(end) => {
                // An end whose start the pass rewrote as HTML (an external link, a code
                // block) closes nothing here.
                if let Some(at) = open.iter().rposition(|t| t == end) {
                    open.truncate(at);
                }
            }
            _ => {}
        }
    }
    open
}

/// `html` without the footnote references pulldown-cmark (or the bottom footnotes) wrote.
fn without_footnote_references(html: &str) -> String {
    const REFERENCE: &str = "<sup class=\"footnote-reference\"";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(at) = rest.find(REFERENCE) {
        out.push_str(&rest[..at]);
        match rest[at..].find("</sup>") {
            Some(end) => rest = &rest[at + end + "</sup>".len()..],
            None => {
                rest = &rest[at..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use cell_proto::MarkdownOptions;

    use super::*;
    use crate::render::testing::*;

    fn summary(body: &str, options: &MarkdownOptions) -> Option<String> {
        render_with(body, options, &crate::tests::FakeTemplates::default()).summary
    }

    #[test]
    fn the_marker_is_found_in_any_case_and_spacing() {
        for marker in [
            "<!-- more -->",
            "<!--more-->",
            "<!-- MORE -->",
            "<!--\t MoRe \t-->",
            "x <!-- more --> y",
        ] {
            assert!(is_more_marker(marker), "{marker}");
        }
        for other in ["<!-- more than this -->", "<!-- mor -->", "<!- more -->"] {
            assert!(!is_more_marker(other), "{other}");
        }
    }

    #[test]
    fn a_marker_inside_an_element_ends_the_summary_with_the_cutoff_and_closing_tags() {
        let body = "Para one *em <!-- more --> inside* and **strong**.\n\nPara two.\n";
        let rendered = render_with(body, &MarkdownOptions::default(), &crate::NoTemplates);
        assert_eq!(
            rendered.html,
            "<p>Para one <em>em <span id=\"continue-reading\"></span> inside</em> and <strong>strong</strong>.</p>\n<p>Para two.</p>\n"
        );
        assert_eq!(rendered.summary.as_deref(), Some("<p>Para one <em>em&hellip;\n</em></p>\n"));
        // A site's own `summary-cutoff.html`, rendered by the host with the summary so far.
        let options = MarkdownOptions { custom_summary_cutoff: true, ..Default::default() };
        assert_eq!(
            summary(body, &options).as_deref(),
            Some("<p>Para one <em>em[cut after 18]</em></p>\n")
        );
    }

    #[test]
    fn footnote_references_are_taken_out_of_the_summary() {
        let body = "Text[^1] here.\n\n[^1]: Note.\n\n<!-- more -->\n\nRest.\n";
        assert_eq!(
            summary(body, &MarkdownOptions::default()).as_deref(),
            Some(
                "<p>Text here.</p>\n<div class=\"footnote-definition\" id=\"1\"><sup class=\"footnote-definition-label\">1</sup>\n<p>Note.</p>\n</div>"
            )
        );
        let bottom = MarkdownOptions { bottom_footnotes: true, ..Default::default() };
        assert_eq!(summary(body, &bottom).as_deref(), Some("<p>Text here.</p>"));
    }

    #[test]
    fn an_external_link_before_the_marker_does_not_lose_the_open_paragraph() {
        // Zola 0.22.1 writes `<p>Check <a rel="external" href="https://x.org">this</a> and`.
        let body = "Check [this](https://x.org) and <!-- more --> rest.\n";
        assert_eq!(
            summary(body, &MarkdownOptions::default()).as_deref(),
            Some(
                "<p>Check <a rel=\"external\" href=\"https://x.org\">this</a> and&hellip;\n</p>\n"
            )
        );
    }
}
