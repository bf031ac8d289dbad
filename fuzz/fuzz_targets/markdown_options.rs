//! Any page text under any markdown options, with shortcodes answered by fake templates
//! (HTML, markdown, unknown, failing, by the name's first letter): a rendered page or an
//! error placed in the file, never a panic or a hang. The first three bytes choose the options
//! (the third: highlighting, its theme and style, and emoji).
#![no_main]

use cell_markdown::Templates;
use cell_proto::{
    AnchorLinkCall, AnchorLinks, HighlightStyle, HighlightTheme, Highlighting, MarkdownOptions,
    RenderMarkdown, ShortcodeCall, ShortcodeOutput, Slugify,
};
use libfuzzer_sys::fuzz_target;

struct Fake;

impl Templates for Fake {
    fn shortcode(&self, call: &ShortcodeCall) -> Result<ShortcodeOutput, String> {
        let body = call.body.clone().unwrap_or_default();
        Ok(match call.name.as_bytes().first() {
            Some(b'h') => ShortcodeOutput::Html(format!("<div>{body}</div>\n")),
            Some(b'm') => ShortcodeOutput::Markdown(format!("*{body}* {{{{ x() }}}}\n\n")),
            Some(b'f') => return Err("failed".into()),
            _ => ShortcodeOutput::Unknown,
        })
    }

    fn anchor_link(&self, call: &AnchorLinkCall) -> Result<String, String> {
        Ok(format!("<a href=\"#{}\">{}</a>", call.id, call.level))
    }

    fn summary_cutoff(&self, summary: &str) -> Result<String, String> {
        Ok(format!("[{}]", summary.len()))
    }
}

fuzz_target!(|data: &[u8]| {
    let [a, b, c, rest @ ..] = data else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let bit = |byte: u8, n: u8| byte >> n & 1 == 1;
    let options = MarkdownOptions {
        smart_punctuation: bit(*a, 0),
        definition_list: bit(*a, 1),
        github_alerts: bit(*a, 2),
        bottom_footnotes: bit(*a, 3),
        lazy_async_image: bit(*a, 4),
        external_links_target_blank: bit(*a, 5),
        external_links_no_follow: bit(*a, 6),
        external_links_no_referrer: bit(*a, 7),
        external_links_external: bit(*b, 0),
        external_links_class: bit(*b, 1).then(|| "ext".to_string()),
        insert_anchor_links: [AnchorLinks::None, AnchorLinks::Left, AnchorLinks::Right, AnchorLinks::Heading]
            [usize::from(*b >> 2 & 3)],
        slugify_anchors: [Slugify::On, Slugify::Safe, Slugify::Off, Slugify::On][usize::from(*b >> 4 & 3)],
        custom_anchor_link: bit(*b, 6),
        custom_summary_cutoff: bit(*b, 7),
        highlighting: bit(*c, 0).then(|| Highlighting {
            theme: if bit(*c, 1) {
                HighlightTheme::Dual { light: "github-light".into(), dark: "github-dark".into() }
            } else {
                HighlightTheme::Single("nord".into())
            },
            style: if bit(*c, 2) { HighlightStyle::Class } else { HighlightStyle::Inline },
            error_on_missing_language: bit(*c, 3),
        }),
        render_emoji: bit(*c, 4),
    };
    let request = RenderMarkdown {
        path: "fuzz.md".into(),
        source: text.to_string(),
        permalink: "https://fuzz.example/page/".into(),
        options,
    };
    if let Ok(page) = cell_markdown::render(&request, &Fake) {
        // Every id is listed once per heading, and the word count is bounded by the text.
        assert!(page.word_count as usize <= text.len());
        let _ = page.headings.len();
    }
});
