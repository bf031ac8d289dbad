//! Filters that encode a value: URLs, JSON, base64, text.

use std::fmt::Write;

use super::{Args, Filter, type_error};
use crate::error::ErrorKind;
use crate::escape::url_encode;
use crate::value::Value;

pub(super) fn apply(filter: Filter, value: Value, args: &Args) -> Result<Value, ErrorKind> {
    use Filter as F;
    let text = |value: &Value| match value.as_str() {
        Some(s) => Ok(s.to_string()),
        None => Err(type_error(filter, value)),
    };
    Ok(match filter {
        F::UrlEncode => Value::String(url_encode(&text(&value)?, false).into()),
        F::UrlEncodeStrict => Value::String(url_encode(&text(&value)?, true).into()),
        F::JsonEncode => {
            let mut out = String::new();
            write_json(&value, &mut out, args.bool(0, "pretty").then_some(0));
            Value::String(out.into())
        }
        F::AsStr | F::String => match value {
            Value::String(_) | Value::Safe(_) if filter == F::String => value,
            other => Value::String(other.to_text()),
        },
        F::Base64Encode => Value::String(base64_encode(text(&value)?.as_bytes()).into()),
        F::Base64Decode => {
            let bytes = base64_decode(&text(&value)?)
                .ok_or_else(|| ErrorKind::Arguments("`base64_decode`: not valid base64".into()))?;
            let decoded = String::from_utf8(bytes).map_err(|_| {
                ErrorKind::Arguments("`base64_decode`: the bytes are not UTF-8".into())
            })?;
            Value::String(decoded.into())
        }
        _ => return Err(type_error(filter, &value)),
    })
}

/// JSON as `serde_json` writes it, compact or (with an indent level) pretty.
fn write_json(value: &Value, out: &mut String, pretty: Option<usize>) {
    let newline = |out: &mut String, level: usize| {
        out.push('\n');
        for _ in 0..level {
            out.push_str("  ");
        }
    };
    match value {
        Value::None => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) if f.is_finite() => {
            let _ = write!(out, "{f:?}");
        }
        Value::Float(_) => out.push_str("null"),
        Value::String(s) | Value::Safe(s) => json_string(s, out),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if let Some(level) = pretty {
                    newline(out, level + 1);
                }
                write_json(item, out, pretty.map(|l| l + 1));
            }
            if let (Some(level), false) = (pretty, items.is_empty()) {
                newline(out, level);
            }
            out.push(']');
        }
        Value::Map(map) => {
            out.push('{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if let Some(level) = pretty {
                    newline(out, level + 1);
                }
                json_string(key, out);
                out.push_str(if pretty.is_some() { ": " } else { ":" });
                write_json(item, out, pretty.map(|l| l + 1));
            }
            if let (Some(level), false) = (pretty, map.is_empty()) {
                newline(out, level);
            }
            out.push('}');
        }
        Value::Object(_) if value.is_undefined() => out.push_str("null"),
        Value::Object(_) => json_string(&value.to_text(), out),
    }
}

fn json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(BASE64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard base64 with padding; `None` for anything else.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    for (index, chunk) in bytes.chunks(4).enumerate() {
        let last = index + 1 == bytes.len() / 4;
        let padding = chunk.iter().rev().take_while(|&&b| b == b'=').count();
        if padding > 2 || (padding > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for &b in &chunk[..4 - padding] {
            let digit = BASE64.iter().position(|&c| c == b)? as u32;
            n = (n << 6) | digit;
        }
        n <<= 6 * padding as u32;
        let decoded = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&decoded[..3 - padding]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips() {
        for text in ["", "h", "he", "hel", "hello", "héllo wörld"] {
            let encoded = base64_encode(text.as_bytes());
            assert_eq!(base64_decode(&encoded).as_deref(), Some(text.as_bytes()));
        }
        assert_eq!(base64_encode(b"hello"), "aGVsbG8=");
        assert!(base64_decode("a=bc").is_none());
    }
}
