//! The config as templates see it: Zola's `SerializedConfig`, key for key.

use cell_proto::{WireValue, WireWriter};

use super::{LanguageConfig, SiteConfig};

/// The host function that answers `config.mode` (a deferred value).
pub(crate) const CONFIG_MODE: &str = "__config_mode";

/// `config` in a template of each language (`views[i]` for `config.languages[i]`): see
/// [`view`].
pub(super) fn views(config: &SiteConfig) -> Vec<WireValue> {
    config.languages.iter().map(|language| view(config, language)).collect()
}

/// `config` in a template in `language`: `base_url` (as written), `mode`, `title`, `description`,
/// `languages`, `default_language`, `generate_feed` and `generate_feeds`, `feed_filenames`,
/// `taxonomies`, `author`, `build_search_index`, `extra`, `markdown`, `search` (its
/// `index_format`), `generate_sitemap`, `generate_robots_txt`,
/// `exclude_paginated_pages_in_sitemap`. A date in `extra` is its text (`"2024-01-05"`;
/// Zola shows a TOML date there as an object, which no template can print). As in Zola, the
/// title, description, feeds, taxonomies and search index are `language`'s, and `languages`
/// holds the site's other languages' options.
fn view(config: &SiteConfig, language: &LanguageConfig) -> WireValue {
    let mut w = WireWriter::with_capacity(512 + config.extra.as_bytes().len());
    w.map(18);
    w.key("base_url");
    w.str(&config.base_url_as_written);
    // `"build"`, or `"serve"` while `dodeca-host serve` builds (themes test it to leave
    // out analytics or add development aids): deferred, so that only a render that reads it
    // depends on the command that built it, and a `build` after a `serve` renders nothing
    // else again.
    w.key("mode");
    w.deferred(CONFIG_MODE, &[]);
    w.key("title");
    w.opt_str(language.title.as_deref());
    w.key("description");
    w.opt_str(language.description.as_deref());
    w.key("languages");
    let others: Vec<&LanguageConfig> =
        config.languages.iter().filter(|other| other.code != language.code).collect();
    w.map(others.len());
    for other in others {
        w.key(&other.code);
        language_options(&mut w, other);
    }
    w.key("default_language");
    w.str(&config.default_language);
    w.key("generate_feed");
    w.bool(language.generate_feeds);
    w.key("generate_feeds");
    w.bool(language.generate_feeds);
    w.key("feed_filenames");
    strings(&mut w, &language.feed_filenames);
    w.key("taxonomies");
    taxonomies(&mut w, &language.taxonomies);
    w.key("author");
    w.opt_str(config.author.as_deref());
    w.key("build_search_index");
    w.bool(language.build_search_index);
    w.key("extra");
    w.encoded(&config.extra);
    w.key("markdown");
    markdown(&mut w, config);
    w.key("search");
    w.map(1);
    w.key("index_format");
    w.str(&config.search.index_format);
    w.key("generate_sitemap");
    w.bool(config.generate_sitemap);
    w.key("generate_robots_txt");
    w.bool(config.generate_robots_txt);
    w.key("exclude_paginated_pages_in_sitemap");
    w.str(&config.exclude_paginated_pages_in_sitemap);
    w.finish()
}

fn taxonomies(w: &mut WireWriter, taxonomies: &[super::TaxonomyConfig]) {
    w.list(taxonomies.len());
    for taxonomy in taxonomies {
        write_taxonomy(w, taxonomy);
    }
}

/// A taxonomy's config as templates see it: in `config.taxonomies`, and as `taxonomy` (and
/// `get_taxonomy(...).kind`) on its own pages and feeds.
pub(crate) fn write_taxonomy(w: &mut WireWriter, taxonomy: &super::TaxonomyConfig) {
    w.map(6);
    w.key("name");
    w.str(&taxonomy.name);
    w.key("slug");
    w.str(&taxonomy.slug);
    w.key("paginate_by");
    opt_count(w, taxonomy.paginate_by);
    w.key("paginate_path");
    w.opt_str(taxonomy.paginate_path.as_deref());
    w.key("render");
    w.bool(taxonomy.render);
    w.key("feed");
    w.bool(taxonomy.feed);
}

/// A language's options as `config.languages.<code>` shows them (Zola's `LanguageOptions`).
fn language_options(w: &mut WireWriter, language: &LanguageConfig) {
    w.map(8);
    w.key("title");
    w.opt_str(language.title.as_deref());
    w.key("description");
    w.opt_str(language.description.as_deref());
    w.key("generate_feeds");
    w.bool(language.generate_feeds);
    w.key("feed_filenames");
    strings(w, &language.feed_filenames);
    w.key("taxonomies");
    taxonomies(w, &language.taxonomies);
    w.key("build_search_index");
    w.bool(language.build_search_index);
    w.key("search");
    let search = &language.search;
    w.map(7);
    for (key, value) in [
        ("include_title", search.include_title),
        ("include_content", search.include_content),
        ("include_description", search.include_description),
        ("include_date", search.include_date),
        ("include_path", search.include_path),
    ] {
        w.key(key);
        w.bool(value);
    }
    w.key("truncate_content_length");
    opt_count(w, search.truncate_content_length);
    w.key("index_format");
    w.str(&search.index_format);
    w.key("translations");
    w.map(language.translations.len());
    for translation in &language.translations {
        w.key(&translation.key);
        w.str(&translation.text);
    }
}

fn markdown(w: &mut WireWriter, config: &SiteConfig) {
    let markdown = &config.markdown;
    w.map(13);
    w.key("highlighting");
    match &markdown.highlighting {
        Some(highlighting) => write_highlighting(w, highlighting),
        None => w.null(),
    }
    w.key("render_emoji");
    w.bool(markdown.render_emoji);
    w.key("external_links_class");
    w.opt_str(markdown.external_links_class.as_deref());
    for (key, value) in [
        ("external_links_target_blank", markdown.external_links_target_blank),
        ("external_links_no_follow", markdown.external_links_no_follow),
        ("external_links_no_referrer", markdown.external_links_no_referrer),
        ("external_links_external", markdown.external_links_external),
        ("smart_punctuation", markdown.smart_punctuation),
        ("definition_list", markdown.definition_list),
        ("bottom_footnotes", markdown.bottom_footnotes),
        ("lazy_async_image", markdown.lazy_async_image),
    ] {
        w.key(key);
        w.bool(value);
    }
    w.key("insert_anchor_links");
    w.str(&markdown.insert_anchor_links);
    w.key("github_alerts");
    w.bool(markdown.github_alerts);
}

/// `[markdown.highlighting]` as Zola's templates see it: its fields in Zola's order, the
/// theme's keys as written (`theme`, or `light_theme` and `dark_theme`), defaults filled in.
fn write_highlighting(w: &mut WireWriter, highlighting: &super::HighlightingConfig) {
    use cell_proto::{HighlightStyle, HighlightTheme};
    let options = &highlighting.options;
    let themes = match &options.theme {
        HighlightTheme::Single(theme) => vec![("theme", theme)],
        HighlightTheme::Dual { light, dark } => vec![("light_theme", light), ("dark_theme", dark)],
    };
    w.map(4 + themes.len());
    w.key("error_on_missing_language");
    w.bool(options.error_on_missing_language);
    w.key("style");
    w.str(match options.style {
        HighlightStyle::Inline => "inline",
        HighlightStyle::Class => "class",
    });
    for (key, theme) in themes {
        w.key(key);
        w.str(theme);
    }
    w.key("extra_grammars");
    strings(w, &highlighting.extra_grammars);
    w.key("extra_themes");
    strings(w, &highlighting.extra_themes);
}

fn strings(w: &mut WireWriter, strings: &[String]) {
    w.list(strings.len());
    for s in strings {
        w.str(s);
    }
}

fn opt_count(w: &mut WireWriter, count: Option<u64>) {
    match count {
        Some(n) => w.int(i64::try_from(n).unwrap_or(i64::MAX)),
        None => w.null(),
    }
}
