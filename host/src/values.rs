//! Parsed documents (TOML, YAML, JSON) to the cells' [`Value`]. TOML goes through the host's
//! own parser ([`crate::toml`]), YAML and JSON through facet's.

use cell_proto::Value;
use facet_value::DestructuredRef;

/// Nesting beyond this in a data file or front matter is refused (values are converted, and
/// later walked, recursively).
pub(crate) const MAX_DEPTH: usize = crate::toml::MAX_DEPTH;

/// Converts a parsed document; `Err` names the problem.
pub(crate) fn from_facet(value: &facet_value::Value) -> Result<Value, String> {
    convert(value, 0)
}

fn convert(value: &facet_value::Value, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!("nested more than {MAX_DEPTH} levels deep"));
    }
    Ok(match value.destructure_ref() {
        DestructuredRef::Null => Value::Null,
        DestructuredRef::Bool(b) => Value::Bool(b),
        DestructuredRef::Number(n) => match n.to_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.to_f64_lossy()),
        },
        DestructuredRef::String(s) => Value::String(s.as_str().to_string()),
        DestructuredRef::Array(items) => {
            Value::List(items.iter().map(|v| convert(v, depth + 1)).collect::<Result<_, _>>()?)
        }
        DestructuredRef::Object(entries) => Value::Map(
            entries
                .iter()
                .map(|(k, v)| Ok((k.as_str().to_string(), convert(v, depth + 1)?)))
                .collect::<Result<_, String>>()?,
        ),
        DestructuredRef::DateTime(dt) => {
            Value::String(format!("{dt:?}").trim_matches('"').to_string())
        }
        other => Value::String(format!("{other:?}")),
    })
}

/// Which syntax a document is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Syntax {
    Toml,
    Yaml,
    Json,
}

/// Parses `text` in `syntax`. The error carries a 1-based line and column when the parser
/// reported one.
pub(crate) fn parse(text: &str, syntax: Syntax) -> Result<Value, (String, Option<(u32, u32)>)> {
    // The parsers' errors carry the byte offset where they are (when they know it); their
    // messages only sometimes say it.
    let parsed: Result<facet_value::Value, (String, Option<u32>)> = match syntax {
        Syntax::Toml => {
            return crate::toml::parse(text)
                .map(|table| crate::toml::Value::Table(table).to_template_value())
                .map_err(|error| {
                    (error.message().to_string(), Some((error.line(), error.column())))
                });
        }
        Syntax::Yaml if text.trim().is_empty() => {
            Ok(facet_value::Value::from(facet_value::VObject::new()))
        }
        Syntax::Yaml => {
            facet_yaml::from_str(text).map_err(|e| (e.to_string(), e.span.map(|s| s.offset)))
        }
        Syntax::Json => check_json_strings(text)
            .map_err(|(message, at)| (message, Some(at as u32)))
            .and_then(|()| {
                facet_json::from_str(text).map_err(|e| (e.to_string(), e.span.map(|s| s.offset)))
            }),
    };
    let parsed = parsed.map_err(|(message, offset)| {
        let position = match offset {
            Some(offset) => Some(position_of(text, offset as usize)),
            None => find_position(&message, text),
        };
        (tidy(&message), position)
    })?;
    from_facet(&parsed).map_err(|m| (m, None))
}

/// Refuses, with its byte offset, what JSON does not allow inside a string: an escape other
/// than `\" \\ \/ \b \f \n \r \t \uXXXX`, and a raw control character (as serde_json,
/// and so Zola, refuse them). facet-json 0.46 accepts an unknown escape and, when the escaped
/// character is not ASCII, goes on to read the rest of that character as if it were valid
/// text (undefined behaviour, found by the `load_data` fuzz target): it must never see one.
fn check_json_strings(text: &str) -> Result<(), (String, usize)> {
    let bytes = text.as_bytes();
    let mut in_string = false;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        if !in_string {
            in_string = byte == b'"';
        } else {
            match byte {
                b'"' => in_string = false,
                b'\\' => match bytes.get(i + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 1,
                    Some(b'u') => {
                        let digits = bytes.get(i + 2..i + 6);
                        if !digits.is_some_and(|d| d.iter().all(u8::is_ascii_hexdigit)) {
                            return Err(("`\\u` needs four hexadecimal digits".into(), i));
                        }
                        i += 5;
                    }
                    // The end of the text inside a string: the parser reports it.
                    None => return Ok(()),
                    // After an ASCII `\`, a character starts.
                    Some(_) => {
                        let escaped = text[i + 1..].chars().next().unwrap_or_default();
                        let message = format!(
                            "a string has the escape `\\{escaped}`, which JSON does not have"
                        );
                        return Err((message, i));
                    }
                },
                0x00..=0x1f => {
                    let message = format!(
                        "a control character (U+{byte:04X}) in a string: JSON needs it escaped"
                    );
                    return Err((message, i));
                }
                _ => {}
            }
        }
        i += 1;
    }
    Ok(())
}

/// Parsers report positions as "line L column C" or as a byte offset; find either.
fn find_position(message: &str, text: &str) -> Option<(u32, u32)> {
    let number_after = |needle: &str| -> Option<u32> {
        let at = message.find(needle)? + needle.len();
        message[at..].trim_start().split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
    };
    if let (Some(line), Some(column)) = (number_after("line"), number_after("column")) {
        return Some((line, column));
    }
    let offset = number_after("byte").or_else(|| number_after("offset"))? as usize;
    Some(position_of(text, offset))
}

/// The 1-based line and column (in characters) of the byte `offset` of `text`.
fn position_of(text: &str, offset: usize) -> (u32, u32) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() as u32 + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) as u32 + 1;
    (line, column)
}

/// Parser messages sometimes end with a debug dump of internal paths; keep the first clause.
fn tidy(message: &str) -> String {
    let cut = message.find(" at Path {").unwrap_or(message.len());
    message[..cut].trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_and_json_keep_the_order_written_and_toml_sorts_its_keys() {
        let toml = parse("b = 1\na = [\"x\", 2.5]\n[c]\nd = true\n", Syntax::Toml).unwrap();
        let yaml = parse("b: 1\na: [x, 2.5]\nc: {d: true}\n", Syntax::Yaml).unwrap();
        let json = parse(r#"{"b": 1, "a": ["x", 2.5], "c": {"d": true}}"#, Syntax::Json).unwrap();
        // Written out by hand rather than taken from one of the parsers, so a parser that
        // sorted the keys, or two that agreed on a wrong value, would fail.
        let expected = Value::map([
            ("b", Value::Int(1)),
            ("a", Value::List(vec![Value::String("x".into()), Value::Float(2.5)])),
            ("c", Value::map([("d", Value::Bool(true))])),
        ]);
        for (syntax, value) in [("yaml", &yaml), ("json", &json)] {
            assert_eq!(value, &expected, "{syntax}");
        }
        // As Zola reads them: the `toml` crate's tables are sorted maps, JSON and YAML keep
        // their order.
        let sorted = Value::map([
            ("a", Value::List(vec![Value::String("x".into()), Value::Float(2.5)])),
            ("b", Value::Int(1)),
            ("c", Value::map([("d", Value::Bool(true))])),
        ]);
        assert_eq!(toml, sorted);
    }

    /// facet-json 0.46 takes a `\` before a non-ASCII character as an unknown escape and
    /// then reads the rest of that character as text it assumes valid (undefined behaviour;
    /// the fuzzer's `load_data` crash): such strings are refused before it sees them.
    #[test]
    fn json_strings_with_escapes_json_does_not_have_are_errors_at_the_escape() {
        let crash = "{\"\u{1}.\\\u{84104}\"\u{1}\\\\\\b\")\\b\")\0";
        let (message, position) = parse(crash, Syntax::Json).unwrap_err();
        assert!(message.contains("control character"), "{message}");
        assert_eq!(position, Some((1, 3)));
        for (text, wanted, column) in [
            ("{\"a\": \"x\\\u{e9}\"}", "escape `\\\u{e9}`", 9),
            ("[\".\\\u{84104}\"]", "escape `\\\u{84104}`", 4),
            ("[\"\\q\"]", "escape `\\q`", 3),
            ("[\"\\u12G4\"]", "`\\u` needs four hexadecimal digits", 3),
            ("[\"\\u12\"]", "`\\u` needs four hexadecimal digits", 3),
            ("\n [\"tab\there\"]", "control character", 7),
        ] {
            let (message, position) = parse(text, Syntax::Json).unwrap_err();
            assert!(message.contains(wanted), "{text:?}: {message}");
            assert_eq!(position.map(|p| p.1), Some(column), "{text:?}: {message}");
        }
        // Every escape JSON has, and text outside strings, left to the parser.
        let fine = r#"{"e": "\" \\ \/ \b \f \n \r \t \u00e9 \uD83D\uDE00", "n": [1, true, null]}"#;
        let Value::Map(map) = parse(fine, Syntax::Json).unwrap() else { panic!() };
        assert_eq!(map[0].1, Value::String("\" \\ / \u{8} \u{c} \n \r \t é 😀".into()));
    }

    #[test]
    fn syntax_errors_come_with_a_position_when_the_parser_gives_one() {
        let (message, position) = parse("a: [1\nb: 2\n", Syntax::Yaml).unwrap_err();
        assert!(!message.is_empty());
        assert!(position.is_some(), "{message}");
        let (message, position) =
            parse("{\n  \"a\": 1,\n  \"é\": \n}\n", Syntax::Json).unwrap_err();
        assert_eq!(position, Some((4, 1)), "{message}");
        assert_eq!(position_of("é\nab", 1), (1, 1));
    }
}
