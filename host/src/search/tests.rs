use super::*;
use crate::toml::{Date, Time};

fn datetime(date: (u16, u8, u8), time: Option<(u8, u8, Option<u8>, Option<u32>)>) -> Datetime {
    Datetime {
        date: Some(Date { year: date.0, month: date.1, day: date.2 }),
        time: time.map(|(hour, minute, second, nanosecond)| Time {
            hour,
            minute,
            second,
            nanosecond,
        }),
        offset: None,
    }
}

#[test]
fn dates_are_written_in_rfc_3339_as_zola_s_time_crate_writes_them() {
    // A date alone is midnight UTC; a local date-time is UTC.
    assert_eq!(rfc3339(&datetime((2023, 1, 31), None)).as_deref(), Some("2023-01-31T00:00:00Z"));
    let local = datetime((2024, 2, 3), Some((4, 5, Some(6), None)));
    assert_eq!(rfc3339(&local).as_deref(), Some("2024-02-03T04:05:06Z"));
    // A fraction loses its trailing zeros; `.0` is none.
    let fraction = datetime((2024, 2, 3), Some((4, 5, Some(6), Some(500_000_000))));
    assert_eq!(rfc3339(&fraction).as_deref(), Some("2024-02-03T04:05:06.5Z"));
    let zero = datetime((2024, 2, 3), Some((4, 5, Some(6), Some(0))));
    assert_eq!(rfc3339(&zero).as_deref(), Some("2024-02-03T04:05:06Z"));
    let east = Datetime { offset: Some(Offset::Custom { minutes: 90 }), ..local };
    assert_eq!(rfc3339(&east).as_deref(), Some("2024-02-03T04:05:06+01:30"));
    let west = Datetime { offset: Some(Offset::Custom { minutes: -300 }), ..local };
    assert_eq!(rfc3339(&west).as_deref(), Some("2024-02-03T04:05:06-05:00"));
    let utc = Datetime { offset: Some(Offset::Custom { minutes: 0 }), ..local };
    assert_eq!(rfc3339(&utc).as_deref(), Some("2024-02-03T04:05:06Z"));
    // A local time is no date.
    assert_eq!(rfc3339(&Datetime { date: None, ..local }), None);
}

fn search(title: bool, description: bool, date: bool, path: bool, content: bool) -> SearchConfig {
    SearchConfig {
        include_title: title,
        include_content: content,
        truncate_content_length: None,
        include_description: description,
        include_date: date,
        include_path: path,
        index_format: "elasticlunr_json".into(),
    }
}

fn document(date: Option<&str>) -> SearchDocument {
    SearchDocument {
        permalink: "https://s.example/a/".into(),
        title: Some("A".into()),
        description: None,
        date: date.map(str::to_string),
        path: "/a/".into(),
        body: "Body".into(),
    }
}

#[test]
fn the_fields_are_those_asked_for_in_zola_s_order() {
    let names = |search: &SearchConfig| -> Vec<String> {
        fields(search).into_iter().map(|field| field.name).collect()
    };
    // Zola's defaults: the title and the body.
    assert_eq!(names(&crate::config::SiteConfig::default().search), ["title", "body"]);
    assert_eq!(
        names(&search(true, true, true, true, true)),
        ["title", "description", "date", "path", "body"]
    );
    assert_eq!(names(&search(false, true, false, false, false)), ["description"]);
    let path = fields(&search(false, false, false, true, false));
    assert_eq!(path[0].tokenizer, FieldTokenizer::Path);
}

#[test]
fn a_document_s_values_follow_the_fields_and_a_missing_date_is_no_value() {
    let all = search(true, true, true, true, true);
    assert_eq!(
        values(&all, &document(Some("2024-01-05T00:00:00Z"))),
        ["A", "", "2024-01-05T00:00:00Z", "/a/", "Body"]
    );
    // As Zola's row: four values for five fields, the path in the date's place.
    assert_eq!(values(&all, &document(None)), ["A", "", "/a/", "Body"]);
    assert_eq!(values(&search(true, false, false, false, false), &document(None)), ["A"]);
}

#[test]
fn the_index_file_is_named_by_format_and_default_language() {
    let mut config = crate::config::SiteConfig::default();
    assert_eq!(index_file(&config, "en"), "search_index.en.js");
    config.search.index_format = "fuse_json".into();
    config.default_language = "fr".into();
    assert_eq!(index_file(&config, "fr"), "search_index.fr.json");
    assert!(!is_elasticlunr(&config.search));
}

#[test]
fn the_library_written_is_elasticlunr_s_own_build() {
    assert!(ELASTICLUNR_JS.starts_with("/**\n * elasticlunr - http://weixsong.github.io\n"));
    assert_eq!(ELASTICLUNR_JS.len(), 18051);
}

#[test]
fn a_page_belongs_to_its_own_directory_s_section_or_its_bundle_s_parent_s() {
    let one = crate::config::SiteConfig::default();
    assert_eq!(own_section("blog/a.md", &one), "blog/_index.md");
    assert_eq!(own_section("blog/a/index.md", &one), "blog/_index.md");
    assert_eq!(own_section("a.md", &one), "_index.md");
    assert_eq!(own_section("a/index.md", &one), "_index.md");
    // On a site of several languages, a page's section is its language's.
    let several =
        crate::config::parse("config.toml", "base_url = \"/\"\n[languages.fr]\n").unwrap();
    assert_eq!(own_section("blog/a.fr.md", &several), "blog/_index.fr.md");
    assert_eq!(own_section("blog/a/index.fr.md", &several), "blog/_index.fr.md");
}
