//! Front matter: every key of pages and sections, each wrong type at its value's line and
//! column, unknown keys (an error on a section, a warning on a page), dates as Zola prints
//! them, and YAML.

use cell_proto::{FrontMatterFormat, Value};

use super::{FrontMatter, SortBy, parse_front_matter};
use crate::SiteError;

/// The front matter `text` of `content/{file}` (which starts on line 2 of the file, after
/// `+++`).
fn parse_in(file: &str, text: &str) -> Result<FrontMatter, SiteError> {
    let whole = format!("+++\n{text}+++\nbody\n");
    parse_front_matter(text, FrontMatterFormat::Toml, file, &whole, 2)
}

fn page(text: &str) -> Result<FrontMatter, SiteError> {
    parse_in("blog/a.md", text)
}

fn section(text: &str) -> Result<FrontMatter, SiteError> {
    parse_in("blog/_index.md", text)
}

/// Asserts `result` is an error at `line`:`column` of the file whose message contains `part`.
#[track_caller]
fn assert_error(result: Result<FrontMatter, SiteError>, line: u32, column: u32, part: &str) {
    let error = result.expect_err("an error");
    assert_eq!((error.line, error.column), (Some(line), Some(column)), "{error}");
    assert!(error.message.contains(part), "{error}");
    assert!(error.file.ends_with("_index.md") || error.file.ends_with("a.md"), "{error}");
}

#[test]
fn every_page_key_is_read() {
    let meta = page(
        "title = \"T\"\ndescription = \"D\"\ndate = 2024-01-05\nupdated = 2024-02-01T10:00:00Z\n\
         weight = 3\ndraft = true\nrender = false\nslug = \"Hello World\"\npath = \"x/y\"\n\
         aliases = [\"/old/\"]\nauthors = [\"Ada\", \"Bob\"]\nin_search_index = false\n\
         template = \"x.html\"\ntaxonomies = { tags = [\"a\", \"b\"], cats = [] }\n[extra]\nk = \"v\"\n",
    )
    .unwrap();
    assert_eq!((meta.title.as_deref(), meta.description.as_deref()), (Some("T"), Some("D")));
    assert_eq!(meta.date.map(|d| d.to_string()).as_deref(), Some("2024-01-05"));
    assert_eq!(meta.updated.map(|d| d.to_string()).as_deref(), Some("2024-02-01T10:00:00Z"));
    assert_eq!(
        (meta.weight, meta.draft, meta.render, meta.in_search_index),
        (Some(3), true, false, false)
    );
    assert_eq!((meta.slug.as_deref(), meta.path.as_deref()), (Some("Hello World"), Some("x/y")));
    assert_eq!(meta.aliases, ["/old/"]);
    assert_eq!(meta.authors, ["Ada", "Bob"]);
    assert_eq!(meta.template.as_deref(), Some("x.html"));
    assert_eq!(meta.taxonomies.len(), 2);
    assert_eq!(
        (meta.taxonomies[0].taxonomy.as_str(), meta.taxonomies[0].terms.as_slice()),
        ("tags", &["a".to_string(), "b".to_string()][..])
    );
    assert_eq!(meta.extra.to_value().unwrap().get("k"), Some(&Value::from("v")));
    assert!(meta.warnings.is_empty(), "{:?}", meta.warnings);
}

#[test]
fn every_section_key_is_read() {
    let meta = section(
        "title = \"Blog\"\nsort_by = \"update_date\"\nweight = 1\ndraft = false\n\
         template = \"blog.html\"\npaginate_by = 5\npaginate_reversed = true\n\
         paginate_path = \"p\"\ninsert_anchor_links = \"left\"\nrender = false\n\
         redirect_to = \"/elsewhere/\"\nin_search_index = false\ntransparent = true\n\
         page_template = \"post.html\"\naliases = [\"/b/\"]\ngenerate_feeds = true\n[extra]\n",
    )
    .unwrap();
    let settings = &meta.section;
    assert_eq!(settings.sort_by, SortBy::UpdateDate);
    assert_eq!((settings.paginate_by, settings.paginate_reversed), (Some(5), true));
    assert_eq!(settings.paginate_path, "p");
    assert_eq!(settings.insert_anchor_links.as_deref(), Some("left"));
    assert_eq!(settings.redirect_to.as_deref(), Some("/elsewhere/"));
    assert_eq!(settings.page_template.as_deref(), Some("post.html"));
    assert!(settings.transparent && settings.generate_feeds && !meta.render);
    assert_eq!(meta.aliases, ["/b/"]);
}

#[test]
fn the_title_is_optional_and_defaults_are_zola_s() {
    let meta = page("").unwrap();
    assert_eq!(meta.title, None);
    assert!(meta.render && meta.in_search_index && !meta.draft);
    assert_eq!(meta.extra.to_value().unwrap(), Value::Map(Vec::new()));
    assert_eq!(meta.section.sort_by, SortBy::None);
    assert_eq!(meta.section.paginate_path, "page");
}

#[test]
fn each_wrong_type_is_an_error_at_its_value() {
    // (front matter, line and column in the file, message part); line 2 is the first.
    for (text, line, column, part) in [
        ("title = 5\n", 2, 9, "`title` must be a string, not an integer"),
        ("description = true\n", 2, 15, "`description` must be a string, not a boolean"),
        (
            "date = 5\n",
            2,
            8,
            "`date` must be a date (`2024-01-05`, `2024-01-05T10:00:00Z`, …) or a string holding one, not an integer",
        ),
        ("updated = [1]\n", 2, 11, "`updated` must be a date"),
        ("weight = \"heavy\"\n", 2, 10, "`weight` must be a whole number, not a string"),
        ("weight = -1\n", 2, 10, "`weight` must not be negative (-1)"),
        ("draft = \"yes\"\n", 2, 9, "`draft` must be true or false, not a string"),
        ("render = 1\n", 2, 10, "`render` must be true or false"),
        ("in_search_index = 0\n", 2, 19, "`in_search_index` must be true or false"),
        ("slug = 1\n", 2, 8, "`slug` must be a slug, not an integer"),
        ("slug = \"\"\n", 2, 8, "`slug` must not be empty"),
        ("path = \" \"\n", 2, 8, "`path` must not be empty"),
        ("aliases = \"/a/\"\n", 2, 11, "`aliases` must be an array of strings, not a string"),
        ("authors = [\"a\", 2]\n", 2, 17, "each of `authors` must be a string, not an integer"),
        ("template = \"\"\n", 2, 12, "`template` must not be empty"),
        ("taxonomies = [\"a\"]\n", 2, 14, "`taxonomies` must be a table of arrays"),
        ("taxonomies = { tags = \"a\" }\n", 2, 23, "`taxonomies.tags` must be an array of strings"),
        ("taxonomies = { tags = [\"a\", \" \"] }\n", 2, 29, "a term of `taxonomies.tags` is empty"),
        ("extra = 1\n", 2, 9, "`extra` must be a table, not an integer"),
        (
            "title = \"T\"\n\ndate = \"yesterday\"\n",
            4,
            8,
            "`date` must be a date (`2024-01-05`, `2024-01-05T10:00:00Z`, …), not \"yesterday\"",
        ),
        ("date = 10:00:00\n", 2, 8, "`date` must be a date, not only a time of day (10:00:00)"),
    ] {
        assert_error(page(text), line, column, part);
    }
    for (text, line, column, part) in [
        (
            "sort_by = \"newest\"\n",
            2,
            11,
            "`sort_by` must be one of \"date\", \"update_date\", \"title\"",
        ),
        ("sort_by = 1\n", 2, 11, "`sort_by` must be a string"),
        ("paginate_by = \"5\"\n", 2, 15, "`paginate_by` must be a whole number"),
        ("paginate_reversed = 1\n", 2, 21, "`paginate_reversed` must be true or false"),
        (
            "insert_anchor_links = \"top\"\n",
            2,
            23,
            "must be one of \"none\", \"left\", \"right\", \"heading\"",
        ),
        ("transparent = \"no\"\n", 2, 15, "`transparent` must be true or false"),
        ("page_template = 3\n", 2, 17, "`page_template` must be a template name"),
        ("generate_feeds = 1\n", 2, 18, "`generate_feeds` must be true or false"),
    ] {
        assert_error(section(text), line, column, part);
    }
}

#[test]
fn a_section_s_unknown_key_is_an_error_at_the_key_as_in_zola() {
    assert_error(
        section("title = \"T\"\n  sortby = \"date\"\n"),
        3,
        3,
        "unknown front matter key `sortby` (did you mean `sort_by`?)",
    );
    assert_error(
        section("date = 2024-01-05\n"),
        2,
        1,
        "`date` is a page's key: a section (`_index.md`) does not have it",
    );
    assert_error(section("[taxonomies]\ntags = []\n"), 2, 2, "`taxonomies` is a page's key");
}

#[test]
fn a_page_s_unknown_key_is_a_warning_at_the_key_as_zola_ignores_it() {
    let meta = page("title = \"T\"\ntitel = \"x\"\nsort_by = \"date\"\nweight = 2\n").unwrap();
    assert_eq!(meta.weight, Some(2));
    assert_eq!(
        meta.warnings,
        [
            "content/blog/a.md:3:1: unknown front matter key `titel` (did you mean `title`?); \
             your own keys go under `extra`; ignored, as Zola ignores it",
            "content/blog/a.md:4:1: `sort_by` is a section's key (`_index.md`): ignored on a \
             page, as Zola ignores it",
        ]
    );
}

#[test]
fn dates_print_as_zola_prints_them() {
    for (written, printed) in [
        ("2024-01-05", "2024-01-05"),
        ("\"2024-01-05\"", "2024-01-05"),
        ("2024-01-05T10:00:00", "2024-01-05T10:00:00"),
        ("2024-01-05 10:00:00.50+02:00", "2024-01-05T10:00:00.5+02:00"),
        ("\"2024-1-5\"", "2024-01-05T00:00:00Z"),
        ("'2001-12-14 21:59:43.10 -5'", "2001-12-14T21:59:43.1-05:00"),
    ] {
        let meta = page(&format!("date = {written}\nupdated = {written}\n")).unwrap();
        assert_eq!(meta.date.map(|d| d.to_string()).as_deref(), Some(printed), "{written}");
        assert_eq!(meta.updated.map(|d| d.to_string()).as_deref(), Some(printed), "{written}");
    }
    // `updated` may be a time alone (Zola does not check it).
    assert!(page("updated = 10:00:00\n").is_ok());
}

#[test]
fn syntax_errors_are_placed_in_the_file() {
    assert_error(
        page("title = \"Unclosed\nweight = 3\n"),
        2,
        9,
        "front matter: a string that is never closed",
    );
    assert_error(
        page("a = 1\na = 2\n"),
        3,
        1,
        "front matter: `a` is defined twice (first at line 1, column 1)",
    );
    assert_error(page("y = { z = \n"), 2, 11, "front matter: expected a value");
}

#[test]
fn yaml_front_matter_has_the_same_keys_and_checks() {
    let text = "title: Hello\ndate: 2024-01-05\nweight: 2\ntags: x\ntaxonomies:\n  tags: [a, b]\nextra:\n  k: v\n";
    let whole = format!("---\n{text}---\nbody\n");
    let meta = parse_front_matter(text, FrontMatterFormat::Yaml, "a.md", &whole, 2).unwrap();
    assert_eq!(meta.title.as_deref(), Some("Hello"));
    assert_eq!(meta.date.map(|d| d.to_string()).as_deref(), Some("2024-01-05"));
    assert_eq!(meta.weight, Some(2));
    assert_eq!(meta.taxonomies[0].terms, ["a", "b"]);
    assert_eq!(meta.extra.to_value().unwrap().get("k"), Some(&Value::from("v")));
    assert_eq!(meta.warnings.len(), 1);
    assert!(
        meta.warnings[0].starts_with("content/a.md:5:1: unknown front matter key `tags`"),
        "{:?}",
        meta.warnings
    );

    let text = "title: Hello\nweight: heavy\n";
    let whole = format!("---\n{text}---\n");
    let error = parse_front_matter(text, FrontMatterFormat::Yaml, "a.md", &whole, 2).unwrap_err();
    assert_eq!(error.line, Some(3), "{error}");
    assert!(error.message.contains("`weight` must be a whole number, not a string"), "{error}");
}
