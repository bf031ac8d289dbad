//! Filters over text: case, trimming, truncating, replacing, tags, slugs, escaping.

use super::{Args, Filter, graphemes, type_error};
use crate::cache::TemplateCache;
use crate::error::ErrorKind;
use crate::escape::escape_html;
use crate::value::Value;

/// The text of a value: a string, or a number or boolean written out (Tera's string filters
/// refuse anything else).
fn text_of(filter: Filter, value: &Value) -> Result<std::sync::Arc<str>, ErrorKind> {
    match value {
        Value::String(s) | Value::Safe(s) => Ok(s.clone()),
        Value::Int(_) | Value::Float(_) | Value::Bool(_) => Ok(value.to_text()),
        other => Err(type_error(filter, other)),
    }
}

/// Applies a text transform, keeping markup the template made (a macro's output) marked so.
fn map_text(value: &Value, text: &str, f: impl FnOnce(&str) -> String) -> Value {
    match value {
        Value::Safe(_) => Value::Safe(f(text).into()),
        _ => Value::String(f(text).into()),
    }
}

pub(super) fn apply(filter: Filter, value: Value, args: &Args) -> Result<Value, ErrorKind> {
    use Filter as F;
    let text = text_of(filter, &value)?;
    let s: &str = &text;
    Ok(match filter {
        F::Upper => map_text(&value, s, str::to_uppercase),
        F::Lower => map_text(&value, s, str::to_lowercase),
        F::Capitalize => map_text(&value, s, |s| {
            let mut chars = s.chars();
            match chars.next() {
                Some(first) => {
                    first.to_uppercase().chain(chars.as_str().to_lowercase().chars()).collect()
                }
                None => String::new(),
            }
        }),
        F::Title => map_text(&value, s, title),
        F::Trim => map_text(&value, s, |s| s.trim().to_string()),
        F::TrimStart => map_text(&value, s, |s| s.trim_start().to_string()),
        F::TrimEnd => map_text(&value, s, |s| s.trim_end().to_string()),
        F::TrimStartMatches | F::TrimEndMatches => {
            let pat = args.required_string(0, "pat")?;
            map_text(&value, s, |s| {
                if filter == F::TrimStartMatches {
                    s.trim_start_matches(&*pat).to_string()
                } else {
                    s.trim_end_matches(&*pat).to_string()
                }
            })
        }
        F::Truncate => {
            let length = args.int(0, "length")?.unwrap_or(255).max(0) as usize;
            let end = args.string(1, "end")?.unwrap_or_else(|| "…".into());
            map_text(&value, s, |s| match graphemes::nth_boundary(s, length) {
                Some(cut) => format!("{}{end}", &s[..cut]),
                None => s.to_string(),
            })
        }
        F::WordCount => Value::Int(s.split_whitespace().count() as i64),
        F::Replace => {
            let from = args.required_string(0, "from")?;
            let to = args.required_string(1, "to")?;
            map_text(&value, s, |s| s.replace(&*from, &to))
        }
        F::LineBreaksBr => map_text(&value, s, |s| s.replace("\r\n", "<br>").replace('\n', "<br>")),
        F::Indent => {
            let prefix = args.string(0, "prefix")?.unwrap_or_else(|| "    ".into());
            let (first, blank) = (args.bool(1, "first"), args.bool(2, "blank"));
            map_text(&value, s, |s| indent(s, &prefix, first, blank))
        }
        F::StripTags => Value::String(strip_tags(s).into()),
        F::Spaceless => map_text(&value, s, spaceless),
        F::Slugify => Value::String(slugify(s).into()),
        F::AddSlashes => map_text(&value, s, |s| {
            s.replace('\\', "\\\\").replace('"', "\\\"").replace('\'', "\\'")
        }),
        F::Split => match args.string(0, "pat")? {
            Some(pat) => Value::list(s.split(&*pat).map(Value::from)),
            // Jinja's `split()` without a separator splits at whitespace.
            None => Value::list(s.split_whitespace().map(Value::from)),
        },
        F::Escape => {
            let mut out = String::with_capacity(s.len() + 8);
            escape_html(&mut out, s);
            Value::String(out.into())
        }
        F::EscapeXml => Value::String(escape_xml(s).into()),
        _ => return Err(type_error(filter, &value)),
    })
}

/// Upper-cases the first letter of each word (a run of letters, digits, `_` and `'`) and
/// lower-cases the rest of it, as Tera's `title` does.
fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_word = false;
    for c in s.chars() {
        let word_char = c.is_alphanumeric() || c == '_' || c == '\'';
        if word_char && !in_word {
            out.extend(c.to_uppercase());
        } else if word_char {
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
        in_word = word_char;
    }
    out
}

fn indent(s: &str, prefix: &str, first: bool, blank: bool) -> String {
    let mut out = String::with_capacity(s.len() + prefix.len() * 4);
    for (i, line) in s.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if (i == 0 && first) || (i > 0 && (blank || !line.trim_start().is_empty())) {
            out.push_str(prefix);
        }
        out.push_str(line);
    }
    out
}

/// Removes tags (`<...>`) and comments (`<!-- ... -->`).
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let close = if after.starts_with("<!--") {
            after.find("-->").map(|i| i + 3)
        } else {
            after.find('>').map(|i| i + 1)
        };
        match close {
            Some(end) => rest = &after[end..],
            None => {
                out.push_str(after);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Removes whitespace between tags (`>  <` becomes `><`).
fn spaceless(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(gt) = rest.find('>') {
        out.push_str(&rest[..=gt]);
        let after = &rest[gt + 1..];
        let trimmed = after.trim_start();
        if trimmed.len() < after.len() && trimmed.starts_with('<') {
            rest = trimmed;
        } else {
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A URL slug: lower-case ASCII letters and digits, runs of anything else as one `-`.
/// Latin letters with accents lose them (`Ça` gives `ca`); other letters are kept as they are
/// (Tera transliterates every script with a table this engine does not carry).
pub(crate) fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    let mut push = |out: &mut String, piece: &str| {
        for c in piece.chars() {
            if c.is_alphanumeric() {
                if dash && !out.is_empty() {
                    out.push('-');
                }
                dash = false;
                out.extend(c.to_lowercase());
            } else {
                dash = true;
            }
        }
    };
    let mut buf = [0u8; 4];
    for c in s.chars() {
        match unaccented(c) {
            Some(plain) => push(&mut out, plain),
            None => push(&mut out, c.encode_utf8(&mut buf)),
        }
    }
    out
}

/// The plain Latin letters of an accented one (`é` → `e`, `ß` → `ss`).
fn unaccented(c: char) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("ÀÁÂÃÄÅĀĂĄ", "A"),
        ("àáâãäåāăą", "a"),
        ("ÇĆĈĊČ", "C"),
        ("çćĉċč", "c"),
        ("ĎĐ", "D"),
        ("ďđ", "d"),
        ("ÈÉÊËĒĔĖĘĚ", "E"),
        ("èéêëēĕėęě", "e"),
        ("ĜĞĠĢ", "G"),
        ("ĝğġģ", "g"),
        ("ĤĦ", "H"),
        ("ĥħ", "h"),
        ("ÌÍÎÏĨĪĬĮİ", "I"),
        ("ìíîïĩīĭįı", "i"),
        ("Ĵ", "J"),
        ("ĵ", "j"),
        ("Ķ", "K"),
        ("ķ", "k"),
        ("ĹĻĽĿŁ", "L"),
        ("ĺļľŀł", "l"),
        ("ÑŃŅŇ", "N"),
        ("ñńņň", "n"),
        ("ÒÓÔÕÖØŌŎŐ", "O"),
        ("òóôõöøōŏő", "o"),
        ("ŔŖŘ", "R"),
        ("ŕŗř", "r"),
        ("ŚŜŞŠ", "S"),
        ("śŝşš", "s"),
        ("ŢŤŦ", "T"),
        ("ţťŧ", "t"),
        ("ÙÚÛÜŨŪŬŮŰŲ", "U"),
        ("ùúûüũūŭůűų", "u"),
        ("Ŵ", "W"),
        ("ŵ", "w"),
        ("ÝŸŶ", "Y"),
        ("ýÿŷ", "y"),
        ("ŹŻŽ", "Z"),
        ("źżž", "z"),
        ("Æ", "AE"),
        ("æ", "ae"),
        ("Œ", "OE"),
        ("œ", "oe"),
        ("ß", "ss"),
        ("Þ", "TH"),
        ("þ", "th"),
        ("Ð", "D"),
        ("ð", "d"),
    ];
    if c.is_ascii() {
        return None;
    }
    TABLE.iter().find(|(from, _)| from.contains(c)).map(|(_, to)| *to)
}

/// `regex_replace(pattern=, rep=)` (Zola's): every match of `pattern` replaced by `rep`, in
/// which `$1`, `$name` name groups.
pub(crate) fn regex_replace(
    value: Value,
    args: &Args,
    cache: &TemplateCache,
) -> Result<Value, ErrorKind> {
    args.check(Filter::RegexReplace.arguments())?;
    let text = text_of(Filter::RegexReplace, &value)?;
    let pattern = args.required_string(0, "pattern")?;
    let rep = args.required_string(1, "rep")?;
    let regex = cache.regex(&pattern).map_err(ErrorKind::Arguments)?;
    Ok(map_text(&value, &text, |s| regex.replace_all(s, &*rep).into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_tags_removes_tags_and_comments() {
        assert_eq!(strip_tags("<p>a<!-- c > d -->b</p><"), "ab<");
    }

    #[test]
    fn spaceless_joins_tags_only() {
        assert_eq!(spaceless("<p> a </p>  <p> b </p>"), "<p> a </p><p> b </p>");
    }

    #[test]
    fn slugs_lose_accents_and_punctuation() {
        assert_eq!(slugify("Hello, World! Ça va?"), "hello-world-ca-va");
        assert_eq!(slugify("--Straße 9--"), "strasse-9");
    }
}
