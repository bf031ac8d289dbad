//! The config's tables: `taxonomies`, `languages`, `[markdown]`, `[link_checker]`,
//! `[slugify]` and `[search]`. Unknown keys follow Zola: an error in `[markdown]` and in a
//! language (Zola refuses them there), a warning elsewhere (Zola ignores them).

use super::reader::Reader;
use super::{
    HighlightingConfig, LanguageConfig, LinkCheckerConfig, MarkdownConfig, SearchConfig,
    SlugStrategy, SlugifyConfig, TaxonomyConfig, Translation,
};
use crate::SiteError;
use crate::toml::{Item, Value};

/// `taxonomies = [{ name = "tags", feed = true, paginate_by = 5 }, …]`.
pub(super) fn taxonomies(
    r: &mut Reader<'_>,
    item: &Item,
    slugify: &SlugifyConfig,
) -> Result<Vec<TaxonomyConfig>, SiteError> {
    const KEYS: &[&str] = &["name", "slug", "paginate_by", "paginate_path", "render", "feed"];
    let Value::Array(array) = &item.value else {
        return Err(r.wrong_type(
            item,
            "taxonomies",
            "an array of tables (`[{ name = \"tags\" }]`)",
        ));
    };
    let mut taxonomies: Vec<TaxonomyConfig> = Vec::with_capacity(array.items.len());
    for element in &array.items {
        let Value::Table(table) = &element.value else {
            return Err(r.wrong_element(element, "taxonomies", "a table"));
        };
        let mut taxonomy = TaxonomyConfig {
            name: String::new(),
            slug: String::new(),
            paginate_by: None,
            paginate_path: None,
            render: true,
            feed: false,
        };
        for entry in table.entries() {
            let (item, name) = (&entry.item, format!("taxonomies.{}", entry.key));
            match entry.key.as_str() {
                "name" => taxonomy.name = r.string(item, &name)?,
                // Zola reads it and then makes it from the name.
                "slug" => drop(r.string(item, &name)?),
                "paginate_by" => taxonomy.paginate_by = Some(r.count(item, &name)?),
                "paginate_path" => taxonomy.paginate_path = Some(r.string(item, &name)?),
                "render" => taxonomy.render = r.boolean(item, &name)?,
                "feed" => taxonomy.feed = r.boolean(item, &name)?,
                _ => r.warn_unknown(entry, "taxonomies", KEYS),
            }
        }
        if taxonomy.name.is_empty() {
            return Err(
                r.error(element.span.start, "a taxonomy needs a `name` (`{ name = \"tags\" }`)")
            );
        }
        if let Some(first) = taxonomies.iter().find(|t| t.name == taxonomy.name) {
            return Err(r.error(
                element.span.start,
                format!("the taxonomy `{}` is defined twice", first.name),
            ));
        }
        taxonomy.slug = crate::slug::slugify(&taxonomy.name, slugify.taxonomies);
        taxonomies.push(taxonomy);
    }
    Ok(taxonomies)
}

/// One `[languages.<code>]` table as written, with the keys it gave (the default language's
/// may only give what the top level does not).
pub(super) struct WrittenLanguage {
    /// Its options.
    pub(super) language: LanguageConfig,
    /// The keys it gave, each with where its value starts.
    pub(super) given: Vec<(&'static str, usize)>,
}

/// `languages`: a table of languages' options, each checked as Zola checks them (an unknown
/// key is an error, a code must be a Unicode language identifier).
pub(super) fn languages(
    r: &mut Reader<'_>,
    item: &Item,
) -> Result<Vec<WrittenLanguage>, SiteError> {
    let mut written = Vec::new();
    for language in r.table(item, "languages")?.entries() {
        let code = &language.key;
        if let Some(problem) = crate::languages::code_problem(code) {
            return Err(r.error(
                language.key_span.start,
                format!("`languages.{code}`: `{code}` {problem}"),
            ));
        }
        let table_name = format!("languages.{code}");
        let mut options = default_language(code);
        let mut given = Vec::new();
        for entry in r.table(&language.item, &table_name)?.entries() {
            let (item, name) = (&entry.item, format!("{table_name}.{}", entry.key));
            let key = match super::parse::LANGUAGE_KEYS.iter().find(|k| **k == entry.key) {
                Some(key) => *key,
                None => {
                    return Err(r.unknown(entry, Some(&table_name), super::parse::LANGUAGE_KEYS));
                }
            };
            given.push((key, item.span.start));
            match key {
                "title" => options.title = Some(r.string(item, &name)?),
                "description" => options.description = Some(r.string(item, &name)?),
                "generate_feeds" => options.generate_feeds = r.boolean(item, &name)?,
                "build_search_index" => options.build_search_index = r.boolean(item, &name)?,
                "feed_filenames" => options.feed_filenames = r.strings(item, &name)?,
                // Slugs are made once `[slugify]` is known (`parse.rs`).
                "taxonomies" => options.taxonomies = taxonomies(r, item, &default_slugify())?,
                "search" => options.search = search(r, item)?,
                _ => options.translations = translations(r, item, &name)?,
            }
        }
        written.push(WrittenLanguage { language: options, given });
    }
    Ok(written)
}

/// A language's options when it gives none: Zola's defaults.
pub(super) fn default_language(code: &str) -> LanguageConfig {
    LanguageConfig {
        code: code.to_string(),
        title: None,
        description: None,
        generate_feeds: false,
        feed_filenames: vec!["atom.xml".into()],
        taxonomies: Vec::new(),
        build_search_index: false,
        search: default_search(),
        translations: Vec::new(),
    }
}

/// `translations` (top level or a language's): a table of strings, sorted by key.
pub(super) fn translations(
    r: &Reader<'_>,
    item: &Item,
    name: &str,
) -> Result<Vec<Translation>, SiteError> {
    let mut translations = Vec::new();
    for entry in r.table(item, name)?.entries() {
        let text = r.string(&entry.item, &format!("{name}.{}", entry.key))?;
        translations.push(Translation { key: entry.key.clone(), text });
    }
    translations.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(translations)
}

/// `[markdown]`.
pub(super) fn markdown(r: &mut Reader<'_>, item: &Item) -> Result<MarkdownConfig, SiteError> {
    const KEYS: &[&str] = &[
        "highlighting",
        "render_emoji",
        "external_links_class",
        "external_links_target_blank",
        "external_links_no_follow",
        "external_links_no_referrer",
        "external_links_external",
        "smart_punctuation",
        "definition_list",
        "bottom_footnotes",
        "lazy_async_image",
        "insert_anchor_links",
        "github_alerts",
    ];
    // Zola 0.21 and earlier: refused by 0.22, kept here with a warning so that such sites
    // still build.
    const OLD_KEYS: &[&str] =
        &["highlight_code", "highlight_theme", "highlight_themes_css", "extra_syntaxes_and_themes"];
    let mut markdown = default_markdown();
    for entry in r.table(item, "markdown")?.entries() {
        let (item, key) = (&entry.item, entry.key.as_str());
        let name = format!("markdown.{key}");
        // The markdown cell renders every key as Zola does (`content.rs`).
        match key {
            "highlighting" => {
                markdown.highlighting = Some(highlighting(r, item, entry.key_span.start)?);
            }
            "render_emoji" => markdown.render_emoji = r.boolean(item, &name)?,
            "external_links_class" => {
                let class = r.string(item, &name)?;
                if class.contains(['"', '\'']) {
                    return Err(r.error(item.span.start, format!("`{name}` cannot contain quotes")));
                }
                markdown.external_links_class = Some(class);
            }
            "external_links_target_blank" => {
                markdown.external_links_target_blank = r.boolean(item, &name)?
            }
            "external_links_no_follow" => {
                markdown.external_links_no_follow = r.boolean(item, &name)?
            }
            "external_links_no_referrer" => {
                markdown.external_links_no_referrer = r.boolean(item, &name)?
            }
            "external_links_external" => {
                markdown.external_links_external = r.boolean(item, &name)?
            }
            "smart_punctuation" => markdown.smart_punctuation = r.boolean(item, &name)?,
            "definition_list" => markdown.definition_list = r.boolean(item, &name)?,
            "bottom_footnotes" => markdown.bottom_footnotes = r.boolean(item, &name)?,
            "lazy_async_image" => markdown.lazy_async_image = r.boolean(item, &name)?,
            "insert_anchor_links" => {
                markdown.insert_anchor_links =
                    r.choice(item, &name, &["none", "left", "right", "heading"])?;
            }
            "github_alerts" => markdown.github_alerts = r.boolean(item, &name)?,
            _ if OLD_KEYS.contains(&key) => {
                r.warn(
                    entry.key_span.start,
                    format!(
                        "`{name}` is Zola 0.21's (0.22 refuses it: use `[markdown.highlighting]` \
                         instead); ignored"
                    ),
                );
            }
            _ => return Err(r.unknown(entry, Some("markdown"), KEYS)),
        }
    }
    Ok(markdown)
}

/// `[markdown.highlighting]` (Zola 0.22, giallo): `theme`, or `light_theme` and `dark_theme`
/// (one of giallo's built-in themes each, whatever their case), `style` (`inline` or
/// `class`), `error_on_missing_language`; `extra_grammars` and `extra_themes` are read and
/// not acted on yet. As in Zola, `theme` wins over the other two, and keys Zola does not know
/// are ignored (with a warning). `at`: where the table's key is, for a table with no theme.
fn highlighting(
    r: &mut Reader<'_>,
    item: &Item,
    at: usize,
) -> Result<HighlightingConfig, SiteError> {
    use cell_proto::{HighlightStyle, HighlightTheme, Highlighting};
    const KEYS: &[&str] = &[
        "theme",
        "light_theme",
        "dark_theme",
        "style",
        "error_on_missing_language",
        "extra_grammars",
        "extra_themes",
    ];
    let mut config = HighlightingConfig {
        options: Highlighting {
            theme: HighlightTheme::Single(String::new()),
            style: HighlightStyle::Inline,
            error_on_missing_language: false,
        },
        extra_grammars: Vec::new(),
        extra_themes: Vec::new(),
    };
    // Each theme named: its name, where its value is, and its key.
    let (mut theme, mut light, mut dark) = (None, None, None);
    for entry in r.table(item, "markdown.highlighting")?.entries() {
        let (item, key) = (&entry.item, entry.key.as_str());
        let name = format!("markdown.highlighting.{key}");
        match key {
            "theme" => theme = Some((r.string(item, &name)?, item.span.start, name)),
            "light_theme" => light = Some((r.string(item, &name)?, item.span.start, name)),
            "dark_theme" => dark = Some((r.string(item, &name)?, item.span.start, name)),
            "style" => {
                config.options.style = match r.choice(item, &name, &["inline", "class"])?.as_str() {
                    "class" => HighlightStyle::Class,
                    _ => HighlightStyle::Inline,
                }
            }
            "error_on_missing_language" => {
                config.options.error_on_missing_language = r.boolean(item, &name)?
            }
            "extra_grammars" | "extra_themes" => {
                let files = r.strings(item, &name)?;
                if !files.is_empty() {
                    r.warn(
                        entry.key_span.start,
                        format!(
                            "`{name}` is not acted on yet: only giallo's built-in grammars and \
                             themes are used; ignored"
                        ),
                    );
                }
                if key == "extra_grammars" {
                    config.extra_grammars = files;
                } else {
                    config.extra_themes = files;
                }
            }
            _ => r.warn_unknown(entry, "markdown.highlighting", KEYS),
        }
    }
    let extra_themes = !config.extra_themes.is_empty();
    let builtin = |r: &Reader<'_>, (theme, at, name): (String, usize, String)| {
        if cell_proto::BUILTIN_THEMES.iter().any(|known| known.eq_ignore_ascii_case(&theme)) {
            return Ok(theme);
        }
        let hint = super::did_you_mean(&theme.to_ascii_lowercase(), &cell_proto::BUILTIN_THEMES)
            .map(|known| format!(" (did you mean `{known}`?)"))
            .unwrap_or_default();
        let extra = if extra_themes { "; `extra_themes` are not loaded yet" } else { "" };
        Err(r.error(
            at,
            format!(
                "`{name}`: there is no theme `{theme}`{hint}: name one of giallo's built-in \
                 themes (`nord`, `github-dark`, `catppuccin-latte`, …, listed in Zola's \
                 documentation){extra}"
            ),
        ))
    };
    config.options.theme = match (theme, light, dark) {
        (Some(theme), ..) => HighlightTheme::Single(builtin(&*r, theme)?),
        (None, Some(light), Some(dark)) => {
            HighlightTheme::Dual { light: builtin(&*r, light)?, dark: builtin(&*r, dark)? }
        }
        (None, ..) => {
            return Err(r.error(
                at,
                "`[markdown.highlighting]` needs a `theme = \"NAME\"`, or both `light_theme` \
                 and `dark_theme`",
            ));
        }
    };
    Ok(config)
}

/// `[link_checker]`. `internal_level` decides whether a broken internal link or anchor fails
/// the build; the other keys configure the checking of external links, which Zola does in
/// `zola check` only, never in a build, and so neither does dodeca.
pub(super) fn link_checker(
    r: &mut Reader<'_>,
    item: &Item,
) -> Result<LinkCheckerConfig, SiteError> {
    const KEYS: &[&str] = &[
        "skip_prefixes",
        "skip_anchor_prefixes",
        "internal_level",
        "external_level",
        "ignored_files",
    ];
    let mut checker = default_link_checker();
    for entry in r.table(item, "link_checker")?.entries() {
        let (item, key) = (&entry.item, entry.key.as_str());
        let name = format!("link_checker.{key}");
        match key {
            "skip_prefixes" => checker.skip_prefixes = r.strings(item, &name)?,
            "skip_anchor_prefixes" => checker.skip_anchor_prefixes = r.strings(item, &name)?,
            "internal_level" => {
                checker.internal_level = r.choice(item, &name, &["error", "warn"])?
            }
            "external_level" => {
                checker.external_level = r.choice(item, &name, &["error", "warn"])?
            }
            "ignored_files" => checker.ignored_files = r.strings(item, &name)?,
            _ => {
                r.warn_unknown(entry, "link_checker", KEYS);
                continue;
            }
        }
    }
    Ok(checker)
}

/// `[slugify]`.
pub(super) fn slugify(r: &mut Reader<'_>, item: &Item) -> Result<SlugifyConfig, SiteError> {
    const KEYS: &[&str] = &["paths", "paths_keep_dates", "taxonomies", "anchors"];
    let mut slugify = default_slugify();
    for entry in r.table(item, "slugify")?.entries() {
        let (item, key) = (&entry.item, entry.key.as_str());
        let name = format!("slugify.{key}");
        let strategy = |r: &Reader<'_>| {
            r.choice(item, &name, &["on", "safe", "off"]).map(|choice| match choice.as_str() {
                "safe" => SlugStrategy::Safe,
                "off" => SlugStrategy::Off,
                _ => SlugStrategy::On,
            })
        };
        match key {
            "paths" => slugify.paths = strategy(r)?,
            "paths_keep_dates" => slugify.paths_keep_dates = r.boolean(item, &name)?,
            "taxonomies" => slugify.taxonomies = strategy(r)?,
            "anchors" => slugify.anchors = strategy(r)?,
            _ => r.warn_unknown(entry, "slugify", KEYS),
        }
    }
    Ok(slugify)
}

/// `[search]`.
pub(super) fn search(r: &mut Reader<'_>, item: &Item) -> Result<SearchConfig, SiteError> {
    const KEYS: &[&str] = &[
        "include_title",
        "include_content",
        "truncate_content_length",
        "include_description",
        "include_date",
        "include_path",
        "index_format",
    ];
    const FORMATS: &[&str] =
        &["elasticlunr_javascript", "elasticlunr_json", "fuse_javascript", "fuse_json"];
    let mut search = default_search();
    for entry in r.table(item, "search")?.entries() {
        let (item, key) = (&entry.item, entry.key.as_str());
        let name = format!("search.{key}");
        match key {
            "include_title" => search.include_title = r.boolean(item, &name)?,
            "include_content" => search.include_content = r.boolean(item, &name)?,
            "truncate_content_length" => {
                search.truncate_content_length = Some(r.count(item, &name)?)
            }
            "include_description" => search.include_description = r.boolean(item, &name)?,
            "include_date" => search.include_date = r.boolean(item, &name)?,
            "include_path" => search.include_path = r.boolean(item, &name)?,
            "index_format" => search.index_format = r.choice(item, &name, FORMATS)?,
            _ => r.warn_unknown(entry, "search", KEYS),
        }
    }
    Ok(search)
}

pub(super) fn default_markdown() -> MarkdownConfig {
    MarkdownConfig {
        highlighting: None,
        render_emoji: false,
        external_links_class: None,
        external_links_target_blank: false,
        external_links_no_follow: false,
        external_links_no_referrer: false,
        external_links_external: true,
        smart_punctuation: false,
        definition_list: false,
        bottom_footnotes: false,
        lazy_async_image: false,
        insert_anchor_links: "none".into(),
        github_alerts: false,
    }
}

pub(super) fn default_link_checker() -> LinkCheckerConfig {
    LinkCheckerConfig {
        skip_prefixes: Vec::new(),
        skip_anchor_prefixes: Vec::new(),
        internal_level: "error".into(),
        external_level: "error".into(),
        ignored_files: Vec::new(),
    }
}

pub(super) fn default_slugify() -> SlugifyConfig {
    SlugifyConfig {
        paths: SlugStrategy::On,
        paths_keep_dates: false,
        taxonomies: SlugStrategy::On,
        anchors: SlugStrategy::On,
    }
}

pub(super) fn default_search() -> SearchConfig {
    SearchConfig {
        include_title: true,
        include_content: true,
        truncate_content_length: None,
        include_description: false,
        include_date: false,
        include_path: false,
        index_format: "elasticlunr_javascript".into(),
    }
}
