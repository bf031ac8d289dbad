//! The config's top-level keys: Zola's list, each typed, checked and (when not acted on yet
//! and asking for something) warned about.

use cell_proto::WireValue;

use super::reader::Reader;
use super::sections;
use super::{SiteConfig, config_error};
use crate::SiteError;
use crate::toml::Value;

/// Zola's top-level keys (0.22), and dodeca's own two.
pub(super) const KEYS: &[&str] = &[
    "base_url",
    "theme",
    "title",
    "description",
    "default_language",
    "languages",
    "translations",
    "generate_feeds",
    "feed_limit",
    "feed_filenames",
    "hard_link_static",
    "taxonomies",
    "taxonomy_root",
    "author",
    "compile_sass",
    "minify_html",
    "build_search_index",
    "ignored_content",
    "ignored_static",
    "mode",
    "output_dir",
    "preserve_dotfiles_in_output",
    "link_checker",
    "slugify",
    "search",
    "markdown",
    "extra",
    "generate_sitemap",
    "generate_robots_txt",
    "exclude_paginated_pages_in_sitemap",
    // dodeca's
    "follow_outside_symlinks",
];

/// Parses and checks the config file `file` (its name, for messages) whose text is `text`.
pub(crate) fn parse(file: &str, text: &str) -> Result<SiteConfig, SiteError> {
    let root = crate::toml::parse(text).map_err(|error| {
        SiteError::in_file(file, error.message()).at(text, error.line(), Some(error.column()))
    })?;
    let mut reader = Reader::new(file, text);
    let mut config = SiteConfig::default();
    let mut base_url = None;
    let mut written_languages = Vec::new();
    let mut translations = Vec::new();
    // The default language's keys given at the top level (`[languages.<default>]` may give
    // only the others).
    let mut given: Vec<(&'static str, usize)> = Vec::new();
    for entry in root.entries() {
        let item = &entry.item;
        let key = entry.key.as_str();
        if let Some(language_key) = LANGUAGE_KEYS.iter().find(|k| **k == key) {
            given.push((language_key, item.span.start));
        }
        let r = &mut reader;
        match key {
            "base_url" => base_url = Some((r.string(item, key)?, item.span.start)),
            "title" => config.title = Some(r.string(item, key)?),
            "description" => config.description = Some(r.string(item, key)?),
            "default_language" => {
                config.default_language = r.string(item, key)?;
                if let Some(problem) = crate::languages::code_problem(&config.default_language) {
                    let code = &config.default_language;
                    return Err(r.error(
                        item.span.start,
                        format!("`default_language`: `{code}` {problem}"),
                    ));
                }
            }
            "author" => config.author = Some(r.string(item, key)?),
            "output_dir" => config.output_dir = Some(r.string(item, key)?),
            "follow_outside_symlinks" => config.follow_outside_symlinks = r.boolean(item, key)?,
            "preserve_dotfiles_in_output" => {
                config.preserve_dotfiles_in_output = r.boolean(item, key)?;
            }
            "extra" => {
                r.table(item, key)?;
                config.extra = item.value.to_template_value().to_wire();
            }
            "taxonomies" => {
                config.taxonomies = sections::taxonomies(r, item, &config.slugify)?;
            }
            "taxonomy_root" => {
                config.taxonomy_root = Some(r.string(item, key)?);
            }
            "generate_feeds" => config.generate_feeds = r.boolean(item, key)?,
            "feed_filenames" => config.feed_filenames = r.strings(item, key)?,
            "feed_limit" => config.feed_limit = Some(r.count(item, key)?),
            "theme" => {
                let name = r.string(item, key)?;
                // `themes/<name>/` is read: it must lie in `themes/`.
                if !super::theme::is_plain_name(&name) {
                    return Err(r.error(
                        item.span.start,
                        format!(
                            "`theme` must be the name of a directory in `themes/`, not `{name}`"
                        ),
                    ));
                }
                config.theme = Some(name);
            }
            "compile_sass" => config.compile_sass = r.boolean(item, key)?,
            "minify_html" => config.minify_html = r.boolean(item, key)?,
            "build_search_index" => config.build_search_index = r.boolean(item, key)?,
            "hard_link_static" => {
                config.hard_link_static = r.boolean(item, key)?;
                if config.hard_link_static {
                    r.warn(entry.key_span.start, not_yet(key, "static files are copied"));
                }
            }
            "ignored_content" | "ignored_static" => {
                let globs = r.strings(item, key)?;
                // Checked here, as Zola checks them when it reads its config; applied by the
                // scan (`scan/ignored.rs`).
                if let Value::Array(array) = &item.value {
                    for (glob, element) in globs.iter().zip(&array.items) {
                        if let Err(error) = crate::glob::Glob::new(glob) {
                            return Err(r.error(
                                element.span.start,
                                format!("`{key}` has a glob that is not one: `{glob}`: {error}"),
                            ));
                        }
                    }
                }
                if key == "ignored_content" {
                    config.ignored_content = globs;
                } else {
                    config.ignored_static = globs;
                }
            }
            "generate_sitemap" | "generate_robots_txt" => {
                let generate = r.boolean(item, key)?;
                if key == "generate_sitemap" {
                    config.generate_sitemap = generate;
                } else {
                    config.generate_robots_txt = generate;
                }
            }
            "exclude_paginated_pages_in_sitemap" => {
                config.exclude_paginated_pages_in_sitemap =
                    r.choice(item, key, &["none", "all"])?;
            }
            "mode" => {
                r.choice(item, key, &["build", "serve", "check"])?;
                r.warn(entry.key_span.start, "`mode` is set by the command run; ignored");
            }
            "languages" => written_languages = sections::languages(r, item)?,
            "translations" => {
                translations = sections::translations(r, item, key)?;
                given.push(("translations", item.span.start));
            }
            "markdown" => config.markdown = sections::markdown(r, item)?,
            "link_checker" => config.link_checker = sections::link_checker(r, item)?,
            "search" => config.search = sections::search(r, item)?,
            "slugify" => {
                config.slugify = sections::slugify(r, item)?;
                // Taxonomies read before `[slugify]` (the document's order) take its rule.
                for taxonomy in &mut config.taxonomies {
                    taxonomy.slug = crate::slug::slugify(&taxonomy.name, config.slugify.taxonomies);
                }
            }
            _ => return Err(reader.unknown(entry, None, KEYS)),
        }
    }
    match base_url {
        Some((url, _)) if !url.is_empty() => {
            config.base_url = super::normalize_base_url(&url);
            config.base_url_as_written = url;
        }
        Some((_, at)) => return Err(reader.error(at, base_url_required())),
        None => return Err(config_error(file, base_url_required())),
    }
    super::languages::settle(&mut config, &reader, written_languages, translations, &given)?;
    config.warnings = reader.warnings;
    config.views = super::wire::views(&config);
    Ok(config)
}

/// The keys of a language's options: at the top level, the default language's; in
/// `[languages.<code>]`, another's.
pub(super) const LANGUAGE_KEYS: &[&str] = &[
    "title",
    "description",
    "generate_feeds",
    "feed_filenames",
    "taxonomies",
    "build_search_index",
    "search",
    "translations",
];

fn base_url_required() -> String {
    "`base_url` is required (`base_url = \"https://example.com\"`, or `\"/\"` for URLs \
     without a host)"
        .into()
}

/// A warning for `key`, read but not acted on.
fn not_yet(key: &str, why: &str) -> String {
    format!("`{key}` is not acted on yet: {why}; ignored")
}

impl Default for SiteConfig {
    /// Zola's defaults (with an empty `base_url`, which a config file must give).
    fn default() -> SiteConfig {
        let empty_map = cell_proto::Value::Map(Vec::new()).to_wire();
        SiteConfig {
            base_url: String::new(),
            base_url_as_written: String::new(),
            title: None,
            description: None,
            default_language: "en".into(),
            author: None,
            output_dir: None,
            follow_outside_symlinks: false,
            preserve_dotfiles_in_output: false,
            taxonomies: Vec::new(),
            taxonomy_root: None,
            generate_feeds: false,
            feed_filenames: vec!["atom.xml".into()],
            feed_limit: None,
            theme: None,
            compile_sass: false,
            minify_html: false,
            build_search_index: false,
            hard_link_static: false,
            ignored_content: Vec::new(),
            ignored_static: Vec::new(),
            generate_sitemap: true,
            generate_robots_txt: true,
            exclude_paginated_pages_in_sitemap: "none".into(),
            markdown: sections::default_markdown(),
            link_checker: sections::default_link_checker(),
            slugify: sections::default_slugify(),
            search: sections::default_search(),
            languages: vec![sections::default_language("en")],
            extra: empty_map,
            warnings: Vec::new(),
            views: vec![WireValue::encode(&cell_proto::Value::Null)],
        }
    }
}
