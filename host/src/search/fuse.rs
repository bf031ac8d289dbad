//! The Fuse formats' index (`fuse_javascript`, `fuse_json`): a JSON list with one object per
//! document, `{"url", "title", "description", "body", "path"}` in that order, each key but
//! `url` only when `[search]` asks for it (Zola's `FuseIndexItem`, which has no date), a
//! missing title or description written as `""`. Compact, with strings escaped as
//! `serde_json` escapes them, so the file is Zola's byte for byte.

use std::sync::Arc;

use super::SearchDocument;
use crate::config::SearchConfig;

/// The index of `documents`, as JSON.
pub(super) fn index(search: &SearchConfig, documents: &[Arc<SearchDocument>]) -> String {
    let size: usize = documents.iter().map(|d| d.permalink.len() + d.body.len() + 64).sum();
    let mut json = String::with_capacity(size + 2);
    json.push('[');
    for (i, document) in documents.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str("{\"url\":");
        string(&mut json, &document.permalink);
        let mut field = |name: &str, value: &str| {
            json.push_str(",\"");
            json.push_str(name);
            json.push_str("\":");
            string(&mut json, value);
        };
        if search.include_title {
            field("title", document.title.as_deref().unwrap_or_default());
        }
        if search.include_description {
            field("description", document.description.as_deref().unwrap_or_default());
        }
        if search.include_content {
            field("body", &document.body);
        }
        if search.include_path {
            field("path", &document.path);
        }
        json.push('}');
    }
    json.push(']');
    json
}

/// `text` as a JSON string, escaped as `serde_json` escapes: `"` and `\`, the short forms
/// `\b \f \n \r \t`, every other control character below U+0020 as `\u00XX` (lower-case
/// hex); everything else as it is.
fn string(json: &mut String, text: &str) {
    json.push('"');
    let mut start = 0;
    for (at, c) in text.char_indices() {
        let escape = match c {
            '"' => "\\\"",
            '\\' => "\\\\",
            '\u{8}' => "\\b",
            '\u{c}' => "\\f",
            '\n' => "\\n",
            '\r' => "\\r",
            '\t' => "\\t",
            c if (c as u32) < 0x20 => "",
            _ => continue,
        };
        json.push_str(&text[start..at]);
        if escape.is_empty() {
            json.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            json.push_str(escape);
        }
        start = at + c.len_utf8();
    }
    json.push_str(&text[start..]);
    json.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(title: Option<&str>, body: &str) -> Arc<SearchDocument> {
        Arc::new(SearchDocument {
            permalink: "https://s.example/a/".into(),
            title: title.map(str::to_string),
            description: None,
            date: Some("2024-01-05T00:00:00Z".into()),
            path: "/a/".into(),
            body: body.into(),
        })
    }

    fn search(title: bool, description: bool, content: bool, path: bool) -> SearchConfig {
        SearchConfig {
            include_title: title,
            include_content: content,
            truncate_content_length: None,
            include_description: description,
            include_date: true,
            include_path: path,
            index_format: "fuse_json".into(),
        }
    }

    #[test]
    fn each_document_has_the_url_and_the_fields_asked_for_in_zola_s_order() {
        let documents = [document(Some("A"), "Body"), document(None, "")];
        assert_eq!(
            index(&search(true, false, true, false), &documents),
            r#"[{"url":"https://s.example/a/","title":"A","body":"Body"},{"url":"https://s.example/a/","title":"","body":""}]"#
        );
        // No date in Fuse's documents, even with `include_date`; the path comes last.
        assert_eq!(
            index(&search(false, true, false, true), &documents[..1]),
            r#"[{"url":"https://s.example/a/","description":"","path":"/a/"}]"#
        );
        assert_eq!(index(&search(true, true, true, true), &[]), "[]");
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut json = String::new();
        string(&mut json, "a\"b\\c\n\t\r\u{8}\u{c}\u{1}\u{1f}\u{7f}é\u{2028}/");
        assert_eq!(json, "\"a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f\u{7f}é\u{2028}/\"");
    }
}
