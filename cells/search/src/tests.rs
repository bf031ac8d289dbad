use cell_proto::{ElasticlunrRequest, FieldTokenizer, IndexDocument, IndexField};

use super::*;

fn field(name: &str, tokenizer: FieldTokenizer) -> IndexField {
    IndexField { name: name.into(), tokenizer }
}

fn document(reference: &str, values: &[&str]) -> IndexDocument {
    IndexDocument {
        reference: reference.into(),
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

fn request(fields: Vec<IndexField>, documents: Vec<IndexDocument>) -> ElasticlunrRequest {
    ElasticlunrRequest { language: "en".into(), fields, documents }
}

#[test]
fn the_index_is_the_library_s_json_with_stemming_and_stop_words() {
    let json = build_elasticlunr(&request(
        vec![field("body", FieldTokenizer::Language)],
        vec![document("u", &["The cats"])],
    ))
    .unwrap();
    // "the" is a stop word; "cats" is stemmed to "cat"; one token, so a field length of 1 and
    // a term frequency of sqrt(1).
    assert_eq!(
        json,
        r#"{"fields":["body"],"pipeline":["trimmer","stopWordFilter","stemmer"],"ref":"id","version":"0.9.5","index":{"body":{"root":{"docs":{},"df":0,"c":{"docs":{},"df":0,"a":{"docs":{},"df":0,"t":{"docs":{"u":{"tf":1.0}},"df":1}}}}}},"documentStore":{"save":true,"docs":{"u":{"body":"The cats","id":"u"}},"docInfo":{"u":{"body":1}},"length":1},"lang":"English"}"#
    );
}

#[test]
fn the_path_field_is_split_at_slashes_and_dashes_and_lower_cased() {
    assert_eq!(path_tokenizer("/Blog/my-First post/"), ["blog", "my", "first", "post"]);
    let json = build_elasticlunr(&request(
        vec![field("path", FieldTokenizer::Path)],
        vec![document("u", &["/Cats-Dogs/"])],
    ))
    .unwrap();
    // The pipeline still runs on its words: "cats" and "dogs" are stemmed.
    assert!(json.contains(r#""docInfo":{"u":{"path":2}}"#), "{json}");
    assert!(
        json.contains(r#""d":{"docs":{},"df":0,"o":{"docs":{},"df":0,"g":{"docs":{"u""#),
        "{json}"
    );
}

#[test]
fn fewer_values_than_fields_leave_the_last_fields_out() {
    let json = build_elasticlunr(&request(
        vec![field("title", FieldTokenizer::Language), field("body", FieldTokenizer::Language)],
        vec![document("u", &["Hello"])],
    ))
    .unwrap();
    assert!(json.contains(r#""docs":{"u":{"id":"u","title":"Hello"}}"#), "{json}");
}

#[test]
fn requests_the_library_would_panic_on_are_errors() {
    let twice = request(
        vec![field("title", FieldTokenizer::Language), field("title", FieldTokenizer::Path)],
        vec![],
    );
    assert_eq!(build_elasticlunr(&twice), Err(SearchError::DuplicateField("title".into())));
    let too_many =
        request(vec![field("title", FieldTokenizer::Language)], vec![document("u", &["a", "b"])]);
    assert_eq!(
        build_elasticlunr(&too_many).unwrap_err().to_string(),
        "the document `u` has 2 values for an index of 1 fields"
    );
}

#[test]
fn languages_zola_builds_have_pipelines_and_others_do_not() {
    for code in ["en", "fr", "de", "ru", "ko", "sv"] {
        let mut asked = request(vec![field("body", FieldTokenizer::Language)], vec![]);
        asked.language = code.into();
        assert!(build_elasticlunr(&asked).is_ok(), "{code}");
    }
    // Zola builds without Arabic, Chinese and Japanese unless asked at compile time.
    for code in ["ar", "zh", "ja", "xx"] {
        let mut asked = request(vec![], vec![]);
        asked.language = code.into();
        assert_eq!(build_elasticlunr(&asked), Err(SearchError::UnknownLanguage(code.into())));
    }
}
