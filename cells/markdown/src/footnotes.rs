//! Footnotes at the bottom of the page (Zola's `bottom_footnotes`), GitHub's way.
//!
//! Each reference becomes `<sup class="footnote-reference" id="fr-NAME-K"><a
//! href="#fn-NAME">N</a></sup>`, where `N` numbers the footnotes in the order they are first
//! referenced and `K` counts the references to one footnote. The definitions leave their
//! places for a list at the end, in that order, each with a link back to each of its
//! references (`↩`, `↩2`, ...) at the end of its last paragraph. A footnote never referenced
//! is left out; one referenced only from another footnote is numbered after those of the text.

use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use crate::escape;

/// A footnote: its number and how many references it has.
struct Footnote {
    number: usize,
    references: usize,
}

/// `events` with their footnotes moved to the bottom.
pub(crate) fn to_bottom(events: Vec<Event<'_>>) -> Vec<Event<'_>> {
    if !events.iter().any(|e| matches!(e, Event::FootnoteReference(_))) {
        // Nothing refers to a definition: each is dropped.
        if !events.iter().any(|e| matches!(e, Event::Start(Tag::FootnoteDefinition(_)))) {
            return events;
        }
    }
    let (mut text, definitions) = split_definitions(events);
    let mut footnotes: HashMap<String, Footnote> = HashMap::new();
    // The names in the order of their numbers.
    let mut order: Vec<String> = Vec::new();
    number_references(&mut text, &mut footnotes, &mut order);
    // Definitions are numbered as they are reached: a reference inside one adds to the list.
    let mut listed: Vec<(String, Vec<Event<'_>>)> = Vec::new();
    let mut definitions = definitions;
    let mut next = 0;
    while next < order.len() {
        let name = order[next].clone();
        next += 1;
        let Some(mut events) = definitions.remove(&name) else { continue };
        number_references(&mut events, &mut footnotes, &mut order);
        listed.push((name, events));
    }
    if listed.is_empty() {
        return text;
    }
    text.push(Event::Html(CowStr::Borrowed(
        "<section class=\"footnotes\">\n<ol class=\"footnotes-list\">\n",
    )));
    for (name, mut events) in listed {
        let mut open = String::from("<li id=\"fn-");
        escape::push_attribute(&mut open, &name);
        open.push_str("\">");
        text.push(Event::Html(open.into()));
        let references = footnotes.get(&name).map_or(0, |f| f.references);
        let mut back = String::new();
        for k in 1..=references {
            back.push_str(" <a href=\"#fr-");
            escape::push_attribute(&mut back, &name);
            back.push_str(&format!("-{k}\">↩"));
            if k > 1 {
                back.push_str(&k.to_string());
            }
            back.push_str("</a>");
        }
        // Into the last paragraph, if the footnote ends with one.
        if let Some(Event::End(TagEnd::Paragraph)) = events.last() {
            let end = events.pop();
            events.push(Event::Html(back.into()));
            events.extend(end);
        } else {
            events.push(Event::Html(back.into()));
        }
        text.extend(events);
        text.push(Event::Html(CowStr::Borrowed("</li>\n")));
    }
    text.push(Event::Html(CowStr::Borrowed("</ol>\n</section>\n")));
    text
}

/// The events outside definitions, and each definition's content by name (the first
/// definition of a name wins).
#[allow(clippy::type_complexity, reason = "a split in two, used once")]
fn split_definitions(events: Vec<Event<'_>>) -> (Vec<Event<'_>>, HashMap<String, Vec<Event<'_>>>) {
    let mut text = Vec::with_capacity(events.len());
    let mut definitions: HashMap<String, Vec<Event<'_>>> = HashMap::new();
    // The definition being read, and how deep its own nested definitions go.
    let mut current: Option<(String, Vec<Event<'_>>, usize)> = None;
    for event in events {
        match (&mut current, event) {
            (None, Event::Start(Tag::FootnoteDefinition(name))) => {
                current = Some((name.to_string(), Vec::new(), 0));
            }
            (None, event) => text.push(event),
            (Some((_, content, depth)), Event::Start(Tag::FootnoteDefinition(name))) => {
                *depth += 1;
                content.push(Event::Start(Tag::FootnoteDefinition(name)));
            }
            (Some((_, content, depth)), Event::End(TagEnd::FootnoteDefinition)) if *depth > 0 => {
                *depth -= 1;
                content.push(Event::End(TagEnd::FootnoteDefinition));
            }
            (Some(_), Event::End(TagEnd::FootnoteDefinition)) => {
                if let Some((name, content, _)) = current.take() {
                    definitions.entry(name).or_insert(content);
                }
            }
            (Some((_, content, _)), event) => content.push(event),
        }
    }
    if let Some((name, content, _)) = current {
        definitions.entry(name).or_insert(content);
    }
    (text, definitions)
}

/// Numbers the references in `events` and writes each as its link.
fn number_references(
    events: &mut [Event<'_>],
    footnotes: &mut HashMap<String, Footnote>,
    order: &mut Vec<String>,
) {
    for event in events.iter_mut() {
        let Event::FootnoteReference(name) = event else { continue };
        let footnote = footnotes.entry(name.to_string()).or_insert_with(|| {
            order.push(name.to_string());
            Footnote { number: order.len(), references: 0 }
        });
        footnote.references += 1;
        let mut html = String::from("<sup class=\"footnote-reference\" id=\"fr-");
        escape::push_attribute(&mut html, name);
        html.push_str(&format!("-{}\"><a href=\"#fn-", footnote.references));
        escape::push_attribute(&mut html, name);
        html.push_str(&format!("\">{}</a></sup>", footnote.number));
        *event = Event::InlineHtml(html.into());
    }
}

#[cfg(test)]
mod tests {
    use cell_proto::MarkdownOptions;

    use crate::render::testing::*;

    fn bottom(body: &str) -> String {
        html_with(body, &MarkdownOptions { bottom_footnotes: true, ..Default::default() })
    }

    #[test]
    fn footnotes_stay_where_they_are_defined_by_default() {
        assert_eq!(
            html(
                "Text[^1] and another[^note].\n\n[^1]: The first note.\n\nMore text.\n\n[^note]: Second *note*.\n"
            ),
            "<p>Text<sup class=\"footnote-reference\"><a href=\"#1\">1</a></sup> and another<sup class=\"footnote-reference\"><a href=\"#note\">2</a></sup>.</p>\n<div class=\"footnote-definition\" id=\"1\"><sup class=\"footnote-definition-label\">1</sup>\n<p>The first note.</p>\n</div>\n<p>More text.</p>\n<div class=\"footnote-definition\" id=\"note\"><sup class=\"footnote-definition-label\">2</sup>\n<p>Second <em>note</em>.</p>\n</div>\n"
        );
    }

    #[test]
    fn bottom_footnotes_are_listed_in_order_of_reference_with_links_back() {
        assert_eq!(
            bottom(
                "Text[^1] and another[^note] and[^1] again.\n\n[^1]: The first note.\n\nMore text.\n\n[^note]: Second *note*.\n"
            ),
            "<p>Text<sup class=\"footnote-reference\" id=\"fr-1-1\"><a href=\"#fn-1\">1</a></sup> and another<sup class=\"footnote-reference\" id=\"fr-note-1\"><a href=\"#fn-note\">2</a></sup> and<sup class=\"footnote-reference\" id=\"fr-1-2\"><a href=\"#fn-1\">1</a></sup> again.</p>\n<p>More text.</p>\n<section class=\"footnotes\">\n<ol class=\"footnotes-list\">\n<li id=\"fn-1\">\n<p>The first note. <a href=\"#fr-1-1\">↩</a> <a href=\"#fr-1-2\">↩2</a></p>\n</li>\n<li id=\"fn-note\">\n<p>Second <em>note</em>. <a href=\"#fr-note-1\">↩</a></p>\n</li>\n</ol>\n</section>\n"
        );
    }

    #[test]
    fn bottom_footnotes_drop_the_unused_and_link_back_after_other_blocks() {
        assert_eq!(
            bottom(
                "Ref[^multi] and undefined[^nope] and code[^code].\n\n[^unused]: Never referenced.\n\n[^multi]: First para.\n\n    Second para.\n\n[^code]: ```\n    code\n    ```\n"
            ),
            "<p>Ref<sup class=\"footnote-reference\" id=\"fr-multi-1\"><a href=\"#fn-multi\">1</a></sup> and undefined[^nope] and code<sup class=\"footnote-reference\" id=\"fr-code-1\"><a href=\"#fn-code\">2</a></sup>.</p>\n<section class=\"footnotes\">\n<ol class=\"footnotes-list\">\n<li id=\"fn-multi\">\n<p>First para.</p>\n<p>Second para. <a href=\"#fr-multi-1\">↩</a></p>\n</li>\n<li id=\"fn-code\"><pre><code>code\n</code></pre>\n <a href=\"#fr-code-1\">↩</a></li>\n</ol>\n</section>\n"
        );
    }

    #[test]
    fn a_footnote_referenced_from_a_footnote_is_numbered_after() {
        assert_eq!(
            bottom(
                "This text has a footnote[^1]\n\n[^1]: But the footnote has another footnote[^2].\n\n[^2]: That's it.\n"
            ),
            "<p>This text has a footnote<sup class=\"footnote-reference\" id=\"fr-1-1\"><a href=\"#fn-1\">1</a></sup></p>\n<section class=\"footnotes\">\n<ol class=\"footnotes-list\">\n<li id=\"fn-1\">\n<p>But the footnote has another footnote<sup class=\"footnote-reference\" id=\"fr-2-1\"><a href=\"#fn-2\">2</a></sup>. <a href=\"#fr-1-1\">↩</a></p>\n</li>\n<li id=\"fn-2\">\n<p>That's it. <a href=\"#fr-2-1\">↩</a></p>\n</li>\n</ol>\n</section>\n"
        );
        assert_eq!(bottom("No footnotes.\n"), "<p>No footnotes.</p>\n");
    }
}
