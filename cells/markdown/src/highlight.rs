//! Code blocks as Zola 0.22 writes them: highlighted by giallo (Zola's highlighter, at
//! Zola's version) when the site has `[markdown.highlighting]`, else escaped, with their
//! language as `data-lang`.
//!
//! A fence's info is read as Zola reads it (giallo's `parse_markdown_fence`): split at
//! commas, `linenos`, `linenostart=N`, `hl_lines=1-3 5`, `hide_lines=2` are options, any other
//! `key=value` becomes a `data-key="value"` attribute of the `<code>`, and the first word left
//! is the language (`plain` when there is none, and for indented blocks). Giallo's HTML
//! renderer writes the block; the cell adds nothing, so the bytes are Zola's.
//!
//! The registry of giallo's built-in grammars and themes (a 1.8 MB compressed dump in the
//! binary) is decoded once per process, when the first highlighted block needs it: a site
//! without highlighting never pays for it.

use std::sync::OnceLock;

use cell_proto::{HighlightStyle, HighlightTheme, Highlighting};
use giallo::{HighlightOptions, HtmlRenderer, ParsedFence, Registry, ThemeVariant};

use crate::escape;

/// The class prefix Zola gives giallo for `style = "class"` (`z-keyword`, `z-code`, …).
const CLASS_PREFIX: &str = "z-";

/// Giallo's built-in registry, its grammars linked; or why it could not be loaded.
fn registry() -> Result<&'static Registry, String> {
    static REGISTRY: OnceLock<Result<Registry, String>> = OnceLock::new();
    REGISTRY
        .get_or_init(|| {
            let mut registry = Registry::builtin()
                .map_err(|error| format!("giallo's built-in grammars cannot be loaded: {error}"))?;
            registry.link_grammars();
            Ok(registry)
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// A code block's fence, read as Zola reads it.
pub(crate) fn fence(info: Option<&str>) -> ParsedFence {
    match info {
        Some(info) => giallo::parse_markdown_fence(info),
        None => ParsedFence::default(),
    }
}

/// What a code block became.
pub(crate) enum Block {
    /// Its HTML.
    Html(String),
    /// Its language is not one giallo knows, and `error_on_missing_language` is on.
    MissingLanguage(String),
}

/// The HTML of a code block with fence `fence` and text `text`: highlighted with
/// `highlighting`, or escaped when there is none. A language giallo does not know is written
/// as plain text; `missing` is told of it.
pub(crate) fn block(
    fence: ParsedFence,
    text: &str,
    highlighting: Option<&Highlighting>,
    missing: &mut dyn FnMut(&str),
) -> Result<Block, String> {
    let Some(highlighting) = highlighting else {
        return Ok(Block::Html(plain(&fence.lang, text)));
    };
    let registry = registry()?;
    if !registry.contains_grammar(&fence.lang) {
        if highlighting.error_on_missing_language {
            return Ok(Block::MissingLanguage(fence.lang));
        }
        missing(&fence.lang);
    }
    // As Zola: a language giallo does not know is highlighted as plain text.
    let options = match &highlighting.theme {
        HighlightTheme::Single(theme) => {
            HighlightOptions::new(&fence.lang, ThemeVariant::Single(theme.as_str()))
        }
        HighlightTheme::Dual { light, dark } => HighlightOptions::new(
            &fence.lang,
            ThemeVariant::Dual { light: light.as_str(), dark: dark.as_str() },
        ),
    }
    .fallback_to_plain(true);
    let highlighted = registry
        .highlight(text, &options)
        .map_err(|error| format!("highlighting a `{}` code block: {error}", fence.lang))?;
    let renderer = HtmlRenderer {
        other_metadata: fence.rest,
        css_class_prefix: (highlighting.style == HighlightStyle::Class)
            .then(|| CLASS_PREFIX.to_string()),
    };
    Ok(Block::Html(renderer.render(&highlighted, &fence.options)))
}

/// A code block without highlighting, as Zola writes it: its text escaped (quotes too), its
/// language as `data-lang` unless it is `plain` (Zola writes the language as it is; we
/// escape it).
fn plain(language: &str, text: &str) -> String {
    let mut html = String::with_capacity(text.len() + 48);
    html.push_str("<pre><code");
    if language != giallo::PLAIN_GRAMMAR_NAME {
        html.push_str(" data-lang=\"");
        escape::push_attribute(&mut html, language);
        html.push('"');
    }
    html.push('>');
    escape::push_attribute(&mut html, text);
    html.push_str("</code></pre>\n");
    html
}

/// The CSS Zola writes for `theme` with `style = "class"` (`giallo.css`, or
/// `giallo-light.css` and `giallo-dark.css`).
///
/// # Errors
///
/// The theme is not one of giallo's, or its registry cannot be loaded.
pub fn theme_css(theme: &str) -> Result<String, String> {
    registry()?
        .generate_css(theme, CLASS_PREFIX)
        .map_err(|_| format!("there is no highlighting theme `{theme}`"))
}

#[cfg(test)]
mod tests {
    use cell_proto::{BUILTIN_THEMES, MarkdownOptions};

    use super::*;
    use crate::render::testing::html_with;

    fn highlighting(theme: HighlightTheme, style: HighlightStyle) -> MarkdownOptions {
        MarkdownOptions {
            highlighting: Some(Highlighting { theme, style, error_on_missing_language: false }),
            ..Default::default()
        }
    }

    fn single(theme: &str) -> MarkdownOptions {
        highlighting(HighlightTheme::Single(theme.into()), HighlightStyle::Inline)
    }

    // Each expected output below is Zola 0.22.1's for the same markdown, with
    // `[markdown.highlighting]` as the test sets it.

    #[test]
    fn every_builtin_theme_the_host_accepts_is_giallos() {
        let registry = registry().unwrap();
        for theme in BUILTIN_THEMES {
            assert!(registry.contains_theme(theme), "{theme}");
        }
        assert!(!registry.contains_theme("no-such-theme"));
    }

    #[test]
    fn without_highlighting_the_language_is_the_fences_first_word_as_zola_reads_it() {
        let body =
            "```linenos,rust,name=x\nfn f() {}\n```\n\n```plain\nx\n```\n\n```rust=1\ny\n```\n";
        assert_eq!(
            html_with(body, &MarkdownOptions::default()),
            "<pre><code data-lang=\"rust\">fn f() {}\n</code></pre>\n<pre><code>x\n</code></pre>\n<pre><code data-lang=\"\">y\n</code></pre>\n"
        );
    }

    #[test]
    fn a_block_is_highlighted_with_inline_styles_and_escaped() {
        assert_eq!(
            html_with("```rust\nlet s = \"a<b>\" & x;\n```\n", &single("github-dark")),
            "<pre class=\"giallo\" style=\"color: #E1E4E8; background-color: #24292E;\"><code data-lang=\"rust\"><span class=\"giallo-l\"><span style=\"color: #F97583;\">let</span><span> s</span><span style=\"color: #F97583;\"> =</span><span style=\"color: #9ECBFF;\"> &quot;a&lt;b&gt;&quot;</span><span style=\"color: #F97583;\"> &amp;</span><span> x;</span></span></code></pre>"
        );
    }

    #[test]
    fn annotations_number_highlight_hide_and_name_lines() {
        let body = "```rust,linenos,linenostart=9,hl_lines=1 3-4,hide_lines=2,name=a.rs,copy=yes\nlet a = 1;\nlet b = 2;\nlet c = 3;\nlet d = 4;\nlet e = 5;\n```\n";
        assert_eq!(
            html_with(body, &single("github-dark")),
            "<pre class=\"giallo\" style=\"color: #E1E4E8; background-color: #24292E;\"><code data-lang=\"rust\" data-copy=\"yes\" data-name=\"a.rs\"><span class=\"giallo-l\" style=\"background-color: #2B3036;\"><span aria-hidden=\"true\" class=\"giallo-ln\" style=\"color: #444D56;\"> 9</span><span style=\"color: #F97583;\">let</span><span> a</span><span style=\"color: #F97583;\"> =</span><span style=\"color: #79B8FF;\"> 1</span><span>;</span></span>\n<span class=\"giallo-l\" style=\"background-color: #2B3036;\"><span aria-hidden=\"true\" class=\"giallo-ln\" style=\"color: #444D56;\">11</span><span style=\"color: #F97583;\">let</span><span> c</span><span style=\"color: #F97583;\"> =</span><span style=\"color: #79B8FF;\"> 3</span><span>;</span></span>\n<span class=\"giallo-l\" style=\"background-color: #2B3036;\"><span aria-hidden=\"true\" class=\"giallo-ln\" style=\"color: #444D56;\">12</span><span style=\"color: #F97583;\">let</span><span> d</span><span style=\"color: #F97583;\"> =</span><span style=\"color: #79B8FF;\"> 4</span><span>;</span></span>\n<span class=\"giallo-l\"><span aria-hidden=\"true\" class=\"giallo-ln\" style=\"color: #444D56;\">13</span><span style=\"color: #F97583;\">let</span><span> e</span><span style=\"color: #F97583;\"> =</span><span style=\"color: #79B8FF;\"> 5</span><span>;</span></span></code></pre>"
        );
    }

    #[test]
    fn unknown_languages_none_indented_blocks_and_aliases_are_plain() {
        let body = "```nosuchlang\nx < y\n```\n\n```\nnone\n```\n\n    indented\n\n```txt\nalias\n```\n\n```,name=n\nempty\n```\n";
        let rendered =
            crate::render::testing::render_with(body, &single("github-dark"), &crate::NoTemplates);
        assert_eq!(
            rendered.html,
            "<pre class=\"giallo\" style=\"color: #E1E4E8; background-color: #24292E;\"><code data-lang=\"plain\"><span class=\"giallo-l\"><span>x &lt; y</span></span></code></pre><pre class=\"giallo\" style=\"color: #E1E4E8; background-color: #24292E;\"><code data-lang=\"plain\"><span class=\"giallo-l\"><span>none</span></span></code></pre><pre class=\"giallo\" style=\"color: #E1E4E8; background-color: #24292E;\"><code data-lang=\"plain\"><span class=\"giallo-l\"><span>indented</span></span></code></pre><pre class=\"giallo\" style=\"color: #E1E4E8; background-color: #24292E;\"><code data-lang=\"plain\"><span class=\"giallo-l\"><span>alias</span></span></code></pre><pre class=\"giallo\" style=\"color: #E1E4E8; background-color: #24292E;\"><code data-lang=\"plain\" data-name=\"n\"><span class=\"giallo-l\"><span>empty</span></span></code></pre>"
        );
        // Zola logs a warning for each language it does not know (here also the empty one).
        let warned: Vec<(u32, Option<u32>, &str)> =
            rendered.warnings.iter().map(|w| (w.line, w.column, w.message.as_str())).collect();
        assert_eq!(
            warned,
            [
                (
                    1,
                    Some(1),
                    "language `nosuchlang` not found for syntax highlighting: the code block is written as plain text"
                ),
                (
                    15,
                    Some(1),
                    "language `` not found for syntax highlighting: the code block is written as plain text"
                ),
            ]
        );
    }

    #[test]
    fn error_on_missing_language_makes_it_an_error_at_the_block() {
        let mut options = single("nord");
        options.highlighting.as_mut().unwrap().error_on_missing_language = true;
        let request = cell_proto::RenderMarkdown {
            path: "a.md".into(),
            source: "+++\n+++\nText.\n\n  ```nosuchlang\n  x\n  ```\n".into(),
            permalink: String::new(),
            options,
        };
        let error = crate::render(&request, &crate::NoTemplates).unwrap_err();
        assert_eq!(
            error,
            crate::MarkdownError::MissingLanguage {
                language: "nosuchlang".into(),
                line: 5,
                column: 3
            }
        );
        assert!(
            error.to_string().starts_with("line 5: language `nosuchlang` not found"),
            "{error}"
        );
    }

    #[test]
    fn a_block_in_a_tight_list_runs_into_its_text_as_in_zola() {
        assert_eq!(
            html_with("- item\n  ```rust\n  x\n  ```\n- two\n", &single("github-dark")),
            "<ul>\n<li>item<pre class=\"giallo\" style=\"color: #E1E4E8; background-color: #24292E;\"><code data-lang=\"rust\"><span class=\"giallo-l\"><span>x</span></span></code></pre></li>\n<li>two</li>\n</ul>\n"
        );
    }

    #[test]
    fn a_light_and_a_dark_theme_are_written_with_light_dark() {
        let options = highlighting(
            HighlightTheme::Dual { light: "github-light".into(), dark: "github-dark".into() },
            HighlightStyle::Inline,
        );
        assert_eq!(
            html_with("```rust,linenos,hl_lines=2\nlet a = 1;\nlet b = 2;\n```\n", &options),
            "<pre class=\"giallo\" style=\"color-scheme: light dark; color: light-dark(#24292E, #E1E4E8); background-color: light-dark(#FFFFFF, #24292E);\"><code data-lang=\"rust\"><span class=\"giallo-l\"><span aria-hidden=\"true\" class=\"giallo-ln\" style=\"color: light-dark(#1B1F234D, #444D56);\">1</span><span style=\"color: light-dark(#D73A49, #F97583);\">let</span><span> a</span><span style=\"color: light-dark(#D73A49, #F97583);\"> =</span><span style=\"color: light-dark(#005CC5, #79B8FF);\"> 1</span><span>;</span></span>\n<span class=\"giallo-l\" style=\"background-color: light-dark(#F6F8FA, #2B3036);\"><span aria-hidden=\"true\" class=\"giallo-ln\" style=\"color: light-dark(#1B1F234D, #444D56);\">2</span><span style=\"color: light-dark(#D73A49, #F97583);\">let</span><span> b</span><span style=\"color: light-dark(#D73A49, #F97583);\"> =</span><span style=\"color: light-dark(#005CC5, #79B8FF);\"> 2</span><span>;</span></span></code></pre>"
        );
    }

    #[test]
    fn the_class_style_writes_z_classes_and_the_themes_css() {
        let options = highlighting(HighlightTheme::Single("nord".into()), HighlightStyle::Class);
        assert_eq!(
            html_with("```rust,linenos,hl_lines=2\nlet a = 1;\nlet b = 2;\n```\n", &options),
            "<pre class=\"giallo z-code\"><code data-lang=\"rust\"><span class=\"giallo-l\"><span aria-hidden=\"true\" class=\"giallo-ln\">1</span><span class=\"z-storage\">let</span><span class=\"z-variable z-other\"> a</span><span class=\"z-keyword z-operator\"> =</span><span class=\"z-constant z-numeric\"> 1</span><span class=\"z-punctuation\">;</span></span>\n<span class=\"giallo-l z-hl\"><span aria-hidden=\"true\" class=\"giallo-ln\">2</span><span class=\"z-storage\">let</span><span class=\"z-variable z-other\"> b</span><span class=\"z-keyword z-operator\"> =</span><span class=\"z-constant z-numeric\"> 2</span><span class=\"z-punctuation\">;</span></span></code></pre>"
        );
        // Zola 0.22.1's `giallo.css` for `nord`, as it writes it.
        assert_eq!(theme_css("Nord").unwrap(), include_str!("../tests/zola/nord-giallo.css"));
        assert_eq!(theme_css("nope").unwrap_err(), "there is no highlighting theme `nope`");
    }

    #[test]
    fn emoji_and_highlighting_together_leave_code_alone() {
        let mut options = single("github-dark");
        options.render_emoji = true;
        let body = "Hi :smile: and :+1: but not :no_such_emoji: or a:b:c.\n\n`:smile:` *:cat:*\n\n```\n:smile:\n```\n\n<b>:cat:</b>\n";
        assert_eq!(
            html_with(body, &options),
            "<p>Hi 😄 and 👍 but not :no_such_emoji: or a🅱️c.</p>\n<p><code>:smile:</code> <em>🐱</em></p>\n<pre class=\"giallo\" style=\"color: #E1E4E8; background-color: #24292E;\"><code data-lang=\"plain\"><span class=\"giallo-l\"><span>:smile:</span></span></code></pre>\n<p><b>🐱</b></p>\n"
        );
    }
}
