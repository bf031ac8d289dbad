//! Links and images as Zola writes them.
//!
//! - A link or image to a co-located file (`diagram.png`, `./notes.txt`, `?q=1`: anything
//!   not starting with `/`, `..` or `#` and with no scheme) is written against the page's
//!   permalink (`https://site/blog/post/diagram.png`), and so is a link to one of the page's
//!   own anchors (`#part`).
//! - An external link (starting with `http:` or `https:`) gets the attributes the options ask
//!   for, in Zola's order: `class`, `rel` (`noopener` with `target="_blank"`, `nofollow`,
//!   `noreferrer`, `external`), `target`, `title`, `href`.
//! - `@/path.md#anchor` is left as written: the host resolves it (only it knows the routes).
//! - With `lazy_async_image`, an image gets `loading="lazy" decoding="async"`.

use cell_proto::MarkdownOptions;
use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

use crate::escape;

/// `dest` written against `permalink` if it is a co-located file or an anchor of the page
/// (and `permalink` is known).
pub(crate) fn resolve<'e>(dest: CowStr<'e>, permalink: &str) -> CowStr<'e> {
    if permalink.is_empty() || dest.is_empty() || dest.as_ref() == "#" || dest.starts_with("@/") {
        return dest;
    }
    let own_anchor = dest.starts_with('#');
    let colocated =
        !dest.starts_with('/') && !dest.starts_with("..") && !own_anchor && !has_scheme(&dest);
    if own_anchor || colocated { CowStr::from(format!("{permalink}{dest}")) } else { dest }
}

/// Whether `link` starts with a scheme (`[0-9A-Za-z-]+:`, as Zola tests it).
fn has_scheme(link: &str) -> bool {
    let name = link.bytes().take_while(|b| b.is_ascii_alphanumeric() || *b == b'-').count();
    name > 0 && link.as_bytes().get(name) == Some(&b':')
}

/// Whether Zola takes `link` for an external one.
fn is_external(link: &str) -> bool {
    link.starts_with("http:") || link.starts_with("https:")
}

/// The opening `<a>` tag of an external link, when the options add anything to it (else
/// pulldown-cmark writes the link).
pub(crate) fn external_tag(dest: &str, title: &str, options: &MarkdownOptions) -> Option<String> {
    if !is_external(dest) {
        return None;
    }
    let mut rel: Vec<&str> = Vec::with_capacity(4);
    if options.external_links_target_blank {
        rel.push("noopener");
    }
    if options.external_links_no_follow {
        rel.push("nofollow");
    }
    if options.external_links_no_referrer {
        rel.push("noreferrer");
    }
    if options.external_links_external {
        rel.push("external");
    }
    if rel.is_empty() && options.external_links_class.is_none() {
        return None;
    }
    let mut tag = String::with_capacity(dest.len() + title.len() + 64);
    tag.push_str("<a");
    if let Some(class) = &options.external_links_class {
        tag.push_str(" class=\"");
        escape::push_attribute(&mut tag, class);
        tag.push('"');
    }
    if !rel.is_empty() {
        tag.push_str(" rel=\"");
        tag.push_str(&rel.join(" "));
        tag.push('"');
    }
    if options.external_links_target_blank {
        tag.push_str(" target=\"_blank\"");
    }
    if !title.is_empty() {
        tag.push_str(" title=\"");
        escape::push_attribute(&mut tag, title);
        tag.push('"');
    }
    tag.push_str(" href=\"");
    escape::push_href(&mut tag, dest);
    tag.push_str("\">");
    Some(tag)
}

/// The alt text of the image whose content starts `events` (as pulldown-cmark writes it:
/// the text of everything inside, breaks as spaces), and how many events it takes, its end
/// included.
pub(crate) fn alt_text(events: &[Event<'_>]) -> (String, usize) {
    let mut alt = String::new();
    let mut depth = 0usize;
    for (i, event) in events.iter().enumerate() {
        match event {
            Event::Start(Tag::Image { .. }) => depth += 1,
            Event::End(TagEnd::Image) if depth == 0 => return (alt, i + 1),
            Event::End(TagEnd::Image) => depth -= 1,
            Event::Text(text)
            | Event::Code(text)
            | Event::Html(text)
            | Event::InlineHtml(text)
            | Event::InlineMath(text)
            | Event::DisplayMath(text) => alt.push_str(text),
            Event::SoftBreak | Event::HardBreak => alt.push(' '),
            Event::FootnoteReference(name) => {
                alt.push('[');
                alt.push_str(name);
                alt.push(']');
            }
            Event::TaskListMarker(checked) => alt.push_str(if *checked { "[x]" } else { "[ ]" }),
            _ => {}
        }
    }
    (alt, events.len())
}

/// An image with `loading="lazy" decoding="async"`, its attributes in Zola's order.
pub(crate) fn lazy_image(dest: &str, title: &str, alt: &str) -> String {
    let mut html = String::with_capacity(dest.len() + title.len() + alt.len() + 64);
    html.push_str("<img src=\"");
    escape::push_href(&mut html, dest);
    html.push('"');
    if !title.is_empty() {
        html.push_str(" title=\"");
        escape::push_attribute(&mut html, title);
        html.push('"');
    }
    html.push_str(" alt=\"");
    escape::push_attribute(&mut html, alt);
    html.push_str("\" loading=\"lazy\" decoding=\"async\" />");
    html
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::testing::*;

    #[test]
    fn external_links_are_rel_external_by_default() {
        assert_eq!(
            html(
                "An [external](https://example.org), an <https://auto.example.org>, an ![image](/pic.png \"title\").\n"
            ),
            "<p>An <a rel=\"external\" href=\"https://example.org\">external</a>, an <a rel=\"external\" href=\"https://auto.example.org\">https://auto.example.org</a>, an <img src=\"/pic.png\" alt=\"image\" title=\"title\" />.</p>\n"
        );
        assert_eq!(
            html(
                "[h](http://x.org) [t](https://x.org \"ti\") [up](HTTPS://X.ORG) [f](ftp://x.org) [m](mailto:a@b.c) <a@b.c>\n"
            ),
            "<p><a rel=\"external\" href=\"http://x.org\">h</a> <a rel=\"external\" title=\"ti\" href=\"https://x.org\">t</a> <a href=\"HTTPS://X.ORG\">up</a> <a href=\"ftp://x.org\">f</a> <a href=\"mailto:a@b.c\">m</a> <a href=\"mailto:a@b.c\">a@b.c</a></p>\n"
        );
    }

    #[test]
    fn external_link_options_add_class_rel_and_target_in_zolas_order() {
        let all = MarkdownOptions {
            external_links_target_blank: true,
            external_links_no_follow: true,
            external_links_no_referrer: true,
            external_links_class: Some("ext".into()),
            ..Default::default()
        };
        assert_eq!(
            html_with("[t](https://x.org \"ti\") [i](/local)\n", &all),
            "<p><a class=\"ext\" rel=\"noopener nofollow noreferrer external\" target=\"_blank\" title=\"ti\" href=\"https://x.org\">t</a> <a href=\"/local\">i</a></p>\n"
        );
        let none = MarkdownOptions { external_links_external: false, ..Default::default() };
        assert_eq!(
            html_with("[t](https://x.org \"ti\") [u](https://x.org?a=1&b=\"2\")\n", &none),
            "<p><a href=\"https://x.org\" title=\"ti\">t</a> <a href=\"https://x.org?a=1&amp;b=%222%22\">u</a></p>\n"
        );
        let class = MarkdownOptions { external_links_class: Some("c".into()), ..none.clone() };
        assert_eq!(
            html_with("[t](https://x.org \"ti\")\n", &class),
            "<p><a class=\"c\" title=\"ti\" href=\"https://x.org\">t</a></p>\n"
        );
        let no_follow = MarkdownOptions { external_links_no_follow: true, ..none };
        assert_eq!(
            html_with("[t](https://x.org)\n", &no_follow),
            "<p><a rel=\"nofollow\" href=\"https://x.org\">t</a></p>\n"
        );
        let blank = MarkdownOptions { external_links_target_blank: true, ..Default::default() };
        assert_eq!(
            html_with("[t](https://x.org)\n", &blank),
            "<p><a rel=\"noopener external\" target=\"_blank\" href=\"https://x.org\">t</a></p>\n"
        );
    }

    #[test]
    fn colocated_files_and_own_anchors_are_written_against_the_permalink() {
        assert_eq!(
            html(
                "[dot](./other) [up](../x) [html](other.html) [q](?q=1) [www](www.x.org) [abs](/abs) [frag](#x) [hash](#) [at](@/b.md#c)\n\n![img](pic.png)\n\n<a href=\"other\">raw</a>\n\n[ref][r]\n\n[r]: relref\n"
            ),
            "<p><a href=\"https://x.org/p/./other\">dot</a> <a href=\"../x\">up</a> <a href=\"https://x.org/p/other.html\">html</a> <a href=\"https://x.org/p/?q=1\">q</a> <a href=\"https://x.org/p/www.x.org\">www</a> <a href=\"/abs\">abs</a> <a href=\"https://x.org/p/#x\">frag</a> <a href=\"#\">hash</a> <a href=\"@/b.md#c\">at</a></p>\n<p><img src=\"https://x.org/p/pic.png\" alt=\"img\" /></p>\n<p><a href=\"other\">raw</a></p>\n<p><a href=\"https://x.org/p/relref\">ref</a></p>\n"
        );
    }

    #[test]
    fn lazy_images_get_loading_and_decoding() {
        let options = MarkdownOptions { lazy_async_image: true, ..Default::default() };
        assert_eq!(
            html_with("![img](pic.png) ![ext](https://x.org/p.png \"t\")\n", &options),
            "<p><img src=\"https://x.org/p/pic.png\" alt=\"img\" loading=\"lazy\" decoding=\"async\" /> <img src=\"https://x.org/p.png\" title=\"t\" alt=\"ext\" loading=\"lazy\" decoding=\"async\" /></p>\n"
        );
    }

    #[test]
    fn schemes_are_told_from_paths() {
        assert!(has_scheme("mailto:x") && has_scheme("a-b1:y") && has_scheme("HTTPS://x"));
        assert!(!has_scheme("a/b:c") && !has_scheme(":x") && !has_scheme("file.md"));
    }
}
