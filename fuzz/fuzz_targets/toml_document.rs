//! Any text through the host's TOML parser (`host::toml`), against the `toml` crate (Zola's
//! parser): never a panic or a stack overflow; an error's position inside the text; and a
//! document we accept is one `toml` accepts, with the same values. `toml` reads TOML 1.1,
//! which accepts more than 1.0 (newlines in inline tables, `\e`, times without seconds), so a
//! document only `toml` accepts is not a failure. The same text as a page's and a section's
//! front matter (TOML and YAML): a front matter or an error, never a panic.
#![no_main]

use host::toml::{Table, Value};
use libfuzzer_sys::fuzz_target;

fn same_value(ours: &Value, theirs: &toml::Value) -> bool {
    match (ours, theirs) {
        (Value::String(a), toml::Value::String(b)) => a == b,
        (Value::Integer(a), toml::Value::Integer(b)) => a == b,
        (Value::Float(a), toml::Value::Float(b)) => {
            (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
        }
        (Value::Boolean(a), toml::Value::Boolean(b)) => a == b,
        (Value::Datetime(a), toml::Value::Datetime(b)) => a.to_string() == b.to_string(),
        (Value::Array(a), toml::Value::Array(b)) => {
            a.items.len() == b.len()
                && a.items.iter().zip(b).all(|(a, b)| same_value(&a.value, b))
        }
        (Value::Table(a), toml::Value::Table(b)) => same_table(a, b),
        _ => false,
    }
}

fn same_table(ours: &Table, theirs: &toml::Table) -> bool {
    ours.len() == theirs.len()
        && ours.entries().iter().all(|entry| {
            theirs.get(&entry.key).is_some_and(|theirs| same_value(&entry.item.value, theirs))
        })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for format in [cell_proto::FrontMatterFormat::Toml, cell_proto::FrontMatterFormat::Yaml] {
        for file in ["blog/2024-01-05-post.md", "blog/_index.md"] {
            let _ = host::parse_front_matter(text, format, file, text, 1);
        }
    }
    let ours = host::toml::parse(text);
    let theirs = toml::from_str::<toml::Table>(text);
    match (&ours, &theirs) {
        (Ok(ours), Ok(theirs)) => {
            assert!(same_table(ours, theirs), "{text:?}: {ours:?} against {theirs:?}")
        }
        (Ok(ours), Err(error)) => panic!("{text:?}: accepted ({ours:?}), but toml says {error}"),
        (Err(error), _) => {
            assert!(error.offset() <= text.len(), "{text:?}: {error:?}");
            assert!(error.line() >= 1 && error.column() >= 1, "{text:?}: {error:?}");
        }
    }
});
