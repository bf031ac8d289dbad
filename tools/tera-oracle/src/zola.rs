//! What Zola adds to Tera, as far as the conformance cases use it: Zola's filters
//! (`base64_encode`, `base64_decode`, `regex_replace`, `num_format`) written as Zola writes
//! them, and the host functions and `markdown` filter answered as the test's provider answers
//! them (`cells/template/tests/common/mod.rs`).

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use tera::{Result, Tera, Value, to_value};

fn string(value: &Value, what: &str) -> Result<String> {
    value.as_str().map(str::to_string).ok_or_else(|| format!("`{what}`: expected a string").into())
}

pub fn register(tera: &mut Tera) {
    tera.register_filter("base64_encode", |v: &Value, _: &HashMap<String, Value>| {
        Ok(to_value(STANDARD.encode(string(v, "base64_encode")?.as_bytes()))?)
    });
    tera.register_filter("base64_decode", |v: &Value, _: &HashMap<String, Value>| {
        let bytes = STANDARD
            .decode(string(v, "base64_decode")?.as_bytes())
            .map_err(|e| format!("`base64_decode`: failed to decode: {e}"))?;
        let text =
            String::from_utf8(bytes).map_err(|e| format!("`base64_decode`: invalid utf-8: {e}"))?;
        Ok(to_value(text)?)
    });
    tera.register_filter("regex_replace", |v: &Value, args: &HashMap<String, Value>| {
        let text = string(v, "regex_replace")?;
        let pattern = string(args.get("pattern").ok_or("expected `pattern`")?, "pattern")?;
        let rep = string(args.get("rep").ok_or("expected `rep`")?, "rep")?;
        let re = regex::Regex::new(&pattern)
            .map_err(|e| format!("`regex_replace`: failed to compile regex: {e}"))?;
        Ok(to_value(re.replace_all(&text, rep.as_str()))?)
    });
    tera.register_filter("num_format", |v: &Value, args: &HashMap<String, Value>| {
        use num_format::{Locale, ToFormattedString};
        let n = v.as_i64().ok_or("`num_format`: expected an integer")?;
        let locale = match args.get("locale") {
            Some(l) => string(l, "locale")?,
            None => "en".to_string(),
        };
        let locale =
            Locale::from_name(&locale).map_err(|_| format!("invalid locale `{locale}`"))?;
        Ok(to_value(n.to_formatted_string(&locale))?)
    });
    // The test provider's `markdown`: a paragraph, or the text alone when `inline`.
    tera.register_filter("markdown", |v: &Value, args: &HashMap<String, Value>| {
        let text = string(v, "markdown")?;
        let inline = args.get("inline").and_then(Value::as_bool).unwrap_or(false);
        Ok(to_value(if inline { text } else { format!("<p>{text}</p>\n") })?)
    });
    tera.register_function("get_url", |args: &HashMap<String, Value>| {
        let path = args.get("path").and_then(Value::as_str).ok_or("get_url needs path=")?;
        Ok(to_value(format!("/{path}"))?)
    });
    tera.register_function("get_section", |args: &HashMap<String, Value>| {
        let path = args.get("path").and_then(Value::as_str).unwrap_or_default();
        Ok(serde_json::json!({ "title": format!("Section {path}") }))
    });
    tera.register_function("now", |_: &HashMap<String, Value>| Ok(to_value(1_709_634_030)?));
}
