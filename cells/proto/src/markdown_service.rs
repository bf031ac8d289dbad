//! The markdown cell's service, and the host's service it calls back while it renders a page.
//!
//! A page goes to the cell as a [`RenderMarkdown`]: its text, its permalink and the site's
//! [`MarkdownOptions`] (Zola's `[markdown]` and `[slugify]` settings, whose `Default` is
//! Zola's). What the cell cannot do alone it asks the host through [`markdown_host`], inside
//! the render's call (so each read is a dependency of the page): a shortcode's template
//! (`templates/shortcodes/NAME.html` or `.md`), and a site's own `anchor-link.html` or
//! `summary-cutoff.html`. A page without shortcodes, on a site that does not override those two
//! templates, makes no callback.

use facet::Facet;

use crate::WireValue;
use crate::wire::WireWriter;

/// Markdown to render.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct RenderMarkdown {
    /// Where it comes from (for error messages), relative to `content/`.
    pub path: String,
    /// The whole file, front matter included.
    pub source: String,
    /// The page's permalink (`https://example.org/blog/post/`), against which the cell writes
    /// links to co-located files (`diagram.png`) and to the page's own anchors (`#part`), and
    /// the `permalink` of each heading in the table of contents; "" leaves such links as
    /// written.
    pub permalink: String,
    /// How to render it.
    pub options: MarkdownOptions,
}

/// How the markdown cell renders: Zola's `[markdown]` settings (and `[slugify] anchors`).
/// `Default` is Zola's default for each.
#[derive(Facet, Clone, Debug, PartialEq, Eq)]
pub struct MarkdownOptions {
    /// `smart_punctuation`: `"quotes"`, `--`, `...` become `“quotes”`, `–`, `…`.
    pub smart_punctuation: bool,
    /// `definition_list`: `Term` then `: definition` lines become a `<dl>`.
    pub definition_list: bool,
    /// `github_alerts`: `> [!NOTE]` quotes become `<blockquote class="markdown-alert-note">`.
    pub github_alerts: bool,
    /// `bottom_footnotes`: footnotes gathered at the end in a `<section class="footnotes">`,
    /// with links back to each reference; otherwise each stays where it is defined.
    pub bottom_footnotes: bool,
    /// `lazy_async_image`: images get `loading="lazy" decoding="async"`.
    pub lazy_async_image: bool,
    /// `external_links_target_blank`: external links open in a new tab (`target="_blank"`,
    /// and `rel="noopener"`).
    pub external_links_target_blank: bool,
    /// `external_links_no_follow`: `rel="nofollow"` on external links.
    pub external_links_no_follow: bool,
    /// `external_links_no_referrer`: `rel="noreferrer"` on external links.
    pub external_links_no_referrer: bool,
    /// `external_links_external`: `rel="external"` on external links (on by default).
    pub external_links_external: bool,
    /// `external_links_class`: a class for external links.
    pub external_links_class: Option<String>,
    /// `insert_anchor_links`: where a heading gets a link to itself. Zola sets it per section
    /// (the page's section, else `[markdown]`): the host passes the one that applies.
    pub insert_anchor_links: AnchorLinks,
    /// `[slugify] anchors`: how heading text becomes an id.
    pub slugify_anchors: Slugify,
    /// The site has its own `templates/anchor-link.html`: the cell asks the host to render it
    /// (`markdown_host::anchor_link`) instead of writing Zola's built-in one.
    pub custom_anchor_link: bool,
    /// The site has its own `templates/summary-cutoff.html`: the cell asks the host to render
    /// it (`markdown_host::summary_cutoff`) instead of writing Zola's `&hellip;`.
    pub custom_summary_cutoff: bool,
    /// `[markdown.highlighting]`: code blocks highlighted (Zola 0.22's giallo); `None`, they
    /// are written escaped with their language as `data-lang`.
    pub highlighting: Option<Highlighting>,
    /// `render_emoji`: `:smile:` in text (not in code) becomes 😄 (GitHub's names).
    pub render_emoji: bool,
}

impl Default for MarkdownOptions {
    fn default() -> MarkdownOptions {
        MarkdownOptions {
            smart_punctuation: false,
            definition_list: false,
            github_alerts: false,
            bottom_footnotes: false,
            lazy_async_image: false,
            external_links_target_blank: false,
            external_links_no_follow: false,
            external_links_no_referrer: false,
            external_links_external: true,
            external_links_class: None,
            insert_anchor_links: AnchorLinks::None,
            slugify_anchors: Slugify::On,
            custom_anchor_link: false,
            custom_summary_cutoff: false,
            highlighting: None,
            render_emoji: false,
        }
    }
}

/// Zola 0.22's `[markdown.highlighting]`, as the markdown cell acts on it.
#[derive(Facet, Clone, Debug, PartialEq, Eq)]
pub struct Highlighting {
    /// `theme`, or `light_theme` and `dark_theme`: one of [`BUILTIN_THEMES`] each.
    pub theme: HighlightTheme,
    /// `style`: colours as inline styles (Zola's default), or as classes whose colours are
    /// in the CSS files of [`Highlighting::css_files`].
    pub style: HighlightStyle,
    /// `error_on_missing_language`: a code block in a language giallo does not know is an
    /// error of its page; otherwise it is written as plain text, and its page gets a warning.
    pub error_on_missing_language: bool,
}

/// The theme(s) code is coloured with.
#[derive(Facet, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum HighlightTheme {
    /// `theme = "NAME"`.
    Single(String),
    /// `light_theme` and `dark_theme`: both, chosen by the reader's colour scheme (CSS
    /// `light-dark()`, or one file each with `style = "class"`).
    Dual {
        /// `light_theme`.
        light: String,
        /// `dark_theme`.
        dark: String,
    },
}

/// How colours are written (`[markdown.highlighting] style`).
#[derive(Facet, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum HighlightStyle {
    /// `style="color: …"` on each token (Zola's default).
    #[default]
    Inline,
    /// `class="z-keyword …"`, coloured by a CSS file the host writes.
    Class,
}

impl Highlighting {
    /// The CSS files Zola writes for this highlighting, each with the theme it colours:
    /// none for inline styles; `giallo.css` for one theme, `giallo-light.css` and
    /// `giallo-dark.css` for two (the markdown service's `theme_css` makes their text).
    ///
    /// # Examples
    ///
    /// ```
    /// use cell_proto::{HighlightStyle, HighlightTheme, Highlighting};
    /// let mut highlighting = Highlighting {
    ///     theme: HighlightTheme::Single("nord".into()),
    ///     style: HighlightStyle::Inline,
    ///     error_on_missing_language: false,
    /// };
    /// assert!(highlighting.css_files().is_empty());
    /// highlighting.style = HighlightStyle::Class;
    /// assert_eq!(highlighting.css_files(), [("giallo.css", "nord")]);
    /// ```
    pub fn css_files(&self) -> Vec<(&'static str, &str)> {
        match (&self.theme, self.style) {
            (_, HighlightStyle::Inline) => Vec::new(),
            (HighlightTheme::Single(theme), HighlightStyle::Class) => {
                vec![("giallo.css", theme.as_str())]
            }
            (HighlightTheme::Dual { light, dark }, HighlightStyle::Class) => {
                vec![("giallo-light.css", light.as_str()), ("giallo-dark.css", dark.as_str())]
            }
        }
    }
}

/// The names of CSS files [`Highlighting::css_files`] may name: the host writes them as
/// outputs (unless the site has a static file of that name, as Zola leaves one alone).
pub const HIGHLIGHT_CSS_FILES: [&str; 3] = ["giallo.css", "giallo-light.css", "giallo-dark.css"];

/// The themes giallo 0.2.2 (Zola 0.22's highlighter) has built in, by name: what
/// `[markdown.highlighting]` may name, matched without regard to case. The host checks the
/// config against it without linking giallo; the markdown cell's tests check it against
/// giallo's own registry.
pub const BUILTIN_THEMES: [&str; 60] = [
    "andromeeda",
    "aurora-x",
    "ayu-dark",
    "catppuccin-frappe",
    "catppuccin-latte",
    "catppuccin-macchiato",
    "catppuccin-mocha",
    "dark-plus",
    "dracula",
    "dracula-soft",
    "everforest-dark",
    "everforest-light",
    "github-dark",
    "github-dark-default",
    "github-dark-dimmed",
    "github-dark-high-contrast",
    "github-light",
    "github-light-default",
    "github-light-high-contrast",
    "gruvbox-dark-hard",
    "gruvbox-dark-medium",
    "gruvbox-dark-soft",
    "gruvbox-light-hard",
    "gruvbox-light-medium",
    "gruvbox-light-soft",
    "houston",
    "kanagawa-dragon",
    "kanagawa-lotus",
    "kanagawa-wave",
    "laserwave",
    "light-plus",
    "material-theme",
    "material-theme-darker",
    "material-theme-lighter",
    "material-theme-ocean",
    "material-theme-palenight",
    "min-dark",
    "min-light",
    "monokai",
    "night-owl",
    "nord",
    "one-dark-pro",
    "one-light",
    "plastic",
    "poimandres",
    "red",
    "rose-pine",
    "rose-pine-dawn",
    "rose-pine-moon",
    "slack-dark",
    "slack-ochin",
    "snazzy-light",
    "solarized-dark",
    "solarized-light",
    "synthwave-84",
    "tokyo-night",
    "vesper",
    "vitesse-black",
    "vitesse-dark",
    "vitesse-light",
];

/// Where a heading's link to itself goes (Zola's `insert_anchor_links`).
#[derive(Facet, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum AnchorLinks {
    /// No link (Zola's default).
    #[default]
    None,
    /// Before the heading's text.
    Left,
    /// After it.
    Right,
    /// The heading's text is the link.
    Heading,
}

/// How text becomes an id or a path (Zola's `[slugify]` strategies).
#[derive(Facet, Clone, Copy, Debug, PartialEq, Eq, Default)]
#[repr(u8)]
pub enum Slugify {
    /// Transliterated to ASCII, lower case, every other run of characters one `-` (Zola's
    /// default).
    #[default]
    On,
    /// As written, but for white space (`_`) and characters no file name may hold. For
    /// anchors the same as `Off`.
    Safe,
    /// As written, but for white space (`_`).
    Off,
}

/// A heading of a rendered page, for tables of contents.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct Heading {
    /// 1 to 6.
    pub level: u8,
    /// The heading's text, as Zola gives it: its text and code, without markup or inline
    /// HTML, not trimmed.
    pub title: String,
    /// The anchor id given to it.
    pub id: String,
}

/// Which syntax a page's front matter used.
#[derive(Facet, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum FrontMatterFormat {
    /// `+++` delimited TOML.
    Toml,
    /// `---` delimited YAML.
    Yaml,
}

/// Rendered markdown.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct RenderedMarkdown {
    /// The body as HTML.
    pub html: String,
    /// The headings, in order (see [`write_toc`] for Zola's nested table of contents).
    pub headings: Vec<Heading>,
    /// The front matter's text (without delimiters), if there is any.
    pub front_matter: Option<String>,
    /// Its syntax.
    pub front_matter_format: Option<FrontMatterFormat>,
    /// The 1-based line at which the body starts in the file (for error positions).
    pub body_line: u32,
    /// What comes before `<!-- more -->` (Zola's `page.summary`), if the page has the marker:
    /// its HTML with footnote references removed, and, when the marker cut an element short,
    /// the summary cutoff (`&hellip;`) and the tags that close what it left open.
    pub summary: Option<String>,
    /// Zola's `word_count`: the words of the body as written, code fences left out.
    pub word_count: u32,
    /// Zola's `reading_time`: minutes at 200 words a minute, rounded up.
    pub reading_time: u32,
    /// What Zola warns of and still renders (a code block in a language the highlighter
    /// does not know), each placed in the file.
    pub warnings: Vec<PageProblem>,
}

/// What the markdown cell says of a page.
#[derive(Facet, Clone, Debug, PartialEq)]
#[repr(u8)]
pub enum MarkdownReply {
    /// The page, rendered.
    Rendered(RenderedMarkdown),
    /// The page's text cannot be rendered (its front matter never closes, ...): a problem of
    /// the site, placed in the file, sent as data so the host reads no message text.
    Problem(PageProblem),
}

/// A problem in a page's text, and where it is.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct PageProblem {
    /// What is wrong, and what to do about it.
    pub message: String,
    /// The 1-based line of the file.
    pub line: u32,
    /// The 1-based column, if known.
    pub column: Option<u32>,
}

rpc::service! {
    /// The markdown cell: renders pages, asking the host ([`markdown_host`]) only for the
    /// templates a page uses.
    pub mod markdown: "Markdown" {
        /// Renders a page: front matter split off, body to HTML, headings collected; or says
        /// what is wrong with its text, and where.
        fn render(request: RenderMarkdown) -> MarkdownReply;
        /// The CSS of a built-in highlighting theme for `style = "class"` (classes prefixed
        /// `z-`), as Zola writes it to `giallo.css`; an unknown theme is an error.
        fn theme_css(theme: String) -> String;
    }
}

/// A shortcode the markdown cell found in a page (`{{ name(arg=1) }}`, or
/// `{% name(arg=1) %}body{% end %}`), for the host to render with its template.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct ShortcodeCall {
    /// The shortcode's name: its template is `templates/shortcodes/NAME.html` or `.md`.
    pub name: String,
    /// Its arguments, in order (strings, integers, floats, booleans, lists of them).
    pub arguments: Vec<(String, WireValue)>,
    /// The text between the opening tag and `{% end %}`, trimmed, shortcodes in it rendered.
    pub body: Option<String>,
    /// Zola's `nth`: 1 for the page's first call of this shortcode, 2 for the next, ...
    pub nth: u32,
}

/// A rendered shortcode.
#[derive(Facet, Clone, Debug, PartialEq)]
#[repr(u8)]
pub enum ShortcodeOutput {
    /// From a `.md` template: markdown, which the cell renders with the page.
    Markdown(String),
    /// From a `.html` template: HTML, which the cell puts in the page as it is.
    Html(String),
    /// The site has no template for this shortcode.
    Unknown,
}

/// A heading whose link to itself the site's own `anchor-link.html` renders.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct AnchorLinkCall {
    /// The heading's id.
    pub id: String,
    /// Its level, 1 to 6.
    pub level: u8,
}

rpc::facet_payload!(ShortcodeCall, ShortcodeOutput, AnchorLinkCall);

rpc::service! {
    /// Served by the host while it waits for [`markdown::render`]: the templates a page's
    /// markdown needs. Each call is made inside the render's call, so what the host reads to
    /// answer it (the template, what the template reads) is a dependency of the page.
    pub mod markdown_host: "MarkdownHost" {
        /// Renders a shortcode with its template (`templates/shortcodes/NAME.md` or `.html`),
        /// whose context is the call's arguments, `nth`, `body` (if it has one) and what the
        /// host adds (`config`, ...).
        fn shortcode(call: ShortcodeCall) -> ShortcodeOutput;
        /// Renders the site's `anchor-link.html` for a heading (context `id`, `level`, and
        /// `lang`).
        fn anchor_link(call: AnchorLinkCall) -> String;
        /// Renders the site's `summary-cutoff.html` after a summary cut inside an element
        /// (context `summary`, the summary's HTML so far, and `lang`).
        fn summary_cutoff(summary: String) -> String;
    }
}

/// Writes the table of contents of a page whose headings are `headings` as Zola's
/// `page.toc`: a list of maps with `level`, `id`, `permalink` (`permalink#id`), `title` and
/// `children`, each heading a child of the nearest heading before it of a lower level.
///
/// # Examples
///
/// ```
/// use cell_proto::{Heading, Value, WireWriter, write_toc};
/// let heading = |level, id: &str| Heading { level, title: id.to_uppercase(), id: id.into() };
/// let mut w = WireWriter::with_capacity(256);
/// write_toc(&mut w, &[heading(1, "a"), heading(3, "b"), heading(2, "c")], "https://x.org/p/");
/// let toc = w.finish().to_value()?;
/// let Value::List(top) = &toc else { panic!() };
/// assert_eq!(top.len(), 1);
/// assert_eq!(top[0].get("permalink"), Some(&Value::from("https://x.org/p/#a")));
/// let Some(Value::List(children)) = top[0].get("children") else { panic!() };
/// let ids: Vec<_> = children.iter().map(|c| c.get("id").cloned()).collect();
/// assert_eq!(ids, [Some(Value::from("b")), Some(Value::from("c"))]);
/// # Ok::<(), String>(())
/// ```
pub fn write_toc(w: &mut WireWriter, headings: &[Heading], permalink: &str) {
    // Each heading's children, and the top level, in order.
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); headings.len()];
    let mut top = Vec::new();
    for (i, parent) in toc_parents(headings).into_iter().enumerate() {
        match parent {
            Some(parent) => children[parent].push(i),
            None => top.push(i),
        }
    }
    write_toc_list(w, headings, &children, &top, permalink);
}

/// Each heading's parent in the table of contents: the last heading before it, still open,
/// of a lower level.
fn toc_parents(headings: &[Heading]) -> Vec<Option<usize>> {
    let mut open: Vec<usize> = Vec::with_capacity(6);
    let mut parents = Vec::with_capacity(headings.len());
    for (i, heading) in headings.iter().enumerate() {
        while open.last().is_some_and(|&j| headings[j].level >= heading.level) {
            open.pop();
        }
        parents.push(open.last().copied());
        open.push(i);
    }
    parents
}

fn write_toc_list(
    w: &mut WireWriter,
    headings: &[Heading],
    children: &[Vec<usize>],
    list: &[usize],
    permalink: &str,
) {
    w.list(list.len());
    for &i in list {
        let heading = &headings[i];
        w.map(5);
        w.key("level");
        w.int(i64::from(heading.level));
        w.key("id");
        w.str(&heading.id);
        w.key("permalink");
        w.str(&format!("{permalink}#{}", heading.id));
        w.key("title");
        w.str(&heading.title);
        w.key("children");
        // Levels grow from parent to child: six deep for real headings, and never more than
        // 256 for levels a peer made up.
        write_toc_list(w, headings, children, &children[i], permalink);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Value;

    fn heading(level: u8, id: &str) -> Heading {
        Heading { level, title: id.to_string(), id: id.to_string() }
    }

    /// `(id, children)` of each entry, recursively.
    fn shape(toc: &Value) -> Vec<(String, Vec<String>)> {
        let Value::List(items) = toc else { panic!("{toc:?}") };
        items
            .iter()
            .map(|item| {
                let Some(Value::String(id)) = item.get("id") else { panic!() };
                let children = shape(item.get("children").unwrap());
                let children = children.into_iter().map(|(id, _)| id).collect();
                (id.clone(), children)
            })
            .collect()
    }

    #[test]
    fn the_toc_nests_each_heading_under_the_last_lower_one_as_zola_does() {
        // Zola 0.22.1: `### three`, `## two`, `# one`, `## two-b`, `#### four`, `### three-b`.
        let headings = [
            heading(3, "three"),
            heading(2, "two"),
            heading(1, "one"),
            heading(2, "two-b"),
            heading(4, "four"),
            heading(3, "three-b"),
            heading(1, "a"),
        ];
        let mut w = WireWriter::with_capacity(64);
        write_toc(&mut w, &headings, "https://x.org/p/");
        let toc = w.finish().to_value().unwrap();
        let top: Vec<String> = shape(&toc).into_iter().map(|(id, _)| id).collect();
        assert_eq!(top, ["three", "two", "one", "a"]);
        let Value::List(items) = &toc else { panic!() };
        let one = shape(items[2].get("children").unwrap());
        assert_eq!(one, [("two-b".to_string(), vec!["four".to_string(), "three-b".to_string()])]);
        assert_eq!(items[0].get("permalink"), Some(&Value::from("https://x.org/p/#three")));
        assert_eq!(items[0].get("level"), Some(&Value::Int(3)));
    }

    #[test]
    fn options_default_to_zolas_defaults() {
        let options = MarkdownOptions::default();
        assert!(!options.smart_punctuation && !options.bottom_footnotes);
        assert!(options.external_links_external);
        assert_eq!(options.insert_anchor_links, AnchorLinks::None);
        assert_eq!(options.slugify_anchors, Slugify::On);
    }
}
