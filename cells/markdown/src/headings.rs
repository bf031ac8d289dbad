//! Heading ids, titles and anchor links, as Zola gives them.
//!
//! A heading's id is its own (`## Title {#my-id}`) when it has one, kept even if another
//! heading has it too; else the slug of its title, made unique on the page: `-1`, `-2`, ...
//! added, the first number free, and every explicit id of the page taken from the start
//! (`## Bar` before `## X {#bar}` is `bar-1`).

use std::collections::{HashMap, HashSet};

use pulldown_cmark::{Event, HeadingLevel, Tag, TagEnd};

/// The ids given on a page so far.
pub(crate) struct HeadingIds {
    used: HashSet<String>,
    /// For each slug that needed a number, the number to try next: every number below it is
    /// taken (and ids are never given back), so a page of many equal headings stays linear.
    next: HashMap<String, u32>,
}

impl HeadingIds {
    /// The ids of a page whose events are `events`, with its explicit ids taken.
    pub(crate) fn reserving_explicit(events: &[Event<'_>]) -> HeadingIds {
        let used = events
            .iter()
            .filter_map(|event| match event {
                Event::Start(Tag::Heading { id: Some(id), .. }) => Some(id.to_string()),
                _ => None,
            })
            .collect();
        HeadingIds { used, next: HashMap::new() }
    }

    /// `slug`, or `slug-N` for the first `N` from 1 not taken; taken from now on.
    pub(crate) fn unique(&mut self, slug: String) -> String {
        if self.used.insert(slug.clone()) {
            return slug;
        }
        let next = self.next.entry(slug.clone()).or_insert(1);
        loop {
            let candidate = format!("{slug}-{next}");
            *next += 1;
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}

/// The title of the heading whose content starts `events`: its text and code, up to its end,
/// without markup or HTML.
pub(crate) fn title(events: &[Event<'_>]) -> String {
    let mut title = String::new();
    for event in events {
        match event {
            Event::End(TagEnd::Heading(_)) => break,
            Event::Text(text) | Event::Code(text) => title.push_str(text),
            _ => {}
        }
    }
    title
}

/// 1 to 6.
pub(crate) fn level_number(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// The opening `<a ...>` tag of an anchor link's HTML, which `insert_anchor_links =
/// "heading"` wraps around the heading's text.
pub(crate) fn opening_tag(anchor: &str) -> Option<&str> {
    let start = anchor.find("<a")?;
    let end = start + anchor[start..].find('>')?;
    Some(&anchor[start..=end])
}

#[cfg(test)]
mod tests {
    use cell_proto::{AnchorLinks, MarkdownOptions, Slugify};

    use crate::render::testing::*;

    fn ids(body: &str) -> Vec<String> {
        render_with(body, &MarkdownOptions::default(), &crate::NoTemplates)
            .headings
            .into_iter()
            .map(|h| h.id)
            .collect()
    }

    #[test]
    fn duplicate_headings_get_the_first_free_number_as_in_zola() {
        assert_eq!(
            ids(
                "# A-1\n# A\n# A\n# A\n# Q\n# Q-2\n# Q\n# Q\n# Q\n# Hello World\n## Hello World-1\n"
            ),
            [
                "a-1",
                "a",
                "a-2",
                "a-3",
                "q",
                "q-2",
                "q-1",
                "q-3",
                "q-4",
                "hello-world",
                "hello-world-1"
            ]
        );
        assert_eq!(
            ids("# Hello World\n# Hello World\n# Hello World-1\n"),
            ["hello-world", "hello-world-1", "hello-world-1-1"]
        );
    }

    #[test]
    fn explicit_ids_are_kept_even_twice_and_taken_from_the_start() {
        assert_eq!(
            ids("## Bar\n## X {#bar}\n## A {#x}\n## B {#x}\n## Foo {#foo}\n## Foo\n"),
            ["bar-1", "bar", "x", "x", "foo", "foo-1"]
        );
    }

    #[test]
    fn heading_html_has_the_id_and_classes_and_the_title_is_its_text() {
        let body = "# Hello World\n\n## Classes {.a .b}\n\n## Both {#both .c}\n\n## With `code` and *em*\n\n## Ünïcödé heading!\n\n## C++ & Rust: \"quotes\" 'x' <tag>\n\n## [link](https://x.org) text\n\n## \n";
        let rendered = render_with(body, &MarkdownOptions::default(), &crate::NoTemplates);
        assert_eq!(
            rendered.html,
            "<h1 id=\"hello-world\">Hello World</h1>\n<h2 id=\"classes\" class=\"a b\">Classes</h2>\n<h2 id=\"both\" class=\"c\">Both</h2>\n<h2 id=\"with-code-and-em\">With <code>code</code> and <em>em</em></h2>\n<h2 id=\"unicode-heading\">Ünïcödé heading!</h2>\n<h2 id=\"c-rust-quotes-x\">C++ &amp; Rust: \"quotes\" 'x' <tag></h2>\n<h2 id=\"link-text\"><a rel=\"external\" href=\"https://x.org\">link</a> text</h2>\n<h2 id=\"\"></h2>\n"
        );
        let titles: Vec<&str> = rendered.headings.iter().map(|h| h.title.as_str()).collect();
        assert_eq!(titles[3], "With code and em");
        assert_eq!(titles[5], "C++ & Rust: \"quotes\" 'x' ");
        assert_eq!(rendered.headings[1].level, 2);
    }

    #[test]
    fn safe_and_off_slugs_keep_the_text() {
        let options = MarkdownOptions { slugify_anchors: Slugify::Safe, ..Default::default() };
        let html = html_with(
            "## Ünïcödé a/b \"q\" 'q'  two\n\n## Hello World\n\n## hello-world\n",
            &options,
        );
        assert_eq!(
            html,
            "<h2 id=\"Ünïcödé_a/b_&quot;q&quot;_&#39;q&#39;__two\">Ünïcödé a/b \"q\" 'q'  two</h2>\n<h2 id=\"Hello_World\">Hello World</h2>\n<h2 id=\"hello-world\">hello-world</h2>\n"
        );
    }

    #[test]
    fn anchor_links_go_left_right_or_around_the_heading() {
        let body = "# Plain\n\n## Custom {#cu .cls}\n";
        let with =
            |insert_anchor_links| MarkdownOptions { insert_anchor_links, ..Default::default() };
        assert_eq!(
            html_with(body, &with(AnchorLinks::Left)),
            "<h1 id=\"plain\"><a class=\"zola-anchor\" href=\"#plain\" aria-label=\"Anchor link for: plain\">🔗</a>Plain</h1>\n<h2 id=\"cu\" class=\"cls\"><a class=\"zola-anchor\" href=\"#cu\" aria-label=\"Anchor link for: cu\">🔗</a>Custom</h2>\n"
        );
        assert_eq!(
            html_with(body, &with(AnchorLinks::Right)),
            "<h1 id=\"plain\">Plain<a class=\"zola-anchor\" href=\"#plain\" aria-label=\"Anchor link for: plain\">🔗</a></h1>\n<h2 id=\"cu\" class=\"cls\">Custom<a class=\"zola-anchor\" href=\"#cu\" aria-label=\"Anchor link for: cu\">🔗</a></h2>\n"
        );
        assert_eq!(
            html_with("## Plain *em* [link](/x)\n", &with(AnchorLinks::Heading)),
            "<h2 id=\"plain-em-link\"><a class=\"zola-anchor\" href=\"#plain-em-link\" aria-label=\"Anchor link for: plain-em-link\">Plain <em>em</em> <a href=\"/x\">link</a></a></h2>\n"
        );
        assert_eq!(html_with(body, &with(AnchorLinks::None)), html(body));
    }

    #[test]
    fn a_sites_own_anchor_link_template_is_asked_of_the_host() {
        let templates = crate::tests::FakeTemplates::default();
        let options = MarkdownOptions {
            insert_anchor_links: AnchorLinks::Heading,
            custom_anchor_link: true,
            ..Default::default()
        };
        let rendered = render_with("## Two\n", &options, &templates);
        assert_eq!(
            rendered.html,
            "<h2 id=\"two\"><a href=\"#two\" data-level=\"2\">Two</a></h2>\n"
        );
        let options = MarkdownOptions { insert_anchor_links: AnchorLinks::Left, ..options };
        let rendered = render_with("## Two\n", &options, &templates);
        assert_eq!(
            rendered.html,
            "<h2 id=\"two\"><a href=\"#two\" data-level=\"2\">#</a>\nTwo</h2>\n"
        );
    }
}
