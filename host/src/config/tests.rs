//! The config: every key read and typed, each wrong type and unknown key at its line and
//! column, warnings for what is read but not acted on, and the view templates get.

use cell_proto::Value;

use super::{SiteConfig, SlugStrategy, parse};
use crate::SiteError;

fn read(text: &str) -> Result<SiteConfig, SiteError> {
    parse("config.toml", text)
}

#[track_caller]
fn assert_error(text: &str, line: u32, column: u32, part: &str) {
    let error = read(text).expect_err("an error");
    assert_eq!(error.file.to_str(), Some("config.toml"));
    assert_eq!((error.line, error.column), (Some(line), Some(column)), "{error}");
    assert!(error.message.contains(part), "{error}");
}

/// The config's view as templates see it.
fn view(config: &SiteConfig) -> Value {
    config.views[0].to_value().unwrap()
}

#[test]
fn base_url_may_be_any_url_or_a_slash_and_is_required() {
    let config = read("base_url = \"https://x.org/\"\n").unwrap();
    assert_eq!(
        (config.base_url.as_str(), config.base_url_as_written.as_str()),
        ("https://x.org", "https://x.org/")
    );
    assert_eq!(read("base_url = \"/\"\n").unwrap().base_url, "");
    assert_eq!(read("base_url = \"https://x.org/blog\"\n").unwrap().base_url, "https://x.org/blog");
    let error = read("title = \"Site\"\n").unwrap_err();
    assert!(error.message.contains("`base_url` is required"), "{error}");
    assert_error("base_url = \"\"\n", 1, 12, "`base_url` is required");
    assert_error("base_url = 1\n", 1, 12, "`base_url` must be a string, not an integer");
}

#[test]
fn every_zola_key_is_read_and_typed() {
    let config = read(
        r#"
base_url = "https://example.com"
title = "T"
description = "D"
default_language = "fr"
author = "Ada"
output_dir = "out"
follow_outside_symlinks = true
preserve_dotfiles_in_output = true
generate_feeds = false
feed_filenames = ["atom.xml", "rss.xml"]
feed_limit = 20
compile_sass = false
minify_html = false
build_search_index = false
hard_link_static = false
ignored_content = []
ignored_static = []
generate_sitemap = false
generate_robots_txt = false
exclude_paginated_pages_in_sitemap = "all"
taxonomies = [{ name = "Tags Here", feed = true, paginate_by = 5 }, { name = "cats", render = false, paginate_path = "p" }]

[markdown]
external_links_external = true
insert_anchor_links = "none"

[link_checker]
skip_prefixes = ["http://localhost"]
external_level = "warn"

[slugify]
paths = "safe"
paths_keep_dates = true

[search]
include_date = true
index_format = "fuse_json"
truncate_content_length = 100

[extra]
when = 2024-01-05
list = [1, { a = "b" }]
"#,
    )
    .unwrap();
    assert_eq!((config.title.as_deref(), config.description.as_deref()), (Some("T"), Some("D")));
    assert_eq!((config.default_language.as_str(), config.author.as_deref()), ("fr", Some("Ada")));
    assert_eq!(config.output_dir.as_deref(), Some("out"));
    assert!(config.follow_outside_symlinks && config.preserve_dotfiles_in_output);
    assert_eq!(config.feed_filenames, ["atom.xml", "rss.xml"]);
    assert_eq!(config.feed_limit, Some(20));
    assert!(!config.generate_sitemap && !config.generate_robots_txt);
    assert_eq!(config.exclude_paginated_pages_in_sitemap, "all");
    let tags = &config.taxonomies[0];
    assert_eq!(
        (tags.name.as_str(), tags.slug.as_str(), tags.paginate_by, tags.feed, tags.render),
        ("Tags Here", "tags-here", Some(5), true, true)
    );
    assert_eq!(
        (config.taxonomies[1].render, config.taxonomies[1].paginate_path.as_deref()),
        (false, Some("p"))
    );
    assert_eq!(config.link_checker.skip_prefixes, ["http://localhost"]);
    assert_eq!(config.link_checker.external_level, "warn");
    assert_eq!((config.slugify.paths, config.slugify.paths_keep_dates), (SlugStrategy::Safe, true));
    assert_eq!(
        (config.search.index_format.as_str(), config.search.truncate_content_length),
        ("fuse_json", Some(100))
    );
    let extra = config.extra.to_value().unwrap();
    assert_eq!(extra.get("when"), Some(&Value::from("2024-01-05")));
    // Every key of this config is acted on (taxonomies are built): no warning.
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
}

#[test]
fn templates_see_the_config_as_zola_s_do() {
    let config = read(
        "base_url = \"https://x.org/\"\ntitle = \"Site\"\ngenerate_feeds = true\n\
         taxonomies = [{name = \"tags\"}]\n[extra]\nauthor = { name = \"Ada\" }\n",
    )
    .unwrap();
    let view = view(&config);
    assert_eq!(view.get("base_url"), Some(&Value::from("https://x.org/")));
    assert_eq!(view.get("title"), Some(&Value::from("Site")));
    assert_eq!(view.get("description"), Some(&Value::Null));
    assert_eq!(view.get("default_language"), Some(&Value::from("en")));
    assert_eq!(view.get("generate_feed"), Some(&Value::Bool(true)));
    // Deferred (the host answers it when a template reads it): null to anyone else.
    assert_eq!(view.get("mode"), Some(&Value::Null));
    let extra = view.get("extra").unwrap();
    assert_eq!(extra.get("author").and_then(|a| a.get("name")), Some(&Value::from("Ada")));
    let Some(Value::List(taxonomies)) = view.get("taxonomies") else { panic!("{view:?}") };
    assert_eq!(taxonomies[0].get("slug"), Some(&Value::from("tags")));
    assert_eq!(taxonomies[0].get("render"), Some(&Value::Bool(true)));
    let markdown = view.get("markdown").unwrap();
    assert_eq!(markdown.get("external_links_external"), Some(&Value::Bool(true)));
    assert_eq!(markdown.get("insert_anchor_links"), Some(&Value::from("none")));
    assert_eq!(
        view.get("search").and_then(|s| s.get("index_format")),
        Some(&Value::from("elasticlunr_javascript"))
    );
    let Value::Map(keys) = &view else { panic!() };
    let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "base_url",
            "mode",
            "title",
            "description",
            "languages",
            "default_language",
            "generate_feed",
            "generate_feeds",
            "feed_filenames",
            "taxonomies",
            "author",
            "build_search_index",
            "extra",
            "markdown",
            "search",
            "generate_sitemap",
            "generate_robots_txt",
            "exclude_paginated_pages_in_sitemap"
        ]
    );
}

#[test]
fn each_wrong_type_is_an_error_at_its_value() {
    let base = "base_url = \"/\"\n";
    for (key_value, column, part) in [
        ("title = 1", 9, "`title` must be a string, not an integer"),
        ("description = []", 15, "`description` must be a string, not an array"),
        ("default_language = \"\"", 20, "is not a language code"),
        ("generate_feeds = \"yes\"", 18, "`generate_feeds` must be true or false, not a string"),
        ("feed_filenames = \"atom.xml\"", 18, "`feed_filenames` must be an array of strings"),
        (
            "feed_filenames = [\"a\", 1]",
            24,
            "each of `feed_filenames` must be a string, not an integer",
        ),
        ("feed_limit = -1", 14, "`feed_limit` must not be negative (-1)"),
        ("feed_limit = 1.5", 14, "`feed_limit` must be a whole number, not a float"),
        ("compile_sass = 1", 16, "`compile_sass` must be true or false"),
        ("taxonomies = \"tags\"", 14, "`taxonomies` must be an array of tables"),
        ("taxonomies = [\"tags\"]", 15, "each of `taxonomies` must be a table, not a string"),
        ("taxonomies = [{ name = 1 }]", 24, "`taxonomies.name` must be a string"),
        ("taxonomies = [{ feed = true }]", 15, "a taxonomy needs a `name`"),
        (
            "taxonomies = [{ name = \"t\" }, { name = \"t\" }]",
            31,
            "the taxonomy `t` is defined twice",
        ),
        ("ignored_content = \"*.tmp\"", 19, "`ignored_content` must be an array of strings"),
        ("exclude_paginated_pages_in_sitemap = \"some\"", 38, "must be one of \"none\", \"all\""),
        ("extra = 5", 9, "`extra` must be a table, not an integer"),
        ("markdown = 5", 12, "`markdown` must be a table"),
        ("mode = \"fast\"", 8, "`mode` must be one of \"build\", \"serve\", \"check\""),
        ("output_dir = false", 14, "`output_dir` must be a string, not a boolean"),
        ("follow_outside_symlinks = \"no\"", 27, "must be true or false"),
        ("translations = { hello = 1 }", 26, "`translations.hello` must be a string"),
        ("languages = { fr = { title = 1 } }", 30, "`languages.fr.title` must be a string"),
    ] {
        assert_error(&format!("{base}{key_value}\n"), 2, column, part);
    }
    for (table, line, column, part) in [
        (
            "[markdown]\nrender_emoji = \"no\"\n",
            3,
            16,
            "`markdown.render_emoji` must be true or false",
        ),
        (
            "[markdown]\ninsert_anchor_links = \"top\"\n",
            3,
            23,
            "`markdown.insert_anchor_links` must be one of",
        ),
        ("[markdown]\nexternal_links_class = 'a\"b'\n", 3, 24, "cannot contain quotes"),
        ("[markdown.highlighting]\n", 2, 11, "`[markdown.highlighting]` needs a `theme"),
        (
            "[markdown.highlighting]\ntheme = 1\n",
            3,
            9,
            "`markdown.highlighting.theme` must be a string",
        ),
        (
            "[markdown.highlighting]\ntheme = \"nrod\"\n",
            3,
            9,
            "`markdown.highlighting.theme`: there is no theme `nrod` (did you mean `nord`?)",
        ),
        (
            "[markdown.highlighting]\nlight_theme = \"github-light\"\ndark_theme = \"dark\"\n",
            4,
            14,
            "`markdown.highlighting.dark_theme`: there is no theme `dark`",
        ),
        (
            "[markdown.highlighting]\nlight_theme = \"github-light\"\n",
            2,
            11,
            "or both `light_theme` and `dark_theme`",
        ),
        (
            "[markdown.highlighting]\ntheme = \"nord\"\nstyle = \"css\"\n",
            4,
            9,
            "`markdown.highlighting.style` must be one of \"inline\", \"class\"",
        ),
        (
            "[markdown.highlighting]\ntheme = \"nord\"\nerror_on_missing_language = 1\n",
            4,
            29,
            "`markdown.highlighting.error_on_missing_language` must be true or false",
        ),
        ("[markdown]\nhighlighting = { theme = \"x\" }\n", 3, 26, "there is no theme `x`"),
        ("[markdown.highlighting]\ntheme = \"Nord\"\n", 0, 0, ""),
        (
            "[link_checker]\ninternal_level = \"panic\"\n",
            3,
            18,
            "must be one of \"error\", \"warn\"",
        ),
        (
            "[slugify]\npaths = \"yes\"\n",
            3,
            9,
            "`slugify.paths` must be one of \"on\", \"safe\", \"off\"",
        ),
        ("[search]\ninclude_title = 1\n", 3, 17, "`search.include_title` must be true or false"),
        ("[search]\nindex_format = \"xml\"\n", 3, 16, "`search.index_format` must be one of"),
    ] {
        if part.is_empty() {
            assert!(read(&format!("{base}{table}")).is_ok(), "{table}");
            continue;
        }
        assert_error(&format!("{base}{table}"), line, column, part);
    }
}

#[test]
fn an_ignored_content_glob_that_is_not_one_is_an_error_at_it_as_in_zola() {
    assert_error(
        "base_url = \"/\"\nignored_content = [\"*.tmp\", \"*.{a,b\"]\n",
        2,
        29,
        "`ignored_content` has a glob that is not one: `*.{a,b`: unclosed alternate group",
    );
    assert_error(
        "base_url = \"/\"\nignored_static = [\"[z-a]\"]\n",
        2,
        19,
        "`ignored_static` has a glob that is not one: `[z-a]`: invalid range; 'z' > 'a'",
    );
    let config =
        read("base_url = \"/\"\nignored_content = [\"*.tmp\", \"**/drafts/**\"]\n").unwrap();
    assert_eq!(config.ignored_content, ["*.tmp", "**/drafts/**"]);
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
}

#[test]
fn an_unknown_key_is_an_error_at_the_key_as_in_zola() {
    assert_error("base_url = \"/\"\ntheme_color = 1\n", 2, 1, "unknown key `theme_color`");
    assert_error(
        "base_url = \"/\"\ntitel = \"x\"\n",
        2,
        1,
        "unknown key `titel` (did you mean `title`?); your own keys go under `[extra]`",
    );
    assert_error(
        "base_url = \"/\"\n[markdown]\nhighlight = true\n",
        3,
        1,
        "unknown key `highlight` in `[markdown]`",
    );
    assert_error(
        "base_url = \"/\"\n[languages.fr]\nname = \"x\"\n",
        3,
        1,
        "unknown key `name` in `[languages.fr]`",
    );
    // TOML errors are placed too.
    assert_error("base_url = \"/\"\ny = { z = \n", 2, 11, "expected a value");
    assert_error("base_url = \"/\"\ntitle = \"open\n", 2, 9, "a string that is never closed");
}

#[test]
fn keys_not_acted_on_yet_are_warnings_naming_them() {
    let config = read(
        "base_url = \"/\"\ntheme = \"dark\"\ncompile_sass = true\nminify_html = true\n\
         build_search_index = true\ngenerate_feeds = true\nhard_link_static = true\n\
         ignored_content = [\"*.tmp\"]\ngenerate_sitemap = true\ntaxonomy_root = \"blog\"\n\
         mode = \"build\"\n[markdown]\nsmart_punctuation = true\nhighlight_code = true\n\
         [link_checker]\nfoo = 1\ninternal_level = \"warn\"\n[slugify]\nanchors = \"off\"\n\
         [search]\nbar = 2\n[markdown.highlighting]\ntheme = \"nord\"\nextra_themes = [\"t.json\"]\n\
         foo = 1\n",
    )
    .unwrap();
    // Acted on, so not warned about: `theme`, `compile_sass`, `minify_html`,
    // `build_search_index`, `ignored_content`, `generate_sitemap`, `markdown.smart_punctuation`,
    // `slugify.anchors`, `link_checker.internal_level`, `markdown.highlighting`.
    let expected = [
        "config.toml:7:1: `hard_link_static`",
        "config.toml:11:1: `mode` is set by the command run",
        "config.toml:14:1: `markdown.highlight_code` is Zola 0.21's",
        // `[markdown]`'s keys in its order: its subtable, written last, is one of them.
        "config.toml:24:1: `markdown.highlighting.extra_themes` is not acted on yet",
        "config.toml:25:1: unknown key `foo` in `[markdown.highlighting]`",
        "config.toml:16:1: unknown key `foo` in `[link_checker]`",
        "config.toml:21:1: unknown key `bar` in `[search]`",
    ];
    assert_eq!(config.warnings.len(), expected.len(), "{:#?}", config.warnings);
    for (warning, start) in config.warnings.iter().zip(expected) {
        assert!(warning.starts_with(start), "{warning:?} does not start with {start:?}");
    }
    // A theme is a directory in `themes/`, never a path out of it.
    assert_error(
        "base_url = \"/\"\ntheme = \"../x\"\n",
        2,
        9,
        "`theme` must be the name of a directory",
    );
    // Keys that ask for nothing are not warned about.
    let quiet = read("base_url = \"/\"\ncompile_sass = false\ngenerate_sitemap = false\n[markdown]\nexternal_links_external = true\n").unwrap();
    assert!(quiet.warnings.is_empty(), "{:?}", quiet.warnings);
}

#[test]
fn highlighting_is_read_typed_and_templates_see_it_as_zolas() {
    use cell_proto::{HighlightStyle, HighlightTheme};
    let config = read(
        "base_url = \"/\"\n[markdown.highlighting]\nlight_theme = \"github-light\"\n\
         dark_theme = \"Github-Dark\"\nstyle = \"class\"\nerror_on_missing_language = true\n",
    )
    .unwrap();
    let highlighting = config.markdown.highlighting.as_ref().unwrap();
    assert_eq!(
        highlighting.options.theme,
        HighlightTheme::Dual { light: "github-light".into(), dark: "Github-Dark".into() }
    );
    assert_eq!(highlighting.options.style, HighlightStyle::Class);
    assert!(highlighting.options.error_on_missing_language);
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    let seen = view(&config);
    let seen = seen.get("markdown").and_then(|m| m.get("highlighting")).unwrap();
    assert_eq!(seen.get("style"), Some(&Value::from("class")));
    assert_eq!(seen.get("dark_theme"), Some(&Value::from("Github-Dark")));
    assert_eq!(seen.get("theme"), None);
    assert_eq!(seen.get("extra_grammars"), Some(&Value::List(Vec::new())));
    // `theme` wins over the pair, as in Zola.
    let config = read(
        "base_url = \"/\"\n[markdown.highlighting]\ntheme = \"nord\"\nlight_theme = \"red\"\n",
    )
    .unwrap();
    let highlighting = config.markdown.highlighting.unwrap();
    assert_eq!(highlighting.options.theme, HighlightTheme::Single("nord".into()));
    assert_eq!(highlighting.options.style, HighlightStyle::Inline);
    let emoji = read("base_url = \"/\"\n[markdown]\nrender_emoji = true\n").unwrap();
    assert!(emoji.markdown.render_emoji && emoji.warnings.is_empty(), "{:?}", emoji.warnings);
    let none = read("base_url = \"/\"\n").unwrap();
    assert_eq!(view(&none).get("markdown").and_then(|m| m.get("highlighting")), Some(&Value::Null));
}

#[test]
fn languages_are_the_default_one_then_the_others_by_code_each_with_its_options() {
    let config = read(
        "base_url = \"/\"\ntitle = \"Site\"\ndefault_language = \"en\"\n\
         taxonomies = [{ name = \"tags\" }]\n[translations]\nhello = \"Hello\"\n\
         [languages.it]\n[languages.fr]\ntitle = \"Le site\"\ngenerate_feeds = true\n\
         taxonomies = [{ name = \"Étiquettes\" }]\n[languages.fr.translations]\nhello = \"Bonjour\"\n",
    )
    .unwrap();
    let codes: Vec<&str> = config.languages.iter().map(|l| l.code.as_str()).collect();
    assert_eq!(codes, ["en", "fr", "it"]);
    assert!(config.is_multilingual());
    let fr = config.language("fr").unwrap();
    assert_eq!(fr.title.as_deref(), Some("Le site"));
    assert!(fr.generate_feeds && !config.languages[2].generate_feeds);
    // A language's taxonomies are slugified by the config's `[slugify]`, read after them.
    assert_eq!(fr.taxonomies[0].slug, "etiquettes");
    assert_eq!(fr.translate("hello"), Some("Bonjour"));
    assert_eq!(config.languages[0].translate("hello"), Some("Hello"));
    assert_eq!(config.languages[2].translate("hello"), None);
    // Each language's `config`: its own title, the others in `languages` (as Zola's).
    let fr_view = config.views[1].to_value().unwrap();
    assert_eq!(fr_view.get("title"), Some(&Value::from("Le site")));
    let others = fr_view.get("languages").unwrap();
    assert!(others.get("en").is_some() && others.get("it").is_some() && others.get("fr").is_none());
    assert_eq!(view(&config).get("title"), Some(&Value::from("Site")));
    let it_view = config.views[2].to_value().unwrap();
    assert_eq!(it_view.get("title"), Some(&Value::Null));
    assert_eq!(it_view.get("generate_feeds"), Some(&Value::Bool(false)));
}

#[test]
fn the_default_language_s_table_fills_in_what_the_top_level_does_not_give() {
    let config = read(
        "base_url = \"/\"\n[languages.en]\ntitle = \"From the table\"\n\
         [languages.en.translations]\nk = \"v\"\n[languages.fr]\n",
    )
    .unwrap();
    assert_eq!(config.title.as_deref(), Some("From the table"));
    assert_eq!(config.languages.len(), 2);
    assert_eq!(config.languages[0].translate("k"), Some("v"));
    // Given in both places: an error at the table's value, as Zola refuses it.
    assert_error(
        "base_url = \"/\"\ntitle = \"A\"\n[languages.en]\ntitle = \"B\"\n",
        4,
        9,
        "`title` of the default language `en` is given twice",
    );
}

#[test]
fn a_default_language_s_taxonomy_may_not_be_named_like_another_language_s() {
    assert_error(
        "base_url = \"/\"\ntaxonomies = [{ name = \"fr/tags\" }]\n[languages.fr]\n",
        2,
        14,
        "starts with the language `fr`",
    );
    assert!(read("base_url = \"/\"\ntaxonomies = [{ name = \"fr/tags\" }]\n").is_ok());
}

#[test]
fn a_language_code_must_be_a_language_identifier() {
    assert_error("base_url = \"/\"\n[languages.\"../x\"]\n", 2, 12, "is not a language code");
    assert_error("base_url = \"/\"\ndefault_language = \"e/n\"\n", 2, 20, "is not a language code");
}
