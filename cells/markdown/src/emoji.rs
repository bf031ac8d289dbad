//! `render_emoji`: GitHub's emoji shortcodes (`:smile:`) in a page's text become the emoji
//! (😄), as Zola does it (gh-emoji's table and pattern, at Zola's version): in text only,
//! so never in code (blocks or inline), raw HTML, link destinations or attributes; a name
//! GitHub does not have stays as written.

use std::borrow::Cow;
use std::sync::OnceLock;

use pulldown_cmark::{CowStr, Event, Tag, TagEnd};

/// gh-emoji's replacer: its pattern is compiled once per process.
fn replacer() -> &'static gh_emoji::Replacer {
    static REPLACER: OnceLock<gh_emoji::Replacer> = OnceLock::new();
    REPLACER.get_or_init(gh_emoji::Replacer::new)
}

/// Replaces the shortcodes in the text events of `events` outside code blocks.
pub(crate) fn replace(events: &mut [Event<'_>]) {
    let mut in_code_block = false;
    for event in events {
        match event {
            Event::Start(Tag::CodeBlock(_)) => in_code_block = true,
            Event::End(TagEnd::CodeBlock) => in_code_block = false,
            // A colon opens every shortcode: most text has none, and is left alone.
            Event::Text(text) if !in_code_block && text.contains(':') => {
                let replaced = match replacer().replace_all(text) {
                    Cow::Owned(replaced) => Some(replaced),
                    Cow::Borrowed(_) => None,
                };
                if let Some(replaced) = replaced {
                    *text = CowStr::from(replaced);
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use cell_proto::MarkdownOptions;

    use crate::render::testing::html_with;

    fn emoji() -> MarkdownOptions {
        MarkdownOptions { render_emoji: true, ..Default::default() }
    }

    // Each expected output below is Zola 0.22.1's for the same markdown, with
    // `render_emoji = true` unless the test says otherwise.

    #[test]
    fn shortcodes_in_text_become_emoji_and_unknown_names_stay() {
        assert_eq!(
            html_with("Hi :smile: and :+1: but not :no_such_emoji: or a:b:c.\n", &emoji()),
            "<p>Hi 😄 and 👍 but not :no_such_emoji: or a🅱️c.</p>\n"
        );
        assert_eq!(html_with("Hi :smile:\n", &MarkdownOptions::default()), "<p>Hi :smile:</p>\n");
        // An HTML block is not text.
        assert_eq!(html_with("<div>:cat:</div>\n", &emoji()), "<div>:cat:</div>\n");
    }

    #[test]
    fn code_keeps_its_shortcodes_and_text_between_inline_html_does_not() {
        assert_eq!(
            html_with("`:smile:` *:cat:*\n\n```\n:smile:\n```\n\n<b>:cat:</b>\n", &emoji()),
            "<p><code>:smile:</code> <em>🐱</em></p>\n<pre><code>:smile:\n</code></pre>\n<p><b>🐱</b></p>\n"
        );
    }
}
