//! Rendering a body to HTML with pulldown-cmark, collecting headings on the way.

use std::collections::HashMap;

use cell_proto::Heading;
use pulldown_cmark::{CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

/// The markdown extensions a site writer expects (those Zola enables).
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_HEADING_ATTRIBUTES
        | Options::ENABLE_SMART_PUNCTUATION
}

/// Renders `body` to HTML. Every heading gets an `id` (its own `{#id}` if it has one, else a
/// slug of its text, made unique within the page) and is listed, in order, for tables of
/// contents.
pub fn render(body: &str) -> (String, Vec<Heading>) {
    let mut events: Vec<Event<'_>> = Parser::new_ext(body, options()).collect();
    let mut headings = Vec::new();
    let mut used: HashMap<String, usize> = HashMap::new();
    let mut i = 0;
    while i < events.len() {
        if let Event::Start(Tag::Heading { level, id, .. }) = &events[i] {
            let level = heading_level(*level);
            let explicit = id.as_ref().map(|id| id.to_string());
            // The heading's text: every text and code event up to its end.
            let mut title = String::new();
            let mut j = i + 1;
            while j < events.len() && !matches!(events[j], Event::End(TagEnd::Heading(_))) {
                if let Event::Text(text) | Event::Code(text) = &events[j] {
                    title.push_str(text);
                }
                j += 1;
            }
            let base = explicit.unwrap_or_else(|| slugify(&title));
            let unique = unique_id(&mut used, base);
            if let Event::Start(Tag::Heading { id, .. }) = &mut events[i] {
                *id = Some(CowStr::from(unique.clone()));
            }
            headings.push(Heading { level, title: title.trim().to_string(), id: unique });
            i = j;
        }
        i += 1;
    }
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    (html, headings)
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Lower-case letters and digits, other runs of characters become one `-`.
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut dash = false;
    for c in text.chars() {
        if c.is_alphanumeric() {
            if dash && !slug.is_empty() {
                slug.push('-');
            }
            dash = false;
            slug.extend(c.to_lowercase());
        } else {
            dash = true;
        }
    }
    if slug.is_empty() { "section".to_string() } else { slug }
}

/// `base`, or `base-1`, `base-2`, ... if already used on the page.
fn unique_id(used: &mut HashMap<String, usize>, base: String) -> String {
    let count = used.entry(base.clone()).or_insert(0);
    *count += 1;
    if *count == 1 {
        return base;
    }
    let mut n = *count - 1;
    loop {
        let candidate = format!("{base}-{n}");
        if !used.contains_key(&candidate) {
            used.insert(candidate.clone(), 1);
            return candidate;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_get_unique_slug_ids_and_are_listed() {
        let (html, headings) =
            render("# Hello, World!\n\n## Hello world\n\n## Setup `cargo`\n\n# Hello World\n");
        let ids: Vec<&str> = headings.iter().map(|h| h.id.as_str()).collect();
        assert_eq!(ids, vec!["hello-world", "hello-world-1", "setup-cargo", "hello-world-2"]);
        assert_eq!(headings[2].title, "Setup cargo");
        assert_eq!(headings[1].level, 2);
        assert!(html.contains("<h1 id=\"hello-world\">Hello, World!</h1>"), "{html}");
    }

    #[test]
    fn an_explicit_heading_id_is_kept() {
        let (html, headings) = render("## Install {#install-it}\n");
        assert_eq!(headings[0].id, "install-it");
        assert!(html.contains("id=\"install-it\""));
    }

    #[test]
    fn tables_footnotes_code_and_task_lists_render() {
        let body = "| a | b |\n|---|---|\n| 1 | 2 |\n\nText[^1].\n\n[^1]: Note.\n\n```rust\nfn main() {}\n```\n\n- [x] done\n- [ ] todo\n\n~~old~~\n";
        let (html, _) = render(body);
        for needle in [
            "<table>",
            "<td>1</td>",
            "footnote",
            "<code class=\"language-rust\">",
            "checkbox",
            "<del>old</del>",
        ] {
            assert!(html.contains(needle), "{needle} missing in {html}");
        }
    }

    #[test]
    fn raw_html_passes_through_and_text_is_escaped() {
        let (html, _) = render("<div class=\"x\">hi</div>\n\na < b & c\n");
        assert!(html.contains("<div class=\"x\">hi</div>"));
        assert!(html.contains("a &lt; b &amp; c"));
    }

    #[test]
    fn internal_links_are_left_for_the_host_to_resolve() {
        let (html, _) = render("[post](@/blog/post.md#intro)\n");
        assert!(html.contains("href=\"@/blog/post.md#intro\""), "{html}");
    }

    #[test]
    fn slugs_handle_unicode_and_punctuation() {
        assert_eq!(slugify("Ünïcode & Friends!"), "ünïcode-friends");
        assert_eq!(slugify("   "), "section");
        assert_eq!(slugify("a--b__c"), "a-b-c");
    }
}
