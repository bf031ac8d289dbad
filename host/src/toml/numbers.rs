//! The values written without quotes or brackets: integers (decimal, `0x`, `0o`, `0b`, with
//! `_` between digits), floats (fraction, exponent, `inf`, `nan`), booleans and date-times.

use super::cursor::Cursor;
use super::{Datetime, TomlError, Value};

/// Whether `b` may be part of a bare value's token.
fn in_token(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'-' | b'.' | b':')
}

impl Cursor<'_> {
    /// The bare value at the cursor: a number, a boolean or a date-time.
    pub(super) fn bare_value(&mut self) -> Result<Value, TomlError> {
        let start = self.pos;
        while self.peek().is_some_and(in_token) {
            self.pos += 1;
        }
        // A date may be followed by a space and a time: `1979-05-27 07:32:00`.
        if looks_like_date(&self.bytes[start..self.pos])
            && self.pos - start == 10
            && self.peek() == Some(b' ')
            && self.peek_at(1).is_some_and(|b| b.is_ascii_digit())
            && self.peek_at(2).is_some_and(|b| b.is_ascii_digit())
            && self.peek_at(3) == Some(b':')
        {
            self.pos += 1;
            while self.peek().is_some_and(in_token) {
                self.pos += 1;
            }
        }
        let token = &self.text[start..self.pos];
        if token.is_empty() {
            return Err(self.expected("a value (a string, number, boolean, date, array or table)"));
        }
        let bytes = token.as_bytes();
        if looks_like_date(bytes)
            || (bytes.len() > 2 && bytes[2] == b':' && bytes[0].is_ascii_digit())
        {
            return Datetime::parse_toml(token)
                .map(Value::Datetime)
                .map_err(|why| self.error(start, format!("invalid date-time `{token}`: {why}")));
        }
        match token {
            "true" => return Ok(Value::Boolean(true)),
            "false" => return Ok(Value::Boolean(false)),
            "inf" | "+inf" => return Ok(Value::Float(f64::INFINITY)),
            "-inf" => return Ok(Value::Float(f64::NEG_INFINITY)),
            "nan" | "+nan" => return Ok(Value::Float(f64::NAN)),
            "-nan" => return Ok(Value::Float(-f64::NAN)),
            _ => {}
        }
        number(token).map_err(|why| self.error(start, why))
    }
}

/// Whether `bytes` start as a date does (`1979-`).
fn looks_like_date(bytes: &[u8]) -> bool {
    bytes.len() > 4 && bytes[..4].iter().all(u8::is_ascii_digit) && bytes[4] == b'-'
}

/// An integer or float token.
fn number(token: &str) -> Result<Value, String> {
    let bytes = token.as_bytes();
    let first = bytes[0];
    if !(first.is_ascii_digit() || first == b'+' || first == b'-') {
        let hint = if token.chars().all(|c| c.is_alphanumeric() || c == '_' || c == '-') {
            format!(" (a string is written between quotes: \"{token}\")")
        } else {
            String::new()
        };
        return Err(format!("`{token}` is not a value{hint}"));
    }
    if let Some(rest) = token.strip_prefix('0')
        && let Some(radix_char) = rest.bytes().next()
        && let Some(radix) = match radix_char {
            b'x' => Some(16),
            b'o' => Some(8),
            b'b' => Some(2),
            _ => None,
        }
    {
        return radix_integer(token, &rest[1..], radix);
    }
    let is_float = token.contains(['.', 'e', 'E']);
    let unsigned = token.strip_prefix(['+', '-']).unwrap_or(token);
    // The integer part: no leading zero (but `0` itself), underscores between digits.
    let int_end = unsigned.find(['.', 'e', 'E']).unwrap_or(unsigned.len());
    let int_part = &unsigned[..int_end];
    check_digits(int_part, token, 10)?;
    if int_part.len() > 1 && int_part.starts_with('0') {
        return Err(format!(
            "`{token}`: a number cannot start with a zero (leading zeros are not allowed)"
        ));
    }
    if !is_float {
        let digits: String = token.chars().filter(|&c| c != '_').collect();
        return digits
            .parse::<i64>()
            .map(Value::Integer)
            .map_err(|_| format!("`{token}` does not fit in a 64-bit integer"));
    }
    let mut rest = &unsigned[int_end..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let end = fraction.find(['e', 'E']).unwrap_or(fraction.len());
        check_digits(&fraction[..end], token, 10)?;
        rest = &fraction[end..];
    }
    if !rest.is_empty() {
        let exponent = &rest[1..];
        let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
        check_digits(exponent, token, 10)?;
    }
    let digits: String = token.chars().filter(|&c| c != '_').collect();
    match digits.parse::<f64>() {
        Ok(float) if float.is_infinite() => {
            Err(format!("`{token}` is too large for a float (write `inf` for infinity)"))
        }
        Ok(float) => Ok(Value::Float(float)),
        Err(_) => Err(format!("`{token}` is not a number")),
    }
}

/// Checks that `digits` is digits of `radix` with single underscores between them.
fn check_digits(digits: &str, token: &str, radix: u32) -> Result<(), String> {
    if digits.is_empty() {
        return Err(format!("`{token}` is not a number (digits are missing)"));
    }
    let bytes = digits.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'_' {
            let between = i > 0
                && i + 1 < bytes.len()
                && bytes[i - 1] != b'_'
                && (bytes[i + 1] as char).is_digit(radix);
            if !between {
                return Err(format!("`{token}`: an underscore must be between two digits"));
            }
        } else if !(b as char).is_digit(radix) {
            return Err(format!("`{token}` is not a number (`{}` is not a digit here)", b as char));
        }
    }
    Ok(())
}

/// A hexadecimal, octal or binary integer: `digits` after `0x`, `0o` or `0b`.
fn radix_integer(token: &str, digits: &str, radix: u32) -> Result<Value, String> {
    check_digits(digits, token, radix)?;
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    // TOML: non-negative, and within a signed 64-bit integer.
    u64::from_str_radix(&clean, radix)
        .ok()
        .and_then(|n| i64::try_from(n).ok())
        .map(Value::Integer)
        .ok_or_else(|| format!("`{token}` does not fit in a 64-bit integer"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(token: &str) -> Result<Value, String> {
        let mut cursor = Cursor::new(token);
        cursor.bare_value().map_err(|e| e.message().to_string())
    }

    #[test]
    fn integers_of_every_radix_with_underscores() {
        for (token, expected) in [
            ("0", 0),
            ("+0", 0),
            ("-0", 0),
            ("99", 99),
            ("+17", 17),
            ("-17", -17),
            ("1_000_000", 1_000_000),
            ("0xDEADbeef", 0xdead_beef),
            ("0xdead_beef", 0xdead_beef),
            ("0o755", 0o755),
            ("0b1101_0110", 0b1101_0110),
            ("9223372036854775807", i64::MAX),
            ("-9223372036854775808", i64::MIN),
            ("0x7FFFFFFFFFFFFFFF", i64::MAX),
        ] {
            assert_eq!(value(token), Ok(Value::Integer(expected)), "{token}");
        }
    }

    #[test]
    fn floats_with_fractions_exponents_inf_and_nan() {
        for (token, expected) in [
            ("1.0", 1.0),
            ("+3.25", 3.25),
            ("-0.01", -0.01),
            ("5e+22", 5e22),
            ("1e06", 1e6),
            ("-2E-2", -0.02),
            ("6.626e-34", 6.626e-34),
            ("224_617.445_991", 224_617.445_991),
            ("0.0", 0.0),
            ("inf", f64::INFINITY),
            ("-inf", f64::NEG_INFINITY),
        ] {
            assert_eq!(value(token), Ok(Value::Float(expected)), "{token}");
        }
        assert!(matches!(value("nan"), Ok(Value::Float(f)) if f.is_nan()));
        assert!(matches!(value("-nan"), Ok(Value::Float(f)) if f.is_nan() && f.is_sign_negative()));
    }

    #[test]
    fn malformed_numbers_say_why() {
        for (token, why) in [
            ("01", "leading zeros"),
            ("00.5", "leading zeros"),
            ("1__0", "underscore"),
            ("_1", "not a value"),
            ("1_", "underscore"),
            ("1._5", "underscore"),
            ("1.", "digits are missing"),
            ("1.e5", "digits are missing"),
            ("1e", "digits are missing"),
            ("0x", "digits are missing"),
            ("-0x10", "not a digit"),
            ("0xG", "not a digit"),
            ("0o8", "not a digit"),
            ("0b2", "not a digit"),
            ("9223372036854775808", "64-bit"),
            ("0xFFFFFFFFFFFFFFFF", "64-bit"),
            ("yes", "between quotes"),
            ("+", "digits are missing"),
            ("1.5.5", "not a digit"),
            ("infinity", "not a value"),
            ("-1e1717", "too large for a float"),
            ("True", "not a value"),
        ] {
            let error = value(token).unwrap_err();
            assert!(error.contains(why), "{token}: {error}");
        }
        // `.5` does not even start a value.
        assert!(value(".5").is_err());
    }

    #[test]
    fn dates_may_have_a_space_before_their_time() {
        let Ok(Value::Datetime(dt)) = value("1979-05-27 07:32:00Z") else { panic!() };
        assert_eq!(dt.to_string(), "1979-05-27T07:32:00Z");
        let error = value("1979-05-27T25:00:00").unwrap_err();
        assert!(error.starts_with("invalid date-time `1979-05-27T25:00:00`"), "{error}");
    }
}
