//! Filters over numbers: rounding, conversions, plurals, sizes, grouped digits.

use super::{Args, Filter, type_error};
use crate::error::ErrorKind;
use crate::value::Value;

pub(super) fn apply(filter: Filter, value: Value, args: &Args) -> Result<Value, ErrorKind> {
    use Filter as F;
    Ok(match filter {
        F::Round => {
            let Some(f) = value.as_f64() else { return Err(type_error(filter, &value)) };
            let precision = args.int(0, "precision")?.unwrap_or(0).clamp(0, 15) as i32;
            let scale = 10f64.powi(precision);
            let scaled = f * scale;
            let rounded = match args.string(1, "method")?.as_deref() {
                None | Some("common") => scaled.round(),
                Some("floor") => scaled.floor(),
                Some("ceil") => scaled.ceil(),
                Some(other) => {
                    return Err(ErrorKind::Arguments(format!(
                        "`round`: method must be common, floor or ceil, got `{other}`"
                    )));
                }
            };
            Value::Float(rounded / scale)
        }
        F::Abs => match value {
            Value::Int(i) => Value::Int(
                i.checked_abs().ok_or_else(|| ErrorKind::Arithmetic("abs overflows".into()))?,
            ),
            Value::Float(f) => Value::Float(f.abs()),
            other => return Err(type_error(filter, &other)),
        },
        F::Int => {
            let default = args.get(0, "default").cloned().unwrap_or(Value::Int(0));
            let base = args.int(1, "base")?.unwrap_or(10);
            let Ok(base @ 2..=36) = u32::try_from(base) else {
                return Err(ErrorKind::Arguments("`int`: `base` must be 2 to 36".into()));
            };
            match &value {
                Value::Int(_) => value,
                Value::Float(f) if f.is_finite() => Value::Int(f.trunc() as i64),
                Value::Bool(b) => Value::Int(i64::from(*b)),
                Value::String(s) | Value::Safe(s) => {
                    let s = s.trim();
                    let digits = match base {
                        2 => s.trim_start_matches("0b"),
                        8 => s.trim_start_matches("0o"),
                        16 => s.trim_start_matches("0x"),
                        _ => s,
                    };
                    match i64::from_str_radix(digits, base) {
                        Ok(i) => Value::Int(i),
                        Err(_) => match s.parse::<f64>() {
                            Ok(f) if f.is_finite() && s.contains('.') => Value::Int(f as i64),
                            _ => default,
                        },
                    }
                }
                _ => default,
            }
        }
        F::Float => {
            let default = args.get(0, "default").cloned().unwrap_or(Value::Float(0.0));
            match &value {
                Value::Int(i) => Value::Float(*i as f64),
                Value::Float(_) => value,
                Value::String(s) | Value::Safe(s) => {
                    s.trim().parse::<f64>().map(Value::Float).unwrap_or(default)
                }
                _ => default,
            }
        }
        F::Pluralize => {
            let Some(n) = value.as_f64() else { return Err(type_error(filter, &value)) };
            let singular = args.string(0, "singular")?.unwrap_or_else(|| "".into());
            let plural = args.string(1, "plural")?.unwrap_or_else(|| "s".into());
            Value::String(if (n.abs() - 1.0).abs() > f64::EPSILON { plural } else { singular })
        }
        F::FileSizeFormat => {
            let bytes = match value {
                Value::Int(i) if i >= 0 => i as f64,
                Value::Float(f) if f >= 0.0 => f.trunc(),
                other => return Err(type_error(filter, &other)),
            };
            Value::String(file_size(bytes, args.bool(0, "binary")).into())
        }
        F::NumFormat => {
            let Value::Int(n) = value else { return Err(type_error(filter, &value)) };
            let locale = args.string(0, "locale")?.unwrap_or_else(|| "en".into());
            let separator = thousands_separator(&locale).ok_or_else(|| {
                ErrorKind::Arguments(format!("`num_format`: unknown locale `{locale}`"))
            })?;
            Value::String(group_digits(n, separator).into())
        }
        _ => return Err(type_error(filter, &value)),
    })
}

/// A size in bytes for people: `1000 B`, `1 kB`, `1.18 MB` (powers of 1024 with the
/// decimal units' names, as Tera's `humansize::WINDOWS` prints them; `KiB`, `MiB`... with
/// `binary=true`): a whole number of units without decimals, any other with two (`1.50 kB`,
/// and `1.00 kB` for 1,025 bytes), as Zola prints them.
fn file_size(bytes: f64, binary: bool) -> String {
    let units: [&str; 7] = if binary {
        ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    } else {
        ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
    };
    let mut size = bytes;
    let mut unit = 0;
    while size >= 1024.0 && unit + 1 < units.len() {
        size /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        return format!("{size} B");
    }
    if size.fract() == 0.0 {
        return format!("{size} {}", units[unit]);
    }
    format!("{size:.2} {}", units[unit])
}

/// The thousands separator of a locale, for the locales `num_format` knows (Zola's takes the
/// whole CLDR table; these are the common ones).
fn thousands_separator(locale: &str) -> Option<&'static str> {
    let language = locale.split(['-', '_']).next().unwrap_or(locale);
    Some(match language {
        "en" | "ja" | "zh" | "ko" | "he" | "th" => ",",
        "de" | "es" | "it" | "nl" | "pt" | "da" | "id" | "tr" | "el" | "ro" => ".",
        "fr" => "\u{202f}",
        "ru" | "uk" | "pl" | "cs" | "sv" | "fi" | "nb" | "no" | "hu" | "sk" | "bg" => "\u{a0}",
        _ => return None,
    })
}

/// `1234567` as `1,234,567` (with `separator`).
fn group_digits(n: i64, separator: &str) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 * separator.len() + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push_str(separator);
        }
        out.push(d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_grouped_digits() {
        assert_eq!(file_size(1000.0, false), "1000 B");
        assert_eq!(file_size(1_234_567.0, false), "1.18 MB");
        assert_eq!(file_size(2048.0, true), "2 KiB");
        assert_eq!(group_digits(-1_234_567, ","), "-1,234,567");
        assert_eq!(group_digits(999, "."), "999");
    }
}
