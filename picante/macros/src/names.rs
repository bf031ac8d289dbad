//! The generated names: `Val` -> `val`, `sum_all` -> `SumAll`.
//!
//! Only what identifiers need (ASCII case changes at word boundaries), so no case-conversion
//! crate: a word starts at an uppercase letter that follows a lowercase letter or a digit, or
//! that begins a lowercase run after an uppercase run (`HTTPServer` -> `http_server`).

/// `CamelCase` to `snake_case`.
pub(crate) fn snake(name: &str) -> String {
    let name = name.strip_prefix("r#").unwrap_or(name);
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 && !out.ends_with('_') {
            let previous = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if previous.is_ascii_lowercase()
                || previous.is_ascii_digit()
                || (previous.is_ascii_uppercase() && next_is_lower)
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// `snake_case` to `PascalCase` (an already Pascal name stays as it is).
pub(crate) fn pascal(name: &str) -> String {
    let name = name.strip_prefix("r#").unwrap_or(name);
    let mut out = String::with_capacity(name.len());
    for word in name.split('_').filter(|w| !w.is_empty()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_splits_words_and_acronyms() {
        assert_eq!(snake("Val"), "val");
        assert_eq!(snake("SourceFile"), "source_file");
        assert_eq!(snake("HTTPServer"), "http_server");
        assert_eq!(snake("Utf8Text"), "utf8_text");
        assert_eq!(snake("already_snake"), "already_snake");
    }

    #[test]
    fn pascal_joins_words() {
        assert_eq!(pascal("sum_all"), "SumAll");
        assert_eq!(pascal("double"), "Double");
        assert_eq!(pascal("r#type"), "Type");
        assert_eq!(pascal("SumAll"), "SumAll");
    }
}
