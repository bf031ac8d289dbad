//! The site's configuration: `config.toml` (Zola's name) or `dodeca.toml`, with Zola's keys.
//!
//! Every key of Zola's (0.22) config is read and checked: a key of the wrong type is an error
//! at its value's line and column, a key Zola does not know either is an error at the key
//! (with the likely key when it is a typo), as in Zola. Keys whose behaviour is not built yet
//! (Sass, the search index, several languages, extra highlighting grammars …) are
//! kept, typed, and each one that asks for something is a warning naming it: the site still
//! builds. Templates see the config as Zola's do (`config.title`, `config.extra.*`,
//! `config.taxonomies`, …: see `wire.rs`).
//!
//! - `parse.rs`: the top-level keys; `sections.rs`: `[markdown]`, `[link_checker]`,
//!   `[slugify]`, `[search]`, `taxonomies`, `languages`; `reader.rs`: typed reads placed at
//!   their key or value; `wire.rs`: the config as templates see it; `theme.rs`: the
//!   theme's `[extra]` merged into the site's.

mod languages;
mod parse;
mod reader;
mod sections;
#[cfg(test)]
mod tests;
mod theme;
mod wire;

use std::path::Path;

use cell_proto::WireValue;
use facet::Facet;

use crate::db::{Database, Query};
use crate::error::query_error;
use crate::{HostError, SiteError};

pub(crate) use parse::parse;
pub(crate) use reader::did_you_mean;
pub use theme::ThemeText;
pub(crate) use wire::{CONFIG_MODE, write_taxonomy};

/// The names a site's config file may have, Zola's first.
pub const CONFIG_NAMES: [&str; 2] = ["config.toml", "dodeca.toml"];

/// The config file of the site at `root`: `config.toml` or `dodeca.toml`.
///
/// # Errors
///
/// [`HostError::NotASite`] when it has neither, [`HostError::TwoConfigs`] when it has both.
pub(crate) fn find(root: &Path) -> Result<&'static str, HostError> {
    let present: Vec<&'static str> =
        CONFIG_NAMES.into_iter().filter(|name| root.join(name).is_file()).collect();
    match present.as_slice() {
        [name] => Ok(name),
        [] => Err(HostError::NotASite(root.to_path_buf())),
        _ => Err(HostError::TwoConfigs(root.to_path_buf())),
    }
}

/// The config file's name and text: the input the `config` query reads.
#[derive(Facet, Clone, Debug, PartialEq, Default)]
pub struct ConfigText {
    /// `config.toml` or `dodeca.toml`.
    pub file: String,
    /// Its text.
    pub text: String,
}

/// The site's configuration, checked.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct SiteConfig {
    /// `base_url` without its trailing slash (`https://example.com`), the start of every
    /// generated URL; empty for `"/"`, which makes URLs start at the site's root without a
    /// host (`/blog/post/`): a site served from any address, `dodeca-host serve`'s included.
    pub base_url: String,
    /// `base_url` as written (what templates see as `config.base_url`, as in Zola).
    pub base_url_as_written: String,
    /// `title`.
    pub title: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `default_language` (default `en`).
    pub default_language: String,
    /// `author`: the default author of pages (for feeds).
    pub author: Option<String>,
    /// `output_dir`, relative to the site (default `public`); it must lie inside the site
    /// (`-o` on the command line may name a directory elsewhere).
    pub output_dir: Option<String>,
    /// `follow_outside_symlinks` (dodeca's): whether a symbolic link in the site's source
    /// directories may point outside the site (default `false`: such a link is an error, so
    /// that a site from elsewhere cannot publish the builder's own files).
    pub follow_outside_symlinks: bool,
    /// `preserve_dotfiles_in_output`: the host never removes a file it did not write, so
    /// dotfiles put in the output directory stay whatever this says.
    pub preserve_dotfiles_in_output: bool,
    /// `taxonomies`.
    pub taxonomies: Vec<TaxonomyConfig>,
    /// `taxonomy_root`: the directory taxonomies' pages go in (`/<root>/tags/`).
    pub taxonomy_root: Option<String>,
    /// `generate_feeds`: the site's feeds (`feeds.rs`).
    pub generate_feeds: bool,
    /// `feed_filenames` (default `["atom.xml"]`).
    pub feed_filenames: Vec<String>,
    /// `feed_limit`.
    pub feed_limit: Option<u64>,
    /// `theme`: the name of a directory under `themes/` (checked to be one plain name); its
    /// `[extra]` is merged into `extra` by the `config` query, its templates and static
    /// files are the site's where it has none of the same path (`site/theme.rs`).
    pub theme: Option<String>,
    /// `compile_sass`: the site's `sass/` compiled to CSS (`sass.rs`).
    pub compile_sass: bool,
    /// `minify_html`: every HTML file written is minified as Zola minifies it (`minify.rs`).
    pub minify_html: bool,
    /// `build_search_index`: the default language's search index is written (`search/`).
    pub build_search_index: bool,
    /// `hard_link_static` (static files are copied).
    pub hard_link_static: bool,
    /// `ignored_content`: globs (checked); content files they match are not the site's
    /// (`scan/ignored.rs`).
    pub ignored_content: Vec<String>,
    /// `ignored_static`: globs (checked); static files they match are not copied.
    pub ignored_static: Vec<String>,
    /// `generate_sitemap` (default `true`: `sitemap.xml`, `site_files.rs`).
    pub generate_sitemap: bool,
    /// `generate_robots_txt` (default `true`: `robots.txt`).
    pub generate_robots_txt: bool,
    /// `exclude_paginated_pages_in_sitemap`: `none` or `all`.
    pub exclude_paginated_pages_in_sitemap: String,
    /// `[markdown]`.
    pub markdown: MarkdownConfig,
    /// `[link_checker]`.
    pub link_checker: LinkCheckerConfig,
    /// `[slugify]`.
    pub slugify: SlugifyConfig,
    /// `[search]`.
    pub search: SearchConfig,
    /// Every language of the site: the default one first (its options are the top-level
    /// keys, with `[languages.<default>]`'s where those are not given), then the others of
    /// `[languages]` by code.
    pub languages: Vec<LanguageConfig>,
    /// `[extra]`: anything, for templates.
    pub extra: WireValue,
    /// Keys read but not acted on, and keys ignored, each as `file:line:column: message`.
    pub warnings: Vec<String>,
    /// The config as templates see it (`config`) in each language, encoded once: `views[i]`
    /// is what a template in `languages[i]` sees.
    pub(crate) views: Vec<WireValue>,
}

/// One language of the site: `[languages.<code>]`, or the top-level keys for the default one.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct LanguageConfig {
    /// Its code (`fr`), a Unicode language identifier: the directory its pages are in
    /// (`/fr/`) and the suffix of its content files (`post.fr.md`).
    pub code: String,
    /// `title`: the site's title in this language (none unless given; no fallback, as Zola).
    pub title: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `generate_feeds`: this language's site feeds (`/fr/atom.xml`).
    pub generate_feeds: bool,
    /// `feed_filenames` (default `["atom.xml"]`).
    pub feed_filenames: Vec<String>,
    /// `taxonomies`: this language's own (`/fr/tags/`).
    pub taxonomies: Vec<TaxonomyConfig>,
    /// `build_search_index`: this language's index (`search_index.fr.js`).
    pub build_search_index: bool,
    /// `[search]`: what this language's index holds.
    pub search: SearchConfig,
    /// `translations`: what `trans(key=…, lang=…)` gives, sorted by key.
    pub translations: Vec<Translation>,
}

/// One entry of a language's `translations`.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct Translation {
    /// The key `trans` is called with.
    pub key: String,
    /// Its text in the language.
    pub text: String,
}

impl LanguageConfig {
    /// The text of `key` in this language, if it has one.
    pub fn translate(&self, key: &str) -> Option<&str> {
        let at = self.translations.binary_search_by(|t| t.key.as_str().cmp(key)).ok()?;
        Some(&self.translations[at].text)
    }

    /// Whether `name` is one of this language's taxonomies.
    pub fn has_taxonomy(&self, name: &str) -> bool {
        self.taxonomies.iter().any(|taxonomy| taxonomy.name == name)
    }
}

/// One entry of `taxonomies`.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct TaxonomyConfig {
    /// Its name, as pages' front matter names it (`tags`).
    pub name: String,
    /// Its name slugified (by `[slugify] taxonomies`): its URL's segment.
    pub slug: String,
    /// Terms' pages list this many pages per page.
    pub paginate_by: Option<u64>,
    /// The path of a term's further pages (default `page`).
    pub paginate_path: Option<String>,
    /// Whether its pages are rendered (default `true`).
    pub render: bool,
    /// Whether each term has a feed.
    pub feed: bool,
}

/// `[markdown]`: the markdown cell's options (`content.rs`, `markdown_options`).
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct MarkdownConfig {
    /// `[markdown.highlighting]`, if present.
    pub highlighting: Option<HighlightingConfig>,
    /// `render_emoji`.
    pub render_emoji: bool,
    /// `external_links_class`.
    pub external_links_class: Option<String>,
    /// `external_links_target_blank`.
    pub external_links_target_blank: bool,
    /// `external_links_no_follow`.
    pub external_links_no_follow: bool,
    /// `external_links_no_referrer`.
    pub external_links_no_referrer: bool,
    /// `external_links_external` (default `true`).
    pub external_links_external: bool,
    /// `smart_punctuation`.
    pub smart_punctuation: bool,
    /// `definition_list`.
    pub definition_list: bool,
    /// `bottom_footnotes`.
    pub bottom_footnotes: bool,
    /// `lazy_async_image`.
    pub lazy_async_image: bool,
    /// `insert_anchor_links`: `none`, `left`, `right` or `heading`.
    pub insert_anchor_links: String,
    /// `github_alerts`.
    pub github_alerts: bool,
}

/// `[markdown.highlighting]` (Zola 0.22's, highlighted by giallo in the markdown cell).
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct HighlightingConfig {
    /// What the markdown cell acts on: the theme (or light and dark themes, each one of
    /// [`cell_proto::BUILTIN_THEMES`]), `style`, `error_on_missing_language`.
    pub options: cell_proto::Highlighting,
    /// `extra_grammars`: grammar files (not acted on yet: a warning).
    pub extra_grammars: Vec<String>,
    /// `extra_themes`: theme files (not acted on yet: a warning).
    pub extra_themes: Vec<String>,
}

/// `[link_checker]` (internal links and their anchors are checked by every build; external
/// ones are not, as in a Zola build).
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct LinkCheckerConfig {
    /// `skip_prefixes`.
    pub skip_prefixes: Vec<String>,
    /// `skip_anchor_prefixes`.
    pub skip_anchor_prefixes: Vec<String>,
    /// `internal_level`: `error` or `warn`.
    pub internal_level: String,
    /// `external_level`: `error` or `warn`.
    pub external_level: String,
    /// `ignored_files`: globs.
    pub ignored_files: Vec<String>,
}

/// How a kind of name is made into a slug.
#[derive(Facet, Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum SlugStrategy {
    /// Lower case ASCII letters and digits, runs of anything else one `-` (Zola's default).
    On,
    /// Only the characters unsafe in file names removed.
    Safe,
    /// As written.
    Off,
}

/// `[slugify]`.
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct SlugifyConfig {
    /// `paths`: pages' and sections' slugs.
    pub paths: SlugStrategy,
    /// `paths_keep_dates`: keep a file name's date prefix in its slug.
    pub paths_keep_dates: bool,
    /// `taxonomies`: taxonomies' and terms' slugs.
    pub taxonomies: SlugStrategy,
    /// `anchors`: headings' ids, as the markdown cell makes them.
    pub anchors: SlugStrategy,
}

/// `[search]`: what the search index holds and its format (`search/`).
#[derive(Facet, Clone, Debug, PartialEq)]
pub struct SearchConfig {
    /// `include_title` (default `true`).
    pub include_title: bool,
    /// `include_content` (default `true`).
    pub include_content: bool,
    /// `truncate_content_length`.
    pub truncate_content_length: Option<u64>,
    /// `include_description`.
    pub include_description: bool,
    /// `include_date`.
    pub include_date: bool,
    /// `include_path`.
    pub include_path: bool,
    /// `index_format` (default `elasticlunr_javascript`).
    pub index_format: String,
}

impl SiteConfig {
    /// The config as templates see it (`config.title`, `config.extra.*`, …). Sent as a shared
    /// value: every render carries the same bytes, and the template cell builds its values
    /// once (building them for every page was a sixth of the cell's time on a site of
    /// 10,000 pages).
    pub(crate) fn write_wire(&self, w: &mut cell_proto::WireWriter) {
        w.shared(&self.views[0]);
    }

    /// The config as a template in the language `code` sees it (Zola's: the title,
    /// description, feeds, taxonomies and search index of that language; `languages` without
    /// it). An unknown code gets the default language's.
    pub(crate) fn write_wire_in(&self, code: &str, w: &mut cell_proto::WireWriter) {
        let at = self.languages.iter().position(|l| l.code == code).unwrap_or(0);
        w.shared(&self.views[at]);
    }

    /// The language `code`, if the site has it.
    pub fn language(&self, code: &str) -> Option<&LanguageConfig> {
        self.languages.iter().find(|language| language.code == code)
    }

    /// The default language.
    pub fn default_language_config(&self) -> &LanguageConfig {
        &self.languages[0]
    }

    /// Whether the site has more than one language (only then do content files' names carry
    /// a language, as in Zola).
    pub fn is_multilingual(&self) -> bool {
        self.languages.len() > 1
    }
}

/// `base_url` as the config keeps it for URLs: without a trailing slash, and empty for `/`.
pub(crate) fn normalize_base_url(url: &str) -> String {
    url.trim_end_matches('/').to_string()
}

/// The config file's own, parsed and checked, without a server's `base_url` (nor its
/// theme's `[extra]`).
pub(crate) fn own_config(db: &Database) -> Option<SiteConfig> {
    let source = db.config_text.get(db, &()).ok().flatten()?;
    let file = if source.file.is_empty() { CONFIG_NAMES[1] } else { source.file.as_str() };
    parse(file, &source.text).ok()
}

/// The query `config`: the config file parsed and checked, its theme's `[extra]` merged in
/// (which reads the input `theme` of that name only), with the `base_url` a server builds
/// with in place of its own (`Site::set_base_url`).
pub(crate) fn config_query(db: &Database, _: ()) -> Query<'_, std::sync::Arc<SiteConfig>> {
    Box::pin(async move {
        let source = db.config_text.get(db, &())?.unwrap_or_default();
        let file = if source.file.is_empty() { CONFIG_NAMES[1] } else { source.file.as_str() };
        let mut config = parse(file, &source.text).map_err(query_error)?;
        if let Some(name) = config.theme.clone() {
            let theme = db.theme.get(db, &name)?;
            theme::merge(&mut config, file, &source.text, &name, theme.as_ref())
                .map_err(query_error)?;
        }
        if let Some(base_url) = db.base_url_override.get(db, &())?.flatten() {
            config.base_url = normalize_base_url(&base_url);
            config.base_url_as_written = base_url;
            // What templates see as `config` is made when the file is parsed: made again
            // with the server's `base_url`, as Zola's `serve` shows it.
            config.views = wire::views(&config);
        }
        Ok(std::sync::Arc::new(config))
    })
}

/// A `SiteError` about the config as a whole.
pub(crate) fn config_error(file: &str, message: impl Into<String>) -> SiteError {
    SiteError::in_file(file, message)
}
